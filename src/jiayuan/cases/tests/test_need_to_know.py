"""Need-to-know on top of scope (DESIGN.md principle 8; issue 11 finding 2): every declared
case type × every role × every case route.

For each registered case type, two cases are opened in the grid 620702001001001 — inside
the region scope of every test user — each with a photo: ``tasked`` has a task of the
department 甘州区城市管理局 (staff ``dept``), ``plain`` has none. Then every route that
reads a case, lists, counts or serves its photo is asked by one user of every role, and
the answer must say "visible" exactly when the expected matrix says so, else answer as
if the case did not exist (404, or absent from the list).

The expected matrix is written out here from the permission table of docs/permissions.md
(which role holds ``view_cases`` / ``view_assistance``), not from the code under test:

- grid events and service requests: every role that works cases (``view_cases``);
- assistance applications: only the civil-affairs roles (``view_assistance``): the city,
  the county, the township, the community's director and workers — not grid members;
- department staff: the cases given to their department (``tasked``), of any type, never
  the others (``plain``);
- the superuser: everything; auditors and social-organization staff: nothing.

A case type added later (mediation, tips, children's referrals …) is picked up from the
registry: its row of the matrix comes from its declared permission and the permission
table (``ROLE_PERMISSIONS``), so it is covered without editing this file.
"""

from dataclasses import dataclass
from typing import Callable

import pytest
from django.test import Client

from jiayuan.accounts.models import User
from jiayuan.accounts.permissions import ROLE_PERMISSIONS, Perm
from jiayuan.audit.services import Actor
from jiayuan.cases import declarations
from jiayuan.conftest import GRID
from jiayuan.tests.helpers import CITY_MGMT, png_bytes

pytestmark = pytest.mark.django_db

# One test user per role (keys of the users / more_users fixtures), and the superuser.
ROLE_USER = {
    "city_admin": "city", "county_officer": "county", "township_officer": "township",
    "community_director": "director", "community_worker": "community", "grid_member": "grid_member",
    "department_staff": "dept", "org_staff": "org", "auditor": "auditor",
}
SUPERUSER = "admin"

CASE_ROLES = {"city_admin", "county_officer", "township_officer", "community_director", "community_worker",
              "grid_member"}
ASSISTANCE_ROLES = {"city_admin", "county_officer", "township_officer", "community_director", "community_worker"}
# {type: roles that read its cases in their region scope}, from docs/permissions.md
EXPECTED_READERS = {
    "grid_event": CASE_ROLES,
    "service_request": CASE_ROLES,
    "assistance_application": ASSISTANCE_ROLES,
}


def expected_readers(type_code: str) -> set[str]:
    if type_code in EXPECTED_READERS:
        return EXPECTED_READERS[type_code]
    perm = Perm(declarations.registered()[type_code]["read_permission"])  # a type added later
    return {role for role, perms in ROLE_PERMISSIONS.items()
            if Perm.VIEW_CASES in perms and perm in perms and role != "department_staff"}


# Types with a per-record read filter (``read_filter``): {type: roles that pass it for the
# matrix's case}. A children's referral is read by who reads the child's file: the matrix's
# child has a file but no 儿童主任, 督导员 or team, so only view_child_files (county and
# city civil affairs) reads it; department staff given a task do not (the filter is not
# lifted by a task). Written from docs/permissions.md and docs/children.md.
FILTERED_READERS = {"child_referral": {"city_admin", "county_officer"}}


def expected_visible(role: str, type_code: str, variant: str) -> bool:
    if role == "superuser":
        return True
    if type_code in FILTERED_READERS:
        return role in FILTERED_READERS[type_code]
    if role == "department_staff":
        return variant == "tasked"
    return role in expected_readers(type_code)


def has(role: str, perm: Perm) -> bool:
    return role == "superuser" or perm in ROLE_PERMISSIONS[role]


@dataclass
class Seen:
    """One case as a route sees it."""

    number: str
    type_code: str
    photo: int
    version: int
    first_action: str


@dataclass
class Route:
    """``check(api, page, case, role) -> bool``: whether the route showed the case; it
    asserts itself the exact status of an answer that hides it."""

    name: str
    check: Callable


def _numbers(resp) -> set[str]:
    assert resp.status_code == 200, resp.content[:300]
    return {r["number"] for r in resp.json()["results"]}


