"""The one to-do list (待办, issue 10): the registry, each module's sources (the right
users see the right items, worked out by hand from the fixtures), 待我办理 agreeing with
the actions a case page offers, the home page's counts, the board's default tab, and
bounded queries."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from jiayuan.accounts.models import User
from jiayuan.cases import selectors as case_selectors
from jiayuan.cases.models import Case
from jiayuan.conftest import PASSWORD, PEER_GRID
from jiayuan.tests.helpers import CITY_MGMT
from jiayuan.web import todo

pytestmark = pytest.mark.usefixtures("media_root")  # uploads under a temporary MEDIA_ROOT

GANZHOU, MINLE = "620702", "620722"


def titles(user, code):
    src = next(s for s in todo.registered() if s.code == code)
    return [it.title for it in src.items(user, 50)]


def count(user, code):
    src = next(s for s in todo.registered() if s.code == code)
    return src.count(user)


def codes_for(user):
    return [s.code for s in todo.sources_for(user)]


# --- the registry -----------------------------------------------------------------------

def test_every_module_declares_its_sources():
    assert {"cases", "batches_review", "batches_approve", "enrollments_flagged", "reviews_due",
            "imports_errors"} <= {s.code for s in todo.registered()}


def test_a_new_module_plugs_in_by_declaring_a_source(users):
    src = todo.TodoSource(code="test_visits", label="走访", icon="bi-house", order=1,
                          applies=lambda u: u.role == "community_worker", count=lambda u: 2,
                          items=lambda u, limit: [todo.TodoItem("张三", "/x/")][:limit], url="web:home")
    todo.register(src)
    try:
        assert "test_visits" in codes_for(users["community"])
        assert "test_visits" not in codes_for(users["township"])
        with pytest.raises(todo.TodoDeclarationError):
            todo.register(todo.TodoSource(code="test_visits", label="另一个", icon="", applies=lambda u: True,
                                          count=lambda u: 0, items=lambda u, n: []))
    finally:
        todo.unregister("test_visits")


def test_sources_follow_the_role(users):
    # a grid member works cases and imports rosters of the grid (edit_registry)
    assert codes_for(users["grid_member"]) == ["cases", "imports_errors"]
    assert codes_for(users["auditor"]) == []
    # social organizations' staff: the visits they owe on children's care teams, then their
    # organization's calls, milestones, services to record, proposals and contracts (sources in
    # their declared order)
    assert codes_for(users["org"]) == ["children_visits", "org_open_calls", "org_milestones_due",
                                       "org_services_to_record", "org_proposals", "org_contracts"]
    # county: also the community work funds it budgets (plan_funds), the workforce file
    # (manage_workforce), elderly care, the projects it runs, the county's tips (a county
    # officer may be designated handler: a record, not a role), children's duties and the
    # 一表通 tasks it issued with units overdue
    assert set(codes_for(users["county"])) == {"cases", "batches_review", "batches_approve", "enrollments_flagged",
                                               "reviews_due", "imports_errors", "funds_below_standard",
                                               "grade_steps_due", "education_hours_short",
                                               "eldercare_reassessments", "eldercare_entitlements",
                                               "eldercare_complaints", "eldercare_settlements",
                                               "proposals_to_score", "proposals_to_check", "milestones_to_confirm",
                                               "instalments_to_release", "tips", "children_directors_missing",
                                               "report_tasks_overdue",
                                               "volunteer_hours", "evaluations_to_score", "evaluation_objections"}
    # township: cases, imports, the workforce file, reassessments (an assessor), filings to
    # decide, panels it sits on; it mediates (the street's mediation committee) and follows up
    # agreements; it decides off-list requests to communities; children's duties (督导员);
    # no payments, enrollment decisions nor budgets; 一表通: forms of the township to fill
    # (tasks from the county) and the tasks it issued with units overdue
    assert set(codes_for(users["township"])) == {"cases", "imports_errors", "grade_steps_due",
                                                 "education_hours_short", "eldercare_reassessments",
                                                 "proposals_to_score", "filings_waiting", "mediation_followups",
                                                 "access_requests", "compacts_to_file", "children_visits",
                                                 "children_review", "children_directors_missing",
                                                 "report_forms_waiting", "report_tasks_overdue",
                                                 # governance: 换届 due, volunteers' hours, the street's evaluation
                                                 "committee_elections", "volunteer_hours", "evaluations_to_score",
                                                 "evaluation_objections"}


# --- payment batches ---------------------------------------------------------------------

@pytest.fixture
def batches(users):
    from jiayuan.assistance.models import PaymentBatch

    minle = User.objects.create_user("minle", password=PASSWORD, role="county_officer", scope_id=MINLE)

    def make(county, month, status, by):
        return PaymentBatch.objects.create(program_id="subsistence_allowance", county_id=county,
                                           month=datetime.date(2026, month, 1), status=status,
                                           generated_by=by, line_count=3, total_amount=Decimal("1500.00"))

    return {
        "D": make(GANZHOU, 1, "draft", users["county"]),
        "R1": make(GANZHOU, 2, "reviewed", users["county"]),
        "R2": make(GANZHOU, 3, "reviewed", users["city"]),
        "M": make(MINLE, 4, "reviewed", minle),
        "A": make(GANZHOU, 5, "approved", users["city"]),
        "minle": minle,
    }


def test_batches_to_review_and_to_approve_with_four_eyes(users, batches):
    from jiayuan.assistance.todo import batches_to_approve, batches_to_review

    ids = lambda qs: [b.pk for b in qs]  # noqa: E731
    b = batches
    assert ids(batches_to_review(users["county"])) == [b["D"].pk]
    # R1 generated by the county officer: not theirs to approve; M is in another county
    assert ids(batches_to_approve(users["county"])) == [b["R2"].pk]
    assert ids(batches_to_review(users["city"])) == [b["D"].pk]
    # R2 generated by the city: not theirs to approve
    assert ids(batches_to_approve(users["city"])) == [b["R1"].pk, b["M"].pk]
    assert ids(batches_to_review(b["minle"])) == []
    # M generated by Minle's officer: the city approves it, not they
    assert ids(batches_to_approve(b["minle"])) == []
    assert count(users["county"], "batches_review") == 1
    assert count(users["city"], "batches_approve") == 2
    assert titles(users["county"], "batches_approve")[0].endswith("2026-03")


# --- enrollments: registry flags, reviews falling due ------------------------------------

def test_flagged_enrollments_and_reviews_due(users, make_person):
    from jiayuan.assistance.tests.factories import make_enrollment

    today = timezone.localdate()
    p = [make_person(name=n) for n in ("甲", "乙", "丙", "丁", "戊")]
    flagged = make_enrollment("subsistence_allowance", p[0], flag="deceased")
    make_enrollment("subsistence_allowance", p[1], flag="deceased", status="terminated", end=datetime.date(2025, 6, 1))
    soon = make_enrollment("subsistence_allowance", p[2])
    late = make_enrollment("subsistence_allowance", p[3])
    far = make_enrollment("subsistence_allowance", p[4])
    for e, days in ((soon, 10), (late, -3), (far, 40)):
        e.next_review_on = today + datetime.timedelta(days=days)
        e.save(update_fields=["next_review_on"])
    src = next(s for s in todo.registered() if s.code == "reviews_due")
    items = src.items(users["county"], 50)
    assert [it.url for it in items] == [f"/assistance/enrollments/{late.pk}/", f"/assistance/enrollments/{soon.pk}/"]
    assert [it.overdue for it in items] == [True, False]
    assert count(users["county"], "reviews_due") == 2
    assert titles(users["county"], "enrollments_flagged") == [f"甲 · {flagged.program.name}"]
    assert count(users["city"], "enrollments_flagged") == 1
    # the township may not decide on enrollments; another county's officer sees none
    assert "enrollments_flagged" not in codes_for(users["township"])
    minle = User.objects.create_user("minle2", password=PASSWORD, role="county_officer", scope_id=MINLE)
    assert count(minle, "enrollments_flagged") == 0 and count(minle, "reviews_due") == 0


# --- imports ------------------------------------------------------------------------------

def test_imports_finished_with_errors(users):
    from jiayuan.imports.models import ImportJob

    now = timezone.now()

    def job(name, who, status, errors, days_ago):
        return ImportJob.objects.create(kind="residents", source="page", created_by=users[who], file_name=name,
                                        region_id="620702001001", status=status, errors=errors,
                                        finished_at=now - datetime.timedelta(days=days_ago))

    job("a.xlsx", "community", "done", 4, 0)
    job("b.xlsx", "community", "done", 0, 0)          # no errors
    job("c.xlsx", "community", "rejected", 0, 3)
    job("d.xlsx", "community", "done", 2, 8)          # older than 7 days
    job("e.xlsx", "township", "done", 5, 0)           # somebody else's
    assert titles(users["community"], "imports_errors") == ["a.xlsx", "c.xlsx"]
    assert titles(users["township"], "imports_errors") == ["e.xlsx"]
    assert count(users["peer"], "imports_errors") == 0


# --- cases: 待我办理 agrees with the actions a case page offers --------------------------

@pytest.fixture
def every_state(report_event, act, depts, photo, more_users):
    """Grid events in every state (and one in the peer community), as {state: case}."""
    c = {}
    c["reported"] = report_event()
    c["returned"] = act("township", report_event(), "return", comment="请补充照片")
    c["accepted"] = act("township", report_event(), "accept")
    c["parked"] = act("township", act("township", report_event(), "accept"), "park", comment="待资金")
    c["dispatched"] = act("township", act("township", report_event(), "accept"), "dispatch",
                          fields={"department": CITY_MGMT})
    handled = act("township", act("township", report_event(), "accept"), "dispatch", fields={"department": CITY_MGMT})
    c["handled"] = act("dept", handled, "handle", comment="已清运", attachments=[photo("dept")])
    verified = act("township", act("township", report_event(), "accept"), "dispatch", fields={"department": CITY_MGMT})
    verified = act("dept", verified, "handle", comment="已清运", attachments=[photo("dept")])
    c["verified"] = act("grid_member", verified, "verify")
    c["closed"] = act("township", act("grid_member", act("dept", act("township", act(
        "township", report_event(), "accept"), "dispatch", fields={"department": CITY_MGMT}), "handle",
        comment="已清运", attachments=[photo("dept")]), "verify"), "close")
    c["evaluated"] = act("township", Case.objects.get(pk=act("township", act("grid_member", act("dept", act(
        "township", act("township", report_event(), "accept"), "dispatch", fields={"department": CITY_MGMT}),
        "handle", comment="已清运", attachments=[photo("dept")]), "verify"), "close").pk), "evaluate",
        fields={"score": 5})
    c["voided"] = act("township", report_event(), "void", comment="重复上报")
    c["peer"] = report_event("other_grid", region=PEER_GRID)
    c["by_community"] = report_event("community")
    return c


def test_every_state_fixture_covers_the_states(every_state):
    assert {k: Case.objects.get(pk=v.pk).state for k, v in every_state.items() if k not in ("peer", "by_community")} \
        == {k: k for k in every_state if k not in ("peer", "by_community")}


def test_waiting_for_me_agrees_with_the_actions_of_the_case_page(every_state, more_users):
    """For every user and every case: the case is in the user's to-do iff the case page
    offers the user at least one action (selectors.available_actions)."""
    cases = list(Case.objects.all())
    assert len(cases) == 12
    for who, user in more_users.items():
        mine = set(case_selectors.actionable(user).values_list("pk", flat=True))
        offered = {c.pk for c in cases if case_selectors.available_actions(user, c)
                   and case_selectors.can_see(user, c)}
        assert mine == offered, who
        assert count(user, "cases") == len(offered) if user.can("view_cases") else True


def test_waiting_for_me_by_hand(every_state, more_users):
    """The same, worked out by hand from the declaration of grid_event."""
    c = every_state
    mine = lambda who: {k for k, v in c.items() if v.pk in set(  # noqa: E731
        case_selectors.actionable(more_users[who]).values_list("pk", flat=True))}
    # the grid member reported all but two: resolve on the spot (reported), resubmit or
    # withdraw (returned), verify or rework (handled — also as a grid member)
    assert mine("grid_member") == {"reported", "returned", "handled"}
    # the peer's grid member: their own report, and any handled event in scope (none)
    assert mine("other_grid") == {"peer"}
    # the street: accept/return/void, dispatch/park, unpark, rework, close, evaluate
    assert mine("township") == {"reported", "returned", "accepted", "parked", "handled", "verified", "closed",
                                "peer", "by_community"}
    # the department with the pending task
    assert mine("dept") == {"dispatched"}
    assert mine("dept2") == set()
    # the community worker who reported one: resolve on the spot
    assert mine("community") == {"by_community"}
    assert mine("peer") == set()


def test_queue_tab_todo_is_the_same_list(every_state, page_client):
    resp = page_client("grid_member").get("/cases/?tab=todo")
    numbers = {r["number"] for r in resp.context["rows"]}
    c = every_state
    assert numbers == {c["reported"].number, c["returned"].number, c["handled"].number}


# --- the pages and the API ------------------------------------------------------------------

def test_home_shows_the_county_officer_the_batch_to_review(users, batches, page_client):
    html = page_client("county").get("/").content.decode()
    assert 'data-testid="todo-count-batches_review">1<' in html
    assert 'data-testid="todo-count-batches_approve">1<' in html
    assert 'href="/todo/#todo-batches_review"' in html
    # the households count stays below
    assert 'data-testid="count-households"' in html


def test_home_shows_the_grid_member_the_event_to_verify(every_state, page_client):
    html = page_client("grid_member").get("/").content.decode()
    assert 'data-testid="todo-count-cases">3<' in html


def test_todo_page_lists_items_with_links(every_state, more_users):
    from django.test import Client

    client = Client()
    client.force_login(more_users["dept"])
    resp = client.get("/todo/")
    html = resp.content.decode()
    assert resp.status_code == 200
    assert f'href="/cases/{every_state["dispatched"].number}/"' in html
    assert 'data-testid="todo-count-cases">1<' in html


def test_api_todo(users, batches, api_client):
    body = api_client("city").get("/api/v1/todo").json()
    by = {s["code"]: s for s in body["sources"]}
    assert by["batches_approve"]["count"] == 2
    assert [i["url"] for i in by["batches_approve"]["items"]] == [
        f"/assistance/batches/{batches['R1'].pk}/", f"/assistance/batches/{batches['M'].pk}/"]
    assert by["batches_approve"]["items"][0]["due"] is None
    assert by["batches_approve"]["items"][0]["overdue"] is False
    assert by["batches_review"]["count"] == 1
    assert api_client("grid_member").get("/api/v1/todo").json() == {
        "sources": [{"code": "cases", "label": "待我办理的案件", "count": 0, "items": []},
                    {"code": "imports_errors", "label": "有错误的导入", "count": 0, "items": []}]}


def test_api_due_of_a_case_is_its_deadline(report_event, api_client):
    case = report_event()
    items = api_client("township").get("/api/v1/todo").json()["sources"][0]["items"]
    assert items[0]["url"] == f"/cases/{case.number}/"
    assert items[0]["due"] == timezone.localtime(Case.objects.get(pk=case.pk).due_at).isoformat()


def test_nav_todo_goes_to_the_todo_page(page_client):
    nav = page_client("grid_member").get("/").context["nav"]
    assert ("web:todo", "待办", "todo") in [(u, str(label), k) for u, label, k in nav]
    assert "cases:queue" in [u for u, _l, _k in nav]


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_todo_page_api_and_home_queries_do_not_grow_with_items(report_event, users, page_client, api_client):
    from jiayuan.assistance.models import PaymentBatch

    def batch(month):
        PaymentBatch.objects.create(program_id="subsistence_allowance", county_id=GANZHOU, month=datetime.date(2025, month, 1),
                                    status="draft", generated_by=users["city"])

    report_event()
    batch(1)
    page, api = page_client("county"), api_client("county")
    [_queries(page, "/todo/"), _queries(api, "/api/v1/todo"), _queries(page, "/")]  # warm the caches
    before = [_queries(page, "/todo/"), _queries(api, "/api/v1/todo"), _queries(page, "/")]
    for m in range(2, 8):
        batch(m)
        report_event()
    after = [_queries(page, "/todo/"), _queries(api, "/api/v1/todo"), _queries(page, "/")]
    assert after == before


# --- the dispatch board opens on the first tab with work ------------------------------------

def test_board_opens_on_the_first_tab_with_work(report_event, act, page_client, more_users):
    client = page_client("township")
    assert client.get("/cases/board/").context["state"] == "reported"      # nothing anywhere: the first
    act("township", report_event(), "accept")
    assert client.get("/cases/board/").context["state"] == "accepted"      # no event to accept
    report_event()
    assert client.get("/cases/board/").context["state"] == "reported"
    assert client.get("/cases/board/?state=accepted").context["state"] == "accepted"


def test_each_count_is_at_most_two_queries(every_state, users, batches):
    """The home page calls every source's count on every visit: one or two queries each,
    once the process has parsed the case-type declarations (cached for its life; the
    first count after a start reads them)."""
    for who in ("admin", "county", "township", "community", "grid_member"):
        for src in todo.sources_for(users[who]):
            src.count(users[who])  # the process's first visit: declarations parsed and cached
            with CaptureQueriesContext(connection) as ctx:
                src.count(users[who])
            assert len(ctx.captured_queries) <= 2, (who, src.code)


def test_nav_has_no_todo_for_a_role_without_sources(page_client):
    nav = page_client("auditor").get("/").context["nav"]
    assert "web:todo" not in [u for u, _l, _k in nav]


# --- certificate kinds waiting for the director's decision --------------------------------

def test_certificate_kind_on_neither_list_waits_for_the_directors_decision(more_users, make_person):
    from jiayuan.audit.services import Actor
    from jiayuan.errors import Conflict
    from jiayuan.regions.models import Region
    from jiayuan.servicecenter import services

    resident = make_person(name="张建国", address="甘州区东街交通巷 12 号")
    for _i in range(2):
        with pytest.raises(Conflict):
            services.issue_certificate(Actor(more_users["community"], "page"), resident, "志愿服务 证明", "办理入学")
    director = more_users["director"]
    peer_director = User.objects.create_user("peer_dir", password=PASSWORD, role="community_director",
                                             scope_id="620702001005")
    src = next(s for s in todo.registered() if s.code == "certificate_decisions")
    items = src.items(director, 50)
    assert [it.title for it in items] == ["志愿服务证明"]
    assert items[0].url == "/service/certificates/decisions/?kind=%E5%BF%97%E6%84%BF%E6%9C%8D%E5%8A%A1%E8%AF%81%E6%98%8E"
    assert "2" in items[0].detail
    assert src.count(peer_director) == 0
    assert "certificate_decisions" not in codes_for(more_users["community"])
    services.decide_certificate_kind(Actor(director, "page"), Region.objects.get(code="620702001001"), "志愿服务证明",
                                     True, legal_basis="《志愿服务条例》")
    assert src.count(director) == 0



def test_the_menu_bar_groups_pages_into_menus_and_keeps_single_items_as_links():
    from jiayuan.web.context_processors import menu

    items = [("web:home", "首页", "home"), ("web:todo", "待办", "todo"), ("cases:queue", "案件", "cases"),
             ("cases:board", "调度台", "board"), ("web:person_list", "居民", "persons"),
             ("assistance:home", "社会救助", "assistance"), ("x:new", "新模块", "new")]
    bar = menu(items, "board")
    assert [e["key"] for e in bar] == ["home", "todo", "work", "persons", "assistance", "new"]
    work = bar[2]
    assert work["active"] and [e["key"] for e in work["children"]] == ["cases", "board"]
    assert work["children"][1]["active"] and not work["children"][0]["active"]
    assert bar[3] == {"url": "web:person_list", "label": "居民", "key": "persons", "active": False}


def test_every_source_has_its_own_place_in_the_order():
    """The home page lists sources by ``order``: two sources with the same order would be
    listed in whatever order the modules happened to load (each module keeps a range)."""
    from collections import Counter

    from jiayuan.web.todo import registered

    orders = Counter(s.order for s in registered())
    assert [o for o, n in orders.items() if n > 1] == []
    assert len({s.code for s in registered()}) == len(registered())
