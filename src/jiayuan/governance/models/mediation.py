"""People's mediation: what a ``mediation_case`` (a case of the engine) has besides its
timeline — the committee, the mediators assigned, sessions, the agreement, follow-ups,
reports to the police — and refusals recorded when a party clearly refused (人民调解法
art. 17: no case is opened then)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class MediationFile(models.Model):
    """The mediation file (调解卷宗) of one case: its committee and how it started."""

    case = models.OneToOneField("cases.Case", on_delete=models.PROTECT, related_name="mediation")
    committee = models.ForeignKey("governance.SelfGovernanceBody", on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("人民调解委员会"))
    start_mode = models.CharField(_("启动方式"), max_length=20)
    category = models.CharField(_("纠纷类别"), max_length=30)
    registered_on = models.DateField(_("登记日期"))

    class Meta:
        verbose_name = _("调解卷宗")
        verbose_name_plural = _("调解卷宗")

    def __str__(self) -> str:
        return self.case.number


class MediationAssignment(models.Model):
    file = models.ForeignKey(MediationFile, on_delete=models.PROTECT, related_name="assignments")
    member = models.ForeignKey("governance.BodyMember", on_delete=models.PROTECT, related_name="+")
    assigned_at = models.DateTimeField()
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["file", "member"], name="mediation_assignment_once")]


class MediationSession(models.Model):
    """One mediation session (调解记录)."""

    file = models.ForeignKey(MediationFile, on_delete=models.PROTECT, related_name="sessions")
    held_on = models.DateField(_("调解日期"))
    place = models.CharField(_("地点"), max_length=100, blank=True)
    attendees = models.CharField(_("参加人员"), max_length=300, blank=True)
    record = models.TextField(_("调解情况"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["held_on", "id"]


class MediationAgreement(models.Model):
    """The agreement (调解协议书, art. 29) and its court-confirmation deadline (art. 33)."""

    file = models.OneToOneField(MediationFile, on_delete=models.PROTECT, related_name="agreement")
    facts_and_issues = models.TextField(_("纠纷主要事实、争议事项"))
    terms = models.TextField(_("协议内容"))
    performance_manner = models.CharField(_("履行方式"), max_length=300)
    performance_deadline = models.DateField(_("履行期限"))
    signed_on = models.DateField(_("签订日期"))
    court_confirmation_deadline = models.DateField(_("申请司法确认截止日"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()

    class Meta:
        verbose_name = _("调解协议")
        verbose_name_plural = _("调解协议")

    def __str__(self) -> str:
        return self.file.case.number


class MediationFollowUp(models.Model):
    """A visit on the agreement's performance (回访)."""

    file = models.ForeignKey(MediationFile, on_delete=models.PROTECT, related_name="followups")
    visited_on = models.DateField(_("回访日期"))
    performance = models.CharField(_("履行情况"), max_length=10)
    note = models.TextField(_("回访情况"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["visited_on", "id"]


class MediationPoliceReport(models.Model):
    """A dispute likely to turn violent reported to the police (art. 25), from its case:
    the police station (a department of the engine) sees the report and signs for it."""

    file = models.ForeignKey(MediationFile, on_delete=models.PROTECT, related_name="police_reports")
    department = models.ForeignKey("cases.Department", on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("公安机关"))
    risk = models.TextField(_("风险情况"))
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reported_at = models.DateTimeField()
    received_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")
    received_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("报告公安机关")
        verbose_name_plural = _("报告公安机关")

    def __str__(self) -> str:
        return self.file.case.number

    @property
    def region_id(self) -> str:
        return self.file.case.region_id


class MediationRefusal(models.Model):
    """A party's clear refusal of mediation (art. 17), recorded when an opening was asked
    for: no case is opened."""

    committee = models.ForeignKey("governance.SelfGovernanceBody", on_delete=models.PROTECT, related_name="+")
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+", db_column="region_code")
    party_names = models.CharField(_("拒绝调解的当事人"), max_length=200)
    category = models.CharField(_("纠纷类别"), max_length=30)
    start_mode = models.CharField(_("启动方式"), max_length=20)
    facts = models.TextField(_("纠纷简要情况"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()

    class Meta:
        verbose_name = _("拒绝调解记录")
        verbose_name_plural = _("拒绝调解记录")

    def __str__(self) -> str:
        return self.party_names
