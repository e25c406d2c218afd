"""The unified evaluation of communities (统一综合考核评比) by their street or township,
once a period (DOMAIN.md "Community evaluation and the burden on communities").

A round (:class:`EvaluationRound`) has items with weights (:class:`EvaluationItem`;
local practice, so configuration: the weights of a round sum to 100). An item is either
computed from the platform's own records (``source``: a metric of
:mod:`..evaluation.metrics`, with the rows behind each number) or scored by the
evaluators with a comment. Each community gets a score of 0–100 per item
(:class:`EvaluationScore`); its total is Σ weight × score / 100, ranked with ties
(competition ranking). Published results are read by the communities, who may object
(:class:`EvaluationObjection`) within the round's objection window.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class EvaluationRound(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", _("设置中")
        SCORING = "scoring", _("评分中")
        PUBLISHED = "published", _("已公布")

    township = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+",
                                 db_column="township_code", verbose_name=_("乡镇（街道）"))
    title = models.CharField(_("名称"), max_length=100)
    period_start = models.DateField(_("考核期起"))
    period_end = models.DateField(_("考核期止"))
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    published_on = models.DateField(_("公布日期"), null=True, blank=True)
    objections_until = models.DateField(_("异议截止日"), null=True, blank=True)

    class Meta:
        ordering = ["-period_end", "-id"]
        verbose_name = _("综合考核")
        verbose_name_plural = _("综合考核")
        constraints = [
            models.UniqueConstraint(fields=["township", "period_start", "period_end"], name="evaluation_one_per_period"),
            models.CheckConstraint(name="evaluation_period_order", condition=Q(period_start__lte=models.F("period_end"))),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def region_id(self) -> str:
        return self.township_id


class EvaluationItem(models.Model):
    """An indicator of a round: ``weight`` points of 100; ``source`` ``"scored"`` (by
    the evaluators) or a metric code (computed)."""

    round = models.ForeignKey(EvaluationRound, on_delete=models.PROTECT, related_name="items")
    name = models.CharField(_("考核指标"), max_length=100)
    weight = models.DecimalField(_("权重（分）"), max_digits=5, decimal_places=2)
    source = models.CharField(_("评分方式"), max_length=30, default="scored")
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["round", "order", "id"]
        verbose_name = _("考核指标")
        verbose_name_plural = _("考核指标")
        constraints = [models.CheckConstraint(name="evaluation_weight_positive", condition=Q(weight__gt=0))]

    def __str__(self) -> str:
        return self.name


class EvaluationScore(models.Model):
    """A community's score (0–100) on an item: computed (``basis`` says from what, e.g.
    ``"12/15"``) or given by an evaluator with a comment."""

    item = models.ForeignKey(EvaluationItem, on_delete=models.PROTECT, related_name="scores")
    community = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+",
                                  db_column="community_code", verbose_name=_("社区（村）"))
    score = models.DecimalField(_("得分（百分制）"), max_digits=5, decimal_places=2)
    basis = models.CharField(_("计算依据"), max_length=100, blank=True)
    comment = models.CharField(_("评语"), max_length=300, blank=True)
    scored_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+")
    scored_at = models.DateTimeField()

    class Meta:
        verbose_name = _("考核得分")
        verbose_name_plural = _("考核得分")
        constraints = [
            models.UniqueConstraint(fields=["item", "community"], name="evaluation_score_once"),
            models.CheckConstraint(name="evaluation_score_range", condition=Q(score__gte=0) & Q(score__lte=100)),
        ]

    def __str__(self) -> str:
        return f"{self.item.name} · {self.community.name}"

    @property
    def region_id(self) -> str:
        return self.community_id


class EvaluationObjection(models.Model):
    """A community's objection to its published result, and the street's answer."""

    round = models.ForeignKey(EvaluationRound, on_delete=models.PROTECT, related_name="objections")
    community = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+",
                                  db_column="community_code")
    text = models.TextField(_("异议内容"))
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    raised_at = models.DateTimeField()
    answer = models.TextField(_("答复"), blank=True)
    upheld = models.BooleanField(_("异议成立"), null=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["raised_at", "id"]
        verbose_name = _("考核异议")
        verbose_name_plural = _("考核异议")

    def __str__(self) -> str:
        return f"{self.round.title} · {self.community.name}"

    @property
    def region_id(self) -> str:
        return self.community_id
