"""Who may take each transition of each declared case type, and that everyone else is
refused — the whole matrix, through the service (``services.transition``).

The expected table below is written by hand, from the rules each workflow follows, not
read from the declarations; ``test_the_declarations_give_each_transition_to_the_roles_of_the_table``
compares the two, so a declaration that hands an action to the wrong role fails here.

- 网格事件 (grid/case_types.py; GB/T 30428 and CJ/T 214 digital city management): the
  street (乡镇街道) and the levels above it supervise — they 立案, 退回, 作废, 派遣, 挂账,
  恢复, 结案 and 评价; the department a case is dispatched to (@department) 处置 or 退回;
  the reporter (@reporter) 就地解决, 补充后重新上报 or 撤回 his own report; the grid member
  and the reporter 核查; 返工 also by the street.
- 便民服务申请 (servicecenter/case_types.py; 一门受理、协同办理): the community's desk (the
  community worker, and the director who acts as one, accounts/permissions.py
  ROLE_ACTS_AS) takes, asks for materials once, refuses, completes or routes; the
  departments routed to finish, return or refuse their part; 作废 is for the community
  director or the street.
- 社会救助申请 (assistance/case_types.py; 社会救助暂行办法, 最低生活保障审核确认办法): the
  desk (社区 and 乡镇) takes the application, checks, visits and gives the first opinion;
  乡镇 reviews (and decides temporary assistance within its delegated amount, and grants
  先行救助 with the county); 县级民政 approves or refuses (the city as the level above);
  the special extension (45 working days) is for 乡镇 and 县; departments do their parts;
  作废 is for the community director, 乡镇 and 县.
- 人民调解 (governance/case_types.py; 人民调解法 2010): the mediators of the committees —
  the community's (community worker, director) and the street's (乡镇街道) — take every step.

Every actor sits where the case is (交通巷社区's grid): roles are the only difference.
Roles that may not read the case type (need-to-know) are answered "not found" for every
action, like a case that does not exist. A permitted actor is shown to get past the role
check by acting on a stale version: the conflict is then what stops it, so nothing moves.

A module that declares a new case type adds its rows to the tables here: the first test
fails until it does.
"""

import pytest
from django.http import Http404
from django.utils import timezone

from jiayuan.accounts.models import User
from jiayuan.accounts.permissions import acting_roles
from jiayuan.audit.services import Actor
from jiayuan.cases import declarations, services
from jiayuan.cases.models import Case, CaseTask
from jiayuan.conftest import GRID, PASSWORD
from jiayuan.errors import Conflict, Forbidden, NotFound
from jiayuan.regions.models import Region
from jiayuan.tests.helpers import CITY_MGMT

pytestmark = pytest.mark.django_db

CITY, COUNTY, TOWN = "city_admin", "county_officer", "township_officer"
DIRECTOR, WORKER, GRID_MEMBER = "community_director", "community_worker", "grid_member"
REPORTER, DEPARTMENT = "@reporter", "@department"
SUPERVISORS = {TOWN, COUNTY, CITY}
COMMUNITY_DESK = {WORKER, DIRECTOR}
ASSISTANCE_DESK = {WORKER, DIRECTOR, TOWN}
MEDIATION_DESK = {WORKER, DIRECTOR, TOWN}