def _status(resp, visible_status, role, *, page=False) -> bool:
    """Visible: ``visible_status`` (one status or a tuple); hidden: 404 — or, on pages, 403
    for a role that may not use the case pages at all (perm_required, before any read)."""
    ok = visible_status if isinstance(visible_status, tuple) else (visible_status,)
    if page and not has(role, Perm.VIEW_CASES):
        assert resp.status_code == 403, resp.status_code
        return False
    if resp.status_code in ok:
        return True
    assert resp.status_code == 404, (resp.status_code, resp.content[:300])
    return False


def _in_page(resp, case, role, perm=Perm.VIEW_CASES) -> bool:
    if not has(role, perm):
        assert resp.status_code == 403, resp.status_code
        return False
    assert resp.status_code == 200, resp.status_code
    return f"/cases/{case.number}/" in resp.content.decode()  # its link (a search box echoes the number)


def _api_counts(api, case, role):
    rows = api.get(f"/api/v1/case-counts?type={case.type_code}").json()
    return sum(r["n"] for r in rows if r["type_code"] == case.type_code)


ROUTES = [
    Route("GET /api/v1/cases", lambda api, page, c, role: c.number in _numbers(api.get("/api/v1/cases?page_size=200"))),
    Route("GET /api/v1/cases?type=", lambda api, page, c, role: c.number in _numbers(
        api.get(f"/api/v1/cases?type={c.type_code}&page_size=200"))),
    Route("GET /api/v1/cases?q= (search)", lambda api, page, c, role: c.number in _numbers(
        api.get(f"/api/v1/cases?q={c.number}"))),
    Route("GET /api/v1/cases?open=true&flag=", lambda api, page, c, role: c.number in _numbers(
        api.get("/api/v1/cases?open=true&escalated=false&page_size=200"))),
    Route("GET /api/v1/cases/{number}", lambda api, page, c, role: _status(
        api.get(f"/api/v1/cases/{c.number}"), 200, role)),
    Route("POST /api/v1/cases/{number}/transitions", lambda api, page, c, role: _status(
        api.post(f"/api/v1/cases/{c.number}/transitions", {"action": "no_such_action", "version": c.version},
                 content_type="application/json"), 400, role)),
    Route("POST /api/v1/cases/{number}/urge", lambda api, page, c, role: _status(
        api.post(f"/api/v1/cases/{c.number}/urge", {"note": ""}, content_type="application/json"),
        (403, 422), role)),
    Route("GET /api/v1/departments?case=", lambda api, page, c, role: _status(
        api.get(f"/api/v1/departments?case={c.number}"), 200, role)),
    Route("GET /api/v1/attachments/{id}", lambda api, page, c, role: _status(
        api.get(f"/api/v1/attachments/{c.photo}"), 200, role)),
    Route("GET /cases/{number}/", lambda api, page, c, role: _status(page.get(f"/cases/{c.number}/"), 200, role,
                                                                     page=True)),
    Route("POST /cases/{number}/act/{action}/", lambda api, page, c, role: _status(
        page.post(f"/cases/{c.number}/act/{c.first_action}/", {}), (403, 422), role, page=True)),
    Route("GET /cases/?tab=open (queue)", lambda api, page, c, role: _in_page(page.get("/cases/?tab=open"), c, role)),
    Route("GET /cases/?tab=open&type=", lambda api, page, c, role: _in_page(
        page.get(f"/cases/?tab=open&type={c.type_code}"), c, role)),
    Route("GET /cases/?tab=open&q= (search)", lambda api, page, c, role: _in_page(
        page.get(f"/cases/?tab=open&q={c.number}"), c, role)),
    Route("GET /cases/photos/{id}/", lambda api, page, c, role: _status(page.get(f"/cases/photos/{c.photo}/"), 200,
                                                                        role, page=True)),
    Route("GET /cases/photos/{id}/thumb/", lambda api, page, c, role: _status(
        page.get(f"/cases/photos/{c.photo}/thumb/"), 200, role, page=True)),
]
# Routes that show only some types by design: the dispatcher board (grid events) and the
# service desk's receipt (service requests). Never a case the user may not read.
TYPE_ROUTES = [
    Route("GET /cases/board/ (dispatch board)", lambda api, page, c, role: _in_page(
        page.get("/cases/board/?state=reported"), c, role, Perm.SUPERVISE_CASES) and c.type_code == "grid_event"),
    Route("GET /service/receipts/{number}/", lambda api, page, c, role: _status(
        page.get(f"/service/receipts/{c.number}/"), 200, role, page=True)),
]
TYPE_ROUTE_TYPES = {"GET /cases/board/ (dispatch board)": "grid_event",
                    "GET /service/receipts/{number}/": "service_request"}
