"""Pure rules of 一表通 (no Django, no I/O): a cell's value and provenance, reading a
value typed by a unit, aggregating units' values, and a unit's state in a task.

Provenance of a cell (DOMAIN.md "一表通": each cell says where it comes from):

- ``records``   the platform's value, computed from the records, not yet confirmed;
- ``confirmed`` the unit confirmed the platform's value (stored in its base dataset);
- ``corrected`` the unit replaced the platform's value (both kept, who and when);
- ``entered``   no platform value: the unit entered it;
- ``missing``   neither: the unit has to enter it.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from jiayuan.people.rules import N_, RuleError

RECORDS, CONFIRMED, CORRECTED, ENTERED, MISSING = "records", "confirmed", "corrected", "entered", "missing"
PROVENANCES = (RECORDS, CONFIRMED, CORRECTED, ENTERED, MISSING)
PROVENANCE_LABELS = {
    RECORDS: N_("平台数据"),
    CONFIRMED: N_("已确认"),
    CORRECTED: N_("已更正"),
    ENTERED: N_("基层填报"),
    MISSING: N_("待填报"),
}

SUBMITTED, OVERDUE, IN_PROGRESS, NOT_STARTED = "submitted", "overdue", "in_progress", "not_started"
STATE_LABELS = {
    SUBMITTED: N_("已报送"),
    OVERDUE: N_("已逾期"),
    IN_PROGRESS: N_("填报中"),
    NOT_STARTED: N_("未开始"),
}

SUM, MIN, MAX = "sum", "min", "max"
MAX_VALUE = Decimal("99999999999999.99")


@dataclass(frozen=True)
class Cell:
    """One cell of a unit's form: ``value`` (Decimal or None), ``provenance`` (one of
    PROVENANCES), ``platform_value`` (the platform's value, None when it has none), and,
    for a stored value, ``recorded_by`` (a display name) and ``recorded_at``."""

    value: Decimal | None
    provenance: str
    platform_value: Decimal | None = None
    recorded_by: str = ""
    recorded_at: datetime.datetime | None = None


def as_decimal(value) -> Decimal | None:
    """An int/Decimal/float from the platform as a Decimal (None stays None)."""
    if value is None:
        return None
    if isinstance(value, Decimal):
        return value
    return Decimal(str(value))


def resolve(platform_value, stored: tuple | None) -> Cell:
    """The cell from the platform's value and the base dataset's stored entry
    ``(value, provenance, platform_value, recorded_by, recorded_at)`` (None when
    nothing is stored): a stored value wins (it was confirmed, corrected or entered by
    the unit); else the platform's value (``records``); else ``missing``."""
    platform_value = as_decimal(platform_value)
    if stored is not None:
        value, provenance, stored_platform, by, at = stored
        return Cell(as_decimal(value), provenance, as_decimal(stored_platform), by, at)
    if platform_value is not None:
        return Cell(platform_value, RECORDS, platform_value)
    return Cell(None, MISSING)


def provenance_of_new_value(value: Decimal, platform_value) -> str:
    """What a value the unit records is: ``confirmed`` when it equals the platform's
    value, ``corrected`` when it differs, ``entered`` when the platform has none."""
    platform_value = as_decimal(platform_value)
    if platform_value is None:
        return ENTERED
    return CONFIRMED if value == platform_value else CORRECTED


def parse_value(text, field: str = "value") -> Decimal:
    """A value typed by a unit: a number ≥ 0 with at most two decimals (``1,250.5`` and
    full-width digits accepted). Raises :class:`RuleError` ``report.value_format`` /
    ``report.value_negative`` / ``report.value_decimals`` / ``report.value_missing``."""
    raw = str(text if text is not None else "").strip()
    raw = raw.translate({ord(c): ord("0") + i for i, c in enumerate("０１２３４５６７８９")})
    raw = raw.replace(",", "").replace("，", "").replace("．", ".")
    if not raw:
        raise RuleError("report.value_missing", N_("请填写数值"), {}, field)
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise RuleError("report.value_format", N_("“%(text)s”不是数字"), {"text": raw[:20]}, field) from None
    if not value.is_finite():
        raise RuleError("report.value_format", N_("“%(text)s”不是数字"), {"text": raw[:20]}, field)
    if value < 0:
        raise RuleError("report.value_negative", N_("数值不能为负数"), {}, field)
    if value > MAX_VALUE or value != value.quantize(Decimal("0.01")):
        raise RuleError("report.value_decimals", N_("数值最多保留两位小数，且不超过一百万亿"), {}, field)
    return value.quantize(Decimal("0.01")) if value != value.to_integral_value() else value.quantize(Decimal("1"))


def aggregate(values, how: str) -> Decimal | None:
    """The units' values aggregated: ``sum``, ``min`` or ``max`` of the values that are not
    None; None when there is none."""
    got = [as_decimal(v) for v in values if v is not None]
    if not got:
        return None
    if how == MIN:
        return min(got)
    if how == MAX:
        return max(got)
    return sum(got, Decimal(0))


def unit_state(submitted: bool, started: bool, deadline: datetime.date, today: datetime.date) -> str:
    """A unit's state in a task: ``submitted``; else ``overdue`` after the deadline (the
    deadline day itself is still in time); else ``in_progress`` once a value was
    recorded; else ``not_started``."""
    if submitted:
        return SUBMITTED
    if today > deadline:
        return OVERDUE
    return IN_PROGRESS if started else NOT_STARTED


def completion(states) -> dict[str, int]:
    """Counts of each state (every key of STATE_LABELS present) plus ``total``."""
    out = {k: 0 for k in STATE_LABELS}
    n = 0
    for s in states:
        out[s] += 1
        n += 1
    out["total"] = n
    return out


def format_value(value: Decimal | None) -> str:
    """A value as shown and exported: integers without decimals, else two decimals; ``""``
    for None."""
    if value is None:
        return ""
    value = as_decimal(value)
    if value == value.to_integral_value():
        return str(value.quantize(Decimal("1")))
    return str(value.quantize(Decimal("0.01")))
