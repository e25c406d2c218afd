"""Reads of the grid module for pages: the event-category catalog as a tree and the
names of categories. Grid events themselves are read through
:mod:`jiayuan.cases.selectors` (scoped)."""

from .models import EventCategory


def category_tree() -> list[tuple[EventCategory, list[EventCategory]]]:
    """[(top category, [its active sub-categories]), …] in catalog order; a top
    category without sub-categories is itself a leaf (its list is empty)."""
    rows = list(EventCategory.objects.filter(active=True).order_by("sort", "code"))
    kids: dict[str, list[EventCategory]] = {}
    for c in rows:
        if c.parent_id:
            kids.setdefault(c.parent_id, []).append(c)
    return [(c, kids.get(c.code, [])) for c in rows if not c.parent_id]


def category_names(codes) -> dict[str, str]:
    """{code: "大类 / 小类"} for the given category codes, in the page's language."""
    from django.utils.translation import gettext

    rows = EventCategory.objects.filter(code__in=list(codes)).select_related("parent")
    return {c.code: f"{gettext(c.parent.name)} / {gettext(c.name)}" if c.parent_id else gettext(c.name) for c in rows}
