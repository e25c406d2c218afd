"""Pure rules of the elderly capacity assessment (老年人能力评估, GB/T 42195-2022 《老年人能力
评估规范》), and of day-care coverage.

No Django, no I/O. Errors are :class:`jiayuan.people.rules.RuleError` with a stable
``code``, a Chinese template (marked ``N_``) and a ``field`` naming the item
(``items.stairs``), so services and the API turn them into a 422 with
``ValidationFailed.from_rule_errors``.

The standard (DOMAIN.md "Elderly capacity assessment (GB/T 42195-2022)"):

- 26 items in four dimensions, a higher score is a better capacity; total 0–90.
  自理能力 (max 32): 8 items 0–4. 基础运动能力 (max 15): 3 items 0–4 and 上下楼梯 0–3.
  精神状态 (max 28): 6 items 0–4, 攻击行为 0–1, 抑郁症状 0–1, 意识水平 0–2.
  感知觉与社会参与 (max 15): 视力 0–2, 听力 0–2, 执行日常事务 0–4, 使用交通工具外出 0–3,
  社会交往能力 0–4.
- Initial level by total: 90 能力完好 (intact); 66–89 轻度失能 (mild); 46–65 中度失能
  (moderate); 30–45 重度失能 (severe); 0–29 完全失能 (total).
- Adjustments, in this order: 昏迷 (coma) → 完全失能 whatever the score; a diagnosed
  dementia (ICD-10 F00–F03) or other mental disorder (F04–F99) → one level worse; two or
  more care-risk events (跌倒, 噎食, 自杀, 自伤, 走失, 其他) in the last 30 days → one level
  worse; never past 完全失能. Whether the two "one level worse" rules add up (two levels
  when both apply) is a setting, ``cumulative`` (default: they do not).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..people.rules import N_, RuleError

__all__ = [
    "ITEMS", "ITEM_BY_CODE", "DIMENSIONS", "LEVELS", "LEVEL_NAMES", "RISK_EVENTS", "REASONS",
    "TOTAL_MAX", "Item", "Adjustment", "Result", "check_items", "check_diagnoses", "check_risk_events",
    "level_for_total", "worse", "assess", "score",
]


@dataclass(frozen=True)
class Item:
    """One assessment item: ``code`` (API), Chinese ``name``, ``dimension`` code and the
    highest score ``max`` (every item starts at 0)."""

    code: str
    name: str
    dimension: str
    max: int


DIMENSIONS = {
    "self_care": N_("自理能力"),
    "mobility": N_("基础运动能力"),
    "mental": N_("精神状态"),
    "perception": N_("感知觉与社会参与"),
}

ITEMS: tuple[Item, ...] = (
    # 自理能力 (B.1), max 32
    Item("eating", N_("进食"), "self_care", 4),
    Item("grooming", N_("修饰"), "self_care", 4),
    Item("bathing", N_("洗澡"), "self_care", 4),
    Item("dressing_upper", N_("穿/脱上衣"), "self_care", 4),
    Item("dressing_lower", N_("穿/脱裤子和鞋袜"), "self_care", 4),
    Item("urine_control", N_("小便控制"), "self_care", 4),
    Item("bowel_control", N_("大便控制"), "self_care", 4),
    Item("toileting", N_("如厕"), "self_care", 4),
    # 基础运动能力 (B.2), max 15
    Item("bed_mobility", N_("床上体位转移"), "mobility", 4),
    Item("transfer", N_("床椅转移"), "mobility", 4),
    Item("walking", N_("平地行走"), "mobility", 4),
    Item("stairs", N_("上下楼梯"), "mobility", 3),
    # 精神状态 (B.3), max 28
    Item("time_orientation", N_("时间定向"), "mental", 4),
    Item("place_orientation", N_("空间定向"), "mental", 4),
    Item("person_orientation", N_("人物定向"), "mental", 4),
    Item("memory", N_("记忆"), "mental", 4),
    Item("comprehension", N_("理解能力"), "mental", 4),
    Item("expression", N_("表达能力"), "mental", 4),
    Item("aggression", N_("攻击行为"), "mental", 1),
    Item("depression", N_("抑郁症状"), "mental", 1),
    Item("consciousness", N_("意识水平"), "mental", 2),
    # 感知觉与社会参与 (B.4), max 15
    Item("vision", N_("视力"), "perception", 2),
    Item("hearing", N_("听力"), "perception", 2),
    Item("daily_affairs", N_("执行日常事务"), "perception", 4),
    Item("transport", N_("使用交通工具外出"), "perception", 3),
    Item("social_interaction", N_("社会交往能力"), "perception", 4),
)
ITEM_BY_CODE = {i.code: i for i in ITEMS}
TOTAL_MAX = sum(i.max for i in ITEMS)  # 90
DIMENSION_MAX = {d: sum(i.max for i in ITEMS if i.dimension == d) for d in DIMENSIONS}  # 32, 15, 28, 15

# Levels from the best to the worst (the order "one level worse" follows).
LEVELS = ("intact", "mild", "moderate", "severe", "total")
LEVEL_NAMES = {"intact": N_("能力完好"), "mild": N_("轻度失能"), "moderate": N_("中度失能"),
               "severe": N_("重度失能"), "total": N_("完全失能")}
# The lowest total of each level (0–29 total, 30–45 severe, 46–65 moderate, 66–89 mild, 90 intact).
LEVEL_FLOORS = (("intact", 90), ("mild", 66), ("moderate", 46), ("severe", 30), ("total", 0))

RISK_EVENTS = {"fall": N_("跌倒"), "choking": N_("噎食"), "suicide": N_("自杀"), "self_harm": N_("自伤"),
               "wandering": N_("走失"), "other": N_("其他")}
RISK_EVENTS_THRESHOLD = 2  # two or more in the last 30 days
RISK_EVENTS_MAX = 100  # more entries than this in 30 days is an input error

REASONS = {"first": N_("首次评估"), "routine": N_("常规评估"), "immediate": N_("即时评估（状况变化后）"),
           "review": N_("复评（对结果有异议）")}

ADJUSTMENT_NAMES = {"coma": N_("昏迷：直接评定为完全失能"),
                    "mental_disorder": N_("确诊痴呆或精神障碍：降一级"),
                    "risk_events": N_("近30天照护风险事件2次及以上：降一级")}

# ICD-10 code: a letter, two digits, optionally a dot and up to 4 more characters (F01, F01.1, F32.9).
_ICD10 = re.compile(r"[A-Z][0-9]{2}(?:\.[0-9A-Z]{1,4})?")
DIAGNOSES_MAX = 20


@dataclass(frozen=True)
class Adjustment:
    """One adjustment rule that applies: ``code`` (``coma``, ``mental_disorder``,
    ``risk_events``), the level before (``from_level``) and after (``to_level``),
    ``applied`` (False when it changed nothing: already 完全失能, or a second "one level
    worse" rule when the two do not add up) and ``detail`` (the facts, e.g. the
    diagnoses or the number of events)."""

    code: str
    from_level: str
    to_level: str
    applied: bool
    detail: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {"code": self.code, "from": self.from_level, "to": self.to_level, "applied": self.applied,
                "detail": dict(self.detail)}


@dataclass(frozen=True)
class Result:
    """The outcome: ``total`` (0–90), ``dimensions`` (score per dimension code),
    ``initial_level`` (by total), ``level`` (after the adjustments), ``adjustments``
    (those that apply, in the standard's order)."""

    total: int
    dimensions: dict
    initial_level: str
    level: str
    adjustments: tuple[Adjustment, ...]


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def check_items(items) -> dict[str, int]:
    """The 26 scores checked: ``items`` maps each item code to an integer in the item's
    range (0–4, 上下楼梯 and 使用交通工具外出 0–3, 视力/听力/意识水平 0–2, 攻击行为/抑郁症状
    0–1). Integers written as text (``"3"``) are accepted. Returns ``{code: int}`` in
    the standard's order. Raises ``ValueError`` carrying every problem as RuleErrors in
    ``args[0]`` (a list), each with ``field="items.<code>"``: ``items.format`` (not an
    object), ``item.unknown`` (a code not in the standard), ``item.missing``,
    ``item.not_integer``, ``item.out_of_range``."""
    if not isinstance(items, dict):
        raise ValueError([RuleError("items.format", N_("评估项目应为对象：{项目代码: 分数}"), field="items")])
    errors: list[RuleError] = []
    for code in items:
        if code not in ITEM_BY_CODE:
            errors.append(RuleError("item.unknown", N_("没有评估项目“%(code)s”（GB/T 42195-2022 的26项之外）"),
                                    {"code": str(code)[:40]}, field=f"items.{str(code)[:40]}"))
    out: dict[str, int] = {}
    for item in ITEMS:
        f = f"items.{item.code}"
        params = {"name": item.name, "code": item.code, "max": item.max}
        if item.code not in items or items[item.code] in (None, ""):
            errors.append(RuleError("item.missing", N_("请为“%(name)s”（%(code)s）评分（0–%(max)s 分）"), params, f))
            continue
        value = items[item.code]
        if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) <= 3:
            value = int(value.strip())
        if not _is_int(value):
            errors.append(RuleError("item.not_integer", N_("“%(name)s”（%(code)s）的分数应为整数 0–%(max)s"),
                                    params, f))
            continue
        if not 0 <= value <= item.max:
            errors.append(RuleError("item.out_of_range",
                                    N_("“%(name)s”（%(code)s）的分数应在 0–%(max)s 之间，填写的是 %(value)s"),
                                    {**params, "value": value}, f))
            continue
        out[item.code] = value
    if errors:
        raise ValueError(errors)
    return out


