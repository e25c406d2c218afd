"""Applications (一门受理、协同办理) end to end through the services and the case engine.

Dates are chosen around the 2025 National Day holiday so that every working-day limit
is checked by hand against the official calendar (国办发明电〔2024〕12号: 1–8 October off;
Sunday 28 September and Saturday 11 October are make-up working days):

    Fri 26 Sep  day of acceptance (not counted)
    Sun 28 Sep  working day 1 (make-up)      Mon 29 Sep  2      Tue 30 Sep  3
    1–8 Oct     holiday
    Thu  9 Oct  4     Fri 10 Oct  5     Sat 11 Oct  6 (make-up)
    13–17 Oct   7–11  20–24 Oct  12–16  27–31 Oct  17–21
    3–7 Nov     22–26  10–13 Nov  27–30  → 30th working day: Thu 13 November
    14 Nov 31, 17–21 Nov 32–36, 24–28 Nov 37–41, 1–4 Dec 42–45 → 45th: Thu 4 December
"""

import datetime
from decimal import Decimal

import pytest

from jiayuan.assistance.models import ApplicationPart, AssistanceApplication, Enrollment, NoticeObjection
from jiayuan.assistance.services import applications as svc
from jiayuan.audit.models import AuditEntry
from jiayuan.audit.services import Actor
from jiayuan.cases.models import Case, CaseEvent, CaseTask
from jiayuan.errors import Conflict, Forbidden, ValidationFailed

from .helpers import BJ, FULL_DIBAO, app_of, at

pytestmark = pytest.mark.django_db

# The two visitors: the community worker of 交通巷社区 and the officer of 东街街道 (users
# fixture), named by username (the pages post ids).
VISIT = {"visitor_1": "community", "visitor_2": "township", "visit_date": "2025-09-30",
         "findings": "住房简陋，家中无贵重物品"}


def record_dibao_household(users, family, app):
    """Three co-resident members; wages 900.00 (head) + 636.99 transfer income of the
    household = 1536.99 yuan a month; no assets."""
    return svc.record_economic_status(
        Actor(users["community"], "api"), app,
        members=[{"person": family[k].pk, "co_resident": True} for k in ("head", "spouse", "child")],
        incomes=[{"person": family["head"].pk, "kind": "wages", "monthly_amount": "900.00"},
                 {"person": None, "kind": "transfer", "monthly_amount": "636.99"}],
        assets=[])


def to_notice(users, family, take, act):
    """A 低保 application taken on Friday 26 September and brought to the public
    notice on Thursday 9 October (notice 9–15 October)."""
    app, _ = take(["subsistence_allowance"])
    record_dibao_household(users, family, app)
    act("community", app, "finish_economic_check", at(2025, 9, 29))
    act("community", app, "home_visit", at(2025, 9, 30), fields=VISIT)
    act("community", app, "initial_opinion", at(2025, 10, 9), comment="经核对，家庭人均收入低于低保标准",
        fields={"opinion": "eligible"})
    return app_of(app)


def test_dibao_approved_enrolls_from_next_month_with_the_right_amount(users, family, params, take, act):
    app, created = take(["subsistence_allowance"])
    assert created
    case = app.case
    # complete materials: accepted at once; the stage and the whole process have due dates
    assert case.state == "accepted" and app.materials_missing == []
    assert case.data["accepted_on"] == "2025-09-26"
    assert case.data["process_due"] == "2025-11-13"           # 30th working day (module docstring)
    assert case.due_at == datetime.datetime(2025, 10, 10, 23, 59, 59, tzinfo=BJ)  # accepted: 5 wd → Fri 10 Oct
    assert app.path == "standard" and app.area == "urban"     # 交通巷社区 code 001: residents' committee

    app = to_notice(users, family, take=lambda *a, **k: (app, False), act=act)
    assert app.case.state == "public_notice"
    # the rules' result is stored: per capita 1536.99 / 3 = 512.33 < 735.00
    result = app.assessment["programs"]["subsistence_allowance"]
    assert result["eligible"] is True
    assert result["reasons"][0]["code"] == "income.below_standard" and result["reasons"][0]["met"] is True
    assert app.assessment["household"]["per_capita_income"] == "512.33"
    assert app.notice_from == datetime.date(2025, 10, 9) and app.notice_until == datetime.date(2025, 10, 15)

    act("community", app, "close_notice", at(2025, 10, 16, 9))
    act("township", app, "township_submit", at(2025, 10, 17), comment="同意", fields={"opinion": "agree"})
    case = act("county", app, "approve", at(2025, 10, 20), comment="批准")
    assert case.state == "completed" and not case.is_open
    app = app_of(app)
    assert app.decision == "approved"
    enrollment = Enrollment.objects.get(application=app)
    # approved on 20 October → from 1 November; (735.00 × 3 − 1536.99) = 2205.00 − 1536.99 = 668.01
    assert enrollment.start_month == datetime.date(2025, 11, 1)
    assert enrollment.amount == Decimal("668.01")
    assert enrollment.household_id == family["household"].pk and enrollment.person_id == family["head"].pk
    part = app.parts.get()
    assert part.status == ApplicationPart.Status.APPROVED and part.amount == Decimal("668.01")
    assert AuditEntry.objects.filter(action="assistance.application.create", object_id=str(app.pk)).exists()


