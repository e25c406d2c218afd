"""Forms of the access-request pages (parse only)."""

from django import forms
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

from ...people.forms import DATE_INPUT
from ...regions.forms import region_choices
from ...servicecenter.models import AccessListItem, CommunityTask
from ...web.forms import BootstrapMixin


class RequestForm(BootstrapMixin, forms.Form):
    community = forms.ChoiceField(label=_("社区（村）"), required=False)
    kind = forms.ChoiceField(label=_("形式"), required=False)
    title = forms.CharField(label=_("事项名称"), required=False, max_length=200)
    occurs_on = forms.DateField(label=_("日期"), required=False, widget=DATE_INPUT)
    access_item = forms.ChoiceField(label=_("准入清单事项"), required=False,
                                    help_text=_("清单内的事项直接交办；负面清单事项一律拒绝；不在清单内的，须经街道审批。"))
    note = forms.CharField(label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    FIELD_MAP = {"community": "community", "kind": "kind", "title": "title", "access_item": "access_item",
                 "occurs_on": "occurs_on"}

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].choices = region_choices(user, ("village",), blank=_("请选择"))
        self.fields["kind"].choices = [("", _("请选择"))] + list(CommunityTask.Kind.choices)
        groups = []
        for value, label in AccessListItem.Category.choices:
            items = [(i.code, _g(i.name)) for i in AccessListItem.objects.filter(active=True, category=value)]
            if items:
                groups.append((label, items))
        self.fields["access_item"].choices = [("", _("不在清单内（报街道审批）"))] + groups
        self._style()


class DecisionForm(BootstrapMixin, forms.Form):
    note = forms.CharField(label=_("理由"), required=False, max_length=300,
                           widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()


class BurdenForm(BootstrapMixin, forms.Form):
    region = forms.ChoiceField(label=_("区域"), required=False)
    month = forms.CharField(label=_("截止月份"), required=False, max_length=7,
                            widget=forms.TextInput(attrs={"type": "month"}))

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        extra = user.scope if not user.is_superuser else None
        self.fields["region"].choices = region_choices(user, ("county", "township", "village"),
                                                       blank=_("整个管辖范围"), extra=extra)
        self._style()
