"""Scoped reads of activities: those of communities in the user's scope
(``manage_activities``), and participation for a region and period."""

from datetime import date

from django.db.models import Count, QuerySet, Sum

from ...accounts.permissions import Perm
from ...errors import NotFound
from ...regions.models import Region
from ..models import Activity, ActivityKind, ActivityPhoto


def activities_for(user) -> QuerySet:
    if not user.is_authenticated or not user.can(Perm.MANAGE_ACTIVITIES):
        return Activity.objects.none()
    qs = Activity.objects.select_related("kind", "region", "facility")
    return qs if user.is_superuser else qs.filter(region__code__startswith=user.scope_code)


def get_activity(user, pk) -> Activity:
    try:
        return activities_for(user).get(pk=int(pk))
    except (Activity.DoesNotExist, ValueError, TypeError, OverflowError):
        raise NotFound("activity.not_found") from None


def kinds() -> QuerySet:
    return ActivityKind.objects.all()


def participation(user, region: Region, start: date, end: date) -> dict:
    """Participation in ``region`` (its subtree, in the user's scope) from ``start`` to
    ``end`` (both included): per kind of activity the number of activities, the sum of
    participants (the recorded counts) and of named residents. ``{"rows": [{kind,
    activities, participants, named}], "total": {activities, participants, named}}``; two
    aggregate queries whatever the number of activities."""
    if not region.code.startswith(user.scope_code):
        raise NotFound("region.not_found")
    qs = activities_for(user).filter(region__code__startswith=region.code, held_on__range=(start, end))
    by_kind = {r["kind"]: r for r in qs.values("kind").annotate(n=Count("id", distinct=True),
                                                               people=Sum("participant_count")).order_by()}
    named = dict(qs.values("kind").annotate(named=Count("participants")).values_list("kind", "named").order_by())
    rows = [{"kind": k, "activities": by_kind[k.pk]["n"], "participants": by_kind[k.pk]["people"] or 0,
             "named": named.get(k.pk, 0)} for k in ActivityKind.objects.all() if k.pk in by_kind]
    total = {key: sum(r[key] for r in rows) for key in ("activities", "participants", "named")}
    return {"rows": rows, "total": total}


def photos_of(activity: Activity) -> QuerySet:
    return ActivityPhoto.objects.filter(activity=activity).order_by("id")


def get_photo(user, activity_pk, photo_pk) -> ActivityPhoto:
    """A photo of an activity the user reads; NotFound (``activity.photo_not_found``) otherwise."""
    activity = get_activity(user, activity_pk)
    photo = photos_of(activity).filter(pk=photo_pk).first() if 0 < int(photo_pk) < 2**63 else None
    if photo is None:
        raise NotFound("activity.photo_not_found")
    return photo
