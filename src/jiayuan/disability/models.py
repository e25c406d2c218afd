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
