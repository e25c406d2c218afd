"""Every route of a child's file (pages and API) with the owner (儿童主任), a team member,
another worker of the same community and an outsider: need-to-know answers 404 to the
last two; every read is audited; the overdue API contract."""

import datetime

import pytest

from jiayuan.audit.models import AuditEntry
from jiayuan.children.models import ChildFile

pytestmark = pytest.mark.django_db

# (method, path pattern, body) of every page of one file; {pk} is the file's id
PAGES = [
    ("get", "/children/{pk}/", None),
    ("get", "/children/{pk}/edit/", None),
    ("get", "/children/{pk}/parent/father/", None),
    ("get", "/children/{pk}/visit/", None),
    ("post", "/children/{pk}/visit/", {"visited_on": "2026-02-01", "place": "家中", "findings": "正常", "risk": "red"}),
    ("post", "/children/{pk}/regrade/", {"risk": "yellow", "reason": "复核"}),
    ("post", "/children/{pk}/confirm/", {}),
    ("post", "/children/{pk}/team/", {"slot": "teacher", "name": "赵老师"}),
    ("post", "/children/{pk}/team/volunteer/remove/", {}),
]
API = [
    ("get", "/api/v1/children/{pk}", None),
    ("get", "/api/v1/children/{pk}/visits", None),
    ("post", "/api/v1/children/{pk}/visits", {"visited_on": "2026-02-01", "place": "家中", "findings": "正常",
                                              "risk": "red"}),
    ("post", "/api/v1/children/{pk}/regrade", {"risk": "yellow", "reason": "复核"}),
    ("post", "/api/v1/children/{pk}/confirm", {}),
]


def call(client, method, path, body, api=False):
    if method == "get":
        return client.get(path)
    if api:
        return client.post(path, body, content_type="application/json")
    return client.post(path, body)


@pytest.mark.parametrize("method,path,body", PAGES)
@pytest.mark.parametrize("who", ["colleague", "outsider", "peer", "township"])
def test_a_page_of_the_file_is_404_for_anyone_without_a_need_to_know(page_client, child_file, colleague, who,
                                                                     method, path, body):
    r = call(page_client(who), method, path.format(pk=child_file.pk), body)
    assert r.status_code == 404


@pytest.mark.parametrize("method,path,body", API)
@pytest.mark.parametrize("who", ["colleague", "outsider", "peer", "township"])
def test_an_api_route_of_the_file_is_404_for_anyone_without_a_need_to_know(api_client, child_file, colleague, who,
                                                                           method, path, body):
    r = call(api_client(who), method, path.format(pk=child_file.pk), body, api=True)
    assert r.status_code == 404 and r.json()["error"]["code"] == "child_file.not_found"


# owner: every page works (200 or a redirect after a write; confirm with nothing to confirm is 409)
OWNER_PAGE_STATUS = [200, 200, 200, 200, 302, 302, 409, 302, 302]


@pytest.mark.parametrize("route,expected", list(zip(PAGES, OWNER_PAGE_STATUS)))
def test_every_page_of_the_file_works_for_its_director(page_client, child_file, route, expected):
    method, path, body = route
    r = call(page_client("community"), method, path.format(pk=child_file.pk), body)
    assert r.status_code == expected


# team member: reads and records visits; edit, regrade, confirm and the team are refused (403)
TEAM_PAGE_STATUS = [200, 403, 403, 200, 302, 403, 403, 403, 403]


@pytest.mark.parametrize("route,expected", list(zip(PAGES, TEAM_PAGE_STATUS)))
def test_a_team_member_reads_the_file_and_records_visits(page_client, child_file, route, expected):
    method, path, body = route
    r = call(page_client("org"), method, path.format(pk=child_file.pk), body)
    assert r.status_code == expected


OWNER_API_STATUS = [200, 200, 201, 200, 409]
TEAM_API_STATUS = [200, 200, 201, 403, 403]


@pytest.mark.parametrize("route,owner,team", [(r, o, t) for r, o, t in zip(API, OWNER_API_STATUS, TEAM_API_STATUS)])
def test_every_api_route_for_the_director_and_the_team_member(api_client, child_file, route, owner, team):
    method, path, body = route
    assert call(api_client("community"), method, path.format(pk=child_file.pk), body, api=True).status_code == owner
    assert call(api_client("org"), method, path.format(pk=child_file.pk), body, api=True).status_code == team


def test_reading_the_file_is_audited(page_client, api_client, child_file):
    before = AuditEntry.objects.filter(action="child_file.read").count()
    page_client("community").get(f"/children/{child_file.pk}/")
    api_client("city").get(f"/api/v1/children/{child_file.pk}")
    entries = AuditEntry.objects.filter(action="child_file.read").order_by("-id")[:2]
    assert AuditEntry.objects.filter(action="child_file.read").count() == before + 2
    assert {e.actor_name for e in entries} == {"community", "city"}


