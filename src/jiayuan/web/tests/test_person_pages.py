"""Person list, search, detail, reveal, create and edit pages."""

import re
from datetime import date

import pytest

from jiayuan.audit.models import AuditEntry
from jiayuan.audit.services import Actor
from jiayuan.conftest import GRID, OWNER_COMMUNITY, PEER_COMMUNITY, make_id_number
from jiayuan.people import rules
from jiayuan.people.models import Person, PersonTag
from jiayuan.people.services import add_tag, update_person

from .conftest import audit_count, text_of

pytestmark = pytest.mark.django_db


def masked(id_number: str) -> str:
    return id_number[:6] + "********" + id_number[-4:]


# --- list and search ----------------------------------------------------------------

def test_search_by_pinyin_initials_finds_only_in_scope(page_client, owner_person, make_person):
    make_person(region=PEER_COMMUNITY, name="张建国")  # same name, other community
    r = page_client("community").get("/persons/", {"q": "zjg"})
    assert r.status_code == 200
    html = r.content.decode()
    assert f'href="/persons/{owner_person.pk}/"' in html
    assert masked(owner_person.id_number) in html
    assert owner_person.id_number not in html
    assert "共 1 人" in text_of(r)
    peer = page_client("peer").get("/persons/", {"q": "zjg"}).content.decode()
    assert f'href="/persons/{owner_person.pk}/"' not in peer
    outsider = page_client("outsider").get("/persons/", {"q": "zjg"})
    assert not re.search(r'href="/persons/\d+/"', outsider.content.decode())
    assert "共 0 人" in text_of(outsider)


@pytest.mark.parametrize("query", ["张建", "zhangjianguo", "zjg", "ZJG"])
def test_search_by_name_and_pinyin(page_client, owner_person, query):
    html = page_client("community").get("/persons/", {"q": query}).content.decode()
    assert f'href="/persons/{owner_person.pk}/"' in html


def test_search_by_whole_id_tail_and_phone(page_client, owner_person, make_person):
    other = make_person(region=GRID, name="李四")
    c = page_client("community")
    for q in (owner_person.id_number, owner_person.id_number[-4:], owner_person.id_number[-6:], "138 9361 2345"):
        html = c.get("/persons/", {"q": q}).content.decode()
        assert f'href="/persons/{owner_person.pk}/"' in html, q
        assert f'href="/persons/{other.pk}/"' not in html, q


def test_htmx_search_returns_the_result_table_only(page_client, owner_person):
    r = page_client("community").get("/persons/", {"q": "zjg"}, headers={"HX-Request": "true"})
    assert r.status_code == 200
    html = r.content.decode()
    assert "<html" not in html and 'data-testid="person-table"' in html
    assert f'href="/persons/{owner_person.pk}/"' in html
    assert "HX-Request" in r["Vary"]
    full = page_client("community").get("/persons/", {"q": "zjg"}).content.decode()
    assert "<html" in full and 'hx-get="/persons/"' in full


def test_filters_tag_age_sex_residence_and_region(page_client, make_person, users):
    old = make_person(region=GRID, name="李秀英", birth=date(1938, 3, 2), sex_for_id=2)
    child = make_person(region=OWNER_COMMUNITY, name="王小明", birth=date(2015, 6, 1), residence_status="floating")
    add_tag(Actor(users["admin"], "command"), old, "elderly_living_alone")
    c = page_client("community")

    def found(**params):
        html = c.get("/persons/", params).content.decode()
        return {p.pk for p in (old, child) if f'href="/persons/{p.pk}/"' in html}

    assert found(tag="elderly_living_alone") == {old.pk}
    assert found(age="80+") == {old.pk}
    assert found(age="0-17") == {child.pk}
    assert found(age="18-59") == set()
    assert found(sex="2") == {old.pk}
    assert found(sex="1") == {child.pk}
    assert found(residence_status="floating") == {child.pk}
    assert found(region=GRID) == {old.pk}
    assert found(region=OWNER_COMMUNITY) == {old.pk, child.pk}


