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
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

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


def subsistence_amount(inputs: dict, params: dict) -> Computation:
    """低保 monthly benefit (补差): (standard − per-capita monthly income) × members.

    ``inputs``: ``area`` ("urban"/"rural"), ``members`` (int, co-resident members
    covered), ``per_capita_income`` (yuan per month, string/Decimal).
    ``params``: ``standard_urban`` / ``standard_rural`` (yuan per person per month).
    Nothing is paid (0) when the per-capita income is not below the standard.
    Source: 社会救助暂行办法（国务院令第649号）第九条、第十三条 (补差发放); standards are
    set locally (DOMAIN.md).
    """
    area = inputs["area"]
    standard = money(params[f"standard_{area}"])
    members = int(inputs["members"])
    pci = money(inputs["per_capita_income"])
    gap = standard - pci
    amount = to_fen(gap * members) if gap > 0 else ZERO
    return Computation(amount, "subsistence_allowance.gap/v1",
                       {"area": area, "standard": str(standard), "per_capita_income": str(pci),
                        "members": members, "gap": str(gap)})


# program code -> function(inputs, params, month, birth_date) -> Computation
AMOUNT_RULES = {
    "subsistence_allowance": lambda inputs, params, month, birth_date: subsistence_amount(inputs, params),
}


def compute_amount(program: str, inputs: dict, params: dict, month: datetime.date, *,
                   birth_date: datetime.date | None = None) -> Computation:
    """The monthly amount of ``program`` for an enrollment with ``inputs`` in ``month``
    under ``params``. Raises ``KeyError`` for a program without a monthly rule or a
    missing parameter/input (a batch reports it on the line, it never guesses)."""
    return AMOUNT_RULES[program](inputs, params, month, birth_date)
