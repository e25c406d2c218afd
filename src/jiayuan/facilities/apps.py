from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FacilitiesConfig(AppConfig):
    name = "jiayuan.facilities"
    verbose_name = _("社区设施与经费")
