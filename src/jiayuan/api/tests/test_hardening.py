"""Bad input and odd requests found by trying to break the API: each gets a clear 4xx in
the API's error format, never a 500, and writes nothing."""

import json
import os
import subprocess
import sys

import pytest

from jiayuan.audit.services import Actor
from jiayuan.conftest import GRID, OWNER_COMMUNITY
from jiayuan.people.models import Household, Person
from jiayuan.people.services import add_member, create_household
from jiayuan.regions.services import create_grid, move_households


def send(client, method, url, body):
    return getattr(client, method)(url, json.dumps(body), content_type="application/json")


@pytest.mark.parametrize("body, field", [
    ({"name": 123, "id_number": "11010519491231002X", "region": GRID}, "name"),
    ({"name": ["张三"], "id_number": "11010519491231002X", "region": GRID}, "name"),
    ({"name": "张三", "id_number": ["11010519491231002X"], "region": GRID}, "id_number"),
    ({"name": "张三", "id_number": "11010519491231002X", "phone": {"n": 1}, "region": GRID}, "phone"),
    ({"name": "张三", "id_number": "11010519491231002X", "address": ["x"], "region": GRID}, "address"),
])
def test_wrong_json_types_are_field_errors(api_client, body, field):
    resp = send(api_client("community"), "post", "/api/v1/persons", body)
    assert resp.status_code == 422
    assert field in resp.json()["error"]["fields"]
    assert not Person.objects.exists()


def test_unknown_relation_in_a_household_is_422(api_client, make_person):
    head, child = make_person(region=GRID, name="王建国"), make_person(region=GRID, name="王小明")
    resp = send(api_client("community"), "post", "/api/v1/households",
                {"number": "0001", "region": GRID, "head": head.pk,
                 "members": [{"person": child.pk, "relation_to_head": "外星人"}]})
    assert resp.status_code == 422
    assert resp.json()["error"]["code"] == "relation.unknown"
    assert not Household.objects.exists()


@pytest.mark.parametrize("relation, code", [("", "relation.missing"), ("01", "relation.self_not_head")])
def test_a_member_needs_a_real_relation_to_the_head(api_client, make_person, relation, code):
    # GB/T 4761: 01 本人 names the head's own row; a member must say how they relate to the head
    head, child = make_person(region=GRID, name="王建国"), make_person(region=GRID, name="王小明")
    resp = send(api_client("community"), "post", "/api/v1/households",
                {"number": "0001", "region": GRID, "head": head.pk,
                 "members": [{"person": child.pk, "relation_to_head": relation}]})
    assert (resp.status_code, resp.json()["error"]["code"]) == (422, code)


def test_a_page_past_the_data_is_empty_not_an_error(api_client, make_person):
    make_person(region=GRID)
    resp = api_client("community").get("/api/v1/persons", {"page": 10 ** 18})
    assert resp.status_code == 200
    assert resp.json()["results"] == []


@pytest.mark.parametrize("param", ["age_min", "age_max"])
def test_an_age_outside_0_to_150_is_422(api_client, param):
    resp = api_client("community").get("/api/v1/persons", {param: 3000})
    assert (resp.status_code, resp.json()["error"]["code"]) == (422, f"{param}.range")


def test_a_boundary_coordinate_too_large_for_a_float_is_422(api_client):
    huge = 10 ** 400
    ring = [[huge, 39.0], [100.5, 39.0], [100.5, 39.1], [huge, 39.0]]
    resp = api_client("community").patch(
        f"/api/v1/grids/{GRID}", f'{{"name": "第一网格", "boundary": {{"type": "Polygon", "coordinates": [{json.dumps(ring)}]}}}}',
        content_type="application/json")
    assert (resp.status_code, resp.json()["error"]["code"]) == (422, "boundary.invalid")


def test_a_nul_character_in_the_query_is_refused_before_any_view(api_client):
    resp = api_client("community").get("/api/v1/persons?q=a%00b")
    assert resp.status_code == 422  # issue 11 finding 7: 422 control_character (was 400 bad_request)
    assert resp.json()["error"]["code"] == "control_character"


