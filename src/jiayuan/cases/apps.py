import importlib

from django.apps import AppConfig
from django.db import connections
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

from ..migrating import keep_indexes


def _sync(sender, **kwargs):
    from .services import sync_case_types

    sync_case_types()


def _seed_calendar(sender, using="default", **kwargs):
    """Seed the official calendar again when its table is empty (a test's flush empties
    every table; see migration 0005): one query when it is not."""
    from django.db.migrations.recorder import MigrationRecorder

    from . import workdays

    if ("cases", "0005_seed_official_calendar") in MigrationRecorder(connections[using]).applied_migrations():
        importlib.import_module(f"{__package__}.migrations.0005_seed_official_calendar").seed(None, None)
    workdays.invalidate()


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
        post_migrate.connect(_seed_calendar, sender=self, dispatch_uid="jiayuan.cases.seed_calendar")
        keep_indexes(self, "0003_fewer_indexes", "sqlite_indexes")
