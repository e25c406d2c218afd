"""Pure rules of social assistance and subsidies: parameter schemas, eligibility and
monthly amounts. No Django import, no I/O: every function takes plain values (dates,
Decimal yuan, dicts of parameters) and returns plain values, so that a batch of 200,000
lines and a single application use the same code.

Money is ``Decimal`` yuan. Rounding rule (project decision, documented in
docs/assistance.md): amounts are computed exactly and rounded once, at the end, to the
fen with ROUND_HALF_UP (四舍五入到分); per-capita income is kept exact (not rounded)
when compared with a standard.

Interface used by the batches (fixed; other modules rely on it):

    compute_amount(program, inputs, params, month, *, birth_date=None) -> Computation

``inputs`` are the facts stored on the enrollment (see each program's function),
``params`` the ``values`` of the ProgramParameter in force for ``month`` (first day of
the month). ``Computation.amount`` is the monthly amount (Decimal, 2 places; 0 when the
rule gives nothing for that month), ``rule`` a stable name of the rule and version,
``detail`` the values used (JSON-ready: Decimals as strings).
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from jiayuan.people.rules import N_, age_on  # pure (no Django): THE age function of the project

FEN = Decimal("0.01")
ZERO = Decimal("0.00")


def to_fen(value: Decimal) -> Decimal:
    """Round yuan to the fen, half up (四舍五入). ``Decimal -> Decimal``."""
    return Decimal(value).quantize(FEN, rounding=ROUND_HALF_UP)


def money(value) -> Decimal:
    """A parameter or input value (string, int or Decimal; never float) as Decimal yuan.
    Raises ``TypeError`` for floats (binary floats cannot hold fen exactly) and
    ``decimal.InvalidOperation`` for text that is not a number."""
    if isinstance(value, float):
        raise TypeError("money values must be Decimal or str, not float")
    return Decimal(str(value))


def format_yuan(value) -> str:
    """An amount of yuan as shown to people: ``22,187.00`` — always two places, rounded
    to the fen half up (四舍五入, the rule of ``to_fen``), thousands separated by ``,``,
    negative as ``-1,234.50``; the same digits in every UI language (not locale
    formatting). ``value`` is a Decimal, int, float or numeric str (a float goes through
    its shortest repr, never its binary expansion). ``None`` and ``""`` give ``"—"``;
    anything that is not a finite number comes back as ``str(value)`` unchanged.
    Display only: the API and stored values keep their plain decimal strings."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return str(value)
    try:
        amount = Decimal(str(value).strip())
    except (ArithmeticError, ValueError):
        return str(value)
    if not amount.is_finite():
        return str(value)
    fen = to_fen(amount)
    if fen == 0:
        fen = ZERO  # no "-0.00"
    return f"{fen:,.2f}"


@dataclass(frozen=True)
class Computation:
    """How a monthly amount was computed: ``amount`` (Decimal yuan, 2 places), ``rule``
    (e.g. ``"subsistence_allowance.gap/v1"``), ``detail`` (JSON-ready values used)."""

    amount: Decimal
    rule: str
    detail: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Reason:
    """One condition checked: ``code`` (stable, e.g. ``income.not_below_standard``),
    ``met`` (whether it holds), ``message`` (Chinese, naming the values compared) and
    ``values`` (JSON-ready: Decimals as strings)."""

    code: str
    met: bool
    message: str
    values: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Eligibility:
    """The result of an eligibility rule: ``eligible`` and every condition checked
    (``reasons``; the failed ones say why not). ``amount`` is the monthly amount when
    eligible (else None), ``computation`` how it was computed."""

    eligible: bool
    reasons: tuple[Reason, ...]
    computation: Computation | None = None

    @property
    def failed(self) -> tuple[Reason, ...]:
        return tuple(r for r in self.reasons if not r.met)


# ---------------------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------------------

AREAS = {"urban": N_("城市"), "rural": N_("农村")}
DISABILITY_TYPES = {1: N_("视力"), 2: N_("听力"), 3: N_("言语"), 4: N_("肢体"), 5: N_("智力"), 6: N_("精神"), 7: N_("多重")}
GRADES = {1: N_("一级"), 2: N_("二级"), 3: N_("三级"), 4: N_("四级")}
SELF_CARE = {"full_self": N_("全自理"), "semi": N_("半护理"), "full": N_("全护理")}
# Levels of the elderly capacity assessment (GB/T 42195-2022).
CAPACITY_LEVELS = {"intact": N_("能力完好"), "mild": N_("轻度失能"), "moderate": N_("中度失能"), "severe": N_("重度失能"),
                   "total": N_("完全失能")}
# The economic categories of 养老服务补贴 and of the 两项补贴's household condition.
ECONOMIC_STATUS = {"extreme_poverty": N_("特困（三无）"), "subsistence": N_("低保"), "low_income": N_("低保边缘（低收入）"),
                   "other": N_("其他")}
# Allowances of the same kind as the care allowance ("the higher one, not both").
OVERLAP_KINDS = {"disability_care_allowance": N_("重度残疾人护理补贴"), "elderly_care_allowance": N_("养老服务补贴"),
                 "long_term_care_insurance": N_("长期护理保险待遇")}
INCOME_KINDS = {"wages": N_("工资性收入"), "business": N_("经营净收入"), "property": N_("财产净收入"), "transfer": N_("转移净收入"),
                "other": N_("其他收入")}
# Deposits and securities are two kinds (stored codes unchanged); the 低保 deposit limit
# counts both together (selectors.applications.program_inputs).
ASSET_KINDS = {"deposits": N_("存款（含现金）"), "vehicle": N_("机动车辆"), "housing": N_("住房"),
               "securities": N_("有价证券（股票、基金、债券）"),
               "business": N_("经营性财产"), "other": N_("其他财产")}


def _s(value) -> object:
    """JSON-ready: Decimals as strings, dates as ISO strings."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [_s(v) for v in value]
    if isinstance(value, dict):
        return {k: _s(v) for k, v in value.items()}
    return value


def _reason(code: str, met: bool, message: str, **values) -> Reason:
    return Reason(code, bool(met), message, {k: _s(v) for k, v in values.items()})


def _yuan(value: Decimal) -> str:
    """Yuan for a message: two places when exact to the fen (512.33); otherwise up to four
    places, cut (not rounded) and marked with an ellipsis when there are more (333.3333…,
    never 28 digits). The comparison itself uses the exact value. Plain digits, no
    thousands separator: these texts are stored with an assessment and returned by the
    API as they are (pages format amounts with ``format_yuan``)."""
    value = Decimal(value)
    if value == value.quantize(FEN):
        return f"{value.quantize(FEN)}"
    short = value.quantize(Decimal("0.0001"), rounding=ROUND_DOWN)
    return f"{short}…" if short != value else f"{value.normalize()}"


def _flag(inputs: dict, key: str) -> bool:
    value = inputs.get(key, False)
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "是")
    return bool(value)


def first_of_month(month: datetime.date) -> datetime.date:
    return month.replace(day=1)


def ym(month: datetime.date) -> str:
    """``YYYY-MM`` of a date, the year always four digits (``0001-01``, not ``1-01``)."""
    return f"{month.year:04d}-{month.month:02d}"


def last_day_of_month(month: datetime.date) -> datetime.date:
    """The last calendar day of ``month``'s month (29 February in leap years)."""
    nxt = datetime.date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    return nxt - datetime.timedelta(days=1)


def age_in_month(birth_date: datetime.date, month: datetime.date) -> int:
    """Age in full years (周岁) that counts for ``month``: the age reached by the **last
    day** of the month, by THE age function :func:`jiayuan.people.rules.age_on` (birthday
    rule; born 29 February → 28 February in common years).

    Project decision (docs/assistance.md, "Age rule"): a benefit that depends on age is
    due for the whole month in which the age is reached (born 1944-02-29: 80 for
    February 2024, its birthday being 2024-02-29; 79 for January 2024; in the common year
    2025 the next year of age is reached on 2025-02-28, so 81 for February 2025).
    ``(date, date) -> int``; raises ``ValueError`` when the person is born after the
    month ends.
    """
    return age_on(birth_date, last_day_of_month(month))


def per_capita_income(household_income, members: int) -> Decimal:
    """Per-capita monthly income: household monthly income ÷ co-resident members, exact
    (not rounded; it is compared with the standard, never paid). Income counted per
    社会救助暂行办法第九条 (共同生活的家庭成员人均收入). ``(yuan, int) -> Decimal``."""
    members = int(members)
    if members < 1:
        raise ValueError("members must be at least 1")
    return money(household_income) / members


def monthly_income(amount, period: str = "month") -> Decimal:
    """A yearly income as a monthly one (÷ 12, exact); a monthly one as it is."""
    value = money(amount)
    return value / 12 if period == "year" else value


def _eligibility(reasons: list[Reason], computation: Computation | None) -> Eligibility:
    ok = all(r.met for r in reasons)
    return Eligibility(ok, tuple(reasons), computation if ok else None)


def _not_paid(rule: str, result: Eligibility, **detail) -> Computation:
    """A zero amount for a month the rule gives nothing, saying which conditions failed."""
    return Computation(ZERO, rule, {**{k: _s(v) for k, v in detail.items()},
                                    "not_eligible": [r.code for r in result.failed],
                                    "reasons": [r.message for r in result.failed]})


