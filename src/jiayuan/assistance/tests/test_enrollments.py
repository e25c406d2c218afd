"""Enrollments: enroll with the parameters of the start month, one open enrollment per
program and person/household (409), review, suspend/resume/terminate with reasons and
version, registry flags (death, moving out), reviews due; the API with scope."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from jiayuan.assistance import services
from jiayuan.assistance.models import Enrollment, EnrollmentEvent
from jiayuan.assistance.selectors import enrollments as selectors
from jiayuan.audit.models import AuditEntry
from jiayuan.audit.services import Actor
from jiayuan.conftest import GRID, OWNER_COMMUNITY, PEER_COMMUNITY, make_id_number
from jiayuan.errors import Conflict, Forbidden, ValidationFailed
from jiayuan.people import services as people_services

JAN = datetime.date(2024, 1, 1)
JUL = datetime.date(2024, 7, 1)
SUB_INPUTS = {"area": "urban", "members": 3, "per_capita_income": "512.33"}


def act(users, who="county"):
    return Actor(users[who], "page")


@pytest.fixture
def params(users):
    """低保 735.00 urban from January, 770.00 from July (city); elderly allowance bands."""
    city = act(users, "city")
    services.set_parameters(city, "subsistence_allowance", "6207", JAN,
                            {"standard_urban": "735.00", "standard_rural": "560.00"})
    services.set_parameters(city, "subsistence_allowance", "6207", JUL,
                            {"standard_urban": "770.00", "standard_rural": "600.00"})
    services.set_parameters(city, "elderly_allowance", "6207", JAN, {"bands": [
        {"min_age": 80, "max_age": 89, "amount": "100"}, {"min_age": 90, "max_age": None, "amount": "200"}]})


@pytest.fixture
def family(users, make_person):
    """A household of three in the owner community's grid: head, spouse, child."""
    admin = Actor(users["admin"], "command")
    head = make_person(GRID, "王建国")
    spouse = make_person(GRID, "李秀英", id_number=make_id_number(datetime.date(1982, 3, 1), 2))
    child = make_person(GRID, "王小明", id_number=make_id_number(datetime.date(2012, 6, 1), 1))
    hh = people_services.create_household(admin, {"number": "A-01", "region": GRID}, head,
                                          [(spouse, "10"), (child, "20")])
    for p in (head, spouse, child):
        p.refresh_from_db()
    return {"household": hh, "head": head, "spouse": spouse, "child": child}


def enroll_family(users, family, **kw):
    args = {"program": "subsistence_allowance", "person": family["head"], "household": family["household"],
            "region": GRID, "start_month": JAN, "inputs": SUB_INPUTS, "payee_account": "6228 4800 1234 5678"}
    args.update(kw)
    return services.enroll(act(users), **args)


def test_enroll_computes_with_start_month_parameters(users, params, family):
    e = enroll_family(users, family)
    # (735.00 − 512.33) × 3 = 668.01 with January's standard
    assert e.amount == Decimal("668.01")
    assert e.computation["rule"] == "subsistence_allowance.gap/v1"
    assert e.computation["parameter_from"] == "2024-01-01" and e.computation["parameter_region"] == "6207"
    assert e.next_review_on == datetime.date(2025, 1, 1)
    assert e.payee_account == "****5678"
    assert list(e.events.values_list("kind", flat=True)) == ["enrolled"]
    assert AuditEntry.objects.filter(action="assistance.enrollment.create", object_id=str(e.pk)).exists()


def test_enroll_july_uses_july_standard(users, params, family):
    e = enroll_family(users, family, start_month=JUL, review_months=6)
    # (770.00 − 512.33) × 3 = 257.67 × 3 = 773.01
    assert e.amount == Decimal("773.01")
    assert e.next_review_on == datetime.date(2025, 1, 1)


def test_one_open_enrollment_per_household_409(users, params, family):
    enroll_family(users, family)
    with pytest.raises(Conflict) as exc:
        enroll_family(users, family, person=family["spouse"])
    assert exc.value.code == "enrollment.duplicate"
    assert "最低生活保障" in exc.value.message
    assert Enrollment.objects.count() == 1


