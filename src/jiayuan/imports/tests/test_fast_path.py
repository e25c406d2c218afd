"""The engine's fast paths give exactly what the spine's slow paths give: the cached
field validation equals ``people.services.clean_person``, the columns of a new person
equal ``people.services.apply_person_fields``, and bulk audit entries chain and hash like
``audit.services.record_many`` (``verify_chain`` passes)."""

import datetime

import pytest

from jiayuan.audit.models import AuditEntry
from jiayuan.audit.selectors import verify_chain
from jiayuan.audit.services import Actor, hash_content, record_bulk, record_many
from jiayuan.imports import services
from jiayuan.imports.engine import write as write_stage
from jiayuan.imports.engine.common import Cells, Header, Row
from jiayuan.imports.engine.plan import Plan
from jiayuan.imports.engine.validate import RowChecker, TagLookup
from jiayuan.imports.models import ImportJob
from jiayuan.people.models import Person
from jiayuan.people.services import apply_person_fields, clean_person
from jiayuan.regions.models import Region

from .conftest import OWNER_COMMUNITY, idn


def _create_changes(c: dict) -> dict:
    """The ``person.create`` audit changes of a new person's columns: every filled
    audited field as ``[None, value]``, ID number and phone named but never logged
    (as :func:`jiayuan.people.services.create_person` records them)."""
    snap = {
        "address": c.get("address", ""), "birth_date": c["birth_date"].isoformat(),
        "ethnic_group": c.get("ethnic_group", ""), "household": c.get("household_id"),
        "life_status": "alive", "name": c["name"], "note": c.get("note", ""),
        "region": c["region_id"], "relation_to_head": c.get("relation_to_head", ""),
        "residence_status": c.get("residence_status") or "registered", "sex": c["sex"],
    }
    out = {k: [None, v] for k, v in snap.items() if v not in (None, "")}
    out["birth_date"] = ["***", "***"]  # characters 7–14 of the ID number: logged like it
    out["id_number"] = ["***", "***"]
    if c.get("phone_hash"):
        out["phone"] = ["***", "***"]
    return out

VALID = [
    {"name": "张建国", "id_number": idn("62070219800517001"), "sex": "男", "ethnic_group": "汉族",
     "phone": "138 1234 5678", "address": " 交通巷　12号 ", "relation_to_head": "户主",
     "birth_date": datetime.date(1980, 5, 17)},
    {"name": "买买提 • 艾力", "id_number": "\u200b１１０１０５１９４９１２３１００２ｘ ", "ethnic_group": "48",
     "phone": 13912345678, "note": " 备注 ", "relation_to_head": 12},
    {"name": "𠮷野", "id_number": "620702800517003", "sex": 1, "residence_status": "floating", "phone": "",
     "ethnic_group": "裕固"},
    {"name": "王芳", "id_number": idn("62070219900101002"), "sex": "未知", "address": "", "note": "",
     "phone": "0936-8212345"},
]


def _header(columns: dict) -> Header:
    return Header(columns, {i: f for f, i in columns.items()})


@pytest.fixture
def engine(db):
    """The row checks of the validate stage (no tag kinds)."""
    return RowChecker(_header(FAST_HEADERS), tags=TagLookup([]))


@pytest.fixture
def writer(db):
    """The write stage for a job into 交通巷社区 with nothing planned."""
    region = Region.objects.get(code=OWNER_COMMUNITY)
    job = ImportJob(region=region, source="command", file_name="x.csv")
    return write_stage.Writer(job, Plan(region, _header({}), []), services.config(), lambda *a: None)


@pytest.mark.parametrize("data", VALID)
def test_fast_clean_equals_clean_person(engine, data):
    data = {k: v for k, v in data.items()}
    slow = clean_person(dict(data), partial=True)
    for _ in range(2):  # second time from the caches
        values, info = engine.fast_clean(dict(data))
        assert values == slow.values
        assert info == slow.id_info


@pytest.mark.parametrize("bad", [
    {"name": "张3"}, {"id_number": idn("62070219800517001")[:17] + ("1" if idn("62070219800517001")[-1] == "0" else "0")}, {"sex": "女"}, {"phone": "12345"},
    {"ethnic_group": "火星族"}, {"relation_to_head": "邻居"}, {"address": "长" * 201},
    {"birth_date": datetime.date(1980, 5, 18)}, {"residence_status": "nomad"},
])
def test_fast_clean_defers_every_error_to_clean_person(engine, bad):
    data = {**VALID[0], **bad}
    assert engine.fast_clean(dict(data)) is None


