"""Grid events (网格事件) end to end through the services: the whole path, every branch,
and every forbidden transition refused."""

import pytest

from jiayuan.audit.services import Actor
from jiayuan.cases import selectors, services
from jiayuan.cases.declarations import parse_declaration
from jiayuan.cases.models import Case, CaseTask
from jiayuan.conftest import GRID
from jiayuan.tests.helpers import CITY_MGMT, STREET_TEAM
from jiayuan.errors import Conflict, Forbidden, NotFound, ServiceError, ValidationFailed
from jiayuan.grid.case_types import GRID_EVENT
from jiayuan.grid.models import EventCategory

pytestmark = pytest.mark.django_db


def states_of(case):
    return [(e.from_state, e.to_state) for e in case.events.order_by("seq")]


def test_catalog_is_loaded_with_limits():
    tops = list(EventCategory.objects.filter(parent__isnull=True).values_list("name", flat=True))
    assert tops == ["安全隐患", "矛盾纠纷", "环境卫生", "治安", "民生诉求", "设施损坏", "其他"]
    manhole = EventCategory.objects.get(code="facility.manhole")
    assert manhole.effective_limits()["dispatched"] == {"amount": 24, "unit": "hours"}
    road = EventCategory.objects.get(code="facility.road")
    assert road.effective_limits() == {"dispatched": {"amount": 5, "unit": "working_days"}}


def test_whole_path_report_accept_dispatch_handle_verify_close_evaluate(report_event, act, depts, photo, make_person):
    person = make_person(region=GRID, name="王大妈")
    report_photo = photo("grid_member")
    case = report_event(persons=[person.pk], attachments=[report_photo], lat="38.935210", lon="100.455310",
                        address="甘州区东街交通巷 12 号")
    assert case.state == "reported" and case.queue == "township_officer"
    assert case.title == "环境卫生 / 垃圾堆放" and case.category == "sanitation.garbage"
    assert list(case.parties.values_list("person__name", flat=True)) == ["王大妈"]
    assert case.events.get(seq=1).attachments.count() == 1
    assert str(case.lat) == "38.935210"

    case = act("township", case, "accept", comment="属实，立案")
    case = act("township", case, "dispatch", fields={"department": CITY_MGMT}, comment="请城管局处置")
    assert case.queue == "@department" and case.department.code == CITY_MGMT
    # the department sees it in its queue; a department without a task does not
    assert [c.pk for c in selectors.queue(depts[CITY_MGMT].members.get().user)] == [case.pk]
    assert not selectors.cases_for(depts[STREET_TEAM].members.get().user).filter(pk=case.pk).exists()

    with pytest.raises(ValidationFailed) as exc:  # feedback needs a photo
        act("dept", case, "handle", comment="已清运")
    assert exc.value.fields["attachments"][0]["code"] == "attachments.required"
    case = act("dept", case, "handle", comment="已清运完毕", attachments=[photo("dept")])
    assert case.state == "handled" and case.queue == "grid_member"
    assert CaseTask.objects.get(case=case).status == "done"
    handled = case.events.get(action="handle")
    assert handled.department.code == CITY_MGMT and handled.attachments.count() == 1

    case = act("grid_member", case, "verify", comment="现场已清理干净")
    case = act("township", case, "close")
    assert case.state == "closed" and not case.is_open and case.closed_at
    with pytest.raises(ValidationFailed):
        act("township", case, "evaluate", fields={"score": 9})
    case = act("township", case, "evaluate", fields={"score": 5}, comment="处置及时")
    assert case.state == "evaluated"
    assert states_of(case) == [("", "reported"), ("reported", "accepted"), ("accepted", "dispatched"),
                               ("dispatched", "handled"), ("handled", "verified"), ("verified", "closed"),
                               ("closed", "evaluated")]
    assert case.events.get(action="evaluate").data == {"score": 5}


def test_solved_on_the_spot_closes_at_once_with_a_photo(report_event, photo):
    with pytest.raises(ValidationFailed) as exc:
        report_event(on_spot=True)
    assert exc.value.code == "attachments.required"
    case = report_event(on_spot=True, on_spot_note="已劝导店主自行清理", attachments=[photo("grid_member")])
    assert case.state == "closed" and not case.is_open
    line = case.events.get(action="resolve_on_spot")
    assert line.comment == "已劝导店主自行清理" and line.attachments.count() == 1
    assert states_of(case) == [("", "reported"), ("reported", "closed")]