# The printed papers of an assistance application (issue 10: 受理回执, 一次性告知书): the
# roles of the case pages (view_cases; any other role 403 before a read) see them for an
# application they read (view_assistance, in scope); a grid member, or a department's
# staff even for an application given to it, gets 404 as for a number that does not exist.
APPLICATION_ROUTES = [
    Route("GET /assistance/applications/{number}/receipt/", lambda api, page, c, role: _status(
        page.get(f"/assistance/applications/{c.number}/receipt/"), 200, role, page=True)),
    Route("GET /assistance/applications/{number}/notice/", lambda api, page, c, role: _status(
        page.get(f"/assistance/applications/{c.number}/notice/"), 200, role, page=True)),
]


def _assistance_application(more_users, make_person, grid, variant):
    """An assistance application taken at the desk for a household of the grid (the
    application's own service: its guards read the application row)."""
    from jiayuan.assistance.services.applications import take_application
    from jiayuan.people.services import create_household

    head = make_person(region=grid.code, name="张建国")
    household = create_household(Actor(more_users["admin"], "command"),
                                 {"number": f"NTK-{variant}", "region": grid.code}, head)
    app, _created = take_application(Actor(more_users["community"], "api"), household, head, "",
                                     ["subsistence_allowance"], "家庭收入低，申请救助", [])
    return app.case


def _child_referral(more_users, make_person, grid, variant):
    """A referral of a child of the grid who has a file (no duty, no team), opened by the
    engine with the child as subject (what the type's intake does)."""
    import datetime

    from jiayuan.cases.services import CaseDraft, current_type, open_case
    from jiayuan.children.models import ChildFile
    from jiayuan.conftest import make_id_number

    child = make_person(region=grid.code, name=f"转介儿童{variant}",
                        id_number=make_id_number(datetime.date(2015, 6, 1 if variant == "plain" else 2), 2))
    ChildFile.objects.create(person=child, region_id=grid.code[:12], opened_on=datetime.date(2026, 1, 5),
                             risk="red", next_visit_due=datetime.date(2026, 2, 5))
    return open_case(Actor(more_users["city"], "command"), current_type("child_referral"),
                     CaseDraft(region=grid, title=f"child_referral {variant}", subject_person=child),
                     channel="system")


# How a case of a type is opened for the matrix: through the type's own service where its
# guards need more than the case row; otherwise by the engine alone (any declared type).
MAKERS = {"assistance_application": _assistance_application, "child_referral": _child_referral}


