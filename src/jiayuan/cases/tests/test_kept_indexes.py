"""Indexes outside the migration state (jiayuan.migrating): on SQLite, a table rebuilt by
a later migration loses them; every ``migrate`` creates them again."""

import pytest
from django.core.management import call_command
from django.db import connection


def _indexes() -> set[str]:
    with connection.cursor() as cur:
        cur.execute("SELECT name FROM sqlite_master WHERE type = 'index'")
        return {name for (name,) in cur.fetchall()}


@pytest.mark.django_db(transaction=True)
def test_migrate_recreates_the_sqlite_only_indexes(audit_log_flushable):
    if connection.vendor != "sqlite":
        pytest.skip("the plain twins exist on SQLite only")
    kept = {"case_queue_idx", "case_board_idx", "case_region_created_idx", "household_region_idx",
            "person_region_idx"}
    assert kept <= _indexes()
    with connection.cursor() as cur:
        for name in kept:  # as a rebuild of the tables by a later migration would leave them
            cur.execute(f"DROP INDEX {name}")
    assert not kept & _indexes()
    call_command("migrate", verbosity=0)
    assert kept <= _indexes()
