"""Forms of the organizations pages: they parse what the user typed; the services check
the rules (a refusal comes back as field errors through ``apply_service_error``)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from . import rules
from .models import (
    AnnualInspection, BudgetCategory, EvaluationStage, Incubation, IncubationServiceKind, InspectionResult,
    OrganizationKind, OrganizationStatus,
)

DATE = {"type": "date"}


class BootstrapForm(forms.Form):
    REGION_FIELDS: dict[str, tuple[str, ...]] = {}
    """Fields naming a region: ``{field: levels}``. Given the ``user``, each becomes a
    dropdown of the regions of those levels in the user's scope (by name, grouped by
    township), instead of a typed code; the services check the choice again."""

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is not None:
            from ..regions.forms import region_choices

            for name, levels in self.REGION_FIELDS.items():
                old = self.fields[name]
                self.fields[name] = forms.ChoiceField(label=old.label, required=old.required, help_text=old.help_text,
                                                      choices=region_choices(user, levels=levels, blank="—"))
        for f in self.fields.values():
            w = f.widget
            if isinstance(w, forms.CheckboxInput):
                w.attrs.setdefault("class", "form-check-input")
            elif isinstance(w, forms.Select):
                w.attrs.setdefault("class", "form-select")
            else:
                w.attrs.setdefault("class", "form-control")


class OrganizationForm(BootstrapForm):
    name = forms.CharField(label=_("名称"), max_length=100)
    kind = forms.ChoiceField(label=_("类型"), choices=OrganizationKind.choices)
    uscc = forms.CharField(label=_("统一社会信用代码"), max_length=30, required=False,
                           help_text=_("18 位，按 GB 32100 校验；社会团体以 51、社会服务机构以 52、基金会以 53、企业以 91 开头"))
    region = forms.CharField(label=_("登记（备案）地"), max_length=15)
    REGION_FIELDS = {"region": ("prefecture", "county", "township", "village")}
    legal_representative = forms.CharField(label=_("法定代表人（负责人）"), max_length=50, required=False)
    registration_authority = forms.CharField(label=_("登记管理机关"), max_length=100, required=False)
    registered_on = forms.DateField(label=_("登记日期"), required=False, widget=forms.DateInput(DATE, format="%Y-%m-%d"))
    supervising_unit = forms.CharField(label=_("业务主管单位"), max_length=100, required=False)
    registered_funds = forms.DecimalField(label=_("注册资金（元）"), required=False, decimal_places=2, min_value=0)
    service_area = forms.CharField(label=_("业务范围"), max_length=500, required=False, widget=forms.Textarea({"rows": 2}))
    phone = forms.CharField(label=_("联系电话"), max_length=30, required=False)
    address = forms.CharField(label=_("住所"), max_length=200, required=False)
    is_federation = forms.BooleanField(label=_("社区社会组织联合会"), required=False)


class StaffOrganizationForm(BootstrapForm):
    """What an organization's own staff may change."""

    legal_representative = forms.CharField(label=_("法定代表人（负责人）"), max_length=50, required=False)
    phone = forms.CharField(label=_("联系电话"), max_length=30, required=False)
    address = forms.CharField(label=_("住所"), max_length=200, required=False)
    service_area = forms.CharField(label=_("业务范围"), max_length=500, required=False, widget=forms.Textarea({"rows": 2}))


class InspectionForm(BootstrapForm):
    year = forms.IntegerField(label=_("年度"), min_value=1990, max_value=2100)
    kind = forms.ChoiceField(label=_("方式"), choices=AnnualInspection.Kind.choices)
    result = forms.ChoiceField(label=_("结论"), choices=InspectionResult.choices)
    concluded_on = forms.DateField(label=_("结论日期"), widget=forms.DateInput(DATE, format="%Y-%m-%d"))


class RatingForm(BootstrapForm):
    grade = forms.ChoiceField(label=_("评估等级"), choices=[(n, f"{n}A") for n in range(1, 6)])
    rated_on = forms.DateField(label=_("评定日期"), widget=forms.DateInput(DATE, format="%Y-%m-%d"))
    decision_ref = forms.CharField(label=_("文号"), max_length=60, required=False)


class StatusForm(BootstrapForm):
    status = forms.ChoiceField(label=_("状态"), choices=OrganizationStatus.choices)
    reason = forms.CharField(label=_("原因"), max_length=200)


