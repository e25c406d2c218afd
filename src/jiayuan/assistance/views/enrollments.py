"""Pages of enrollments (享受对象): the list in scope with filters (program, status,
region, registry flag, reviews due), and one enrollment with its computation, inputs,
history and the county's actions (review, suspend, resume, terminate, clear a flag),
each posting the version the user saw."""

from decimal import Decimal, InvalidOperation

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
from .. import rules, services
from ..models import Enrollment
from ..selectors import enrollments as selectors
from ..selectors import programs as program_selectors
from ..services.enrollments import FLAG_LABELS
from ..services.enrollments import compute as compute_amount
from .fields import MonthField

EVENT_LABELS = {"enrolled": _lazy("纳入保障"), "reviewed": _lazy("复核"), "suspended": _lazy("暂停"),
                "resumed": _lazy("恢复"), "terminated": _lazy("终止"), "flagged": _lazy("登记信息变化待处理"),
                "flag_cleared": _lazy("解除待处理标记"), "moved": _lazy("迁居（所属区划变更）")}


class FilterForm(BootstrapMixin, forms.Form):
    program = forms.ChoiceField(label=_lazy("项目"), required=False)
    status = forms.ChoiceField(label=_lazy("状态"), required=False, choices=[
        ("", _lazy("全部")), ("open", _lazy("未终止")), *Enrollment.Status.choices])
    flag = forms.ChoiceField(label=_lazy("待处理"), required=False, choices=[
        ("", _lazy("全部")), ("any", _lazy("有待处理事项")), *FLAG_LABELS.items()])
    region = forms.CharField(label=_lazy("区划代码"), required=False, max_length=15)
    due = forms.BooleanField(label=_lazy("复核到期"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["program"].choices = [("", _("全部"))] + [(p.code, _(p.name)) for p in program_selectors.programs()]
        self._style()


class ActionForm(BootstrapMixin, forms.Form):
    action = forms.ChoiceField(choices=[(a, a) for a in ("suspend", "resume", "terminate", "review", "clear_flag")],
                               widget=forms.HiddenInput)
    version = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(label=_lazy("理由（停发时将书面告知）"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))
    end_month = MonthField(label=_lazy("最后发放月份"), required=False)
    month = MonthField(label=_lazy("按哪个月的参数测算"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()


# --- how the computation and its inputs read on the page ---------------------------------

RULE_NAMES = {
    rules.SUBSISTENCE_RULE: _lazy("低保补差：（保障标准 − 家庭人均月收入）× 保障人数"),
    rules.EXTREME_POVERTY_RULE: _lazy("特困供养：基本生活标准 + 照料护理标准"),
    rules.DISABILITY_LIVING_RULE: _lazy("困难残疾人生活补贴：按标准发放"),
    rules.DISABILITY_CARE_RULE: _lazy("重度残疾人护理补贴：按残疾类别、等级的标准"),
    rules.ELDERLY_RULE: _lazy("高龄津贴：按年龄段的标准"),
    rules.ELDERLY_CARE_RULE: _lazy("养老服务补贴：按最高的补贴类别"),
}
# Keys of a computation's ``detail`` (rules.*_eligibility / *_amount): label and how the
# value reads (money: yuan; choice: a dict of names; count, age, bool, list, text).
DETAIL_LABELS = {
    "area": (_lazy("城乡类别"), rules.AREAS),
    "standard": (_lazy("保障标准（元/人·月）"), "money"),
    "household_income": (_lazy("家庭月收入"), "money"),
    "per_capita_income": (_lazy("家庭人均月收入"), "money"),
    "members": (_lazy("保障人数"), "persons"),
    "gap": (_lazy("人均补差"), "money"),
    "extra_elderly": (_lazy("老年人加发（元 × 人）"), "text"),
    "extra_minor": (_lazy("未成年人加发（元 × 人）"), "text"),
    "extra_severely_disabled": (_lazy("重度残疾人加发（元 × 人）"), "text"),
    "basic": (_lazy("基本生活标准（元/人·月）"), "money"),
    "self_care": (_lazy("生活自理能力"), rules.SELF_CARE),
    "care": (_lazy("照料护理标准（元/人·月）"), "money"),
    "setting": (_lazy("供养方式"), {"home": "分散供养", "institution": "集中供养"}),
    "age": (_lazy("年龄"), "age"),
    "categories": (_lazy("特困人员类别"), "list"),
    "grade": (_lazy("残疾等级"), rules.GRADES),
    "disability_type": (_lazy("残疾类别"), rules.DISABILITY_TYPES),
    "amount": (_lazy("补贴标准（元/月）"), "money"),
    "by_grade": (_lazy("按残疾等级单列的标准"), "bool"),
    "household_status": (_lazy("家庭经济状况"), rules.ECONOMIC_STATUS),
    "table_key": (_lazy("标准来源"), "table_key"),
    "month": (_lazy("测算月份"), "month"),
    "band_min_age": (_lazy("年龄段起（周岁）"), "text"),
    "band_max_age": (_lazy("年龄段止（周岁）"), "text"),
    "category": (_lazy("补贴类别"), {**rules.ECONOMIC_STATUS, **rules.CAPACITY_LEVELS}),
    "reasons": (_lazy("不符合的条件"), "list"),
}
HIDDEN_DETAIL = ("not_eligible",)


def yuan_text(value) -> str:
    """"512.333…" → "512.33 元", "1205" → "1,205.00 元" (rules.format_yuan: to the fen, half
    up, thousands separated; "约" when rounded); not a number → as is."""
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    if not amount.is_finite():
        return str(value)
    fen = rules.to_fen(amount)
    return (_("%(v)s 元") if fen == amount else _("约 %(v)s 元")) % {"v": rules.format_yuan(fen)}


def _choice_text(choices: dict, value) -> str:
    for k, v in choices.items():
        if str(k) == str(value):
            return _(v)
    return str(value)


def _value_text(kind, value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(kind, dict):
        return _choice_text(kind, value)
    if kind == "money":
        return yuan_text(value)
    if kind == "bool" or isinstance(value, bool):
        return _("是") if value else _("否")
    if kind == "persons":
        return _("%(n)s 人") % {"n": value}
    if kind == "age":
        return _("%(n)s 周岁") % {"n": value}
    if kind == "list":
        return "；".join(str(v) for v in value) if isinstance(value, (list, tuple)) else str(value)
    if kind == "table_key":
        return _("统一标准") if value == "default" else _("按类别、等级单列（%(k)s）") % {"k": value}
    if kind == "month":
        return str(value)[:7]
    if kind == "text" and isinstance(value, str) and "×" in value:
        rate, _sep, count = value.partition("×")
        return _("%(rate)s 元 × %(n)s 人") % {"rate": rules.format_yuan(rate), "n": count}
    return str(value)


def detail_rows(computation: dict) -> list[tuple[str, str]]:
    """[(Chinese label, value as read)] of a computation's ``detail``."""
    detail = computation.get("detail") if isinstance(computation, dict) else None
    rows = []
    for key, value in (detail or {}).items():
        if key in HIDDEN_DETAIL:
            continue
        label, kind = DETAIL_LABELS.get(key, (key, "text"))
        rows.append((label, _value_text(kind, value)))
    return rows


def _input_kind(spec):
    if spec.kind == "choice":
        return spec.choices
    return {"money": "money", "bool": "bool"}.get(spec.kind, "text")


def input_rows(program_code: str, inputs: dict) -> list[tuple[str, str]]:
    """[(Chinese label, value as read)] of an enrollment's ``inputs`` in the order of
    rules.INPUT_SCHEMAS (keys the schema does not know last, as stored)."""
    inputs = inputs if isinstance(inputs, dict) else {}
    specs = rules.INPUT_SCHEMAS.get(program_code, ())
    rows = []
    for spec in specs:
        if spec.key not in inputs:
            continue
        value = inputs[spec.key]
        if spec.kind == "overlapping":
            text = "、".join(f"{_choice_text(rules.OVERLAP_KINDS, o.get('kind'))} {yuan_text(o.get('amount'))}"
                            for o in (value or []) if isinstance(o, dict)) or _("无")
        else:
            text = _value_text(_input_kind(spec), value)
        if spec.source == "registry":
            text = _("%(v)s（登记信息）") % {"v": text}
        rows.append((_(spec.label), text))
    known = {s.key for s in specs}
    rows += [(str(k), str(v)) for k, v in inputs.items() if k not in known]
    return rows


# --- the review form: one field per fact of rules.INPUT_SCHEMAS ----------------------------

def review_fields(program_code: str, values: dict, own_kind: str = "") -> list[dict]:
    """The review form's fields for ``program_code``, prefilled from ``values`` (the
    stored inputs, or what was posted): ``name`` (``in_<key>``), ``label``, ``kind``
    (choice / int / money / bool / registry), ``value``, ``choices``, ``min``/``max``,
    ``required``. Registry facts are shown, not asked (the service takes them from the
    registry). ``overlapping`` becomes one amount per other allowance of the same kind."""
    out = []
    for spec in rules.INPUT_SCHEMAS.get(program_code, ()):
        value = values.get(spec.key)
        if spec.source == "registry":
            out.append({"name": f"in_{spec.key}", "label": _(spec.label), "kind": "registry",
                        "value": _value_text(_input_kind(spec), value) if value is not None else _("按登记信息")})
        elif spec.kind == "overlapping":
            given = {o.get("kind"): o.get("amount") for o in (value or []) if isinstance(o, dict)}
            for kind, name in rules.OVERLAP_KINDS.items():
                if kind == own_kind:
                    continue
                out.append({"name": f"in_overlapping_{kind}", "kind": "money", "required": False,
                            "label": _("同类补贴：%(name)s（元/月，未享受不填）") % {"name": _(name)},
                            "value": given.get(kind) or ""})
        else:
            field = {"name": f"in_{spec.key}", "label": _(spec.label), "kind": spec.kind, "required": spec.required,
                     "min": spec.minimum, "max": spec.maximum}
            if spec.kind == "choice":
                field["choices"] = [(k, _(v)) for k, v in spec.choices.items()]
                field["value"] = str(value) if value is not None else ""
            elif spec.kind == "bool":
                field["value"] = value is True
            else:
                field["value"] = "" if value is None else str(value)
            if spec.kind == "money":
                field["label"] = _("%(label)s（元）") % {"label": field["label"]}
            out.append(field)
    return out


def inputs_from_post(program_code: str, data, own_kind: str = "") -> dict:
    """The inputs a review posted: declared facts only (registry facts are the
    registry's), empty fields left out (the service says which are required); a
    checkbox is true when ticked, false otherwise."""
    inputs: dict = {}
    for spec in rules.INPUT_SCHEMAS.get(program_code, ()):
        if spec.source == "registry":
            continue
        if spec.kind == "overlapping":
            items = []
            for kind in rules.OVERLAP_KINDS:
                amount = (data.get(f"in_overlapping_{kind}") or "").strip()
                if kind != own_kind and amount:
                    items.append({"kind": kind, "amount": amount})
            inputs[spec.key] = items
        elif spec.kind == "bool":
            inputs[spec.key] = data.get(f"in_{spec.key}") in ("on", "true", "1")
        else:
            raw = (data.get(f"in_{spec.key}") or "").strip()
            if raw:
                inputs[spec.key] = raw
    return inputs


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


def _amount_now(e, month):
    """(amount, computation, error message) of ``e`` computed with the parameters in
    force in ``month`` — what a batch of that month pays (services.enrollments.compute)."""
    try:
        amount, computation = compute_amount(e.program, e.region_id, month, e.inputs, e.person.birth_date)
    except ServiceError as exc:
        messages_ = [err["message"] for errs in (exc.fields or {}).values() for err in errs]
        return None, None, "；".join(messages_) or exc.message
    return amount, computation, ""


def _detail_context(request, e, form=None, open_action="", review_values=None):
    today = timezone.localdate()
    month = today.replace(day=1)
    events = []
    for ev in selectors.events_of(e):
        events.append({"event": ev, "label": EVENT_LABELS.get(ev.kind, ev.kind),
                       "computed_month": (ev.data.get("computation") or {}).get("month", "")[:7]
                       if isinstance(ev.data, dict) else ""})
    amount_now, computation_now, now_error = _amount_now(e, month)
    computation = e.computation if isinstance(e.computation, dict) else {}
    own_kind = e.program_id if e.program_id in rules.OVERLAP_KINDS else ""
    return {"e": e, "events": events, "today": today, "can_decide": request.user.can(Perm.DECIDE_APPLICATIONS),
            "form": form, "open_action": open_action, "flag_label": FLAG_LABELS.get(e.flag, e.flag),
            "month": month, "amount_now": amount_now, "now_error": now_error,
            "computation_now": computation_now,
            "now_rows": detail_rows(computation_now) if computation_now else [],
            "rule_name": RULE_NAMES.get((computation_now or computation).get("rule"), ""),
            "rule_id": (computation_now or computation).get("rule", ""),
            "last_rows": detail_rows(computation), "input_rows": input_rows(e.program_id, e.inputs),
            "last_paid": selectors.last_paid_line(e),
            "review_fields": review_fields(e.program_id, review_values if review_values is not None else
                                           (e.inputs if isinstance(e.inputs, dict) else {}), own_kind)}


@perm_required(Perm.VIEW_ASSISTANCE)
def enrollment_detail(request, pk):
    e = selectors.get_enrollment(request.user, pk)
    return render(request, "assistance/enrollment_detail.html", _detail_context(request, e))


def _posted_values(program_code: str, data) -> dict:
    """What a review posted, keyed like inputs, to refill the form after an error."""
    values = inputs_from_post(program_code, data)
    for spec in rules.INPUT_SCHEMAS.get(program_code, ()):
        if spec.kind not in ("bool", "overlapping") and spec.source != "registry":
            values.setdefault(spec.key, data.get(f"in_{spec.key}", ""))
    return values


@perm_required(Perm.VIEW_ASSISTANCE)
@require_POST
def enrollment_action(request, pk):
    """One of the county's actions; a refusal is shown on the page with the form kept.
    The review posts one field per fact (``in_<key>``; see :func:`review_fields`)."""
    e = selectors.get_enrollment(request.user, pk)  # out of scope: 404 before any role check
    if not request.user.can(Perm.DECIDE_APPLICATIONS):
        raise PermissionDenied
    form = ActionForm(request.POST)
    action = request.POST.get("action", "")
    posted = _posted_values(e.program_id, request.POST) if action == "review" else None
    if not form.is_valid():
        return render(request, "assistance/enrollment_detail.html",
                      _detail_context(request, e, form, action, posted), status=422)
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
            own_kind = e.program_id if e.program_id in rules.OVERLAP_KINDS else ""
            services.review(who, e, inputs_from_post(e.program_id, request.POST, own_kind), reason, version,
                            month=d.get("month"))
    except ServiceError as exc:
        if exc.status == 409:
            return error_page(request, exc)
        field_map = {"end_month": "end_month", "month": "month", "reason": "reason", "note": "reason"}
        for name, errors in (exc.fields or {"__all__": [{"message": exc.message}]}).items():
            for err in errors:
                target = field_map.get(name)
                form.add_error(target if target in form.fields else None, err["message"])
        return render(request, "assistance/enrollment_detail.html",
                      _detail_context(request, e, form, action, posted), status=exc.status)
    messages.success(request, _("已保存"))
    return redirect("assistance:enrollment_detail", pk=e.pk)


urlpatterns = [
    path("enrollments/", enrollment_list, name="enrollment_list"),
    path("enrollments/<int:pk>/", enrollment_detail, name="enrollment_detail"),
    path("enrollments/<int:pk>/action/", enrollment_action, name="enrollment_action"),
]
