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

from . import rules


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
