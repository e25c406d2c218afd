"""The fields of the residents a contract lets the organization read (issue 14): the
county chooses them from an allowed list (default: name, community, masked phone) on
the contract or later; the staff read exactly those — the address only where it is
granted — each read audited, only while the project is active."""

import pytest
from django.utils import timezone

from jiayuan.audit.models import AuditEntry
from jiayuan.errors import ValidationFailed
from jiayuan.organizations.models import ServiceProject
from jiayuan.organizations.services import projects as ps
from jiayuan.people.models import PersonTag, TagKind

from .test_projects import contracted

pytestmark = pytest.mark.django_db

J = "application/json"


@pytest.fixture
def project(users, call, orgs):
    p = contracted(users, call, orgs)
    ServiceProject.objects.filter(pk=p.pk).update(resident_access=True)
    p.refresh_from_db()
    return p


@pytest.fixture
def elder(make_person):
    from datetime import date

    person = make_person(name="王秀英", phone="13812345678", address="甘州区东街12号", birth=date(1950, 1, 1),
                         sex_for_id=2)
    kind = TagKind.objects.create(code="orgfix_alone", name="独居老人")
    PersonTag.objects.create(person=person, kind=kind, region=person.region, valid_from=date(2020, 1, 1))
    return person


def test_the_default_is_name_community_and_masked_phone(project):
    assert project.resident_fields == ["name", "region", "phone_masked"]


def test_the_allowed_list_in_its_order_with_the_name_always(project):
    assert ps.clean_resident_fields(["address", "phone_masked", "address"]) == ["name", "phone_masked", "address"]
    with pytest.raises(ValidationFailed) as e:
        ps.clean_resident_fields(["address", "id_number"])
    assert e.value.code == "resident_fields.invalid"
    with pytest.raises(ValidationFailed):
        ps.clean_resident_fields("address")


def test_the_address_is_shown_only_where_the_contract_grants_it(api_client, page_client, project, elder):
    county, org = api_client("county"), api_client("org")
    url = f"/api/v1/service-projects/{project.pk}/residents"
    assert county.post(url, {"person": elder.pk}, content_type=J).status_code == 201
    row = org.get(url).json()[0]
    assert row["name"] == "王秀英" and row["phone_masked"] == "138****5678"
    assert row["address"] is None and row["phone"] is None and row["age"] is None
    html = page_client("org").get(f"/organizations/projects/{project.pk}/").content.decode()
    assert "138****5678" in html and "甘州区东街12号" not in html

    fields_url = f"/api/v1/service-projects/{project.pk}/resident-fields"
    assert org.put(fields_url, {"fields": ["address"]}, content_type=J).status_code == 403
    r = county.put(fields_url, {"fields": ["id_number"]}, content_type=J)
    assert r.status_code == 422 and r.json()["error"]["fields"]["resident_fields"][0]["code"] == "resident_fields.invalid"
    r = county.put(fields_url, {"fields": ["categories", "address", "age", "sex", "phone"]}, content_type=J)
    assert r.status_code == 200, r.content
    assert r.json()["fields"] == ["name", "phone", "address", "age", "sex", "categories"]
    row = org.get(url).json()[0]
    age = timezone.localdate().year - 1950   # born 1 January 1950: the birthday of this year has passed
    assert (row["address"], row["phone"], row["age"], row["sex"], row["categories"]) == (
        "甘州区东街12号", "13812345678", age, "女", ["独居老人"])
    assert row["region"] is None and row["phone_masked"] is None   # no longer granted
    entry = AuditEntry.objects.filter(action="project.residents_read").latest("id")
    assert entry.extra["fields"] == ["name", "phone", "address", "age", "sex", "categories"]
    assert AuditEntry.objects.filter(action="project.resident_fields").count() == 1
    before = AuditEntry.objects.filter(action="project.residents_read").count()
    html = page_client("org").get(f"/organizations/projects/{project.pk}/").content.decode()
    assert "甘州区东街12号" in html and "独居老人" in html
    assert AuditEntry.objects.filter(action="project.residents_read").count() == before + 1
    # the project closes: nothing, and the fields can no longer be changed
    ServiceProject.objects.filter(pk=project.pk).update(status="closed")
    assert org.get(url).status_code == 403
    r = county.put(fields_url, {"fields": ["name"]}, content_type=J)
    assert r.status_code == 409 and r.json()["error"]["code"] == "project.state"


def test_the_county_changes_the_fields_on_the_project_page(page_client, project):
    c = page_client("county")
    r = c.post(f"/organizations/projects/{project.pk}/", {"action": "resident_fields", "fields_": ["name", "address"]})
    assert r.status_code == 302
    project.refresh_from_db()
    assert project.resident_fields == ["name", "address"]
