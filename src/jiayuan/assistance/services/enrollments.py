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
Likewise :data:`jiayuan.disability.signals.certificate_changed` (a certificate
recorded, replaced, revoked, or its care need changed) flags the person's open 两项补贴
enrollments (:func:`flag_for_certificate`), and :data:`jiayuan.people.signals.person_moved`
moves the enrollments' region with the person inside the county, or flags them
``moved_county`` when the person moved to another county (:func:`follow_moves`).

Inputs: :func:`prepare_inputs` checks them against ``rules.INPUT_SCHEMAS`` and replaces
the facts the registry holds (certificate, 低保 household, 特困 support, registration)
by the registry's.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from ... import security
from ...accounts.permissions import Perm
from ...audit.services import Actor, record, record_many
from ...errors import Conflict, ValidationFailed, field_error
from ...regions.models import Region
from .. import rules
from ..models import Enrollment, EnrollmentEvent, Program
from ..selectors.parameters import parameter_in_force
from .accounts import clean_account, mask
from .parameters import REASON_MAX, check_month, clean_text, require, resolve_program

FLAG_LABELS = {
    "deceased": _lazy("本人已故"),
    "moved_out": _lazy("本人已迁出"),
    "member_deceased": _lazy("家庭成员已故"),
    "member_moved_out": _lazy("家庭成员已迁出"),
    "certificate_changed": _lazy("残疾人证变更"),
    "certificate_revoked": _lazy("残疾人证已注销"),
    "moved_county": _lazy("已迁至其他县区"),
    "capacity_changed": _lazy("能力等级变更"),
}
# Flags about the beneficiary's own life status: a later, lesser flag does not hide them.
LIFE_FLAGS = ("deceased", "moved_out")
OPEN = (Enrollment.Status.ACTIVE, Enrollment.Status.SUSPENDED)
DISABILITY_PROGRAMS = ("disability_living_allowance", "disability_care_allowance")
MONTH_LABELS = {"start_month": _lazy("起始月份"), "end_month": _lazy("最后发放月份"), "month": _lazy("测算月份")}


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
    """A first-of-month date from a date or ``YYYY-MM-DD``/``YYYY-MM`` within 2000-01 …
    today + 24 months (:func:`.parameters.check_month`); else 422 ``<field>.missing`` /
    ``.not_first`` / ``.out_of_range``."""
    return check_month(value, field, str(MONTH_LABELS.get(field, _("月份"))))


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
    """The reason (or note) as stored: control characters removed, required, at most
    500 characters (422 ``<field>.missing`` / ``.too_long``; never cut)."""
    return clean_text(reason, field, _("说明") if field == "note" else _("理由"), REASON_MAX, required=True)


def _inputs_error(errors: list[tuple[str, str, str]]) -> ValidationFailed:
    """422 from rules.validate_inputs' errors, all on the field ``inputs``; the top-level
    code is the errors' code when they share one (``inputs.unknown`` …)."""
    exc = ValidationFailed({"inputs": [{"code": code, "message": msg} for _key, code, msg in errors]})
    codes = {code for _key, code, _msg in errors}
    if len(codes) == 1:
        exc.code = codes.pop()
    return exc


