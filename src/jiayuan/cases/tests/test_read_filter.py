"""Per-record read filters (``read_filter`` in a declaration): a case type may narrow who
reads each of its cases below its ``read_permission``, and every route of the engine —
API list, filters, search, detail, transitions, urging, departments of a case, photos,
the pages (detail, actions, queue, search, photos), the counts, the dispatcher board, the
to-do source, the department's queue — answers a case outside the filter exactly like
one that does not exist.

The type under test is declared here (``filtered_note``) with a filter written for the
test: a user reads a case whose ``contact_name`` is their username. Two cases are opened
in the grid, one named for ``community`` (a community worker) and for nobody else, one
for ``dept`` (the city-management department's staff, who has a task on both). Expected,
by hand: ``community`` sees the first only; ``dept`` the second only; ``grid_member``
(holds view_cases, named on neither) none; the superuser both; the real referral type's
filter is tested in children/tests/test_referrals.py.
"""

import pytest
from django.db.models import Q
from django.test import Client
from django.utils import timezone

from jiayuan.audit.services import Actor
from jiayuan.cases import declarations, selectors, services
from jiayuan.cases.models import Attachment, Case, CaseTask
from jiayuan.cases.tests.test_need_to_know import ROUTES
from jiayuan.conftest import GRID
from jiayuan.regions.models import Region
from jiayuan.tests.helpers import CITY_MGMT, png_bytes

pytestmark = pytest.mark.django_db

FILTERED = {
    "code": "filtered_note", "version": 1, "name": "按人可见的记录", "create_roles": ["community_worker"],
    "read_permission": "view_cases", "read_filter": "jiayuan.cases.tests.test_read_filter.only_named",
    "initial_state": "open",
    "states": [{"code": "open", "name": "待办", "queue": "community_worker", "limit": "1wd"},
               {"code": "done", "name": "已办", "status": "closed"}],
    "transitions": [{"action": "finish", "name": "办结", "from": ["open"], "to": "done",
                     "roles": ["community_worker", "township_officer"]}],
}


def only_named(user) -> Q:
    """The test's read filter: the cases naming the user as contact (a lazy Q)."""
    return Q(contact_name=user.username)


