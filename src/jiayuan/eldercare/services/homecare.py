"""Writes of home care (居家养老上门服务): the county's catalogue of items, the monthly
entitlement standards with effective dates, and the county's approval of a person's
entitlement (computed from the registry and the assessment, never typed). Needs
``manage_eldercare`` and the county in the user's scope."""

from __future__ import annotations

from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from ...accounts.permissions import Perm
from ...audit.services import Actor, model_changes, record
from ...errors import Conflict, NotFound, ValidationFailed
from ...people.models import Person
from ...people.services import require
from ...regions.models import Region
from .. import rules, selectors
from ..models import Entitlement, EntitlementStandard, HomeCareItem
from .assessments import _as_date, _err
from .facilities import _count, _money, _text


def _county(actor: Actor, code) -> Region:
    code = str(code or "").strip()
    region = Region.objects.filter(code=code, level=Region.Level.COUNTY).first() if code.isdigit() else None
    user = actor.user
    if region is None or (user is not None and not (region.code.startswith(user.scope_code)
                                                    or user.scope_code.startswith(region.code))):
        raise ValidationFailed(_err("county", "county.invalid", _("县（区）应为您管辖的县（区）")))
    if user is not None and user.scope_code.startswith(region.code) and len(user.scope_code) > 6:
        raise NotFound("county.not_found")  # a street or community does not keep the county's catalogue
    return region


def save_item(actor: Actor, county, data: dict, item: HomeCareItem | None = None, *,
              version: int | None = None) -> HomeCareItem:
    """Add an item to the catalogue of ``county`` (code) or change one. ``data``: ``code``
    (≤ 20, unique in the county), ``kind`` (:data:`rules.HOMECARE_KINDS`), ``name``,
    ``unit`` (:data:`rules.HOMECARE_UNITS`), ``price`` (yuan, two decimals, > 0),
    ``min_minutes`` (0–1440), ``evidence`` (codes of :data:`rules.EVIDENCE`), ``active``.
    Raises Forbidden, ValidationFailed, Conflict (``item.duplicate``, ``item.conflict``)."""
    require(actor, Perm.MANAGE_ELDERCARE)
    region = _county(actor, county if item is None else item.county_id)
    errors: dict = {}
    code = _text(data.get("code"), "code", _("编码"), 20, errors, required=True)
    kind = data.get("kind")
    if kind not in rules.HOMECARE_KINDS:
        errors.update(_err("kind", "kind.unknown", _("请选择服务类别")))
    name = _text(data.get("name"), "name", _("服务项目"), 60, errors, required=True)
    unit = data.get("unit")
    if unit not in rules.HOMECARE_UNITS:
        errors.update(_err("unit", "unit.unknown", _("请选择计价单位")))
    price = _money(data.get("price"), "price", _("单价"), errors, Decimal("100000"))
    minutes = _count(data.get("min_minutes"), "min_minutes", _("最短服务时长"), errors, limit=1440)
    evidence = data.get("evidence") or []
    if not isinstance(evidence, (list, tuple)) or any(e not in rules.EVIDENCE for e in evidence):
        errors.update(_err("evidence", "evidence.unknown", _("留痕要求应从列表中选择")))
        evidence = []
    active = data.get("active", True) not in (False, "false", "0", "", None)
    if errors:
        raise ValidationFailed(errors)
    values = {"code": code, "kind": kind, "name": name, "unit": unit, "price": price, "min_minutes": minutes,
              "evidence": [e for e in rules.EVIDENCE if e in evidence], "active": active}
    try:
        with transaction.atomic():
            if item is None:
                item = HomeCareItem.objects.create(county=region, **values)
                record(actor, "eldercare.item.create", item, region_code=region.code,
                       changes={k: [None, str(v) if isinstance(v, Decimal) else v] for k, v in values.items()})
                return item
            locked = HomeCareItem.objects.select_for_update().get(pk=item.pk)
            if version is not None and locked.version != int(version):
                raise Conflict("item.conflict", _("该服务项目已被他人修改，请刷新后重试"))
            before = {k: getattr(locked, k) for k in values}
            for k, v in values.items():
                setattr(locked, k, v)
            locked.version = F("version") + 1
            locked.save()
            locked.refresh_from_db()
            changes = model_changes({k: str(v) if isinstance(v, Decimal) else v for k, v in before.items()},
                                    {k: str(v) if isinstance(v, Decimal) else v for k, v in values.items()})
            if changes:
                record(actor, "eldercare.item.update", locked, region_code=region.code, changes=changes)
            return locked
    except IntegrityError:
        raise Conflict("item.duplicate", _("编码 %(code)s 已在本县（区）服务目录中") % {"code": code}) from None