# ---------------------------------------------------------------------------------------
# Parameter schemas
# ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ParamSpec:
    """One parameter of a program. ``kind``:

    - ``money``: yuan as plain decimal digits with at most two decimals (``"735.00"``;
      no exponent, no sign, no separators), ≥ 0; a required one (a standard or an
      amount the rule cannot do without) must be > 0 (``positive`` overrides);
    - ``multiple``: a positive decimal factor as a string (``"2"``, ``"1.5"``);
    - ``int``: an integer within ``minimum``/``maximum`` (and ``choices`` if given);
    - ``bool``: true / false;
    - ``age_bands``: ``[{"min_age": 80, "max_age": 89, "amount": "100.00"}, …]``
      (``max_age`` null = no upper limit), not overlapping;
    - ``grade_amounts``: ``{"1": "230.00", …}`` by disability grade 1–4;
    - ``type_grade_amounts``: ``{"5-2": "230.00", …}`` by ``<disability type 1–7>-<grade 1–4>``;
    - ``capacity_amounts``: ``{"severe": "200.00", …}`` by capacity level (CAPACITY_LEVELS).
    """

    key: str
    kind: str
    label: str
    unit: str = ""
    required: bool = True
    default: object = None
    minimum: int | None = None
    maximum: int | None = None
    choices: tuple = ()
    help: str = ""
    positive: bool | None = None  # money > 0; default: required money

    @property
    def must_be_positive(self) -> bool:
        return self.required if self.positive is None else self.positive


_YPM = N_("元/人·月")
PARAMETER_SCHEMAS: dict[str, tuple[ParamSpec, ...]] = {
    "subsistence_allowance": (
        ParamSpec("standard_urban", "money", N_("城市低保标准"), _YPM),
        ParamSpec("standard_rural", "money", N_("农村低保标准"), _YPM),
        ParamSpec("deposit_limit_years", "multiple", N_("人均存款上限（年保障标准的倍数）"), N_("倍"), required=False,
                  help=N_("家庭人均存款及有价证券不超过当地年低保标准（月标准×12）的倍数")),
        ParamSpec("deposit_limit_per_capita", "money", N_("人均存款上限（金额）"), N_("元/人"), required=False),
        ParamSpec("max_vehicles", "int", N_("机动车辆上限"), N_("辆"), required=False, minimum=0, maximum=10,
                  help=N_("残疾人功能性补偿代步车不计入")),
        ParamSpec("max_housing", "int", N_("住房套数上限"), N_("套"), required=False, minimum=0, maximum=10),
        ParamSpec("extra_elderly", "money", N_("老年人加发（分类施保）"), _YPM, required=False),
        ParamSpec("extra_minor", "money", N_("未成年人加发（分类施保）"), _YPM, required=False),
        ParamSpec("extra_severely_disabled", "money", N_("重度残疾人加发（分类施保）"), _YPM, required=False),
    ),
    "extreme_poverty_support": (
        ParamSpec("basic_urban", "money", N_("城市特困基本生活标准"), _YPM),
        ParamSpec("basic_rural", "money", N_("农村特困基本生活标准"), _YPM),
        ParamSpec("care_full_self", "money", N_("照料护理标准：全自理"), _YPM),
        ParamSpec("care_semi", "money", N_("照料护理标准：半护理"), _YPM),
        ParamSpec("care_full", "money", N_("照料护理标准：全护理"), _YPM),
        ParamSpec("minor_age_limit", "int", N_("未成年人年龄上限（未满）"), N_("周岁"), choices=(16, 18), default=16,
                  help=N_("国务院令第649号为未满16周岁；地方可放宽到18周岁")),
        ParamSpec("elderly_age", "int", N_("老年人年龄"), N_("周岁"), minimum=50, maximum=100, default=60),
    ),
    "temporary_assistance": (
        ParamSpec("max_multiple", "multiple", N_("单次救助上限（月低保标准的倍数）"), N_("倍")),
        ParamSpec("township_limit", "money", N_("乡镇（街道）可直接审批的金额上限"), N_("元")),
        ParamSpec("emergency_limit", "money", N_("紧急程序先行救助上限"), N_("元"), required=False),
        ParamSpec("emergency_completion_days", "int", N_("紧急程序后补材料期限"), N_("个工作日"), required=False,
                  minimum=1, maximum=30, default=5, help=N_("先行救助后，申请人补齐材料的期限")),
    ),
    "disability_living_allowance": (
        ParamSpec("living_amount", "money", N_("困难残疾人生活补贴标准"), _YPM),
        ParamSpec("living_amounts", "grade_amounts", N_("按残疾等级的生活补贴标准（可选，覆盖统一标准）"), _YPM,
                  required=False),
        ParamSpec("extend_living_to_low_income", "bool", N_("扩大到低保边缘（低收入）家庭"), default=False),
    ),
    "disability_care_allowance": (
        ParamSpec("care_amount_default", "money", N_("重度残疾人护理补贴标准（未单列的类别等级）"), _YPM),
        ParamSpec("care_amounts", "type_grade_amounts", N_("按残疾类别、等级单列的护理补贴标准"), _YPM,
                  required=False, help=N_("键为“类别-等级”，如 5-2 表示智力二级")),
        ParamSpec("extend_care_to_grade_3_4_intellectual_mental", "bool",
                  N_("扩大到三、四级智力、精神残疾人"), default=False),
    ),
    "elderly_allowance": (
        ParamSpec("bands", "age_bands", N_("高龄津贴年龄段及标准"), _YPM),
        ParamSpec("local_registration_required", "bool", N_("限本地户籍"), default=True),
    ),
    "elderly_care_allowance": (
        ParamSpec("min_age", "int", N_("起始年龄"), N_("周岁"), minimum=50, maximum=100, default=60),
        ParamSpec("amount_extreme_poverty", "money", N_("特困（三无）老年人补贴"), _YPM, required=False),
        ParamSpec("amount_subsistence", "money", N_("低保老年人补贴"), _YPM, required=False),
        ParamSpec("amount_low_income", "money", N_("低保边缘（低收入）老年人补贴"), _YPM, required=False),
        ParamSpec("amounts_by_capacity", "capacity_amounts", N_("失能、半失能老年人补贴（按能力等级）"), _YPM,
                  required=False),
    ),
    # Children's allowances (DOMAIN.md "Children's allowances"; provincial standards).
    "orphan_allowance": (
        ParamSpec("standard_institution", "money", N_("机构集中养育孤儿基本生活费标准"), _YPM),
        ParamSpec("standard_home", "money", N_("社会散居孤儿基本生活费标准"), _YPM),
        ParamSpec("full_with_assistance", "bool", N_("同时享受低保、特困的儿童全额发放（不补差）"), default=False,
                  help=N_("默认补差发放：标准减去该儿童按人计的低保金或特困供养金（民发〔2019〕62号）；"
                          "本省另有规定的按本省规定")),
    ),
    "de_facto_unsupported_allowance": (
        ParamSpec("standard", "money", N_("事实无人抚养儿童基本生活补贴标准"), _YPM,
                  help=N_("参照当地社会散居孤儿基本生活费标准确定（民发〔2019〕62号）")),
        ParamSpec("full_with_assistance", "bool", N_("同时享受低保、特困的儿童全额发放（不补差）"), default=False,
                  help=N_("默认补差发放：标准减去该儿童按人计的低保金或特困供养金（民发〔2019〕62号）；"
                          "本省另有规定的按本省规定")),
    ),
}

_MAX_MONEY = Decimal("10000000")
# Plain decimal digits: no exponent ("1e3"), no NaN/Infinity, no separators.
_DECIMAL_TEXT = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")


def parse_money_text(value, label: str, *, positive: bool = False, max_value: Decimal = _MAX_MONEY
                     ) -> tuple[Decimal | None, tuple[str, str] | None]:
    """Yuan from a string, int or Decimal written as plain decimal digits with at most
    two decimals (``"735"``, ``"735.5"``, ``"735.00"``). Returns ``(Decimal with two
    places, None)`` or ``(None, (problem, Chinese message naming label and value))``;
    problems: ``money_type`` (float or bool), ``money_invalid`` (not plain digits: exponent
    ``"1e3"``, ``NaN``, ``Infinity``, separators, letters), ``money_negative``,
    ``money_fen`` (more than two decimals), ``money_zero`` (0 when ``positive``),
    ``money_too_large`` (≥ ``max_value``)."""
    if isinstance(value, (bool, float)):
        return None, ("money_type", f"{label}应以文字填写金额（如 \"735.00\"），不能是浮点数")
    if isinstance(value, (int, Decimal)):
        text = str(value)
    elif isinstance(value, str):
        text = value.strip()
    else:
        return None, ("money_invalid", f"{label}不是有效的金额（应填写数字，如 735.00）")
    if not _DECIMAL_TEXT.fullmatch(text):
        return None, ("money_invalid", f"{label}“{str(value)[:40]}”不是有效的金额（应填写数字，如 735.00）")
    amount = Decimal(text)
    if amount < 0:
        return None, ("money_negative", f"{label}不能为负数（填写的是 {text}）")
    if amount != amount.quantize(FEN, rounding=ROUND_HALF_UP):
        return None, ("money_fen", f"{label}最多精确到分（两位小数），填写的是 {text}")
    if positive and amount == 0:
        return None, ("money_zero", f"{label}应大于 0（填写的是 {text}）")
    if amount >= max_value:
        return None, ("money_too_large", f"{label}过大（{text}）")
    return amount.quantize(FEN), None


