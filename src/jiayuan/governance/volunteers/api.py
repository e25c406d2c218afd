"""``/api/v1/activities`` and ``/api/v1/volunteers`` — education activities and
volunteers' service in the caller's scope (``manage_activities``). A volunteer's records
are personal information: reading them is audited (``volunteer.view``)."""

from datetime import date
from decimal import Decimal

from django.utils.translation import gettext as _
from ninja import Router, Schema

from ...api.auth import actor
from ...api.types import Id
from ...errors import Forbidden
from ...accounts.permissions import Perm
from ..activities import selectors as activity_selectors
from . import selectors, services

router = Router(tags=["教育活动与志愿服务"])


class ActivityRow(Schema):
    id: int
    kind: str
    title: str
    held_on: date
    region: str
    organizer: str
    participants: int


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


@router.get("/activities", response=list[ActivityRow], summary="教育活动（最新在前，最多 500 场）")
def list_activities(request, start: date | None = None, end: date | None = None):
    _require(request.auth)
    qs = activity_selectors.activities_for(request.auth)
    if start:
        qs = qs.filter(held_on__gte=start)
    if end:
        qs = qs.filter(held_on__lte=end)
    return [{"id": a.pk, "kind": a.kind.code, "title": a.title, "held_on": a.held_on, "region": a.region_id,
             "organizer": a.organizer_name, "participants": a.participant_count} for a in qs[:500]]


@router.get("/volunteers/{volunteer_id}", response=VolunteerOut, summary="志愿者的服务记录和已确认时长（查看留痕）")
def volunteer(request, volunteer_id: Id):
    _require(request.auth)
    f = services.read_volunteer(actor(request), selectors.get_volunteer(request.auth, volunteer_id))
    v = f.volunteer
    return {"id": v.pk, "name": v.person.name, "team": v.team.name, "registered_on": v.registered_on,
            "confirmed_hours": f.hours, "confirmed_services": f.count,
            "records": [{"served_on": r.served_on, "content": r.content, "hours": r.hours, "evaluation": r.evaluation,
                         "activity": r.activity_id, "confirmed": r.confirmed_at is not None} for r in f.records]}
