"""Pure rules of home-care work orders and their settlement (居家养老上门服务,
GB/T 43153-2023; DOMAIN.md "Home care and day care": entitlement → monthly care plan →
work orders → check-in/out on site with location and photos, confirmation by the elder or
family, call-backs and sampled re-checks → monthly settlement with providers on verified
orders only). No Django, no I/O.

States of a work order and who moves it (:data:`TRANSITIONS`)::

    待派 pending ──dispatch──▶ 已派 dispatched ──check_in──▶ 服务中 in_service
        │                        │  ▲ (re-dispatch)             │ check_out
        └────── void ────────────┘                              ▼
      作废 void                                   待确认 to_confirm ──confirm──▶ 已完成 done

Money is :class:`decimal.Decimal` yuan, rounded half up to the fen at each named step.
"""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from ...people.rules import N_

__all__ = ["STATES", "TRANSITIONS", "DUTIES", "DEDUCTIONS", "DEFAULT_DEDUCTION_RATES", "DEFAULT_RADIUS_M",
           "distance_m", "within_radius", "next_state", "may_take", "duration_minutes", "Deduction",
           "LineAmount", "line_amount", "yuan", "CALLBACK_RESULTS", "sample_every", "DEADLINES",
           "DEFAULT_CONFIRM_DAYS", "deadline", "overdue", "CONFIRM_METHODS"]

STATES = {"pending": N_("待派"), "dispatched": N_("已派"), "in_service": N_("服务中"), "to_confirm": N_("待确认"),
          "done": N_("已完成"), "void": N_("作废")}
OPEN_STATES = ("pending", "dispatched", "in_service", "to_confirm")

# action → (states it may start from, state it leads to, the duty or permission that takes it)
# ``dispatcher``: a provider's dispatcher (CareDuty); ``worker``: the care worker the order is
# dispatched to (CareDuty, and the order's own worker); ``county``: manage_eldercare in scope.
TRANSITIONS: dict[str, tuple[frozenset[str], str, frozenset[str]]] = {
    "dispatch": (frozenset({"pending", "dispatched"}), "dispatched", frozenset({"dispatcher"})),
    "check_in": (frozenset({"dispatched"}), "in_service", frozenset({"worker"})),
    "check_out": (frozenset({"in_service"}), "to_confirm", frozenset({"worker"})),
    "confirm": (frozenset({"to_confirm"}), "done", frozenset({"worker"})),
    "void": (frozenset({"pending", "dispatched"}), "void", frozenset({"dispatcher", "county"})),
}
ACTIONS = {"dispatch": N_("派单"), "check_in": N_("签到"), "check_out": N_("签退"), "confirm": N_("确认"),
           "void": N_("作废"), "create": N_("生成")}

EVENT_NAMES = {"callback": N_("回访"), "complaint": N_("投诉"), "complaint_decided": N_("投诉处理")}

SETTLEMENT_EVENTS = {"generated": N_("生成"), "regenerated": N_("重新生成"), "approved": N_("审批通过"),
                     "reopened": N_("退回")}

DUTIES = {"dispatcher": N_("调度员"), "care_worker": N_("护理员")}

DEFAULT_RADIUS_M = 300  # a setting: ELDERCARE_CHECKIN_RADIUS_M

# Deductions named on a settlement line, with the default rate of the line's gross amount
# (local practice: the setting ELDERCARE_DEDUCTION_RATES overrides them).
DEDUCTIONS = {"location_mismatch": N_("签到位置不符"), "short_duration": N_("服务时长不足"),
              "complaint_upheld": N_("投诉属实"), "callback_not_served": N_("回访核实未服务")}
DEFAULT_DEDUCTION_RATES = {"location_mismatch": Decimal("0.30"), "short_duration": Decimal("0.50"),
                           "complaint_upheld": Decimal("1.00"), "callback_not_served": Decimal("1.00")}

CALLBACK_RESULTS = {"satisfied": N_("满意"), "basically": N_("基本满意"), "unsatisfied": N_("不满意"),
                    "not_served": N_("未获服务"), "unreachable": N_("未联系上")}
CALLBACK_METHODS = {"phone": N_("电话回访"), "visit": N_("入户复核")}
CONFIRM_BY = {"elder": N_("老人本人"), "family": N_("家属")}
CONFIRM_METHODS = {"code": N_("确认码"), "signature": N_("手写签名")}

# Time limits of an order beyond "check in on the scheduled day" (GB/T 43153-2023 asks for
# the service at the agreed time and a confirmation by the elder or family; the days
# allowed for the confirmation are local practice, the setting ELDERCARE_CONFIRM_DAYS).
DEADLINES = {"check_in": N_("服务日已过未签到"), "check_out": N_("服务日已过未签退"),
             "confirm": N_("逾期未确认")}
DEFAULT_CONFIRM_DAYS = 3

EARTH_RADIUS_M = 6_371_008.8  # mean Earth radius (IUGG), metres

CENT = Decimal("0.01")


def yuan(value) -> Decimal:
    """``value`` as Decimal yuan rounded half up to the fen."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres between two WGS-84 points (degrees), by the
    haversine formula on a sphere of the mean Earth radius (error under 0.5 % — far
    below a phone's location accuracy). ValueError for a latitude outside ±90 or a
    longitude outside ±180."""
    for lat, lon in ((lat1, lon1), (lat2, lon2)):
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise ValueError(f"coordinates out of range: {lat}, {lon}")
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def within_radius(distance: float | None, radius_m: int) -> bool:
    """Whether a check-in ``distance`` (metres; None when the phone gave no location)
    is within ``radius_m`` of the elder's home: the boundary counts as within."""
    return distance is not None and distance <= radius_m


