"""Program parameters (standards, amounts, age bands …) with effective dates.

    set_parameters(actor, program, region, effective_from, values, policy="", note="")
        -> (ProgramParameter, created)

Who: a role with ``manage_programs`` — the city administrator for the city and its
counties, a county officer for their own county (the region must lie in the actor's
scope). Where: a prefecture (city) or a county region; a county's row overrides the
city's in its subtree (resolution: :mod:`jiayuan.assistance.selectors.parameters`).
When: ``effective_from`` is the first day of a month in the window of
:func:`check_month` (2000-01 to 24 months ahead); each effective date is a new row, so
the history stays. A row is refused (409 ``parameter.batch_exists``) when it would be in
force for a month of which a payment batch with lines (or past draft) already exists in
its region: the batch was computed with other parameters; enter the row from the month
after the last batch. A row not yet used by any payment line may be corrected in place
(audited with before/after); a row already used by a payment line is never changed
(409): the correction is a new row from a later month.
"""

from __future__ import annotations

import datetime
import unicodedata

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from ...accounts.permissions import Perm
from ...audit.services import Actor, model_changes, record
from ...errors import Conflict, NotFound, ValidationFailed, field_error
from ...people.services import require  # noqa: F401 (the one permission check; re-used by the assistance services)
from ...regions.models import Region
from ...regions.selectors import get_region
from .. import rules
from ..models import PaymentBatch, PaymentLine, Program, ProgramParameter

PARAMETER_LEVELS = (Region.Level.PROVINCE, Region.Level.PREFECTURE, Region.Level.COUNTY)
MONTH_MIN = datetime.date(2000, 1, 1)
MONTHS_AHEAD = 24
NOTE_MAX = 200     # parameter policy and note
REASON_MAX = 500   # reasons and notes of enrollment changes


def resolve_program(program) -> Program:
    """A Program from an instance or a code; ValidationFailed ``program.unknown``."""
    if isinstance(program, Program):
        return program
    found = Program.objects.filter(code=str(program or "")).first()
    if found is None:
        raise ValidationFailed(field_error("program", "program.unknown", _("救助项目“%(code)s”不存在") % {"code": program}))
    return found


def _resolve_region(actor: Actor, region) -> Region:
    code = region.code if isinstance(region, Region) else str(region or "")
    if not code:
        raise ValidationFailed(field_error("region", "region.missing", _("请选择适用区划（市或县区）")))
    try:
        found = get_region(actor.user, code)
    except NotFound:
        raise ValidationFailed(field_error("region", "region.out_of_scope",
                                    _("区划 %(code)s 不存在或不在您的管辖范围内") % {"code": code})) from None
    if found.level not in PARAMETER_LEVELS:
        raise ValidationFailed(field_error("region", "region.level", _(
            "参数只能按市或县（区）设定，%(name)s 是%(level)s") % {"name": found.name, "level": found.get_level_display()}))
    return found


