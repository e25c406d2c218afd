"""Enrollments (待遇): enroll, review, suspend, resume, terminate, and the flags the
registry raises (death, moving out). Interface fixed for the applications module:

    enroll(actor, *, program, person, household=None, region, start_month, inputs,
           application=None, review_months=12, payee_account="", reason="") -> Enrollment

Every write is one transaction with its :class:`EnrollmentEvent` (the enrollment's
history) and its audit entry. Changes of an existing enrollment name the ``version`` the
user saw (409 ``enrollment.version_conflict`` when someone changed it first). Who:
``decide_applications`` (the county decides, and changes enrollments).

Registry flags: when :func:`jiayuan.people.services.set_life_status` marks a person
deceased or moved out, it sends :data:`jiayuan.people.signals.life_status_changed` in
its transaction; :func:`flag_for_life_status` (connected in ``AssistanceConfig.ready``)
flags at once every open enrollment of that person — as beneficiary or payee, or as a
member of an enrolled household — for a decision (terminate, review, or clear).
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ...accounts.permissions import Perm
from ...audit.services import Actor, record, record_many
from ...errors import Conflict, ValidationFailed
from ...regions.models import Region
from .. import rules
from ..models import Enrollment, EnrollmentEvent, Program
from ..selectors.parameters import parameter_in_force
from .parameters import _err, require, resolve_program

FLAG_LABELS = {
    "deceased": "本人已故",
    "moved_out": "本人已迁出",
    "member_deceased": "家庭成员已故",
    "member_moved_out": "家庭成员已迁出",
}
OPEN = (Enrollment.Status.ACTIVE, Enrollment.Status.SUSPENDED)


def add_months(day: datetime.date, months: int) -> datetime.date:
    """``day`` moved by ``months`` calendar months, the day clamped to the month's end
    (2024-01-31 + 1 → 2024-02-29)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return _clamp(year, month + 1, day.day)


def _clamp(year: int, month: int, day: int) -> datetime.date:
    last = rules.last_day_of_month(datetime.date(year, month, 1)).day
    return datetime.date(year, month, min(day, last))


def first_of_month(value, field: str) -> datetime.date:
    """A first-of-month date from a date or ``YYYY-MM-DD``/``YYYY-MM``; else 422."""
    if isinstance(value, str):
        text = value.strip()
        try:
            value = datetime.date.fromisoformat(text if len(text) > 7 else text + "-01")
        except ValueError:
            value = None
    if not isinstance(value, datetime.date) or isinstance(value, datetime.datetime):
        raise ValidationFailed(_err(field, f"{field}.missing", _("请填写月份（某月1日）")))
    if value.day != 1:
        raise ValidationFailed(_err(field, f"{field}.not_first", _("月份须为某月1日（填写的是 %(date)s）")
                                    % {"date": value.isoformat()}))
    return value


def mask_account(account: str) -> str:
    """Only the last four characters of a bank / 一卡通 account are kept: ``****1234``."""
    text = "".join(ch for ch in str(account or "") if ch.isalnum())
    return f"****{text[-4:]}" if text else ""


def _check_version(enrollment: Enrollment, version) -> None:
    if version is not None and enrollment.version != int(version):
        raise Conflict("enrollment.version_conflict", _(
            "该享受对象已被他人修改（您看到的是第 %(mine)s 版，当前为第 %(now)s 版），请刷新后重试")
            % {"mine": version, "now": enrollment.version})


def _event(enrollment: Enrollment, kind: str, actor: Actor | None, reason: str = "", data: dict | None = None,
           at=None) -> EnrollmentEvent:
    user = getattr(actor, "user", None) if actor else None
    return EnrollmentEvent.objects.create(enrollment=enrollment, kind=kind, at=at or timezone.now(),
                                          actor=user if getattr(user, "pk", None) else None, reason=reason,
                                          data=data or {})


def _reason_required(reason: str, field: str = "reason") -> str:
    text = (reason or "").strip()
    if not text:
        raise ValidationFailed(_err(field, f"{field}.missing", _("请填写理由")))
    return text


