"""Pure rules of the unified social credit code (统一社会信用代码, GB 32100-2015).

No Django, no I/O. The code has 18 characters from ``0-9 A-H J-N P-R T U W-Y`` (no I,
O, Z, S, V): position 1 the registration authority (``5`` civil affairs, ``9`` market
regulation 工商, ``1`` institutional staffing, …), position 2 the organization type
within that authority (civil affairs: ``1`` social group, ``2`` social service
institution, ``3`` foundation, ``9`` other), positions 3–8 the division code of the
registering authority, 9–17 the organization code, 18 the check character:
``(31 − Σ value(cᵢ)·wᵢ mod 31) mod 31`` with weights ``wᵢ = 3ⁱ mod 31`` (1 3 9 27 19 26 16
17 20 29 25 13 8 24 10 30 28). Source: GB 32100-2015 §4–§5; DOMAIN.md "Other identifiers".

Errors are :class:`jiayuan.people.rules.RuleError` with ``field="uscc"`` and the stable
codes ``uscc.format`` (length or a character outside the set), ``uscc.checksum`` (wrong
check character) and ``uscc.kind_mismatch`` (authority and type characters disagree
with the organization's kind).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from ..people.rules import N_, RuleError

__all__ = ["ALPHABET", "WEIGHTS", "KIND_PREFIXES", "normalize_uscc", "uscc_check_character", "check_uscc",
           "DEFAULT_CRITERIA", "DEFAULT_BANDS", "DEFAULT_FINAL_FACTORS", "BAND_NAMES", "review_score",
           "instalment_schedule", "evaluation_band", "final_instalment_amount", "check_weights", "check_bands"]

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
"""The 31 characters of the code, in value order (value = index)."""

WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
"""Weights of positions 1–17: 3ⁱ mod 31."""

LENGTH = 18
FIELD = "uscc"

KIND_PREFIXES: dict[str, tuple[str, ...]] = {
    "social_group": ("51",),                 # 民政 + 社会团体
    "social_service_institution": ("52",),   # 民政 + 民办非企业单位 / 社会服务机构
    "foundation": ("53",),                   # 民政 + 基金会
    "enterprise": ("91", "92", "93"),        # 工商: 企业, 个体工商户, 农民专业合作社
    "community_filed": ("5",),               # 备案 community organizations: a code, if any, is civil affairs'
}
"""Organization kind → the leading characters its code must start with (GB 32100
Annex A: registration authority and organization type codes)."""

_FULLWIDTH = {ord(c): ord(c) - 0xFEE0 for c in "０１２３４５６７８９ＡＢＣＤＥＦＧＨＪＫＬＭＮＰＱＲＴＵＷＸＹ"}


def normalize_uscc(raw: str) -> str:
    """Upper-case, without spaces and dashes, full-width letters and digits made ASCII."""
    return "".join(str(raw or "").translate(_FULLWIDTH).upper().split()).replace("-", "")


def uscc_check_character(first17: str) -> str:
    """The check character for the first 17 characters (each in :data:`ALPHABET`).

    Worked example (DOMAIN.md): ``91350100M000100Y4`` → ``3``."""
    total = sum(ALPHABET.index(c) * w for c, w in zip(first17, WEIGHTS))
    return ALPHABET[(31 - total % 31) % 31]


def check_uscc(raw: str, kind: str | None = None) -> str:
    """The normalised 18-character code, or :class:`RuleError` (``uscc.format``,
    ``uscc.checksum``, ``uscc.kind_mismatch``). ``kind`` (a key of
    :data:`KIND_PREFIXES`), when given, must agree with characters 1–2."""
    code = normalize_uscc(raw)
    if len(code) != LENGTH:
        raise RuleError("uscc.format", N_("统一社会信用代码应为 18 位，当前为 %(length)d 位"),
                        {"length": len(code)}, FIELD)
    bad = [c for c in code if c not in ALPHABET]
    if bad:
        raise RuleError("uscc.format", N_("统一社会信用代码含有不允许的字符“%(char)s”（不使用 I、O、Z、S、V）"),
                        {"char": bad[0]}, FIELD)
    expected = uscc_check_character(code[:17])
    if code[17] != expected:
        raise RuleError("uscc.checksum", N_("统一社会信用代码校验位错误：最后一位应为 %(expected)s，请核对证书"),
                        {"expected": expected}, FIELD)
    if kind is not None and kind in KIND_PREFIXES and not code.startswith(KIND_PREFIXES[kind]):
        raise RuleError("uscc.kind_mismatch",
                        N_("统一社会信用代码前两位“%(prefix)s”与组织类型不符（应以 %(expected)s 开头）"),
                        {"prefix": code[:2], "expected": "、".join(KIND_PREFIXES[kind])}, FIELD)
    return code


# --- dates of the registry: annual reports and ratings -----------------------------------------

def check_inspection_year(year: int, registered_on, today) -> None:
    """An annual report or inspection (年度报告 / 年检) is for a year that has ended and in
    which the organization existed: ``year`` not before the year of ``registered_on``
    (when known) and before ``today``'s year. RuleError ``year.before_registration`` /
    ``year.not_ended`` (field ``year``). Example: registered 2021-06-01, today
    2026-12-07 → 2020 refused, 2021 … 2025 accepted, 2026 refused."""
    if registered_on is not None and year < registered_on.year:
        raise RuleError("year.before_registration", N_("年度不能早于该组织的登记年度（%(year)s 年）"),
                        {"year": registered_on.year}, "year")
    if year >= today.year:
        raise RuleError("year.not_ended", N_("年报年检针对已结束的年度：最晚为 %(year)s 年度"),
                        {"year": today.year - 1}, "year")


RATING_MIN_YEARS = 2
"""Years an organization must have been registered before it takes part in the
evaluation (评估). 《社会组织评估管理办法》(民政部令第39号) 第十一条 as the project's brief
gives it: 取得法人资格满两个年度. /work/shared/DOMAIN.md is silent on it, so the number
is a parameter of :func:`check_rating_date` (default 2) and counted from the
registration date, the same day two years later."""


def check_rating_date(registered_on, rated_on, min_years: int = RATING_MIN_YEARS) -> None:
    """A grade (1A–5A) given on ``rated_on`` to an organization registered on
    ``registered_on`` (None: unknown, not checked): not before the registration day
    ``min_years`` years later (29 February → 28 February). RuleError
    ``rated_on.too_early`` (field ``rated_on``). Example: registered 2024-03-01, two
    years → rated 2026-02-28 refused, 2026-03-01 accepted."""
    if registered_on is None:
        return
    try:
        earliest = registered_on.replace(year=registered_on.year + min_years)
    except ValueError:
        earliest = registered_on.replace(year=registered_on.year + min_years, day=28)
    if rated_on < earliest:
        raise RuleError("rated_on.too_early",
                        N_("取得法人资格满 %(years)s 个年度方可参加评估：该组织 %(registered)s 登记，%(earliest)s 起方可评定等级"),
                        {"years": min_years, "registered": registered_on.isoformat(),
                         "earliest": earliest.isoformat()}, "rated_on")



CALL_STAGE_NAMES = {
    "open": N_("征集中"), "deadline_passed": N_("申报已截止，待评审"), "reviewing": N_("评审中"),
    "notice": N_("公示中"), "notice_ended": N_("公示期满，待签约"), "awarded": N_("已确定承接方"), "closed": N_("已结束"),
}
"""Names of :func:`call_stage`'s codes."""


