"""Grid members (网格员). Grids themselves are regions of level ``grid``."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .. import security
from ..people import rules as people_rules


class GridMember(models.Model):
    """A member of a grid's staff, with an account when they use the phone pages."""

    grid = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="grid_members", db_column="grid_code",
        verbose_name=_("网格"), limit_choices_to={"level": "grid"},
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="grid_memberships"
    )
    name = models.CharField(_("姓名"), max_length=50)
    phone_cipher = models.BinaryField(blank=True, default=b"")
    is_full_time = models.BooleanField(_("专职"), default=True)
    active = models.BooleanField(_("在岗"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("网格员")
        verbose_name_plural = _("网格员")
        ordering = ["grid", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def region_id(self) -> str:
        return self.grid_id

    @property
    def phone_masked(self) -> str:
        return people_rules.mask_phone(security.decrypt(self.phone_cipher))
