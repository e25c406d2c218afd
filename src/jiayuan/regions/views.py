"""Pages of the region tree and grid management.

Every region comes from :mod:`jiayuan.regions.selectors` (scoped): a code outside the
user's scope answers 404 like a code that does not exist. Grid changes go through
:mod:`jiayuan.regions.services`; their refusals are shown on the page.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from ..accounts.permissions import Perm
from ..errors import ServiceError
from ..people import selectors as people_selectors
from ..web.shortcuts import actor, apply_service_error, paginate, perm_required, require_perm
from . import selectors, services
from .forms import GridForm, SplitForm, region_label
from .models import Region
from .rules import grid_staffing_warning

MOVE_LIST_LIMIT = 300


def _breadcrumbs(user, region: Region) -> list[tuple[Region, bool]]:
    """(region, linkable) from the province down to ``region``; only regions inside the
    user's scope are links."""
    scope = user.scope_code
    return [(r, r.code.startswith(scope)) for r in selectors.ancestors(region)] + [(region, False)]


def _grid_rows(user, grids) -> list[dict]:
    grids = list(grids)
    members = selectors.grid_member_counts(user, grids)
    return [{"grid": g, "members": members.get(g.code, 0),
             "warning": grid_staffing_warning(members.get(g.code, 0), _)} for g in grids]


def _village_of(user, code: str) -> Region:
    region = selectors.get_region(user, code)
    if region.level != Region.Level.VILLAGE:
        raise Http404
    return region


def _grid_of(user, code: str) -> Region:
    region = selectors.get_region(user, code)
    if not region.is_grid:
        raise Http404
    return region


@perm_required(Perm.VIEW_REGISTRY)
def region_tree(request):
    """Start of the tree: the user's scope region (or the provinces for a superuser)."""
    tops = list(selectors.top_regions(request.user))
    if len(tops) == 1:
        return redirect("web:region_detail", code=tops[0].code)
    rows = []
    for r in tops:
        c = people_selectors.scope_counts(request.user, r.code)
        rows.append({"region": r, "persons": c.persons, "households": c.households})
    return render(request, "regions/tree.html", {"rows": rows})


@login_required
def region_detail(request, code):
    """One level of the tree: counts, children with their counts; grids with member
    counts and staffing warnings under a community/village; a grid's own page."""
    user = request.user
    region = selectors.get_region(user, code)
    require_perm(request.user, Perm.VIEW_REGISTRY)
    if region.is_grid:
        return _grid_detail(request, region)
    children = list(selectors.children_of(user, region))
    counts = people_selectors.counts_by_child(user, region, children)
    ctx = {
        "region": region,
        "crumbs": _breadcrumbs(user, region),
        "totals": people_selectors.scope_counts(user, region.code),
        "can_manage": user.can(Perm.MANAGE_GRIDS),
    }
    if region.level == Region.Level.VILLAGE:
        grid_rows = _grid_rows(user, [c for c in children if c.is_grid])
        for row in grid_rows:
            row.update(counts.get(row["grid"].code, {}))
        ctx["grid_rows"] = grid_rows
        ctx["ungridded_households"] = people_selectors.households_for(user).filter(region=region).count()
        ctx["ungridded_persons"] = people_selectors.persons_for(user).filter(
            region=region, life_status="alive").count()
    else:
        ctx["child_rows"] = [{"region": c, **counts.get(c.code, {"persons": 0, "households": 0})} for c in children]
    return render(request, "regions/region_detail.html", ctx)


def _grid_detail(request, grid: Region):
    user = request.user
    members = list(selectors.grid_members_of(user, grid))
    households = (people_selectors.households_for(user).filter(region=grid)
                  .annotate(n_members=Count("members")).order_by("number"))
    return render(request, "regions/grid_detail.html", {
        "grid": grid,
        "crumbs": _breadcrumbs(user, grid),
        "members": members,
        "warning": grid_staffing_warning(len(members), _),
        "totals": people_selectors.scope_counts(user, grid.code),
        "page_obj": paginate(request, households),
        "can_manage": user.can(Perm.MANAGE_GRIDS),
    })


