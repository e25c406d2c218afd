"""Facilities: services (scope, rooms fit, conflict, audit), coverage worked by hand on
东街街道 and 梁家墩镇, the API and the pages."""

from decimal import Decimal as D
from urllib.parse import unquote

import pytest

from jiayuan.audit.models import AuditEntry
from jiayuan.audit.services import Actor
from jiayuan.errors import Conflict, Forbidden, NotFound, ValidationFailed
from jiayuan.facilities import selectors, services
from jiayuan.facilities.models import ServiceFacility
from jiayuan.regions.models import Region

from .conftest import DONGJIE, GANQUAN, JIAOTONGXIANG, LIANGJIADUN, LIANGJIADUN_VILLAGE

pytestmark = pytest.mark.django_db


def test_a_community_worker_records_a_facility_of_its_community_with_an_audit_entry(users):
    f = services.create_facility(Actor(users["community"], "page"), {
        "name": "交通巷社区综合服务中心", "region": JIAOTONGXIANG, "address": "甘州区交通巷1号",
        "floor_area": "620.5", "opening_hours": "周一至周日 8:30—18:00", "opened_on": "2018-06-01"})
    assert f.floor_area == D("620.50") and f.status == "in_use" and str(f.opened_on) == "2018-06-01"
    entry = AuditEntry.objects.get(action="facility.create", object_id=str(f.pk))
    assert entry.region_code == JIAOTONGXIANG and entry.changes["floor_area"][1] == "620.50"


def test_a_facility_elsewhere_is_refused_as_not_found(users):
    with pytest.raises(ValidationFailed) as e:
        services.create_facility(Actor(users["community"], "page"), {
            "name": "甘泉中心", "region": GANQUAN, "address": "x", "floor_area": "100"})
    assert e.value.fields["region"][0]["code"] == "region.not_found"


def test_every_wrong_field_is_reported_at_once(users):
    with pytest.raises(ValidationFailed) as e:
        services.create_facility(Actor(users["county"], "page"), {
            "name": "", "region": DONGJIE, "address": "", "floor_area": "-1"})
    codes = {k: v[0]["code"] for k, v in e.value.fields.items()}
    assert codes == {"name": "name.missing", "address": "address.missing", "region": "region.level",
                     "floor_area": "floor_area.not_positive"}


def test_a_grid_member_may_not_record_facilities(users):
    with pytest.raises(Forbidden):
        services.create_facility(Actor(users["grid_member"], "page"), {
            "name": "x", "region": JIAOTONGXIANG, "address": "x", "floor_area": "1"})


def test_rooms_fill_the_facility_but_never_overflow_it(users, facility):
    f = facility(JIAOTONGXIANG, "300")
    a = Actor(users["community"], "page")
    services.add_room(a, f, {"name": "日间照料室", "function": "elderly_care", "floor_area": "120"})
    services.add_room(a, f, {"name": "农家书屋", "function": "reading", "floor_area": "180"})
    with pytest.raises(ValidationFailed) as e:
        services.add_room(a, f, {"name": "健身室", "function": "fitness", "floor_area": "0.01"})
    assert e.value.code == "room.area_exceeds"
    f = selectors.get_facility(users["community"], f.pk)
    assert selectors.functions_of(f) == ["养老服务（日间照料）", "阅览室（农家书屋）"]
    assert selectors.rooms_area(f) == D("300.00")
    # shrinking the floor area below its rooms is refused too
    with pytest.raises(ValidationFailed) as e:
        services.update_facility(a, f, {"floor_area": "299.99"})
    assert e.value.code == "room.area_exceeds"


def test_a_stale_edit_is_a_conflict(users, facility):
    f = facility(JIAOTONGXIANG, "300")
    a = Actor(users["community"], "page")
    services.update_facility(a, f, {"opening_hours": "8:00—20:00"}, version=1)
    with pytest.raises(Conflict):
        services.update_facility(a, f, {"opening_hours": "9:00—17:00"}, version=1)


def test_a_peer_community_does_not_see_the_facility(users, facility):
    f = facility(JIAOTONGXIANG, "300")
    with pytest.raises(NotFound):
        selectors.get_facility(users["peer"], f.pk)
    assert selectors.get_facility(users["township"], f.pk) == f


def test_dongjie_coverage_worked_by_hand(users, dongjie):
    region = Region.objects.get(code=DONGJIE)
    report = selectors.coverage_report(users["township"], region)
    u = report.total.urban
    # 交通巷 (450 m² in use; the closed 150 m² does not count) and 甘泉 (300 m²): 2 of 5 → 40.0 %
    assert (u.units, u.covered, u.coverage, u.facilities) == (5, 2, D("40.0"), 2)
    # 750 m² for 3 + 7 = 10 households: 750 / 10 × 100 = 7500.00 m² per 100 households
    assert (u.area, u.households, u.per_100, u.meets_target) == (D("750.00"), 10, D("7500.00"), True)
    assert report.total.rural.units == 0 and report.total.rural.coverage is None
    assert [r.code for r in report.uncovered] == ["620702001006", "620702001007", "620702001008"]
    rows = {r.region.code: r for r in report.rows}
    assert len(rows) == 5 and rows[JIAOTONGXIANG].urban.per_100 == D("15000.00")  # 450 / 3 × 100
    assert rows[GANQUAN].urban.per_100 == D("4285.71")  # 300 / 7 × 100 = 4285.714…


