"""Reads of self-governance bodies and compacts: coverage per kind of body for any
region (communities and villages with a live body of each kind), compacts in scope, and
the public page of a community (its bodies and the current text of its compacts: no
account needed)."""

from django.db.models import Prefetch, QuerySet

from ...errors import NotFound
from ...regions.models import Region
from ..models import BodyKind, Compact, CompactVersion, SelfGovernanceBody
from . import rules


def coverage(user, region: Region) -> dict:
    """For ``region`` (in scope): the number of communities and villages under it
    (``units``), and per kind of body how many have a live one and the percentage
    (:func:`rules.coverage`). ``rows``: [{kind, covered, percent}]."""
    if not region.code.startswith(user.scope_code):
        raise NotFound("region.not_found")
    units = Region.objects.filter(level="village", code__startswith=region.code)
    n = units.count()
    rows = []
    for kind in BodyKind.objects.all():
        covered = (SelfGovernanceBody.objects.filter(kind=kind, active=True, region__code__startswith=region.code)
                   .values("region_id").distinct().count())
        rows.append({"kind": kind, "covered": covered, "percent": rules.coverage(n, covered)})
    return {"units": n, "rows": rows}


def bodies_for(user) -> QuerySet:
    """Live bodies in the user's scope, for those who manage bodies (``manage_bodies``:
    their members' names and phones are on them); none for anyone else."""
    from ...accounts.permissions import Perm

    if not user.can(Perm.MANAGE_BODIES):
        return SelfGovernanceBody.objects.none()
    qs = SelfGovernanceBody.objects.filter(active=True).select_related("kind", "region")
    if not user.is_superuser:
        qs = qs.filter(region__code__startswith=user.scope_code)
    return qs.order_by("region_id", "kind__order")


def compacts_for(user) -> QuerySet:
    qs = Compact.objects.select_related("region")
    if not user.is_superuser:
        qs = qs.filter(region__code__startswith=user.scope_code)
    return qs.order_by("region_id", "kind")


def get_compact(user, pk) -> Compact:
    try:
        return compacts_for(user).get(pk=int(pk))
    except (Compact.DoesNotExist, ValueError, TypeError):
        raise NotFound("compact.not_found") from None


def versions_of(compact: Compact) -> QuerySet:
    return CompactVersion.objects.filter(compact=compact).select_related("filed_by", "recorded_by").order_by("-number")


def current_version(compact: Compact) -> CompactVersion | None:
    """The version in force: the latest adopted."""
    return versions_of(compact).first()


def compacts_with_current(user, limit: int = 300) -> list[tuple[Compact, CompactVersion | None]]:
    """The compacts in scope (at most ``limit``), each with its version in force
    (:func:`current_version`), read in two queries whatever their number."""
    latest = Prefetch("versions", queryset=CompactVersion.objects.order_by("-number"), to_attr="by_number")
    return [(c, c.by_number[0] if c.by_number else None)
            for c in compacts_for(user).prefetch_related(latest)[:limit]]


def public_community(code: str) -> dict:
    """What anyone may read of a community or village: its name, its live bodies (names
    and kinds) and the current text of its compacts. NotFound for anything but a
    community or village."""
    region = Region.objects.filter(code=code, level="village").first()
    if region is None:
        raise NotFound("region.not_found")
    compacts = [(c, current_version(c)) for c in Compact.objects.filter(region=region).order_by("kind")]
    return {"region": region, "bodies": list(SelfGovernanceBody.objects.filter(region=region, active=True)
                                             .select_related("kind").order_by("kind__order")),
            "compacts": [(c, v) for c, v in compacts if v is not None]}


def versions_to_file(user) -> QuerySet:
    """Compact versions not yet filed, in the scope of a township officer (who files them)."""
    from ...accounts.permissions import acting_roles

    if not (user.is_superuser or "township_officer" in acting_roles(user.role)):
        return CompactVersion.objects.none()
    qs = CompactVersion.objects.filter(filed_on__isnull=True).select_related("compact", "compact__region")
    if not user.is_superuser:
        qs = qs.filter(compact__region__code__startswith=user.scope_code)
    return qs.order_by("adopted_on", "id")


def get_body(user, pk) -> SelfGovernanceBody:
    """A live body in the user's scope; NotFound (``body.not_found``) otherwise."""
    try:
        return bodies_for(user).get(pk=int(pk))
    except (SelfGovernanceBody.DoesNotExist, ValueError, TypeError):
        raise NotFound("body.not_found") from None


def members_of(body: SelfGovernanceBody) -> QuerySet:
    """Every member of the body, current first, then by term."""
    from ..models import BodyMember

    return BodyMember.objects.filter(body=body).order_by("-active", "-term_start", "role", "id")


def elections_of(body: SelfGovernanceBody) -> QuerySet:
    from ..models import BodyElection

    return BodyElection.objects.filter(body=body).select_related("recorded_by").order_by("-held_on")


def committees_due_for_election(user, today, within_days: int = 90) -> QuerySet:
    """Residents' and villagers' committees in scope whose term ends within
    ``within_days`` days or has ended, or that have no recorded term: the township's
    换届 to organise (township officers only; none for anyone else), soonest first."""
    from datetime import timedelta

    from django.db.models import Q

    from ...accounts.permissions import acting_roles

    if not (user.is_superuser or "township_officer" in acting_roles(user.role)):
        return SelfGovernanceBody.objects.none()
    return (bodies_for(user).filter(kind__code__in=rules.COMMITTEE_KINDS)
            .filter(Q(term_end__isnull=True) | Q(term_end__lte=today + timedelta(days=within_days)))
            .order_by("term_end", "region_id"))


def body_kinds() -> dict[str, BodyKind]:
    """The kinds of bodies ``{code: kind}`` (seeded by migration 0002; read only)."""
    return {k.code: k for k in BodyKind.objects.all()}