def month_window(today: datetime.date | None = None) -> tuple[datetime.date, datetime.date]:
    """The months a user may enter: 2000-01 to the current month + 24 months (first days)."""
    today = today or timezone.localdate()
    index = today.year * 12 + today.month - 1 + MONTHS_AHEAD
    return MONTH_MIN, datetime.date(index // 12, index % 12 + 1, 1)


def check_month(value, field: str, label: str, *, today: datetime.date | None = None) -> datetime.date:
    """A month as entered: a date or ``YYYY-MM-DD`` / ``YYYY-MM`` text, the first of a
    month, within :func:`month_window`. Raises ValidationFailed on ``field``:
    ``<field>.missing`` (empty or not a date), ``<field>.not_first``,
    ``<field>.out_of_range`` (e.g. 9999-12, 1999-12), each with a Chinese message."""
    if isinstance(value, str):
        text = value.strip()
        try:
            value = datetime.date.fromisoformat(text if len(text) > 7 else text + "-01") if text else None
        except ValueError:
            value = None
    if not isinstance(value, datetime.date) or isinstance(value, datetime.datetime):
        raise ValidationFailed(field_error(field, f"{field}.missing", _("请填写%(label)s（某月1日，如 2025-03-01）")
                                    % {"label": label}))
    if value.day != 1:
        raise ValidationFailed(field_error(field, f"{field}.not_first", _("%(label)s须为某月1日（填写的是 %(date)s）")
                                    % {"label": label, "date": value.isoformat()}))
    low, high = month_window(today)
    if not low <= value <= high:
        raise ValidationFailed(field_error(field, f"{field}.out_of_range", _(
            "%(label)s应在 %(low)s 至 %(high)s 之间（填写的是 %(month)s）") % {
            "label": label, "low": rules.ym(low), "high": rules.ym(high), "month": rules.ym(value)}))
    return value


def free_text(value, *, multiline: bool = True) -> str:
    """Prose written by users (reasons, notes, policy references) as stored: invisible
    format characters (Unicode Cf, e.g. U+200B) and control characters (Cc, e.g. NUL,
    BEL, ESC) removed — line breaks and tabs kept when ``multiline`` (``\r\n`` made
    ``\n``), runs of white space folded to one space otherwise — and trimmed. No NFKC:
    Chinese full-width punctuation stays as typed ("演示：在册低保家庭" is not made
    "演示:在册低保家庭", unlike :func:`jiayuan.people.rules.clean_free_text`, meant for
    addresses and identifiers). ``None`` → ""; numbers → their text; lists, dicts and
    booleans raise TypeError."""
    if value is None:
        return ""
    if isinstance(value, (bool, list, dict, tuple, set)):
        raise TypeError("free text must be a string")
    text = str(value).replace("\r\n", "\n").replace("\r", "\n")
    keep = "\n\t" if multiline else ""
    text = "".join(ch for ch in text if ch in keep or unicodedata.category(ch) not in ("Cc", "Cf"))
    if not multiline:
        text = " ".join(text.split())
    return text.strip()


def clean_text(value, field: str, label: str, limit: int, *, required: bool = False) -> str:
    """Free text as stored (reasons, notes, policy): :func:`free_text` (control and
    invisible characters removed; line breaks and full-width punctuation kept), at most
    ``limit`` characters — longer is refused, never cut. Raises ValidationFailed on
    ``field``: ``<field>.missing`` (``required`` and empty), ``<field>.too_long``,
    ``<field>.format`` (not text)."""
    try:
        text = free_text(value)
    except TypeError:
        raise ValidationFailed(field_error(field, f"{field}.format", _("%(label)s应填写文字") % {"label": label})) from None
    if required and not text:
        raise ValidationFailed(field_error(field, f"{field}.missing", _("请填写%(label)s") % {"label": label}))
    if len(text) > limit:
        raise ValidationFailed(field_error(field, f"{field}.too_long", _("%(label)s过长：最多 %(limit)s 个字（填写了 %(n)s 个）")
                                    % {"label": label, "limit": limit, "n": len(text)}))
    return text


def _first_of_month(value) -> datetime.date:
    return check_month(value, "effective_from", _("生效月份"))


def batches_computed_with(program: Program, region: Region, month: datetime.date,
                          row: ProgramParameter | None = None) -> list[PaymentBatch]:
    """The payment batches (with lines, or past draft) of ``program`` in ``region``'s
    subtree for ``month`` or later for which a row of ``region`` from ``month`` would be
    the row in force — i.e. batches computed with other parameters that the new row
    would contradict. ``row``: the existing row being corrected (it is then the one in
    force). Reads PaymentBatch (a few rows: one per county and month)."""
    from ..selectors.parameters import parameter_in_force

    found = []
    batches = (PaymentBatch.objects.filter(program=program, county__code__startswith=region.code, month__gte=month)
               .filter(Q(line_count__gt=0) | ~Q(status=PaymentBatch.Status.DRAFT)).order_by("month", "county_id"))
    for batch in batches:
        current = parameter_in_force(program.code, batch.county_id, batch.month)
        if row is not None:
            affected = current is not None and current.pk == row.pk
        else:
            affected = current is None or len(current.region_id) < len(region.code) or (
                current.region_id == region.code and current.effective_from < month)
        if affected:
            found.append(batch)
    return found


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
    parameter, ``policy.too_long`` / ``note.too_long`` over 200 characters — refused, not
    cut), Conflict (409 ``parameter.used`` when the row of that date was already used by
    a payment line, ``parameter.batch_exists`` when a batch of a month the row would
    govern was already computed with other parameters (:func:`batches_computed_with`),
    ``parameter.conflict`` when someone saved it at the same moment). Audited (``assistance.parameter.create`` / ``.correct`` with before/after).
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
    for field, label, value in (("policy", _("文件依据"), policy), ("note", _("说明"), note)):
        try:
            cleaned = clean_text(value or "", field, label, NOTE_MAX)
        except ValidationFailed as exc:
            errors.update(exc.fields)
        else:
            policy, note = (cleaned, note) if field == "policy" else (policy, cleaned)
    if errors:
        raise ValidationFailed(errors)
    try:
        with transaction.atomic():
            row = (ProgramParameter.objects.select_for_update()
                   .filter(program=prog, region=reg, effective_from=month).first())
            if row is not None and parameter_used(row):
                raise Conflict("parameter.used", _(
                    "%(region)s %(month)s 起的%(program)s参数已用于发放，不能修改；请录入以后月份生效的新参数")
                    % {"region": reg.name, "month": rules.ym(month), "program": prog.name})
            blocking = batches_computed_with(prog, reg, month, row)
            if blocking:
                last = max(b.month for b in blocking)
                nxt = datetime.date(last.year + (last.month == 12), last.month % 12 + 1, 1)
                first = blocking[0]
                raise Conflict("parameter.batch_exists", _(
                    "%(region)s %(first)s 的%(program)s发放批次（#%(id)s，%(status)s）已按原参数生成，"
                    "不能录入或更正 %(month)s 起生效的参数；请录入 %(next)s 起生效的新参数") % {
                    "region": first.county_id, "first": rules.ym(first.month), "program": prog.name,
                    "id": first.pk, "status": first.get_status_display(), "month": rules.ym(month),
                    "next": rules.ym(nxt)})
            if row is None:
                row = ProgramParameter.objects.create(program=prog, region=reg, effective_from=month, values=clean,
                                                      policy=policy, note=note, created_by=actor.user)
                record(actor, "assistance.parameter.create", row, changes=model_changes(
                    {}, {"values": clean, "policy": policy, "note": note, "effective_from": month.isoformat()}),
                    extra={"program": prog.code})
                return row, True
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
