"""People's mediation through the services and the engine: opening (and the refusal),
mediators, sessions, the agreement and its court-confirmation deadline, follow-up,
police reports, results."""

from datetime import date, timedelta

import pytest

from jiayuan.audit.services import Actor
from jiayuan.cases.models import Case
from jiayuan.cases import services as case_services
from jiayuan.errors import ValidationFailed, Conflict
from jiayuan.governance.mediation import selectors, services as med
from jiayuan.governance.models import MediationRefusal
from jiayuan.regions.models import Region

from .conftest import OWNER_COMMUNITY

pytestmark = pytest.mark.django_db


def test_opening_against_a_partys_clear_refusal_is_refused_and_the_refusal_recorded(users, open_case):
    with pytest.raises(ValidationFailed) as exc:
        open_case(stance_b="refused", start_mode="initiative")
    assert exc.value.code == "mediation.party_refused"
    assert not Case.objects.filter(type_code="mediation_case").exists()
    refusal = MediationRefusal.objects.get()
    assert (refusal.party_names, refusal.region_id, refusal.start_mode) == ("李小河", OWNER_COMMUNITY, "initiative")


def test_a_case_opened_on_application_is_registered_with_its_file(users, open_case):
    case = open_case()
    assert (case.state, case.title, case.data["category_name"]) == ("registered", "张大山与李小河邻里纠纷", "邻里纠纷")
    assert case.mediation.committee.name == "交通巷社区人民调解委员会"


def _record_to_agreement(users, case, signed_on):
    a = Actor(users["community"], "page")
    members = list(selectors.members_of(case.mediation.committee))
    case = med.assign_mediators(a, case, [members[0].pk, members[1].pk])
    assert case.state == "mediating"
    med.record_session(a, case, held_on=signed_on, place="社区调解室", attendees="双方当事人", record_text="释法说理")
    return med.record_agreement(a, case, facts_and_issues="院墙漏水致李家墙面受损", terms="张家赔偿修缮费800元",
                                performance_manner="现金一次性支付", performance_deadline=signed_on + timedelta(days=10),
                                signed_on=signed_on)


def test_a_case_goes_from_registration_to_an_agreement_with_its_court_confirmation_deadline(users, open_case):
    case = open_case()
    # 2025-09-01 + 30 days = 2025-10-01, National Day holiday to 10-08 (official calendar) → 2025-10-09
    agreement = _record_to_agreement(users, case, date(2025, 9, 1))
    assert agreement.court_confirmation_deadline == date(2025, 10, 9)
    case.refresh_from_db()
    assert case.state == "agreed"


def test_the_case_page_cannot_take_agreement_before_the_agreement_is_recorded(users, open_case):
    case = open_case()
    a = Actor(users["community"], "page")
    with pytest.raises(Conflict) as exc:
        case_services.transition(a, case, "start", version=case.version)
    assert exc.value.code == "case.guard"


def test_only_members_of_the_committee_are_assigned(users, open_case):
    from jiayuan.governance.models import BodyMember

    case = open_case()
    other = med.create_committee(Actor(users["peer"], "page"), Region.objects.get(code="620702001005"), name="甘泉")
    stranger = med.add_member(Actor(users["peer"], "page"), other, name="外人")
    with pytest.raises(ValidationFailed):
        med.assign_mediators(Actor(users["community"], "page"), case, [stranger.pk])
    assert BodyMember.objects.count() == 4


def test_follow_up_closes_the_case_as_performed(users, open_case):
    case = open_case()
    _record_to_agreement(users, case, date.today() - timedelta(days=20))
    a = Actor(users["community"], "page")
    case = med.record_followup(a, Case.objects.get(pk=case.pk), visited_on=date.today(), performance="partial")
    assert case.state == "agreed"
    case = med.record_followup(a, case, visited_on=date.today(), performance="full", note="已付清")
    assert case.state == "performed" and not case.is_open


def test_a_followup_due_after_the_performance_deadline(users, open_case):
    case = open_case()
    _record_to_agreement(users, case, date.today() - timedelta(days=20))  # deadline 10 days ago
    assert [a.file.case_id for a in selectors.followups_due(users["community"], date.today())] == [case.pk]
    assert list(selectors.followups_due(users["peer"], date.today())) == []


def test_a_dispute_at_risk_is_reported_to_the_police_who_sign_for_it(users, open_case):
    from jiayuan.cases.models import Department, DepartmentMember
    from jiayuan.conftest import _make_user

    police = Department.objects.create(code="dj-pcs", name="东街派出所", region_id="620702001")
    officer = _make_user("pcs", "department_staff", "620702001")
    DepartmentMember.objects.create(department=police, user=officer)
    case = open_case()
    rep = med.report_police(Actor(users["community"], "page"), case, department_id=police.pk, risk="扬言报复")
    assert list(selectors.reports_to_receive(officer)) == [rep]
    med.receive_police_report(Actor(officer, "page"), rep)
    assert list(selectors.reports_to_receive(officer)) == []
    assert list(selectors.reports_to_receive(users["peer"])) == []


def test_results_for_a_region_and_period(users, open_case):
    c1 = open_case()
    open_case()
    _record_to_agreement(users, c1, date.today())
    got = selectors.results(users["township"], Region.objects.get(code="620702001"), date.today().replace(day=1),
                            date.today())
    assert (got["cases"], got["agreements"], got["performed"]) == (2, 1, 0)


def test_a_grid_member_reads_no_mediation_case(users, open_case):
    case = open_case()
    assert list(selectors.mediation_cases(users["grid_member"])) == []
    assert [c.pk for c in selectors.mediation_cases(users["township"])] == [case.pk]


def test_a_committee_has_at_most_nine_members(users, committee):
    a = Actor(users["community"], "page")
    for i in range(6):
        med.add_member(a, committee, name=f"委员{i}")
    with pytest.raises(ValidationFailed) as exc:
        med.add_member(a, committee, name="第十人")
    assert exc.value.code == "member.too_many"
