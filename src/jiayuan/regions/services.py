"""Writes to regions: loading the official divisions, and grid management."""

import csv
from dataclasses import dataclass
from importlib import resources

from django.db import transaction
from django.utils.translation import gettext as _

from ..accounts.permissions import Perm
from ..audit.services import Actor, record, record_many
from ..errors import Forbidden, ValidationFailed
from . import rules
from .models import Region


@dataclass
class LoadResult:
    created: int
    updated: int
    unchanged: int


def _division_rows(prefix: str) -> list[dict]:
    """Rows of the shipped NBS 2023 division tables whose code starts with ``prefix`` or
    that are an ancestor of it. Gansu is complete to village level; the rest of China to
    county level."""
    data = resources.files("jiayuan.regions") / "data"
    rows: dict[str, dict] = {}
    for fname in ("china-counties.csv", "gansu.csv"):
        with (data / fname).open(encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                code = row["code"].strip()
                if code.startswith(prefix) or prefix.startswith(code):
                    rows[code] = {
                        "code": code,
                        "name": row["name"].strip(),
                        "level": row["level"].strip(),
                        "parent": row["parent_code"].strip() or None,
                    }
    return sorted(rows.values(), key=lambda r: (len(r["code"]), r["code"]))


def load_divisions(actor: Actor, prefix: str = "") -> LoadResult:
    """Load the shipped official divisions (NBS 统计用区划代码 2023) idempotently.

    Creates missing regions, updates names/levels that differ, leaves the rest; each
    created or changed region is audited. Village-level units get their kind from the
    code range (rules.village_kind). Grids are never touched.
    """
    rows = _division_rows(prefix)
    existing = {r.code: r for r in Region.objects.filter(code__in=[r["code"] for r in rows])}
    to_create, to_update, audit_items = [], [], []
    for row in rows:
        kind = rules.village_kind(row["code"]) if row["level"] == "village" else ""
        cur = existing.get(row["code"])
        if cur is None:
            to_create.append(Region(code=row["code"], name=row["name"], level=row["level"], kind=kind,
                                    parent_id=row["parent"]))
            audit_items.append({"action": "region.create", "object_type": "regions.region",
                                "object_id": row["code"], "object_repr": row["name"], "region_code": row["code"]})
            continue
        changes = {}
        for field, new in (("name", row["name"]), ("level", row["level"]), ("kind", kind), ("parent_id", row["parent"])):
            if getattr(cur, field) != new:
                changes[field] = [getattr(cur, field), new]
                setattr(cur, field, new)
        if changes:
            to_update.append(cur)
            audit_items.append({"action": "region.update", "object_type": "regions.region", "object_id": cur.code,
                                "object_repr": cur.name, "region_code": cur.code, "changes": changes})
    with transaction.atomic():
        Region.objects.bulk_create(to_create, batch_size=1000)
        if to_update:
            Region.objects.bulk_update(to_update, ["name", "level", "kind", "parent"], batch_size=1000)
        record_many(actor, audit_items)
    return LoadResult(len(to_create), len(to_update), len(rows) - len(to_create) - len(to_update))


def _require(actor: Actor, perm: Perm) -> None:
    user = actor.user
    if user is None or not user.can(perm):
        raise Forbidden("permission_denied", _("您的角色无权执行此操作"))


def _check_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise ValidationFailed({"name": [{"code": "name.missing", "message": _("请填写网格名称")}]})
    if len(name) > 100:
        raise ValidationFailed({"name": [{"code": "name.too_long", "message": _("网格名称不得超过 100 个字")}]})
    return name


MAX_BOUNDARY_POINTS = 20_000


def _check_boundary(boundary) -> dict | None:
    """A GeoJSON Polygon or MultiPolygon (RFC 7946: [longitude, latitude] pairs, each ring
    closed and of at least 4 points, at most 20,000 points in all), or None. Only the
    ``type`` and ``coordinates`` members are kept."""
    if boundary in (None, "", {}):
        return None
    ok = isinstance(boundary, dict) and boundary.get("type") in ("Polygon", "MultiPolygon") and isinstance(
        boundary.get("coordinates"), list) and bool(boundary.get("coordinates"))
    if ok:
        polys = boundary["coordinates"] if boundary["type"] == "MultiPolygon" else [boundary["coordinates"]]
        points = 0
        try:
            for poly in polys:
                if not isinstance(poly, list) or not poly:
                    ok = False
                    break
                for ring in poly:
                    if not isinstance(ring, list) or len(ring) < 4 or ring[0] != ring[-1]:
                        ok = False
                        break
                    for point in ring:
                        if not isinstance(point, list) or len(point) != 2 or any(
                                isinstance(c, bool) or not isinstance(c, (int, float)) for c in point):
                            ok = False
                            break
                        lon, lat = float(point[0]), float(point[1])
                        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
                            ok = False
                        points += 1
                    if points > MAX_BOUNDARY_POINTS:
                        ok = False
        except (TypeError, ValueError, OverflowError):
            ok = False
    if not ok:
        raise ValidationFailed({"boundary": [{"code": "boundary.invalid", "message": _(
            "网格边界须为 GeoJSON 多边形（Polygon 或 MultiPolygon），每个环至少 4 个点且首尾相同，"
            "坐标为经度、纬度，总点数不超过 20000")}]})
    return {"type": boundary["type"], "coordinates": boundary["coordinates"]}


def create_grid(actor: Actor, village: Region, name: str, boundary=None) -> Region:
    """Create a grid under a community or village (code = its 12 digits + next 3-digit
    sequence). ``village`` must come from a scoped selector. Raises Forbidden,
    ValidationFailed."""
    _require(actor, Perm.MANAGE_GRIDS)
    if village.level != Region.Level.VILLAGE:
        raise ValidationFailed({"parent": [{"code": "grid.parent_level", "message": _("网格只能建在社区或村之下")}]})
    name = _check_name(name)
    boundary = _check_boundary(boundary)
    with transaction.atomic():
        existing = list(Region.objects.select_for_update().filter(parent=village, level=Region.Level.GRID)
                        .values_list("code", flat=True))
        try:
            code = rules.next_grid_code(village.code, existing)
        except ValueError as exc:
            raise ValidationFailed({"parent": [{"code": "grid.full", "message": str(exc)}]}) from None
        grid = Region.objects.create(code=code, name=name, level=Region.Level.GRID, parent=village, boundary=boundary)
        record(actor, "grid.create", grid, region_code=code, changes={"name": [None, name]})
    return grid


def update_grid(actor: Actor, grid: Region, name: str, boundary=None) -> Region:
    """Rename a grid and/or set its boundary."""
    _require(actor, Perm.MANAGE_GRIDS)
    if not grid.is_grid:
        raise ValidationFailed({"code": [{"code": "grid.not_grid", "message": _("该区划不是网格")}]})
    name = _check_name(name)
    boundary = _check_boundary(boundary)
    with transaction.atomic():
        changes = {}
        if grid.name != name:
            changes["name"] = [grid.name, name]
        if grid.boundary != boundary:
            changes["boundary"] = ["…", "…"]
        grid.name, grid.boundary = name, boundary
        grid.save(update_fields=["name", "boundary", "updated_at"])
        if changes:
            record(actor, "grid.update", grid, region_code=grid.code, changes=changes)
    return grid


def move_households(actor: Actor, households: list, target: Region) -> int:
    """Move households (from scoped selectors) and their members to ``target``: a grid of
    the same community, or the community itself. Each household and person is audited.
    Returns the number of households moved."""
    from ..people.models import Person

    _require(actor, Perm.MANAGE_GRIDS)
    if target.level not in (Region.Level.GRID, Region.Level.VILLAGE):
        raise ValidationFailed({"target": [{"code": "grid.target_level", "message": _("户只能移入网格或社区（村）")}]})
    for hh in households:
        if not target.code.startswith(hh.community_id):
            raise ValidationFailed({"target": [{"code": "grid.other_community", "message": _(
                "户 %(number)s 属于其他社区（村），不能移入该网格") % {"number": hh.number}}]})
    moved = [hh for hh in households if hh.region_id != target.code]
    if not moved:
        return 0
    from django.db.models import F

    from ..people.models import Household, PersonTag

    with transaction.atomic():
        # Lock the households first: a member added concurrently (people.services._join
        # locks the household too) lands either before the move, and moves with it, or
        # after it, and joins in the new grid.
        ids = [h.pk for h in moved]
        list(Household.objects.select_for_update().filter(pk__in=ids).values_list("pk", flat=True))
        items = []
        for hh in moved:
            items.append({"action": "household.move", "object_type": "people.household", "object_id": hh.pk,
                          "object_repr": hh.number, "region_code": target.code,
                          "changes": {"region": [hh.region_id, target.code]}})
        members = list(Person.objects.filter(household__in=ids).only("id", "name", "region"))
        for p in members:
            items.append({"action": "person.move", "object_type": "people.person", "object_id": p.pk,
                          "object_repr": p.name, "region_code": target.code,
                          "changes": {"region": [p.region_id, target.code]}})
        Household.objects.filter(pk__in=ids).update(region=target, version=F("version") + 1)
        Person.objects.filter(household__in=ids).update(region=target, version=F("version") + 1)
        PersonTag.objects.filter(person__household__in=ids).update(region=target)
        record_many(actor, items)
        from ..people.signals import person_moved

        person_moved.send(sender=Person, actor=actor, moves=[(p.pk, p.region_id, target.code) for p in members])
    return len(moved)


def split_grid(actor: Actor, grid: Region, new_name: str, households: list) -> Region:
    """Split a grid: create a sibling grid named ``new_name`` and move the given
    households (all of this grid) into it."""
    _require(actor, Perm.MANAGE_GRIDS)
    if not grid.is_grid:
        raise ValidationFailed({"code": [{"code": "grid.not_grid", "message": _("该区划不是网格")}]})
    for hh in households:
        if hh.region_id != grid.code:
            raise ValidationFailed({"households": [{"code": "grid.not_member", "message": _(
                "户 %(number)s 不在被拆分的网格中") % {"number": hh.number}}]})
    with transaction.atomic():
        new = create_grid(actor, grid.parent, new_name)
        move_households(actor, households, new)
    return new
