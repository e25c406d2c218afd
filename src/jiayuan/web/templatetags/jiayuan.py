"""Template filters of the pages: ``{% load jiayuan %}``."""

from django import template
from django.utils import timezone
from django.utils.translation import gettext

from ...assistance.rules import format_yuan
from ...people import rules as people_rules

register = template.Library()


@register.filter
def age(birth_date) -> str:
    """Age in whole years today (29 February birthdays count on 28 February)."""
    if not birth_date:
        return ""
    return str(people_rules.age_on(birth_date, timezone.localdate()))


@register.filter
def yuan(value) -> str:
    """An amount of yuan as ``22,187.00`` (two places, fen rounded half up, ``,`` between
    thousands, ``-1,234.50``; the same in every language); ``None``/``""`` give ``—``.
    ``assistance.rules.format_yuan`` is the one formatter (pages and Python texts)."""
    return format_yuan(value)


@register.filter
def region_label(region) -> str:
    """交通巷社区 · 第一网格 for a grid, the short name otherwise."""
    if region is None:
        return ""
    if getattr(region, "is_grid", False) and region.parent_id:
        return f"{region.parent.short_name} · {region.name}"
    return region.short_name


@register.filter
def data_label(value, sep=None):
    """A name that comes from declared data (a case type's state, action, field or
    comment label; a program, tag kind or material name; a label of the assistance
    rules' dicts), translated into the page's language. The stored text stays Chinese
    (it is the msgid, marked ``N_`` where it is declared); a text without a translation
    comes back unchanged. A list or tuple gives a list of translated items (for
    ``|join``); ``sep`` (``{{ r.kinds|data_label:"、" }}``) translates each part of a
    text joined with it. ``None`` and the empty text give ``""``, anything else is
    unchanged."""
    if value is None or value == "":
        return ""
    if isinstance(value, (list, tuple)):
        return [data_label(v) for v in value]
    if isinstance(value, str):
        if sep:
            return sep.join(gettext(part) if part else part for part in value.split(sep))
        return gettext(value)
    return value
