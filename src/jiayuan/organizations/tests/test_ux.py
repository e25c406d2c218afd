"""Problems a new user met in the browser (regressions): dates checked against other
dates, the call's steps in the order of its dates, what an expert sees of the scores,
the services-to-record alert, the project page's forms, money in messages, the
residents' community, duplicate names, phones."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from jiayuan.errors import Conflict, ValidationFailed
from jiayuan.organizations import rules
from jiayuan.organizations.models import AnnualInspection, OrganizationRating, SocialOrganization
from jiayuan.organizations.services import projects as ps
from jiayuan.organizations.services import registry as rs
from jiayuan.people.rules import RuleError

from .conftest import act, proposal_of
from .test_projects import pass_deadline, scored

pytestmark = pytest.mark.django_db

J = "application/json"


def post(client, url, body=None):
    return client.post(url, body or {}, content_type=J)


# --- 1. dates against other dates ------------------------------------------------------------------

def test_rule_inspection_year_between_registration_and_last_year():
    today = date(2026, 12, 7)
    with pytest.raises(RuleError) as e:
        rules.check_inspection_year(2020, date(2021, 6, 1), today)
    assert e.value.code == "year.before_registration" and "2021" in e.value.message
    rules.check_inspection_year(2021, date(2021, 6, 1), today)
    rules.check_inspection_year(2025, date(2021, 6, 1), today)
    with pytest.raises(RuleError) as e:
        rules.check_inspection_year(2026, date(2021, 6, 1), today)   # the year has not ended
    assert e.value.code == "year.not_ended" and "2025" in e.value.message
    rules.check_inspection_year(1995, None, today)                     # registration day unknown: not checked


def test_rule_rating_two_full_years_after_registration():
    with pytest.raises(RuleError) as e:
        rules.check_rating_date(date(2024, 3, 1), date(2026, 2, 28))
    assert e.value.code == "rated_on.too_early" and "2026-03-01" in e.value.message
    rules.check_rating_date(date(2024, 3, 1), date(2026, 3, 1))
    rules.check_rating_date(date(2024, 2, 29), date(2026, 2, 28))      # no 29 February in 2026
    rules.check_rating_date(date(2024, 3, 1), date(2025, 3, 1), min_years=1)
    rules.check_rating_date(None, date(2020, 1, 1))


def test_an_inspection_before_the_registration_year_or_of_this_year_is_422(api_client, orgs):
    county, home = api_client("county"), orgs["home"]
    SocialOrganization.objects.filter(pk=home.pk).update(registered_on=date(2021, 6, 1))
    today = timezone.localdate()
    url = f"/api/v1/organizations/{home.pk}/inspections"
    r = post(county, url, {"year": 2020, "result": "qualified", "concluded_on": today.isoformat()})
    assert r.status_code == 422 and r.json()["error"]["fields"]["year"][0]["code"] == "year.before_registration"
    r = post(county, url, {"year": today.year, "result": "qualified", "concluded_on": today.isoformat()})
    assert r.status_code == 422 and r.json()["error"]["fields"]["year"][0]["code"] == "year.not_ended"
    assert not AnnualInspection.objects.exists()
    r = post(county, url, {"year": 2021, "result": "qualified", "concluded_on": today.isoformat()})
    assert r.status_code == 201


def test_a_rating_one_week_after_registration_is_422(api_client, orgs):
    county, home = api_client("county"), orgs["home"]
    today = timezone.localdate()
    SocialOrganization.objects.filter(pk=home.pk).update(registered_on=today - timedelta(days=7))
    r = post(county, f"/api/v1/organizations/{home.pk}/ratings", {"grade": 5, "rated_on": today.isoformat()})
    assert r.status_code == 422 and r.json()["error"]["fields"]["rated_on"][0]["code"] == "rated_on.too_early"
    assert not OrganizationRating.objects.exists()


def test_a_notice_published_on_or_before_the_deadline_is_refused(users, call, orgs):
    p = scored(users, call, orgs)          # deadline 25 days ago
    deadline = call.deadline
    with pytest.raises(ValidationFailed) as e:
        ps.publish_notice(act(users["county"]), call, [p.pk], published_on=deadline)
    assert e.value.code == "published_on.before_deadline"
    notice = ps.publish_notice(act(users["county"]), call, [p.pk], published_on=deadline + timedelta(days=1))
    assert notice.starts_on == deadline + timedelta(days=2)


# --- 2. no review before the deadline -----------------------------------------------------------------

def test_the_review_cannot_start_before_the_deadline_has_passed(users, call, orgs, page_client):
    from django.urls import reverse

    from jiayuan.organizations.models import ProjectCall

    p = proposal_of(users["org"], call, orgs["home"])
    ps.check_eligibility(act(users["county"]), p, True)
    url = reverse("organizations:call_detail", args=[call.pk])
    page = page_client("county").get(url).content.decode()
    assert 'data-testid="start-review"' not in page and 'data-testid="review-after-deadline"' in page
    today = timezone.localdate()
    ProjectCall.objects.filter(pk=call.pk).update(deadline=today)   # the deadline day itself still takes proposals
    call.refresh_from_db()
    with pytest.raises(Conflict) as e:
        ps.start_review(act(users["county"]), call)
    assert e.value.code == "call.deadline_not_passed" and today.isoformat() in e.value.message
    assert 'data-testid="start-review"' not in page_client("county").get(url).content.decode()
    pass_deadline(call, days=1)
    page = page_client("county").get(url).content.decode()
    assert 'data-testid="start-review"' in page and "申报已截止，待评审" in page
    assert ps.start_review(act(users["county"]), call).status == "reviewing"


# --- 3. the notice period's end comes from the dates -------------------------------------------------

def test_rule_call_stage_from_the_dates():
    d = date(2026, 12, 1)
    assert rules.call_stage("open", d, None, date(2026, 12, 1)) == "open"
    assert rules.call_stage("open", d, None, date(2026, 12, 2)) == "deadline_passed"
    assert rules.call_stage("notice", d, date(2026, 11, 27), date(2026, 11, 27)) == "notice"
    assert rules.call_stage("notice", d, date(2026, 11, 27), date(2026, 11, 28)) == "notice_ended"
    assert rules.call_stage("reviewing", d, None, date(2027, 1, 1)) == "reviewing"


def test_a_call_whose_notice_ended_shows_the_notice_period_is_over(users, call, orgs, page_client):
    from django.urls import reverse

    p = scored(users, call, orgs)
    today = timezone.localdate()
    notice = ps.publish_notice(act(users["county"]), call, [p.pk], published_on=today - timedelta(days=20))
    assert notice.ends_on < today    # five working days from 19 days ago have passed
    c = page_client("county")
    page = c.get(reverse("organizations:call_detail", args=[call.pk])).content.decode()
    assert "公示期满，待签约" in page and 'data-testid="notice-ended"' in page
    assert "公示中" not in page
    listing = c.get(reverse("organizations:call_list")).content.decode()
    assert "公示期满，待签约" in listing and "公示中" not in listing


def test_a_call_in_its_notice_period_shows_it(users, call, orgs, page_client):
    from django.urls import reverse

    p = scored(users, call, orgs)
    ps.publish_notice(act(users["county"]), call, [p.pk], published_on=timezone.localdate())
    page = page_client("county").get(reverse("organizations:call_detail", args=[call.pk])).content.decode()
    assert "公示中" in page and "公示期满" not in page


# --- 4. an expert sees only their own scores until the review ends -----------------------------------

def test_an_expert_sees_neither_the_combined_score_nor_others_until_the_review_ends(api_client, page_client, users,
                                                                                     call, orgs):
    from django.urls import reverse

    from .test_projects import A, B, to_review

    p = proposal_of(users["org"], call, orgs["home"])
    to_review(users, call, p)
    ps.score_proposal(act(users["city"]), p, B)                       # 76.5
    r = post(api_client("township"), f"/api/v1/proposals/{p.pk}/scores", {"points": A})   # 81: the last sheet
    assert r.status_code == 200 and r.json()["score"] is None          # (81 + 76.5) / 2 = 78.75 not told
    p.refresh_from_db()
    assert str(p.score) == "78.75"
    assert api_client("township").get(f"/api/v1/proposals/{p.pk}").json()["score"] is None
    expert = page_client("township")
    for url in (reverse("organizations:proposal_detail", args=[p.pk]), reverse("organizations:call_detail", args=[call.pk])):
        page = expert.get(url).content.decode()
        assert "78.75" not in page and "76.5" not in page, url
    # the county (manages the call) sees it all the time
    county = page_client("county")
    assert "78.75" in county.get(reverse("organizations:proposal_detail", args=[p.pk])).content.decode()
    assert api_client("county").get(f"/api/v1/proposals/{p.pk}").json()["score"] == "78.75"
    # the review ends with the notice: now the expert sees the combined score too
    ps.publish_notice(act(users["county"]), call, [p.pk], published_on=timezone.localdate())
    assert api_client("township").get(f"/api/v1/proposals/{p.pk}").json()["score"] == "78.75"
    assert "78.75" in expert.get(reverse("organizations:call_detail", args=[call.pk])).content.decode()


# --- 5. no "近 30 天没有服务记录" before the service has run 30 days --------------------------------------

def test_services_to_record_count_from_the_later_of_the_service_start_and_30_days_ago(users, call, orgs):
    from jiayuan.organizations import selectors
    from jiayuan.organizations.models import ServiceProject
    from jiayuan.web import todo as web_todo

    from .test_projects import contracted

    project = contracted(users, call, orgs)
    today = timezone.localdate()

    def listed(starts_on):
        ServiceProject.objects.filter(pk=project.pk).update(starts_on=starts_on)
        return [p.pk for p in selectors.projects_without_recent_service(users["org"])]

    assert listed(today + timedelta(days=1)) == []       # signed today, service from tomorrow: nothing yet
    assert listed(today) == []
    assert listed(today - timedelta(days=29)) == []      # 29 days of service: not yet 30
    assert listed(today - timedelta(days=30)) == [project.pk]
    counts = {g.source.code: g.count for g in web_todo.counts(users["org"])}
    assert counts.get("org_services_to_record") == 1
    project.refresh_from_db()
    ps.record_service(act(users["org"]), project, delivered_on=today - timedelta(days=30), activity="入户探访",
                      people_served=3)
    assert listed(today - timedelta(days=30)) == []      # a service on the 30th day back counts


# --- 6. the project page's inline forms keep the input and name the field -----------------------------

def test_a_refused_service_record_report_or_evaluation_comes_back_with_the_input_and_the_field_error(
        users, call, orgs, page_client):
    from django.urls import reverse

    from jiayuan.organizations.models import Evaluation, ProgressReport, ServiceRecord

    from .test_projects import contracted

    project = contracted(users, call, orgs)
    url = reverse("organizations:project_detail", args=[project.pk])
    today = timezone.localdate()
    staff = page_client("org")
    r = staff.post(url, {"action": "service", "delivered_on": today.isoformat(), "activity": "重阳节入户探访",
                         "people_served": "12", "satisfaction": "120"})
    page = r.content.decode()
    assert r.status_code == 422
    import re

    error = re.search(r'data-field-error="satisfaction">([^<]*)<', page).group(1)
    assert "100" in error                                                   # under the field, its limit told
    assert 'value="重阳节入户探访"' in page and 'value="12"' in page and 'value="120"' in page
    # a refusal of the service (a day before the service started) lands under its field too
    r = staff.post(url, {"action": "service", "delivered_on": (today - timedelta(days=3)).isoformat(),
                         "activity": "助餐", "people_served": "5"})
    page = r.content.decode()
    assert r.status_code == 422 and 'data-field-error="delivered_on"' in page and "服务日期应在服务期内" in page
    assert 'value="助餐"' in page
    r = staff.post(url, {"action": "report", "period": "2026年第四季度", "content": ""})
    page = r.content.decode()
    assert r.status_code == 422 and 'data-field-error="content"' in page and 'value="2026年第四季度"' in page
    r = page_client("county").post(url, {"action": "evaluation", "stage": "mid_term", "evaluator": "张掖市社会工作评估中心",
                                         "score": "101", "evaluated_on": today.isoformat()})
    page = r.content.decode()
    assert r.status_code == 422 and 'data-field-error="score"' in page and 'value="张掖市社会工作评估中心"' in page
    assert not (ServiceRecord.objects.exists() or ProgressReport.objects.exists() or Evaluation.objects.exists())
    r = staff.post(url, {"action": "service", "delivered_on": today.isoformat(), "activity": "助餐", "people_served": "5",
                         "satisfaction": "96"})
    assert r.status_code == 302 and ServiceRecord.objects.get().satisfaction == 96


# --- 7. amounts in messages: thousands separated, two decimals, said once ----------------------------

def test_the_over_budget_message_formats_the_amounts_and_appears_once(users, call, orgs, page_client):
    from django.urls import reverse

    url = reverse("organizations:proposal_new", args=[call.pk]) + f"?organization={orgs['home'].pk}"
    r = page_client("org").post(url, {"organization": orgs["home"].pk, "title": "邻里守望", "needs": "需求",
                                      "activities": "活动", "output_indicators": "产出", "outcome_indicators": "成效",
                                      "budget_staff": "600000", "budget_activities": "100000", "submit": "1"})
    page = r.content.decode()
    assert r.status_code == 422
    # 600,000 + 100,000 = 700,000 against the call's budget of 500,000
    assert page.count("申请金额 700,000.00 元超过项目预算 500,000.00 元") == 1
    assert "700000.00" not in page


def test_the_contract_over_the_proposal_names_the_amount_formatted(users, call, orgs):
    p = scored(users, call, orgs)            # the proposal asks 120,000 + 12,000 + 38,000 + 6,000 + 4,000 = 180,000
    today = timezone.localdate()
    ps.publish_notice(act(users["county"]), call, [p.pk], published_on=today - timedelta(days=20))
    with pytest.raises(ValidationFailed) as e:
        ps.contract(act(users["county"]), p, contract_number="GZ-1", decision_ref="文号", amount="180000.01",
                    signed_on=today, starts_on=today, ends_on=today, milestones=[{"title": "结项", "due_on": today}],
                    instalments=[{"percent": 100, "milestone": 1}])
    assert e.value.message == "合同金额不能超过申请金额 180,000.00 元"


# --- 8. the residents' community, not their grid --------------------------------------------------------

def test_the_residents_table_shows_the_community_not_the_grid(users, call, orgs, page_client, make_person):
    from django.urls import reverse

    from jiayuan.conftest import GRID
    from jiayuan.organizations import selectors
    from jiayuan.organizations.models import ServiceProject
    from jiayuan.regions.models import Region

    from .test_projects import contracted

    project = contracted(users, call, orgs)
    ServiceProject.objects.filter(pk=project.pk).update(resident_access=True)
    project.refresh_from_db()
    elder = make_person(name="王秀英", region=GRID, phone="13812345678")
    ps.add_beneficiary(act(users["county"]), project, elder)
    community = Region.objects.get(code=GRID[:12]).name                  # the grid's parent
    assert [r["region"] for r in selectors.residents_of(users["org"], project)] == [community]
    url = reverse("organizations:project_detail", args=[project.pk])
    for who in ("org", "county"):
        page = page_client(who).get(url).content.decode()
        assert f'<td data-label="所在社区">{community}</td>' in page, who
        assert "第一网格" not in page, who


# --- 9. the same name twice in a county ---------------------------------------------------------------

def test_the_same_name_twice_in_a_county_is_409_duplicate_name(api_client, users, orgs):
    from .conftest import code

    county = api_client("county")
    home = orgs["home"]                                     # 甘州区颐养居家养老服务中心, 620702
    body = {"name": home.name, "kind": "social_service_institution", "uscc": code("52620702MJY0100" + "9A"),
            "region": "620702"}
    r = post(county, "/api/v1/organizations", body)
    assert r.status_code == 409 and r.json()["error"]["code"] == "organization.duplicate_name"
    assert home.name in r.json()["error"]["message"] and home.uscc in r.json()["error"]["message"]
    # a community of the same county is the same county
    r = post(county, "/api/v1/organizations", {"name": home.name, "kind": "community_filed", "region": "620702001001"})
    assert r.status_code == 409 and r.json()["error"]["code"] == "organization.duplicate_name"
    assert SocialOrganization.objects.filter(name=home.name).count() == 1
    # renaming another organization to that name: the same
    rival = orgs["rival"]
    r = county.patch(f"/api/v1/organizations/{rival.pk}", {"name": home.name, "version": rival.version}, content_type=J)
    assert r.status_code == 409 and r.json()["error"]["code"] == "organization.duplicate_name"
    rival.refresh_from_db()
    assert rival.name == "甘州区同心社会工作服务中心"
    # a deregistered organization no longer holds its name
    rs.change_status(act(users["county"]), home, "deregistered", "注销登记")
    assert post(county, "/api/v1/organizations", body).status_code == 201


# --- 10. phones like the rest of the platform ---------------------------------------------------------

def test_a_phone_that_is_no_phone_is_422_and_landlines_and_mobiles_pass(api_client, orgs, page_client):
    from django.urls import reverse

    home = orgs["home"]
    staff = api_client("org")
    url = f"/api/v1/organizations/{home.pk}"
    r = staff.patch(url, {"phone": "电话abc", "version": home.version}, content_type=J)
    assert r.status_code == 422 and r.json()["error"]["fields"]["phone"][0]["code"] == "phone.format"
    assert "0936-8212345" in r.json()["error"]["fields"]["phone"][0]["message"]    # says what is expected
    home.refresh_from_db()
    assert home.phone == ""
    r = staff.patch(url, {"phone": "0936 8212345", "version": home.version}, content_type=J)
    assert r.status_code == 200 and r.json()["phone"] == "0936-8212345"
    r = staff.patch(url, {"phone": "138 1234 5678", "version": r.json()["version"]}, content_type=J)
    assert r.status_code == 200 and r.json()["phone"] == "13812345678"
    # the edit page keeps the input and names the field
    home.refresh_from_db()
    r = page_client("org").post(reverse("organizations:organization_edit", args=[home.pk]), {
        "legal_representative": "李负责", "phone": "电话abc", "address": "县府街 3 号", "service_area": "居家养老",
        "version": home.version})
    assert r.status_code == 422 and 'data-field-error="phone"' in r.content.decode()
