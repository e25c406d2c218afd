"""The figures of the dashboards (issue 16, "Dashboards"): one function per panel, each
answering a JSON-ready dict for a region and a period. Reads only; aggregates only.

Every panel answers the same shape::

    {"panel": "cases", "title": "案件办理", "region": {"code", "name", "level"},
     "period": "2019", "as_of": "2019-12-31",
     "kpis":   [{"key", "label", "value", "unit", "indicator": code|None, "computable": bool}],
     "charts": [{"key", "title", "kind": "bar"|"line"|"pie", "categories": [..],
                 "series": [{"name", "data": [..], "stack": str|None}],
                 "drill": [child region codes, parallel to categories] | None}]}

``value`` and ``data`` are numbers (int, or float for yuan with two decimals: JSON has no
Decimal). The chart whose ``drill`` is set has one bar per child region (city → counties
→ townships → communities and villages); the page opens that child's dashboard on a click.

Conventions:

- A figure that is also an indicator of :mod:`jiayuan.stats.definitions` is read through
  :func:`jiayuan.stats.registry.value` (and ``child_values``), so the dashboard, the API
  of indicators and the report agree; an indicator whose module registers no rule yet is
  shown with ``computable: false`` and ``value: null`` — never a number of our own.
- Figures are the whole region's (the caller has checked that the region lies in the
  user's scope, :func:`dashboard_region`). A community's or township's panels are
  computed live at each request. The city's and the counties' (levels
  :data:`PRECOMPUTED_LEVELS`: their live figures read whole tables, seconds at a million
  persons) are read from :class:`~jiayuan.stats.models.DashboardSnapshot` when one is
  stored for the region, period, panel and the reader's case types, refreshed by the
  background task :func:`jiayuan.stats.dashboards.tasks.refresh_dashboards` (every
  ``STATS_DASHBOARD_REFRESH_SECONDS``, and on demand); without one they are computed
  live. ``fresh`` is the time the figures were computed, ``precomputed`` says which.
- Cases count only the case types whose declared read permission the user holds (a
  user who may not read tips does not see tip counts here either).
- Stocks (persons, tags, open files, workers, entitlements) are as at ``as_of``: the
  period's last day, or today when the period is not over. Tags count by their validity
  dates; persons by their current status (the registry keeps no status history).
- Flows (cases registered, payments, visits, trainings) fall within the period; the case
  trend shows the twelve months ending with the period.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.db.models.functions import Substr, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ...accounts.permissions import Perm
from ...assistance.models import PaymentLine, Program
from ...cases.models import Case
from ...cases.selectors import current_declaration, readable_types
from ...children.models import ChildFile, ChildVisit
from ...eldercare.models import Entitlement
from ...eldercare.rules import ENTITLEMENT_CATEGORIES
from ...errors import NotFound
from ...organizations.models import ProjectStatus, ServiceProject
from ...people.models import Person, PersonTag, TagKind
from ...regions.models import Region
from ...regions.selectors import get_region, regions_for
from ...workforce.models import CommunityWorker, Post, TrainingParticipant
from .. import registry
from ..definitions import UNITS
from ..models import DashboardSnapshot
from ..rules import Period

PANELS = ("population", "cases", "assistance", "eldercare", "children", "projects", "workforce")
"""The panels, in the order of the page."""

DASHBOARD_LEVELS = ("prefecture", "county", "township", "village")
"""Region levels that have a dashboard (city, county, township, community/village)."""

PRECOMPUTED_LEVELS = ("prefecture", "county")
"""Levels whose panels are served from precomputed snapshots when one is stored."""

CHILD_LENGTH = {4: 6, 6: 9, 9: 12}
"""Code length of a region → code length of its children on a dashboard (villages stop)."""

ELDERLY_AGE = 60
"""老年人: 60 years and over (《中华人民共和国老年人权益保障法》第二条)."""

CHILD_AGE = 18
"""儿童: under 18 (《中华人民共和国未成年人保护法》第二条)."""


# --- region and period -------------------------------------------------------------------

def dashboard_region(user, code: str = "") -> Region:
    """The region of a dashboard: ``code`` if it lies in the user's scope and has a
    dashboard level, else :class:`~jiayuan.errors.NotFound` (out of scope answers like
    unknown). Without a code: the user's scope region, or for a superuser (whole tree)
    the first prefecture."""
    if not user.can(Perm.VIEW_STATISTICS):
        raise NotFound()
    if code:
        region = get_region(user, code)
    elif user.scope_code:
        region = get_region(user, user.scope_code)
    else:
        region = regions_for(user).filter(level="prefecture").order_by("code").first()
        if region is None:
            raise NotFound()
    if region.level not in DASHBOARD_LEVELS:
        raise NotFound()
    return region


def child_regions(user, region: Region) -> list[Region]:
    """The children a dashboard drills down to (in scope, no grids), by code. (Every
    child of a region in the user's scope is in scope: scopes are subtrees.)"""
    if len(region.code) not in CHILD_LENGTH:
        return []
    return list(regions_for(user).filter(parent=region).exclude(level="grid").order_by("code"))


def _children_of(region: Region) -> list[Region]:
    if len(region.code) not in CHILD_LENGTH:
        return []
    return list(Region.objects.filter(parent=region).exclude(level="grid").order_by("code"))


def audience(name: str, types, language: str | None = None) -> str:
    """The snapshot key of a reader: ``"<language>|<case types>"`` — the labels are in the
    reader's language (default: the active one); the cases panel depends on the case
    types the reader may read (sorted, comma-joined), no other panel does."""
    from django.conf import settings
    from django.utils import translation

    lang = language or translation.get_language() or settings.LANGUAGE_CODE
    return f"{lang}|" + (",".join(sorted(types)) if name == "cases" else "")


def as_of(period: Period, today: datetime.date | None = None) -> datetime.date:
    """The day stocks are counted on: the period's last day, or today if earlier."""
    today = today or timezone.localdate()
    return min(period.end, today)


def _years_before(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _day_bounds(period: Period) -> tuple[datetime.datetime, datetime.datetime]:
    tz = timezone.get_current_timezone()
    start = datetime.datetime.combine(period.start, datetime.time.min, tzinfo=tz)
    end = datetime.datetime.combine(period.end + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz)
    return start, end


def _num(v):
    """JSON number of a figure: Decimal → float (two decimals), None stays None."""
    if isinstance(v, Decimal):
        return float(round(v, 2))
    return v


def _by_child(qs, region: Region, children: list[Region], field: str = "region_id", agg=None) -> list:
    """Aggregate ``qs`` per child region in one grouped query: values parallel to
    ``children`` (0 where nothing). ``agg`` defaults to a row count."""
    if not children:
        return []
    n = CHILD_LENGTH[len(region.code)]
    rows = (qs.order_by().annotate(child=Substr(field, 1, n)).values("child")
            .annotate(v=agg if agg is not None else Count("pk")).values_list("child", "v"))
    got = dict(rows)
    return [_num(got.get(c.code) or 0) for c in children]


def _grouped(qs, region: Region, field: str, figures: dict) -> dict[str, dict]:
    """``{child code prefix: {figure: value}}``: ``figures`` (name → aggregate) of ``qs``
    grouped by the child-level prefix of ``field``, in one query."""
    n = CHILD_LENGTH[len(region.code)]
    rows = qs.order_by().annotate(child=Substr(field, 1, n)).values("child").annotate(**figures)
    return {r["child"]: r for r in rows}


def _drill_chart(key: str, title: str, children: list[Region], series: list[dict]) -> dict:
    return {"key": key, "title": title, "kind": "bar", "categories": [c.name for c in children],
            "series": series, "drill": [c.code for c in children]}


def _kpi(key: str, label, value, unit: str = "") -> dict:
    return {"key": key, "label": str(label), "value": _num(value), "unit": str(unit), "indicator": None,
            "computable": True}


def _indicator_kpi(code: str, region: Region, period: Period) -> dict:
    """A KPI that is an indicator: its value from the registry (None and computable false
    when no module computes it there)."""
    d = registry.definition(code)
    ok = registry.computable(code, region, period)
    value = registry.value(code, region, period) if ok else None
    return {"key": code, "label": str(_(d.name)), "value": _num(value), "unit": str(_(UNITS[d.unit])),
            "indicator": code, "computable": ok}


def _indicator_drill(code: str, key: str, region: Region, children: list[Region], period: Period) -> dict | None:
    """A drill-down chart of an indicator's children's values (registry), or None when
    the indicator is not computable at the children's level."""
    if not children or not registry.computable(code, children[0], period):
        return None
    got = registry.child_values(code, region, period, children)
    d = registry.definition(code)
    return _drill_chart(key, str(_(d.name)), children, [{"name": str(_(d.name)), "data": [_num(got[c.code]) for c in children]}])


def panel(user, name: str, region: Region, period: Period, today: datetime.date | None = None) -> dict:
    """The panel ``name`` (one of :data:`PANELS`) for ``region`` (already checked by
    :func:`dashboard_region`) and ``period``: the stored snapshot for a region of
    :data:`PRECOMPUTED_LEVELS` when there is one (``precomputed: true``, ``fresh`` its
    computation time), else computed now. Raises NotFound for an unknown panel."""
    if name not in PANELS:
        raise NotFound()
    types = readable_types(user)
    if region.level in PRECOMPUTED_LEVELS:
        got = snapshot(name, region, period, types)
        if got is not None:
            return got
    return compute_panel(name, region, period, types, today)


def snapshot(name: str, region: Region, period: Period, types) -> dict | None:
    """The stored snapshot of the panel for readers of case ``types``, or None (one
    query on the unique index)."""
    row = (DashboardSnapshot.objects.filter(region=region, period=period.label, panel=name,
                                            audience=audience(name, types))
           .values_list("data", "computed_at").first())
    if row is None:
        return None
    data, at = row
    return {**data, "fresh": timezone.localtime(at).isoformat(timespec="seconds"), "precomputed": True}


def snapshot_keys(region_levels=PRECOMPUTED_LEVELS) -> list[tuple[str, str, str, str]]:
    """``(region code, period, panel, audience)`` of every stored snapshot."""
    return list(DashboardSnapshot.objects.filter(region__level__in=region_levels)
                .values_list("region_id", "period", "panel", "audience").order_by("region_id", "period", "panel"))


def compute_panel(name: str, region: Region, period: Period, types, today: datetime.date | None = None) -> dict:
    """The panel computed now from the records, counting cases of ``types`` only (a
    list of case type codes the reader may read, in display order)."""
    if name not in PANELS:
        raise NotFound()
    today = today or timezone.localdate()
    children = _children_of(region)
    body = _PANEL_FUNCS[name](list(types), region, period, children, today)
    for c in body["charts"]:
        for s in (c or {}).get("series", ()):
            s.setdefault("stack", None)
    return {"panel": name, "title": str(TITLES[name]), "region": {"code": region.code, "name": region.name,
                                                               "level": region.level},
            "period": period.label, "as_of": as_of(period, today).isoformat(),
            "fresh": timezone.localtime().isoformat(timespec="seconds"), "precomputed": False,
            "kpis": body["kpis"], "charts": [c for c in body["charts"] if c is not None]}


# --- the panels -----------------------------------------------------------------------------

def _population(types, region, period, children, today) -> dict:
    day = as_of(period, today)
    persons = Person.objects.filter(region__code__startswith=region.code, life_status=Person.LifeStatus.ALIVE,
                                    birth_date__lte=day)
    elderly_born = _years_before(day, ELDERLY_AGE)
    child_born = _years_before(day, CHILD_AGE)
    # one pass over the region's persons: grouped by child region when there are children
    # (the region's total is the sum of the groups: every person lives in a child's subtree
    # or in the region itself, which is a group of its own), else one aggregate
    figures = dict(total=Count("pk"), elderly=Count("pk", filter=Q(birth_date__lte=elderly_born)),
                   children=Count("pk", filter=Q(birth_date__gt=child_born)))
    if children:
        groups = _grouped(persons, region, "region_id", figures)
        counts = {k: sum(g[k] for g in groups.values()) for k in figures}
    else:
        groups, counts = {}, persons.aggregate(**figures)
    tags = (PersonTag.objects.filter(region__code__startswith=region.code, valid_from__lte=day)
            .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day))
            .values("kind").annotate(n=Count("person", distinct=True)))
    by_kind = {r["kind"]: r["n"] for r in tags}
    kinds = list(TagKind.objects.order_by("sort", "code"))
    kpis = [_kpi("persons", _("户籍及常住人口"), counts["total"], _("人")),
            _kpi("elderly", _("60周岁及以上老年人"), counts["elderly"], _("人")),
            _kpi("children", _("未满18周岁儿童"), counts["children"], _("人"))]
    charts = [
        {"key": "groups", "title": str(_("重点人群（人员标签）")), "kind": "bar",
         "categories": [str(_(k.name)) for k in kinds],
         "series": [{"name": str(_("人数")), "data": [by_kind.get(k.code, 0) for k in kinds]}], "drill": None},
        _drill_chart("by_region", str(_("各下级区域人口")), children, [
            {"name": str(_("人口")), "data": [groups.get(c.code, {}).get("total", 0) for c in children]},
            {"name": str(_("老年人")), "data": [groups.get(c.code, {}).get("elderly", 0) for c in children]}])
        if children else None,
    ]
    return {"kpis": kpis, "charts": charts}


