"""Writes of elderly care: recording capacity assessments (GB/T 42195-2022).

Every write checks the role and the scope, runs in one transaction and appends its audit
entry (:func:`jiayuan.audit.services.record`) in that transaction.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from ...accounts.models import User
from ...accounts.permissions import Perm
from ...audit.services import Actor, record
from ...errors import NotFound, ValidationFailed
from ...people import rules as people_rules
from ...people.models import Person
from ...people.services import require
from .. import rules, selectors
from ..models import CapacityAssessment
from ..signals import capacity_assessed

NOTE_MAX = 200
ELDERLY_AGE = 60  # 老年人权益保障法第二条: 老年人是指六十周岁以上的公民


def _err(field: str, code: str, message: str) -> dict:
    return {field: [{"code": code, "message": message}]}


def score(items, coma=False, diagnoses=None, risk_events=None) -> rules.Result:
    """:func:`rules.score` with the setting in force
    (:func:`selectors.adjustments_cumulative`); the one computation behind the score
    endpoint, the live form and :func:`record_assessment`. Records nothing. Raises
    ValidationFailed naming each bad item (``items.<code>``: ``item.missing``,
    ``item.unknown``, ``item.not_integer``, ``item.out_of_range``), ``coma.format``,
    ``diagnoses.format``, ``risk_events.format``, ``risk_event.unknown``."""
    try:
        return rules.score(items, coma, diagnoses, risk_events, cumulative=selectors.adjustments_cumulative())
    except ValueError as exc:
        raise ValidationFailed.from_rule_errors(exc.args[0]) from None


def _as_date(value, field: str) -> datetime.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime.date):
        return value
    try:
        d = parse_date(str(value).strip())
    except ValueError:
        d = None
    if d is None:
        raise ValidationFailed(_err(field, f"{field}.format", _("日期格式错误：应为 YYYY-MM-DD，例如 2024-03-01")))
    return d


def _assessor(value, field: str, person: Person, errors: dict) -> User | None:
    """The account ``value`` (id or User) if it may assess ``person``
    (:func:`selectors.assessor_candidates`), else an error on ``field``."""
    pk = value.pk if isinstance(value, User) else value
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        errors.update(_err(field, f"{field}.missing", _("请选择评估员")))
        return None
    user = selectors.assessor_candidates(person).filter(pk=pk).first()
    if user is None:
        errors.update(_err(field, f"{field}.invalid", _(
            "该账号不能担任此人的评估员：评估员须是有评估权限、管辖范围包含被评估人所在社区的在用账号")))
    return user


def record_assessment(actor: Actor, person: Person, *, reason, assessed_on, assessor_1, assessor_2, items,
                      coma=False, diagnoses=None, risk_events=None, note: str = "",
                      today: datetime.date | None = None) -> CapacityAssessment:
    """Record a capacity assessment of ``person`` (from a scoped selector).

    ``reason``: ``first`` (only when the person has none yet), ``routine``,
    ``immediate`` (after a change of condition) or ``review`` (on dispute; these three
    need an earlier assessment except ``immediate``); ``assessed_on`` (date or
    ``YYYY-MM-DD``, not after today, the person 60 or older on that day —
    老年人权益保障法第二条); ``assessor_1`` and ``assessor_2``: two different accounts
    that may assess the person (:func:`selectors.assessor_candidates`; GB/T 42195-2022
    asks for two assessors); ``items``, ``coma``, ``diagnoses``, ``risk_events`` as for
    :func:`score`; ``note`` ≤ 200 characters.

    The result (total, dimension scores, initial level, level, adjustments) is computed
    by :func:`score` with the setting in force and stored with it; ``next_due`` is
    ``assessed_on`` + :func:`selectors.reassessment_months` months. An earlier
    assessment is never changed. The audit entry names the level and the assessors,
    not the diagnoses (health data stays in the record).

    Raises Forbidden (role without ``assess_elderly``), NotFound (person out of scope),
    ValidationFailed (every problem at once: ``reason.*``, ``assessed_on.*``,
    ``assessor_1.*``, ``assessor_2.*``, ``person.not_alive``, ``person.not_elderly``,
    ``note.too_long`` and the codes of :func:`score`).
    """
    require(actor, Perm.ASSESS_ELDERLY)
    user = actor.user
    if user is not None and not (person.region_id or "").startswith(user.scope_code):
        raise NotFound("person.not_found")
    today = today or timezone.localdate()
    errors: dict = {}
    has_earlier = CapacityAssessment.objects.filter(person=person).exists()
    if reason not in rules.REASONS:
        errors.update(_err("reason", "reason.unknown", _("评估原因应为首次、常规、即时或复评")))
    elif reason == "first" and has_earlier:
        errors.update(_err("reason", "reason.not_first", _("%(name)s 已有评估记录，本次不是首次评估") % {"name": person.name}))
    elif reason in ("routine", "review") and not has_earlier:
        errors.update(_err("reason", "reason.no_earlier", _("%(name)s 尚无评估记录，应选“首次评估”") % {"name": person.name}))
    day = None
    try:
        day = _as_date(assessed_on, "assessed_on")
        if day is None:
            errors.update(_err("assessed_on", "assessed_on.missing", _("请填写评估日期")))
        elif day > today:
            errors.update(_err("assessed_on", "assessed_on.future", _("评估日期不能晚于今天")))
        elif people_rules.age_on(person.birth_date, day) < ELDERLY_AGE:
            errors.update(_err("person", "person.not_elderly", _(
                "%(name)s 在评估日期未满 60 周岁，不属于老年人能力评估的对象") % {"name": person.name}))
    except ValidationFailed as exc:
        errors.update(exc.fields)
    a1 = _assessor(assessor_1, "assessor_1", person, errors)
    a2 = _assessor(assessor_2, "assessor_2", person, errors)
    if a1 is not None and a2 is not None and a1.pk == a2.pk:
        errors.update(_err("assessor_2", "assessor_2.same", _("两名评估员应为不同的人")))
    if not isinstance(note, str):
        note = ""
    note = people_rules.clean_free_text(note)
    if len(note) > NOTE_MAX:
        errors.update(_err("note", "note.too_long", _("备注过长：最多 %(limit)s 个字") % {"limit": NOTE_MAX}))
    if person.life_status != Person.LifeStatus.ALIVE:
        errors.update(_err("person", "person.not_alive", _("%(name)s 的人员状态为“%(status)s”，不能评估")
                           % {"name": person.name, "status": person.get_life_status_display()}))
    result = None
    try:
        result = score(items, coma, diagnoses, risk_events)
    except ValidationFailed as exc:
        errors.update(exc.fields)
    if errors:
        raise ValidationFailed(errors)

    scores = rules.check_items(items)
    with transaction.atomic():
        Person.objects.select_for_update().filter(pk=person.pk).first()  # one assessment of a person at a time
        before = selectors.latest_assessment(person)
        a = CapacityAssessment.objects.create(
            person=person, region_id=person.region_id, reason=reason, assessed_on=day, assessor_1=a1, assessor_2=a2,
            items=scores, coma=coma, diagnoses=rules.check_diagnoses(diagnoses),
            risk_events=rules.check_risk_events(risk_events), total=result.total, **result.dimensions,
            initial_level=result.initial_level, level=result.level,
            adjustments=[adj.as_dict() for adj in result.adjustments], cumulative=selectors.adjustments_cumulative(),
            next_due=selectors.add_months(day, selectors.reassessment_months()), note=note,
            created_by=user if getattr(user, "pk", None) else None)
        record(actor, "eldercare.assess", a,
               extra={"person": person.pk, "level": a.level, "total": a.total, "reason": reason, "assessed_on": day.isoformat(),
                      "initial_level": a.initial_level, "adjustments": [adj.code for adj in result.adjustments
                                                                        if adj.applied],
                      "assessors": [a1.pk, a2.pk], "next_due": a.next_due.isoformat()})
        latest = selectors.latest_assessment(person)
        capacity_assessed.send(sender=CapacityAssessment, actor=actor, person=person,
                               before=before.level if before else None, after=latest.level)
    return a


def export_assessments(actor: Actor, f: selectors.AssessmentFilters, region=None) -> tuple[bytes, str, str, int]:
    """The assessments readable by the acting user matching ``f`` as a workbook (Chinese
    headers; no diagnoses or risk events: health details stay on the record's page):
    ``(bytes, file name, ASCII fallback, rows)``. ``region`` (from a scoped selector, or
    None) names the file. Needs ``export`` and a role that reads assessments
    (Forbidden otherwise); audited as ``eldercare.export`` with the filters and the row
    count."""
    from django.utils import translation

    from .. import exports

    require(actor, Perm.EXPORT)
    if not selectors.can_read(actor.user):
        require(actor, Perm.VIEW_ELDERCARE)
    qs = selectors.search_assessments(actor.user, f).select_related("person__region")
    today = timezone.localdate()
    who = getattr(actor.user, "full_name", "") or actor.name
    with translation.override("zh-hans"):
        rows = list(exports.assessment_rows(qs))
        name, fallback = exports.file_names("老年人能力评估", "assessments", region, today)
        title = f"{exports.region_name(region)} 老年人能力评估（GB/T 42195-2022） 导出人：{who}，" \
                f"导出时间：{timezone.localtime():%Y-%m-%d %H:%M}"
        data = exports.table_xlsx("能力评估", title, exports.ASSESSMENT_HEADERS, rows)
    record(actor, "eldercare.export", None, region_code=region.code if region is not None else "",
           extra={"what": "assessments", "rows": len(rows), "filters": {
               "region": f.region, "level": f.level, "reason": f.reason, "latest": f.latest,
               "due_by": f.due_by.isoformat() if f.due_by else None}})
    return data, name, fallback, len(rows)
