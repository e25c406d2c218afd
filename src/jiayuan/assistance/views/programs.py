"""Pages of programs and their parameters: the list of programs, a program with its
parameter history per region (city, counties) and the form that enters parameters from
an effective month (city administrator, county officer). The form is built from the
program's schema (rules.PARAMETER_SCHEMAS); lists (age bands, amounts by type and grade)
are entered as JSON, prefilled with the values in force."""

import datetime
import json

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_http_methods

from ...accounts.permissions import Perm
from ...errors import ServiceError
from ...web.forms import BootstrapMixin
from ...web.shortcuts import actor, apply_service_error, perm_required
from .. import rules, services
from ..selectors import programs as selectors
from ..selectors.parameters import parameter_in_force
from .fields import MonthField

COMPLEX_KINDS = ("age_bands", "grade_amounts", "type_grade_amounts", "capacity_amounts")
EXAMPLES = {
    "age_bands": '[{"min_age": 80, "max_age": 89, "amount": "100.00"}, {"min_age": 90, "max_age": null, "amount": "200.00"}]',
    "grade_amounts": '{"1": "300.00", "2": "230.00"}',
    "type_grade_amounts": '{"1-1": "230.00", "5-2": "230.00"}',
    "capacity_amounts": '{"moderate": "150.00", "severe": "300.00"}',
}