class ActivityForm(BootstrapForm):
    title = forms.CharField(label=_("活动名称"), max_length=100)
    held_on = forms.DateField(label=_("活动日期"), widget=forms.DateInput(DATE, format="%Y-%m-%d"))
    place = forms.CharField(label=_("地点"), max_length=100, required=False)
    participants = forms.IntegerField(label=_("参与人次"), min_value=0, max_value=1_000_000, initial=0)


class MemberForm(BootstrapForm):
    username = forms.CharField(label=_("账号（社会组织人员）"), max_length=150)
    position = forms.CharField(label=_("岗位"), max_length=50, required=False)


class FilingForm(BootstrapForm):
    name = forms.CharField(label=_("组织名称"), max_length=100)
    community = forms.CharField(label=_("所在社区（村）"), max_length=12)
    REGION_FIELDS = {"community": ("village",)}
    responsible_person = forms.CharField(label=_("负责人"), max_length=50)
    members = forms.CharField(label=_("成员名单"), widget=forms.Textarea({"rows": 4}), help_text=_("每行一人，至少 3 人"))
    charter = forms.CharField(label=_("章程"), widget=forms.Textarea({"rows": 6}))
    service_area = forms.CharField(label=_("活动内容"), max_length=500, required=False)
    phone = forms.CharField(label=_("联系电话"), max_length=30, required=False)


class StepForm(BootstrapForm):
    note = forms.CharField(label=_("意见"), max_length=300, required=False)
    filing_number = forms.CharField(label=_("备案编号"), max_length=40, required=False,
                                    help_text=_("不填则自动编号"))


class BaseForm(BootstrapForm):
    name = forms.CharField(label=_("名称"), max_length=100)
    region = forms.CharField(label=_("所在地"), max_length=12)
    REGION_FIELDS = {"region": ("prefecture", "county", "township", "village")}
    address = forms.CharField(label=_("地址"), max_length=200, required=False)
    floor_area = forms.DecimalField(label=_("场地面积（m²）"), required=False, decimal_places=2, min_value=0)
    opened_on = forms.DateField(label=_("启用日期"), required=False, widget=forms.DateInput(DATE, format="%Y-%m-%d"))


