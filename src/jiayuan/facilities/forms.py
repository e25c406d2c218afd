"""Forms of the facility and fund pages. They parse only; the services check (their
messages go under the fields)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from ..people.forms import DATE_INPUT
from ..regions.forms import region_choices
from ..web.forms import BootstrapMixin
from .models import FacilityFunction, FundCategory, ServiceFacility


class FacilityFilterForm(BootstrapMixin, forms.Form):
    q = forms.CharField(label=_("设施名称"), required=False, max_length=50, widget=forms.TextInput(attrs={
        "type": "search", "placeholder": _("设施名称"), "autocomplete": "off"}))
    region = forms.ChoiceField(label=_("区域"), required=False)
    function = forms.ChoiceField(label=_("功能"), required=False,
                                 choices=[("", _("全部功能"))] + list(FacilityFunction.choices))
    status = forms.ChoiceField(label=_("状态"), required=False, choices=[
        ("", _("使用中")), ("closed", _("已停用")), ("all", _("全部状态"))])

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = region_choices(user, ("township", "village"), blank=_("全部区域"))
        self._style()


class FacilityForm(BootstrapMixin, forms.Form):
    name = forms.CharField(label=_("设施名称"), max_length=100, required=False)
    region = forms.ChoiceField(label=_("所属社区（村）"), required=False)
    address = forms.CharField(label=_("地址"), max_length=200, required=False)
    floor_area = forms.CharField(label=_("建筑面积（平方米）"), max_length=20, required=False,
                                 widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    opening_hours = forms.CharField(label=_("开放时间"), max_length=100, required=False,
                                    widget=forms.TextInput(attrs={"placeholder": _("例如：周一至周日 8:30—18:00")}))
    opened_on = forms.DateField(label=_("投入使用日期（可不填）"), required=False, widget=DATE_INPUT)
    status = forms.ChoiceField(label=_("状态"), choices=ServiceFacility.Status.choices, required=False)
    note = forms.CharField(label=_("备注"), max_length=200, required=False)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = region_choices(user, ("village",), blank="")
        self._style()


class RoomForm(BootstrapMixin, forms.Form):
    name = forms.CharField(label=_("功能室名称"), max_length=100, required=False)
    function = forms.ChoiceField(label=_("功能"), required=False, choices=[("", "—")] + list(FacilityFunction.choices))
    floor_area = forms.CharField(label=_("面积（平方米）"), max_length=20, required=False,
                                 widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    opening_hours = forms.CharField(label=_("开放时间（可不填）"), max_length=100, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()


class StandardForm(BootstrapMixin, forms.Form):
    county = forms.CharField(widget=forms.HiddenInput, required=False)
    year = forms.IntegerField(widget=forms.HiddenInput, required=False)
    minimum = forms.CharField(label=_("标准下限（元）"), max_length=20, required=False,
                              widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    maximum = forms.CharField(label=_("标准上限（元）"), max_length=20, required=False,
                              widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    basis = forms.CharField(label=_("依据（文号）"), max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()


class BudgetForm(BootstrapMixin, forms.Form):
    community = forms.CharField(widget=forms.HiddenInput, required=False)
    year = forms.IntegerField(widget=forms.HiddenInput, required=False)
    amount = forms.CharField(label=_("预算安排（元）"), max_length=20, required=False,
                             widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    note = forms.CharField(label=_("备注"), max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()


class EntryForm(BootstrapMixin, forms.Form):
    kind = forms.ChoiceField(label=_("类型"), required=False)
    category = forms.ChoiceField(label=_("类别"), required=False, choices=[("", "—")] + list(FundCategory.choices))
    amount = forms.CharField(label=_("金额（元）"), max_length=20, required=False,
                             widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    on = forms.DateField(label=_("日期"), required=False, widget=DATE_INPUT)
    note = forms.CharField(label=_("摘要"), max_length=200, required=False)

    def __init__(self, kinds, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = kinds
        self._style()