@login_required
@require_http_methods(["GET", "POST"])
def grid_create(request, code):
    """Create a grid under the community or village ``code``."""
    village = _village_of(request.user, code)
    require_perm(request.user, Perm.MANAGE_GRIDS)
    form = GridForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            grid = services.create_grid(actor(request), village, form.cleaned_data["name"],
                                        form.cleaned_data["boundary"])
        except ServiceError as exc:
            apply_service_error(form, exc, {"parent": None})
        else:
            messages.success(request, _("已新建网格：%(name)s（编号 %(code)s）") % {"name": grid.name, "code": grid.code})
            return redirect("web:region_detail", code=grid.code)
    return render(request, "regions/grid_form.html", {
        "form": form, "village": village, "crumbs": _breadcrumbs(request.user, village),
        "title": _("新建网格"),
    }, status=422 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def grid_edit(request, code):
    """Rename a grid and set or clear its boundary."""
    grid = _grid_of(request.user, code)
    require_perm(request.user, Perm.MANAGE_GRIDS)
    form = GridForm(request.POST or None, initial={"name": grid.name, "boundary": grid.boundary})
    if request.method == "POST" and form.is_valid():
        try:
            services.update_grid(actor(request), grid, form.cleaned_data["name"], form.cleaned_data["boundary"])
        except ServiceError as exc:
            apply_service_error(form, exc, {"code": None})
        else:
            messages.success(request, _("网格信息已保存"))
            return redirect("web:region_detail", code=grid.code)
    return render(request, "regions/grid_form.html", {
        "form": form, "grid": grid, "village": grid.parent, "crumbs": _breadcrumbs(request.user, grid),
        "title": _("修改网格"),
    }, status=422 if form.errors else 200)


def _picked_households(user, ids) -> list:
    """Households chosen by id in a form, each through the scoped selector (404 if any
    lies outside the scope)."""
    return [people_selectors.get_household(user, pk) for pk in dict.fromkeys(ids)]


@login_required
@require_http_methods(["GET", "POST"])
def grid_split(request, code):
    """Split a grid: a new sibling grid takes the chosen households."""
    user = request.user
    grid = _grid_of(user, code)
    require_perm(request.user, Perm.MANAGE_GRIDS)
    households = (people_selectors.households_for(user).filter(region=grid)
                  .annotate(n_members=Count("members")).order_by("number"))
    form = SplitForm(request.POST or None)
    chosen = request.POST.getlist("households") if request.method == "POST" else []
    if request.method == "POST" and form.is_valid():
        picked = _picked_households(user, chosen)
        if not picked:
            form.add_error(None, _("请至少勾选一户划入新网格"))
        else:
            try:
                new = services.split_grid(actor(request), grid, form.cleaned_data["new_name"], picked)
            except ServiceError as exc:
                apply_service_error(form, exc, {"name": "new_name", "parent": None, "households": None})
            else:
                messages.success(request, _("已拆分：%(n)s 户划入新网格 %(name)s") % {"n": len(picked), "name": new.name})
                return redirect("web:region_detail", code=new.code)
    return render(request, "regions/grid_split.html", {
        "form": form, "grid": grid, "crumbs": _breadcrumbs(user, grid),
        "households": households[:MOVE_LIST_LIMIT], "total": households.count(), "limit": MOVE_LIST_LIMIT,
        "chosen": {str(c) for c in chosen},
    }, status=422 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def households_move(request, code):
    """Move households between the grids of one community or village (or back to the
    community itself). ``?from=`` narrows the list to one grid, ``?q=`` to a number
    or address fragment."""
    user = request.user
    village = _village_of(user, code)
    require_perm(request.user, Perm.MANAGE_GRIDS)
    targets = [village] + [g for g in selectors.children_of(user, village) if g.is_grid]
    target_codes = {t.code for t in targets}
    source = request.GET.get("from", "")
    if source and source not in target_codes:
        raise Http404
    q = request.GET.get("q", "").strip()
    qs = people_selectors.households_for(user).filter(community=village)
    if source:
        qs = qs.filter(region_id=source)
    if q:
        qs = qs.filter(Q(number__contains=q) | Q(address__contains=q))
    qs = qs.annotate(n_members=Count("members")).order_by("number")
    error, chosen, target_code = "", [], ""
    if request.method == "POST":
        chosen = request.POST.getlist("households")
        target_code = request.POST.get("target", "")
        picked = _picked_households(user, chosen)
        if not picked:
            error = _("请至少勾选一户")
        elif not target_code:
            error = _("请选择要移入的网格")
        else:
            target = selectors.get_region(user, target_code)
            try:
                n = services.move_households(actor(request), picked, target)
            except ServiceError as exc:
                error = exc.message
            else:
                messages.success(request, _("已将 %(n)s 户移入 %(name)s") % {"n": n, "name": region_label(target)})
                return redirect(request.get_full_path())
    return render(request, "regions/households_move.html", {
        "village": village, "crumbs": _breadcrumbs(user, village), "targets": targets,
        "target_labels": [(t.code, region_label(t) if t.is_grid else _("%(name)s（不划入网格）") % {"name": t.short_name})
                          for t in targets],
        "source": source, "q": q, "households": qs[:MOVE_LIST_LIMIT], "total": qs.count(),
        "limit": MOVE_LIST_LIMIT, "error": error, "chosen": set(chosen), "target_code": target_code,
    }, status=422 if error else 200)
