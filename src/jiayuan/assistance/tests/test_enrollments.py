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
from jiayuan.conftest import GRID, OUTSIDE_VILLAGE, OWNER_COMMUNITY, PEER_COMMUNITY, make_id_number
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


# --- Review findings: registry flags, registry facts, moves, months, input and text checks ---

from jiayuan.disability import selectors as disability_selectors  # noqa: E402
from jiayuan.disability import services as disability_services  # noqa: E402
from jiayuan.regions.models import Region  # noqa: E402
from jiayuan.regions.services import move_households  # noqa: E402

CERT_DAY = "2020-03-01"
OTHER_COUNTY_VILLAGE = OUTSIDE_VILLAGE  # 620722… (民乐县): another county than 620702 甘州区
LIVING_INPUTS = {"household_status": "subsistence", "extreme_poverty": False}
CARE_INPUTS = {"extreme_poverty": False, "work_injury_care": False}


@pytest.fixture
def two_subsidies(users):
    """Gansu example (DOMAIN.md): living allowance 230.00; care allowance 80.00 by default,
    230.00 for 肢体一级 (4-1) and 智力二级 (5-2)."""
    city = act(users, "city")
    services.set_parameters(city, "disability_living_allowance", "6207", JAN, {"living_amount": "230.00"})
    services.set_parameters(city, "disability_care_allowance", "6207", JAN, {
        "care_amount_default": "80.00", "care_amounts": {"4-1": "230.00", "5-2": "230.00"}})


def certify(users, person, type_grade: str, need: bool = True, issued_on=CERT_DAY):
    return disability_services.record_certificate(Actor(users["county"], "page"), person,
                                                  person.id_number + type_grade, issued_on,
                                                  long_term_care_need=need)


def test_clear_flag_refused_while_the_registry_still_says_deceased(users, params, family, api_client):
    # Finding 1: a flag raised by the registry cannot be cleared while the registry still
    # records the beneficiary deceased or moved out (terminate, or correct the registry).
    e = enroll_family(users, family)
    people_services.set_life_status(act(users, "community"), family["head"], "deceased", datetime.date(2024, 3, 5))
    e.refresh_from_db()
    assert e.flag == "deceased"
    with pytest.raises(Conflict) as exc:
        services.clear_flag(act(users), e, "登记有误", e.version)
    assert exc.value.code == "flag.registry_unchanged" and "终止" in exc.value.message
    resp = api_client("county").post(f"/api/v1/assistance/enrollments/{e.pk}/clear-flag",
                                     {"note": "登记有误", "version": e.version}, content_type="application/json")
    assert resp.status_code == 409 and resp.json()["error"]["code"] == "flag.registry_unchanged"
    e.refresh_from_db()
    assert e.flag == "deceased"
    # the registry is corrected: now the flag may be cleared
    people_services.set_life_status(act(users, "community"), family["head"], "alive", None)
    e = services.clear_flag(act(users), e, "死亡登记有误，已更正", e.version)
    assert e.flag == ""


def test_clear_flag_refused_while_moved_out(users, params, family):
    e = enroll_family(users, family)
    people_services.set_life_status(act(users, "community"), family["head"], "moved_out", datetime.date(2024, 4, 1))
    e.refresh_from_db()
    with pytest.raises(Conflict) as exc:
        services.clear_flag(act(users), e, "仍在本地居住", e.version)
    assert exc.value.code == "flag.registry_unchanged" and "已迁出" in exc.value.message


