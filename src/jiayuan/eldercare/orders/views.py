"""Pages of home-care orders (thin: reads through :mod:`.selectors`, writes through the
services).

- ``/eldercare/orders/``: the dispatch board (civil-affairs staff in scope, a provider's
  dispatcher): orders by day and state; a dispatcher assigns a care worker.
- ``/eldercare/orders/<id>/``: an order with its history, call-backs and complaints.
- ``/eldercare/my/``: a care worker's day on a phone (today's own orders), and
  ``/eldercare/my/<id>/`` the visit: check-in with the phone's location, check-out with
  a photo, confirmation by the elder or family with the elder's code.
- ``/eldercare/settlements/``: monthly settlements; ``/eldercare/settlements/<id>/`` the
  statement line by line (price × quantity − named deductions), approval, reopening,
  export.
"""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from ...accounts.models import User
from ...accounts.permissions import Perm
from ...errors import NotFound, ServiceError, ValidationFailed, field_error
from ...imports.export import content_disposition
from ...organizations.models import SocialOrganization
from ...web.shortcuts import actor, error_page, paginate
from .. import exports
from ..models import OrderPhoto
from . import rules, selectors, services, settlement_services


def _board_user(user) -> bool:
    return user.can(Perm.VIEW_ELDERCARE) or selectors.is_dispatcher(user)


def _day(value) -> datetime.date:
    """``?day=`` as an ISO date; today when unreadable or at the calendar's ends (the
    board links the day before and after, which 0001-01-01 and 9999-12-31 do not have)."""
    try:
        day = datetime.date.fromisoformat(str(value))
    except ValueError:
        return timezone.localdate()
    return day if datetime.date.min < day < datetime.date.max else timezone.localdate()


def _deadline(order) -> dict | None:
    """The order's time limit for the page: the step's name, its last day, overdue or not."""
    limit = selectors.deadline_of(order)
    if limit is None:
        return None
    return {"name": _(rules.DEADLINES[limit[0]]), "day": limit[1],
            "overdue": selectors.overdue_code(order, timezone.localdate()) is not None}


def _done(request, url, message):
    messages.success(request, message)
    return redirect(url)


@login_required
@require_http_methods(["GET"])
def order_list(request):
    user = request.user
    if not _board_user(user):
        raise PermissionDenied
    day = _day(request.GET.get("day") or timezone.localdate().isoformat())
    status = request.GET.get("status", "")
    today = timezone.localdate()
    overdue = request.GET.get("overdue") == "1"
    qs = (selectors.orders_for(user).filter(selectors.overdue_q(today)) if overdue
          else selectors.orders_for(user).filter(scheduled_on=day))
    if status in rules.STATES:
        qs = qs.filter(status=status)
    dispatching = selectors.duty_providers(user, "dispatcher")
    workers = {pid: list(selectors.workers_of(pid)) for pid in dispatching}
    page = paginate(request, qs.order_by("scheduled_on", "status", "person__name", "id") if overdue
                    else qs.order_by("status", "person__name", "id"))
    for o in page:
        late = selectors.overdue_code(o, today)
        o.overdue_label = _(rules.DEADLINES[late]) if late else ""
    counts = dict(selectors.orders_for(user).filter(scheduled_on=day).values_list("status")
                  .annotate(n=Count("id")).values_list("status", "n"))
    return render(request, "eldercare/order_list.html", {
        "day": day, "status": status, "page": page, "workers": workers, "dispatching": dispatching,
        "states": [(k, _(v), counts.get(k, 0)) for k, v in rules.STATES.items()], "overdue": overdue,
        "overdue_count": selectors.orders_for(user).filter(selectors.overdue_q(today)).count(),
        "prev": day - datetime.timedelta(days=1), "next": day + datetime.timedelta(days=1),
    })


