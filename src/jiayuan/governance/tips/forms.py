"""Forms of the tip pages. They parse only; the services check (their messages go
under the fields)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from ...people.forms import DATE_INPUT
from ...regions.forms import region_choices
from ...web.forms import BootstrapMixin
from ..forms import RegionPeriodForm, table_choices
from . import rules


class TipForm(BootstrapMixin, forms.Form):
    region = forms.ChoiceField(label=_("所涉区域"), required=False)
    category = forms.ChoiceField(label=_("线索类别"), required=False)
    content = forms.CharField(label=_("线索内容"), required=False, max_length=rules.CONTENT_MAX,
                              widget=forms.Textarea(attrs={"rows": 6, "autocomplete": "off"}),
                              help_text=_("被举报人、事实、时间地点和证据线索。保存后内容加密，只有县（区）指定承办人可以查看；"
                                          "您此后只能看到办理状态。"))
    anonymous = forms.BooleanField(label=_("举报人匿名"), required=False)
    informant_name = forms.CharField(label=_("举报人姓名"), required=False, max_length=50,
                                     widget=forms.TextInput(attrs={"autocomplete": "off"}))
    informant_contact = forms.CharField(label=_("举报人联系方式"), required=False, max_length=100,
                                        widget=forms.TextInput(attrs={"autocomplete": "off"}))
    collected_on = forms.DateField(label=_("采集日期"), required=False, widget=DATE_INPUT)
    request_key = forms.CharField(required=False, widget=forms.HiddenInput)

    FIELD_MAP = {"region": "region", "category": "category", "content": "content",
                 "informant_name": "informant_name", "collected_on": "collected_on"}

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = region_choices(user, ("township", "village", "grid"), blank=_("请选择"))
        self.fields["category"].choices = table_choices(rules.CATEGORIES, _("请选择"))
        self._style()


class TipActionForm(BootstrapMixin, forms.Form):
    action = forms.ChoiceField(choices=[(a, a) for a in rules.TRANSITIONS], widget=forms.HiddenInput)
    on = forms.DateField(label=_("日期"), required=False, widget=DATE_INPUT)
    recipient = forms.ChoiceField(label=_("移交机关"), required=False)
    outcome = forms.ChoiceField(label=_("办结方式"), required=False)
    note = forms.CharField(label=_("说明（反馈内容或不予移交的理由）"), required=False, max_length=rules.NOTE_MAX,
                           widget=forms.Textarea(attrs={"rows": 3}))

    FIELD_MAP = {"recipient": "recipient", "outcome": "outcome", "note": "note", "on": "on"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["recipient"].choices = table_choices(rules.RECIPIENTS, _("请选择"))
        self.fields["outcome"].choices = table_choices(rules.OUTCOMES, _("请选择"))
        self._style()


CountsForm = RegionPeriodForm


class DesignateForm(BootstrapMixin, forms.Form):
    user = forms.ChoiceField(label=_("县（区）级干部账号"))

    def __init__(self, accounts, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].choices = [("", _("请选择"))] + [
            (str(a.pk), f"{a.full_name or a.username}（{a.username} · {a.scope.name}）") for a in accounts]
        self._style()