def test_certificate_revoked_flags_both_subsidies_at_once(users, params, family, two_subsidies):
    # Finding 2: revoking the certificate flags the open 两项补贴 enrollments at once.
    spouse = family["spouse"]
    services.enroll(act(users), program="subsistence_allowance", person=family["head"], household=family["household"],
                    region=GRID, start_month=JAN, inputs=SUB_INPUTS)
    cert = certify(users, spouse, "41")
    living = services.enroll(act(users), program="disability_living_allowance", person=spouse, region=GRID,
                             start_month=JAN, inputs=LIVING_INPUTS)
    care = services.enroll(act(users), program="disability_care_allowance", person=spouse, region=GRID,
                           start_month=JAN, inputs=CARE_INPUTS)
    assert living.amount == Decimal("230.00") and care.amount == Decimal("230.00")  # 4-1 listed at 230.00
    disability_services.revoke_certificate(Actor(users["county"], "page"), cert, "残联核查：不符合评定标准",
                                           version=cert.version)
    for e in (living, care):
        e.refresh_from_db()
        assert e.flag == "certificate_revoked"
        assert "肢体残疾一级" in e.flag_note and "注销" in e.flag_note
        assert EnrollmentEvent.objects.get(enrollment=e, kind="flagged").data["certificate"] == "revoked"
    assert AuditEntry.objects.filter(action="assistance.enrollment.flag").count() == 2
    # clearing is refused while there is no valid certificate; reviewing too: terminate
    with pytest.raises(Conflict) as exc:
        services.clear_flag(act(users), care, "核实无误", care.version)
    assert exc.value.code == "flag.registry_unchanged"
    with pytest.raises(ValidationFailed) as exc:
        services.review(act(users), care, CARE_INPUTS, "复核", care.version, month=JUL)
    assert exc.value.code == "certificate.missing"
    care = services.terminate(act(users), care, "残疾人证已注销", care.version, end_month=datetime.date(2024, 6, 1))
    assert care.flag == ""


def test_certificate_replaced_or_care_need_changed_flags_and_review_takes_the_new_facts(
        users, params, family, two_subsidies):
    spouse = family["spouse"]
    cert = certify(users, spouse, "41")
    care = services.enroll(act(users), program="disability_care_allowance", person=spouse, region=GRID,
                           start_month=JAN, inputs=CARE_INPUTS)
    certify(users, spouse, "51", need=True, issued_on="2024-06-01")  # re-assessed: 智力一级
    care.refresh_from_db()
    assert care.flag == "certificate_changed"
    assert "肢体残疾一级，长期照护需求：有 → 智力残疾一级，长期照护需求：有" in care.flag_note
    # the review takes the certificate from the registry: 5-1 is not listed → default 80.00
    care = services.review(act(users), care, CARE_INPUTS, "换证复核", care.version, month=JUL)
    assert care.amount == Decimal("80.00") and care.inputs["disability_type"] == 5 and care.flag == ""
    valid = disability_selectors.valid_certificate(spouse)
    disability_services.set_care_need(Actor(users["county"], "page"), valid, False, version=valid.version)
    care.refresh_from_db()
    assert care.flag == "certificate_changed" and "长期照护需求：有 → 智力残疾一级，长期照护需求：无" in care.flag_note
    # no long-term care need any more: nothing payable, so the review is refused
    with pytest.raises(ValidationFailed) as exc:
        services.review(act(users), care, CARE_INPUTS, "复核", care.version, month=JUL)
    assert exc.value.code == "amount.zero" and "无长期照护需求" in exc.value.message
    assert cert.pk != valid.pk


def test_direct_enrolment_takes_certificate_facts_from_the_registry(users, params, family, two_subsidies,
                                                                    make_person, api_client):
    # Finding 3: inputs claiming a valid grade-1 certificate do not make one.
    nobody = make_person(GRID, "无证人", id_number=make_id_number(datetime.date(1975, 1, 1)))
    claim = {**CARE_INPUTS, "certificate_valid": True, "disability_type": 4, "grade": 1, "long_term_care_need": True}
    with pytest.raises(ValidationFailed) as exc:
        services.enroll(act(users), program="disability_care_allowance", person=nobody, region=GRID,
                        start_month=JAN, inputs=claim)
    assert exc.value.code == "certificate.missing" and "无证人" in exc.value.message
    resp = api_client("county").post("/api/v1/assistance/enrollments", {
        "program": "disability_care_allowance", "person": nobody.pk, "region": GRID, "start_month": "2024-01-01",
        "inputs": claim}, content_type="application/json")
    assert resp.status_code == 422 and resp.json()["error"]["code"] == "certificate.missing"
    # a certificate of 智力二级 (5-2) while the inputs claim 肢体一级: the registry wins
    certify(users, nobody, "52")
    e = services.enroll(act(users), program="disability_care_allowance", person=nobody, region=GRID,
                        start_month=JAN, inputs=claim)
    assert (e.inputs["disability_type"], e.inputs["grade"]) == (5, 2) and e.amount == Decimal("230.00")
    assert Enrollment.objects.filter(program_id="disability_care_allowance").count() == 1


