"""Forms of the person and household pages. They parse what was typed and keep it for
redisplay; the registry's rules (ID number, name, phone …) are checked by
:mod:`jiayuan.people.services`, whose messages are put under the fields."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..regions.forms import region_choices
from ..web.forms import BootstrapMixin
from . import rules
from .models import Person, TagKind, relation_label_lazy
from .selectors import PersonFilters

# GB/T 3304 / 4761 names in the page's language (the Chinese names are the msgids, marked N_ in rules)
ETHNIC_CHOICES = [("", _("（未填）"))] + [(code, _(name)) for code, name in rules.ETHNIC_GROUPS.items()]
MEMBER_RELATION_CHOICES = [(c, relation_label_lazy(c)) for c in rules.RELATIONS if c not in (rules.HEAD_RELATION, "01")]
COMMON_RELATIONS = ("10", "11", "12", "20", "21", "22", "23", "24", "27", "28", "30", "31", "32", "33", "34", "37",
                    "38", "40", "41", "42", "43", "44", "50", "51", "52", "53", "54", "55", "56", "60", "61", "62",
                    "63", "64", "70", "71", "72", "73", "74", "75", "77", "80", "93", "94", "95", "96", "97", "99")
"""Relations offered in the member pickers (GB/T 4761 codes a community meets daily)."""
COMMON_RELATION_CHOICES = [(c, relation_label_lazy(c)) for c in COMMON_RELATIONS]
AGE_BANDS = {
    "0-17": (0, 17), "18-59": (18, 59), "60-79": (60, 79), "80+": (80, None),
    "60+": (60, None),
}
AGE_BAND_CHOICES = [("", _("全部年龄")), ("0-17", _("0–17 岁")), ("18-59", _("18–59 岁")),
                    ("60-79", _("60–79 岁")), ("80+", _("80 岁及以上")), ("60+", _("60 岁及以上"))]
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PersonForm(BootstrapMixin, forms.Form):
    """Create or edit a person. Every field is optional here: the service says what is
    missing or wrong, in the same words as the API and the roster import."""

    name = forms.CharField(label=_("姓名"), required=False, max_length=100)
    id_type = forms.ChoiceField(label=_("证件类型"), required=False, choices=Person.IdType.choices,
                                initial=Person.IdType.RESIDENT_ID)
    id_number = forms.CharField(label=_("公民身份号码"), required=False, max_length=40,
                                widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text",
                                                              "class": "mono", "spellcheck": "false"}))
    sex = forms.ChoiceField(label=_("性别"), required=False,
                            choices=[("", _("（未填）"))] + [(str(v), n) for v, n in Person.Sex.choices],
                            help_text=_("仅用于居民身份证以外的证件；居民身份证由号码得出。"))
    birth_date = forms.DateField(label=_("出生日期"), required=False, widget=DATE_INPUT,
                                 help_text=_("护照、通行证和2017年版外国人永久居留身份证必填；居民身份证由号码得出。"))
    ethnic_group = forms.ChoiceField(label=_("民族"), required=False, choices=ETHNIC_CHOICES)
    phone = forms.CharField(label=_("联系电话"), required=False, max_length=40,
                            widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}))
    clear_phone = forms.BooleanField(label=_("清除已登记的电话"), required=False)
    residence_status = forms.ChoiceField(label=_("居住状态"), choices=Person.ResidenceStatus.choices,
                                         initial=Person.ResidenceStatus.REGISTERED)
    region = forms.ChoiceField(label=_("所属社区（村）或网格"), required=False)
    address = forms.CharField(label=_("现住址"), required=False, max_length=300)
    note = forms.CharField(label=_("备注"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, user, *args, person: Person | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.person = person
        self.fields["region"].choices = region_choices(user, blank=_("请选择"))
        if person is None:
            del self.fields["clear_phone"]
            self.fields["id_number"].help_text = _("18 位，末位可以是 X；性别和出生日期由号码自动得出。")
        else:
            if person.id_type != Person.IdType.RESIDENT_ID:
                self.fields["id_number"].label = _("证件号码")
            self.fields["sex"].help_text = self.fields["birth_date"].help_text = _("留空则不修改。")
            self.fields["id_number"].widget.attrs["placeholder"] = person.id_number_masked
            self.fields["id_number"].help_text = _("如需更正号码，请填写完整的新号码；留空则不修改。")
            self.fields["phone"].widget.attrs["placeholder"] = person.phone_masked or ""
            self.fields["phone"].help_text = _("留空则不修改。")
            if person.household_id:
                self.fields["region"].disabled = True
                self.fields["region"].help_text = _("该居民属于某户，所属网格随户调整（网格管理中的“调整户所属网格”）。")
        self._style()

    def service_data(self) -> dict:
        """The dict for people.services.create_person / update_person."""
        d = self.cleaned_data
        data = {k: d[k] for k in ("name", "ethnic_group", "residence_status", "address", "note")}
        # Not posted (an older form): 居民身份证 for a new person, unchanged for an edit.
        id_type = d.get("id_type") or (self.person.id_type if self.person else Person.IdType.RESIDENT_ID)
        if id_type != Person.IdType.RESIDENT_ID:
            # Sex and birth date are sent for other documents only: a resident ID gives them.
            if d.get("sex"):
                data["sex"] = int(d["sex"])
            if d.get("birth_date"):
                data["birth_date"] = d["birth_date"]
        if self.person is None:
            if id_type != Person.IdType.RESIDENT_ID:
                data["id_type"] = id_type
            data.update(id_number=d["id_number"], phone=d["phone"], region=d["region"])
            return data
        if id_type != self.person.id_type:
            data["id_type"] = id_type
        if d["id_number"].strip():
            data["id_number"] = d["id_number"]
        if d["phone"].strip():
            data["phone"] = d["phone"]
        elif d.get("clear_phone"):
            data["phone"] = ""
        if not self.person.household_id and d["region"] and d["region"] != self.person.region_id:
            data["region"] = d["region"]
        return data

    @classmethod
    def initial_for(cls, person: Person) -> dict:
        return {"name": person.name, "id_type": person.id_type, "ethnic_group": person.ethnic_group,
                "residence_status": person.residence_status,
                "region": person.region_id, "address": person.address, "note": person.note,
                "version": person.version}


class PersonFilterForm(BootstrapMixin, forms.Form):
    """The search box and filters of the person list (GET)."""

    q = forms.CharField(label=_("查找"), required=False, max_length=60, widget=forms.TextInput(attrs={
        "type": "search", "placeholder": _("姓名、拼音或证件号"), "autocomplete": "off"}))
    tag = forms.ChoiceField(label=_("人员类别"), required=False)
    age = forms.ChoiceField(label=_("年龄段"), required=False, choices=AGE_BAND_CHOICES)
    sex = forms.ChoiceField(label=_("性别"), required=False,
                            choices=[("", _("全部性别")), ("1", _("男")), ("2", _("女"))])
    region = forms.ChoiceField(label=_("区域"), required=False)
    residence_status = forms.ChoiceField(label=_("居住状态"), required=False,
                                         choices=[("", _("全部居住状态"))] + list(Person.ResidenceStatus.choices))
    life_status = forms.ChoiceField(label=_("人员状态"), required=False,
                                    choices=[("", _("全部人员状态"))] + list(Person.LifeStatus.choices))

    def __init__(self, user, *args, region=None, **kwargs):
        """``region``: the region filtered on (from the scoped selector), offered even
        when its level is not among the dropdown's (e.g. a county)."""
        super().__init__(*args, **kwargs)
        self.fields["tag"].choices = [("", _("全部类别"))] + [(k.code, _(k.name)) for k in TagKind.objects.all()]
        self.fields["region"].choices = region_choices(user, ("township", "village", "grid"), blank=_("全部区域"),
                                                       extra=region)
        self._style()

    def filters(self) -> PersonFilters:
        """PersonFilters from the valid fields (invalid ones are ignored)."""
        d = self.cleaned_data if self.is_bound else {}
        if self.is_bound:
            d = {k: v for k, v in self.cleaned_data.items() if k not in self.errors}
        age_min, age_max = AGE_BANDS.get(d.get("age") or "", (None, None))
        sex = d.get("sex")
        return PersonFilters(q=d.get("q") or "", tag=d.get("tag") or "", age_min=age_min, age_max=age_max,
                             sex=int(sex) if sex else None, region=d.get("region") or "",
                             residence_status=d.get("residence_status") or "", life_status=d.get("life_status") or "")


