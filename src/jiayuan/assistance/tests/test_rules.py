"""The pure rules of assistance.rules, with values worked out by hand from the policy
text (each case says how). No database."""

import datetime
from decimal import Decimal

import pytest

from jiayuan.assistance import rules

D = Decimal
MONTH = datetime.date(2024, 3, 1)

SUB = {"standard_urban": "735.00", "standard_rural": "560.00"}


def codes(result, met=None):
    return {r.code for r in result.reasons if met is None or r.met is met}


# --- 低保 -----------------------------------------------------------------------------------

def test_subsistence_worked_example():
    # (735.00 − 512.33) × 3 = 222.67 × 3 = 668.01
    c = rules.compute_amount("subsistence_allowance", {"area": "urban", "members": 3, "per_capita_income": "512.33"},
                             SUB, MONTH)
    assert c.amount == D("668.01")
    assert c.rule == "subsistence_allowance.gap/v1"
    assert c.amount.as_tuple().exponent == -2


def test_subsistence_income_equal_to_standard_not_eligible():
    # 735.00 is not strictly below 735.00 → not eligible, nothing paid
    inputs = {"area": "urban", "members": 2, "per_capita_income": "735.00"}
    result = rules.subsistence_eligibility(inputs, SUB)
    assert not result.eligible
    assert codes(result, met=False) == {"income.below_standard"}
    failed = result.failed[0]
    assert "735.00" in failed.message and "不低于" in failed.message
    assert failed.values == {"per_capita_income": "735.00", "standard": "735.00", "members": 2}
    assert rules.compute_amount("subsistence_allowance", inputs, SUB, MONTH).amount == D("0.00")


def test_subsistence_one_fen_below_standard():
    # 735.00 − 734.99 = 0.01 per person; × 2 members = 0.02
    inputs = {"area": "urban", "members": 2, "per_capita_income": "734.99"}
    result = rules.subsistence_eligibility(inputs, SUB)
    assert result.eligible
    assert result.computation.amount == D("0.02")


def test_subsistence_rural_standard_used():
    # rural 560.00 − 400.00 = 160.00 × 4 = 640.00
    c = rules.subsistence_amount({"area": "rural", "members": 4, "per_capita_income": "400"}, SUB)
    assert c.amount == D("640.00")


def test_subsistence_household_income_exact_not_rounded_per_capita():
    # household income 1000.00 for 3 members: per capita 333.333…; exact gap total
    # 735.00 × 3 − 1000.00 = 1205.00 (rounding the per-capita income to 333.33 first would
    # give (735.00 − 333.33) × 3 = 1205.01)
    c = rules.subsistence_amount({"area": "urban", "members": 3, "household_income": "1000.00"}, SUB)
    assert c.amount == D("1205.00")


def test_subsistence_half_up_rounding_once_at_the_end():
    # per capita 100.005 (exact input) → gap 634.995 × 1 = 634.995 → half up 635.00
    c = rules.subsistence_amount({"area": "urban", "members": 1, "per_capita_income": "100.005"}, SUB)
    assert c.amount == D("635.00")


def test_subsistence_assets_limits():
    params = {**SUB, "deposit_limit_years": "2", "max_vehicles": 0, "max_housing": 1}
    # deposits limit per capita = 735 × 12 × 2 = 17640.00; 2 members with 35280.00 → 17640 each: within
    ok = rules.subsistence_eligibility({"area": "urban", "members": 2, "per_capita_income": "300",
                                        "deposits": "35280.00", "vehicles": 0, "housing": 1}, params)
    assert ok.eligible
    over = rules.subsistence_eligibility({"area": "urban", "members": 2, "per_capita_income": "300",
                                          "deposits": "35280.02", "vehicles": 1, "housing": 2}, params)
    assert not over.eligible
    assert codes(over, met=False) == {"assets.deposits", "assets.vehicles", "assets.housing"}
    dep = next(r for r in over.failed if r.code == "assets.deposits")
    assert dep.values["limit"] == "17640.00" and dep.values["per_capita_deposits"] == "17640.01"


