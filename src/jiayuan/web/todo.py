"""The one to-do list (待办): every module declares what waits for whom; the to-do page,
the home page and ``GET /api/v1/todo`` read the declarations (DESIGN.md principle 9:
work finds its owner; a module never edits the home page).

A module declares its sources in its own ``todo.py`` (found at start-up by
:func:`autodiscover`, like the case types of ``case_types.py``)::

    from django.utils.translation import gettext_lazy as _
    from jiayuan.web.todo import TodoItem, TodoSource, register

    register(TodoSource(
        code="visits_due", label=_("待走访"), icon="bi-house-check", order=60,
        applies=lambda user: user.can(Perm.VISIT_ELDERLY),      # no query
        count=lambda user: visits_due(user).count(),             # one query
        items=lambda user, limit: [TodoItem(...) for v in visits_due(user)[:limit]],
        url="elderly:visit_list",                                # where the whole list is
    ))

Contract of a source:

- ``applies(user) -> bool`` decides from the role alone (no query) whether the source is
  shown to the user at all;
- ``count(user) -> int`` counts every item waiting for the user, with the module's own
  scoped selector (scope and need-to-know as on the module's pages): one query, two at
  most — the home page calls it for every source on every visit;
- ``items(user, limit) -> list[TodoItem]`` gives at most ``limit`` items, overdue (or
  earliest due) first, each linking to the page where the work is done; a bounded number
  of queries whatever the number of items;
- ``url``: a URL name (or a callable ``user -> url``) of the module's own list.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

from django.urls import reverse
from django.utils import timezone

# items per source on the to-do page and in the API (the count says how many in all)
ITEMS_PER_SOURCE = 50


@dataclass(frozen=True)
class TodoItem:
    """One thing waiting: ``title`` (plain text), ``url`` where it is done, ``due`` (a date
    or an aware datetime; None without a deadline), ``overdue``, ``region`` (code of the
    place, may be empty), ``detail`` (a short second line)."""

    title: str
    url: str
    due: datetime.date | datetime.datetime | None = None
    overdue: bool = False
    region: str = ""
    detail: str = ""

    def due_text(self) -> str:
        """The deadline as shown on the page: ``MM-DD HH:MM`` (local) for a time,
        ``YYYY-MM-DD`` for a date, ``""`` without one."""
        if self.due is None:
            return ""
        if isinstance(self.due, datetime.datetime):
            return timezone.localtime(self.due).strftime("%m-%d %H:%M")
        return self.due.isoformat()

    def due_iso(self) -> str | None:
        if self.due is None:
            return None
        if isinstance(self.due, datetime.datetime):
            return timezone.localtime(self.due).isoformat()
        return self.due.isoformat()


@dataclass(frozen=True)
class TodoSource:
    """A kind of work a module puts on the to-do list (see the module docstring)."""

    code: str
    label: object  # str or lazy translation
    icon: str
    applies: Callable[[object], bool]
    count: Callable[[object], int]
    items: Callable[[object, int], list[TodoItem]]
    url: str | Callable[[object], str] = ""
    order: int = 100
    description: object = ""

    def list_url(self, user) -> str:
        if callable(self.url):
            return self.url(user)
        return reverse(self.url) if self.url else ""


_REGISTRY: dict[str, TodoSource] = {}


class TodoDeclarationError(ValueError):
    """Two sources with one code, or a source missing a part."""


def register(source: TodoSource) -> TodoSource:
    """Add ``source`` to the registry; a second source with the same code is refused
    (TodoDeclarationError) unless it is the very same declaration (a module imported
    twice)."""
    if not source.code or not callable(source.applies) or not callable(source.count) or not callable(source.items):
        raise TodoDeclarationError(f"to-do source {source.code!r}: code, applies, count and items are required")
    known = _REGISTRY.get(source.code)
    if known is not None and known is not source:
        if (known.items, known.count) != (source.items, source.count) or known.label != source.label:
            raise TodoDeclarationError(f"to-do source {source.code!r} declared twice")
    _REGISTRY[source.code] = source
    return source


def unregister(code: str) -> None:
    """Remove a source (tests)."""
    _REGISTRY.pop(code, None)


def autodiscover() -> None:
    """Import ``todo`` of every installed app (each registers its sources); an error
    inside an existing ``todo`` module is raised (Django's autodiscover_modules)."""
    from django.utils.module_loading import autodiscover_modules

    autodiscover_modules("todo")


def registered() -> list[TodoSource]:
    """Every source, in display order."""
    return sorted(_REGISTRY.values(), key=lambda s: (s.order, s.code))


def sources_for(user) -> list[TodoSource]:
    """The sources that apply to ``user`` (no query)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    return [s for s in registered() if s.applies(user)]


@dataclass
class TodoGroup:
    source: TodoSource
    count: int
    items: list[TodoItem] = field(default_factory=list)
    url: str = ""


def counts(user) -> list[TodoGroup]:
    """[TodoGroup without items] of every source that applies, with its count (one or two
    queries per source): the home page."""
    return [TodoGroup(s, s.count(user), url=s.list_url(user)) for s in sources_for(user)]


def collect(user, limit: int = ITEMS_PER_SOURCE) -> list[TodoGroup]:
    """[TodoGroup] of every source that applies, with its count and its first ``limit``
    items (overdue first): the to-do page and the API. A source with nothing waiting
    has no items and costs only its count."""
    out = []
    for s in sources_for(user):
        n = s.count(user)
        out.append(TodoGroup(s, n, s.items(user, limit) if n else [], url=s.list_url(user)))
    return out