def next_state(state: str, action: str) -> str | None:
    """The state ``action`` leads to from ``state``, or None when it may not start there."""
    spec = TRANSITIONS.get(action)
    if spec is None or state not in spec[0]:
        return None
    return spec[1]


def may_take(action: str, roles: set[str] | frozenset[str]) -> bool:
    """Whether one holding ``roles`` (``dispatcher``, ``worker``, ``county``) may take ``action``."""
    spec = TRANSITIONS.get(action)
    return spec is not None and bool(spec[2] & set(roles))


def duration_minutes(seconds: float) -> int:
    """Minutes of service between check-in and check-out, whole minutes rounded down."""
    return max(0, int(seconds // 60))


@dataclass(frozen=True)
class Deduction:
    code: str
    rate: Decimal
    amount: Decimal
    detail: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {"code": self.code, "rate": str(self.rate), "amount": str(self.amount), "detail": self.detail}


@dataclass(frozen=True)
class LineAmount:
    """How a settlement line's amount was made: ``price`` (the contract's price per unit)
    × ``quantity`` = ``gross``; ``deductions`` each rate × gross; ``net`` = gross − sum
    of deductions, never below 0."""

    price: Decimal
    quantity: Decimal
    gross: Decimal
    deductions: tuple[Deduction, ...]
    deduction: Decimal
    net: Decimal


def line_amount(price: Decimal, quantity: Decimal, facts: dict, rates: dict | None = None) -> LineAmount:
    """The settlement amount of one verified order.

    ``facts``: ``location_ok`` (bool), ``duration`` and ``min_minutes`` (int minutes;
    ``min_minutes`` 0 when the item has none), ``complaints_upheld`` (int),
    ``callback_not_served`` (bool). Each deduction that applies is ``rate`` × gross
    rounded to the fen (rates: :data:`DEFAULT_DEDUCTION_RATES` overridden by ``rates``);
    their sum is capped at the gross (a line is never negative)."""
    rates = {**DEFAULT_DEDUCTION_RATES, **(rates or {})}
    gross = yuan(Decimal(price) * Decimal(quantity))
    found: list[Deduction] = []

    def add(code, detail):
        rate = Decimal(rates[code])
        found.append(Deduction(code, rate, yuan(gross * rate), detail))

    if not facts.get("location_ok", False):
        add("location_mismatch", {"distance_m": facts.get("distance_m")})
    minimum = int(facts.get("min_minutes") or 0)
    if minimum and int(facts.get("duration") or 0) < minimum:
        add("short_duration", {"duration": int(facts.get("duration") or 0), "min_minutes": minimum})
    if int(facts.get("complaints_upheld") or 0) > 0:
        add("complaint_upheld", {"complaints": int(facts["complaints_upheld"])})
    if facts.get("callback_not_served"):
        add("callback_not_served", {})
    total = min(gross, sum((d.amount for d in found), Decimal("0.00")))
    return LineAmount(yuan(price), Decimal(quantity), gross, tuple(found), yuan(total), yuan(gross - total))


def deadline(status: str, scheduled_on: datetime.date, checkout_on: datetime.date | None,
             confirm_days: int) -> tuple[str, datetime.date] | None:
    """The time limit of an open order's next step: ``(code, last day)``, or None for a
    done or void order.

    - 待派 / 已派: checked in by the end of the scheduled day (``check_in``);
    - 服务中: checked out by the end of the scheduled day (``check_out``);
    - 待确认: confirmed by the elder or family within ``confirm_days`` days of the
      check-out day (``confirm``; checked out on the 5th with 3 days: the 8th is the last day).

    Source: the purchased-service cycle of DOMAIN.md ("Home care and day care": plan →
    work orders → check-in/out on site → confirmation by the elder or family → settlement;
    GB/T 43153-2023 for the services) sets the steps but no time limits. The same-day
    visit follows from an order being for one scheduled day of the plan; the confirmation
    window is a contract term, the setting ``ELDERCARE_CONFIRM_DAYS`` (default 3: a
    platform default, not a policy figure).
    """
    if status in ("pending", "dispatched"):
        return "check_in", scheduled_on
    if status == "in_service":
        return "check_out", scheduled_on
    if status == "to_confirm":
        return "confirm", (checkout_on or scheduled_on) + datetime.timedelta(days=int(confirm_days))
    return None


def overdue(status: str, scheduled_on: datetime.date, checkout_on: datetime.date | None, confirm_days: int,
            today: datetime.date) -> str | None:
    """The code of the time limit an order has run past on ``today`` (its last day is
    over), or None. See :func:`deadline`."""
    limit = deadline(status, scheduled_on, checkout_on, confirm_days)
    return limit[0] if limit is not None and limit[1] < today else None


def sample_every(n_orders: int, rate: Decimal) -> int:
    """The step of a systematic call-back sample: every k-th completed order so that at
    least ``rate`` (0–1) of ``n_orders`` are called back; 0 when nothing is sampled."""
    if n_orders <= 0 or rate <= 0:
        return 0
    return max(1, int(Decimal(1) / Decimal(rate)))