def test_the_list_shows_only_the_files_one_may_read(page_client, child_file, colleague):
    assert "李小花" in page_client("community").get("/children/").content.decode()
    assert "李小花" in page_client("county").get("/children/").content.decode()
    body = page_client("colleague").get("/children/").content.decode()
    assert page_client("colleague").get("/children/").status_code == 200 and "李小花" not in body


def test_the_overdue_list_contract(api_client, child_file, colleague):
    r = api_client("city").get("/api/v1/children?overdue=1")
    assert r.status_code == 200
    row = r.json()["results"][0]
    assert {"person", "categories", "risk", "next_visit_due"} <= set(row)
    assert (row["person"], row["categories"], row["risk"], row["next_visit_due"]) == (
        child_file.person_id, [], "red", "2026-02-10")
    assert api_client("colleague").get("/api/v1/children?overdue=1").json()["results"] == []
    assert api_client("outsider").get("/api/v1/children?overdue=1").json()["count"] == 0


def test_a_visit_takes_the_file_off_the_overdue_list(api_client, child_file):
    c = api_client("community")
    today = datetime.date.today().isoformat()
    r = c.post(f"/api/v1/children/{child_file.pk}/visits", {"visited_on": today, "place": "家中", "findings": "正常",
                                                            "risk": "red"}, content_type="application/json")
    assert r.status_code == 201 and r.json()["overdue"] is False
    assert c.get("/api/v1/children?overdue=1").json()["count"] == 0


def test_opening_a_file_through_the_api(api_client, director, make_person):
    from jiayuan.conftest import make_id_number

    kid = make_person(name="王小明", id_number=make_id_number(datetime.date(2018, 9, 9), 1))
    r = api_client("community").post("/api/v1/children", {"person": kid.pk}, content_type="application/json")
    assert r.status_code == 201, r.content
    assert r.json()["categories"] == [] and ChildFile.objects.get(person=kid).risk == "red"
    r = api_client("peer").post("/api/v1/children", {"person": kid.pk},
                                                           content_type="application/json")
    assert r.status_code == 404


def test_the_duties_page_and_api_name_the_missing(page_client, api_client, director):
    body = page_client("township").get("/children/duties/").content.decode()
    assert "甘泉社区" in body and director.full_name in body
    rows = {r["code"]: r["holder"] for r in api_client("township").get("/api/v1/children-duties").json()}
    assert rows["620702001001"] == "community" and rows["620702001005"] is None
    assert page_client("community").get("/children/duties/").status_code == 403
    assert api_client("community").get("/api/v1/children-duties").status_code == 403


def test_naming_a_director_on_the_page(page_client, colleague):
    r = page_client("township").post("/children/duties/", {
        "kind": "children_director", "region": "620702001001", "username": "colleague", "started_on": "2026-01-01"})
    assert r.status_code == 302
    assert "同社区同事" in page_client("township").get("/children/duties/").content.decode()


def test_the_todo_lists_the_overdue_visit_for_the_director(page_client, child_file):
    body = page_client("community").get("/todo/").content.decode()
    assert "李小花" in body and f"/children/{child_file.pk}/visit/" in body
    assert f"/children/{child_file.pk}/visit/" not in page_client("peer").get(
        "/todo/").content.decode()


def test_the_open_page_finds_a_child_and_opens_the_file(page_client, director, make_person):
    from jiayuan.conftest import make_id_number

    make_person(name="赵小红", id_number=make_id_number(datetime.date(2019, 1, 1), 2))
    c = page_client("community")
    body = c.get("/children/new/?q=赵小红").content.decode()
    assert "赵小红" in body
    from jiayuan.people.models import Person

    r = c.post("/children/new/", {"person": Person.objects.get(name="赵小红").pk})
    assert r.status_code == 302 and ChildFile.objects.filter(person__name="赵小红").exists()


def test_the_list_filters_by_category(api_client, users, make_person):
    from jiayuan.audit.services import Actor
    from jiayuan.children import services
    from jiayuan.conftest import make_id_number

    kid = make_person(region="620702100200", name="张小军", id_number=make_id_number(datetime.date(2015, 6, 1), 1))
    services.open_file(Actor(users["county"], "page"), kid.pk, {"parents": {
        "father": {"name": "张大军", "working_away": True}, "mother": {"name": "刘梅", "working_away": True}}})
    c = api_client("county")
    assert [r["person_name"] for r in c.get("/api/v1/children?category=left_behind").json()["results"]] == ["张小军"]
    assert c.get("/api/v1/children?category=in_difficulty").json()["count"] == 0
    assert c.get("/api/v1/children?category=nonsense").status_code == 422