def call_stage(status: str, deadline, notice_ends_on, today) -> str:
    """Where a call stands on ``today``, from its stored ``status`` and its dates (not a
    flag someone must update): an open call whose ``deadline`` (inclusive) has passed is
    ``deadline_passed`` (the county may start the review); a call in notice whose notice
    ended (``notice_ends_on`` < today) is ``notice_ended`` (公示期满，待签约); otherwise the
    status itself. Example: deadline 2026-12-01 → on 12-01 ``open``, on 12-02
    ``deadline_passed``; notice to 2026-11-27 → on 11-27 ``notice``, 11-28
    ``notice_ended``."""
    if status == "open" and today > deadline:
        return "deadline_passed"
    if status == "notice" and notice_ends_on is not None and today > notice_ends_on:
        return "notice_ended"
    return status


# --- purchased-service projects (三社联动 / 政府购买服务) ------------------------------------
#
# Source: DOMAIN.md "Social organizations and purchased services" (call → proposal →
# scored review → public notice → contract → instalments tied to milestones and
# evaluation; bands ≥90 excellent, 80–89 good, 60–79 pass, <60 fail: local practice, so
# configuration of each call). Money is Decimal yuan rounded to the fen (0.01) half up.

CENT = Decimal("0.01")
HUNDRED = Decimal("100")

