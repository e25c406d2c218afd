"""Pages of elderly care (养老服务): capacity assessments — the list with filters and
export, the assessment form that scores live as the assessor fills it in (htmx posts
the form to :func:`assessment_score`, which applies the same rule as the API), the
detail of one assessment with the person's history.

Reads go through :mod:`jiayuan.eldercare.selectors` (scoped, need-to-know: out of scope
is 404), writes through :mod:`jiayuan.eldercare.services`.
"""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from ...accounts.permissions import Perm
from ...errors import Forbidden, ServiceError, ValidationFailed
from ...people import selectors as people_selectors
from ...regions import selectors as region_selectors
from ...web.shortcuts import actor, apply_service_error, error_page, paginate, perm_required
from .. import rules, selectors, services
from ..exports import XLSX
from ..forms import AssessmentFilterForm, AssessmentForm

CANDIDATE_LIMIT = 20
FIELD_MAP = {f"items.{i.code}": f"item_{i.code}" for i in rules.ITEMS} | {"risk_events": "risk_other"}


def _reader(view):
    """Login required and a role that reads assessments (view_eldercare or
    assess_elderly), else the 403 page."""
    from functools import wraps

    from django.core.exceptions import PermissionDenied

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not selectors.can_read(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return login_required(wrapper)


def _filters(request, form: AssessmentFilterForm) -> selectors.AssessmentFilters:
    d = form.cleaned_data if form.is_valid() else {}
    due = bool(d.get("due"))
    return selectors.AssessmentFilters(
        region=request.GET.get("region", "").strip(), level=d.get("level") or "", reason=d.get("reason") or "",
        q=(d.get("q") or "").strip(), latest=bool(d.get("latest")),
        due_by=(timezone.localdate() + datetime.timedelta(days=selectors.reassessment_notice_days())) if due else None)


@_reader
@require_http_methods(["GET"])
def assessment_list(request):
    """Assessments in scope, 50 a page: by name, level, reason, region; ``latest`` keeps
    each person's latest; ``due`` lists those due for reassessment (the to-do's list)."""
    user = request.user
    region_code = request.GET.get("region", "").strip()
    region = region_selectors.get_region(user, region_code) if region_code else None  # out of scope → 404
    person = people_selectors.get_person(user, request.GET["person"]) if request.GET.get("person") else None
    form = AssessmentFilterForm(request.GET)
    f = _filters(request, form)
    f.person = person.pk if person else None
    page_obj = paginate(request, selectors.search_assessments(user, f))
    return render(request, "eldercare/assessment_list.html", {
        "form": form, "page_obj": page_obj, "region": region, "person": person, "can_assess": user.can(Perm.ASSESS_ELDERLY),
        "can_export": user.can(Perm.EXPORT), "query": request.GET.urlencode(),
        "filtered": any(v for k, v in request.GET.items() if k != "page")})


@_reader
@require_http_methods(["GET"])
def assessment_export(request):
    """The filtered list as an xlsx workbook with a Chinese file name."""
    from ...imports.export import content_disposition

    user = request.user
    region_code = request.GET.get("region", "").strip()
    region = region_selectors.get_region(user, region_code) if region_code else (user.scope if user.scope_id else None)
    form = AssessmentFilterForm(request.GET)
    try:
        data, name, fallback, n = services.export_assessments(actor(request), _filters(request, form), region)
    except ServiceError as exc:
        return error_page(request, exc)
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = content_disposition(name, fallback)
    response["X-Export-Rows"] = str(n)
    return response


def _result_context(result: rules.Result | None, error: ValidationFailed | None = None) -> dict:
    adjustments = []
    if result is not None:
        for a in result.adjustments:
            adjustments.append({"name": _(rules.ADJUSTMENT_NAMES[a.code]), "applied": a.applied,
                                "from": _(rules.LEVEL_NAMES[a.from_level]), "to": _(rules.LEVEL_NAMES[a.to_level])})
    missing = []
    if error is not None:
        for field, errs in error.fields.items():
            if any(e["code"] == "item.missing" for e in errs):
                missing.append(_(rules.ITEM_BY_CODE[field.split(".", 1)[1]].name))
    return {"result": result, "adjustments": adjustments, "missing": missing,
            "problems": [] if error is None else [e["message"] for errs in error.fields.values() for e in errs
                                                   if e["code"] != "item.missing"],
            "dimension_rows": [] if result is None else [
                (_(name), result.dimensions[code], rules.DIMENSION_MAX[code]) for code, name in rules.DIMENSIONS.items()],
            "level_name": _(rules.LEVEL_NAMES[result.level]) if result else "",
            "initial_name": _(rules.LEVEL_NAMES[result.initial_level]) if result else "",
            "partial_total": None}


@login_required
@require_POST
def assessment_score(request):
    """The live score (htmx): the form's inputs through :func:`services.score` — the
    rule of ``POST /api/v1/eldercare/assessments/score``. With items still empty, the
    sum so far and the items left; records nothing."""
    if not request.user.can(Perm.ASSESS_ELDERLY):
        return render(request, "eldercare/_score.html", {"forbidden": True}, status=403)
    form = AssessmentForm(request.POST)
    inputs = form.inputs()
    try:
        result = services.score(**inputs)
    except ValidationFailed as exc:
        ctx = _result_context(None, exc)
        ctx["partial_total"] = sum(int(v) for v in inputs["items"].values() if str(v).isdigit())
        return render(request, "eldercare/_score.html", ctx)
    return render(request, "eldercare/_score.html", _result_context(result))


@perm_required(Perm.ASSESS_ELDERLY)
@require_http_methods(["GET", "POST"])
def assessment_new(request):
    """评估 a person of the registry (``?person=``, from the person's page or the search
    here): the form of GB/T 42195-2022, scored live; recording computes the result again
    with the same rule."""
    user = request.user
    pid = request.POST.get("person") or request.GET.get("person")
    if not pid:
        q = request.GET.get("q", "").strip()
        candidates = []
        if q:
            candidates = list(people_selectors.search_persons(
                user, people_selectors.PersonFilters(q=q)).order_by("id")[:CANDIDATE_LIMIT])
        return render(request, "eldercare/choose_person.html", {"q": q, "candidates": candidates})
    person = people_selectors.get_person(user, pid)  # out of scope → 404
    assessors = list(selectors.assessor_candidates(person))
    latest = selectors.latest_assessment(person)
    status = 200
    if request.method == "GET":
        mine = str(user.pk) if any(a.pk == user.pk for a in assessors) else ""
        form = AssessmentForm(assessors=assessors, initial={
            "reason": "routine" if latest else "first", "assessed_on": timezone.localdate(), "assessor_1": mine})
        ctx = _result_context(None)
    else:
        form = AssessmentForm(request.POST, assessors=assessors)
        form.is_valid()
        d = form.cleaned_data
        inputs = form.inputs()
        try:
            a = services.record_assessment(
                actor(request), person, reason=request.POST.get("reason"),
                assessed_on=d.get("assessed_on") or request.POST.get("assessed_on"),
                assessor_1=request.POST.get("assessor_1"), assessor_2=request.POST.get("assessor_2"),
                note=request.POST.get("note", "")[:400], **inputs)
        except Forbidden as exc:
            return error_page(request, exc)
        except ServiceError as exc:
            form = AssessmentForm(request.POST, assessors=assessors)
            form.is_valid()
            for name in list(form.errors):
                del form.errors[name]
            apply_service_error(form, exc, FIELD_MAP)
            status = exc.status
            try:
                ctx = _result_context(services.score(**inputs))
            except ValidationFailed as err:
                ctx = _result_context(None, err)
        else:
            messages.success(request, _("已登记 %(name)s 的能力评估：%(level)s（总分 %(total)s）") % {
                "name": person.name, "level": a.get_level_display(), "total": a.total})
            return redirect("eldercare:assessment_detail", pk=a.pk)
    return render(request, "eldercare/assessment_form.html", {
        "form": form, "person": person, "latest": latest, **ctx}, status=status)


@_reader
@require_http_methods(["GET"])
def assessment_detail(request, pk):
    a = selectors.get_assessment(request.user, pk)
    adjustments = [{"name": _(rules.ADJUSTMENT_NAMES[x["code"]]), "applied": x["applied"],
                    "from": _(rules.LEVEL_NAMES[x["from"]]), "to": _(rules.LEVEL_NAMES[x["to"]]),
                    "detail": x.get("detail") or {}} for x in a.adjustments]
    rows = []
    for code, name in rules.DIMENSIONS.items():
        items = [(_(i.name), a.items.get(i.code), i.max) for i in rules.ITEMS if i.dimension == code]
        rows.append((_(name), getattr(a, code), rules.DIMENSION_MAX[code], items))
    events = {}
    for e in a.risk_events:
        events[_(rules.RISK_EVENTS[e])] = events.get(_(rules.RISK_EVENTS[e]), 0) + 1
    return render(request, "eldercare/assessment_detail.html", {
        "a": a, "adjustments": adjustments, "rows": rows, "events": events,
        "history": list(selectors.assessments_of(a.person)), "can_assess": request.user.can(Perm.ASSESS_ELDERLY)})
