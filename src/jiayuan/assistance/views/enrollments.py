"""Pages of enrollments (享受对象): the list in scope with filters (program, status,
region, registry flag, reviews due), and one enrollment with its computation, inputs,
history and the county's actions (review, suspend, resume, terminate, clear a flag),
each posting the version the user saw."""

import json

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from ...accounts.permissions import Perm
from ...errors import ServiceError
from ...web.forms import BootstrapMixin
from ...web.shortcuts import actor, error_page, paginate, perm_required
from .. import services
from ..models import Enrollment
from ..selectors import enrollments as selectors
from ..selectors import programs as program_selectors
from ..services.enrollments import FLAG_LABELS

EVENT_LABELS = {"enrolled": _lazy("纳入保障"), "reviewed": _lazy("复核"), "suspended": _lazy("暂停"),
                "resumed": _lazy("恢复"), "terminated": _lazy("终止"), "flagged": _lazy("登记信息变化待处理"),
                "flag_cleared": _lazy("解除待处理标记"), "moved": _lazy("迁居（所属区划变更）")}


class FilterForm(BootstrapMixin, forms.Form):
    program = forms.ChoiceField(label=_lazy("项目"), required=False)
    status = forms.ChoiceField(label=_lazy("状态"), required=False, choices=[
        ("", _lazy("全部")), ("open", _lazy("未终止")), *Enrollment.Status.choices])
    flag = forms.ChoiceField(label=_lazy("待处理"), required=False, choices=[
        ("", _lazy("全部")), ("any", _lazy("有待处理事项")), *[(k, _lazy(v)) for k, v in FLAG_LABELS.items()]])
    region = forms.CharField(label=_lazy("区划代码"), required=False, max_length=15)
    due = forms.BooleanField(label=_lazy("复核到期"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["program"].choices = [("", _("全部"))] + [(p.code, p.name) for p in program_selectors.programs()]
        self._style()


class ActionForm(BootstrapMixin, forms.Form):
    action = forms.ChoiceField(choices=[(a, a) for a in ("suspend", "resume", "terminate", "review", "clear_flag")],
                               widget=forms.HiddenInput)
    version = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(label=_lazy("理由（停发时将书面告知）"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))
    end_month = forms.DateField(label=_lazy("最后发放月份（某月1日）"), required=False,
                                widget=forms.DateInput(attrs={"type": "date"}))
    month = forms.DateField(label=_lazy("按哪个月的参数测算（某月1日）"), required=False,
                            widget=forms.DateInput(attrs={"type": "date"}))
    inputs = forms.CharField(label=_lazy("测算依据（JSON）"), required=False, widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()


@perm_required(Perm.VIEW_ASSISTANCE)
def enrollment_list(request):
    form = FilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    f = selectors.EnrollmentFilters(program=data.get("program", ""), status=data.get("status", ""),
                                    region=(data.get("region") or "").strip(), flag=data.get("flag", ""),
                                    due=bool(data.get("due")))
    page_obj = paginate(request, selectors.search_enrollments(request.user, f))
    return render(request, "assistance/enrollment_list.html", {
        "form": form, "page_obj": page_obj, "today": timezone.localdate(), "flag_labels": FLAG_LABELS})


def _detail_context(request, e, form=None, open_action=""):
    today = timezone.localdate()
    events = [{"event": ev, "label": EVENT_LABELS.get(ev.kind, ev.kind)} for ev in selectors.events_of(e)]
    return {"e": e, "events": events, "today": today, "can_decide": request.user.can(Perm.DECIDE_APPLICATIONS),
            "form": form, "open_action": open_action, "flag_label": FLAG_LABELS.get(e.flag, e.flag),
            "inputs_json": json.dumps(e.inputs, ensure_ascii=False, indent=1),
            "detail": e.computation.get("detail", {}) if isinstance(e.computation, dict) else {},
            "month": today.replace(day=1)}


@perm_required(Perm.VIEW_ASSISTANCE)
def enrollment_detail(request, pk):
    e = selectors.get_enrollment(request.user, pk)
    return render(request, "assistance/enrollment_detail.html", _detail_context(request, e))


@perm_required(Perm.VIEW_ASSISTANCE)
@require_POST
def enrollment_action(request, pk):
    """One of the county's actions; a refusal is shown on the page with the form kept."""
    e = selectors.get_enrollment(request.user, pk)  # out of scope: 404 before any role check
    if not request.user.can(Perm.DECIDE_APPLICATIONS):
        raise PermissionDenied
    form = ActionForm(request.POST)
    if not form.is_valid():
        return render(request, "assistance/enrollment_detail.html",
                      _detail_context(request, e, form, request.POST.get("action", "")), status=422)
    d = form.cleaned_data
    who, action, version, reason = actor(request), d["action"], d["version"], d["reason"]
    try:
        if action == "suspend":
            services.suspend(who, e, reason, version)
        elif action == "resume":
            services.resume(who, e, reason, version)
        elif action == "terminate":
            services.terminate(who, e, reason, version, end_month=d.get("end_month"))
        elif action == "clear_flag":
            services.clear_flag(who, e, reason, version)
        else:
            try:
                inputs = json.loads(d.get("inputs") or "{}")
            except ValueError:
                form.add_error("inputs", _("不是有效的 JSON"))
                return render(request, "assistance/enrollment_detail.html",
                              _detail_context(request, e, form, action), status=422)
            services.review(who, e, inputs, reason, version, month=d.get("month"))
    except ServiceError as exc:
        if exc.status == 409:
            return error_page(request, exc)
        field_map = {"end_month": "end_month", "month": "month", "inputs": "inputs", "reason": "reason",
                     "note": "reason"}
        for name, errors in (exc.fields or {"__all__": [{"message": exc.message}]}).items():
            for err in errors:
                target = field_map.get(name)
                form.add_error(target if target in form.fields else None, err["message"])
        return render(request, "assistance/enrollment_detail.html", _detail_context(request, e, form, action),
                      status=exc.status)
    messages.success(request, _("已保存"))
    return redirect("assistance:enrollment_detail", pk=e.pk)


urlpatterns = [
    path("enrollments/", enrollment_list, name="enrollment_list"),
    path("enrollments/<int:pk>/", enrollment_detail, name="enrollment_detail"),
    path("enrollments/<int:pk>/action/", enrollment_action, name="enrollment_action"),
]