class AdmitForm(BootstrapForm):
    organization = forms.ModelChoiceField(label=_("入驻组织"), queryset=None)
    entered_on = forms.DateField(label=_("入驻日期"), widget=forms.DateInput(DATE, format="%Y-%m-%d"))

    def __init__(self, *args, organizations=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations


class IncubationServiceForm(BootstrapForm):
    kind = forms.ChoiceField(label=_("服务类型"), choices=IncubationServiceKind.choices)
    provided_on = forms.DateField(label=_("日期"), widget=forms.DateInput(DATE, format="%Y-%m-%d"))
    hours = forms.DecimalField(label=_("时长（小时）"), required=False, decimal_places=1, min_value=0)
    description = forms.CharField(label=_("内容"), max_length=300, required=False)


class ReleaseIncubationForm(BootstrapForm):
    exited_on = forms.DateField(label=_("出壳日期"), widget=forms.DateInput(DATE, format="%Y-%m-%d"))
    outcome = forms.ChoiceField(label=_("结果"), choices=Incubation.Outcome.choices)


# --- projects ----------------------------------------------------------------------------------

class CallForm(BootstrapForm):
    title = forms.CharField(label=_("项目名称"), max_length=100)
    region = forms.CharField(label=_("购买方所在地"), max_length=12)
    REGION_FIELDS = {"region": ("prefecture", "county", "township")}
    purchaser = forms.CharField(label=_("购买主体"), max_length=100)
    budget = forms.DecimalField(label=_("预算（元）"), decimal_places=2, min_value=0)
    opens_on = forms.DateField(label=_("发布日期"), widget=forms.DateInput(DATE, format="%Y-%m-%d"))
    deadline = forms.DateField(label=_("申报截止日期"), widget=forms.DateInput(DATE, format="%Y-%m-%d"))
    description = forms.CharField(label=_("服务内容与要求"), required=False, widget=forms.Textarea({"rows": 3}))
    eligibility = forms.CharField(label=_("申报条件"), required=False, widget=forms.Textarea({"rows": 2}))
    eligible_kinds = forms.MultipleChoiceField(label=_("可申报组织类型"), choices=OrganizationKind.choices,
                                               widget=forms.CheckboxSelectMultiple)
    min_rating = forms.IntegerField(label=_("最低评估等级（0 为不限）"), min_value=0, max_value=5, initial=0)
    notice_working_days = forms.IntegerField(label=_("公示期（工作日）"), min_value=1, max_value=30, initial=5)
    criteria = forms.CharField(label=_("评审标准与权重"), widget=forms.Textarea({"rows": 5}),
                               help_text=_("每行一项：标准名称，权重"))
    bands = forms.CharField(label=_("评估等次下限"), max_length=40, initial="90，80，60",
                            help_text=_("优秀、良好、合格的最低分，以逗号分隔；其余为不合格"))
    final_factors = forms.CharField(label=_("尾款按等次拨付比例（%）"), max_length=40, initial="100，100，80，0",
                                    help_text=_("优秀、良好、合格、不合格四个等次，以逗号分隔"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["eligible_kinds"].widget.attrs = {}
        if not self.is_bound and not self.initial.get("criteria"):
            self.initial["criteria"] = "\n".join(f"{_(c['name'])}，{c['weight']}" for c in rules.DEFAULT_CRITERIA)

    @staticmethod
    def _numbers(text, n, label):
        parts = [p.strip() for p in text.replace("，", ",").split(",") if p.strip()]
        try:
            values = [int(p) for p in parts]
        except ValueError:
            values = []
        if len(values) != n:
            raise forms.ValidationError(_("%(label)s应为 %(n)s 个整数") % {"label": label, "n": n})
        return values

    def clean_criteria(self):
        by_name = {str(_(c["name"])): c["code"] for c in rules.DEFAULT_CRITERIA}
        out = []
        for i, line in enumerate(self.cleaned_data["criteria"].splitlines()):
            parts = [p.strip() for p in line.replace("，", ",").rsplit(",", 1)]
            if not any(parts):
                continue
            if len(parts) != 2 or not parts[0] or not parts[1].isdigit() or int(parts[1]) <= 0:
                raise forms.ValidationError(_("第 %(n)s 行应为：标准名称，权重（正整数）") % {"n": i + 1})
            out.append({"code": by_name.get(parts[0], f"c{i + 1}"), "name": parts[0], "weight": int(parts[1])})
        if not out:
            raise forms.ValidationError(_("请填写至少一项评审标准"))
        return out

    def clean_bands(self):
        excellent, good, passing = self._numbers(self.cleaned_data["bands"], 3, _("评估等次下限"))
        return [(excellent, "excellent"), (good, "good"), (passing, "pass"), (0, "fail")]

    def clean_final_factors(self):
        return dict(zip(("excellent", "good", "pass", "fail"),
                        self._numbers(self.cleaned_data["final_factors"], 4, _("尾款拨付比例"))))


class ProposalForm(BootstrapForm):
    title = forms.CharField(label=_("项目名称"), max_length=100)
    needs = forms.CharField(label=_("需求分析"), widget=forms.Textarea({"rows": 3}))
    activities = forms.CharField(label=_("服务内容与活动"), widget=forms.Textarea({"rows": 3}))
    output_indicators = forms.CharField(label=_("产出指标"), widget=forms.Textarea({"rows": 2}))
    outcome_indicators = forms.CharField(label=_("成效指标"), widget=forms.Textarea({"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for code, label in BudgetCategory.choices:
            self.fields[f"budget_{code}"] = forms.DecimalField(
                label=_("%(label)s（元）") % {"label": label}, required=False, decimal_places=2, min_value=0,
                widget=forms.NumberInput({"class": "form-control", "step": "0.01"}))
            self.fields[f"budget_{code}_note"] = forms.CharField(
                label=_("%(label)s明细") % {"label": label}, required=False, max_length=200,
                widget=forms.TextInput({"class": "form-control"}))

    def budget_lines(self) -> list[dict]:
        d = self.cleaned_data
        return [{"category": code, "amount": d[f"budget_{code}"], "description": d[f"budget_{code}_note"]}
                for code in BudgetCategory.values if d.get(f"budget_{code}")]

    def budget_fields(self):
        return [(self[f"budget_{code}"], self[f"budget_{code}_note"]) for code in BudgetCategory.values]


class ScoreForm(BootstrapForm):
    def __init__(self, *args, criteria=(), **kwargs):
        super().__init__(*args, **kwargs)
        for c in criteria:
            self.fields[c["code"]] = forms.DecimalField(
                label=_("%(name)s（权重 %(weight)s）") % {"name": _(c["name"]), "weight": c["weight"]},
                min_value=0, max_value=100, decimal_places=2,
                widget=forms.NumberInput({"class": "form-control", "step": "0.5"}))


class NoticeForm(BootstrapForm):
    published_on = forms.DateField(label=_("公示日期"), widget=forms.DateInput(DATE, format="%Y-%m-%d"))
    text = forms.CharField(label=_("公示内容"), required=False, widget=forms.Textarea({"rows": 2}))


class ContractForm(BootstrapForm):
    contract_number = forms.CharField(label=_("合同编号"), max_length=40)
    decision_ref = forms.CharField(label=_("立项文号"), max_length=60)
    amount = forms.DecimalField(label=_("合同金额（元）"), decimal_places=2, min_value=0)
    signed_on = forms.DateField(label=_("签订日期"), widget=forms.DateInput(DATE, format="%Y-%m-%d"))
    starts_on = forms.DateField(label=_("服务期起"), widget=forms.DateInput(DATE, format="%Y-%m-%d"))
    ends_on = forms.DateField(label=_("服务期止"), widget=forms.DateInput(DATE, format="%Y-%m-%d"))
    plan = forms.CharField(
        label=_("节点与分期拨付"), widget=forms.Textarea({"rows": 4}),
        help_text=_("每行一个节点：节点名称，应完成日期（YYYY-MM-DD），该节点确认后拨付的比例（%）。比例合计 100，最后一期为尾款，按末期评估等次核定。"))
    resident_access = forms.BooleanField(label=_("合同约定可查阅服务对象信息"), required=False)

    def clean_plan(self):
        rows = []
        for i, line in enumerate(self.cleaned_data["plan"].splitlines()):
            parts = [p.strip() for p in line.replace("，", ",").split(",")]
            if not any(parts):
                continue
            if len(parts) != 3:
                raise forms.ValidationError(_("第 %(n)s 行应为：节点名称，日期，比例") % {"n": i + 1})
            rows.append(parts)
        if not rows:
            raise forms.ValidationError(_("请填写至少一个节点"))
        return rows

    def milestones_and_instalments(self):
        ms, inst = [], []
        for n, (title, due, pct) in enumerate(self.cleaned_data["plan"], start=1):
            ms.append({"title": title, "due_on": due})
            if pct not in ("", "0"):
                inst.append({"percent": pct, "milestone": n})
        return ms, inst


class ReportForm(BootstrapForm):
    period = forms.CharField(label=_("报告期"), max_length=40)
    milestone = forms.ChoiceField(label=_("对应节点"), required=False)
    content = forms.CharField(label=_("报告内容"), widget=forms.Textarea({"rows": 3}))

    def __init__(self, *args, milestones=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["milestone"].choices = [("", _("（定期报告）"))] + [(m.pk, m.title) for m in milestones]


class ServiceRecordForm(BootstrapForm):
    delivered_on = forms.DateField(label=_("服务日期"), widget=forms.DateInput(DATE, format="%Y-%m-%d"))
    activity = forms.CharField(label=_("服务内容"), max_length=200)
    people_served = forms.IntegerField(label=_("服务人次"), min_value=0, max_value=1_000_000)
    satisfaction = forms.DecimalField(label=_("满意度（%）"), required=False, min_value=0, max_value=100)


class EvaluationForm(BootstrapForm):
    stage = forms.ChoiceField(label=_("阶段"), choices=EvaluationStage.choices)
    evaluator = forms.CharField(label=_("评估机构"), max_length=100)
    score = forms.DecimalField(label=_("得分"), min_value=0, max_value=100, decimal_places=2)
    evaluated_on = forms.DateField(label=_("评估日期"), widget=forms.DateInput(DATE, format="%Y-%m-%d"))
    summary = forms.CharField(label=_("评估意见"), max_length=500, required=False)


class PanelForm(BootstrapForm):
    username = forms.CharField(label=_("评审专家账号"), max_length=150)
    conflicts = forms.ModelMultipleChoiceField(label=_("需回避的组织"), queryset=None, required=False,
                                               widget=forms.SelectMultiple({"class": "form-select", "size": 4}))

    def __init__(self, *args, organizations=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["conflicts"].queryset = organizations


class ReleaseForm(BootstrapForm):
    decision_ref = forms.CharField(label=_("拨付依据文号"), max_length=60)
