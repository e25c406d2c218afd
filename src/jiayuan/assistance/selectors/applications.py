"""Scoped reads of assistance applications (社会救助申请).

Every query starts from :func:`applications_for`: the applications of households in the
user's subtree (``region_code LIKE scope%``), for roles with ``view_assistance``; an
application outside the scope answers 404 like one that does not exist. Roles without
``view_assistance`` (auditor, org staff, department staff) get nothing here; the API and
pages answer them 403 before reading. Department staff follow their parts on the case
pages and ``/api/v1/cases`` (``cases.selectors``): the application record (the
household's incomes and assets) is not theirs to read.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from ...accounts.permissions import Perm
from ...audit.rules import jsonable
from ...cases import rules as case_rules
from ...cases.selectors import decl_of
from ...errors import NotFound, get_or_not_found
from .. import rules
from ..case_types import HELP_KINDS
from ..models import ApplicationPart, AssistanceApplication, NoticeObjection, Program
from .parameters import parameter_in_force


def applications_for(user) -> QuerySet:
    """Applications the user may see (see module docstring)."""
    if user is None or not user.can(Perm.VIEW_ASSISTANCE):
        return AssistanceApplication.objects.none()
    qs = AssistanceApplication.objects.select_related("case", "household", "applicant", "region")
    if user.is_superuser or not user.scope_code:
        return qs
    return qs.filter(region__code__startswith=user.scope_code)


def get_application(user, number: str) -> AssistanceApplication:
    """The application whose case number is ``number``, if visible; NotFound otherwise."""
    if not case_rules.parse_case_number(number or ""):
        raise NotFound("application.not_found")
    return get_or_not_found(applications_for(user), "application.not_found", case__number=number)


# Who may make the home visit (入户调查): staff of the community, the township (street)
# or the county (民政) whose scope contains the application's region.
VISIT_STAFF_ROLES = ("community_worker", "community_director", "township_officer", "county_officer")


def visit_staff(app: AssistanceApplication) -> QuerySet:
    """Active accounts that may be named as visitors of ``app``'s home visit: a role of
    :data:`VISIT_STAFF_ROLES` and a scope region that contains the application's region
    (the community itself, its township, its county). Ordered by level (community
    first), then name."""
    from ...accounts.models import User

    code = app.region_id
    prefixes = [code[:n] for n in range(2, len(code) + 1)]
    return (User.objects.filter(is_active=True, role__in=VISIT_STAFF_ROLES, scope_id__in=prefixes)
            .order_by("-scope_id", "full_name", "username"))


def staff_label(user) -> str:
    """``姓名（用户名）`` of an account, as the visit lists and the timeline show it."""
    return f"{user.full_name}（{user.username}）" if user.full_name else user.username


def get_objection(user, application: AssistanceApplication, pk) -> NoticeObjection:
    return get_or_not_found(application.objections.all(), "objection.not_found", pk=pk)


@dataclass
class ApplicationFilters:
    state: str = ""       # case states, comma list
    kind: str = ""        # a kind of help asked for
    open: bool | None = None
    region: str = ""      # region code prefix (inside the scope)
    q: str = ""           # case number (or its beginning) or household number
    path: str = ""


def search_applications(user, f: ApplicationFilters) -> QuerySet:
    """Applications in scope matching the filters, newest first."""
    qs = applications_for(user)
    if f.state:
        qs = qs.filter(case__state__in=[s for s in f.state.split(",") if s])
    if f.kind:
        qs = qs.filter(parts__kind=f.kind)
    if f.open is not None:
        qs = qs.filter(case__is_open=f.open)
    if f.region:
        qs = qs.filter(region__code__startswith=f.region.strip())
    if f.path:
        qs = qs.filter(path=f.path)
    if f.q:
        q = f.q.strip()
        if q[:1].isdigit() and len(q) >= 12:
            qs = qs.filter(case__number__startswith=q)
        else:
            qs = qs.filter(household__number=q)
    return qs.distinct().order_by("-created_at", "-id")


def with_parts(qs: QuerySet) -> QuerySet:
    return qs.prefetch_related(Prefetch("parts", queryset=ApplicationPart.objects.select_related(
        "program", "department", "task").order_by("id")))


def public_status(app: AssistanceApplication) -> str:
    """The one status the household sees (the state's ``public_name``)."""
    decl = decl_of(app.case.case_type_id)
    state = decl.state(app.case.state)
    return state.public_name or state.name


def part_rows(app: AssistanceApplication) -> list[dict]:
    """Parts with their names, departments, task status, beneficiary, result."""
    persons = {p["kind"]: p.get("person") for p in app.case.data.get("parts", [])}
    out = []
    if "parts" in getattr(app, "_prefetched_objects_cache", {}):  # with_parts: ordered, related loaded
        parts = app.parts.all()
    else:
        parts = app.parts.select_related("program", "department", "task").order_by("id")
    for part in parts:
        spec = HELP_KINDS.get(part.kind, {})
        out.append({
            "id": part.pk, "kind": part.kind, "name": spec.get("name", part.kind),
            "program": part.program_id, "department": (
                {"id": part.department.pk, "code": part.department.code, "name": part.department.name}
                if part.department_id else None),
            "handled_by": part.department.name if part.department_id else "民政",
            "task_status": part.task.status if part.task_id else "",
            "status": part.status, "status_name": part.get_status_display(), "result": part.result,
            "amount": part.amount, "person": persons.get(part.kind),
        })
    return out


def members_of(app: AssistanceApplication):
    return app.members.select_related("person").order_by("id")


def incomes_of(app: AssistanceApplication):
    return app.incomes.select_related("person").order_by("id")


def assets_of(app: AssistanceApplication):
    return app.assets.order_by("id")


def objections_of(app: AssistanceApplication):
    return app.objections.select_related("recorded_by").order_by("received_on", "id")


def deadlines(app: AssistanceApplication, now: datetime.datetime | None = None) -> dict:
    """The process deadline (30 or 45 working days from acceptance) and the stage's:
    ``accepted_on``, ``process_due`` (dates), ``extended``, ``stage_due`` (datetime),
    ``process_overdue`` (today after the process deadline while open),
    ``process_due_estimated`` and ``stage_due_estimated`` (counted through a year whose
    official holidays are not entered yet: 预估, see :mod:`jiayuan.cases.workdays`)."""
    now = now or timezone.now()
    data = app.case.data
    due = datetime.date.fromisoformat(data["process_due"]) if data.get("process_due") else None
    today = timezone.localtime(now).date()
    return {
        "accepted_on": data.get("accepted_on"), "process_due": due, "extended": bool(data.get("extended")),
        "extension_reason": data.get("extension_reason", ""),
        "stage_due": timezone.localtime(app.case.due_at) if app.case.due_at and app.case.is_open else None,
        "process_overdue": bool(due and app.case.is_open and today > due),
        "process_due_estimated": bool(due and data.get("process_due_estimated")),
        "stage_due_estimated": bool(app.case.due_at and app.case.is_open and app.case.deadline_estimated),
    }


# --- materials --------------------------------------------------------------------------------

def material_needs(kinds) -> list[tuple[str, list[str]]]:
    """Who needs what: ``[(material, [names of the kinds of help that need it])]`` for
    these kinds (codes of :data:`HELP_KINDS`; unknown codes and repeats ignored), each
    material once, in the order of the kinds asked for and of each kind's list. The one
    source of the materials of an application: the desk's checklist (it follows the
    kinds ticked), :func:`required_materials` (what intake requires) and the 一次性告知书
    (what each missing material is for). Names are the declared Chinese ones (msgids)."""
    out: dict[str, list[str]] = {}
    for k in dict.fromkeys(kinds):
        spec = HELP_KINDS.get(k)
        if spec is None:
            continue
        for m in spec.get("materials", []):
            out.setdefault(m, []).append(spec["name"])
    return list(out.items())


def required_materials(kinds) -> list[str]:
    """The materials to bring for these kinds of help: the union of each kind's list,
    in order, without repeats (the materials of :func:`material_needs`)."""
    return [m for m, _names in material_needs(kinds)]


# --- eligibility assessment ------------------------------------------------------------------

def parameter_values(program: str, region_code: str, month: datetime.date):
    """(values, row) of the parameters of ``program`` in force for ``month`` in the
    region, or ({}, None)."""
    row = parameter_in_force(program, region_code, month.replace(day=1))
    return (dict(row.values) if row is not None else {}), row


def household_facts(app: AssistanceApplication) -> dict:
    """The economic-status record as plain values for the rules: ``members`` (co-resident
    count), ``monthly_income`` (Decimal yuan, incomes of co-resident members and of the
    household as a whole), ``per_capita_income`` (exact Decimal, not rounded), lists of
    incomes and assets (JSON-ready), ``persons`` (co-resident person ids)."""
    members = list(app.members.select_related("person"))
    co = [m for m in members if m.co_resident]
    co_ids = {m.person_id for m in co}
    incomes = [i for i in app.incomes.all() if i.person_id is None or i.person_id in co_ids]
    total = sum((i.monthly_amount for i in incomes), Decimal("0"))
    assets = list(app.assets.all())
    n = len(co)
    return {
        "members": n, "persons": sorted(co_ids), "monthly_income": total,
        "per_capita_income": (total / n) if n else None,
        "incomes": [{"person": i.person_id, "kind": i.kind, "monthly_amount": str(i.monthly_amount)} for i in incomes],
        "assets": [{"kind": a.kind, "value": str(a.value), "quantity": a.quantity} for a in assets],
        "asset_rows": assets,
    }




def eligibility_dict(result) -> dict:
    """A rule's eligibility result (:func:`jiayuan.assistance.rules.eligibility`) as stored
    on the application (JSON-ready)."""
    comp = getattr(result, "computation", None)
    return {
        "eligible": bool(result.eligible),
        "reasons": [{"code": r.code, "met": bool(r.met), "message": r.message, "values": jsonable(r.values)}
                    for r in result.reasons],
        "amount": str(comp.amount) if comp is not None else None,
        "rule": comp.rule if comp is not None else "",
        "computation": jsonable(comp.detail) if comp is not None else {},
    }


def _latest_visit(app: AssistanceApplication) -> dict:
    """The fields of the last 入户调查 on the timeline (visitors, findings, and the 特困
    facts found at the visit: ``self_care``, ``no_work_capacity``, ``no_income_source``,
    ``no_supporter``)."""
    from ...cases.models import CaseEvent

    event = CaseEvent.objects.filter(case_id=app.case_id, action="home_visit").order_by("-seq").first()
    return dict(event.data) if event is not None else {}


def _open_enrollment(program: str, *, person=None, household=None) -> bool:
    from ..models import Enrollment

    qs = Enrollment.objects.filter(program_id=program).exclude(status=Enrollment.Status.TERMINATED)
    if household is not None:
        return qs.filter(household=household).exists()
    return qs.filter(person=person).exists()


def beneficiary(app: AssistanceApplication, part: ApplicationPart):
    """(person, household) of a part: for a household program the applicant as payee
    and the household; for a per-person program the beneficiary chosen at intake
    (default the applicant) and no household."""
    from ...people.models import Person

    if part.program_id and part.program.unit == Program.Unit.HOUSEHOLD:
        return app.applicant, app.household
    pid = next((p.get("person") for p in app.case.data.get("parts", []) if p.get("kind") == part.kind), None)
    person = Person.objects.filter(pk=pid).first() if pid else None
    return person or app.applicant, None


def program_inputs(app: AssistanceApplication, part: ApplicationPart, facts: dict, person, *,
                   subsistence_expected: bool = False) -> dict:
    """The facts a program's rule reads (see :mod:`jiayuan.assistance.rules`), taken from
    the economic-status record, the home visit, the registry and the disability
    certificates; stored as the enrollment's ``inputs`` (the batches recompute from
    them). JSON-ready. ``subsistence_expected``: 低保 is being granted in the same
    application (counts as a 低保 household for 两项补贴 and 养老服务补贴)."""
    kind = part.kind
    inputs: dict = {"area": app.area}
    if kind == "subsistence_allowance":
        assets = facts["asset_rows"]
        inputs.update({
            "members": facts["members"], "household_income": str(facts["monthly_income"]),
            "deposits": str(sum((a.value for a in assets if a.kind in ("deposits", "securities")), Decimal("0"))),
            "vehicles": sum(a.quantity for a in assets if a.kind == "vehicle"),
            "housing": sum(a.quantity for a in assets if a.kind == "housing")})
        return inputs
    if kind == "extreme_poverty_support":
        visit = _latest_visit(app)
        inputs.update({k: bool(visit.get(k, False)) for k in ("no_work_capacity", "no_income_source", "no_supporter")})
        inputs["self_care"] = visit.get("self_care") or "full_self"
        inputs["setting"] = "home"
        inputs["disabled"] = _certificate(person) is not None
        return inputs
    in_subsistence = subsistence_expected or _open_enrollment("subsistence_allowance", household=app.household)
    in_extreme = _open_enrollment("extreme_poverty_support", person=person)
    status = "extreme_poverty" if in_extreme else "subsistence" if in_subsistence else "other"
    if kind in ("disability_living_allowance", "disability_care_allowance"):
        cert = _certificate(person)
        inputs.update({"certificate_valid": cert is not None,
                       "disability_type": cert.disability_type if cert else None,
                       "grade": cert.grade if cert else None,
                       "long_term_care_need": bool(cert and cert.long_term_care_need),
                       "household_status": "subsistence" if in_subsistence else "other",
                       "extreme_poverty": in_extreme, "work_injury_care": False, "overlapping": []})
        return inputs
    if kind == "elderly_allowance":
        inputs["registered"] = person.residence_status == "registered"
        return inputs
    if kind == "elderly_care_allowance":
        from ...eldercare.selectors import capacity_facts

        assessed = capacity_facts([person.pk]).get(person.pk)
        inputs.update({"economic_status": status, "overlapping": [],
                       "capacity_level": assessed["capacity_level"] if assessed else None})
        return inputs
    return inputs


def _certificate(person):
    """The person's valid disability certificate (disability app), or None."""
    try:
        from ...disability.models import DisabilityCertificate
    except ImportError:  # pragma: no cover - the disability app is installed with this one
        return None
    return DisabilityCertificate.objects.filter(person=person, status="valid").order_by("-issued_on").first()


def assess_program(app: AssistanceApplication, part: ApplicationPart, facts: dict, month: datetime.date, *,
                   subsistence_expected: bool = False) -> dict:
    """The eligibility of ``part`` for ``month`` under the parameters in force there in
    the beneficiary's region (JSON-ready): ``eligible`` (None when it cannot be told:
    no parameters in force, or facts the rule needs are missing), ``reasons`` (each
    condition with the values compared), ``amount``, ``rule``, ``computation``,
    ``inputs``, ``parameter`` (row id) and ``parameter_from``."""
    person, _household = beneficiary(app, part)
    values, row = parameter_values(part.kind, person.region_id, month)
    inputs = program_inputs(app, part, facts, person, subsistence_expected=subsistence_expected)
    out = {"program": part.kind, "month": month.isoformat(), "person": person.pk, "inputs": jsonable(inputs),
           "parameter": row.pk if row else None, "parameter_from": row.effective_from.isoformat() if row else None}
    if row is None:
        return {**out, "eligible": None, "amount": None, "rule": "", "computation": {}, "reasons": [{
            "code": "parameters.missing", "met": False, "values": {},
            "message": _("%(region)s 尚无 %(month)s 适用的%(program)s参数") % {
                "region": person.region_id, "month": month.strftime("%Y-%m"), "program": part.program.name}}]}
    try:
        result = rules.eligibility(part.kind, inputs, values, month, birth_date=person.birth_date)
    except (KeyError, TypeError, ValueError, ArithmeticError) as exc:
        return {**out, "eligible": None, "amount": None, "rule": "", "computation": {}, "reasons": [{
            "code": "inputs.incomplete", "met": False, "values": {},
            "message": _("无法测算（缺少或有误：%(what)s）") % {"what": exc}}]}
    return {**out, **eligibility_dict(result)}


def assess(app: AssistanceApplication, month: datetime.date, now: datetime.datetime) -> dict:
    """The assessment stored on the application: the household facts and, per monthly
    program part (temporary assistance is one-off and decided with its amount),
    :func:`assess_program` for ``month`` (JSON-ready)."""
    facts = household_facts(app)
    programs = {}
    parts = sorted(app.parts.filter(program__isnull=False).exclude(kind="temporary_assistance")
                   .select_related("program"), key=lambda p: p.program.sort)
    for part in parts:
        expected = ("subsistence_allowance" in programs
                    and programs["subsistence_allowance"].get("eligible") is True)
        programs[part.kind] = assess_program(app, part, facts, month, subsistence_expected=expected)
    pci = facts["per_capita_income"]
    return {
        "at": timezone.localtime(now).isoformat(), "month": month.isoformat(),
        "household": {"members": facts["members"], "monthly_income": str(facts["monthly_income"]),
                      "per_capita_income": str(rules.to_fen(pci)) if pci is not None else None,
                      "per_capita_income_exact": str(pci) if pci is not None else None,
                      "incomes": facts["incomes"], "assets": facts["assets"]},
        "programs": programs,
    }
