"""Writes of 一表通. Every function is one transaction with its audit entry:
``report.elements_seed``, ``report.element_create``, ``report.form_create``,
``report.form_approve``, ``report.form_retire``, ``report.task_issue``, ``report.value_record``,
``report.values_confirm``, ``report.submit``.

Permissions: ``manage_report_forms`` for elements and forms (an approver other than the
form's author); ``issue_report_tasks`` from a county or township scope for tasks;
``fill_report_forms`` with the unit as scope for a unit's values. Refusals:
:class:`~jiayuan.errors.Forbidden` (role), :class:`~jiayuan.errors.ValidationFailed` (a
field, in Chinese), :class:`~jiayuan.errors.Conflict` (already submitted / approved).
"""

from __future__ import annotations

import datetime

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from jiayuan.accounts.permissions import Perm
from jiayuan.audit.services import Actor, record
from jiayuan.errors import Conflict, Forbidden, ValidationFailed, field_error
from jiayuan.people.rules import RuleError

from ..definitions import UNITS
from ..models import DataElement, ReportForm, ReportFormItem, ReportSubmission, ReportTask, UnitValue
from ..rules import PeriodError, parse_period
from . import catalogue, rules, selectors
from .prefill import platform_values, prefill
from .sources import REGISTRY_SOURCES


def _require(actor: Actor, perm: Perm) -> None:
    if actor.user is not None and not actor.user.can(perm):
        raise Forbidden("report.forbidden", _("您的角色不能进行此操作"))


def _text(data: dict, name: str, limit: int, required: bool = True) -> str:
    text = " ".join(str(data.get(name) or "").split())
    if required and not text:
        raise ValidationFailed(field_error(name, f"{name}.missing", _("此项必填")))
    if len(text) > limit:
        raise ValidationFailed(field_error(name, f"{name}.too_long", _("过长：最多 %(limit)s 个字") % {"limit": limit}))
    return text


# --- data elements ---------------------------------------------------------------------

@transaction.atomic
def seed_elements(actor: Actor) -> int:
    """Create the elements of :mod:`.catalogue` that do not exist yet (by code); the
    number created. Idempotent."""
    _require(actor, Perm.MANAGE_REPORT_FORMS)
    have = set(DataElement.objects.values_list("code", flat=True))
    new = [DataElement(code=s.code, name=s.name, definition=s.definition, owner_department=s.owner_department,
                       source_kind=s.source_kind, source=s.source, unit=s.unit, frequency=s.frequency)
           for s in catalogue.seeds() if s.code not in have]
    DataElement.objects.bulk_create(new)
    if new:
        record(actor, "report.elements_seed", object_type="stats.dataelement", object_repr=str(len(new)),
               extra={"codes": [e.code for e in new]})
    return len(new)


@transaction.atomic
def create_element(actor: Actor, data: dict) -> DataElement:
    """A new data element from ``data`` (code, name, definition, owner_department,
    source_kind, source, unit, frequency). ``code``: letters, digits, ``._`` and unique."""
    _require(actor, Perm.MANAGE_REPORT_FORMS)
    errors: dict = {}
    out = {}
    for name, limit in (("code", 64), ("name", 100), ("definition", 500), ("owner_department", 100)):
        try:
            out[name] = _text(data, name, limit)
        except ValidationFailed as exc:
            errors.update(exc.fields)
    code = out.get("code", "")
    if code and (not all(c.isascii() and (c.isalnum() or c in "._") for c in code)):
        errors.update(field_error("code", "code.format", _("编码只能由字母、数字、点和下划线组成")))
    elif code and DataElement.objects.filter(code=code).exists():
        errors.update(field_error("code", "code.taken", _("该编码已被使用")))
    kind = data.get("source_kind") or ""
    source = str(data.get("source") or "").strip()
    if kind not in DataElement.Source.values:
        errors.update(field_error("source_kind", "source_kind.unknown", _("请选择数据来源")))
    elif kind == DataElement.Source.ENTERED:
        source = ""
    elif kind == DataElement.Source.INDICATOR:
        from .. import registry

        try:
            registry.definition(source)
        except registry.UnknownIndicator:
            errors.update(field_error("source", "source.unknown", _("没有编码为“%(code)s”的指标") % {"code": source[:64]}))
    elif source not in REGISTRY_SOURCES:
        errors.update(field_error("source", "source.unknown", _("没有这项台账数据")))
    unit = data.get("unit") or ""
    if unit not in UNITS:
        errors.update(field_error("unit", "unit.unknown", _("请选择计量单位")))
    frequency = data.get("frequency") or DataElement.Frequency.YEAR
    if frequency not in DataElement.Frequency.values:
        errors.update(field_error("frequency", "frequency.unknown", _("请选择更新频率")))
    if errors:
        raise ValidationFailed(errors)
    e = DataElement.objects.create(source_kind=kind, source=source, unit=unit, frequency=frequency, **out)
    record(actor, "report.element_create", e, extra={"code": e.code, "source_kind": kind, "source": source})
    return e


