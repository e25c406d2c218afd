"""``/api/v1/volunteers``, ``/api/v1/volunteer-teams``, ``/api/v1/volunteer-services`` —
volunteers' service in the caller's scope (``manage_activities``): teams, real-name
registration, service records and their confirmation by someone other than the
recorder, records of service; through :mod:`.services` only (422 naming the field, 403,
404 outside the scope, 409 when already done). A volunteer's records are personal
information: reading them is audited (``volunteer.view``)."""

from datetime import date
from decimal import Decimal

from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.responses import Status

from ...api.auth import actor
from ...api.types import Id
from ...errors import Forbidden, ValidationFailed
from ...people.rules import N_, RuleError
from ...accounts.permissions import Perm
from ...organizations.selectors import organizations_for
from ...regions.models import Region
from ..activities import selectors as activity_selectors
from . import selectors, services

router = Router(tags=["教育活动与志愿服务"])


class VolunteerRecordOut(Schema):
    served_on: date
    content: str
    hours: Decimal
    evaluation: str
    activity: int | None
    confirmed: bool


class VolunteerOut(Schema):
    id: int
    name: str
    team: str
    registered_on: date
    confirmed_hours: Decimal
    confirmed_services: int
    records: list[VolunteerRecordOut]


def _require(user):
    if not user.can(Perm.MANAGE_ACTIVITIES):
        raise Forbidden("permission_denied", _("您的角色不能登记活动和志愿服务"))


@router.get("/volunteers/{volunteer_id}", response=VolunteerOut, summary="志愿者的服务记录和已确认时长（查看留痕）")
def volunteer(request, volunteer_id: Id):
    _require(request.auth)
    f = services.read_volunteer(actor(request), selectors.get_volunteer(request.auth, volunteer_id))
    v = f.volunteer
    return {"id": v.pk, "name": v.person.name, "team": v.team.name, "registered_on": v.registered_on,
            "confirmed_hours": f.hours, "confirmed_services": f.count,
            "records": [{"served_on": r.served_on, "content": r.content, "hours": r.hours, "evaluation": r.evaluation,
                         "activity": r.activity_id, "confirmed": r.confirmed_at is not None} for r in f.records]}


class VolunteerTeamIn(Schema):
    region: str
    name: str
    organization: Id | None = None


class VolunteerTeamOut(Schema):
    id: int
    name: str
    region: str
    organization: int | None


class VolunteerIn(Schema):
    team: Id
    id_number: str
    registered_on: date | None = None
    skills: str = ""


class VolunteerRow(Schema):
    id: int
    name: str
    team: int
    registered_on: date


class VolunteerServiceIn(Schema):
    served_on: date | None = None
    content: str
    hours: Decimal
    evaluation: str
    activity: Id | None = None


class VolunteerServiceOut(VolunteerRecordOut):
    id: int
    volunteer: int
    name: str


class VolunteerCertificateOut(Schema):
    id: int
    number: str
    issued_on: date
    records: int
    hours: Decimal


def _team(t) -> dict:
    return {"id": t.pk, "name": t.name, "region": t.region_id, "organization": t.organization_id}


def _service(r) -> dict:
    return {"id": r.pk, "volunteer": r.volunteer_id, "name": r.volunteer.person.name, "served_on": r.served_on,
            "content": r.content, "hours": r.hours, "evaluation": r.evaluation, "activity": r.activity_id,
            "confirmed": r.confirmed_at is not None}


@router.get("/volunteer-teams", response=list[VolunteerTeamOut], summary="志愿服务队（辖区内，最多 500 个）")
def teams(request):
    _require(request.auth)
    return [_team(t) for t in selectors.teams_for(request.auth).order_by("region_id", "name")[:500]]


@router.post("/volunteer-teams", response={201: VolunteerTeamOut}, summary="成立志愿服务队（可属于已登记的社会组织）")
def create_team(request, body: VolunteerTeamIn):
    user = request.auth
    _require(user)
    org = None
    if body.organization is not None:
        org = organizations_for(user).filter(pk=body.organization).first()
        if org is None:
            raise ValidationFailed.from_rule_errors([RuleError("team.organization", N_("请选择辖区内已登记的社会组织"),
                                                               field="organization")])
    region = Region.objects.filter(code=body.region.strip() or "-").first()
    return Status(201, _team(services.create_team(actor(request), region, body.name, org)))


@router.post("/volunteers", response={201: VolunteerRow}, summary="志愿者实名注册（按居民身份证号码在居民库中查找）")
def register(request, body: VolunteerIn):
    _require(request.auth)
    team = selectors.get_team(request.auth, body.team)
    v = services.register_volunteer(actor(request), team, body.id_number, registered_on=body.registered_on,
                                    skills=body.skills)
    return Status(201, {"id": v.pk, "name": v.person.name, "team": team.pk, "registered_on": v.registered_on})


@router.post("/volunteers/{volunteer_id}/services", response={201: VolunteerServiceOut},
             summary="登记志愿服务（日期、内容、时长 0.5–24 小时、评价；参加活动的为活动当日），待他人确认")
def record_service(request, volunteer_id: Id, body: VolunteerServiceIn):
    user = request.auth
    _require(user)
    v = selectors.get_volunteer(user, volunteer_id)
    activity = activity_selectors.get_activity(user, body.activity) if body.activity is not None else None
    r = services.record_service(actor(request), v, served_on=body.served_on, content=body.content, hours=body.hours,
                                evaluation=body.evaluation, activity=activity)
    return Status(201, _service(r))


@router.get("/volunteer-services", response=list[VolunteerServiceOut],
            summary="待确认的志愿服务记录（本人登记的除外，最早在前，最多 500 条）")
def to_confirm(request):
    _require(request.auth)
    return [_service(r) for r in selectors.to_confirm(request.auth)[:500]]


@router.post("/volunteer-services/{service_id}/confirm", response=VolunteerServiceOut,
             summary="确认志愿服务记录（须由登记人以外的组织者确认；已确认的 409）")
def confirm(request, service_id: Id):
    _require(request.auth)
    r = services.confirm_service(actor(request), selectors.get_record(request.auth, service_id))
    return _service(r)


@router.post("/volunteers/{volunteer_id}/certificates", response={201: VolunteerCertificateOut},
             summary="出具志愿服务记录证明（截至当日已确认的服务）")
def certificate(request, volunteer_id: Id):
    _require(request.auth)
    c = services.issue_certificate(actor(request), selectors.get_volunteer(request.auth, volunteer_id))
    return Status(201, {"id": c.pk, "number": c.number, "issued_on": c.issued_on, "records": c.records,
                        "hours": c.hours})
