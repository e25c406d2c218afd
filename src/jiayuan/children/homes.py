"""Writes of children's homes (留守儿童之家): register and change a home, enrol a child,
end an enrolment, record a day's attendance. One transaction each, audited. Reads in
:mod:`.selectors` (``homes_for``, ``homes_with_counts``, ``works_at_home``, ``children_cared_for``).

Who: ``manage_children_duties`` holders (township, county, city) register homes in their
scope; enrolments and attendance are kept by who works at the home
(:func:`selectors.works_at_home`: the operator's members, the village's 儿童主任, the
township's 督导员, ``view_child_files``). A child enrolled is a person of the registry
the acting user can see, under 18.
"""

from __future__ import annotations

import datetime

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from ..accounts.permissions import Perm
from ..audit.services import Actor, record
from ..errors import Conflict, Forbidden, NotFound, ValidationFailed, check_version
from ..organizations.selectors import operators_for
from ..people import selectors as people_selectors
from ..people.rules import age_on
from ..regions.models import Region
from . import selectors
from .models import HOME_SERVICES, ChildrensHome, HomeAttendance, HomeEnrolment


def _err(field: str, code: str, message: str) -> ValidationFailed:
    return ValidationFailed({field: [{"code": code, "message": message}]})


def _forbidden() -> Forbidden:
    return Forbidden("permission_denied", _("您的角色无权执行此操作"))


def _check_fields(user, data: dict) -> dict:
    """The home's fields of ``data`` that are given (``name``, ``capacity``,
    ``services``, ``address``, ``operator``), checked and cleaned; ValidationFailed
    ``home.*`` naming the field (``home.operator``: no active organization of the
    user's county by that id, :func:`organizations.selectors.operators_for`)."""
    out = {}
    if "name" in data:
        out["name"] = str(data["name"] or "").strip()[:100]
        if not out["name"]:
            raise _err("name", "home.name", _("请填写名称"))
    if "capacity" in data:
        capacity = data["capacity"]
        if isinstance(capacity, bool) or not isinstance(capacity, int) or capacity < 1 or capacity > 10_000:
            raise _err("capacity", "home.capacity", _("可容纳人数须为 1–10000"))
        out["capacity"] = capacity
    if "services" in data:
        services = data["services"] or []
        if not isinstance(services, (list, tuple)) or [s for s in services if s not in HOME_SERVICES]:
            raise _err("services", "home.services", _("服务内容无效"))
        out["services"] = list(dict.fromkeys(services))
    if "address" in data:
        out["address"] = str(data["address"] or "")[:200]
    if "operator" in data:
        operator_id = data["operator"]
        operator = None
        if operator_id not in (None, ""):
            operator = operators_for(user).filter(pk=operator_id if str(operator_id).isdigit() else 0).first()
            if operator is None:
                raise _err("operator", "home.operator", _("请从社会组织名录中选择运营机构"))
        out["operator"] = operator
    return out


def register_home(actor: Actor, *, name: str, region_code: str, capacity: int, services: list[str],
                  opened_on: datetime.date, operator_id=None, address: str = "") -> ChildrensHome:
    """Register a home in a village, community or township of the user's scope. Errors:
    Forbidden, NotFound (region), ValidationFailed ``home.*`` (an unknown operator too)."""
    user = actor.user
    if not user.can(Perm.MANAGE_CHILDREN_DUTIES):
        raise _forbidden()
    region = Region.objects.filter(pk=str(region_code or "")).first()
    if region is None or not region.code.startswith(user.scope_code) or len(region.code) not in (9, 12):
        raise NotFound("region.not_found")
    fields = _check_fields(user, {"name": name, "capacity": capacity, "services": services, "address": address,
                            "operator": operator_id})
    with transaction.atomic():
        home = ChildrensHome.objects.create(region=region, opened_on=opened_on, **fields)
        record(actor, "children.home_register", home)
    return home


UPDATABLE = ("name", "capacity", "services", "address", "operator", "opened_on", "closed_on")


