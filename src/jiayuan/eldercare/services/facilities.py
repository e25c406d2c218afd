"""Writes of day-care facilities: the registry, assignments to communities and villages,
construction and operating subsidies, attendance (check-ins by name or daily counts).

Each write checks the role and the scope (the facility's community or village — or,
for an assignment, the community or village served — in the user's subtree), runs in
one transaction and appends its audit entry.
"""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from ...accounts.permissions import Perm
from ...audit.services import Actor, model_changes, record
from ...errors import Conflict, NotFound, ValidationFailed
from ...people import rules as people_rules
from ...people.models import Person
from ...people.services import require
from ...regions.models import Region
from .. import rules
from ..models import CheckIn, DailyAttendance, DayCareCenter, FacilityAssignment, FacilityKind, FacilitySubsidy
from .assessments import _as_date, _err

FIELDS = ("kind", "name", "region", "address", "floor_area", "seats", "beds", "operator", "opened_on", "closed_on",
          "services", "note")
MAX_AMOUNT = Decimal("100000000")  # 1 亿元: more for one facility and year is a typing error


def _in_scope(actor: Actor, code: str) -> bool:
    user = actor.user
    return user is None or (code or "").startswith(user.scope_code)


def _text(value, field: str, label: str, limit: int, errors: dict, required: bool = False) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors.update(_err(field, f"{field}.format", _("%(label)s应填写文字") % {"label": label}))
        return ""
    text = people_rules.clean_free_text(value)
    if required and not text:
        errors.update(_err(field, f"{field}.missing", _("请填写%(label)s") % {"label": label}))
    elif len(text) > limit:
        errors.update(_err(field, f"{field}.too_long", _("%(label)s过长：最多 %(limit)s 个字")
                           % {"label": label, "limit": limit}))
    return text


def _count(value, field: str, label: str, errors: dict, limit: int = 100_000) -> int:
    try:
        n = int(value if value not in (None, "") else 0)
        if isinstance(value, bool) or isinstance(value, float) or not 0 <= n <= limit:
            raise ValueError
    except (TypeError, ValueError):
        errors.update(_err(field, f"{field}.invalid", _("%(label)s应为 0–%(limit)s 的整数") % {
            "label": label, "limit": limit}))
        return 0
    return n


def _money(value, field: str, label: str, errors: dict, maximum: Decimal) -> Decimal | None:
    """Decimal with at most two places, > 0 and ≤ maximum (yuan or m²); text or Decimal,
    never float."""
    if isinstance(value, (float, bool)) or value in (None, ""):
        errors.update(_err(field, f"{field}.invalid", _("请填写%(label)s（数字，最多两位小数）") % {"label": label}))
        return None
    try:
        d = Decimal(str(value).strip())
    except InvalidOperation:
        d = None
    if d is None or not d.is_finite() or d <= 0 or d > maximum or d != d.quantize(Decimal("0.01")):
        errors.update(_err(field, f"{field}.invalid", _("%(label)s应为大于 0 的数字，最多两位小数") % {"label": label}))
        return None
    return d.quantize(Decimal("0.01"))