def test_dibao_refused_with_written_reason_and_notice_within_3_working_days(users, family, params, take, act):
    app = to_notice(users, family, take, act)
    act("community", app, "close_notice", at(2025, 10, 16))
    act("township", app, "township_submit", at(2025, 10, 17), comment="不同意", fields={"opinion": "disagree"})
    with pytest.raises(ValidationFailed) as exc:
        act("county", app, "refuse", at(2025, 9, 30))          # no written reason
    assert "comment" in exc.value.fields
    # refused on Tuesday 30 September: 3 working days → 9, 10, 11 October (11 Oct make-up Saturday)
    case = act("county", app, "refuse", at(2025, 9, 30, 15), comment="经公示核实，家庭有经营性收入未申报")
    assert case.state == "refusal_notice"
    assert case.due_at == datetime.datetime(2025, 10, 11, 23, 59, 59, tzinfo=BJ)
    app = app_of(app)
    assert app.decision == "refused" and app.decision_reason == "经公示核实，家庭有经营性收入未申报"
    assert app.parts.get().status == ApplicationPart.Status.REFUSED
    case = act("township", app, "notify_refusal", at(2025, 10, 9),
               fields={"notified_on": "2025-10-09", "method": "in_person"})
    assert case.state == "refused" and not case.is_open
    assert not Enrollment.objects.filter(application=app).exists()


def test_incomplete_materials_one_notice_listing_everything(users, family, params, take, act):
    app, _ = take(["subsistence_allowance"], materials=["书面申请", "居民身份证"])
    missing = ["户口簿", "家庭收入和财产状况声明", "家庭经济状况核对授权书"]
    assert app.case.state == "awaiting_materials"
    assert app.materials_missing == missing
    notices = CaseEvent.objects.filter(case=app.case, action="request_materials")
    assert notices.count() == 1
    assert all(m in notices.get().comment for m in missing)
    # the clock of the process starts at acceptance, once the materials are complete
    case = act("community", app, "accept", at(2025, 9, 29), comment="材料已补齐")
    assert case.state == "accepted" and case.data["accepted_on"] == "2025-09-29"
    assert app_of(app).materials_missing == []
    # a material that is not on the checklist is refused by name
    with pytest.raises(ValidationFailed) as exc:
        take(["temporary_assistance"], materials=["结婚证"], hardship="illness")
    assert exc.value.fields["materials"][0]["code"] == "materials.unknown"


def test_public_notice_runs_seven_days_and_objections_must_be_settled(users, family, params, take, act):
    app = to_notice(users, family, take, act)
    # last day of the notice (15 October): too early
    with pytest.raises(Conflict) as exc:
        act("community", app, "close_notice", at(2025, 10, 15, 17))
    assert exc.value.code == "case.guard" and "2025-10-16" in exc.value.message
    objection = svc.record_objection(Actor(users["community"], "api"), app, "2025-10-10", "该户有一辆小汽车",
                                     now=at(2025, 10, 10))
    with pytest.raises(Conflict) as exc:
        act("community", app, "close_notice", at(2025, 10, 16))
    assert "异议" in exc.value.message
    svc.resolve_objection(Actor(users["community"], "api"), objection, "经核实车辆已于2024年报废", upheld=False)
    with pytest.raises(Conflict):
        svc.resolve_objection(Actor(users["community"], "api"), objection, "再次处理", upheld=True)
    case = act("community", app, "close_notice", at(2025, 10, 16))
    assert case.state == "township_review"
    assert NoticeObjection.objects.get(pk=objection.pk).upheld is False
    # objections only during the notice
    with pytest.raises(Conflict):
        svc.record_objection(Actor(users["community"], "api"), app_of(app), "2025-10-16", "迟到的异议",
                             now=at(2025, 10, 16))