def registry_facts(program: Program, person, month: datetime.date) -> dict:
    """The facts of ``person`` the registry holds for ``program`` in ``month``, which
    override whatever the caller gave:

    - 两项补贴: the valid certificate on the month's last day
      (:func:`jiayuan.disability.selectors.certificate_facts`): ``certificate_valid``,
      ``disability_type``, ``grade``, ``long_term_care_need``; ``extreme_poverty`` is true
      when the person has an open 特困 enrollment (a declared true stays true);
    - 高龄津贴: ``registered`` = the person's residence status is 户籍人口;
    - 养老服务补贴: ``capacity_level`` = the level of the person's latest capacity
      assessment (GB/T 42195-2022) on or before the month's last day
      (:func:`jiayuan.eldercare.selectors.capacity_facts`); ``None`` when never assessed
      (a level typed by the caller is not taken);
    - children's allowances: ``category_confirmed`` = the child's open file confirms the
      category (:func:`jiayuan.children.selectors.allowance_facts`).

    Declared (not in the registry, kept as given): 低保 incomes, assets and member counts;
    特困 ``no_work_capacity``, ``no_income_source``, ``no_supporter``, ``self_care``,
    ``disabled``, ``setting``; 两项补贴 ``work_injury_care``, ``overlapping``,
    ``household_status`` other than 低保 (low-income is not recorded; 低保 is checked by
    :func:`prepare_inputs`); 养老服务补贴 ``economic_status``, ``overlapping``. Raises ValidationFailed ``certificate.missing`` (两项补贴 without a
    valid certificate)."""
    code = program.code
    if code in DISABILITY_PROGRAMS:
        from ...disability.rules import describe
        from ...disability.selectors import certificate_facts

        facts = certificate_facts([person.pk], on=rules.last_day_of_month(month)).get(person.pk)
        if facts is None:
            raise ValidationFailed(field_error("inputs", "certificate.missing", _(
                "%(name)s 在 %(month)s 没有有效的第二代残疾人证，不能纳入%(program)s；请先登记残疾人证")
                % {"name": person.name, "month": rules.ym(month), "program": program.name}))
        in_support = Enrollment.objects.filter(program_id="extreme_poverty_support", person_id=person.pk,
                                               status__in=OPEN).exists()
        out = {"certificate_valid": True, "disability_type": facts["disability_type"], "grade": facts["grade"],
               "long_term_care_need": bool(facts["long_term_care_need"])}
        if in_support:
            out["extreme_poverty"] = True
        out["_certificate"] = describe(facts["disability_type"], facts["grade"])
        return out
    if code == "elderly_allowance":
        return {"registered": person.residence_status == "registered"}
    if code in ("orphan_allowance", "de_facto_unsupported_allowance"):
        from ...children.selectors import allowance_facts

        return allowance_facts(person, code)
    if code == "elderly_care_allowance":
        from ...eldercare.selectors import capacity_facts

        facts = capacity_facts([person.pk], on=rules.last_day_of_month(month)).get(person.pk)
        return {"capacity_level": facts["capacity_level"] if facts else None}
    return {}


def prepare_inputs(program: Program, person, inputs, month: datetime.date) -> dict:
    """``inputs`` checked against ``rules.INPUT_SCHEMAS`` (422 ``inputs.unknown``,
    ``inputs.incomplete``, ``inputs.invalid``, Chinese messages naming the key),
    normalised, with the registry's facts (:func:`registry_facts`) in place of the given
    ones. ``household_status`` ``subsistence`` for the living allowance needs an open 低保
    enrollment of the person's household (422 ``household.not_subsistence``). Returns the
    inputs to store."""
    clean, errors = rules.validate_inputs(program.code, inputs)
    if errors:
        raise _inputs_error(errors)
    facts = registry_facts(program, person, month)
    facts.pop("_certificate", None)
    clean.update(facts)
    if "capacity_level" in clean and clean["capacity_level"] is None:
        del clean["capacity_level"]  # never assessed: no capacity category (a typed level is not taken)
    if program.code == "disability_living_allowance" and clean.get("household_status") == "subsistence":
        hh = getattr(person, "household_id", None)
        if not hh or not Enrollment.objects.filter(program_id="subsistence_allowance", household_id=hh,
                                                   status__in=OPEN).exists():
            raise ValidationFailed(field_error("inputs", "household.not_subsistence", _(
                "%(name)s 所在家庭没有正在享受的最低生活保障（低保），不能按“低保家庭”（household_status: "
                "subsistence）纳入%(program)s；低保边缘家庭请填 low_income") % {
                "name": person.name, "program": program.name}))
    return clean


