"""Every step of a project through the API (issue 14: "Pages and /api/v1/… endpoints for
all of the above"): the county publishes a call and seats a panel, checks eligibility,
opens the review, the panel scores, the county posts the notice, settles an objection,
signs the contract; the organization reports, the county accepts milestones, records the
final evaluation, releases the instalments (the final one scaled) and closes.

Figures worked by hand: weights 60/40; township 90/70 → 82, city 70/90 → 78, score
(82 + 78)/2 = 80.00. Contract 100,000.00 in 40/30/30 % → 40,000.00, 30,000.00,
30,000.00; final evaluation 75 → 合格 (60–79) → final instalment 30,000.00 × 80 % =
24,000.00; paid in all 94,000.00."""

from datetime import timedelta

import pytest
from django.utils import timezone

from jiayuan.audit.models import AuditEntry

from .test_api_projects import BODY

pytestmark = pytest.mark.django_db

J = "application/json"


def post(client, url, body=None):
    return client.post(url, body or {}, content_type=J)


def test_the_whole_chain_through_the_api(api_client, users, orgs):
    today = timezone.localdate()
    county, org = api_client("county"), api_client("org")
    # the call, with its own criteria; an org's staff may not publish one
    call_body = {"title": "2026年甘州区三社联动项目（API）", "region": "620702", "purchaser": "甘州区民政局",
                 "budget": "300000", "opens_on": (today - timedelta(days=30)).isoformat(),
                 "deadline": (today + timedelta(days=5)).isoformat(),
                 "criteria": [{"code": "a", "name": "需求与设计", "weight": 60}, {"code": "b", "name": "能力", "weight": 40}]}
    assert post(org, "/api/v1/project-calls", call_body).status_code == 403
    r = post(county, "/api/v1/project-calls", call_body)
    assert r.status_code == 201, r.content
    call = r.json()
    assert call["notice_working_days"] == 5 and call["bands"] == [[90, "excellent"], [80, "good"], [60, "pass"],
                                                                  [0, "fail"]]
    cid = call["id"]
    assert post(county, f"/api/v1/project-calls/{cid}/panel", {"username": "nobody"}).status_code == 422
    for who in ("township", "city"):
        assert post(county, f"/api/v1/project-calls/{cid}/panel", {"username": who}).status_code == 201
    # the organization submits
    r = post(org, f"/api/v1/project-calls/{cid}/proposals", BODY | {"organization": orgs["home"].pk})
    assert r.status_code == 201, r.content
    pid = r.json()["id"]
    # review cannot start before the deadline (409), nor before the check; a refusal needs a note; a community
    # outside the call: 404
    r = post(county, f"/api/v1/project-calls/{cid}/review")
    assert r.status_code == 409 and r.json()["error"]["code"] == "call.deadline_not_passed"
    from .test_projects import pass_deadline
    from jiayuan.organizations.models import ProjectCall

    pass_deadline(ProjectCall.objects.get(pk=cid))
    assert post(county, f"/api/v1/project-calls/{cid}/review").json()["error"]["code"] == "call.unchecked"
    assert post(api_client("community"), f"/api/v1/proposals/{pid}/eligibility", {"eligible": True}).status_code == 404
    assert post(county, f"/api/v1/proposals/{pid}/eligibility", {"eligible": True}).json()["status"] == "eligible"
    assert post(county, f"/api/v1/project-calls/{cid}/review").json()["status"] == "reviewing"
    # the panel scores; the score is worked out once both sheets are in
    r = post(api_client("township"), f"/api/v1/proposals/{pid}/scores", {"points": {"a": 90, "b": 70}})
    assert r.status_code == 200 and r.json()["score"] is None
    r = post(api_client("city"), f"/api/v1/proposals/{pid}/scores", {"points": {"a": 70, "b": 90}})
    assert r.json()["score"] == "80.00"
    # notice published 20 days ago (so it has ended); an objection in it, settled
    r = post(county, f"/api/v1/project-calls/{cid}/notice",
             {"selected": [pid], "published_on": (today - timedelta(days=20)).isoformat()})
    assert r.status_code == 201, r.content
    notice = r.json()["notice"]
    assert r.json()["status"] == "notice"
    r = post(county, f"/api/v1/proposals/{pid}/objections", {"content": "质疑资质", "received_on": notice["starts_on"]})
    assert r.status_code == 201
    oid = r.json()["id"]
    contract = {"contract_number": "GZ-API-001", "decision_ref": "甘区民发〔2026〕30号", "amount": "100000",
                "signed_on": today.isoformat(), "starts_on": today.isoformat(),
                "ends_on": (today + timedelta(days=300)).isoformat(),
                "milestones": [{"title": "启动", "due_on": (today + timedelta(days=30)).isoformat()},
                               {"title": "中期", "due_on": (today + timedelta(days=150)).isoformat()},
                               {"title": "结项", "due_on": (today + timedelta(days=300)).isoformat()}],
                "instalments": [{"percent": 40, "milestone": 1}, {"percent": 30, "milestone": 2},
                                {"percent": 30, "milestone": 3}]}
    r = post(county, f"/api/v1/proposals/{pid}/contract", contract)
    assert r.status_code == 409 and r.json()["error"]["code"] == "contract.objection_pending"
    r = post(county, f"/api/v1/objections/{oid}/resolve", {"upheld": False, "resolution": "经核查资质齐全"})
    assert r.status_code == 200 and r.json()["upheld"] is False
    r = post(county, f"/api/v1/proposals/{pid}/contract", contract)
    assert r.status_code == 201, r.content
    project = r.json()
    assert [i["planned"] for i in project["instalments"]] == ["40000.00", "30000.00", "30000.00"]
    prj = project["id"]
    ms = {m["seq"]: m["id"] for m in project["milestones"]}
    inst = {i["seq"]: i["id"] for i in project["instalments"]}
    # milestones: a report first, then the county accepts; the organization may not accept
    assert post(county, f"/api/v1/milestones/{ms[1]}/accept").json()["error"]["code"] == "milestone.no_report"
    for seq in (1, 2, 3):
        assert post(org, f"/api/v1/service-projects/{prj}/reports",
                    {"period": f"第{seq}期", "content": "按计划完成", "milestone": ms[seq]}).status_code == 201
    assert post(org, f"/api/v1/milestones/{ms[1]}/accept").status_code == 403
    for seq in (1, 2, 3):
        assert post(county, f"/api/v1/milestones/{ms[seq]}/accept").status_code == 200
    for seq in (1, 2):
        r = post(county, f"/api/v1/instalments/{inst[seq]}/release", {"decision_ref": f"甘区民发〔2026〕3{seq}号"})
        assert r.status_code == 201
    # the final one waits for the final evaluation, then is scaled by its band
    r = post(county, f"/api/v1/instalments/{inst[3]}/release", {"decision_ref": "甘区民发〔2026〕39号"})
    assert r.json()["error"]["code"] == "instalment.no_final_evaluation"
    assert post(county, f"/api/v1/service-projects/{prj}/close").json()["error"]["code"] == "project.no_final_evaluation"
    r = post(county, f"/api/v1/service-projects/{prj}/evaluations",
             {"stage": "final", "evaluator": "甘肃某评估中心", "score": "75", "evaluated_on": today.isoformat()})
    assert r.status_code == 201 and r.json()["band"] == "pass"
    r = post(county, f"/api/v1/instalments/{inst[3]}/release", {"decision_ref": "甘区民发〔2026〕39号"})
    assert r.status_code == 201 and r.json()["amount"] == "24000.00"
    r = post(county, f"/api/v1/service-projects/{prj}/close")
    assert r.status_code == 200 and r.json()["status"] == "closed" and r.json()["paid"] == "94000.00"
    records = county.get(f"/api/v1/service-projects/{prj}/records").json()
    assert len(records["reports"]) == 3 and records["evaluations"][0]["score"] == "75.00"
    actions = set(AuditEntry.objects.filter(action__startswith=("call.")).values_list("action", flat=True))
    assert {"call.create", "call.panel_member", "call.review", "call.notice"} <= actions