def test_home_visit_needs_two_distinct_visitors(users, family, params, take, act):
    app, _ = take(["subsistence_allowance"])
    with pytest.raises(Conflict):   # economic status not recorded yet
        act("community", app, "finish_economic_check", at(2025, 9, 29))
    record_dibao_household(users, family, app)
    act("community", app, "finish_economic_check", at(2025, 9, 29))
    with pytest.raises(ValidationFailed) as exc:
        act("community", app, "home_visit", at(2025, 9, 30), fields={**VISIT, "visitor_2": " community "})
    assert exc.value.fields["visitor_2"][0]["code"] == "visitors.two_required"
    with pytest.raises(ValidationFailed) as exc:
        act("community", app, "home_visit", at(2025, 9, 30), fields={**VISIT, "visitor_2": ""})
    assert "visitor_2" in exc.value.fields
    assert Case.objects.get(pk=app.case_id).state == "visiting"
    case = act("community", app, "home_visit", at(2025, 9, 30), fields=VISIT)
    assert case.state == "initial_review"


def test_home_visitors_are_two_distinct_staff_accounts_of_the_area(users, family, params, take, act):
    """Finding: "张三" and "張三" passed as two visitors. Now each visitor is an account
    (id or username) of a community worker/director, township or county officer whose
    scope contains 交通巷社区 (620702001001)."""
    from jiayuan.accounts.models import User

    app, _ = take(["subsistence_allowance"])
    record_dibao_household(users, family, app)
    act("community", app, "finish_economic_check", at(2025, 9, 29))
    director = User.objects.create(username="zhuren", full_name="马主任", role="community_director",
                                   scope_id="620702001001")
    gone = User.objects.create(username="lizhi", full_name="离职人员", role="community_worker",
                               scope_id="620702001001", is_active=False)

    def refused(v1, v2):
        with pytest.raises(ValidationFailed) as exc:
            act("community", app, "home_visit", at(2025, 9, 30), fields={**VISIT, "visitor_1": v1, "visitor_2": v2})
        return {k: [e["code"] for e in v] for k, v in exc.value.fields.items()}

    # free-text names (the two spellings of 张三) are no accounts
    assert refused("张三", "張三") == {"visitor_1": ["visitors.not_staff"], "visitor_2": ["visitors.not_staff"]}
    # the same account twice, once by id and once by username
    assert refused(str(users["community"].pk), "community") == {"visitor_2": ["visitors.two_required"]}
    # another community's worker, another county's, a grid member, the city admin, an
    # auditor, an inactive account: not staff of this application's area
    for other in ("peer", "outsider", "grid_member", "city", "auditor", "org"):
        assert refused("community", other) == {"visitor_2": ["visitors.not_staff"]}, other
    assert refused("community", str(gone.pk)) == {"visitor_2": ["visitors.not_staff"]}
    assert Case.objects.get(pk=app.case_id).state == "visiting"

    # the director (by id) and the county officer (by username): accepted
    case = act("community", app, "home_visit", at(2025, 9, 30), fields={
        **VISIT, "visitor_1": str(director.pk), "visitor_2": "county", "others_present": "网格员\x07 王某"})
    assert case.state == "initial_review"
    visit = case.data["home_visits"][-1]
    assert visit["visitors"] == [
        {"id": director.pk, "username": "zhuren", "name": "马主任", "role": "community_director"},
        {"id": users["county"].pk, "username": "county", "name": "county", "role": "county_officer"}]
    assert visit["visit_date"] == "2025-09-30" and visit["others_present"] == "网格员 王某"
    event = CaseEvent.objects.get(case=case, action="home_visit")
    assert event.data["visitor_1"] == str(director.pk) and event.data["visitor_2"] == "county"


