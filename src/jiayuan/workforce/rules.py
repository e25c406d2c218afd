"""Pure rules of the community workforce (社区工作者) and of social workers (社会工作者).
No Django, no I/O.

- **Career grades** (DOMAIN.md "Workforce"; 2024 national opinion on the community-worker
  workforce): grades such as 三岗十八级 — heads (正职) 7–18, deputies (副职) 4–15, others
  (其他) 1–12 — are local practice, so the scheme is configuration
  (:data:`DEFAULT_GRADE_SCHEME`, setting ``WORKFORCE_GRADE_SCHEME``). **Decision**: a
  worker moves up one grade for every ``years_per_step`` full years (3 by default) in
  the current grade, up to the post's highest grade; the steps due are the steps earned
  and not yet recorded.
- **Qualification exams** (社会工作者职业水平评价): 助理社会工作师 two subjects (综合能力, 实务)
  passed in one exam year; 社会工作师 three subjects (综合能力, 实务, 法规与政策) passed
  within two consecutive exam years (a pass counts in its year and the next); 高级社会工作师
  the 高级社会工作实务 exam (then review). Subjects and windows are :data:`EXAM_SUBJECTS`
  and :data:`EXAM_WINDOW_YEARS`.
- **Continuing education** (社会工作者继续教育办法): per registration period of 3 years from
  the registration date, at least 72 hours for 助理社会工作师 and 90 hours for 社会工作师 and
  高级社会工作师 (DOMAIN.md "Workforce").
- **Staffing**: community workers per 10,000 urban residents (national indicator: 18).

Errors are :class:`jiayuan.people.rules.RuleError` with stable codes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from ..people.rules import N_, RuleError

POSTS = ("head", "deputy", "other")
LEVELS = ("assistant", "intermediate", "senior")

DEFAULT_GRADE_SCHEME = {
    "name": N_("三岗十八级"),
    "posts": {"head": (7, 18), "deputy": (4, 15), "other": (1, 12)},
    "years_per_step": 3,
}
"""三岗十八级: the grade range of each post and the years in a grade per step (configuration)."""

EXAM_SUBJECTS = {
    "assistant": ("comprehensive", "practice"),
    "intermediate": ("comprehensive", "practice", "law_policy"),
    "senior": ("senior_practice",),
}
"""Subjects of each level's exam (社会工作综合能力, 社会工作实务, 社会工作法规与政策, 高级社会工作实务)."""

EXAM_WINDOW_YEARS = {"assistant": 1, "intermediate": 2, "senior": 1}
"""Consecutive exam years within which every subject must be passed."""

PASS_MARK = Decimal("60")
"""The usual pass mark of each subject (a result stores its own: marks are announced each year)."""

EDUCATION_PERIOD_YEARS = 3
REQUIRED_HOURS = {"assistant": Decimal("72"), "intermediate": Decimal("90"), "senior": Decimal("90")}
"""Continuing-education hours per registration period (DOMAIN.md "Workforce")."""

STAFFING_TARGET = Decimal("18")
"""Community workers per 10,000 urban residents (national indicator)."""


def add_years(d: date, years: int) -> date:
    """``d`` plus ``years`` calendar years; 29 February becomes 28 February in a common
    year (the month-end rule used for ages, Civil Code art. 201)."""
    try:
        return d.replace(year=d.year + years)
    except ValueError:
        return d.replace(year=d.year + years, day=28)


def full_years(start: date, on: date) -> int:
    """Full years from ``start`` to ``on`` (0 before the first anniversary; never negative)."""
    if on < start:
        return 0
    n = on.year - start.year
    return n if add_years(start, n) <= on else n - 1


def check_grade(post: str, grade, scheme: dict = DEFAULT_GRADE_SCHEME) -> int:
    """The grade as an int within the post's range of the scheme. Codes ``post.unknown``,
    ``grade.format``, ``grade.out_of_range`` (with the range)."""
    if post not in scheme["posts"]:
        raise RuleError("post.unknown", N_("岗位应为正职、副职或其他"), field="post")
    try:
        g = int(str(grade).strip())
    except (TypeError, ValueError):
        raise RuleError("grade.format", N_("等级应为整数"), field="grade") from None
    lo, hi = scheme["posts"][post]
    if not lo <= g <= hi:
        raise RuleError("grade.out_of_range", N_("该岗位的等级应在 %(lo)s 至 %(hi)s 级之间"), {"lo": lo, "hi": hi},
                        field="grade")
    return g


@dataclass(frozen=True)
class GradeStatus:
    """Where a worker stands: ``steps_due`` earned and not recorded, ``due_grade`` (the
    grade with them), ``next_step_on`` (when the next step falls due; None at the top
    of the post's range), ``top`` (the post's highest grade)."""

    grade: int
    steps_due: int
    due_grade: int
    next_step_on: date | None
    top: int


def grade_status(post: str, grade: int, grade_since: date, on: date,
                 scheme: dict = DEFAULT_GRADE_SCHEME) -> GradeStatus:
    """Grade steps due on ``on`` for a worker of ``post`` at ``grade`` since
    ``grade_since``: one step per ``years_per_step`` full years in the grade, never past
    the post's highest grade.

    >>> grade_status("other", 3, date(2019, 7, 1), date(2025, 7, 1)).steps_due
    2
    """
    lo, hi = scheme["posts"][post]
    per = int(scheme["years_per_step"])
    earned = full_years(grade_since, on) // per
    steps = max(0, min(hi - grade, earned))
    next_on = None if grade + steps >= hi else add_years(grade_since, per * (steps + 1))
    return GradeStatus(grade=grade, steps_due=steps, due_grade=grade + steps, next_step_on=next_on, top=hi)


