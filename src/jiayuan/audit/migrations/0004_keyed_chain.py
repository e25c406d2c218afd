"""Key the audit chain (issue 11): every entry re-chained once with HMAC-SHA256 under the
audit key (``jiayuan.security.audit_key``, derived from ``JIAYUAN_FIELD_KEY``, never
stored in the database), the chain head marked with the algorithm version, and the
re-chaining itself recorded as an entry ``audit.rechain`` (actor: the system) that names
the range re-chained and the old and new head hashes.

Forwards, in the migration's one transaction, with the chain head locked:

1. the old chain is checked with the old rule (unkeyed SHA-256, ``rules.legacy_entry_hash``),
   every link, every hash and the head: re-chaining a tampered log would make it look
   intact, so a broken old chain stops the migration with a Chinese message naming the
   first bad entry — unless ``JIAYUAN_AUDIT_RECHAIN_BROKEN=accept`` is set, when the
   fault is written into the ``audit.rechain`` entry (and a gap stays a gap);
2. the append-only triggers of 0002 are lifted for this transaction only (PostgreSQL:
   ``ALTER TABLE … DISABLE TRIGGER``, which also locks the table against writers; SQLite:
   the triggers dropped and created again as 0002 creates them) and each entry's
   ``prev_hash`` and ``entry_hash`` are rewritten with the keyed rule, in ``seq`` order;
3. the ``audit.rechain`` entry is appended and the head set to it, algorithm 2.

Idempotent: a head that already names the target algorithm is left alone, and an empty
log (a new database) has nothing to re-chain. Backwards does the same towards the
unkeyed rule (so that the previous release verifies its log again), also recorded.
Only one rule exists in a chain at any time: verify never needs to know which entries
were written when.
"""

import importlib
import os
from datetime import UTC

from django.core.management.base import CommandError
from django.db import migrations, models
from django.utils import timezone

GENESIS = "0" * 64
CHUNK = 2000


def _hasher(algorithm: int):
    from jiayuan import security
    from jiayuan.audit import rules

    if algorithm == 1:
        return rules.legacy_entry_hash
    keyed = security.audit_hasher()
    return lambda content: rules.entry_hash(content, keyed)


def _normalised(row: dict) -> dict:
    c = dict(row)
    c["occurred_at"] = c["occurred_at"].astimezone(UTC).isoformat(timespec="microseconds")
    return c


def _lift_triggers(connection):
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("ALTER TABLE audit_auditentry DISABLE TRIGGER audit_entry_no_update")
        elif connection.vendor == "sqlite":
            first = importlib.import_module("jiayuan.audit.migrations.0002_append_only_triggers")
            for sql in first.SQLITE_DOWN:
                cur.execute(sql)


def _restore_triggers(connection):
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("ALTER TABLE audit_auditentry ENABLE TRIGGER audit_entry_no_update")
        elif connection.vendor == "sqlite":
            first = importlib.import_module("jiayuan.audit.migrations.0002_append_only_triggers")
            for sql in first.SQLITE_UP:
                cur.execute(sql)