def _months_back(end: datetime.date, n: int) -> list[datetime.date]:
    y, m, out = end.year, end.month, []
    for _i in range(n):
        out.append(datetime.date(y, m, 1))
        y, m = (y - 1, 12) if m == 1 else (y, m - 1)
    return out[::-1]


def _per_month(qs, field: str, tz) -> dict[str, int]:
    """``{"YYYY-MM": rows}`` of ``qs`` by the month (in ``tz``) of the datetime ``field``,
    counted in SQL."""
    rows = (qs.order_by().annotate(m=TruncMonth(field, tzinfo=tz)).values("m").annotate(n=Count("pk"))
            .values_list("m", "n"))
    out: dict[str, int] = defaultdict(int)
    for m, n in rows:
        out[m.strftime("%Y-%m")] += n
    return out


def _cases(types, region, period, children, today) -> dict:
    base = Case.objects.filter(region__code__startswith=region.code, type_code__in=types)
    start, end = _day_bounds(period)
    now = timezone.now()
    created = base.filter(created_at__gte=start, created_at__lt=end)
    open_now = base.filter(is_open=True).aggregate(n=Count("pk"), overdue=Count("pk", filter=Q(due_at__lt=now)))
    names, decls = {}, {}
    for code in types:
        decl = current_declaration(code)
        decls[code] = decl
        names[code] = str(_(decl.name)) if decl else code
    rows = list(created.order_by().values("type_code", "state", "is_open")
                .annotate(n=Count("pk"), late=Count("pk", filter=Q(is_open=True, due_at__lt=now))))
    present = sorted({r["type_code"] for r in rows}, key=lambda c: types.index(c))
    by_type = defaultdict(lambda: {"open": 0, "overdue": 0, "closed": 0})
    by_state: dict[tuple[str, str], int] = defaultdict(int)
    for r in rows:
        t = by_type[r["type_code"]]
        if r["is_open"]:
            t["open"] += r["n"] - r["late"]
            t["overdue"] += r["late"]
        else:
            t["closed"] += r["n"]
        by_state[(r["type_code"], r["state"])] += r["n"]
    totals = {"n": sum(r["n"] for r in rows), "closed": sum(r["n"] for r in rows if not r["is_open"])}
    state_keys = sorted(by_state, key=lambda k: (types.index(k[0]), -by_state[k]))

    def state_label(code, state):
        decl = decls.get(code)
        try:
            s = str(_(decl.state(state).name)) if decl else state
        except KeyError:
            s = state
        return f"{names[code]}·{s}"

    # the trend: registered and closed per month, twelve months ending with the period
    months = _months_back(period.end, 12)
    tz = timezone.get_current_timezone()
    m_start = datetime.datetime.combine(months[0], datetime.time.min, tzinfo=tz)
    reg_month = _per_month(base.filter(created_at__gte=m_start, created_at__lt=end), "created_at", tz)
    closed_month = _per_month(base.filter(closed_at__gte=m_start, closed_at__lt=end), "closed_at", tz)
    labels = [m.strftime("%Y-%m") for m in months]
    by_child = _grouped(created, region, "region_id", {"n": Count("pk"), "late": Count(
        "pk", filter=Q(is_open=True, due_at__lt=now))}) if children else {}
    kpis = [_kpi("registered", _("期内登记"), totals["n"], _("件")),
            _kpi("closed", _("期内登记已办结"), totals["closed"], _("件")),
            _kpi("open_now", _("当前在办"), open_now["n"], _("件")),
            _kpi("overdue_now", _("当前超期"), open_now["overdue"], _("件"))]
    charts = [
        {"key": "by_type", "title": str(_("期内登记案件：按类型和办理状态")), "kind": "bar",
         "categories": [names[c] for c in present],
         "series": [{"name": str(_("办理中")), "data": [by_type[c]["open"] for c in present], "stack": "s"},
                    {"name": str(_("已超期")), "data": [by_type[c]["overdue"] for c in present], "stack": "s"},
                    {"name": str(_("已办结")), "data": [by_type[c]["closed"] for c in present], "stack": "s"}],
         "drill": None},
        {"key": "by_state", "title": str(_("期内登记案件：按当前环节")), "kind": "bar",
         "categories": [state_label(*k) for k in state_keys],
         "series": [{"name": str(_("件数")), "data": [by_state[k] for k in state_keys]}], "drill": None},
        {"key": "trend", "title": str(_("近12个月趋势（截至统计期末）")), "kind": "line", "categories": labels,
         "series": [{"name": str(_("登记")), "data": [reg_month[m] for m in labels]},
                    {"name": str(_("办结")), "data": [closed_month[m] for m in labels]}], "drill": None},
        _drill_chart("by_region", str(_("各下级区域期内登记案件")), children, [
            {"name": str(_("登记")), "data": [by_child.get(c.code, {}).get("n", 0) for c in children]},
            {"name": str(_("超期")), "data": [by_child.get(c.code, {}).get("late", 0) for c in children]}])
        if children else None,
    ]
    return {"kpis": kpis, "charts": charts}


