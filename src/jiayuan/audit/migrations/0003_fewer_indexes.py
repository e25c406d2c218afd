"""Fewer indexes on the audit log (docs/performance.md, "Import and export").

Every write of the system appends audit entries, and each entry costs one insert into
every index of the table. These indexes served no query:

- ``entry_hash`` unique (and, on PostgreSQL, its ``varchar_pattern_ops`` twin): two
  indexes on random 64-character keys, the costliest of the table. Nothing looks an
  entry up by its hash; the chain (``seq`` unique, ``prev_hash``, the chain head) is
  what ``jiayuan audit verify`` walks, and it detects a changed, removed or inserted
  entry without them;
- ``actor`` (a foreign-key index): ``audit_actor_idx`` (actor, seq) leads with it;
- ``action``'s ``varchar_pattern_ops`` twin on PostgreSQL: actions are filtered by
  equality, newest first, which ``audit_action_idx`` (action, seq) serves better.

On SQLite, Django rebuilds the table to change a column, which drops its triggers:
the append-only triggers of 0002 are created again.
"""

import django.db.models.deletion
from django.conf import settings
import importlib

from django.db import migrations, models


def sqlite_triggers_again(apps, schema_editor):
    """The append-only triggers of 0002, lost when SQLite rebuilt the table."""
    if schema_editor.connection.vendor != "sqlite":
        return
    first = importlib.import_module("jiayuan.audit.migrations.0002_append_only_triggers")
    with schema_editor.connection.cursor() as cur:
        for sql in first.SQLITE_DOWN + first.SQLITE_UP:
            cur.execute(sql)


class Migration(migrations.Migration):

    dependencies = [
        ('audit', '0002_append_only_triggers'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # Unapplied last when migrating back, after the table has been rebuilt again.
        migrations.RunPython(migrations.RunPython.noop, sqlite_triggers_again),
        migrations.AlterField(
            model_name='auditentry',
            name='action',
            field=models.CharField(max_length=40, verbose_name='动作'),
        ),
        migrations.AlterField(
            model_name='auditentry',
            name='actor',
            field=models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='操作人'),
        ),
        migrations.AlterField(
            model_name='auditentry',
            name='entry_hash',
            field=models.CharField(max_length=64),
        ),
        migrations.AddIndex(
            model_name='auditentry',
            index=models.Index(fields=['action', 'seq'], name='audit_action_idx'),
        ),
        migrations.RunPython(sqlite_triggers_again, migrations.RunPython.noop),
    ]