def test_region_filter_out_of_scope_is_404(page_client):
    assert page_client("community").get("/persons/", {"region": PEER_COMMUNITY}).status_code == 404
    assert page_client("community").get("/households/", {"region": PEER_COMMUNITY}).status_code == 404


def test_region_dropdown_lists_only_scope(page_client):
    html = page_client("community").get("/persons/").content.decode()
    assert f'value="{GRID}"' in html and f'value="{OWNER_COMMUNITY}"' in html
    assert f'value="{PEER_COMMUNITY}"' not in html and 'value="620722102200"' not in html
    html = page_client("community").get("/persons/new/").content.decode()
    assert f'value="{GRID}"' in html and f'value="{PEER_COMMUNITY}"' not in html


def test_list_is_paginated_by_50(page_client, make_person):
    for i in range(51):
        make_person(region=GRID, name=f"居民{'甲乙丙丁戊己庚辛壬癸'[i % 10]}")
    c = page_client("community")
    r = c.get("/persons/")
    assert "共 51 人" in text_of(r) and "1 / 2" in text_of(r)
    assert r.content.decode().count('data-testid="masked-id"') == 50
    r2 = c.get("/persons/", {"page": 2})
    assert r2.content.decode().count('data-testid="masked-id"') == 1


def test_roles_without_registry_cannot_list(page_client):
    assert page_client("auditor").get("/persons/").status_code == 403
    assert page_client("org").get("/persons/").status_code == 403


# --- detail and reveal --------------------------------------------------------------

def test_detail_shows_masked_id_and_phone(page_client, owner_person):
    r = page_client("community").get(f"/persons/{owner_person.pk}/")
    assert r.status_code == 200
    html = r.content.decode()
    assert masked(owner_person.id_number) in html
    assert "138****2345" in html
    assert owner_person.id_number not in html and "13893612345" not in html
    body = text_of(r)
    assert "显示完整号码" in body
    assert f"{owner_person.birth_date:%Y-%m-%d}" in body and "男" in body
    assert "交通巷社区 · 第一网格" in body


@pytest.mark.parametrize("who", ["peer", "outsider", "auditor", "org"])
def test_detail_out_of_scope_is_404(page_client, owner_person, who):
    c = page_client(who)
    pk = owner_person.pk
    for url in (f"/persons/{pk}/", f"/persons/{pk}/edit/"):
        assert c.get(url).status_code == 404, url
    for url in (f"/persons/{pk}/reveal/", f"/persons/{pk}/life-status/", f"/persons/{pk}/tags/"):
        assert c.post(url, {}).status_code == 404, url
    assert audit_count("person.view_sensitive") == 0


def test_reveal_shows_whole_values_and_is_audited(page_client, owner_person, users):
    c = page_client("community")
    r = c.post(f"/persons/{owner_person.pk}/reveal/", headers={"HX-Request": "true"})
    assert r.status_code == 200
    html = r.content.decode()
    assert "<html" not in html  # the htmx fragment
    assert owner_person.id_number in html and "13893612345" in html
    e = AuditEntry.objects.get(action="person.view_sensitive", object_id=str(owner_person.pk))
    assert e.actor_id == users["community"].pk and e.source == "page"
    assert e.extra["fields"] == ["id_number", "phone"]
    # without htmx: the whole page with the values, audited again
    r = c.post(f"/persons/{owner_person.pk}/reveal/")
    assert r.status_code == 200 and owner_person.id_number in r.content.decode()
    assert audit_count("person.view_sensitive", object_id=str(owner_person.pk)) == 2
    # the unmasked read shows in the person's history
    assert "查看完整证件号码/手机号" in text_of(c.get(f"/persons/{owner_person.pk}/"))


def test_reveal_must_be_post(page_client, owner_person):
    assert page_client("community").get(f"/persons/{owner_person.pk}/reveal/").status_code == 405


