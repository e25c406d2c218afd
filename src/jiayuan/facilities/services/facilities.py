"""Writes to service facilities and their rooms. Every function is one transaction with
its audit entry (``facility.create``, ``facility.update``, ``facility.room_add``,
``facility.room_remove``).

Permissions: ``manage_facilities`` (community, township and county staff) and the
facility's community or village in the acting user's scope (else
``NotFound("facility.not_found")`` / a ``region.not_found`` field error). Rules:
:mod:`jiayuan.facilities.rules` (area > 0 and ≤ 100,000 m², the rooms fit in the floor
area).
"""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from ...accounts.permissions import Perm
from ...audit.services import Actor, model_changes, record
from ...errors import NotFound, ValidationFailed, check_version
from ...people import rules as people_rules
from ...people.rules import RuleError
from ...people.services import require
from ...regions.models import Region
from .. import rules
from ..models import FacilityFunction, FacilityRoom, ServiceFacility

TEXT_LIMITS = {"name": 100, "address": 200, "opening_hours": 100, "note": 200}
FIELDS = ("name", "region", "address", "floor_area", "opening_hours", "opened_on", "status", "note")


def _err(field: str, code: str, message: str) -> dict:
    return {field: [{"code": code, "message": message}]}


def _text(value, field: str, required: bool = False) -> str:
    try:
        text = people_rules.clean_free_text(value)
    except TypeError:
        raise ValidationFailed(_err(field, f"{field}.format", _("应填写文字"))) from None
    if required and not text:
        raise ValidationFailed(_err(field, f"{field}.missing", _("此项必填")))
    limit = TEXT_LIMITS.get(field, 100)
    if len(text) > limit:
        raise ValidationFailed(_err(field, f"{field}.too_long", _("过长：最多 %(limit)s 个字") % {"limit": limit}))
    return text


def as_date(value, field: str) -> date | None:
    """``value`` as a date (``YYYY-MM-DD`` or a date); None when empty; else a
    ``<field>.format`` field error."""
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        d = parse_date(str(value).strip())
    except ValueError:
        d = None
    if d is None:
        raise ValidationFailed(_err(field, f"{field}.format", _("日期格式错误：应为 YYYY-MM-DD，例如 2024-03-01")))
    return d


def village_unit(actor: Actor, code, field: str = "region") -> Region:
    """The community or village ``code`` in the acting user's scope (virtual units and
    other levels refused): ``<field>.not_found`` / ``<field>.level`` field errors."""
    code = str(code or "").strip()
    scope = actor.user.scope_code if actor.user is not None else ""
    region = Region.objects.filter(code=code).first() if code.isdigit() and code.startswith(scope) else None
    if region is None:
        raise ValidationFailed(_err(field, f"{field}.not_found", _("区划不存在或不在您的管辖范围内")))
    if region.level != Region.Level.VILLAGE or region.kind not in (Region.Kind.COMMUNITY, Region.Kind.VILLAGE):
        raise ValidationFailed(_err(field, f"{field}.level", _("应选择一个社区或行政村")))
    return region


def _clean(actor: Actor, data: dict, current: ServiceFacility | None = None) -> dict:
    """Every given field checked; all field errors at once (ValidationFailed)."""
    out, errors = {}, {}

    def attempt(name, fn):
        try:
            out[name] = fn()
        except ValidationFailed as exc:
            errors.update(exc.fields)
        except RuleError as err:
            errors.update(ValidationFailed.from_rule_errors([err]).fields)

    for name in ("name", "address"):
        if current is None or name in data:
            attempt(name, lambda n=name: _text(data.get(n), n, required=True))
    for name in ("opening_hours", "note"):
        if current is None or name in data:
            attempt(name, lambda n=name: _text(data.get(n, ""), n))
    if current is None or "region" in data:
        attempt("region", lambda: village_unit(actor, data.get("region")))
    if current is None or "floor_area" in data:
        attempt("floor_area", lambda: rules.check_area(data.get("floor_area")))
    if "opened_on" in data:
        attempt("opened_on", lambda: as_date(data.get("opened_on"), "opened_on"))
    if "status" in data:
        status = data.get("status") or ServiceFacility.Status.IN_USE
        if status not in ServiceFacility.Status.values:
            errors.update(_err("status", "status.unknown", _("状态应为使用中或已停用")))
        else:
            out["status"] = status
    if errors:
        raise ValidationFailed(errors)
    return out


def _snapshot(f: ServiceFacility) -> dict:
    return {"name": f.name, "region": f.region_id, "address": f.address, "floor_area": f.floor_area,
            "opening_hours": f.opening_hours, "opened_on": f.opened_on, "status": f.status, "note": f.note}


@transaction.atomic
def create_facility(actor: Actor, data: dict) -> ServiceFacility:
    """Record a facility. ``data``: ``name``, ``region`` (a community or village code
    in scope), ``address`` (required), ``floor_area`` (m², > 0), ``opening_hours``,
    ``opened_on`` (``YYYY-MM-DD``), ``status`` (``in_use`` default, ``closed``),
    ``note``. Raises Forbidden, ValidationFailed (every field error at once)."""
    require(actor, Perm.MANAGE_FACILITIES)
    values = _clean(actor, data)
    facility = ServiceFacility.objects.create(**values)
    record(actor, "facility.create", facility, changes=model_changes({}, _snapshot(facility)))
    return facility


