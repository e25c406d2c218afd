"""What the audit log records: every write (actor, time with zone, source, action,
object, changed fields with before and after) and every unmasked view; never a
sensitive value in clear."""

import json
from datetime import date

import pytest
from django.core.management import call_command
from django.db import connection

from jiayuan.audit.models import AuditEntry
from jiayuan.audit.rules import GENESIS_HASH
from jiayuan.audit.services import Actor
from jiayuan.conftest import GRID, OWNER_COMMUNITY
from jiayuan.people import services
from jiayuan.regions.models import Region

pytestmark = pytest.mark.django_db

FEMALE_1949 = "11010519491231002X"   # the standard's example
PHONE = "13812345678"
NEW_PHONE = "13987654321"


def post(client, url, body=None):
    return client.post(url, json.dumps(body or {}), content_type="application/json")


def patch(client, url, body):
    return client.patch(url, json.dumps(body), content_type="application/json")


def new_entries(since: int):
    return list(AuditEntry.objects.filter(seq__gt=since).order_by("seq"))


def last_seq() -> int:
    return AuditEntry.objects.order_by("-seq").values_list("seq", flat=True).first() or 0


# --- what one entry holds ---------------------------------------------------------------

def test_a_person_created_through_the_api_is_logged_with_actor_source_and_values(api_client, users):
    c = api_client("community")
    resp = post(c, "/api/v1/persons", {"name": "李秀英", "id_number": FEMALE_1949, "phone": PHONE,
                                       "address": "南关 3 号", "region": GRID})
    pk = resp.json()["id"]
    entry = AuditEntry.objects.get(action="person.create")
    assert (entry.actor_id, entry.actor_name, entry.source) == (users["community"].pk, "community", "api")
    assert (entry.object_type, entry.object_id, entry.object_repr, entry.region_code) == (
        "people.person", str(pk), "李秀英", GRID)
    assert entry.occurred_at.utcoffset() is not None  # aware: time with zone
    changes = entry.changes
    assert changes["name"] == [None, "李秀英"]
    assert changes["sex"] == [None, 2]
    # the birth date is part of the ID number (characters 7–14): logged like it, as ***
    assert changes["birth_date"] == ["***", "***"]
    assert changes["address"] == [None, "南关 3 号"]
    assert changes["region"] == [None, GRID]
    assert changes["id_number"] == ["***", "***"]   # named, never shown
    assert changes["phone"] == ["***", "***"]


def test_an_update_logs_before_and_after_of_the_changed_fields_only(api_client, make_person):
    p = make_person(name="张建国", address="南关 1 号", phone=PHONE)
    since = last_seq()
    patch(api_client("community"), f"/api/v1/persons/{p.pk}",
          {"name": "张建民", "address": "南关 1 号", "phone": NEW_PHONE, "residence_status": "floating"})
    [entry] = [e for e in new_entries(since) if e.action == "person.update"]
    assert entry.changes == {"name": ["张建国", "张建民"], "phone": ["***", "***"],
                             "residence_status": ["registered", "floating"]}


def test_the_source_says_page_api_or_command(api_client, users, make_person):
    services.create_person(Actor(users["community"], "page"), {"name": "页面录入", "id_number": FEMALE_1949,
                                                               "region": OWNER_COMMUNITY})
    p = make_person(name="命令录入")           # the factory acts as the admin with source "command"
    patch(api_client("community"), f"/api/v1/persons/{p.pk}", {"address": "接口修改"})
    assert list(AuditEntry.objects.filter(action__startswith="person.").order_by("seq")
                .values_list("action", "object_repr", "source")) == [
        ("person.create", "页面录入", "page"), ("person.create", "命令录入", "command"),
        ("person.update", "命令录入", "api")]


def test_the_division_command_logs_as_the_system():
    Region.objects.filter(code="620702001001").update(name="旧名")
    call_command("load_divisions", prefix="6207", verbosity=0)
    entry = AuditEntry.objects.get(action="region.update")
    assert (entry.actor_id, entry.actor_name, entry.source) == (None, "system", "command")


def test_a_reveal_is_logged_as_a_sensitive_read(api_client, users, make_person):
    p = make_person(name="李秀英", id_number=FEMALE_1949, phone=PHONE)
    post(api_client("county"), f"/api/v1/persons/{p.pk}/reveal", {"purpose": "核对低保申请"})
    entry = AuditEntry.objects.get(action="person.view_sensitive")
    assert (entry.actor_name, entry.source, entry.object_id, entry.region_code) == (
        "county", "api", str(p.pk), OWNER_COMMUNITY)
    assert entry.extra == {"fields": ["id_number", "phone"], "purpose": "核对低保申请"}
    assert entry.changes == {}