def test_grid_member_cannot_reveal(page_client, owner_person):
    c = page_client("grid_member")
    detail = c.get(f"/persons/{owner_person.pk}/")
    assert detail.status_code == 200
    assert "显示完整号码" not in text_of(detail)
    r = c.post(f"/persons/{owner_person.pk}/reveal/", headers={"HX-Request": "true"})
    assert r.status_code == 403
    assert owner_person.id_number not in r.content.decode()
    assert "无权" in text_of(r)
    r = c.post(f"/persons/{owner_person.pk}/reveal/")
    assert r.status_code == 403 and owner_person.id_number not in r.content.decode()
    assert audit_count("person.view_sensitive") == 0


def test_detail_shows_household_tags_and_history(page_client, owner_person, users):
    admin = Actor(users["admin"], "command")
    add_tag(admin, owner_person, "disabled", valid_from=date(2020, 1, 1))
    update_person(admin, owner_person, {"address": "交通巷5号"})
    body = text_of(page_client("community").get(f"/persons/{owner_person.pk}/"))
    assert "残疾人" in body and "自 2020-01-01 起" in body
    assert "修改居民信息" in body and "住址：— → 交通巷5号" in body
    assert "登记居民" in body and "admin" in body and "命令行" in body


# --- create ---------------------------------------------------------------------------

def test_create_person(page_client, users):
    number = make_id_number(date(1975, 8, 9), 2)
    r = page_client("community").post("/persons/new/", {
        "name": "  马 · 丽  ", "id_number": number.lower(), "ethnic_group": "03", "phone": "13909361111",
        "residence_status": "registered", "region": GRID, "address": "交通巷2号", "note": ""})
    assert r.status_code == 302
    p = Person.objects.get(id_number_hash__isnull=False, name="马·丽")
    assert r["Location"] == f"/persons/{p.pk}/"
    assert p.id_number == number and p.sex == 2 and p.birth_date == date(1975, 8, 9)
    assert p.region_id == GRID and p.ethnic_group == "03"
    e = AuditEntry.objects.get(action="person.create", object_id=str(p.pk))
    assert e.source == "page" and e.actor_id == users["community"].pk


def test_create_with_wrong_check_character_shows_message_and_creates_nothing(page_client):
    good = make_id_number(date(1980, 1, 2), 1)
    wrong = good[:17] + ("0" if good[17] != "0" else "1")
    before = Person.objects.count()
    r = page_client("community").post("/persons/new/", {
        "name": "张三", "id_number": wrong, "residence_status": "registered", "region": GRID, "phone": "12345"})
    assert r.status_code == 422
    html = r.content.decode()
    body = text_of(r)
    assert f"公民身份号码校验位错误：第18位应为 {good[17]}，实为 {wrong[17]}，请核对号码" in body
    # the message sits under its field, the phone's under the phone
    assert f'data-field-error="id_number">公民身份号码校验位错误' in html
    assert 'data-field-error="phone">' in html
    assert f'value="{wrong}"' in html and 'value="张三"' in html  # input kept
    assert Person.objects.count() == before


def test_create_missing_name_and_bad_name(page_client):
    c = page_client("community")
    r = c.post("/persons/new/", {"name": "", "id_number": make_id_number(), "residence_status": "registered",
                                 "region": GRID})
    assert r.status_code == 422 and 'data-field-error="name"' in r.content.decode()
    r = c.post("/persons/new/", {"name": "张3", "id_number": make_id_number(), "residence_status": "registered",
                                 "region": GRID})
    assert r.status_code == 422 and 'data-field-error="name"' in r.content.decode()
    assert not Person.objects.filter(name__in=["张3", ""]).exists()


def test_create_duplicate_id_number(page_client, owner_person):
    r = page_client("community").post("/persons/new/", {
        "name": "张建国", "id_number": owner_person.id_number, "residence_status": "registered", "region": GRID})
    assert r.status_code == 422
    assert f"公民身份号码 {masked(owner_person.id_number)} 已登记" in text_of(r)
    assert Person.objects.filter(name="张建国").count() == 1