# --- the form catalogue ----------------------------------------------------------------

@transaction.atomic
def create_form(actor: Actor, data: dict, items: list[tuple[str, str]]) -> ReportForm:
    """A draft form: ``data`` (code, title, purpose, units) and ``items``
    ``[(element_code, aggregation)]`` in order (at least one, no element twice). The
    version is one more than the code's last version."""
    _require(actor, Perm.MANAGE_REPORT_FORMS)
    errors: dict = {}
    out = {}
    for name, limit, required in (("code", 32, True), ("title", 100, True), ("purpose", 200, False)):
        try:
            out[name] = _text(data, name, limit, required)
        except ValidationFailed as exc:
            errors.update(exc.fields)
    units = data.get("units") or ReportForm.Units.VILLAGE_UNITS
    if units not in ReportForm.Units.values:
        errors.update(field_error("units", "units.unknown", _("请选择填报单位")))
    codes = [c for c, _a in items if c]
    elements = DataElement.objects.in_bulk(codes, field_name="code")
    if not codes:
        errors.update(field_error("items", "items.missing", _("报表至少要有一项数据元")))
    elif len(set(codes)) != len(codes):
        errors.update(field_error("items", "items.duplicate", _("同一数据元在表中只能出现一次")))
    elif any(c not in elements for c in codes):
        missing = next(c for c in codes if c not in elements)
        errors.update(field_error("items", "items.unknown", _("数据元“%(code)s”不在目录中") % {"code": missing[:64]}))
    if any(a not in ReportFormItem.Aggregation.values for c, a in items if c):
        errors.update(field_error("items", "items.aggregation", _("汇总方式应为合计、最小值或最大值")))
    if errors:
        raise ValidationFailed(errors)
    last = ReportForm.objects.filter(code=out["code"]).aggregate(v=Max("version"))["v"] or 0
    form = ReportForm.objects.create(version=last + 1, units=units, author=actor.user, **out)
    ReportFormItem.objects.bulk_create([ReportFormItem(form=form, element=elements[c], position=k, aggregation=a)
                                        for k, (c, a) in enumerate(((c, a) for c, a in items if c), start=1)])
    record(actor, "report.form_create", form, extra={"code": form.code, "version": form.version, "items": codes})
    return form


@transaction.atomic
def approve_form(actor: Actor, form: ReportForm) -> ReportForm:
    """Approve a draft form (审定): by a ``manage_report_forms`` holder who is not its
    author (also a database check). An approved form is never edited."""
    _require(actor, Perm.MANAGE_REPORT_FORMS)
    form = ReportForm.objects.select_for_update().get(pk=form.pk)
    if form.status != ReportForm.Status.DRAFT:
        raise Conflict("report_form.not_draft", _("该报表已审定或已停用，不能再次审定"))
    if actor.user is None or actor.user.pk == form.author_id:
        raise Forbidden("report_form.own", _("报表须由制表人以外的人员审定"))
    form.status, form.approved_by, form.approved_at = ReportForm.Status.APPROVED, actor.user, timezone.now()
    form.save(update_fields=["status", "approved_by", "approved_at"])
    record(actor, "report.form_approve", form, extra={"code": form.code, "version": form.version})
    return form


@transaction.atomic
def retire_form(actor: Actor, form: ReportForm, reason) -> ReportForm:
    """Retire an approved form (停用) that is no longer used, with ``reason`` (required):
    no new task can be issued from it (:func:`issue_task`; the database trigger refuses
    too); its tasks and their submissions stay readable, and units may still finish a
    task issued before. Who, when and why are kept on the form and in the audit entry
    ``report.form_retire``. Refused: a draft (delete nothing: it was never used — approve
    it or leave it) and a form already retired."""
    _require(actor, Perm.MANAGE_REPORT_FORMS)
    reason = _text({"reason": reason}, "reason", 200)
    form = ReportForm.objects.select_for_update().get(pk=form.pk)
    if form.status != ReportForm.Status.APPROVED:
        raise Conflict("report_form.not_approved", _("只有已审定的报表才能停用") if form.status == ReportForm.Status.DRAFT
                       else _("该报表已经停用"))
    form.status, form.retired_by, form.retired_at, form.retire_reason = (
        ReportForm.Status.RETIRED, actor.user, timezone.now(), reason)
    form.save(update_fields=["status", "retired_by", "retired_at", "retire_reason"])
    record(actor, "report.form_retire", form, changes={"status": [ReportForm.Status.APPROVED, ReportForm.Status.RETIRED]},
           extra={"code": form.code, "version": form.version, "reason": reason})
    return form