def set_standard(actor: Actor, county, *, category, level="", effective_from, amount, hours=0,
                 basis) -> EntitlementStandard:
    """The monthly entitlement of ``category`` (:data:`rules.ENTITLEMENT_CATEGORIES`) and
    ``level`` (a GB/T 42195 level, or "" for any) in ``county`` from ``effective_from``
    (first day of a month): ``amount`` yuan and ``hours`` a month, ``basis`` the policy
    document. A row is never changed: a new standard is a new row from a later month
    (Conflict ``standard.duplicate`` for the same month)."""
    require(actor, Perm.MANAGE_ELDERCARE)
    region = _county(actor, county)
    errors: dict = {}
    if category not in rules.ENTITLEMENT_CATEGORIES:
        errors.update(_err("category", "category.unknown", _("请选择对象类别")))
    if level not in ("", *rules.LEVELS):
        errors.update(_err("level", "level.unknown", _("能力等级应为 intact、mild、moderate、severe 或 total")))
    try:
        start = _as_date(effective_from, "effective_from")
        if start is None or start.day != 1:
            errors.update(_err("effective_from", "effective_from.month", _("起始月份应为某月1日")))
    except ValidationFailed as exc:
        errors.update(exc.fields)
        start = None
    amt = Decimal("0.00") if amount in ("0", 0, "0.00") else _money(amount, "amount", _("每月服务金额"), errors,
                                                                     Decimal("100000"))
    hrs = Decimal("0") if hours in (None, "", 0, "0") else _money(hours, "hours", _("每月服务时长"), errors,
                                                                  Decimal("744"))
    doc = _text(basis, "basis", _("依据文件"), 100, errors, required=True)
    if errors:
        raise ValidationFailed(errors)
    try:
        with transaction.atomic():
            row = EntitlementStandard.objects.create(
                county=region, category=category, level=level, effective_from=start, amount=amt, hours=hrs,
                basis=doc, created_by=actor.user if getattr(actor.user, "pk", None) else None)
            record(actor, "eldercare.standard.set", row, region_code=region.code,
                   changes={"amount": [None, str(amt)], "hours": [None, str(hrs)]},
                   extra={"category": category, "level": level, "from": start.isoformat(), "basis": doc})
    except IntegrityError:
        raise Conflict("standard.duplicate", _("该类别、等级在 %(month)s 已有标准") % {"month": f"{start:%Y-%m}"}) from None
    return row


def approve_entitlement(actor: Actor, person: Person, start_month, *, family_planning: bool = False) -> Entitlement:
    """The county approves ``person``'s (from a scoped selector) monthly home-care
    entitlement from ``start_month`` (first of a month): category, level, money and
    hours come from :func:`selectors.eligibility` (registry tags, the latest capacity
    assessment, age; ``family_planning`` declared) with the standards in force that
    month — never typed. Raises Forbidden, NotFound, ValidationFailed
    (``entitlement.not_eligible`` naming the facts, ``start_month.*``), Conflict
    (``entitlement.active``: one active entitlement per person, by constraint)."""
    require(actor, Perm.MANAGE_ELDERCARE)
    user = actor.user
    if user is not None and not (person.region_id or "").startswith(user.scope_code):
        raise NotFound("person.not_found")
    month = _as_date(start_month, "start_month")
    if month is None or month.day != 1:
        raise ValidationFailed(_err("start_month", "start_month.month", _("起始月份应为某月1日")))
    result = selectors.eligibility(person, month, {"family_planning": family_planning})
    if result["choice"] is None:
        found = "、".join(_(rules.ENTITLEMENT_CATEGORIES[c]) for c in result["categories"]) or _("无")
        raise ValidationFailed(_err("person", "entitlement.not_eligible", _(
            "%(name)s 在 %(month)s 不符合居家养老服务对象条件（符合的类别：%(found)s；本县（区）对其未定标准）")
            % {"name": person.name, "month": f"{month:%Y-%m}", "found": found}))
    category, amount, hours = result["choice"]
    facts = {k: v for k, v in result["facts"].items()}
    try:
        with transaction.atomic():
            e = Entitlement.objects.create(
                person=person, county_id=result["county"], category=category,
                level=facts["capacity_level"] or "", amount=amount, hours=hours, start_month=month,
                basis={"facts": facts, "categories": result["categories"]}, standard_id=result["standard"],
                approved_by=user)
            record(actor, "eldercare.entitlement.approve", e, region_code=person.region_id,
                   changes={"amount": [None, str(amount)], "hours": [None, str(hours)]},
                   extra={"person": person.pk, "category": category, "categories": result["categories"],
                          "start_month": month.isoformat()})
    except IntegrityError:
        raise Conflict("entitlement.active", _("%(name)s 已有享受中的居家养老服务待遇") % {"name": person.name}) from None
    return e