def test_create_in_a_region_outside_scope_creates_nothing(page_client):
    before = Person.objects.count()
    r = page_client("community").post("/persons/new/", {
        "name": "赵六", "id_number": make_id_number(), "residence_status": "registered", "region": PEER_COMMUNITY})
    assert r.status_code == 422 and 'data-field-error="region"' in r.content.decode()
    assert Person.objects.count() == before


@pytest.mark.parametrize("who", ["auditor", "org"])
def test_roles_without_edit_right_cannot_create(page_client, who):
    c = page_client(who)
    assert c.get("/persons/new/").status_code == 403
    r = c.post("/persons/new/", {"name": "赵六", "id_number": make_id_number(), "region": GRID})
    assert r.status_code == 403
    assert not Person.objects.filter(name="赵六").exists()


# --- edit -----------------------------------------------------------------------------

def test_edit_person(page_client, owner_person):
    c = page_client("community")
    form = c.get(f"/persons/{owner_person.pk}/edit/")
    html = form.content.decode()
    assert form.status_code == 200
    assert owner_person.id_number not in html  # not prefilled in clear
    assert f'placeholder="{masked(owner_person.id_number)}"' in html
    assert f'name="version" value="{owner_person.version}"' in html
    r = c.post(f"/persons/{owner_person.pk}/edit/", {
        "name": "张建国", "id_number": "", "phone": "", "ethnic_group": "48", "residence_status": "floating",
        "region": OWNER_COMMUNITY, "address": "交通巷9号", "note": "独居", "version": owner_person.version})
    assert r.status_code == 302
    p = Person.objects.get(pk=owner_person.pk)
    assert (p.ethnic_group, p.residence_status, p.region_id, p.address, p.note) == (
        "48", "floating", OWNER_COMMUNITY, "交通巷9号", "独居")
    assert p.phone == "13893612345" and p.id_number == owner_person.id_number  # blank = unchanged
    assert p.version == owner_person.version + 1
    e = AuditEntry.objects.filter(action="person.update", object_id=str(p.pk)).latest("seq")
    assert e.changes["ethnic_group"] == ["", "48"] and e.source == "page"


def test_edit_with_bad_id_keeps_input_and_changes_nothing(page_client, owner_person):
    c = page_client("community")
    r = c.post(f"/persons/{owner_person.pk}/edit/", {
        "name": "张建国", "id_number": "62070219800517", "residence_status": "registered", "region": GRID,
        "address": "新地址", "version": owner_person.version})
    assert r.status_code == 422
    assert 'data-field-error="id_number"' in r.content.decode()
    assert 'value="新地址"' in r.content.decode()
    p = Person.objects.get(pk=owner_person.pk)
    assert p.address == "" and p.version == owner_person.version


def test_edit_conflict_asks_to_reload(page_client, owner_person, users):
    stale = owner_person.version
    update_person(Actor(users["admin"], "command"), owner_person, {"address": "别人改的"})
    r = page_client("community").post(f"/persons/{owner_person.pk}/edit/", {
        "name": "张建国", "residence_status": "registered", "region": GRID, "address": "我改的", "version": stale})
    assert r.status_code == 409
    body = text_of(r)
    assert "已被他人修改" in body and "请刷新后重新修改" in body and "重新载入最新信息" in body
    assert Person.objects.get(pk=owner_person.pk).address == "别人改的"


def test_grid_member_edits_in_own_grid(page_client, owner_person):
    r = page_client("grid_member").post(f"/persons/{owner_person.pk}/edit/", {
        "name": "张建国", "residence_status": "registered", "region": GRID, "address": "网格员核实",
        "version": owner_person.version})
    assert r.status_code == 302
    assert Person.objects.get(pk=owner_person.pk).address == "网格员核实"


# --- tags and life status ---------------------------------------------------------------

