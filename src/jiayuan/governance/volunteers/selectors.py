"""Scoped reads of volunteer teams, volunteers, their service records and records of
service: teams based in the user's scope (``manage_activities``); nothing for anyone
else. A volunteer's records are personal information: pages read them through
:func:`..volunteers.services.read_volunteer`, which audits the read."""

from decimal import Decimal

from django.db.models import Q, QuerySet, Sum

from ...accounts.permissions import Perm
from ...errors import NotFound
from ..models import ServiceCertificate, ServiceRecord, Volunteer, VolunteerTeam


def _may(user) -> bool:
    return user.is_authenticated and user.can(Perm.MANAGE_ACTIVITIES)


def teams_for(user) -> QuerySet:
    if not _may(user):
        return VolunteerTeam.objects.none()
    qs = VolunteerTeam.objects.select_related("region", "organization")
    return qs if user.is_superuser else qs.filter(region__code__startswith=user.scope_code)


def volunteers_for(user) -> QuerySet:
    """Volunteers of teams in scope, each annotated ``confirmed_hours`` (Decimal or None)."""
    if not _may(user):
        return Volunteer.objects.none()
    qs = Volunteer.objects.select_related("person", "team", "team__region").annotate(
        confirmed_hours=Sum("records__hours", filter=Q(records__confirmed_at__isnull=False)))
    return qs if user.is_superuser else qs.filter(team__region__code__startswith=user.scope_code)


def _int(pk) -> int:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise NotFound("volunteer.not_found") from None
    if not 0 < pk < 2**63:
        raise NotFound("volunteer.not_found")
    return pk


def get_team(user, pk) -> VolunteerTeam:
    obj = teams_for(user).filter(pk=_int(pk)).first()
    if obj is None:
        raise NotFound("volunteer_team.not_found")
    return obj


def get_volunteer(user, pk) -> Volunteer:
    obj = volunteers_for(user).filter(pk=_int(pk)).first()
    if obj is None:
        raise NotFound("volunteer.not_found")
    return obj


def records_of(volunteer: Volunteer) -> QuerySet:
    return (ServiceRecord.objects.filter(volunteer=volunteer)
            .select_related("activity", "recorded_by", "confirmed_by").order_by("-served_on", "-id"))


def confirmed_hours(volunteer: Volunteer, until=None) -> tuple[Decimal, int]:
    """(hours, records) of the volunteer's confirmed service, up to ``until`` when given."""
    qs = ServiceRecord.objects.filter(volunteer=volunteer, confirmed_at__isnull=False)
    if until is not None:
        qs = qs.filter(served_on__lte=until)
    got = qs.aggregate(h=Sum("hours"))
    return (got["h"] or Decimal("0")).quantize(Decimal("0.1")), qs.count()


def to_confirm(user) -> QuerySet:
    """Service records in scope waiting for confirmation that ``user`` may confirm (not
    the ones they recorded themselves), oldest first."""
    if not _may(user):
        return ServiceRecord.objects.none()
    qs = (ServiceRecord.objects.filter(confirmed_at__isnull=True).exclude(recorded_by=user)
          .select_related("volunteer__person", "volunteer__team", "activity"))
    if not user.is_superuser:
        qs = qs.filter(volunteer__team__region__code__startswith=user.scope_code)
    return qs.order_by("served_on", "id")


def records_in(user) -> QuerySet:
    """Service records of volunteers of teams in the user's scope (every state)."""
    if not _may(user):
        return ServiceRecord.objects.none()
    qs = ServiceRecord.objects.select_related("volunteer__person", "volunteer__team", "activity", "recorded_by",
                                              "confirmed_by")
    return qs if user.is_superuser else qs.filter(volunteer__team__region__code__startswith=user.scope_code)


def get_record(user, pk) -> ServiceRecord:
    if not _may(user):
        raise NotFound("service_record.not_found")
    qs = ServiceRecord.objects.select_related("volunteer__team", "volunteer__person")
    if not user.is_superuser:
        qs = qs.filter(volunteer__team__region__code__startswith=user.scope_code)
    obj = qs.filter(pk=_int(pk)).first()
    if obj is None:
        raise NotFound("service_record.not_found")
    return obj


def certificates_of(volunteer: Volunteer) -> QuerySet:
    return ServiceCertificate.objects.filter(volunteer=volunteer).select_related("issued_by").order_by("-issued_on", "-id")


def get_certificate(user, pk) -> ServiceCertificate:
    if not _may(user):
        raise NotFound("certificate.not_found")
    qs = ServiceCertificate.objects.select_related("volunteer__person", "volunteer__team__region",
                                                   "volunteer__team__organization", "issued_by")
    if not user.is_superuser:
        qs = qs.filter(volunteer__team__region__code__startswith=user.scope_code)
    obj = qs.filter(pk=_int(pk)).first()
    if obj is None:
        raise NotFound("certificate.not_found")
    return obj