def end_entitlement(actor: Actor, entitlement: Entitlement, end_month, reason: str) -> Entitlement:
    """End an active entitlement from ``end_month`` (first of a month after its start),
    with a reason (≤ 200). Needs ``manage_eldercare``."""
    require(actor, Perm.MANAGE_ELDERCARE)
    user = actor.user
    if user is not None and not (entitlement.person.region_id or "").startswith(user.scope_code):
        raise NotFound("entitlement.not_found")
    errors: dict = {}
    month = _as_date(end_month, "end_month")
    if month is None or month.day != 1 or month <= entitlement.start_month:
        errors.update(_err("end_month", "end_month.invalid", _("终止月份应为起始月份之后某月1日")))
    text = _text(reason, "reason", _("终止原因"), 200, errors, required=True)
    if errors:
        raise ValidationFailed(errors)
    with transaction.atomic():
        locked = Entitlement.objects.select_for_update().get(pk=entitlement.pk)
        if locked.status != Entitlement.Status.ACTIVE:
            raise Conflict("entitlement.ended", _("该待遇已终止"))
        locked.status, locked.end_month, locked.end_reason = Entitlement.Status.ENDED, month, text
        locked.save(update_fields=["status", "end_month", "end_reason"])
        record(actor, "eldercare.entitlement.end", locked, region_code=locked.person.region_id,
               changes={"status": ["active", "ended"]}, extra={"end_month": month.isoformat(), "reason": text})
    return locked


__all__ = ["save_item", "set_standard", "approve_entitlement", "end_entitlement", "export_entitlements"]


def export_entitlements(actor: Actor) -> tuple[bytes, str, str, int]:
    """Active entitlements readable by the acting user as xlsx (Chinese headers and file
    name ``甘州区-居家养老服务待遇-2026-12-07.xlsx``). Needs ``export``; audited."""
    from django.utils import timezone, translation

    from .. import exports

    require(actor, Perm.EXPORT)
    require(actor, Perm.VIEW_ELDERCARE)
    qs = selectors.entitlements_for(actor.user).filter(status="active").order_by("person__region_id", "id")
    region = actor.user.scope if getattr(actor.user, "scope_id", None) else None
    with translation.override("zh-hans"):
        rows = [(e.person.name, e.person.region.name, _(rules.ENTITLEMENT_CATEGORIES[e.category]),
                 _(rules.LEVEL_NAMES[e.level]) if e.level else "—", float(e.amount), float(e.hours),
                 f"{e.start_month:%Y-%m}") for e in qs]
        name, fallback = exports.file_names("居家养老服务待遇", "entitlements", region, timezone.localdate())
        data = exports.table_xlsx("待遇", f"{exports.region_name(region)} 居家养老服务待遇（享受中）", (
            "姓名", "所属区划", "对象类别", "能力等级", "每月服务金额（元）", "每月服务时长（小时）", "起始月份"), rows)
    record(actor, "eldercare.export", None, region_code=region.code if region else "",
           extra={"what": "entitlements", "rows": len(rows)})
    return data, name, fallback, len(rows)