def rechain(apps, schema_editor, to_algorithm: int) -> None:
    """Re-chain every entry from the head's algorithm to ``to_algorithm`` (1 or 2)."""
    connection = schema_editor.connection
    AuditEntry = apps.get_model("audit", "AuditEntry")
    ChainHead = apps.get_model("audit", "ChainHead")
    head = ChainHead.objects.select_for_update().filter(id=1).first()
    if head is None and not AuditEntry.objects.exists():
        return  # a new database: nothing written yet, the first writer creates the head
    from_algorithm = head.algorithm if head else 1
    if from_algorithm == to_algorithm:
        return
    old_hash, new_hash = _hasher(from_algorithm), _hasher(to_algorithm)
    head_seq = head.last_seq if head else 0
    head_hash = head.last_hash if head else GENESIS
    fields = [f.attname for f in AuditEntry._meta.concrete_fields if f.attname != "id"]

    fault = None
    expected, prev_old, prev_new, last = 1, GENESIS, GENESIS, 0
    lifted = False
    try:
        while True:
            rows = list(AuditEntry.objects.filter(seq__gt=last).order_by("seq").values(*fields)[:CHUNK])
            if not rows:
                break
            updates = []
            for row in rows:
                seq = row["seq"]
                if fault is None:
                    if seq != expected:
                        fault = {"seq": expected, "reason": f"第 {expected} 条记录缺失（下一条为第 {seq} 条）"}
                    elif row["prev_hash"] != prev_old:
                        fault = {"seq": seq, "reason": f"第 {seq} 条记录的前序哈希与第 {seq - 1} 条不符"}
                    elif old_hash(_normalised(row)) != row["entry_hash"]:
                        fault = {"seq": seq, "reason": f"第 {seq} 条记录的内容已被改动（哈希不符）"}
                    if fault is not None and os.environ.get("JIAYUAN_AUDIT_RECHAIN_BROKEN") != "accept":
                        raise CommandError(
                            f"审计日志哈希链在重新计算之前已不完整：{fault['reason']}。重新计算会掩盖这一点，"
                            "因此迁移已停止，未作任何改动。请先查明原因；确需继续时，设置 "
                            "JIAYUAN_AUDIT_RECHAIN_BROKEN=accept 再迁移，问题将记入重链审计记录。")
                prev_old, expected = row["entry_hash"], seq + 1
                row["prev_hash"] = prev_new
                prev_new = new_hash(_normalised(row))
                updates.append((row["prev_hash"], prev_new, seq))
            if not lifted:
                _lift_triggers(connection)
                lifted = True
            with connection.cursor() as cur:
                cur.executemany("UPDATE audit_auditentry SET prev_hash = %s, entry_hash = %s WHERE seq = %s",
                                updates)
            last = rows[-1]["seq"]
        if fault is None and (head_seq != last or head_hash != prev_old):
            fault = {"seq": last + 1, "reason": f"链尾记录缺失：应有 {head_seq} 条，实有 {last} 条"}
            if os.environ.get("JIAYUAN_AUDIT_RECHAIN_BROKEN") != "accept":
                raise CommandError(
                    f"审计日志哈希链在重新计算之前已不完整：{fault['reason']}。重新计算会掩盖这一点，"
                    "因此迁移已停止，未作任何改动。请先查明原因；确需继续时，设置 "
                    "JIAYUAN_AUDIT_RECHAIN_BROKEN=accept 再迁移，问题将记入重链审计记录。")
    finally:
        if lifted:
            _restore_triggers(connection)

    extra = {"migration": "audit.0004_keyed_chain", "from_seq": 1 if last else 0, "to_seq": last,
             "from_algorithm": from_algorithm, "to_algorithm": to_algorithm,
             "old_head_hash": head_hash, "new_head_hash": prev_new}
    if fault is not None:
        extra["old_chain_fault"] = fault
    seq = last + 1
    content = {"seq": seq, "occurred_at": timezone.now(), "actor_id": None, "actor_name": "system",
               "source": "system", "action": "audit.rechain", "object_type": "", "object_id": "",
               "object_repr": "", "region_code": "", "changes": {}, "extra": extra, "prev_hash": prev_new}
    digest = new_hash(_normalised(content))
    AuditEntry.objects.create(**content, entry_hash=digest)
    ChainHead.objects.update_or_create(id=1, defaults={"last_seq": seq, "last_hash": digest,
                                                       "algorithm": to_algorithm})


def forwards(apps, schema_editor):
    rechain(apps, schema_editor, 2)


def backwards(apps, schema_editor):
    rechain(apps, schema_editor, 1)


class Migration(migrations.Migration):

    dependencies = [
        ("audit", "0003_fewer_indexes"),
    ]

    operations = [
        # Existing heads are of the unkeyed rule (1); heads created from now on, of the keyed one (2).
        migrations.AddField(
            model_name="chainhead",
            name="algorithm",
            field=models.PositiveSmallIntegerField(default=1),
        ),
        migrations.RunPython(forwards, backwards),
        migrations.AlterField(
            model_name="chainhead",
            name="algorithm",
            field=models.PositiveSmallIntegerField(default=2),
        ),
    ]