def _assistance(types, region, period, children, today) -> dict:
    programs = {p.code: str(_(p.name)) for p in Program.objects.all()}   # the names are translated (django.po)
    # program and months first: the ledgers' index (program, benefit_month, region) serves
    # (the months as a list and the region as a range too, so that all three are index
    # conditions; region codes are digits, at most 15)
    paid = PaymentLine.objects.filter(program__in=list(programs),
                                      benefit_month__in=[datetime.date.fromisoformat(m + "-01") for m in period.months()],
                                      status=PaymentLine.Status.PAID, region__code__startswith=region.code,
                                      region__code__gte=region.code, region__code__lte=region.code + "9" * (15 - len(region.code)))
    rows = list(paid.order_by().values("program", "benefit_month").annotate(a=Sum("amount")))
    by_program: dict[str, Decimal] = defaultdict(Decimal)
    by_month: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for r in rows:
        by_program[r["program"]] += r["a"]
        by_month[(r["program"], r["benefit_month"].strftime("%Y-%m"))] += r["a"]
    order = [c for c in programs if c in by_program]
    order += sorted(c for c in by_program if c not in programs)
    programs.update({c: c for c in order if c not in programs})
    months = period.months()
    total = sum(by_program.values(), Decimal(0))
    kpis = [_kpi("paid_yuan", _("期内已发放金额"), total, _("元")),
            _kpi("persons", _("期内领取人数"), paid.values("person").distinct().count(), _("人")),
            _indicator_kpi("disability.two_subsidies_persons", region, period),
            _indicator_kpi("disability.two_subsidies_yuan", region, period)]
    charts = [
        {"key": "by_program", "title": str(_("期内已发放金额：按项目（元）")), "kind": "pie",
         "categories": [programs[c] for c in order],
         "series": [{"name": str(_("金额（元）")), "data": [_num(by_program[c]) for c in order]}], "drill": None},
        {"key": "by_month", "title": str(_("按待遇月份（元）")), "kind": "bar", "categories": months,
         "series": [{"name": programs[c], "data": [_num(by_month.get((c, m), Decimal(0))) for m in months],
                     "stack": "m"} for c in order], "drill": None},
        _drill_chart("by_region", str(_("各下级区域已发放金额（元）")), children, [
            {"name": str(_("金额（元）")), "data": _by_child(paid, region, children, agg=Sum("amount"))}])
        if children else None,
    ]
    return {"kpis": kpis, "charts": charts}