# --- tasks -----------------------------------------------------------------------------

def _deadline(value) -> datetime.date:
    if isinstance(value, datetime.date):
        d = value
    else:
        try:
            d = parse_date(str(value or "").strip())
        except ValueError:
            d = None
    if d is None:
        raise ValidationFailed(field_error("deadline", "deadline.format", _("日期格式错误：应为 YYYY-MM-DD，例如 2024-03-01")))
    if d < timezone.localdate():
        raise ValidationFailed(field_error("deadline", "deadline.past", _("截止日期不能早于今天")))
    return d


@transaction.atomic
def issue_task(actor: Actor, form: ReportForm | None, period: str, deadline, note: str = "") -> ReportTask:
    """Issue ``form`` from the acting user's county or township to the units below it
    (by the form's ``units``) for ``period`` with ``deadline``: one submission per unit.

    Refused: a form that is not in the catalogue (None) or not approved
    (``report_task.form_not_approved``) or retired (``report_task.form_retired``; the
    database refuses both too), a scope that is not a
    county or a township, townships asked of a township, no unit below."""
    _require(actor, Perm.ISSUE_REPORT_TASKS)
    region = selectors.issuing_region(actor.user) if actor.user is not None else None
    if region is None:
        raise Forbidden("report_task.level", _("只有县（区）和乡镇（街道）可以向下级下发填报任务"))
    form = ReportForm.objects.filter(pk=form.pk).first() if isinstance(form, ReportForm) and form.pk else None
    if form is None:
        raise ValidationFailed(field_error("form", "report_task.form_unknown",
                                           _("该报表不在报表目录中，不能下发：请先在报表目录中建表并审定")))
    if form.status == ReportForm.Status.RETIRED:
        raise ValidationFailed(field_error("form", "report_task.form_retired",
                                           _("报表“%(title)s”已停用，不能下发") % {"title": form.title}))
    if form.status != ReportForm.Status.APPROVED:
        raise ValidationFailed(field_error("form", "report_task.form_not_approved",
                                           _("报表“%(title)s”尚未审定，不能下发") % {"title": form.title}))
    errors: dict = {}
    try:
        p = parse_period(period)
    except PeriodError as err:
        errors.update(ValidationFailed.from_rule_errors([err]).fields)
        p = None
    try:
        deadline = _deadline(deadline)
    except ValidationFailed as exc:
        errors.update(exc.fields)
    try:
        note = _text({"note": note}, "note", 200, required=False)
    except ValidationFailed as exc:
        errors.update(exc.fields)
    if errors:
        raise ValidationFailed(errors)
    if form.units == ReportForm.Units.TOWNSHIPS and region.level != region.Level.COUNTY:
        raise ValidationFailed(field_error("form", "report_task.units", _("该报表由乡镇（街道）填报，只能由县（区）下发")))
    units = list(selectors.units_below(region, form.units).values_list("code", flat=True))
    if not units:
        raise ValidationFailed(field_error("form", "report_task.no_units", _("辖区内没有该报表的填报单位")))
    try:
        with transaction.atomic():
            task = ReportTask.objects.create(form=form, region=region, period=p.label, deadline=deadline, note=note,
                                             issuer=actor.user)
    except IntegrityError:  # the database's trigger: the form was retired meanwhile
        raise ValidationFailed(field_error("form", "report_task.form_retired",
                                           _("报表“%(title)s”已停用，不能下发") % {"title": form.title})) from None
    ReportSubmission.objects.bulk_create([ReportSubmission(task=task, unit_id=u) for u in units], batch_size=500)
    record(actor, "report.task_issue", task, region_code=region.code,
           extra={"form": form.code, "version": form.version, "period": p.label, "deadline": deadline.isoformat(),
                  "units": len(units)})
    return task


# --- a unit's values -------------------------------------------------------------------

def _open_submission(actor: Actor, submission: ReportSubmission) -> ReportSubmission:
    _require(actor, Perm.FILL_REPORT_FORMS)
    user = actor.user
    if user is not None and not user.is_superuser and user.scope_id != submission.unit_id:
        raise Forbidden("report_submission.not_your_unit", _("只能填报本单位的报表"))
    s = ReportSubmission.objects.select_for_update().select_related("task", "task__form", "unit").get(pk=submission.pk)
    if s.submitted_at is not None:
        raise Conflict("report_submission.submitted", _("该报表已报送，不能再修改"))
    return s


