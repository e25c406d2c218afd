"""Writes of activities (``manage_activities``): one transaction each, audited."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ...accounts.permissions import Perm
from ...audit.services import Actor, record
from ...errors import Forbidden, NotFound, ValidationFailed
from ...people.rules import N_, RuleError
from ...people.selectors import persons_for
from ..models import Activity, ActivityKind, ActivityPhoto
from . import rules

MAX_PHOTOS = 20  # photos of one activity
MAX_PHOTOS_AT_ONCE = 6


def _require(actor: Actor) -> None:
    if not actor.user.can(Perm.MANAGE_ACTIVITIES):
        raise Forbidden("permission_denied", _("您的角色不能登记活动和志愿服务"))


@transaction.atomic
def create_activity(actor: Actor, region, kind, *, title: str, held_on, organizer_name: str,
                    organizer_kind: str = "community", facility=None, place: str = "", speakers: str = "",
                    participant_count: int | None = 0, participants=()) -> Activity:
    """Record an activity held in a community or village of the actor's scope
    (:func:`rules.check_activity`); ``facility`` a service facility of that community
    where it was held there; ``participants`` registry persons in scope (named)."""
    _require(actor)
    if region is None or region.level != "village" or not region.code.startswith(actor.user.scope_code):
        raise ValidationFailed.from_rule_errors([RuleError("activity.region", N_("请选择您管辖范围内的社区（村）"),
                                                           field="region")])
    participants = list(participants)
    errors = rules.check_activity(title=title, held_on=held_on, today=timezone.localdate(),
                                  organizer_name=organizer_name, participant_count=participant_count,
                                  named=len(participants))
    if facility is not None and facility.region_id != region.code:
        errors.append(RuleError("activity.facility", N_("活动场所须是本社区（村）的设施"), field="facility"))
    if organizer_kind not in Activity.Organizer.values:
        errors.append(RuleError("activity.organizer_kind", N_("请选择主办方类别"), field="organizer_kind"))
    if errors:
        raise ValidationFailed.from_rule_errors(errors)
    a = Activity.objects.create(kind=kind, region=region, title=title.strip()[:100], held_on=held_on, facility=facility,
                                place=(place or "").strip()[:100], organizer_kind=organizer_kind,
                                organizer_name=organizer_name.strip()[:100], speakers=(speakers or "").strip()[:200],
                                participant_count=participant_count, recorded_by=actor.user,
                                recorded_at=timezone.now())
    if participants:
        a.participants.set(participants)
    record(actor, "activity.create", a, region_code=region.code, extra={"named": len(participants)})
    return a


def _one(field, code, template, params=None):
    return ValidationFailed.from_rule_errors([RuleError(code, template, params, field=field)])


def _locked(actor: Actor, activity: Activity) -> Activity:
    _require(actor)
    locked = Activity.objects.select_for_update().get(pk=activity.pk)
    if not locked.region_id.startswith(actor.user.scope_code):
        raise NotFound("activity.not_found")
    return locked


@transaction.atomic
def name_participants(actor: Actor, activity: Activity, *, add=(), remove=()) -> Activity:
    """Name residents who took part (``add``: person ids; ``remove``: ids named before),
    residents of the registry the actor reads (:func:`people.selectors.persons_for`); an
    id not among them is a 422 on ``participants`` and nothing changes. The count of
    participants is at least the named (:func:`rules.check_activity`): when more are
    named than counted, the count becomes the number named."""
    activity = _locked(actor, activity)
    add, remove = list(dict.fromkeys(add)), list(dict.fromkeys(remove))
    found = list(persons_for(actor.user).filter(pk__in=add))
    if len(found) != len(add):
        raise _one("participants", "activity.participant", N_("参加居民须是您辖区居民库中的居民"))
    if remove:
        activity.participants.remove(*remove)
    if found:
        activity.participants.add(*found)
    named = activity.participants.count()
    before = activity.participant_count
    if named > activity.participant_count:
        activity.participant_count = named
        activity.save(update_fields=["participant_count"])
    record(actor, "activity.participants", activity, region_code=activity.region_id,
           extra={"added": len(found), "removed": len(remove), "named": named, "count": [before, activity.participant_count]})
    return activity


@transaction.atomic
def add_photos(actor: Actor, activity: Activity, photos) -> list[ActivityPhoto]:
    """Store photos of the activity: each checked by :func:`jiayuan.storage.check_image`
    (JPEG, PNG or WebP, 10 MiB, 40 million pixels; field ``photos``), at most
    :data:`MAX_PHOTOS_AT_ONCE` at once and :data:`MAX_PHOTOS` per activity. All or
    none: a bad file stores nothing."""
    import hashlib

    from django.core.files.base import ContentFile

    from ...storage import IMAGE_TYPES, check_image

    activity = _locked(actor, activity)
    photos = list(photos or [])
    if not photos:
        raise _one("photos", "photo.none", N_("请选择照片"))
    if len(photos) > MAX_PHOTOS_AT_ONCE:
        raise _one("photos", "photo.too_many", N_("一次最多上传 %(n)s 张照片"), {"n": MAX_PHOTOS_AT_ONCE})
    if activity.photos.count() + len(photos) > MAX_PHOTOS:
        raise _one("photos", "photo.too_many", N_("每场活动最多 %(n)s 张照片"), {"n": MAX_PHOTOS})
    checked = [(up, check_image(up, field="photos")) for up in photos]
    now, out = timezone.now(), []
    for up, (data, fmt, width, height) in checked:
        p = ActivityPhoto(activity=activity, original_name=(getattr(up, "name", "") or "")[-200:],
                          content_type=IMAGE_TYPES[fmt], image_format=fmt, size=len(data), width=width,
                          height=height, sha256=hashlib.sha256(data).hexdigest(), uploaded_by=actor.user,
                          uploaded_at=now)
        p.file.save("upload", ContentFile(data), save=False)
        p.save()
        out.append(p)
    record(actor, "activity.photos", activity, region_code=activity.region_id, extra={"photos": len(out)})
    return out


def export_activities(actor: Actor, region, start, end) -> tuple[bytes, str, str, int]:
    """The activities of ``region`` (a Region in scope from the scoped region lookup)
    held ``start``–``end`` as a workbook: ``(bytes, Chinese file name, ASCII fallback,
    rows)``. Needs ``export`` and ``manage_activities`` (Forbidden otherwise); audited
    ``activity.export`` with the filters and the row count."""
    from django.db.models import Count

    from .. import exports
    from . import selectors

    _require(actor)
    if not actor.user.can(Perm.EXPORT):
        raise Forbidden("permission_denied", _("您的角色不能导出数据"))
    qs = (selectors.activities_for(actor.user).filter(region__code__startswith=region.code, held_on__range=(start, end))
          .annotate(named=Count("participants", distinct=True), photo_count=Count("photos", distinct=True))
          .order_by("held_on", "id"))
    data, name, fallback, n = exports.period_workbook("教育活动", "activities", region, start, end, actor.user,
                                                      exports.ACTIVITY_HEADERS, exports.activity_rows(qs), text={1})
    with transaction.atomic():
        record(actor, "activity.export", None, region_code=region.code,
               extra={"rows": n, "filters": {"region": region.code, "start": start.isoformat(), "end": end.isoformat()}})
    return data, name, fallback, n


def load_activity_kinds() -> int:
    """Load the shipped kinds of activities (:data:`rules.SHIPPED_KINDS`) idempotently —
    for commands (``demo-setup``) on a database whose seeded rows were flushed; never
    called on a page."""
    with transaction.atomic():
        for i, (code, name) in enumerate(rules.SHIPPED_KINDS):
            ActivityKind.objects.get_or_create(code=code, defaults={"name": name, "order": i})
    return len(rules.SHIPPED_KINDS)
