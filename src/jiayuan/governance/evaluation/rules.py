"""Pure rules of the unified evaluation (no Django, no I/O).

Indicators and weights are local practice (DOMAIN.md "Community evaluation"):
configuration. What is fixed here: the weights of a round sum to 100 points; each item
is scored 0–100; a community's total is Σ weight × score / 100 (so at most 100),
rounded half up to two decimals; the ranking is competition ranking — equal totals share
a rank and the next rank skips (100, 90, 90, 80 → 1, 2, 2, 4).
"""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from jiayuan.children.rules import add_months
from jiayuan.people.rules import N_, RuleError

SCORED = "scored"
# computed items: code → name (the computation: ..evaluation.selectors.METRICS)
METRICS = {
    "cases_on_time": N_("案件按期办结率"),
    "mediation_performed": N_("调解协议履行率"),
    "registry_households": N_("居民信息入户率"),
    "assistance_in_time": N_("救助申请按时办理率"),
    "visits_done": N_("儿童按期探访率"),
}
SOURCES = {SCORED: N_("评议打分"), **METRICS}
OBJECTION_DAYS = 7  # days after publication for a community to object (local practice: configuration)
CENT = Decimal("0.01")


def check_items(items: list[tuple[str, Decimal, str]]) -> list[RuleError]:
    """``items``: ``[(name, weight, source)]``. Errors: none; a blank name; a weight not
    above 0; an unknown source; weights not summing to exactly 100."""
    errors = []
    if not items:
        return [RuleError("evaluation.items", N_("请设置考核指标"), field="items")]
    for name, weight, source in items:
        if not (name or "").strip():
            errors.append(RuleError("evaluation.item_name", N_("考核指标须有名称"), field="items"))
        if weight is None or weight <= 0:
            errors.append(RuleError("evaluation.weight", N_("“%(name)s”的权重须大于 0"), {"name": name}, field="items"))
        if source not in SOURCES:
            errors.append(RuleError("evaluation.source", N_("“%(name)s”的评分方式无效"), {"name": name}, field="items"))
    total = sum((w for _, w, _ in items if w is not None), Decimal("0"))
    if total != 100:
        errors.append(RuleError("evaluation.weights_sum", N_("各项权重之和须为 100 分，现为 %(sum)s 分"),
                                {"sum": f"{total.normalize():f}"}, field="items"))
    return errors


def check_score(score, comment: str) -> list[RuleError]:
    """An evaluator's score: 0–100 with at most two decimals, and a comment."""
    errors = []
    try:
        s = Decimal(str(score))
    except (InvalidOperation, ValueError):
        s = None
    if s is None or not s.is_finite() or s < 0 or s > 100 or s != s.quantize(CENT):
        errors.append(RuleError("evaluation.score", N_("得分须在 0 至 100 之间"), field="score"))
    if not (comment or "").strip():
        errors.append(RuleError("evaluation.comment", N_("请填写评语"), field="comment"))
    return errors


def ratio_score(numerator: int, denominator: int) -> Decimal:
    """A computed item's score: numerator / denominator × 100, two decimals, half up; a
    community with nothing to count (denominator 0) is not marked down: 100."""
    if denominator == 0:
        return Decimal("100.00")
    return (Decimal(numerator) * 100 / Decimal(denominator)).quantize(CENT, ROUND_HALF_UP)


def total(weighted: list[tuple[Decimal, Decimal | None]]) -> Decimal:
    """Σ weight × score / 100 over ``[(weight, score)]``; a missing score counts 0."""
    s = sum((Decimal(w) * Decimal(sc or 0) for w, sc in weighted), Decimal("0")) / 100
    return s.quantize(CENT, ROUND_HALF_UP)


def rank(totals: dict[str, Decimal]) -> dict[str, int]:
    """Competition ranking of ``{community: total}``, highest first; ties share a rank."""
    ordered = sorted(totals.values(), reverse=True)
    return {code: ordered.index(t) + 1 for code, t in totals.items()}


def may_object(state: str, objections_until, today) -> bool:
    return state == "published" and objections_until is not None and today <= objections_until


def visits_due(opened, grade: str, visits: list, months: dict, start, end, closed=()) -> tuple[int, int]:
    """``(due, done)``: the visits of a child's file falling due in ``start``–``end``
    and those made by their due date.

    The schedule is the children's rule (``children.rules.next_visit_due``): the next
    visit is due ``months[grade]`` calendar months after the last visit, or after
    ``opened`` before any. ``grade`` is the grade before the first visit; ``visits`` are
    ``[(visited_on, grade_after)]``. Walking from ``opened``: a due date ``d`` is met
    when a visit falls after the last anchor and on or before ``d`` (the latest of
    them becomes the anchor with its grade); a missed due is counted once, and the
    schedule goes on from the late visit that followed, or, with none, from ``d``
    itself (a child left unvisited keeps being owed visits). A due falling while the
    file was closed (``closed``: ``[(closed_on, reopened_on | None)]``) is not
    counted. A regrading without a visit is not in the rows and is not followed.
    Unknown grades count monthly. Pass ``end`` no later than today."""
    vs = sorted(visits)
    anchor, k, due, done = opened, 0, 0, 0

    def consume(anchor, grade, k):
        while k < len(vs) and vs[k][0] <= anchor:
            grade = vs[k][1]
            k += 1
        return grade, k

    grade, k = consume(anchor, grade, k)
    while True:
        d = add_months(anchor, months.get(grade, 1))
        if d > end:
            return due, done
        j = k
        while j < len(vs) and vs[j][0] <= d:
            j += 1
        made = j > k
        if d >= start and not any(c <= d and (r is None or d < r) for c, r in closed):
            due, done = due + 1, done + made
        if made:
            anchor, grade, k = vs[j - 1][0], vs[j - 1][1], j
        elif k < len(vs):
            anchor, grade, k = vs[k][0], vs[k][1], k + 1
        else:
            anchor = d
        grade, k = consume(anchor, grade, k)
