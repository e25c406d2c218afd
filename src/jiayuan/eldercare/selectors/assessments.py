"""Scoped reads of capacity assessments, the settings they are computed with, and the
facts other apps read (the living subsidy reads the assessed level).

Need-to-know: an assessment holds health data (diagnoses, risk events), so it is read
only by a role holding ``view_eldercare`` (or ``assess_elderly``), and only when the
person's *current* region lies in the user's subtree. Anything else answers 404 like an
assessment that does not exist.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet

from ...accounts.models import User
from ...accounts.permissions import Perm
from ...errors import NotFound
from ...people.models import Person
from ..models import CapacityAssessment

# Defaults of the settings (settings.py may override them from the environment).
REASSESSMENT_MONTHS = 12
REASSESSMENT_NOTICE_DAYS = 30


def adjustments_cumulative() -> bool:
    """Whether the two "one level worse" adjustments add up
    (``settings.ELDERCARE_ADJUSTMENTS_CUMULATIVE``, default False: they do not)."""
    return bool(getattr(settings, "ELDERCARE_ADJUSTMENTS_CUMULATIVE", False))


def reassessment_months() -> int:
    """Months between routine assessments (``settings.ELDERCARE_REASSESSMENT_MONTHS``,
    default 12)."""
    return int(getattr(settings, "ELDERCARE_REASSESSMENT_MONTHS", REASSESSMENT_MONTHS))


def reassessment_notice_days() -> int:
    """Days before ``next_due`` from which a reassessment shows on the to-do list
    (``settings.ELDERCARE_REASSESSMENT_NOTICE_DAYS``, default 30)."""
    return int(getattr(settings, "ELDERCARE_REASSESSMENT_NOTICE_DAYS", REASSESSMENT_NOTICE_DAYS))


def add_months(day: datetime.date, months: int) -> datetime.date:
    """``day`` + ``months`` calendar months; the 29th–31st of a shorter month falls on its
    last day (2024-01-31 + 1 → 2024-02-29)."""
    import calendar

    y, m = divmod(day.month - 1 + months, 12)
    year, month = day.year + y, m + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def can_read(user) -> bool:
    return user.can(Perm.VIEW_ELDERCARE) or user.can(Perm.ASSESS_ELDERLY)


def assessments_for(user) -> QuerySet:
    """Assessments whose person is in the user's scope; none for a role without
    ``view_eldercare``/``assess_elderly``. Person, region and assessors joined."""
    if not can_read(user):
        return CapacityAssessment.objects.none()
    qs = CapacityAssessment.objects.select_related("person", "person__region", "assessor_1", "assessor_2")
    scope = user.scope_code
    return qs.filter(person__region__code__startswith=scope) if scope else qs


def get_assessment(user, pk) -> CapacityAssessment:
    """The assessment ``pk`` if the user may read it; NotFound
    (``assessment.not_found``) otherwise."""
    try:
        return assessments_for(user).get(pk=int(pk))
    except (ValueError, TypeError, OverflowError, CapacityAssessment.DoesNotExist):
        raise NotFound("assessment.not_found") from None


def _later_exists():
    """A later assessment of the same person (by date, then id)."""
    later = CapacityAssessment.objects.filter(person_id=OuterRef("person_id")).filter(
        Q(assessed_on__gt=OuterRef("assessed_on")) | Q(assessed_on=OuterRef("assessed_on"), id__gt=OuterRef("id")))
    return Exists(later)


def latest_only(qs: QuerySet) -> QuerySet:
    """``qs`` keeping, per person, only the latest assessment (by date, then id)."""
    return qs.filter(~_later_exists())


@dataclass
class AssessmentFilters:
    """Filters of the list page, the export and ``GET /api/v1/eldercare/assessments``:
    ``region`` (code prefix of the person's current region), ``level``, ``reason``,
    ``person`` (id), ``q`` (a fragment of the name), ``latest`` (only each person's
    latest assessment), ``due_by`` (latest assessments due on or before this date)."""

    region: str = ""
    level: str = ""
    reason: str = ""
    person: int | None = None
    q: str = ""
    latest: bool = False
    due_by: datetime.date | None = None


def search_assessments(user, f: AssessmentFilters) -> QuerySet:
    """Assessments readable by ``user`` matching ``f``, newest first (date, then id)."""
    qs = assessments_for(user)
    if f.region:
        qs = qs.filter(person__region__code__startswith=f.region)
    if f.level:
        qs = qs.filter(level=f.level)
    if f.reason:
        qs = qs.filter(reason=f.reason)
    if f.person:
        qs = qs.filter(person_id=f.person)
    if f.q:
        qs = qs.filter(person__name__contains=f.q)
    if f.latest or f.due_by:
        qs = latest_only(qs)
    if f.due_by:
        qs = qs.filter(next_due__lte=f.due_by, person__life_status=Person.LifeStatus.ALIVE)
    return qs.order_by("-assessed_on", "-id")


def assessments_of(person: Person) -> QuerySet:
    """Every assessment of ``person`` (from a scoped selector), newest first: the history."""
    return CapacityAssessment.objects.filter(person=person).select_related(
        "assessor_1", "assessor_2").order_by("-assessed_on", "-id")


def latest_assessment(person: Person, on: datetime.date | None = None) -> CapacityAssessment | None:
    """The person's latest assessment (on or before ``on`` when given), or None."""
    qs = CapacityAssessment.objects.filter(person=person)
    if on is not None:
        qs = qs.filter(assessed_on__lte=on)
    return qs.order_by("-assessed_on", "-id").first()


def reassessments_due(user, today: datetime.date | None = None) -> QuerySet:
    """Latest assessments of living persons in the user's scope whose routine
    reassessment falls due within :func:`reassessment_notice_days` (or is overdue),
    earliest first: for the to-do of the person's community. Only for assessors."""
    if not user.can(Perm.ASSESS_ELDERLY):
        return CapacityAssessment.objects.none()
    today = today or datetime.date.today()
    horizon = today + datetime.timedelta(days=reassessment_notice_days())
    return (latest_only(assessments_for(user))
            .filter(next_due__lte=horizon, person__life_status=Person.LifeStatus.ALIVE)
            .order_by("next_due", "id"))


def assessor_candidates(person: Person) -> QuerySet:
    """Active accounts that may be an assessor of ``person``: holding ``assess_elderly``
    by role, with a scope containing the person's region (the community's workers and
    director, its street's, county's and city's officers). Ordered by name."""
    from ...accounts.permissions import ROLE_PERMISSIONS

    roles = [r for r, perms in ROLE_PERMISSIONS.items() if Perm.ASSESS_ELDERLY in perms]
    code = person.region_id or ""
    prefixes = [code[:n] for n in (2, 4, 6, 9, 12, 15) if n <= len(code)]
    return (User.objects.filter(is_active=True, role__in=roles, scope_id__in=prefixes)
            .order_by("full_name", "username"))


def capacity_facts(person_ids, on: datetime.date | None = None) -> dict[int, dict]:
    """The assessed capacity of ``person_ids`` for the living subsidy (养老服务补贴) and
    other programs, in one query: ``{person_id: {"capacity_level": level code,
    "assessed_on": date, "assessment": id, "next_due": date}}`` from each person's latest
    assessment on or before ``on`` (all assessments without it); persons never assessed
    are absent. Not scoped (callers pass ids they already hold). Source: GB/T
    42195-2022 (levels); 财社〔2014〕113号 (subsidy for the disabled and semi-disabled
    elderly by assessed level)."""
    ids = list(person_ids)
    out: dict[int, dict] = {}
    for start in range(0, len(ids), 10_000):
        qs = CapacityAssessment.objects.filter(person_id__in=ids[start:start + 10_000])
        if on is not None:
            qs = qs.filter(assessed_on__lte=on)
            later = CapacityAssessment.objects.filter(person_id=OuterRef("person_id"), assessed_on__lte=on).filter(
                Q(assessed_on__gt=OuterRef("assessed_on")) | Q(assessed_on=OuterRef("assessed_on"),
                                                               id__gt=OuterRef("id")))
            qs = qs.filter(~Exists(later))
        else:
            qs = latest_only(qs)
        for pid, aid, level, day, due in qs.values_list("person_id", "id", "level", "assessed_on", "next_due"):
            out[pid] = {"capacity_level": level, "assessed_on": day, "assessment": aid, "next_due": due}
    return out
