"""Referrals (转介) of a child, a case type on the engine read through the per-record read
filter: only who reads the child's file reads the referral; every other user in scope —
a colleague of the same community, the township without the 督导员 duty, a department
given a task on it — gets 404 on every route, like a number that does not exist. Time
limits worked by hand from the 2026 holiday notice; the outcome shows on the file."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from jiayuan.audit.models import AuditEntry
from jiayuan.audit.services import Actor
from jiayuan.cases import selectors as case_selectors
from jiayuan.cases import services as case_services
from jiayuan.cases.models import Case, CaseTask
from jiayuan.children import selectors, services
from jiayuan.errors import Forbidden, NotFound, ValidationFailed
from jiayuan.tests.helpers import CITY_MGMT

pytestmark = pytest.mark.django_db
BJ = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def referral(child_file, director):
    return services.open_referral(Actor(director, "page"), child_file, "hotline_12355", "孩子近期情绪低落，需要心理疏导")


def test_the_director_refers_the_child_and_the_case_is_about_the_child(referral, child_file):
    assert referral.type_code == "child_referral" and referral.subject_person_id == child_file.person_id
    assert referral.region_id == child_file.person.region_id and referral.state == "referred"
    assert referral.data == {"file": child_file.pk, "agency": "hotline_12355", "agency_name": ""}
    assert AuditEntry.objects.filter(action="child_file.referral", object_id=child_file.pk).count() == 1


def test_who_reads_a_referral_is_who_reads_the_childs_file(referral, child_file, more_users, depts, colleague,
                                                          users):
    """Owner (儿童主任), county and city civil affairs (view_child_files) read it; a team
    member holding view_cases reads it; a colleague, the township officer without the
    督导员 duty, another community's worker, a department with a task on it do not."""
    from jiayuan.conftest import GRID
    from jiayuan.people.models import Person

    Person.objects.filter(pk=child_file.person_id).update(region_id=GRID)   # the child lives in the grid
    Case.objects.filter(pk=referral.pk).update(region_id=GRID)
    child_file.refresh_from_db()
    services.set_team_member(Actor(users["community"], "page"), child_file, "teacher",
                             user_id=more_users["grid_member"].pk)
    CaseTask.objects.create(case=referral, department=depts[CITY_MGMT], assigned_at=timezone.now())
    readers = {"community", "county", "city", "grid_member", "admin"}
    for who in ("community", "county", "city", "grid_member", "admin", "colleague", "township", "peer",
                "outsider", "dept", "director"):
        user = more_users.get(who) or users[who]
        seen = case_selectors.cases_for(user).filter(pk=referral.pk).exists()
        assert seen == (who in readers), who
        if who not in readers:
            with pytest.raises(NotFound):
                case_selectors.get_case(user, referral.number)


@pytest.mark.parametrize("who", ["colleague", "township", "peer"])
def test_every_route_of_the_referral_is_404_outside_the_file(referral, api_client, page_client, colleague, who):
    api, page = api_client(who), page_client(who)
    n = referral.number
    assert api.get(f"/api/v1/cases/{n}").status_code == 404
    assert api.post(f"/api/v1/cases/{n}/transitions", {"action": "withdraw", "version": 1, "comment": "x"},
                    content_type="application/json").status_code == 404
    assert n not in {r["number"] for r in api.get("/api/v1/cases?page_size=200").json()["results"]}
    assert api.get(f"/api/v1/cases?q={n}").json()["count"] == 0
    assert sum(r["n"] for r in api.get("/api/v1/case-counts?type=child_referral").json()) == 0
    assert page.get(f"/cases/{n}/").status_code == 404
    assert f"/cases/{n}/" not in page.get("/cases/?tab=open").content.decode()
    assert f"/cases/{n}/" not in page.get("/children/referrals/").content.decode()


def test_the_director_sees_it_everywhere(referral, api_client, page_client, child_file):
    api, page = api_client("community"), page_client("community")
    assert api.get(f"/api/v1/cases/{referral.number}").status_code == 200
    assert page.get(f"/cases/{referral.number}/").status_code == 200
    assert f"/cases/{referral.number}/" in page.get("/children/referrals/").content.decode()
    rows = api.get(f"/api/v1/children/{child_file.pk}/referrals").json()
    assert [r["number"] for r in rows] == [referral.number]
    assert rows[0]["state"] == "referred" and rows[0]["is_open"] is True


