"""``/api/v1/regions`` and ``/api/v1/grids``. Regions are named by code, never by id."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext
from ninja import Router, Schema, Status

from ..accounts.permissions import Perm
from ..api.auth import actor
from ..api.types import BoundedList, Id, MAX_IDS
from ..people.selectors import get_household
from . import selectors, services
from .rules import grid_staffing_warning

router = Router(tags=["区划与网格"])


def _viewer(request):
    """The acting user, who must hold view_registry (as on the region pages): an object
    out of scope was already a 404; a role without the right is a 403."""
    if not request.auth.can(Perm.VIEW_REGISTRY):
        raise PermissionDenied
    return request.auth


class RegionOut(Schema):
    code: str
    name: str
    level: str
    kind: str
    parent: str | None


class RegionDetailOut(RegionOut):
    boundary: dict | None = None
    grid_members: int | None = None
    warning: str = ""


def _out(r) -> dict:
    return {"code": r.code, "name": r.name, "level": r.level, "kind": r.kind, "parent": r.parent_id}


def _detail(r) -> dict:
    d = _out(r)
    d["boundary"] = r.boundary
    if r.is_grid:
        n = r.grid_members.filter(active=True).count()
        d["grid_members"], d["warning"] = n, grid_staffing_warning(n, gettext)
    return d


@router.get("/regions", response=list[RegionOut], summary="管辖范围的顶层区划")
def list_regions(request):
    return [_out(r) for r in selectors.top_regions(_viewer(request))]


@router.get("/regions/{code}", response=RegionDetailOut, summary="区划详情")
def region_detail(request, code: str):
    region = selectors.get_region(request.auth, code)
    _viewer(request)
    return _detail(region)


@router.get("/regions/{code}/children", response=list[RegionOut], summary="下级区划")
def region_children(request, code: str):
    region = selectors.get_region(request.auth, code)
    return [_out(r) for r in selectors.children_of(_viewer(request), region)]


class GridIn(Schema):
    parent: str
    name: str
    boundary: Any = None


class GridUpdateIn(Schema):
    name: str
    boundary: Any = None


class SplitIn(Schema):
    name: str
    households: BoundedList[Id, MAX_IDS]


class MoveIn(Schema):
    households: BoundedList[Id, MAX_IDS]


@router.get("/grids", response=list[RegionDetailOut], summary="网格列表（可按上级区划筛选）")
def list_grids(request, under: str = ""):
    region = selectors.get_region(request.auth, under) if under else None
    user = _viewer(request)
    qs = selectors.regions_for(user).filter(level="grid")
    if region is not None:
        qs = qs.filter(code__startswith=region.code)
    return [_detail(r) for r in qs.order_by("code")[:2000]]


@router.post("/grids", response={201: RegionDetailOut}, summary="新建网格")
def create_grid(request, body: GridIn):
    village = selectors.get_region(request.auth, body.parent)
    grid = services.create_grid(actor(request), village, body.name, body.boundary)
    return Status(201, _detail(grid))


@router.patch("/grids/{code}", response=RegionDetailOut, summary="重命名网格或修改边界")
def update_grid(request, code: str, body: GridUpdateIn):
    grid = selectors.get_region(request.auth, code)
    return _detail(services.update_grid(actor(request), grid, body.name, body.boundary))


@router.post("/grids/{code}/split", response={201: RegionDetailOut}, summary="拆分网格：新建网格并移入所选户")
def split_grid(request, code: str, body: SplitIn):
    grid = selectors.get_region(request.auth, code)
    households = [get_household(request.auth, pk) for pk in body.households]
    return Status(201, _detail(services.split_grid(actor(request), grid, body.name, households)))


@router.post("/grids/{code}/households", summary="将户移入本网格")
def move_into_grid(request, code: str, body: MoveIn):
    target = selectors.get_region(request.auth, code)
    households = [get_household(request.auth, pk) for pk in body.households]
    return {"moved": services.move_households(actor(request), households, target)}
