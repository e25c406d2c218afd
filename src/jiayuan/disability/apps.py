from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DisabilityConfig(AppConfig):
    name = "jiayuan.disability"
    verbose_name = _("残疾人")
