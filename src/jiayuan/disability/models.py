"""Disability certificates (第二代残疾人证).

The second-generation certificate number is the holder's 18-character ID number + one
digit of disability type (1 视力 … 7 多重) + one digit of grade (1 most severe … 4)
(DOMAIN.md "Other identifiers"). The number is never stored: it is personal data that
repeats the ID number, and it is rebuilt from the holder's ID number, ``disability_type``
and ``grade`` when a user with the right sees it. Validation against the holder is in
:func:`jiayuan.disability.rules.check_certificate_number`.

``long_term_care_need`` (长期照护需求, over 6 months) is what the care allowance of
两项补贴 asks for besides the grade (国发〔2015〕52号).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class DisabilityType(models.IntegerChoices):
    VISUAL = 1, _("视力残疾")
    HEARING = 2, _("听力残疾")
    SPEECH = 3, _("言语残疾")
    PHYSICAL = 4, _("肢体残疾")
    INTELLECTUAL = 5, _("智力残疾")
    MENTAL = 6, _("精神残疾")
    MULTIPLE = 7, _("多重残疾")


class DisabilityGrade(models.IntegerChoices):
    GRADE_1 = 1, _("一级")
    GRADE_2 = 2, _("二级")
    GRADE_3 = 3, _("三级")
    GRADE_4 = 4, _("四级")


class DisabilityCertificate(models.Model):
    """A person's disability certificate. At most one valid certificate per person
    (partial unique constraint); a re-assessed grade is a new certificate and the old one
    becomes ``replaced``. ``region`` is the holder's region when recorded (for scope)."""

    class Status(models.TextChoices):
        VALID = "valid", _("有效")
        REPLACED = "replaced", _("已换证")
        REVOKED = "revoked", _("已注销")

    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="disability_certificates",
                               verbose_name=_("持证人"))
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+", db_column="region_code",
                               verbose_name=_("所属区划"))
    disability_type = models.PositiveSmallIntegerField(_("残疾类别"), choices=DisabilityType.choices)
    grade = models.PositiveSmallIntegerField(_("残疾等级"), choices=DisabilityGrade.choices)
    issued_on = models.DateField(_("发证日期"))
    valid_until = models.DateField(_("有效期至"), null=True, blank=True)
    long_term_care_need = models.BooleanField(_("长期照护需求（6个月以上）"), default=False)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.VALID)
    status_reason = models.CharField(_("状态说明"), max_length=200, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("残疾人证")
        verbose_name_plural = _("残疾人证")
        constraints = [
            models.UniqueConstraint(fields=["person"], condition=models.Q(status="valid"),
                                    name="disability_one_valid_certificate"),
            models.CheckConstraint(condition=models.Q(disability_type__gte=1, disability_type__lte=7),
                                   name="disability_type_range"),
            models.CheckConstraint(condition=models.Q(grade__gte=1, grade__lte=4), name="disability_grade_range"),
        ]
        indexes = [models.Index(fields=["region", "status"], name="disability_region_idx")]

    def __str__(self) -> str:
        return f"{self.get_disability_type_display()}{self.get_grade_display()}"


# --- the disability service network (issue 13) ----------------------------------------------

class NetworkLevel(models.TextChoices):
    COUNTY_FEDERATION = "county_federation", _("县区残联")
    TOWNSHIP_FEDERATION = "township_federation", _("乡镇（街道）残联")
    VILLAGE_ASSOCIATION = "village_association", _("村（社区）残协")
    HELPER_GROUP = "helper_group", _("助残小组")
    VOLUNTEER_TEAM = "volunteer_team", _("助残志愿服务队")


# region code length each level sits at (a volunteer team anywhere)
NETWORK_LEVEL_LENGTHS = {
    "county_federation": (6,), "township_federation": (9,), "village_association": (12,), "helper_group": (12,),
    "volunteer_team": (6, 9, 12),
}


class NetworkOrganization(models.Model):
    """An organization of the disability service network at one level, in one region."""

    level = models.CharField(_("层级"), max_length=24, choices=NetworkLevel.choices)
    name = models.CharField(_("名称"), max_length=100)
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+", db_column="region_code",
                               verbose_name=_("所在区划"))
    organization = models.ForeignKey("organizations.SocialOrganization", on_delete=models.PROTECT, null=True,
                                     blank=True, related_name="+", verbose_name=_("登记的社会组织"))
    founded_on = models.DateField(_("成立日期"))
    dissolved_on = models.DateField(_("撤销日期"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("助残服务网络组织")
        verbose_name_plural = _("助残服务网络组织")
        indexes = [models.Index(fields=["level", "region"], name="disnet_level_region_idx")]

    def __str__(self) -> str:
        return self.name


class NetworkRole(models.TextChoices):
    CHAIR = "chair", _("主席（会长、组长）")
    FULL_TIME = "full_time_member", _("专职委员")
    MEMBER = "member", _("成员")
    VOLUNTEER = "volunteer", _("志愿者")


class NetworkMember(models.Model):
    """A member of a network organization, by name (an account where they have one)."""

    organization = models.ForeignKey(NetworkOrganization, on_delete=models.CASCADE, related_name="members")
    name = models.CharField(_("姓名"), max_length=50)
    role = models.CharField(_("职务"), max_length=20, choices=NetworkRole.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                             related_name="+", verbose_name=_("账号"))
    phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    since = models.DateField(_("任职日期"))
    until = models.DateField(_("离任日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("助残网络成员")
        verbose_name_plural = _("助残网络成员")

    def __str__(self) -> str:
        return self.name


class ServiceKind(models.TextChoices):
    REHABILITATION = "rehabilitation", _("康复服务")
    ASSISTIVE_DEVICE = "assistive_device", _("辅助器具适配")
    DAY_CARE = "day_care", _("日间照料")
    RESIDENTIAL_CARE = "residential_care", _("托养服务")
    EMPLOYMENT = "employment", _("就业帮扶")
    HOME_VISIT = "home_visit", _("入户走访")


class DisabilityService(models.Model):
    """A service delivered to a disabled person, recorded against the person and the
    certificate valid on the day (shown on the person's page)."""

    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="disability_services",
                               verbose_name=_("服务对象"))
    certificate = models.ForeignKey(DisabilityCertificate, on_delete=models.PROTECT, related_name="services",
                                    verbose_name=_("残疾人证"))
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+", db_column="region_code")
    kind = models.CharField(_("服务类别"), max_length=20, choices=ServiceKind.choices)
    provided_on = models.DateField(_("服务日期"))
    provider = models.ForeignKey(NetworkOrganization, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="services", verbose_name=_("服务提供方"))
    description = models.CharField(_("服务内容"), max_length=500)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("助残服务记录")
        verbose_name_plural = _("助残服务记录")
        indexes = [models.Index(fields=["person", "provided_on"], name="disservice_person_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.provided_on}"
