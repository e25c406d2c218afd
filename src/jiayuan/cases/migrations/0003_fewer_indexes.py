"""Fewer indexes on the case tables (docs/performance.md, cases).

A transition writes a new version of the case row, and PostgreSQL adds an entry to
every index on the table whose condition the new row meets. The case table had 20
indexes; these were not needed by any query:

- the plain btree twins of 0002's ``varchar_pattern_ops`` indexes on PostgreSQL
  (``case_queue_idx``, ``case_board_idx``, ``case_region_created_idx``; with a non-C
  collation a plain btree cannot serve ``region_code LIKE '6207%'``, and the pattern
  indexes serve equality as well) — SQLite keeps them (created below, SQLite only);
- ``case_category_idx``: categories are filtered by prefix, which it cannot serve;
- the foreign-key indexes that another index leads with (``created_by`` →
  ``case_reporter_idx``; ``CaseEvent.case`` → ``caseevent_seq_unique``;
  ``CaseTask.department`` → ``casetask_queue_idx``), or that nothing looks up
  (``case_type``; ``region``, whose plain and ``_like`` indexes duplicate
  ``case_region_like``);
- foreign keys empty on most rows (subject person and household, department) keep a
  partial index on the rows that have one: enough for lookups and PROTECT checks.

"""
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


SQLITE_INDEXES = [
    ("case_queue_idx", "queue, region_code, due_at", "is_open"),
    ("case_board_idx", "type_code, state, region_code, due_at", "is_open"),
    ("case_region_created_idx", "region_code, created_at", ""),
]


def sqlite_indexes(apps, schema_editor):
    """The queue, board and region indexes for databases other than PostgreSQL (which
    has the pattern-ops ones of 0002)."""
    if schema_editor.connection.vendor == "postgresql":
        return
    with schema_editor.connection.cursor() as cur:
        for name, cols, where in SQLITE_INDEXES:
            cur.execute(f"CREATE INDEX IF NOT EXISTS {name} ON cases_case ({cols})" + (f" WHERE {where}" if where else ""))


def drop_sqlite_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        return
    with schema_editor.connection.cursor() as cur:
        for name, *_ in SQLITE_INDEXES:
            cur.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0002_pattern_indexes'),
        ('people', '0002_search_indexes_and_tag_kinds'),
        ('regions', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='case',
            name='case_queue_idx',
        ),
        migrations.RemoveIndex(
            model_name='case',
            name='case_board_idx',
        ),
        migrations.RemoveIndex(
            model_name='case',
            name='case_region_created_idx',
        ),
        migrations.RemoveIndex(
            model_name='case',
            name='case_category_idx',
        ),
        migrations.AlterField(
            model_name='case',
            name='case_type',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='cases', to='cases.casetype'),
        ),
        migrations.AlterField(
            model_name='case',
            name='created_by',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='登记人'),
        ),
        migrations.AlterField(
            model_name='case',
            name='department',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='cases.department', verbose_name='承办部门'),
        ),
        migrations.AlterField(
            model_name='case',
            name='region',
            field=models.ForeignKey(db_column='region_code', db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='regions.region', verbose_name='所属区划'),
        ),
        migrations.AlterField(
            model_name='case',
            name='subject_household',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='people.household', verbose_name='当事户'),
        ),
        migrations.AlterField(
            model_name='case',
            name='subject_person',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='people.person', verbose_name='当事人'),
        ),
        migrations.AlterField(
            model_name='caseevent',
            name='case',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='events', to='cases.case'),
        ),
        migrations.AlterField(
            model_name='caseevent',
            name='department',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='cases.department'),
        ),
        migrations.AlterField(
            model_name='casetask',
            name='department',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='tasks', to='cases.department'),
        ),
        migrations.AddIndex(
            model_name='case',
            index=models.Index(condition=models.Q(('subject_person__isnull', False)), fields=['subject_person'], name='case_subject_person_idx'),
        ),
        migrations.AddIndex(
            model_name='case',
            index=models.Index(condition=models.Q(('subject_household__isnull', False)), fields=['subject_household'], name='case_subject_household_idx'),
        ),
        migrations.AddIndex(
            model_name='case',
            index=models.Index(condition=models.Q(('department__isnull', False)), fields=['department'], name='case_department_idx'),
        ),
        migrations.AddIndex(
            model_name='caseevent',
            index=models.Index(condition=models.Q(('department__isnull', False)), fields=['department'], name='caseevent_department_idx'),
        ),
        migrations.RunPython(sqlite_indexes, drop_sqlite_indexes),
    ]
