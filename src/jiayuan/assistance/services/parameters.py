"""Program parameters (standards, amounts, age bands …) with effective dates.

    set_parameters(actor, program, region, effective_from, values, policy="", note="")
        -> (ProgramParameter, created)

Who: a role with ``manage_programs`` — the city administrator for the city and its
counties, a county officer for their own county (the region must lie in the actor's
scope). Where: a prefecture (city) or a county region; a county's row overrides the
city's in its subtree (resolution: :mod:`jiayuan.assistance.selectors.parameters`).
When: ``effective_from`` is the first day of a month; each effective date is a new row,
so the history stays. A row not yet used by any payment line may be corrected in place
(audited with before/after); a row already used by a payment line is never changed
(409): the correction is a new row from a later month.
"""

from __future__ import annotations

import datetime

from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from ...accounts.permissions import Perm
from ...audit.services import Actor, model_changes, record
from ...errors import Conflict, Forbidden, ValidationFailed
from ...regions.models import Region
from ...regions.selectors import get_region
from .. import rules
from ..models import PaymentLine, Program, ProgramParameter

PARAMETER_LEVELS = (Region.Level.PROVINCE, Region.Level.PREFECTURE, Region.Level.COUNTY)


def _err(field: str, code: str, message: str) -> dict:
    return {field: [{"code": code, "message": message}]}


def require(actor: Actor, perm: Perm) -> None:
    """Raise Forbidden unless the acting user's role grants ``perm``."""
    if actor.user is None or not actor.user.can(perm):
        raise Forbidden("permission_denied", _("您的角色无权执行此操作"))


def resolve_program(program) -> Program:
    """A Program from an instance or a code; ValidationFailed ``program.unknown``."""
    if isinstance(program, Program):
        return program
    found = Program.objects.filter(code=str(program or "")).first()
    if found is None:
        raise ValidationFailed(_err("program", "program.unknown", _("救助项目“%(code)s”不存在") % {"code": program}))
    return found


def _resolve_region(actor: Actor, region) -> Region:
    code = region.code if isinstance(region, Region) else str(region or "")
    if not code:
        raise ValidationFailed(_err("region", "region.missing", _("请选择适用区划（市或县区）")))
    try:
        found = get_region(actor.user, code)
    except Http404:
        raise ValidationFailed(_err("region", "region.out_of_scope",
                                    _("区划 %(code)s 不存在或不在您的管辖范围内") % {"code": code})) from None
    if found.level not in PARAMETER_LEVELS:
        raise ValidationFailed(_err("region", "region.level", _(
            "参数只能按市或县（区）设定，%(name)s 是%(level)s") % {"name": found.name, "level": found.get_level_display()}))
    return found


def _first_of_month(value) -> datetime.date:
    if isinstance(value, str):
        value = parse_date(value.strip()) if value.strip() else None
    if not isinstance(value, datetime.date) or isinstance(value, datetime.datetime):
        raise ValidationFailed(_err("effective_from", "effective_from.missing", _("请填写生效月份（某月1日）")))
    if value.day != 1:
        raise ValidationFailed(_err("effective_from", "effective_from.not_first", _(
            "生效月份须为某月1日（填写的是 %(date)s）") % {"date": value.isoformat()}))
    return value


def validation_error(errors: dict[str, tuple[str, str]]) -> ValidationFailed:
    """ValidationFailed from rules.validate_parameters' errors ({key: (code, message)})."""
    return ValidationFailed({key: [{"code": code, "message": message}] for key, (code, message) in errors.items()})


def parameter_used(row: ProgramParameter) -> bool:
    """Whether a payment line (of any status: history counts) was computed with ``row``."""
    return PaymentLine.objects.filter(parameter=row).exists()


def set_parameters(actor: Actor, program, region, effective_from, values, policy: str = "",
                   note: str = "") -> tuple[ProgramParameter, bool]:
    """Enter the parameters of ``program`` (instance or code) for ``region`` (Region or
    code: the city or a county in the actor's scope) from ``effective_from`` (a first of
    month, date or ``YYYY-MM-DD``). ``values`` are checked and normalised by
    :func:`jiayuan.assistance.rules.validate_parameters`.

    Returns ``(row, created)``: a new row, or the existing row of the same program,
    region and date corrected in place. Raises Forbidden (role), ValidationFailed (422:
    ``program.unknown``, ``region.*``, ``effective_from.*``, ``<key>.<problem>`` per
    parameter), Conflict (409 ``parameter.used`` when the row of that date was already
    used by a payment line, ``parameter.conflict`` when someone saved it at the same
    moment). Audited (``assistance.parameter.create`` / ``.correct`` with before/after).
    """
    require(actor, Perm.MANAGE_PROGRAMS)
    errors: dict = {}
    prog = reg = month = None
    for step in ("program", "region", "month"):
        try:
            if step == "program":
                prog = resolve_program(program)
            elif step == "region":
                reg = _resolve_region(actor, region)
            else:
                month = _first_of_month(effective_from)
        except ValidationFailed as exc:
            errors.update(exc.fields)
    clean = {}
    if prog is not None:
        clean, value_errors = rules.validate_parameters(prog.code, values)
        errors.update(validation_error(value_errors).fields if value_errors else {})
    if errors:
        raise ValidationFailed(errors)
    policy = (policy or "").strip()[:200]
    note = (note or "").strip()[:200]
    try:
        with transaction.atomic():
            row = (ProgramParameter.objects.select_for_update()
                   .filter(program=prog, region=reg, effective_from=month).first())
            if row is None:
                row = ProgramParameter.objects.create(program=prog, region=reg, effective_from=month, values=clean,
                                                      policy=policy, note=note, created_by=actor.user)
                record(actor, "assistance.parameter.create", row, changes=model_changes(
                    {}, {"values": clean, "policy": policy, "note": note, "effective_from": month.isoformat()}),
                    extra={"program": prog.code})
                return row, True
            if parameter_used(row):
                raise Conflict("parameter.used", _(
                    "%(region)s %(month)s 起的%(program)s参数已用于发放，不能修改；请录入以后月份生效的新参数")
                    % {"region": reg.name, "month": month.strftime("%Y-%m"), "program": prog.name})
            before = {"values": row.values, "policy": row.policy, "note": row.note}
            after = {"values": clean, "policy": policy, "note": note}
            changes = model_changes(before, after)
            if changes:
                row.values, row.policy, row.note = clean, policy, note
                row.save(update_fields=["values", "policy", "note"])
                record(actor, "assistance.parameter.correct", row, changes=changes, extra={"program": prog.code})
            return row, False
    except IntegrityError:
        raise Conflict("parameter.conflict", _("同一项目、区划和生效月份的参数刚被他人录入，请刷新后查看")) from None