def test_subsistence_household_status_needs_an_open_subsistence_enrollment(users, params, family, two_subsidies,
                                                                          make_person):
    loner = make_person(GRID, "独居者", id_number=make_id_number(datetime.date(1970, 1, 1)))
    certify(users, loner, "41")
    with pytest.raises(ValidationFailed) as exc:  # no household at all
        services.enroll(act(users), program="disability_living_allowance", person=loner, region=GRID,
                        start_month=JAN, inputs=LIVING_INPUTS)
    assert exc.value.code == "household.not_subsistence"
    spouse = family["spouse"]
    certify(users, spouse, "41")
    with pytest.raises(ValidationFailed) as exc:  # a household, but not in 低保
        services.enroll(act(users), program="disability_living_allowance", person=spouse, region=GRID,
                        start_month=JAN, inputs=LIVING_INPUTS)
    assert exc.value.code == "household.not_subsistence"
    enroll_family(users, family)
    e = services.enroll(act(users), program="disability_living_allowance", person=spouse, region=GRID,
                        start_month=JAN, inputs=LIVING_INPUTS)
    assert e.amount == Decimal("230.00")


@pytest.mark.parametrize("inputs, code, named", [
    ({**SUB_INPUTS, "per_capita_incom": "100.00"}, "inputs.unknown", "per_capita_incom"),  # misspelled key
    ({"area": "urban", "per_capita_income": "100.00"}, "inputs.incomplete", "members"),  # missing members
    ({"area": "urban", "members": 3}, "inputs.incomplete", "household_income"),  # no income at all
    ({**SUB_INPUTS, "members": "三"}, "inputs.invalid", "members"),
    ({**SUB_INPUTS, "area": "city"}, "inputs.invalid", "area"),
    ({**SUB_INPUTS, "per_capita_income": "1e3"}, "inputs.invalid", "per_capita_income"),
    ({**SUB_INPUTS, "per_capita_income": 512.33}, "inputs.invalid", "per_capita_income"),  # a float
    ({**SUB_INPUTS, "elderly_members": 4}, "inputs.invalid", "elderly_members"),  # more than the 3 members
])
def test_enroll_checks_inputs_against_the_schema(users, params, family, inputs, code, named):
    with pytest.raises(ValidationFailed) as exc:
        enroll_family(users, family, inputs=inputs)
    assert exc.value.code == code
    assert named in exc.value.message
    assert Enrollment.objects.count() == 0


def test_missing_exclusion_facts_do_not_default(users, params, family, two_subsidies):
    # before: a missing extreme_poverty / work_injury_care quietly meant "no"
    spouse = family["spouse"]
    certify(users, spouse, "41")
    with pytest.raises(ValidationFailed) as exc:
        services.enroll(act(users), program="disability_care_allowance", person=spouse, region=GRID,
                        start_month=JAN, inputs={"extreme_poverty": False})
    assert exc.value.code == "inputs.incomplete" and "work_injury_care" in exc.value.message


def test_nan_and_infinity_income_get_a_chinese_money_message(users, params, family):
    # Finding 6: "NaN" said "最多精确到分"; Python's English text leaked for infinity.
    for bad in ("NaN", "Infinity", "-inf", "1E+3"):
        with pytest.raises(ValidationFailed) as exc:
            enroll_family(users, family, inputs={**SUB_INPUTS, "per_capita_income": bad})
        assert exc.value.code == "inputs.invalid", bad
        assert "不是有效的金额" in exc.value.message and "精确到分" not in exc.value.message
        assert not any(w in exc.value.message for w in ("convert", "infinity", "argument", "Decimal"))


def test_review_with_an_invalid_disability_type_is_an_input_error(users, params, family, two_subsidies):
    spouse = family["spouse"]
    certify(users, spouse, "41")
    care = services.enroll(act(users), program="disability_care_allowance", person=spouse, region=GRID,
                           start_month=JAN, inputs=CARE_INPUTS)
    with pytest.raises(ValidationFailed) as exc:
        services.review(act(users), care, {**CARE_INPUTS, "disability_type": 9}, "复核", care.version, month=JUL)
    assert exc.value.code == "inputs.invalid" and "disability_type" in exc.value.message
    assert "1–7" in exc.value.message