def check_diagnoses(diagnoses) -> list[str]:
    """Diagnoses as ICD-10 codes (``F01``, ``f03.1`` → ``F03.1``), de-duplicated in the
    order given, at most 20. Raises ``ValueError([RuleError])`` ``diagnoses.format``
    (field ``diagnoses``) for anything else."""
    if diagnoses in (None, ""):
        return []
    if not isinstance(diagnoses, (list, tuple)) or len(diagnoses) > DIAGNOSES_MAX:
        raise ValueError([RuleError("diagnoses.format", N_("诊断应为 ICD-10 编码的列表（最多 %(max)s 个），如 [\"F01\"]"),
                                    {"max": DIAGNOSES_MAX}, "diagnoses")])
    out: list[str] = []
    for d in diagnoses:
        code = d.strip().upper() if isinstance(d, str) else ""
        if not _ICD10.fullmatch(code):
            raise ValueError([RuleError("diagnoses.format", N_("诊断“%(value)s”不是 ICD-10 编码（如 F01、F03.1、F32.9）"),
                                        {"value": str(d)[:20]}, "diagnoses")])
        if code not in out:
            out.append(code)
    return out


def check_risk_events(events) -> list[str]:
    """Care-risk events of the last 30 days, one entry per occurrence (two falls are
    ``["fall", "fall"]``), each one of :data:`RISK_EVENTS`. Raises
    ``ValueError([RuleError])`` ``risk_events.format`` / ``risk_event.unknown`` (field
    ``risk_events``)."""
    if events in (None, ""):
        return []
    if not isinstance(events, (list, tuple)) or len(events) > RISK_EVENTS_MAX:
        raise ValueError([RuleError("risk_events.format", N_("照护风险事件应为列表，每次事件一项，如 [\"fall\", \"fall\"]"),
                                    field="risk_events")])
    for e in events:
        if e not in RISK_EVENTS:
            raise ValueError([RuleError("risk_event.unknown",
                                        N_("没有照护风险事件“%(value)s”（应为 fall、choking、suicide、self_harm、wandering、other）"),
                                        {"value": str(e)[:20]}, "risk_events")])
    return list(events)


