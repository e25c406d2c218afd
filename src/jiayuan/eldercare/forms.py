"""Forms of the elderly care pages. They only shape input: every rule is in
:mod:`jiayuan.eldercare.rules`, applied by the services."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import rules
from .models import Level, Reason


def _score_choices(top: int) -> list[tuple[str, str]]:
    return [("", "—")] + [(str(n), str(n)) for n in range(top, -1, -1)]


class AssessmentForm(forms.Form):
    """The paper form of GB/T 42195-2022: reason, date, two assessors, the 26 items
    (each a choice 0–max), coma, diagnoses (ICD-10 codes, separated by commas or
    spaces) and the number of each care-risk event in the last 30 days."""

    reason = forms.ChoiceField(label=gettext_lazy("评估原因"), choices=Reason.choices)
    assessed_on = forms.DateField(label=gettext_lazy("评估日期"), widget=forms.DateInput(attrs={"type": "date"}))
    assessor_1 = forms.ChoiceField(label=gettext_lazy("评估员一"))
    assessor_2 = forms.ChoiceField(label=gettext_lazy("评估员二"))
    coma = forms.BooleanField(label=gettext_lazy("昏迷"), required=False)
    diagnoses = forms.CharField(label=gettext_lazy("诊断（ICD-10 编码）"), required=False, max_length=200,
                                help_text=gettext_lazy("如 F01、F32.9，多个用逗号分隔；痴呆 F00–F03 和其他精神障碍 F04–F99 使等级降一级"))
    note = forms.CharField(label=gettext_lazy("备注"), required=False, max_length=200)

    def __init__(self, *args, assessors=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", "—")] + [(str(u.pk), f"{u.full_name or u.username}（{u.get_role_display()}）")
                                 for u in assessors]
        self.fields["assessor_1"].choices = choices
        self.fields["assessor_2"].choices = choices
        for item in rules.ITEMS:
            self.fields[f"item_{item.code}"] = forms.ChoiceField(
                label=_(item.name), choices=_score_choices(item.max), required=False,
                widget=forms.Select(attrs={"class": "form-select form-select-sm", "data-item": item.code}))
        for code, name in rules.RISK_EVENTS.items():
            self.fields[f"risk_{code}"] = forms.IntegerField(
                label=_(name), min_value=0, max_value=30, required=False,
                widget=forms.NumberInput(attrs={"class": "form-control form-control-sm", "min": 0, "max": 30}))
        for name, field in self.fields.items():
            if not name.startswith(("item_", "risk_")) and name != "coma":
                field.widget.attrs.setdefault("class", "form-select" if isinstance(field, forms.ChoiceField)
                                              else "form-control")
        self.fields["coma"].widget.attrs["class"] = "form-check-input"

    def dimensions(self):
        """[(dimension name, [bound item fields])] in the standard's order, for the page."""
        out = []
        for code, name in rules.DIMENSIONS.items():
            out.append((_(name), [self[f"item_{i.code}"] for i in rules.ITEMS if i.dimension == code]))
        return out

    def risk_fields(self):
        return [self[f"risk_{code}"] for code in rules.RISK_EVENTS]

    def inputs(self) -> dict:
        """The rule's inputs from the raw data (valid or not, for the live score):
        ``items`` (empty choices left out: the rule names them missing), ``coma``,
        ``diagnoses`` (list), ``risk_events`` (one entry per event)."""
        data = self.data
        items = {i.code: data.get(f"item_{i.code}") for i in rules.ITEMS if data.get(f"item_{i.code}") not in (None, "")}
        events = []
        for code in rules.RISK_EVENTS:
            raw = (data.get(f"risk_{code}") or "").strip()
            n = int(raw) if raw.isdigit() and len(raw) <= 2 else 0
            events += [code] * n
        text = (data.get("diagnoses") or "").replace("，", ",").replace("、", ",").replace(" ", ",")
        return {"items": items, "coma": data.get("coma") in ("on", "true", "1"),
                "diagnoses": [d for d in text.split(",") if d.strip()], "risk_events": events}


class AssessmentFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=40, widget=forms.TextInput(attrs={
        "class": "form-control", "placeholder": gettext_lazy("姓名"), "aria-label": gettext_lazy("姓名")}))
    level = forms.ChoiceField(required=False, choices=[("", gettext_lazy("全部等级"))] + list(Level.choices),
                              widget=forms.Select(attrs={"class": "form-select", "aria-label": gettext_lazy("能力等级")}))
    reason = forms.ChoiceField(required=False, choices=[("", gettext_lazy("全部原因"))] + list(Reason.choices),
                               widget=forms.Select(attrs={"class": "form-select", "aria-label": gettext_lazy("评估原因")}))
    latest = forms.BooleanField(required=False, label=gettext_lazy("每人只列最近一次"),
                                widget=forms.CheckboxInput(attrs={"class": "form-check-input"}))
    due = forms.BooleanField(required=False, label=gettext_lazy("应复评"),
                             widget=forms.CheckboxInput(attrs={"class": "form-check-input"}))