def test_enroll_refusals(users, params, family, make_person):
    with pytest.raises(ValidationFailed) as exc:
        enroll_family(users, family, household=None)
    assert exc.value.code == "household.required"
    with pytest.raises(ValidationFailed) as exc:
        enroll_family(users, family, start_month=datetime.date(2024, 1, 15))
    assert exc.value.code == "start_month.not_first"
    with pytest.raises(ValidationFailed) as exc:  # income equal to the standard: nothing payable
        enroll_family(users, family, inputs={**SUB_INPUTS, "per_capita_income": "735.00"})
    assert exc.value.code == "amount.zero"
    with pytest.raises(ValidationFailed) as exc:
        enroll_family(users, family, inputs={"area": "urban"})
    assert exc.value.code == "inputs.incomplete"
    with pytest.raises(ValidationFailed) as exc:  # no parameters before 2024
        enroll_family(users, family, start_month=datetime.date(2023, 12, 1))
    assert exc.value.code == "parameters.missing"
    with pytest.raises(ValidationFailed) as exc:
        enroll_family(users, family, program="temporary_assistance")
    assert exc.value.code == "program.not_monthly"
    with pytest.raises(Forbidden):
        services.enroll(act(users, "community"), program="subsistence_allowance", person=family["head"],
                        household=family["household"], region=GRID, start_month=JAN, inputs=SUB_INPUTS)
    with pytest.raises(ValidationFailed) as exc:  # a county officer outside their county
        enroll_family(users, family, region="620722102200")
    assert exc.value.code == "region.out_of_scope"


def test_elderly_enrollment_uses_birth_date(users, params, make_person):
    old = make_person(OWNER_COMMUNITY, "赵大爷", id_number=make_id_number(datetime.date(1934, 2, 28)))
    e = services.enroll(act(users), program="elderly_allowance", person=old, region=OWNER_COMMUNITY,
                        start_month=datetime.date(2024, 2, 1), inputs={})
    assert e.amount == Decimal("200.00")  # 90 on 2024-02-28
    young = make_person(OWNER_COMMUNITY, "钱大爷", id_number=make_id_number(datetime.date(1950, 2, 28)))
    with pytest.raises(ValidationFailed) as exc:
        services.enroll(act(users), program="elderly_allowance", person=young, region=OWNER_COMMUNITY,
                        start_month=datetime.date(2024, 2, 1), inputs={})
    assert exc.value.code == "amount.zero" and "74" in exc.value.message


def test_review_records_amount_change(users, params, family):
    e = enroll_family(users, family)
    e = services.review(act(users), e, {**SUB_INPUTS, "per_capita_income": "600.00"}, "年度复核，收入增加",
                        e.version, month=JUL)
    # July standard 770.00: (770.00 − 600.00) × 3 = 510.00
    assert e.amount == Decimal("510.00") and e.version == 2
    ev = e.events.get(kind="reviewed")
    assert ev.data["amount_before"] == "668.01" and ev.data["amount_after"] == "510.00" and ev.data["changed"]
    assert e.next_review_on > timezone.localdate()
    with pytest.raises(Conflict) as exc:  # stale version
        services.review(act(users), e, SUB_INPUTS, "再次复核", 1, month=JUL)
    assert exc.value.code == "enrollment.version_conflict"
    with pytest.raises(ValidationFailed) as exc:  # nothing payable any more: terminate instead
        services.review(act(users), e, {**SUB_INPUTS, "per_capita_income": "770.00"}, "复核", e.version, month=JUL)
    assert exc.value.code == "amount.zero"


def test_suspend_resume_terminate(users, params, family):
    e = enroll_family(users, family)
    with pytest.raises(ValidationFailed):
        services.suspend(act(users), e, "  ", e.version)
    e = services.suspend(act(users), e, "外出务工，待核实收入", e.version)
    assert e.status == "suspended"
    with pytest.raises(Conflict) as exc:
        services.suspend(act(users), e, "再次暂停", e.version)
    assert exc.value.code == "enrollment.state"
    e = services.resume(act(users), e, "核实完毕", e.version)
    assert e.status == "active"
    with pytest.raises(ValidationFailed) as exc:
        services.terminate(act(users), e, "收入超标", e.version, end_month=datetime.date(2023, 11, 1))
    assert exc.value.code == "end_month.before_start"
    e = services.terminate(act(users), e, "家庭人均收入超过低保标准", e.version, end_month=datetime.date(2024, 5, 1))
    assert e.status == "terminated" and e.end_month == datetime.date(2024, 5, 1)
    ev = e.events.get(kind="terminated")
    assert ev.reason == "家庭人均收入超过低保标准"
    assert "2024 年 6 月起停止发放" in ev.data["notice"] and "家庭人均收入超过低保标准" in ev.data["notice"]
    assert list(e.events.values_list("kind", flat=True)) == ["enrolled", "suspended", "resumed", "terminated"]
    with pytest.raises(Forbidden):
        services.suspend(act(users, "township"), e, "x", e.version)
    # terminated: the household may be enrolled again
    assert enroll_family(users, family).status == "active"