def _clean_facility(actor: Actor, data: dict, errors: dict) -> dict:
    from ...organizations.models import SocialOrganization

    out: dict = {}
    kind = data.get("kind")
    if kind not in FacilityKind.values:
        errors.update(_err("kind", "kind.unknown", _("请选择设施类型")))
    out["kind"] = kind
    out["name"] = _text(data.get("name"), "name", _("名称"), 100, errors, required=True)
    code = str(data.get("region") or "").strip()
    region = Region.objects.filter(code=code, level=Region.Level.VILLAGE).first() if code.isdigit() else None
    if region is None or not _in_scope(actor, region.code):
        errors.update(_err("region", "region.invalid", _("所在社区（村）应为您管辖范围内的社区或村")))
    out["region"] = region
    out["address"] = _text(data.get("address"), "address", _("地址"), 200, errors)
    out["floor_area"] = _money(data.get("floor_area"), "floor_area", _("建筑面积"), errors, Decimal("1000000"))
    out["seats"] = _count(data.get("seats"), "seats", _("座位数"), errors)
    out["beds"] = _count(data.get("beds"), "beds", _("床位数"), errors)
    op = data.get("operator")
    out["operator"] = None
    if op not in (None, "", 0, "0"):
        try:
            out["operator"] = SocialOrganization.objects.get(pk=int(op))
        except (TypeError, ValueError, SocialOrganization.DoesNotExist):
            errors.update(_err("operator", "operator.not_found", _("运营方不在社会组织名录中")))
    for f in ("opened_on", "closed_on"):
        try:
            out[f] = _as_date(data.get(f), f)
        except ValidationFailed as exc:
            errors.update(exc.fields)
            out[f] = None
    if out["closed_on"] and (out["opened_on"] is None or out["closed_on"] <= out["opened_on"]):
        errors.update(_err("closed_on", "closed_on.before_opened", _("停止运营日期应晚于投入运营日期")))
    services = data.get("services") or []
    if not isinstance(services, (list, tuple)) or any(s not in rules.FACILITY_SERVICES for s in services):
        errors.update(_err("services", "services.unknown", _("服务项目应从列表中选择")))
        services = []
    out["services"] = [s for s in rules.FACILITY_SERVICES if s in services]
    out["note"] = _text(data.get("note"), "note", _("备注"), 200, errors)
    return out


def _snapshot(f: DayCareCenter) -> dict:
    return {"kind": f.kind, "name": f.name, "region": f.region_id, "address": f.address,
            "floor_area": str(f.floor_area), "seats": f.seats, "beds": f.beds, "operator": f.operator_id,
            "opened_on": f.opened_on, "closed_on": f.closed_on, "services": f.services, "note": f.note}


def save_facility(actor: Actor, data: dict, facility: DayCareCenter | None = None, *,
                  version: int | None = None) -> DayCareCenter:
    """Register a facility (``facility`` None) or change one (from a scoped selector).

    ``data``: ``kind`` (day_care / mutual_aid / service_station), ``name`` (≤ 100),
    ``region`` (code of the community or village it stands in, in the user's scope),
    ``address``, ``floor_area`` (m², > 0, two decimals), ``seats``, ``beds`` (0–100000),
    ``operator`` (id of a SocialOrganization, or empty), ``opened_on``, ``closed_on``
    (after ``opened_on``), ``services`` (codes of :data:`rules.FACILITY_SERVICES`),
    ``note``. ``version``: the version the user saw (Conflict ``facility.conflict`` if
    changed since). Needs ``manage_eldercare``. Raises Forbidden, NotFound,
    ValidationFailed (every field at once), Conflict."""
    require(actor, Perm.MANAGE_ELDERCARE)
    if facility is not None and not _in_scope(actor, facility.region_id):
        raise NotFound("facility.not_found")
    errors: dict = {}
    clean = _clean_facility(actor, data, errors)
    if errors:
        raise ValidationFailed(errors)
    with transaction.atomic():
        if facility is None:
            facility = DayCareCenter.objects.create(**clean)
            snap = _snapshot(facility)
            record(actor, "eldercare.facility.create", facility,
                   changes={k: [None, v] for k, v in snap.items() if v not in (None, "", []) and k != "services"},
                   extra={"services": snap["services"]})
            return facility
        locked = DayCareCenter.objects.select_for_update().get(pk=facility.pk)
        if version is not None and locked.version != int(version):
            raise Conflict("facility.conflict", _("该设施已被他人修改，请刷新后重试"))
        before = _snapshot(locked)
        for k, v in clean.items():
            setattr(locked, k, v)
        locked.version = F("version") + 1
        locked.save()
        locked.refresh_from_db()
        after = _snapshot(locked)
        changes = model_changes({k: v for k, v in before.items() if k != "services"},
                                {k: v for k, v in after.items() if k != "services"})
        if changes or before["services"] != after["services"]:
            record(actor, "eldercare.facility.update", locked, changes=changes,
                   extra={"services": [before["services"], after["services"]]})
    return locked


