"""Scoped reads of 一表通: data elements, the form catalogue, report tasks and their
completion, a unit's form with the provenance of every cell, the aggregated form.

Who reads what:

- the catalogue (elements and forms): holders of ``manage_report_forms`` or
  ``issue_report_tasks`` (a city-wide catalogue: one set of elements for everyone);
- a task, its completion and its aggregate: ``issue_report_tasks`` holders whose scope
  contains the issuing region (the issuer, and the levels above it);
- a unit's form: ``fill_report_forms`` holders whose scope *is* the unit (the
  community's workers, the township's staff), and the task's readers above.

Anything else answers :class:`~jiayuan.errors.NotFound` like a row that does not exist.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from jiayuan.accounts.permissions import Perm
from jiayuan.errors import NotFound, get_or_not_found
from jiayuan.regions.models import Region

from ..models import DataElement, ReportForm, ReportFormItem, ReportSubmission, ReportTask
from ..rules import parse_period
from . import rules
from .prefill import prefill


def reads_catalogue(user) -> bool:
    return user.can(Perm.MANAGE_REPORT_FORMS) or user.can(Perm.ISSUE_REPORT_TASKS)


def elements_for(user) -> QuerySet:
    """Every data element for a catalogue reader; none otherwise."""
    if not reads_catalogue(user):
        return DataElement.objects.none()
    return DataElement.objects.order_by("source_kind", "code")


def forms_for(user) -> QuerySet:
    """The form catalogue (every version) for a catalogue reader; none otherwise."""
    if not reads_catalogue(user):
        return ReportForm.objects.none()
    return ReportForm.objects.select_related("author", "approved_by").order_by("code", "-version")


def get_form(user, pk) -> ReportForm:
    """A catalogued form; ``NotFound("report_form.not_found")``."""
    return get_or_not_found(forms_for(user), "report_form.not_found", pk=pk)


def form_items(form: ReportForm) -> list[ReportFormItem]:
    """The form's rows in order, elements joined."""
    return list(form.items.select_related("element").order_by("position"))


def issuable_forms(user) -> QuerySet:
    """Approved forms the user may issue (``issue_report_tasks``)."""
    if not user.can(Perm.ISSUE_REPORT_TASKS):
        return ReportForm.objects.none()
    return ReportForm.objects.filter(status=ReportForm.Status.APPROVED).order_by("code", "-version")


def units_below(region: Region, units: str) -> QuerySet:
    """The units a task issued from ``region`` goes to, by the form's ``units``:
    townships directly under a county, or the communities and/or villages under the
    region (virtual units and grids excluded)."""
    if units == ReportForm.Units.TOWNSHIPS:
        return Region.objects.filter(parent=region, level=Region.Level.TOWNSHIP).order_by("code")
    kinds = {ReportForm.Units.COMMUNITIES: [Region.Kind.COMMUNITY], ReportForm.Units.VILLAGES: [Region.Kind.VILLAGE]}
    return Region.objects.filter(code__startswith=region.code, level=Region.Level.VILLAGE,
                                 kind__in=kinds.get(units, [Region.Kind.COMMUNITY, Region.Kind.VILLAGE])
                                 ).select_related("parent").order_by("code")


def tasks_for(user) -> QuerySet:
    """Tasks issued from a region in the user's scope (``issue_report_tasks``)."""
    if not user.can(Perm.ISSUE_REPORT_TASKS):
        return ReportTask.objects.none()
    qs = ReportTask.objects.select_related("form", "region", "issuer")
    scope = user.scope_code
    return qs.filter(region__code__startswith=scope) if scope else qs


def get_task(user, pk) -> ReportTask:
    """A task the user follows; ``NotFound("report_task.not_found")``."""
    return get_or_not_found(tasks_for(user), "report_task.not_found", pk=pk)


def submissions_for(user) -> QuerySet:
    """The parts of tasks the user fills: their unit is the user's scope region
    (``fill_report_forms``); a superuser sees every unit's."""
    if not user.can(Perm.FILL_REPORT_FORMS):
        return ReportSubmission.objects.none()
    qs = ReportSubmission.objects.select_related("task", "task__form", "task__region", "unit", "submitted_by")
    if user.is_superuser:
        return qs
    return qs.filter(unit_id=user.scope_id) if user.scope_id else qs.none()


def waiting_submissions(user) -> QuerySet:
    """The user's unit's forms not yet submitted, earliest deadline first."""
    return submissions_for(user).filter(submitted_at__isnull=True).order_by("task__deadline", "task_id")


@dataclass
class SubmissionView:
    """A unit's form as read: ``submission``, ``can_fill`` (the reader fills it and it is
    not submitted), ``rows``: ``[(item, Cell)]`` in the form's order."""

    submission: ReportSubmission
    can_fill: bool
    rows: list = field(default_factory=list)