DEFAULT_CRITERIA = (
    {"code": "needs", "name": N_("需求分析"), "weight": 20},
    {"code": "design", "name": N_("服务设计与活动"), "weight": 30},
    {"code": "indicators", "name": N_("产出与成效指标"), "weight": 20},
    {"code": "budget", "name": N_("预算合理性"), "weight": 15},
    {"code": "capacity", "name": N_("机构能力"), "weight": 15},
)
"""Review criteria and weights of a new call (a call keeps its own copy)."""

BAND_NAMES = {"excellent": N_("优秀"), "good": N_("良好"), "pass": N_("合格"), "fail": N_("不合格")}

DEFAULT_BANDS = ((90, "excellent"), (80, "good"), (60, "pass"), (0, "fail"))
"""(lowest score, band) from the highest: ≥90 优秀, 80–89 良好, 60–79 合格, <60 不合格."""

DEFAULT_FINAL_FACTORS = {"excellent": 100, "good": 100, "pass": 80, "fail": 0}
"""Percent of the final instalment paid for the final evaluation's band. **Decision**
(local practice, configurable per call): full for 优秀 and 良好, 80 % for 合格, nothing
for 不合格."""


def _dec(value, code: str, field: str) -> Decimal:
    try:
        d = Decimal(str(value))
    except ArithmeticError:
        raise RuleError(code, N_("应填写数字"), {}, field) from None
    if not d.is_finite():
        raise RuleError(code, N_("应填写数字"), {}, field)
    return d


def check_weights(criteria) -> list[dict]:
    """``criteria`` as ``[{"code", "name", "weight"}]`` with distinct non-empty codes and
    positive weights (at least one); RuleError ``criteria.invalid`` otherwise."""
    out, seen = [], set()
    for c in criteria or ():
        code = str(c.get("code", "")).strip()
        weight = _dec(c.get("weight"), "criteria.invalid", "criteria")
        if not code or code in seen or weight <= 0:
            raise RuleError("criteria.invalid", N_("评审标准有误：每项应有不重复的代码和大于 0 的权重"), {}, "criteria")
        seen.add(code)
        out.append({"code": code, "name": str(c.get("name", code)), "weight": weight})
    if not out:
        raise RuleError("criteria.invalid", N_("评审标准有误：至少一项"), {}, "criteria")
    return out


def reviewer_score(criteria, points: dict) -> Decimal:
    """One reviewer's weighted score 0–100: Σ weightᵢ·pointsᵢ / Σ weightᵢ over every
    criterion (points 0–100 each, at most two decimals), unrounded. RuleError ``review.incomplete`` when a
    criterion has no points, ``review.points`` when points fall outside 0–100."""
    crit = check_weights(criteria)
    total = Decimal(0)
    for c in crit:
        if points.get(c["code"]) is None:
            raise RuleError("review.incomplete", N_("评分未完成：缺少“%(name)s”"), {"name": c["name"]}, "points")
        p = _dec(points[c["code"]], "review.points", "points")
        if not Decimal(0) <= p <= HUNDRED or p != p.quantize(CENT):
            raise RuleError("review.points", N_("每项评分应在 0 到 100 之间，最多两位小数"), {}, "points")
        total += c["weight"] * p
    return total / sum(c["weight"] for c in crit)


def review_score(criteria, sheets) -> Decimal:
    """The proposal's score: the mean of the reviewers' weighted scores
    (:func:`reviewer_score`), rounded to 0.01 half up. ``sheets``: one ``{criterion code:
    points}`` per reviewer who is not excluded (a reviewer with a conflict of interest is
    left out by the caller). RuleError ``review.no_reviewers`` without a sheet.

    Example (tests): weights 20/30/20/15/15, reviewer A 80/90/70/60/100 → (1600 + 2700 +
    1400 + 900 + 1500)/100 = 81; reviewer B 70/80/80/80/70 → 76.5; score (81 + 76.5)/2 =
    78.75."""
    sheets = list(sheets)
    if not sheets:
        raise RuleError("review.no_reviewers", N_("尚无有效评分"), {}, "points")
    mean = sum(reviewer_score(criteria, s) for s in sheets) / len(sheets)
    return mean.quantize(CENT, rounding=ROUND_HALF_UP)


