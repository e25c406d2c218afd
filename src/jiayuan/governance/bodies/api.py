"""``/api/v1/bodies`` — self-governance bodies of the communities and villages in the
caller's scope: the list, a body with its members and elections, registering a body,
adding a member, recording an election of a residents' or villagers' committee;
through the services only (:mod:`.services`; members: :func:`..mediation.services.add_member`,
the one writer of members) — 422 naming the field, 403 without ``manage_bodies``, 404
outside the scope, 409 when the community already has a live body of the kind."""

from datetime import date
from typing import Annotated

from django.utils.translation import gettext as _
from ninja import Router, Schema
from pydantic import Field
from ninja.responses import Status

from ...accounts.models import User
from ...accounts.permissions import Perm
from ...api.auth import actor
from ...api.types import BoundedList, Id
from ...errors import Forbidden, ValidationFailed
from ...people.rules import N_, RuleError
from ...regions.models import Region
from ..mediation import services as member_services
from . import selectors, services

router = Router(tags=["自治组织"])
Count = Annotated[int, Field(ge=0, le=100_000_000)]


class BodyMemberOut(Schema):
    id: int
    name: str
    role: str
    phone: str
    term_start: date | None
    term_end: date | None
    active: bool
    votes: int | None


class BodyElectionOut(Schema):
    id: int
    held_on: date
    method: str
    eligible: int
    cast: int
    term_start: date
    term_end: date


class BodyRow(Schema):
    id: int
    kind: str
    name: str
    region: str
    term_start: date | None
    term_end: date | None


class BodyOut(BodyRow):
    established_on: date | None
    members: list[BodyMemberOut]
    elections: list[BodyElectionOut]


class BodyIn(Schema):
    region: str
    kind: str
    name: str = ""
    established_on: date | None = None
    term_start: date | None = None
    term_end: date | None = None


class BodyMemberIn(Schema):
    name: str
    role: str = "member"
    phone: str = ""
    user: Id | None = None
    term_start: date | None = None
    term_end: date | None = None


class ElectedIn(Schema):
    name: str
    role: str
    votes: Count


class BodyElectionIn(Schema):
    held_on: date | None = None
    method: str
    eligible: Count
    cast: Count
    elected: BoundedList[ElectedIn, 30]


def _field(field: str, code: str, template: str) -> ValidationFailed:
    return ValidationFailed.from_rule_errors([RuleError(code, template, field=field)])


def _row(b) -> dict:
    return {"id": b.pk, "kind": b.kind.code, "name": b.name, "region": b.region_id, "term_start": b.term_start,
            "term_end": b.term_end}


def _out(b) -> dict:
    return {**_row(b), "established_on": b.established_on,
            "members": [{"id": m.pk, "name": m.name, "role": m.role, "phone": m.phone, "term_start": m.term_start,
                         "term_end": m.term_end, "active": m.active, "votes": m.votes}
                        for m in selectors.members_of(b)],
            "elections": [{"id": e.pk, "held_on": e.held_on, "method": e.method, "eligible": e.eligible,
                           "cast": e.cast, "term_start": e.term_start, "term_end": e.term_end}
                          for e in selectors.elections_of(b)]}


@router.get("/bodies", response=list[BodyRow], summary="自治组织（辖区内在册的，最多 500 个；kind 按类别筛选）")
def list_bodies(request, kind: str = "", region: str = ""):
    if not request.auth.can(Perm.MANAGE_BODIES):
        raise Forbidden("permission_denied", _("您的角色不能查看自治组织"))
    qs = selectors.bodies_for(request.auth)
    if kind:
        qs = qs.filter(kind__code=kind)
    if region:
        qs = qs.filter(region__code__startswith=region)
    return [_row(b) for b in qs[:500]]


@router.get("/bodies/{body_id}", response=BodyOut, summary="自治组织：成员（各届）和选举")
def body_detail(request, body_id: Id):
    return _out(selectors.get_body(request.auth, body_id))


@router.post("/bodies", response={201: BodyOut},
             summary="登记自治组织（居委会、村委会、人民调解委员会、治安保卫委员会、红白理事会等；每个社区（村）每类一个）")
def create_body(request, body: BodyIn):
    kind = selectors.body_kinds().get(body.kind)
    if kind is None:
        raise _field("kind", "body.kind", N_("请选择组织类别"))
    region = Region.objects.filter(code=body.region.strip() or "-").first()
    if region is None:
        raise _field("region", "body.region", N_("请选择您管辖范围内的社区（村）"))
    b = services.create_body(actor(request), region, kind, name=body.name, established_on=body.established_on,
                             term_start=body.term_start, term_end=body.term_end)
    return Status(201, _out(b))


@router.post("/bodies/{body_id}/members", response={201: BodyOut}, summary="增加成员（人民调解委员会最多 9 名）")
def add_member(request, body_id: Id, body: BodyMemberIn):
    b = selectors.get_body(request.auth, body_id)
    user = None
    if body.user is not None:
        user = User.objects.filter(pk=body.user, is_active=True).first()
        if user is None:
            raise _field("user", "member.user", N_("账号不存在"))
    member_services.add_member(actor(request), b, name=body.name, role=body.role, user=user, phone=body.phone,
                               term_start=body.term_start, term_end=body.term_end)
    return Status(201, _out(b))


@router.post("/bodies/{body_id}/elections", response={201: BodyOut},
             summary="记录换届选举（居委会、村委会：过半数投票、当选人过半数得票；任期五年）")
def election(request, body_id: Id, body: BodyElectionIn):
    b = selectors.get_body(request.auth, body_id)
    services.record_election(actor(request), b, held_on=body.held_on, method=body.method, eligible=body.eligible,
                             cast=body.cast, elected=[(e.name, e.role, e.votes) for e in body.elected])
    return Status(201, _out(selectors.get_body(request.auth, body_id)))