def test_death_flags_own_and_household_enrollments(users, params, family, make_person):
    hh_enrollment = enroll_family(users, family)
    grandpa = make_person(GRID, "王老汉", id_number=make_id_number(datetime.date(1930, 5, 1)))
    people_services.add_member(Actor(users["admin"], "command"), family["household"], grandpa, "51")
    grandpa.refresh_from_db()
    elderly = services.enroll(act(users), program="elderly_allowance", person=grandpa, region=GRID, start_month=JAN,
                              inputs={})
    other = make_person(GRID, "无关人", id_number=make_id_number(datetime.date(1932, 5, 1)))
    other_e = services.enroll(act(users), program="elderly_allowance", person=other, region=GRID, start_month=JAN,
                              inputs={})
    people_services.set_life_status(act(users, "community"), grandpa, "deceased", datetime.date(2024, 3, 5))
    elderly.refresh_from_db()
    hh_enrollment.refresh_from_db()
    assert elderly.flag == "deceased" and "王老汉" in elderly.flag_note and "2024-03-05" in elderly.flag_note
    assert elderly.flagged_at is not None
    assert hh_enrollment.flag == "member_deceased" and "复核保障人数" in hh_enrollment.flag_note
    ev = EnrollmentEvent.objects.get(enrollment=elderly, kind="flagged")
    assert ev.actor == users["community"] and ev.data["life_status"] == "deceased"
    assert AuditEntry.objects.filter(action="assistance.enrollment.flag").count() == 2
    other_e.refresh_from_db()
    assert other_e.flag == ""  # not of this household
    # flagged lists and counts
    flagged = list(selectors.flagged(users["county"]))
    assert {e.pk for e in flagged} == {elderly.pk, hh_enrollment.pk}
    assert selectors.hub_counts(users["community"])["flagged"] == 2
    assert selectors.hub_counts(users["peer"])["flagged"] == 0
    # terminating is the action: the flag is cleared
    elderly = services.terminate(act(users), elderly, "享受对象已故", elderly.version,
                                 end_month=datetime.date(2024, 3, 1))
    assert elderly.flag == "" and elderly.events.get(kind="terminated").data["flag_cleared"]["flag"] == "deceased"
    hh_enrollment = services.clear_flag(act(users), hh_enrollment, "家庭成员不在保障人数内，无需变更",
                                        hh_enrollment.version)
    assert hh_enrollment.flag == ""


def test_moved_out_flags_payee(users, params, family):
    e = enroll_family(users, family)
    people_services.set_life_status(act(users, "community"), family["head"], "moved_out", datetime.date(2024, 4, 1))
    e.refresh_from_db()
    assert e.flag == "moved_out" and "已迁出" in e.flag_note
    # marking alive again flags nothing new
    people_services.set_life_status(act(users, "community"), family["head"], "alive", None)
    assert EnrollmentEvent.objects.filter(kind="flagged").count() == 1


def test_terminated_enrollments_not_flagged(users, params, family):
    e = enroll_family(users, family)
    services.terminate(act(users), e, "迁出本市", e.version, end_month=JAN)
    people_services.set_life_status(act(users, "community"), family["head"], "deceased", datetime.date(2024, 3, 5))
    e.refresh_from_db()
    assert e.flag == ""


def test_due_for_review(users, params, family):
    e = enroll_family(users, family, review_months=6)  # due 2024-07-01
    assert list(selectors.due_for_review(users["county"], datetime.date(2024, 6, 30))) == []
    assert [x.pk for x in selectors.due_for_review(users["county"], datetime.date(2024, 7, 1))] == [e.pk]
    assert list(selectors.due_for_review(users["outsider"], datetime.date(2024, 7, 1))) == []


# --- API ------------------------------------------------------------------------------------

