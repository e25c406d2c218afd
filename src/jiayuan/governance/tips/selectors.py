"""Scoped, need-to-know reads of confidential tips. Every route (pages, API, to-do,
counts, exports) reads tips through here, never ``Tip.objects`` itself.

Who reads what (DOMAIN.md "Confidential tips"; DESIGN.md principle 8):

- a **designated handler** (:class:`~jiayuan.governance.models.TipHandler`, live, the
  account still an active ``county_officer`` of that county) reads the tips of the
  county: the content and the informant (through ``services.reveal_tip``, audited);
- the **collector** reads the status of the tips they collected, nothing more;
- **everyone else** — other workers of the community, the street, the county's other
  officers, auditors, administrators — gets :class:`~jiayuan.errors.NotFound`, exactly
  as for a tip that does not exist. A superuser is no exception: a handler is named.
"""

from datetime import date

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Substr

from ...accounts.permissions import Perm
from ...errors import NotFound
from ...regions.models import Region
from ..models import Tip, TipHandler
from ..regions import region_in_scope
from . import rules

CHILD_LENGTH = {2: 4, 4: 6, 6: 9, 9: 12}


def _live_designations(user) -> QuerySet:
    return TipHandler.objects.filter(user=user, ended_at__isnull=True)


def handler_counties(user) -> list[str]:
    """The county codes ``user`` is a live designated handler of (one query). An account
    no longer active, no longer a county officer, or moved to another scope handles
    nothing, whatever designation remains."""
    if not user.is_authenticated or not user.is_active or user.role != rules.HANDLER_ROLE:
        return []
    return [c for c in _live_designations(user).values_list("county_id", flat=True) if c == user.scope_id]


def handled_tips(user) -> QuerySet:
    """Tips of the counties ``user`` handles (none for anyone else), newest first."""
    counties = handler_counties(user)
    if not counties:
        return Tip.objects.none()
    return Tip.objects.filter(county_code__in=counties).select_related("region").order_by("-collected_at", "-id")


def collected_tips(user) -> QuerySet:
    """Tips ``user`` collected (for their status), newest first."""
    if not user.is_authenticated:
        return Tip.objects.none()
    return Tip.objects.filter(collected_by=user).order_by("-collected_at", "-id")


def _pk(pk) -> int:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise NotFound("tip.not_found") from None
    if not 0 < pk < 2**63:
        raise NotFound("tip.not_found")
    return pk


def get_tip_for_handler(user, pk) -> Tip:
    """The tip ``pk`` for one of its county's handlers; :class:`NotFound` for everyone
    else (the collector included)."""
    tip = handled_tips(user).filter(pk=_pk(pk)).first()
    if tip is None:
        raise NotFound("tip.not_found")
    return tip


def get_tip_status(user, pk) -> Tip:
    """The tip ``pk`` for its collector or a handler (to read its status); :class:`NotFound`
    for everyone else."""
    pk = _pk(pk)
    tip = collected_tips(user).filter(pk=pk).first() or handled_tips(user).filter(pk=pk).first()
    if tip is None:
        raise NotFound("tip.not_found")
    return tip


def is_handler_of(user, tip: Tip) -> bool:
    return tip.county_code in handler_counties(user)


def status_of(tip: Tip) -> dict:
    """What a collector may know of a tip: its number, its state, and the dates of the
    stages reached. Nothing of the content, the category, the informant or the
    recipient."""
    return {"id": tip.pk, "number": tip.number, "status": tip.state, "collected_on": tip.collected_on,
            "verified_on": tip.verified_on, "transferred_on": tip.transferred_on, "concluded_on": tip.concluded_on}


def waiting_for(user) -> QuerySet:
    """The handler's open tips (not concluded), oldest first: each waits for the next
    step (verify, transfer, conclude with the feedback)."""
    return handled_tips(user).exclude(state=rules.CONCLUDED).order_by("collected_at", "id")


def may_view_counts(user) -> bool:
    return user.is_authenticated and (user.can(Perm.VIEW_TIP_COUNTS) or bool(handler_counties(user)))


def count_region(user, code: str | None) -> Region:
    """The region to count in: ``code`` inside the user's scope (:class:`NotFound`
    outside it), the scope region by default (:func:`..regions.region_in_scope`)."""
    return region_in_scope(user, code)


def tip_counts(user, region: Region, start: date, end: date) -> dict:
    """Counts by stage for ``region`` (its whole subtree) and the period ``start`` …
    ``end`` (both included): ``collected`` = tips collected in the period,
    ``transferred`` = tips transferred in it, ``concluded`` = tips concluded in it (a tip
    collected in March and transferred in April counts once in each month). Returns
    ``{"total": {collected, transferred, concluded}, "rows": [{"region": Region, …}]}``,
    one row per child region with any tip. No content: counts are read by
    ``view_tip_counts`` holders and handlers (:func:`may_view_counts`)."""
    if not may_view_counts(user) or not region.code.startswith(user.scope_code):
        raise NotFound("region.not_found")
    qs = Tip.objects.filter(region__code__startswith=region.code)
    aggregates = {
        "collected": Count("id", filter=Q(collected_on__range=(start, end))),
        "transferred": Count("id", filter=Q(transferred_on__range=(start, end))),
        "concluded": Count("id", filter=Q(concluded_on__range=(start, end))),
    }
    total = qs.aggregate(**aggregates)
    rows = []
    child_len = CHILD_LENGTH.get(len(region.code))
    if child_len:
        grouped = (qs.annotate(child=Substr("region__code", 1, child_len)).values("child")
                   .annotate(**aggregates).order_by("child"))
        grouped = [g for g in grouped if g["collected"] or g["transferred"] or g["concluded"]]
        names = Region.objects.in_bulk([g["child"] for g in grouped])
        rows = [{"region": names.get(g["child"]), "code": g["child"], "collected": g["collected"],
                 "transferred": g["transferred"], "concluded": g["concluded"]} for g in grouped]
    return {"total": total, "rows": rows}


def designations(user) -> QuerySet:
    """Live designations in the user's scope, for those who designate
    (``designate_tip_handlers``); none for anyone else."""
    if not user.can(Perm.DESIGNATE_TIP_HANDLERS):
        return TipHandler.objects.none()
    qs = TipHandler.objects.filter(ended_at__isnull=True).select_related("user", "county", "designated_by")
    if not user.is_superuser:
        qs = qs.filter(county__code__startswith=user.scope_code)
    return qs.order_by("county_id", "user__username")


def get_designation(user, pk) -> TipHandler:
    obj = designations(user).filter(pk=_pk(pk)).first()
    if obj is None:
        raise NotFound("tip_handler.not_found")
    return obj


def designatable_accounts(user) -> QuerySet:
    """Accounts that may be designated: active county officers in the user's scope."""
    from ...accounts.models import User

    qs = User.objects.filter(is_active=True, role=rules.HANDLER_ROLE)
    if not user.is_superuser:
        qs = qs.filter(scope__code__startswith=user.scope_code)
    return qs.select_related("scope").order_by("scope_id", "username")
