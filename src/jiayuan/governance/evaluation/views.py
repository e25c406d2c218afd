"""Pages of the unified evaluation (namespace ``governance``): rounds of the streets in
scope and creating one; a round's results (totals, ranking), its steps (open scoring,
score, publish), objections and answers; the rows behind a computed score."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from ...accounts.permissions import Perm
from ...errors import Forbidden, NotFound, ServiceError, ValidationFailed
from ...regions.models import Region
from ...web.shortcuts import actor, apply_service_error, error_page, paginate
from ..models import EvaluationItem
from . import rules, selectors, services
from .forms import AnswerForm, ObjectionForm, RoundForm, ScoreForm


@login_required
@require_http_methods(["GET", "POST"])
def evaluation_list(request):
    """综合考核: the rounds the user reads; a street's officer creates one."""
    user = request.user
    may_run = selectors.may_run(user)
    if not may_run and not selectors.rounds_for(user).exists() and not user.can(Perm.MANAGE_BODIES):
        raise PermissionDenied
    form = RoundForm(user, request.POST or None) if may_run else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            d = form.cleaned_data
            items = form.items()
            try:
                rnd = services.create_round(actor(request), Region.objects.filter(code=d["township"] or "-").first(),
                                            title=d["title"], start=d["start"], end=d["end"], items=items)
            except ServiceError as exc:
                apply_service_error(form, exc, RoundForm.FIELD_MAP)
            else:
                messages.success(request, _("已设置综合考核"))
                return redirect("governance:evaluation_detail", pk=rnd.pk)
    return render(request, "governance/evaluation/list.html", {
        "page": paginate(request, selectors.rounds_for(user).order_by("-period_end", "-id")), "form": form,
        "sources": rules.SOURCES, "can_export": user.can(Perm.EXPORT)}, status=422 if request.method == "POST" else 200)


@login_required
@require_http_methods(["GET"])
def evaluation_export(request, pk: int):
    """The round's results as an xlsx workbook (Chinese file name; ``export``; audited)."""
    from ..exports import xlsx_response

    try:
        return xlsx_response(services.export_results(actor(request), selectors.get_round(request.user, pk)))
    except Forbidden:
        raise PermissionDenied from None


@login_required
@require_http_methods(["GET", "POST"])
def evaluation_detail(request, pk: int):
    user = request.user
    rnd = selectors.get_round(user, pk)
    may_run = selectors.may_run(user)
    res = selectors.results(rnd)
    scored = [i for i in res["items"] if i.source == rules.SCORED]
    communities = [r["community"] for r in res["rows"]]
    step = request.POST.get("step", "")
    score_form = ScoreForm(scored, communities, request.POST if step == "score" else None) if may_run else None
    objection_form = ObjectionForm(request.POST if step == "object" else None)
    answer_form = AnswerForm(request.POST if step == "answer" else None)
    forms_by_step = {"score": score_form, "object": objection_form, "answer": answer_form}
    if request.method == "POST" and (forms_by_step.get(step) is None or forms_by_step[step].is_valid()):
        a = actor(request)
        try:
            if step == "open" and may_run:
                services.open_scoring(a, rnd)
            elif step == "publish" and may_run:
                services.publish(a, rnd)
            elif step == "score" and may_run:
                d = score_form.cleaned_data
                item = EvaluationItem.objects.filter(round=rnd, pk=d["item"]).first()
                if item is None:
                    raise NotFound("evaluation.not_found")
                services.score(a, rnd, item, Region.objects.filter(code=d["community"]).first(),
                               value=d["score"], comment=d["comment"])
            elif step == "object":
                services.object_to(a, rnd, objection_form.cleaned_data["text"])
            elif step == "answer" and may_run:
                o = selectors.objections_of(rnd, user).filter(pk=answer_form.cleaned_data["objection"]).first()
                if o is None:
                    raise NotFound("evaluation.not_found")
                services.answer_objection(a, o, upheld=answer_form.cleaned_data["upheld"] == "1",
                                          answer=answer_form.cleaned_data["answer"])
            else:
                raise PermissionDenied
        except ServiceError as exc:
            form = forms_by_step.get(step)
            if form is None:
                return error_page(request, exc)
            apply_service_error(form, exc, type(form).FIELD_MAP)
        else:
            messages.success(request, _("已保存"))
            return redirect("governance:evaluation_detail", pk=rnd.pk)
    today = timezone.localdate()
    return render(request, "governance/evaluation/detail.html", {
        "rnd": rnd, "res": res, "may_run": may_run, "score_form": score_form, "objection_form": objection_form,
        "objections": list(selectors.objections_of(rnd, user)), "answer_form": answer_form,
        "may_object": (not may_run and rules.may_object(rnd.state, rnd.objections_until, today)),
        "sources": rules.SOURCES}, status=422 if request.method == "POST" else 200)


@login_required
def evaluation_rows(request, pk: int, item: int, code: str):
    """The records behind a computed score of a community (read through their own
    modules' scoped selectors)."""
    user = request.user
    rnd = selectors.get_round(user, pk)
    it = EvaluationItem.objects.filter(round=rnd, pk=item).exclude(source=rules.SCORED).first()
    community = selectors.communities_of(rnd).filter(code=code).first()
    if it is None or community is None:
        raise NotFound("evaluation.not_found")
    rows = selectors.metric_rows(user, it.source, community.code, rnd.period_start, rnd.period_end)
    page = paginate(request, rows.queryset)
    table = [([fn(r) for _, fn in rows.columns], rows.link(r)) for r in page]
    return render(request, "governance/evaluation/rows.html", {
        "rnd": rnd, "item": it, "community": community, "columns": [c for c, _ in rows.columns], "table": table,
        "page": page, "score": it.scores.filter(community=community).first()})
