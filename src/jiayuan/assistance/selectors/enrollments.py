"""Scoped reads of enrollments (待遇): the user's region subtree (``Enrollment.region``,
where the beneficiary lives now), for roles with ``view_assistance``; out of scope: 404."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from ...accounts.permissions import Perm
from ...errors import get_or_not_found
from ..models import Enrollment, EnrollmentEvent

OPEN = (Enrollment.Status.ACTIVE, Enrollment.Status.SUSPENDED)


def enrollments_for(user) -> QuerySet:
    """Enrollments in the user's scope; none for a role without view_assistance."""
    if not user.can(Perm.VIEW_ASSISTANCE):
        return Enrollment.objects.none()
    qs = Enrollment.objects.select_related("program", "person", "household", "region")
    scope = user.scope_code
    return qs.filter(region__code__startswith=scope) if scope else qs


def get_enrollment(user, pk) -> Enrollment:
    """The enrollment ``pk`` if in the user's scope; NotFound otherwise."""
    return get_or_not_found(enrollments_for(user), "enrollment.not_found", pk=pk)


@dataclass
class EnrollmentFilters:
    """``program`` code; ``status`` (active/suspended/terminated, or ``open``);
    ``region`` (a code prefix inside the scope); ``flag`` (``any`` or a flag code);
    ``due`` (next review on or before today); ``person`` (person id)."""

    program: str = ""
    status: str = ""
    region: str = ""
    flag: str = ""
    due: bool = False
    person: int | None = None


def search_enrollments(user, f: EnrollmentFilters, today: datetime.date | None = None) -> QuerySet:
    """Enrollments in scope matching ``f``: flagged first, then due for review, then by id."""
    qs = enrollments_for(user)
    if f.program:
        qs = qs.filter(program_id=f.program)
    if f.status == "open":
        qs = qs.filter(status__in=OPEN)
    elif f.status:
        qs = qs.filter(status=f.status)
    if f.region:
        if not f.region.isdigit():
            return qs.none()
        qs = qs.filter(region__code__startswith=f.region)
    if f.flag == "any":
        qs = qs.exclude(flag="")
    elif f.flag:
        qs = qs.filter(flag=f.flag)
    if f.due:
        qs = qs.filter(status__in=OPEN, next_review_on__lte=today or timezone.localdate())
    if f.person:
        qs = qs.filter(person_id=f.person)
    return qs.order_by("-flagged_at", "next_review_on", "-id")


def due_for_review(user, today: datetime.date | None = None) -> QuerySet:
    """Open enrollments in scope whose ``next_review_on`` is today or earlier (复核到期)."""
    return enrollments_for(user).filter(status__in=OPEN, next_review_on__lte=today or timezone.localdate()) \
        .order_by("next_review_on", "id")


def flagged(user) -> QuerySet:
    """Open enrollments in scope with a registry flag waiting for a decision."""
    return enrollments_for(user).filter(status__in=OPEN).exclude(flag="").order_by("flagged_at", "id")


def events_of(enrollment: Enrollment) -> QuerySet:
    return EnrollmentEvent.objects.filter(enrollment=enrollment).select_related("actor").order_by("at", "id")


def hub_counts(user, today: datetime.date | None = None) -> dict:
    """Counts in scope for the hub page: ``active``, ``suspended``, ``flagged``, ``due``,
    and ``by_program`` ``{code: {"active": n, "suspended": n}}``."""
    qs = enrollments_for(user)
    today = today or timezone.localdate()
    agg = qs.aggregate(
        active=Count("id", filter=Q(status=Enrollment.Status.ACTIVE)),
        suspended=Count("id", filter=Q(status=Enrollment.Status.SUSPENDED)),
        flagged=Count("id", filter=Q(status__in=OPEN) & ~Q(flag="")),
        due=Count("id", filter=Q(status__in=OPEN, next_review_on__lte=today)),
    )
    by_program: dict = {}
    for row in qs.filter(status__in=OPEN).values("program_id", "status").annotate(n=Count("id")):
        by_program.setdefault(row["program_id"], {"active": 0, "suspended": 0})[row["status"]] = row["n"]
    agg["by_program"] = by_program
    return agg


def last_paid_line(enrollment: Enrollment):
    """The enrollment's latest paid payment line (发放明细 with status ``paid``, the
    latest benefit month), with its batch; None when nothing was paid yet. Reads
    PaymentLine by the no-double-payment index (program, person, benefit_month)."""
    from ..models import PaymentLine

    return (PaymentLine.objects.filter(program_id=enrollment.program_id, person_id=enrollment.person_id,
                                       enrollment=enrollment, status=PaymentLine.Status.PAID)
            .select_related("batch").order_by("-benefit_month", "-id").first())
