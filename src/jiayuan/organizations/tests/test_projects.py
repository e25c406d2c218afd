"""Purchased-service projects end to end in the services: proposal, eligibility, the
panel's scores (a reviewer with a conflict excluded), notice in working days, contract
with instalments, milestones, evaluation, payments (never twice: the database refuses)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from jiayuan.errors import Conflict, Forbidden, ValidationFailed
from jiayuan.organizations import selectors
from jiayuan.organizations.models import InstalmentPayment, ProposalStatus
from jiayuan.organizations.services import projects as ps

from .conftest import act, proposal_of

pytestmark = pytest.mark.django_db

A = {"needs": 80, "design": 90, "indicators": 70, "budget": 60, "capacity": 100}   # 81
B = {"needs": 70, "design": 80, "indicators": 80, "budget": 80, "capacity": 70}    # 76.5


def pass_deadline(call, days=25):
    """Time passes: the call's proposals are in and its deadline is ``days`` days ago
    (the review and the notice come after it)."""
    from jiayuan.organizations.models import ProjectCall

    ProjectCall.objects.filter(pk=call.pk).update(deadline=timezone.localdate() - timedelta(days=days))
    call.refresh_from_db()


def to_review(users, call, proposal):
    ps.check_eligibility(act(users["county"]), proposal, True)
    pass_deadline(call)
    ps.start_review(act(users["county"]), call)


def scored(users, call, orgs):
    p = proposal_of(users["org"], call, orgs["home"])
    to_review(users, call, p)
    ps.score_proposal(act(users["township"]), p, A)
    p = ps.score_proposal(act(users["city"]), p, B)
    return p


def contracted(users, call, orgs):
    p = scored(users, call, orgs)
    today = timezone.localdate()
    notice = ps.publish_notice(act(users["county"]), call, [p.pk], published_on=today - timedelta(days=20))
    assert notice.ends_on < today
    return ps.contract(act(users["county"]), p, contract_number="GZ-2026-001", decision_ref="甘区民发〔2026〕12号",
                       amount="180000", signed_on=today, starts_on=today, ends_on=today + timedelta(days=365),
                       milestones=[{"title": "启动与需求评估", "due_on": today + timedelta(days=30)},
                                   {"title": "中期", "due_on": today + timedelta(days=180)},
                                   {"title": "结项", "due_on": today + timedelta(days=365)}],
                       instalments=[{"percent": 30, "milestone": 1}, {"percent": 40, "milestone": 2},
                                    {"percent": 30, "milestone": 3}])


def test_a_proposal_amount_is_the_sum_of_its_budget_lines(users, call, orgs):
    p = proposal_of(users["org"], call, orgs["home"])
    assert p.amount == Decimal("180000.00") and p.status == ProposalStatus.SUBMITTED
    assert sorted(b.category for b in p.budget_lines.all()) == ["activities", "administration", "staff", "supervision",
                                                                "tax"]


def test_only_the_organizations_own_staff_submit_for_it(users, call, orgs):
    with pytest.raises(Forbidden):
        proposal_of(users["org"], call, orgs["rival"])
    with pytest.raises(Forbidden):
        proposal_of(users["county"], call, orgs["home"])


def test_a_proposal_over_the_budget_is_refused(users, call, orgs):
    with pytest.raises(ValidationFailed) as e:
        proposal_of(users["org"], call, orgs["home"], lines=[{"category": "staff", "amount": "500000.01"}])
    assert e.value.code == "budget_lines.over_budget"


def test_the_score_is_worked_out_when_every_reviewer_has_scored(users, call, orgs):
    p = proposal_of(users["org"], call, orgs["home"])
    to_review(users, call, p)
    p = ps.score_proposal(act(users["township"]), p, A)
    assert p.score is None  # one sheet of two
    p = ps.score_proposal(act(users["city"]), p, B)
    assert p.score == Decimal("78.75")  # (81 + 76.5) / 2


def test_a_reviewer_with_a_conflict_of_interest_is_excluded(users, call, orgs):
    p = proposal_of(users["org"], call, orgs["home"])
    to_review(users, call, p)
    ps.score_proposal(act(users["city"]), p, B)
    seat = selectors.panel_member(users["city"], call)
    ps.declare_conflict(act(users["city"]), seat, orgs["home"])
    with pytest.raises(Forbidden) as e:
        ps.score_proposal(act(users["city"]), p, B)
    assert e.value.code == "review.conflict"
    p = ps.score_proposal(act(users["township"]), p, A)
    assert p.score == Decimal("81.00")  # the township's sheet alone
    assert selectors.proposals_to_score(users["city"]) == []


def test_someone_off_the_panel_cannot_score(users, call, orgs):
    p = proposal_of(users["org"], call, orgs["home"])
    to_review(users, call, p)
    with pytest.raises(Forbidden):
        ps.score_proposal(act(users["county"]), p, A)


def test_an_ineligible_organization_cannot_be_passed(users, call, orgs):
    orgs["home"].status = "suspended"
    orgs["home"].save()
    p = proposal_of(users["org"], call, orgs["home"])
    with pytest.raises(ValidationFailed):
        ps.check_eligibility(act(users["county"]), p, True)
    p = ps.check_eligibility(act(users["county"]), p, False)
    assert p.status == ProposalStatus.INELIGIBLE and "停止活动" in p.eligibility_note


def test_the_notice_runs_five_working_days_from_the_day_after(users, call, orgs):
    from datetime import date

    p = scored(users, call, orgs)
    # published Friday 2026-11-20: Mon 23 … Fri 27 are the five working days
    notice = ps.publish_notice(act(users["county"]), call, [p.pk], published_on=date(2026, 11, 20))
    assert (notice.starts_on, notice.ends_on) == (date(2026, 11, 21), date(2026, 11, 27))


def test_no_contract_while_the_notice_runs(users, call, orgs):
    p = scored(users, call, orgs)
    today = timezone.localdate()
    ps.publish_notice(act(users["county"]), call, [p.pk], published_on=today)
    with pytest.raises(Conflict) as e:
        ps.contract(act(users["county"]), p, contract_number="X", decision_ref="Y", amount="1000", signed_on=today,
                    starts_on=today, ends_on=today, milestones=[{"title": "a", "due_on": today}],
                    instalments=[{"percent": 100, "milestone": 1}])
    assert e.value.code == "contract.notice_running"


def test_the_contract_schedule_and_clauses(users, call, orgs):
    project = contracted(users, call, orgs)
    inst = list(project.instalments.all())
    assert [(i.percent, i.planned, i.final) for i in inst] == [
        (Decimal("30.00"), Decimal("54000.00"), False), (Decimal("40.00"), Decimal("72000.00"), False),
        (Decimal("30.00"), Decimal("54000.00"), True)]
    assert "合同金额的 30%" in inst[0].clause and "启动与需求评估" in inst[0].clause


def test_an_instalment_is_released_once_its_milestone_is_met_and_never_twice(users, call, orgs):
    project = contracted(users, call, orgs)
    first = project.instalments.get(seq=1)
    county = act(users["county"])
    with pytest.raises(Conflict):
        ps.release_instalment(county, first, decision_ref="甘区民发〔2026〕20号")
    m1 = first.milestone
    with pytest.raises(Conflict) as e:
        ps.accept_milestone(county, m1)
    assert e.value.code == "milestone.no_report"
    ps.submit_report(act(users["org"]), project, period="第一阶段", content="完成需求评估 120 户", milestone=m1)
    ps.accept_milestone(county, m1)
    pay = ps.release_instalment(county, first, decision_ref="甘区民发〔2026〕20号")
    assert pay.amount == Decimal("54000.00")
    assert pay.basis["clause"] == first.clause and pay.basis["contract_number"] == "GZ-2026-001"
    with pytest.raises(Conflict) as e:
        ps.release_instalment(county, first, decision_ref="甘区民发〔2026〕21号")
    assert e.value.code == "instalment.paid"
    assert selectors.project_money(project)["paid"] == Decimal("54000.00")


def test_the_database_refuses_a_second_payment_of_the_same_instalment(users, call, orgs):
    project = contracted(users, call, orgs)
    inst = project.instalments.get(seq=1)
    InstalmentPayment.objects.create(instalment=inst, amount=Decimal("54000.00"), released_on=timezone.localdate(),
                                     decision_ref="A")
    with pytest.raises(IntegrityError), transaction.atomic():
        InstalmentPayment.objects.create(instalment=inst, amount=Decimal("54000.00"),
                                         released_on=timezone.localdate(), decision_ref="B")
    assert InstalmentPayment.objects.filter(instalment=inst).count() == 1


def test_the_final_instalment_is_scaled_by_the_final_band_and_the_project_closes(users, call, orgs):
    project = contracted(users, call, orgs)
    county, staff = act(users["county"]), act(users["org"])
    for m in project.milestones.all():
        ps.submit_report(staff, project, period=m.title, content="按计划完成", milestone=m)
        ps.accept_milestone(county, m)
    last = project.instalments.get(seq=3)
    with pytest.raises(Conflict) as e:
        ps.release_instalment(county, last, decision_ref="R")
    assert e.value.code == "instalment.no_final_evaluation"
    ev = ps.record_evaluation(county, project, stage="final", evaluator="张掖市社会工作评估中心", score="72.5",
                              evaluated_on=timezone.localdate())
    assert ev.band == "pass"
    for inst in project.instalments.all():
        ps.release_instalment(county, inst, decision_ref="甘区民发〔2026〕30号")
    # 54,000 + 72,000 + 54,000 × 80 % = 54,000 + 72,000 + 43,200 = 169,200
    assert selectors.project_money(project)["paid"] == Decimal("169200.00")
    assert last.payment.basis["band"] == "pass" and last.payment.basis["factor"] == "80"
    project = ps.close_project(county, project)
    assert project.status == "closed"


def test_service_records_by_the_organizations_staff(users, call, orgs):
    project = contracted(users, call, orgs)
    rec = ps.record_service(act(users["org"]), project, delivered_on=timezone.localdate(), activity="入户探访",
                            people_served=12, satisfaction="95")
    assert rec.people_served == 12
    with pytest.raises(Forbidden):
        ps.record_service(act(users["county"]), project, delivered_on=timezone.localdate(), activity="x",
                          people_served=1)
    assert list(selectors.projects_without_recent_service(users["org"])) == []


def test_an_upheld_objection_unselects_the_proposal(users, call, orgs):
    p = scored(users, call, orgs)
    ps.publish_notice(act(users["county"]), call, [p.pk])
    obj = ps.record_objection(act(users["county"]), p, "该机构上年度年检不合格", timezone.localdate() + timedelta(days=1))
    ps.resolve_objection(act(users["county"]), obj, True, "经核实属实")
    p.refresh_from_db()
    assert p.status == ProposalStatus.NOT_SELECTED



def test_the_project_list_shows_the_paid_money_of_each_project_in_one_query(users, call, orgs,
                                                                             django_assert_num_queries):
    project = contracted(users, call, orgs)
    county = act(users["county"])
    first = project.instalments.get(seq=1)
    ps.submit_report(act(users["org"]), project, period="第一阶段", content="完成需求评估 120 户",
                     milestone=first.milestone)
    ps.accept_milestone(county, first.milestone)
    ps.release_instalment(county, first, decision_ref="甘区民发〔2026〕20号")
    with django_assert_num_queries(1):
        listed = selectors.projects_listed(users["county"])
    assert [p.pk for p in listed] == [project.pk]
    # first instalment 54,000.00 paid (30 % of 180,000.00); 126,000.00 still unpaid
    assert listed[0].money == {"amount": Decimal("180000.00"), "paid": Decimal("54000.00"),
                               "unpaid": Decimal("126000.00")}
