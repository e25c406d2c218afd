"""Reads of home care (居家养老上门服务): the county's catalogue, the entitlement
standards in force, who is eligible (from the registry and the assessment), and the
approved entitlements. Scope: the catalogue and standards of the counties in (or above)
the user's scope; entitlements of persons in the user's subtree, for ``view_eldercare``.
"""

from __future__ import annotations

import datetime

from django.db.models import QuerySet

from ...accounts.permissions import Perm
from ...errors import NotFound
from ...people import rules as people_rules
from ...people.models import Person, PersonTag
from ...people.selectors import current_tags_q
from .. import rules
from ..models import Entitlement, EntitlementStandard, HomeCareItem
from .assessments import latest_assessment

TAG_FACTS = {"extreme_poverty": "extreme_poverty", "subsistence_allowance": "subsistence",
             "low_income": "low_income", "empty_nest_elderly": "empty_nest", "elderly_living_alone": "living_alone"}


def county_of(code: str) -> str:
    """The county code (6 digits) of a region code."""
    return (code or "")[:6]


def items_for(user, county: str) -> QuerySet:
    """The catalogue of ``county`` (6 digits) if the user sees it (its scope lies in the
    county or above it); none otherwise."""
    if not user.can(Perm.VIEW_ELDERCARE):
        return HomeCareItem.objects.none()
    scope = user.scope_code
    if scope and not (county.startswith(scope) or scope.startswith(county)):
        return HomeCareItem.objects.none()
    return HomeCareItem.objects.filter(county_id=county).order_by("kind", "code")


def get_item(user, pk) -> HomeCareItem:
    try:
        item = HomeCareItem.objects.get(pk=int(pk))
    except (ValueError, TypeError, OverflowError, HomeCareItem.DoesNotExist):
        raise NotFound("item.not_found") from None
    if not items_for(user, item.county_id).filter(pk=item.pk).exists():
        raise NotFound("item.not_found")
    return item


def standards_in_force(county: str, month: datetime.date) -> dict:
    """``{(category, level): (amount, hours, row id)}`` of the standards of ``county`` in
    force in ``month`` (for each category and level the row with the latest
    ``effective_from`` not after the month)."""
    out: dict = {}
    for row in (EntitlementStandard.objects.filter(county_id=county, effective_from__lte=month)
                .order_by("category", "level", "-effective_from")):
        out.setdefault((row.category, row.level), (row.amount, row.hours, row.pk))
    return out


def standards_of(user, county: str) -> QuerySet:
    if not user.can(Perm.VIEW_ELDERCARE) or not items_for_scope(user, county):
        return EntitlementStandard.objects.none()
    return EntitlementStandard.objects.filter(county_id=county).order_by("category", "level", "-effective_from")


def items_for_scope(user, county: str) -> bool:
    scope = user.scope_code
    return not scope or county.startswith(scope) or scope.startswith(county)


def eligibility_facts(person: Person, on: datetime.date, declared: dict | None = None) -> dict:
    """The facts of :func:`rules.entitlement_categories` for ``person`` (from a scoped
    selector) on ``on``: the current tags 特困/低保/低收入/空巢/独居 of the registry, the
    latest assessment's level, the age; ``family_planning`` (计生特殊家庭) as declared —
    the registry does not hold it."""
    facts = {v: False for v in TAG_FACTS.values()}
    for code in (PersonTag.objects.filter(current_tags_q(on), person=person, kind__code__in=list(TAG_FACTS))
                 .values_list("kind__code", flat=True)):
        facts[TAG_FACTS[code]] = True
    a = latest_assessment(person, on=on)
    facts["capacity_level"] = a.level if a else None
    facts["assessment"] = a.pk if a else None
    facts["age"] = people_rules.age_on(person.birth_date, on)
    facts["family_planning"] = bool((declared or {}).get("family_planning"))
    return facts


def eligibility(person: Person, month: datetime.date, declared: dict | None = None) -> dict:
    """What the county would approve for ``person`` in ``month``: ``facts``,
    ``categories`` (every category found), ``choice`` (category, amount, hours of
    :func:`rules.monthly_entitlement`, or None) and ``standard`` (row id)."""
    county = county_of(person.region_id)
    facts = eligibility_facts(person, month, declared)
    categories = rules.entitlement_categories(facts)
    standards = standards_in_force(county, month)
    choice = rules.monthly_entitlement(categories, facts["capacity_level"],
                                       {k: (v[0], v[1]) for k, v in standards.items()})
    row = None
    if choice:
        row = (standards.get((choice[0], facts["capacity_level"] or "")) or standards.get((choice[0], "")))[2]
    return {"facts": facts, "categories": categories, "choice": choice, "standard": row, "county": county}


def entitlements_for(user) -> QuerySet:
    if not user.can(Perm.VIEW_ELDERCARE):
        return Entitlement.objects.none()
    qs = Entitlement.objects.select_related("person", "person__region", "approved_by")
    scope = user.scope_code
    return qs.filter(person__region__code__startswith=scope) if scope else qs


def active_entitlement(person: Person) -> Entitlement | None:
    return Entitlement.objects.filter(person=person, status=Entitlement.Status.ACTIVE).first()


def eligible_without_entitlement(user, on: datetime.date) -> QuerySet:
    """Persons in scope assessed 失能 or 半失能 (latest assessment) with no active
    entitlement: for the county's to-do (who may be eligible and waits for a decision)."""
    from ..models import CapacityAssessment
    from .assessments import latest_only

    if not user.can(Perm.MANAGE_ELDERCARE):
        return CapacityAssessment.objects.none()
    from .assessments import assessments_for

    return (latest_only(assessments_for(user))
            .filter(level__in=rules.DISABLED_LEVELS + rules.SEMI_DISABLED_LEVELS,
                    person__life_status=Person.LifeStatus.ALIVE)
            .exclude(person__in=Entitlement.objects.filter(status="active").values("person"))
            .order_by("assessed_on", "id"))


__all__ = ["county_of", "items_for", "get_item", "standards_in_force", "standards_of", "eligibility_facts",
           "eligibility", "entitlements_for", "active_entitlement", "eligible_without_entitlement", "items_for_scope"]