@pytest.fixture
def filtered_cases(monkeypatch, more_users, depts):
    """{"community": case, "dept": case}: the two cases of ``filtered_note`` in the grid,
    each with a photo and a pending task of 城市管理局."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    monkeypatch.setattr(declarations, "_REGISTRY", dict(declarations._REGISTRY))
    declarations.register(FILTERED)
    city = Actor(more_users["city"], "command")
    grid = Region.objects.get(code=GRID)
    out = {}
    for who in ("community", "dept"):
        case = services.open_case(city, services.current_type("filtered_note"),
                                  services.CaseDraft(region=grid, title=f"给 {who}", contact_name=who),
                                  channel="system")
        photo = services.store_attachment(city, SimpleUploadedFile("p.png", png_bytes(), content_type="image/png"))
        Attachment.objects.filter(pk=photo.pk).update(case=case)
        CaseTask.objects.create(case=case, department=depts[CITY_MGMT], assigned_at=timezone.now())
        case = Case.objects.get(pk=case.pk)
        case.photo, case.first_action = photo.pk, "finish"
        out[who] = case
    return out


EXPECTED = {  # user key → the cases (by whom they name) the user reads, worked out by hand
    "community": {"community"},
    "dept": {"dept"},
    "grid_member": set(),
    "director": set(),      # acts as a community worker, but is named on neither
    "admin": {"community", "dept"},
}
ROLE_OF = {"community": "community_worker", "dept": "department_staff", "grid_member": "grid_member",
           "director": "community_director", "admin": "superuser"}


@pytest.mark.parametrize("who", sorted(EXPECTED))
def test_every_case_route_applies_the_read_filter(who, filtered_cases, api_client, more_users):
    api = api_client(who)
    page = Client()
    page.force_login(more_users[who])
    failures = []
    for named, case in filtered_cases.items():
        want = named in EXPECTED[who]
        for route in ROUTES:
            if route.check(api, page, case, ROLE_OF[who]) != want:
                failures.append(f"{route.name} {named}: expected {'shown' if want else 'hidden'}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("who", sorted(EXPECTED))
def test_counts_todo_board_and_selectors_apply_the_read_filter(who, filtered_cases, api_client, more_users):
    user = more_users[who]
    want = {filtered_cases[n].number for n in EXPECTED[who]}
    rows = api_client(who).get("/api/v1/case-counts?type=filtered_note").json()
    assert sum(r["n"] for r in rows) == len(want)
    assert set(selectors.cases_for(user).filter(type_code="filtered_note").values_list("number", flat=True)) == want
    assert {c.number for c in selectors.search_cases(user, selectors.CaseFilters(type="filtered_note"))} == want
    assert selectors.flag_counts(user)["open"] >= len(want)
    assert sum(selectors.board_counts(user, "filtered_note", ["open"]).values()) == len(want)
    for case in filtered_cases.values():
        assert selectors.can_see(user, case) == (case.number in want)
    # the to-do (待我办理): actionable by role only among the cases the user reads
    may_act = who in ("community", "director", "admin")
    todo = set(selectors.actionable(user).filter(type_code="filtered_note").values_list("number", flat=True))
    assert todo == (want if may_act else set())
    # the department's own queue (pending tasks) is filtered too
    if who == "dept":
        assert set(selectors.queue(user).values_list("number", flat=True)) == want


def test_a_case_outside_the_filter_cannot_be_acted_on(filtered_cases, more_users):
    """The service refuses it as not found, even for a role the transition names."""
    from jiayuan.errors import NotFound

    case = filtered_cases["dept"]
    with pytest.raises(NotFound):
        services.transition(Actor(more_users["community"], "api"), case, "finish", version=case.version)
    done = services.transition(Actor(more_users["community"], "api"), filtered_cases["community"], "finish",
                               version=filtered_cases["community"].version)
    assert done.state == "done"


def test_the_todo_source_counts_only_readable_cases(filtered_cases, more_users):
    from jiayuan.cases import todo

    assert todo.CASES.count(more_users["community"]) == selectors.actionable(more_users["community"]).count()
    mine = [i.title for i in todo.CASES.items(more_users["community"], 50)]
    assert any(filtered_cases["community"].number in t for t in mine)
    assert not any(filtered_cases["dept"].number in t for t in mine)


@pytest.mark.parametrize("value, ok", [
    ("jiayuan.cases.tests.test_read_filter.only_named", True),
    ("", True),
    ("only_named", False),
    ("jiayuan cases.x", False),
    (42, False),
])
def test_the_read_filter_must_be_a_dotted_path(value, ok, monkeypatch):
    monkeypatch.setattr(declarations, "_REGISTRY", dict(declarations._REGISTRY))
    raw = dict(FILTERED, read_filter=value)
    if ok:
        declarations.register(raw)
        assert declarations.read_filters().get("filtered_note", "") == value
    else:
        with pytest.raises(declarations.DeclarationError, match="read_filter"):
            declarations.register(raw)


def test_the_read_filter_is_not_versioned_and_every_declared_one_imports():
    without = {k: v for k, v in FILTERED.items() if k != "read_filter"}
    assert declarations.declaration_checksum(FILTERED) == declarations.declaration_checksum(without)
    for code, path in declarations.read_filters().items():
        assert callable(declarations.read_filter_of(path)), code
    assert declarations.read_filters() == {"child_referral": "jiayuan.children.selectors.referral_readers"}


def test_types_without_a_filter_keep_their_query(more_users):
    """No declared filter among the types a user reads: the query is the one it was
    (no extra condition)."""
    assert selectors.record_filter(more_users["grid_member"], ["grid_event", "service_request"]) is None
    assert selectors.record_filter(more_users["community"], ["child_referral"]) is not None
