"""Forms of the disability-certificate pages. They parse only; the services check (their
messages go under the fields)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from ..people.forms import DATE_INPUT
from ..regions.forms import region_choices
from ..web.forms import BootstrapMixin, OwnIdsMixin
from .models import DisabilityCertificate, DisabilityGrade, DisabilityType
from .selectors import CertificateFilters

Status = DisabilityCertificate.Status


class CertificateFilterForm(BootstrapMixin, forms.Form):
    """Filters of the list page (GET)."""

    q = forms.CharField(label=_("持证人姓名"), required=False, max_length=30, widget=forms.TextInput(attrs={
        "type": "search", "placeholder": _("持证人姓名"), "autocomplete": "off"}))
    type = forms.TypedChoiceField(label=_("残疾类别"), required=False, coerce=int, empty_value=None,
                                  choices=[("", _("全部类别"))] + list(DisabilityType.choices))
    grade = forms.TypedChoiceField(label=_("残疾等级"), required=False, coerce=int, empty_value=None,
                                   choices=[("", _("全部等级"))] + list(DisabilityGrade.choices))
    care_need = forms.ChoiceField(label=_("长期照护需求"), required=False, choices=[
        ("", _("照护需求不限")), ("yes", _("有长期照护需求")), ("no", _("无长期照护需求"))])
    status = forms.ChoiceField(label=_("状态"), required=False, choices=[
        ("", _("有效")), ("replaced", _("已换证")), ("revoked", _("已注销")), ("all", _("全部状态"))])
    region = forms.ChoiceField(label=_("区域"), required=False)
    person = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, user, *args, region=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = region_choices(user, ("township", "village", "grid"), blank=_("全部区域"),
                                                       extra=region)
        self._style()

    def filters(self) -> CertificateFilters:
        """CertificateFilters from the valid fields (invalid ones are ignored)."""
        d = {k: v for k, v in self.cleaned_data.items() if k not in self.errors} if self.is_bound else {}
        status = d.get("status") or Status.VALID
        care = {"yes": True, "no": False}.get(d.get("care_need") or "")
        return CertificateFilters(disability_type=d.get("type"), grade=d.get("grade"), region=d.get("region") or "",
                                  care_need=care, status="" if status == "all" else status,
                                  person=d.get("person"), q=(d.get("q") or "").strip())


class CertificateForm(BootstrapMixin, forms.Form):
    number = forms.CharField(label=_("残疾人证号"), required=False, max_length=60, widget=forms.TextInput(attrs={
        "autocomplete": "off", "inputmode": "text", "class": "mono", "placeholder": _("20位：身份证号18位 + 类别 + 等级")}),
        help_text=_("第二代残疾人证号 = 持证人的18位公民身份号码 + 1位残疾类别（1视力 2听力 3言语 4肢体 5智力 6精神 7多重）"
                    " + 1位残疾等级（1一级 … 4四级）。类别和等级由证号得出。"))
    issued_on = forms.DateField(label=_("发证日期"), required=False, widget=DATE_INPUT)
    valid_until = forms.DateField(label=_("有效期至（可不填）"), required=False, widget=DATE_INPUT)
    long_term_care_need = forms.BooleanField(label=_("有长期照护需求（6个月以上）"), required=False)
    note = forms.CharField(label=_("备注"), required=False, max_length=200)
    replaces = forms.IntegerField(required=False, widget=forms.HiddenInput)
    replaces_version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()

    FIELD_MAP = {"number": "number", "issued_on": "issued_on", "valid_until": "valid_until", "note": "note",
                 "long_term_care_need": "long_term_care_need"}


class RevokeForm(OwnIdsMixin, BootstrapMixin, forms.Form):
    ID_PREFIX = "revoke"
    reason = forms.CharField(label=_("注销原因"), required=False, max_length=200)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()


class CareNeedForm(BootstrapMixin, forms.Form):
    long_term_care_need = forms.TypedChoiceField(label=_("长期照护需求（6个月以上）"), required=False,
                                                 coerce=lambda v: v == "yes", empty_value=None,
                                                 choices=[("yes", _("有")), ("no", _("无"))])
    note = forms.CharField(label=_("说明（如评估依据，可不填）"), required=False, max_length=200)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()
