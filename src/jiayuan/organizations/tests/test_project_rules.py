"""The pure rules of purchased-service projects, worked by hand."""

from decimal import Decimal

import pytest

from jiayuan.organizations import rules
from jiayuan.people.rules import RuleError

CRIT = [{"code": "needs", "weight": 20}, {"code": "design", "weight": 30}, {"code": "indicators", "weight": 20},
        {"code": "budget", "weight": 15}, {"code": "capacity", "weight": 15}]
A = {"needs": 80, "design": 90, "indicators": 70, "budget": 60, "capacity": 100}
B = {"needs": 70, "design": 80, "indicators": 80, "budget": 80, "capacity": 70}


def test_one_reviewer_score_is_the_weighted_mean_of_the_points():
    # (80·20 + 90·30 + 70·20 + 60·15 + 100·15) / 100 = (1600 + 2700 + 1400 + 900 + 1500) / 100 = 81
    assert rules.reviewer_score(CRIT, A) == Decimal(81)
    # (1400 + 2400 + 1600 + 1200 + 1050) / 100 = 76.5
    assert rules.reviewer_score(CRIT, B) == Decimal("76.5")


def test_the_proposal_score_is_the_mean_of_the_reviewers_rounded_to_the_hundredth():
    assert rules.review_score(CRIT, [A, B]) == Decimal("78.75")


def test_a_third_reviewer_rounding_half_up():
    # C: all 77 → 77; mean (81 + 76.5 + 77) / 3 = 234.5 / 3 = 78.1666… → 78.17
    c = dict.fromkeys(A, 77)
    assert rules.review_score(CRIT, [A, B, c]) == Decimal("78.17")


def test_weights_need_not_add_to_one_hundred():
    crit = [{"code": "a", "weight": 1}, {"code": "b", "weight": 3}]
    # (60·1 + 100·3) / 4 = 90
    assert rules.review_score(crit, [{"a": 60, "b": 100}]) == Decimal("90.00")


def test_an_incomplete_sheet_or_points_out_of_range_are_refused():
    with pytest.raises(RuleError) as e:
        rules.reviewer_score(CRIT, {"needs": 80})
    assert e.value.code == "review.incomplete"
    with pytest.raises(RuleError) as e:
        rules.reviewer_score(CRIT, A | {"needs": 101})
    assert e.value.code == "review.points"
    with pytest.raises(RuleError) as e:
        rules.review_score(CRIT, [])
    assert e.value.code == "review.no_reviewers"


def test_instalment_schedule_of_a_180000_yuan_contract_at_30_40_30():
    assert rules.instalment_schedule(Decimal("180000"), [30, 40, 30]) == [
        Decimal("54000.00"), Decimal("72000.00"), Decimal("54000.00")]


def test_the_last_instalment_takes_the_rounding_remainder_so_the_sum_is_exact():
    # 1,000.00 × 33.33 % = 333.30 twice; the last 1,000.00 − 666.60 = 333.40
    plan = rules.instalment_schedule("1000", ["33.33", "33.33", "33.34"])
    assert plan == [Decimal("333.30"), Decimal("333.30"), Decimal("333.40")]
    # 99,999.99 at 50/50: 49,999.995 → 50,000.00 (half up), last 49,999.99
    plan = rules.instalment_schedule("99999.99", [50, 50])
    assert plan == [Decimal("50000.00"), Decimal("49999.99")] and sum(plan) == Decimal("99999.99")


def test_percentages_must_add_up_to_one_hundred():
    with pytest.raises(RuleError) as e:
        rules.instalment_schedule("1000", [30, 30, 30])
    assert e.value.code == "instalment.percent_total"
    with pytest.raises(RuleError) as e:
        rules.instalment_schedule("1000", [110, -10])
    assert e.value.code == "instalment.percent"


@pytest.mark.parametrize("score, band", [("100", "excellent"), ("90", "excellent"), ("89.99", "good"),
                                         ("80", "good"), ("79.99", "pass"), ("60", "pass"), ("59.99", "fail"),
                                         ("0", "fail")])
def test_evaluation_bands_at_their_bounds(score, band):
    assert rules.evaluation_band(score) == band


def test_bands_are_configurable():
    bands = [(85, "excellent"), (70, "good"), (50, "pass"), (0, "fail")]
    assert rules.evaluation_band("86", bands) == "excellent"
    assert rules.evaluation_band("55", bands) == "pass"
    with pytest.raises(RuleError):
        rules.check_bands([(90, "excellent"), (60, "pass")])  # no band from 0


def test_the_final_instalment_scaled_by_the_band():
    assert rules.final_instalment_amount(Decimal("54000.00"), "excellent") == (Decimal("54000.00"), Decimal(100))
    # 合格 at 80 %: 54,000 × 0.8 = 43,200.00
    assert rules.final_instalment_amount(Decimal("54000.00"), "pass")[0] == Decimal("43200.00")
    assert rules.final_instalment_amount(Decimal("54000.00"), "fail")[0] == Decimal("0.00")
    # a call's own factors: 良好 at 95 % of 333.40 = 316.73
    assert rules.final_instalment_amount(Decimal("333.40"), "good", {"good": "95"})[0] == Decimal("316.73")
