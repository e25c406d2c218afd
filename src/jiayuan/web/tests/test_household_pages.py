"""Household list, detail, create, edit, membership and head change pages."""

import pytest

from jiayuan.audit.services import Actor
from jiayuan.conftest import GRID, OWNER_COMMUNITY, PEER_COMMUNITY
from jiayuan.people.models import Household, Person
from jiayuan.people.services import create_household, update_household

from .conftest import audit_count, text_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def family(users, make_person):
    """Household 0101 in the owner's grid: head 张建国, wife 李梅; and 张小军 not yet in it."""
    head = make_person(region=GRID, name="张建国")
    wife = make_person(region=GRID, name="李梅", sex_for_id=2)
    son = make_person(region=GRID, name="张小军")
    hh = create_household(Actor(users["admin"], "command"), {"number": "0101", "region": GRID, "address": "交通巷1号"},
                          head, [(wife, "12")])
    return {"hh": hh, "head": head, "wife": wife, "son": son}


def test_household_list_shows_head_and_size_in_scope(page_client, family):
    r = page_client("community").get("/households/")
    assert r.status_code == 200
    html = r.content.decode()
    row = html[html.index(f'href="/households/{family["hh"].pk}/"'):]
    row = row[: row.index("</tr>")]
    assert "0101" in row and "张建国" in row and "交通巷1号" in row and ">2</td>" in row
    assert f'href="/households/{family["hh"].pk}/"' not in page_client("peer").get("/households/").content.decode()
    assert "0101" in text_of(page_client("community").get("/households/", {"q": "0101"}))


@pytest.mark.parametrize("who", ["peer", "outsider", "auditor", "org"])
def test_household_pages_out_of_scope_are_404(page_client, family, who):
    c = page_client(who)
    pk = family["hh"].pk
    assert c.get(f"/households/{pk}/").status_code == 404
    assert c.get(f"/households/{pk}/edit/").status_code == 404
    assert c.post(f"/households/{pk}/members/", {"person": family["son"].pk, "relation_to_head": "20"}).status_code == 404
    assert c.post(f"/households/{pk}/members/{family['wife'].pk}/remove/").status_code == 404
    assert c.post(f"/households/{pk}/head/", {"new_head": family["wife"].pk, "old_head_relation": "11"}).status_code == 404
    assert Person.objects.get(pk=family["wife"].pk).household_id == pk
    assert Person.objects.get(pk=family["son"].pk).household_id is None


def test_household_detail(page_client, family):
    r = page_client("community").get(f"/households/{family['hh'].pk}/")
    assert r.status_code == 200
    body = text_of(r)
    assert "户号 0101" in body and "户主 张建国" in body and "妻" in body
    wife_id = family["wife"].id_number
    assert wife_id[:6] + "********" + wife_id[-4:] in body and wife_id not in body
    assert "新建户" in body  # history
    # the add-member picker offers the person without a household, not the members
    html = r.content.decode()
    picker = html[html.index('name="person"'):]
    picker = picker[: picker.index("</select>")]
    assert f'<option value="{family["son"].pk}">张小军' in picker
    assert f'value="{family["wife"].pk}"' not in picker


def test_create_household_with_head_and_member(page_client, make_person, users):
    head = make_person(region=OWNER_COMMUNITY, name="王大山")
    daughter = make_person(region=OWNER_COMMUNITY, name="王小花", sex_for_id=2)
    c = page_client("community")
    form = c.get("/households/new/", {"region": GRID})
    assert form.status_code == 200
    assert f'name="head" value="{head.pk}"' in form.content.decode()
    r = c.post("/households/new/", {"number": "0202", "region": GRID, "address": "交通巷2号",
                                    "head": head.pk, f"rel_{daughter.pk}": "30"})
    assert r.status_code == 302
    hh = Household.objects.get(number="0202", community_id=OWNER_COMMUNITY)
    assert r["Location"] == f"/households/{hh.pk}/"
    head.refresh_from_db()
    daughter.refresh_from_db()
    assert (head.household_id, head.relation_to_head, head.region_id) == (hh.pk, "02", GRID)
    assert (daughter.household_id, daughter.relation_to_head) == (hh.pk, "30")
    assert audit_count("household.create", object_id=str(hh.pk), source="page") == 1


