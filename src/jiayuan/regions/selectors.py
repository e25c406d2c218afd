"""Scoped reads of regions. Every region lookup for a user goes through here, so an
out-of-scope code answers 404 exactly like a code that does not exist."""

from django.db.models import QuerySet

from ..errors import NotFound, get_or_not_found
from .models import Region


def regions_for(user) -> QuerySet:
    """Regions in the user's subtree (the scope region itself included)."""
    scope = user.scope_code
    qs = Region.objects.all()
    return qs.filter(code__startswith=scope) if scope else qs


def get_region(user, code: str) -> Region:
    """The region ``code`` if it lies in the user's scope; :class:`~jiayuan.errors.NotFound` otherwise."""
    code = (code or "").strip()
    if not code.isdigit():
        raise NotFound()
    return get_or_not_found(regions_for(user), code=code)


def children_of(user, region: Region) -> QuerySet:
    return regions_for(user).filter(parent=region).order_by("code")


def grids_of(user, region: Region) -> QuerySet:
    """Grids under ``region`` (any level) in the user's scope."""
    return regions_for(user).filter(level=Region.Level.GRID, code__startswith=region.code).order_by("code")


def ancestors(region: Region) -> list[Region]:
    """Ancestors from the province down to the parent (no scope check: names only)."""
    from .rules import LEVEL_BY_LENGTH

    codes = [region.code[:n] for n in sorted(LEVEL_BY_LENGTH) if n < len(region.code)]
    found = {r.code: r for r in Region.objects.filter(code__in=codes)}
    return [found[c] for c in codes if c in found]


def scope_root(user) -> Region | None:
    """The region at the top of the user's scope (None for a superuser: the whole tree)."""
    if user.is_superuser:
        return None
    return user.scope


def top_regions(user) -> QuerySet:
    """What a region tree starts with: the scope region, or provinces for a superuser."""
    if user.is_superuser:
        return Region.objects.filter(parent__isnull=True)
    return Region.objects.filter(code=user.scope_id)


def village_units(user, under: Region | None = None) -> QuerySet:
    """Communities and villages (level village) in scope, optionally under a region."""
    qs = regions_for(user).filter(level=Region.Level.VILLAGE)
    if under is not None:
        qs = qs.filter(code__startswith=under.code)
    return qs.order_by("code")


# --- reads for the pages (region tree, grid management, region pickers) ---------------

def grid_member_counts(user, grids) -> dict[str, int]:
    """{grid_code: number of active grid members} for ``grids`` (regions from this
    module's scoped functions); grids outside the user's scope count nothing."""
    from django.db.models import Count

    from ..grid.models import GridMember

    codes = [g.code for g in grids]
    if not codes:
        return {}
    rows = (GridMember.objects.filter(grid__in=regions_for(user).filter(code__in=codes), active=True)
            .values("grid").annotate(n=Count("id")).order_by())
    found = {r["grid"]: r["n"] for r in rows}
    return {c: found.get(c, 0) for c in codes}


def grid_members_of(user, grid: Region) -> QuerySet:
    """Active members of ``grid`` (a region from a scoped selector), by name; none when
    the grid lies outside the user's scope."""
    from ..grid.models import GridMember

    return (GridMember.objects.filter(grid__in=regions_for(user).filter(code=grid.code), active=True)
            .select_related("user").order_by("name"))


def pickable_regions(user, levels=("township", "village", "grid")) -> QuerySet:
    """Regions of the given levels in the user's scope, by code (for dropdowns: the
    region of a person or household, the region filter of the person list)."""
    return regions_for(user).filter(level__in=list(levels)).select_related("parent").order_by("code")