def test_new_person_columns_equal_apply(writer):
    row = Row(5, {})
    row.values = clean_person(dict(VALID[0]), partial=True).values
    cols = writer.new_person(row, None, None)
    p = Person()
    apply_person_fields(p, {k: v for k, v in row.values.items() if k != "relation_to_head"})
    for key in ("name", "name_pinyin", "name_initials", "name_grams", "id_number_hash", "id_tail4", "id_tail6_hash",
                "phone_hash", "sex", "birth_date", "ethnic_group", "address"):
        assert cols[key] == getattr(p, key), key
    from jiayuan import security

    assert security.decrypt(cols["id_number_cipher"]) == row.values["id_number"]
    assert cols["region_id"] == OWNER_COMMUNITY


def test_bulk_audit_entries_hash_and_chain_like_record_many(db, users):
    actor = Actor(users["community"], "import", {"import_job": 7})
    record_many(actor, [{"action": "x.first", "changes": {"a": [None, 1]}}])
    items = [
        {"action": "person.create", "object_type": "people.person", "object_id": 12, "object_repr": "𠮷野\"引号",
         "region_code": "620702001001", "changes": {"name": [None, "张三"], "id_number": ["***", "***"],
                                                   "birth_date": [None, datetime.date(1980, 1, 2)]},
         "extra": {"row": 3}},
        {"action": "household.create", "object_id": "5", "changes": {}, "extra": {"valid_from": datetime.date.today()}},
    ]
    assert record_bulk(actor, items) == 2
    record_many(actor, [{"action": "x.after"}])
    entries = list(AuditEntry.objects.order_by("seq"))
    assert [e.action for e in entries[-4:]] == ["x.first", "person.create", "household.create", "x.after"]
    created = entries[-3]
    assert created.extra == {"import_job": 7, "row": 3} and created.changes["birth_date"] == [None, "1980-01-02"]
    assert created.actor_id == users["community"].pk and created.source == "import"
    fields = [f.attname for f in AuditEntry._meta.concrete_fields]
    row = AuditEntry.objects.filter(pk=created.pk).values(*fields).get()
    assert hash_content(row) == created.entry_hash
    assert verify_chain().ok


@pytest.mark.django_db(transaction=True)
def test_pipelined_writing_equals_plain_writing(audit_log_flushable, settings, monkeypatch):
    """Outside a transaction (as in the worker) chunks are written by a writer thread
    while the next is prepared: the same rows, households, tags and audit chain."""
    from django.core.management import call_command
    from django.db import connection

    from jiayuan.people.models import Household, PersonTag

    from .conftest import GRID, roster

    from jiayuan.people.models import TagKind

    call_command("load_divisions", prefix="620702", verbosity=0)
    Region.objects.get_or_create(code=GRID, defaults={"name": "第一网格", "level": "grid",
                                                      "parent_id": OWNER_COMMUNITY})
    TagKind.objects.get_or_create(code="disabled", defaults={"name": "残疾人"})  # flushed by earlier transactional tests
    settings.IMPORT_CHUNK_ROWS = 3
    used = []
    real = write_stage.Writer.write_pipelined
    monkeypatch.setattr(write_stage.Writer, "write_pipelined",
                        lambda self, chunks, written: (used.append(len(chunks)), real(self, chunks, written))[1])
    rows = []
    for i in range(8):
        head = idn(f"620702197001{i + 10:02d}00{2 * i + 1 % 10}"[:17])
        wife = idn(f"620702197202{i + 10:02d}00{2 * i % 10 + 2}"[:17])
        rows.append([f"张{'一二三四五六七八'[i]}", "", head, "汉族", None, "13800000000", f"{i:03d}", "户主",
                     f"{i}号", "第一网格", "残疾人" if i % 2 else "", "", ""])
        rows.append([f"李{'一二三四五六七八'[i]}", "", wife, "", None, "", f"{i:03d}", "妻", "", "", "", "流动人口", ""])
    data = roster(rows)
    region = Region.objects.get(code=OWNER_COMMUNITY)
    job = services.create_job(Actor(None, "command"), region, "r.xlsx", data, store_file=False)
    result = services.run_import(job, data)
    assert result.job.errors == 0, result.issues
    assert (result.job.created, result.job.households_created) == (16, 8)
    in_memory = connection.vendor == "sqlite" and "memory" in str(connection.settings_dict["NAME"])
    assert used == ([] if in_memory else [8])  # 8 households of 2: one a chunk
    assert Household.objects.count() == 8 and PersonTag.objects.count() == 4
    wife = Person.objects.get(name="李三")
    assert wife.household.number == "002" and wife.address == "2号" and wife.region_id == GRID
    assert wife.residence_status == "floating"
    assert AuditEntry.objects.filter(action="person.create", extra__import_job=job.pk).count() == 16
    assert verify_chain().ok
    again = services.run_import(services.create_job(Actor(None, "command"), region, "r.xlsx", data,
                                                    store_file=False), data)
    assert (again.job.created, again.job.unchanged) == (0, 16)


