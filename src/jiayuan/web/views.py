"""The page shell: log in and out, home, the to-do list (待办), and the 404/403 pages. The registry's pages
live in each app's ``views.py`` (regions, people, audit) and are routed in
:mod:`jiayuan.web.urls`."""

from functools import lru_cache
from pathlib import Path

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from ..accounts.permissions import Perm
from ..organizations.selectors import organizations_worked_for
from ..people import selectors as people_selectors
from ..regions import selectors as region_selectors
from . import todo

class _LoginView(auth_views.LoginView):
    """The sign-in page; says after how many wrong passwords signing in to an account from
    this address is blocked, and for how long (django-axes settings: the lockout is per
    user name and address pair)."""

    template_name = "web/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        from django.conf import settings

        return {**super().get_context_data(**kwargs), "failure_limit": settings.AXES_FAILURE_LIMIT,
                "cooloff_minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)}


login_view = _LoginView.as_view()
logout_view = auth_views.LogoutView.as_view()


def scope_path(user) -> list:
    """The user's scope region with its ancestors, province first ([] for a superuser)."""
    root = region_selectors.scope_root(user)
    if root is None:
        return []
    return region_selectors.ancestors(root) + [root]


@login_required
def home(request):
    """Home: the user's scope, their to-do counts (a card per to-do source with items,
    read from the registry :mod:`jiayuan.web.todo`), counts of households, persons and
    each tag, shortcuts; for an organization's staff, the organizations they work for and
    the pages of their work."""
    user = request.user
    counts = people_selectors.scope_counts(user) if user.can(Perm.VIEW_REGISTRY) else None
    return render(request, "web/home.html", {
        "my_organizations": list(organizations_worked_for(user)[:10]),
        "todo": [g for g in todo.counts(user) if g.count],
        "has_todo": bool(todo.sources_for(user)),
        "path": scope_path(user),
        "counts": counts,
        "can_view": user.can(Perm.VIEW_REGISTRY),
        "can_edit": user.can(Perm.EDIT_REGISTRY),
        "can_audit": user.can(Perm.VIEW_AUDIT),
        "can_grids": user.can(Perm.MANAGE_GRIDS),
    })


@login_required
@require_GET
def todo_page(request):
    """待办: everything waiting for the user, one group per to-do source (the registry of
    :mod:`jiayuan.web.todo`), overdue first inside each, each item linking to where the
    work is done; at most ``todo.ITEMS_PER_SOURCE`` items per source with the count of all.
    A role that no source applies to (the auditor, social-organization staff) has no 待办
    in its menu and is sent to the home page."""
    if not todo.sources_for(request.user):
        return redirect("web:home")
    groups = todo.collect(request.user)
    return render(request, "web/todo.html", {
        "groups": groups, "total": sum(g.count for g in groups), "limit": todo.ITEMS_PER_SOURCE,
    })


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def not_found(request, exception=None):
    """404 page; under /api/ the API's JSON error body (an unknown route or an id that is
    not a number answers like an object out of scope)."""
    if _is_api(request):
        from django.http import JsonResponse
        from django.utils.translation import gettext as _

        return JsonResponse({"error": {"code": "not_found", "message": _("未找到该对象，或不在您的管辖范围内"),
                                       "fields": {}}}, status=404)
    return render(request, "web/404.html", status=404)


def forbidden(request, exception=None):
    return render(request, "web/403.html", status=403)


def server_error(request):
    """500: a plain page in Chinese that needs no database or context (the error may
    come from either); the API gets its JSON error body. A fault of the platform raised
    by a middleware before any view (a lost database connection: 503) is answered by
    :func:`jiayuan.web.middleware.platform_fault_response` instead."""
    import sys

    from django.http import HttpResponseServerError, JsonResponse
    from django.template import loader

    from .middleware import platform_fault_response

    fault = platform_fault_response(request, sys.exc_info()[1])
    if fault is not None:
        return fault
    if _is_api(request):
        return JsonResponse({"error": {"code": "server_error", "message": "系统出错，操作可能未完成也可能已保存：请先查询结果，未保存时再重试；如果一直如此，请联系管理员",
                                       "fields": {}}}, status=500)
    return HttpResponseServerError(loader.get_template("web/500.html").render())


_FAVICON = Path(__file__).parent / "static" / "web" / "favicon.ico"


@lru_cache(maxsize=1)
def _favicon_bytes() -> bytes:
    return _FAVICON.read_bytes()  # read once per process, not on every request


def favicon(request):
    """``/favicon.ico``, which browsers ask for at the root whatever the page says: the
    site's icon (also linked from every page), cached for a day."""
    response = HttpResponse(_favicon_bytes(), content_type="image/x-icon")
    response["Cache-Control"] = "public, max-age=86400"
    return response