def test_notice_cannot_start_before_the_initial_opinion(users, family, params, take, act):
    """Finding: notice_from 19 days back let the notice be closed the same minute. The
    notice starts between the day of the initial opinion (Thu 9 Oct 2025) and 3 days
    later (Sun 12 Oct); 7 full days from then: 12 + 6 = Sat 18 Oct is the last day,
    报送审核 from Sun 19 Oct."""
    app, _ = take(["subsistence_allowance"])
    record_dibao_household(users, family, app)
    act("community", app, "finish_economic_check", at(2025, 9, 29))
    act("community", app, "home_visit", at(2025, 9, 30), fields=VISIT)
    for start in ("2025-09-20", "2025-10-08", "2025-10-13"):   # 19 days back, 1 day back, 4 days ahead
        with pytest.raises(ValidationFailed) as exc:
            act("community", app, "initial_opinion", at(2025, 10, 9), comment="符合",
                fields={"opinion": "eligible", "notice_from": start})
        assert exc.value.fields["notice_from"][0]["code"] == "notice_from.invalid", start
        assert "2025-10-09" in exc.value.message and "2025-10-12" in exc.value.message
    assert Case.objects.get(pk=app.case_id).state == "initial_review"
    act("community", app, "initial_opinion", at(2025, 10, 9), comment="符合",
        fields={"opinion": "eligible", "notice_from": "2025-10-12"})
    app = app_of(app)
    assert app.notice_from == datetime.date(2025, 10, 12) and app.notice_until == datetime.date(2025, 10, 18)
    with pytest.raises(Conflict) as exc:
        act("community", app, "close_notice", at(2025, 10, 9, 10, 1))      # the same minute
    assert exc.value.code == "case.guard"
    with pytest.raises(Conflict):
        act("community", app, "close_notice", at(2025, 10, 18, 23, 59))    # last day of the notice
    assert act("community", app, "close_notice", at(2025, 10, 19, 0, 0)).state == "township_review"


def test_notice_defaults_to_the_day_of_the_opinion(users, family, params, take, act):
    """Without notice_from the notice starts on the day of the initial opinion (Beijing
    date: 00:30 on 9 Oct Beijing is 16:30 UTC on 8 Oct): 9–15 October."""
    app, _ = take(["subsistence_allowance"])
    record_dibao_household(users, family, app)
    act("community", app, "finish_economic_check", at(2025, 9, 29))
    act("community", app, "home_visit", at(2025, 9, 30), fields=VISIT)
    with pytest.raises(ValidationFailed):     # the UTC date would allow it
        act("community", app, "initial_opinion", at(2025, 10, 9, 0, 30), comment="符合",
            fields={"opinion": "eligible", "notice_from": "2025-10-08"})
    act("community", app, "initial_opinion", at(2025, 10, 9, 0, 30), comment="符合", fields={"opinion": "eligible"})
    app = app_of(app)
    assert app.notice_from == datetime.date(2025, 10, 9) and app.notice_until == datetime.date(2025, 10, 15)


def test_closing_the_notice_compares_with_the_real_date(users, family, params, take, act):
    """A ``now`` from the future passed to the service does not end the notice early:
    the guard takes the earlier of the transition's date and the real date."""
    from django.utils import timezone

    real = timezone.now()
    app, _ = take(["subsistence_allowance"], when=real)
    record_dibao_household(users, family, app)
    act("community", app, "finish_economic_check", real)
    act("community", app, "home_visit", real, fields={**VISIT, "visit_date": timezone.localdate().isoformat()})
    act("community", app, "initial_opinion", real, comment="符合", fields={"opinion": "eligible"})
    assert app_of(app).notice_from == timezone.localdate()
    with pytest.raises(Conflict) as exc:
        act("community", app, "close_notice", real + datetime.timedelta(days=8))
    assert exc.value.code == "case.guard"
    assert Case.objects.get(pk=app.case_id).state == "public_notice"


