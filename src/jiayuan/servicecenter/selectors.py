"""Scoped reads of the service center: catalogs, certificates, community tasks and
their monthly tally. Certificates and tasks are scoped by their community's code."""

from datetime import date

from django.db.models import Count, Q, QuerySet

from ..accounts.permissions import Perm, manages_region
from ..errors import NotFound, get_or_not_found
from .models import AccessListItem, Certificate, CommunityTask, SealScopeItem, ServiceItem


def applicable(qs, region_code: str) -> QuerySet:
    """The active entries of ``qs`` (seal-scope or access-list items) that apply to
    ``region_code``: those for everywhere (no region) and those declared for the region
    or one of its ancestors."""
    prefixes = [region_code[:n] for n in (2, 4, 6, 9, 12, 15) if n <= len(region_code)]
    return qs.filter(Q(region__isnull=True) | Q(region_id__in=prefixes), active=True)


def may_edit_list_item(user, region_id: str | None) -> bool:
    """A list entry applying everywhere (no region) is the city's or province's: a city
    administrator or system administrator edits it; one under a region, an administrator
    whose scope covers that region."""
    if not region_id:
        return user.is_superuser or user.role == "city_admin"
    return manages_region(user, region_id)


def service_items(public_only: bool = False, area: str = "") -> QuerySet:
    qs = ServiceItem.objects.filter(active=True).prefetch_related("departments")
    if public_only:
        qs = qs.filter(public=True)
    if area:
        qs = qs.filter(area=area)
    return qs


def seal_scope_for(user, community_code: str = "") -> QuerySet:
    """List entries that apply to the user's scope (or a community inside it)."""
    code = community_code or user.scope_code
    if not user.is_superuser and not code.startswith(user.scope_code):
        raise NotFound("region.not_found")
    return applicable(SealScopeItem.objects.all(), code).order_by("list_kind", "sort", "code")


def access_list_for(user) -> QuerySet:
    return applicable(AccessListItem.objects.all(), user.scope_code).order_by("category", "sort")


def certificates_for(user) -> QuerySet:
    if not (user.can(Perm.ISSUE_CERTIFICATES) or user.can(Perm.VIEW_REGISTRY)):
        return Certificate.objects.none()
    qs = Certificate.objects.select_related("community", "person")
    return qs if user.is_superuser else qs.filter(community__code__startswith=user.scope_code)


def get_certificate(user, number: str) -> Certificate:
    return get_or_not_found(certificates_for(user), "certificate.not_found", number=number)


def tasks_for(user) -> QuerySet:
    """Community tasks in the user's scope; department staff see those they assigned."""
    qs = CommunityTask.objects.select_related("community", "department", "access_item")
    if user.is_superuser:
        return qs
    if user.role == "department_staff":
        return qs.filter(requested_by=user)
    if not user.can(Perm.VIEW_CASES):
        return qs.none()
    return qs.filter(community__code__startswith=user.scope_code)


def get_task(user, pk) -> CommunityTask:
    return get_or_not_found(tasks_for(user), "community_task.not_found", pk=pk)


BINDING = (CommunityTask.Status.ACCEPTED, CommunityTask.Status.APPROVED)


def monthly_tally(user, month: date) -> list[dict]:
    """Per community in scope, for the month of ``month``: demands by form (task,
    meeting, activity, report, inspection) that bind it (accepted or approved), plus
    pending, refused and rejected counts. [{community, name, task, meeting, …, total}]"""
    first = month.replace(day=1)
    nxt = date(first.year + (first.month == 12), first.month % 12 + 1, 1)
    qs = tasks_for(user).filter(occurs_on__gte=first, occurs_on__lt=nxt)
    rows = {}
    agg = qs.values("community_id", "community__name", "kind", "status").annotate(n=Count("id"))
    for r in agg:
        row = rows.setdefault(r["community_id"], {
            "community": r["community_id"], "name": r["community__name"], **{k: 0 for k in CommunityTask.Kind.values},
            "binding": 0, "pending": 0, "refused": 0, "rejected": 0, "total": 0})
        row["total"] += r["n"]
        if r["status"] in BINDING:
            row[r["kind"]] += r["n"]
            row["binding"] += r["n"]
        elif r["status"] == CommunityTask.Status.PENDING:
            row["pending"] += r["n"]
        elif r["status"] == CommunityTask.Status.REFUSED:
            row["refused"] += r["n"]
        else:
            row["rejected"] += r["n"]
    return [rows[k] for k in sorted(rows)]


def pending_approvals(user) -> QuerySet:
    return tasks_for(user).filter(status=CommunityTask.Status.PENDING).order_by("requested_at")



# --- reads for the pages ------------------------------------------------------------------

def items_by_area() -> list[tuple[str, list[ServiceItem]]]:
    """[(area name, [active items]), …] in the order of the five areas (for the desk's
    item picker)."""
    groups: dict[str, list[ServiceItem]] = {}
    for item in service_items().order_by("area", "sort", "code"):
        groups.setdefault(item.area, []).append(item)
    return [(label, groups[value]) for value, label in ServiceItem.Area.choices if value in groups]


def get_service_item(code: str) -> ServiceItem | None:
    return service_items().filter(code=str(code or "")).first()


def item_names(codes) -> dict[str, str]:
    """{code: name} of service items, the names in the page's language."""
    from django.utils.translation import gettext

    return {c: gettext(n) for c, n in ServiceItem.objects.filter(code__in=list(codes)).values_list("code", "name")}


def decisions_for(user) -> QuerySet:
    """The directors' decisions on kinds off both lists, for communities in scope."""
    from .models import CertificateKindDecision

    qs = CertificateKindDecision.objects.select_related("community", "decided_by").order_by("-decided_at")
    return qs if user.is_superuser else qs.filter(community__code__startswith=user.scope_code)
