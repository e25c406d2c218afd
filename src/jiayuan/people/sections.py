"""Sections other modules add to a person's page (居民详情): the module shows what it
holds about the person (assessments, entitlements …) without the registry importing it
and without editing the person's template.

A module declares its sections in its own ``person_page.py`` (imported on first use by
:func:`autodiscover`, like ``todo.py``)::

    from jiayuan.people.sections import PersonSection, register

    register(PersonSection(
        code="eldercare_assessments", order=50, template="eldercare/_person_section.html",
        applies=lambda user: user.can(Perm.VIEW_ELDERCARE),      # no query
        context=lambda request, person: {"assessments": ...},    # the module's own selectors
    ))

``applies(user)`` decides from the role alone; ``context(request, person)`` reads with
the module's scoped selectors (``person`` already comes from the registry's scoped
selector) and returns the template's context, or None to show nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.template.loader import render_to_string


@dataclass(frozen=True)
class PersonSection:
    code: str
    order: int
    template: str
    applies: Callable[[object], bool]
    context: Callable[[object, object], dict | None]


_REGISTRY: dict[str, PersonSection] = {}
_discovered = False


def register(section: PersonSection) -> PersonSection:
    """Add ``section`` (a second one with the same code replaces the first: a module
    imported twice)."""
    _REGISTRY[section.code] = section
    return section


def autodiscover() -> None:
    """Import ``person_page`` of every installed app, once."""
    global _discovered
    if _discovered:
        return
    from django.utils.module_loading import autodiscover_modules

    autodiscover_modules("person_page")
    _discovered = True


def render_sections(request, person) -> list[str]:
    """The HTML of every section that applies to the request's user, in order."""
    autodiscover()
    out = []
    for section in sorted(_REGISTRY.values(), key=lambda s: (s.order, s.code)):
        if not section.applies(request.user):
            continue
        ctx = section.context(request, person)
        if ctx is None:
            continue
        out.append(render_to_string(section.template, {"person": person, **ctx}, request=request))
    return out