@login_required
@require_http_methods(["GET"])
def order_export(request):
    user = request.user
    if not _board_user(user) or not (user.can(Perm.EXPORT) or selectors.is_dispatcher(user)):
        raise PermissionDenied
    day = _day(request.GET.get("day") or timezone.localdate().isoformat())
    try:
        data, name, fallback, n = services.export_orders(actor(request), day)
    except ServiceError as exc:
        return error_page(request, exc)
    response = HttpResponse(data, content_type=exports.XLSX)
    response["Content-Disposition"] = content_disposition(name, fallback)
    response["X-Export-Rows"] = str(n)
    return response


@login_required
@require_POST
def order_dispatch(request, pk):
    order = selectors.get_order(request.user, pk)
    worker = User.objects.filter(pk=request.POST.get("worker") or 0).first() if str(
        request.POST.get("worker") or "").isdigit() else None
    try:
        if worker is None:
            raise NotFound("worker.not_found")
        services.dispatch(actor(request), order, worker)
    except ServiceError as exc:
        return error_page(request, exc)
    return _done(request, reverse("eldercare:order_list") + f"?day={order.scheduled_on}", _("已派单"))


@login_required
@require_http_methods(["GET"])
def order_detail(request, pk):
    user = request.user
    order = selectors.get_order(user, pk)
    if selectors.is_worker(user) and not _board_user(user):
        return redirect("eldercare:my_order", pk=order.pk)
    events = list(order.events.select_related("actor"))
    for e in events:
        e.action_label = _(rules.ACTIONS.get(e.action, rules.EVENT_NAMES.get(e.action, e.action)))
        e.state_label = _(rules.STATES[e.to_state]) if e.to_state != e.from_state else ""
        method = (e.data or {}).get("method") if e.action == "confirm" else None
        e.method_label = _(rules.CONFIRM_METHODS[method]) if method in rules.CONFIRM_METHODS else ""
    callbacks = list(order.callbacks.select_related("by"))
    for c in callbacks:
        c.method_label, c.result_label = _(rules.CALLBACK_METHODS[c.method]), _(rules.CALLBACK_RESULTS[c.result])
    return render(request, "eldercare/order_detail.html", {
        "o": order, "events": events, "callbacks": callbacks,
        "complaints": order.complaints.select_related("received_by", "decided_by"),
        "photos": order.photos.filter(kind="checkout"), "signatures": order.photos.filter(kind="signature"),
        "state": _(rules.STATES[order.status]),
        "confirmed_by": _(rules.CONFIRM_BY[order.confirmed_by]) if order.confirmed_by in rules.CONFIRM_BY else "",
        "method": _(rules.CONFIRM_METHODS[order.confirm_method]) if order.confirm_method else "",
        "deadline": _deadline(order),
        "can_supervise": user.can(Perm.SUPERVISE_HOMECARE) and order.status == "done",
        "can_decide": user.can(Perm.MANAGE_ELDERCARE),
        "methods": [(k, _(v)) for k, v in rules.CALLBACK_METHODS.items()],
        "results": [(k, _(v)) for k, v in rules.CALLBACK_RESULTS.items()],
    })


@login_required
@require_POST
def order_callback(request, pk):
    order = selectors.get_order(request.user, pk)
    try:
        services.record_callback(actor(request), order, method=request.POST.get("method", ""),
                                 result=request.POST.get("result", ""), note=request.POST.get("note", ""))
    except ServiceError as exc:
        return error_page(request, exc)
    return _done(request, reverse("eldercare:order_detail", args=[order.pk]), _("已记录回访"))


@login_required
@require_POST
def order_complaint(request, pk):
    order = selectors.get_order(request.user, pk)
    try:
        services.record_complaint(actor(request), order, complainant=request.POST.get("complainant", ""),
                                  content=request.POST.get("content", ""))
    except ServiceError as exc:
        return error_page(request, exc)
    return _done(request, reverse("eldercare:order_detail", args=[order.pk]), _("已记录投诉"))