def _eldercare(types, region, period, children, today) -> dict:
    day = as_of(period, today)
    month = day.replace(day=1)
    ents = Entitlement.objects.filter(person__region__code__startswith=region.code, start_month__lte=month).filter(
        Q(end_month__isnull=True) | Q(end_month__gte=month))
    cats = list(ents.order_by().values("category").annotate(n=Count("pk")).order_by("-n", "category"))
    elderly = Person.objects.filter(region__code__startswith=region.code, life_status=Person.LifeStatus.ALIVE,
                                    birth_date__lte=_years_before(day, ELDERLY_AGE))
    n_elderly = elderly.count()
    n_ent = sum(r["n"] for r in cats)
    kpis = [_kpi("entitled", _("享受居家养老服务待遇（期末）"), n_ent, _("人")),
            _kpi("entitled_rate", _("占老年人比例"), Decimal(n_ent * 100) / n_elderly if n_elderly else None, _("%"))]
    for code in ("eldercare.home_care_persons", "eldercare.day_care_centers", "eldercare.day_care_coverage_urban",
                 "eldercare.day_care_coverage_rural", "eldercare.person_visits", "eldercare.living_subsidy_yuan"):
        kpis.append(_indicator_kpi(code, region, period))
    labels = {c: str(_(lbl)) for c, lbl in ENTITLEMENT_CATEGORIES.items()}
    charts = [
        {"key": "by_category", "title": str(_("居家养老服务待遇：按对象类别（期末）")), "kind": "pie",
         "categories": [labels.get(r["category"], r["category"]) for r in cats],
         "series": [{"name": str(_("人数")), "data": [r["n"] for r in cats]}], "drill": None},
        _indicator_drill("eldercare.day_care_centers", "day_care_by_region", region, children, period),
        _drill_chart("by_region", str(_("各下级区域享受待遇人数与老年人数")), children, [
            {"name": str(_("享受待遇")), "data": _by_child(ents, region, children, field="person__region_id")},
            {"name": str(_("老年人")), "data": _by_child(elderly, region, children)}]) if children else None,
    ]
    return {"kpis": kpis, "charts": charts}


