"""Persons, households and tags (vulnerable groups and statuses).

ID numbers and phones are never stored in clear: ``*_cipher`` holds AES-GCM cipher
text, ``*_hash`` the keyed hash for exact lookup (unique for ID numbers: one person per
ID number per deployment), ``id_tail4`` the last four characters for tail search and
``id_tail6_hash`` a keyed hash of the last six. See :mod:`jiayuan.security`.
"""

from django.db import models
from django.utils.functional import lazy
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from .. import security
from . import rules

HEAD = rules.HEAD_RELATION


class Household(models.Model):
    """A household (户): number unique within its community or village, address, and the
    region it lives in (a grid, or the community when no grid covers it). Its members are
    the persons pointing to it; exactly one of them is the head (与户主关系 02)."""

    number = models.CharField(_("户号"), max_length=30)
    community = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", db_column="community_code", db_index=False,
        verbose_name=_("所属社区（村）"),
    )
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="households", db_column="region_code",
        db_index=False, verbose_name=_("所属网格（社区）"),
    )
    address = models.CharField(_("住址"), max_length=200, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("户")
        verbose_name_plural = _("户")
        constraints = [
            models.UniqueConstraint(fields=["community", "number"], name="household_number_unique_in_community"),
        ]

    def __str__(self) -> str:
        return f"{self.number}"


class Person(models.Model):
    """A resident (居民), identified by the pair (``id_type``, ID number). Sex and birth
    date are derived from a resident ID number (GB 11643), the birth date also from a
    2023 外国人永久居留身份证; for the other documents both are entered."""

    class ResidenceStatus(models.TextChoices):
        REGISTERED = "registered", _("户籍人口")
        FLOATING = "floating", _("流动人口")
        OTHER = "other", _("其他")

    class LifeStatus(models.TextChoices):
        ALIVE = "alive", _("在世")
        DECEASED = "deceased", _("已故")
        MOVED_OUT = "moved_out", _("已迁出")

    class IdType(models.TextChoices):
        """Identity document types (DOMAIN.md glossary ``id_type``; names: rules.ID_TYPES)."""

        RESIDENT_ID = "resident_id", _("居民身份证")
        FOREIGN_PERMANENT_RESIDENCE = "foreign_permanent_residence", _("外国人永久居留身份证")
        PASSPORT = "passport", _("护照")
        HK_MACAO_PERMIT = "hk_macao_permit", _("港澳居民来往内地通行证")
        TAIWAN_PERMIT = "taiwan_permit", _("台湾居民来往大陆通行证")

    class Sex(models.IntegerChoices):
        UNKNOWN = 0, _("未知的性别")
        MALE = 1, _("男")
        FEMALE = 2, _("女")
        UNSTATED = 9, _("未说明的性别")

    name = models.CharField(_("姓名"), max_length=50)
    name_pinyin = models.CharField(max_length=200, blank=True)
    name_initials = models.CharField(max_length=50, blank=True)
    name_grams = models.TextField(blank=True)
    id_type = models.CharField(_("证件类型"), max_length=30, choices=IdType.choices, default=IdType.RESIDENT_ID)
    id_number_cipher = models.BinaryField()
    # Keyed hash of rules.document_key(id_type, number): the number alone for a resident
    # ID, "<id_type>:<number>" otherwise, so (type, number) is unique by this column alone.
    id_number_hash = models.CharField(max_length=64, unique=True)
    id_tail4 = models.CharField(max_length=4)
    id_tail6_hash = models.CharField(max_length=64)
    sex = models.PositiveSmallIntegerField(_("性别"), choices=Sex.choices)
    birth_date = models.DateField(_("出生日期"))
    ethnic_group = models.CharField(_("民族"), max_length=2, blank=True)
    phone_cipher = models.BinaryField(blank=True, default=b"")
    phone_hash = models.CharField(max_length=64, blank=True, default="")
    residence_status = models.CharField(
        _("居住状态"), max_length=12, choices=ResidenceStatus.choices, default=ResidenceStatus.REGISTERED
    )
    address = models.CharField(_("现住址"), max_length=200, blank=True)
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="persons", db_column="region_code",
        db_index=False, verbose_name=_("所属网格（社区）"),
    )
    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, null=True, blank=True, related_name="members", verbose_name=_("户")
    )
    relation_to_head = models.CharField(_("与户主关系"), max_length=2, blank=True)
    life_status = models.CharField(_("人员状态"), max_length=10, choices=LifeStatus.choices, default=LifeStatus.ALIVE)
    life_status_date = models.DateField(_("状态变更日期"), null=True, blank=True)
    note = models.TextField(_("备注"), blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("居民")
        verbose_name_plural = _("居民")
        constraints = [
            models.UniqueConstraint(
                fields=["household"], condition=models.Q(relation_to_head=HEAD), name="one_head_per_household"
            ),
            models.CheckConstraint(
                name="person_member_has_relation",
                condition=models.Q(household__isnull=True) | ~models.Q(relation_to_head=""),
            ),
            models.CheckConstraint(
                name="person_life_status_date",
                condition=models.Q(life_status="alive") | models.Q(life_status_date__isnull=False),
            ),
        ]
        indexes = [
            models.Index(fields=["id_tail4", "region"], name="person_tail4_idx"),
            models.Index(fields=["id_tail6_hash"], name="person_tail6_idx"),
            models.Index(fields=["phone_hash"], name="person_phone_idx"),
            models.Index(fields=["birth_date"], name="person_birth_idx"),
        ]
        # PostgreSQL-only indexes (pattern_ops for prefix LIKE, GIN full text on name
        # grams) are created in migration 0002.

    def __str__(self) -> str:
        return self.name

    # Sensitive values, decrypted on demand. Callers decide whether to show them whole.
    @property
    def id_number(self) -> str:
        return security.decrypt(self.id_number_cipher)

    @property
    def phone(self) -> str:
        return security.decrypt(self.phone_cipher)

    @property
    def id_number_masked(self) -> str:
        return rules.mask_document(self.id_type, self.id_number)

    @property
    def phone_masked(self) -> str:
        return rules.mask_phone(self.phone)

    @property
    def ethnic_group_name(self) -> str:
        """GB/T 3304 name in the page's language (the Chinese name is the msgid)."""
        name = rules.ETHNIC_GROUPS.get(self.ethnic_group, "")
        return gettext(name) if name else ""

    @property
    def relation_name(self) -> str:
        """GB/T 4761 name in the page's language (the Chinese name is the msgid)."""
        return relation_label(self.relation_to_head)

    @property
    def is_head(self) -> bool:
        return self.relation_to_head == HEAD


class TagKind(models.Model):
    """A kind of person tag (人员类别), e.g. 低保对象, 留守儿童. Seeded by migration;
    localities may add their own."""

    code = models.CharField(_("代码"), max_length=40, primary_key=True)
    name = models.CharField(_("名称"), max_length=50)
    description = models.CharField(_("说明"), max_length=200, blank=True)
    sort = models.PositiveSmallIntegerField(default=100)

    class Meta:
        verbose_name = _("人员类别")
        verbose_name_plural = _("人员类别")
        ordering = ["sort", "code"]

    def __str__(self) -> str:
        return self.name


class PersonTag(models.Model):
    """A tag on a person, valid from a date to an optional end date, with its source."""

    class Source(models.TextChoices):
        MANUAL = "manual", _("人工登记")
        IMPORT = "import", _("台账导入")
        PROGRAM = "program", _("业务办理")
        DEMO = "demo", _("演示数据")

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="tags")
    kind = models.ForeignKey(TagKind, on_delete=models.PROTECT, related_name="+", verbose_name=_("类别"))
    # Denormalised from the person so that tag counts are scoped without a join.
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+", db_column="region_code")
    valid_from = models.DateField(_("起始日期"))
    valid_to = models.DateField(_("截止日期"), null=True, blank=True)
    source = models.CharField(_("来源"), max_length=10, choices=Source.choices, default=Source.MANUAL)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("人员标签")
        verbose_name_plural = _("人员标签")
        constraints = [
            models.CheckConstraint(
                name="tag_valid_range", condition=models.Q(valid_to__isnull=True) | models.Q(valid_to__gte=models.F("valid_from"))
            ),
        ]
        indexes = [models.Index(fields=["kind", "region"], name="tag_kind_region_idx")]

    def __str__(self) -> str:
        return self.kind_id

    def is_current(self, on) -> bool:
        return self.valid_from <= on and (self.valid_to is None or self.valid_to >= on)


# GB/T 4761 30 女 (daughter) shares its Chinese with the sex 女 (female): its own context.
_DAUGHTER = pgettext_lazy("GB/T 4761 relation", "女")


def relation_label(code: str) -> str:
    """The GB/T 4761 name of a relation code in the page's language ("" for no code)."""
    name = rules.RELATIONS.get(code or "", "")
    if not name:
        return ""
    return str(_DAUGHTER) if code == "30" else gettext(name)


relation_label_lazy = lazy(relation_label, str)
