"""Pure rules of confidential tips (线索). No Django, no I/O.

Source: DOMAIN.md "Confidential tips (线索)" — tips on organized crime (扫黑除恶) are
collected, checked, transferred to the competent body (police, discipline inspection),
and concluded with feedback; the informant's identity and the content are confidential
(need-to-know only, every read recorded); counts are reported by stage (the city
reported 6 collected, 5 transferred, 1 concluded).

The workflow (``TRANSITIONS``)::

    collected ──verify──▶ verified ──transfer──▶ transferred ──conclude──▶ concluded
                              └──────────────conclude (查无实据)──────────────▶

Need-to-know: a tip's content and informant are read only by an account designated
as handler for the tip's county (:func:`check_designation`); the collector reads the
status only; everyone else is told the tip does not exist.
"""

from jiayuan.people.rules import N_, RuleError

COLLECTED, VERIFIED, TRANSFERRED, CONCLUDED = "collected", "verified", "transferred", "concluded"

STATE_NAMES = {
    COLLECTED: N_("已采集"),
    VERIFIED: N_("已核实"),
    TRANSFERRED: N_("已移交"),
    CONCLUDED: N_("已办结"),
}

CATEGORIES = {
    "organized_crime": N_("涉黑涉恶"),
    "protection_umbrella": N_("腐败和“保护伞”问题"),
    "other_crime": N_("其他违法犯罪"),
}

# The competent bodies a verified tip is transferred to (扫黑除恶: the police for the
# crimes, the discipline inspection and supervision organs for officials behind them).
RECIPIENTS = {
    "police": N_("公安机关"),
    "discipline": N_("纪检监察机关"),
    "procuratorate": N_("检察机关"),
    "other": N_("其他有关部门"),
}

OUTCOMES = {
    "feedback": N_("已收到办理反馈"),
    "unfounded": N_("查无实据，不予移交"),
}

# action: (from states, to state, name)
TRANSITIONS = {
    "verify": ((COLLECTED,), VERIFIED, N_("核实")),
    "transfer": ((VERIFIED,), TRANSFERRED, N_("移交")),
    "conclude": ((VERIFIED, TRANSFERRED), CONCLUDED, N_("办结")),
}

# The role a handler holds (a county officer of the county), and the length of a county code.
HANDLER_ROLE = "county_officer"
COUNTY_CODE_LENGTH = 6
CONTENT_MAX = 5000
NOTE_MAX = 2000


def next_state(state: str, action: str) -> str:
    """The state ``action`` leads to from ``state``. Raises ``RuleError``
    ``tip.action_unknown`` or ``tip.action_not_allowed`` (with the state's name)."""
    if action not in TRANSITIONS:
        raise RuleError("tip.action_unknown", N_("未知的操作"), field="action")
    sources, target, _name = TRANSITIONS[action]
    if state not in sources:
        raise RuleError("tip.action_not_allowed", N_("线索当前为“%(state)s”，不能进行此操作"),
                        {"state": STATE_NAMES.get(state, state)}, field="action")
    return target


def actions_from(state: str) -> list[str]:
    """The actions a handler may take on a tip in ``state``, in workflow order."""
    return [a for a, (sources, _t, _n) in TRANSITIONS.items() if state in sources]


def check_step(state: str, action: str, *, recipient: str = "", outcome: str = "", note: str = "") -> list[RuleError]:
    """Every error of taking ``action`` from ``state`` with its fields: a transfer names
    the recipient (one of ``RECIPIENTS``); a conclusion names its outcome (``OUTCOMES``),
    ``feedback`` only after a transfer and ``unfounded`` only before one, and the
    feedback received or the reason (``note``) is required; notes ≤ ``NOTE_MAX``."""
    errors: list[RuleError] = []
    try:
        next_state(state, action)
    except RuleError as exc:
        return [exc]
    if action == "transfer" and recipient not in RECIPIENTS:
        errors.append(RuleError("tip.recipient_required", N_("请选择移交的机关"), field="recipient"))
    if action == "conclude":
        if outcome not in OUTCOMES:
            errors.append(RuleError("tip.outcome_required", N_("请选择办结方式"), field="outcome"))
        elif outcome == "feedback" and state != TRANSFERRED:
            errors.append(RuleError("tip.feedback_before_transfer", N_("尚未移交的线索不能以“收到反馈”办结"),
                                    field="outcome"))
        elif outcome == "unfounded" and state == TRANSFERRED:
            errors.append(RuleError("tip.unfounded_after_transfer",
                                    N_("已移交的线索须以接收机关的反馈办结"), field="outcome"))
        if not note.strip():
            errors.append(RuleError("tip.note_required", N_("请填写收到的反馈或不予移交的理由"), field="note"))
    if len(note) > NOTE_MAX:
        errors.append(RuleError("tip.note_too_long", N_("说明不能超过 %(max)s 字"), {"max": NOTE_MAX}, field="note"))
    return errors


def check_new_tip(*, category: str, content: str, anonymous: bool, informant_name: str) -> list[RuleError]:
    """Every error of a tip as collected: a known category, content 1–``CONTENT_MAX``
    characters, and the informant's name unless the informant stays anonymous."""
    errors: list[RuleError] = []
    if category not in CATEGORIES:
        errors.append(RuleError("tip.category_unknown", N_("请选择线索类别"), field="category"))
    if not content.strip():
        errors.append(RuleError("tip.content_required", N_("请填写线索内容"), field="content"))
    elif len(content) > CONTENT_MAX:
        errors.append(RuleError("tip.content_too_long", N_("线索内容不能超过 %(max)s 字"), {"max": CONTENT_MAX},
                                field="content"))
    if not anonymous and not informant_name.strip():
        errors.append(RuleError("tip.informant_required", N_("请填写举报人姓名，或选择匿名"), field="informant_name"))
    return errors


def check_designation(role: str, scope_code: str, county_code: str, is_active: bool = True) -> list[RuleError]:
    """Whether an account may be designated handler of the tips of ``county_code``: the
    handlers are at county level — an active account of role ``county_officer`` whose
    scope is that county (a 6-digit code)."""
    errors: list[RuleError] = []
    if len(county_code) != COUNTY_CODE_LENGTH or not county_code.isdigit():
        errors.append(RuleError("tip.handler_county", N_("线索承办人只能在县（区）一级指定"), field="county"))
        return errors
    if not is_active:
        errors.append(RuleError("tip.handler_inactive", N_("该账号已停用"), field="user"))
    if role != HANDLER_ROLE or scope_code != county_code:
        errors.append(RuleError("tip.handler_role", N_("线索承办人须为本县（区）的县（区）级干部账号"), field="user"))
    return errors


def tip_number(year: int, pk: int) -> str:
    """The tip's number: ``XS`` + year + a six-digit serial (``XS2026-000012``). It
    names nothing about the content."""
    return f"XS{year}-{pk:06d}"
