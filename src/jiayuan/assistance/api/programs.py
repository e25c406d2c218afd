"""``/api/v1/assistance/programs`` and ``/api/v1/assistance/parameters``: the programs
with their parameter schemas, and the parameters with their history (GET), entered or
corrected by the city or a county (POST; see services.parameters)."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone
from ninja import Router, Schema
from ninja.responses import Status

from ...accounts.permissions import Perm
from ...api.auth import actor
from ...api.types import Id
from ...errors import Forbidden
from .. import services
from ..selectors import programs as selectors

router = Router(tags=["社会救助"])


def require_view(request) -> None:
    """403 for a role that may not see the assistance app at all."""
    if not request.auth.can(Perm.VIEW_ASSISTANCE):
        from django.utils.translation import gettext as _

        raise Forbidden("permission_denied", _("您的角色无权执行此操作"))


class SchemaFieldOut(Schema):
    key: str
    kind: str
    label: str
    unit: str
    required: bool
    default: Any = None
    choices: list[Any]
    help: str


class ProgramOut(Schema):
    code: str
    name: str
    unit: str
    unit_name: str
    department: str
    monthly: bool
    policy: str
    active: bool
    parameters_schema: list[SchemaFieldOut]


class ParameterOut(Schema):
    id: int
    program: str
    program_name: str
    region: str
    region_name: str
    effective_from: datetime.date
    values: dict
    policy: str
    note: str
    used: bool
    created_by: str
    created_at: datetime.datetime


class ParameterIn(Schema):
    program: str
    region: str
    effective_from: datetime.date
    values: dict[str, Any]
    policy: str = ""
    note: str = ""


def program_out(p) -> dict:
    return {"code": p.code, "name": p.name, "unit": p.unit, "unit_name": p.get_unit_display(),
            "department": p.department, "monthly": p.monthly, "policy": p.policy, "active": p.active,
            "parameters_schema": selectors.schema_of(p.code)}


def parameter_out(row) -> dict:
    return {"id": row.pk, "program": row.program_id, "program_name": row.program.name, "region": row.region_id,
            "region_name": row.region.name, "effective_from": row.effective_from, "values": row.values,
            "policy": row.policy, "note": row.note, "used": bool(getattr(row, "used", False)),
            "created_by": str(row.created_by or ""), "created_at": timezone.localtime(row.created_at)}


@router.get("/programs", response=list[ProgramOut], summary="救助项目（含参数定义）")
def list_programs(request):
    require_view(request)
    return [program_out(p) for p in selectors.programs()]


@router.get("/programs/{code}", response=ProgramOut, summary="救助项目详情（含参数定义）")
def get_program(request, code: str):
    require_view(request)
    return program_out(selectors.get_program(code))


@router.get("/parameters", response=list[ParameterOut],
            summary="项目参数及其历史（本辖区适用的市、县区参数；每个生效月份一条）")
def list_parameters(request, program: str = "", region: str = ""):
    require_view(request)
    return [parameter_out(r) for r in selectors.parameters_for(request.auth, program, region)]


@router.get("/parameters/in-force", response={200: ParameterOut, 204: None},
            summary="某区划某月适用的参数（县区优先于市；生效月份不晚于该月的最新一条）")
def parameter_in_force(request, program: str, region: str, month: datetime.date):
    require_view(request)
    row = selectors.in_force_for(request.auth, program, region, month)
    if row is None:
        return Status(204, None)
    return parameter_out(selectors.get_parameter(request.auth, row.pk))


@router.get("/parameters/{int:parameter_id}", response=ParameterOut, summary="一条参数")
def get_parameter(request, parameter_id: Id):
    require_view(request)
    return parameter_out(selectors.get_parameter(request.auth, parameter_id))


@router.post("/parameters", response={200: ParameterOut, 201: ParameterOut},
             summary="录入参数（新生效月份为新的一条，201）；更正未用于发放的同月参数（200）；已用于发放的不能修改（409）")
def set_parameters(request, body: ParameterIn):
    row, created = services.set_parameters(actor(request), body.program, body.region, body.effective_from,
                                           body.values, body.policy, body.note)
    return Status(201 if created else 200, parameter_out(selectors.get_parameter(request.auth, row.pk)))