class TagAddForm(BootstrapMixin, forms.Form):
    kind = forms.ChoiceField(label=_("人员类别"))
    valid_from = forms.DateField(label=_("起始日期"), required=False, widget=DATE_INPUT)
    valid_to = forms.DateField(label=_("截止日期（可不填）"), required=False, widget=DATE_INPUT)
    note = forms.CharField(label=_("备注"), required=False, max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", _("请选择"))] + [(k.code, _(k.name)) for k in TagKind.objects.all()]
        self.fields["valid_from"].initial = timezone.localdate()
        self._style()


class TagEndForm(BootstrapMixin, forms.Form):
    valid_to = forms.DateField(label=_("截止日期"), required=False, widget=DATE_INPUT)


class LifeStatusForm(BootstrapMixin, forms.Form):
    life_status = forms.ChoiceField(label=_("人员状态"), choices=Person.LifeStatus.choices)
    life_status_date = forms.DateField(label=_("日期（死亡或迁出）"), required=False, widget=DATE_INPUT)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()


class HouseholdForm(BootstrapMixin, forms.Form):
    """Number, region and address of a household (create); number and address (edit)."""

    number = forms.CharField(label=_("户号"), required=False, max_length=60)
    region = forms.ChoiceField(label=_("所属社区（村）或网格"), required=False)
    address = forms.CharField(label=_("住址"), required=False, max_length=300)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, user, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["region"]
        else:
            del self.fields["version"]
            self.fields["region"].choices = region_choices(user, blank=_("请选择"))
        self._style()


class AddMemberForm(BootstrapMixin, forms.Form):
    person = forms.ChoiceField(label=_("居民（尚未入户的）"))
    relation_to_head = forms.ChoiceField(label=_("与户主关系"),
                                         choices=[("", _("请选择"))] + MEMBER_RELATION_CHOICES)

    def __init__(self, candidates, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].choices = [("", _("请选择"))] + [
            (str(p.pk), f"{p.name}（{p.id_number_masked}）") for p in candidates]
        self._style()


class ChangeHeadForm(BootstrapMixin, forms.Form):
    new_head = forms.ChoiceField(label=_("新户主"))
    old_head_relation = forms.ChoiceField(label=_("原户主与新户主的关系"),
                                          choices=[("", _("请选择"))] + MEMBER_RELATION_CHOICES)

    def __init__(self, members, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_head"].choices = [("", _("请选择"))] + [
            (str(p.pk), p.name) for p in members if not p.is_head]
        self._style()

