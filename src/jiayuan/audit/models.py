"""Append-only, hash-chained audit log of writes and sensitive reads.

Each entry's ``entry_hash`` is HMAC-SHA256, under a key derived from the configuration
(never stored here), over its canonical content, which includes its sequence number and
the previous entry's hash (``rules``); :class:`ChainHead` keeps the last sequence number
and hash so that even deleting the newest entry is detected, and the algorithm version
of the chain. Database triggers (migration 0002) refuse UPDATE and DELETE on entries.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEntry(models.Model):
    class Source(models.TextChoices):
        PAGE = "page", _("页面")
        API = "api", _("接口")
        COMMAND = "command", _("命令行")
        IMPORT = "import", _("导入")
        SYSTEM = "system", _("系统")

    seq = models.BigIntegerField(_("序号"), unique=True)
    occurred_at = models.DateTimeField(_("时间"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False,
        null=True, blank=True, related_name="+", verbose_name=_("操作人"),
    )
    actor_name = models.CharField(_("操作人"), max_length=150, blank=True)
    source = models.CharField(_("来源"), max_length=10, choices=Source.choices)
    action = models.CharField(_("动作"), max_length=40)
    object_type = models.CharField(_("对象类型"), max_length=60, blank=True)
    object_id = models.CharField(_("对象编号"), max_length=64, blank=True)
    object_repr = models.CharField(_("对象"), max_length=200, blank=True)
    region_code = models.CharField(_("所属区划"), max_length=15, blank=True)
    changes = models.JSONField(_("变更"), default=dict, blank=True)
    extra = models.JSONField(_("附加信息"), default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    # Not indexed: nothing looks an entry up by its hash, and the chain (seq, prev_hash,
    # ChainHead) is what ``jiayuan audit verify`` checks (migration 0003).
    entry_hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计记录")
        ordering = ["-seq"]
        indexes = [
            models.Index(fields=["object_type", "object_id"], name="audit_object_idx"),
            models.Index(fields=["actor", "seq"], name="audit_actor_idx"),
            models.Index(fields=["action", "seq"], name="audit_action_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_type}:{self.object_id}"


class ChainHead(models.Model):
    """One row (id=1): the last sequence number and hash of the chain, and the version of
    the hash rule every entry of the chain follows (``rules.ALGORITHM``; migration 0004
    re-chained older entries). Writers lock it, which also serialises the chain."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)
    algorithm = models.PositiveSmallIntegerField(default=2)
