"""The state graph of every declared case type: from which states each transition may be
taken and where it may lead, written by hand below; every transition is refused
(409 ``case.invalid_state``) in every other state, and nothing moves.

The table is the workflow as its rules describe it (see test_transition_roles.py for the
sources): a grid event is 立案 only while reported and 结案 only after 核查, a service
request is routed only once accepted, an assistance application reaches 县级审批 only
through 乡镇审核, a closed case takes no action but the 评价 of a closed grid event.
``reaches``: the target and the targets of the transition's routes (the guards choose).

The refusals are tried by the superuser (who passes the role check) on the current
version, so the state is the only thing in the way. To put the case in each state the
test writes the state directly: reaching every state of the three workflows through
their services would need every guard's data (materials, visits, notices, decisions),
and only the state check is under test here; the paths themselves are tested by each
app's flow tests.

A module that declares a new case type adds its rows to the tables here: the first test
fails until it does.
"""

import pytest

from jiayuan.accounts.models import User
from jiayuan.audit.services import Actor
from jiayuan.cases import declarations, services
from jiayuan.cases.models import Case
from jiayuan.conftest import GRID
from jiayuan.errors import Conflict
from jiayuan.regions.models import Region

pytestmark = pytest.mark.django_db

GRID_EVENT = {
    # action: (from, reaches)
    "resolve_on_spot": ({"reported"}, {"closed"}),
    "accept": ({"reported"}, {"accepted"}),
    "return": ({"reported"}, {"returned"}),
    "resubmit": ({"returned"}, {"reported"}),
    "withdraw": ({"returned"}, {"voided"}),
    "void": ({"reported", "returned", "accepted", "parked"}, {"voided"}),
    "dispatch": ({"accepted"}, {"dispatched"}),
    "park": ({"accepted"}, {"parked"}),
    "unpark": ({"parked"}, {"accepted"}),
    "send_back": ({"dispatched"}, {"accepted"}),
    "handle": ({"dispatched"}, {"handled"}),
    "verify": ({"handled"}, {"verified"}),
    "rework": ({"handled"}, {"dispatched"}),
    "close": ({"verified"}, {"closed"}),
    "evaluate": ({"closed"}, {"evaluated"}),
}

_SR_OPEN = {"reported", "awaiting_materials", "accepted", "processing"}
SERVICE_REQUEST = {
    "accept": ({"reported", "awaiting_materials"}, {"accepted"}),
    "request_materials": ({"reported", "accepted"}, {"awaiting_materials"}),
    "reject": ({"reported", "awaiting_materials", "accepted"}, {"rejected"}),
    "complete_in_community": ({"accepted"}, {"completed"}),
    "route": ({"accepted"}, {"processing"}),
    "complete_part": ({"processing"}, {"processing", "completed"}),   # completed when all parts are done
    "return_to_desk": ({"processing"}, {"accepted"}),
    "refuse": ({"processing"}, {"rejected"}),
    "withdraw": (_SR_OPEN, {"withdrawn"}),
    "void": (_SR_OPEN, {"voided"}),
}

# 民政 stages after acceptance in which the time limit may be extended; the states in
# which departments work their parts in parallel; the states before a decision.
_EXTENDABLE = {"accepted", "visiting", "initial_review", "public_notice", "township_review", "county_review"}
_WORKING = _EXTENDABLE | {"emergency", "awaiting_completion", "refusal_notice"}
_BEFORE_DECISION = {"submitted", "awaiting_materials", "emergency"} | _EXTENDABLE
ASSISTANCE_APPLICATION = {
    # accepted, or straight to 先行救助 (emergency), to the departments only (no 民政 part)
    # or to 乡镇审核 (the short path)
    "accept": ({"submitted", "awaiting_materials"}, {"accepted", "emergency", "coordinating", "township_review"}),
    "request_materials": ({"submitted"}, {"awaiting_materials"}),
    "finish_economic_check": ({"accepted"}, {"visiting"}),
    "home_visit": ({"visiting"}, {"initial_review"}),
    # eligible → 公示; ineligible → straight to 乡镇审核
    "initial_opinion": ({"initial_review"}, {"public_notice", "township_review"}),
    "close_notice": ({"public_notice"}, {"township_review"}),
    "reinvestigate": ({"public_notice", "township_review", "county_review"}, {"visiting"}),
    "township_submit": ({"township_review"}, {"county_review"}),
    "township_decide": ({"township_review"}, {"completed", "coordinating"}),
    "township_refuse": ({"township_review"}, {"refusal_notice"}),
    "approve": ({"county_review"}, {"completed", "coordinating"}),
    "refuse": ({"county_review"}, {"refusal_notice"}),
    "notify_refusal": ({"refusal_notice"}, {"refused", "coordinating"}),
    "emergency_grant": ({"emergency"}, {"awaiting_completion"}),
    "emergency_refuse": ({"emergency"}, {"refusal_notice"}),
    "complete_materials": ({"awaiting_completion"}, {"completed", "coordinating"}),
    # the stage stays where it is (its routes), the process deadline moves
    "extend": (_EXTENDABLE, _EXTENDABLE),
    # a department's part: the stage stays, or 其他部门办理中 → 已办结 when all are done
    "complete_part": (_WORKING | {"coordinating"}, _WORKING | {"coordinating", "completed"}),
    "refuse_part": (_WORKING | {"coordinating"}, _WORKING | {"coordinating", "completed"}),
    "withdraw": (_BEFORE_DECISION, {"withdrawn"}),
    "void": (_BEFORE_DECISION, {"voided"}),
}