def test_departments_handle_their_parts_and_the_case_closes_when_all_are_done(
        users, family, params, take, act, medical_dept, education_dept):
    app, _ = take(["subsistence_allowance", "medical_assistance", "education_assistance"],
                  materials=FULL_DIBAO + ["医疗费用票据", "诊断证明", "在校（学籍）证明"])
    tasks = {t.department_id: t for t in CaseTask.objects.filter(case=app.case)}
    assert set(tasks) == {medical_dept.pk, education_dept.pk}
    assert all(t.status == "pending" for t in tasks.values())
    # 医保 completes its part while 民政 is still checking: the stage does not change
    record_dibao_household(users, family, app)
    act("community", app, "finish_economic_check", at(2025, 9, 29))
    case = act("yibao", app, "complete_part", at(2025, 9, 30), comment="已纳入医疗救助，报销比例提高10%")
    assert case.state == "visiting" and case.is_open
    assert app.parts.get(kind="medical_assistance").status == ApplicationPart.Status.DONE
    # a department may not take 民政's steps
    with pytest.raises(Forbidden) as exc:
        act("yibao", app, "home_visit", at(2025, 9, 30), fields=VISIT)
    assert exc.value.code == "case.role_forbidden"
    act("community", app, "home_visit", at(2025, 9, 30), fields=VISIT)
    act("community", app, "initial_opinion", at(2025, 10, 9), comment="符合条件", fields={"opinion": "eligible"})
    act("community", app, "close_notice", at(2025, 10, 16))
    act("township", app, "township_submit", at(2025, 10, 17), comment="同意", fields={"opinion": "agree"})
    case = act("county", app, "approve", at(2025, 10, 20))
    assert case.state == "coordinating" and case.is_open        # 教育 has not finished
    case = act("jiaoyu", app, "refuse_part", at(2025, 10, 21), comment="子女已享受义务教育阶段资助")
    assert case.state == "completed" and not case.is_open
    parts = {p.kind: p.status for p in app_of(app).parts.all()}
    assert parts == {"subsistence_allowance": "approved", "medical_assistance": "done", "education_assistance": "refused"}


def test_temporary_assistance_short_path_township_within_its_limit(users, family, params, take, act):
    materials = ["书面申请", "居民身份证", "户口簿", "困难情况证明（医疗票据、事故或灾害证明等）"]
    app, _ = take(["temporary_assistance"], materials=materials, hardship="illness")
    assert app.path == "short" and app.case.state == "township_review"   # no visit, no public notice
    # 1200.00 > township limit 1000.00 → county
    with pytest.raises(Conflict) as exc:
        act("township", app, "township_decide", at(2025, 9, 29), fields={"amount": "1200"})
    assert "1000.00" in exc.value.message
    case = act("township", app, "township_decide", at(2025, 9, 29), fields={"amount": "1000.00"})
    assert case.state == "completed"
    part = app_of(app).parts.get()
    assert part.status == "approved" and part.amount == Decimal("1000.00")
    assert not Enrollment.objects.filter(application=app).exists()      # one-off, not monthly


def test_temporary_assistance_county_approval_above_the_township_limit(users, family, params, take, act):
    materials = ["书面申请", "居民身份证", "户口簿", "困难情况证明（医疗票据、事故或灾害证明等）"]
    app, _ = take(["temporary_assistance"], materials=materials, hardship="fire")
    act("township", app, "township_submit", at(2025, 9, 29), comment="火灾受损严重", fields={"opinion": "agree"})
    # cap: 3 × 735.00 = 2205.00
    with pytest.raises(Conflict) as exc:
        act("county", app, "approve", at(2025, 9, 30), fields={"temporary_amount": "2205.01"})
    assert "2205" in exc.value.message
    with pytest.raises(ValidationFailed):
        act("county", app, "approve", at(2025, 9, 30))
    case = act("county", app, "approve", at(2025, 9, 30), fields={"temporary_amount": "2205.00"})
    assert case.state == "completed"
    assert app_of(app).parts.get().amount == Decimal("2205.00")


