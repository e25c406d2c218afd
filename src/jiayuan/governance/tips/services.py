"""Writes (and audited reads) of confidential tips. One transaction each, with its
audit entry; the audit entries name the tip by its number and record state changes
only — never the content, the informant, the category or a note (auditors read the
audit log, and they are not handlers)."""

import json
from dataclasses import dataclass
from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ...accounts.permissions import Perm
from ...audit.services import Actor, record
from ...errors import Forbidden, NotFound, ValidationFailed
from ...people.rules import N_, RuleError
from ...regions.models import Region
from ...security import decrypt, encrypt
from ..models import Tip, TipEvent, TipHandler
from . import rules, selectors


def _failed(errors: list[RuleError]) -> ValidationFailed:
    return ValidationFailed.from_rule_errors(errors)


def _one(field: str, code: str, template: str, params: dict | None = None) -> ValidationFailed:
    return _failed([RuleError(code, template, params, field=field)])


def _check_date(field: str, on: date | None, not_before: date | None = None) -> date:
    today = timezone.localdate()
    on = on or today
    if on > today:
        raise _one(field, "tip.date_future", N_("日期不能晚于今天"))
    if not_before and on < not_before:
        raise _one(field, "tip.date_order", N_("日期不能早于上一环节（%(date)s）"), {"date": not_before.isoformat()})
    return on


@transaction.atomic
def collect_tip(actor: Actor, *, region_code: str, category: str, content: str, anonymous: bool = False,
                informant_name: str = "", informant_contact: str = "", collected_on: date | None = None,
                request_key: str = "") -> Tip:
    """Record a tip as collected (已采集) by ``actor.user`` (``collect_tips``), about a
    place in their scope (``region_code``, a township or below: county level is where
    its handlers are). Content and informant are encrypted; the informant is left out
    when ``anonymous``. ``request_key`` makes a double submit record one tip (the first
    is returned). Raises :class:`Forbidden` without the permission and
    :class:`ValidationFailed` (``tip.*`` codes, ``region`` …) for bad input. Audit:
    ``tip.collect`` (number and region only)."""
    user = actor.user
    if not user.can(Perm.COLLECT_TIPS):
        raise Forbidden("permission_denied", _("您的角色无权登记线索"))
    if request_key:
        done = Tip.objects.filter(collected_by=user, request_key=request_key).first()
        if done is not None:
            return done
    errors = rules.check_new_tip(category=category, content=content or "", anonymous=anonymous,
                                 informant_name=informant_name or "")
    region = None
    code = (region_code or "").strip()
    if code.isdigit() and len(code) >= 9 and code.startswith(user.scope_code):
        region = Region.objects.filter(code=code).first()
    if region is None:
        errors.append(RuleError("tip.region", N_("请选择线索所涉的乡镇（街道）、社区（村）或网格（须在您的管辖范围内）"),
                                field="region"))
    if errors:
        raise _failed(errors)
    collected_on = _check_date("collected_on", collected_on)
    now = timezone.now()
    informant = "" if anonymous else json.dumps(
        {"name": informant_name.strip(), "contact": (informant_contact or "").strip()}, ensure_ascii=False)
    tip = Tip(region=region, county_code=region.code[:6], category=category, content_cipher=encrypt(content.strip()),
              anonymous=anonymous, informant_cipher=encrypt(informant) if informant else b"",
              collected_by=user, collected_on=collected_on, collected_at=now, request_key=request_key or "")
    try:
        with transaction.atomic():
            tip.save()
    except IntegrityError:
        done = Tip.objects.filter(collected_by=user, request_key=request_key).first()
        if done is not None:
            return done
        raise
    tip.number = rules.tip_number(collected_on.year, tip.pk)
    tip.save(update_fields=["number"])
    TipEvent.objects.create(tip=tip, action="collect", from_state="", to_state=tip.state, actor=user, at=now,
                            on=collected_on)
    record(actor, "tip.collect", tip)
    return tip


@dataclass
class TipContent:
    """What a handler reads: the tip, its decrypted content and informant, and its
    history with the notes."""

    tip: Tip
    content: str
    informant_name: str
    informant_contact: str
    feedback: str
    events: list[dict]


def reveal_tip(actor: Actor, tip: Tip) -> TipContent:
    """The content of ``tip`` for one of its handlers (``tip`` read through
    :func:`selectors.get_tip_for_handler`; checked again here). Audit: ``tip.view``
    (every read)."""
    if not selectors.is_handler_of(actor.user, tip):
        raise NotFound("tip.not_found")
    informant = json.loads(decrypt(tip.informant_cipher) or "{}")
    events = [{"action": e.action, "from_state": e.from_state, "to_state": e.to_state, "actor": e.actor,
               "at": e.at, "on": e.on, "note": decrypt(e.note_cipher)}
              for e in tip.events.select_related("actor").order_by("at", "id")]
    with transaction.atomic():
        record(actor, "tip.view", tip)
    return TipContent(tip=tip, content=decrypt(tip.content_cipher), informant_name=informant.get("name", ""),
                      informant_contact=informant.get("contact", ""), feedback=decrypt(tip.feedback_cipher),
                      events=events)