def test_add_and_end_tag(page_client, owner_person):
    c = page_client("community")
    r = c.post(f"/persons/{owner_person.pk}/tags/", {"kind": "empty_nest_elderly", "valid_from": "2024-01-01"})
    assert r.status_code == 302
    tag = PersonTag.objects.get(person=owner_person, kind_id="empty_nest_elderly")
    assert tag.valid_from == date(2024, 1, 1) and tag.valid_to is None
    r = c.post(f"/persons/{owner_person.pk}/tags/{tag.pk}/end/", {"valid_to": "2023-12-01"})
    assert r.status_code == 302
    assert "截止日期不能早于起始日期" in text_of(c.get(f"/persons/{owner_person.pk}/"))
    r = c.post(f"/persons/{owner_person.pk}/tags/{tag.pk}/end/", {"valid_to": "2024-06-30"})
    tag.refresh_from_db()
    assert tag.valid_to == date(2024, 6, 30)
    assert audit_count("person.tag_end", object_id=str(owner_person.pk)) == 1


def test_add_tag_without_kind_shows_message(page_client, owner_person):
    r = page_client("community").post(f"/persons/{owner_person.pk}/tags/", {"kind": ""})
    assert r.status_code == 422 and "这个字段是必填项" in text_of(r)
    assert not PersonTag.objects.filter(person=owner_person).exists()


def test_end_tag_of_another_person_is_404(page_client, owner_person, make_person, users):
    other = make_person(region=PEER_COMMUNITY, name="赵敏")
    tag = add_tag(Actor(users["admin"], "command"), other, "disabled")
    r = page_client("community").post(f"/persons/{owner_person.pk}/tags/{tag.pk}/end/", {})
    assert r.status_code == 404


def test_life_status_change(page_client, owner_person):
    c = page_client("community")
    r = c.post(f"/persons/{owner_person.pk}/life-status/", {"life_status": "deceased", "life_status_date": "",
                                                              "version": owner_person.version})
    assert r.status_code == 422 and "请填写死亡或迁出日期" in text_of(r)
    r = c.post(f"/persons/{owner_person.pk}/life-status/", {"life_status": "deceased",
                                                              "life_status_date": "2025-03-04",
                                                              "version": owner_person.version})
    assert r.status_code == 302
    p = Person.objects.get(pk=owner_person.pk)
    assert p.life_status == "deceased" and p.life_status_date == date(2025, 3, 4)
    body = text_of(c.get(f"/persons/{owner_person.pk}/"))
    assert "人员状态：在世 → 已故" in body


def test_history_of_a_person_imported_with_tags_names_the_tags(page_client, users):
    """A roster import records person.create with ``"tags": [None, [codes]]`` (the key is
    a reverse relation of Person, which has no verbose name): the person page shows it as
    人员类别 with the tag's name (it answered 500 before; found by ``make loadtest``)."""
    from jiayuan.demodata import Generator, roster_rows
    from jiayuan.imports import services as import_services
    from jiayuan.imports.export import stream_xlsx
    from jiayuan.regions.models import Region

    household = Generator(3).village_households(OWNER_COMMUNITY, "交通巷社区", [GRID], 1, "交通巷社区")[0]
    for m in household.members:
        m.tags = []
    household.members[0].tags = ["disabled"]
    rows = roster_rows([household], {GRID: "第一网格"}, {"disabled": "残疾人"})
    data = b"".join(stream_xlsx(rows, sheet_name="居民花名册")[1])
    job = import_services.create_job(Actor(users["community"], "command"), Region.objects.get(code=OWNER_COMMUNITY),
                                     "花名册.xlsx", data, store_file=False)
    assert import_services.run_import(job, data).job.created == len(rows)
    person = PersonTag.objects.get(kind_id="disabled", person__region_id=GRID).person
    r = page_client("community").get(f"/persons/{person.pk}/")
    assert r.status_code == 200
    entry = AuditEntry.objects.get(action="person.create", object_id=str(person.pk))
    assert entry.changes["tags"] == [None, ["disabled"]]
    text = text_of(r)
    assert "人员类别" in text and "残疾人" in text