def test_the_deadlines_worked_by_hand(child_file, director):
    """Opened Monday 2026-01-05 10:00 (元旦 1–3 Jan off, Sunday 4 Jan a make-up working
    day): 3 working days to be taken → Thursday 2026-01-08 23:59:59; taken on Friday 9
    Jan 09:00 → 15 working days to answer: 12–16, 19–23, 26–30 Jan → Friday 2026-01-30
    23:59:59 (no holiday in between)."""
    actor = Actor(director, "page")
    opened = datetime.datetime(2026, 1, 5, 10, 0, tzinfo=BJ)
    case, _ = case_services.create_case(actor, "child_referral", {"file": child_file.pk, "agency": "police",
                                                                   "reason": "疑似遭受侵害"}, now=opened)
    assert case.due_at.astimezone(BJ) == datetime.datetime(2026, 1, 8, 23, 59, 59, tzinfo=BJ)
    case = case_services.transition(actor, case, "accept", version=case.version, fields={"contact": "派出所王警官"},
                                    now=datetime.datetime(2026, 1, 9, 9, 0, tzinfo=BJ))
    assert case.state == "handling"
    assert case.due_at.astimezone(BJ) == datetime.datetime(2026, 1, 30, 23, 59, 59, tzinfo=BJ)


def test_the_outcome_is_recorded_on_the_file_with_the_history(referral, director, child_file, page_client):
    actor = Actor(director, "page")
    case = case_services.transition(actor, referral, "accept", version=referral.version,
                                    fields={"contact": "12355 李老师 0936-12355"})
    case = case_services.transition(actor, case, "close", version=case.version, fields={"outcome": "resolved"},
                                    comment="已完成三次心理辅导，情绪稳定")
    assert not case.is_open and case.state == "closed"
    assert [e.action for e in case.events.order_by("seq")] == ["open", "accept", "close"]
    rows = selectors.referrals_of(director, child_file)
    assert rows[0]["outcome"] == "问题已解决" and rows[0]["result"] == "已完成三次心理辅导，情绪稳定"
    body = page_client("community").get(f"/children/{child_file.pk}/").content.decode()
    assert "已完成三次心理辅导" in body and referral.number in body


def test_the_close_needs_the_outcome_and_the_result(referral, director):
    actor = Actor(director, "page")
    case = case_services.transition(actor, referral, "accept", version=referral.version, fields={"contact": "x"})
    with pytest.raises(ValidationFailed) as exc:
        case_services.transition(actor, case, "close", version=case.version, fields={})
    assert {"comment", "outcome"} <= set(exc.value.fields)


def test_who_may_not_refer(child_file, users, colleague):
    """A colleague does not read the file (404); a team member reads it but may not refer
    (only who may edit the file refers); a bad agency or an empty reason is refused."""
    with pytest.raises(NotFound):
        services.open_referral(Actor(colleague, "page"), child_file, "police", "x")
    with pytest.raises(Forbidden):
        services.open_referral(Actor(users["org"], "page"), child_file, "police", "x")
    with pytest.raises(ValidationFailed) as exc:
        services.open_referral(Actor(users["community"], "page"), child_file, "fbi", "")
    assert set(exc.value.fields) == {"agency"}
    with pytest.raises(ValidationFailed) as exc:
        services.open_referral(Actor(users["community"], "page"), child_file, "court", " ")
    assert set(exc.value.fields) == {"reason"}
    assert not Case.objects.filter(type_code="child_referral").exists()


def test_the_referral_page_form_opens_the_case(page_client, child_file):
    r = page_client("community").post(f"/children/{child_file.pk}/referral/",
                                      {"agency": "education", "agency_name": "六坝镇中心小学", "reason": "长期缺课",
                                       "request_key": "k1"})
    case = Case.objects.get(type_code="child_referral")
    assert r.status_code == 302 and r["Location"] == f"/cases/{case.number}/"
    assert case.title == "李小花 → 六坝镇中心小学"
    again = page_client("community").post(f"/children/{child_file.pk}/referral/",
                                          {"agency": "education", "reason": "长期缺课", "request_key": "k1"})
    assert again.status_code == 302 and Case.objects.filter(type_code="child_referral").count() == 1