def assign(actor: Actor, facility: DayCareCenter, region_code: str, start, end=None) -> FacilityAssignment:
    """Record that ``facility`` serves the community or village ``region_code`` from
    ``start`` (to ``end``, exclusive, optional). The region must be an urban community or
    a village (not a virtual unit) in the user's scope. Conflict
    ``assignment.duplicate`` if an open assignment of the same pair exists. Needs
    ``manage_eldercare``."""
    require(actor, Perm.MANAGE_ELDERCARE)
    if not _in_scope(actor, facility.region_id):
        raise NotFound("facility.not_found")
    errors: dict = {}
    code = str(region_code or "").strip()
    region = Region.objects.filter(code=code, level=Region.Level.VILLAGE,
                                   kind__in=[Region.Kind.COMMUNITY, Region.Kind.VILLAGE]).first() if code.isdigit() else None
    if region is None or not _in_scope(actor, region.code):
        errors.update(_err("region", "region.invalid", _("服务范围应为您管辖范围内的城市社区或行政村")))
    try:
        start_d = _as_date(start, "start")
        if start_d is None:
            errors.update(_err("start", "start.missing", _("请填写起始日期")))
    except ValidationFailed as exc:
        errors.update(exc.fields)
        start_d = None
    try:
        end_d = _as_date(end, "end")
    except ValidationFailed as exc:
        errors.update(exc.fields)
        end_d = None
    if start_d and end_d and end_d <= start_d:
        errors.update(_err("end", "end.before_start", _("终止日期应晚于起始日期")))
    if errors:
        raise ValidationFailed(errors)
    try:
        with transaction.atomic():
            a = FacilityAssignment.objects.create(facility=facility, region=region, start=start_d, end=end_d)
            record(actor, "eldercare.facility.assign", facility, changes={"assignment": [None, region.code]},
                   extra={"start": start_d.isoformat(), "end": end_d.isoformat() if end_d else None})
    except IntegrityError:
        raise Conflict("assignment.duplicate", _("%(region)s 已在该设施的服务范围内") % {"region": region.name}) from None
    return a


def end_assignment(actor: Actor, assignment: FacilityAssignment, end) -> FacilityAssignment:
    """End an open assignment on ``end`` (after its start). Needs ``manage_eldercare``."""
    require(actor, Perm.MANAGE_ELDERCARE)
    if not _in_scope(actor, assignment.facility.region_id):
        raise NotFound("facility.not_found")
    end_d = _as_date(end, "end")
    if end_d is None or end_d <= assignment.start:
        raise ValidationFailed(_err("end", "end.before_start", _("终止日期应晚于起始日期")))
    with transaction.atomic():
        locked = FacilityAssignment.objects.select_for_update().get(pk=assignment.pk)
        if locked.end is not None:
            raise Conflict("assignment.ended", _("该服务范围已终止"))
        locked.end = end_d
        locked.save(update_fields=["end"])
        record(actor, "eldercare.facility.unassign", assignment.facility,
               changes={"assignment": [locked.region_id, None]}, extra={"end": end_d.isoformat()})
    return locked


def record_subsidy(actor: Actor, facility: DayCareCenter, *, year, kind, amount, source, approval,
                   approved_on) -> FacilitySubsidy:
    """Record a construction or operating subsidy of ``facility`` for ``year``:
    ``amount`` in yuan (Decimal or text, > 0, two decimals, never float), ``source``
    (资金来源, ≤ 100), ``approval`` (批准文号, ≤ 100), ``approved_on`` (not after today).
    One row per facility, year, kind and approval document (Conflict
    ``subsidy.duplicate``). Needs ``manage_eldercare``."""
    require(actor, Perm.MANAGE_ELDERCARE)
    if not _in_scope(actor, facility.region_id):
        raise NotFound("facility.not_found")
    errors: dict = {}
    try:
        year_i = int(year)
        if isinstance(year, bool) or not 2000 <= year_i <= 2100:
            raise ValueError
    except (TypeError, ValueError):
        errors.update(_err("year", "year.invalid", _("年度应为 2000–2100 的整数")))
        year_i = None
    if kind not in ("construction", "operating"):
        errors.update(_err("kind", "kind.unknown", _("补贴类型应为建设补贴或运营补贴")))
    amt = _money(amount, "amount", _("金额"), errors, MAX_AMOUNT)
    src = _text(source, "source", _("资金来源"), 100, errors, required=True)
    appr = _text(approval, "approval", _("批准文号"), 100, errors, required=True)
    try:
        on = _as_date(approved_on, "approved_on")
        if on is None:
            errors.update(_err("approved_on", "approved_on.missing", _("请填写批准日期")))
        elif on > timezone.localdate():
            errors.update(_err("approved_on", "approved_on.future", _("批准日期不能晚于今天")))
    except ValidationFailed as exc:
        errors.update(exc.fields)
        on = None
    if errors:
        raise ValidationFailed(errors)
    try:
        with transaction.atomic():
            s = FacilitySubsidy.objects.create(
                facility=facility, year=year_i, kind=kind, amount=amt, source=src, approval=appr, approved_on=on,
                created_by=actor.user if getattr(actor.user, "pk", None) else None)
            record(actor, "eldercare.facility.subsidy", facility, changes={"subsidy": [None, str(amt)]},
                   extra={"year": year_i, "kind": kind, "source": src, "approval": appr})
    except IntegrityError:
        raise Conflict("subsidy.duplicate", _("该设施 %(year)s 年依 %(approval)s 的%(kind)s已登记") % {
            "year": year_i, "approval": appr, "kind": s_kind_name(kind)}) from None
    return s