def compute(program: Program, region_code: str, month: datetime.date, inputs: dict,
            birth_date: datetime.date | None) -> tuple[Decimal, dict]:
    """``(amount, computation)`` of ``program`` for ``inputs`` in ``month`` with the
    parameters in force in ``region_code`` (selectors.parameters.parameter_in_force).
    ``computation``: ``{rule, amount, detail, parameter, parameter_region,
    parameter_from, month}``. Raises ValidationFailed ``parameters.missing`` (no row in
    force), ``inputs.incomplete`` (a fact or parameter the rule needs is missing),
    ``inputs.invalid`` (a value of the wrong kind)."""
    row = parameter_in_force(program.code, region_code, month)
    if row is None:
        raise ValidationFailed(_err("program", "parameters.missing", _(
            "%(region)s %(month)s 尚无%(program)s的参数（标准），请先由市或县区录入") % {
            "region": region_code, "month": month.strftime("%Y-%m"), "program": program.name}))
    if not isinstance(inputs, dict):
        raise ValidationFailed(_err("inputs", "inputs.invalid", _("测算依据应为对象")))
    try:
        result = rules.compute_amount(program.code, inputs, row.values, month, birth_date=birth_date)
    except KeyError as exc:
        raise ValidationFailed(_err("inputs", "inputs.incomplete", _("测算缺少“%(key)s”，请补充后重试")
                                    % {"key": str(exc.args[0]) if exc.args else ""})) from None
    except (TypeError, ValueError, ArithmeticError) as exc:
        raise ValidationFailed(_err("inputs", "inputs.invalid", _("测算依据有误：%(detail)s") % {"detail": exc})) from None
    return result.amount, {"rule": result.rule, "amount": str(result.amount), "detail": result.detail,
                           "parameter": row.pk, "parameter_region": row.region_id,
                           "parameter_from": row.effective_from.isoformat(), "month": month.isoformat()}


def enroll(actor: Actor, *, program, person, household=None, region, start_month, inputs, application=None,
           review_months: int = 12, payee_account: str = "", reason: str = "") -> Enrollment:
    """Enroll ``person`` (the beneficiary, or the payee of ``household`` for a household
    program) in ``program`` (instance or code) from ``start_month`` (first of month),
    living in ``region`` (Region or code in the actor's scope, county level or below).

    The amount is computed with the parameters in force in ``region`` for
    ``start_month`` (:func:`compute`); ``next_review_on`` = start month +
    ``review_months`` (1–36; 12 yearly, 6 half-yearly). ``payee_account`` is stored
    masked (last four). Returns the new Enrollment; writes an ``enrolled`` event and the
    audit entry ``assistance.enrollment.create``.

    Raises Forbidden (role), ValidationFailed (``program.not_monthly``,
    ``household.required``, ``region.*``, ``start_month.*``, ``review_months.invalid``,
    ``parameters.missing``, ``inputs.*``, ``amount.zero`` when the rule gives nothing),
    Conflict (409 ``enrollment.duplicate``: already an open enrollment of this person or
    household in this program).
    """
    require(actor, Perm.DECIDE_APPLICATIONS)
    prog = resolve_program(program)
    if not prog.monthly:
        raise ValidationFailed(_err("program", "program.not_monthly", _(
            "%(program)s为一次性救助，不建立按月发放的享受对象") % {"program": prog.name}))
    if prog.unit == Program.Unit.HOUSEHOLD and household is None:
        raise ValidationFailed(_err("household", "household.required", _("%(program)s以户为单位，请指定家庭")
                                    % {"program": prog.name}))
    code = region.code if isinstance(region, Region) else str(region or "")
    reg = Region.objects.filter(code=code).first()
    scope = actor.user.scope_code
    if reg is None or not reg.code.startswith(scope):
        raise ValidationFailed(_err("region", "region.out_of_scope", _("区划 %(code)s 不存在或不在您的管辖范围内")
                                    % {"code": code}))
    if len(reg.code) < 6:
        raise ValidationFailed(_err("region", "region.level", _("享受对象的所属区划应为县（区）或以下")))
    month = first_of_month(start_month, "start_month")
    try:
        review_months = int(review_months)
    except (TypeError, ValueError):
        review_months = 0
    if not 1 <= review_months <= 36:
        raise ValidationFailed(_err("review_months", "review_months.invalid", _("复核周期应为 1–36 个月")))
    amount, computation = compute(prog, reg.code, month, inputs, person.birth_date)
    if amount <= 0:
        reasons = "；".join(computation["detail"].get("reasons", [])) or _("测算金额为 0")
        raise ValidationFailed(_err("inputs", "amount.zero", _("按 %(month)s 的参数测算，不符合享受条件：%(reasons)s")
                                    % {"month": month.strftime("%Y-%m"), "reasons": reasons}))
    enrollment = Enrollment(program=prog, person=person, household=household, region=reg, application=application,
                            start_month=month, inputs=inputs, amount=amount, computation=computation,
                            review_months=review_months, next_review_on=add_months(month, review_months),
                            payee_account=mask_account(payee_account))
    try:
        with transaction.atomic():
            enrollment.save()
            _event(enrollment, "enrolled", actor, reason, {"amount": str(amount), "computation": computation,
                                                           "start_month": month.isoformat()})
            record(actor, "assistance.enrollment.create", enrollment, changes={
                "program": [None, prog.code], "person": [None, person.pk],
                "household": [None, getattr(household, "pk", None)], "start_month": [None, month.isoformat()],
                "amount": [None, str(amount)]}, extra={"application": getattr(application, "pk", None)})
    except IntegrityError:
        q = Q(person=person)
        if household is not None:
            q |= Q(household=household)
        existing = Enrollment.objects.filter(q, program=prog).exclude(status=Enrollment.Status.TERMINATED).first()
        if existing is None:
            raise
        raise Conflict("enrollment.duplicate", _(
            "%(name)s已在享受%(program)s（享受对象编号 %(id)s，%(status)s），同一项目只能有一条未终止的待遇")
            % {"name": person.name if existing.person_id == person.pk else _("该家庭"), "program": prog.name,
               "id": existing.pk, "status": existing.get_status_display()}) from None
    return enrollment


