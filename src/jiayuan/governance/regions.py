"""The one scoped region lookup of the governance pages and API (counts, results,
burden, coverage): a code in the user's subtree, through ``regions.selectors``."""

from ..errors import get_or_not_found
from ..regions import selectors as region_selectors
from ..regions.models import Region


def region_in_scope(user, code: str | None) -> Region:
    """The region ``code`` inside the user's scope, the scope region itself when ``code``
    is blank (the province for an account without a scope). :class:`NotFound`
    (``region.not_found``) for a code that is unknown or outside the scope, exactly alike."""
    code = (code or "").strip() or user.scope_id or "62"
    if not code.isdigit():
        code = "-"
    return get_or_not_found(region_selectors.regions_for(user), "region.not_found", code=code)