def test_temporary_assistance_emergency_path_pays_first_and_records_completion(users, family, params, take, act):
    app, _ = take(["temporary_assistance"], materials=["居民身份证"], hardship="accident", emergency=True)
    assert app.path == "emergency" and app.case.state == "emergency"
    assert app.materials_missing == ["书面申请", "户口簿", "困难情况证明（医疗票据、事故或灾害证明等）"]
    with pytest.raises(Conflict):            # emergency advance at most 500.00
        act("township", app, "emergency_grant", at(2025, 9, 26, 15), comment="车祸", fields={"amount": "600"})
    case = act("township", app, "emergency_grant", at(2025, 9, 26, 15), comment="车祸住院，先行救助",
               fields={"amount": "500"})
    # materials within 5 working days of Friday 26 Sep: 28, 29, 30 Sep, 9, 10 Oct
    assert case.state == "awaiting_completion"
    assert case.due_at == datetime.datetime(2025, 10, 10, 23, 59, 59, tzinfo=BJ)
    assert app_of(app).decision == "approved"
    case = act("community", app, "complete_materials", at(2025, 10, 9), fields={"completed_on": "2025-10-09"})
    assert case.state == "completed"
    app = app_of(app)
    assert app.materials_missing == [] and app.case.data["materials_completed_on"] == "2025-10-09"
    assert app.case.data["materials_late_list"] == ["书面申请", "户口簿", "困难情况证明（医疗票据、事故或灾害证明等）"]


def test_extension_to_45_working_days(users, family, params, take, act):
    app, _ = take(["subsistence_allowance"])
    with pytest.raises(Forbidden):
        act("community", app, "extend", at(2025, 9, 29), comment="需跨省核对")
    case = act("township", app, "extend", at(2025, 9, 29), comment="需跨省核对存款")
    assert case.state == "accepted" and case.data["process_due"] == "2025-12-04"
    assert case.due_at == datetime.datetime(2025, 10, 10, 23, 59, 59, tzinfo=BJ)   # the stage's clock is kept
    with pytest.raises(Conflict):
        act("township", app, "extend", at(2025, 9, 30), comment="再次延期")


def test_roles_and_scope(users, family, params, take, act, make_person):
    app = to_notice(users, family, take, act)
    act("community", app, "close_notice", at(2025, 10, 16))
    act("township", app, "township_submit", at(2025, 10, 17), comment="同意", fields={"opinion": "agree"})
    with pytest.raises(Forbidden) as exc:
        act("community", app, "approve", at(2025, 10, 20))
    assert exc.value.code == "case.role_forbidden"
    with pytest.raises(Forbidden) as exc:
        act("township", app, "approve", at(2025, 10, 20))
    assert exc.value.code == "case.role_forbidden"
    # another community's worker does not see the household
    with pytest.raises(ValidationFailed) as exc:
        svc.take_application(Actor(users["peer"], "api"), family["household"], family["head"], "", ["temporary_assistance"],
                             hardship="illness")
    assert exc.value.fields["household"][0]["code"] == "household.not_found"
    # a grid member cannot take applications
    with pytest.raises(Forbidden):
        svc.take_application(Actor(users["grid_member"], "api"), family["household"], family["head"], "",
                             ["subsistence_allowance"])
    # the applicant must belong to the household
    neighbour = make_person(name="刘洋")
    with pytest.raises(ValidationFailed) as exc:
        svc.take_application(Actor(users["community"], "api"), family["household"], neighbour, "",
                             ["temporary_assistance"], hardship="illness")
    assert exc.value.fields["applicant"][0]["code"] == "applicant.not_member"


def test_repeat_submit_and_duplicate_application(users, family, params, take):
    app, created = take(["subsistence_allowance"], request_key="form-1")
    again, created2 = take(["subsistence_allowance"], request_key="form-1")
    assert created and not created2 and again.pk == app.pk
    with pytest.raises(Conflict) as exc:
        take(["subsistence_allowance"], request_key="form-2")
    assert exc.value.code == "application.duplicate" and app.case.number in exc.value.message
    assert AssistanceApplication.objects.count() == 1