def _locked(enrollment: Enrollment, version) -> Enrollment:
    locked = Enrollment.objects.select_for_update().select_related("program", "person").get(pk=enrollment.pk)
    _check_version(locked, version)
    return locked


def _bump(locked: Enrollment, fields: list[str]) -> Enrollment:
    locked.version = F("version") + 1
    locked.save(update_fields=[*fields, "version", "updated_at"])
    locked.refresh_from_db()
    return locked


def _clear_flag(locked: Enrollment) -> dict:
    if not locked.flag:
        return {}
    cleared = {"flag": locked.flag, "flag_note": locked.flag_note}
    locked.flag, locked.flag_note, locked.flagged_at = "", "", None
    return cleared


def review(actor: Actor, enrollment: Enrollment, inputs: dict, reason: str, version=None, *,
           month=None, review_months: int | None = None) -> Enrollment:
    """Periodic or change review (复核): recompute the amount from ``inputs`` with the
    parameters in force for ``month`` (default: the current month), store the new
    inputs, amount and computation, set ``next_review_on`` = today + review period, clear
    a registry flag (the review is the action taken on it). An ``reviewed`` event records
    the amount before and after. A review that finds nothing payable is refused
    (``amount.zero``): stopping the benefit is :func:`terminate`, with the written reason.
    Raises Forbidden, ValidationFailed, Conflict (version; ``enrollment.closed`` when terminated)."""
    require(actor, Perm.DECIDE_APPLICATIONS)
    reason = _reason_required(reason)
    month = first_of_month(month, "month") if month else timezone.localdate().replace(day=1)
    with transaction.atomic():
        locked = _locked(enrollment, version)
        if locked.status == Enrollment.Status.TERMINATED:
            raise Conflict("enrollment.closed", _("该待遇已终止，不能复核"))
        if review_months is not None:
            if not 1 <= int(review_months) <= 36:
                raise ValidationFailed(_err("review_months", "review_months.invalid", _("复核周期应为 1–36 个月")))
            locked.review_months = int(review_months)
        amount, computation = compute(locked.program, locked.region_id, month, inputs, locked.person.birth_date)
        if amount <= 0:
            reasons = "；".join(computation["detail"].get("reasons", [])) or _("测算金额为 0")
            raise ValidationFailed(_err("inputs", "amount.zero", _(
                "复核测算不再符合享受条件（%(reasons)s）；如确认停发，请办理终止并书面告知理由") % {"reasons": reasons}))
        before = {"amount": str(locked.amount), "inputs": locked.inputs}
        locked.inputs, locked.amount, locked.computation = inputs, amount, computation
        locked.next_review_on = add_months(timezone.localdate(), locked.review_months)
        cleared = _clear_flag(locked)
        locked = _bump(locked, ["inputs", "amount", "computation", "review_months", "next_review_on", "flag",
                                "flag_note", "flagged_at"])
        _event(locked, "reviewed", actor, reason, {
            "amount_before": before["amount"], "amount_after": str(amount), "changed": before["amount"] != str(amount),
            "inputs_before": before["inputs"], "computation": computation, "flag_cleared": cleared,
            "next_review_on": locked.next_review_on.isoformat()})
        record(actor, "assistance.enrollment.review", locked, changes={
            "amount": [before["amount"], str(amount)], "next_review_on": [None, locked.next_review_on.isoformat()]},
            extra={"reason": reason})
    return locked


