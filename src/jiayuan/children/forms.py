"""Forms of the children's pages (parsing only; rules live in services)."""

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ..web.forms import OwnIdsMixin
from . import rules, selectors
from .models import ChildFile, DutyKind

DATE = forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d")
TEXT = {"class": "form-control"}


def grade_choices():
    return [(g["code"], gettext(g["name"])) for g in selectors.risk_grades()]


class FileFilterForm(forms.Form):
    q = forms.CharField(required=False, widget=forms.TextInput(attrs={**TEXT, "placeholder": _("姓名")}))
    category = forms.ChoiceField(required=False, widget=forms.Select(attrs={"class": "form-select"}))
    risk = forms.ChoiceField(required=False, widget=forms.Select(attrs={"class": "form-select"}))
    overdue = forms.BooleanField(required=False, label=_("仅看探访逾期"))
    flagged = forms.BooleanField(required=False, label=_("仅看待复核"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", _("全部类别"))] + [
            (c, gettext(n)) for c, n in rules.CATEGORIES.items()]
        self.fields["risk"].choices = [("", _("全部风险等级"))] + grade_choices()

    def filters(self) -> selectors.FileFilters:
        d = self.cleaned_data if self.is_valid() else {}
        return selectors.FileFilters(q=d.get("q", ""), category=d.get("category", ""), risk=d.get("risk", ""),
                                     overdue=bool(d.get("overdue")), flagged=bool(d.get("flagged")))


ABILITY = [("", "—")] + list(ChildFile.Ability.choices)


class FileForm(forms.Form):
    """Facts entered on the file (guardian, caregiver, school, health, needs)."""

    guardian_name = forms.CharField(label=_("监护人"), required=False, max_length=50, widget=forms.TextInput(attrs=TEXT))
    guardian_relation = forms.CharField(label=_("监护人与儿童关系"), required=False, max_length=20,
                                        widget=forms.TextInput(attrs=TEXT))
    guardian_phone = forms.CharField(label=_("监护人电话"), required=False, max_length=30,
                                     widget=forms.TextInput(attrs={**TEXT, "inputmode": "tel"}))
    guardian_ability = forms.ChoiceField(label=_("监护人照护能力"), required=False, choices=ABILITY,
                                         widget=forms.Select(attrs={"class": "form-select"}))
    caregiver_name = forms.CharField(label=_("委托照护人"), required=False, max_length=50,
                                     widget=forms.TextInput(attrs=TEXT))
    caregiver_relation = forms.CharField(label=_("委托照护人与儿童关系"), required=False, max_length=20,
                                         widget=forms.TextInput(attrs=TEXT))
    caregiver_phone = forms.CharField(label=_("委托照护人电话"), required=False, max_length=30,
                                      widget=forms.TextInput(attrs={**TEXT, "inputmode": "tel"}))
    caregiver_ability = forms.ChoiceField(label=_("委托照护人照护能力"), required=False, choices=ABILITY,
                                          widget=forms.Select(attrs={"class": "form-select"}))
    school = forms.CharField(label=_("就读学校"), required=False, max_length=100, widget=forms.TextInput(attrs=TEXT))
    school_grade = forms.CharField(label=_("年级"), required=False, max_length=20, widget=forms.TextInput(attrs=TEXT))
    health = forms.CharField(label=_("健康状况"), required=False, max_length=200, widget=forms.TextInput(attrs=TEXT))
    own_illness = forms.BooleanField(label=_("本人患重病"), required=False)
    guardianship_problem = forms.BooleanField(label=_("监护缺失或监护不当（遭受虐待、遗弃、意外伤害、不法侵害等）"), required=False)
    needs = forms.CharField(label=_("需求"), required=False, widget=forms.Textarea(attrs={**TEXT, "rows": 3}))
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)


class ParentForm(forms.Form):
    person = forms.IntegerField(label=_("居民档案编号"), required=False, widget=forms.HiddenInput)
    name = forms.CharField(label=_("姓名"), required=False, max_length=50, widget=forms.TextInput(attrs=TEXT))
    phone = forms.CharField(label=_("联系电话"), required=False, max_length=30,
                            widget=forms.TextInput(attrs={**TEXT, "inputmode": "tel"}))
    working_away = forms.BooleanField(label=_("外出务工"), required=False)
    away_place = forms.CharField(label=_("务工地点"), required=False, max_length=100, widget=forms.TextInput(attrs=TEXT))
    away_since = forms.DateField(label=_("外出时间"), required=False, widget=DATE)
    severely_disabled = forms.BooleanField(label=_("重残（未在本系统登记残疾人证）"), required=False)
    seriously_ill = forms.BooleanField(label=_("重病"), required=False)
    imprisoned = forms.BooleanField(label=_("服刑在押或被限制人身自由（6个月以上）"), required=False)
    drug_rehab = forms.BooleanField(label=_("强制隔离戒毒（6个月以上）"), required=False)
    missing = forms.BooleanField(label=_("人民法院宣告失踪"), required=False)
    lost_contact_since = forms.DateField(label=_("失联起始日期"), required=False, widget=DATE)
    deceased = forms.BooleanField(label=_("死亡（未在本系统登记）"), required=False)
    note = forms.CharField(label=_("备注"), required=False, max_length=200, widget=forms.TextInput(attrs=TEXT))
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)


