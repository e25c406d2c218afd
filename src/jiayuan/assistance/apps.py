from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssistanceConfig(AppConfig):
    name = "jiayuan.assistance"
    verbose_name = _("社会救助")
