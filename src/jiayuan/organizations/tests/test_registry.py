"""The organization registry: registration through the API (the kept contract), edits by
managers and by the organization's own staff, inspections, ratings, filings, incubation."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from jiayuan.errors import Conflict, Forbidden, NotFound, ValidationFailed
from jiayuan.organizations import selectors
from jiayuan.organizations.models import AnnualInspection, FilingStatus, SocialOrganization
from jiayuan.organizations.services import registry as rs

from .conftest import act, code

pytestmark = pytest.mark.django_db


def post(client, body):
    return client.post("/api/v1/organizations", body, content_type="application/json")


def test_registering_a_social_group_with_a_valid_code_answers_201(api_client):
    c = code("51620702MJY0101" + "0A")  # 51 = civil affairs + social group
    resp = post(api_client("county"), {"name": "甘州区社区志愿者协会", "kind": "social_group", "uscc": c,
                                       "region": "620702"})
    assert resp.status_code == 201, resp.content
    body = resp.json()
    assert body["uscc"] == c and body["kind_name"] == "社会团体" and body["region"] == "620702"


def test_the_public_examples_register_as_enterprises(api_client):
    client = api_client("county")
    for i, c in enumerate(("91350100M000100Y43", "91110000600037341L")):
        resp = post(client, {"name": f"企业{i}", "kind": "enterprise", "uscc": c, "region": "620702"})
        assert resp.status_code == 201, resp.content


def test_a_wrong_check_character_answers_422_uscc_checksum(api_client):
    resp = post(api_client("county"), {"name": "某企业", "kind": "enterprise", "uscc": "91350100M000100Y44",
                                       "region": "620702"})
    assert resp.status_code == 422
    assert resp.json()["error"]["code"] == "uscc.checksum"
    assert "应为 3" in resp.json()["error"]["message"]


def test_a_code_of_another_kind_answers_422_uscc_kind_mismatch(api_client):
    # a valid enterprise code (91…) given for a social group (51…)
    resp = post(api_client("county"), {"name": "某协会", "kind": "social_group", "uscc": "91350100M000100Y43",
                                       "region": "620702"})
    assert resp.status_code == 422
    assert resp.json()["error"]["code"] == "uscc.kind_mismatch"


def test_a_foundation_code_for_a_social_service_institution_is_a_kind_mismatch(api_client):
    resp = post(api_client("county"), {"name": "某基金会", "kind": "social_service_institution",
                                       "uscc": code("53620702MJY0102" + "1B"), "region": "620702"})
    assert resp.json()["error"]["code"] == "uscc.kind_mismatch"


def test_the_same_code_twice_is_a_conflict(api_client):
    client = api_client("county")
    body = {"name": "甲", "kind": "enterprise", "uscc": "91350100M000100Y43", "region": "620702"}
    assert post(client, body).status_code == 201
    resp = post(client, body | {"name": "乙"})
    assert resp.status_code == 409 and resp.json()["error"]["code"] == "organization.duplicate"


def test_a_region_outside_the_scope_answers_404_and_a_worker_may_not_register(api_client):
    body = {"name": "甲", "kind": "enterprise", "uscc": "91350100M000100Y43", "region": "620722"}
    assert post(api_client("county"), body).status_code == 404
    assert post(api_client("community"), body | {"region": "620702001001"}).status_code == 403


def test_an_organization_out_of_scope_answers_404(api_client, orgs):
    assert api_client("county").get(f"/api/v1/organizations/{orgs['far'].pk}").status_code == 404
    assert api_client("city").get(f"/api/v1/organizations/{orgs['far'].pk}").status_code == 200


def test_org_staff_see_only_their_own_organization(api_client, orgs):
    client = api_client("org")
    listed = client.get("/api/v1/organizations").json()
    assert [o["id"] for o in listed["results"]] == [orgs["home"].pk]
    assert client.get(f"/api/v1/organizations/{orgs['rival'].pk}").status_code == 404


def test_org_staff_edit_contact_details_but_not_the_code(api_client, orgs):
    client = api_client("org")
    url = f"/api/v1/organizations/{orgs['home'].pk}"
    resp = client.patch(url, {"phone": "0936-8212345", "address": "甘州区县府街 12 号"}, content_type="application/json")
    assert resp.status_code == 200 and resp.json()["phone"] == "0936-8212345"
    resp = client.patch(url, {"name": "改名"}, content_type="application/json")
    assert resp.status_code == 403


def test_a_filed_community_organization_needs_no_code_but_others_do(users):
    with pytest.raises(ValidationFailed) as e:
        rs.create_organization(act(users["county"]), {"name": "甲", "kind": "foundation", "region": "620702"})
    assert e.value.code == "uscc.required"
    org = rs.create_organization(act(users["county"]), {"name": "广场舞队", "kind": "community_filed",
                                                        "region": "620702001001"})
    assert org.uscc == ""


def test_inspection_once_a_year_and_rating_valid_five_years(users, orgs):
    a = act(users["county"])
    rs.record_inspection(a, orgs["home"], year=2025, result="qualified", concluded_on=date(2026, 5, 30))
    with pytest.raises(Conflict):
        rs.record_inspection(a, orgs["home"], year=2025, result="unqualified", concluded_on=date(2026, 6, 1))
    assert AnnualInspection.objects.get(organization=orgs["home"]).result == "qualified"
    r = rs.record_rating(a, orgs["home"], grade=4, rated_on=date(2024, 2, 29))
    assert r.valid_until == date(2029, 2, 27)  # 2029-02-28 (no 29th) less one day
    assert selectors.current_rating(orgs["home"], date(2026, 1, 1)).grade == 4
    with pytest.raises(ValidationFailed):
        rs.record_rating(a, orgs["home"], grade=6, rated_on=date(2024, 1, 1))


def test_a_community_filing_goes_community_check_then_street_decision(users):
    filing = rs.submit_filing(act(users["community"]), name="交通巷社区书画协会", community="620702001001",
                              charter="第一条 本会是社区居民自愿组成的书画爱好者组织……",
                              members="张三\n李四\n王五\n赵六", responsible_person="张三")
    assert filing.status == FilingStatus.SUBMITTED and filing.organization.status == "suspended"
    with pytest.raises(Forbidden):  # the street cannot take the community's step
        rs.check_filing(act(users["township"]), filing, True)
    rs.check_filing(act(users["community"]), filing, True, "材料齐全")
    with pytest.raises(Conflict):
        rs.check_filing(act(users["community"]), filing, True)
    filing = rs.decide_filing(act(users["township"]), filing, True, "同意备案")
    filing.organization.refresh_from_db()
    assert filing.status == FilingStatus.APPROVED and filing.organization.status == "active"
    assert filing.filing_number.startswith("620702001-")
    assert [s.to_status for s in filing.steps.all()] == ["submitted", "checked", "approved"]
    assert selectors.filings_waiting(users["township"]).count() == 0


def test_a_filing_with_fewer_than_three_members_is_refused(users):
    with pytest.raises(ValidationFailed) as e:
        rs.submit_filing(act(users["community"]), name="甲", community="620702001001", charter="章程",
                         members=["张三", "李四"], responsible_person="张三")
    assert e.value.code == "members.too_few"


def test_an_organization_is_incubated_once_at_a_time(users, orgs):
    a = act(users["county"])
    base = rs.create_base(a, name="甘州区社会组织孵化基地", region="620702", operator=orgs["rival"])
    inc = rs.admit(a, base, orgs["home"], date(2025, 3, 1))
    with pytest.raises(Conflict):
        rs.admit(a, base, orgs["home"], date(2025, 4, 1))
    rs.record_incubation_service(a, inc, kind="training", provided_on=date(2025, 4, 10), hours="6",
                                 description="项目设计培训")
    with pytest.raises(ValidationFailed):
        rs.release(a, inc, date(2025, 2, 1), "graduated")
    rs.release(a, inc, date(2026, 3, 1), "graduated")
    assert selectors.incubations_of(base).get().service_count == 1


@pytest.mark.parametrize("funds", ["1e30", "9" * 40])
def test_huge_registered_funds_answer_422_not_500(api_client, funds):
    """Regression (attack): an amount beyond Decimal's 28 digits raised InvalidOperation
    in quantize before the 1e12 bound was checked (a 500)."""
    c = code("51620702MJY0102" + "0A")
    resp = post(api_client("county"), {"name": "甘州区某协会", "kind": "social_group", "uscc": c,
                                       "region": "620702", "registered_funds": funds})
    assert resp.status_code == 422, resp.content
    assert "registered_funds" in resp.content.decode()
    assert not SocialOrganization.objects.filter(uscc=c).exists()