# 人民调解 (人民调解法 2010): mediation starts once registered (art. 22, mediators named),
# ends in an agreement (art. 28) or in failure (art. 29); either party may end it before an
# agreement (art. 26: 终止); after an agreement only the follow-up (art. 31) remains:
# performed or not performed.
MEDIATION_CASE = {
    "start": ({"registered"}, {"mediating"}),
    "agree": ({"mediating"}, {"agreed"}),
    "fail": ({"mediating"}, {"failed"}),
    "terminate": ({"registered", "mediating"}, {"terminated"}),
    "performed": ({"agreed"}, {"performed"}),
    "not_performed": ({"agreed"}, {"not_performed"}),
}

# 儿童转介 (children/case_types.py): sent → the body takes it (处理中) or sends it back;
# sent back → referred again elsewhere or closed; closed with the outcome from 处理中 or
# 退回; withdrawn at any open stage.
CHILD_REFERRAL = {
    "accept": ({"referred"}, {"handling"}),
    "decline": ({"referred", "handling"}, {"returned"}),
    "refer_again": ({"returned"}, {"referred"}),
    "close": ({"handling", "returned"}, {"closed"}),
    "withdraw": ({"referred", "handling", "returned"}, {"withdrawn"}),
}

GRAPH = {"grid_event": GRID_EVENT, "child_referral": CHILD_REFERRAL, "service_request": SERVICE_REQUEST,
         "assistance_application": ASSISTANCE_APPLICATION, "mediation_case": MEDIATION_CASE}

CLOSED = {
    "grid_event": {"closed", "evaluated", "voided"},
    "service_request": {"completed", "rejected", "withdrawn", "voided"},
    "assistance_application": {"completed", "refused", "withdrawn", "voided"},
    "mediation_case": {"performed", "not_performed", "failed", "terminated"},
    "child_referral": {"closed", "withdrawn"},
}


def _decl(code):
    return declarations.parse_declaration(declarations.registered()[code], frozenset(User.Role.values))


def test_the_declarations_have_exactly_the_graph_of_the_table():
    assert set(GRAPH) == set(declarations.registered())
    for code, rows in GRAPH.items():
        decl = _decl(code)
        declared = {t.action: (set(t.sources), {t.to} | {to for _, to in t.routes}) for t in decl.transitions}
        assert declared == rows, code
        assert {s.code for s in decl.states if s.status == "closed"} == CLOSED[code]


def test_no_action_leaves_a_closed_state_but_the_evaluation_of_a_closed_grid_event():
    leaving = {(code, action, state) for code, rows in GRAPH.items() for action, (sources, _) in rows.items()
               for state in sources & CLOSED[code]}
    assert leaving == {("grid_event", "evaluate", "closed")}


@pytest.mark.parametrize("type_code", sorted(GRAPH))
def test_every_transition_is_refused_in_every_state_it_does_not_leave_from(type_code, users):
    admin = users["admin"]
    draft = services.CaseDraft(region=Region.objects.get(code=GRID), title="状态矩阵")
    case = services.open_case(Actor(admin, "api"), services.current_type(type_code), draft, channel="api")
    states = [s.code for s in _decl(type_code).states]
    wrong = []
    for state in states:
        Case.objects.filter(pk=case.pk).update(state=state)
        here = Case.objects.get(pk=case.pk)
        for action, (sources, _) in GRAPH[type_code].items():
            if state in sources:
                continue
            try:
                services.transition(Actor(admin, "api"), here, action, version=here.version, comment="试一试")
            except Conflict as exc:
                if exc.code != "case.invalid_state":
                    wrong.append((state, action, exc.code))
            else:
                wrong.append((state, action, "taken"))
            after = Case.objects.get(pk=case.pk)
            if (after.state, after.version) != (state, 1):
                wrong.append((state, action, f"moved to {after.state} v{after.version}"))
    assert wrong == []
    # every pair was tried: states × actions minus the allowed pairs
    tried = sum(1 for s in states for a, (src, _) in GRAPH[type_code].items() if s not in src)
    assert tried == {"grid_event": 10 * 15 - 18, "service_request": 8 * 10 - 20,
                     "assistance_application": 16 * 21 - 63,
                     # 7 states × 6 actions; allowed: start, agree, fail, 2 × terminate, performed, not_performed
                     "mediation_case": 7 * 6 - 7,
                     # 5 states × 5 actions; allowed: accept 1, decline 2, refer_again 1, close 2, withdraw 3
                     "child_referral": 5 * 5 - 9}[type_code]