@pytest.fixture
def matrix_cases(more_users, depts, make_person):
    """{(type, variant): Seen} for every registered type: ``tasked`` (a task of the
    city-management department, staff ``dept``) and ``plain``, opened in the grid, each
    with a photo."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    from jiayuan.cases.models import Attachment, Case, CaseTask
    from jiayuan.cases.selectors import decl_of
    from jiayuan.cases.services import CaseDraft, current_type, open_case, store_attachment
    from jiayuan.regions.models import Region

    city = Actor(more_users["city"], "command")
    grid = Region.objects.get(code=GRID)
    out = {}
    for code in sorted(declarations.registered()):
        case_type = current_type(code)
        for variant in ("tasked", "plain"):
            if code in MAKERS:
                case = MAKERS[code](more_users, make_person, grid, variant)
            else:
                case = open_case(city, case_type, CaseDraft(region=grid, title=f"{code} {variant}",
                                                             description="测试"), channel="system")
            assert case.region_id == GRID and case.type_code == code
            photo = store_attachment(city, SimpleUploadedFile("p.png", png_bytes(), content_type="image/png")).pk
            Attachment.objects.filter(pk=photo).update(case=case)
            if variant == "tasked":
                CaseTask.objects.create(case=case, department=depts[CITY_MGMT], assigned_at=timezone.now())
            case = Case.objects.get(pk=case.pk)
            decl = decl_of(case.case_type_id)
            action = (decl.transitions_from(case.state) or decl.transitions)[0].action
            out[(code, variant)] = Seen(case.number, code, photo, case.version, action)
    return out


def _clients(api_client, more_users, who: str) -> tuple[Client, Client]:
    page = Client()
    page.force_login(more_users[who])
    return api_client(who), page


def test_the_matrix_covers_every_role_and_type():
    assert set(ROLE_USER) == set(User.Role.values)
    assert set(EXPECTED_READERS) <= set(declarations.registered())
    # the shipped declarations say what docs/permissions.md says
    for code, readers in EXPECTED_READERS.items():
        perm = declarations.read_permissions()[code]
        assert readers == {r for r in CASE_ROLES | {"department_staff", "org_staff", "auditor"}
                           if Perm(perm) in ROLE_PERMISSIONS[r] and r != "department_staff"}


COMBINATIONS: list[tuple] = []


@pytest.mark.parametrize("role", [*ROLE_USER, "superuser"])
def test_every_case_route_answers_by_need_to_know(role, api_client, more_users, matrix_cases):
    who = SUPERUSER if role == "superuser" else ROLE_USER[role]
    api, page = _clients(api_client, more_users, who)
    failures = []
    for (code, variant), case in sorted(matrix_cases.items()):
        want = expected_visible(role, code, variant)
        for route in ROUTES:
            got = route.check(api, page, case, role)
            COMBINATIONS.append((code, role, route.name, variant))
            if got != want:
                failures.append(f"{route.name} {code}/{variant}: {'shown' if got else 'hidden'}, expected "
                                f"{'shown' if want else 'hidden'}")
        for route in TYPE_ROUTES:
            got = route.check(api, page, case, role)
            COMBINATIONS.append((code, role, route.name, variant))
            if got != (want and code == TYPE_ROUTE_TYPES[route.name]
                       and (route.name.startswith("GET /service") or has(role, Perm.SUPERVISE_CASES))):
                failures.append(f"{route.name} {code}/{variant}: {'shown' if got else 'hidden'}")
        for route in APPLICATION_ROUTES:
            got = route.check(api, page, case, role)
            COMBINATIONS.append((code, role, route.name, variant))
            if got != (want and code == "assistance_application" and has(role, Perm.VIEW_ASSISTANCE)):
                failures.append(f"{route.name} {code}/{variant}: {'shown' if got else 'hidden'}")
        # counts: the cases of the type this role reads (each type has one tasked, one plain)
        want_n = sum(expected_visible(role, code, v) for v in ("tasked", "plain"))
        if variant == "plain":
            COMBINATIONS.append((code, role, "GET /api/v1/case-counts", "both"))
            if _api_counts(api, case, role) != want_n:
                failures.append(f"case-counts {code}: {_api_counts(api, case, role)}, expected {want_n}")
    assert not failures, "\n".join(failures)


def test_combinations_counted():
    """Run last in this module (file order): how many (type × role × route × variant)
    combinations the matrix test asked, printed for the report."""
    if not COMBINATIONS:
        pytest.skip("run with the matrix test")
    triples = {(c, r, route) for c, r, route, _v in COMBINATIONS}
    print(f"\nneed-to-know matrix: {len(triples)} (type × role × route) combinations, "
          f"{len(COMBINATIONS)} checks with the tasked/plain variants")
    assert len({c for c, *_ in COMBINATIONS}) == len(declarations.registered())


def test_open311_publishes_no_other_type(more_users, matrix_cases):
    """Open311 (public, no account) lists and shows published grid events only: a case of
    another type never appears there, even marked public."""
    from jiayuan.cases.models import Case

    Case.objects.filter(number__in=[c.number for c in matrix_cases.values()]).update(is_public=True)
    client = Client()
    listed = {r["service_request_id"] for r in client.get("/open311/v2/requests.json").json()}
    for (code, _variant), case in matrix_cases.items():
        detail = client.get(f"/open311/v2/requests/{case.number}.json")
        if code == "grid_event":
            assert case.number in listed and detail.status_code == 200
        else:
            assert case.number not in listed
            assert detail.status_code == 404


# --- the declaration ------------------------------------------------------------------

def _declaration(**changes):
    raw = {"code": "tip_check", "version": 1, "name": "线索核查", "create_roles": ["community_worker"],
           "read_permission": "view_cases", "initial_state": "open",
           "states": [{"code": "open", "name": "待核查", "queue": "community_worker"},
                      {"code": "checked", "name": "已核查", "status": "closed"}],
           "transitions": [{"action": "check", "name": "核查", "from": ["open"], "to": "checked",
                            "roles": ["community_worker"]}]}
    raw.update(changes)
    return {k: v for k, v in raw.items() if v is not None}


@pytest.mark.parametrize("changes, message", [
    ({"read_permission": None}, "案件类型 tip_check: 缺少 read_permission"),
    ({"read_permission": ""}, "缺少 read_permission"),
    ({"read_permission": "see_everything"}, "read_permission 'see_everything' 不是已定义的权限"),
    # a role that would act on (or wait for) a case it may not read
    ({"read_permission": "view_assistance", "create_roles": ["grid_member"]},
     "create_roles 中的角色 grid_member 没有读取此类案件的权限 view_assistance"),
    ({"read_permission": "view_assistance", "create_roles": [],
      "states": [{"code": "open", "name": "待核查", "queue": "department_staff"},
                 {"code": "checked", "name": "已核查", "status": "closed"}],
      "transitions": [{"action": "check", "name": "核查", "from": ["open"], "to": "checked",
                       "roles": ["@department"]}]},
     "状态 open 的 queue 中的角色 department_staff 没有读取此类案件的权限"),
    ({"read_permission": "view_assistance", "create_roles": [],
      "transitions": [{"action": "check", "name": "核查", "from": ["open"], "to": "checked",
                       "roles": ["auditor"]}]},
     "流转 check 中的角色 auditor 没有"),
])
def test_a_case_type_must_declare_who_reads_it(changes, message, monkeypatch):
    """At declaration time (registering it, as autodiscover does at start-up, and
    parsing it, as the sync does), with a message that names the type and the key."""
    from jiayuan.accounts.models import User

    monkeypatch.setattr(declarations, "_REGISTRY", dict(declarations._REGISTRY))
    raw = _declaration(**changes)
    with pytest.raises(declarations.DeclarationError, match=message):
        declarations.parse_declaration(raw, frozenset(User.Role.values))
    if "缺少" in message or "不是已定义" in message:
        with pytest.raises(declarations.DeclarationError, match=message):
            declarations.register(raw)
        assert "tip_check" not in declarations.registered()


def test_who_reads_is_not_versioned():
    """Versions stored before read_permission existed keep their checksum (no new version
    needed) and still parse as stored rows; who reads comes from the registry."""
    raw = _declaration()
    before = {k: v for k, v in raw.items() if k != "read_permission"}
    assert declarations.declaration_checksum(raw) == declarations.declaration_checksum(before)
    assert declarations.parse_declaration(before, stored=True).read_permission == ""
    assert declarations.read_permissions()["assistance_application"] == "view_assistance"


# --- cost --------------------------------------------------------------------------------------

# Queries of one case list of 50 (measured before need-to-know on this branch's parent,
# fb884d9, and after: the read permissions are in memory, the rule is one more condition
# of the same WHERE clause). API: token, user, count, page. Queue page: session, user,
# the ids of the page with the total, the rows, the type names of the filter. (Whether a
# signed-in user without an authenticator must give a code is looked up once per session,
# on the first page, not on every page: accounts.middleware; the page measured is the
# second of the session.)
LIST_QUERIES = {"api": 4, "queue": 10}


@pytest.mark.parametrize("who", ["grid_member", "community"])
def test_the_case_list_costs_no_more_queries(who, api_client, more_users, report_event):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for i in range(50):
        report_event(description=f"第 {i} 处垃圾堆放")
    api = api_client(who)
    page = Client()
    page.force_login(more_users[who])
    assert page.get("/").status_code == 200   # the session's first page
    with CaptureQueriesContext(connection) as api_q:
        resp = api.get("/api/v1/cases?page_size=50")
    assert resp.status_code == 200 and len(resp.json()["results"]) == 50
    with CaptureQueriesContext(connection) as page_q:
        resp = page.get("/cases/?tab=open")
    assert resp.status_code == 200
    print(f"\n{who}: /api/v1/cases {len(api_q)} queries, /cases/?tab=open {len(page_q)} queries (50 cases)")
    assert {"api": len(api_q), "queue": len(page_q)} == LIST_QUERIES