def test_create_household_errors_keep_input(page_client, family, make_person):
    c = page_client("community")
    loner = make_person(region=GRID, name="孤老人")
    r = c.post("/households/new/", {"number": "0303", "region": GRID, "address": "交通巷3号"})
    assert r.status_code == 422 and "请选择户主" in text_of(r)
    assert 'value="0303"' in r.content.decode()
    r = c.post("/households/new/", {"number": "0101", "region": GRID, "head": loner.pk})
    assert r.status_code == 422 and "户号 0101 在本社区（村）已被使用" in text_of(r)
    r = c.post("/households/new/", {"number": "", "region": GRID, "head": loner.pk})
    assert r.status_code == 422 and "请填写户号" in text_of(r)
    assert Household.objects.filter(community_id=OWNER_COMMUNITY).count() == 1


def test_create_household_with_a_person_outside_scope_is_404(page_client, make_person):
    stranger = make_person(region=PEER_COMMUNITY, name="赵敏")
    r = page_client("community").post("/households/new/", {"number": "0404", "region": GRID, "head": stranger.pk})
    assert r.status_code == 404
    assert not Household.objects.filter(number="0404").exists()
    # and the picker never lists them
    html = page_client("community").get("/households/new/").content.decode()
    assert f'value="{stranger.pk}"' not in html


def test_add_and_remove_member(page_client, family):
    c = page_client("community")
    hh, son = family["hh"], family["son"]
    r = c.post(f"/households/{hh.pk}/members/", {"person": son.pk, "relation_to_head": "20"})
    assert r.status_code == 302
    son.refresh_from_db()
    assert son.household_id == hh.pk and son.relation_to_head == "20"
    r = c.post(f"/households/{hh.pk}/members/{son.pk}/remove/")
    assert r.status_code == 302
    son.refresh_from_db()
    assert son.household_id is None
    # the head cannot be removed: the service's message is shown
    r = c.post(f"/households/{hh.pk}/members/{family['head'].pk}/remove/", follow=True)
    assert "不能移出户主" in text_of(r)
    assert Person.objects.get(pk=family["head"].pk).household_id == hh.pk


def test_add_member_as_second_head_is_refused(page_client, family):
    r = page_client("community").post(f"/households/{family['hh'].pk}/members/",
                                      {"person": family["son"].pk, "relation_to_head": "02"})
    assert r.status_code == 422
    assert Person.objects.get(pk=family["son"].pk).household_id is None


def test_change_head(page_client, family):
    c = page_client("community")
    hh = family["hh"]
    r = c.post(f"/households/{hh.pk}/head/", {"new_head": family["wife"].pk, "old_head_relation": "11"})
    assert r.status_code == 302
    assert Person.objects.get(pk=family["wife"].pk).relation_to_head == "02"
    assert Person.objects.get(pk=family["head"].pk).relation_to_head == "11"
    assert "户主 李梅" in text_of(c.get(f"/households/{hh.pk}/"))


def test_edit_household_and_conflict(page_client, family, users):
    c = page_client("community")
    hh = family["hh"]
    r = c.post(f"/households/{hh.pk}/edit/", {"number": "0101", "address": "交通巷1号院", "version": hh.version})
    assert r.status_code == 302
    hh.refresh_from_db()
    assert hh.address == "交通巷1号院"
    stale = hh.version
    update_household(Actor(users["admin"], "command"), hh, {"address": "别人改的"})
    r = c.post(f"/households/{hh.pk}/edit/", {"number": "0101", "address": "我改的", "version": stale})
    assert r.status_code == 409 and "该户信息已被他人修改" in text_of(r)
    assert Household.objects.get(pk=hh.pk).address == "别人改的"


def test_grid_member_sees_household_of_own_grid(page_client, family):
    assert page_client("grid_member").get(f"/households/{family['hh'].pk}/").status_code == 200
