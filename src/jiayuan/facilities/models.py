"""Community comprehensive service facilities (综合服务设施, ``ServiceFacility``) with their
rooms, and community work funds (社区工作经费, ``CommunityFund``).

A facility belongs to one village-level unit (an urban community or a village): scope
follows its ``region``. Its functions are those of its rooms (elderly care, culture,
fitness, the one-stop service hall, the reading corner or 农家书屋 …). Floor areas are m²
with two decimals. Rules: :mod:`jiayuan.facilities.rules`.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class FacilityFunction(models.TextChoices):
    ONE_STOP = "one_stop", _("一站式服务大厅")
    ELDERLY_CARE = "elderly_care", _("养老服务（日间照料）")
    CULTURE = "culture", _("文化娱乐")
    FITNESS = "fitness", _("体育健身")
    READING = "reading", _("阅览室（农家书屋）")
    CHILDREN = "children", _("儿童之家")
    HEALTH = "health", _("卫生健康")
    CONSULTATION = "consultation", _("议事协商")
    MEDIATION = "mediation", _("调解")
    VOLUNTEER = "volunteer", _("志愿服务")
    OFFICE = "office", _("办公")
    OTHER = "other", _("其他")


class ServiceFacility(models.Model):
    """A community's (or village's) comprehensive service facility (综合服务设施).
    ``floor_area`` in m² (> 0, database constraint); ``status`` ``in_use`` counts for
    coverage, ``closed`` does not. ``also_serves``: the other communities or villages
    the facility serves besides its own ``region`` (a shared centre); coverage counts
    the facility for its region and those units, and for no other."""

    class Status(models.TextChoices):
        IN_USE = "in_use", _("使用中")
        CLOSED = "closed", _("已停用")

    name = models.CharField(_("名称"), max_length=100)
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+", db_column="region_code",
                               verbose_name=_("所属社区（村）"))
    address = models.CharField(_("地址"), max_length=200)
    floor_area = models.DecimalField(_("建筑面积（平方米）"), max_digits=10, decimal_places=2)
    opening_hours = models.CharField(_("开放时间"), max_length=100, blank=True)
    opened_on = models.DateField(_("投入使用日期"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.IN_USE)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    # A facility serves its own community or village and, where it is shared (one centre
    # for two small communities, a township centre for nearby villages), the units named
    # here: coverage counts every unit a facility in use serves (issue 16).
    also_serves = models.ManyToManyField("regions.Region", blank=True, related_name="+",
                                         verbose_name=_("同时服务的社区（村）"))
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("综合服务设施")
        verbose_name_plural = _("综合服务设施")
        ordering = ["region_id", "name"]
        constraints = [
            models.CheckConstraint(name="facility_area_positive", condition=models.Q(floor_area__gt=Decimal("0"))),
        ]
        indexes = [models.Index(fields=["region", "status"], name="facility_region_status")]

    def __str__(self) -> str:
        return self.name


class FacilityRoom(models.Model):
    """A room (功能室) of a facility with its function and area (m², ≥ 0). The rooms of a
    facility together fit in its floor area (checked by the services)."""

    facility = models.ForeignKey(ServiceFacility, on_delete=models.CASCADE, related_name="rooms",
                                 verbose_name=_("设施"))
    name = models.CharField(_("功能室名称"), max_length=100)
    function = models.CharField(_("功能"), max_length=20, choices=FacilityFunction.choices)
    floor_area = models.DecimalField(_("面积（平方米）"), max_digits=10, decimal_places=2)
    opening_hours = models.CharField(_("开放时间"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("功能室")
        verbose_name_plural = _("功能室")
        ordering = ["facility_id", "id"]
        constraints = [
            models.CheckConstraint(name="room_area_not_negative", condition=models.Q(floor_area__gte=Decimal("0"))),
        ]

    def __str__(self) -> str:
        return self.name


class FundCategory(models.TextChoices):
    OFFICE = "office", _("办公经费")
    ACTIVITIES = "activities", _("活动经费")
    SERVICES = "services", _("服务群众")
    TRAINING = "training", _("培训")
    FACILITIES = "facilities", _("设施维护")
    OTHER = "other", _("其他")


class FundStandard(models.Model):
    """The county's standard range of a community's annual work funds for one year
    (e.g. 50,000–120,000 yuan, Zhangye 2019): a parameter per county and year."""

    county = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+", db_column="county_code",
                               verbose_name=_("县（区）"))
    year = models.PositiveSmallIntegerField(_("年度"))
    minimum = models.DecimalField(_("标准下限（元）"), max_digits=12, decimal_places=2)
    maximum = models.DecimalField(_("标准上限（元）"), max_digits=12, decimal_places=2)
    basis = models.CharField(_("依据（文号）"), max_length=200, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("社区工作经费标准")
        verbose_name_plural = _("社区工作经费标准")
        constraints = [
            models.UniqueConstraint(fields=["county", "year"], name="fund_standard_county_year"),
            models.CheckConstraint(name="fund_standard_range",
                                   condition=models.Q(minimum__gt=Decimal("0"), maximum__gte=models.F("minimum"))),
        ]


class CommunityFund(models.Model):
    """A community's work funds for one year: the amount in the budget (预算安排, yuan),
    with its allocations and spending as :class:`FundEntry` rows."""

    community = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+",
                                  db_column="community_code", verbose_name=_("社区"))
    year = models.PositiveSmallIntegerField(_("年度"))
    budget_amount = models.DecimalField(_("预算安排（元）"), max_digits=12, decimal_places=2)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("社区工作经费")
        verbose_name_plural = _("社区工作经费")
        ordering = ["-year", "community_id"]
        constraints = [
            models.UniqueConstraint(fields=["community", "year"], name="community_fund_year"),
            models.CheckConstraint(name="community_fund_not_negative",
                                   condition=models.Q(budget_amount__gte=Decimal("0"))),
        ]


class FundEntry(models.Model):
    """An allocation (拨付) to the community or a spending (支出) of it, by category, in
    yuan (> 0). Entries are appended and never edited, so the ledger stays traceable."""

    class Kind(models.TextChoices):
        ALLOCATION = "allocation", _("拨付")
        SPENDING = "spending", _("支出")

    fund = models.ForeignKey(CommunityFund, on_delete=models.CASCADE, related_name="entries", verbose_name=_("经费"))
    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices)
    category = models.CharField(_("类别"), max_length=12, choices=FundCategory.choices)
    amount = models.DecimalField(_("金额（元）"), max_digits=12, decimal_places=2)
    on = models.DateField(_("日期"))
    note = models.CharField(_("摘要"), max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("经费收支")
        verbose_name_plural = _("经费收支")
        ordering = ["fund_id", "on", "id"]
        constraints = [
            models.CheckConstraint(name="fund_entry_positive", condition=models.Q(amount__gt=Decimal("0"))),
        ]
