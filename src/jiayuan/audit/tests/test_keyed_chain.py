"""The keyed chain (issue 11, finding 4): entry hashes are HMAC-SHA256 under a key
derived from the configuration, so a consistent rewrite by someone who can write the
database but lacks the key is caught; anchors kept elsewhere catch a consistent rewrite
even by someone who holds the key.

Expected hashes are computed here from the documented rule, not with the code under
test: key = HKDF-SHA256(JIAYUAN_FIELD_KEY, salt "jiayuan", info "audit-chain", 32 bytes);
entry_hash = HMAC-SHA256(key, canonical JSON of the 13 hashed fields) in hex.
"""

import hashlib
import hmac
import json
from datetime import UTC
from io import StringIO

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from jiayuan.audit.models import AuditEntry, ChainHead

from .test_chain import chain, drop_append_only_triggers  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db

FIELDS = ("seq", "occurred_at", "actor_id", "actor_name", "source", "action", "object_type", "object_id",
          "object_repr", "region_code", "changes", "extra", "prev_hash")


def audit_key(field_key: str | None = None) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"jiayuan", info=b"audit-chain").derive(
        (field_key or settings.FIELD_KEY).encode("utf-8"))


def canonical(row: dict) -> bytes:
    payload = {k: row[k] for k in FIELDS}
    payload["occurred_at"] = row["occurred_at"].astimezone(UTC).isoformat(timespec="microseconds")
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def keyed(row: dict) -> str:
    return hmac.new(audit_key(), canonical(row), hashlib.sha256).hexdigest()


def unkeyed(row: dict) -> str:
    return hashlib.sha256(canonical(row)).hexdigest()


def rows_from(seq: int) -> list[dict]:
    fields = [f.attname for f in AuditEntry._meta.concrete_fields]
    return list(AuditEntry.objects.filter(seq__gte=seq).order_by("seq").values(*fields))


def rewrite_from(seq: int, changes: dict, digest) -> None:
    """What an attacker with database rights does: alter entry ``seq``, recompute every
    hash from there onward with ``digest`` and update the chain head to match."""
    drop_append_only_triggers()
    rows = rows_from(seq)
    prev = rows[0]["prev_hash"]
    rows[0]["changes"] = changes
    for row in rows:
        row["prev_hash"] = prev
        prev = digest(row)
        AuditEntry.objects.filter(seq=row["seq"]).update(changes=row["changes"], prev_hash=row["prev_hash"],
                                                         entry_hash=prev)
    ChainHead.objects.filter(id=1).update(last_seq=rows[-1]["seq"], last_hash=prev)