def test_a_nul_character_in_a_json_body_is_refused(api_client):
    resp = api_client("community").post("/api/v1/persons", '{"name": "a\\u0000b"}', content_type="application/json")
    assert resp.status_code == 422  # issue 11 finding 7 (was 400)
    assert not Person.objects.exists()


def test_unknown_api_routes_and_non_numeric_ids_answer_the_json_404(api_client):
    c = api_client("community")
    for url in ("/api/v1/persons/abc", "/api/v1/no-such-thing"):
        resp = c.get(url)
        assert resp.status_code == 404
        assert resp.json()["error"]["code"] == "not_found"


def test_tokens_die_with_a_password_change(api_client, users):
    c = api_client("community")
    assert c.get("/api/v1/persons").status_code == 200
    user = users["community"]
    user.set_password("Another-pass-2026")
    user.save()
    assert c.get("/api/v1/persons").status_code == 401


@pytest.mark.parametrize("who", ["auditor", "org"])
def test_roles_without_the_registry_cannot_read_regions_or_grids(api_client, who):
    c = api_client(who)
    assert c.get("/api/v1/regions").status_code == 403
    assert c.get("/api/v1/grids").status_code == 403
    assert c.get("/api/v1/regions/620702").status_code == 403  # in scope, but not for this role


def test_a_member_added_with_a_stale_household_joins_it_where_it_is_now(users, make_person):
    # A worker opens the household page; meanwhile another moves the household to a new
    # grid. The member added from the stale page must land in the new grid with it.
    actor = Actor(users["admin"], "page")
    head, child = make_person(region=GRID, name="王建国"), make_person(region=GRID, name="王小明")
    hh = create_household(actor, {"number": "0001", "region": GRID}, head)
    stale = Household.objects.get(pk=hh.pk)
    from jiayuan.regions.models import Region

    new_grid = create_grid(actor, Region.objects.get(code=OWNER_COMMUNITY), "第二网格")
    move_households(actor, [Household.objects.get(pk=hh.pk)], new_grid)
    add_member(actor, stale, child, "20")
    child.refresh_from_db()
    assert child.region_id == new_grid.code == OWNER_COMMUNITY + "002"


def test_a_mistyped_environment_name_refuses_to_start():
    env = {**os.environ, "JIAYUAN_ENV": "Production", "DJANGO_SETTINGS_MODULE": "jiayuan.settings"}
    proc = subprocess.run([sys.executable, "-c", "import django; django.setup()"], env=env,
                          capture_output=True, text=True)
    assert proc.returncode != 0
    assert "JIAYUAN_ENV" in proc.stderr


def test_a_broad_search_counts_at_most_1000(api_client, users, settings):
    # 1,001 persons named 张… in the owner's grid: the API says 1000 and count_exact false
    # instead of counting every match (docs/performance.md: an exact count of ~70,000
    # matches costs ~150 ms at city scale).
    from datetime import date, timedelta

    from jiayuan.conftest import make_id_number
    from jiayuan.people.services import BulkHousehold, BulkPerson, bulk_register

    base = date(1960, 1, 1)
    people = [BulkPerson(name="张" + "一二三四五六七八九十"[i % 10], relation_to_head="02",
                         id_number=make_id_number(base + timedelta(days=i), 1)) for i in range(1001)]
    bulk_register(Actor(users["admin"], "command"),
                  [BulkHousehold(number=f"{i:04d}", region_code=GRID, address="", members=[p])
                   for i, p in enumerate(people)])
    body = api_client("community").get("/api/v1/persons", {"q": "张"}).json()
    assert (body["count"], body["count_exact"], len(body["results"])) == (1000, False, 50)


def test_a_narrow_search_count_is_exact(api_client, make_person):
    make_person(region=GRID, name="张建国")
    body = api_client("community").get("/api/v1/persons", {"q": "zjg"}).json()
    assert (body["count"], body["count_exact"]) == (1, True)