def _store(actor: Actor, s: ReportSubmission, element: DataElement, value, platform_value, now) -> UnitValue:
    provenance = rules.provenance_of_new_value(value, platform_value)
    uv, _created = UnitValue.objects.update_or_create(
        unit_id=s.unit_id, element=element, period=s.task.period,
        defaults={"value": value, "platform_value": rules.as_decimal(platform_value), "provenance": provenance,
                  "recorded_by": actor.user, "recorded_at": now})
    return uv


@transaction.atomic
def record_value(actor: Actor, submission: ReportSubmission, element_code: str, text) -> UnitValue:
    """Record the unit's value of one element for the task's period in the unit's base
    dataset (where every other form asking for it finds it): ``confirmed`` when it
    equals the platform's value, ``corrected`` when it differs (the platform's value
    kept beside it), ``entered`` when the platform has none; who and when recorded.
    ``text`` is read by :func:`.rules.parse_value`."""
    s = _open_submission(actor, submission)
    item = s.task.form.items.select_related("element").filter(element__code=element_code).first()
    if item is None:
        raise ValidationFailed(field_error("element", "report.element_not_in_form", _("该数据元不在本表中")))
    try:
        value = rules.parse_value(text)
    except RuleError as err:
        raise ValidationFailed.from_rule_errors([err]) from None
    period = parse_period(s.task.period)
    platform = platform_values([item.element], [s.unit], period)[item.element.code].get(s.unit_id)
    before = UnitValue.objects.filter(unit_id=s.unit_id, element=item.element, period=s.task.period).first()
    now = timezone.now()
    uv = _store(actor, s, item.element, value, platform, now)
    if s.started_at is None:
        s.started_at = now
        s.save(update_fields=["started_at"])
    record(actor, "report.value_record", uv, region_code=s.unit_id,
           changes={"value": [None if before is None else str(before.value), str(value)]},
           extra={"element": element_code, "period": s.task.period, "provenance": uv.provenance,
                  "platform_value": None if platform is None else str(platform), "task": s.task_id})
    return uv


@transaction.atomic
def confirm_platform_values(actor: Actor, submission: ReportSubmission) -> int:
    """Confirm every cell that still shows the platform's value (provenance ``records``):
    each is stored as ``confirmed``. The number confirmed."""
    s = _open_submission(actor, submission)
    items = selectors.form_items(s.task.form)
    period = parse_period(s.task.period)
    cells = prefill([i.element for i in items], [s.unit], period)[s.unit_id]
    now = timezone.now()
    done = []
    for i in items:
        cell = cells[i.element.code]
        if cell.provenance == rules.RECORDS:
            _store(actor, s, i.element, cell.value, cell.platform_value, now)
            done.append(i.element.code)
    if done and s.started_at is None:
        s.started_at = now
        s.save(update_fields=["started_at"])
    if done:
        record(actor, "report.values_confirm", s, region_code=s.unit_id,
               extra={"elements": done, "period": s.task.period, "task": s.task_id})
    return len(done)


@transaction.atomic
def submit(actor: Actor, submission: ReportSubmission) -> ReportSubmission:
    """Submit the unit's form (报送): every cell must have a value (a cell still from the
    records is confirmed by the submission); the values and their provenance are frozen
    in the submission. Refused with the names of the cells still missing."""
    s = _open_submission(actor, submission)
    items = selectors.form_items(s.task.form)
    period = parse_period(s.task.period)
    cells = prefill([i.element for i in items], [s.unit], period)[s.unit_id]
    missing = [i.element.name for i in items if cells[i.element.code].value is None]
    if missing:
        raise ValidationFailed(field_error("values", "report.values_missing",
                                           _("还有未填写的项目：%(names)s") % {"names": "、".join(missing)}))
    now = timezone.now()
    frozen = {}
    for i in items:
        c = cells[i.element.code]
        if c.provenance == rules.RECORDS:
            _store(actor, s, i.element, c.value, c.platform_value, now)
            c = rules.Cell(c.value, rules.CONFIRMED, c.platform_value, str(actor.user) if actor.user else "", now)
        frozen[i.element.code] = [rules.format_value(c.value), c.provenance, rules.format_value(c.platform_value) or None,
                                  c.recorded_by, c.recorded_at.isoformat() if c.recorded_at else None]
    s.values, s.submitted_by, s.submitted_at = frozen, actor.user, now
    s.started_at = s.started_at or now
    s.save(update_fields=["values", "submitted_by", "submitted_at", "started_at"])
    record(actor, "report.submit", s, region_code=s.unit_id,
           extra={"task": s.task_id, "form": s.task.form.code, "period": s.task.period})
    return s
