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
    assessed_on = forms.DateField(label=gettext_lazy("评估日期"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}))
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


# --- day-care facilities ----------------------------------------------------------------------

def _css(form: forms.Form) -> None:
    for field in form.fields.values():
        w = field.widget
        if isinstance(w, forms.CheckboxSelectMultiple) or isinstance(w, forms.HiddenInput):
            continue
        w.attrs.setdefault("class", "form-select" if isinstance(w, forms.Select) else "form-control")


class FacilityForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("类型"), choices=[])
    name = forms.CharField(label=gettext_lazy("名称"), max_length=100)
    region = forms.ChoiceField(label=gettext_lazy("所在社区（村）"))
    address = forms.CharField(label=gettext_lazy("地址"), max_length=200, required=False)
    floor_area = forms.DecimalField(label=gettext_lazy("建筑面积（平方米）"), max_digits=10, decimal_places=2,
                                    min_value=0)
    seats = forms.IntegerField(label=gettext_lazy("座位数（日间）"), min_value=0, initial=0)
    beds = forms.IntegerField(label=gettext_lazy("床位数"), min_value=0, initial=0)
    operator = forms.ChoiceField(label=gettext_lazy("运营方"), required=False)
    opened_on = forms.DateField(label=gettext_lazy("投入运营日期"), required=False,
                                widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}))
    closed_on = forms.DateField(label=gettext_lazy("停止运营日期"), required=False,
                                widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}))
    services = forms.MultipleChoiceField(label=gettext_lazy("服务项目"), required=False,
                                         widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}))
    note = forms.CharField(label=gettext_lazy("备注"), max_length=200, required=False)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, regions=(), operators=(), **kwargs):
        from .models import FacilityKind

        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = FacilityKind.choices
        self.fields["region"].choices = [("", "—")] + [(r.code, r.name) for r in regions]
        self.fields["operator"].choices = [("", gettext_lazy("社区自营（无）"))] + [(str(o.pk), o.name) for o in operators]
        self.fields["services"].choices = [(k, _(v)) for k, v in rules.FACILITY_SERVICES.items()]
        _css(self)

    def service_data(self) -> dict:
        d = dict(self.data.items())
        d["services"] = self.data.getlist("services") if hasattr(self.data, "getlist") else d.get("services", [])
        return {k: d.get(k) for k in ("kind", "name", "region", "address", "floor_area", "seats", "beds", "operator",
                                      "opened_on", "closed_on", "note")} | {"services": d["services"]}


class AssignmentForm(forms.Form):
    region = forms.ChoiceField(label=gettext_lazy("服务的社区（村）"))
    start = forms.DateField(label=gettext_lazy("起始日期"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}))
    end = forms.DateField(label=gettext_lazy("终止日期"), required=False, widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}))

    def __init__(self, *args, regions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [("", "—")] + [(r.code, f"{r.name}（{r.get_kind_display()}）") for r in regions]
        _css(self)


class SubsidyForm(forms.Form):
    year = forms.IntegerField(label=gettext_lazy("年度"), min_value=2000, max_value=2100)
    kind = forms.ChoiceField(label=gettext_lazy("补贴类型"), choices=[])
    amount = forms.CharField(label=gettext_lazy("金额（元）"), max_length=20)
    source = forms.CharField(label=gettext_lazy("资金来源"), max_length=100)
    approval = forms.CharField(label=gettext_lazy("批准文号"), max_length=100)
    approved_on = forms.DateField(label=gettext_lazy("批准日期"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}))

    def __init__(self, *args, **kwargs):
        from .models import SubsidyKind

        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = SubsidyKind.choices
        _css(self)


class AttendanceForm(forms.Form):
    day = forms.DateField(label=gettext_lazy("日期"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}))
    person = forms.ChoiceField(label=gettext_lazy("实名签到"), required=False)
    count = forms.IntegerField(label=gettext_lazy("或当日人次（不记名）"), min_value=0, max_value=10000, required=False)

    def __init__(self, *args, elders=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].choices = [("", "—")] + [(str(p.pk), p.name) for p in elders]
        _css(self)


class CoverageForm(forms.Form):
    on = forms.DateField(label=gettext_lazy("日期"), required=False, widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}))


# --- home care ------------------------------------------------------------------------------

class ItemForm(forms.Form):
    code = forms.CharField(label=gettext_lazy("编码"), max_length=20)
    kind = forms.ChoiceField(label=gettext_lazy("服务类别"), choices=[])
    name = forms.CharField(label=gettext_lazy("服务项目"), max_length=60)
    unit = forms.ChoiceField(label=gettext_lazy("计价单位"), choices=[])
    price = forms.CharField(label=gettext_lazy("单价（元）"), max_length=12)
    min_minutes = forms.IntegerField(label=gettext_lazy("最短服务时长（分钟）"), min_value=0, max_value=1440, initial=0)
    evidence = forms.MultipleChoiceField(label=gettext_lazy("留痕要求"), required=False,
                                         widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(k, _(v)) for k, v in rules.HOMECARE_KINDS.items()]
        self.fields["unit"].choices = [(k, _(v)) for k, v in rules.HOMECARE_UNITS.items()]
        self.fields["evidence"].choices = [(k, _(v)) for k, v in rules.EVIDENCE.items()]
        _css(self)


class StandardForm(forms.Form):
    category = forms.ChoiceField(label=gettext_lazy("对象类别"), choices=[])
    level = forms.ChoiceField(label=gettext_lazy("能力等级"), required=False, choices=[])
    effective_from = forms.DateField(label=gettext_lazy("起始月份"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}))
    amount = forms.CharField(label=gettext_lazy("每月服务金额（元）"), max_length=12)
    hours = forms.CharField(label=gettext_lazy("每月服务时长（小时）"), max_length=6, required=False)
    basis = forms.CharField(label=gettext_lazy("依据文件"), max_length=100)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [(k, _(v)) for k, v in rules.ENTITLEMENT_CATEGORIES.items()]
        self.fields["level"].choices = [("", gettext_lazy("不分等级"))] + list(Level.choices)
        _css(self)


class ApproveForm(forms.Form):
    start_month = forms.DateField(label=gettext_lazy("起始月份"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}))
    family_planning = forms.BooleanField(label=gettext_lazy("计划生育特殊家庭（申报）"), required=False,
                                         widget=forms.CheckboxInput(attrs={"class": "form-check-input"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["start_month"].widget.attrs["class"] = "form-control"
