"""Purchased services and 三社联动 projects (政府购买服务, ``ServiceProject``).

call (:class:`ProjectCall`: budget, eligibility, deadline, review criteria and weights,
notice days, evaluation bands, final scaling) → proposals (:class:`Proposal` with budget
lines) → eligibility check → scored review by the panel (:class:`PanelMember`,
:class:`ReviewScore`; the proposal's score is computed by
:func:`jiayuan.organizations.rules.review_score`) → public notice with objections
(:class:`PublicNotice`, :class:`Objection`) → contract (:class:`ServiceProject`) with
instalments tied to milestones (:class:`Instalment`, :class:`Milestone`) → reports and
service records → mid-term and final evaluation (:class:`Evaluation`) → payments
(:class:`InstalmentPayment`, at most one per instalment: database constraint) → closed.

Money is Decimal yuan with two places. Source: DOMAIN.md "Social organizations and
purchased services"; 政府购买服务管理办法 (财政部令第102号).
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .registry import SocialOrganization

__all__ = ["ProjectCall", "CallStatus", "Proposal", "ProposalStatus", "BudgetLine", "BudgetCategory",
           "PanelMember", "ReviewScore", "PublicNotice", "Objection", "ServiceProject", "ProjectStatus",
           "Milestone", "Instalment", "InstalmentPayment", "ProgressReport", "ServiceRecord", "Evaluation",
           "EvaluationStage", "ProjectBeneficiary", "ResidentField", "default_resident_fields"]

MONEY = {"max_digits": 14, "decimal_places": 2}


class CallStatus(models.TextChoices):
    OPEN = "open", _("征集中")
    REVIEWING = "reviewing", _("评审中")
    NOTICE = "notice", _("公示中")
    AWARDED = "awarded", _("已确定承接方")
    CLOSED = "closed", _("已结束")


class ProjectCall(models.Model):
    """A call for proposals (项目征集公告) of ``region`` (the county that buys) with its
    ``budget`` (yuan, the sum of every contract it awards may not pass it), who may apply
    (``eligible_kinds``: organization kinds; ``min_rating``: lowest grade, 0 for none;
    ``eligibility``: other conditions in words), ``deadline`` for proposals, and the
    configuration of its review and payments:

    - ``criteria``: ``[{"code", "name", "weight"}]`` (weights in points, any total);
    - ``notice_working_days``: days the result is publicly posted (default 5);
    - ``bands``: ``[[lower bound, band code], …]`` for evaluations (default ≥90 优秀,
      ≥80 良好, ≥60 合格, else 不合格);
    - ``final_factors``: ``{band code: percent}`` the final instalment is scaled by.
    """

    title = models.CharField(_("项目名称"), max_length=100)
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+",
                               db_column="region_code", verbose_name=_("购买方区划"))
    purchaser = models.CharField(_("购买主体"), max_length=100)
    budget = models.DecimalField(_("预算（元）"), **MONEY)
    description = models.TextField(_("服务内容与要求"), blank=True)
    eligibility = models.TextField(_("申报条件"), blank=True)
    eligible_kinds = models.JSONField(_("可申报组织类型"), default=list)
    min_rating = models.PositiveSmallIntegerField(_("最低评估等级"), default=0)
    opens_on = models.DateField(_("发布日期"))
    deadline = models.DateField(_("申报截止日期"))
    criteria = models.JSONField(_("评审标准与权重"), default=list)
    notice_working_days = models.PositiveSmallIntegerField(_("公示期（工作日）"), default=5)
    bands = models.JSONField(_("评估等次"), default=list)
    final_factors = models.JSONField(_("尾款按等次拨付比例"), default=dict)
    status = models.CharField(_("状态"), max_length=20, choices=CallStatus.choices, default=CallStatus.OPEN)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("项目征集")
        verbose_name_plural = _("项目征集")
        ordering = ["-opens_on", "-id"]
        constraints = [models.CheckConstraint(name="call_budget_positive", condition=models.Q(budget__gt=0))]

    def __str__(self) -> str:
        return self.title


class ProposalStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("已提交")
    INELIGIBLE = "ineligible", _("资格审查未通过")
    ELIGIBLE = "eligible", _("待评审")
    SELECTED = "selected", _("拟立项")
    NOT_SELECTED = "not_selected", _("未入选")
    CONTRACTED = "contracted", _("已签约")


class Proposal(models.Model):
    """An organization's proposal (项目申报书) to a call: the needs it answers, the
    activities, output and outcome indicators, and the budget (:class:`BudgetLine`);
    ``amount`` is the sum of the lines (kept by the service). ``score``: the panel's
    score (computed, never typed)."""

    call = models.ForeignKey(ProjectCall, on_delete=models.PROTECT, related_name="proposals",
                             verbose_name=_("项目征集"))
    organization = models.ForeignKey(SocialOrganization, on_delete=models.PROTECT, related_name="proposals",
                                     verbose_name=_("申报组织"))
    title = models.CharField(_("项目名称"), max_length=100)
    needs = models.TextField(_("需求分析"))
    activities = models.TextField(_("服务内容与活动"))
    output_indicators = models.TextField(_("产出指标"))
    outcome_indicators = models.TextField(_("成效指标"))
    amount = models.DecimalField(_("申请金额（元）"), **MONEY, default=Decimal("0"))
    status = models.CharField(_("状态"), max_length=20, choices=ProposalStatus.choices, default=ProposalStatus.DRAFT)
    eligibility_note = models.CharField(_("资格审查意见"), max_length=300, blank=True)
    score = models.DecimalField(_("评审得分"), max_digits=5, decimal_places=2, null=True, blank=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("项目申报")
        verbose_name_plural = _("项目申报")
        ordering = ["call_id", "-score", "id"]
        constraints = [models.UniqueConstraint(fields=["call", "organization"], name="proposal_one_per_organization")]

    def __str__(self) -> str:
        return self.title


class BudgetCategory(models.TextChoices):
    STAFF = "staff", _("人员费用")
    SUPERVISION = "supervision", _("督导费用")
    ACTIVITIES = "activities", _("活动费用")
    ADMINISTRATION = "administration", _("行政管理费用")
    TAX = "tax", _("税费")


class BudgetLine(models.Model):
    """One line of a proposal's budget, in yuan."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="budget_lines")
    category = models.CharField(_("科目"), max_length=20, choices=BudgetCategory.choices)
    description = models.CharField(_("明细"), max_length=200, blank=True)
    amount = models.DecimalField(_("金额（元）"), **MONEY)

    class Meta:
        ordering = ["id"]
        constraints = [models.CheckConstraint(name="budget_line_not_negative",
                                              condition=models.Q(amount__gte=0))]