def test_returned_to_reporter_then_resubmitted_or_withdrawn(report_event, act):
    case = act("township", report_event(), "return", comment="请补充具体位置")
    assert case.state == "returned" and case.queue == "@reporter"
    mine = selectors.queue(Case.objects.get(pk=case.pk).created_by)
    assert case.pk in [c.pk for c in mine]
    with pytest.raises(Forbidden):  # only the reporter resubmits
        act("community", case, "resubmit", comment="补充")
    case = act("grid_member", case, "resubmit", comment="位置：交通巷 12 号门口")
    assert case.state == "reported"
    case = act("township", case, "return", comment="仍不清楚")
    case = act("grid_member", case, "withdraw", comment="重复上报")
    assert case.state == "voided" and not case.is_open


def test_void_needs_a_reason_and_is_final(report_event, act):
    case = report_event()
    with pytest.raises(ValidationFailed) as exc:
        act("township", case, "void")
    assert exc.value.code == "comment.required" and "作废原因" in exc.value.message
    case = act("township", case, "void", comment="不属于网格事件")
    assert case.state == "voided" and Case.objects.filter(pk=case.pk).exists()  # never deleted
    with pytest.raises(Conflict):
        act("township", case, "accept")


def test_parked_and_resumed(report_event, act):
    case = act("township", act("township", report_event(), "accept"), "park", comment="需纳入明年改造计划")
    assert case.state == "parked" and case.due_at is None and case.is_open
    case = act("township", case, "unpark", comment="已列入计划")
    assert case.state == "accepted" and case.due_at is not None


def test_department_sends_back_and_rework_reopens_its_task(report_event, act, depts, photo):
    case = act("township", act("township", report_event(), "accept"), "dispatch", fields={"department": STREET_TEAM})
    case = act("street_dept", case, "send_back", comment="属区级职责")
    assert case.state == "accepted" and case.department is None
    assert CaseTask.objects.get(case=case).status == "returned"
    case = act("township", case, "dispatch", fields={"department": CITY_MGMT})
    case = act("dept", case, "handle", comment="已处理", attachments=[photo("dept")])
    case = act("grid_member", case, "rework", comment="仍有垃圾")
    assert case.state == "dispatched"
    assert CaseTask.objects.get(case=case, department__code=CITY_MGMT).status == "pending"
    case = act("dept", case, "handle", comment="已彻底清理", attachments=[photo("dept")])
    assert case.state == "handled"


def test_report_is_checked(report_event, make_person):
    with pytest.raises(ValidationFailed) as exc:
        report_event(category="sanitation", description="")
    assert {"category", "description"} <= set(exc.value.fields)
    assert exc.value.fields["category"][0]["code"] == "category.not_leaf"
    with pytest.raises(ValidationFailed) as exc:
        report_event(lat="95", lon="100")
    assert exc.value.code == "location.range"
    with pytest.raises(ValidationFailed) as exc:
        report_event(region="620702001005001")  # another community's grid
    assert exc.value.code == "region.out_of_scope"
    stranger = make_person(region="620722102200", name="外县人")
    with pytest.raises(ValidationFailed) as exc:
        report_event(persons=[stranger.pk])
    assert exc.value.code == "person.not_found"
    with pytest.raises(Forbidden):
        report_event("auditor")


# --- every forbidden transition -------------------------------------------------------------

DECL = parse_declaration(GRID_EVENT)
ROLE_USER = {"township_officer": "township", "county_officer": "county", "city_admin": "city",
             "grid_member": "grid_member", "community_worker": "community", "@reporter": "grid_member",
             "@department": "dept"}
# the way to each state (actions in order, with what they need)
PATHS = {
    "reported": [],
    "returned": ["return"],
    "accepted": ["accept"],
    "parked": ["accept", "park"],
    "dispatched": ["accept", "dispatch"],
    "handled": ["accept", "dispatch", "handle"],
    "verified": ["accept", "dispatch", "handle", "verify"],
    "closed": ["accept", "dispatch", "handle", "verify", "close"],
    "evaluated": ["accept", "dispatch", "handle", "verify", "close", "evaluate"],
    "voided": ["void"],
}


def test_paths_cover_every_state():
    assert set(PATHS) == {s.code for s in DECL.states}


def _inputs(action, photo, who):
    t = DECL.transition(action)
    kw = {"comment": "说明"}
    if t.min_attachments:
        kw["attachments"] = [photo(who) for _ in range(t.min_attachments)]
    fields = {}
    for f in t.fields:
        fields[f.name] = {"department": CITY_MGMT, "int": 4}.get(f.type, f.name)
    kw["fields"] = fields
    return kw