def _failed_conditions(program: Program, region_code: str, month: datetime.date, inputs: dict,
                       birth_date: datetime.date | None) -> list[str]:
    """The messages of the conditions that fail (rules.eligibility), for a refusal that
    names why: 家庭人均月收入 735.00 元不低于当地标准 735.00 元 …"""
    row = parameter_in_force(program.code, region_code, month)
    if row is None:
        return []
    try:
        result = rules.eligibility(program.code, inputs, row.values, month, birth_date=birth_date)
    except (KeyError, TypeError, ValueError, ArithmeticError):
        return []
    return [r.message for r in result.failed]


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
        raise ValidationFailed(field_error("program", "parameters.missing", _(
            "%(region)s %(month)s 尚无%(program)s的参数（标准），请先由市或县区录入") % {
            "region": region_code, "month": rules.ym(month), "program": program.name}))
    if not isinstance(inputs, dict):
        raise ValidationFailed(field_error("inputs", "inputs.invalid", _("测算依据应为对象")))
    try:
        result = rules.compute_amount(program.code, inputs, row.values, month, birth_date=birth_date)
    except KeyError as exc:
        raise ValidationFailed(field_error("inputs", "inputs.incomplete", _("测算缺少“%(key)s”，请补充后重试")
                                    % {"key": str(exc.args[0]) if exc.args else ""})) from None
    except (TypeError, ValueError, ArithmeticError):
        # The inputs were checked (prepare_inputs); what is left is a value the rule cannot
        # use. Python's own (English) text is not shown.
        raise ValidationFailed(field_error("inputs", "inputs.invalid", _(
            "测算依据中有无法用于测算的数值，请检查金额、人数、类别和等级"))) from None
    return result.amount, {"rule": result.rule, "amount": str(result.amount), "detail": result.detail,
                           "parameter": row.pk, "parameter_region": row.region_id,
                           "parameter_from": row.effective_from.isoformat(), "month": month.isoformat()}


def _review_months(value) -> int:
    """The review period in months, 1–36 (12 yearly, 6 half-yearly); ValidationFailed
    ``review_months.invalid`` otherwise."""
    try:
        months = int(value)
    except (TypeError, ValueError):
        months = 0
    if not 1 <= months <= 36:
        raise ValidationFailed(field_error("review_months", "review_months.invalid", _("复核周期应为 1–36 个月")))
    return months


