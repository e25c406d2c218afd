"""Template context shared by every page: the navigation the user's role allows, and
who the user is (name, role, scope) for the navbar."""

from django.utils.translation import gettext_lazy as _

from ..accounts.permissions import Perm


def navigation(request) -> dict:
    """``nav``: list of (url name, label, key) the role may open; ``nav_active``: the key
    of the current section; ``me_role`` and ``me_scope``: labels for the navbar."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav": []}
    items = [("web:home", _("首页"), "home")]
    if user.can(Perm.VIEW_REGISTRY):
        items += [("web:region_tree", _("区划网格"), "regions"), ("web:person_list", _("居民"), "persons"),
                  ("web:household_list", _("户"), "households")]
    if user.can(Perm.VIEW_AUDIT):
        items.append(("web:audit_list", _("审计日志"), "audit"))
    match = getattr(request, "resolver_match", None)
    url_name = match.url_name if match else ""
    active = "home"
    for key, prefixes in (("persons", ("person",)), ("households", ("household",)),
                          ("regions", ("region", "grid", "households_move")), ("audit", ("audit",))):
        if url_name and url_name.startswith(prefixes):
            active = key
    if user.is_superuser:
        role, scope = _("系统管理员"), _("全部区划")
    else:
        role = user.get_role_display() or _("未分配角色")
        scope = user.scope.short_name if user.scope_id else _("未指定")
    return {"nav": items, "nav_active": active, "me_role": role, "me_scope": scope}