@pytest.mark.parametrize("state", sorted(PATHS))
def test_every_forbidden_transition_is_refused(state, report_event, act, depts, photo, more_users):
    case = report_event()
    for action in PATHS[state]:
        t = DECL.transition(action)
        who = ROLE_USER[t.roles[0]]
        case = act(who, case, action, **_inputs(action, photo, who))
    assert case.state == state
    version, events = case.version, case.events.count()
    for t in DECL.transitions:
        if state not in t.sources:
            # wrong state: whoever may take it elsewhere is refused
            for role in t.roles:
                who = ROLE_USER[role]
                if not role.startswith("@"):
                    with pytest.raises(Conflict) as exc:
                        act(who, case, t.action, **_inputs(t.action, photo, who))
                    assert exc.value.code == "case.invalid_state", (state, t.action, who)
                else:
                    # a relation that does not hold now (no pending task for the department,
                    # not the reporter) is refused too; a department that never had the case
                    # does not even see it
                    with pytest.raises((Conflict, Forbidden, NotFound)):
                        act(who, case, t.action, **_inputs(t.action, photo, who))
        else:
            # right state, wrong role
            allowed = {ROLE_USER[r] for r in t.roles}
            for who in ("community", "grid_member", "township", "dept", "other_grid"):
                if who in allowed:
                    continue
                with pytest.raises((Forbidden, NotFound)) as exc:
                    act(who, case, t.action, **_inputs(t.action, photo, who))
                if isinstance(exc.value, Forbidden):  # NotFound: a role that does not see the case
                    assert exc.value.code == "case.role_forbidden", (state, t.action, who)
        # out of scope: another county's worker, and a role that sees no cases
        for who in ("outsider", "auditor"):
            with pytest.raises(NotFound):
                act(who, case, t.action, comment="x")
    case.refresh_from_db()
    assert (case.version, case.events.count(), case.state) == (version, events, state)


def test_available_actions_match_role_and_state(report_event, act, depts, more_users):
    case = report_event()
    names = lambda who: sorted(t.action for t in selectors.available_actions(more_users[who], case))  # noqa: E731
    assert names("township") == ["accept", "return", "void"]
    assert names("grid_member") == ["resolve_on_spot"]
    assert names("community") == []
    case = act("township", act("township", case, "accept"), "dispatch", fields={"department": CITY_MGMT})
    assert names("dept") == ["handle", "send_back"]
    assert names("dept2") == []


def test_queue_shows_cases_waiting_on_my_role_in_scope(report_event, act, depts, more_users):
    a = report_event()
    b = report_event("other_grid", region="620702001005001")
    township = {c.pk for c in selectors.queue(more_users["township"])}
    assert township == {a.pk, b.pk}
    assert {c.pk for c in selectors.queue(more_users["grid_member"])} == set()
    assert {c.pk for c in selectors.queue(more_users["community"])} == set()
    assert {c.pk for c in selectors.cases_for(more_users["community"])} == {a.pk}
    assert {c.pk for c in selectors.cases_for(more_users["peer"])} == {b.pk}
    board = selectors.board(more_users["county"], "grid_event", ["reported", "accepted"])
    assert {c.pk for c in board} == {a.pk, b.pk}


def test_report_as_community_worker_with_request_key_is_idempotent(more_users):
    actor = Actor(more_users["community"], "page")
    payload = {"region": "620702001001", "category": "dispute.neighbor", "description": "楼上漏水引发纠纷"}
    a, created_a = services.create_case(actor, "grid_event", dict(payload), request_key="tok-9")
    b, created_b = services.create_case(actor, "grid_event", dict(payload), request_key="tok-9")
    assert (created_a, created_b) == (True, False) and a.pk == b.pk
    assert a.limits["dispatched"] == {"amount": 10, "unit": "working_days"}


@pytest.mark.parametrize("lat", ["NaN", "sNaN", "Infinity"])
def test_a_location_that_is_not_a_number_is_a_field_error_not_a_500(lat):
    """Regression (attack): ``Decimal("NaN") <= 90`` raises InvalidOperation, so an event
    reported at latitude "NaN" was a 500; now ``location.range`` like 95."""
    from jiayuan.grid.services import parse_point

    with pytest.raises(ValidationFailed) as exc:
        parse_point(lat, "100")
    assert exc.value.code == "location.range"