def level_for_total(total: int) -> str:
    """The initial level of a total 0–90 (GB/T 42195-2022 5.2): 90 intact; 66–89 mild;
    46–65 moderate; 30–45 severe; 0–29 total. ValueError outside 0–90."""
    if not _is_int(total) or not 0 <= total <= TOTAL_MAX:
        raise ValueError(f"total {total!r} outside 0–{TOTAL_MAX}")
    for level, floor in LEVEL_FLOORS:
        if total >= floor:
            return level
    raise AssertionError("unreachable")


def worse(level: str, steps: int = 1) -> str:
    """``level`` made ``steps`` levels worse, never past ``total`` (完全失能)."""
    return LEVELS[min(LEVELS.index(level) + steps, len(LEVELS) - 1)]


def is_mental_disorder(code: str) -> str | None:
    """``"dementia"`` for ICD-10 F00–F03, ``"mental"`` for F04–F99, else None."""
    if not code.startswith("F"):
        return None
    return "dementia" if int(code[1:3]) <= 3 else "mental"


def assess(scores: dict[str, int], coma: bool = False, diagnoses=(), risk_events=(), *,
           cumulative: bool = False) -> Result:
    """The result of checked ``scores`` (:func:`check_items`), ``coma``, ICD-10
    ``diagnoses`` and ``risk_events`` of the last 30 days (GB/T 42195-2022 5.2 and 5.3).

    ``total`` is the sum of the 26 scores; ``initial_level`` is :func:`level_for_total`.
    Adjustments, in this order, each listed when its condition holds:

    - ``coma``: the level is ``total`` (完全失能) whatever the score; the two other rules
      are then not looked at (nothing is worse than 完全失能).
    - ``mental_disorder``: a diagnosis in F00–F03 (dementia) or F04–F99 (other mental
      disorder) → one level worse.
    - ``risk_events``: two or more events → one level worse.

    With ``cumulative`` False (the default setting), when both "one level worse" rules
    hold the level goes down one level only: the first is ``applied``, the second is
    listed with ``applied`` False and ``from`` = ``to``. With ``cumulative`` True each
    goes one level down (two in all). Never past 完全失能: a rule that finds the level
    already there is listed with ``applied`` False.
    """
    total = sum(scores[i.code] for i in ITEMS)
    dims = {d: sum(scores[i.code] for i in ITEMS if i.dimension == d) for d in DIMENSIONS}
    initial = level_for_total(total)
    level = initial
    adjustments: list[Adjustment] = []
    if coma:
        adjustments.append(Adjustment("coma", level, "total", level != "total", {}))
        return Result(total, dims, initial, "total", tuple(adjustments))
    mental = [d for d in diagnoses if is_mental_disorder(d)]
    stepped = False
    if mental:
        to = worse(level)
        adjustments.append(Adjustment("mental_disorder", level, to, to != level, {"diagnoses": mental}))
        stepped = to != level
        level = to
    if len(risk_events) >= RISK_EVENTS_THRESHOLD:
        to = level if (stepped and not cumulative) else worse(level)
        counts = {e: list(risk_events).count(e) for e in RISK_EVENTS if e in risk_events}
        adjustments.append(Adjustment("risk_events", level, to, to != level,
                                      {"count": len(risk_events), "events": counts, "cumulative": cumulative}))
        level = to
    return Result(total, dims, initial, level, tuple(adjustments))


