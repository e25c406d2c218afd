from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImportsConfig(AppConfig):
    name = "jiayuan.imports"
    verbose_name = _("台账导入")
