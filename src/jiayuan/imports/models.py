"""Import jobs and their row-level issues, shared by the command line, the pages and
the API: one :class:`ImportJob` per file imported (or previewed), its counts and
progress, and one :class:`ImportIssue` per error or warning.

Original cell text is kept in ``ImportIssue.value``; ID numbers and phones there are
masked (first 6 and last 4 characters), the worker's file holding the full value.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def _upload_to(job: "ImportJob", filename: str) -> str:
    return f"imports/{timezone.now():%Y/%m}/{job.sha256[:16]}-{filename[-80:]}"


class ImportJob(models.Model):
    """One import of one roster file into one region (a community, village or grid).

    ``options``: ``{"sheet": str | None, "dry_run": bool, "all_or_nothing": bool}``.
    Counts follow the command's JSON: ``rows`` data rows read, ``errors`` rows with at
    least one error, ``warnings`` warning entries. ``progress_done``/``progress_total``
    count rows within ``stage`` (reading, validating, writing, done).
    """

    class Kind(models.TextChoices):
        RESIDENTS = "residents", _("居民花名册")
        BENEFICIARIES = "beneficiaries", _("享受对象花名册")

    class Status(models.TextChoices):
        PENDING = "pending", _("等待中")
        RUNNING = "running", _("导入中")
        DONE = "done", _("已完成")
        REJECTED = "rejected", _("文件被拒绝")
        FAILED = "failed", _("意外中断")

    class Source(models.TextChoices):
        COMMAND = "command", _("命令行")
        PAGE = "page", _("页面")
        API = "api", _("接口")

    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices, default=Kind.RESIDENTS)
    source = models.CharField(_("来源"), max_length=10, choices=Source.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("导入人"),
    )
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", db_column="region_code",
        verbose_name=_("导入范围"),
    )
    file_name = models.CharField(_("文件名"), max_length=255)
    file_size = models.BigIntegerField(_("文件大小"), default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    file = models.FileField(_("文件"), upload_to=_upload_to, blank=True, max_length=255)
    options = models.JSONField(_("选项"), default=dict, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING)
    error_code = models.CharField(_("错误代码"), max_length=60, blank=True)
    error_message = models.TextField(_("错误说明"), blank=True)
    sheet_name = models.CharField(_("工作表"), max_length=100, blank=True)
    header_row = models.PositiveIntegerField(_("表头行"), null=True, blank=True)
    rows = models.PositiveIntegerField(_("数据行数"), default=0)
    created = models.PositiveIntegerField(_("新增"), default=0)
    updated = models.PositiveIntegerField(_("更新"), default=0)
    unchanged = models.PositiveIntegerField(_("未变"), default=0)
    errors = models.PositiveIntegerField(_("错误行数"), default=0)
    warnings = models.PositiveIntegerField(_("提示条数"), default=0)
    households_created = models.PositiveIntegerField(_("新增户数"), default=0)
    stage = models.CharField(_("阶段"), max_length=12, blank=True)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("导入任务")
        verbose_name_plural = _("导入任务")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["region", "created_at"], name="importjob_region_idx"),
            models.Index(fields=["created_by", "created_at"], name="importjob_user_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.file_name}"

    @property
    def dry_run(self) -> bool:
        return bool(self.options.get("dry_run"))

    @property
    def all_or_nothing(self) -> bool:
        return bool(self.options.get("all_or_nothing"))

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.REJECTED, self.Status.FAILED)


class ImportIssue(models.Model):
    """An error or warning on one row (``row`` is the sheet row number the worker sees,
    ``column`` the header text as written, empty for the row as a whole)."""

    class Level(models.TextChoices):
        ERROR = "error", _("错误")
        WARNING = "warning", _("提示")

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="issues")
    level = models.CharField(_("级别"), max_length=7, choices=Level.choices)
    row = models.PositiveIntegerField(_("行号"))
    column = models.CharField(_("列"), max_length=100, blank=True)
    column_index = models.IntegerField(null=True, blank=True)
    code = models.CharField(_("代码"), max_length=60)
    message = models.TextField(_("说明"))
    value = models.CharField(_("原始内容"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("导入问题")
        verbose_name_plural = _("导入问题")
        ordering = ["job", "row", "id"]
        indexes = [models.Index(fields=["job", "level", "row"], name="importissue_job_idx")]

    def __str__(self) -> str:
        return f"{self.row}:{self.code}"
