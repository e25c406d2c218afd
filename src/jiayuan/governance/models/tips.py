"""Confidential tips (线索) and their designated handlers.

A tip is not a case of the case engine: the engine's need-to-know is a role's
permission in a region (``read_permission``), and it shows the reporter (``@reporter``)
the whole case; a tip's content must be read only by the accounts *named* as its
county's handlers, and its collector must see the status alone. So a tip is a model of
its own with its own history (:class:`TipEvent`), and every route reads it through
:mod:`jiayuan.governance.tips.selectors`.

The content, the informant and every note are stored encrypted (AES-256-GCM,
:mod:`jiayuan.security`); ``__str__`` is the number alone, so the audit log, which
names objects by ``str()``, carries nothing of the content.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..tips import rules


class TipHandler(models.Model):
    """A designation (指定承办人): ``user`` handles the tips of ``county`` from
    ``designated_at`` until ``ended_at``. At most one live designation per account and
    county (partial unique constraint). Not a role: the account keeps its role
    (``county_officer``), the designation names it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("承办人账号"))
    county = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+",
                               db_column="county_code", verbose_name=_("县（区）"))
    designated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                      null=True, blank=True, verbose_name=_("指定人"))
    designated_at = models.DateTimeField(_("指定时间"))
    ended_at = models.DateTimeField(_("终止时间"), null=True, blank=True)
    ended_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                 null=True, blank=True, verbose_name=_("终止人"))

    class Meta:
        verbose_name = _("线索承办人")
        verbose_name_plural = _("线索承办人")
        constraints = [
            models.UniqueConstraint(fields=["user", "county"], condition=Q(ended_at__isnull=True),
                                    name="tip_handler_one_live"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.county_id}"

    @property
    def region_id(self) -> str:  # the audit entry's region
        return self.county_id


class Tip(models.Model):
    """A confidential tip. ``region`` is where the matter lies (within the collector's
    scope), ``county_code`` its first six digits (whose handlers read it). Dates of each
    stage are kept for the counts by stage (collected / transferred / concluded)."""

    class State(models.TextChoices):
        COLLECTED = rules.COLLECTED, _("已采集")
        VERIFIED = rules.VERIFIED, _("已核实")
        TRANSFERRED = rules.TRANSFERRED, _("已移交")
        CONCLUDED = rules.CONCLUDED, _("已办结")

    number = models.CharField(_("编号"), max_length=20, unique=True, null=True, blank=True)
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+",
                               db_column="region_code", verbose_name=_("所涉区域"))
    county_code = models.CharField(_("县（区）代码"), max_length=6, db_index=True)
    category = models.CharField(_("类别"), max_length=30, choices=[(k, _(v)) for k, v in rules.CATEGORIES.items()])
    content_cipher = models.BinaryField(_("线索内容（加密）"))
    anonymous = models.BooleanField(_("匿名"), default=False)
    informant_cipher = models.BinaryField(_("举报人（加密）"), blank=True, default=b"")
    state = models.CharField(_("状态"), max_length=12, choices=State.choices, default=State.COLLECTED)
    collected_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("采集人"))
    collected_on = models.DateField(_("采集日期"))
    collected_at = models.DateTimeField(_("登记时间"))
    verified_on = models.DateField(_("核实日期"), null=True, blank=True)
    recipient = models.CharField(_("移交机关"), max_length=20, blank=True,
                                 choices=[(k, _(v)) for k, v in rules.RECIPIENTS.items()])
    transferred_on = models.DateField(_("移交日期"), null=True, blank=True)
    outcome = models.CharField(_("办结方式"), max_length=12, blank=True,
                               choices=[(k, _(v)) for k, v in rules.OUTCOMES.items()])
    concluded_on = models.DateField(_("办结日期"), null=True, blank=True)
    feedback_cipher = models.BinaryField(_("反馈（加密）"), blank=True, default=b"")
    request_key = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("线索")
        verbose_name_plural = _("线索")
        constraints = [
            models.UniqueConstraint(fields=["collected_by", "request_key"], condition=~Q(request_key=""),
                                    name="tip_request_key_once"),
            models.CheckConstraint(name="tip_stage_dates", condition=(
                (Q(state="collected") & Q(verified_on__isnull=True) & Q(transferred_on__isnull=True)
                 & Q(concluded_on__isnull=True))
                | (Q(state="verified") & Q(verified_on__isnull=False) & Q(transferred_on__isnull=True)
                   & Q(concluded_on__isnull=True))
                | (Q(state="transferred") & Q(transferred_on__isnull=False) & ~Q(recipient="")
                   & Q(concluded_on__isnull=True))
                | (Q(state="concluded") & Q(concluded_on__isnull=False) & ~Q(outcome=""))
            )),
        ]
        indexes = [models.Index(fields=["county_code", "state"], name="tip_county_state")]

    def __str__(self) -> str:
        return self.number or str(_("线索"))


class TipEvent(models.Model):
    """One step of a tip's history: who did what, when; the note (feedback, reasons) is
    encrypted like the content and shown to the handlers only."""

    tip = models.ForeignKey(Tip, on_delete=models.PROTECT, related_name="events")
    action = models.CharField(max_length=20)
    from_state = models.CharField(max_length=12, blank=True)
    to_state = models.CharField(max_length=12)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True)
    at = models.DateTimeField()
    on = models.DateField()
    note_cipher = models.BinaryField(blank=True, default=b"")

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("线索办理记录")
        verbose_name_plural = _("线索办理记录")