@login_required
@require_POST
def complaint_decide(request, pk):
    c = selectors.complaints_for(request.user).filter(pk=pk).first() if str(pk).isdigit() else None
    if c is None:
        raise NotFound("complaint.not_found")
    try:
        services.decide_complaint(actor(request), c, upheld=request.POST.get("upheld") == "1",
                                  decision=request.POST.get("decision", ""))
    except ServiceError as exc:
        return error_page(request, exc)
    return _done(request, reverse("eldercare:order_detail", args=[c.order_id]), _("已处理投诉"))


@login_required
@require_POST
def order_void(request, pk):
    order = selectors.get_order(request.user, pk)
    try:
        services.void(actor(request), order, request.POST.get("reason", ""))
    except ServiceError as exc:
        return error_page(request, exc)
    return _done(request, reverse("eldercare:order_detail", args=[order.pk]), _("工单已作废"))


@login_required
@require_http_methods(["GET"])
def order_photo(request, pk, photo_pk):
    user = request.user
    try:
        order = selectors.get_order(user, pk)
    except NotFound:
        order = selectors.worker_order(user, pk)
    p = OrderPhoto.objects.filter(pk=photo_pk, order=order).first() if str(photo_pk).isdigit() else None
    if p is None:
        raise NotFound("photo.not_found")
    return FileResponse(p.file.open("rb"), content_type={"JPEG": "image/jpeg", "PNG": "image/png",
                                                         "WEBP": "image/webp"}[p.image_format])


# --- the care worker's phone -----------------------------------------------------------

@login_required
@require_http_methods(["GET"])
def my_day(request):
    user = request.user
    if not selectors.is_worker(user):
        raise PermissionDenied
    today = timezone.localdate()
    rows = selectors.worker_day(user, today)
    for r in rows:
        r["state"] = _(rules.STATES[r["status"]])
    late = list(selectors.orders_for(user).filter(worker=user).filter(selectors.overdue_q(today))
                .order_by("scheduled_on", "id")[:50])
    for o in late:
        o.overdue_label = _(rules.DEADLINES[selectors.overdue_code(o, today)])
    return render(request, "eldercare/my_day.html", {"today": today, "rows": rows, "late": late,
                                                     "done": sum(r["status"] == "done" for r in rows)})


@login_required
@require_http_methods(["GET"])
def my_order(request, pk):
    order = selectors.worker_order(request.user, pk)
    return render(request, "eldercare/my_order.html", {
        "o": order, "state": _(rules.STATES[order.status]), "radius": selectors.radius_m(),
        "needs_photo": "photo" in (order.item.evidence or []),
        "confirm_by": [(k, _(v)) for k, v in rules.CONFIRM_BY.items()],
        "method": _(rules.CONFIRM_METHODS[order.confirm_method]) if order.confirm_method else "",
    })


@login_required
@require_POST
def my_step(request, pk, step):
    order = selectors.worker_order(request.user, pk)
    a = actor(request)
    try:
        if step == "check_in":
            order = services.check_in(a, order, lat=request.POST.get("lat"), lon=request.POST.get("lon"))
            msg = (_("已签到，距老人住址 %(d)s 米") if order.location_ok else
                   _("已签到，但距老人住址 %(d)s 米，超出范围，将在结算时扣减")) % {"d": order.checkin_distance_m}
        elif step == "check_out":
            services.check_out(a, order, photo=request.FILES.get("photo"), notes=request.POST.get("notes", ""))
            msg = _("已签退，请老人或家属确认")
        elif step == "confirm":
            services.confirm(a, order, code=request.POST.get("code", ""), by=request.POST.get("by", "elder"),
                             name=request.POST.get("name", ""), method=request.POST.get("method", "code"),
                             signature=request.POST.get("signature", ""))
            msg = _("服务已确认完成")
        else:
            raise NotFound("step.not_found")
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("eldercare:my_order", pk=order.pk)
    messages.success(request, msg)
    return redirect("eldercare:my_order", pk=order.pk)


