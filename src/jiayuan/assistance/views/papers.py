"""The printed papers of an assistance application taken at the desk, in the shape of the
service desk's (``cases/paper.html``, the same print layout):

- 受理回执 (``/assistance/applications/<number>/receipt/``): number, applicant (name and
  masked ID number, nothing beside it that would rebuild it: no birth date, no age),
  household, the kinds of help, when and by whom it was taken, the community, the time
  limits that apply (working days, from the declaration and the case's data), the
  materials received and still missing, and how to follow the status (the public status
  lookup: number + the last four digits of the contact phone).
- 一次性告知书 (``/assistance/applications/<number>/notice/``): every missing material
  once, what it is for (the kinds of help that need it, :func:`material_needs`) and
  the deadline to bring it where a rule gives one. 404 when nothing is missing.

Who: the roles that work cases (``view_cases``; others 403 before any read), and of
those only the ones who read the application (``view_assistance`` in scope, through
:func:`selectors.get_application`): anyone else — a grid member, a department's staff,
another community's worker — gets 404, as for an application that does not exist.
"""

import datetime

from django.http import Http404
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from ... import security
from ...accounts.permissions import Perm
from ...cases import rules as case_rules
from ...cases import selectors as case_selectors
from ...people import rules as people_rules
from ...web.shortcuts import perm_required
from ..models import AssistanceApplication
from ..selectors import applications as selectors
from ..services import applications as services


def _community(region):
    return region.parent if region.level == "grid" and region.parent_id else region


def _days(limit) -> int | None:
    """Working days of a declared limit ("10wd"), None for none or a limit in hours."""
    if isinstance(limit, str):
        limit = case_rules.Limit.parse(limit)
    return limit.amount if limit is not None and limit.unit == case_rules.UNIT_WORKING_DAYS else None


def time_limits(app: AssistanceApplication, decl) -> dict:
    """The time limits that apply to the application, in working days (official calendar):

    - ``materials_days``, ``materials_due``: bringing the missing materials — the declared
      limit of 待补正材料 (the due date while the application waits in it); on the
      emergency path, the limit of 已先行救助·待补齐材料 set at intake from the
      temporary-assistance parameters (counted from the emergency grant; the date once
      granted);
    - ``process_days``, ``process_due``, ``accepted_on``: the whole process, 30 working days
      from acceptance (45 once extended); dates once accepted;
    - ``emergency``: the emergency path.
    """
    case = app.case
    emergency = app.path == AssistanceApplication.Path.EMERGENCY
    state = "awaiting_completion" if emergency else "awaiting_materials"
    declared = (case.limits or {}).get(state) or decl.state(state).limit
    due = case.due_at if case.is_open and case.state == state else None
    d = selectors.deadlines(app)
    return {
        "emergency": emergency, "materials_days": _days(declared),
        "materials_due": timezone.localtime(due).date() if due else None,
        "process_days": services.PROCESS_LIMIT_DAYS_EXTENDED if d["extended"] else services.PROCESS_LIMIT_DAYS,
        "process_days_extended": services.PROCESS_LIMIT_DAYS_EXTENDED,
        "process_due": d["process_due"],
        "accepted_on": datetime.date.fromisoformat(d["accepted_on"]) if d["accepted_on"] else None,
    }


def _paper_context(request, app: AssistanceApplication) -> dict:
    case = app.case
    decl = case_selectors.decl_of(case.case_type_id)
    state = decl.state(case.state)
    kinds = [p.kind for p in app.parts.order_by("id")]
    needs = dict(selectors.material_needs(kinds))
    missing = list(app.materials_missing or [])
    phone = security.decrypt(case.contact_phone_cipher) if case.contact_phone_cipher else ""
    return {
        "app": app, "case": case, "state": state, "applicant": app.applicant, "household": app.household,
        "parts": selectors.part_rows(app), "community": _community(case.region), "clerk": case.created_by,
        "materials": case.data.get("materials") or [],
        "missing": [(m, needs.get(m, [])) for m in missing],
        "limits": time_limits(app, decl),
        "phone_masked": people_rules.mask_phone(phone) if phone else "",
        "status_url": request.build_absolute_uri(reverse("servicecenter:status")),
    }


@perm_required(Perm.VIEW_CASES)
@require_GET
def application_receipt(request, number):
    """受理回执 of an application (printable)."""
    app = selectors.get_application(request.user, number)
    return render(request, "assistance/application_receipt.html", _paper_context(request, app))


@perm_required(Perm.VIEW_CASES)
@require_GET
def application_notice(request, number):
    """一次性告知书 of the materials still missing (printable); 404 when none is."""
    app = selectors.get_application(request.user, number)
    if not app.materials_missing:
        raise Http404
    return render(request, "assistance/application_notice.html", _paper_context(request, app))


urlpatterns = [
    path("applications/<str:number>/receipt/", application_receipt, name="application_receipt"),
    path("applications/<str:number>/notice/", application_notice, name="application_notice"),
]
