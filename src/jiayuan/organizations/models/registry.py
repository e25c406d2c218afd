"""The registry of social organizations (社会组织) and of the enterprises that provide
services (home-care providers, operators of facilities): one table every module refers
to when it names an organization (eldercare providers and day-care operators, children's
homes, 三社联动 projects).

Kinds (民政部登记管理; DOMAIN.md "Social organizations and purchased services"):
社会团体, 社会服务机构 (formerly 民办非企业单位), 基金会, registered with civil affairs and
holding a unified social credit code starting 51/52/53; enterprises (codes starting
91–93); community social organizations that file a record (备案) with the street or
township (民发〔2017〕191号), which may have no code. The code is checked by
:func:`jiayuan.organizations.rules.check_uscc` (GB 32100-2015) in the services, and is
unique when present (database constraint).
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

__all__ = ["OrganizationKind", "OrganizationStatus", "SocialOrganization", "OrganizationMember",
           "AnnualInspection", "InspectionResult", "OrganizationRating", "CommunityFiling", "FilingStatus",
           "FilingStep", "OrganizationActivity", "IncubationBase", "Incubation", "IncubationService",
           "IncubationServiceKind"]


class OrganizationKind(models.TextChoices):
    SOCIAL_GROUP = "social_group", _("社会团体")
    SOCIAL_SERVICE_INSTITUTION = "social_service_institution", _("社会服务机构")
    FOUNDATION = "foundation", _("基金会")
    ENTERPRISE = "enterprise", _("企业")
    COMMUNITY_FILED = "community_filed", _("社区社会组织（备案）")


class OrganizationStatus(models.TextChoices):
    ACTIVE = "active", _("正常")
    SUSPENDED = "suspended", _("停止活动")
    DEREGISTERED = "deregistered", _("已注销")
    REVOKED = "revoked", _("已撤销登记")


class SocialOrganization(models.Model):
    """A social organization or service enterprise. ``region`` is where it is registered
    or filed (a county for registered ones, a township/street or community for filed
    community organizations): scope follows it. ``registered_funds`` in yuan."""

    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=30, choices=OrganizationKind.choices)
    uscc = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+",
                               db_column="region_code", verbose_name=_("登记（备案）地"))
    legal_representative = models.CharField(_("法定代表人（负责人）"), max_length=50, blank=True)
    registration_authority = models.CharField(_("登记管理机关"), max_length=100, blank=True)
    registered_on = models.DateField(_("登记（备案）日期"), null=True, blank=True)
    supervising_unit = models.CharField(_("业务主管单位"), max_length=100, blank=True)
    registered_funds = models.DecimalField(_("注册资金（元）"), max_digits=14, decimal_places=2,
                                           null=True, blank=True)
    service_area = models.CharField(_("业务范围"), max_length=500, blank=True)
    is_federation = models.BooleanField(_("社区社会组织联合会"), default=False)
    federation = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="affiliates",
                                   limit_choices_to={"is_federation": True}, verbose_name=_("所属联合会"))
    phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    address = models.CharField(_("住所"), max_length=200, blank=True)
    status = models.CharField(_("状态"), max_length=20, choices=OrganizationStatus.choices,
                              default=OrganizationStatus.ACTIVE)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("社会组织")
        verbose_name_plural = _("社会组织")
        ordering = ["region_id", "name"]
        constraints = [
            models.UniqueConstraint(fields=["uscc"], condition=~models.Q(uscc=""), name="organization_uscc_unique"),
            models.CheckConstraint(
                name="organization_code_unless_filed",
                condition=models.Q(kind="community_filed") | ~models.Q(uscc=""),
            ),
            models.CheckConstraint(name="organization_funds_not_negative",
                                   condition=models.Q(registered_funds__isnull=True)
                                   | models.Q(registered_funds__gte=Decimal("0"))),
        ]
        indexes = [models.Index(fields=["region", "kind"], name="organization_region_kind")]

    def __str__(self) -> str:
        return self.name


class OrganizationMember(models.Model):
    """An account that works for an organization (the 社会组织人员 role, ``org_staff``):
    what the organization's staff may see and do is decided by this membership, not by
    the region scope alone. ``position``: free text (负责人, 调度员, 护理员 …); modules
    that need a duty (a care worker, a dispatcher) record it on their own tables."""

    organization = models.ForeignKey(SocialOrganization, on_delete=models.CASCADE, related_name="members",
                                     verbose_name=_("组织"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="organization_memberships",
                             verbose_name=_("账号"))
    position = models.CharField(_("岗位"), max_length=50, blank=True)
    active = models.BooleanField(_("在岗"), default=True)

    class Meta:
        verbose_name = _("组织人员")
        verbose_name_plural = _("组织人员")
        constraints = [models.UniqueConstraint(fields=["organization", "user"], name="organization_member_unique")]

    def __str__(self) -> str:
        return f"{self.organization} · {self.user}"


class InspectionResult(models.TextChoices):
    QUALIFIED = "qualified", _("合格")
    BASICALLY_QUALIFIED = "basically_qualified", _("基本合格")
    UNQUALIFIED = "unqualified", _("不合格")


class AnnualInspection(models.Model):
    """An annual report (年度报告) or inspection (年检) of ``year`` with its result, as the
    registration authority concluded it (社会团体登记管理条例 art. 28; 民办非企业单位登记管理暂行
    条例 art. 23; 基金会管理条例 art. 36). One per organization and year."""

    class Kind(models.TextChoices):
        REPORT = "report", _("年度报告")
        INSPECTION = "inspection", _("年度检查")

    organization = models.ForeignKey(SocialOrganization, on_delete=models.CASCADE, related_name="inspections",
                                     verbose_name=_("组织"))
    year = models.PositiveSmallIntegerField(_("年度"))
    kind = models.CharField(_("方式"), max_length=20, choices=Kind.choices, default=Kind.REPORT)
    submitted_on = models.DateField(_("报送日期"), null=True, blank=True)
    result = models.CharField(_("结论"), max_length=30, choices=InspectionResult.choices)
    concluded_on = models.DateField(_("结论日期"))
    note = models.CharField(_("说明"), max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")

    class Meta:
        verbose_name = _("年报年检")
        verbose_name_plural = _("年报年检")
        ordering = ["-year"]
        constraints = [models.UniqueConstraint(fields=["organization", "year"], name="inspection_one_per_year")]


class OrganizationRating(models.Model):
    """An assessment grade (等级评估, 社会组织评估管理办法, 民政部令第39号): 1A–5A, valid five
    years from the date (art. 22); the latest is the organization's grade."""

    organization = models.ForeignKey(SocialOrganization, on_delete=models.CASCADE, related_name="ratings",
                                     verbose_name=_("组织"))
    grade = models.PositiveSmallIntegerField(_("评估等级"), choices=[(n, f"{n}A") for n in range(1, 6)])
    rated_on = models.DateField(_("评定日期"))
    valid_until = models.DateField(_("有效期至"))
    decision_ref = models.CharField(_("文号"), max_length=60, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")

    class Meta:
        verbose_name = _("等级评估")
        verbose_name_plural = _("等级评估")
        ordering = ["-rated_on", "-id"]
        constraints = [models.CheckConstraint(name="rating_grade_1_to_5",
                                              condition=models.Q(grade__gte=1, grade__lte=5))]


class FilingStatus(models.TextChoices):
    SUBMITTED = "submitted", _("待社区初审")
    CHECKED = "checked", _("待街道（乡镇）审核")
    RETURNED = "returned", _("社区退回")
    APPROVED = "approved", _("已备案")
    REJECTED = "rejected", _("不予备案")


class CommunityFiling(models.Model):
    """The record (备案) a community social organization files with the street or township
    (民发〔2017〕191号): its charter and member list, the community's first check, the
    street's decision. ``community`` is where it is active, ``township`` decides. Steps
    are kept in :class:`FilingStep` (who, when, from, to, why)."""

    organization = models.OneToOneField(SocialOrganization, on_delete=models.CASCADE, related_name="filing",
                                        verbose_name=_("组织"))
    community = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+",
                                  db_column="community_code", verbose_name=_("所在社区（村）"))
    charter = models.TextField(_("章程"))
    members = models.JSONField(_("成员名单"), default=list)
    responsible_person = models.CharField(_("负责人"), max_length=50)
    status = models.CharField(_("状态"), max_length=20, choices=FilingStatus.choices, default=FilingStatus.SUBMITTED)
    filed_on = models.DateField(_("申请日期"))
    decided_on = models.DateField(_("决定日期"), null=True, blank=True)
    filing_number = models.CharField(_("备案编号"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("社区社会组织备案")
        verbose_name_plural = _("社区社会组织备案")
        ordering = ["-filed_on", "-id"]

    def __str__(self) -> str:
        return self.organization.name


class FilingStep(models.Model):
    """One step of a filing: ``from_status`` → ``to_status`` by ``actor`` with ``note``."""

    filing = models.ForeignKey(CommunityFiling, on_delete=models.CASCADE, related_name="steps")
    from_status = models.CharField(max_length=20, choices=FilingStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=FilingStatus.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    note = models.CharField(_("意见"), max_length=300, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]


class OrganizationActivity(models.Model):
    """An activity the organization held (活动): title, date, place, participants."""

    organization = models.ForeignKey(SocialOrganization, on_delete=models.CASCADE, related_name="activities",
                                     verbose_name=_("组织"))
    title = models.CharField(_("活动名称"), max_length=100)
    held_on = models.DateField(_("活动日期"))
    place = models.CharField(_("地点"), max_length=100, blank=True)
    participants = models.PositiveIntegerField(_("参与人次"), default=0)
    description = models.CharField(_("内容"), max_length=500, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")

    class Meta:
        verbose_name = _("组织活动")
        verbose_name_plural = _("组织活动")
        ordering = ["-held_on", "-id"]


class IncubationBase(models.Model):
    """A social-organization incubation base (孵化基地), run by ``operator`` (often the
    federation) in ``region``."""

    name = models.CharField(_("名称"), max_length=100)
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+",
                               db_column="region_code", verbose_name=_("所在地"))
    operator = models.ForeignKey(SocialOrganization, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="operated_bases", verbose_name=_("运营机构"))
    address = models.CharField(_("地址"), max_length=200, blank=True)
    floor_area = models.DecimalField(_("场地面积（m²）"), max_digits=10, decimal_places=2, null=True, blank=True)
    opened_on = models.DateField(_("启用日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("孵化基地")
        verbose_name_plural = _("孵化基地")
        ordering = ["region_id", "name"]

    def __str__(self) -> str:
        return self.name


class Incubation(models.Model):
    """An organization incubated at a base from ``entered_on`` to ``exited_on`` (出壳);
    at most one open incubation per organization (constraint)."""

    class Outcome(models.TextChoices):
        GRADUATED = "graduated", _("孵化成功出壳")
        WITHDRAWN = "withdrawn", _("中途退出")

    base = models.ForeignKey(IncubationBase, on_delete=models.PROTECT, related_name="incubations",
                             verbose_name=_("孵化基地"))
    organization = models.ForeignKey(SocialOrganization, on_delete=models.PROTECT, related_name="incubations",
                                     verbose_name=_("入驻组织"))
    entered_on = models.DateField(_("入驻日期"))
    exited_on = models.DateField(_("出壳日期"), null=True, blank=True)
    outcome = models.CharField(_("结果"), max_length=20, choices=Outcome.choices, blank=True)

    class Meta:
        verbose_name = _("入驻孵化")
        verbose_name_plural = _("入驻孵化")
        ordering = ["-entered_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["organization"], condition=models.Q(exited_on__isnull=True),
                                    name="incubation_one_open_per_organization"),
            models.CheckConstraint(name="incubation_exit_after_entry",
                                   condition=models.Q(exited_on__isnull=True)
                                   | models.Q(exited_on__gte=models.F("entered_on"))),
        ]


class IncubationServiceKind(models.TextChoices):
    TRAINING = "training", _("能力培训")
    INFORMATION = "information", _("信息共享")
    PROJECT_SUPPORT = "project_support", _("项目支持")
    VENUE = "venue", _("场地设备")
    REGISTRATION = "registration", _("登记备案指导")


class IncubationService(models.Model):
    """A service the base gave an incubated organization (training, information sharing,
    project support …), with hours where it has them."""

    incubation = models.ForeignKey(Incubation, on_delete=models.CASCADE, related_name="services",
                                   verbose_name=_("入驻孵化"))
    kind = models.CharField(_("服务类型"), max_length=20, choices=IncubationServiceKind.choices)
    provided_on = models.DateField(_("日期"))
    hours = models.DecimalField(_("时长（小时）"), max_digits=6, decimal_places=1, default=0)
    description = models.CharField(_("内容"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("孵化服务")
        verbose_name_plural = _("孵化服务")
        ordering = ["-provided_on", "-id"]