def s_kind_name(kind: str) -> str:
    return _("建设补贴") if kind == "construction" else _("运营补贴")


def _attendance_day(actor: Actor, facility: DayCareCenter, day) -> datetime.date:
    require(actor, Perm.RECORD_ATTENDANCE)
    if not _in_scope(actor, facility.region_id):
        raise NotFound("facility.not_found")
    d = _as_date(day, "day")
    if d is None:
        raise ValidationFailed(_err("day", "day.missing", _("请填写日期")))
    if d > timezone.localdate():
        raise ValidationFailed(_err("day", "day.future", _("日期不能晚于今天")))
    if facility.status_on(d) != "operating":
        raise ValidationFailed(_err("day", "day.not_operating", _("%(name)s 在 %(day)s 未运营") % {
            "name": facility.name, "day": d.isoformat()}))
    return d


def record_daily_count(actor: Actor, facility: DayCareCenter, day, count) -> DailyAttendance:
    """Set the person-visits of ``day`` where names are not taken (0–10000; a second
    entry for the same day replaces the first, audited with both values). Needs
    ``record_attendance`` and the facility in scope; the facility must operate that day."""
    d = _attendance_day(actor, facility, day)
    errors: dict = {}
    n = _count(count, "count", _("人次"), errors, limit=10_000)
    if errors:
        raise ValidationFailed(errors)
    with transaction.atomic():
        row = DailyAttendance.objects.select_for_update().filter(facility=facility, day=d).first()
        before = row.count if row else None
        if row is None:
            row = DailyAttendance.objects.create(facility=facility, day=d, count=n,
                                                 created_by=actor.user if getattr(actor.user, "pk", None) else None)
        else:
            row.count = n
            row.save(update_fields=["count"])
        record(actor, "eldercare.attendance.count", facility, changes={"count": [before, n]},
               extra={"day": d.isoformat()})
    return row


def check_in(actor: Actor, facility: DayCareCenter, person: Person, day) -> CheckIn:
    """Check ``person`` (from a scoped selector) in at ``facility`` on ``day``: one
    person-visit. Twice the same day is Conflict ``check_in.duplicate``."""
    d = _attendance_day(actor, facility, day)
    if person.life_status != Person.LifeStatus.ALIVE:
        raise ValidationFailed(_err("person", "person.not_alive", _("%(name)s 的人员状态为“%(status)s”") % {
            "name": person.name, "status": person.get_life_status_display()}))
    try:
        with transaction.atomic():
            c = CheckIn.objects.create(facility=facility, person=person, day=d,
                                       created_by=actor.user if getattr(actor.user, "pk", None) else None)
            record(actor, "eldercare.attendance.check_in", facility, extra={"day": d.isoformat(), "person": person.pk})
    except IntegrityError:
        raise Conflict("check_in.duplicate", _("%(name)s 在 %(day)s 已签到") % {
            "name": person.name, "day": d.isoformat()}) from None
    return c