def test_subsistence_amount_deposit_limit_by_amount():
    params = {**SUB, "deposit_limit_per_capita": "10000.00"}
    r = rules.subsistence_eligibility({"area": "urban", "members": 1, "per_capita_income": "0", "deposits": "10000.01"},
                                      params)
    assert codes(r, met=False) == {"assets.deposits"}


def test_subsistence_extras():
    # (735 − 500) × 3 = 705.00 + elderly 50.00 × 1 + severely disabled 80.00 × 2 = 915.00
    params = {**SUB, "extra_elderly": "50.00", "extra_severely_disabled": "80.00"}
    c = rules.subsistence_amount({"area": "urban", "members": 3, "per_capita_income": "500",
                                  "elderly_members": 1, "severely_disabled_members": 2, "minor_members": 1}, params)
    assert c.amount == D("915.00")


def test_money_refuses_float():
    with pytest.raises(TypeError):
        rules.money(735.0)


# --- parameter schemas ------------------------------------------------------------------------

def test_validate_subsistence_parameters():
    clean, errors = rules.validate_parameters("subsistence_allowance", {"standard_urban": "735", "standard_rural": 560,
                                                                          "max_vehicles": "0"})
    assert errors == {}
    assert clean == {"standard_urban": "735.00", "standard_rural": "560.00", "max_vehicles": 0}


def test_validate_errors_have_field_codes():
    clean, errors = rules.validate_parameters("subsistence_allowance", {
        "standard_urban": 735.5, "standard_rural": "560.001", "max_housing": -1, "bogus": "1"})
    assert errors["standard_urban"][0] == "standard_urban.money_type"
    assert errors["standard_rural"][0] == "standard_rural.money_fen"
    assert errors["max_housing"][0] == "max_housing.too_small"
    assert errors["bogus"][0] == "bogus.unknown"
    assert "农村低保标准" in errors["standard_rural"][1]


def test_validate_missing_required_and_defaults():
    clean, errors = rules.validate_parameters("extreme_poverty_support", {"basic_urban": "1000"})
    assert set(errors) == {"basic_rural", "care_full_self", "care_semi", "care_full"}
    assert errors["basic_rural"][0] == "basic_rural.required"
    assert clean["minor_age_limit"] == 16 and clean["elderly_age"] == 60
    _clean, errors = rules.validate_parameters("extreme_poverty_support", {
        "basic_urban": "1", "basic_rural": "1", "care_full_self": "1", "care_semi": "1", "care_full": "1",
        "minor_age_limit": 17})
    assert errors == {"minor_age_limit": ("minor_age_limit.choice", "未成年人年龄上限（未满）只能是 16、18，填写的是 17")}


def test_validate_bands_sorted_and_overlap():
    clean, errors = rules.validate_parameters("elderly_allowance", {"bands": [
        {"min_age": 90, "max_age": None, "amount": "200"}, {"min_age": 80, "max_age": 89, "amount": "100"}]})
    assert errors == {}
    assert clean["bands"] == [{"min_age": 80, "max_age": 89, "amount": "100.00"},
                              {"min_age": 90, "max_age": None, "amount": "200.00"}]
    assert clean["local_registration_required"] is True
    _c, errors = rules.validate_parameters("elderly_allowance", {"bands": [
        {"min_age": 80, "max_age": 90, "amount": "100"}, {"min_age": 90, "max_age": None, "amount": "200"}]})
    assert errors["bands"][0] == "bands.bands_overlap"


def test_validate_type_grade_map():
    _c, errors = rules.validate_parameters("disability_care_allowance", {
        "care_amount_default": "80", "care_amounts": {"8-1": "230"}})
    assert errors["care_amounts"][0] == "care_amounts.map_key"
    clean, errors = rules.validate_parameters("disability_care_allowance", {
        "care_amount_default": "80", "care_amounts": {"5-2": "230", "1-1": 230}})
    assert errors == {}
    assert clean["care_amounts"] == {"1-1": "230.00", "5-2": "230.00"}
    assert clean["extend_care_to_grade_3_4_intellectual_mental"] is False