def _children(types, region, period, children, today) -> dict:
    day = as_of(period, today)
    files = ChildFile.objects.filter(region__code__startswith=region.code, status=ChildFile.Status.OPEN,
                                     opened_on__lte=day)
    due = files.filter(next_visit_due__lte=period.end)
    overdue = files.filter(next_visit_due__lt=today)
    visits = ChildVisit.objects.filter(file__region__code__startswith=region.code, visited_on__gte=period.start,
                                       visited_on__lte=period.end)
    per_month = defaultdict(int)
    for d in visits.values_list("visited_on", flat=True):
        per_month[d.strftime("%Y-%m")] += 1
    months = period.months()
    kpis = [_kpi("files", _("在册儿童档案"), files.count(), _("人")),
            _kpi("visits_done", _("期内探访"), visits.count(), _("次")),
            _kpi("children_visited", _("期内探访儿童"), visits.values("file").distinct().count(), _("人")),
            _kpi("visits_due", _("期末前应探访（未探访）"), due.count(), _("人")),
            _kpi("visits_overdue", _("当前逾期未探访"), overdue.count(), _("人")),
            _indicator_kpi("children.home_children", region, period)]
    charts = [
        {"key": "visits_by_month", "title": str(_("期内探访次数：按月")), "kind": "bar", "categories": months,
         "series": [{"name": str(_("探访")), "data": [per_month[m] for m in months]}], "drill": None},
        _drill_chart("by_region", str(_("各下级区域探访：已探访与应探访")), children, [
            {"name": str(_("期内探访")), "data": _by_child(visits, region, children, field="file__region_id")},
            {"name": str(_("应探访")), "data": _by_child(due, region, children)},
            {"name": str(_("逾期")), "data": _by_child(overdue, region, children)}]) if children else None,
    ]
    return {"kpis": kpis, "charts": charts}