def test_elderly_registration_comes_from_the_registry(users, params, make_person):
    old = make_person(OWNER_COMMUNITY, "孙大爷", id_number=make_id_number(datetime.date(1934, 2, 28)),
                      residence_status="floating")
    # the bands need local registration (default true); a floating resident is not registered
    with pytest.raises(ValidationFailed) as exc:
        services.enroll(act(users), program="elderly_allowance", person=old, region=OWNER_COMMUNITY,
                        start_month=datetime.date(2024, 2, 1), inputs={"registered": True})
    assert exc.value.code == "amount.zero" and "非本地户籍" in exc.value.message


def test_move_within_the_county_moves_the_enrollment(users, params, make_person):
    # Finding 4: the enrollment's region follows the person inside the county.
    old = make_person(GRID, "周大爷", id_number=make_id_number(datetime.date(1930, 5, 1)))
    e = services.enroll(act(users), program="elderly_allowance", person=old, region=GRID, start_month=JAN,
                        inputs={})
    people_services.update_person(Actor(users["admin"], "command"), old, {"region": PEER_COMMUNITY})
    e.refresh_from_db()
    assert e.region_id == PEER_COMMUNITY and e.flag == "" and e.version == 2
    ev = e.events.get(kind="moved")
    assert ev.data == {"from": GRID, "to": PEER_COMMUNITY}
    assert AuditEntry.objects.filter(action="assistance.enrollment.move", object_id=str(e.pk)).exists()
    # the peer community's worker now sees it, the owner community's no longer
    assert selectors.enrollments_for(users["peer"]).filter(pk=e.pk).exists()
    assert not selectors.enrollments_for(users["community"]).filter(pk=e.pk).exists()


def test_move_to_another_county_flags_the_enrollment(users, params, make_person):
    old = make_person(GRID, "吴大爷", id_number=make_id_number(datetime.date(1930, 5, 1)))
    e = services.enroll(act(users), program="elderly_allowance", person=old, region=GRID, start_month=JAN,
                        inputs={})
    people_services.update_person(Actor(users["admin"], "command"), old, {"region": OTHER_COUNTY_VILLAGE})
    e.refresh_from_db()
    # the region stays in the old county (it terminates); the new county enrolls anew
    assert e.region_id == GRID and e.flag == "moved_county" and OTHER_COUNTY_VILLAGE in e.flag_note
    with pytest.raises(Conflict) as exc:
        services.clear_flag(act(users), e, "无需处理", e.version)
    assert exc.value.code == "flag.registry_unchanged"
    e = services.terminate(act(users), e, "迁至民乐县", e.version, end_month=datetime.date(2024, 3, 1))
    assert e.flag == ""


def test_household_moved_to_another_grid_takes_its_enrollment_along(users, params, family):
    e = enroll_family(users, family)
    # the community itself is a valid target of move_households (a grid or its community)
    community = Region.objects.get(code=OWNER_COMMUNITY)
    move_households(Actor(users["admin"], "command"), [family["household"]], community)
    e.refresh_from_db()
    assert e.region_id == OWNER_COMMUNITY and e.flag == ""
    assert e.events.get(kind="moved").data == {"from": GRID, "to": OWNER_COMMUNITY}


def test_joining_a_household_in_another_county_flags_own_enrollments(users, params, family, make_person):
    outside = make_person(OTHER_COUNTY_VILLAGE, "郑大爷", id_number=make_id_number(datetime.date(1930, 5, 1)))
    e = services.enroll(act(users, "city"), program="elderly_allowance", person=outside,
                        region=OTHER_COUNTY_VILLAGE, start_month=JAN, inputs={})
    people_services.add_member(Actor(users["admin"], "command"), family["household"], outside, "51")
    e.refresh_from_db()
    assert e.flag == "moved_county" and e.region_id == OTHER_COUNTY_VILLAGE


@pytest.mark.parametrize("end_month, code", [
    (datetime.date(9999, 12, 1), "end_month.out_of_range"),
    (datetime.date(1999, 12, 1), "end_month.out_of_range"),
    ("2024-05-15", "end_month.not_first"),
])
def test_terminate_end_month_in_a_sane_window(users, params, family, end_month, code):
    # Finding 5: 9999-12-01 raised ValueError (year 10000) in add_months: a 500.
    e = enroll_family(users, family)
    with pytest.raises(ValidationFailed) as exc:
        services.terminate(act(users), e, "不再符合条件", e.version, end_month=end_month)
    assert exc.value.code == code
    e.refresh_from_db()
    assert e.status == "active"