def test_every_program_has_a_schema_and_monthly_ones_a_rule():
    assert set(rules.PARAMETER_SCHEMAS) == {
        "subsistence_allowance", "extreme_poverty_support", "temporary_assistance", "disability_living_allowance",
        "disability_care_allowance", "elderly_allowance", "elderly_care_allowance",
        # the children's allowances (seeded by children/migrations/0003_allowance_programs.py)
        "orphan_allowance", "de_facto_unsupported_allowance"}
    assert set(rules.AMOUNT_RULES) == set(rules.PARAMETER_SCHEMAS) - {"temporary_assistance"}
    with pytest.raises(KeyError):
        rules.compute_amount("temporary_assistance", {}, {}, MONTH)


# --- age ------------------------------------------------------------------------------------

def test_age_in_month_is_age_on_last_day():
    # born 1944-03-15: on 2024-03-31 (last day of March) 80 → 80 for March 2024; 79 for February
    b = datetime.date(1944, 3, 15)
    assert rules.age_in_month(b, datetime.date(2024, 3, 1)) == 80
    assert rules.age_in_month(b, datetime.date(2024, 2, 1)) == 79


def test_age_in_month_29_february():
    b = datetime.date(1944, 2, 29)
    # leap year 2024: birthday 2024-02-29 = last day of February → 80 for February, 79 for January
    assert rules.age_in_month(b, datetime.date(2024, 2, 1)) == 80
    assert rules.age_in_month(b, datetime.date(2024, 1, 1)) == 79
    # common year 2023: the birthday counts on 28 February (= last day) → 79 for February 2023
    assert rules.age_in_month(b, datetime.date(2023, 2, 1)) == 79
    assert rules.age_in_month(b, datetime.date(2023, 1, 1)) == 78


# --- 高龄津贴 ---------------------------------------------------------------------------------

BANDS = {"bands": [{"min_age": 80, "max_age": 89, "amount": "100.00"},
                   {"min_age": 90, "max_age": 99, "amount": "200.00"},
                   {"min_age": 100, "max_age": None, "amount": "500.00"}],
         "local_registration_required": True}


def elderly(birth, month, inputs=None):
    return rules.compute_amount("elderly_allowance", inputs or {}, BANDS, month, birth_date=birth)


def test_elderly_allowance_birthday_month():
    b = datetime.date(1944, 2, 29)
    assert elderly(b, datetime.date(2024, 1, 1)).amount == D("0.00")   # 79
    assert elderly(b, datetime.date(2024, 2, 1)).amount == D("100.00")  # 80 on 2024-02-29
    # born 1936-02-29 reaches 90 on 2026-02-28 (common year): band 90–99 from February 2026
    b90 = datetime.date(1936, 2, 29)
    assert elderly(b90, datetime.date(2026, 1, 1)).amount == D("100.00")
    assert elderly(b90, datetime.date(2026, 2, 1)).amount == D("200.00")


def test_elderly_allowance_open_band_and_reasons():
    r = rules.elderly_allowance_eligibility({}, BANDS, datetime.date(2024, 5, 1), datetime.date(1920, 5, 31))
    assert r.eligible and r.computation.amount == D("500.00")  # 104
    young = rules.elderly_allowance_eligibility({}, BANDS, datetime.date(2024, 5, 1), datetime.date(1950, 1, 1))
    assert not young.eligible
    assert young.failed[0].code == "age.band" and "74" in young.failed[0].message
    zero = elderly(datetime.date(1950, 1, 1), datetime.date(2024, 5, 1))
    assert zero.amount == D("0.00") and zero.detail["not_eligible"] == ["age.band"]


