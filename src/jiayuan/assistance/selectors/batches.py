"""Scoped reads of payment batches and their lines.

A batch belongs to a county: it is visible to users whose scope contains that county
(the county's officers, the city, system administrators) and whose role may view
assistance (``view_assistance``). Township and community users see the payments of
their own subtree in the ledgers (:mod:`.ledgers`), not the county's batches: a batch
outside the scope answers 404 like one that does not exist.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, F, Q, QuerySet, Sum
from django.utils.translation import gettext as _

from ...accounts.permissions import Perm
from ...errors import get_or_not_found
from ..models import PaymentBatch, PaymentBatchEvent, PaymentLine


def batches_for(user) -> QuerySet:
    """Batches whose county lies in the user's scope (none without ``view_assistance``)."""
    qs = PaymentBatch.objects.select_related("program", "county", "generated_by", "reviewed_by", "approved_by")
    if not user.can(Perm.VIEW_ASSISTANCE):
        return qs.none()
    scope = user.scope_code
    return qs.filter(county__code__startswith=scope) if scope else qs


@dataclass
class BatchFilters:
    """Filters of the batch list: program code, county code, month (first day),
    status; empty values do not filter."""

    program: str = ""
    county: str = ""
    month: datetime.date | None = None
    status: str = ""


def search_batches(user, f: BatchFilters) -> QuerySet:
    """Batches in scope matching ``f``, newest month first."""
    qs = batches_for(user)
    if f.program:
        qs = qs.filter(program_id=f.program)
    if f.county:
        qs = qs.filter(county_id=f.county)
    if f.month:
        qs = qs.filter(month=f.month)
    if f.status:
        qs = qs.filter(status=f.status)
    return qs.order_by("-month", "program__sort", "county_id", "-id")


def get_batch(user, pk) -> PaymentBatch:
    """The batch ``pk`` if the user may see it; ``NotFound`` otherwise."""
    return get_or_not_found(batches_for(user), "batch.not_found", pk=pk)


def find_batch(user, program: str, county: str, month: datetime.date) -> PaymentBatch | None:
    """The batch of ``program``, ``county`` and ``month`` in scope, or None."""
    return batches_for(user).filter(program_id=program, county_id=county, month=month).first()


def lines_of(batch: PaymentBatch, *, status: str = "", generation: int | None = None, q: str = "") -> QuerySet:
    """Lines of ``batch`` (from :func:`get_batch`): the current generation unless
    ``generation`` is given; ``status`` filters; ``q`` matches the person's name
    (fragment) or a line number. By region, then line."""
    qs = (PaymentLine.objects.filter(batch=batch, generation=generation or batch.generation)
          .select_related("person", "region__parent", "carried_from"))
    if status:
        qs = qs.filter(status=status)
    q = (q or "").strip()
    if q:
        qs = qs.filter(pk=int(q)) if q.isdigit() else qs.filter(person__name__contains=q)
    return qs.order_by("region_id", "id")


def line_counts(batch: PaymentBatch) -> dict[str, dict]:
    """{status: {"lines": n, "amount": Decimal}} for the batch's current generation,
    plus the number of voided lines of earlier generations under ``"history"``."""
    out = {s: {"lines": 0, "amount": Decimal("0.00")} for s in PaymentLine.Status.values}
    for status, n, amount in (PaymentLine.objects.filter(batch=batch, generation=batch.generation)
                              .values_list("status").annotate(n=Count("id"), t=Sum("amount")).order_by()):
        out[status] = {"lines": n, "amount": Decimal(amount or 0).quantize(Decimal("0.01"))}
    out["history"] = {"lines": PaymentLine.objects.filter(batch=batch, generation__lt=batch.generation).count(),
                      "amount": None}
    return out


def events_of(batch: PaymentBatch) -> QuerySet:
    """The batch's history, oldest first, with the acting users."""
    return PaymentBatchEvent.objects.filter(batch=batch).select_related("actor").order_by("at", "id")


STALE_CAP = 200
"""At most this many stale lines are listed (all are counted)."""


def stale_lines(batch: PaymentBatch, *, cap: int = STALE_CAP) -> tuple[int, list[dict]]:
    """Pending lines of the batch's current generation that would not be paid if the
    batch were generated now: (count, the first ``cap`` as
    ``[{"line", "person", "name", "region", "benefit_month", "reason", "message"}]``).

    A line is stale when, since it was computed, the registry marked its person
    (beneficiary or payee) deceased or moved out (``person.deceased``,
    ``person.moved_out``), its enrollment was flagged (``enrollment.flagged``: death,
    moving out … awaiting a decision), suspended (``enrollment.suspended``; a
    carried-over line is not held for a suspension, as in generation), or ended before
    the line's benefit month (``enrollment.ended``: terminated with an earlier last
    month). The same conditions as generation (``services.batches._plan``), so
    regenerating drops exactly these lines.

    Set-based: one query over the batch's pending lines (index on batch and status)
    whose enrollment or person is in the small sets of flagged / not active / ended
    enrollments of the program and of persons not alive; then the details of the
    first ``cap``."""
    from ...people.models import Person
    from ..models import Enrollment

    S, E, L = PaymentLine.Status, Enrollment.Status, Person.LifeStatus
    odd_enrollments = (Enrollment.objects.filter(program_id=batch.program_id)
                       .filter(~Q(flag="") | ~Q(status=E.ACTIVE) | Q(end_month__isnull=False)).values("id"))
    odd_persons = Person.objects.exclude(life_status=L.ALIVE).values("id")
    stale = (~Q(person__life_status=L.ALIVE) | ~Q(enrollment__flag="")
             | Q(enrollment__end_month__lt=F("benefit_month"))
             | Q(enrollment__status=E.TERMINATED, enrollment__end_month__isnull=True)
             | Q(carried_from__isnull=True, enrollment__status=E.SUSPENDED))
    qs = (PaymentLine.objects.filter(batch=batch, generation=batch.generation, status=S.PENDING)
          .filter(Q(enrollment_id__in=odd_enrollments) | Q(person_id__in=odd_persons)).filter(stale))
    rows = list(qs.order_by("region_id", "id").values_list(
        "id", "person_id", "person__name", "region_id", "benefit_month", "person__life_status",
        "person__life_status_date", "enrollment__flag", "enrollment__flag_note", "enrollment__status",
        "enrollment__end_month", "carried_from_id")[:cap])
    count = len(rows) if len(rows) < cap else qs.count()
    items = []
    for (line, person, name, region, benefit, life, life_date, flag, flag_note, status, end,
         carried) in rows:
        when = f"（{life_date:%Y-%m-%d}）" if life_date else ""
        if life == L.DECEASED:
            reason, message = "person.deceased", _("本人（领取人）已故%(when)s") % {"when": when}
        elif life != L.ALIVE:
            reason, message = "person.moved_out", _("本人（领取人）已迁出%(when)s") % {"when": when}
        elif flag:
            reason, message = "enrollment.flagged", _("待处理事项未办结：%(note)s") % {"note": flag_note or flag}
        elif end is not None and end < benefit or status == E.TERMINATED:
            reason, message = "enrollment.ended", _("待遇已终止（最后发放月份 %(end)s）") % {
                "end": f"{end:%Y-%m}" if end else "—"}
        else:
            reason, message = "enrollment.suspended", _("待遇已暂停")
        items.append({"line": line, "person": person, "name": name, "region": region,
                      "benefit_month": f"{benefit:%Y-%m}", "reason": reason, "message": message,
                      "carried": carried is not None})
    return count, items
