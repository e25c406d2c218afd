"""Forms of the 一表通 pages. They parse only; the services check (their messages go
under the fields)."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jiayuan.people.forms import DATE_INPUT
from jiayuan.web.forms import BootstrapMixin

from ..definitions import UNITS
from ..models import DataElement, ReportForm, ReportFormItem
from .sources import REGISTRY_SOURCES

ITEM_ROWS = 10  # rows offered when a form is built (an empty row is skipped)


class ElementForm(BootstrapMixin, forms.Form):
    code = forms.CharField(label=_("数据元编码"), max_length=64, required=False,
                           help_text=_("字母、数字、点和下划线"))
    name = forms.CharField(label=_("名称"), max_length=100, required=False)
    definition = forms.CharField(label=_("定义"), max_length=500, required=False,
                                 widget=forms.Textarea(attrs={"rows": 3}))
    owner_department = forms.CharField(label=_("责任部门"), max_length=100, required=False)
    source_kind = forms.ChoiceField(label=_("数据来源"), choices=DataElement.Source.choices, required=False)
    source = forms.ChoiceField(label=_("平台来源（平台指标或基础台账）"), required=False)
    unit = forms.ChoiceField(label=_("计量单位"), required=False)
    frequency = forms.ChoiceField(label=_("更新频率"), choices=DataElement.Frequency.choices, required=False)

    def __init__(self, *args, **kwargs):
        from .. import registry

        super().__init__(*args, **kwargs)
        self.fields["source"].choices = (
            [("", _("（基层填报：无）"))]
            + [(d.code, _(d.name)) for d in registry.definitions()]
            + [(k, _(label)) for k, (label, _fn) in REGISTRY_SOURCES.items()])
        self.fields["unit"].choices = [(k, _(v)) for k, v in UNITS.items()]
        self._style()


class ReportFormForm(BootstrapMixin, forms.Form):
    """A new form: code, title, purpose, units, and up to ITEM_ROWS rows
    (``element_<k>``, ``aggregation_<k>``)."""

    code = forms.CharField(label=_("表号"), max_length=32, required=False)
    title = forms.CharField(label=_("表名"), max_length=100, required=False)
    purpose = forms.CharField(label=_("用途说明"), max_length=200, required=False)
    units = forms.ChoiceField(label=_("填报单位"), choices=ReportForm.Units.choices, required=False)

    def __init__(self, elements, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", _("（空）"))] + [(e.code, e.name) for e in elements]
        for k in range(1, ITEM_ROWS + 1):
            self.fields[f"element_{k}"] = forms.ChoiceField(label=_("第 %(k)s 项") % {"k": k}, choices=choices,
                                                            required=False)
            self.fields[f"aggregation_{k}"] = forms.ChoiceField(label=_("汇总方式"),
                                                                choices=ReportFormItem.Aggregation.choices,
                                                                required=False)
        self._style()

    def item_rows(self):
        return [(self[f"element_{k}"], self[f"aggregation_{k}"]) for k in range(1, ITEM_ROWS + 1)]

    def items(self) -> list[tuple[str, str]]:
        d = self.cleaned_data
        return [(d.get(f"element_{k}") or "", d.get(f"aggregation_{k}") or "sum") for k in range(1, ITEM_ROWS + 1)
                if d.get(f"element_{k}")]


class TaskForm(BootstrapMixin, forms.Form):
    form = forms.ChoiceField(label=_("报表（已审定）"), required=False)
    period = forms.CharField(label=_("统计期"), max_length=8, required=False,
                             help_text=_("2026（年）、2026H1（半年）、2026Q2（季度）或 2026-06（月）"))
    deadline = forms.DateField(label=_("截止日期"), required=False, widget=DATE_INPUT)
    note = forms.CharField(label=_("填报说明"), max_length=200, required=False)

    def __init__(self, forms_qs, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["form"].choices = [("", _("请选择"))] + [(str(f.pk), str(f)) for f in forms_qs]
        if not self.is_bound:
            self.initial.setdefault("period", str(timezone.localdate().year))
        self._style()


class ValueForm(forms.Form):
    element = forms.CharField(max_length=64)
    value = forms.CharField(max_length=30, required=False)