def test_ineligible_household_cannot_be_approved(users, family, params, take, act):
    """Per capita 2400.00 / 3 = 800.00 ≥ 735.00: not eligible; the initial opinion says so
    and the application goes to the township without a public notice; the county may
    only refuse."""
    app, _ = take(["subsistence_allowance"])
    svc.record_economic_status(Actor(users["community"], "api"), app,
                               incomes=[{"person": family["head"].pk, "kind": "wages", "monthly_amount": "2400"}])
    act("community", app, "finish_economic_check", at(2025, 9, 29))
    act("community", app, "home_visit", at(2025, 9, 30), fields=VISIT)
    case = act("community", app, "initial_opinion", at(2025, 10, 9), comment="人均收入超过标准",
               fields={"opinion": "ineligible"})
    assert case.state == "township_review"
    app = app_of(app)
    assert app.notice_from is None
    result = app.assessment["programs"]["subsistence_allowance"]
    assert result["eligible"] is False
    assert Decimal(result["reasons"][0]["values"]["per_capita_income"]) == Decimal("800")
    act("township", app, "township_submit", at(2025, 10, 10), comment="不同意", fields={"opinion": "disagree"})
    with pytest.raises(Conflict) as exc:
        act("county", app, "approve", at(2025, 10, 13))
    assert "不符合" in exc.value.message


def test_extreme_poverty_support_for_an_elderly_person_living_alone(users, make_person, params, act):
    """特困: 75-year-old 孙桂兰 alone, no income source, no supporter, semi self-care (found
    at the visit). City parameters: urban basic living standard 960.00, care 300.00 for
    半护理 → 960.00 + 300.00 = 1260.00 a month from the month after approval."""
    from jiayuan.assistance.services.parameters import set_parameters
    from jiayuan.people.services import create_household

    set_parameters(Actor(users["city"], "command"), "extreme_poverty_support", "6207", "2025-01-01",
                   {"basic_urban": "960.00", "basic_rural": "750.00", "care_full_self": "100.00",
                    "care_semi": "300.00", "care_full": "600.00"})
    elder = make_person(name="孙桂兰", birth=datetime.date(1950, 3, 8), sex_for_id=2)
    hh = create_household(Actor(users["admin"], "command"), {"number": "JTX-009", "region": "620702001001"}, elder)
    elder.refresh_from_db()
    materials = ["书面申请", "居民身份证", "户口簿", "家庭经济状况核对授权书", "丧失劳动能力的证明（残疾人证或诊断证明）"]
    app, _ = svc.take_application(Actor(users["community"], "api"), hh, elder, "", ["extreme_poverty_support"],
                                  "独居无收入", materials, now=at(2025, 9, 26))
    assert app.path == "standard" and app.case.state == "accepted"
    svc.record_economic_status(Actor(users["community"], "api"), app, incomes=[])
    act("community", app, "finish_economic_check", at(2025, 9, 29))
    act("community", app, "home_visit", at(2025, 9, 30), fields={
        **VISIT, "self_care": "semi", "no_income_source": True, "no_supporter": True})
    act("community", app, "initial_opinion", at(2025, 10, 9), comment="符合特困条件", fields={"opinion": "eligible"})
    result = app_of(app).assessment["programs"]["extreme_poverty_support"]
    assert result["eligible"] is True and Decimal(result["amount"]) == Decimal("1260.00")
    act("community", app, "close_notice", at(2025, 10, 16))
    act("township", app, "township_submit", at(2025, 10, 17), comment="同意", fields={"opinion": "agree"})
    act("county", app, "approve", at(2025, 11, 3))
    e = Enrollment.objects.get(application=app)
    assert e.person_id == elder.pk and e.household_id is None
    assert e.start_month == datetime.date(2025, 12, 1) and e.amount == Decimal("1260.00")


def test_the_materials_limit_of_the_emergency_path_is_a_parameter(users, family, params, take, act):
    from jiayuan.assistance.services.parameters import set_parameters

    # The county shortens the limit to 3 working days for 甘州区 (overrides the city's default of 5).
    set_parameters(Actor(users["county"], "command"), "temporary_assistance", "620702", "2025-01-01",
                   {"max_multiple": "3", "township_limit": "1000.00", "emergency_limit": "500.00",
                    "emergency_completion_days": 3})
    app, _ = take(["temporary_assistance"], materials=["居民身份证"], hardship="accident", emergency=True)
    case = act("township", app, "emergency_grant", at(2025, 9, 26, 15), comment="车祸住院，先行救助",
               fields={"amount": "500"})
    # 3 working days after Friday 26 Sep 2025: Sun 28 (make-up working day), Mon 29, Tue 30 Sep
    assert case.due_at == datetime.datetime(2025, 9, 30, 23, 59, 59, tzinfo=BJ)