MAY_TAKE = {
    "grid_event": {
        "resolve_on_spot": {REPORTER},
        "accept": SUPERVISORS,
        "return": SUPERVISORS,
        "resubmit": {REPORTER},
        "withdraw": {REPORTER},
        "void": SUPERVISORS,
        "dispatch": SUPERVISORS,
        "park": SUPERVISORS,
        "unpark": SUPERVISORS,
        "send_back": {DEPARTMENT},
        "handle": {DEPARTMENT},
        "verify": {GRID_MEMBER, REPORTER},
        "rework": {GRID_MEMBER, REPORTER, TOWN},
        "close": SUPERVISORS,
        "evaluate": SUPERVISORS,
    },
    "service_request": {
        "accept": COMMUNITY_DESK,
        "request_materials": COMMUNITY_DESK,
        "reject": COMMUNITY_DESK,
        "complete_in_community": COMMUNITY_DESK,
        "route": COMMUNITY_DESK,
        "complete_part": {DEPARTMENT},
        "return_to_desk": {DEPARTMENT},
        "refuse": {DEPARTMENT},
        "withdraw": COMMUNITY_DESK,
        "void": {DIRECTOR, TOWN},
    },
    "assistance_application": {
        "accept": ASSISTANCE_DESK,
        "request_materials": ASSISTANCE_DESK,
        "finish_economic_check": ASSISTANCE_DESK,
        "home_visit": ASSISTANCE_DESK,
        "initial_opinion": ASSISTANCE_DESK,
        "close_notice": ASSISTANCE_DESK,
        "reinvestigate": ASSISTANCE_DESK | {COUNTY},
        "township_submit": {TOWN},
        "township_decide": {TOWN},
        "township_refuse": {TOWN},
        "approve": {COUNTY, CITY},
        "refuse": {COUNTY, CITY},
        "notify_refusal": ASSISTANCE_DESK | {COUNTY},
        "emergency_grant": {TOWN, COUNTY},
        "emergency_refuse": {TOWN, COUNTY},
        "complete_materials": ASSISTANCE_DESK,
        "extend": {TOWN, COUNTY},
        "complete_part": {DEPARTMENT},
        "refuse_part": {DEPARTMENT},
        "withdraw": ASSISTANCE_DESK,
        "void": {DIRECTOR, TOWN, COUNTY},
    },
    # 人民调解: the mediators of the community's committee (the community's workers, its
    # director acting as one) and of the street's (人民调解法 art. 34: 乡镇、街道 may set one
    # up) take every step; the county and city guide the committees, they do not mediate.
    "mediation_case": {action: MEDIATION_DESK for action in
                       ("start", "agree", "fail", "terminate", "performed", "not_performed")},
    # 儿童转介 (children/case_types.py; 未成年人保护法 art. 81, 民发〔2019〕34号): the 儿童主任 (a
    # community worker; the director acts as one), the 督导员 (township) and county and city
    # civil affairs record each step of the referral; who of them reads a given child is
    # the type's read filter (the child's file), not the role.
    "child_referral": {action: COMMUNITY_DESK | SUPERVISORS for action in
                       ("accept", "decline", "refer_again", "close", "withdraw")},
}

# Roles that read each type (need-to-know): view_cases for grid events and service
# requests (everyone who works cases), view_assistance for applications (civil affairs
# from the community up; not grid members). Department staff read what is given to them.
READERS = {
    "grid_event": {CITY, COUNTY, TOWN, DIRECTOR, WORKER, GRID_MEMBER},
    "service_request": {CITY, COUNTY, TOWN, DIRECTOR, WORKER, GRID_MEMBER},
    "assistance_application": {CITY, COUNTY, TOWN, DIRECTOR, WORKER},
    # view_mediation: the mediators' desks and the street and county guiding them; not grid
    # members (a family dispute is not the grid's to read)
    "mediation_case": {CITY, COUNTY, TOWN, DIRECTOR, WORKER},
    # view_cases, narrowed by the read filter to who reads the child's file: the matrix
    # puts every actor on the child's care team, so every view_cases role reads it here
    # (the filter itself is tested in children/tests/test_referrals.py)
    "child_referral": {CITY, COUNTY, TOWN, DIRECTOR, WORKER, GRID_MEMBER},
}

# actor key → (fixture user key, role); every one of them in scope of GRID
ACTORS = {
    "city admin": ("city", CITY),
    "county officer": ("county", COUNTY),
    "township officer": ("township", TOWN),
    "community director": ("director", DIRECTOR),
    "community worker": ("community", WORKER),
    "grid member": ("grid_member", GRID_MEMBER),
    "department staff with a task on it": ("dept", "department_staff"),
    "org staff": ("org", "org_staff"),
    "auditor": ("auditor", "auditor"),
    "the reporter (a community worker)": ("reporter", WORKER),
    "superuser": ("admin", ""),
}


def expected(type_code: str, actor: str, action: str) -> str:
    """What the table says happens when ``actor`` tries ``action``: ``passes`` the role
    check, is ``refused`` (403) or finds ``not_found`` (404, no need to know)."""
    key, role = ACTORS[actor]
    allowed = MAY_TAKE[type_code][action]
    if key == "admin":
        return "passes"
    if key == "dept":
        return "passes" if DEPARTMENT in allowed else "refused"
    if role not in READERS[type_code]:
        return "not_found"
    if key == "reporter" and REPORTER in allowed:
        return "passes"
    return "passes" if role in allowed else "refused"


