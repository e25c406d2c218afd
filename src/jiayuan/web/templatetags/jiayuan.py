"""Template filters of the pages: ``{% load jiayuan %}``."""

from django import template
from django.utils import timezone

from ...people import rules as people_rules

register = template.Library()


@register.filter
def age(birth_date) -> str:
    """Age in whole years today (29 February birthdays count on 28 February)."""
    if not birth_date:
        return ""
    return str(people_rules.age_on(birth_date, timezone.localdate()))


@register.filter
def region_label(region) -> str:
    """交通巷社区 · 第一网格 for a grid, the short name otherwise."""
    if region is None:
        return ""
    if getattr(region, "is_grid", False) and region.parent_id:
        return f"{region.parent.short_name} · {region.name}"
    return region.short_name