class VisitForm(forms.Form):
    visited_on = forms.DateField(label=_("探访日期"), widget=DATE)
    place = forms.CharField(label=_("探访地点"), max_length=100, widget=forms.TextInput(attrs=TEXT))
    face_to_face = forms.BooleanField(label=_("当面探访"), required=False, initial=True)
    findings = forms.CharField(label=_("探访情况"), widget=forms.Textarea(attrs={**TEXT, "rows": 4}))
    risk = forms.ChoiceField(label=_("评定风险等级"), widget=forms.RadioSelect)
    reason = forms.CharField(label=_("评定理由"), required=False, max_length=200, widget=forms.TextInput(attrs=TEXT))

    FIELD_MAP = {}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["risk"].choices = grade_choices()


class RegradeForm(forms.Form):
    risk = forms.ChoiceField(label=_("风险等级"), widget=forms.Select(attrs={"class": "form-select"}))
    reason = forms.CharField(label=_("理由"), max_length=200,
                             widget=forms.TextInput(attrs={**TEXT, "placeholder": _("调整理由")}))
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["risk"].choices = grade_choices()


class TeamForm(forms.Form):
    slot = forms.ChoiceField(label=_("角色"), widget=forms.Select(attrs={"class": "form-select"}))
    user = forms.IntegerField(label=_("账号编号"), required=False, widget=forms.HiddenInput)
    username = forms.CharField(label=_("账号（用户名）"), required=False, max_length=150,
                               widget=forms.TextInput(attrs={**TEXT, "placeholder": _("账号（用户名）")}))
    name = forms.CharField(label=_("姓名（无账号时）"), required=False, max_length=50,
                           widget=forms.TextInput(attrs={**TEXT, "placeholder": _("姓名（无账号时）")}))
    phone = forms.CharField(label=_("联系电话"), required=False, max_length=30,
                            widget=forms.TextInput(attrs={**TEXT, "placeholder": _("联系电话")}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["slot"].choices = [(s["code"], gettext(s["name"])) for s in selectors.care_slots()]


class DutyForm(forms.Form):
    kind = forms.ChoiceField(label=_("职责"), choices=DutyKind.choices,
                             widget=forms.Select(attrs={"class": "form-select"}))
    region = forms.CharField(label=_("区划代码"), max_length=12, widget=forms.TextInput(attrs=TEXT))
    username = forms.CharField(label=_("账号（用户名）"), max_length=150, widget=forms.TextInput(attrs=TEXT))
    phone = forms.CharField(label=_("联系电话"), required=False, max_length=30, widget=forms.TextInput(attrs=TEXT))
    started_on = forms.DateField(label=_("任职日期"), widget=DATE)


class HomeForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=100, widget=forms.TextInput(attrs=TEXT))
    region = forms.ChoiceField(label=_("所在村、社区或乡镇"), widget=forms.Select(attrs={"class": "form-select"}))
    operator = forms.TypedChoiceField(label=_("运营机构"), required=False, coerce=int, empty_value=None,
                                      widget=forms.Select(attrs={"class": "form-select"}))
    address = forms.CharField(label=_("地址"), required=False, max_length=200, widget=forms.TextInput(attrs=TEXT))
    capacity = forms.IntegerField(label=_("可容纳人数"), min_value=1, max_value=10_000,
                                  widget=forms.NumberInput(attrs=TEXT))
    services = forms.MultipleChoiceField(label=_("服务内容"), required=False, widget=forms.CheckboxSelectMultiple)
    opened_on = forms.DateField(label=_("启用日期"), widget=DATE)

    def __init__(self, *args, user=None, **kwargs):
        """``user``: whose regions (townships, villages and communities of the scope) and
        whose county's active organizations (:func:`organizations.selectors.operators_for`)
        the two dropdowns offer; the service checks the choice again."""
        from ..organizations.selectors import operators_for
        from ..regions.forms import region_choices
        from .models import HOME_SERVICES

        super().__init__(*args, **kwargs)
        self.fields["services"].choices = list(HOME_SERVICES.items())
        if user is not None:
            self.fields["region"].choices = region_choices(user, levels=("township", "village"), blank="—")
            self.fields["operator"].choices = [("", gettext("无（村、社区自办）"))] + [
                (str(o.pk), o.name) for o in operators_for(user)[:500]]


class ReferralForm(OwnIdsMixin, forms.Form):
    """A referral (转介) of the child to a body (the case type's agencies)."""

    ID_PREFIX = "referral"

    agency = forms.ChoiceField(label=_("转介单位"), widget=forms.Select(attrs={"class": "form-select"}))
    agency_name = forms.CharField(label=_("单位名称"), required=False, max_length=100,
                                  widget=forms.TextInput(attrs={**TEXT, "placeholder": _("单位名称（可不填）")}))
    reason = forms.CharField(label=_("转介事由"), max_length=2000,
                             widget=forms.Textarea(attrs={**TEXT, "rows": 2, "placeholder": _("转介事由")}))
    request_key = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        from .case_types import AGENCIES

        super().__init__(*args, **kwargs)
        self.fields["agency"].choices = [(c, gettext(n)) for c, n in AGENCIES]


class CloseForm(OwnIdsMixin, forms.Form):
    ID_PREFIX = "close"
    reason = forms.ChoiceField(label=_("销档原因"), widget=forms.Select(attrs={"class": "form-select"}))
    note = forms.CharField(label=_("说明"), required=False, max_length=200,
                           widget=forms.TextInput(attrs={**TEXT, "placeholder": _("说明")}))
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].choices = [(c, gettext(n)) for c, n in rules.CLOSE_REASONS.items()]