def enroll(actor: Actor, *, program, person, household=None, region, start_month, inputs, application=None,
           review_months: int = 12, payee_account: str = "", reason: str = "") -> Enrollment:
    """Enroll ``person`` (the beneficiary, or the payee of ``household`` for a household
    program) in ``program`` (instance or code) from ``start_month`` (first of month),
    living in ``region`` (Region or code in the actor's scope, county level or below).

    The amount is computed with the parameters in force in ``region`` for
    ``start_month`` (:func:`compute`); ``next_review_on`` = start month +
    ``review_months`` (1–36; 12 yearly, 6 half-yearly). ``payee_account`` (12–30 digits) is stored encrypted whole and
    masked (last four). Returns the new Enrollment; writes an ``enrolled`` event and the
    audit entry ``assistance.enrollment.create``.

    ``inputs`` are checked and completed from the registry by :func:`prepare_inputs`
    (schema ``rules.INPUT_SCHEMAS``; certificate facts, 低保 household, 特困 support and
    registration from the registry). ``start_month`` within 2000-01 … today + 24 months;
    ``reason`` at most 500 characters (control characters removed).

    Raises Forbidden (role), ValidationFailed (``program.not_monthly``,
    ``household.required``, ``region.*``, ``start_month.*``, ``review_months.invalid``,
    ``reason.too_long``, ``parameters.missing``, ``inputs.unknown|incomplete|invalid``,
    ``certificate.missing``, ``household.not_subsistence``, ``amount.zero`` when the rule
    gives nothing),
    Conflict (409 ``enrollment.duplicate``: already an open enrollment of this person or
    household in this program).
    """
    require(actor, Perm.DECIDE_APPLICATIONS)
    prog = resolve_program(program)
    if not prog.monthly:
        raise ValidationFailed(field_error("program", "program.not_monthly", _(
            "%(program)s为一次性救助，不建立按月发放的享受对象") % {"program": prog.name}))
    if prog.unit == Program.Unit.HOUSEHOLD and household is None:
        raise ValidationFailed(field_error("household", "household.required", _("%(program)s以户为单位，请指定家庭")
                                    % {"program": prog.name}))
    code = region.code if isinstance(region, Region) else str(region or "")
    reg = Region.objects.filter(code=code).first()
    scope = actor.user.scope_code
    if reg is None or not reg.code.startswith(scope):
        raise ValidationFailed(field_error("region", "region.out_of_scope", _("区划 %(code)s 不存在或不在您的管辖范围内")
                                    % {"code": code}))
    if len(reg.code) < 6:
        raise ValidationFailed(field_error("region", "region.level", _("享受对象的所属区划应为县（区）或以下")))
    month = first_of_month(start_month, "start_month")
    review_months = _review_months(review_months)
    reason = clean_text(reason or "", "reason", _("理由"), REASON_MAX)
    if person.life_status != person.LifeStatus.ALIVE:
        raise ValidationFailed(field_error("person", "person.not_alive", _("%(name)s在居民档案中为“%(status)s”，不能纳入享受对象")
                                    % {"name": person.name, "status": person.get_life_status_display()}))
    inputs = prepare_inputs(prog, person, inputs, month)
    amount, computation = compute(prog, reg.code, month, inputs, person.birth_date)
    if amount <= 0:
        reasons = "；".join(computation["detail"].get("reasons", []) or _failed_conditions(
            prog, reg.code, month, inputs, person.birth_date)) or _("测算金额为 0")
        raise ValidationFailed(field_error("inputs", "amount.zero", _("按 %(month)s 的参数测算，不符合享受条件：%(reasons)s")
                                    % {"month": rules.ym(month), "reasons": reasons}))
    account = ""
    if str(payee_account or "").strip():
        account = clean_account(payee_account)  # 12–30 digits, else 422 account.invalid
    enrollment = Enrollment(program=prog, person=person, household=household, region=reg, application=application,
                            start_month=month, inputs=inputs, amount=amount, computation=computation,
                            review_months=review_months, next_review_on=add_months(month, review_months),
                            payee_account=mask(account),
                            payee_account_cipher=security.encrypt(account) if account else b"")
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
    ``inputs`` are checked and completed from the registry like :func:`enroll`'s
    (:func:`prepare_inputs`: a revoked certificate is 422 ``certificate.missing`` —
    terminate instead). Raises Forbidden, ValidationFailed, Conflict (version;
    ``enrollment.closed`` when terminated)."""
    require(actor, Perm.DECIDE_APPLICATIONS)
    reason = _reason_required(reason)
    month = first_of_month(month, "month") if month else timezone.localdate().replace(day=1)
    with transaction.atomic():
        locked = _locked(enrollment, version)
        if locked.status == Enrollment.Status.TERMINATED:
            raise Conflict("enrollment.closed", _("该待遇已终止，不能复核"))
        if review_months is not None:
            locked.review_months = _review_months(review_months)
        inputs = prepare_inputs(locked.program, locked.person, inputs, month)
        amount, computation = compute(locked.program, locked.region_id, month, inputs, locked.person.birth_date)
        if amount <= 0:
            reasons = "；".join(computation["detail"].get("reasons", [])) or _("测算金额为 0")
            raise ValidationFailed(field_error("inputs", "amount.zero", _(
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
            "month": stop.month, "last": rules.ym(end_month), "reason": reason}


def terminate(actor: Actor, enrollment: Enrollment, reason: str, version=None, *, end_month=None) -> Enrollment:
    """Terminate (终止): ``end_month`` is the last month paid (first of month; default the
    current month; not before the month before the start; within 2000-01 … today + 24
    months). ``reason``: required, at most 500 characters, control characters removed. Stores the reason and the
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
            raise ValidationFailed(field_error("end_month", "end_month.before_start", _(
                "最后发放月份 %(end)s 早于起始月份 %(start)s 的上一个月") % {
                "end": rules.ym(end), "start": rules.ym(locked.start_month)}))
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


