"""Home care: catalogue, standards with effective dates, eligibility from the registry and
the assessment, the county's approval (amount from the standard, never typed)."""

from datetime import date
from decimal import Decimal

import pytest

from jiayuan.audit.services import Actor
from jiayuan.eldercare import rules, selectors, services
from jiayuan.errors import Conflict, Forbidden, ValidationFailed
from jiayuan.people.services import add_tag

from .conftest import FULL, scores

pytestmark = pytest.mark.django_db
COUNTY = "620702"


def test_categories_worked_by_hand():
    assert rules.entitlement_categories({"capacity_level": "severe", "age": 81, "living_alone": True}) == [
        "disabled", "advanced_age", "empty_nest"]
    assert rules.entitlement_categories({"capacity_level": "mild", "age": 79}) == ["semi_disabled"]
    assert rules.entitlement_categories({"capacity_level": "intact", "age": 60}) == []
    standards = {("disabled", "severe"): (Decimal("300"), Decimal("20")), ("disabled", ""): (Decimal("200"), 0),
                 ("advanced_age", ""): (Decimal("100"), Decimal("4"))}
    # highest amount, not the sum; the row for the level wins over "any level"
    assert rules.monthly_entitlement(["disabled", "advanced_age"], "severe", standards) == (
        "disabled", Decimal("300"), Decimal("20"))
    assert rules.monthly_entitlement(["disabled", "advanced_age"], "total", standards)[1] == Decimal("200")
    assert rules.monthly_entitlement(["empty_nest"], None, standards) is None


@pytest.fixture
def county(users):
    return Actor(users["county"], "page")


@pytest.fixture
def standards(county):
    services.set_standard(county, COUNTY, category="disabled", level="", effective_from="2026-01-01",
                          amount="200.00", hours="10", basis="甘州民发〔2025〕90号")
    services.set_standard(county, COUNTY, category="disabled", level="total", effective_from="2026-01-01",
                          amount="400.00", hours="20", basis="甘州民发〔2025〕90号")
    services.set_standard(county, COUNTY, category="empty_nest", effective_from="2026-01-01", amount="60.00",
                          basis="甘州民发〔2025〕90号")
    services.set_standard(county, COUNTY, category="disabled", level="total", effective_from="2026-07-01",
                          amount="450.00", hours="24", basis="甘州民发〔2026〕30号")


def test_the_catalogue(county, users):
    item = services.save_item(county, COUNTY, {"code": "ZC01", "kind": "meals", "name": "上门送餐", "unit": "meal",
                                               "price": "12.00", "min_minutes": 0, "evidence": ["location", "photo"]})
    assert list(selectors.items_for(users["community"], COUNTY)) == [item]
    with pytest.raises(Conflict):
        services.save_item(county, COUNTY, {"code": "ZC01", "kind": "meals", "name": "x", "unit": "meal",
                                            "price": "1"})
    with pytest.raises(ValidationFailed) as exc:
        services.save_item(county, COUNTY, {"code": "ZJ01", "kind": "cooking", "name": "助洁", "unit": "hour",
                                            "price": 25.5, "min_minutes": 9999})
    assert {"kind", "price", "min_minutes"} <= set(exc.value.fields)
    with pytest.raises(Forbidden):
        services.save_item(Actor(users["community"], "page"), COUNTY, {})


def test_the_county_approves_what_the_registry_and_assessment_say(county, standards, assess, elder, users):
    assess(elder, assessed_on="2025-12-01", items=FULL, coma=True)  # 完全失能
    add_tag(Actor(users["admin"], "command"), elder, "elderly_living_alone", date(2020, 1, 1))
    e = services.approve_entitlement(county, elder, "2026-03-01")
    # categories 失能 (400 for 完全失能) and 空巢独居 (60): the highest, not the sum
    assert (e.category, e.level, e.amount, e.hours) == ("disabled", "total", Decimal("400.00"), Decimal("20.0"))
    assert e.basis["categories"] == ["disabled", "empty_nest"]
    with pytest.raises(Conflict):
        services.approve_entitlement(county, elder, "2026-04-01")
    services.end_entitlement(county, e, "2026-08-01", "入住养老机构")
    later = services.approve_entitlement(county, elder, "2026-08-01")
    assert later.amount == Decimal("450.00")  # the standard from July


def test_not_eligible_is_422_naming_what_was_found(county, standards, assess, elder):
    assess(elder, assessed_on="2025-12-01", items=scores())  # 能力完好, no tags
    with pytest.raises(ValidationFailed) as exc:
        services.approve_entitlement(county, elder, "2026-03-01")
    assert exc.value.code == "entitlement.not_eligible" and "符合的类别：无" in exc.value.message


def test_pages_and_api(county, standards, assess, elder, users, page_client, api_client):
    from urllib.parse import unquote

    assess(elder, assessed_on="2025-12-01", items=FULL, coma=True)
    c = page_client("county")
    assert "王桂兰" in c.get("/eldercare/entitlements/").content.decode()  # waiting: assessed, no entitlement
    page = c.get(f"/eldercare/entitlements/new/?person={elder.pk}").content.decode()
    assert "450.00" in page and "失能老年人" in page  # this month: the standard from July 2026
    r = c.post(f"/eldercare/entitlements/new/?person={elder.pk}", {"person": elder.pk, "start_month": "2026-03-01"})
    assert r.status_code == 302
    assert 'data-testid="entitlement"' in c.get(f"/persons/{elder.pk}/").content.decode()
    r = c.get("/eldercare/entitlements/export/")
    assert r.status_code == 200 and "甘州区-居家养老服务待遇-" in unquote(r["Content-Disposition"])
    r = c.post("/eldercare/homecare/item/?county=620702", {"code": "ZX01", "kind": "cleaning", "name": "居室保洁",
                                                            "unit": "hour", "price": "30.00", "min_minutes": "60",
                                                            "evidence": ["location", "photo"]})
    assert r.status_code == 302
    assert "居室保洁" in c.get("/eldercare/homecare/").content.decode()
    a = api_client("community")
    assert [i["code"] for i in a.get("/api/v1/eldercare/homecare/items").json()] == ["ZX01"]
    elig = a.get(f"/api/v1/eldercare/eligibility/{elder.pk}", {"month": "2026-03-01"}).json()
    assert (elig["category"], elig["amount"], elig["categories"]) == ("disabled", "400.00", ["disabled"])
    assert a.post("/api/v1/eldercare/entitlements", {"person": elder.pk, "start_month": "2026-04-01"},
                  content_type="application/json").status_code == 403
