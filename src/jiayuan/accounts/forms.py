"""Forms of the administration pages (系统管理): accounts, departments, own password."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import User
from .permissions import may_grant

_TEXT = {"class": "form-control"}
_SELECT = {"class": "form-select"}


def grantable_roles(user) -> list[tuple[str, str]]:
    """(value, label) of the roles ``user`` may give (permissions.may_grant)."""
    return [(v, label) for v, label in User.Role.choices if may_grant(user, v)]


class AccountForm(forms.Form):
    username = forms.CharField(label=_("用户名"), max_length=150, widget=forms.TextInput(attrs=_TEXT))
    password = forms.CharField(label=_("初始密码"), widget=forms.PasswordInput(attrs=_TEXT),
                               help_text=_("用户首次登录时须修改密码"))
    full_name = forms.CharField(label=_("姓名"), max_length=50, widget=forms.TextInput(attrs=_TEXT))
    phone = forms.CharField(label=_("联系电话"), max_length=30, required=False, widget=forms.TextInput(attrs=_TEXT))
    role = forms.ChoiceField(label=_("角色"), widget=forms.Select(attrs=_SELECT))
    scope = forms.CharField(label=_("管辖范围（区划代码）"), max_length=15, widget=forms.TextInput(attrs=_TEXT),
                            help_text=_("例如 620702001（东街街道）"))
    department = forms.ChoiceField(label=_("所属部门"), required=False, widget=forms.Select(attrs=_SELECT),
                                   help_text=_("仅“职能部门工作人员”角色"))

    def __init__(self, *args, actor_user, departments, editing=False, superuser=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [("", "—")] + grantable_roles(actor_user)
        self.fields["department"].choices = [("", "—")] + [(str(d.pk), f"{d.name}（{d.code}）") for d in departments]
        if editing:
            del self.fields["username"]
            del self.fields["password"]
        if superuser:  # a system administrator's account has no role, scope or department
            for name in ("role", "scope", "department"):
                del self.fields[name]


class DepartmentForm(forms.Form):
    code = forms.CharField(label=_("部门代码"), max_length=60, widget=forms.TextInput(attrs=_TEXT))
    name = forms.CharField(label=_("部门名称"), max_length=120, widget=forms.TextInput(attrs=_TEXT))
    region = forms.CharField(label=_("管辖范围（区划代码）"), max_length=15, widget=forms.TextInput(attrs=_TEXT))
    phone = forms.CharField(label=_("联系电话"), max_length=30, required=False, widget=forms.TextInput(attrs=_TEXT))
    case_types = forms.MultipleChoiceField(label=_("承办案件类型"), required=False,
                                           widget=forms.CheckboxSelectMultiple,
                                           help_text=_("不选则承办全部类型"))
    categories = forms.MultipleChoiceField(label=_("承办事件类别"), required=False,
                                           widget=forms.CheckboxSelectMultiple,
                                           help_text=_("网格事件的一级类别；不选则承办全部类别"))
    active = forms.BooleanField(label=_("启用"), required=False, initial=True,
                                widget=forms.CheckboxInput(attrs={"class": "form-check-input"}))

    def __init__(self, *args, case_types, categories, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["case_types"].choices = case_types
        self.fields["categories"].choices = categories


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(label=_("原密码（或临时密码）"), widget=forms.PasswordInput(attrs=_TEXT))
    new_password = forms.CharField(label=_("新密码"), widget=forms.PasswordInput(attrs=_TEXT))
    new_password2 = forms.CharField(label=_("再次输入新密码"), widget=forms.PasswordInput(attrs=_TEXT))

    def clean(self):
        data = super().clean()
        if data.get("new_password") and data.get("new_password") != data.get("new_password2"):
            self.add_error("new_password2", _("两次输入的新密码不一致"))
        return data


class ServiceItemForm(forms.Form):
    time_limit_days = forms.IntegerField(label=_("办理时限（工作日）"), min_value=1, max_value=365,
                                         widget=forms.NumberInput(attrs=_TEXT))
    departments = forms.MultipleChoiceField(label=_("责任部门"), required=False, widget=forms.CheckboxSelectMultiple)
    active = forms.BooleanField(label=_("启用"), required=False,
                                widget=forms.CheckboxInput(attrs={"class": "form-check-input"}))
    public = forms.BooleanField(label=_("对外公开"), required=False,
                                widget=forms.CheckboxInput(attrs={"class": "form-check-input"}))

    def __init__(self, *args, departments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["departments"].choices = [(str(d.pk), f"{d.name}（{d.region.name}）") for d in departments]
