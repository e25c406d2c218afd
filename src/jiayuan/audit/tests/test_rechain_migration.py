"""Migration ``audit.0004_keyed_chain``: an existing, unkeyed chain is re-chained once with
the keyed rule, the re-chaining is itself an audit entry, running it again changes
nothing, the append-only triggers are back afterwards, and a chain that was already
broken is not laundered. Run through Django's migration executor (back to 0003, entries
written the old way, forward again), on whichever database the suite uses (SQLite or
PostgreSQL): transactional tests, since SQLite cannot alter tables inside the test's
transaction."""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from .test_keyed_chain import keyed, run, unkeyed

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("audit", "0003_fewer_indexes")]
AFTER = [("audit", "0004_keyed_chain")]
FIELDS = ["seq", "occurred_at", "actor_id", "actor_name", "source", "action", "object_type", "object_id",
          "object_repr", "region_code", "changes", "extra", "prev_hash", "entry_hash"]


def migrate(target):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(target)
    return executor.loader.project_state(target).apps


def write_old_way(apps, actions: list[str]) -> tuple[int, str]:
    """Entries appended as the code before 0004 did: unkeyed SHA-256, head updated.
    Returns the new head (seq, hash)."""
    AuditEntry = apps.get_model("audit", "AuditEntry")
    ChainHead = apps.get_model("audit", "ChainHead")
    head, _ = ChainHead.objects.get_or_create(id=1)
    seq, prev = head.last_seq, head.last_hash
    now = timezone.now().replace(microsecond=123456)
    for i, action in enumerate(actions):
        seq += 1
        row = {"seq": seq, "occurred_at": now + timedelta(seconds=i), "actor_id": None, "actor_name": "old_writer",
               "source": "command", "action": action, "object_type": "people.person", "object_id": str(seq),
               "object_repr": f"旧记录{seq}", "region_code": "620702001001", "changes": {"name": [None, f"旧{seq}"]},
               "extra": {}, "prev_hash": prev}
        prev = unkeyed(row)
        AuditEntry.objects.create(**row, entry_hash=prev)
    ChainHead.objects.filter(id=1).update(last_seq=seq, last_hash=prev)
    return seq, prev


def all_rows(apps) -> list[dict]:
    return list(apps.get_model("audit", "AuditEntry").objects.order_by("seq").values(*FIELDS))


def triggers_refuse_update(apps) -> bool:
    AuditEntry = apps.get_model("audit", "AuditEntry")
    try:
        with transaction.atomic():
            AuditEntry.objects.filter(seq=1).update(object_repr="x")
    except DatabaseError:
        return True
    return False


def test_migrating_forward_rechains_an_unkeyed_log_once_and_audits_it(audit_log_flushable):
    from jiayuan.audit.services import Actor, record

    record(Actor(None, "system"), "x.keyed_before")  # a keyed entry, re-chained back to the old rule below
    old = migrate(BEFORE)
    back = all_rows(old)
    assert back[-1]["action"] == "audit.rechain"
    assert (back[-1]["extra"]["from_algorithm"], back[-1]["extra"]["to_algorithm"]) == (2, 1)
    assert all(r["entry_hash"] == unkeyed(r) for r in back)  # the previous release verifies its log
    assert triggers_refuse_update(old)

    old_seq, old_hash = write_old_way(old, ["person.create", "person.update", "person.view"])
    before = all_rows(old)
    assert [r["seq"] for r in before] == list(range(1, old_seq + 1))

    new = migrate(AFTER)
    rows = all_rows(new)
    assert len(rows) == old_seq + 1
    prev = "0" * 64
    for was, row in zip(before, rows):  # same entries, keyed hashes, re-linked
        assert {k: row[k] for k in FIELDS[:12]} == {k: was[k] for k in FIELDS[:12]}
        assert row["prev_hash"] == prev and row["entry_hash"] == keyed(row)
        prev = row["entry_hash"]
    mark = rows[-1]
    assert (mark["seq"], mark["action"], mark["actor_id"], mark["actor_name"], mark["source"]) == (
        old_seq + 1, "audit.rechain", None, "system", "system")
    assert mark["extra"] == {"migration": "audit.0004_keyed_chain", "from_seq": 1, "to_seq": old_seq,
                             "from_algorithm": 1, "to_algorithm": 2, "old_head_hash": old_hash,
                             "new_head_hash": rows[-2]["entry_hash"]}
    assert mark["prev_hash"] == rows[-2]["entry_hash"] and mark["entry_hash"] == keyed(mark)
    head = new.get_model("audit", "ChainHead").objects.get(id=1)
    assert (head.last_seq, head.last_hash, head.algorithm) == (old_seq + 1, mark["entry_hash"], 2)
    assert triggers_refuse_update(new)
    status, out, err = run("verify")
    assert (status, err) == (0, "")
    assert out.strip() == f"审计日志完整：共 {old_seq + 1} 条记录，哈希链校验通过。"

    # Idempotent: the same step again (as after a re-run of migrate) changes nothing.
    from importlib import import_module

    step = import_module("jiayuan.audit.migrations.0004_keyed_chain")
    with transaction.atomic():
        step.forwards(new, SimpleNamespace(connection=connection))
    assert all_rows(new) == rows


def test_a_log_already_broken_is_not_laundered(audit_log_flushable, monkeypatch):
    from jiayuan.audit.services import Actor, record

    record(Actor(None, "system"), "x.keyed_before")
    old = migrate(BEFORE)
    write_old_way(old, ["person.create", "person.update"])
    AuditEntry = old.get_model("audit", "AuditEntry")
    target = AuditEntry.objects.order_by("-seq").values_list("seq", flat=True)[0] - 1
    with connection.cursor() as cur:  # tampered with while the log was unkeyed
        if connection.vendor == "postgresql":
            cur.execute("ALTER TABLE audit_auditentry DISABLE TRIGGER audit_entry_no_update")
        else:
            cur.execute("DROP TRIGGER audit_entry_no_update")
        cur.execute("UPDATE audit_auditentry SET object_repr = '改过' WHERE seq = %s", [target])
        if connection.vendor == "postgresql":
            cur.execute("ALTER TABLE audit_auditentry ENABLE TRIGGER audit_entry_no_update")
        else:
            from importlib import import_module

            cur.execute(import_module("jiayuan.audit.migrations.0002_append_only_triggers").SQLITE_UP[0])
    before = all_rows(old)

    with pytest.raises(CommandError) as exc:
        migrate(AFTER)
    assert str(exc.value).startswith(
        f"审计日志哈希链在重新计算之前已不完整：第 {target} 条记录的内容已被改动（哈希不符）。重新计算会掩盖这一点，"
        "因此迁移已停止，未作任何改动。")
    assert all_rows(old) == before  # rolled back, triggers included
    assert triggers_refuse_update(old)

    monkeypatch.setenv("JIAYUAN_AUDIT_RECHAIN_BROKEN", "accept")
    new = migrate(AFTER)
    mark = all_rows(new)[-1]
    assert mark["extra"]["old_chain_fault"] == {"seq": target, "reason": f"第 {target} 条记录的内容已被改动（哈希不符）"}
    assert run("verify")[0] == 0
