"""Indexes that live outside Django's migration state.

A few indexes are created by ``RunPython`` for one database only (plain twins of
PostgreSQL's ``varchar_pattern_ops`` indexes, kept on SQLite: ``cases.0003``,
``people.0003``). Django does not know them, and on SQLite any later migration that
alters a column of the table rebuilds it (``_remake_table``) without them. So each app
that has such a migration runs its index function again after every ``migrate``: the
functions use ``CREATE INDEX IF NOT EXISTS`` and cost nothing when the indexes exist.
"""

import importlib
from types import SimpleNamespace

from django.db import connections
from django.db.models.signals import post_migrate


def keep_indexes(app_config, migration: str, function: str) -> None:
    """Run ``function(apps, schema_editor)`` of ``app_config``'s ``migration`` module
    after every ``migrate`` of that app (connect from ``AppConfig.ready``)."""

    def again(sender, using="default", plan=None, **kwargs):
        from django.db.migrations.recorder import MigrationRecorder

        connection = connections[using]
        if (app_config.label, migration) not in MigrationRecorder(connection).applied_migrations():
            return  # not applied (or migrated back before it): its indexes are not wanted
        module = importlib.import_module(f"{app_config.name}.migrations.{migration}")
        getattr(module, function)(None, SimpleNamespace(connection=connection))

    post_migrate.connect(again, sender=app_config, weak=False,
                         dispatch_uid=f"{app_config.name}.keep_indexes.{migration}")