def update_home(actor: Actor, home: ChildrensHome, data: dict, version=None) -> ChildrensHome:
    """Change the given fields of ``home`` (keys of :data:`UPDATABLE`; the region is not
    changed: register the home anew): ``opened_on`` not after an enrolment begins,
    ``closed_on`` (停用日期, None to reopen) not before ``opened_on``. Who: a
    ``manage_children_duties`` holder (``home`` comes from the scoped
    :func:`selectors.get_home`). Audited ``children.home_update`` with the changes.
    Errors: Forbidden; ValidationFailed ``home.*``, ``home.closed_before_opened``,
    ``home.opened_after_enrolment``; Conflict ``home.conflict`` (stale ``version``),
    ``home.children_enrolled`` (closing while children are still enrolled on or after
    that day, or attended then: end their enrolments first)."""
    from ..audit.services import model_changes

    if not actor.user.can(Perm.MANAGE_CHILDREN_DUTIES):
        raise _forbidden()
    unknown = sorted(set(data) - set(UPDATABLE))
    if unknown:
        raise _err(unknown[0], "field.unknown", _("不能修改该项"))
    fields = _check_fields(actor.user, data)
    with transaction.atomic():
        locked = ChildrensHome.objects.select_for_update().get(pk=home.pk)
        check_version(locked.version, version, "home.conflict", _("该儿童之家已被他人修改，请刷新后重试"))
        opened_on = data.get("opened_on", locked.opened_on) or locked.opened_on
        closed_on = data["closed_on"] if "closed_on" in data else locked.closed_on
        if closed_on is not None and closed_on < opened_on:
            raise _err("closed_on", "home.closed_before_opened", _("停用日期早于启用日期"))
        first = locked.enrolments.order_by("enrolled_on").values_list("enrolled_on", flat=True).first()
        if "opened_on" in data and first is not None and opened_on > first:
            raise _err("opened_on", "home.opened_after_enrolment", _("启用日期晚于已有的入托日期"))
        if closed_on is not None and closed_on != locked.closed_on and (
                locked.enrolments.filter(Q(left_on__isnull=True) | Q(left_on__gte=closed_on)).exists()
                or HomeAttendance.objects.filter(home=locked, day__gte=closed_on).exists()):
            raise Conflict("home.children_enrolled", _("停用日期当天及以后仍有儿童在此登记或到托，请先办理离开"))
        before = {k: getattr(locked, k) for k in UPDATABLE if k != "operator"}
        before["operator"] = locked.operator_id
        for key, value in fields.items():
            setattr(locked, key, value)
        locked.opened_on, locked.closed_on = opened_on, closed_on
        after = {k: getattr(locked, k) for k in UPDATABLE if k != "operator"}
        after["operator"] = locked.operator_id
        locked.version += 1
        locked.save()
        record(actor, "children.home_update", locked, changes=model_changes(before, after))
    return locked


def _check_open(home: ChildrensHome, day: datetime.date) -> None:
    """Conflict ``home.closed`` when ``home`` is closed (停用) on ``day``."""
    if home.closed_on is not None and day >= home.closed_on:
        raise Conflict("home.closed", _("该儿童之家已于 %(day)s 停用") % {"day": home.closed_on.isoformat()})


def enrol(actor: Actor, home: ChildrensHome, person_id, enrolled_on: datetime.date) -> HomeEnrolment:
    """Enrol a child (a registry person the user can see, under 18 on ``enrolled_on``)
    at ``home`` from ``enrolled_on``. Conflict ``home.enrolled`` when already enrolled."""
    if not selectors.works_at_home(actor.user, home):
        raise _forbidden()
    person = people_selectors.get_person(actor.user, person_id)
    if enrolled_on < person.birth_date or age_on(person.birth_date, enrolled_on) >= 18:
        raise _err("person", "child.adult", _("只能登记未满18周岁的儿童"))
    if enrolled_on < home.opened_on:
        raise _err("enrolled_on", "home.before_opened", _("入托日期早于该儿童之家启用日期"))
    _check_open(home, enrolled_on)
    with transaction.atomic():
        try:
            with transaction.atomic():
                e = HomeEnrolment.objects.create(home=home, person=person, enrolled_on=enrolled_on)
        except IntegrityError:
            raise Conflict("home.enrolled", _("该儿童已在此登记")) from None
        record(actor, "children.home_enrol", home, extra={"person": person.pk, "on": enrolled_on.isoformat()})
    return e


def leave(actor: Actor, home: ChildrensHome, enrolment_id, left_on: datetime.date) -> HomeEnrolment:
    """End an open enrolment on ``left_on`` (not before it began, nor before a recorded
    attendance)."""
    if not selectors.works_at_home(actor.user, home):
        raise _forbidden()
    with transaction.atomic():
        e = HomeEnrolment.objects.select_for_update().filter(
            pk=enrolment_id if str(enrolment_id).isdigit() else 0, home=home).first()
        if e is None:
            raise NotFound("enrolment.not_found")
        if e.left_on is not None:
            raise Conflict("enrolment.left", _("该儿童已于 %(day)s 离开") % {"day": e.left_on.isoformat()})
        last = e.attendance.order_by("-day").values_list("day", flat=True).first()
        if left_on < e.enrolled_on or (last and left_on < last):
            raise _err("left_on", "enrolment.left_before", _("离开日期早于入托日期或最后一次到托日期"))
        e.left_on = left_on
        e.save(update_fields=["left_on"])
        record(actor, "children.home_leave", home, extra={"person": e.person_id, "on": left_on.isoformat()})
    return e


def record_attendance(actor: Actor, home: ChildrensHome, day: datetime.date, present_enrolments) -> int:
    """Set the children present at ``home`` on ``day``: ``present_enrolments`` are ids
    of enrolments open that day; the day's records are replaced by these. Returns how
    many were present. ``day`` not in the future."""
    if not selectors.works_at_home(actor.user, home):
        raise _forbidden()
    if day > selectors.today():
        raise _err("day", "date.future", _("日期不能晚于今天"))
    _check_open(home, day)
    open_ = {e.pk: e for e in selectors.enrolled_on(home, day)}
    ids = set()
    for i in present_enrolments or []:
        if not str(i).isdigit() or int(i) not in open_:
            raise _err("present", "attendance.not_enrolled", _("该儿童当日未在此登记"))
        ids.add(int(i))
    with transaction.atomic():
        HomeAttendance.objects.filter(home=home, day=day).delete()
        HomeAttendance.objects.bulk_create([HomeAttendance(enrolment=open_[i], home=home, person_id=open_[i].person_id,
                                                           day=day, recorded_by=actor.user) for i in sorted(ids)])
        record(actor, "children.home_attendance", home, extra={"day": day.isoformat(), "present": len(ids)})
    return len(ids)
