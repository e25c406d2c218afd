"""Tables of statistics. 一表通 (report once, reuse everywhere; DOMAIN.md "一表通"):

- :class:`DataElement` (数据元): one figure a form may ask for, with its definition, the
  department that owns it and where the platform takes it from (an indicator of
  :mod:`jiayuan.stats.definitions`, a registry count, or entered by the unit);
- :class:`ReportForm` (报表) with its ordered :class:`ReportFormItem` rows: the form
  catalogue; a form is approved (by a ``manage_report_forms`` holder other than its
  author) before it can be issued, and an approved form is never edited (a change is a
  new version);
- :class:`ReportTask` (填报任务): a catalogued, approved form issued by a county or township
  to the units below for a period with a deadline; one :class:`ReportSubmission` per unit;
- :class:`UnitValue`: the unit's base dataset (每个社区一套基础数据): a value confirmed,
  corrected or entered once for a unit, element and period, reused by every form that
  asks for that element.

Database guarantees: an approved form names an approver who is not its author (check
constraint); a task's form is approved (trigger ``stats_task_form_approved``, migration
0001, SQLite and PostgreSQL); one submission per task and unit; one base value per unit,
element and period.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class DataElement(models.Model):
    """A data element (数据元). ``code`` is stable (``facilities.area_m2``,
    ``entered.office_area_m2``); ``source_kind`` says where the platform's value comes
    from: ``indicator`` (``source`` an indicator code, value by
    :func:`jiayuan.stats.registry.value`), ``registry`` (``source`` a key of
    :data:`jiayuan.stats.yibiaotong.sources.REGISTRY_SOURCES`) or ``entered`` (no platform
    value: the unit enters it). ``unit`` a key of :data:`jiayuan.stats.definitions.UNITS`;
    ``frequency`` a period kind (year, half, quarter, month)."""

    class Source(models.TextChoices):
        INDICATOR = "indicator", _("平台指标")
        REGISTRY = "registry", _("基础台账")
        ENTERED = "entered", _("基层填报")

    class Frequency(models.TextChoices):
        YEAR = "year", _("每年")
        HALF = "half", _("每半年")
        QUARTER = "quarter", _("每季度")
        MONTH = "month", _("每月")

    code = models.CharField(_("数据元编码"), max_length=64, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    definition = models.TextField(_("定义"))
    owner_department = models.CharField(_("责任部门"), max_length=100)
    source_kind = models.CharField(_("数据来源"), max_length=10, choices=Source.choices)
    source = models.CharField(_("来源编码"), max_length=64, blank=True)
    unit = models.CharField(_("计量单位"), max_length=16)
    frequency = models.CharField(_("更新频率"), max_length=8, choices=Frequency.choices, default=Frequency.YEAR)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("数据元")
        verbose_name_plural = _("数据元")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(name="element_source_given",
                                   condition=Q(source_kind="entered", source="") | (~Q(source_kind="entered") & ~Q(source=""))),
        ]

    def __str__(self) -> str:
        return self.name


class ReportForm(models.Model):
    """A catalogued form (报表目录中的报表): ``code`` + ``version`` unique; ``units`` the
    kind of unit that fills it (townships, or communities and/or villages); ``status``
    draft → approved (→ retired). Approved only with an approver other than the author
    (database check); retired with who and when (database check)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        APPROVED = "approved", _("已审定")
        RETIRED = "retired", _("已停用")

    class Units(models.TextChoices):
        TOWNSHIPS = "townships", _("乡镇（街道）")
        VILLAGE_UNITS = "village_units", _("社区和行政村")
        COMMUNITIES = "communities", _("城市社区")
        VILLAGES = "villages", _("行政村")

    code = models.CharField(_("表号"), max_length=32)
    version = models.PositiveIntegerField(_("版本"), default=1)
    title = models.CharField(_("表名"), max_length=100)
    purpose = models.CharField(_("用途说明"), max_length=200, blank=True)
    units = models.CharField(_("填报单位"), max_length=16, choices=Units.choices, default=Units.VILLAGE_UNITS)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("制表人"))
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    null=True, blank=True, verbose_name=_("审定人"))
    approved_at = models.DateTimeField(_("审定时间"), null=True, blank=True)
    # Retired (停用): no new task can name it (services.issue_task and the database trigger
    # stats_task_form_approved); its tasks and submissions stay as they are.
    retired_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   null=True, blank=True, verbose_name=_("停用人"))
    retired_at = models.DateTimeField(_("停用时间"), null=True, blank=True)
    retire_reason = models.CharField(_("停用原因"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("报表")
        verbose_name_plural = _("报表")
        ordering = ["code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="report_form_code_version"),
            models.CheckConstraint(
                name="report_form_approved_by_other",
                condition=Q(status="draft") | (Q(approved_by__isnull=False) & Q(approved_at__isnull=False)
                                                & ~Q(approved_by=F("author")))),
            models.CheckConstraint(
                name="report_form_retired_by_whom",
                condition=~Q(status="retired") | (Q(retired_by__isnull=False) & Q(retired_at__isnull=False))),
        ]

    def __str__(self) -> str:
        return f"{self.title}（{self.code} 第{self.version}版）"


class ReportFormItem(models.Model):
    """A row of a form: a data element at ``position`` (1, 2, …), with the aggregation
    of the units' values in the aggregated form (sum, min, max)."""

    class Aggregation(models.TextChoices):
        SUM = "sum", _("合计")
        MIN = "min", _("最小值")
        MAX = "max", _("最大值")

    form = models.ForeignKey(ReportForm, on_delete=models.CASCADE, related_name="items")
    element = models.ForeignKey(DataElement, on_delete=models.PROTECT, related_name="+", verbose_name=_("数据元"))
    position = models.PositiveSmallIntegerField(_("序号"))
    aggregation = models.CharField(_("汇总方式"), max_length=4, choices=Aggregation.choices, default=Aggregation.SUM)

    class Meta:
        ordering = ["form", "position"]
        constraints = [
            models.UniqueConstraint(fields=["form", "position"], name="report_item_position"),
            models.UniqueConstraint(fields=["form", "element"], name="report_item_element"),
        ]


class ReportTask(models.Model):
    """A report task (填报任务): ``form`` (approved: database trigger) issued by ``issuer``
    from ``region`` (a county or township) for ``period`` (``2026``, ``2026H1``,
    ``2026Q2``, ``2026-06``) with a ``deadline`` (a date, inclusive)."""

    form = models.ForeignKey(ReportForm, on_delete=models.PROTECT, related_name="tasks", verbose_name=_("报表"))
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+", db_column="region_code",
                               verbose_name=_("下发单位"))
    period = models.CharField(_("统计期"), max_length=8)
    deadline = models.DateField(_("截止日期"))
    note = models.CharField(_("填报说明"), max_length=200, blank=True)
    issuer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("下发人"))
    issued_at = models.DateTimeField(_("下发时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("填报任务")
        verbose_name_plural = _("填报任务")
        ordering = ["-issued_at", "-id"]
        indexes = [models.Index(fields=["region", "deadline"], name="report_task_region")]

    def __str__(self) -> str:
        return f"{self.form.title}（{self.period}）"


class ReportSubmission(models.Model):
    """One unit's part of a task: ``unit`` (a township or a community/village), submitted
    by whom and when (empty until submitted; then the values are frozen in ``values``:
    ``{element_code: [value as text or null, provenance]}``)."""

    task = models.ForeignKey(ReportTask, on_delete=models.CASCADE, related_name="submissions")
    unit = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+", db_column="unit_code",
                             verbose_name=_("填报单位"))
    started_at = models.DateTimeField(_("开始填报"), null=True, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                     null=True, blank=True, verbose_name=_("填报人"))
    submitted_at = models.DateTimeField(_("报送时间"), null=True, blank=True)
    values = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("报表填报")
        verbose_name_plural = _("报表填报")
        ordering = ["task", "unit_id"]
        constraints = [
            models.UniqueConstraint(fields=["task", "unit"], name="report_submission_unit"),
            models.CheckConstraint(name="report_submission_by_when",
                                   condition=Q(submitted_at__isnull=True) | Q(submitted_by__isnull=False)),
        ]
        indexes = [models.Index(fields=["unit", "submitted_at"], name="report_submission_unit_idx")]

    def __str__(self) -> str:
        return f"{self.task}（{self.unit}）"


class UnitValue(models.Model):
    """A value of the unit's base dataset (基础数据): for ``unit``, ``element`` and
    ``period`` (a period label), ``value`` (Decimal) with its provenance — ``confirmed``
    (the platform's value, confirmed), ``corrected`` (the unit replaced the platform's
    ``platform_value``), ``entered`` (no platform value) — and who recorded it when."""

    class Provenance(models.TextChoices):
        CONFIRMED = "confirmed", _("已确认")
        CORRECTED = "corrected", _("已更正")
        ENTERED = "entered", _("基层填报")

    unit = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+", db_column="unit_code")
    element = models.ForeignKey(DataElement, on_delete=models.PROTECT, related_name="+")
    period = models.CharField(max_length=8)
    value = models.DecimalField(max_digits=16, decimal_places=2)
    platform_value = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)
    provenance = models.CharField(max_length=10, choices=Provenance.choices)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()

    class Meta:
        verbose_name = _("基础数据")
        verbose_name_plural = _("基础数据")
        constraints = [
            models.UniqueConstraint(fields=["unit", "element", "period"], name="unit_value_once"),
        ]

    def __str__(self) -> str:
        return f"{self.element}（{self.period}）"


class DashboardSnapshot(models.Model):
    """A precomputed dashboard panel (issue 16, performance): the JSON answer of
    :func:`jiayuan.stats.dashboards.selectors.compute_panel` for a region, period and
    panel, as computed at ``computed_at`` (taking ``seconds``). Kept for the levels whose
    live figures read whole tables (city and counties,
    :data:`jiayuan.stats.dashboards.selectors.PRECOMPUTED_LEVELS`); written only by
    :func:`jiayuan.stats.dashboards.services.refresh` (background task and on demand).
    ``audience`` is ``"<language>|<case types>"``: the language of the labels, and the
    sorted, comma-joined case types the figures count (the cases panel counts only the
    types its reader may read; empty for every other panel). Holds aggregates only, no
    personal detail."""

    region = models.ForeignKey("regions.Region", on_delete=models.CASCADE, db_column="region_code",
                               related_name="+")
    period = models.CharField(max_length=10)
    panel = models.CharField(max_length=20)
    audience = models.CharField(max_length=500, blank=True, default="")
    data = models.JSONField()
    computed_at = models.DateTimeField()
    seconds = models.FloatField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["region", "period", "panel", "audience"],
                                               name="dashboard_snapshot_unique")]