def test_api_terminate_9999_is_422(users, params, family, api_client):
    e = enroll_family(users, family)
    resp = api_client("county").post(f"/api/v1/assistance/enrollments/{e.pk}/terminate", {
        "reason": "不再符合条件", "version": e.version, "end_month": "9999-12-01"}, content_type="application/json")
    assert resp.status_code == 422 and resp.json()["error"]["code"] == "end_month.out_of_range"
    assert "2000-01" in resp.json()["error"]["message"]


def test_enroll_and_review_months_in_the_window(users, params, family):
    today = timezone.localdate()
    # the window ends 24 months after the current month: 25 months ahead is refused
    index = today.year * 12 + today.month - 1 + 25
    too_far = datetime.date(index // 12, index % 12 + 1, 1)
    for month in (datetime.date(1999, 12, 1), too_far, datetime.date(9999, 12, 1)):
        with pytest.raises(ValidationFailed) as exc:
            enroll_family(users, family, start_month=month)
        assert exc.value.code == "start_month.out_of_range"
    e = enroll_family(users, family)
    with pytest.raises(ValidationFailed) as exc:
        services.review(act(users), e, SUB_INPUTS, "复核", e.version, month=datetime.date(9999, 12, 1))
    assert exc.value.code == "month.out_of_range"


def test_parameters_missing_message_has_a_four_digit_year(users, params):
    from jiayuan.assistance.models import Program
    from jiayuan.assistance.services.enrollments import compute

    with pytest.raises(ValidationFailed) as exc:
        compute(Program.objects.get(code="subsistence_allowance"), GRID, datetime.date(1, 1, 1), SUB_INPUTS, None)
    assert exc.value.code == "parameters.missing" and "0001-01" in exc.value.message
    assert " 1-01" not in exc.value.message


def test_reason_length_and_control_characters(users, params, family):
    # Finding 7: 100,000 characters were accepted; control characters were stored.
    e = enroll_family(users, family)
    with pytest.raises(ValidationFailed) as exc:
        services.terminate(act(users), e, "理" * 100_000, e.version, end_month=datetime.date(2024, 5, 1))
    assert exc.value.code == "reason.too_long" and "500" in exc.value.message
    with pytest.raises(ValidationFailed) as exc:
        services.suspend(act(users), e, "x" * 501, e.version)
    assert exc.value.code == "reason.too_long"
    e = services.suspend(act(users), e, "x" * 500, e.version)  # 500 is the limit: accepted
    with pytest.raises(ValidationFailed) as exc:
        services.suspend(act(users), e, "\x07\x1b", e.version)  # nothing left once cleaned
    assert exc.value.code == "reason.missing"
    e = services.terminate(act(users), e, "迁出\x07本市\x1b[0m", e.version, end_month=datetime.date(2024, 5, 1))
    ev = e.events.get(kind="terminated")
    assert ev.reason == "迁出本市[0m"
    assert "\x07" not in ev.data["notice"] and "\x1b" not in ev.data["notice"]


def test_the_payee_account_given_at_enrolment_is_kept_whole_encrypted(users, params, family):
    from jiayuan import security

    e = enroll_family(users, family, payee_account="6228 4800 1234 5678 901")
    e.refresh_from_db()
    assert e.payee_account == "****8901"
    assert security.decrypt(e.payee_account_cipher) == "6228480012345678901"
    with pytest.raises(ValidationFailed) as exc:
        enroll_family(users, family, payee_account="12-34")
    assert exc.value.code == "account.invalid"


def test_a_deceased_person_cannot_be_enrolled(users, params, family):
    from jiayuan.people import services as people_services

    people_services.set_life_status(Actor(users["community"], "page"), family["head"], "deceased",
                                    datetime.date(2025, 1, 3))
    family["head"].refresh_from_db()
    with pytest.raises(ValidationFailed) as exc:
        enroll_family(users, family)
    assert exc.value.code == "person.not_alive"