@transaction.atomic
def update_facility(actor: Actor, facility: ServiceFacility, data: dict, version: int | None = None) -> ServiceFacility:
    """Change the given fields of ``facility`` (from a scoped selector); ``version``:
    the one the user saw (``facility.conflict`` 409 if it changed). A smaller floor area
    must still hold the rooms (``room.area_exceeds``)."""
    require(actor, Perm.MANAGE_FACILITIES)
    facility = _locked(actor, facility.pk)
    check_version(facility.version, version, "facility.conflict", _("该设施已被他人修改，请刷新后重试"))
    values = _clean(actor, data, current=facility)
    if "floor_area" in values:
        try:
            rules.check_rooms_fit(values["floor_area"], [r.floor_area for r in facility.rooms.all()])
        except RuleError as err:
            raise ValidationFailed.from_rule_errors([err]) from None
    before = _snapshot(facility)
    for k, v in values.items():
        setattr(facility, k, v)
    facility.version += 1
    facility.save()
    changes = model_changes(before, _snapshot(facility))
    if changes:
        record(actor, "facility.update", facility, changes=changes)
    return facility


def _locked(actor: Actor, pk: int) -> ServiceFacility:
    scope = actor.user.scope_code if actor.user is not None else ""
    facility = (ServiceFacility.objects.select_for_update().select_related("region")
                .filter(pk=pk, region__code__startswith=scope).first())
    if facility is None:
        raise NotFound("facility.not_found")
    return facility


@transaction.atomic
def add_room(actor: Actor, facility: ServiceFacility, data: dict) -> FacilityRoom:
    """Add a room: ``name`` (required), ``function`` (a :class:`FacilityFunction`
    value), ``floor_area`` (m², may be 0 for a corner of a hall), ``opening_hours``.
    The rooms together must fit in the floor area (``room.area_exceeds``)."""
    require(actor, Perm.MANAGE_FACILITIES)
    facility = _locked(actor, facility.pk)
    errors, values = {}, {}
    try:
        values["name"] = _text(data.get("name"), "name", required=True)
    except ValidationFailed as exc:
        errors.update(exc.fields)
    function = data.get("function") or ""
    if function not in FacilityFunction.values:
        errors.update(_err("function", "function.unknown", _("请选择功能")))
    try:
        values["floor_area"] = rules.check_area(data.get("floor_area"), allow_zero=True)
    except RuleError as err:
        errors.update(ValidationFailed.from_rule_errors([err]).fields)
    try:
        values["opening_hours"] = _text(data.get("opening_hours", ""), "opening_hours")
    except ValidationFailed as exc:
        errors.update(exc.fields)
    if errors:
        raise ValidationFailed(errors)
    try:
        rules.check_rooms_fit(facility.floor_area, [r.floor_area for r in facility.rooms.all()] + [values["floor_area"]])
    except RuleError as err:
        raise ValidationFailed.from_rule_errors([err]) from None
    room = FacilityRoom.objects.create(facility=facility, function=function, **values)
    facility.version += 1
    facility.save(update_fields=["version", "updated_at"])
    record(actor, "facility.room_add", facility, extra={"room": room.name, "function": function,
                                                        "floor_area": str(room.floor_area)})
    return room


@transaction.atomic
def remove_room(actor: Actor, facility: ServiceFacility, room_id: int) -> None:
    """Remove the room ``room_id`` of ``facility`` (``room.not_found`` 404 otherwise)."""
    require(actor, Perm.MANAGE_FACILITIES)
    facility = _locked(actor, facility.pk)
    room = facility.rooms.filter(pk=room_id).first()
    if room is None:
        raise NotFound("room.not_found")
    extra = {"room": room.name, "function": room.function, "floor_area": str(room.floor_area)}
    room.delete()
    facility.version += 1
    facility.save(update_fields=["version", "updated_at"])
    record(actor, "facility.room_remove", facility, extra=extra)


@transaction.atomic
def set_also_serves(actor: Actor, facility: ServiceFacility, codes, version: int | None = None) -> ServiceFacility:
    """Name the other communities or villages ``facility`` serves besides its own region
    (a shared centre; coverage counts the facility for each of them, issue 16).
    ``codes``: community or village codes in the acting user's scope (the facility's own
    region and repeats are dropped; an empty list clears). Field errors on
    ``also_serves`` (``also_serves.not_found`` / ``also_serves.level``); ``version`` as
    in :func:`update_facility`. Audit ``facility.update`` with the codes before/after."""
    require(actor, Perm.MANAGE_FACILITIES)
    facility = _locked(actor, facility.pk)
    check_version(facility.version, version, "facility.conflict", _("该设施已被他人修改，请刷新后重试"))
    wanted = []
    for code in codes or []:
        region = village_unit(actor, code, field="also_serves")
        if region.code != facility.region_id and region.code not in wanted:
            wanted.append(region.code)
    before = sorted(facility.also_serves.values_list("code", flat=True))
    after = sorted(wanted)
    if before != after:
        facility.also_serves.set(after)
        facility.version += 1
        facility.save(update_fields=["version", "updated_at"])
        record(actor, "facility.update", facility, changes={"also_serves": [before, after]})
    return facility
