"""Forms of the mediation pages. They parse only; the services check."""

from django import forms
from django.utils.translation import gettext_lazy as _

from ...people.forms import DATE_INPUT
from ...regions.forms import region_choices
from ...web.forms import BootstrapMixin
from ..forms import RegionPeriodForm, table_choices
from ..models import BodyMember
from . import rules

PARTY_ROWS = 4


class OpenForm(BootstrapMixin, forms.Form):
    region = forms.ChoiceField(label=_("社区（村）或网格"), required=False)
    category = forms.ChoiceField(label=_("纠纷类别"), required=False)
    start_mode = forms.ChoiceField(label=_("启动方式"), required=False)
    facts = forms.CharField(label=_("纠纷简要情况"), required=False, max_length=5000,
                            widget=forms.Textarea(attrs={"rows": 4}))
    request = forms.CharField(label=_("当事人的请求"), required=False, max_length=2000,
                              widget=forms.Textarea(attrs={"rows": 2}))
    request_key = forms.CharField(required=False, widget=forms.HiddenInput)

    FIELD_MAP = {"region": "region", "category": "category", "start_mode": "start_mode", "facts": "facts"}

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = region_choices(user, ("village", "grid"), blank=_("请选择"))
        self.fields["category"].choices = table_choices(rules.CATEGORIES, _("请选择"))
        self.fields["start_mode"].choices = table_choices(rules.START_MODES, _("请选择"))
        for i in range(PARTY_ROWS):
            self.fields[f"p{i}_name"] = forms.CharField(label=_("姓名"), required=False, max_length=50)
            self.fields[f"p{i}_role"] = forms.ChoiceField(label=_("身份"), required=False,
                                                          choices=table_choices(rules.PARTY_ROLES),
                                                          initial="applicant" if i == 0 else "respondent")
            self.fields[f"p{i}_stance"] = forms.ChoiceField(label=_("对调解的态度"), required=False,
                                                            choices=table_choices(rules.STANCES),
                                                            initial="applied" if i == 0 else "agreed")
            self.fields[f"p{i}_phone"] = forms.CharField(label=_("联系电话"), required=False, max_length=30)
        self._style()

    def party_rows(self):
        return [[self[f"p{i}_{f}"] for f in ("name", "role", "stance", "phone")] for i in range(PARTY_ROWS)]

    def payload(self) -> dict:
        d = self.cleaned_data
        return {"region": d["region"], "category": d["category"], "start_mode": d["start_mode"], "facts": d["facts"],
                "request": d["request"],
                "parties": [{"name": d[f"p{i}_name"], "role": d[f"p{i}_role"], "stance": d[f"p{i}_stance"],
                             "phone": d[f"p{i}_phone"]} for i in range(PARTY_ROWS) if d[f"p{i}_name"]]}


class AssignForm(BootstrapMixin, forms.Form):
    mediators = forms.MultipleChoiceField(label=_("调解员"), required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(self, members, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mediators"].choices = [(str(m.pk), f"{m.name}（{m.get_role_display()}）") for m in members]
        self._style()


class SessionForm(BootstrapMixin, forms.Form):
    held_on = forms.DateField(label=_("调解日期"), required=False, widget=DATE_INPUT)
    place = forms.CharField(label=_("地点"), required=False, max_length=100)
    attendees = forms.CharField(label=_("参加人员"), required=False, max_length=300)
    record = forms.CharField(label=_("调解情况"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    FIELD_MAP = {"held_on": "held_on", "record": "record"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()


class AgreementForm(BootstrapMixin, forms.Form):
    facts_and_issues = forms.CharField(label=_("纠纷主要事实、争议事项"), required=False,
                                       widget=forms.Textarea(attrs={"rows": 3}))
    terms = forms.CharField(label=_("经调解，自愿达成如下协议"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    performance_manner = forms.CharField(label=_("履行方式"), required=False, max_length=300)
    performance_deadline = forms.DateField(label=_("履行期限"), required=False, widget=DATE_INPUT)
    signed_on = forms.DateField(label=_("签订日期"), required=False, widget=DATE_INPUT)
    FIELD_MAP = {k: k for k in ("facts_and_issues", "terms", "performance_manner", "performance_deadline",
                                "signed_on")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()


class FollowUpForm(BootstrapMixin, forms.Form):
    visited_on = forms.DateField(label=_("回访日期"), required=False, widget=DATE_INPUT)
    performance = forms.ChoiceField(label=_("履行情况"), required=False)
    note = forms.CharField(label=_("回访情况"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    close = forms.BooleanField(label=_("未履行，结案（已告知当事人可申请司法确认或起诉）"), required=False)
    FIELD_MAP = {"visited_on": "visited_on", "performance": "performance", "note": "note"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["performance"].choices = table_choices(rules.PERFORMANCE, _("请选择"))
        self._style()


class PoliceForm(BootstrapMixin, forms.Form):
    department = forms.ChoiceField(label=_("公安机关（派出所）"), required=False)
    risk = forms.CharField(label=_("可能激化的风险情况"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    FIELD_MAP = {"department": "department", "risk": "risk"}

    def __init__(self, departments, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].choices = [("", _("请选择"))] + [(str(d.pk), d.name) for d in departments]
        self._style()


ResultsForm = RegionPeriodForm


class CommitteeForm(BootstrapMixin, forms.Form):
    region = forms.ChoiceField(label=_("社区（村）"), required=False)
    name = forms.CharField(label=_("名称"), required=False, max_length=100)
    established_on = forms.DateField(label=_("成立日期"), required=False, widget=DATE_INPUT)
    FIELD_MAP = {"region": "region", "name": "name"}

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = region_choices(user, ("village",), blank=_("请选择"))
        self._style()


class MemberForm(BootstrapMixin, forms.Form):
    name = forms.CharField(label=_("姓名"), required=False, max_length=50)
    role = forms.ChoiceField(label=_("职务"), required=False, choices=BodyMember.Role.choices)
    phone = forms.CharField(label=_("联系电话"), required=False, max_length=30)
    user = forms.ChoiceField(label=_("平台账号（可不选）"), required=False)
    term_start = forms.DateField(label=_("任期起"), required=False, widget=DATE_INPUT)
    term_end = forms.DateField(label=_("任期止"), required=False, widget=DATE_INPUT)
    FIELD_MAP = {"name": "name", "role": "role", "user": "user", "phone": "phone", "term_start": "term_start",
                 "term_end": "term_end"}

    def __init__(self, accounts, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].choices = [("", _("无"))] + [(str(a.pk), f"{a.full_name or a.username}") for a in accounts]
        self._style()