def run(*args) -> tuple[int, str, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command("audit", *args, stdout=out, stderr=err)
        status = 0
    except SystemExit as exc:
        status = exc.code
    return status, out.getvalue(), err.getvalue()


# --- the key ----------------------------------------------------------------------------------

def test_every_entry_carries_the_hmac_under_the_configured_key(chain):
    for row in rows_from(1):
        assert row["entry_hash"] == keyed(row), row["seq"]


def test_bulk_entries_carry_the_same_hmac_and_verify(users):
    from jiayuan.audit.services import Actor, record_bulk, record_many

    actor = Actor(users["community"], "import", {"import_job": 3})
    record_many(actor, [{"action": "x.before"}])
    first = AuditEntry.objects.order_by("-seq").values_list("seq", flat=True)[0] + 1
    items = [{"action": "person.create", "object_type": "people.person", "object_id": i, "object_repr": f"张{i}号",
              "region_code": "620702001001", "changes": {"name": [None, f"张{i}号"], "id_number": ["***", "***"]},
              "extra": {"row": i}} for i in range(700)]
    items.append({"action": "tag.add", "object_id": "9", "changes_json": '{"tag":[null,"残疾人"]}'})
    assert record_bulk(actor, items) == 701
    record_many(actor, [{"action": "x.after"}])
    rows = rows_from(first)
    assert len(rows) == 702
    prev = AuditEntry.objects.get(seq=first - 1).entry_hash
    for row in rows:
        assert row["prev_hash"] == prev
        assert row["entry_hash"] == keyed(row), row["seq"]
        prev = row["entry_hash"]
    assert rows[700]["changes"] == {"tag": [None, "残疾人"]}
    status, out, err = run("verify")
    assert (status, err) == (0, "")


def test_the_key_comes_from_the_configuration(chain, settings):
    """Another JIAYUAN_FIELD_KEY gives another audit key: the same entries no longer verify."""
    settings.FIELD_KEY = "another-field-key-of-at-least-32-characters"
    status, _out, err = run("verify")
    assert status == 1
    assert err.strip() == "审计日志校验失败：第 1 条记录。第 1 条记录的内容已被改动（哈希不符）"


def test_the_key_is_never_written_to_the_database(chain):
    from jiayuan import security

    key = audit_key()
    assert security.audit_key() == key
    assert key not in (security._keys(settings.FIELD_KEY)[1],)  # not the lookup key
    with connection.cursor() as cur:
        dumps = []
        for table in ("audit_auditentry", "audit_chainhead"):
            cur.execute(f"SELECT * FROM {table}")
            dumps.append(repr(cur.fetchall()))
    dump = "".join(dumps)
    assert key.hex() not in dump and settings.FIELD_KEY not in dump


# --- (a) a rewrite by someone without the key ----------------------------------------------

def test_a_consistent_rewrite_with_the_unkeyed_rule_is_detected(chain):
    """The attack of finding 4: alter an entry, recompute the unkeyed SHA-256 of every
    entry onward and the chain head. Before the chain was keyed, verify passed."""
    target = chain[1]
    rewrite_from(target, {"address": ["南关 1 号", "北关 9 号"]}, unkeyed)
    status, _out, err = run("verify")
    assert status == 1
    assert err.strip() == f"审计日志校验失败：第 {target} 条记录。第 {target} 条记录的内容已被改动（哈希不符）"


def test_a_head_downgraded_to_the_unkeyed_algorithm_is_refused(chain):
    """The whole chain recomputed with the old unkeyed rule and the head set back to it."""
    rewrite_from(1, rows_from(1)[0]["changes"], unkeyed)
    ChainHead.objects.filter(id=1).update(algorithm=1)
    status, _out, err = run("verify")
    assert status == 1
    assert err.strip() == "审计日志校验失败：链头记录的算法版本为 1，本程序只校验版本 2"


# --- (b) anchors: a rewrite by someone with the key ----------------------------------------

def test_anchor_prints_the_head_as_a_json_line(chain):
    status, out, err = run("anchor")
    assert (status, err) == (0, "")
    anchor = json.loads(out)
    last = AuditEntry.objects.order_by("-seq").first()
    assert set(anchor) == {"seq", "hash", "time", "algorithm"}
    assert (anchor["seq"], anchor["hash"], anchor["algorithm"]) == (chain[-1], last.entry_hash, 2)
    assert anchor["hash"] == keyed(rows_from(chain[-1])[0])
    assert anchor["time"][:4].isdigit() and "T" in anchor["time"]


def test_anchor_out_appends_one_line_per_call(chain, tmp_path, make_person):
    path = tmp_path / "anchors.jsonl"
    status, out, _err = run("anchor", "--out", str(path))
    assert status == 0 and f"第 {chain[-1]} 条" in out and str(path) in out
    make_person(name="李秀英")
    assert run("anchor", "--out", str(path))[0] == 0
    lines = path.read_text(encoding="utf-8").splitlines()
    assert [json.loads(x)["seq"] for x in lines] == [chain[-1], chain[-1] + 1]
    status, out, err = run("verify", "--anchor", str(path))
    assert (status, err) == (0, "")
    assert out.strip() == f"审计日志完整：共 {chain[-1] + 1} 条记录，哈希链校验通过，2 个锚点相符。"


def test_a_consistent_rewrite_with_the_key_before_an_anchor_is_caught_by_the_anchor(chain, tmp_path, make_person):
    """Someone who holds the key can recompute the chain: plain verify passes (the
    documented limit of a keyed chain); the anchor kept elsewhere does not match."""
    path = tmp_path / "anchors.jsonl"
    assert run("anchor", "--out", str(path))[0] == 0
    anchored = chain[-1]
    make_person(name="李秀英")  # the log goes on after the anchor
    rewrite_from(chain[1], {"address": ["南关 1 号", "北关 9 号"]}, keyed)
    assert run("verify")[0] == 0
    status, _out, err = run("verify", "--anchor", str(path))
    assert status == 1
    assert err.strip().startswith(f"审计日志校验失败：第 {anchored} 条记录。第 {anchored} 条记录的哈希与锚点不符（锚点记于 ")
    assert err.strip().endswith("）：此前的记录已被改写")


def test_a_rewrite_after_the_last_anchor_is_not_caught_by_it(chain, tmp_path, make_person):
    """Anchors protect what came before them, no more: the limit, documented."""
    path = tmp_path / "anchors.jsonl"
    assert run("anchor", "--out", str(path))[0] == 0
    make_person(name="李秀英")
    rewrite_from(chain[-1] + 1, {"name": [None, "王秀英"]}, keyed)
    assert run("verify", "--anchor", str(path))[0] == 0


def test_a_log_cut_short_before_an_anchor_is_caught(chain, tmp_path):
    path = tmp_path / "anchors.jsonl"
    assert run("anchor", "--out", str(path))[0] == 0
    drop_append_only_triggers()
    newest = chain[-1]
    AuditEntry.objects.filter(seq=newest).delete()
    before = AuditEntry.objects.get(seq=newest - 1)
    ChainHead.objects.filter(id=1).update(last_seq=newest - 1, last_hash=before.entry_hash)
    assert run("verify")[0] == 0
    status, _out, err = run("verify", "--anchor", str(path))
    assert status == 1
    assert err.strip() == (f"审计日志校验失败：第 {newest} 条记录。锚点所记第 {newest} 条记录不存在"
                           f"（日志只有 {newest - 1} 条）：记录已被删除或日志已被替换")


def test_anchor_refuses_a_broken_chain_and_writes_nothing(chain, tmp_path):
    path = tmp_path / "anchors.jsonl"
    drop_append_only_triggers()
    AuditEntry.objects.filter(seq=chain[0]).update(object_repr="改过")
    status, out, err = run("anchor", "--out", str(path))
    assert (status, out) == (1, "")
    assert f"第 {chain[0]} 条记录的内容已被改动" in err
    assert not path.exists()


@pytest.mark.parametrize("text, reason", [
    ("not json\n", "不是 JSON"),
    ('{"seq": 0, "hash": "' + "a" * 64 + '", "algorithm": 2}\n', "缺少序号 seq（正整数）"),
    ('{"seq": 3, "hash": "xyz", "algorithm": 2}\n', "缺少哈希 hash（64 位十六进制）"),
])
def test_a_bad_anchor_file_is_refused_with_a_clear_message(chain, tmp_path, text, reason):
    path = tmp_path / "anchors.jsonl"
    path.write_text("# kept on paper\n\n" + text, encoding="utf-8")
    status, out, err = run("verify", "--anchor", str(path))
    assert (status, out) == (2, "")
    assert err.strip() == f"锚点文件 {path} 第 3 行不是锚点：{reason}"


def test_a_missing_anchor_file_is_refused(chain, tmp_path):
    status, _out, err = run("verify", "--anchor", str(tmp_path / "nope.jsonl"))
    assert status == 2
    assert err.strip() == f"无法读取锚点文件 {tmp_path / 'nope.jsonl'}：文件或目录不存在"


def test_an_anchor_file_that_cannot_be_written_is_refused(chain, tmp_path):
    status, out, err = run("anchor", "--out", str(tmp_path / "no-such-dir" / "anchors.jsonl"))
    assert (status, out) == (2, "")
    assert err.strip() == f"无法写入锚点文件 {tmp_path / 'no-such-dir' / 'anchors.jsonl'}：文件或目录不存在"


def test_an_anchor_of_another_algorithm_is_refused(chain, tmp_path):
    path = tmp_path / "anchors.jsonl"
    path.write_text(json.dumps({"seq": 1, "hash": "0" * 64, "time": "2026-01-01T00:00:00+08:00", "algorithm": 1}),
                    encoding="utf-8")
    status, _out, err = run("verify", "--anchor", str(path))
    assert status == 1
    assert err.strip() == "审计日志校验失败：第 1 条记录。锚点（第 1 条）的算法版本为 1，当前为 2，无法用于校验"
