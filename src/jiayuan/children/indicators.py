"""Indicators whose data children's care owns (DESIGN.md principle 10; definitions in
:mod:`jiayuan.stats.definitions`).

``children.home_children`` — 儿童之家关爱的留守儿童数 (stock, persons): at the end of the
period, the rural left-behind children (国发〔2016〕13号; ``left_behind`` confirmed on their
file, the file not closed by then) enrolled at a children's home located in the region
(enrolled on or before the last day, not left before it). A child enrolled at two homes
counts once. Counted by where the home is, since the home is what the figure is about.
The categories are the file's current confirmed ones (the file keeps no dated history of
categories): a figure asked for a past period reads today's categories.
"""

from django.db.models import Count
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ..stats.registry import Column, Rows, grouped, rule
from . import labels, selectors


def home_children_rows(user, region, period) -> Rows:
    """The files behind the value that the user reads (need-to-know:
    :func:`selectors.files_for`): a user who reads every file (``view_child_files``,
    city-wide) gets exactly the value's rows."""
    ids = selectors.home_left_behind_person_ids(region.code, period.end)
    qs = selectors.files_for(user).filter(person_id__in=ids).order_by("region_id", "person__name", "pk")
    return Rows(qs, [Column(_("姓名"), "person.name"), Column(_("所属村（社区）"), "region.short_name"),
                     Column(_("风险等级"), lambda f: labels.grade_name(f.risk)),
                     Column(_("下次探访期限"), "next_visit_due")],
                link=lambda f: reverse("children:file_detail", args=[f.pk]))


def home_children_by_child(region, period, children) -> dict:
    """One query per code length among ``children``: the distinct children per child
    region, grouped by the leading digits of the home's region code (a child enrolled at
    homes in two child regions counts in each, as ``value`` of each counts it; a home
    located at a township counts for no village under it, as in ``value``)."""
    got = grouped(selectors.home_left_behind_enrolments(region.code, period.end), "home__region_id", children,
                  n=Count("person_id", distinct=True))
    return {c.code: got.get(c.code, {}).get("n", 0) for c in children}


@rule("children.home_children", rows=home_children_rows, by_child=home_children_by_child, deep=True)
def home_children(region, period) -> int:
    """Count of distinct children (one query)."""
    return selectors.home_left_behind_person_ids(region.code, period.end).count()
