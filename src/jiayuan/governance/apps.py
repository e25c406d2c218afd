from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GovernanceConfig(AppConfig):
    name = "jiayuan.governance"
    verbose_name = _("基层治理")