def test_elderly_allowance_registration():
    r = rules.elderly_allowance_eligibility({"registered": False}, BANDS, MONTH, datetime.date(1930, 1, 1))
    assert codes(r, met=False) == {"registration.local"}
    params = {**BANDS, "local_registration_required": False}
    assert rules.elderly_allowance_eligibility({"registered": False}, params, MONTH, datetime.date(1930, 1, 1)).eligible


# --- 特困 ------------------------------------------------------------------------------------

EP = {"basic_urban": "1100.00", "basic_rural": "780.00", "care_full_self": "100.00", "care_semi": "300.00",
      "care_full": "600.00", "minor_age_limit": 16, "elderly_age": 60}
SANWU = {"area": "rural", "self_care": "semi", "no_income_source": True, "no_supporter": True}


def test_extreme_poverty_elderly_amount():
    # rural basic 780.00 + semi care 300.00 = 1080.00; age 70 → elderly, incapacity implied
    r = rules.extreme_poverty_eligibility(SANWU, EP, MONTH, datetime.date(1954, 1, 1))
    assert r.eligible
    assert r.computation.amount == D("1080.00")
    assert r.computation.detail["categories"] == ["elderly"]


def test_extreme_poverty_three_nos_each_checked():
    r = rules.extreme_poverty_eligibility({"area": "urban", "self_care": "full"}, EP, MONTH, datetime.date(1954, 1, 1))
    assert codes(r, met=False) == {"no_income_source", "no_supporter"}
    adult = rules.extreme_poverty_eligibility(SANWU, EP, MONTH, datetime.date(1980, 1, 1))
    assert codes(adult, met=False) == {"category", "no_work_capacity"}


def test_extreme_poverty_minor_age_limit_parameter():
    # born 2008-03-10: 16 by 2024-03-31 → no longer a minor under 16 in March 2024, still under 18
    birth = datetime.date(2008, 3, 10)
    assert rules.extreme_poverty_eligibility(SANWU, EP, datetime.date(2024, 2, 1), birth).eligible
    assert not rules.extreme_poverty_eligibility(SANWU, EP, datetime.date(2024, 3, 1), birth).eligible
    assert rules.extreme_poverty_eligibility(SANWU, {**EP, "minor_age_limit": 18}, datetime.date(2024, 3, 1),
                                             birth).eligible
    c = rules.compute_amount("extreme_poverty_support", SANWU, EP, datetime.date(2024, 3, 1), birth_date=birth)
    assert c.amount == D("0.00") and "category" in c.detail["not_eligible"]


def test_extreme_poverty_disabled_adult():
    inputs = {**SANWU, "disabled": True, "no_work_capacity": True, "area": "urban", "self_care": "full"}
    r = rules.extreme_poverty_eligibility(inputs, EP, MONTH, datetime.date(1980, 1, 1))
    assert r.eligible and r.computation.amount == D("1700.00")  # 1100.00 + 600.00


# --- 临时救助 ---------------------------------------------------------------------------------

TA = {"max_multiple": "3", "township_limit": "1000.00", "emergency_limit": "1500.00"}


def test_temporary_assistance_cap():
    # cap = 735.00 × 3 = 2205.00
    ok = rules.temporary_assistance_eligibility({"hardship": "fire", "amount": "2205.00"}, TA, "735.00")
    assert ok.eligible and ok.computation.detail["approver"] == "county"
    over = rules.temporary_assistance_eligibility({"hardship": "fire", "amount": "2205.01"}, TA, "735.00")
    assert codes(over, met=False) == {"amount.within_max"}
    assert "2205.00" in over.failed[0].message


def test_temporary_assistance_township_and_emergency():
    small = rules.temporary_assistance_eligibility({"hardship": "illness", "amount": "1000.00"}, TA, "735.00")
    assert small.computation.detail["approver"] == "township"
    em = rules.temporary_assistance_eligibility({"hardship": "accident", "amount": "1600", "emergency": True},
                                                TA, "735.00")
    assert codes(em, met=False) == {"amount.within_emergency_limit"}
    bad = rules.temporary_assistance_eligibility({"hardship": "lottery", "amount": "0"}, TA, "735.00")
    assert codes(bad, met=False) == {"hardship", "amount.positive"}


