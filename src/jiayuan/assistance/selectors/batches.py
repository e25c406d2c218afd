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

from django.db.models import Count, QuerySet, Sum
from django.http import Http404

from ...accounts.permissions import Perm
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
    """The batch ``pk`` if the user may see it; ``Http404`` otherwise."""
    try:
        return batches_for(user).get(pk=int(pk))
    except (PaymentBatch.DoesNotExist, TypeError, ValueError):
        raise Http404 from None


def find_batch(user, program: str, county: str, month: datetime.date) -> PaymentBatch | None:
    """The batch of ``program``, ``county`` and ``month`` in scope, or None."""
    return batches_for(user).filter(program_id=program, county_id=county, month=month).first()


def lines_of(batch: PaymentBatch, *, status: str = "", generation: int | None = None, q: str = "") -> QuerySet:
    """Lines of ``batch`` (from :func:`get_batch`): the current generation unless
    ``generation`` is given; ``status`` filters; ``q`` matches the person's name
    (fragment) or a line number. By region, then line."""
    qs = (PaymentLine.objects.filter(batch=batch, generation=generation or batch.generation)
          .select_related("person", "region", "carried_from"))
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