def attempt(user, case: Case, action: str) -> str:
    """Try ``action`` on a version that is one ahead of the case's: whoever gets past the
    role check meets the version conflict, so the case never moves."""
    try:
        services.transition(Actor(user, "api"), case, action, version=case.version + 1)
    except Forbidden as exc:
        return "refused" if exc.code == "case.role_forbidden" else f"forbidden {exc.code}"
    except Conflict as exc:
        return "passes" if exc.code == "case.version_conflict" else f"conflict {exc.code}"
    except (Http404, NotFound):
        return "not_found"
    return "took it"


@pytest.fixture
def matrix_case(more_users, depts):
    """``matrix_case(type_code)`` → a case of that type in 交通巷社区's grid, opened by the
    community worker ``reporter``, in its initial state, with a pending task of 城市管理局
    (whose staff is ``dept``) so that the department reads it and holds the @department
    relation. The role check comes before the version, state and guard checks, so one
    case in its initial state serves every action."""
    reporter = User(username="reporter", role=WORKER, scope_id="620702001001", full_name="上报人")
    reporter.set_password(PASSWORD)
    reporter.save()
    more_users["reporter"] = reporter

    def make(type_code: str) -> Case:
        draft = services.CaseDraft(region=Region.objects.get(code=GRID), title="权限矩阵", description="权限矩阵")
        if type_code == "child_referral":
            draft.subject_person = _child_read_by_everyone(more_users)
        case = services.open_case(Actor(reporter, "api"), services.current_type(type_code), draft, channel="api")
        CaseTask.objects.create(case=case, department=depts[CITY_MGMT], assigned_at=timezone.now())
        return case

    return make


def _child_read_by_everyone(more_users):
    """A child of the grid whose file every actor reads (each on the care team), so that
    the referral's read filter lets all of them past and only roles decide."""
    import datetime

    from jiayuan.children.models import CareTeamMember, ChildFile
    from jiayuan.conftest import make_id_number
    from jiayuan.people.services import create_person

    child = create_person(Actor(more_users["admin"], "command"), {
        "name": "矩阵儿童", "id_number": make_id_number(datetime.date(2016, 3, 1), 2), "region": GRID})
    f = ChildFile.objects.create(person=child, region_id=GRID[:12], opened_on=datetime.date(2026, 1, 5), risk="red",
                                 next_visit_due=datetime.date(2026, 2, 5))
    for key, _role in ACTORS.values():
        CareTeamMember.objects.create(file=f, slot=key[:20], user=more_users[key], since=datetime.date(2026, 1, 5))
    return child


def test_the_table_covers_every_declared_case_type_and_every_role():
    assert set(MAY_TAKE) == set(declarations.registered())
    assert {role for _, role in ACTORS.values()} == set(User.Role.values) | {""}


def test_the_declarations_give_each_transition_to_the_roles_of_the_table():
    """For each declared transition: the roles whose acting roles the declaration names,
    and the relations it names, are exactly the table's."""
    for code, raw in declarations.registered().items():
        decl = declarations.parse_declaration(raw, frozenset(User.Role.values))
        declared = {
            t.action: {r for r in User.Role.values if acting_roles(r) & set(t.roles)}
            | {r for r in t.roles if r.startswith("@")}
            for t in decl.transitions}
        assert declared == MAY_TAKE[code], code


@pytest.mark.parametrize("type_code", sorted(MAY_TAKE))
@pytest.mark.parametrize("actor", list(ACTORS))
def test_each_actor_takes_exactly_the_transitions_of_the_table_and_is_refused_the_rest(
        type_code, actor, matrix_case, more_users):
    case = matrix_case(type_code)
    user = more_users[ACTORS[actor][0]]
    got = {action: attempt(user, case, action) for action in MAY_TAKE[type_code]}
    want = {action: expected(type_code, actor, action) for action in MAY_TAKE[type_code]}
    assert got == want
    # nothing moved: no refusal and no stale attempt wrote anything
    after = Case.objects.get(pk=case.pk)
    assert (after.version, after.state, after.events.count()) == (1, case.state, 1)