def _registry_still_says(locked: Enrollment) -> str:
    """Why the flag of ``locked`` cannot be cleared while the registry still says what
    raised it (Chinese), or "". The beneficiary or payee recorded deceased or moved out
    (whatever the flag); for ``moved_county`` the person still living in another county;
    for ``certificate_revoked`` no valid certificate. A member's death or move
    (``member_*``) may be cleared: the household may stay eligible."""
    person = locked.person
    if person.life_status != "alive":
        return _("人口登记中 %(name)s 仍为“%(status)s”（%(on)s）：不能解除标记。请终止待遇；如登记有误，"
                 "请先在人口登记中更正") % {"name": person.name, "status": person.get_life_status_display(),
                                    "on": person.life_status_date.isoformat() if person.life_status_date else ""}
    if locked.flag == "moved_county" and person.region_id[:6] != locked.region_id[:6]:
        return _("人口登记中 %(name)s 现居 %(region)s，属其他县区：不能解除标记。请由本县区终止待遇、迁入地县区重新纳入；"
                 "如登记有误，请先在人口登记中更正") % {"name": person.name, "region": person.region_id}
    if locked.flag == "certificate_revoked" and locked.program_id in DISABILITY_PROGRAMS:
        from ...disability.selectors import certificate_facts

        if not certificate_facts([person.pk]):
            return _("%(name)s 没有有效的残疾人证：不能解除标记。请终止待遇；如注销有误，请先重新登记残疾人证") % {
                "name": person.name}
    return ""


def clear_flag(actor: Actor, enrollment: Enrollment, note: str, version=None) -> Enrollment:
    """Clear a registry flag without terminating or reviewing (e.g. the record was wrong
    and has been corrected, or the household stays eligible after a member moved out).
    Note required (≤ 500 characters). Refused (409 ``flag.registry_unchanged``) while the
    registry still says what raised the flag (:func:`_registry_still_says`): the
    beneficiary still recorded deceased or moved out, still living in another county,
    or still without a valid certificate — terminate, or correct the registry first.
    Raises Forbidden, ValidationFailed (``note.*``), Conflict (version,
    ``enrollment.not_flagged``, ``flag.registry_unchanged``)."""
    require(actor, Perm.DECIDE_APPLICATIONS)
    note = _reason_required(note, "note")
    with transaction.atomic():
        locked = _locked(enrollment, version)
        if not locked.flag:
            raise Conflict("enrollment.not_flagged", _("该享受对象没有待处理事项"))
        why = _registry_still_says(locked)
        if why:
            raise Conflict("flag.registry_unchanged", why)
        cleared = _clear_flag(locked)
        locked = _bump(locked, ["flag", "flag_note", "flagged_at"])
        _event(locked, "flag_cleared", actor, note, cleared)
        record(actor, "assistance.enrollment.clear_flag", locked, changes={"flag": [cleared["flag"], ""]},
               extra={"note": note})
    return locked


def _raise_flag(actor: Actor, e: Enrollment, flag: str, note: str, data: dict, now, items: list) -> None:
    """Set ``flag`` on the open enrollment ``e`` (locked by the caller) with its Chinese
    ``note``, write the ``flagged`` event and queue the audit item. A beneficiary's own
    death or moving out (LIFE_FLAGS) is not replaced by a lesser flag: the event is
    written, the flag stays."""
    keep = e.flag in LIFE_FLAGS and flag not in LIFE_FLAGS
    before = e.flag
    if not keep:
        e.flag, e.flag_note, e.flagged_at = flag, note[:200], now
    e.version = F("version") + 1
    e.save(update_fields=["flag", "flag_note", "flagged_at", "version", "updated_at"])
    _event(e, "flagged", actor, note, {**data, "flag": flag, "flag_kept": e.flag if keep else ""}, at=now)
    items.append({"action": "assistance.enrollment.flag", "object_type": "assistance.enrollment",
                  "object_id": e.pk, "object_repr": str(e), "region_code": e.region_id,
                  "changes": {"flag": [before, e.flag]}, "extra": {**data, "flag": flag}})


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
    items: list = []
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
            _raise_flag(actor, e, flag, note, {"person": person.pk, "life_status": status, "on": when}, now, items)
        record_many(actor, items)
    return len(items)