def test_looking_at_a_masked_person_is_not_a_sensitive_read(api_client, make_person):
    p = make_person()
    api_client("community").get(f"/api/v1/persons/{p.pk}")
    assert not AuditEntry.objects.filter(action="person.view_sensitive").exists()


# --- every write through the API leaves entries ----------------------------------------

@pytest.fixture
def household(users, make_person):
    head = make_person(name="王建国")
    return services.create_household(Actor(users["admin"], "command"), {"number": "0001", "region": GRID}, head)


WRITES = [
    ("POST", "/api/v1/grids", lambda hh, p: {"parent": OWNER_COMMUNITY, "name": "第二网格"}, {"grid.create"}),
    ("PATCH", f"/api/v1/grids/{GRID}", lambda hh, p: {"name": "东区"}, {"grid.update"}),
    ("POST", f"/api/v1/grids/{GRID}/split", lambda hh, p: {"name": "北片", "households": [hh.pk]},
     {"grid.create", "household.move", "person.move"}),
    ("POST", f"/api/v1/grids/{OWNER_COMMUNITY}/households", lambda hh, p: {"households": [hh.pk]},
     {"household.move", "person.move"}),
    ("POST", "/api/v1/persons", lambda hh, p: {"name": "李秀英", "id_number": FEMALE_1949, "region": GRID},
     {"person.create"}),
    ("PATCH", "/api/v1/persons/{p}", lambda hh, p: {"address": "新址"}, {"person.update"}),
    ("POST", "/api/v1/persons/{p}/reveal", lambda hh, p: {}, {"person.view_sensitive"}),
    ("POST", "/api/v1/households", lambda hh, p: {"number": "0002", "region": GRID, "head": p.pk},
     {"household.create", "household.member_add"}),
    ("PATCH", "/api/v1/households/{hh}", lambda hh, p: {"address": "新址"}, {"household.update"}),
]


@pytest.mark.parametrize("method, url, body, actions", WRITES, ids=[f"{m} {u}" for m, u, _b, _a in WRITES])
def test_every_write_route_leaves_entries(api_client, household, make_person, method, url, body, actions):
    c = api_client("community")
    p = make_person(name="赵丽", sex_for_id=2)
    since = last_seq()
    resp = c.generic(method, url.format(p=p.pk, hh=household.pk), json.dumps(body(household, p)),
                     content_type="application/json")
    assert resp.status_code in (200, 201), resp.content
    entries = new_entries(since)
    assert {e.action for e in entries} == actions
    assert {(e.actor_name, e.source) for e in entries} == {("community", "api")}


def test_a_refused_write_leaves_no_entry(api_client, make_person):
    p = make_person()
    c = api_client("community")
    since = last_seq()
    resp = patch(c, f"/api/v1/persons/{p.pk}", {"phone": "12"})
    assert resp.status_code == 422
    assert new_entries(since) == []


def test_bulk_moves_are_logged_per_row(users, make_person):
    from jiayuan.regions.services import move_households

    admin = Actor(users["admin"], "command")
    heads = [make_person(name="户主") for _ in range(3)]
    hhs = [services.create_household(admin, {"number": f"00{i}", "region": GRID}, h) for i, h in enumerate(heads)]
    since = last_seq()
    move_households(Actor(users["community"], "page"), hhs, Region.objects.get(code=OWNER_COMMUNITY))
    actions = [e.action for e in new_entries(since)]
    assert actions.count("household.move") == 3 and actions.count("person.move") == 3


# --- sensitive values never in clear -----------------------------------------------------

def test_no_entry_holds_an_id_number_or_phone_in_clear(api_client, users):
    c = api_client("community")
    pk = post(c, "/api/v1/persons", {"name": "李秀英", "id_number": "110105491231002", "phone": PHONE,
                                     "region": GRID}).json()["id"]
    patch(c, f"/api/v1/persons/{pk}", {"phone": NEW_PHONE})
    post(c, f"/api/v1/persons/{pk}/reveal", {"purpose": "核对"})
    post(c, "/api/v1/persons", {"name": "重复登记", "id_number": FEMALE_1949, "region": GRID})  # refused: duplicate
    with connection.cursor() as cur:
        cur.execute("SELECT * FROM audit_auditentry")
        dump = json.dumps([[str(v) for v in row] for row in cur.fetchall()], ensure_ascii=False)
    for secret in (FEMALE_1949, FEMALE_1949.lower(), "110105491231002", "19491231002", "31002X",
                   PHONE, NEW_PHONE, "12345678", "87654321"):
        assert secret not in dump, secret


