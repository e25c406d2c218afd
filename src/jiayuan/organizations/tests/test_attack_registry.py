"""Attacks on the registry, incubation and residents named through a contract that once
got through (each test failed before its fix): page ids that are no number (a 500),
whole numbers given with a fraction and cut (grade 4.7 → 4A), days to come for what
already happened, a service outside the incubation, a resident leaving before joining."""

import pytest

from .test_projects import contracted

pytestmark = pytest.mark.django_db

J = "application/json"


def post(client, url, body=None):
    return client.post(url, body or {}, content_type=J)


def code(resp) -> str:
    return resp.json()["error"]["code"]


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