def score(items, coma=False, diagnoses=None, risk_events=None, *, cumulative: bool = False) -> Result:
    """Check every input and :func:`assess` it: the one entry point of the score
    endpoint, the live form and the recording service. ``coma`` must be a bool. Raises
    ``ValueError(list[RuleError])`` with every problem found (items, ``coma.format``,
    diagnoses, risk events)."""
    errors: list[RuleError] = []
    scores = dx = events = None
    try:
        scores = check_items(items)
    except ValueError as exc:
        errors += exc.args[0]
    if not isinstance(coma, bool):
        errors.append(RuleError("coma.format", N_("昏迷应为 true 或 false"), field="coma"))
    try:
        dx = check_diagnoses(diagnoses)
    except ValueError as exc:
        errors += exc.args[0]
    try:
        events = check_risk_events(risk_events)
    except ValueError as exc:
        errors += exc.args[0]
    if errors:
        raise ValueError(errors)
    return assess(scores, coma, dx, events, cumulative=cumulative)


# ---------------------------------------------------------------------------------------
# Day-care coverage
# ---------------------------------------------------------------------------------------

def coverage(served: int, total: int) -> float | None:
    """Coverage as a fraction (DOMAIN.md "Home care and day care"): communities (or
    villages) assigned at least one day-care or elderly-service facility ÷ all of them;
    None when there are none to count."""
    if total <= 0:
        return None
    if not 0 <= served <= total:
        raise ValueError(f"served {served} outside 0–{total}")
    return served / total


