"""Attacks on the registry, incubation and residents named through a contract that once
got through (each test failed before its fix): page ids that are no number (a 500),
whole numbers given with a fraction and cut (grade 4.7 → 4A), days to come for what
already happened, a service outside the incubation, a resident leaving before joining."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from jiayuan.organizations.models import (
    AnnualInspection, CommunityFiling, Incubation, IncubationService, OrganizationActivity, OrganizationRating,
    ProjectBeneficiary, ServiceProject,
)
from jiayuan.organizations.services import registry as rs

from .conftest import act
from .test_attack import code, post
from .test_projects import contracted

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("action,field", [("release", "instalment"), ("resident_end", "beneficiary")])
def test_a_project_page_step_naming_an_id_that_is_no_number_is_404_not_500(page_client, users, call, orgs, action,
                                                                            field):
    project = contracted(users, call, orgs)
    for value in ("abc", ""):
        r = page_client("county").post(f"/organizations/projects/{project.pk}/",
                                       {"action": action, field: value, "decision_ref": "甘区民发〔2026〕9号"})
        assert r.status_code == 404


def test_a_proposal_page_objection_id_that_is_no_number_is_404_not_500(page_client, users, call, orgs):
    project = contracted(users, call, orgs)
    r = page_client("county").post(f"/organizations/proposals/{project.proposal_id}/",
                                   {"action": "resolve", "objection": "abc", "upheld": "no", "resolution": "x"})
    assert r.status_code == 404


def test_whole_numbers_given_with_a_fraction_are_refused_not_cut(api_client, orgs):
    county, oid = api_client("county"), orgs["home"].pk
    r = post(county, f"/api/v1/organizations/{oid}/ratings", {"grade": 4.7, "rated_on": "2025-01-01"})
    assert r.status_code == 422 and code(r) == "grade.range"        # not a 4A rating
    r = post(county, f"/api/v1/organizations/{oid}/inspections",
             {"year": 2024.6, "result": "qualified", "concluded_on": "2025-01-01"})
    assert r.status_code == 422 and code(r) == "year.format"
    r = post(county, f"/api/v1/organizations/{oid}/activities",
             {"title": "重阳节敬老活动", "held_on": "2025-01-01", "participants": 2.5})
    assert r.status_code == 422 and code(r) == "participants.range"
    assert not (OrganizationRating.objects.exists() or AnnualInspection.objects.exists()
                or OrganizationActivity.objects.exists())
    # whole numbers still pass, also as 5.0
    r = post(county, f"/api/v1/organizations/{oid}/ratings", {"grade": 5.0, "rated_on": "2025-01-01"})
    assert r.status_code == 201 and r.json()["grade"] == 5


def test_filings_and_incubation_are_not_dated_in_the_future_and_services_fall_in_the_incubation(api_client, users,
                                                                                                orgs):
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    r = post(api_client("community"), "/api/v1/organization-filings",
             {"name": "交通巷社区合唱团", "community": "620702001001", "charter": "章程", "members": "甲\n乙\n丙",
              "responsible_person": "赵丽", "filed_on": tomorrow})
    assert r.status_code == 422 and code(r) == "filed_on.future"
    assert not CommunityFiling.objects.exists()
    county = api_client("county")
    base = rs.create_base(act(users["county"]), name="甘州区社会组织孵化基地", region="620702")
    r = post(county, f"/api/v1/incubation-bases/{base.pk}/incubations",
             {"organization": orgs["home"].pk, "entered_on": tomorrow})
    assert r.status_code == 422 and code(r) == "entered_on.future"
    inc = rs.admit(act(users["county"]), base, orgs["home"], date(2025, 3, 1))
    for day, expected in (("2025-02-28", "provided_on.outside_incubation"), (tomorrow, "provided_on.future")):
        r = post(county, f"/api/v1/incubations/{inc.pk}/services", {"kind": "training", "provided_on": day, "hours": 2})
        assert r.status_code == 422 and code(r) == expected
    assert not IncubationService.objects.exists()
    r = post(county, f"/api/v1/incubations/{inc.pk}/release", {"exited_on": tomorrow, "outcome": "graduated"})
    assert r.status_code == 422 and code(r) == "exited_on.future"
    assert Incubation.objects.get(pk=inc.pk).exited_on is None
    rs.release(act(users["county"]), inc, date(2025, 9, 30), "graduated")
    r = post(county, f"/api/v1/incubations/{inc.pk}/services",
             {"kind": "training", "provided_on": "2025-10-01", "hours": 2})   # after the exit
    assert r.status_code == 422 and code(r) == "provided_on.outside_incubation"


def test_a_resident_is_not_named_from_a_day_to_come_nor_ended_before_being_named(api_client, users, call, orgs,
                                                                                 make_person):
    project = contracted(users, call, orgs)
    ServiceProject.objects.filter(pk=project.pk).update(resident_access=True)
    person = make_person(region="620702001001", name="王秀兰")
    county = api_client("county")
    today = timezone.localdate()
    r = post(county, f"/api/v1/service-projects/{project.pk}/residents",
             {"person": person.pk, "added_on": (today + timedelta(days=30)).isoformat()})
    assert r.status_code == 422 and code(r) == "added_on.future"
    assert not ProjectBeneficiary.objects.exists()
    rid = post(county, f"/api/v1/service-projects/{project.pk}/residents", {"person": person.pk}).json()["id"]
    r = post(county, f"/api/v1/service-projects/{project.pk}/residents/{rid}/end",
             {"ended_on": (today - timedelta(days=1)).isoformat()})
    assert r.status_code == 422 and code(r) == "ended_on.before_added"
    assert ProjectBeneficiary.objects.get(pk=rid).ended_on is None
