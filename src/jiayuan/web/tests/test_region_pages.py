"""Region tree and grid management pages: scope (owner 200, peer/outsider 404), counts,
staffing warnings, create / rename / split / move through regions.services."""

import json

import pytest

from jiayuan.audit.models import AuditEntry
from jiayuan.audit.services import Actor
from jiayuan.conftest import GRID, OWNER_COMMUNITY, PEER_COMMUNITY
from jiayuan.grid.models import GridMember
from jiayuan.people.models import Household, Person
from jiayuan.people.services import create_household
from jiayuan.regions.models import Region
from jiayuan import security

from .conftest import audit_count, text_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def household(users, make_person):
    """Household 0101 in the owner's grid: head 张建国 and wife 李梅."""
    head = make_person(region=GRID, name="张建国")
    wife = make_person(region=GRID, name="李梅", sex_for_id=2)
    return create_household(Actor(users["admin"], "command"), {"number": "0101", "region": GRID, "address": "交通巷1号"},
                            head, [(wife, "12")])


def test_region_tree_starts_at_the_scope(page_client):
    r = page_client("community").get("/regions/")
    assert r.status_code == 302 and r["Location"] == f"/regions/{OWNER_COMMUNITY}/"
    c = page_client("admin")  # whole tree; the test database holds one province
    r = c.get("/regions/")
    assert r.status_code == 302 and r["Location"] == "/regions/62/"
    r = c.get("/regions/62/")
    assert r.status_code == 200 and "甘肃省" in text_of(r) and "张掖市" in text_of(r)


def test_township_lists_communities_with_counts(page_client, make_person):
    make_person(region=GRID, name="张建国")
    make_person(region=OWNER_COMMUNITY, name="王强")
    make_person(region=PEER_COMMUNITY, name="赵敏")
    r = page_client("township").get("/regions/620702001/")
    assert r.status_code == 200
    html = r.content.decode()
    # 交通巷社区 row: 2 persons (one in its grid, one directly in the community)
    row = html[html.index(f'href="/regions/{OWNER_COMMUNITY}/"'):]
    row = row[: row.index("</tr>")]
    assert "交通巷社区" in row and '<td data-label="人数" class="text-md-end">2</td>' in row
    row = html[html.index(f'href="/regions/{PEER_COMMUNITY}/"'):]
    row = row[: row.index("</tr>")]
    assert '<td data-label="人数" class="text-md-end">1</td>' in row


def test_community_page_lists_grids_with_member_count_and_warning(page_client, users):
    GridMember.objects.create(grid_id=GRID, name="王芳", phone_cipher=security.encrypt("13912345678"))
    r = page_client("community").get(f"/regions/{OWNER_COMMUNITY}/")
    assert r.status_code == 200
    body = text_of(r)
    assert "第一网格" in body and GRID in body
    assert "本网格仅有 1 名网格员，少于建议的 2 名" in body
    assert "新建网格" in body  # community worker manages grids


@pytest.mark.parametrize("who", ["peer", "outsider"])
def test_region_pages_out_of_scope_are_404(page_client, who):
    c = page_client(who)
    for url in (f"/regions/{OWNER_COMMUNITY}/", f"/regions/{GRID}/", f"/regions/{OWNER_COMMUNITY}/grids/new/",
                f"/grids/{GRID}/edit/", f"/grids/{GRID}/split/", f"/regions/{OWNER_COMMUNITY}/move/"):
        assert c.get(url).status_code == 404, url


def test_unknown_or_malformed_code_is_404(page_client):
    c = page_client("city")
    assert c.get("/regions/620702999999/").status_code == 404
    assert c.get("/regions/abc/").status_code == 404
    # a community is not a grid: the grid pages answer 404 for it
    assert c.get(f"/grids/{OWNER_COMMUNITY}/edit/").status_code == 404


def test_grid_member_sees_own_grid_with_masked_member_phones(page_client):
    GridMember.objects.create(grid_id=GRID, name="王芳", phone_cipher=security.encrypt("13912345678"))
    c = page_client("grid_member")
    r = c.get(f"/regions/{GRID}/")
    assert r.status_code == 200
    body = text_of(r)
    assert "王芳" in body and "139****5678" in body and "13912345678" not in body
    assert c.get(f"/regions/{OWNER_COMMUNITY}/").status_code == 404  # above its scope
    # no grid management for a grid member (403 for its own grid, nothing written)
    assert c.get(f"/grids/{GRID}/edit/").status_code == 403
    r = c.post(f"/grids/{GRID}/edit/", {"name": "改名"})
    assert r.status_code == 403
    assert Region.objects.get(code=GRID).name == "第一网格"


