"""Forms of the workforce pages: they parse only; the services check."""

from django import forms
from django.utils.translation import gettext_lazy as _

from ..people.forms import DATE_INPUT
from ..regions.forms import region_choices
from ..web.forms import BootstrapMixin
from .models import Level, Post, Subject, TrainingSession


class _Styled(BootstrapMixin, forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()


class WorkerFilterForm(_Styled):
    q = forms.CharField(label=_("姓名"), required=False, max_length=30, widget=forms.TextInput(attrs={
        "type": "search", "placeholder": _("姓名"), "autocomplete": "off"}))
    region = forms.ChoiceField(label=_("区域"), required=False)
    post = forms.ChoiceField(label=_("岗位"), required=False, choices=[("", _("全部岗位"))] + list(Post.choices))
    status = forms.ChoiceField(label=_("状态"), required=False, choices=[
        ("", _("在岗")), ("left", _("已离岗")), ("all", _("全部状态"))])

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = region_choices(user, ("township", "village"), blank=_("全部区域"))


class WorkerForm(_Styled):
    community = forms.ChoiceField(label=_("所在社区（村）"), required=False)
    post = forms.ChoiceField(label=_("岗位"), required=False, choices=[("", "—")] + list(Post.choices))
    grade = forms.IntegerField(label=_("等级"), required=False, min_value=1, max_value=99)
    grade_since = forms.DateField(label=_("现等级起始日期"), required=False, widget=DATE_INPUT)
    started_on = forms.DateField(label=_("参加社区工作时间"), required=False, widget=DATE_INPUT)
    user = forms.ChoiceField(label=_("账号（可不选）"), required=False)
    note = forms.CharField(label=_("备注"), required=False, max_length=200)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, user, accounts, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].choices = region_choices(user, ("village",), blank="")
        self.fields["user"].choices = [("", "—")] + [(a.pk, f"{a.full_name or a.username}（{a.username}）")
                                                     for a in accounts]


class LeaveForm(_Styled):
    left_on = forms.DateField(label=_("离岗日期"), required=False, widget=DATE_INPUT)
    note = forms.CharField(label=_("说明"), required=False, max_length=200)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)


class SocialWorkerForm(_Styled):
    level = forms.ChoiceField(label=_("级别"), required=False, choices=[("", "—")] + list(Level.choices))
    certificate_number = forms.CharField(label=_("证书编号"), required=False, max_length=40)
    certified_on = forms.DateField(label=_("取得证书日期"), required=False, widget=DATE_INPUT)
    registered_on = forms.DateField(label=_("登记日期（继续教育周期由此起算，可不填）"), required=False, widget=DATE_INPUT)
    region = forms.ChoiceField(label=_("所属区划"), required=False)
    note = forms.CharField(label=_("备注"), required=False, max_length=200)

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = region_choices(user, ("township", "village"), blank="")


class HoursForm(_Styled):
    on = forms.DateField(label=_("日期"), required=False, widget=DATE_INPUT)
    hours = forms.CharField(label=_("学时"), required=False, max_length=10,
                            widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    title = forms.CharField(label=_("内容"), required=False, max_length=100)
    provider = forms.CharField(label=_("举办单位"), required=False, max_length=100)


class ExamForm(_Styled):
    level = forms.ChoiceField(label=_("级别"), required=False, choices=[("", "—")] + list(Level.choices))
    year = forms.IntegerField(label=_("考试年度"), required=False, min_value=2000, max_value=2100)


class ResultForm(_Styled):
    subject = forms.ChoiceField(label=_("科目"), required=False)
    score = forms.CharField(label=_("成绩"), required=False, max_length=10)
    pass_mark = forms.CharField(label=_("合格标准（默认 60）"), required=False, max_length=10)

    def __init__(self, subjects, *args, **kwargs):
        super().__init__(*args, **kwargs)
        labels = dict(Subject.choices)
        self.fields["subject"].choices = [(s, labels[s]) for s in subjects]


class SessionForm(_Styled):
    title = forms.CharField(label=_("培训名称"), required=False, max_length=100)
    organizer = forms.CharField(label=_("举办单位"), required=False, max_length=100)
    kind = forms.ChoiceField(label=_("类型"), required=False, choices=[("", "—")] + list(TrainingSession.Kind.choices))
    region = forms.ChoiceField(label=_("组织区划"), required=False)
    starts_on = forms.DateField(label=_("开始日期"), required=False, widget=DATE_INPUT)
    ends_on = forms.DateField(label=_("结束日期"), required=False, widget=DATE_INPUT)
    hours = forms.CharField(label=_("学时"), required=False, max_length=10)
    note = forms.CharField(label=_("备注"), required=False, max_length=200)

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = region_choices(user, ("township", "village"), blank="",
                                                       extra=user.scope if user.scope_id else None)


class EnrollForm(_Styled):
    workers = forms.MultipleChoiceField(label=_("选择社区工作者"), required=False, widget=forms.CheckboxSelectMultiple)
    social_workers = forms.MultipleChoiceField(label=_("选择社会工作者"), required=False,
                                               widget=forms.CheckboxSelectMultiple)

    def __init__(self, workers, social_workers=(), *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["workers"].choices = [(w.pk, f"{w.person.name} · {w.community.short_name}") for w in workers]
        self.fields["social_workers"].choices = [
            (w.pk, f"{w.person.name} · {w.get_level_display()} · {w.region.short_name}") for w in social_workers]