def suspend(actor: Actor, enrollment: Enrollment, reason: str, version=None) -> Enrollment:
    """Suspend an active enrollment (暂停: no payment while suspended). Reason required.
    Raises Forbidden, ValidationFailed ``reason.missing``, Conflict (version, ``enrollment.state``)."""
    return _change_status(actor, enrollment, reason, version, Enrollment.Status.ACTIVE, Enrollment.Status.SUSPENDED,
                          "suspended")


def resume(actor: Actor, enrollment: Enrollment, reason: str, version=None) -> Enrollment:
    """Resume a suspended enrollment (恢复). Reason required."""
    return _change_status(actor, enrollment, reason, version, Enrollment.Status.SUSPENDED, Enrollment.Status.ACTIVE,
                          "resumed")


def _change_status(actor, enrollment, reason, version, from_status, to_status, kind) -> Enrollment:
    require(actor, Perm.DECIDE_APPLICATIONS)
    reason = _reason_required(reason)
    with transaction.atomic():
        locked = _locked(enrollment, version)
        if locked.status != from_status:
            raise Conflict("enrollment.state", _("当前状态为“%(status)s”，不能执行此操作")
                           % {"status": locked.get_status_display()})
        locked.status = to_status
        locked = _bump(locked, ["status"])
        _event(locked, kind, actor, reason, {"from": from_status, "to": to_status})
        record(actor, f"assistance.enrollment.{kind}", locked, changes={"status": [from_status, to_status]},
               extra={"reason": reason})
    return locked


def stop_notice(enrollment: Enrollment, end_month: datetime.date, reason: str) -> str:
    """The written notice of a stop (停发书面告知), in Chinese."""
    stop = add_months(end_month, 1)
    with translation.override("zh-hans"):
        who = _("您家") if enrollment.household_id else _("您")
        return _("%(name)s：经审核，%(who)s享受的%(program)s自 %(year)s 年 %(month)s 月起停止发放（最后发放月份为 "
                 "%(last)s）。理由：%(reason)s。如有异议，可依法申请行政复议或提起行政诉讼。") % {
            "name": enrollment.person.name, "who": who, "program": enrollment.program.name, "year": stop.year,
            "month": stop.month, "last": end_month.strftime("%Y-%m"), "reason": reason}


