"""Residents' access through a project contract (issue 14: "they see residents only where
a contract entitles them, and then only the fields the service needs"): the county names
the residents of a project whose contract says so; the organization's staff then read
their name, community and masked phone — nothing else, each read audited — and nothing
once the entitlement ends, the project closes, or for a contract that does not say so."""

import pytest

from jiayuan.audit.models import AuditEntry
from jiayuan.conftest import OUTSIDE_VILLAGE
from jiayuan.organizations.models import ServiceProject

from .test_projects import contracted

pytestmark = pytest.mark.django_db

J = "application/json"


@pytest.fixture
def project(users, call, orgs):
    p = contracted(users, call, orgs)
    ServiceProject.objects.filter(pk=p.pk).update(resident_access=True)
    p.refresh_from_db()
    return p


def test_org_staff_read_only_the_named_residents_and_only_the_fields_the_service_needs(
        api_client, page_client, project, make_person):
    elder = make_person(name="王秀英", phone="13812345678")
    make_person(name="李大山")  # in the same community, not named: never shown
    county, org = api_client("county"), api_client("org")
    url = f"/api/v1/service-projects/{project.pk}/residents"
    assert org.get(url).json() == []
    r = county.post(url, {"person": elder.pk}, content_type=J)
    assert r.status_code == 201, r.content
    assert county.post(url, {"person": elder.pk}, content_type=J).json()["error"]["code"] == "beneficiary.exists"
    # the organization may not name residents itself
    assert org.post(url, {"person": elder.pk}, content_type=J).status_code in (403, 404)
    rows = org.get(url).json()
    assert len(rows) == 1
    row = rows[0]
    assert row["name"] == "王秀英" and row["phone_masked"] == "138****5678" and row["person"] is None
    assert "id_number" not in str(rows) and "13812345678" not in str(rows) and "1980" not in str(rows)
    entry = AuditEntry.objects.filter(action="project.residents_read").latest("id")
    assert entry.extra["persons"] == [elder.pk] and entry.extra["fields"] == ["name", "region", "phone_masked"]
    # the page shows the same three fields, audited too
    before = AuditEntry.objects.filter(action="project.residents_read").count()
    html = page_client("org").get(f"/organizations/projects/{project.pk}/").content.decode()
    assert "王秀英" in html and "138****5678" in html and "李大山" not in html
    assert AuditEntry.objects.filter(action="project.residents_read").count() == before + 1
    # the entitlement ends: the organization sees no one
    rid = row["id"]
    assert county.post(f"{url}/{rid}/end", {}, content_type=J).status_code == 200
    assert org.get(url).json() == []


def test_without_the_contract_clause_nobody_is_named_and_the_staff_see_nothing(
        api_client, users, call, orgs, make_person):
    project = contracted(users, call, orgs)   # resident_access False
    elder = make_person(name="王秀英")
    url = f"/api/v1/service-projects/{project.pk}/residents"
    r = api_client("county").post(url, {"person": elder.pk}, content_type=J)
    assert r.status_code == 409 and r.json()["error"]["code"] == "project.no_resident_access"
    r = api_client("org").get(url)
    assert r.status_code == 403 and r.json()["error"]["code"] == "project.no_resident_access"


def test_a_resident_outside_the_area_or_the_scope_cannot_be_named(api_client, project, make_person):
    url = f"/api/v1/service-projects/{project.pk}/residents"
    far = make_person(region=OUTSIDE_VILLAGE, name="赵远")
    r = api_client("county").post(url, {"person": far.pk}, content_type=J)
    # outside 甘州区: outside the county's scope too, so it is not found
    assert r.status_code == 404
    # the city reads the person, but the project serves 甘州区 only
    r = api_client("city").post(url, {"person": far.pk}, content_type=J)
    assert r.status_code == 422 and r.json()["error"]["fields"]["person"][0]["code"] == "person.out_of_area"
    # a township's officer (no manage_projects) cannot name anyone
    near = make_person(name="钱近")
    assert api_client("township").post(url, {"person": near.pk}, content_type=J).status_code in (403, 404)


def test_a_closed_project_shows_no_resident(api_client, project, make_person):
    elder = make_person(name="王秀英")
    url = f"/api/v1/service-projects/{project.pk}/residents"
    assert api_client("county").post(url, {"person": elder.pk}, content_type=J).status_code == 201
    ServiceProject.objects.filter(pk=project.pk).update(status="closed")
    assert api_client("org").get(url).status_code == 403