def test_village_coverage_and_the_county_rolls_both_up(users, households, facility, dongjie):
    households(LIANGJIADUN_VILLAGE, 5)
    facility(LIANGJIADUN_VILLAGE, "80", name="梁家墩村综合服务中心")
    town = selectors.coverage_report(users["county"], Region.objects.get(code=LIANGJIADUN))
    v = town.total.rural
    # 1 of the town's 10 villages: 10.0 %; 80 m² for 5 households → 1600.00
    assert (v.units, v.covered, v.coverage, v.area, v.per_100) == (10, 1, D("10.0"), D("80.00"), D("1600.00"))
    county = selectors.coverage_report(users["county"], Region.objects.get(code="620702"))
    assert county.total.urban.covered == 2 and county.total.rural.covered == 1
    assert county.total.urban.area == D("750.00") and county.total.rural.area == D("80.00")
    by_code = {r.region.code: r for r in county.rows}
    assert by_code[DONGJIE].urban.covered == 2 and by_code[LIANGJIADUN].rural.covered == 1


def test_a_region_outside_the_scope_has_no_coverage(users):
    with pytest.raises(NotFound):
        selectors.get_region(users["community"], DONGJIE)


# --- API ---------------------------------------------------------------------------------------

def test_api_records_a_facility_and_a_room(api_client):
    c = api_client("community")
    r = c.post("/api/v1/facilities", {"name": "交通巷社区综合服务中心", "region": JIAOTONGXIANG,
                                      "address": "交通巷1号", "floor_area": "500"}, content_type="application/json")
    assert r.status_code == 201, r.content
    fid = r.json()["id"]
    r = c.post(f"/api/v1/facilities/{fid}/rooms", {"name": "一站式服务大厅", "function": "one_stop", "floor_area": "200"},
               content_type="application/json")
    assert r.status_code == 201 and r.json()["functions"] == ["一站式服务大厅"] and r.json()["version"] == 2
    r = c.patch(f"/api/v1/facilities/{fid}", {"floor_area": "150", "version": 2}, content_type="application/json")
    assert r.status_code == 422 and r.json()["error"]["code"] == "room.area_exceeds"
    assert api_client("peer").get(f"/api/v1/facilities/{fid}").status_code == 404


def test_api_422_for_a_bad_area(api_client):
    r = api_client("community").post("/api/v1/facilities", {"name": "x", "region": JIAOTONGXIANG, "address": "x",
                                                            "floor_area": "0"}, content_type="application/json")
    assert r.status_code == 422 and r.json()["error"]["fields"]["floor_area"][0]["code"] == "floor_area.not_positive"


def test_api_coverage_of_dongjie(api_client, dongjie):
    r = api_client("township").get("/api/v1/facilities/coverage")
    assert r.status_code == 200
    d = r.json()
    assert d["region"] == DONGJIE and d["urban"]["covered"] == 2 and d["urban"]["coverage"] == "40.0"
    assert d["urban"]["per_100_households"] == "7500.00" and len(d["children"]) == 5
    assert api_client("community").get(f"/api/v1/facilities/coverage?region={DONGJIE}").status_code == 404


def test_api_export_has_a_chinese_file_name(api_client, dongjie):
    r = api_client("township").get("/api/v1/facilities?format=xlsx")
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "东街街道-综合服务设施-" in unquote(r["Content-Disposition"])


def test_roles_without_the_right_get_403(api_client):
    assert api_client("org").get("/api/v1/facilities").status_code == 403


# --- pages -------------------------------------------------------------------------------------

def test_pages_list_detail_coverage_and_export(page_client, dongjie):
    c = page_client("township")
    r = c.get("/facilities/")
    assert r.status_code == 200 and "交通巷社区综合服务中心" in r.content.decode()
    r = c.get(f"/facilities/{dongjie.pk}/")
    assert r.status_code == 200 and "450.00" in r.content.decode()
    r = c.get("/facilities/coverage/")
    assert r.status_code == 200 and "7500.00" in r.content.decode()
    r = c.get("/facilities/coverage/?format=xlsx")
    assert "东街街道-设施覆盖情况-" in unquote(r["Content-Disposition"])
    assert page_client("peer").get(f"/facilities/{dongjie.pk}/").status_code == 404


def test_page_form_records_a_facility_and_shows_errors(page_client):
    c = page_client("community")
    r = c.post("/facilities/new/", {"name": "", "region": JIAOTONGXIANG, "address": "x", "floor_area": "abc",
                                    "status": "in_use"})
    assert r.status_code == 422 and "面积应为数字" in r.content.decode()
    r = c.post("/facilities/new/", {"name": "交通巷中心", "region": JIAOTONGXIANG, "address": "交通巷1号",
                                    "floor_area": "300", "status": "in_use"})
    assert r.status_code == 302
    f = ServiceFacility.objects.get(name="交通巷中心")
    r = c.post(f"/facilities/{f.pk}/rooms/", {"name": "书屋", "function": "reading", "floor_area": "400"})
    assert r.status_code == 422 and "超过设施建筑面积" in r.content.decode()
