"""Scoped reads of disability certificates, and the facts the assistance rules need.

Scope: a certificate is visible to a user with ``view_registry`` when its holder's
*current* region lies in the user's subtree (the holder, not the region stored when the
certificate was recorded: a person who moves takes the certificate along, as the
registry's tags do). Out of scope answers 404 like a certificate that does not exist.
"""

from dataclasses import dataclass
from datetime import date

from django.db.models import Q, QuerySet

from ..accounts.permissions import Perm
from ..errors import get_or_not_found
from ..people.models import Person
from . import rules
from .models import DisabilityCertificate

Status = DisabilityCertificate.Status


def certificates_for(user) -> QuerySet:
    """Certificates (every status) whose holder is in the user's scope; none for a role
    without view_registry. Holder and region are joined (``select_related``)."""
    if not user.can(Perm.VIEW_REGISTRY):
        return DisabilityCertificate.objects.none()
    qs = DisabilityCertificate.objects.select_related("person", "person__region", "region")
    scope = user.scope_code
    return qs.filter(person__region__code__startswith=scope) if scope else qs


def get_certificate(user, pk) -> DisabilityCertificate:
    """The certificate ``pk`` if visible to the user; NotFound otherwise."""
    return get_or_not_found(certificates_for(user), "certificate.not_found", pk=pk)


@dataclass
class CertificateFilters:
    """Filters of the list page and of ``GET /api/v1/disability-certificates``.

    ``disability_type`` 1–7 and ``grade`` 1–4 (None: all); ``region``: a region code
    prefix (the holder's current region); ``care_need``: True/False/None;
    ``status``: ``valid`` (default), ``replaced``, ``revoked`` or ``""`` for all;
    ``person``: one holder's id; ``q``: a fragment of the holder's name."""

    disability_type: int | None = None
    grade: int | None = None
    region: str = ""
    care_need: bool | None = None
    status: str = Status.VALID
    person: int | None = None
    q: str = ""


def search_certificates(user, f: CertificateFilters) -> QuerySet:
    """Certificates in scope matching ``f``, newest first (issue date, then id)."""
    qs = certificates_for(user)
    if f.disability_type:
        qs = qs.filter(disability_type=f.disability_type)
    if f.grade:
        qs = qs.filter(grade=f.grade)
    if f.region:
        qs = qs.filter(person__region__code__startswith=f.region)
    if f.care_need is not None:
        qs = qs.filter(long_term_care_need=f.care_need)
    if f.status:
        qs = qs.filter(status=f.status)
    if f.person:
        qs = qs.filter(person_id=f.person)
    if f.q:
        qs = qs.filter(person__name__contains=f.q)
    return qs.order_by("-issued_on", "-id")


def valid_certificate(person: Person) -> DisabilityCertificate | None:
    """The person's valid certificate, or None (at most one: partial unique constraint).
    ``person`` comes from a scoped selector."""
    return DisabilityCertificate.objects.filter(person=person, status=Status.VALID).first()


def certificates_of(person: Person) -> QuerySet:
    """Every certificate of the person (valid, replaced, revoked), newest first: the
    history of re-assessments. ``person`` comes from a scoped selector."""
    return DisabilityCertificate.objects.filter(person=person).select_related("created_by").order_by(
        "-issued_on", "-id")


def certificate_facts(person_ids, on: date | None = None) -> dict[int, dict]:
    """Facts of the valid certificates of ``person_ids`` for the 两项补贴 rules and the
    monthly batches, in one query.

    Shape: ``{person_id: {"disability_type": int 1–7, "grade": int 1–4,
    "long_term_care_need": bool, "issued_on": date, "valid_until": date | None}}``;
    persons without a valid certificate are absent. ``on`` (optional): leave out
    certificates issued after ``on`` or expired before it (``valid_until < on``);
    without it, every certificate of status ``valid`` counts. Not scoped (callers pass
    ids they already hold: an enrollment's person, a batch's lines). Source of the facts
    used: 国发〔2015〕52号 (certificate holder; care allowance by grade and long-term care
    need); DOMAIN.md "两项补贴".
    """
    ids = list(person_ids)
    if not ids:
        return {}
    qs = DisabilityCertificate.objects.filter(status=Status.VALID)
    if on is not None:
        qs = qs.filter(issued_on__lte=on).filter(Q(valid_until__isnull=True) | Q(valid_until__gte=on))
    out: dict[int, dict] = {}
    # Chunked IN lists keep each statement under SQLite's and PostgreSQL's parameter
    # limits; one query for up to 10,000 persons (a batch passes tens of thousands).
    for start in range(0, len(ids), 10_000):
        rows = qs.filter(person_id__in=ids[start:start + 10_000]).values_list(
            "person_id", "disability_type", "grade", "long_term_care_need", "issued_on", "valid_until")
        for pid, dtype, grade, care, issued, until in rows:
            out[pid] = {"disability_type": dtype, "grade": grade, "long_term_care_need": care,
                        "issued_on": issued, "valid_until": until}
    return out