# --- 两项补贴 ---------------------------------------------------------------------------------

# Gansu example (DOMAIN.md): living 230; care 230 for grade 1 visual/physical/intellectual/
# mental and grade 2 intellectual/mental, 80 for other grade 1–2.
LIVING = {"living_amount": "230.00", "extend_living_to_low_income": False}
CARE = {"care_amount_default": "80.00",
        "care_amounts": {"1-1": "230.00", "4-1": "230.00", "5-1": "230.00", "6-1": "230.00", "5-2": "230.00",
                         "6-2": "230.00"},
        "extend_care_to_grade_3_4_intellectual_mental": False}
CERT = {"certificate_valid": True}


def test_living_allowance_subsistence_household():
    r = rules.disability_living_eligibility({**CERT, "disability_type": 4, "grade": 3,
                                             "household_status": "subsistence"}, LIVING)
    assert r.eligible and r.computation.amount == D("230.00")


def test_living_allowance_low_income_needs_extension():
    inputs = {**CERT, "disability_type": 4, "grade": 3, "household_status": "low_income"}
    assert codes(rules.disability_living_eligibility(inputs, LIVING), met=False) == {"household.subsistence"}
    assert rules.disability_living_eligibility(inputs, {**LIVING, "extend_living_to_low_income": True}).eligible


def test_living_allowance_exclusions_and_certificate():
    r = rules.disability_living_eligibility({"certificate_valid": False, "disability_type": 4, "grade": 1,
                                             "household_status": "subsistence", "extreme_poverty": True}, LIVING)
    assert codes(r, met=False) == {"certificate.valid", "exclusion.extreme_poverty"}
    assert rules.compute_amount("disability_living_allowance", {"certificate_valid": False}, LIVING,
                                MONTH).amount == D("0.00")


def test_living_allowance_by_grade():
    params = {**LIVING, "living_amounts": {"1": "300.00"}}
    one = rules.disability_living_eligibility({**CERT, "grade": 1, "household_status": "subsistence"}, params)
    two = rules.disability_living_eligibility({**CERT, "grade": 2, "household_status": "subsistence"}, params)
    assert (one.computation.amount, two.computation.amount) == (D("300.00"), D("230.00"))


def care(inputs, params=CARE):
    return rules.disability_care_eligibility({**CERT, "long_term_care_need": True, **inputs}, params)


def test_care_allowance_amounts_by_type_and_grade():
    assert care({"disability_type": 5, "grade": 2}).computation.amount == D("230.00")   # intellectual grade 2
    assert care({"disability_type": 1, "grade": 1}).computation.amount == D("230.00")   # visual grade 1
    assert care({"disability_type": 1, "grade": 2}).computation.amount == D("80.00")    # visual grade 2: other
    assert care({"disability_type": 2, "grade": 1}).computation.amount == D("80.00")    # hearing grade 1: other


def test_care_allowance_grade_2_vs_3():
    assert care({"disability_type": 4, "grade": 2}).eligible
    r = care({"disability_type": 4, "grade": 3})
    assert codes(r, met=False) == {"grade.severe"}
    # grade 3 intellectual: not without the extension, yes with it (amount: default 80.00)
    assert codes(care({"disability_type": 5, "grade": 3}), met=False) == {"grade.severe"}
    ext = {**CARE, "extend_care_to_grade_3_4_intellectual_mental": True}
    r = care({"disability_type": 5, "grade": 3}, ext)
    assert r.eligible and r.computation.amount == D("80.00")
    # the extension covers intellectual and mental only: physical grade 3 stays out
    assert not care({"disability_type": 4, "grade": 3}, ext).eligible


