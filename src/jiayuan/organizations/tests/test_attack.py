"""Attacks on purchased-service projects that once got through (each test failed before
its fix): dates that overflowed into a 500, percents, points and counts with more
precision than the columns keep, money steps dated in the future or before what they
depend on, a report naming another project's milestone, an expert scoring their own
organization, and the panel shown to the applicants."""

from datetime import timedelta

import pytest
from django.utils import timezone

from jiayuan.organizations import selectors
from jiayuan.organizations.models import (
    InstalmentPayment, OrganizationMember, ProgressReport, ServiceProject, ServiceRecord,
)
from jiayuan.organizations.services import projects as ps

from .conftest import act, proposal_of
from .test_projects import A, B, contracted, scored, to_review

pytestmark = pytest.mark.django_db

J = "application/json"


def post(client, url, body=None):
    return client.post(url, body or {}, content_type=J)


def code(resp) -> str:
    return resp.json()["error"]["code"]


def _noticed(users, call, orgs):
    p = scored(users, call, orgs)
    ps.publish_notice(act(users["county"]), call, [p.pk], published_on=timezone.localdate() - timedelta(days=20))
    return p


def _contract_body(**more):
    today = timezone.localdate()
    return {"contract_number": "GZ-ATK-1", "decision_ref": "甘区民发〔2026〕1号", "amount": "180000",
            "signed_on": today.isoformat(), "starts_on": today.isoformat(),
            "ends_on": (today + timedelta(days=100)).isoformat(),
            "milestones": [{"title": "启动", "due_on": today.isoformat()}],
            "instalments": [{"percent": 100, "milestone": 1}]} | more


def test_a_contract_ending_on_the_last_representable_day_is_not_a_500(api_client, users, call, orgs):
    p = _noticed(users, call, orgs)
    county = api_client("county")
    # a milestone 91 days after the end of a far period: the ordinary 422, not an overflow
    r = post(county, f"/api/v1/proposals/{p.pk}/contract",
             _contract_body(ends_on="9999-09-30", milestones=[{"title": "结项", "due_on": "9999-12-31"}]))
    assert r.status_code == 422 and code(r) == "milestones.out_of_period"
    r = post(county, f"/api/v1/proposals/{p.pk}/contract",
             _contract_body(ends_on="9999-12-31", milestones=[{"title": "结项", "due_on": "9999-12-31"}]))
    assert r.status_code == 201, r.content


def test_instalment_percents_with_more_than_two_decimals_are_refused(api_client, users, call, orgs):
    p = _noticed(users, call, orgs)
    # 33.333 + 33.333 + 33.334 = 100 exactly, but the clause and the column keep 2 decimals
    r = post(api_client("county"), f"/api/v1/proposals/{p.pk}/contract", _contract_body(
        instalments=[{"percent": "33.333", "milestone": 1}, {"percent": "33.333", "milestone": 1},
                     {"percent": "33.334", "milestone": 1}]))
    assert r.status_code == 422 and code(r) == "instalment.percent"
    assert not ServiceProject.objects.exists()


def _met(users, project, seq=1, met_on=None):
    m = project.milestones.get(seq=seq)
    ps.submit_report(act(users["org"]), project, period=f"第{seq}期", content="完成", milestone=m)
    ps.accept_milestone(act(users["county"]), m, met_on)
    return m


def test_an_instalment_is_not_released_on_a_day_to_come_nor_before_its_milestone_was_met(api_client, users, call,
                                                                                            orgs):
    project = contracted(users, call, orgs)   # signed today
    today = timezone.localdate()
    _met(users, project)                        # met today
    inst = project.instalments.get(seq=1)
    county = api_client("county")
    r = post(county, f"/api/v1/instalments/{inst.pk}/release",
             {"decision_ref": "甘区民发〔2026〕9号", "released_on": (today + timedelta(days=1)).isoformat()})
    assert r.status_code == 422 and code(r) == "released_on.future"
    r = post(county, f"/api/v1/instalments/{inst.pk}/release",
             {"decision_ref": "甘区民发〔2026〕9号", "released_on": (today - timedelta(days=1)).isoformat()})
    assert r.status_code == 422 and code(r) == "released_on.before_milestone"
    assert not InstalmentPayment.objects.exists()
    r = post(county, f"/api/v1/instalments/{inst.pk}/release", {"decision_ref": "甘区民发〔2026〕9号"})
    assert r.status_code == 201 and r.json()["amount"] == "54000.00"   # 180,000 × 30 %


def test_a_milestone_is_not_met_before_the_contract_nor_evaluated_on_a_day_to_come(api_client, users, call, orgs):
    project = contracted(users, call, orgs)
    today = timezone.localdate()
    m = project.milestones.get(seq=1)
    county = api_client("county")
    assert post(api_client("org"), f"/api/v1/service-projects/{project.pk}/reports",
                {"period": "第1期", "content": "完成", "milestone": m.pk}).status_code == 201
    r = post(county, f"/api/v1/milestones/{m.pk}/accept", {"met_on": (today - timedelta(days=1)).isoformat()})
    assert r.status_code == 422 and code(r) == "met_on.before_contract"
    m.refresh_from_db()
    assert m.met_on is None
    for day, expected in ((today + timedelta(days=1), "evaluated_on.future"),
                          (today - timedelta(days=1), "evaluated_on.before_contract")):
        r = post(county, f"/api/v1/service-projects/{project.pk}/evaluations",
                 {"stage": "mid_term", "evaluator": "评估中心", "score": "80", "evaluated_on": day.isoformat()})
        assert r.status_code == 422 and code(r) == expected
    assert not project.evaluations.exists()


