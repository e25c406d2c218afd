"""Community work funds: the county's standard, budgets, allocations and spending, the
communities below the standard — worked by hand on 东街街道's five communities."""

from decimal import Decimal as D
from urllib.parse import unquote

import pytest
from django.utils import timezone

from jiayuan.audit.models import AuditEntry
from jiayuan.audit.services import Actor
from jiayuan.errors import Forbidden, NotFound, ValidationFailed
from jiayuan.facilities import selectors, services
from jiayuan.regions.models import Region
from jiayuan.web.todo import sources_for

from .conftest import DONGJIE, GANQUAN, JIAOTONGXIANG, LIANGJIADUN_VILLAGE

pytestmark = pytest.mark.django_db
YEAR = timezone.localdate().year
CHANGSHAMEN, JINANYUAN, YINMAQIAO = "620702001006", "620702001007", "620702001008"


@pytest.fixture
def county(users):
    return Actor(users["county"], "page")


@pytest.fixture
def budgets(county):
    """甘州区 standard 50,000–120,000 for the year; 交通巷 80,000, 甘泉 45,000 (below),
    长沙门 120,000, 金安苑 130,000 (above), 饮马桥 nothing in the budget (missing)."""
    services.set_standard(county, "620702", YEAR, "50000", "120000", "甘政办发〔2019〕1号")
    return {code: services.set_budget(county, code, YEAR, amount) for code, amount in (
        (JIAOTONGXIANG, "80000"), (GANQUAN, "45000"), (CHANGSHAMEN, "120000"), (JINANYUAN, "130000"))}


def test_the_summary_lists_the_communities_below_the_standard(users, budgets):
    s = selectors.fund_summary(users["township"], Region.objects.get(code=DONGJIE), YEAR)
    standing = {r.community.code: r.standing for r in s.rows}
    assert standing == {JIAOTONGXIANG: "within", GANQUAN: "below", CHANGSHAMEN: "within", JINANYUAN: "above",
                        YINMAQIAO: "missing"}
    assert [r.community.code for r in s.below] == [GANQUAN, YINMAQIAO]
    # 80,000 + 45,000 + 120,000 + 130,000 = 375,000
    assert s.budget_total == D("375000.00")


def test_allocations_and_spending_add_up_by_category(users, budgets, county):
    fund = budgets[JIAOTONGXIANG]
    services.add_entry(county, fund, "allocation", "office", "30000", f"{YEAR}-03-01")
    services.add_entry(county, fund, "allocation", "activities", "50000", f"{YEAR}-06-01")
    director = Actor(users["township"], "page")
    services.add_entry(director, fund, "spending", "office", "12345.67", f"{YEAR}-04-02", "办公用品")
    services.add_entry(director, fund, "spending", "activities", "20000", f"{YEAR}-07-01")
    row = selectors.fund_row(fund)
    # allocated 30,000 + 50,000 = 80,000 = the whole budget; spent 12,345.67 + 20,000 = 32,345.67
    assert (row.allocated, row.spent, row.balance) == (D("80000.00"), D("32345.67"), D("47654.33"))
    by = {c["category"]: (c["allocated"], c["spent"]) for c in selectors.totals_by_category(fund)}
    assert by == {"office": (D("30000.00"), D("12345.67")), "activities": (D("50000.00"), D("20000.00"))}
    # the budget is fully allocated: one more fen is refused
    with pytest.raises(ValidationFailed) as e:
        services.add_entry(county, fund, "allocation", "other", "0.01", f"{YEAR}-08-01")
    assert e.value.code == "allocation.exceeds_budget"
    # spending past the allocations: 80,000 − 32,345.67 = 47,654.33 left
    with pytest.raises(ValidationFailed) as e:
        services.add_entry(director, fund, "spending", "services", "47654.34", f"{YEAR}-09-01")
    assert e.value.code == "spending.exceeds_allocated"
    services.add_entry(director, fund, "spending", "services", "47654.33", f"{YEAR}-09-01")
    # a budget cannot be cut below what was allocated
    with pytest.raises(ValidationFailed) as e:
        services.set_budget(county, JIAOTONGXIANG, YEAR, "79999.99")
    assert e.value.code == "budget.below_allocated"
    assert AuditEntry.objects.filter(action="fund.spending", region_code=JIAOTONGXIANG).count() == 3


def test_an_entry_dated_outside_the_fund_year_is_refused(budgets, county):
    with pytest.raises(ValidationFailed) as e:
        services.add_entry(county, budgets[JIAOTONGXIANG], "allocation", "office", "100", f"{YEAR - 1}-12-31")
    assert e.value.code == "on.outside_year"


def test_only_the_county_plans_and_a_community_worker_spends_nothing(users, budgets):
    with pytest.raises(Forbidden):
        services.set_budget(Actor(users["township"], "page"), JIAOTONGXIANG, YEAR, "90000")
    with pytest.raises(Forbidden):
        services.add_entry(Actor(users["community"], "page"), budgets[JIAOTONGXIANG], "spending", "office", "1")


def test_villages_have_no_community_work_funds(county):
    with pytest.raises(ValidationFailed) as e:
        services.set_budget(county, LIANGJIADUN_VILLAGE, YEAR, "50000")
    assert e.value.code == "community.kind"


