from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

from ..migrating import keep_indexes


def _sync(sender, **kwargs):
    from .services import sync_case_types

    sync_case_types()


class CasesConfig(AppConfig):
    name = "jiayuan.cases"
    verbose_name = _("案件")

    def ready(self):
        from . import checks, effects  # noqa: F401  (registers the system check, the built-in guards and effects)
        from .declarations import autodiscover

        # every installed app's case types, with who reads them (selectors.cases_for
        # needs the read permissions in every process, not only after a migrate)
        autodiscover()

        post_migrate.connect(_sync, sender=self, dispatch_uid="jiayuan.cases.sync_case_types")
        keep_indexes(self, "0003_fewer_indexes", "sqlite_indexes")
