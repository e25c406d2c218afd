"""The project endpoints: the organization's staff submit through the API, see only
their own proposals, a panel member scores, a second release of an instalment is 409."""

import pytest

from jiayuan.organizations.models import OrganizationMember

from .conftest import LINES
from .test_projects import contracted

pytestmark = pytest.mark.django_db

BODY = {"title": "邻里守望", "needs": "需求", "activities": "活动", "output_indicators": "产出",
        "outcome_indicators": "成效", "budget_lines": LINES}


def test_org_staff_submit_a_proposal_through_the_api(api_client, call, orgs):
    resp = api_client("org").post(f"/api/v1/project-calls/{call.pk}/proposals",
                                  BODY | {"organization": orgs["home"].pk}, content_type="application/json")
    assert resp.status_code == 201, resp.content
    body = resp.json()
    assert body["amount"] == "180000.00" and body["status"] == "submitted" and body["score"] is None
    # for an organization it does not work for: 404 (not visible)
    resp = api_client("org").post(f"/api/v1/project-calls/{call.pk}/proposals",
                                  BODY | {"organization": orgs["rival"].pk}, content_type="application/json")
    assert resp.status_code == 404


def test_a_proposal_is_seen_by_its_organization_and_the_county_not_by_another_organization(
        api_client, users, call, orgs):
    from jiayuan.accounts.models import User
    from jiayuan.conftest import PASSWORD
    from jiayuan.organizations.tests.conftest import proposal_of

    rival_staff = User(username="rival", role="org_staff", scope_id="620702", full_name="rival")
    rival_staff.set_password(PASSWORD)
    rival_staff.save()
    OrganizationMember.objects.create(organization=orgs["rival"], user=rival_staff)
    p = proposal_of(users["org"], call, orgs["home"])
    assert api_client("org").get(f"/api/v1/proposals/{p.pk}").status_code == 200
    assert api_client("county").get(f"/api/v1/proposals/{p.pk}").status_code == 200
    assert api_client("rival").get(f"/api/v1/proposals/{p.pk}").status_code == 404
    assert api_client("community").get(f"/api/v1/proposals/{p.pk}").status_code == 404  # a county call: not its subtree
    # the panel sees it only once it passed the eligibility check
    assert api_client("township").get(f"/api/v1/proposals/{p.pk}").status_code == 404


def test_a_second_release_of_the_same_instalment_is_409(api_client, users, call, orgs):
    from jiayuan.audit.services import Actor
    from jiayuan.organizations.services import projects as ps

    project = contracted(users, call, orgs)
    m1 = project.milestones.get(seq=1)
    ps.submit_report(Actor(users["org"], "api"), project, period="一", content="完成", milestone=m1)
    ps.accept_milestone(Actor(users["county"], "api"), m1)
    inst = project.instalments.get(seq=1)
    client = api_client("county")
    url = f"/api/v1/instalments/{inst.pk}/release"
    first = client.post(url, {"decision_ref": "甘区民发〔2026〕20号"}, content_type="application/json")
    assert first.status_code == 201 and first.json()["amount"] == "54000.00"
    again = client.post(url, {"decision_ref": "甘区民发〔2026〕21号"}, content_type="application/json")
    assert again.status_code == 409 and again.json()["error"]["code"] == "instalment.paid"
    assert api_client("org").post(url, {"decision_ref": "x"}, content_type="application/json").status_code == 403
    detail = api_client("org").get(f"/api/v1/service-projects/{project.pk}").json()
    assert detail["paid"] == "54000.00" and detail["instalments"][0]["paid"] == "54000.00"
