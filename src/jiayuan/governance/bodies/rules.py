"""Pure rules of compacts and bodies. No Django, no I/O.

- 城市居民委员会组织法 art. 15: the residents' compact (居民公约) is discussed and
  adopted by the residents' meeting (居民会议), reported to the street for filing.
- 村民委员会组织法 art. 27: village rules (村规民约) are adopted by the villagers' meeting
  (村民会议; the villagers' representatives' meeting when authorised, art. 26) and
  reported to the township government for filing (备案).
"""

from datetime import date

from jiayuan.people.rules import N_, RuleError

MEETINGS = {
    "residents": {"residents_meeting": N_("居民会议"), "residents_representatives": N_("居民代表会议")},
    "villagers": {"villagers_meeting": N_("村民会议"), "villagers_representatives": N_("村民代表会议")},
}
ALL_MEETINGS = {k: v for table in MEETINGS.values() for k, v in table.items()}


def check_version(kind: str, *, text: str, adopted_by: str, adopted_on: date | None, today: date,
                  previous_adopted_on: date | None) -> list[RuleError]:
    """Every error of a new version: its text; a meeting that may adopt this kind of
    compact; its date, not in the future and not before the previous version's."""
    errors: list[RuleError] = []
    if not (text or "").strip():
        errors.append(RuleError("compact.text_required", N_("请填写公约全文"), field="text"))
    if adopted_by not in MEETINGS.get(kind, {}):
        errors.append(RuleError("compact.meeting", N_("请选择通过该公约的会议（居民公约由居民会议、村规民约由村民会议讨论通过）"),
                                field="adopted_by"))
    if adopted_on is None:
        errors.append(RuleError("compact.adopted_on_required", N_("请填写通过日期"), field="adopted_on"))
    elif adopted_on > today:
        errors.append(RuleError("compact.adopted_on_future", N_("通过日期不能晚于今天"), field="adopted_on"))
    elif previous_adopted_on and adopted_on < previous_adopted_on:
        errors.append(RuleError("compact.adopted_on_order", N_("通过日期不能早于上一版本（%(date)s）"),
                                {"date": previous_adopted_on.isoformat()}, field="adopted_on"))
    return errors


def coverage(units: int, covered: int) -> str:
    """Coverage as a percentage with one decimal (``"66.7"``), ``"—"`` without units."""
    if units == 0:
        return "—"
    return f"{covered * 100 / units:.1f}"