def instalment_schedule(amount, percents) -> list[Decimal]:
    """The instalments of a contract of ``amount`` yuan for ``percents`` (each > 0, at most
    two decimals, summing to exactly 100): each ``amount × percent / 100`` rounded to the fen half up,
    the last one taking the remainder so that the instalments add up to the amount to
    the fen. RuleError ``instalment.percent_total`` / ``instalment.percent``.

    Example (tests): 180,000.00 yuan at 30/40/30 → 54,000.00, 72,000.00, 54,000.00;
    100,000.00 at 33.33/33.33/33.34 → 33,330.00, 33,330.00, 33,340.00; 1,000.00 at
    33.33/33.33/33.34 → 333.30, 333.30, 333.40."""
    amount = _dec(amount, "instalment.amount", "amount").quantize(CENT, rounding=ROUND_HALF_UP)
    ps = [_dec(p, "instalment.percent", "instalments") for p in percents]
    if not ps or any(p <= 0 for p in ps):
        raise RuleError("instalment.percent", N_("每期拨付比例应大于 0"), {}, "instalments")
    if any(p != p.quantize(CENT) for p in ps):  # the contract's clause and the column keep two decimals
        raise RuleError("instalment.percent", N_("每期拨付比例最多两位小数"), {}, "instalments")
    if sum(ps) != HUNDRED:
        raise RuleError("instalment.percent_total", N_("各期拨付比例之和应为 100%%，当前为 %(total)s%%"),
                        {"total": str(sum(ps))}, "instalments")
    out = [(amount * p / HUNDRED).quantize(CENT, rounding=ROUND_HALF_UP) for p in ps[:-1]]
    out.append(amount - sum(out, Decimal(0)))
    return out


def check_bands(bands) -> list[tuple[Decimal, str]]:
    """``bands`` as ``[(lowest score, band code)]`` sorted from the highest, with distinct
    bounds in 0–100, the lowest 0 and codes of :data:`BAND_NAMES`; RuleError
    ``bands.invalid`` otherwise."""
    out = sorted(((_dec(b, "bands.invalid", "bands"), str(code)) for b, code in bands or ()), reverse=True)
    bounds = [b for b, _c in out]
    if (not out or bounds[-1] != 0 or len(set(bounds)) != len(bounds) or bounds[0] > HUNDRED
            or any(c not in BAND_NAMES for _b, c in out)):
        raise RuleError("bands.invalid", N_("评估等次设置有误：下限应在 0 到 100 之间、互不相同，最低一档为 0"), {}, "bands")
    return out


def evaluation_band(score, bands=DEFAULT_BANDS) -> str:
    """The band code of an evaluation ``score`` (0–100): the first band, from the
    highest, whose lower bound the score reaches. With the defaults 90 → ``excellent``,
    89.99 → ``good``, 60 → ``pass``, 59.99 → ``fail``."""
    s = _dec(score, "evaluation.score", "score")
    if not Decimal(0) <= s <= HUNDRED:
        raise RuleError("evaluation.score", N_("评估得分应在 0 到 100 之间"), {}, "score")
    for lower, code in check_bands(bands):
        if s >= lower:
            return code
    raise AssertionError("the lowest band starts at 0")  # pragma: no cover


def final_instalment_amount(planned, band: str, factors=None) -> tuple[Decimal, Decimal]:
    """(amount, percent): the final instalment paid for the final evaluation's ``band``:
    ``planned × factor / 100`` rounded to the fen half up, the factor from ``factors``
    (default :data:`DEFAULT_FINAL_FACTORS`). Example: 54,000.00 planned, band ``pass``
    at 80 % → 43,200.00."""
    factors = factors or DEFAULT_FINAL_FACTORS
    if band not in factors:
        raise RuleError("evaluation.band", N_("未设置该等次的尾款拨付比例"), {}, "band")
    factor = _dec(factors[band], "evaluation.band", "band")
    if not Decimal(0) <= factor <= HUNDRED:
        raise RuleError("evaluation.band", N_("尾款拨付比例应在 0 到 100 之间"), {}, "band")
    planned = _dec(planned, "instalment.amount", "amount")
    return (planned * factor / HUNDRED).quantize(CENT, rounding=ROUND_HALF_UP), factor
