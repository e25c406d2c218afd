"""Tamper evidence: ``jiayuan audit verify`` exits 0 on an intact chain and exits non-zero
naming the first bad entry after an entry is altered or deleted; the database triggers
refuse UPDATE and DELETE while they are in place.

The tamper tests act as an attacker with database rights: they drop the append-only
triggers with raw SQL first. Everything happens inside the test's transaction, so the
triggers are back afterwards (the last tests of this file check that they are).
"""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from jiayuan.audit.models import AuditEntry, ChainHead
from jiayuan.audit.services import hash_content

pytestmark = pytest.mark.django_db


def verify() -> tuple[int, str, str]:
    """(exit status, stdout, stderr) of the audit verify command."""
    out, err = StringIO(), StringIO()
    try:
        call_command("audit", "verify", stdout=out, stderr=err)
        status = 0
    except SystemExit as exc:
        status = exc.code
    return status, out.getvalue(), err.getvalue()


def drop_append_only_triggers() -> None:
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("DROP TRIGGER audit_entry_no_update ON audit_auditentry")
        else:
            cur.execute("DROP TRIGGER audit_entry_no_update")
            cur.execute("DROP TRIGGER audit_entry_no_delete")


@pytest.fixture
def chain(make_person, users):
    """Five fresh entries after the session's division load; returns their seq numbers."""
    from jiayuan.audit.services import Actor
    from jiayuan.people.services import update_person

    first = AuditEntry.objects.count() + 1
    p = make_person(name="张建国")
    actor = Actor(users["community"], "page")
    for address in ("南关 1 号", "南关 2 号", "南关 3 号", "南关 4 号"):
        p = update_person(actor, p, {"address": address})
    seqs = list(AuditEntry.objects.filter(seq__gte=first).order_by("seq").values_list("seq", flat=True))
    assert len(seqs) == 5
    return seqs


def test_an_intact_chain_verifies(chain):
    status, out, err = verify()
    total = AuditEntry.objects.count()
    assert (status, err) == (0, "")
    assert out.strip() == f"审计日志完整：共 {total} 条记录，哈希链校验通过。"


def test_the_chain_head_names_the_last_entry(chain):
    head = ChainHead.objects.get(id=1)
    last = AuditEntry.objects.order_by("-seq").first()
    assert (head.last_seq, head.last_hash) == (last.seq, last.entry_hash)


def test_altering_one_entrys_changes_is_detected_at_that_entry(chain):
    middle = chain[2]
    drop_append_only_triggers()
    AuditEntry.objects.filter(seq=middle).update(changes={"address": ["南关 1 号", "北关 9 号"]})
    status, _out, err = verify()
    assert status == 1
    assert err.strip() == f"审计日志校验失败：第 {middle} 条记录。第 {middle} 条记录的内容已被改动（哈希不符）"


@pytest.mark.parametrize("field, value", [
    ("actor_name", "someone_else"),
    ("action", "person.view"),
    ("object_id", "999"),
    ("region_code", "620722102200"),
    ("source", "import"),
])
def test_altering_any_recorded_field_is_detected(chain, field, value):
    drop_append_only_triggers()
    AuditEntry.objects.filter(seq=chain[1]).update(**{field: value})
    status, _out, err = verify()
    assert status == 1
    assert f"第 {chain[1]} 条记录" in err


def test_an_altered_entry_with_a_recomputed_hash_breaks_the_next_link(chain):
    """The attacker also rewrites the entry's own hash: the next entry's prev_hash no
    longer matches, so the break shows at the next entry."""
    target = chain[1]
    drop_append_only_triggers()
    entry = AuditEntry.objects.filter(seq=target).values(*[f.attname for f in AuditEntry._meta.concrete_fields])[0]
    entry["changes"] = {"address": ["南关 1 号", "北关 9 号"]}
    AuditEntry.objects.filter(seq=target).update(changes=entry["changes"], entry_hash=hash_content(entry))
    status, _out, err = verify()
    assert status == 1
    assert err.strip() == (f"审计日志校验失败：第 {target + 1} 条记录。"
                           f"第 {target + 1} 条记录的前序哈希与第 {target} 条不符")


def test_deleting_a_middle_entry_is_detected_at_the_gap(chain):
    middle = chain[2]
    drop_append_only_triggers()
    AuditEntry.objects.filter(seq=middle).delete()
    status, _out, err = verify()
    assert status == 1
    assert err.strip() == f"审计日志校验失败：第 {middle} 条记录。第 {middle} 条记录缺失（下一条为第 {middle + 1} 条）"


def test_deleting_the_first_entry_is_detected(chain):
    drop_append_only_triggers()
    AuditEntry.objects.filter(seq=1).delete()
    status, _out, err = verify()
    assert status == 1
    assert err.startswith("审计日志校验失败：第 1 条记录。")


def test_deleting_the_newest_entry_is_detected_by_the_chain_head(chain):
    newest = chain[-1]
    assert newest == AuditEntry.objects.order_by("-seq").values_list("seq", flat=True)[0]
    drop_append_only_triggers()
    AuditEntry.objects.filter(seq=newest).delete()
    status, _out, err = verify()
    assert status == 1
    assert err.strip() == (f"审计日志校验失败：第 {newest} 条记录。"
                           f"链尾记录缺失：应有 {newest} 条，实有 {newest - 1} 条")


def test_the_console_script_exits_non_zero_on_a_broken_chain(chain, capsys, monkeypatch):
    from jiayuan.cli import main

    monkeypatch.setattr("django.db.connections.close_all", lambda: None)  # keep the test's transaction
    drop_append_only_triggers()
    AuditEntry.objects.filter(seq=chain[0]).update(object_repr="改过")
    with pytest.raises(SystemExit) as exc:
        main(["jiayuan", "audit", "verify"])
    assert exc.value.code == 1
    assert f"第 {chain[0]} 条记录的内容已被改动" in capsys.readouterr().err


# --- the triggers (kept last: they also show the tamper tests left them in place) ---------

def test_the_database_refuses_to_update_an_entry(chain):
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(seq=chain[0]).update(changes={})
    with pytest.raises(DatabaseError), transaction.atomic():
        with connection.cursor() as cur:
            cur.execute("UPDATE audit_auditentry SET action = 'x' WHERE seq = %s", [chain[0]])
    assert verify()[0] == 0


def test_the_database_refuses_to_delete_an_entry(chain):
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(seq=chain[-1]).delete()
    with pytest.raises(DatabaseError), transaction.atomic():
        with connection.cursor() as cur:
            cur.execute("DELETE FROM audit_auditentry WHERE seq = %s", [chain[1]])
    assert AuditEntry.objects.filter(seq__in=chain).count() == 5
    assert verify()[0] == 0
