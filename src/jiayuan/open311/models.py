"""Open311 GeoReport v2 clients (API keys, stored as digests) and the tokens handed out
for submitted requests."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Open311Client(models.Model):
    """An application allowed to POST requests (a city app, a WeChat mini-program …).
    Only the SHA-256 digest of its api_key is stored."""

    name = models.CharField(_("名称"), max_length=100)
    key_digest = models.CharField(max_length=64, unique=True)
    key_prefix = models.CharField(max_length=10)
    jurisdiction = models.ForeignKey("regions.Region", on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+", db_column="jurisdiction_code", verbose_name=_("受理范围"))
    active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("Open311 客户端")
        verbose_name_plural = _("Open311 客户端")

    def __str__(self) -> str:
        return self.name


class Open311Submission(models.Model):
    """The token of a request submitted through Open311 and the case it became."""

    token = models.CharField(max_length=40, unique=True)
    case = models.OneToOneField("cases.Case", on_delete=models.PROTECT, related_name="open311_submission")
    client = models.ForeignKey(Open311Client, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("Open311 提交记录")
        verbose_name_plural = _("Open311 提交记录")