# ------------------------------------------------------------ one-pass row validation

FAST_HEADERS = {"name": 0, "id_number": 1, "sex": 2, "ethnic_group": 3, "birth_date": 4, "phone": 5,
                "household_number": 6, "relation_to_head": 7, "address": 8, "grid": 9, "tags": 10,
                "residence_status": 11, "note": 12}
_HEAD = idn("62070219800517001")
FAST_ROWS = [
    # Taken by the fast path (plain cells):
    ["张建国", _HEAD, "男", "汉族", datetime.date(1980, 5, 17), "13812345678", "A01", "户主", "交通巷 12 号",
     "第一网格", "残疾人", "流动人口", "腿脚不便"],
    ["李芳", idn("62070219820101002").lower(), "女", "01", datetime.datetime(1982, 1, 1), "0936-8212345", "A01",
     "妻", "", "", "", "", ""],
    ["王 小明", idn("62070220100301003"), None, None, None, None, "A02", "子", None, None, None, None, None],
    ["赵六", idn("62070219900101004"), 2, "回", None, 13912345678, "", "", "  ", "", "", "户籍", " 备注 "],
    # Deferred to the slow path (each has something to report or to convert):
    ["张3", idn("62070219800517011"), "", "", None, "", "", "", "", "", "", "", ""],
    ["钱七", idn("62070219800517021")[:17] + ("0" if idn("62070219800517021")[-1] != "0" else "1"), "", "", None,
     "", "", "", "", "", "", "", ""],
    ["孙八", " " + idn("62070219800517031"), "", "", None, "", "", "", "", "", "", "", ""],
    ["周九", "620702800517041", "", "", None, "", "", "", "", "", "", "", ""],
    ["吴十", idn("62070219800517051"), "女", "", None, "", "", "", "", "", "", "", ""],
    ["郑一", idn("62070219800517061"), "", "", datetime.date(1980, 5, 18), "", "", "", "", "", "", "", ""],
    ["冯二", idn("62070219800517071"), "", "", "1980-05-17", "", "", "", "", "", "", "", ""],
    ["陈三", idn("62070219800517081"), "", "火星族", None, "", "", "", "", "", "", "", ""],
    ["褚四", idn("62070219800517091"), "", "", None, "12345", "", "", "", "", "", "", ""],
    ["卫五", idn("62070219800517101"), "", "", None, "", "", "户主", "", "", "", "", ""],
    ["蒋六", idn("62070219800517111"), "", "", None, "", datetime.date(2020, 3, 1), "户主", "", "", "", "", ""],
    ["沈七", idn("62070219800517121"), "", "", None, "", "", "", "", "", "不存在的类别", "", ""],
    ["韩八", idn("62070219800517131"), "", "", None, "", "", "", "长" * 201, "", "", "", ""],
    ["杨九", idn("62070219800517141"), "", "", None, "", "", "", "", "", "", "游牧", ""],
    ["朱十", idn("62070219800517151"), "", "", None, "", "", "邻居", "", "", "", "", ""],
    ["秦一", "6.20702E+17", "", "", None, "", "", "", "", "", "", "", ""],
    ["尤二", 620702198005171610, "", "", None, "", "", "", "", "", "", "", ""],
    ["许三", idn("62070230000517161"), "", "", None, "", "", "", "", "", "", "", ""],
]


def _row_state(row):
    return (row.values, row.id_info, row.id_hash, row.household_number, row.relation, row.grid_text,
            row.tag_codes, [(i.code, i.column_index) for i in row.errors + row.warnings])