class ReopenForm(OwnIdsMixin, forms.Form):
    ID_PREFIX = "reopen"
    note = forms.CharField(label=_("恢复原因"), max_length=200,
                           widget=forms.TextInput(attrs={**TEXT, "placeholder": _("恢复原因")}))
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)


ALLOWANCE_NAMES = {"orphan_allowance": _("孤儿基本生活费"),
                   "de_facto_unsupported_allowance": _("事实无人抚养儿童基本生活补贴")}
MONTH = forms.TextInput(attrs={"type": "month", "class": "form-control", "placeholder": "YYYY-MM"})


class AllowanceForm(forms.Form):
    """Enrol the child in a children's allowance (the enrollment service checks every
    value and names the field it refuses)."""

    program = forms.ChoiceField(label=_("补贴项目"), choices=list(ALLOWANCE_NAMES.items()),
                                widget=forms.Select(attrs={"class": "form-select"}))
    start_month = forms.CharField(label=_("起始月份"), max_length=10, widget=MONTH)
    care_setting = forms.ChoiceField(label=_("养育方式（孤儿基本生活费）"), required=False,
                                     choices=[("", "—"), ("home", _("社会散居")), ("institution", _("机构集中养育"))],
                                     widget=forms.Select(attrs={"class": "form-select"}))
    assistance_amount = forms.DecimalField(label=_("该儿童同时享受的低保金或特困供养金（按人，每月，元；没有不填）"),
                                           required=False, min_value=0, max_digits=10, decimal_places=2,
                                           widget=forms.NumberInput(attrs={**TEXT, "step": "0.01"}))
    payee_account = forms.CharField(label=_("收款账号（可不填）"), required=False, max_length=30,
                                    widget=forms.TextInput(attrs={**TEXT, "inputmode": "numeric"}))
    reason = forms.CharField(label=_("说明"), required=False, max_length=500, widget=forms.TextInput(attrs=TEXT))

    def inputs(self) -> dict:
        d = self.cleaned_data
        out = {}
        if d["program"] == "orphan_allowance" and d.get("care_setting"):
            out["care_setting"] = d["care_setting"]
        if d.get("assistance_amount") is not None:
            out["assistance_amount"] = str(d["assistance_amount"])
        return out


class AllowanceStopForm(forms.Form):
    """Stop an enrollment with the reason (the written notice's) and the last month paid."""

    enrollment = forms.IntegerField(widget=forms.HiddenInput)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)
    reason = forms.CharField(label=_("停发理由"), max_length=500,
                             widget=forms.TextInput(attrs={**TEXT, "placeholder": _("停发理由")}))
    end_month = forms.CharField(label=_("最后发放月份"), required=False, max_length=10, widget=MONTH)
