"""Pure rules of facilities and funds, worked by hand."""

from decimal import Decimal as D

import pytest

from jiayuan.facilities import rules
from jiayuan.people.rules import RuleError


def test_area_per_100_households_is_area_over_households_times_100():
    # 450 m² for 1,200 households: 450 / 1200 × 100 = 37.5
    assert rules.area_per_100_households(D("450"), 1200) == D("37.50")
    # 1,000 m² for 3,000 households: 33.333… → 33.33 (half up)
    assert rules.area_per_100_households(D("1000"), 3000) == D("33.33")
    # 2 m² for 3 households: 66.666… → 66.67
    assert rules.area_per_100_households(D("2"), 3) == D("66.67")


def test_no_households_gives_no_ratio():
    assert rules.area_per_100_households(D("450"), 0) is None


def test_coverage_counts_urban_and_rural_apart_and_compares_the_urban_target():
    units = [
        rules.UnitFacts("620702001001", "community", 1200, 1, D("450")),
        rules.UnitFacts("620702001005", "community", 800, 2, D("200")),
        rules.UnitFacts("620702001006", "community", 500, 0, D("0")),
        rules.UnitFacts("620702100200", "village", 300, 1, D("120")),
        rules.UnitFacts("620702100201", "village", 200, 0, D("0")),
    ]
    urban = rules.coverage(units, "community", rules.URBAN_AREA_TARGET)
    # 2 of 3 communities: 66.7 %; 650 m² for 2,500 households: 26.00 m² per 100 < 30
    assert (urban.units, urban.covered, urban.coverage) == (3, 2, D("66.7"))
    assert (urban.area, urban.households, urban.per_100, urban.meets_target) == (D("650.00"), 2500, D("26.00"), False)
    assert urban.facilities == 3 and urban.uncovered == ("620702001006",)
    rural = rules.coverage(units, "village")
    # 1 of 2 villages: 50.0 %; 120 m² for 500 households: 24.00; no national target for villages
    assert (rural.units, rural.covered, rural.coverage, rural.per_100) == (2, 1, D("50.0"), D("24.00"))
    assert rural.target is None and rural.meets_target is None


def test_m2_per_100_households_leaves_out_units_without_households_in_the_registry():
    """A community whose residents are not yet in the registry: its 900 m² stay in the
    area but would be divided by nobody's households (甘州区's demo showed 340 m² per 100
    for urban communities, 5,031 for villages). Per 100 households counts the units with
    households only: 450 m² for 1,200 households = 37.50, not (450 + 900) / 1,200 = 112.50."""
    units = [rules.UnitFacts("620702001001", "community", 1200, 1, D("450")),
             rules.UnitFacts("620702101001", "community", 0, 1, D("900"))]
    c = rules.coverage(units, "community", rules.URBAN_AREA_TARGET)
    assert (c.area, c.households, c.per_100, c.without_households) == (D("1350.00"), 1200, D("37.50"), 1)
    assert c.meets_target is True and c.covered == 2


def test_a_region_without_units_of_a_kind_has_no_coverage_figure():
    c = rules.coverage([], "village")
    assert (c.units, c.coverage, c.per_100) == (0, None, None)


def test_exactly_30_square_metres_per_100_households_meets_the_target():
    c = rules.coverage([rules.UnitFacts("620702001001", "community", 1000, 1, D("300"))], "community", D("30"))
    assert c.per_100 == D("30.00") and c.meets_target is True


@pytest.mark.parametrize("value,code", [("0", "floor_area.not_positive"), ("-3", "floor_area.not_positive"),
                                        ("abc", "floor_area.format"), ("", "floor_area.format"),
                                        ("12.345", "floor_area.precision"), ("100000.01", "floor_area.too_large"),
                                        ("NaN", "floor_area.format")])
def test_a_wrong_area_is_refused_with_its_code(value, code):
    with pytest.raises(RuleError) as e:
        rules.check_area(value)
    assert e.value.code == code


def test_an_area_is_kept_to_the_hundredth_of_a_square_metre():
    assert rules.check_area("1,250.5") == D("1250.50")
    assert rules.check_area("0", allow_zero=True) == D("0.00")


def test_rooms_that_exceed_the_floor_area_are_refused():
    rules.check_rooms_fit(D("300"), [D("120"), D("180")])  # exactly full
    with pytest.raises(RuleError) as e:
        rules.check_rooms_fit(D("300"), [D("120"), D("180.01")])
    assert e.value.code == "room.area_exceeds" and e.value.params == {"rooms": "300.01", "area": "300.00"}


@pytest.mark.parametrize("amount,standing", [(None, "missing"), (D("49999.99"), "below"), (D("50000"), "within"),
                                             (D("120000"), "within"), (D("120000.01"), "above")])
def test_a_fund_stands_against_the_county_range_of_50000_to_120000(amount, standing):
    assert rules.fund_standing(amount, D("50000"), D("120000")) == standing


def test_without_a_standard_a_fund_has_no_standing():
    assert rules.fund_standing(D("80000"), None, None) == "no_standard"


def test_a_standard_whose_minimum_exceeds_its_maximum_is_refused():
    assert rules.check_standard("50000", "120000") == (D("50000.00"), D("120000.00"))
    with pytest.raises(RuleError) as e:
        rules.check_standard("120000", "50000")
    assert e.value.code == "standard.range"


def test_allocations_stay_within_the_budget_and_spending_within_allocations():
    rules.check_allocation(D("80000"), D("60000"), D("20000"))
    with pytest.raises(RuleError) as e:
        rules.check_allocation(D("80000"), D("60000"), D("20000.01"))
    assert e.value.code == "allocation.exceeds_budget"
    rules.check_spending(D("60000"), D("59000"), D("1000"))
    with pytest.raises(RuleError) as e:
        rules.check_spending(D("60000"), D("59000"), D("1000.01"))
    assert e.value.code == "spending.exceeds_allocated"


@pytest.mark.parametrize("value,code", [("0", "amount.not_positive"), ("1.001", "amount.precision"),
                                        ("100000000", "amount.too_large"), ("x", "amount.format")])
def test_a_wrong_amount_is_refused_with_its_code(value, code):
    with pytest.raises(RuleError) as e:
        rules.check_amount(value)
    assert e.value.code == code
