"""Scoped reads of programs and their parameters.

Programs are the same for everyone. Parameter rows are policy, not personal data, but
still scoped: a user sees the rows that apply to their scope — those of the regions
above it (the city's, their county's) — and those inside it (a city administrator sees
every county's). A row outside that answers 404. Users without ``view_assistance`` see
none.
"""

from __future__ import annotations

import datetime

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext

from ...accounts.permissions import Perm
from ...errors import NotFound, get_or_not_found
from ...regions.selectors import get_region
from .. import rules
from ..models import PaymentLine, Program, ProgramParameter
from .parameters import parameter_in_force, region_prefixes


def programs(active_only: bool = True) -> QuerySet:
    """The programs (seeded by migration), in display order."""
    qs = Program.objects.all()
    return qs.filter(active=True) if active_only else qs


def program_names(codes) -> dict[str, str]:
    """{code: name} of the given program codes, the names in the page's language (the
    category of an assistance application is a program code: the counts page)."""
    return {c: gettext(n) for c, n in Program.objects.filter(code__in=list(codes)).values_list("code", "name")}


def get_program(code: str) -> Program:
    return get_or_not_found(Program.objects.all(), "program.not_found", code=str(code))


def schema_of(program_code: str) -> list[dict]:
    """The parameter schema of a program for pages and the API: ``[{key, kind, label,
    unit, required, default, choices, help}]``, texts in the active language."""
    return [{"key": s.key, "kind": s.kind, "label": gettext(s.label), "unit": gettext(s.unit) if s.unit else "",
             "required": s.required, "default": s.default, "choices": list(s.choices),
             "help": gettext(s.help) if s.help else ""}
            for s in rules.PARAMETER_SCHEMAS.get(program_code, ())]


def parameters_for(user, program: str = "", region: str = "") -> QuerySet:
    """Parameter rows visible to ``user`` (see module doc), newest first per program and
    region, with ``used`` (a payment line was computed with the row: it can no longer be
    corrected). ``program``: a program code; ``region``: only that region's rows."""
    if not user.can(Perm.VIEW_ASSISTANCE):
        return ProgramParameter.objects.none()
    qs = ProgramParameter.objects.select_related("program", "region", "created_by").annotate(
        used=Exists(PaymentLine.objects.filter(parameter=OuterRef("pk"))))
    scope = user.scope_code
    if scope:
        qs = qs.filter(Q(region_id__in=region_prefixes(scope)) | Q(region__code__startswith=scope))
    if program:
        qs = qs.filter(program_id=program)
    if region:
        qs = qs.filter(region_id=region)
    return qs.order_by("program__sort", "program_id", "region_id", "-effective_from")


def get_parameter(user, pk) -> ProgramParameter:
    return get_or_not_found(parameters_for(user), "parameter.not_found", pk=pk)


def in_force_for(user, program: str, region_code: str, month: datetime.date) -> ProgramParameter | None:
    """The row in force for ``month`` in ``region_code`` (a region in the user's scope:
    else 404), or None."""
    if not user.can(Perm.VIEW_ASSISTANCE):
        raise NotFound("parameter.not_found")
    region = get_region(user, region_code)
    return parameter_in_force(program, region.code, month)


def parameter_regions(user) -> QuerySet:
    """Regions the user may set parameters for: the city and counties in scope."""
    from ...regions.selectors import regions_for

    return regions_for(user).filter(level__in=("prefecture", "county")).order_by("code")