def _parse_money(value, label: str, positive: bool = False) -> tuple[Decimal | None, tuple[str, str] | None]:
    return parse_money_text(value, label, positive=positive)


def _parse_int(value, label: str) -> tuple[int | None, tuple[str, str] | None]:
    if isinstance(value, bool) or isinstance(value, float):
        return None, ("int_invalid", f"{label}应为整数，填写的是 {value}")
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        value = int(value.strip())
    if not isinstance(value, int):
        return None, ("int_invalid", f"{label}应为整数，填写的是 {value}")
    return value, None


def _check_spec(spec: ParamSpec, value) -> tuple[object, tuple[str, str] | None]:
    """(clean value, None) or (None, (problem, Chinese message))."""
    label = spec.label
    if spec.kind == "money":
        amount, err = _parse_money(value, label, spec.must_be_positive)
        return (None, err) if err else (f"{amount}", None)
    if spec.kind == "multiple":
        if isinstance(value, (bool, float)):
            return None, ("multiple_invalid", f"{label}应以文字填写倍数（如 \"2\"），填写的是 {value}")
        text = str(value).strip()
        if not _DECIMAL_TEXT.fullmatch(text):
            return None, ("multiple_invalid", f"{label}“{text[:40]}”不是有效倍数（应填写数字，如 2 或 1.5）")
        factor = Decimal(text)
        if factor <= 0 or factor > 1000:
            return None, ("multiple_invalid", f"{label}应大于 0（填写的是 {value}）")
        return f"{factor.normalize():f}", None
    if spec.kind == "int":
        number, err = _parse_int(value, label)
        if err:
            return None, err
        if spec.choices and number not in spec.choices:
            allowed = "、".join(str(c) for c in spec.choices)
            return None, ("choice", f"{label}只能是 {allowed}，填写的是 {number}")
        if spec.minimum is not None and number < spec.minimum:
            return None, ("too_small", f"{label}不能小于 {spec.minimum}（填写的是 {number}）")
        if spec.maximum is not None and number > spec.maximum:
            return None, ("too_large", f"{label}不能大于 {spec.maximum}（填写的是 {number}）")
        return number, None
    if spec.kind == "bool":
        if isinstance(value, bool):
            return value, None
        text = str(value).strip().lower()
        if text in ("true", "1", "yes", "on", "是"):
            return True, None
        if text in ("false", "0", "no", "off", "否", ""):
            return False, None
        return None, ("bool_invalid", f"{label}应为“是”或“否”，填写的是 {value}")
    if spec.kind == "age_bands":
        return _check_bands(label, value)
    if spec.kind in ("grade_amounts", "type_grade_amounts", "capacity_amounts"):
        return _check_amount_map(spec, value)
    raise ValueError(f"unknown parameter kind {spec.kind}")


def _check_bands(label: str, value) -> tuple[object, tuple[str, str] | None]:
    if not isinstance(value, list) or not value:
        return None, ("bands_invalid", f"{label}应为至少一个年龄段的列表")
    bands = []
    for i, band in enumerate(value, 1):
        if not isinstance(band, dict) or set(band) - {"min_age", "max_age", "amount"} or "min_age" not in band \
                or "amount" not in band:
            return None, ("bands_invalid", f"{label}第 {i} 段应包含 min_age、max_age（可为空）和 amount")
        lo, err = _parse_int(band["min_age"], f"{label}第 {i} 段的起始年龄")
        if err:
            return None, ("bands_invalid", err[1])
        hi = band.get("max_age")
        if hi is not None and hi != "":
            hi, err = _parse_int(hi, f"{label}第 {i} 段的截止年龄")
            if err:
                return None, ("bands_invalid", err[1])
        else:
            hi = None
        if lo < 0 or lo > 150 or (hi is not None and hi < lo):
            return None, ("bands_invalid", f"{label}第 {i} 段年龄范围无效（{lo}–{hi if hi is not None else ''}）")
        amount, err = _parse_money(band["amount"], f"{label}第 {i} 段的金额")
        if err:
            return None, ("bands_invalid", err[1])
        bands.append({"min_age": lo, "max_age": hi, "amount": f"{amount}"})
    bands.sort(key=lambda b: b["min_age"])
    for prev, nxt in zip(bands, bands[1:]):
        if prev["max_age"] is None or prev["max_age"] >= nxt["min_age"]:
            upper = "以上" if prev["max_age"] is None else f"–{prev['max_age']}"
            return None, ("bands_overlap", f"{label}年龄段重叠：{prev['min_age']}{upper} 与 {nxt['min_age']} 起的段")
        if Decimal(nxt["amount"]) < Decimal(prev["amount"]):
            # Decision (docs/assistance.md): 高龄津贴 grows with age; a higher band paying
            # less than a lower one is a typing error, refused rather than warned.
            return None, ("bands_decreasing", f"{label}的金额不能随年龄降低：{nxt['min_age']} 周岁起的段 "
                                              f"{nxt['amount']} 元低于 {prev['min_age']} 周岁起的段 {prev['amount']} 元")
    return bands, None


def _check_amount_map(spec: ParamSpec, value) -> tuple[object, tuple[str, str] | None]:
    label = spec.label
    if not isinstance(value, dict):
        return None, ("map_invalid", f"{label}应为“键: 金额”的对象")
    out = {}
    for key, amount in value.items():
        key = str(key).strip()
        if spec.kind == "grade_amounts":
            ok = key in ("1", "2", "3", "4")
            what = "残疾等级 1–4"
        elif spec.kind == "type_grade_amounts":
            parts = key.split("-")
            ok = len(parts) == 2 and parts[0] in {str(t) for t in DISABILITY_TYPES} and parts[1] in ("1", "2", "3", "4")
            what = "“类别-等级”，类别 1–7、等级 1–4（如 5-2）"
        else:
            ok = key in CAPACITY_LEVELS
            what = "能力等级（" + "、".join(f"{k} {v}" for k, v in CAPACITY_LEVELS.items()) + "）"
        if not ok:
            return None, ("map_key", f"{label}中的“{key}”无效：键应为{what}")
        clean, err = _parse_money(amount, f"{label}中 {key} 的金额")
        if err:
            return None, ("map_invalid", err[1])
        out[key] = f"{clean}"
    return dict(sorted(out.items())), None


def validate_parameters(program: str, values) -> tuple[dict, dict[str, tuple[str, str]]]:
    """Check and normalise the parameter ``values`` of ``program`` against
    :data:`PARAMETER_SCHEMAS`. Returns ``(clean_values, errors)``: ``clean_values`` with
    money as ``"735.00"`` strings, ints, bools, sorted bands and maps, defaults filled;
    ``errors`` as ``{key: (code, Chinese message)}`` (code ``<key>.<problem>``, e.g.
    ``standard_urban.required``, ``bands.bands_overlap``, ``foo.unknown``); empty when
    valid. An unknown program gives ``{"program": ("program.unknown", …)}``."""
    schema = PARAMETER_SCHEMAS.get(program)
    if schema is None:
        return {}, {"program": ("program.unknown", f"项目“{program}”没有参数定义")}
    if not isinstance(values, dict):
        return {}, {"values": ("values.not_object", "参数应为“参数名: 值”的对象")}
    errors: dict[str, tuple[str, str]] = {}
    known = {s.key for s in schema}
    for key in values:
        if key not in known:
            errors[str(key)] = (f"{key}.unknown", f"项目没有参数“{key}”")
    clean: dict = {}
    for spec in schema:
        value = values.get(spec.key)
        if value is None or value == "" or value == [] or value == {}:
            if spec.default is not None:
                clean[spec.key] = spec.default
            elif spec.required:
                errors[spec.key] = (f"{spec.key}.required", f"请填写{spec.label}")
            continue
        result, err = _check_spec(spec, value)
        if err:
            errors[spec.key] = (f"{spec.key}.{err[0]}", err[1])
        else:
            clean[spec.key] = result
    return clean, errors


# ---------------------------------------------------------------------------------------
# Input schemas (the facts stored on an enrollment)
# ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class InputSpec:
    """One fact of an enrollment's ``inputs``. ``kind``: ``choice`` (one of ``choices``,
    a dict code → Chinese name), ``int`` (within ``minimum``/``maximum``), ``money``
    (plain decimal digits, at most two decimals, ≥ 0), ``bool`` (true/false),
    ``overlapping`` (``[{"kind": OVERLAP_KINDS key, "amount": money}]``).
    ``source``: ``declared`` (as given by the caller: the application's home visit and
    economic-status record, or the county for a direct enrolment) or ``registry`` (taken
    from the registry by the enrollment service, whatever the caller gave: see
    ``services.enrollments.registry_facts``). A registry fact is never required from the
    caller; when given it must still be of the right kind."""

    key: str
    kind: str
    label: str
    required: bool = False
    choices: dict | None = None
    minimum: int | None = None
    maximum: int | None = None
    source: str = "declared"