FACILITY_SERVICES = {"meals": N_("助餐"), "day_care": N_("日间托养"), "rest": N_("休息"), "rehab": N_("康复护理"),
                     "health": N_("健康管理"), "recreation": N_("文化娱乐"), "counselling": N_("精神慰藉"),
                     "bathing": N_("助浴"), "education": N_("老年教育")}


# ---------------------------------------------------------------------------------------
# Home-care services (居家养老上门服务): catalogue and entitlement
# ---------------------------------------------------------------------------------------

HOMECARE_KINDS = {"meals": N_("助餐"), "cleaning": N_("助洁"), "bathing": N_("助浴"), "medical": N_("助医"),
                  "walking": N_("助行"), "emergency": N_("助急"), "visiting": N_("探访关爱"),
                  "rehab": N_("康复护理"), "errands": N_("代购代办"), "adaptation": N_("适老化改造")}
HOMECARE_UNITS = {"visit": N_("次"), "hour": N_("小时"), "meal": N_("餐"), "item": N_("项")}
EVIDENCE = {"location": N_("定位签到"), "photo": N_("服务照片"), "signature": N_("老人或家属签字"),
            "receipt": N_("票据"), "before_after": N_("改造前后照片")}

# Who is served (GB/T 43153-2023 scope; categories of the county's purchase of services).
ENTITLEMENT_CATEGORIES = {
    "extreme_poverty": N_("特困（三无）老年人"), "subsistence": N_("低保老年人"), "low_income": N_("低收入老年人"),
    "disabled": N_("失能老年人"), "semi_disabled": N_("半失能老年人"), "advanced_age": N_("高龄老年人"),
    "empty_nest": N_("空巢、独居老年人"), "family_planning": N_("计划生育特殊家庭老年人"),
}
DISABLED_LEVELS = ("severe", "total")      # 失能: 重度、完全失能
SEMI_DISABLED_LEVELS = ("mild", "moderate")  # 半失能: 轻度、中度失能
ADVANCED_AGE = 80


def entitlement_categories(facts: dict) -> list[str]:
    """The categories of :data:`ENTITLEMENT_CATEGORIES` a person falls in, in that order.

    ``facts``: ``extreme_poverty``, ``subsistence``, ``low_income``, ``empty_nest``
    (空巢), ``living_alone`` (独居), ``family_planning`` (计生特殊家庭: declared) — bools;
    ``capacity_level`` (the latest assessment's level or None); ``age`` (whole years).
    失能 = 重度 or 完全失能, 半失能 = 轻度 or 中度失能 (GB/T 42195-2022 levels); 高龄 = 80
    or older; 空巢 and 独居 are one category. Source: 民发〔2020〕48号 and the county's
    purchase-of-services rules (categories as DOMAIN.md "Home care and day care")."""
    level = facts.get("capacity_level")
    checks = {
        "extreme_poverty": bool(facts.get("extreme_poverty")),
        "subsistence": bool(facts.get("subsistence")),
        "low_income": bool(facts.get("low_income")),
        "disabled": level in DISABLED_LEVELS,
        "semi_disabled": level in SEMI_DISABLED_LEVELS,
        "advanced_age": (facts.get("age") or 0) >= ADVANCED_AGE,
        "empty_nest": bool(facts.get("empty_nest") or facts.get("living_alone")),
        "family_planning": bool(facts.get("family_planning")),
    }
    return [c for c in ENTITLEMENT_CATEGORIES if checks[c]]


def monthly_entitlement(categories: list[str], level: str | None, standards: dict) -> tuple[str, object, object] | None:
    """The monthly entitlement: ``(category, amount, hours)`` of the category with the
    highest amount (then the most hours; then the earlier category) among ``categories``
    that the standards cover — **the highest one, not the sum** (as 养老服务补贴 in
    assistance). ``standards``: ``{(category, level or ""): (amount Decimal yuan, hours
    Decimal)}``; a category's row for the person's level wins over its row for any level
    (``""``). None when no category is covered."""
    best = None
    for order, c in enumerate(categories):
        row = standards.get((c, level or "")) or standards.get((c, ""))
        if row is None:
            continue
        key = (row[0], row[1], -order)
        if best is None or key > best[0]:
            best = (key, (c, row[0], row[1]))
    return best[1] if best else None
