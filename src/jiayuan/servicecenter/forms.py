"""Forms of the service-center desk: intake of a service request, issuing a
certificate, the director's decision on a kind on neither list, the public status
lookup. They parse only; the services check (and their messages go under the fields)."""

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ..cases.forms import OpenChoiceField, PhotosField, TokenMixin
from ..regions.forms import region_choices
from ..web.forms import BootstrapMixin


class IntakeForm(BootstrapMixin, TokenMixin):
    item = OpenChoiceField(label=_("服务事项"), required=False)
    description = forms.CharField(label=_("申请事由 / 说明"), required=False, max_length=5000,
                                  widget=forms.Textarea(attrs={"rows": 3}))
    contact_phone = forms.CharField(label=_("联系电话"), required=False, max_length=40, widget=forms.TextInput(
        attrs={"inputmode": "tel", "autocomplete": "off"}),
        help_text=_("留空则用居民档案中的电话；居民凭编号和手机号后四位查询进度。"))
    person = forms.CharField(required=False, widget=forms.HiddenInput)  # carries the intake's errors
    materials = forms.CharField(required=False, widget=forms.HiddenInput)  # ditto (checkboxes send a list)
    photos = PhotosField(required=False, label=_("材料扫描件或照片"))

    def __init__(self, groups, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].choices = [("", _("请选择服务事项"))] + [
            (area, [(i.code, gettext(i.name)) for i in items]) for area, items in groups]
        self._style()

    FIELD_MAP = {"item": "item", "person": "person", "materials": "materials", "description": "description",
                 "contact_phone": "contact_phone", "attachments": "photos", "file": "photos"}


class CertificateForm(BootstrapMixin, TokenMixin):
    kind = forms.CharField(label=_("证明名称"), required=False, max_length=100, widget=forms.TextInput(
        attrs={"list": "seal-kinds", "autocomplete": "off", "placeholder": _("如：居（租）住证明")}))
    purpose = forms.CharField(label=_("用途"), required=False, max_length=200, widget=forms.TextInput(
        attrs={"placeholder": _("如：办理子女入学")}))
    person = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()

    FIELD_MAP = {"kind": "kind", "purpose": "purpose", "person": "person"}


class DecisionForm(BootstrapMixin, forms.Form):
    community = OpenChoiceField(label=_("社区（村）"), required=False)
    kind_name = forms.CharField(label=_("证明名称"), required=False, max_length=100)
    allowed = forms.ChoiceField(label=_("决定"), required=False, widget=forms.RadioSelect, choices=[
        ("yes", _("同意出具")), ("no", _("不予出具"))])
    legal_basis = forms.CharField(label=_("法律法规依据（同意时必填）"), required=False, max_length=300)
    reason = forms.CharField(label=_("理由（不予出具时必填）"), required=False, max_length=300)
    template = forms.CharField(label=_("证明模板（可选）"), required=False, widget=forms.Textarea(attrs={"rows": 4}),
                               help_text=_("可用占位符：${name} ${sex} ${birth_date} ${id_number} ${address} "
                                           "${purpose} ${community} ${date}；留空用通用模板。"))

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].choices = region_choices(user, ("village",), blank=_("请选择"))
        self._style()


class RevokeForm(BootstrapMixin, forms.Form):
    reason = forms.CharField(label=_("作废原因"), required=False, max_length=300)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()


class StatusLookupForm(BootstrapMixin, forms.Form):
    number = forms.CharField(label=_("受理编号"), required=False, max_length=40, widget=forms.TextInput(
        attrs={"inputmode": "numeric", "autocomplete": "off", "placeholder": "620702001001-20251009-0007"}))
    phone_tail = forms.CharField(label=_("手机号后四位"), required=False, max_length=4, widget=forms.TextInput(
        attrs={"inputmode": "numeric", "autocomplete": "off", "maxlength": 4}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()