class PanelMember(models.Model):
    """An expert on a call's review panel (评审专家), an account of any role. A member
    who declares a conflict of interest with an organization (``conflicts``) is excluded
    from scoring its proposal (the service refuses and the score leaves them out)."""

    call = models.ForeignKey(ProjectCall, on_delete=models.CASCADE, related_name="panel")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="review_panels",
                             verbose_name=_("评审专家"))
    conflicts = models.ManyToManyField(SocialOrganization, blank=True, related_name="+",
                                       verbose_name=_("回避的组织"))

    class Meta:
        verbose_name = _("评审专家")
        verbose_name_plural = _("评审专家")
        constraints = [models.UniqueConstraint(fields=["call", "user"], name="panel_member_once")]


class ReviewScore(models.Model):
    """One panel member's points (0–100) on one criterion of one proposal."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="review_scores")
    member = models.ForeignKey(PanelMember, on_delete=models.PROTECT, related_name="scores")
    criterion = models.CharField(max_length=40)
    points = models.DecimalField(max_digits=5, decimal_places=2)
    scored_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["proposal", "member", "criterion"], name="review_score_once"),
            models.CheckConstraint(name="review_points_0_100", condition=models.Q(points__gte=0, points__lte=100)),
        ]


class PublicNotice(models.Model):
    """The public notice (公示) of a call's selected proposals, from ``starts_on`` to
    ``ends_on`` (``notice_working_days`` working days on the official calendar;
    ``estimated`` when the calendar of that year is not yet published)."""

    call = models.OneToOneField(ProjectCall, on_delete=models.CASCADE, related_name="notice")
    starts_on = models.DateField(_("公示开始"))
    ends_on = models.DateField(_("公示截止"))
    estimated = models.BooleanField(default=False)
    text = models.TextField(_("公示内容"), blank=True)


class Objection(models.Model):
    """An objection (异议) received during the notice, and how it was settled."""

    notice = models.ForeignKey(PublicNotice, on_delete=models.CASCADE, related_name="objections")
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="objections",
                                 verbose_name=_("项目"))
    received_on = models.DateField(_("收到日期"))
    content = models.CharField(_("异议内容"), max_length=500)
    resolution = models.CharField(_("处理意见"), max_length=500, blank=True)
    upheld = models.BooleanField(_("异议成立"), null=True)


class ProjectStatus(models.TextChoices):
    ACTIVE = "active", _("实施中")
    CLOSED = "closed", _("已结项")
    TERMINATED = "terminated", _("已终止")


class ResidentField(models.TextChoices):
    """What the contract may let the organization's staff read of the residents named
    for the project (issue 14): never the ID number, birth date or household."""

    NAME = "name", _("姓名")
    REGION = "region", _("所在社区")
    PHONE_MASKED = "phone_masked", _("脱敏电话")
    PHONE = "phone", _("完整电话")
    ADDRESS = "address", _("现住址")
    AGE = "age", _("年龄")
    SEX = "sex", _("性别")
    CATEGORIES = "categories", _("人员类别")


def default_resident_fields() -> list[str]:
    """What a visit needs, the fields before contracts chose them: name, community,
    masked phone."""
    return ["name", "region", "phone_masked"]


class ServiceProject(models.Model):
    """A contracted project (三社联动 / 政府购买服务项目): the contract with ``amount`` (yuan,
    at most the proposal's amount), the service period, the contract number and the
    decision (文号) that awarded it. Instalments are fixed at signing."""

    proposal = models.OneToOneField(Proposal, on_delete=models.PROTECT, related_name="project")
    call = models.ForeignKey(ProjectCall, on_delete=models.PROTECT, related_name="projects")
    organization = models.ForeignKey(SocialOrganization, on_delete=models.PROTECT, related_name="projects",
                                     verbose_name=_("承接组织"))
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+",
                               db_column="region_code", verbose_name=_("服务区域"))
    title = models.CharField(_("项目名称"), max_length=100)
    contract_number = models.CharField(_("合同编号"), max_length=40, unique=True)
    decision_ref = models.CharField(_("立项文号"), max_length=60)
    amount = models.DecimalField(_("合同金额（元）"), **MONEY)
    signed_on = models.DateField(_("签订日期"))
    starts_on = models.DateField(_("服务期起"))
    ends_on = models.DateField(_("服务期止"))
    status = models.CharField(_("状态"), max_length=20, choices=ProjectStatus.choices, default=ProjectStatus.ACTIVE)
    closed_on = models.DateField(_("结项日期"), null=True, blank=True)
    resident_access = models.BooleanField(_("合同约定可查阅服务对象信息"), default=False)
    # the ResidentField codes the contract grants (with resident_access), in ResidentField order
    resident_fields = models.JSONField(_("可查阅的服务对象信息"), default=default_resident_fields, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")

    class Meta:
        verbose_name = _("服务项目")
        verbose_name_plural = _("服务项目")
        ordering = ["-signed_on", "-id"]
        constraints = [
            models.CheckConstraint(name="project_amount_positive", condition=models.Q(amount__gt=0)),
            models.CheckConstraint(name="project_period_ordered", condition=models.Q(ends_on__gte=models.F("starts_on"))),
        ]

    def __str__(self) -> str:
        return self.title


class Milestone(models.Model):
    """A milestone (节点) of the contract: due date, what it requires, and when the
    county accepted it as met (on a report)."""

    project = models.ForeignKey(ServiceProject, on_delete=models.CASCADE, related_name="milestones")
    seq = models.PositiveSmallIntegerField(_("序号"))
    title = models.CharField(_("节点"), max_length=100)
    due_on = models.DateField(_("应完成日期"))
    requirement = models.CharField(_("完成标准"), max_length=300, blank=True)
    met_on = models.DateField(_("确认完成日期"), null=True, blank=True)
    met_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")

    class Meta:
        ordering = ["project_id", "seq"]
        constraints = [models.UniqueConstraint(fields=["project", "seq"], name="milestone_seq_unique")]

    def __str__(self) -> str:
        return self.title


class Instalment(models.Model):
    """An instalment (第 n 期拨付) of the contract: ``percent`` of the amount (the
    contract's clause ``clause``), due when ``milestone`` is met; ``planned`` is the
    amount the schedule gives (:func:`jiayuan.organizations.rules.instalment_schedule`);
    ``final`` marks the one scaled by the final evaluation."""

    project = models.ForeignKey(ServiceProject, on_delete=models.CASCADE, related_name="instalments")
    seq = models.PositiveSmallIntegerField(_("期次"))
    percent = models.DecimalField(_("比例（%）"), max_digits=5, decimal_places=2)
    planned = models.DecimalField(_("计划金额（元）"), **MONEY)
    milestone = models.ForeignKey(Milestone, on_delete=models.PROTECT, related_name="instalments",
                                  verbose_name=_("对应节点"))
    final = models.BooleanField(_("尾款"), default=False)
    clause = models.CharField(_("合同条款"), max_length=100)

    class Meta:
        ordering = ["project_id", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["project", "seq"], name="instalment_seq_unique"),
            models.CheckConstraint(name="instalment_percent_range", condition=models.Q(percent__gt=0, percent__lte=100)),
        ]


class InstalmentPayment(models.Model):
    """The release (拨付) of one instalment: at most one per instalment — the database
    refuses a second (unique ``instalment``), so an instalment is never paid twice.
    ``amount`` with ``basis`` (how it was computed: the rule, the percent, the final
    score and factor) and ``decision_ref`` make every yuan traceable to the contract
    clause and decision."""

    instalment = models.OneToOneField(Instalment, on_delete=models.PROTECT, related_name="payment")
    amount = models.DecimalField(_("拨付金额（元）"), **MONEY)
    released_on = models.DateField(_("拨付日期"))
    decision_ref = models.CharField(_("拨付依据文号"), max_length=60)
    basis = models.JSONField(_("计算依据"), default=dict)
    released_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")

    class Meta:
        constraints = [models.CheckConstraint(name="payment_not_negative", condition=models.Q(amount__gte=0))]


class ProgressReport(models.Model):
    """A periodic or milestone report (进度报告) the organization submits."""

    project = models.ForeignKey(ServiceProject, on_delete=models.CASCADE, related_name="reports")
    milestone = models.ForeignKey(Milestone, on_delete=models.SET_NULL, null=True, blank=True, related_name="reports",
                                  verbose_name=_("对应节点"))
    period = models.CharField(_("报告期"), max_length=40)
    content = models.TextField(_("报告内容"))
    submitted_on = models.DateField(_("提交日期"))
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")

    class Meta:
        ordering = ["-submitted_on", "-id"]


class ServiceRecord(models.Model):
    """Service delivered (服务记录): on a day, an activity, people served, satisfaction
    (percent of those asked who were satisfied)."""

    project = models.ForeignKey(ServiceProject, on_delete=models.CASCADE, related_name="service_records")
    delivered_on = models.DateField(_("服务日期"))
    activity = models.CharField(_("服务内容"), max_length=200)
    people_served = models.PositiveIntegerField(_("服务人次"))
    satisfaction = models.DecimalField(_("满意度（%）"), max_digits=5, decimal_places=2, null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")

    class Meta:
        ordering = ["-delivered_on", "-id"]
        constraints = [models.CheckConstraint(name="satisfaction_percent", condition=models.Q(
            satisfaction__isnull=True) | models.Q(satisfaction__gte=0, satisfaction__lte=100))]


class EvaluationStage(models.TextChoices):
    MID_TERM = "mid_term", _("中期评估")
    FINAL = "final", _("末期评估")


class Evaluation(models.Model):
    """A third-party evaluation (第三方评估) with its score; the band is computed from the
    call's bands (:func:`jiayuan.organizations.rules.evaluation_band`)."""

    project = models.ForeignKey(ServiceProject, on_delete=models.CASCADE, related_name="evaluations")
    stage = models.CharField(_("阶段"), max_length=20, choices=EvaluationStage.choices)
    evaluator = models.CharField(_("评估机构"), max_length=100)
    score = models.DecimalField(_("得分"), max_digits=5, decimal_places=2)
    band = models.CharField(_("等次"), max_length=20)
    evaluated_on = models.DateField(_("评估日期"))
    summary = models.CharField(_("评估意见"), max_length=500, blank=True)

    class Meta:
        ordering = ["project_id", "evaluated_on"]
        constraints = [
            models.UniqueConstraint(fields=["project", "stage"], name="evaluation_once_per_stage"),
            models.CheckConstraint(name="evaluation_score_0_100", condition=models.Q(score__gte=0, score__lte=100)),
        ]


class ProjectBeneficiary(models.Model):
    """A resident the contract entitles the organization to serve (服务对象), named by the
    county on a project whose contract says so (``ServiceProject.resident_access``).
    Through this row, and only while it is current (``ended_on`` empty) and the project
    active, the organization's staff read the fields the service needs (name, community,
    masked phone: :func:`jiayuan.organizations.selectors.resident_fields_for`) — never the
    ID number or anything else of the registry. Every read is audited."""

    project = models.ForeignKey(ServiceProject, on_delete=models.CASCADE, related_name="beneficiaries")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("服务对象"))
    added_on = models.DateField(_("纳入日期"))
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    ended_on = models.DateField(_("退出日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("项目服务对象")
        verbose_name_plural = _("项目服务对象")
        ordering = ["project_id", "id"]
        constraints = [models.UniqueConstraint(fields=["project", "person"], name="project_beneficiary_once")]
