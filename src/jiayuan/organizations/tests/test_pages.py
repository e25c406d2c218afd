"""Pages: every page answers for the roles that use it, out of scope is 404, the export
has its Chinese file name, the org staff's home page has work, a proposal submitted and
scored through the pages."""

from datetime import timedelta
from urllib.parse import unquote

import pytest
from django.urls import reverse
from django.utils import timezone

from jiayuan.organizations.models import ProposalStatus

from .conftest import proposal_of
from .test_projects import contracted

pytestmark = pytest.mark.django_db


def test_every_page_answers_for_the_county_and_the_org_staff(page_client, users, call, orgs):
    project = contracted(users, call, orgs)
    p = project.proposal
    for who in ("county", "org"):
        c = page_client(who)
        for url in (reverse("organizations:organization_list"), reverse("organizations:organization_detail", args=[orgs["home"].pk]),
                    reverse("organizations:organization_edit", args=[orgs["home"].pk]),
                    reverse("organizations:call_list"), reverse("organizations:call_detail", args=[call.pk]),
                    reverse("organizations:proposal_detail", args=[p.pk]), reverse("organizations:project_list"),
                    reverse("organizations:project_detail", args=[project.pk])):
            assert c.get(url).status_code == 200, (who, url)
    c = page_client("county")
    for url in (reverse("organizations:organization_new"), reverse("organizations:filing_list"),
                reverse("organizations:base_list"), reverse("organizations:call_new")):
        assert c.get(url).status_code == 200, url


def test_org_staff_get_404_for_another_organization_and_403_for_the_register_form(page_client, orgs):
    c = page_client("org")
    assert c.get(reverse("organizations:organization_detail", args=[orgs["rival"].pk])).status_code == 404
    assert c.get(reverse("organizations:organization_new")).status_code == 403


def test_the_county_gets_404_for_an_organization_of_another_county(page_client, orgs):
    assert page_client("county").get(reverse("organizations:organization_detail", args=[orgs["far"].pk])).status_code == 404


def test_the_export_is_a_workbook_with_a_chinese_file_name(page_client, orgs):
    import io

    import openpyxl

    resp = page_client("county").get(reverse("organizations:organization_export"))
    assert resp.status_code == 200
    disp = unquote(resp["Content-Disposition"])
    assert "社会组织名录_甘州区_" in disp
    ws = openpyxl.load_workbook(io.BytesIO(resp.content)).active
    names = [r[0] for r in ws.iter_rows(min_row=2, values_only=True)]
    assert sorted(names) == sorted([orgs["home"].name, orgs["rival"].name])  # not 民乐县's


def test_the_org_staff_home_page_shows_its_work(page_client, users, call, orgs):
    resp = page_client("org").get("/")
    assert resp.status_code == 200
    html = resp.content.decode()
    assert "可申报的项目" in html
    # new-user test: the page named no organization and said the role had nothing to do
    assert (f'所在机构：<a href="/organizations/{orgs["home"].pk}/">甘州区颐养居家养老服务中心</a>' in html
            and "甘州区同心社会工作服务中心" not in html)        # the rival's staff only
    assert "暂无可用的登记功能" not in html and "项目征集与申报" in html
    assert "所在机构" not in page_client("county").get("/").content.decode()
    todo = page_client("org").get("/todo/").content.decode()
    assert call.title in todo


def test_a_proposal_submitted_through_the_page_and_scored_by_the_panel(page_client, users, call, orgs):
    c = page_client("org")
    url = reverse("organizations:proposal_new", args=[call.pk]) + f"?organization={orgs['home'].pk}"
    assert c.get(url).status_code == 200
    resp = c.post(url, {"organization": orgs["home"].pk, "title": "邻里守望", "needs": "需求", "activities": "活动",
                        "output_indicators": "产出", "outcome_indicators": "成效", "budget_staff": "60000",
                        "budget_activities": "30000", "budget_tax": "1000.50", "submit": "1"})
    assert resp.status_code == 302, resp.content.decode()[:2000]
    p = orgs["home"].proposals.get()
    assert p.status == ProposalStatus.SUBMITTED and str(p.amount) == "91000.50"
    county = page_client("county")
    county.post(reverse("organizations:proposal_detail", args=[p.pk]), {"action": "eligible", "decision": "yes"})
    from .test_projects import pass_deadline

    pass_deadline(call)
    county.post(reverse("organizations:call_action", args=[call.pk, "review"]))
    points = {"needs": "80", "design": "90", "indicators": "70", "budget": "60", "capacity": "100", "action": "score"}
    page_client("township").post(reverse("organizations:proposal_detail", args=[p.pk]), points)
    page_client("city").post(reverse("organizations:proposal_detail", args=[p.pk]),
                             points | {"needs": "70", "design": "80", "indicators": "80", "budget": "80", "capacity": "70"})
    p.refresh_from_db()
    assert str(p.score) == "78.75"


