"""Forms of the bodies and compacts pages (parse only)."""

from django import forms
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

from ...people.forms import DATE_INPUT
from ...regions.forms import region_choices
from ...web.forms import BootstrapMixin, OwnIdsMixin
from ..models import BodyKind, Compact
from . import rules


class RegionForm(OwnIdsMixin, BootstrapMixin, forms.Form):
    ID_PREFIX = "filter"   # beside a create form with its own region
    region = forms.ChoiceField(label=_("区域"), required=False)

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        extra = user.scope if not user.is_superuser else None
        self.fields["region"].choices = region_choices(user, ("county", "township"), blank=_("整个管辖范围"), extra=extra)
        self._style()


class BodyForm(BootstrapMixin, forms.Form):
    region = forms.ChoiceField(label=_("社区（村）"), required=False)
    kind = forms.ChoiceField(label=_("组织类别"), required=False)
    name = forms.CharField(label=_("名称"), required=False, max_length=100)
    established_on = forms.DateField(label=_("成立日期"), required=False, widget=DATE_INPUT)
    FIELD_MAP = {"region": "region", "name": "name"}

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = region_choices(user, ("village",), blank=_("请选择"))
        self.fields["kind"].choices = [("", _("请选择"))] + [(k.code, _g(k.name)) for k in BodyKind.objects.all()]
        self._style()


class CompactForm(BootstrapMixin, forms.Form):
    region = forms.ChoiceField(label=_("社区（村）"), required=False)
    kind = forms.ChoiceField(label=_("类别"), required=False, choices=[("", _("请选择"))] + list(Compact.Kind.choices))
    title = forms.CharField(label=_("名称"), required=False, max_length=100)
    FIELD_MAP = {"region": "region", "kind": "kind", "title": "title"}

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = region_choices(user, ("village",), blank=_("请选择"))
        self._style()


class VersionForm(BootstrapMixin, forms.Form):
    text = forms.CharField(label=_("全文"), required=False, widget=forms.Textarea(attrs={"rows": 10}))
    adopted_by = forms.ChoiceField(label=_("通过的会议"), required=False)
    adopted_on = forms.DateField(label=_("通过日期"), required=False, widget=DATE_INPUT)
    FIELD_MAP = {"text": "text", "adopted_by": "adopted_by", "adopted_on": "adopted_on"}

    def __init__(self, kind, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["adopted_by"].choices = [("", _("请选择"))] + [(k, _g(v)) for k, v in rules.MEETINGS[kind].items()]
        self._style()


class ElectionForm(BootstrapMixin, forms.Form):
    """An election of the residents' or villagers' committee; the elected as lines
    ``姓名,职务,得票`` (parsed by :func:`rules.parse_elected`)."""

    held_on = forms.DateField(label=_("选举日期"), required=False, widget=DATE_INPUT)
    method = forms.ChoiceField(label=_("选举方式"), required=False)
    eligible = forms.IntegerField(label=_("登记参加选举人数"), required=False, min_value=0)
    cast = forms.IntegerField(label=_("参加投票人数"), required=False, min_value=0)
    members = forms.CharField(label=_("当选人员（每行：姓名,职务,得票）"), required=False,
                              widget=forms.Textarea(attrs={"rows": 6}))
    FIELD_MAP = {"held_on": "held_on", "method": "method", "eligible": "eligible", "cast": "cast", "members": "members"}

    def __init__(self, kind_code, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["members"].widget.attrs["placeholder"] = _("王建华,主任,820")
        self.fields["method"].choices = [("", _("请选择"))] + [
            (k, _g(v)) for k, v in rules.ELECTION_METHODS.get(kind_code, {}).items()]
        self._style()