def terminate(actor: Actor, enrollment: Enrollment, reason: str, version=None, *, end_month=None) -> Enrollment:
    """Terminate (终止): ``end_month`` is the last month paid (first of month; default the
    current month; not before the month before the start). Stores the reason and the
    written notice (event ``terminated``, ``data.notice``), clears a registry flag (this
    is the action taken). Raises Forbidden, ValidationFailed (``reason.missing``,
    ``end_month.*``), Conflict (version, ``enrollment.closed``)."""
    require(actor, Perm.DECIDE_APPLICATIONS)
    reason = _reason_required(reason)
    end = first_of_month(end_month, "end_month") if end_month else timezone.localdate().replace(day=1)
    with transaction.atomic():
        locked = _locked(enrollment, version)
        if locked.status == Enrollment.Status.TERMINATED:
            raise Conflict("enrollment.closed", _("该待遇已终止"))
        if end < add_months(locked.start_month, -1):
            raise ValidationFailed(_err("end_month", "end_month.before_start", _(
                "最后发放月份 %(end)s 早于起始月份 %(start)s 的上一个月") % {
                "end": end.strftime("%Y-%m"), "start": locked.start_month.strftime("%Y-%m")}))
        before = locked.status
        notice = stop_notice(locked, end, reason)
        locked.status, locked.end_month = Enrollment.Status.TERMINATED, end
        cleared = _clear_flag(locked)
        locked = _bump(locked, ["status", "end_month", "flag", "flag_note", "flagged_at"])
        _event(locked, "terminated", actor, reason, {"from": before, "end_month": end.isoformat(), "notice": notice,
                                                     "flag_cleared": cleared})
        record(actor, "assistance.enrollment.terminate", locked, changes={
            "status": [before, "terminated"], "end_month": [None, end.isoformat()]}, extra={"reason": reason})
    return locked


def clear_flag(actor: Actor, enrollment: Enrollment, note: str, version=None) -> Enrollment:
    """Clear a registry flag without terminating or reviewing (e.g. the record was wrong,
    or the household stays eligible after a member moved out). Note required."""
    require(actor, Perm.DECIDE_APPLICATIONS)
    note = _reason_required(note, "note")
    with transaction.atomic():
        locked = _locked(enrollment, version)
        if not locked.flag:
            raise Conflict("enrollment.not_flagged", _("该享受对象没有待处理事项"))
        cleared = _clear_flag(locked)
        locked = _bump(locked, ["flag", "flag_note", "flagged_at"])
        _event(locked, "flag_cleared", actor, note, cleared)
        record(actor, "assistance.enrollment.clear_flag", locked, changes={"flag": [cleared["flag"], ""]},
               extra={"note": note})
    return locked


def flag_for_life_status(actor: Actor, person, status: str, on: datetime.date | None) -> int:
    """Flag the open enrollments of ``person`` when the registry marks them deceased or
    moved out: as beneficiary/payee (flag ``deceased`` / ``moved_out``) and as a member of
    an enrolled household (``member_deceased`` / ``member_moved_out``). Sets flag,
    flag_note (Chinese, naming the person and the date), flagged_at, writes a ``flagged``
    event and an audit entry per enrollment, in the caller's transaction. Returns how
    many were flagged. No permission check: it is the consequence of a registry change
    the caller was allowed to make."""
    if status not in ("deceased", "moved_out"):
        return 0
    q = Q(person_id=person.pk)
    if person.household_id:
        q |= Q(household_id=person.household_id)
    now = timezone.now()
    items = []
    with transaction.atomic(), translation.override("zh-hans"):
        for e in (Enrollment.objects.select_for_update().select_related("program")
                  .filter(q, status__in=OPEN).order_by("pk")):
            own = e.person_id == person.pk
            flag = status if own else f"member_{status}"
            when = on.isoformat() if on else ""
            what = _("已故") if status == "deceased" else _("已迁出")
            if own:
                note = _("享受对象 %(name)s %(what)s（%(on)s），请核实后终止待遇或变更") % {
                    "name": person.name, "what": what, "on": when}
            else:
                note = _("家庭成员 %(name)s %(what)s（%(on)s），请复核保障人数和金额") % {
                    "name": person.name, "what": what, "on": when}
            e.flag, e.flag_note, e.flagged_at = flag, note[:200], now
            e.version = F("version") + 1
            e.save(update_fields=["flag", "flag_note", "flagged_at", "version", "updated_at"])
            _event(e, "flagged", actor, note, {"flag": flag, "person": person.pk, "life_status": status,
                                               "on": when}, at=now)
            items.append({"action": "assistance.enrollment.flag", "object_type": "assistance.enrollment",
                          "object_id": e.pk, "object_repr": str(e), "region_code": e.region_id,
                          "changes": {"flag": ["", flag]}, "extra": {"person": person.pk, "life_status": status}})
        record_many(actor, items)
    return len(items)


def on_life_status_changed(sender, *, actor, person, status, on=None, **kwargs) -> None:
    """Receiver of :data:`jiayuan.people.signals.life_status_changed`."""
    flag_for_life_status(actor, person, status, on)