def export_facilities(actor: Actor, f, region=None) -> tuple[bytes, str, str, int]:
    """The facilities visible to the acting user matching ``f``
    (:class:`selectors.FacilityFilters`) as xlsx, with this year's person-visits (to
    today) and subsidies: ``(bytes, file name, ASCII fallback, rows)``. Needs ``export``
    and ``view_eldercare``; audited as ``eldercare.export``."""
    from django.utils import translation

    from .. import exports, selectors

    require(actor, Perm.EXPORT)
    require(actor, Perm.VIEW_ELDERCARE)
    today = timezone.localdate()
    facilities = list(selectors.search_facilities(actor.user, f).prefetch_related("assignments__region",
                                                                                  "subsidies"))
    visits = selectors.person_visits(facilities, datetime.date(today.year, 1, 1), today)
    who = getattr(actor.user, "full_name", "") or actor.name
    with translation.override("zh-hans"):
        rows = []
        for fac in facilities:
            served = [a.region.name for a in fac.assignments.all() if a.end is None]
            year_subsidies = [s for s in fac.subsidies.all() if s.year == today.year]
            rows.append((fac.name, fac.get_kind_display(), fac.region.name, fac.address, float(fac.floor_area),
                         fac.seats, fac.beds, fac.operator.name if fac.operator_id else "社区自营",
                         fac.opened_on.isoformat() if fac.opened_on else "",
                         {"planned": "筹建", "operating": "运营中", "closed": "已停止"}[fac.status_on(today)],
                         "、".join(served), visits.get(fac.pk, 0),
                         float(sum((s.amount for s in year_subsidies if s.kind == "construction"), Decimal(0))),
                         float(sum((s.amount for s in year_subsidies if s.kind == "operating"), Decimal(0)))))
        name, fallback = exports.file_names("日间照料设施", "facilities", region, today)
        title = (f"{exports.region_name(region)} 日间照料中心和互助幸福院（人次、补贴为 {today.year} 年） 导出人：{who}，"
                 f"导出时间：{timezone.localtime():%Y-%m-%d %H:%M}")
        data = exports.table_xlsx("设施", title, exports.FACILITY_HEADERS, rows)
    record(actor, "eldercare.export", None, region_code=region.code if region is not None else "",
           extra={"what": "facilities", "rows": len(rows)})
    return data, name, fallback, len(rows)


def export_coverage(actor: Actor, region, on: datetime.date) -> tuple[bytes, str, str]:
    """Coverage of ``region`` (from a scoped selector; None: the user's scope) on ``on``
    as xlsx: the total, one row per child region, then the communities and villages
    not covered. Needs ``export`` and ``view_eldercare``; audited."""
    from django.utils import translation

    from .. import exports, selectors

    require(actor, Perm.EXPORT)
    require(actor, Perm.VIEW_ELDERCARE)
    cov = selectors.coverage(actor.user, region, on)
    children = selectors.coverage_by_child(actor.user, region, on) if region is not None else []

    def pct(v):
        return "—" if v is None else f"{v * 100:.1f}%"

    with translation.override("zh-hans"):
        rows = [(exports.region_name(region), cov.urban_served, cov.urban_total, pct(cov.urban), cov.rural_served,
                 cov.rural_total, pct(cov.rural))]
        rows += [(c.name, x.urban_served, x.urban_total, pct(x.urban), x.rural_served, x.rural_total, pct(x.rural))
                 for c, x in children]
        rows.append(())
        rows += [("未覆盖：" + name, code, "城市社区" if kind == "community" else "行政村") for code, kind, name in
                 cov.uncovered]
        name, fallback = exports.file_names(f"日间照料覆盖率-{on:%Y-%m-%d}", "coverage", region, timezone.localdate())
        title = f"{exports.region_name(region)} 日间照料覆盖率（{on:%Y-%m-%d}）：城市 = 已分配设施的城市社区 ÷ 全部城市社区；农村 = 已分配的行政村 ÷ 全部行政村"
        data = exports.table_xlsx("覆盖率", title, exports.COVERAGE_HEADERS, rows)
    record(actor, "eldercare.export", None, region_code=region.code if region is not None else "",
           extra={"what": "coverage", "on": on.isoformat()})
    return data, name, fallback