def on_life_status_changed(sender, *, actor, person, status, on=None, **kwargs) -> None:
    """Receiver of :data:`jiayuan.people.signals.life_status_changed`."""
    flag_for_life_status(actor, person, status, on)


def _describe_facts(facts: dict | None) -> str:
    from ...disability.rules import describe

    if not facts:
        return _("无有效证")
    need = _("有") if facts.get("long_term_care_need") else _("无")
    return _("%(desc)s，长期照护需求：%(need)s") % {"desc": describe(facts["disability_type"], facts["grade"]),
                                                "need": need}


def flag_for_certificate(actor: Actor, person, before: dict | None, after: dict | None, status: str) -> int:
    """Flag the open 两项补贴 enrollments of ``person`` when their disability certificate
    changes (:data:`jiayuan.disability.signals.certificate_changed`): ``before`` /
    ``after`` the facts of the valid certificate (``disability_type``, ``grade``,
    ``long_term_care_need``; None = no valid certificate), ``status`` what happened
    (``recorded``, ``replaced``, ``revoked``, ``care_need``). No valid certificate
    after → flag ``certificate_revoked``; other facts → ``certificate_changed``; the same
    facts (a new certificate of the same type and grade) → nothing. The note names the
    change (``肢体残疾二级，长期照护需求：有 → 肢体残疾一级…``); a ``flagged`` event and an
    audit entry per enrollment, in the caller's transaction. The inputs are not changed:
    the county reviews (the review takes the new facts) or terminates. Returns the count.
    Source: 国发〔2015〕52号 (两项补贴 follow the certificate's type, grade and care need)."""
    keys = ("disability_type", "grade", "long_term_care_need")
    pick = (lambda f: {k: f.get(k) for k in keys} if f else None)
    old, new = pick(before), pick(after)
    if old == new:
        return 0
    flag = "certificate_revoked" if new is None else "certificate_changed"
    now = timezone.now()
    items: list = []
    with transaction.atomic(), translation.override("zh-hans"):
        change = f"{_describe_facts(old)} → {_describe_facts(new)}"
        for e in (Enrollment.objects.select_for_update().select_related("program")
                  .filter(person_id=person.pk, program_id__in=DISABILITY_PROGRAMS, status__in=OPEN).order_by("pk")):
            if new is None:
                note = _("%(name)s 的残疾人证已注销（%(change)s），请核实后终止%(program)s") % {
                    "name": person.name, "change": change, "program": e.program.name}
            else:
                note = _("%(name)s 的残疾人证变更：%(change)s，请复核%(program)s") % {
                    "name": person.name, "change": change, "program": e.program.name}
            _raise_flag(actor, e, flag, note, {"person": person.pk, "certificate": status, "before": old,
                                               "after": new}, now, items)
        record_many(actor, items)
    return len(items)


def on_certificate_changed(sender, *, actor, person, before=None, after=None, status="", **kwargs) -> None:
    """Receiver of :data:`jiayuan.disability.signals.certificate_changed`."""
    flag_for_certificate(actor, person, before, after, status)