def test_a_standard_must_be_a_range_of_a_county_in_scope(users, county):
    with pytest.raises(ValidationFailed) as e:
        services.set_standard(county, "620702", YEAR, "120000", "50000")
    assert e.value.code == "standard.range"
    with pytest.raises(ValidationFailed) as e:
        services.set_standard(county, "620722", YEAR, "50000", "120000")  # 民乐县: another county
    assert e.value.code == "county.not_found"


def test_the_peer_community_does_not_see_the_fund(users, budgets):
    with pytest.raises(NotFound):
        selectors.get_fund(users["peer"], budgets[JIAOTONGXIANG].pk)


def test_the_county_finds_the_communities_below_the_standard_in_its_todo(users, budgets):
    source = next(s for s in sources_for(users["county"]) if s.code == "funds_below_standard")
    # 甘泉 and 饮马桥 in 东街街道, and every other urban community of 甘州区 (nothing in the budget yet)
    others = Region.objects.filter(code__startswith="620702", kind="community").exclude(
        code__startswith=DONGJIE).count()
    assert others > 0 and source.count(users["county"]) == 2 + others
    items = source.items(users["county"], 2)
    assert [i.title for i in items] == ["甘泉社区", "饮马桥社区"]
    assert "45,000.00" in items[0].detail and "50,000.00" in items[0].detail
    assert not any(s.code == "funds_below_standard" for s in sources_for(users["township"]))


def test_api_funds_summary_budget_and_entries(api_client, budgets):
    c = api_client("county")
    r = c.get(f"/api/v1/facilities/funds?region={DONGJIE}&year={YEAR}")
    assert r.status_code == 200, r.content
    d = r.json()
    assert d["below_standard"] == [GANQUAN, YINMAQIAO] and d["budget_total"] == "375000.00"
    fid = budgets[GANQUAN].pk
    r = c.put("/api/v1/facilities/funds", {"community": GANQUAN, "year": YEAR, "budget_amount": "60000"},
              content_type="application/json")
    assert r.status_code == 200 and r.json()["standing"] == "within" and r.json()["id"] == fid
    r = c.post(f"/api/v1/facilities/funds/{fid}/entries", {"kind": "allocation", "category": "training",
                                                          "amount": "10000.50", "on": f"{YEAR}-05-05"},
               content_type="application/json")
    assert r.status_code == 201 and r.json()["allocated"] == "10000.50" and r.json()["balance"] == "10000.50"
    r = c.get(f"/api/v1/facilities/funds?region={DONGJIE}&year={YEAR}&format=xlsx")
    assert f"东街街道-社区工作经费-{YEAR}年-" in unquote(r["Content-Disposition"])
    # 甘泉 is the peer's own community; 交通巷's fund is out of its scope
    assert api_client("peer").get(f"/api/v1/facilities/funds/{fid}").status_code == 200
    assert api_client("peer").get(f"/api/v1/facilities/funds/{budgets[JIAOTONGXIANG].pk}").status_code == 404


def test_api_standard_and_its_errors(api_client):
    c = api_client("county")
    r = c.put("/api/v1/facilities/fund-standards", {"county": "620702", "year": YEAR, "minimum": "50000",
                                                    "maximum": "120000"}, content_type="application/json")
    assert r.status_code == 200 and r.json()["minimum"] == "50000.00"
    r = c.put("/api/v1/facilities/fund-standards", {"county": "620702", "year": YEAR, "minimum": "5e4x",
                                                    "maximum": "120000"}, content_type="application/json")
    assert r.status_code == 422 and r.json()["error"]["code"] == "minimum.format"
    assert api_client("township").get(f"/api/v1/facilities/fund-standards?year={YEAR}").json()[0]["county"] == "620702"


def test_pages_summary_detail_budget_and_entry(page_client, budgets):
    c = page_client("county")
    r = c.get(f"/facilities/funds/?region={DONGJIE}&year={YEAR}")
    body = r.content.decode()
    assert r.status_code == 200 and "低于标准" in body and "未列预算" in body
    fund = budgets[JIAOTONGXIANG]
    r = c.post(f"/facilities/funds/{fund.pk}/entries/", {"kind": "allocation", "category": "office",
                                                          "amount": "90000", "on": f"{YEAR}-02-01"})
    assert r.status_code == 422 and "超过预算安排" in r.content.decode()
    r = c.post(f"/facilities/funds/{fund.pk}/entries/", {"kind": "allocation", "category": "office",
                                                          "amount": "40000", "on": f"{YEAR}-02-01"})
    assert r.status_code == 302
    assert "40,000.00" in c.get(f"/facilities/funds/{fund.pk}/").content.decode()
    r = c.post(f"/facilities/funds/budget/?community={YINMAQIAO}&year={YEAR}",
               {"community": YINMAQIAO, "year": YEAR, "amount": "60000"})
    assert r.status_code == 302
    r = c.post("/facilities/funds/standard/", {"county": "620702", "year": YEAR, "minimum": "60000",
                                               "maximum": "100000"})
    assert r.status_code == 302
    assert page_client("township").get(f"/facilities/funds/{fund.pk}/").status_code == 200
    assert page_client("peer").get(f"/facilities/funds/{fund.pk}/").status_code == 404