_AREA_OPTIONAL = InputSpec("area", "choice", N_("城乡类别"), choices=AREAS)
CARE_SETTINGS = {"institution": N_("机构集中养育"), "home": N_("社会散居")}
_OVERLAPPING = InputSpec("overlapping", "overlapping", N_("同类补贴（就高享受）"))
_CERTIFICATE_FACTS = (
    InputSpec("certificate_valid", "bool", N_("持有效残疾人证"), source="registry"),
    InputSpec("disability_type", "int", N_("残疾类别"), minimum=1, maximum=7, source="registry"),
    InputSpec("grade", "int", N_("残疾等级"), minimum=1, maximum=4, source="registry"),
    InputSpec("long_term_care_need", "bool", N_("长期照护需求"), source="registry"),
)
HOUSEHOLD_STATUS = {k: v for k, v in ECONOMIC_STATUS.items() if k != "extreme_poverty"}
INPUT_SCHEMAS: dict[str, tuple[InputSpec, ...]] = {
    "subsistence_allowance": (
        InputSpec("area", "choice", N_("城乡类别"), required=True, choices=AREAS),
        InputSpec("members", "int", N_("保障人数"), required=True, minimum=1, maximum=99),
        # one of the two incomes is required (checked in validate_inputs)
        InputSpec("per_capita_income", "money", N_("家庭人均月收入")),
        InputSpec("household_income", "money", N_("家庭月收入")),
        InputSpec("elderly_members", "int", N_("老年人人数"), minimum=0, maximum=99),
        InputSpec("minor_members", "int", N_("未成年人人数"), minimum=0, maximum=99),
        InputSpec("severely_disabled_members", "int", N_("重度残疾人人数"), minimum=0, maximum=99),
        InputSpec("deposits", "money", N_("家庭存款及有价证券")),
        InputSpec("vehicles", "int", N_("机动车辆数"), minimum=0, maximum=99),
        InputSpec("housing", "int", N_("住房套数"), minimum=0, maximum=99),
    ),
    "extreme_poverty_support": (
        InputSpec("area", "choice", N_("城乡类别"), required=True, choices=AREAS),
        InputSpec("self_care", "choice", N_("生活自理能力"), required=True, choices=SELF_CARE),
        InputSpec("no_work_capacity", "bool", N_("无劳动能力"), required=True),
        InputSpec("no_income_source", "bool", N_("无生活来源"), required=True),
        InputSpec("no_supporter", "bool", N_("无法定义务人或义务人无履行能力"), required=True),
        InputSpec("disabled", "bool", N_("残疾人"), required=True),
        InputSpec("setting", "choice", N_("供养方式"), choices={"home": N_("分散供养"), "institution": N_("集中供养")}),
    ),
    "disability_living_allowance": (
        _AREA_OPTIONAL, *_CERTIFICATE_FACTS,
        InputSpec("household_status", "choice", N_("家庭经济状况"), required=True, choices=HOUSEHOLD_STATUS),
        InputSpec("extreme_poverty", "bool", N_("已纳入特困人员救助供养"), required=True),
        # recorded for the care allowance of the same person (applications send both)
        InputSpec("work_injury_care", "bool", N_("享受工伤保险生活护理费")),
        _OVERLAPPING,
    ),
    "disability_care_allowance": (
        _AREA_OPTIONAL, *_CERTIFICATE_FACTS,
        InputSpec("household_status", "choice", N_("家庭经济状况"), choices=HOUSEHOLD_STATUS),
        InputSpec("extreme_poverty", "bool", N_("已纳入特困人员救助供养"), required=True),
        InputSpec("work_injury_care", "bool", N_("享受工伤保险生活护理费"), required=True),
        _OVERLAPPING,
    ),
    "elderly_allowance": (
        _AREA_OPTIONAL,
        InputSpec("registered", "bool", N_("本地户籍"), source="registry"),
    ),
    "elderly_care_allowance": (
        _AREA_OPTIONAL,
        InputSpec("economic_status", "choice", N_("经济状况"), required=True, choices=ECONOMIC_STATUS),
        InputSpec("capacity_level", "choice", N_("能力等级"), choices=CAPACITY_LEVELS, source="registry"),
        _OVERLAPPING,
    ),
    "orphan_allowance": (
        InputSpec("care_setting", "choice", N_("养育方式"), required=True, choices=CARE_SETTINGS),
        InputSpec("category_confirmed", "bool", N_("儿童档案认定为孤儿"), source="registry"),
        InputSpec("assistance_amount", "money", N_("该儿童同时享受的低保金或特困供养金（按人，每月）")),
    ),
    "de_facto_unsupported_allowance": (
        InputSpec("category_confirmed", "bool", N_("儿童档案认定为事实无人抚养儿童"), source="registry"),
        InputSpec("assistance_amount", "money", N_("该儿童同时享受的低保金或特困供养金（按人，每月）")),
    ),
}
_TRUE = ("true", "1", "yes", "是")
_FALSE = ("false", "0", "no", "否")


def _check_input(spec: InputSpec, value) -> tuple[object, str | None]:
    """(clean value, None) or (None, Chinese message)."""
    label = f"{spec.label}（{spec.key}）"
    if spec.kind == "choice":
        if isinstance(value, str) and value.strip() in spec.choices:
            return value.strip(), None
        allowed = "、".join(f"{k}（{v}）" for k, v in spec.choices.items())
        return None, f"{label}只能是 {allowed}，填写的是“{str(value)[:40]}”"
    if spec.kind == "int":
        if isinstance(value, str) and value.strip().isdigit() and value.strip().isascii():
            value = int(value.strip())
        if isinstance(value, bool) or not isinstance(value, int):
            return None, f"{label}应为整数，填写的是“{str(value)[:40]}”"
        if (spec.minimum is not None and value < spec.minimum) or (spec.maximum is not None and value > spec.maximum):
            return None, f"{label}应在 {spec.minimum}–{spec.maximum} 之间，填写的是 {value}"
        return value, None
    if spec.kind == "money":
        amount, err = parse_money_text(value, label)
        return (None, err[1]) if err else (f"{amount}", None)
    if spec.kind == "bool":
        if isinstance(value, bool):
            return value, None
        if isinstance(value, str) and value.strip().lower() in _TRUE + _FALSE:
            return value.strip().lower() in _TRUE, None
        return None, f"{label}应为“是”（true）或“否”（false），填写的是“{str(value)[:40]}”"
    if spec.kind == "overlapping":
        if not isinstance(value, list):
            return None, f"{label}应为列表，如 [{{\"kind\": \"elderly_care_allowance\", \"amount\": \"100.00\"}}]"
        out = []
        for i, item in enumerate(value, 1):
            if not isinstance(item, dict) or set(item) != {"kind", "amount"} or item["kind"] not in OVERLAP_KINDS:
                kinds = "、".join(OVERLAP_KINDS)
                return None, f"{label}第 {i} 项应为 {{\"kind\", \"amount\"}}，kind 为 {kinds} 之一"
            amount, err = parse_money_text(item["amount"], f"{label}第 {i} 项的金额")
            if err:
                return None, err[1]
            out.append({"kind": item["kind"], "amount": f"{amount}"})
        return out, None
    raise ValueError(f"unknown input kind {spec.kind}")