def read_status(actor: Actor, tip: Tip) -> dict:
    """The status of ``tip`` (read through :func:`selectors.get_tip_status`: its collector
    or a handler), as :func:`selectors.status_of`. Audit: ``tip.view_status``."""
    with transaction.atomic():
        record(actor, "tip.view_status", tip)
    return selectors.status_of(tip)


def record_list_read(actor: Actor, count: int) -> None:
    """Audit a handler's read of the list of tips (``tip.list``: how many were shown)."""
    with transaction.atomic():
        record(actor, "tip.list", None, region_code=actor.user.scope_id or "", extra={"count": count})


@transaction.atomic
def act_on_tip(actor: Actor, tip: Tip, action: str, *, on: date | None = None, recipient: str = "",
               outcome: str = "", note: str = "") -> Tip:
    """A handler's step: ``verify`` (核实), ``transfer`` to ``recipient`` (移交), or
    ``conclude`` (办结) with ``outcome`` ``feedback`` (after a transfer: the feedback
    received in ``note``) or ``unfounded`` (before one: the reason in ``note``). ``on``
    is the date of the step (default today; not in the future, not before the
    previous stage). Raises :class:`NotFound` for anyone but the tip's handlers,
    :class:`ValidationFailed` (rules.check_step). Audit: ``tip.<action>`` (the action names
    the new state; nothing else)."""
    if not selectors.is_handler_of(actor.user, tip):
        raise NotFound("tip.not_found")
    tip = Tip.objects.select_for_update().get(pk=tip.pk)
    note = (note or "").strip()
    errors = rules.check_step(tip.state, action, recipient=recipient, outcome=outcome, note=note)
    if errors:
        raise _failed(errors)
    previous = tip.concluded_on or tip.transferred_on or tip.verified_on or tip.collected_on
    on = _check_date("on", on, previous)
    before = tip.state
    tip.state = rules.next_state(tip.state, action)
    if action == "verify":
        tip.verified_on = on
    elif action == "transfer":
        tip.recipient, tip.transferred_on = recipient, on
    else:
        tip.outcome, tip.concluded_on = outcome, on
        tip.feedback_cipher = encrypt(note)
    tip.save()
    TipEvent.objects.create(tip=tip, action=action, from_state=before, to_state=tip.state, actor=actor.user,
                            at=timezone.now(), on=on, note_cipher=encrypt(note) if note else b"")
    record(actor, f"tip.{action}", tip)
    return tip


@transaction.atomic
def designate_handler(actor: Actor, account, county_code: str) -> TipHandler:
    """Name ``account`` handler of the tips of ``county_code`` (``designate_tip_handlers``,
    the county inside the actor's scope; the account an active county officer of that
    county: :func:`rules.check_designation`). Designating an account already
    designated returns the live designation. Audit: ``tip_handler.designate``."""
    user = actor.user
    if not user.can(Perm.DESIGNATE_TIP_HANDLERS):
        raise Forbidden("permission_denied", _("您的角色无权指定线索承办人"))
    county_code = (county_code or "").strip()
    if not county_code.startswith(user.scope_code):
        raise NotFound("region.not_found")
    errors = rules.check_designation(account.role, account.scope_id or "", county_code, account.is_active)
    county = Region.objects.filter(code=county_code).first()
    if county is None and not errors:
        raise NotFound("region.not_found")
    if errors:
        raise _failed(errors)
    live = TipHandler.objects.filter(user=account, county=county, ended_at__isnull=True).first()
    if live is not None:
        return live
    handler = TipHandler.objects.create(user=account, county=county, designated_by=user, designated_at=timezone.now())
    record(actor, "tip_handler.designate", handler, extra={"account": account.username})
    return handler


@transaction.atomic
def end_designation(actor: Actor, handler: TipHandler) -> TipHandler:
    """End a designation (read through :func:`selectors.get_designation`). Audit:
    ``tip_handler.end``."""
    if not actor.user.can(Perm.DESIGNATE_TIP_HANDLERS):
        raise Forbidden("permission_denied", _("您的角色无权指定线索承办人"))
    handler = TipHandler.objects.select_for_update().get(pk=handler.pk)
    if handler.ended_at is None:
        handler.ended_at, handler.ended_by = timezone.now(), actor.user
        handler.save(update_fields=["ended_at", "ended_by"])
        record(actor, "tip_handler.end", handler, extra={"account": handler.user.username})
    return handler
