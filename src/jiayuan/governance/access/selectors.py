"""Reads of access requests (community tasks) for the pages: the user's requests, those
waiting for the street, the monthly tally per community and its trend for any region.
Scope and need-to-know are the service center's (:func:`jiayuan.servicecenter.selectors.tasks_for`:
the scope's communities; department staff the requests they made)."""

from datetime import date

from django.db.models import Count, Q, QuerySet

from ...errors import NotFound
from ...regions.models import Region
from ...servicecenter import selectors as sc
from ...servicecenter.models import AccessListItem, CommunityTask
from . import rules

BINDING = (CommunityTask.Status.ACCEPTED, CommunityTask.Status.APPROVED)
KINDS = CommunityTask.Kind.values


def requests_for(user) -> QuerySet:
    return sc.tasks_for(user).order_by("-requested_at", "-id")


def get_request(user, pk) -> CommunityTask:
    try:
        return sc.tasks_for(user).get(pk=int(pk))
    except (CommunityTask.DoesNotExist, ValueError, TypeError):
        raise NotFound("community_task.not_found") from None


def waiting_for_street(user) -> QuerySet:
    """Off-list requests waiting for the street's decision in the user's scope (for
    those who decide: ``approve_community_tasks``)."""
    from ...accounts.permissions import Perm

    if not user.can(Perm.APPROVE_COMMUNITY_TASKS):
        return CommunityTask.objects.none()
    return sc.pending_approvals(user).select_related("community", "department")


def access_items(community_code: str) -> QuerySet:
    """The access-list items that apply to a community (national ones and those of its
    region path), by category."""
    prefixes = [community_code[:n] for n in (2, 4, 6, 9, 12) if n <= len(community_code)]
    return AccessListItem.objects.filter(Q(region__isnull=True) | Q(region_id__in=prefixes), active=True)


def burden(user, region: Region, last_month: date, months: int = 6) -> dict:
    """The burden on the communities of ``region`` over ``months`` months ending with
    ``last_month``'s: ``series`` — per month, what was asked (every request), what binds
    the communities (accepted on the list or approved by the street) by form, what was
    refused (negative list) or rejected (street), and what still waits; ``rows`` — per
    community, the binding requests of each month and the trend of the last month
    against the mean of the months before (:func:`rules.trend`). A request counts in the
    month of its date (``occurs_on``)."""
    firsts = rules.months_back(last_month, months)
    start, end = firsts[0], rules.add_months(firsts[-1], 1)
    qs = sc.tasks_for(user).filter(community__code__startswith=region.code, occurs_on__gte=start, occurs_on__lt=end)
    series = {f: {"month": f, "asked": 0, "binding": 0, "refused": 0, "rejected": 0, "pending": 0,
                  **{k: 0 for k in KINDS}} for f in firsts}
    per_community: dict[str, dict] = {}
    for r in qs.values("community_id", "community__name", "occurs_on", "kind", "status").annotate(n=Count("id")):
        m = series[rules.month_start(r["occurs_on"])]
        n = r["n"]
        m["asked"] += n
        if r["status"] in BINDING:
            m["binding"] += n
            m[r["kind"]] += n
            row = per_community.setdefault(r["community_id"], {"code": r["community_id"], "name": r["community__name"],
                                                               "months": {f: 0 for f in firsts}})
            row["months"][rules.month_start(r["occurs_on"])] += n
        elif r["status"] == CommunityTask.Status.PENDING:
            m["pending"] += n
        elif r["status"] == CommunityTask.Status.REFUSED:
            m["refused"] += n
        else:
            m["rejected"] += n
    rows = []
    for code in sorted(per_community):
        row = per_community[code]
        values = [row["months"][f] for f in firsts]
        rows.append({"code": code, "name": row["name"], "values": values, "total": sum(values),
                     "trend": rules.trend(values)})
    return {"months": firsts, "series": [series[f] for f in firsts], "rows": rows,
            "trend": rules.trend([series[f]["binding"] for f in firsts])}