def test_care_allowance_needs_long_term_care():
    r = rules.disability_care_eligibility({**CERT, "disability_type": 4, "grade": 1}, CARE)
    assert codes(r, met=False) == {"care_need"}


def test_care_allowance_exclusions():
    r = care({"disability_type": 4, "grade": 1, "extreme_poverty": True, "work_injury_care": True})
    assert codes(r, met=False) == {"exclusion.extreme_poverty", "exclusion.work_injury"}


def test_care_allowance_higher_not_both():
    # care 230.00 vs elderly care allowance 100.00 → care allowance applies
    own = care({"disability_type": 4, "grade": 1,
                "overlapping": [{"kind": "elderly_care_allowance", "amount": "100.00"}]})
    assert own.eligible
    reason = next(r for r in own.reasons if r.code.startswith("overlap."))
    assert reason.code == "overlap.own_higher" and reason.values["applies"] == "disability_care_allowance"
    # care 80.00 vs long-term care insurance 300.00 → insurance applies, no care allowance
    other = care({"disability_type": 2, "grade": 1,
                  "overlapping": [{"kind": "long_term_care_insurance", "amount": "300.00"}]})
    assert not other.eligible
    reason = other.failed[0]
    assert reason.code == "overlap.other_higher" and reason.values["applies"] == "long_term_care_insurance"
    assert "300.00" in reason.message and "80.00" in reason.message
    # a tie keeps the other one
    tie = care({"disability_type": 2, "grade": 1,
                "overlapping": [{"kind": "elderly_care_allowance", "amount": "80.00"}]})
    assert not tie.eligible


# --- 养老服务补贴 -------------------------------------------------------------------------------

EC = {"min_age": 60, "amount_extreme_poverty": "200.00", "amount_subsistence": "100.00", "amount_low_income": "50.00",
      "amounts_by_capacity": {"moderate": "150.00", "severe": "300.00", "total": "400.00"}}


def test_elderly_care_highest_category():
    # 低保 100.00 and severe disability 300.00 → the highest, 300.00, not 400.00
    c = rules.compute_amount("elderly_care_allowance", {"economic_status": "subsistence", "capacity_level": "severe"},
                             EC, MONTH, birth_date=datetime.date(1940, 1, 1))
    assert c.amount == D("300.00") and c.detail["category"] == "capacity_severe"
    only = rules.compute_amount("elderly_care_allowance", {"economic_status": "low_income"}, EC, MONTH,
                                birth_date=datetime.date(1940, 1, 1))
    assert only.amount == D("50.00")


def test_elderly_care_age_and_category():
    # born 1964-03-31 reaches 60 on 2024-03-31, the last day of March → due for March 2024, not February
    inputs = {"economic_status": "extreme_poverty"}
    assert rules.compute_amount("elderly_care_allowance", inputs, EC, datetime.date(2024, 3, 1),
                                birth_date=datetime.date(1964, 3, 31)).amount == D("200.00")
    feb = rules.elderly_care_eligibility(inputs, EC, datetime.date(2024, 2, 1), datetime.date(1964, 3, 31))
    assert codes(feb, met=False) == {"age.min"}
    none = rules.elderly_care_eligibility({"economic_status": "other", "capacity_level": "mild"}, EC, MONTH,
                                          datetime.date(1940, 1, 1))
    assert codes(none, met=False) == {"category"}


def test_elderly_care_higher_not_both_against_care_allowance():
    r = rules.elderly_care_eligibility({"economic_status": "subsistence", "overlapping": [
        {"kind": "disability_care_allowance", "amount": "230.00"}]}, EC, MONTH, datetime.date(1940, 1, 1))
    assert not r.eligible and r.failed[0].values["applies"] == "disability_care_allowance"


def test_compute_amount_needs_birth_date_for_age_programs():
    with pytest.raises(KeyError):
        rules.compute_amount("elderly_allowance", {}, BANDS, MONTH)
    with pytest.raises(KeyError):
        rules.compute_amount("subsistence_allowance", {"area": "urban", "members": 1, "per_capita_income": "1"},
                             {"standard_rural": "1"}, MONTH)


