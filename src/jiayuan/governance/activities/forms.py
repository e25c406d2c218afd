"""Forms of the activities and volunteers pages (parse only)."""

from django import forms
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

from ...people.forms import DATE_INPUT
from ...regions.forms import region_choices
from ...web.forms import BootstrapMixin
from ..models import Activity, ServiceRecord


class ActivityForm(BootstrapMixin, forms.Form):
    region = forms.ChoiceField(label=_("社区（村）"), required=False)
    kind = forms.ChoiceField(label=_("活动类别"), required=False)
    title = forms.CharField(label=_("活动名称"), required=False, max_length=100)
    held_on = forms.DateField(label=_("活动日期"), required=False, widget=DATE_INPUT)
    facility = forms.ChoiceField(label=_("活动场所（设施）"), required=False)
    place = forms.CharField(label=_("活动地点"), required=False, max_length=100)
    organizer_kind = forms.ChoiceField(label=_("主办方类别"), required=False, choices=Activity.Organizer.choices)
    organizer_name = forms.CharField(label=_("主办方"), required=False, max_length=100)
    speakers = forms.CharField(label=_("主讲人"), required=False, max_length=200)
    participant_count = forms.IntegerField(label=_("参加人数"), required=False, min_value=0)
    FIELD_MAP = {k: k for k in ("region", "kind", "title", "held_on", "facility", "place", "organizer_kind",
                                "organizer_name", "speakers", "participant_count")}

    def __init__(self, user, kinds, facilities, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = region_choices(user, ("village",), blank=_("请选择"))
        self.fields["kind"].choices = [("", _("请选择"))] + [(k.code, _g(k.name)) for k in kinds]
        self.fields["facility"].choices = [("", _("无（填写活动地点）"))] + [
            (str(f.pk), f"{f.name}（{f.region.name}）") for f in facilities]
        self._style()


class ServiceForm(BootstrapMixin, forms.Form):
    """One service of a volunteer (the volunteer chosen on the activity's page)."""

    volunteer = forms.ChoiceField(label=_("志愿者"), required=False)
    served_on = forms.DateField(label=_("服务日期"), required=False, widget=DATE_INPUT)
    content = forms.CharField(label=_("服务内容"), required=False, max_length=200)
    hours = forms.CharField(label=_("服务时长（小时）"), required=False, max_length=6)
    evaluation = forms.ChoiceField(label=_("服务评价"), required=False,
                                   choices=[("", _("请选择"))] + list(ServiceRecord.Evaluation.choices))
    FIELD_MAP = {k: k for k in ("volunteer", "served_on", "content", "hours", "evaluation")}

    def __init__(self, volunteers=None, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if volunteers is None:
            del self.fields["volunteer"]
        else:
            self.fields["volunteer"].choices = [("", _("请选择"))] + [
                (str(v.pk), f"{v.person.name}（{v.team.name}）") for v in volunteers]
        self._style()


class TeamForm(BootstrapMixin, forms.Form):
    region = forms.ChoiceField(label=_("所在区域"), required=False)
    name = forms.CharField(label=_("队伍名称"), required=False, max_length=100)
    FIELD_MAP = {"region": "region", "name": "name"}

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = region_choices(user, ("township", "village"), blank=_("请选择"))
        self._style()


class RegisterForm(BootstrapMixin, forms.Form):
    team = forms.ChoiceField(label=_("志愿服务队"), required=False)
    id_number = forms.CharField(label=_("身份证号码（实名注册）"), required=False, max_length=18)
    registered_on = forms.DateField(label=_("注册日期"), required=False, widget=DATE_INPUT)
    skills = forms.CharField(label=_("服务特长"), required=False, max_length=100)
    FIELD_MAP = {"team": "team", "id_number": "id_number", "registered_on": "registered_on", "skills": "skills"}

    def __init__(self, teams, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].choices = [("", _("请选择"))] + [(str(t.pk), t.name) for t in teams]
        self._style()