def test_create_grid(page_client):
    c = page_client("community")
    r = c.post(f"/regions/{OWNER_COMMUNITY}/grids/new/", {"name": " 第五网格 ", "boundary": ""})
    assert r.status_code == 302
    grid = Region.objects.get(parent_id=OWNER_COMMUNITY, name="第五网格")
    assert grid.code == OWNER_COMMUNITY + "002" and grid.level == "grid"
    assert r["Location"] == f"/regions/{grid.code}/"
    assert audit_count("grid.create", object_id=grid.code, source="page") == 1


def test_create_grid_shows_service_message_and_keeps_input(page_client):
    c = page_client("community")
    before = Region.objects.filter(level="grid").count()
    r = c.post(f"/regions/{OWNER_COMMUNITY}/grids/new/", {"name": "", "boundary": ""})
    assert r.status_code == 422 and "请填写网格名称" in text_of(r)
    r = c.post(f"/regions/{OWNER_COMMUNITY}/grids/new/", {"name": "第六网格", "boundary": "{not json"})
    assert r.status_code == 422 and "JSON 格式错误" in text_of(r)
    assert 'value="第六网格"' in r.content.decode()
    bad_polygon = json.dumps({"type": "Polygon", "coordinates": [[[100.4, 38.9], [100.5, 38.9]]]})
    r = c.post(f"/regions/{OWNER_COMMUNITY}/grids/new/", {"name": "第六网格", "boundary": bad_polygon})
    assert r.status_code == 422 and "每个环至少 4 个点且首尾相同" in text_of(r)
    assert Region.objects.filter(level="grid").count() == before


def test_rename_grid_with_boundary(page_client):
    c = page_client("community")
    poly = {"type": "Polygon", "coordinates": [[[100.45, 38.93], [100.46, 38.93], [100.46, 38.94], [100.45, 38.93]]]}
    r = c.post(f"/grids/{GRID}/edit/", {"name": "交通巷东片", "boundary": json.dumps(poly)})
    assert r.status_code == 302
    grid = Region.objects.get(code=GRID)
    assert grid.name == "交通巷东片" and grid.boundary == poly
    e = AuditEntry.objects.filter(action="grid.update", object_id=GRID).latest("seq")
    assert e.changes["name"] == ["第一网格", "交通巷东片"]
    form = c.get(f"/grids/{GRID}/edit/").content.decode()
    assert "100.45" in form  # boundary shown back as GeoJSON


def test_split_grid_moves_chosen_households(page_client, household):
    c = page_client("community")
    r = c.get(f"/grids/{GRID}/split/")
    assert r.status_code == 200 and "0101" in text_of(r)
    r = c.post(f"/grids/{GRID}/split/", {"new_name": "第二网格", "households": []})
    assert r.status_code == 422 and "请至少勾选一户" in text_of(r)
    r = c.post(f"/grids/{GRID}/split/", {"new_name": "第二网格", "households": [household.pk]})
    assert r.status_code == 302
    new = Region.objects.get(parent_id=OWNER_COMMUNITY, name="第二网格")
    household.refresh_from_db()
    assert household.region_id == new.code
    assert set(Person.objects.filter(household=household).values_list("region_id", flat=True)) == {new.code}


def test_split_refuses_a_household_of_another_scope(page_client, make_person, users):
    head = make_person(region=PEER_COMMUNITY, name="赵敏")
    other = create_household(Actor(users["admin"], "command"), {"number": "9001", "region": PEER_COMMUNITY}, head)
    r = page_client("community").post(f"/grids/{GRID}/split/", {"new_name": "第二网格", "households": [other.pk]})
    assert r.status_code == 404
    assert not Region.objects.filter(parent_id=OWNER_COMMUNITY, name="第二网格").exists()


def test_move_households_between_grids_of_one_community(page_client, household, users):
    from jiayuan.regions.services import create_grid

    second = create_grid(Actor(users["admin"], "command"), Region.objects.get(code=OWNER_COMMUNITY), "第二网格")
    c = page_client("community")
    r = c.get(f"/regions/{OWNER_COMMUNITY}/move/?from={GRID}")
    assert r.status_code == 200 and "0101" in text_of(r)
    r = c.post(f"/regions/{OWNER_COMMUNITY}/move/?from={GRID}", {"households": [household.pk], "target": second.code})
    assert r.status_code == 302
    household.refresh_from_db()
    assert household.region_id == second.code
    assert audit_count("household.move", object_id=str(household.pk), source="page") == 1
    assert audit_count("person.move", source="page") == 2


def test_move_to_a_grid_outside_scope_is_404(page_client, household):
    r = page_client("community").post(f"/regions/{OWNER_COMMUNITY}/move/",
                                      {"households": [household.pk], "target": "620702001005001"})
    assert r.status_code == 404
    household.refresh_from_db()
    assert household.region_id == GRID


def test_move_needs_a_choice(page_client, household):
    r = page_client("community").post(f"/regions/{OWNER_COMMUNITY}/move/", {"target": GRID})
    assert r.status_code == 422 and "请至少勾选一户" in text_of(r)
    assert Household.objects.get(pk=household.pk).region_id == GRID
