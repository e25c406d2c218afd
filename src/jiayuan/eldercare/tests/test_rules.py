"""GB/T 42195-2022 capacity assessment rules, worked by hand (no database)."""

import pytest

from jiayuan.eldercare import rules

# The 26 codes with their ranges as printed in the standard (DOMAIN.md), in order.
RANGES = {
    "eating": 4, "grooming": 4, "bathing": 4, "dressing_upper": 4, "dressing_lower": 4, "urine_control": 4,
    "bowel_control": 4, "toileting": 4,
    "bed_mobility": 4, "transfer": 4, "walking": 4, "stairs": 3,
    "time_orientation": 4, "place_orientation": 4, "person_orientation": 4, "memory": 4, "comprehension": 4,
    "expression": 4, "aggression": 1, "depression": 1, "consciousness": 2,
    "vision": 2, "hearing": 2, "daily_affairs": 4, "transport": 3, "social_interaction": 4,
}
FULL = dict(RANGES)  # every item at its maximum: 90


def with_total(total: int) -> dict:
    """Scores summing to ``total``: items lowered from the last one back (each to 0)
    until the sum is reached — the total is then checked by hand-counted examples below."""
    scores = dict(FULL)
    missing = 90 - total
    for code in reversed(list(scores)):
        take = min(scores[code], missing)
        scores[code] -= take
        missing -= take
    assert missing == 0
    return scores


def test_the_26_items_and_their_ranges_are_those_of_the_standard():
    assert {i.code: i.max for i in rules.ITEMS} == RANGES
    assert [i.code for i in rules.ITEMS] == list(RANGES)


def test_the_four_dimensions_have_maxima_32_15_28_15_and_the_total_is_90():
    assert rules.DIMENSION_MAX == {"self_care": 32, "mobility": 15, "mental": 28, "perception": 15}
    assert rules.TOTAL_MAX == 90


@pytest.mark.parametrize("total, level", [
    (90, "intact"),
    (89, "mild"), (66, "mild"),
    (65, "moderate"), (46, "moderate"),
    (45, "severe"), (30, "severe"),
    (29, "total"), (0, "total"),
])
def test_every_level_boundary(total, level):
    assert rules.level_for_total(total) == level
    result = rules.assess(with_total(total))
    assert (result.total, result.initial_level, result.level, result.adjustments) == (total, level, level, ())


def test_a_hand_counted_form_scores_its_sum_and_dimensions():
    # 自理: eating 4, grooming 3, bathing 1, upper 3, lower 2, urine 4, bowel 4, toilet 3 = 24
    # 运动: bed 4, transfer 3, walking 3, stairs 1 = 11
    # 精神: time 3, place 4, person 4, memory 2, comprehension 3, expression 4, aggression 1,
    #       depression 0, consciousness 2 = 23
    # 感知: vision 1, hearing 2, daily 2, transport 1, social 3 = 9
    # total 24 + 11 + 23 + 9 = 67 → 66–89 轻度失能
    scores = {"eating": 4, "grooming": 3, "bathing": 1, "dressing_upper": 3, "dressing_lower": 2,
              "urine_control": 4, "bowel_control": 4, "toileting": 3, "bed_mobility": 4, "transfer": 3,
              "walking": 3, "stairs": 1, "time_orientation": 3, "place_orientation": 4, "person_orientation": 4,
              "memory": 2, "comprehension": 3, "expression": 4, "aggression": 1, "depression": 0,
              "consciousness": 2, "vision": 1, "hearing": 2, "daily_affairs": 2, "transport": 1,
              "social_interaction": 3}
    result = rules.score(scores)
    assert result.dimensions == {"self_care": 24, "mobility": 11, "mental": 23, "perception": 9}
    assert (result.total, result.initial_level, result.level) == (67, "mild", "mild")


def test_coma_is_total_disability_whatever_the_score():
    result = rules.assess(FULL, coma=True)
    assert (result.total, result.initial_level, result.level) == (90, "intact", "total")
    assert [a.as_dict() for a in result.adjustments] == [
        {"code": "coma", "from": "intact", "to": "total", "applied": True, "detail": {}}]


def test_dementia_makes_the_level_one_worse():
    result = rules.score(with_total(70), diagnoses=["F01"])
    assert (result.initial_level, result.level) == ("mild", "moderate")
    assert result.adjustments[0].as_dict() == {"code": "mental_disorder", "from": "mild", "to": "moderate",
                                               "applied": True, "detail": {"diagnoses": ["F01"]}}