# --- settlements -------------------------------------------------------------------------

@login_required
@require_http_methods(["GET", "POST"])
def settlement_list(request):
    user = request.user
    if not _board_user(user):
        raise PermissionDenied
    if request.method == "POST":
        if not user.can(Perm.MANAGE_ELDERCARE):
            raise PermissionDenied
        provider = selectors.providers_for(user).filter(pk=request.POST.get("provider") or 0).first() if str(
            request.POST.get("provider") or "").isdigit() else None
        month = _day((request.POST.get("month") or "") + "-01")
        try:
            if provider is None:
                raise NotFound("provider.not_found")
            counties = sorted(set(selectors.contracts_for(user).filter(provider=provider)
                                  .values_list("county_id", flat=True)))
            county = request.POST.get("county") or (counties[0] if len(counties) == 1 else "")
            if county not in counties:   # the provider works for several counties of the scope: say which
                raise ValidationFailed(field_error("county", "county.required", _("请选择结算的区县")))
            s = settlement_services.generate(actor(request), provider, county, month)
        except ServiceError as exc:
            return error_page(request, exc)
        return _done(request, reverse("eldercare:settlement_detail", args=[s.pk]), _("结算已生成"))
    last = (timezone.localdate().replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    return render(request, "eldercare/settlement_list.html", {
        "rows": selectors.settlements_for(user).order_by("-month", "provider__name"),
        "providers": selectors.providers_for(user) if user.can(Perm.MANAGE_ELDERCARE) else [],
        "last_month": last, "contracts": selectors.contracts_for(user).order_by("-start"),
        "counties": selectors.contract_counties(user) if user.can(Perm.MANAGE_ELDERCARE) else [],
    })


@login_required
@require_http_methods(["GET"])
def settlement_detail(request, pk):
    user = request.user
    s = selectors.get_settlement(user, pk)
    lines = []
    for ln in selectors.live_lines(s)[:2000]:
        ln.named = [(_(rules.DEDUCTIONS[d["code"]]), d["rate"], d["amount"]) for d in ln.deductions]
        lines.append(ln)
    return render(request, "eldercare/settlement_detail.html", {
        "s": s, "lines": lines, "events": [(e, _(rules.SETTLEMENT_EVENTS.get(e.kind, e.kind)))
                                           for e in s.events.select_related("actor")],
        "can_approve": user.can(Perm.APPROVE_PAYMENTS) and s.status == "draft" and s.generated_by_id != user.pk,
        "can_manage": user.can(Perm.MANAGE_ELDERCARE),
    })


@login_required
@require_POST
def settlement_step(request, pk, step):
    s = selectors.get_settlement(request.user, pk)
    a = actor(request)
    try:
        if step == "approve":
            settlement_services.approve(a, s)
            msg = _("结算已审批")
        elif step == "reopen":
            settlement_services.reopen(a, s, request.POST.get("reason", ""))
            msg = _("结算已退回，可重新生成")
        elif step == "regenerate":
            settlement_services.generate(a, SocialOrganization.objects.get(pk=s.provider_id), s.county_id, s.month)
            msg = _("结算已重新生成")
        else:
            raise NotFound("step.not_found")
    except ServiceError as exc:
        return error_page(request, exc)
    return _done(request, reverse("eldercare:settlement_detail", args=[s.pk]), msg)


@login_required
@require_http_methods(["GET"])
def settlement_export(request, pk):
    s = selectors.get_settlement(request.user, pk)
    try:
        data, name, fallback, n = settlement_services.export(actor(request), s)
    except ServiceError as exc:
        return error_page(request, exc)
    response = HttpResponse(data, content_type=exports.XLSX)
    response["Content-Disposition"] = content_disposition(name, fallback)
    response["X-Export-Rows"] = str(n)
    return response

