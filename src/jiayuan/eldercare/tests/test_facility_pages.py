"""Facility pages and API: register, assign, subsidy, attendance, coverage, exports."""

from urllib.parse import unquote

import pytest

from jiayuan.conftest import OWNER_COMMUNITY, PEER_COMMUNITY
from jiayuan.eldercare.models import CheckIn, DayCareCenter, FacilityAssignment

pytestmark = pytest.mark.django_db


def post(client, url, body):
    return client.post(url, body, content_type="application/json")


@pytest.fixture
def center(api_client):
    r = post(api_client("county"), "/api/v1/eldercare/facilities", {
        "kind": "day_care", "name": "交通巷社区日间照料中心", "region": OWNER_COMMUNITY, "floor_area": "420.00",
        "seats": 40, "beds": 6, "opened_on": "2023-05-01", "services": ["meals", "rest"]})
    assert r.status_code == 201, r.content
    return DayCareCenter.objects.get(pk=r.json()["id"])


def test_register_assign_and_read_coverage_through_the_api(api_client, center):
    c = api_client("county")
    r = post(c, f"/api/v1/eldercare/facilities/{center.pk}/assignments", {"region": PEER_COMMUNITY,
                                                                           "start": "2024-01-01"})
    assert r.status_code == 201 and [a["region"] for a in r.json()["assignments"]] == [PEER_COMMUNITY]
    cov = c.get("/api/v1/eldercare/coverage", {"region": "620702001", "on": "2025-01-01"}).json()
    assert cov["urban_served"] == 1 and cov["urban_total"] >= 2
    bad = post(c, "/api/v1/eldercare/facilities", {"kind": "day_care", "name": "x", "region": OWNER_COMMUNITY,
                                                   "floor_area": 12.5})
    assert bad.status_code == 422 and "floor_area" in bad.json()["error"]["fields"]


def test_subsidy_and_attendance_through_the_api(api_client, center, make_person):
    from datetime import date

    c = api_client("county")
    r = post(c, f"/api/v1/eldercare/facilities/{center.pk}/subsidies", {
        "year": 2025, "kind": "operating", "amount": "30000.00", "source": "县级财政", "approval": "甘州民〔2025〕8号",
        "approved_on": "2025-03-01"})
    assert r.status_code == 201 and r.json()["subsidies"][0]["amount"] == "30000.00"
    elder = make_person(name="马秀英", birth=date(1944, 2, 2))
    w = api_client("community")
    r = post(w, f"/api/v1/eldercare/facilities/{center.pk}/attendance", {"day": "2025-06-02", "person": elder.pk})
    assert r.status_code == 200 and r.json()["person_visits"] == 1
    r = post(w, f"/api/v1/eldercare/facilities/{center.pk}/attendance", {"day": "2025-06-02", "count": 20})
    assert r.json()["person_visits"] == 21  # 1 named + 20 counted
    assert post(w, f"/api/v1/eldercare/facilities/{center.pk}/subsidies", {}).status_code == 403


def test_the_pages_and_exports(page_client, center, users):
    FacilityAssignment.objects.create(facility=center, region_id=OWNER_COMMUNITY, start="2023-05-01")
    c = page_client("county")
    assert "交通巷社区日间照料中心" in c.get("/eldercare/facilities/").content.decode()
    detail = c.get(f"/eldercare/facilities/{center.pk}/").content.decode()
    assert 'data-testid="assignments"' in detail and "交通巷社区" in detail
    r = c.get("/eldercare/facilities/export/")
    assert r.status_code == 200 and "甘州区-日间照料设施-" in unquote(r["Content-Disposition"])
    cov = c.get("/eldercare/coverage/?region=620702001")
    assert cov.status_code == 200 and 'data-testid="urban"' in cov.content.decode()
    r = c.get("/eldercare/coverage/export/?region=620702001")
    assert r.status_code == 200 and "东街街道-日间照料覆盖率-" in unquote(r["Content-Disposition"])
    assert page_client("grid_member").get("/eldercare/facilities/").status_code == 403


def test_a_form_round_trip(page_client, users):
    c = page_client("county")
    assert c.get("/eldercare/facilities/new/").status_code == 200
    r = c.post("/eldercare/facilities/new/", {"kind": "mutual_aid", "name": "新建村幸福院", "region": OWNER_COMMUNITY,
                                              "floor_area": "150", "seats": "20", "beds": "0",
                                              "opened_on": "2024-09-01", "services": ["meals", "recreation"]})
    assert r.status_code == 302, r.content.decode()[:3000]
    f = DayCareCenter.objects.get(name="新建村幸福院")
    assert f.services == ["meals", "recreation"]
    r = c.post(f"/eldercare/facilities/{f.pk}/assign/", {"region": PEER_COMMUNITY, "start": "2024-09-01"})
    assert r.status_code == 302
    w = page_client("community")
    r = w.post(f"/eldercare/facilities/{f.pk}/attendance/", {"day": "2024-09-02", "count": "7"})
    assert r.status_code == 302
    assert not CheckIn.objects.exists()


def test_the_person_page_shows_the_facility_attended(api_client, page_client, center, make_person):
    from datetime import date, timedelta

    elder = make_person(name="马秀英", birth=date(1944, 2, 2))
    day = (date.today() - timedelta(days=3)).isoformat()
    post(api_client("community"), f"/api/v1/eldercare/facilities/{center.pk}/attendance", {"day": day,
                                                                                            "person": elder.pk})
    html = page_client("community").get(f"/persons/{elder.pk}/").content.decode()
    assert 'data-testid="attended"' in html and "交通巷社区日间照料中心" in html and day in html
