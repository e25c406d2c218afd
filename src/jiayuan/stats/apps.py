from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StatsConfig(AppConfig):
    name = "jiayuan.stats"
    verbose_name = _("统计与报表")

    def ready(self):
        from .registry import autodiscover

        # every installed app's ``indicators.py`` registers the rules of the indicators
        # whose data it owns (DESIGN.md principle 10)
        autodiscover()