# --- chain links ---------------------------------------------------------------------------

def test_entries_are_numbered_without_gaps_and_linked_by_hash(make_person):
    make_person()
    make_person()
    rows = list(AuditEntry.objects.order_by("seq").values_list("seq", "prev_hash", "entry_hash"))
    assert [r[0] for r in rows] == list(range(1, len(rows) + 1))
    assert rows[0][1] == GENESIS_HASH
    assert all(rows[i][1] == rows[i - 1][2] for i in range(1, len(rows)))


def test_history_of_a_person_lists_their_entries_newest_first(users, make_person):
    from jiayuan.audit.selectors import history_of

    p = make_person()
    actor = Actor(users["community"], "page")
    services.update_person(actor, p, {"address": "新址"})
    services.set_life_status(actor, p, "moved_out", date(2024, 5, 1))
    assert [e.action for e in history_of(p)] == ["person.life_status", "person.update", "person.create"]


# --- who may browse the log ----------------------------------------------------------------

def test_auditors_browse_the_entries_of_their_scope_only(users, make_person, api_client):
    from jiayuan.accounts.models import User
    from jiayuan.audit.selectors import entries_for
    from jiayuan.conftest import OUTSIDE_VILLAGE

    since = last_seq()
    api_client("community")                                   # token.issue: no region, actor of 交通巷社区
    mine = make_person(name="交通巷居民")
    theirs = make_person(region=OUTSIDE_VILLAGE, name="六坝村民")
    minle_auditor = User.objects.create(username="minle_auditor", role="auditor", scope_id="620722")

    def seen(user) -> set[tuple[str, str]]:
        return {(e.action, e.object_repr) for e in entries_for(user).filter(seq__gt=since)}

    token = ("token.issue", AuditEntry.objects.get(action="token.issue").object_repr)
    assert seen(users["auditor"]) == {token, ("person.create", "交通巷居民"), ("person.create", "六坝村民")}
    assert seen(minle_auditor) == {("person.create", "六坝村民")}
    assert seen(users["admin"]) == seen(users["auditor"])
    assert entries_for(users["community"]).count() == 0       # no view_audit
    assert entries_for(users["county"]).count() == 0
    assert {mine.pk, theirs.pk} == {int(e.object_id) for e in entries_for(users["auditor"]).filter(
        action="person.create", seq__gt=since)}


def test_the_log_can_be_filtered_by_action_and_object(users, make_person):
    from jiayuan.audit.selectors import entries_for

    p = make_person(name="张建国")
    services.update_person(Actor(users["community"], "page"), p, {"address": "新址"})
    rows = entries_for(users["auditor"], action="person.update", object_type="people.person", object_id=str(p.pk))
    assert [(e.action, e.actor_name) for e in rows] == [("person.update", "community")]
    assert entries_for(users["auditor"], actor="communi", action="person.update").count() == 1
    assert entries_for(users["auditor"], region="620722").filter(action="person.update").count() == 0


def test_the_date_filter_takes_whole_local_days(users):
    """23:59:30 and 00:00:30 Beijing time on either side of midnight fall on the same UTC
    day (15:59:30 and 16:00:30 UTC): the filter must split them by the local day."""
    from datetime import UTC, datetime
    from unittest import mock

    from jiayuan.audit.selectors import entries_for
    from jiayuan.audit.services import record

    actor = Actor(users["admin"], "page")
    before = datetime(2026, 3, 1, 15, 59, 30, tzinfo=UTC)
    after = datetime(2026, 3, 1, 16, 0, 30, tzinfo=UTC)
    for when, label in ((before, "三月一日深夜"), (after, "三月二日凌晨")):
        with mock.patch("django.utils.timezone.now", return_value=when):
            record(actor, "test.date_filter", object_repr=label)

    def seen(**days) -> list[str]:
        return [e.object_repr for e in entries_for(users["admin"], action="test.date_filter", **days)]

    assert seen(date_from=date(2026, 3, 1), date_to=date(2026, 3, 1)) == ["三月一日深夜"]
    assert seen(date_from=date(2026, 3, 2), date_to=date(2026, 3, 2)) == ["三月二日凌晨"]
    assert seen(date_from=date(2026, 3, 1)) == ["三月二日凌晨", "三月一日深夜"]
    assert seen(date_to=date(2026, 2, 28)) == []