def test_a_report_naming_a_milestone_of_another_project_is_refused_not_filed_without_it(api_client, users, call,
                                                                                         orgs):
    project = contracted(users, call, orgs)
    org = api_client("org")
    for milestone in (999999, "abc"):
        r = post(org, f"/api/v1/service-projects/{project.pk}/reports",
                 {"period": "第1期", "content": "完成", "milestone": milestone})
        assert r.status_code == 422, r.content
        assert r.json()["error"]["fields"].get("milestone"), r.content
    assert not ProgressReport.objects.exists()


def test_counts_and_percents_are_not_silently_cut(api_client, users, call, orgs):
    project = contracted(users, call, orgs)
    org = api_client("org")
    today = timezone.localdate().isoformat()
    r = post(org, f"/api/v1/service-projects/{project.pk}/service-records",
             {"delivered_on": today, "activity": "入户探访", "people_served": "2.7"})
    assert r.status_code == 422 and code(r) == "people_served.precision"
    r = post(org, f"/api/v1/service-projects/{project.pk}/service-records",
             {"delivered_on": today, "activity": "入户探访", "people_served": 3, "satisfaction": "99.999"})
    assert r.status_code == 422 and code(r) == "satisfaction.precision"
    assert not ServiceRecord.objects.exists()
    r = post(api_client("county"), f"/api/v1/service-projects/{project.pk}/evaluations",
             {"stage": "mid_term", "evaluator": "评估中心", "score": "80.125", "evaluated_on": today})
    assert r.status_code == 422 and code(r) == "score.precision"
    base = {"title": "征集", "region": "620702", "purchaser": "甘州区民政局", "budget": "1000", "opens_on": today,
            "deadline": today}
    for field in ("notice_working_days", "min_rating"):
        r = post(api_client("county"), "/api/v1/project-calls", base | {field: "2.5"})
        assert r.status_code == 422 and code(r) == f"{field}.precision", r.content


def test_review_points_with_more_than_two_decimals_are_refused(api_client, users, call, orgs):
    p = proposal_of(users["org"], call, orgs["home"])
    to_review(users, call, p)
    r = post(api_client("township"), f"/api/v1/proposals/{p.pk}/scores", {"points": A | {"needs": "80.125"}})
    assert r.status_code == 422 and code(r) == "review.points"
    assert not p.review_scores.exists()


def test_an_expert_who_works_for_the_organization_is_recused_without_declaring_it(api_client, users, call, orgs):
    ps.add_panel_member(act(users["county"]), call, users["org"])   # the org user works for ``home``
    p = proposal_of(users["org"], call, orgs["home"])
    to_review(users, call, p)
    assert selectors.proposals_to_score(users["org"]) == []
    r = post(api_client("org"), f"/api/v1/proposals/{p.pk}/scores", {"points": A})
    assert r.status_code == 403 and code(r) == "review.conflict"
    assert not p.review_scores.filter(member__user=users["org"]).exists()
    # left out of the score: the two other experts' sheets make it, (81 + 76.5) / 2
    ps.score_proposal(act(users["township"]), p, A)
    p = ps.score_proposal(act(users["city"]), p, B)
    assert str(p.score) == "78.75"
    # once the membership ends, the expert is no longer recused from that organization
    OrganizationMember.objects.filter(user=users["org"]).update(active=False)
    seat = selectors.panel_member(users["org"], call)
    assert not selectors.conflicted(seat, orgs["home"].pk)


def test_the_panel_is_not_shown_to_the_applicants(api_client, page_client, users, call, orgs):
    proposal_of(users["org"], call, orgs["home"])
    body = api_client("org").get(f"/api/v1/project-calls/{call.pk}/detail").json()
    assert body["panel"] == []
    assert {m["username"] for m in api_client("county").get(
        f"/api/v1/project-calls/{call.pk}/detail").json()["panel"]} == {"township", "city"}
    # an expert seated from outside the civil-affairs staff sees only their own seat
    ps.add_panel_member(act(users["county"]), call, users["auditor"])
    body = api_client("auditor").get(f"/api/v1/project-calls/{call.pk}/detail").json()
    assert [m["username"] for m in body["panel"]] == ["auditor"]
    page = page_client("org").get(f"/organizations/calls/{call.pk}/")
    assert page.status_code == 200
    assert users["township"].full_name not in page.content.decode()


def test_an_edit_with_a_version_that_is_no_number_is_a_conflict_not_a_500(users, orgs):
    from jiayuan.errors import Conflict
    from jiayuan.organizations.services import registry as rs

    for version in ("abc", str(10 ** 30)):
        with pytest.raises(Conflict) as exc:
            rs.update_organization(act(users["county"]), orgs["home"], {"phone": "0936-1234567"}, version)
        assert exc.value.code == "organization.conflict"
    orgs["home"].refresh_from_db()
    assert orgs["home"].phone == ""
