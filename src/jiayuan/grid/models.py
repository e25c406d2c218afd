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


class EventCategory(models.Model):
    """A category (top level, ``parent`` empty) or sub-category of grid events, with the
    time limits per lifecycle state that override the grid-event declaration's defaults
    (``{"reported": "4h", "dispatched": "3wd"}``; a sub-category inherits its parent's and
    may override them). ``public``: residents may report it through Open311, where its
    code is the ``service_code``."""

    code = models.CharField(_("代码"), max_length=40, primary_key=True)
    name = models.CharField(_("名称"), max_length=50)
    parent = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="children",
                               verbose_name=_("上级类别"))
    description = models.CharField(_("说明"), max_length=200, blank=True)
    keywords = models.CharField(_("关键词"), max_length=200, blank=True)
    limits = models.JSONField(_("各环节时限"), default=dict, blank=True)
    public = models.BooleanField(_("公众可上报"), default=False)
    active = models.BooleanField(_("启用"), default=True)
    sort = models.PositiveSmallIntegerField(default=100)

    class Meta:
        verbose_name = _("事件类别")
        verbose_name_plural = _("事件类别")
        ordering = ["sort", "code"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_leaf(self) -> bool:
        return not self.children.exists()

    def effective_limits(self) -> dict:
        """Parent's limits overridden by this category's."""
        base = dict(self.parent.limits) if self.parent_id else {}
        base.update(self.limits or {})
        return base

    @property
    def full_name(self) -> str:
        return f"{self.parent.name} / {self.name}" if self.parent_id else self.name
