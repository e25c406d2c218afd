"""Forms of the region and grid pages. They only parse what was typed; the rules
(name length, GeoJSON shape, same community …) are checked by regions.services."""

import json

from django import forms
from django.utils.translation import gettext_lazy as _

from . import selectors
from ..web.forms import BootstrapMixin
from .models import Region


def region_label(region: Region) -> str:
    """Short label of a region in a dropdown: 交通巷社区, 交通巷社区 · 第一网格."""
    if region.level == Region.Level.GRID and region.parent_id:
        return f"{region.parent.short_name} · {region.name}"
    return region.short_name


def region_choices(user, levels=("village", "grid"), blank: str | None = None, extra: Region | None = None) -> list:
    """Choices of regions in the user's scope for a <select>, grouped by township
    (optgroups): [(township name, [(code, label), ...]), ...]. A township itself, when
    asked for, is the first option of its group ("整个 …"). ``extra``: a region (from a
    scoped selector) of another level to offer first, e.g. the county being filtered on."""
    groups: dict[str, tuple[str, list]] = {}
    order: list[str] = []
    rows = list(selectors.pickable_regions(user, levels))
    township_names = {r.code: r.name for r in rows if r.level == Region.Level.TOWNSHIP}
    missing = {r.code[:9] for r in rows if len(r.code) >= 9} - set(township_names)
    if missing:
        township_names.update(Region.objects.filter(code__in=missing).values_list("code", "name"))
    flat = []
    for r in rows:
        if len(r.code) < 9:
            flat.append((r.code, r.name))
            continue
        key = r.code[:9]
        if key not in groups:
            groups[key] = (township_names.get(key, key), [])
            order.append(key)
        label = _("整个%(name)s") % {"name": r.name} if r.level == Region.Level.TOWNSHIP else region_label(r)
        groups[key][1].append((r.code, label))
    choices = [("", blank)] if blank is not None else []
    if extra is not None and extra.level not in levels:
        flat.insert(0, (extra.code, _("整个%(name)s") % {"name": extra.name}))
    choices += flat
    if len(order) == 1:  # one township: no need for a group heading
        choices += groups[order[0]][1]
    else:
        choices += [groups[k] for k in order]
    return choices


class BoundaryField(forms.CharField):
    """A GeoJSON text area; empty means no boundary. JSON syntax is checked here, the
    polygon rules by the service."""

    widget = forms.Textarea

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        try:
            return json.loads(value)
        except ValueError:
            raise forms.ValidationError(_("边界不是有效的 GeoJSON（JSON 格式错误），请检查括号和逗号")) from None

    def prepare_value(self, value):
        if isinstance(value, (dict, list)):
            return json.dumps(value, ensure_ascii=False)
        return value


class GridForm(BootstrapMixin, forms.Form):
    name = forms.CharField(label=_("网格名称"), max_length=100, required=False,
                           widget=forms.TextInput(attrs={"placeholder": _("例如：第五网格")}))
    boundary = BoundaryField(label=_("网格边界（GeoJSON，可不填）"), required=False,
                             widget=forms.Textarea(attrs={"rows": 4, "class": "mono"}),
                             help_text=_("可粘贴从地图工具导出的 Polygon，坐标为经度、纬度。"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()


class SplitForm(BootstrapMixin, forms.Form):
    new_name = forms.CharField(label=_("新网格名称"), max_length=100, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()
