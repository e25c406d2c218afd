"""Pure workforce rules worked by hand: grade steps (三岗十八级), the two-year exam window
of 社会工作师, continuing-education hours per 3-year period, staffing per 10,000."""

from datetime import date
from decimal import Decimal as D

import pytest

from jiayuan.people.rules import RuleError
from jiayuan.workforce import rules


def test_one_grade_step_for_every_three_full_years_in_the_grade():
    # grade 3 (其他, 1–12) since 2019-07-01: on 2025-06-30 five full years → 1 step; on 2025-07-01 six → 2
    s = rules.grade_status("other", 3, date(2019, 7, 1), date(2025, 6, 30))
    assert (s.steps_due, s.due_grade, s.next_step_on) == (1, 4, date(2025, 7, 1))
    s = rules.grade_status("other", 3, date(2019, 7, 1), date(2025, 7, 1))
    assert (s.steps_due, s.due_grade, s.next_step_on) == (2, 5, date(2028, 7, 1))


def test_no_step_before_three_years_and_the_next_is_dated():
    s = rules.grade_status("head", 7, date(2024, 3, 1), date(2026, 12, 6))
    assert (s.steps_due, s.next_step_on) == (0, date(2027, 3, 1))


def test_steps_stop_at_the_top_of_the_post():
    # 副职 4–15: grade 14 since 2010 has earned 5 steps but only 1 remains to 15
    s = rules.grade_status("deputy", 14, date(2010, 1, 1), date(2026, 1, 1))
    assert (s.steps_due, s.due_grade, s.next_step_on, s.top) == (1, 15, None, 15)
    s = rules.grade_status("deputy", 15, date(2010, 1, 1), date(2026, 1, 1))
    assert (s.steps_due, s.next_step_on) == (0, None)


def test_a_step_from_29_february_falls_on_28_february_in_a_common_year():
    s = rules.grade_status("other", 1, date(2020, 2, 29), date(2023, 2, 28))
    assert s.steps_due == 1


def test_the_scheme_is_configuration():
    two_year = {"name": "x", "posts": {"head": (1, 5), "deputy": (1, 5), "other": (1, 5)}, "years_per_step": 2}
    assert rules.grade_status("other", 1, date(2020, 1, 1), date(2024, 1, 1), two_year).steps_due == 2


@pytest.mark.parametrize("post,grade,code", [("head", 6, "grade.out_of_range"), ("head", 19, "grade.out_of_range"),
                                             ("deputy", 3, "grade.out_of_range"), ("other", "x", "grade.format"),
                                             ("chief", 5, "post.unknown")])
def test_a_grade_outside_the_post_range_is_refused(post, grade, code):
    with pytest.raises(RuleError) as e:
        rules.check_grade(post, grade)
    assert e.value.code == code


def test_grade_ranges_of_sangang_shibaji():
    assert [rules.check_grade(p, g) for p, g in (("head", 7), ("head", 18), ("deputy", 4), ("deputy", 15),
                                                 ("other", 1), ("other", 12))] == [7, 18, 4, 15, 1, 12]


def test_intermediate_all_three_subjects_within_two_consecutive_years():
    out = rules.exam_outcome("intermediate", [(2023, "comprehensive"), (2024, "practice"), (2024, "law_policy")])
    assert out.qualified_year == 2024 and out.missing == ()


def test_a_pass_three_years_back_has_expired():
    out = rules.exam_outcome("intermediate", [(2022, "comprehensive"), (2024, "practice"), (2024, "law_policy")])
    assert out.qualified_year is None
    assert out.still_valid == ("practice", "law_policy") and out.missing == ("comprehensive",)
    assert out.deadline_year == 2025


def test_two_passes_of_this_year_leave_one_subject_for_next_year():
    out = rules.exam_outcome("intermediate", [(2025, "comprehensive"), (2025, "practice")])
    assert (out.qualified_year, out.missing, out.deadline_year) == (None, ("law_policy",), 2026)


def test_assistant_needs_both_subjects_in_one_year():
    out = rules.exam_outcome("assistant", [(2024, "comprehensive"), (2025, "practice")])
    assert out.qualified_year is None and out.still_valid == () and out.deadline_year is None
    assert out.missing == ("comprehensive", "practice")
    assert rules.exam_outcome("assistant", [(2025, "comprehensive"), (2025, "practice")]).qualified_year == 2025


def test_a_score_at_the_pass_mark_passes():
    assert rules.subject_passed(D("60"), D("60")) and not rules.subject_passed(D("59.9"), D("60"))


def test_periods_run_three_years_from_registration():
    assert rules.education_period(date(2023, 3, 15), date(2026, 3, 14)) == (date(2023, 3, 15), date(2026, 3, 14))
    assert rules.education_period(date(2023, 3, 15), date(2026, 3, 15)) == (date(2026, 3, 15), date(2029, 3, 14))


def test_hours_shortfall_against_72_and_90():
    records = [(date(2023, 6, 1), D("40")), (date(2025, 1, 10), D("20.5")), (date(2022, 12, 1), D("30"))]
    # period 2023-03-15 … 2026-03-14: 40 + 20.5 = 60.5 (the 2022 hours are of the period before)
    a = rules.hours_in_period("assistant", date(2023, 3, 15), date(2026, 1, 1), records)
    assert (a.hours, a.required, a.shortfall) == (D("60.5"), D("72"), D("11.5"))
    b = rules.hours_in_period("intermediate", date(2023, 3, 15), date(2026, 1, 1), records)
    assert (b.required, b.shortfall) == (D("90"), D("29.5"))
    met = rules.hours_in_period("assistant", date(2023, 3, 15), date(2026, 1, 1), records + [(date(2024, 1, 1), D("12"))])
    assert met.shortfall == D("0")


def test_workers_per_10000_urban_residents():
    assert rules.per_10k(18, 10000) == D("18.0")
    assert rules.per_10k(7, 3000) == D("23.3")   # 7 × 10000 / 3000 = 23.33…
    assert rules.per_10k(5, 0) is None


@pytest.mark.parametrize("value,code", [("101", "score.range"), ("-1", "score.range"), ("59.95", "score.range"),
                                        ("x", "score.format")])
def test_bad_scores(value, code):
    with pytest.raises(RuleError) as e:
        rules.check_score(value)
    assert e.value.code == code