def masked_number(cert: DisabilityCertificate) -> str:
    """The number for display: ``620702********123452`` (the ID part masked like the
    registry masks ID numbers, the type and grade digits visible)."""
    return rules.mask_certificate_number(
        rules.build_certificate_number(cert.person.id_number, cert.disability_type, cert.grade))


# --- the disability service network ----------------------------------------------------------

def network_for(user) -> QuerySet:
    """Network organizations in the user's scope (``manage_disability`` roles)."""
    from .models import NetworkOrganization

    if not user.can(Perm.MANAGE_DISABILITY):
        return NetworkOrganization.objects.none()
    return NetworkOrganization.objects.filter(region__code__startswith=user.scope_code).select_related(
        "region").order_by("region_id", "level", "name")


def get_network_organization(user, pk):
    from ..errors import NotFound
    from .models import NetworkOrganization

    try:
        return network_for(user).get(pk=int(pk))
    except (ValueError, TypeError, OverflowError, NetworkOrganization.DoesNotExist):
        raise NotFound("network.not_found") from None


def network_members(org) -> QuerySet:
    """Members of ``org`` (from :func:`get_network_organization`), current ones first."""
    return org.members.order_by("until", "role", "name")


def services_by(user, org, limit: int = 50) -> QuerySet:
    """The latest ``limit`` services ``org`` delivered to persons in the user's scope
    (the persons are personal data: an organization in scope may have served someone
    outside it, recorded by a wider-scoped account), newest first."""
    return (org.services.filter(person__region__code__startswith=user.scope_code).select_related("person")
            .order_by("-provided_on", "-id")[:limit])


@dataclass
class Coverage:
    """Coverage of a region: ``units`` villages and communities (virtual units left
    out); how many have a current 残协 (``with_association``), a current 助残小组
    (``with_helper_group``), both (``with_both``); shares as fractions (0 when no unit)."""

    region_code: str
    units: int
    with_association: int
    with_helper_group: int
    with_both: int

    def share(self, n: int) -> float:
        return n / self.units if self.units else 0.0

    @property
    def association_share(self) -> float:
        return self.share(self.with_association)

    @property
    def helper_group_share(self) -> float:
        return self.share(self.with_helper_group)

    @property
    def both_share(self) -> float:
        return self.share(self.with_both)

    @property
    def association_percent(self) -> float:
        """The share with a 残协 in per cent, one decimal."""
        return round(100 * self.association_share, 1)

    @property
    def helper_group_percent(self) -> float:
        return round(100 * self.helper_group_share, 1)


def coverage(region_code: str, on: date | None = None) -> Coverage:
    """Coverage of the network in the region ``region_code`` (any level; a prefix of the
    village codes) on ``on`` (today by default): an organization counts from its founding
    day until the day before it is dissolved. Three queries whatever the size."""
    from django.utils import timezone

    from ..regions.models import Region
    from .models import NetworkOrganization

    on = on or timezone.localdate()
    units = set(Region.objects.filter(level="village", code__startswith=region_code).exclude(
        kind=Region.Kind.VIRTUAL).values_list("code", flat=True))
    live = NetworkOrganization.objects.filter(region__code__startswith=region_code, founded_on__lte=on).filter(
        Q(dissolved_on__isnull=True) | Q(dissolved_on__gt=on))
    assoc = set(live.filter(level="village_association").values_list("region_id", flat=True)) & units
    helpers = set(live.filter(level="helper_group").values_list("region_id", flat=True)) & units
    return Coverage(region_code, len(units), len(assoc), len(helpers), len(assoc & helpers))


def services_of(person: Person) -> QuerySet:
    """Services delivered to ``person`` (from a scoped selector), newest first."""
    from .models import DisabilityService

    return DisabilityService.objects.filter(person=person).select_related("provider", "certificate").order_by(
        "-provided_on", "-id")
