"""Fewer indexes on households and persons (docs/performance.md, "Import and export").

Django gives every foreign key an index, and on PostgreSQL a second,
``varchar_pattern_ops`` one for a character key. A roster import inserts into all of
them for every row:

- ``Household.community``: the unique (community, number) index leads with it;
- ``Household.region`` and ``Person.region``: on PostgreSQL one pattern-ops index each
  (``*_region_like``), which serves both the scope's prefix ``LIKE '620702%'`` and
  equality (joins, ``PROTECT`` checks), instead of a plain and a pattern twin; on SQLite
  one plain index each, as before.
"""

import django.db.models.deletion
from django.db import migrations, models

REGION_INDEXES = [("household_region", "people_household"), ("person_region", "people_person")]


def region_indexes(apps, schema_editor):
    postgres = schema_editor.connection.vendor == "postgresql"
    with schema_editor.connection.cursor() as cur:
        for name, table in REGION_INDEXES:
            if postgres:
                cur.execute(f"CREATE INDEX IF NOT EXISTS {name}_like ON {table} (region_code varchar_pattern_ops)")
            else:
                cur.execute(f"CREATE INDEX IF NOT EXISTS {name}_idx ON {table} (region_code)")


def drop_region_indexes(apps, schema_editor):
    with schema_editor.connection.cursor() as cur:
        for name, _ in REGION_INDEXES:
            cur.execute(f"DROP INDEX IF EXISTS {name}_like")
            cur.execute(f"DROP INDEX IF EXISTS {name}_idx")


class Migration(migrations.Migration):

    dependencies = [
        ('people', '0002_search_indexes_and_tag_kinds'),
        ('regions', '0001_initial'),
    ]

    operations = [
        migrations.AlterField(
            model_name='household',
            name='community',
            field=models.ForeignKey(db_column='community_code', db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='regions.region', verbose_name='所属社区（村）'),
        ),
        migrations.AlterField(
            model_name='household',
            name='region',
            field=models.ForeignKey(db_column='region_code', db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='households', to='regions.region', verbose_name='所属网格（社区）'),
        ),
        migrations.AlterField(
            model_name='person',
            name='region',
            field=models.ForeignKey(db_column='region_code', db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='persons', to='regions.region', verbose_name='所属网格（社区）'),
        ),
        migrations.RunPython(region_indexes, drop_region_indexes),
    ]