# --- review findings: money text, required standards, age bands, inputs ------------------------

@pytest.mark.parametrize("text", ["1e3", "1E+3", "NaN", "Infinity", "-inf", "0x10", "7 35", "735.", "١٢٣"])
def test_money_parameters_are_plain_decimal_digits(text):
    # "1e3" was stored as 1000.00; NaN and the others are not amounts either.
    _clean, errors = rules.validate_parameters("subsistence_allowance", {"standard_urban": text,
                                                                          "standard_rural": "560.00"})
    assert errors["standard_urban"][0] == "standard_urban.money_invalid", text
    assert "不是有效的金额" in errors["standard_urban"][1] and "精确到分" not in errors["standard_urban"][1]


def test_required_money_standards_must_be_above_zero():
    _clean, errors = rules.validate_parameters("subsistence_allowance", {"standard_urban": "0",
                                                                          "standard_rural": "0.00"})
    assert errors["standard_urban"] == ("standard_urban.money_zero", "城市低保标准应大于 0（填写的是 0）")
    assert errors["standard_rural"][0] == "standard_rural.money_zero"
    # an optional amount may be 0 (e.g. no extra for minors)
    clean, errors = rules.validate_parameters("subsistence_allowance", {"standard_urban": "0.01",
                                                                         "standard_rural": "1", "extra_minor": "0"})
    assert errors == {} and clean["standard_urban"] == "0.01" and clean["extra_minor"] == "0.00"
    _clean, errors = rules.validate_parameters("disability_care_allowance", {"care_amount_default": "0"})
    assert errors["care_amount_default"][0] == "care_amount_default.money_zero"


def test_multiple_refuses_exponent():
    _clean, errors = rules.validate_parameters("temporary_assistance", {"max_multiple": "1e2",
                                                                         "township_limit": "1000"})
    assert errors["max_multiple"][0] == "max_multiple.multiple_invalid"


def test_age_band_amounts_must_not_decrease_with_age():
    # decision: refused. 80–89 100.00, 90–99 200.00, 100+ 150.00: the 100+ band gets less.
    bands = [{"min_age": 80, "max_age": 89, "amount": "100"}, {"min_age": 90, "max_age": 99, "amount": "200"},
             {"min_age": 100, "max_age": None, "amount": "150"}]
    _clean, errors = rules.validate_parameters("elderly_allowance", {"bands": bands})
    assert errors["bands"][0] == "bands.bands_decreasing"
    assert "100 周岁起的段 150.00 元低于 90 周岁起的段 200.00 元" in errors["bands"][1]
    # equal amounts in consecutive bands are fine
    bands[2]["amount"] = "200.00"
    _clean, errors = rules.validate_parameters("elderly_allowance", {"bands": bands})
    assert errors == {}


def test_ym_has_four_digit_years():
    assert rules.ym(datetime.date(1, 1, 1)) == "0001-01"
    assert rules.ym(datetime.date(2024, 2, 29)) == "2024-02"


def test_validate_inputs_codes_and_normalisation():
    clean, errors = rules.validate_inputs("subsistence_allowance", {"area": "urban", "members": "3",
                                                                     "household_income": "1000"})
    assert errors == [] and clean == {"area": "urban", "members": 3, "household_income": "1000.00"}
    _clean, errors = rules.validate_inputs("disability_care_allowance", {
        "extreme_poverty": "否", "work_injury_care": False, "grade": 5, "overlapping": [{"kind": "x", "amount": "1"}]})
    assert {(k, c) for k, c, _m in errors} == {("grade", "inputs.invalid"), ("overlapping", "inputs.invalid")}
    _clean, errors = rules.validate_inputs("elderly_care_allowance", {"economic_status": "rich"})
    assert errors[0][:2] == ("economic_status", "inputs.invalid") and "subsistence（低保）" in errors[0][2]