def _projects(types, region, period, children, today) -> dict:
    projects = ServiceProject.objects.filter(region__code__startswith=region.code, starts_on__lte=period.end,
                                             ends_on__gte=period.start)
    by_status = list(projects.order_by().values("status").annotate(n=Count("pk"), a=Sum("amount")).order_by("status"))
    labels = dict(ProjectStatus.choices)
    kpis = [_indicator_kpi("projects.count", region, period), _indicator_kpi("projects.funds_yuan", region, period),
            _indicator_kpi("funds.per_community_min", region, period),
            _indicator_kpi("funds.per_community_max", region, period),
            _kpi("in_service", _("期内在服务期的项目"), sum(r["n"] for r in by_status), _("个"))]
    charts = [
        {"key": "by_status", "title": str(_("期内在服务期的项目：按状态")), "kind": "bar",
         "categories": [str(labels.get(r["status"], r["status"])) for r in by_status],
         "series": [{"name": str(_("项目数")), "data": [r["n"] for r in by_status]},
                    {"name": str(_("合同金额（万元）")), "data": [_num(r["a"] / 10000) for r in by_status]}],
         "drill": None},
        _indicator_drill("projects.funds_yuan", "funds_by_region", region, children, period) or (
            _drill_chart("by_region", str(_("各下级区域在服务期项目的合同金额（元）")), children, [
                {"name": str(_("金额（元）")), "data": _by_child(projects, region, children, agg=Sum("amount"))}])
            if children else None),
    ]
    return {"kpis": kpis, "charts": charts}