def test_another_mental_disorder_counts_and_a_non_mental_diagnosis_does_not():
    assert rules.score(with_total(90), diagnoses=["F32.9"]).level == "mild"  # depression F32: F04–F99
    assert rules.score(with_total(90), diagnoses=["I10", "E11"]).level == "intact"  # hypertension, diabetes
    assert rules.score(with_total(90), diagnoses=["f03"]).level == "mild"  # lower case normalised


def test_two_risk_events_make_the_level_one_worse_and_one_does_not():
    assert rules.score(with_total(50), risk_events=["fall"]).level == "moderate"
    result = rules.score(with_total(50), risk_events=["fall", "fall"])
    assert (result.initial_level, result.level) == ("moderate", "severe")
    assert result.adjustments[0].detail == {"count": 2, "events": {"fall": 2}, "cumulative": False}


def test_both_rules_do_not_add_up_by_default():
    # 70 → 轻度; dementia → 中度; two events would be 重度 only if they added up.
    result = rules.score(with_total(70), diagnoses=["F00"], risk_events=["fall", "wandering"])
    assert result.level == "moderate"
    assert [(a.code, a.from_level, a.to_level, a.applied) for a in result.adjustments] == [
        ("mental_disorder", "mild", "moderate", True), ("risk_events", "moderate", "moderate", False)]


def test_both_rules_add_up_when_the_setting_says_so():
    result = rules.score(with_total(70), diagnoses=["F00"], risk_events=["fall", "wandering"], cumulative=True)
    assert result.level == "severe"
    assert [(a.code, a.from_level, a.to_level, a.applied) for a in result.adjustments] == [
        ("mental_disorder", "mild", "moderate", True), ("risk_events", "moderate", "severe", True)]


def test_never_past_total_disability():
    result = rules.score(with_total(20), diagnoses=["F01"], risk_events=["fall", "choking"], cumulative=True)
    assert (result.initial_level, result.level) == ("total", "total")
    assert [a.applied for a in result.adjustments] == [False, False]
    # severe + both rules adding up stops at total
    assert rules.score(with_total(35), diagnoses=["F01"], risk_events=["fall", "choking"],
                       cumulative=True).level == "total"


def test_when_dementia_changes_nothing_the_risk_events_still_apply():
    # Not cumulative, but the first rule moved nothing (it never does below total); the
    # risk rule alone at 完全失能 stays there too: both listed, neither applied.
    result = rules.score(with_total(10), diagnoses=["F02"], risk_events=["fall", "fall"])
    assert result.level == "total"


@pytest.mark.parametrize("code, top", sorted(RANGES.items()))
def test_each_item_accepts_0_to_its_maximum_and_refuses_one_more(code, top):
    for value in (0, top):
        rules.check_items({**FULL, code: value})
    with pytest.raises(ValueError) as exc:
        rules.check_items({**FULL, code: top + 1})
    (err,) = exc.value.args[0]
    assert (err.code, err.field, err.params["max"]) == ("item.out_of_range", f"items.{code}", top)
    with pytest.raises(ValueError):
        rules.check_items({**FULL, code: -1})


def test_stairs_and_transport_are_0_to_3():
    for code in ("stairs", "transport"):
        with pytest.raises(ValueError) as exc:
            rules.check_items({**FULL, code: 4})
        assert exc.value.args[0][0].message.endswith("0–3 之间，填写的是 4")


def test_missing_unknown_and_non_integer_items_are_named():
    items = {k: v for k, v in FULL.items() if k != "memory"}
    items["walking"] = 2.5
    items["jumping"] = 1
    items["vision"] = True
    with pytest.raises(ValueError) as exc:
        rules.check_items(items)
    got = {(e.field, e.code) for e in exc.value.args[0]}
    assert got == {("items.memory", "item.missing"), ("items.walking", "item.not_integer"),
                   ("items.jumping", "item.unknown"), ("items.vision", "item.not_integer")}


def test_scores_written_as_text_are_read():
    assert rules.check_items({**FULL, "stairs": "2"})["stairs"] == 2


def test_unknown_risk_events_and_malformed_diagnoses_are_refused():
    with pytest.raises(ValueError) as exc:
        rules.score(FULL, risk_events=["fall", "flood"])
    assert exc.value.args[0][0].code == "risk_event.unknown"
    with pytest.raises(ValueError) as exc:
        rules.score(FULL, diagnoses=["dementia"])
    assert exc.value.args[0][0].code == "diagnoses.format"
    with pytest.raises(ValueError) as exc:
        rules.score(FULL, coma="yes")
    assert exc.value.args[0][0].code == "coma.format"


def test_coverage_is_served_over_all():
    assert rules.coverage(1, 2) == 0.5
    assert rules.coverage(0, 0) is None