def test_a_call_published_through_the_page_keeps_its_own_criteria_bands_and_factors(page_client, users, orgs):
    from jiayuan.organizations.models import ProjectCall

    today = timezone.localdate()
    resp = page_client("county").post(reverse("organizations:call_new"), {
        "title": "社区微项目", "region": "620702", "purchaser": "甘州区民政局", "budget": "200000",
        "opens_on": today.isoformat(), "deadline": (today + timedelta(days=20)).isoformat(),
        "eligible_kinds": ["social_service_institution"], "min_rating": "0", "notice_working_days": "7",
        "criteria": "需求分析，40\n创新性，60", "bands": "85，70，50", "final_factors": "100，90，70，0"})
    assert resp.status_code == 302, resp.content.decode()[:3000]
    call = ProjectCall.objects.get(title="社区微项目")
    assert call.criteria == [{"code": "needs", "name": "需求分析", "weight": 40},
                             {"code": "c2", "name": "创新性", "weight": 60}]
    assert call.bands == [[85, "excellent"], [70, "good"], [50, "pass"], [0, "fail"]]
    assert call.final_factors == {"excellent": "100", "good": "90", "pass": "70", "fail": "0"}
    assert call.notice_working_days == 7
    resp = page_client("county").post(reverse("organizations:call_action", args=[call.pk, "panel"]),
                                      {"username": "township", "conflicts": [orgs["rival"].pk]})
    seat = call.panel.get()
    assert seat.user == users["township"] and list(seat.conflicts.all()) == [orgs["rival"]]


def test_the_register_edit_filing_and_base_forms_save_and_go_to_the_record(page_client, users, orgs):
    """Regression (new-user test): the module's own ``redirect`` took no keyword
    arguments, so every successful save of these four forms answered 500 after the row
    was written; users retried and made duplicates. Each now lands on the record's page."""
    from jiayuan.organizations.models import CommunityFiling, IncubationBase, SocialOrganization

    from .conftest import code

    county = page_client("county")
    uscc = code("52620702MJY00009" + "D")
    r = county.post(reverse("organizations:organization_new"), {
        "name": "甘州区邻里互助服务中心", "kind": "social_service_institution", "uscc": uscc, "region": "620702"})
    new = SocialOrganization.objects.get(uscc=uscc)
    assert (r.status_code, r["Location"]) == (302, reverse("organizations:organization_detail", args=[new.pk]))
    home = orgs["home"]
    staff = page_client("org")
    r = staff.post(reverse("organizations:organization_edit", args=[home.pk]), {
        "legal_representative": "李负责", "phone": "0936-8212345", "address": "县府街 3 号", "service_area": "居家养老",
        "version": home.version if hasattr(home, "version") else ""})
    assert (r.status_code, r["Location"]) == (302, reverse("organizations:organization_detail", args=[home.pk]))
    home.refresh_from_db()
    assert home.legal_representative == "李负责"
    r = page_client("community").post(reverse("organizations:filing_new"), {
        "name": "交通巷社区太极拳队", "community": "620702001001", "responsible_person": "赵太极",
        "members": "赵太极\n钱一\n孙二", "charter": "强身健体，邻里和睦。"})
    filing = CommunityFiling.objects.get(organization__name="交通巷社区太极拳队")
    assert (r.status_code, r["Location"]) == (302, reverse("organizations:filing_detail", args=[filing.pk]))
    r = county.post(reverse("organizations:base_list"), {"name": "甘州区社区社会组织孵化基地", "region": "620702"})
    base = IncubationBase.objects.get(name="甘州区社区社会组织孵化基地")
    assert (r.status_code, r["Location"]) == (302, reverse("organizations:base_detail", args=[base.pk]))


def test_the_forms_offer_regions_by_name_not_a_typed_code(page_client):
    """New-user test: registering asked for "登记（备案）地区划代码" and typing 甘州区 was
    refused. The register, filing, base and call forms now offer the scope's regions by
    name; a region outside the scope is not offered and is refused."""
    county = page_client("county")
    for name in ("organizations:organization_new", "organizations:call_new"):
        body = county.get(reverse(name)).content.decode()
        assert '<option value="620702"' in body and "甘州区" in body, name
        assert 'value="620722"' not in body, name          # 民乐县: another county
    body = page_client("community").get(reverse("organizations:filing_new")).content.decode()
    assert '<option value="620702001001" selected>' in body
    r = county.post(reverse("organizations:organization_new"), {
        "name": "民乐县某服务中心", "kind": "social_service_institution", "uscc": "", "region": "620722"})
    assert r.status_code == 422 and "民乐县某服务中心" in r.content.decode()
