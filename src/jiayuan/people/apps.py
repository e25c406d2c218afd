from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from ..migrating import keep_indexes


class PeopleConfig(AppConfig):
    name = "jiayuan.people"
    verbose_name = _("人口与户")

    def ready(self):
        keep_indexes(self, "0003_fewer_indexes", "region_indexes")
