"""PostgreSQL indexes for prefix LIKE on region codes (``region_code LIKE '6207%'``),
which need ``varchar_pattern_ops`` under any collation, shaped for "my queue" (queue,
region prefix, due first) and the dispatcher board (type, state, region prefix). SQLite
uses the ordinary indexes of 0001."""

from django.db import migrations

PG_INDEXES = [
    ("case_queue_like", "cases_case", "queue, region_code varchar_pattern_ops, due_at", "is_open"),
    ("case_board_like", "cases_case", "type_code, state, region_code varchar_pattern_ops, due_at", "is_open"),
    ("case_region_like", "cases_case", "region_code varchar_pattern_ops, created_at", ""),
    ("department_region_like", "cases_department", "region_code varchar_pattern_ops", ""),
]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cur:
        for name, table, cols, where in PG_INDEXES:
            cur.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} ({cols})" + (f" WHERE {where}" if where else ""))


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cur:
        for name, *_ in PG_INDEXES:
            cur.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
