"""Elderly care (养老服务): capacity assessments (GB/T 42195-2022).

An assessment is a record that is never changed after it is written: a later assessment
is a new row, and the person's current level is the latest one's (by date, then id). The
scores, the total, both levels and every adjustment are stored as computed by
:func:`jiayuan.eldercare.rules.assess` with the setting in force, so a past result stays
what it was even if the setting changes.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .. import rules


class Level(models.TextChoices):
    INTACT = "intact", _("能力完好")
    MILD = "mild", _("轻度失能")
    MODERATE = "moderate", _("中度失能")
    SEVERE = "severe", _("重度失能")
    TOTAL = "total", _("完全失能")


class Reason(models.TextChoices):
    FIRST = "first", _("首次评估")
    ROUTINE = "routine", _("常规评估")
    IMMEDIATE = "immediate", _("即时评估（状况变化后）")
    REVIEW = "review", _("复评（对结果有异议）")


class CapacityAssessment(models.Model):
    """One capacity assessment of an elderly person (老年人能力评估).

    ``items``: ``{item code: score}`` for the 26 items of :data:`rules.ITEMS`;
    ``diagnoses``: ICD-10 codes; ``risk_events``: one code per event of the 30 days
    before ``assessed_on``; ``adjustments``: :meth:`rules.Adjustment.as_dict` each;
    ``cumulative``: the setting the result was computed with; ``next_due``: the date
    the next routine assessment is due (``assessed_on`` + the interval in force).
    ``region`` is the person's region when assessed (the record's place; scope follows
    the person's current region)."""

    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="capacity_assessments",
                               verbose_name=_("被评估人"))
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+", db_column="region_code",
                               verbose_name=_("评估时所属区划"))
    reason = models.CharField(_("评估原因"), max_length=10, choices=Reason.choices)
    assessed_on = models.DateField(_("评估日期"))
    assessor_1 = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("评估员一"))
    assessor_2 = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("评估员二"))
    items = models.JSONField(_("各项得分"))
    coma = models.BooleanField(_("昏迷"), default=False)
    diagnoses = models.JSONField(_("诊断（ICD-10）"), default=list, blank=True)
    risk_events = models.JSONField(_("近30天照护风险事件"), default=list, blank=True)
    total = models.PositiveSmallIntegerField(_("总分"))
    self_care = models.PositiveSmallIntegerField(_("自理能力"))
    mobility = models.PositiveSmallIntegerField(_("基础运动能力"))
    mental = models.PositiveSmallIntegerField(_("精神状态"))
    perception = models.PositiveSmallIntegerField(_("感知觉与社会参与"))
    initial_level = models.CharField(_("初步等级"), max_length=10, choices=Level.choices)
    level = models.CharField(_("能力等级"), max_length=10, choices=Level.choices)
    adjustments = models.JSONField(_("等级变更"), default=list, blank=True)
    cumulative = models.BooleanField(_("两项降级规则叠加"), default=False)
    next_due = models.DateField(_("下次常规评估"))
    note = models.CharField(_("备注"), max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("老年人能力评估")
        verbose_name_plural = _("老年人能力评估")
        constraints = [
            models.CheckConstraint(condition=models.Q(total__lte=rules.TOTAL_MAX), name="eldercare_total_range"),
            models.CheckConstraint(condition=models.Q(self_care__lte=32, mobility__lte=15, mental__lte=28,
                                                      perception__lte=15), name="eldercare_dimension_range"),
            models.CheckConstraint(condition=models.Q(total=models.F("self_care") + models.F("mobility")
                                                      + models.F("mental") + models.F("perception")),
                                   name="eldercare_total_is_sum"),
            models.CheckConstraint(condition=models.Q(level__in=rules.LEVELS, initial_level__in=rules.LEVELS),
                                   name="eldercare_level_known"),
            models.CheckConstraint(condition=models.Q(reason__in=list(rules.REASONS)), name="eldercare_reason_known"),
            models.CheckConstraint(condition=~models.Q(assessor_1=models.F("assessor_2")),
                                   name="eldercare_two_assessors"),
            models.CheckConstraint(condition=models.Q(next_due__gt=models.F("assessed_on")),
                                   name="eldercare_next_due_after"),
        ]
        indexes = [
            models.Index(fields=["person", "-assessed_on", "-id"], name="eldercare_person_latest_idx"),
            models.Index(fields=["next_due"], name="eldercare_next_due_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.assessed_on:%Y-%m-%d} {self.get_level_display()}"

    def item_rows(self) -> list[tuple]:
        """(dimension code, item, score) in the standard's order, for pages and exports."""
        return [(i.dimension, i, self.items.get(i.code)) for i in rules.ITEMS]


# ---------------------------------------------------------------------------------------
# Day-care centers (日间照料中心) and rural mutual-aid homes (互助幸福院)
# ---------------------------------------------------------------------------------------

class FacilityKind(models.TextChoices):
    DAY_CARE = "day_care", _("日间照料中心")
    MUTUAL_AID = "mutual_aid", _("农村互助幸福院")
    SERVICE_STATION = "service_station", _("社区养老服务站")


class DayCareCenter(models.Model):
    """A day-care or elderly-service facility: where it is (``region``: the community or
    village it stands in), its size (floor area m², seats, beds), operator (an
    organization of the registry, or none when the community runs it), the services it
    offers (codes of :data:`rules.FACILITY_SERVICES`). ``opened_on`` / ``closed_on``
    bound the days it operates; the status is read from them (planned, operating,
    closed). Coverage counts the communities and villages it is *assigned* to
    (:class:`FacilityAssignment`), not where it stands."""

    kind = models.CharField(_("类型"), max_length=20, choices=FacilityKind.choices)
    name = models.CharField(_("名称"), max_length=100)
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+", db_column="region_code",
                               verbose_name=_("所在社区（村）"))
    address = models.CharField(_("地址"), max_length=200, blank=True)
    floor_area = models.DecimalField(_("建筑面积（平方米）"), max_digits=10, decimal_places=2)
    seats = models.PositiveIntegerField(_("座位数（日间）"), default=0)
    beds = models.PositiveIntegerField(_("床位数"), default=0)
    operator = models.ForeignKey("organizations.SocialOrganization", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+", verbose_name=_("运营方"))
    opened_on = models.DateField(_("投入运营日期"), null=True, blank=True)
    closed_on = models.DateField(_("停止运营日期"), null=True, blank=True)
    services = models.JSONField(_("服务项目"), default=list, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("日间照料设施")
        verbose_name_plural = _("日间照料设施")
        constraints = [
            models.CheckConstraint(condition=models.Q(floor_area__gt=0), name="eldercare_facility_area_positive"),
            models.CheckConstraint(condition=models.Q(closed_on__isnull=True) | models.Q(opened_on__isnull=False,
                                                                                        closed_on__gt=models.F("opened_on")),
                                   name="eldercare_facility_closed_after_opened"),
            models.CheckConstraint(condition=models.Q(kind__in=["day_care", "mutual_aid", "service_station"]),
                                   name="eldercare_facility_kind_known"),
        ]
        indexes = [models.Index(fields=["region", "kind"], name="eldercare_facil_region_idx")]

    def __str__(self) -> str:
        return self.name

    def status_on(self, day) -> str:
        """``planned`` (not opened by ``day``), ``operating`` or ``closed``."""
        if self.opened_on is None or self.opened_on > day:
            return "planned"
        if self.closed_on is not None and self.closed_on <= day:
            return "closed"
        return "operating"


class FacilityAssignment(models.Model):
    """A community or village served by a facility from ``start`` (to ``end``,
    exclusive; open-ended when empty), recorded explicitly: what coverage counts."""

    facility = models.ForeignKey(DayCareCenter, on_delete=models.PROTECT, related_name="assignments",
                                 verbose_name=_("设施"))
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+", db_column="region_code",
                               verbose_name=_("服务的社区（村）"))
    start = models.DateField(_("起始日期"))
    end = models.DateField(_("终止日期"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("设施服务范围")
        verbose_name_plural = _("设施服务范围")
        constraints = [
            models.UniqueConstraint(fields=["facility", "region"], condition=models.Q(end__isnull=True),
                                    name="eldercare_one_open_assignment"),
            models.CheckConstraint(condition=models.Q(end__isnull=True) | models.Q(end__gt=models.F("start")),
                                   name="eldercare_assignment_end_after_start"),
        ]
        indexes = [models.Index(fields=["region", "start"], name="eldercare_assign_region_idx")]


class SubsidyKind(models.TextChoices):
    CONSTRUCTION = "construction", _("建设补贴")
    OPERATING = "operating", _("运营补贴")


class FacilitySubsidy(models.Model):
    """A construction or operating subsidy granted to a facility for a year: amount
    (Decimal yuan), source (e.g. 中央预算内投资, 福彩公益金, 县级财政), the approval
    document (文号) and date."""

    facility = models.ForeignKey(DayCareCenter, on_delete=models.PROTECT, related_name="subsidies",
                                 verbose_name=_("设施"))
    year = models.PositiveSmallIntegerField(_("年度"))
    kind = models.CharField(_("补贴类型"), max_length=20, choices=SubsidyKind.choices)
    amount = models.DecimalField(_("金额（元）"), max_digits=12, decimal_places=2)
    source = models.CharField(_("资金来源"), max_length=100)
    approval = models.CharField(_("批准文号"), max_length=100)
    approved_on = models.DateField(_("批准日期"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("设施补贴")
        verbose_name_plural = _("设施补贴")
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="eldercare_subsidy_positive"),
            models.CheckConstraint(condition=models.Q(year__gte=2000, year__lte=2100), name="eldercare_subsidy_year"),
            models.UniqueConstraint(fields=["facility", "year", "kind", "approval"], name="eldercare_subsidy_once"),
        ]


class DailyAttendance(models.Model):
    """Person-visits of a facility on a day where names are not taken (a count)."""

    facility = models.ForeignKey(DayCareCenter, on_delete=models.PROTECT, related_name="daily_counts",
                                 verbose_name=_("设施"))
    day = models.DateField(_("日期"))
    count = models.PositiveIntegerField(_("人次"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("每日人次")
        verbose_name_plural = _("每日人次")
        constraints = [models.UniqueConstraint(fields=["facility", "day"], name="eldercare_one_count_a_day")]


class CheckIn(models.Model):
    """An elder checked in by name at a facility on a day (one a day: a person-visit)."""

    facility = models.ForeignKey(DayCareCenter, on_delete=models.PROTECT, related_name="check_ins",
                                 verbose_name=_("设施"))
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("老年人"))
    day = models.DateField(_("日期"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("签到")
        verbose_name_plural = _("签到")
        constraints = [models.UniqueConstraint(fields=["facility", "person", "day"], name="eldercare_one_check_in_a_day")]
        indexes = [models.Index(fields=["facility", "day"], name="eldercare_checkin_day_idx")]


# ---------------------------------------------------------------------------------------
# Home-care services (居家养老上门服务): catalogue, standards, entitlements
# ---------------------------------------------------------------------------------------

class HomeCareItem(models.Model):
    """An item of a county's home-care catalogue: kind (助餐, 助洁 … :data:`rules.HOMECARE_KINDS`),
    name, unit (次, 小时, 餐, 项), price (Decimal yuan per unit), minimum duration
    (minutes; 0 when none), the evidence a work order needs (codes of
    :data:`rules.EVIDENCE`), active or withdrawn."""

    county = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+", db_column="county_code",
                               verbose_name=_("县（区）"))
    code = models.CharField(_("编码"), max_length=20)
    kind = models.CharField(_("服务类别"), max_length=20)
    name = models.CharField(_("服务项目"), max_length=60)
    unit = models.CharField(_("计价单位"), max_length=10)
    price = models.DecimalField(_("单价（元）"), max_digits=10, decimal_places=2)
    min_minutes = models.PositiveIntegerField(_("最短服务时长（分钟）"), default=0)
    evidence = models.JSONField(_("留痕要求"), default=list, blank=True)
    active = models.BooleanField(_("在用"), default=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("居家养老服务项目")
        verbose_name_plural = _("居家养老服务项目")
        constraints = [
            models.UniqueConstraint(fields=["county", "code"], name="eldercare_item_code_once"),
            models.CheckConstraint(condition=models.Q(price__gte=0), name="eldercare_item_price"),
        ]

    def __str__(self) -> str:
        return self.name


class EntitlementStandard(models.Model):
    """The monthly entitlement of a category (and level; empty: any level) in a county
    from ``effective_from`` (first of a month) until the next row of the same county,
    category and level: money (yuan) and/or service hours a month."""

    county = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+", db_column="county_code",
                               verbose_name=_("县（区）"))
    category = models.CharField(_("对象类别"), max_length=20)
    level = models.CharField(_("能力等级"), max_length=10, blank=True)
    effective_from = models.DateField(_("起始月份"))
    amount = models.DecimalField(_("每月服务金额（元）"), max_digits=10, decimal_places=2)
    hours = models.DecimalField(_("每月服务时长（小时）"), max_digits=6, decimal_places=1, default=0)
    basis = models.CharField(_("依据文件"), max_length=100)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("居家养老服务标准")
        verbose_name_plural = _("居家养老服务标准")
        constraints = [
            models.UniqueConstraint(fields=["county", "category", "level", "effective_from"],
                                    name="eldercare_standard_once"),
            models.CheckConstraint(condition=models.Q(amount__gte=0, hours__gte=0), name="eldercare_standard_positive"),
        ]

    def __str__(self) -> str:
        level = rules.LEVEL_NAMES.get(self.level, "不分等级")
        return f"{rules.ENTITLEMENT_CATEGORIES.get(self.category, self.category)} {level} {self.effective_from:%Y-%m}"


class Entitlement(models.Model):
    """A person's approved monthly home-care entitlement (county approval): the category
    and level it was granted for, the monthly money and hours (from the standard in
    force, never typed), from ``start_month`` until ``end_month`` (exclusive) when
    ended. ``basis`` keeps the facts and every category found. One open entitlement per
    person (partial unique constraint)."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("享受中")
        ENDED = "ended", _("已终止")

    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("老年人"))
    county = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+", db_column="county_code",
                               verbose_name=_("县（区）"))
    category = models.CharField(_("对象类别"), max_length=20)
    level = models.CharField(_("能力等级"), max_length=10, blank=True)
    amount = models.DecimalField(_("每月服务金额（元）"), max_digits=10, decimal_places=2)
    hours = models.DecimalField(_("每月服务时长（小时）"), max_digits=6, decimal_places=1)
    start_month = models.DateField(_("起始月份"))
    end_month = models.DateField(_("终止月份"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    basis = models.JSONField(_("认定依据"), default=dict)
    standard = models.ForeignKey(EntitlementStandard, on_delete=models.PROTECT, related_name="+")
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("审批人"))
    approved_at = models.DateTimeField(auto_now_add=True)
    end_reason = models.CharField(_("终止原因"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("居家养老服务待遇")
        verbose_name_plural = _("居家养老服务待遇")
        constraints = [
            models.UniqueConstraint(fields=["person"], condition=models.Q(status="active"),
                                    name="eldercare_one_active_entitlement"),
            models.CheckConstraint(condition=models.Q(end_month__isnull=True) | models.Q(end_month__gt=models.F(
                "start_month")), name="eldercare_entitlement_end_after_start"),
        ]

    def __str__(self) -> str:
        return f"{self.person.name} {self.start_month:%Y-%m}"