def validate_inputs(program: str, inputs) -> tuple[dict, list[tuple[str, str, str]]]:
    """Check and normalise an enrollment's ``inputs`` against :data:`INPUT_SCHEMAS`.

    Returns ``(clean, errors)``: ``clean`` with money as ``"512.33"`` strings, ints,
    bools (``"true"``/``"是"`` accepted), trimmed choices; absent optional keys stay
    absent (the rules' documented defaults apply: e.g. no extra members, no
    overlapping allowance). ``errors``: ``[(key, code, Chinese message naming the
    key)]`` with codes ``inputs.unknown`` (a key the program does not read, e.g. a
    misspelling), ``inputs.incomplete`` (a required fact missing; ``null`` or ``""``
    count as missing), ``inputs.invalid`` (wrong kind or value, e.g. disability type 9,
    ``"1e3"``, ``NaN``). An unknown program gives ``("program", "program.unknown", …)``."""
    schema = INPUT_SCHEMAS.get(program)
    if schema is None:
        return {}, [("program", "program.unknown", f"项目“{program}”没有按月测算的依据定义")]
    if not isinstance(inputs, dict):
        return {}, [("inputs", "inputs.invalid", "测算依据应为“名称: 值”的对象")]
    specs = {s.key: s for s in schema}
    errors: list[tuple[str, str, str]] = []
    for key in inputs:
        if key not in specs:
            known = "、".join(specs)
            errors.append((str(key), "inputs.unknown", f"{program} 的测算依据没有“{str(key)[:40]}”这一项（可用：{known}）"))
    clean: dict = {}
    for spec in schema:
        value = inputs.get(spec.key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if spec.required:
                errors.append((spec.key, "inputs.incomplete", f"测算依据缺少“{spec.label}”（{spec.key}）"))
            continue
        result, err = _check_input(spec, value)
        if err:
            errors.append((spec.key, "inputs.invalid", err))
        else:
            clean[spec.key] = result
    if program == "subsistence_allowance":
        if "per_capita_income" not in clean and "household_income" not in clean and not any(
                k in ("per_capita_income", "household_income") for k, _c, _m in errors):
            errors.append(("household_income", "inputs.incomplete",
                           "测算依据缺少家庭月收入（household_income）或家庭人均月收入（per_capita_income）"))
        members = clean.get("members")
        for key in ("elderly_members", "minor_members", "severely_disabled_members"):
            if members is not None and clean.get(key, 0) > members:
                errors.append((key, "inputs.invalid", f"{specs[key].label}（{key}）{clean[key]} 人多于保障人数 {members} 人"))
    return clean, errors


# ---------------------------------------------------------------------------------------
# "The higher one, not both"
# ---------------------------------------------------------------------------------------

def higher_not_both(own_kind: str, own_amount: Decimal, overlapping) -> Reason:
    """Which of overlapping allowances of the same kind applies: the higher one, not both
    (国发〔2015〕52号: 护理补贴与老年人护理（养老服务）补贴、长期护理保险等同类补贴按就高原则,
    不重复享受). ``overlapping``: ``[{"kind": "elderly_care_allowance", "amount": "100.00"}, …]``
    (the other allowances the person receives or is entitled to). Met when ``own_amount``
    is strictly higher than every other; on a tie the other one (already received) keeps
    applying, so nothing changes for the person. ``values["applies"]`` names the one that
    applies."""
    others = [(str(o["kind"]), money(o["amount"])) for o in (overlapping or [])]
    others = [o for o in others if o[0] != own_kind]
    own_name = OVERLAP_KINDS.get(own_kind, own_kind)
    if not others:
        return _reason("overlap.none", True, f"未享受同类补贴，{own_name}适用", applies=own_kind,
                       own_amount=own_amount)
    kind, amount = max(others, key=lambda o: o[1])
    name = OVERLAP_KINDS.get(kind, kind)
    if own_amount > amount:
        return _reason("overlap.own_higher", True,
                       f"{own_name} {_yuan(own_amount)} 元高于同类的{name} {_yuan(amount)} 元：就高享受{own_name}，"
                       f"不再同时享受{name}", applies=own_kind, own_amount=own_amount, other_kind=kind,
                       other_amount=amount)
    return _reason("overlap.other_higher", False,
                   f"同类的{name} {_yuan(amount)} 元不低于{own_name} {_yuan(own_amount)} 元：就高享受{name}，"
                   f"不重复享受{own_name}", applies=kind, own_amount=own_amount, other_kind=kind, other_amount=amount)


# ---------------------------------------------------------------------------------------
# 低保 (subsistence allowance)
# ---------------------------------------------------------------------------------------

SUBSISTENCE_RULE = "subsistence_allowance.gap/v1"


def _subsistence_income(inputs: dict) -> tuple[int, Decimal, Decimal | None]:
    """(members, per-capita income, household income or None) from inputs."""
    members = int(inputs["members"])
    if members < 1:
        raise ValueError("members must be at least 1")
    if inputs.get("household_income") not in (None, ""):
        total = money(inputs["household_income"])
        return members, total / members, total
    return members, money(inputs["per_capita_income"]), None


def subsistence_amount(inputs: dict, params: dict) -> Computation:
    """低保 monthly benefit (补差): (standard − per-capita monthly income) × members, plus
    the optional extra amounts of 分类施保 (``extra_elderly`` × ``elderly_members`` …).

    ``inputs``: ``area`` ("urban"/"rural"), ``members`` (int, co-resident members
    covered), and either ``per_capita_income`` (yuan per month) or ``household_income``
    (the household's monthly income; the gap is then standard × members − income, exact);
    optional counts ``elderly_members``, ``minor_members``, ``severely_disabled_members``.
    ``params``: ``standard_urban`` / ``standard_rural`` (yuan per person per month),
    optional ``extra_*``.
    Nothing is paid (0, extras included) when the per-capita income is not strictly below
    the standard. Rounded once at the end to the fen, half up: standard 735.00, per-capita
    income 512.33, 3 members → 222.67 × 3 = 668.01.
    Source: 社会救助暂行办法（国务院令第649号）第九条、第十三条 (补差发放; 分类施保 per
    local rules); standards are set locally (DOMAIN.md).
    """
    area = inputs["area"]
    standard = money(params[f"standard_{area}"])
    members, pci, total = _subsistence_income(inputs)
    gap = standard - pci
    detail = {"area": area, "standard": str(standard), "per_capita_income": str(pci), "members": members,
              "gap": str(gap)}
    if gap <= 0:
        return Computation(ZERO, SUBSISTENCE_RULE, detail)
    base = standard * members - total if total is not None else gap * members
    extras = ZERO
    for kind in ("elderly", "minor", "severely_disabled"):
        count = int(inputs.get(f"{kind}_members", 0) or 0)
        rate = params.get(f"extra_{kind}")
        if count and rate not in (None, ""):
            extras += money(rate) * count
            detail[f"extra_{kind}"] = f"{money(rate)}×{count}"
    if total is not None:
        detail["household_income"] = str(total)
    return Computation(to_fen(base + extras), SUBSISTENCE_RULE, detail)


def subsistence_eligibility(inputs: dict, params: dict) -> Eligibility:
    """低保 eligibility and amount. Conditions (every one checked and reported):

    - ``income.below_standard``: per-capita monthly income of the co-resident members
      strictly below the local standard of the area (equal → not eligible);
    - ``assets.deposits``: per-capita deposits (``deposits`` ÷ members) not above
      ``deposit_limit_per_capita`` and not above ``deposit_limit_years`` × 12 × standard
      (each limit checked only when set);
    - ``assets.vehicles`` / ``assets.housing``: ``vehicles`` ≤ ``max_vehicles``,
      ``housing`` ≤ ``max_housing`` (when set).

    ``inputs`` as :func:`subsistence_amount`, plus ``deposits`` (yuan), ``vehicles`` and
    ``housing`` (counts). Source: 社会救助暂行办法（国务院令第649号）第九条 (共同生活的家庭成员
    人均收入低于当地最低生活保障标准，且符合当地最低生活保障家庭财产状况规定).
    """
    area = inputs["area"]
    standard = money(params[f"standard_{area}"])
    members, pci, _total = _subsistence_income(inputs)
    area_name = AREAS.get(area, area)
    reasons = [_reason(
        "income.below_standard", pci < standard,
        f"家庭人均月收入 {_yuan(pci)} 元{'低于' if pci < standard else '不低于'}{area_name}低保标准 {_yuan(standard)} 元",
        per_capita_income=pci, standard=standard, members=members)]
    deposits = money(inputs.get("deposits", 0) or 0)
    per_capita_deposits = deposits / members
    limits = []
    if params.get("deposit_limit_per_capita") not in (None, ""):
        limits.append(("金额上限", money(params["deposit_limit_per_capita"])))
    if params.get("deposit_limit_years") not in (None, ""):
        years = money(params["deposit_limit_years"])
        limits.append((f"{_yuan(standard)}×12×{years}", standard * 12 * years))
    for how, limit in limits:
        ok = per_capita_deposits <= limit
        reasons.append(_reason(
            "assets.deposits", ok,
            f"人均存款 {_yuan(per_capita_deposits)} 元{'未超过' if ok else '超过'}上限 {_yuan(limit)} 元（{how}）",
            per_capita_deposits=per_capita_deposits, limit=limit))
    for key, param, code, label, unit in (("vehicles", "max_vehicles", "assets.vehicles", "机动车辆", "辆"),
                                          ("housing", "max_housing", "assets.housing", "住房", "套")):
        if params.get(param) not in (None, ""):
            have, limit = int(inputs.get(key, 0) or 0), int(params[param])
            ok = have <= limit
            reasons.append(_reason(code, ok, f"{label} {have} {unit}{'未超过' if ok else '超过'}上限 {limit} {unit}",
                                   have=have, limit=limit))
    return _eligibility(reasons, subsistence_amount(inputs, params))


# ---------------------------------------------------------------------------------------
# 特困 (extreme poverty support)
# ---------------------------------------------------------------------------------------

EXTREME_POVERTY_RULE = "extreme_poverty_support.basic_plus_care/v1"


def extreme_poverty_eligibility(inputs: dict, params: dict, month: datetime.date,
                                birth_date: datetime.date | None = None) -> Eligibility:
    """特困人员救助供养 eligibility and monthly amount.

    Conditions (三无 and a covered category):

    - ``category``: an elderly person (age ≥ ``elderly_age``, default 60), a disabled
      person (``disabled`` fact: certificate, see 特困人员认定办法), or a minor (age under
      ``minor_age_limit``: 16 in the Decree, 18 where the locality extends it); age by
      :func:`age_in_month` (age reached by the month's last day);
    - ``no_work_capacity``: the fact ``no_work_capacity``, implied for the elderly and
      minors of the categories above;
    - ``no_income_source``: the fact ``no_income_source``;
    - ``no_supporter``: the fact ``no_supporter`` (no one legally obliged to support
      them, or those obliged unable to).

    Amount = basic living standard of the area (``basic_urban``/``basic_rural``) + care
    standard by self-care ability ``self_care`` (全自理 ``full_self`` / 半护理 ``semi`` /
    全护理 ``full``: ``care_full_self``/``care_semi``/``care_full``), paid for the person
    at home or to the institution (``setting``: home/institution, recorded only).
    Sources: 社会救助暂行办法（国务院令第649号）第十四条; 国发〔2016〕14号 (基本生活标准 +
    照料护理标准 by self-care ability); 特困人员认定办法 (民政部) for the implied
    incapacity of the elderly and minors.
    """
    elderly_age = int(params.get("elderly_age", 60))
    minor_limit = int(params.get("minor_age_limit", 16))
    age = None
    if birth_date is not None:
        try:
            age = age_in_month(birth_date, month)
        except ValueError:
            age = None
    categories = []
    if age is not None and age >= elderly_age:
        categories.append("elderly")
    if _flag(inputs, "disabled"):
        categories.append("disabled")
    if age is not None and age < minor_limit:
        categories.append("minor")
    names = {"elderly": "老年人", "disabled": "残疾人", "minor": "未成年人"}
    age_text = f"{month:%Y年%m月}（月末）{age}周岁" if age is not None else "年龄未知"
    reasons = [_reason(
        "category", bool(categories),
        (f"{age_text}，属于" + "、".join(names[c] for c in categories)) if categories else
        f"{age_text}，不是{elderly_age}周岁以上老年人、未满{minor_limit}周岁未成年人，也不是残疾人",
        age=age, elderly_age=elderly_age, minor_age_limit=minor_limit, categories=categories)]
    implied = any(c in ("elderly", "minor") for c in categories)
    no_work = _flag(inputs, "no_work_capacity") or implied
    reasons.append(_reason("no_work_capacity", no_work,
                           "无劳动能力" + ("（老年人、未成年人视为无劳动能力）" if implied and not _flag(inputs, "no_work_capacity")
                                       else "") if no_work else "有劳动能力"))
    reasons.append(_reason("no_income_source", _flag(inputs, "no_income_source"),
                           "无生活来源" if _flag(inputs, "no_income_source") else "有生活来源"))
    reasons.append(_reason("no_supporter", _flag(inputs, "no_supporter"),
                           "无法定赡养、抚养、扶养义务人，或其义务人无履行能力" if _flag(inputs, "no_supporter")
                           else "有具备履行能力的法定赡养、抚养、扶养义务人"))
    area = inputs["area"]
    self_care = inputs["self_care"]
    if self_care not in SELF_CARE:
        raise KeyError(f"self_care {self_care!r}")
    basic = money(params[f"basic_{area}"])
    care = money(params[f"care_{self_care}"])
    computation = Computation(to_fen(basic + care), EXTREME_POVERTY_RULE, {
        "area": area, "basic": str(basic), "self_care": self_care, "care": str(care),
        "setting": inputs.get("setting", "home"), "age": age, "categories": categories})
    return _eligibility(reasons, computation)


def extreme_poverty_amount(inputs, params, month, birth_date=None) -> Computation:
    """Monthly 特困 amount (0 in a month the person no longer falls in a category, e.g. a
    minor reaching ``minor_age_limit``). See :func:`extreme_poverty_eligibility`."""
    result = extreme_poverty_eligibility(inputs, params, month, birth_date)
    if result.eligible:
        return result.computation
    return _not_paid(EXTREME_POVERTY_RULE, result)


# ---------------------------------------------------------------------------------------
# 临时救助 (temporary assistance: one-off, not in monthly batches)
# ---------------------------------------------------------------------------------------

HARDSHIPS = {"fire": N_("火灾等意外事件"), "accident": N_("交通事故等意外伤害"), "illness": N_("突发重大疾病"),
             "expense": N_("生活必需支出突然增加（低保家庭难以承担）"), "other": N_("其他突发性、临时性困难")}


def temporary_assistance_eligibility(inputs: dict, params: dict, subsistence_standard) -> Eligibility:
    """临时救助: a one-off amount for sudden hardship.

    ``inputs``: ``hardship`` (HARDSHIPS key), ``amount`` (yuan asked/proposed),
    ``emergency`` (bool: 紧急程序 — help first, materials later).
    ``params``: ``max_multiple`` (the amount may not exceed this multiple of the monthly
    低保 standard), ``township_limit`` (amounts up to it may be approved by the township,
    above it by the county), optional ``emergency_limit`` (cap of the advance paid on the
    emergency path). ``subsistence_standard``: the monthly 低保 standard in force for the
    household's area (yuan).

    Conditions: ``hardship`` (a recognised sudden hardship), ``amount.positive``,
    ``amount.within_max`` (≤ multiple × standard), and on the emergency path
    ``amount.within_emergency_limit``. The computation says who approves
    (``approver``: township / county) and the path.
    Sources: 社会救助暂行办法（国务院令第649号）第十一章 (第四十七条起); 国发〔2014〕47号
    (临时救助制度: 乡镇审批的小额救助、紧急情况先行救助、事后补充材料).
    """
    hardship = inputs.get("hardship", "")
    amount = money(inputs["amount"])
    standard = money(subsistence_standard)
    multiple = money(params["max_multiple"])
    cap = standard * multiple
    emergency = _flag(inputs, "emergency")
    reasons = [
        _reason("hardship", hardship in HARDSHIPS,
                f"困难类型：{HARDSHIPS[hardship]}" if hardship in HARDSHIPS else f"困难类型“{hardship}”不属于临时救助范围",
                hardship=hardship),
        _reason("amount.positive", amount > 0, f"救助金额 {_yuan(amount)} 元" + ("" if amount > 0 else "，应大于 0"),
                amount=amount),
        _reason("amount.within_max", amount <= cap,
                f"救助金额 {_yuan(amount)} 元{'未超过' if amount <= cap else '超过'}上限 {_yuan(cap)} 元"
                f"（月低保标准 {_yuan(standard)} 元 × {multiple}）", amount=amount, cap=cap, standard=standard,
                multiple=multiple),
    ]
    if emergency and params.get("emergency_limit") not in (None, ""):
        limit = money(params["emergency_limit"])
        reasons.append(_reason("amount.within_emergency_limit", amount <= limit,
                               f"紧急程序先行救助 {_yuan(amount)} 元{'未超过' if amount <= limit else '超过'}上限 "
                               f"{_yuan(limit)} 元", amount=amount, limit=limit))
    township_limit = money(params["township_limit"])
    approver = "township" if amount <= township_limit else "county"
    computation = Computation(to_fen(amount), "temporary_assistance.one_off/v1", {
        "hardship": hardship, "amount": str(amount), "cap": str(cap), "standard": str(standard),
        "multiple": str(multiple), "township_limit": str(township_limit), "approver": approver,
        "path": "emergency" if emergency else "standard"})
    return _eligibility(reasons, computation)


# ---------------------------------------------------------------------------------------
# 两项补贴 (disability living and care allowances)
# ---------------------------------------------------------------------------------------

DISABILITY_LIVING_RULE = "disability_living_allowance.flat/v1"
DISABILITY_CARE_RULE = "disability_care_allowance.by_type_grade/v1"


def _certificate_reason(inputs: dict) -> Reason:
    valid = _flag(inputs, "certificate_valid")
    t, g = inputs.get("disability_type"), inputs.get("grade")
    what = f"{DISABILITY_TYPES.get(int(t), t)}残疾{GRADES.get(int(g), g)}" if t and g else ""
    return _reason("certificate.valid", valid,
                   f"持有效的第二代残疾人证（{what}）" if valid else "未持有效的第二代残疾人证",
                   disability_type=t, grade=g)


def disability_living_eligibility(inputs: dict, params: dict) -> Eligibility:
    """困难残疾人生活补贴 (one of 两项补贴) eligibility and monthly amount.

    ``inputs``: ``certificate_valid`` (bool: a valid second-generation certificate),
    ``disability_type`` (1–7), ``grade`` (1–4), ``household_status`` ("subsistence" 低保,
    "low_income" 低保边缘, "other"), ``extreme_poverty`` (bool: in 特困 support).
    Conditions: ``certificate.valid``; ``household.subsistence`` (a 低保 household, or a
    low-income one when ``extend_living_to_low_income`` is set); ``exclusion.extreme_poverty``
    (persons in 特困 support are excluded).
    Amount: ``living_amounts[grade]`` when given, else ``living_amount`` (yuan/month).
    Source: 国发〔2015〕52号 (困难残疾人生活补贴: 低保家庭中的残疾人，有条件的地方逐步扩大到
    低收入残疾人; 纳入特困人员供养的不享受).
    """
    extend = bool(params.get("extend_living_to_low_income", False))
    status = inputs.get("household_status", "other")
    ok = status == "subsistence" or (extend and status == "low_income")
    status_name = ECONOMIC_STATUS.get(status, status)
    if ok:
        msg = f"家庭为{status_name}家庭" + ("（本地已扩大到低收入家庭）" if status == "low_income" else "")
    elif status == "low_income":
        msg = "家庭为低保边缘（低收入）家庭，本地生活补贴尚未扩大到低收入家庭"
    else:
        msg = f"家庭不是低保家庭（{status_name}）"
    reasons = [_certificate_reason(inputs),
               _reason("household.subsistence", ok, msg, household_status=status, extended_to_low_income=extend)]
    in_support = _flag(inputs, "extreme_poverty")
    reasons.append(_reason("exclusion.extreme_poverty", not in_support,
                           "已纳入特困人员救助供养，不享受困难残疾人生活补贴" if in_support else "未纳入特困人员救助供养"))
    grade = str(inputs.get("grade", ""))
    by_grade = params.get("living_amounts") or {}
    amount = money(by_grade[grade]) if grade in by_grade else money(params["living_amount"])
    computation = Computation(to_fen(amount), DISABILITY_LIVING_RULE, {
        "grade": grade, "amount": str(amount), "by_grade": grade in by_grade, "household_status": status})
    return _eligibility(reasons, computation)


def care_amount_for(params: dict, disability_type, grade) -> Decimal:
    """The care allowance of ``disability_type``-``grade``: ``care_amounts["T-G"]`` or
    ``care_amount_default``. Gansu example (DOMAIN.md): 230 for grade 1 visual (1),
    physical (4), intellectual (5), mental (6) and grade 2 intellectual, mental; 80 for the
    other grade 1–2 types."""
    table = params.get("care_amounts") or {}
    key = f"{int(disability_type)}-{int(grade)}"
    return money(table[key]) if key in table else money(params["care_amount_default"])


def disability_care_eligibility(inputs: dict, params: dict) -> Eligibility:
    """重度残疾人护理补贴 (one of 两项补贴) eligibility and monthly amount.

    ``inputs``: ``certificate_valid``, ``disability_type`` (1–7), ``grade`` (1–4),
    ``long_term_care_need`` (bool, over 6 months), ``extreme_poverty`` (bool),
    ``work_injury_care`` (bool: receives 工伤保险生活护理费), ``overlapping`` (list of
    ``{"kind", "amount"}``: other allowances of the same kind — elderly care allowance,
    long-term care insurance).
    Conditions: ``certificate.valid``; ``grade.severe`` (grade 1 or 2; grade 3–4
    intellectual (5) or mental (6) only when ``extend_care_to_grade_3_4_intellectual_mental``);
    ``care_need``; ``exclusion.extreme_poverty``; ``exclusion.work_injury``;
    ``overlap.*`` (the higher one, not both: see :func:`higher_not_both`).
    Amount: :func:`care_amount_for`.
    Source: 国发〔2015〕52号 (重度残疾人护理补贴: 残疾等级为一、二级且需要长期照护的重度残疾人,
    有条件的地方可扩大到三、四级智力、精神残疾人; 享受工伤保险生活护理费或纳入特困人员供养的
    不享受; 同类护理补贴就高享受、不重复享受).
    """
    extend = bool(params.get("extend_care_to_grade_3_4_intellectual_mental", False))
    grade = int(inputs.get("grade") or 0)
    dtype = int(inputs.get("disability_type") or 0)
    what = f"{DISABILITY_TYPES.get(dtype, dtype)}残疾{GRADES.get(grade, grade)}"
    if grade in (1, 2):
        ok, msg = True, f"{what}，属于一、二级重度残疾"
    elif grade in (3, 4) and dtype in (5, 6):
        ok = extend
        msg = (f"{what}，本地护理补贴已扩大到三、四级智力、精神残疾人" if extend
               else f"{what}，不是一、二级；本地护理补贴未扩大到三、四级智力、精神残疾人")
    else:
        ok, msg = False, f"{what}，不是一、二级重度残疾"
    reasons = [_certificate_reason(inputs),
               _reason("grade.severe", ok, msg, grade=grade, disability_type=dtype, extended=extend)]
    need = _flag(inputs, "long_term_care_need")
    reasons.append(_reason("care_need", need, "需要长期照护（6个月以上）" if need else "无长期照护需求"))
    in_support = _flag(inputs, "extreme_poverty")
    reasons.append(_reason("exclusion.extreme_poverty", not in_support,
                           "已纳入特困人员救助供养，不享受重度残疾人护理补贴" if in_support else "未纳入特困人员救助供养"))
    injury = _flag(inputs, "work_injury_care")
    reasons.append(_reason("exclusion.work_injury", not injury,
                           "已享受工伤保险生活护理费，不享受重度残疾人护理补贴" if injury else "未享受工伤保险生活护理费"))
    amount = care_amount_for(params, dtype or 1, grade or 1) if dtype and grade else ZERO
    reasons.append(higher_not_both("disability_care_allowance", amount, inputs.get("overlapping")))
    computation = Computation(to_fen(amount), DISABILITY_CARE_RULE, {
        "disability_type": dtype, "grade": grade, "amount": str(amount),
        "table_key": f"{dtype}-{grade}" if f"{dtype}-{grade}" in (params.get("care_amounts") or {}) else "default"})
    return _eligibility(reasons, computation)


def disability_living_amount(inputs, params, month=None, birth_date=None) -> Computation:
    result = disability_living_eligibility(inputs, params)
    return result.computation if result.eligible else _not_paid(DISABILITY_LIVING_RULE, result)


def disability_care_amount(inputs, params, month=None, birth_date=None) -> Computation:
    result = disability_care_eligibility(inputs, params)
    return result.computation if result.eligible else _not_paid(DISABILITY_CARE_RULE, result)


# ---------------------------------------------------------------------------------------
# Elderly allowances (local rules)
# ---------------------------------------------------------------------------------------

ELDERLY_RULE = "elderly_allowance.age_band/v1"
ELDERLY_CARE_RULE = "elderly_care_allowance.highest_category/v1"


def band_for_age(bands: list[dict], age: int) -> dict | None:
    """The band ``{"min_age", "max_age", "amount"}`` with min_age ≤ age ≤ max_age
    (max_age None = no upper limit), or None."""
    for band in bands:
        if band["min_age"] <= age and (band.get("max_age") is None or age <= band["max_age"]):
            return band
    return None


def elderly_allowance_eligibility(inputs: dict, params: dict, month: datetime.date,
                                  birth_date: datetime.date) -> Eligibility:
    """高龄津贴 by age band for ``month``.

    Age: :func:`age_in_month` — the age reached by the **last day of the month** (the
    allowance of a band is due for the month in which the age is reached; born 1944-02-29:
    80 for February 2024; born 1936-02-29: 90 for February 2026, reached on 28 February
    in that common year). ``params``: ``bands`` (see ParamSpec ``age_bands``),
    ``local_registration_required``; ``inputs``: ``registered`` (bool, 本地户籍; default true).
    Conditions: ``age.band`` (a band covers the age), ``registration.local`` (when required).
    Source: local 高龄津贴 rules (地方高龄津贴制度, by age band; amounts are parameters);
    age per 民法典第二百零一条 via people.rules.age_on.
    """
    try:
        age = age_in_month(birth_date, month)
    except ValueError:
        age = -1
    band = band_for_age(params["bands"], age) if age >= 0 else None
    lowest = min(b["min_age"] for b in params["bands"])
    if band:
        upper = f"{band['max_age']}周岁" if band.get("max_age") is not None else "以上"
        msg = f"{month:%Y年%m月}（月末）年满 {age} 周岁，属于 {band['min_age']}–{upper} 年龄段"
    else:
        msg = f"{month:%Y年%m月}（月末）年满 {age} 周岁，不在任何年龄段（最低 {lowest} 周岁）"
    reasons = [_reason("age.band", band is not None, msg, age=age, month=month,
                       band=band and {k: band[k] for k in ("min_age", "max_age")})]
    if params.get("local_registration_required", True):
        registered = _flag({"registered": inputs.get("registered", True)}, "registered")
        reasons.append(_reason("registration.local", registered, "本地户籍" if registered else "非本地户籍"))
    amount = money(band["amount"]) if band else ZERO
    computation = Computation(to_fen(amount), ELDERLY_RULE, {
        "age": age, "month": month.isoformat(), "band_min_age": band and band["min_age"],
        "band_max_age": band and band.get("max_age"), "amount": str(amount)})
    return _eligibility(reasons, computation)


def elderly_allowance_amount(inputs, params, month, birth_date=None) -> Computation:
    if birth_date is None:
        raise KeyError("birth_date")
    result = elderly_allowance_eligibility(inputs, params, month, birth_date)
    return result.computation if result.eligible else _not_paid(ELDERLY_RULE, result)


def elderly_care_eligibility(inputs: dict, params: dict, month: datetime.date,
                             birth_date: datetime.date) -> Eligibility:
    """养老服务补贴 (for economically difficult elderly people: 特困/三无, 低保, low-income,
    and disabled or semi-disabled by capacity level).

    ``inputs``: ``economic_status`` (extreme_poverty / subsistence / low_income / other),
    ``capacity_level`` (GB/T 42195 level: intact/mild/moderate/severe/total; optional),
    ``overlapping`` (other allowances of the same kind, e.g. the disability care
    allowance or long-term care insurance, ``[{"kind", "amount"}]``).
    ``params``: ``min_age``, ``amount_extreme_poverty``, ``amount_subsistence``,
    ``amount_low_income``, ``amounts_by_capacity`` (unset = category not covered).
    Conditions: ``age.min`` (age by :func:`age_in_month` ≥ ``min_age``); ``category``
    (at least one covered category applies); ``overlap.*`` (the higher one, not both).
    **Decision:** a person in several categories gets the highest of their categories'
    amounts, not their sum (documented in docs/assistance.md).
    Source: 财社〔2014〕113号 (经济困难的高龄、失能等老年人补贴制度; amounts and categories
    set locally); 国发〔2015〕52号 for the higher-not-both rule against the care allowance.
    """
    min_age = int(params.get("min_age", 60))
    try:
        age = age_in_month(birth_date, month)
    except ValueError:
        age = -1
    reasons = [_reason("age.min", age >= min_age,
                       f"{month:%Y年%m月}（月末）年满 {age} 周岁，{'达到' if age >= min_age else '未达到'} {min_age} 周岁",
                       age=age, min_age=min_age)]
    candidates = []
    status = inputs.get("economic_status", "other")
    key = {"extreme_poverty": "amount_extreme_poverty", "subsistence": "amount_subsistence",
           "low_income": "amount_low_income"}.get(status)
    if key and params.get(key) not in (None, ""):
        candidates.append((status, ECONOMIC_STATUS[status], money(params[key])))
    level = inputs.get("capacity_level") or ""
    by_capacity = params.get("amounts_by_capacity") or {}
    if level in by_capacity:
        candidates.append((f"capacity_{level}", CAPACITY_LEVELS.get(level, level), money(by_capacity[level])))
    if candidates:
        code, name, amount = max(candidates, key=lambda c: c[2])
        listed = "、".join(f"{n} {_yuan(a)} 元" for _c, n, a in candidates)
        msg = f"符合的类别：{listed}；按其中最高的“{name}”{_yuan(amount)} 元享受"
    else:
        code, name, amount = "", "", ZERO
        msg = (f"经济状况“{ECONOMIC_STATUS.get(status, status)}”、能力等级“{CAPACITY_LEVELS.get(level, level or '未评估')}”"
               f"均不在本地补贴范围")
    reasons.append(_reason("category", bool(candidates), msg, category=code,
                           candidates=[{"category": c, "amount": a} for c, _n, a in candidates]))
    if candidates:
        reasons.append(higher_not_both("elderly_care_allowance", amount, inputs.get("overlapping")))
    computation = Computation(to_fen(amount), ELDERLY_CARE_RULE, {
        "age": age, "category": code, "amount": str(amount)})
    return _eligibility(reasons, computation)


def elderly_care_amount(inputs, params, month, birth_date=None) -> Computation:
    if birth_date is None:
        raise KeyError("birth_date")
    result = elderly_care_eligibility(inputs, params, month, birth_date)
    return result.computation if result.eligible else _not_paid(ELDERLY_CARE_RULE, result)


# ---------------------------------------------------------------------------------------
# Monthly amounts (the batches' interface)
# ---------------------------------------------------------------------------------------

# program code -> function(inputs, params, month, birth_date) -> Computation
# ---------------------------------------------------------------------------------------
# Children's allowances: 孤儿基本生活费, 事实无人抚养儿童基本生活补贴
# ---------------------------------------------------------------------------------------

CHILD_ALLOWANCE_RULE = "child_allowance.standard_or_difference/v1"
CHILD_AGE_LIMIT = 18


def child_allowance_eligibility(program: str, inputs: dict, params: dict, month: datetime.date,
                                birth_date: datetime.date | None = None) -> Eligibility:
    """孤儿基本生活费 (``orphan_allowance``) and 事实无人抚养儿童基本生活补贴
    (``de_facto_unsupported_allowance``): eligibility and monthly amount.

    ``inputs``: ``category_confirmed`` (bool, from the registry: the child's file
    confirms the category — an orphan: both parents deceased or declared missing; 事实无人
    抚养 as 民发〔2019〕62号), ``care_setting`` (orphans: ``institution`` 机构集中养育 or
    ``home`` 社会散居), ``assistance_amount`` (yuan/month of 低保 or 特困 support counted for
    the child, optional, default 0).
    Conditions: ``category.confirmed``; ``age.minor`` — under 18 on the **first** day of
    the month (the month of the 18th birthday is still paid: the child was a minor when it
    began; project decision, docs/children.md); ``amount.positive`` (after the difference).
    Amount: the standard (``standard_institution`` / ``standard_home`` for orphans,
    ``standard`` for 事实无人抚养, yuan/month), less ``assistance_amount`` (补差) unless
    ``full_with_assistance`` is set, never below 0.
    Sources: 国办发〔2010〕54号 (孤儿基本生活费); 民发〔2019〕62号 (事实无人抚养儿童: 参照孤儿
    标准; 已纳入低保、特困的, 补差发放 — DOMAIN.md marks the difference rule "(check)": it
    is the parameter ``full_with_assistance``, default false = 补差, which a province whose
    rule differs sets).
    """
    what = "孤儿" if program == "orphan_allowance" else "事实无人抚养儿童"
    confirmed = _flag(inputs, "category_confirmed")
    reasons = [_reason("category.confirmed", confirmed,
                       f"儿童档案认定为{what}" if confirmed else f"儿童档案未认定为{what}")]
    if birth_date is None:
        raise KeyError("birth_date")
    age = age_on(birth_date, max(first_of_month(month), birth_date))
    reasons.append(_reason("age.minor", age < CHILD_AGE_LIMIT,
                           f"本月初 {age} 周岁，未满 {CHILD_AGE_LIMIT} 周岁" if age < CHILD_AGE_LIMIT
                           else f"本月初已满 {CHILD_AGE_LIMIT} 周岁", age=age))
    if program == "orphan_allowance":
        setting = inputs.get("care_setting", "home")
        standard = money(params["standard_institution" if setting == "institution" else "standard_home"])
    else:
        setting, standard = "", money(params["standard"])
    assistance = money(inputs.get("assistance_amount") or "0")
    full = bool(params.get("full_with_assistance", False))
    amount = standard if full else max(standard - assistance, ZERO)
    reasons.append(_reason("amount.positive", amount > 0,
                           f"每月 {_yuan(amount)} 元" if amount > 0 else
                           f"低保或特困金额 {_yuan(assistance)} 元不低于标准 {_yuan(standard)} 元，补差为 0",
                           amount=amount))
    computation = Computation(to_fen(amount), CHILD_ALLOWANCE_RULE, {
        "standard": str(standard), "care_setting": setting, "assistance_amount": str(assistance),
        "difference": not full and assistance > 0, "age": age})
    return _eligibility(reasons, computation)


def orphan_amount(inputs, params, month, birth_date=None) -> Computation:
    result = child_allowance_eligibility("orphan_allowance", inputs, params, month, birth_date)
    return result.computation if result.eligible else _not_paid(CHILD_ALLOWANCE_RULE, result)


def de_facto_unsupported_amount(inputs, params, month, birth_date=None) -> Computation:
    result = child_allowance_eligibility("de_facto_unsupported_allowance", inputs, params, month, birth_date)
    return result.computation if result.eligible else _not_paid(CHILD_ALLOWANCE_RULE, result)


AMOUNT_RULES = {
    "orphan_allowance": orphan_amount,
    "de_facto_unsupported_allowance": de_facto_unsupported_amount,
    "subsistence_allowance": lambda inputs, params, month, birth_date: subsistence_amount(inputs, params),
    "extreme_poverty_support": extreme_poverty_amount,
    "disability_living_allowance": disability_living_amount,
    "disability_care_allowance": disability_care_amount,
    "elderly_allowance": elderly_allowance_amount,
    "elderly_care_allowance": elderly_care_amount,
}


def compute_amount(program: str, inputs: dict, params: dict, month: datetime.date, *,
                   birth_date: datetime.date | None = None) -> Computation:
    """The monthly amount of ``program`` for an enrollment with ``inputs`` in ``month``
    under ``params``. Raises ``KeyError`` for a program without a monthly rule
    (``temporary_assistance`` is one-off, see :func:`temporary_assistance_eligibility`) or
    a missing parameter/input (a batch reports it on the line, it never guesses; the
    age-based programs need ``birth_date``). A month in which the rule gives nothing
    (e.g. an elderly person not yet in a band) is a zero amount whose ``detail`` lists the
    failed conditions (``not_eligible``, ``reasons``)."""
    return AMOUNT_RULES[program](inputs, params, month, birth_date)


def eligibility(program: str, inputs: dict, params: dict, month: datetime.date, *,
                birth_date: datetime.date | None = None, subsistence_standard=None) -> Eligibility:
    """The eligibility rule of ``program`` (one entry point for services and pages).
    ``subsistence_standard`` is needed by temporary assistance only."""
    if program == "subsistence_allowance":
        return subsistence_eligibility(inputs, params)
    if program == "extreme_poverty_support":
        return extreme_poverty_eligibility(inputs, params, month, birth_date)
    if program == "temporary_assistance":
        return temporary_assistance_eligibility(inputs, params, subsistence_standard)
    if program == "disability_living_allowance":
        return disability_living_eligibility(inputs, params)
    if program == "disability_care_allowance":
        return disability_care_eligibility(inputs, params)
    if program == "elderly_allowance":
        return elderly_allowance_eligibility(inputs, params, month, birth_date)
    if program == "elderly_care_allowance":
        return elderly_care_eligibility(inputs, params, month, birth_date)
    if program in ("orphan_allowance", "de_facto_unsupported_allowance"):
        return child_allowance_eligibility(program, inputs, params, month, birth_date)
    raise KeyError(program)
