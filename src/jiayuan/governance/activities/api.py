"""``/api/v1/activities`` — education activities in the caller's scope
(``manage_activities``): the list, an activity with its named participants and photos,
recording one, naming participants and uploading photos, through :mod:`.services` only
(422 naming the field, 403 without the permission, 404 outside the scope)."""

from datetime import date

from typing import Annotated

from django.utils.translation import gettext as _
from pydantic import Field
from ninja import File, Router, Schema
from ninja.files import UploadedFile
from ninja.responses import Status

from ...accounts.permissions import Perm
from ...api.auth import actor
from ...api.types import MAX_PERSONS, BoundedList, Id
from ...errors import Forbidden, ValidationFailed
from ...facilities.selectors.facilities import facilities_for
from ...people.rules import N_, RuleError
from ...people.selectors import persons_for
from ...regions.models import Region
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


class ActivityParticipantOut(Schema):
    id: int
    name: str


class ActivityOut(ActivityRow):
    organizer_kind: str
    facility: int | None
    place: str
    speakers: str
    named: list[ActivityParticipantOut]
    photos: list[int]


class ActivityIn(Schema):
    region: str
    kind: str
    title: str
    held_on: date | None = None
    organizer_name: str
    organizer_kind: str = "community"
    facility: Id | None = None
    place: str = ""
    speakers: str = ""
    participant_count: Annotated[int, Field(ge=0, le=1_000_000)] = 0
    participants: BoundedList[Id, MAX_PERSONS] = []


class ActivityParticipantsIn(Schema):
    add: BoundedList[Id, MAX_PERSONS] = []
    remove: BoundedList[Id, MAX_PERSONS] = []


def _require(user):
    if not user.can(Perm.MANAGE_ACTIVITIES):
        raise Forbidden("permission_denied", _("您的角色不能登记活动和志愿服务"))


def _field(field: str, code: str, template: str) -> ValidationFailed:
    return ValidationFailed.from_rule_errors([RuleError(code, template, field=field)])


def _out(a) -> dict:
    return {"id": a.pk, "kind": a.kind.code, "title": a.title, "held_on": a.held_on, "region": a.region_id,
            "organizer": a.organizer_name, "participants": a.participant_count, "organizer_kind": a.organizer_kind,
            "facility": a.facility_id, "place": a.place, "speakers": a.speakers,
            "named": [{"id": p.pk, "name": p.name} for p in a.participants.order_by("name")[:200]],
            "photos": list(selectors.photos_of(a).values_list("pk", flat=True))}


@router.get("/activities", response=list[ActivityRow], summary="教育活动（最新在前，最多 500 场）")
def list_activities(request, start: date | None = None, end: date | None = None):
    _require(request.auth)
    qs = selectors.activities_for(request.auth)
    if start:
        qs = qs.filter(held_on__gte=start)
    if end:
        qs = qs.filter(held_on__lte=end)
    return [{"id": a.pk, "kind": a.kind.code, "title": a.title, "held_on": a.held_on, "region": a.region_id,
             "organizer": a.organizer_name, "participants": a.participant_count} for a in qs[:500]]


@router.post("/activities", response={201: ActivityOut},
             summary="登记教育活动（社区（村）、类别、日期、场所、主办方、主讲人、参加人数及登记的参加居民）")
def create_activity(request, body: ActivityIn):
    user = request.auth
    _require(user)
    kind = selectors.kinds().filter(code=body.kind or "-").first()
    if kind is None:
        raise _field("kind", "activity.kind", N_("请选择活动类别"))
    facility = None
    if body.facility is not None:
        facility = facilities_for(user).filter(pk=body.facility).first()
        if facility is None:
            raise _field("facility", "activity.facility", N_("活动场所须是本社区（村）的设施"))
    persons = list(persons_for(user).filter(pk__in=body.participants))
    if len(persons) != len(set(body.participants)):
        raise _field("participants", "activity.participant", N_("参加居民须是您辖区居民库中的居民"))
    a = services.create_activity(actor(request), Region.objects.filter(code=body.region.strip() or "-").first(), kind,
                                 title=body.title, held_on=body.held_on, organizer_name=body.organizer_name,
                                 organizer_kind=body.organizer_kind, facility=facility, place=body.place,
                                 speakers=body.speakers, participant_count=body.participant_count,
                                 participants=persons)
    return Status(201, _out(a))


@router.get("/activities/{activity_id}", response=ActivityOut, summary="教育活动：参加居民和照片")
def activity(request, activity_id: Id):
    _require(request.auth)
    return _out(selectors.get_activity(request.auth, activity_id))


@router.post("/activities/{activity_id}/participants", response=ActivityOut,
             summary="登记或移除参加居民（辖区居民库中的居民；参加人数随之不少于登记人数）")
def participants(request, activity_id: Id, body: ActivityParticipantsIn):
    _require(request.auth)
    a = services.name_participants(actor(request), selectors.get_activity(request.auth, activity_id),
                                   add=body.add, remove=body.remove)
    return _out(a)


@router.post("/activities/{activity_id}/photos", response={201: ActivityOut},
             summary="上传活动照片（multipart 字段 photos；JPEG、PNG 或 WebP，每张不超过 10 MB，一次最多 6 张）")
def photos(request, activity_id: Id, photos: list[UploadedFile] = File(..., max_length=services.MAX_PHOTOS_AT_ONCE)):
    _require(request.auth)
    a = selectors.get_activity(request.auth, activity_id)
    services.add_photos(actor(request), a, photos)
    return Status(201, _out(a))
