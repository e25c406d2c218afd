"""Pages of monthly payment batches: the list with the form that generates a batch,
and a batch with its totals, problems, lines and the actions of its status (review,
approve, export the payment file, record the bank's results, close; reopen and
regenerate). Every action posts the ``version`` the page showed."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_POST

from ...accounts.permissions import Perm
from ...errors import NotFound, ServiceError, ValidationFailed
from ...regions.models import Region
from ...regions.selectors import get_region, regions_for
from ...web.shortcuts import actor, error_page, paginate, perm_required
from .. import rules
from ..api.batches import file_response, parse_month
from ..models import PaymentBatch, PaymentLine, Program
from ..selectors import batches as selectors
from ..services import batches as services


def _counties(user):
    return regions_for(user).filter(level=Region.Level.COUNTY).order_by("code")


def _programs():
    return Program.objects.filter(monthly=True, active=True).order_by("sort", "code")


@perm_required(Perm.VIEW_ASSISTANCE)
def batch_list(request):
    """GET: batches in scope (filters program, county, month, status); POST: generate."""
    user = request.user
    form = {"program": request.POST.get("program", ""), "county": request.POST.get("county", ""),
            "month": request.POST.get("month", "")}
    errors: list[str] = []
    if request.method == "POST":
        try:
            program = Program.objects.filter(code=form["program"]).first()
            if program is None:
                raise ValidationFailed({"program": [{"code": "program.unknown", "message": _("请选择救助项目")}]})
            county = get_region(user, form["county"])
            month = parse_month(form["month"])
            batch = services.generate_batch(actor(request), program, county, month)
        except services.BatchExists as exc:
            messages.warning(request, exc.message)
            return redirect("assistance:batch_detail", exc.batch_id)
        except NotFound:
            raise  # a county outside the scope: the 404 page
        except ServiceError as exc:
            if isinstance(exc, ValidationFailed) and exc.fields:
                errors = [e["message"] for errs in exc.fields.values() for e in errs]
            else:
                errors = [exc.message]
        else:
            messages.success(request, _("已生成批次：%(n)s 条明细，合计 %(total)s 元") % {
                "n": batch.line_count, "total": rules.format_yuan(batch.total_amount)})
            return redirect("assistance:batch_detail", batch.pk)
    month_q = request.GET.get("month", "").strip()
    try:
        month = parse_month(month_q) if month_q else None
    except ValidationFailed:
        month = None
    f = selectors.BatchFilters(program=request.GET.get("program", ""), county=request.GET.get("county", ""),
                               month=month, status=request.GET.get("status", ""))
    return render(request, "assistance/batch_list.html", {
        "page_obj": paginate(request, selectors.search_batches(user, f)), "f": f, "month_q": month_q,
        "programs": _programs(), "counties": _counties(user), "statuses": PaymentBatch.Status.choices,
        "can_run": user.can(Perm.RUN_PAYMENTS), "form": form, "errors": errors,
    }, status=422 if errors else 200)


@perm_required(Perm.VIEW_ASSISTANCE)
@require_GET
def batch_detail(request, batch_id: int):
    user = request.user
    batch = selectors.get_batch(user, batch_id)
    status = request.GET.get("status", "")
    q = request.GET.get("q", "")
    lines = selectors.lines_of(batch, status=status, q=q)
    can_run, can_approve = user.can(Perm.RUN_PAYMENTS), user.can(Perm.APPROVE_PAYMENTS)
    S = PaymentBatch.Status
    stale_count, stale = (selectors.stale_lines(batch) if batch.status in (S.DRAFT, S.REVIEWED, S.APPROVED)
                          else (0, []))
    problems = batch.problems[:200]
    return render(request, "assistance/batch_detail.html", {
        "batch": batch, "page_obj": paginate(request, lines), "status": status, "q": q,
        "counts": selectors.line_counts(batch), "events": selectors.events_of(batch),
        "line_statuses": PaymentLine.Status.choices,
        "problems": problems, "problem_total": sum(batch.problem_counts.values()),
        "problem_labels": [(PROBLEM_LABELS.get(code, code), n) for code, n in batch.problem_counts.items()],
        "unpaid_total": sum(n for code, n in batch.problem_counts.items() if code not in LINE_WRITTEN),
        "stale": stale, "stale_count": stale_count,
        "can_review": can_run and batch.status == S.DRAFT,
        "can_regenerate": can_run and batch.status == S.DRAFT,
        "can_approve": can_approve and batch.status == S.REVIEWED and batch.generated_by_id != user.pk,
        "four_eyes_block": can_approve and batch.status == S.REVIEWED and batch.generated_by_id == user.pk,
        "can_reopen": can_run and batch.status in (S.REVIEWED, S.APPROVED),
        "can_export": can_run and batch.status in (S.APPROVED, S.EXPORTED, S.CLOSED),
        "can_export_sensitive": user.can(Perm.EXPORT_SENSITIVE),
        "can_export_accounts": user.can(Perm.EXPORT_PAYEE_ACCOUNTS),
        "can_results": can_run and batch.status == S.EXPORTED,
        "can_close": can_run and batch.status == S.EXPORTED,
    })


PROBLEM_LABELS = {
    "enrollment.suspended": _lazy("待遇暂停"), "enrollment.flagged": _lazy("待处理事项未办结"),
    "parameter.missing": _lazy("缺少项目参数"), "input.invalid": _lazy("测算依据有误"),
    "amount.zero": _lazy("计算金额为 0"), "line.already_paid": _lazy("已在其他批次发放"),
    "person.deceased": _lazy("本人已故"), "person.moved_out": _lazy("本人已迁出"),
    "account.missing": _lazy("缺少发放账户（已生成明细）"),
    "line.unblocked": _lazy("重新生成后不再发放，须重新生成另一批次"),
}
"""Chinese names of the problem codes on the batch page (msgids)."""
LINE_WRITTEN = ("account.missing",)
"""Problem codes whose lines were written all the same (listed to be acted on)."""

ACTIONS = {
    "review": (lambda a, b, v, r: services.review_batch(a, b, version=v, note=r), _lazy("批次已审核")),
    "approve": (lambda a, b, v, r: services.approve_batch(a, b, version=v, note=r), _lazy("批次已审批")),
    "reopen": (lambda a, b, v, r: services.reopen_batch(a, b, version=v, reason=r), _lazy("批次已重开，可重新生成")),
    "regenerate": (lambda a, b, v, r: services.regenerate_batch(a, b, version=v), _lazy("批次已重新生成，原明细已作废")),
    "close": (lambda a, b, v, r: services.close_batch(a, b, version=v, note=r), _lazy("批次已办结")),
}


def _version(request) -> int | None:
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        return None


@perm_required(Perm.VIEW_ASSISTANCE)
@require_POST
def batch_action(request, batch_id: int, action: str):
    batch = selectors.get_batch(request.user, batch_id)
    if action not in ACTIONS:
        return error_page(request, ValidationFailed({"action": [{"code": "action.unknown", "message": _("未知操作")}]}))
    run, done = ACTIONS[action]
    version = _version(request)
    if version is None:
        return error_page(request, ValidationFailed({"version": [{"code": "version.missing",
                                                                  "message": _("缺少版本号，请刷新页面后重试")}]}))
    try:
        result = run(actor(request), batch, version, request.POST.get("reason", "").strip())
    except ServiceError as exc:
        if exc.status == 403:
            return error_page(request, exc)
        messages.error(request, exc.message)
    else:
        messages.success(request, done)
        others = {(item["batch"], item["county"]) for item in getattr(result, "unblocked", None) or []}
        for other, county in sorted(others):
            messages.warning(request, _("%(county)s的批次 %(batch)s 曾因本批次已发放而未为其中一些对象生成明细，"
                                        "本批次重新生成后已不再为其发放：请重新生成该批次（见问题清单）")
                             % {"county": county, "batch": other})
    return redirect("assistance:batch_detail", batch.pk)


@perm_required(Perm.VIEW_ASSISTANCE)
@require_POST
def batch_export(request, batch_id: int):
    batch = selectors.get_batch(request.user, batch_id)
    try:
        f = services.export_batch(actor(request), batch, fmt=request.POST.get("format", "xlsx"),
                                  sensitive=request.POST.get("sensitive") == "1",
                                  accounts=request.POST.get("accounts") == "1", version=_version(request))
    except ServiceError as exc:
        if exc.status == 403:
            return error_page(request, exc)
        messages.error(request, exc.message)
        return redirect("assistance:batch_detail", batch.pk)
    return file_response(f)


@perm_required(Perm.VIEW_ASSISTANCE)
@require_POST
def batch_results(request, batch_id: int):
    """The bank's result file (or 'all remaining paid')."""
    batch = selectors.get_batch(request.user, batch_id)
    upload = request.FILES.get("file")
    rest_paid = request.POST.get("rest_paid") == "1"
    try:
        rows = services.parse_results_file(upload.read(), upload.name) if upload else []
        if not rows and not rest_paid:
            raise ValidationFailed({"file": [{"code": "file.missing", "message": _("请上传回盘文件，或勾选“其余均已发放”")}]})
        out = services.record_results(actor(request), batch, rows, version=_version(request), rest_paid=rest_paid,
                                      source=upload.name if upload else "page")
    except ServiceError as exc:
        if exc.status == 403:
            return error_page(request, exc)
        detail = [e["message"] for errs in exc.fields.values() for e in errs][:20] if exc.fields else []
        messages.error(request, "；".join([exc.message, *detail]) if detail and detail[0] != exc.message else exc.message)
    else:
        messages.success(request, _("已登记：发放 %(paid)s 条，失败 %(failed)s 条，未变 %(unchanged)s 条；尚待登记 %(pending)s 条")
                         % out)
    return redirect(reverse("assistance:batch_detail", args=[batch.pk]))


urlpatterns = [
    path("batches/", batch_list, name="batch_list"),
    path("batches/<int:batch_id>/", batch_detail, name="batch_detail"),
    path("batches/<int:batch_id>/export/", batch_export, name="batch_export"),
    path("batches/<int:batch_id>/results/", batch_results, name="batch_results"),
    path("batches/<int:batch_id>/<slug:action>/", batch_action, name="batch_action"),
]