def test_validate_fast_leaves_rows_as_validate_fields(engine):
    """Every row: the one-pass path either declines (and the full path is used) or
    leaves exactly what the full path leaves; the first four rows must be taken."""
    from jiayuan.people.models import TagKind

    TagKind.objects.get_or_create(code="disabled", defaults={"name": "残疾人"})
    engine = RowChecker(_header(FAST_HEADERS), epoch_1904=False)  # with the tag kinds now stored
    taken = []
    for n, cells in enumerate(FAST_ROWS, 2):
        slow = Row(n, Cells(list(cells), FAST_HEADERS))
        engine.check_fields(slow)
        fast = Row(n, Cells(list(cells), FAST_HEADERS))
        if engine.check_fast(fast):
            taken.append(n)
            assert _row_state(fast) == _row_state(slow), cells
            assert not slow.errors and not slow.warnings
        else:
            assert _row_state(fast) == _row_state(Row(n, {})), "declined rows are left untouched"
    assert taken == [2, 3, 4, 5]


def test_create_changes_json_is_the_canonical_encoding():
    from jiayuan.audit.services import _CANONICAL

    base = {"name": "买买提·艾力\"", "birth_date": datetime.date(1980, 5, 17), "sex": 1, "region_id": OWNER_COMMUNITY}
    cases = [
        base,
        {**base, "address": "交通巷\\12号", "ethnic_group": "01", "household_id": 12, "relation_to_head": "02",
         "note": "𠮷\n备注", "phone_hash": "ab", "residence_status": "floating", "sex": 2},
        {**base, "household_id": None, "phone_hash": "", "residence_status": ""},
    ]
    for c in cases:
        for tags in (None, [], ["disabled", "低保\"x"]):
            expected = _create_changes(c)
            if tags:
                expected["tags"] = [None, list(tags)]
            assert write_stage.create_changes_json(c, tags) == _CANONICAL.encode(expected)


def test_bulk_hashers_equal_the_one_value_functions(settings):
    import hashlib
    import hmac

    from jiayuan import security

    for key in (settings.FIELD_KEY, "another-field-key-of-at-least-32-characters!!"):
        settings.FIELD_KEY = key
        _, k = security._keys(key)
        for kind in ("id_number", "id_tail6", "phone"):
            hasher = security.lookup_hasher(kind)
            for text in ("62070219800517001X", "001X", "13812345678", "𠮷", ""):
                expected = hmac.new(k, f"{kind}:{text}".encode(), hashlib.sha256).hexdigest() if text else ""
                assert hasher(text) == security.lookup_hash(kind, text) == expected
        blob = security.encrypter()("62070219800517001X")
        assert blob[:1] == b"\x01" and len(blob) == 1 + 12 + 18 + 16
        assert security.decrypt(blob) == "62070219800517001X" and security.encrypter()("") == b""


def test_cached_pinyin_equals_pypinyin():
    """people.rules reads each segmented word once; the result must be pypinyin's own."""
    from pypinyin import Style, lazy_pinyin

    from jiayuan.people import rules

    names = ["张建国", "重庆", "长春长", "朝阳朝", "银行行长", "音乐乐", "覃重重", "Maria Lopez", "𠮷田", "李-明",
             "单于明", "解放军", "尉迟恭", "欧阳修"]
    for _ in range(2):  # the second time from the cache
        for n in names:
            assert rules._lazy_pinyin(n) == lazy_pinyin(n, style=Style.NORMAL, errors="default")


def test_create_changes_json_is_what_create_person_records(db, users):
    """The import's ``person.create`` changes text against the entry the registry's own
    service writes for the same person (the independent source of what is logged)."""
    import json

    from jiayuan.people.services import create_person

    person = create_person(Actor(users["admin"], "command"), {
        "name": "买买提·艾力", "id_number": idn("62070219800517051"), "region": OWNER_COMMUNITY,
        "address": "交通巷 12 号", "ethnic_group": "05", "phone": "13912345678", "note": "𠮷 备注",
        "residence_status": "floating"})
    entry = AuditEntry.objects.get(action="person.create", object_id=str(person.pk))
    cols = {f: getattr(person, f) for f in ("name", "birth_date", "sex", "region_id", "address", "ethnic_group",
                                            "household_id", "relation_to_head", "note", "phone_hash",
                                            "residence_status")}
    assert json.loads(write_stage.create_changes_json(cols, None)) == entry.changes
