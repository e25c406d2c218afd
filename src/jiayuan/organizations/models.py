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
