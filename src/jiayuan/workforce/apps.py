from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkforceConfig(AppConfig):
    name = "jiayuan.workforce"
    verbose_name = _("社区工作者队伍")
