"""Administrative divisions down to grids. The code is the primary key and the path."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Region(models.Model):
    """A region of any level, from province to grid.

    ``code`` is the statistical division code (2/4/6/9/12 digits) or a grid code
    (12 + 3 digits). Rows elsewhere refer to regions by this code, so a scope check is
    ``region_code LIKE '<scope>%'`` on an indexed column.
    """

    class Level(models.TextChoices):
        PROVINCE = "province", _("省")
        PREFECTURE = "prefecture", _("市（州）")
        COUNTY = "county", _("县（区）")
        TOWNSHIP = "township", _("乡镇（街道）")
        VILLAGE = "village", _("村（社区）")
        GRID = "grid", _("网格")

    class Kind(models.TextChoices):
        NONE = "", _("—")
        COMMUNITY = "community", _("城市社区（居委会）")
        VILLAGE = "village", _("行政村（村委会）")
        VIRTUAL = "virtual", _("虚拟单位")

    code = models.CharField(_("区划代码"), max_length=15, primary_key=True)
    name = models.CharField(_("名称"), max_length=100)
    level = models.CharField(_("层级"), max_length=12, choices=Level.choices)
    kind = models.CharField(_("类别"), max_length=12, choices=Kind.choices, blank=True, default="")
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children",
        db_column="parent_code", verbose_name=_("上级"),
    )
    boundary = models.JSONField(_("边界（GeoJSON）"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("区划")
        verbose_name_plural = _("区划")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                name="region_level_matches_code_length",
                condition=(
                    models.Q(level="province", code__regex=r"^\d{2}$")
                    | models.Q(level="prefecture", code__regex=r"^\d{4}$")
                    | models.Q(level="county", code__regex=r"^\d{6}$")
                    | models.Q(level="township", code__regex=r"^\d{9}$")
                    | models.Q(level="village", code__regex=r"^\d{12}$")
                    | models.Q(level="grid", code__regex=r"^\d{15}$")
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_grid(self) -> bool:
        return self.level == self.Level.GRID

    @property
    def short_name(self) -> str:
        """Name without the committee suffix: 交通巷社区居民委员会 → 交通巷社区."""
        for suffix in ("居民委员会", "村民委员会", "委员会"):
            if self.name.endswith(suffix):
                base = self.name[: -len(suffix)]
                return base if base.endswith(("社区", "村")) else base + ("村" if suffix == "村民委员会" else "")
        return self.name