def flag_for_capacity(actor: Actor, person, before: str | None, after: str | None) -> int:
    """Flag the open 养老服务补贴 enrollments of ``person`` when the level of their latest
    capacity assessment changes (:data:`jiayuan.eldercare.signals.capacity_assessed`):
    flag ``capacity_changed``, the note naming the change (``轻度失能 → 中度失能``); a
    ``flagged`` event and an audit entry per enrollment, in the caller's transaction. The
    same level → nothing. The inputs are not changed: the county reviews (the review
    takes the new level from the registry) or terminates. Returns the count. Source:
    财社〔2014〕113号 (the subsidy for the disabled and semi-disabled elderly follows the
    assessed level)."""
    from ...eldercare.rules import LEVEL_NAMES

    if before == after:
        return 0
    now = timezone.now()
    items: list = []
    with transaction.atomic(), translation.override("zh-hans"):
        change = f"{_(LEVEL_NAMES[before]) if before else _('未评估')} → {_(LEVEL_NAMES[after]) if after else _('未评估')}"
        for e in (Enrollment.objects.select_for_update().select_related("program")
                  .filter(person_id=person.pk, program_id="elderly_care_allowance", status__in=OPEN).order_by("pk")):
            note = _("%(name)s 的能力评估等级变更：%(change)s，请复核%(program)s") % {
                "name": person.name, "change": change, "program": e.program.name}
            _raise_flag(actor, e, "capacity_changed", note, {"person": person.pk, "before": before, "after": after},
                        now, items)
        record_many(actor, items)
    return len(items)


def on_capacity_assessed(sender, *, actor, person, before=None, after=None, **kwargs) -> None:
    """Receiver of :data:`jiayuan.eldercare.signals.capacity_assessed`."""
    flag_for_capacity(actor, person, before, after)


def follow_moves(actor: Actor, moves) -> int:
    """The registry moved persons (:data:`jiayuan.people.signals.person_moved`):
    ``moves`` = ``[(person_id, old region code, new region code), …]``. For each open
    enrollment of which the person is the beneficiary or payee:

    - new region in the same county as the enrollment's region (first six digits): the
      enrollment's region follows (``moved`` event with from/to, audit
      ``assistance.enrollment.move``, version + 1) — batches read the region when they
      are generated;
    - another county: flag ``moved_county`` (note naming the new region); the region
      stays, so the old county still sees it, terminates it (last month it pays), and
      the new county enrolls the person anew (one open enrollment per program and
      person: the new enrollment is possible once the old one is terminated).

    In the caller's transaction; no permission check (consequence of the registry
    change). Returns the number of enrollments changed or flagged."""
    targets = {pid: new for pid, old, new in moves if new and old != new}
    if not targets:
        return 0
    now = timezone.now()
    items: list = []
    names = dict(Region.objects.filter(code__in=set(targets.values())).values_list("code", "name"))
    with transaction.atomic(), translation.override("zh-hans"):
        for e in (Enrollment.objects.select_for_update().select_related("program", "person")
                  .filter(person_id__in=list(targets), status__in=OPEN).order_by("pk")):
            new = targets[e.person_id]
            if e.region_id == new:
                continue
            where = f"{names.get(new, '')}（{new}）"
            if new[:6] == e.region_id[:6]:
                old = e.region_id
                Enrollment.objects.filter(pk=e.pk).update(region_id=new, version=F("version") + 1,
                                                          updated_at=now)
                note = _("享受对象 %(name)s 在本县区内迁居至 %(where)s，所属区划随之变更") % {
                    "name": e.person.name, "where": where}
                _event(e, "moved", actor, note, {"from": old, "to": new}, at=now)
                items.append({"action": "assistance.enrollment.move", "object_type": "assistance.enrollment",
                              "object_id": e.pk, "object_repr": str(e), "region_code": new,
                              "changes": {"region": [old, new]}, "extra": {"person": e.person_id}})
            elif e.flag != "moved_county":
                note = _("享受对象 %(name)s 已迁至其他县区 %(where)s：请本县区终止待遇，由迁入地县区重新纳入") % {
                    "name": e.person.name, "where": where}
                _raise_flag(actor, e, "moved_county", note, {"person": e.person_id, "from": e.region_id,
                                                             "to": new}, now, items)
        record_many(actor, items)
    return len(items)


def on_person_moved(sender, *, actor, moves, **kwargs) -> None:
    """Receiver of :data:`jiayuan.people.signals.person_moved`."""
    follow_moves(actor, moves)
