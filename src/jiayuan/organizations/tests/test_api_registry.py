"""The registry's endpoints beyond ``/organizations``: annual inspections, ratings,
activities, community organizations' filings (the community's first check, the
street's decision), incubation bases (admit, services, release) — scoped as the pages
(out of scope: 404), refused to roles without the right (403), state errors 409."""

import pytest
from django.utils import timezone

pytestmark = pytest.mark.django_db

J = "application/json"


def post(client, url, body=None):
    return client.post(url, body or {}, content_type=J)


def test_inspections_ratings_and_activities(api_client, orgs):
    county, org = api_client("county"), api_client("org")
    home = orgs["home"].pk
    year = timezone.localdate().year - 1
    body = {"year": year, "result": "qualified", "concluded_on": timezone.localdate().isoformat()}
    assert post(org, f"/api/v1/organizations/{home}/inspections", body).status_code == 403
    r = post(county, f"/api/v1/organizations/{home}/inspections", body)
    assert r.status_code == 201 and r.json()["year"] == year
    r = post(county, f"/api/v1/organizations/{home}/inspections", body)
    assert r.status_code == 409 and r.json()["error"]["code"] == "inspection.duplicate"
    assert len(org.get(f"/api/v1/organizations/{home}/inspections").json()) == 1
    r = post(county, f"/api/v1/organizations/{home}/ratings", {"grade": 4, "rated_on": "2024-03-01"})
    assert r.status_code == 201 and r.json()["valid_until"] == "2029-02-28"   # five years, to the day before
    assert county.get(f"/api/v1/organizations/{home}").json()["grade"] == 4
    # the organization's own staff record its activities; another organization is not visible to them
    r = post(org, f"/api/v1/organizations/{home}/activities",
             {"title": "助老志愿服务日", "held_on": timezone.localdate().isoformat(), "participants": 30})
    assert r.status_code == 201
    assert org.get(f"/api/v1/organizations/{orgs['rival'].pk}/activities").status_code == 404


def test_a_filing_through_the_community_and_the_street(api_client, users):
    community, township, county = api_client("community"), api_client("township"), api_client("county")
    body = {"name": "交通巷社区夕阳红文艺队", "community": "620702001001", "charter": "第一条 宗旨",
            "members": "甲某\n乙某\n丙某", "responsible_person": "甲某"}
    r = post(community, "/api/v1/organization-filings", body)
    assert r.status_code == 201, r.content
    f = r.json()
    assert f["status"] == "submitted"
    # the street cannot decide before the community's check; the peer community does not see it
    assert post(township, f"/api/v1/organization-filings/{f['id']}/decide", {"passed": True}).status_code == 409
    assert api_client("peer").get(f"/api/v1/organization-filings/{f['id']}").status_code == 404
    assert post(community, f"/api/v1/organization-filings/{f['id']}/check", {"passed": True, "note": "材料齐全"}).json()[
        "status"] == "checked"
    assert post(community, f"/api/v1/organization-filings/{f['id']}/decide", {"passed": True}).status_code == 403
    r = post(township, f"/api/v1/organization-filings/{f['id']}/decide", {"passed": True, "note": "同意"})
    assert r.status_code == 200 and r.json()["status"] == "approved" and r.json()["filing_number"]
    assert [s["to"] for s in r.json()["steps"]] == ["submitted", "checked", "approved"]
    assert [x["id"] for x in county.get("/api/v1/organization-filings?status=approved").json()] == [f["id"]]


def test_incubation_through_the_api(api_client, orgs):
    county = api_client("county")
    r = post(county, "/api/v1/incubation-bases", {"name": "甘州区社会组织孵化基地", "region": "620702",
                                                   "operator": orgs["home"].pk, "floor_area": "600"})
    assert r.status_code == 201, r.content
    base = r.json()["id"]
    today = timezone.localdate().isoformat()
    r = post(county, f"/api/v1/incubation-bases/{base}/incubations", {"organization": orgs["rival"].pk, "entered_on": today})
    assert r.status_code == 201
    inc = r.json()["incubations"][0]["id"]
    r = post(county, f"/api/v1/incubation-bases/{base}/incubations", {"organization": orgs["rival"].pk, "entered_on": today})
    assert r.status_code == 409 and r.json()["error"]["code"] == "incubation.open"
    assert post(county, f"/api/v1/incubations/{inc}/services",
                {"kind": "training", "provided_on": today, "hours": "6"}).status_code == 201
    r = post(county, f"/api/v1/incubations/{inc}/release", {"exited_on": today, "outcome": "graduated"})
    assert r.status_code == 200 and r.json()["outcome"] == "graduated"
    got = county.get(f"/api/v1/incubation-bases/{base}").json()["incubations"][0]
    assert got["services"] == 1 and got["exited_on"] == today
    # a county outside: not found
    assert api_client("outsider").get(f"/api/v1/incubation-bases/{base}").status_code == 404