def _workforce(types, region, period, children, today) -> dict:
    day = as_of(period, today)
    workers = CommunityWorker.objects.filter(community__code__startswith=region.code, started_on__lte=day).filter(
        Q(status=CommunityWorker.Status.ACTIVE) | Q(left_on__gt=day))
    by_post = list(workers.order_by().values("post").annotate(n=Count("pk")).order_by("post"))
    posts = dict(Post.choices)
    trained = (TrainingParticipant.objects.filter(session__region__code__startswith=region.code,
                                                  session__starts_on__gte=period.start,
                                                  session__starts_on__lte=period.end))
    kpis = [_kpi("workers", _("在岗社区工作者（期末）"), workers.count(), _("人")),
            _kpi("training_places", _("期内参训人次"), trained.count(), _("人次")),
            _indicator_kpi("workforce.cadres_trained", region, period),
            _indicator_kpi("workforce.exam_classes", region, period),
            _indicator_kpi("workforce.exam_trainees", region, period)]
    charts = [
        {"key": "by_post", "title": str(_("在岗社区工作者：按岗位")), "kind": "pie",
         "categories": [str(posts.get(r["post"], r["post"])) for r in by_post],
         "series": [{"name": str(_("人数")), "data": [r["n"] for r in by_post]}], "drill": None},
        _drill_chart("by_region", str(_("各下级区域在岗社区工作者")), children, [
            {"name": str(_("人数")), "data": _by_child(workers, region, children, field="community_id")}])
        if children else None,
    ]
    return {"kpis": kpis, "charts": charts}


_PANEL_FUNCS = {"population": _population, "cases": _cases, "assistance": _assistance, "eldercare": _eldercare,
                "children": _children, "projects": _projects, "workforce": _workforce}

TITLES = {
    "population": gettext_lazy("人口与重点人群"),
    "cases": gettext_lazy("案件办理"),
    "assistance": gettext_lazy("救助发放"),
    "eldercare": gettext_lazy("养老服务"),
    "children": gettext_lazy("儿童探访"),
    "projects": gettext_lazy("项目与资金"),
    "workforce": gettext_lazy("社区工作者队伍"),
}


def parse_dashboard_period(text: str | None, today: datetime.date | None = None) -> Period:
    """The period of a request (``period=`` as in :func:`jiayuan.stats.rules.parse_period`);
    empty → the current year. Raises :class:`~jiayuan.errors.ValidationFailed` (422) for
    anything else."""
    from ...errors import ValidationFailed
    from ..rules import PeriodError, parse_period

    text = (text or "").strip()
    if not text:
        return parse_period(str((today or timezone.localdate()).year))
    try:
        return parse_period(text)
    except PeriodError as err:
        raise ValidationFailed.from_rule_errors([err]) from None
