"""The grid-event report form (made for a phone). It only parses what was sent; the
intake (:func:`jiayuan.grid.services.event_intake`) checks category, description,
location, persons and photos, and its messages are put under the fields."""

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ..cases.forms import OpenChoiceField, PhotosField, TokenMixin
from ..regions.forms import region_choices
from ..web.forms import BootstrapMixin


class ReportForm(BootstrapMixin, TokenMixin):
    top = forms.ChoiceField(label=_("事件大类"), required=False, widget=forms.RadioSelect)
    category = OpenChoiceField(label=_("具体类别"), required=False)
    region = OpenChoiceField(label=_("所在网格（社区）"), required=False)
    description = forms.CharField(label=_("情况描述"), required=False, max_length=2000, widget=forms.Textarea(
        attrs={"rows": 4, "placeholder": _("发生了什么、在哪里、影响多少人……")}))
    lat = forms.CharField(required=False, widget=forms.HiddenInput)
    lon = forms.CharField(required=False, widget=forms.HiddenInput)
    address = forms.CharField(label=_("地点说明"), required=False, max_length=200, widget=forms.TextInput(
        attrs={"placeholder": _("如：12号楼3单元门口")}))
    location = forms.CharField(required=False, widget=forms.HiddenInput)  # carries the intake's location errors
    persons = forms.CharField(required=False, widget=forms.HiddenInput)  # ditto (the picker sends a list)
    on_spot = forms.BooleanField(label=_("已就地解决（直接结案，须上传处置后的现场照片）"), required=False)
    on_spot_note = forms.CharField(label=_("处置情况"), required=False, max_length=2000,
                                   widget=forms.Textarea(attrs={"rows": 2}))
    photos = PhotosField(required=False, label=_("现场照片"))

    def __init__(self, user, tree, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.tree = tree
        # category names are declared data (grid/labels.py): shown in the page's language
        self.fields["top"].choices = [(top.code, gettext(top.name)) for top, _kids in tree]
        groups = []
        for top, kids in tree:
            groups.append((gettext(top.name), [(c.code, gettext(c.name)) for c in kids] or [(top.code, gettext(top.name))]))
        self.fields["category"].choices = [("", _("请选择具体类别"))] + groups
        self.fields["category"].widget.attrs.update({"data-sub": "", "data-blank": _("请选择具体类别")})
        self.fields["on_spot"].widget.attrs["data-toggle-block"] = "#on-spot-block"
        self.fields["region"].choices = region_choices(user, ("village", "grid"), blank=_("请选择"))
        self.single_region = user.role == "grid_member" and not user.is_superuser
        self._style()

    def tree_json(self) -> dict:
        """{top code: {"name", "children": [[code, name], …]}} for the sub-category list."""
        return {top.code: {"name": gettext(top.name), "children": [[c.code, gettext(c.name)] for c in kids]}
                for top, kids in self.tree}

    def payload(self, persons: list[str], attachments: list[int]) -> dict:
        d = self.cleaned_data
        return {"category": d["category"], "region": d["region"], "description": d["description"],
                "lat": d["lat"], "lon": d["lon"], "address": d["address"], "persons": persons,
                "attachments": attachments, "on_spot": d["on_spot"], "on_spot_note": d["on_spot_note"]}

    FIELD_MAP = {"attachments": "photos", "file": "photos", "location": "location", "persons": "persons",
                 "region": "region", "category": "category", "description": "description"}