def get_submission(user, pk) -> ReportSubmission:
    """A unit's part of a task, for its filler or the task's readers;
    ``NotFound("report_submission.not_found")``."""
    qs = ReportSubmission.objects.select_related("task", "task__form", "task__region", "task__issuer", "unit",
                                                 "unit__parent", "submitted_by")
    fill = submissions_for(user).values("pk")
    follow = tasks_for(user).values("pk")
    return get_or_not_found(qs.filter(Q(pk__in=fill) | Q(task__in=follow)), "report_submission.not_found", pk=pk)


def frozen_cell(entry) -> rules.Cell:
    """A cell of a submitted form from ``ReportSubmission.values`` (``[value, provenance,
    platform value, by, at]``)."""
    value, provenance, platform, by, at = (list(entry) + [None] * 5)[:5]
    return rules.Cell(None if value is None else Decimal(value), provenance,
                      None if platform is None else Decimal(platform), by or "",
                      datetime.datetime.fromisoformat(at) if at else None)


def unit_form(user, submission: ReportSubmission) -> SubmissionView:
    """The unit's form: pre-filled (platform, base dataset) while open, as submitted
    after."""
    items = form_items(submission.task.form)
    can_fill = (submission.submitted_at is None and user.can(Perm.FILL_REPORT_FORMS)
                and (user.is_superuser or user.scope_id == submission.unit_id))
    if submission.submitted_at is not None:
        rows = [(i, frozen_cell(submission.values.get(i.element.code, [None, rules.MISSING]))) for i in items]
    else:
        cells = prefill([i.element for i in items], [submission.unit], parse_period(submission.task.period))
        rows = [(i, cells[submission.unit_id][i.element.code]) for i in items]
    return SubmissionView(submission, can_fill, rows)


@dataclass
class Completion:
    """A task's completion across units: ``rows`` ``[(submission, state)]`` by unit code,
    ``counts`` (each state of rules.STATE_LABELS and ``total``)."""

    rows: list
    counts: dict


def completion(task: ReportTask, today: datetime.date | None = None) -> Completion:
    """Who submitted, who is late, who has not started (one query)."""
    today = today or timezone.localdate()
    rows = []
    for s in task.submissions.select_related("unit", "unit__parent", "submitted_by").order_by("unit_id"):
        rows.append((s, rules.unit_state(s.submitted_at is not None, s.started_at is not None, task.deadline, today)))
    return Completion(rows, rules.completion(state for _, state in rows))


@dataclass
class Aggregate:
    """The aggregated form: ``items`` (the form's rows), ``units`` ``[(unit, [value …])]``
    of the submitted units, ``totals`` ``[value …]`` by each item's aggregation, and
    ``submitted``/``total`` counts of units."""

    items: list
    units: list
    totals: list
    submitted: int
    total: int


def aggregate(task: ReportTask) -> Aggregate:
    """The submitted units' values and their totals (sum, min or max per row); units not
    yet submitted are left out (the page says how many)."""
    items = form_items(task.form)
    subs = list(task.submissions.select_related("unit").order_by("unit_id"))
    units = []
    for s in subs:
        if s.submitted_at is None:
            continue
        units.append((s.unit, [frozen_cell(s.values.get(i.element.code, [None, rules.MISSING])).value for i in items]))
    totals = [rules.aggregate([vals[k] for _, vals in units], i.aggregation) for k, i in enumerate(items)]
    return Aggregate(items, units, totals, len(units), len(subs))


def overdue_tasks(user, today: datetime.date | None = None) -> QuerySet:
    """Tasks the user follows whose deadline passed with a unit not submitted; each with
    ``late`` (the number of such units)."""
    today = today or timezone.localdate()
    late = ReportSubmission.objects.filter(task=OuterRef("pk"), submitted_at__isnull=True)
    return (tasks_for(user).filter(deadline__lt=today).filter(Exists(late))
            .annotate(late=Count("submissions", filter=Q(submissions__submitted_at__isnull=True)))
            .order_by("deadline", "id"))


def late_units(task: ReportTask) -> int:
    """Units of ``task`` not submitted."""
    return task.submissions.filter(submitted_at__isnull=True).count()


def issuing_region(user) -> Region | None:
    """Where the user issues from: their scope region when it is a county or a township
    (and they hold ``issue_report_tasks``); None otherwise."""
    if not user.can(Perm.ISSUE_REPORT_TASKS) or user.scope_id is None:
        return None
    scope = user.scope
    return scope if scope.level in (Region.Level.COUNTY, Region.Level.TOWNSHIP) else None
