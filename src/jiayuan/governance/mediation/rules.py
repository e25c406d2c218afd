"""Pure rules of people's mediation (人民调解法, 2010). No Django, no I/O.

- Art. 17: mediation starts on a party's application or on the committee's own
  initiative; **when a party clearly refuses, there is no mediation** (“当事人一方明确拒绝
  调解的，不得调解”).
- Art. 8: a committee has 3–9 members (:data:`COMMITTEE_MIN`, :data:`COMMITTEE_MAX`).
- Art. 26: a party who asks to end the mediation ends it.
- Art. 28–29: the agreement (调解协议书) states the parties, the main facts and issues,
  the terms, and the manner and deadline of performance; effective when signed (or
  fingerprinted) by the parties and signed by the mediators, with the committee's seal.
- Art. 33: the parties may apply jointly to the court for confirmation **within 30 days
  of the agreement taking effect** (:func:`court_confirmation_deadline`).
- Art. 25: a dispute likely to turn violent is reported to the police (公安机关).

Categories per DOMAIN.md "People's mediation".
"""

from datetime import date, timedelta

from jiayuan.people.rules import N_, RuleError

CATEGORIES = {
    "marriage_family": N_("婚姻家庭纠纷"),
    "neighbour": N_("邻里纠纷"),
    "house_land": N_("房屋宅基地纠纷"),
    "contract": N_("合同纠纷"),
    "damages": N_("损害赔偿纠纷"),
    "forest_land": N_("山林土地纠纷"),
    "labour": N_("劳动争议纠纷"),
    "property_management": N_("物业纠纷"),
    "other": N_("其他纠纷"),
}

START_MODES = {
    "application": N_("当事人申请"),
    "initiative": N_("调解委员会主动调解"),
}

PARTY_ROLES = {
    "applicant": N_("申请人"),
    "respondent": N_("被申请人"),
    "party": N_("当事人"),
}

# A party's stance towards mediation when the case is opened.
STANCES = {
    "applied": N_("申请调解"),
    "agreed": N_("同意调解"),
    "not_asked": N_("尚未表态"),
    "refused": N_("明确拒绝调解"),
}

PERFORMANCE = {
    "full": N_("已全部履行"),
    "partial": N_("部分履行"),
    "none": N_("未履行"),
}

COMMITTEE_MIN, COMMITTEE_MAX = 3, 9
COURT_CONFIRMATION_DAYS = 30
MAX_PARTIES = 10


def check_opening(start_mode: str, parties: list[dict], category: str, facts: str) -> list[RuleError]:
    """Every error of opening a mediation: a known start mode and category, facts given,
    at least two parties each named with a known role and stance, on application at
    least one party who applied, and **no party who clearly refused** (art. 17:
    ``mediation.party_refused``, naming the party)."""
    errors: list[RuleError] = []
    if start_mode not in START_MODES:
        errors.append(RuleError("mediation.start_mode", N_("请选择调解的启动方式"), field="start_mode"))
    if category not in CATEGORIES:
        errors.append(RuleError("mediation.category", N_("请选择纠纷类别"), field="category"))
    if not (facts or "").strip():
        errors.append(RuleError("mediation.facts_required", N_("请填写纠纷的简要事实和争议"), field="facts"))
    named = [p for p in parties if (p.get("name") or "").strip()]
    if len(named) < 2:
        errors.append(RuleError("mediation.parties", N_("调解至少需要两方当事人"), field="parties"))
    if len(named) > MAX_PARTIES:
        errors.append(RuleError("mediation.parties_too_many", N_("当事人不能超过 %(n)s 方"), {"n": MAX_PARTIES},
                                field="parties"))
    for p in named:
        if p.get("role") not in PARTY_ROLES or p.get("stance") not in STANCES:
            errors.append(RuleError("mediation.party_invalid", N_("当事人“%(name)s”的身份或态度无效"),
                                    {"name": p["name"].strip()}, field="parties"))
    refused = [p["name"].strip() for p in named if p.get("stance") == "refused"]
    if refused:
        errors.append(RuleError("mediation.party_refused",
                                N_("当事人“%(name)s”明确拒绝调解，依照人民调解法第十七条不得调解（已记录）"),
                                {"name": "、".join(refused)}, field="parties"))
    elif start_mode == "application" and named and not any(p.get("stance") == "applied" for p in named):
        errors.append(RuleError("mediation.no_applicant", N_("当事人申请调解的，须至少有一方当事人提出申请"),
                                field="parties"))
    return errors


def court_confirmation_deadline(effective_on: date, is_workday) -> date:
    """The last day the parties may jointly apply to the court for confirmation of the
    agreement (人民调解法 art. 33: within 30 days of its taking effect). Counted as civil
    procedure counts periods (民事诉讼法 art. 85): the day it takes effect is not
    counted, so the period ends 30 days later; when that day is a statutory rest day
    (法定休假日, weekends included), the period ends on the first working day after it.
    ``is_workday(date) -> bool`` is the official calendar.

    Example: effective 2025-09-01 → 2025-10-01, in the National Day holiday (10-01 to
    10-08) → 2025-10-09."""
    last = effective_on + timedelta(days=COURT_CONFIRMATION_DAYS)
    while not is_workday(last):
        last += timedelta(days=1)
    return last


def check_agreement(*, facts_and_issues: str, terms: str, performance_manner: str,
                    performance_deadline: date | None, signed_on: date | None, today: date) -> list[RuleError]:
    """Every error of an agreement (art. 29: facts and issues, terms, manner and deadline
    of performance; the date it was signed, not in the future; performance not before
    signing)."""
    errors: list[RuleError] = []
    for field, value, template in (("facts_and_issues", facts_and_issues, N_("请填写纠纷的主要事实和争议事项")),
                                   ("terms", terms, N_("请填写当事人达成协议的内容")),
                                   ("performance_manner", performance_manner, N_("请填写履行方式"))):
        if not (value or "").strip():
            errors.append(RuleError(f"mediation.{field}_required", template, field=field))
    if signed_on is None:
        errors.append(RuleError("mediation.signed_on_required", N_("请填写签订日期"), field="signed_on"))
    elif signed_on > today:
        errors.append(RuleError("mediation.signed_on_future", N_("签订日期不能晚于今天"), field="signed_on"))
    if performance_deadline is None:
        errors.append(RuleError("mediation.deadline_required", N_("请填写履行期限"), field="performance_deadline"))
    elif signed_on and performance_deadline < signed_on:
        errors.append(RuleError("mediation.deadline_before_signing", N_("履行期限不能早于签订日期"),
                                field="performance_deadline"))
    return errors


def check_committee_size(members: int) -> list[RuleError]:
    """A people's mediation committee has 3 to 9 members (art. 8)."""
    if COMMITTEE_MIN <= members <= COMMITTEE_MAX:
        return []
    return [RuleError("mediation.committee_size", N_("人民调解委员会由 %(lo)s 至 %(hi)s 名委员组成（现有 %(n)s 名）"),
                      {"lo": COMMITTEE_MIN, "hi": COMMITTEE_MAX, "n": members}, field="members")]


def case_title(parties: list[dict], category: str) -> str:
    """The case's title: the first two parties' names and the category
    (``张三与李四婚姻家庭纠纷``)."""
    names = [p["name"].strip() for p in parties if (p.get("name") or "").strip()]
    who = "与".join(names[:2]) + ("等" if len(names) > 2 else "")
    return f"{who}{CATEGORIES.get(category, '')}"