@dataclass(frozen=True)
class ExamOutcome:
    """``qualified_year``: the exam year in which the last needed subject was passed
    (None: not yet); otherwise ``still_valid`` (subjects whose pass still counts in the
    next exam year), ``missing`` (subjects to pass then) and ``deadline_year`` (the last
    year the valid passes count; None when none is valid)."""

    level: str
    qualified_year: int | None
    still_valid: tuple[str, ...]
    missing: tuple[str, ...]
    deadline_year: int | None


def exam_outcome(level: str, passes: list[tuple[int, str]], subjects: dict = EXAM_SUBJECTS,
                 windows: dict = EXAM_WINDOW_YEARS) -> ExamOutcome:
    """Whether the passed subjects ``passes`` (``(exam year, subject)``) make up the
    level's qualification: every subject passed within ``windows[level]`` consecutive
    exam years (社会工作师: two — a subject passed in 2023 counts in 2023 and 2024).

    >>> exam_outcome("intermediate", [(2023, "comprehensive"), (2024, "practice"), (2024, "law_policy")]).qualified_year
    2024
    >>> exam_outcome("intermediate", [(2022, "comprehensive"), (2024, "practice"), (2024, "law_policy")]).missing
    ('comprehensive',)
    """
    if level not in subjects:
        raise RuleError("level.unknown", N_("级别应为助理社会工作师、社会工作师或高级社会工作师"), field="level")
    need = tuple(subjects[level])
    window = int(windows[level])
    years = sorted({y for y, _ in passes})
    for y in years:
        have = {s for yy, s in passes if y - window + 1 <= yy <= y}
        if all(s in have for s in need):
            return ExamOutcome(level, y, need, (), None)
    if not years:
        return ExamOutcome(level, None, (), need, None)
    nxt = years[-1] + 1
    valid = {s for yy, s in passes if yy >= nxt - window + 1}
    still = tuple(s for s in need if s in valid)
    missing = tuple(s for s in need if s not in valid)
    return ExamOutcome(level, None, still, missing, nxt if still else None)


def subject_passed(score, pass_mark=PASS_MARK) -> bool:
    """A subject is passed with a score at or above its pass mark."""
    return Decimal(score) >= Decimal(pass_mark)


def check_score(value, field: str = "score") -> Decimal:
    """A score 0–100 with at most one decimal (``score.format``, ``score.range``)."""
    try:
        d = Decimal(str(value).strip())
    except Exception:  # InvalidOperation and odd types
        d = None
    if d is None or not d.is_finite():
        raise RuleError(f"{field}.format", N_("成绩应为数字"), field=field)
    if not Decimal("0") <= d <= Decimal("100") or d != d.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP):
        raise RuleError(f"{field}.range", N_("成绩应在 0 至 100 之间，最多一位小数"), field=field)
    return d.quantize(Decimal("0.1"))


def check_hours(value, field: str = "hours") -> Decimal:
    """Hours of a training or a continuing-education activity: > 0, at most 1,000, at
    most one decimal (``hours.format``, ``hours.range``)."""
    try:
        d = Decimal(str(value).strip())
    except Exception:
        d = None
    if d is None or not d.is_finite():
        raise RuleError(f"{field}.format", N_("学时应为数字"), field=field)
    if not Decimal("0") < d <= Decimal("1000") or d != d.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP):
        raise RuleError(f"{field}.range", N_("学时应大于 0、不超过 1000，最多一位小数"), field=field)
    return d.quantize(Decimal("0.1"))


@dataclass(frozen=True)
class EducationPeriod:
    """A 3-year registration period ``start``–``end`` (inclusive), the ``required``
    hours, the ``hours`` done in it and the ``shortfall`` (0 when met)."""

    start: date
    end: date
    required: Decimal
    hours: Decimal
    shortfall: Decimal


def education_period(registered_on: date, on: date) -> tuple[date, date]:
    """The registration period that contains ``on``: periods of 3 years from
    ``registered_on`` (2023-03-15 → 2023-03-15 … 2026-03-14, then 2026-03-15 …)."""
    k = full_years(registered_on, on) // EDUCATION_PERIOD_YEARS
    start = add_years(registered_on, EDUCATION_PERIOD_YEARS * k)
    return start, add_years(registered_on, EDUCATION_PERIOD_YEARS * (k + 1)) - timedelta(days=1)


def hours_in_period(level: str, registered_on: date, on: date, records: list[tuple[date, Decimal]]) -> EducationPeriod:
    """Hours done in the period that contains ``on`` from ``records`` (``(date, hours)``)
    against the level's requirement (72 assistant, 90 otherwise); ``shortfall`` =
    required − hours, never negative.

    >>> hours_in_period("assistant", date(2024, 1, 1), date(2026, 6, 1), [(date(2024, 5, 1), Decimal("30"))]).shortfall
    Decimal('42')
    """
    start, end = education_period(registered_on, on)
    done = sum((h for d, h in records if start <= d <= end), Decimal("0"))
    required = REQUIRED_HOURS[level]
    return EducationPeriod(start, end, required, done, max(Decimal("0"), required - done))


def per_10k(workers: int, residents: int) -> Decimal | None:
    """Community workers per 10,000 urban residents, one decimal half up (None without residents).

    >>> per_10k(18, 10000)
    Decimal('18.0')
    """
    if residents <= 0:
        return None
    return (Decimal(workers) * 10000 / residents).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
