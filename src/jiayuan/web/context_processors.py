"""Template context shared by every page: the navigation the user's role allows."""

from ..accounts.permissions import Perm


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav": []}
    items = [("web:home", "首页", "home")]
    if user.can(Perm.VIEW_REGISTRY):
        items += [("web:region_tree", "区划网格", "regions"), ("web:person_list", "居民", "persons"),
                  ("web:household_list", "户", "households")]
    if user.can(Perm.VIEW_AUDIT):
        items.append(("web:audit_list", "审计日志", "audit"))
    return {"nav": items}