class ParameterForm(BootstrapMixin, forms.Form):
    """Region, effective month, policy, note, and one field per schema key."""

    region = forms.ChoiceField(label=_lazy("适用区划"))
    effective_from = MonthField(label=_lazy("生效月份"))
    policy = forms.CharField(label=_lazy("文件依据"), max_length=200, required=False)
    note = forms.CharField(label=_lazy("说明"), max_length=200, required=False)

    def __init__(self, program, regions, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.program = program
        self.fields["region"].choices = [(r.code, f"{r.name}（{r.code}）") for r in regions]
        self.schema = rules.PARAMETER_SCHEMAS.get(program.code, ())
        for spec in self.schema:
            label = f"{_(spec.label)}（{_(spec.unit)}）" if spec.unit else _(spec.label)
            if spec.kind == "bool":
                field = forms.BooleanField(label=label, required=False)
            elif spec.kind in COMPLEX_KINDS:
                field = forms.CharField(label=label, required=False, widget=forms.Textarea(attrs={"rows": 3}),
                                        help_text=_("JSON，例如 %(example)s") % {"example": EXAMPLES[spec.kind]}
                                        + (f"；{_(spec.help)}" if spec.help else ""))
            elif spec.kind == "int" and spec.choices:
                field = forms.TypedChoiceField(label=label, required=False, coerce=int,
                                               choices=[("", "—")] + [(c, c) for c in spec.choices])
            else:
                field = forms.CharField(label=label, required=False, help_text=_(spec.help) if spec.help else "")
            self.fields[f"p_{spec.key}"] = field
        self._style()

    def param_fields(self):
        return [self[f"p_{s.key}"] for s in self.schema]

    def values(self) -> dict:
        """The parameter values as the service wants them (JSON lists parsed)."""
        out = {}
        for spec in self.schema:
            raw = self.cleaned_data.get(f"p_{spec.key}")
            if spec.kind in COMPLEX_KINDS and isinstance(raw, str) and raw.strip():
                try:
                    raw = json.loads(raw)
                except ValueError:
                    self.add_error(f"p_{spec.key}", _("不是有效的 JSON"))
                    continue
            if raw in (None, "") and spec.kind != "bool":
                continue
            out[spec.key] = raw
        return out

    @staticmethod
    def initial_from(program, values: dict) -> dict:
        initial = {}
        for spec in rules.PARAMETER_SCHEMAS.get(program.code, ()):
            if spec.key not in values:
                continue
            value = values[spec.key]
            initial[f"p_{spec.key}"] = json.dumps(value, ensure_ascii=False) if spec.kind in COMPLEX_KINDS else value
        return initial


@perm_required(Perm.VIEW_ASSISTANCE)
def program_list(request):
    """救助项目: the programs, with the parameters in force this month at the top of the user's scope."""
    month = timezone.localdate().replace(day=1)
    scope = request.user.scope_code or next(iter(r.code for r in selectors.parameter_regions(request.user)), "")
    rows = []
    for p in selectors.programs():
        rows.append({"program": p, "in_force": parameter_in_force(p.code, scope, month)})
    return render(request, "assistance/program_list.html", {
        "rows": rows, "month": month, "can_manage": request.user.can(Perm.MANAGE_PROGRAMS)})


@perm_required(Perm.VIEW_ASSISTANCE)
def program_detail(request, code):
    """A program: its parameter schema and the history of its parameters in the scope."""
    program = selectors.get_program(code)
    history = list(selectors.parameters_for(request.user, program.code))
    by_region: dict = {}
    for row in history:
        by_region.setdefault(row.region, []).append(row)
    labels = {s.key: s for s in rules.PARAMETER_SCHEMAS.get(program.code, ())}
    for row in history:  # (label, value, kind): money values are shown as 22,187.00
        row.value_rows = [(_(labels[k].label) if k in labels else "", v, labels[k].kind if k in labels else "")
                          for k, v in (row.values or {}).items()]
    return render(request, "assistance/program_detail.html", {
        "program": program, "schema": selectors.schema_of(program.code), "by_region": by_region, "labels": labels,
        "can_manage": request.user.can(Perm.MANAGE_PROGRAMS)})


@perm_required(Perm.VIEW_ASSISTANCE)
@require_http_methods(["GET", "POST"])
def parameter_new(request, code):
    """录入参数: a new effective month (or a correction of an unused row of that month)."""
    if not request.user.can(Perm.MANAGE_PROGRAMS):
        raise PermissionDenied
    program = selectors.get_program(code)
    regions = list(selectors.parameter_regions(request.user))
    if request.method == "GET":
        source = None
        if request.GET.get("from"):
            source = selectors.get_parameter(request.user, request.GET["from"])
        else:
            scope = request.user.scope_code or (regions[0].code if regions else "")
            source = parameter_in_force(program.code, scope, timezone.localdate()) if scope else None
        today = timezone.localdate()
        nxt = datetime.date(today.year + (today.month == 12), today.month % 12 + 1, 1)
        initial = {"effective_from": nxt, "region": source.region_id if source else (regions[0].code if regions else "")}
        if source:
            initial.update(ParameterForm.initial_from(program, source.values))
            initial["policy"] = source.policy
        form = ParameterForm(program, regions, initial=initial)
        return render(request, "assistance/parameter_form.html", {"form": form, "program": program, "source": source})
    form = ParameterForm(program, regions, request.POST)
    if form.is_valid():
        values = form.values()
        if not form.errors:
            try:
                row, created = services.set_parameters(actor(request), program, form.cleaned_data["region"],
                                                       form.cleaned_data["effective_from"], values,
                                                       form.cleaned_data["policy"], form.cleaned_data["note"])
            except ServiceError as exc:
                field_map = {s.key: f"p_{s.key}" for s in form.schema}
                apply_service_error(form, exc, field_map)
            else:
                messages.success(request, _("已保存 %(region)s %(month)s 起的参数") % {
                    "region": row.region.name, "month": row.effective_from.strftime("%Y-%m")} if created else
                    _("已更正 %(region)s %(month)s 起的参数") % {
                        "region": row.region.name, "month": row.effective_from.strftime("%Y-%m")})
                return redirect("assistance:program_detail", code=program.code)
    return render(request, "assistance/parameter_form.html", {"form": form, "program": program}, status=422)


urlpatterns = [
    path("programs/", program_list, name="program_list"),
    path("programs/<str:code>/", program_detail, name="program_detail"),
    path("programs/<str:code>/parameters/new/", parameter_new, name="parameter_new"),
]