def test_api_list_detail_scope(users, params, family, api_client):
    e = enroll_family(users, family)
    for who, code in (("community", 200), ("township", 200), ("county", 200), ("city", 200), ("peer", 404),
                      ("outsider", 404)):
        assert api_client(who).get(f"/api/v1/assistance/enrollments/{e.pk}").status_code == code, who
    body = api_client("community").get(f"/api/v1/assistance/enrollments/{e.pk}").json()
    assert body["amount"] == "668.01" and body["events"][0]["kind"] == "enrolled"
    assert body["computation"]["detail"]["gap"] == "222.67"
    page = api_client("community").get("/api/v1/assistance/enrollments?program=subsistence_allowance&status=open").json()
    assert page["count"] == 1 and page["results"][0]["id"] == e.pk
    assert api_client("peer").get("/api/v1/assistance/enrollments").json()["count"] == 0
    assert api_client("auditor").get("/api/v1/assistance/enrollments").status_code == 403
    assert api_client("grid_member").get(f"/api/v1/assistance/enrollments/{e.pk}").status_code == 403


def test_api_actions_with_version(users, params, family, api_client):
    e = enroll_family(users, family)
    url = f"/api/v1/assistance/enrollments/{e.pk}"
    # owner community worker sees it but may not change it: 403; peer and outsider: 404
    assert api_client("community").post(f"{url}/suspend", {"reason": "x", "version": 1},
                                        content_type="application/json").status_code == 403
    for who in ("peer", "outsider"):
        assert api_client(who).post(f"{url}/suspend", {"reason": "x", "version": 1},
                                    content_type="application/json").status_code == 404
    county = api_client("county")
    resp = county.post(f"{url}/suspend", {"reason": "待核实", "version": 1}, content_type="application/json")
    assert resp.status_code == 200 and resp.json()["status"] == "suspended" and resp.json()["version"] == 2
    stale = county.post(f"{url}/resume", {"reason": "核实", "version": 1}, content_type="application/json")
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "enrollment.version_conflict"
    resp = county.post(f"{url}/resume", {"reason": "核实", "version": 2}, content_type="application/json")
    assert resp.json()["status"] == "active"
    resp = county.post(f"{url}/review", {"reason": "复核", "version": 3, "month": "2024-07-01",
                                         "inputs": {**SUB_INPUTS, "members": 2}}, content_type="application/json")
    # (770.00 − 512.33) × 2 = 515.34
    assert resp.status_code == 200 and resp.json()["amount"] == "515.34"
    resp = county.post(f"{url}/terminate", {"reason": "不再符合条件", "version": 4, "end_month": "2024-07-01"},
                       content_type="application/json")
    assert resp.status_code == 200 and resp.json()["end_month"] == "2024-07-01"
    assert [ev["kind"] for ev in resp.json()["events"]] == ["enrolled", "suspended", "resumed", "reviewed",
                                                             "terminated"]


def test_api_create_enrollment_duplicate_409(users, params, family, api_client):
    body = {"program": "subsistence_allowance", "person": family["head"].pk, "household": family["household"].pk,
            "region": GRID, "start_month": "2024-01-01", "inputs": SUB_INPUTS}
    county = api_client("county")
    assert county.post("/api/v1/assistance/enrollments", body, content_type="application/json").status_code == 201
    dup = county.post("/api/v1/assistance/enrollments", body, content_type="application/json")
    assert dup.status_code == 409 and dup.json()["error"]["code"] == "enrollment.duplicate"
    # a person outside the scope: 404
    assert api_client("outsider").post("/api/v1/assistance/enrollments", body,
                                       content_type="application/json").status_code == 404


def test_api_filters_flag_and_due(users, params, family, api_client):
    e = enroll_family(users, family, review_months=6)
    people_services.set_life_status(act(users, "community"), family["head"], "deceased", datetime.date(2024, 3, 5))
    c = api_client("county")
    assert c.get("/api/v1/assistance/enrollments?flag=any").json()["count"] == 1
    assert c.get("/api/v1/assistance/enrollments?flag=member_deceased").json()["count"] == 0
    assert c.get("/api/v1/assistance/enrollments?due=true").json()["results"][0]["id"] == e.pk  # due 2024-07-01
    assert c.get(f"/api/v1/assistance/enrollments?region={PEER_COMMUNITY}").json()["count"] == 0
    assert c.get(f"/api/v1/assistance/enrollments?region={OWNER_COMMUNITY}").json()["count"] == 1