def test_a_call_with_bad_configuration_is_422_not_500(api_client, users):
    county = api_client("county")
    today = timezone.localdate().isoformat()
    base = {"title": "t", "region": "620702", "purchaser": "p", "budget": "1000", "opens_on": today, "deadline": today}
    for extra, code in [({"criteria": [{"code": "a", "weight": "x"}]}, "criteria.invalid"),
                        ({"bands": [[90, "excellent"], [10, "fail"]]}, "bands.invalid"),
                        ({"final_factors": {"excellent": "NaN", "good": 1, "pass": 1, "fail": 0}}, "final_factors.invalid"),
                        ({"budget": "0"}, "budget.format")]:
        r = post(county, "/api/v1/project-calls", base | extra)
        assert r.status_code == 422, (extra, r.content)
        assert code in r.content.decode(), (extra, r.content)
    # a region outside the county's scope: 404
    assert post(county, "/api/v1/project-calls", base | {"region": "620722"}).status_code == 404


def test_an_instalment_tied_to_milestone_0_is_refused_not_given_the_last_milestone(api_client, users, call, orgs):
    """Regression: ``milestone: 0`` (or a negative number) picked a milestone from the end
    of the list (Python's negative index) instead of being refused."""
    from .test_projects import scored
    from jiayuan.organizations.services import projects as ps
    from .conftest import act

    p = scored(users, call, orgs)
    today = timezone.localdate()
    ps.publish_notice(act(users["county"]), call, [p.pk], published_on=today - timedelta(days=20))
    body = {"contract_number": "GZ-X", "decision_ref": "文号", "amount": "100000", "signed_on": today.isoformat(),
            "starts_on": today.isoformat(), "ends_on": (today + timedelta(days=100)).isoformat(),
            "milestones": [{"title": "一", "due_on": (today + timedelta(days=10)).isoformat()},
                           {"title": "二", "due_on": (today + timedelta(days=100)).isoformat()}]}
    for bad in (0, -1, 3, "x"):
        r = post(api_client("county"), f"/api/v1/proposals/{p.pk}/contract",
                 body | {"instalments": [{"percent": 50, "milestone": 1}, {"percent": 50, "milestone": bad}]})
        assert r.status_code == 422 and r.json()["error"]["fields"]["instalments"][0]["code"] == "instalments.milestone"


def test_registry_inputs_out_of_range_are_422_not_500(api_client, orgs):
    county = api_client("county")
    today = timezone.localdate().isoformat()
    r = post(county, "/api/v1/organization-filings", {"name": "队", "community": "620702001001", "charter": "章程",
                                                       "members": 5, "responsible_person": "甲"})
    assert r.status_code == 422 and "members.format" in r.content.decode()
    r = post(county, "/api/v1/incubation-bases", {"name": "基地", "region": "620702", "floor_area": "99999999"})
    assert r.status_code == 422 and "floor_area.range" in r.content.decode()
    r = post(county, "/api/v1/project-calls", {"title": "t", "region": "620702", "purchaser": "p", "budget": "1000",
                                                 "opens_on": today, "deadline": today, "eligible_kinds": ["nonsense"]})
    assert r.status_code == 422 and "eligible_kinds.invalid" in r.content.decode()
