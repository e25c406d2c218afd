"""The one-stop service center (一站式便民服务中心): the service catalog (事项目录), the
seal-use list (社区印章使用范围清单) and issued certificates, and the community work
access list (社区工作事项准入清单) with the tasks departments give communities.

Service requests themselves are cases (type ``service_request``, see case_types.py).
"""

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

# Crockford's base 32: digits and capitals without I, L, O and U, so that a code read off
# paper is not mistyped (I/L are read as 1 and O as 0 on input, see normalise_verify_code).
VERIFY_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
VERIFY_CODE_LENGTH = 16  # 16 characters of 5 bits: 80 bits from the system's CSPRNG


def new_verify_code() -> str:
    """A new certificate verification code: 16 characters of :data:`VERIFY_ALPHABET`
    drawn with ``secrets`` (80 bits), e.g. ``"7KQ2M9XD4HTB0RWE"``."""
    return "".join(secrets.choice(VERIFY_ALPHABET) for _ in range(VERIFY_CODE_LENGTH))


def normalise_verify_code(text: str) -> str:
    """A code as typed by a person, in the stored form: upper case, without spaces and
    hyphens (the page prints it in groups of four), O read as 0 and I/L as 1."""
    text = "".join(str(text or "").split()).replace("-", "").upper()
    return text.translate(str.maketrans({"O": "0", "I": "1", "L": "1"}))


def group_verify_code(code: str) -> str:
    """The code in groups of four for printing: ``"7KQ2-M9XD-4HTB-0RWE"``."""
    return "-".join(code[i:i + 4] for i in range(0, len(code), 4))


class ServiceItem(models.Model):
    """A service offered at the center, in one of the five areas of the city's centers."""

    class Area(models.TextChoices):
        PARTY_GOVERNMENT = "party_government", _("党务政务")
        ENTITLEMENT_ASSISTANCE = "entitlement_assistance", _("优抚救助")
        SOCIAL_SECURITY = "social_security", _("社会保障")
        ORDER_DRUG_CONTROL = "order_drug_control", _("综治禁毒")
        JUSTICE_PETITION = "justice_petition", _("司法信访")

    code = models.CharField(_("事项编码"), max_length=40, unique=True)
    name = models.CharField(_("事项名称"), max_length=100)
    area = models.CharField(_("服务领域"), max_length=30, choices=Area.choices)
    description = models.TextField(_("说明"), blank=True)
    materials = models.JSONField(_("申请材料"), default=list, blank=True)
    time_limit_days = models.PositiveSmallIntegerField(_("办理时限（工作日）"))
    departments = models.ManyToManyField("cases.Department", blank=True, related_name="service_items",
                                         verbose_name=_("责任部门"))
    department_names = models.CharField(_("责任部门（名称）"), max_length=200, blank=True)
    community_completable = models.BooleanField(_("社区可直接办结"), default=False)
    public = models.BooleanField(_("对外公开"), default=True)
    legal_basis = models.CharField(_("设定依据"), max_length=300, blank=True)
    active = models.BooleanField(_("启用"), default=True)
    sort = models.PositiveSmallIntegerField(default=100)

    class Meta:
        verbose_name = _("服务事项")
        verbose_name_plural = _("服务事项")
        ordering = ["area", "sort", "code"]

    def __str__(self) -> str:
        return self.name


class SealScopeItem(models.Model):
    """A kind of certificate on the seal-use list: ``allowed`` (a community may issue it:
    legal basis and template) or ``forbidden`` (the national list of 20 that committees
    must not issue, 民发〔2020〕20号, plus local additions: refused with ``reason``).
    ``region`` empty: national or city-wide; otherwise it applies under that region."""

    class ListKind(models.TextChoices):
        ALLOWED = "allowed", _("可出具")
        FORBIDDEN = "forbidden", _("不得出具")

    class Source(models.TextChoices):
        NATIONAL = "national", _("国家清单")
        LOCAL = "local", _("地方清单")

    code = models.CharField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("证明名称"), max_length=100)
    list_kind = models.CharField(_("清单"), max_length=10, choices=ListKind.choices)
    source = models.CharField(_("来源"), max_length=10, choices=Source.choices, default=Source.LOCAL)
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                               db_column="region_code", verbose_name=_("适用区域"))
    legal_basis = models.CharField(_("依据"), max_length=300, blank=True)
    # 文号 of the published list the entry comes from (e.g. 民发〔2020〕20号 for the national
    # negative list), entered by an administrator for a province's list; shown beside it.
    document_number = models.CharField(_("文号"), max_length=100, blank=True)
    reason = models.CharField(_("不予出具理由"), max_length=300, blank=True)
    template = models.TextField(_("证明模板"), blank=True)
    aliases = models.CharField(_("别名"), max_length=300, blank=True)
    active = models.BooleanField(_("启用"), default=True)
    sort = models.PositiveSmallIntegerField(default=100)

    class Meta:
        verbose_name = _("印章使用范围清单事项")
        verbose_name_plural = _("印章使用范围清单")
        ordering = ["list_kind", "sort", "code"]

    def __str__(self) -> str:
        return self.name


class CertificateKindDecision(models.Model):
    """The community director's recorded decision on a kind of certificate that is on
    neither list: allowed (with its legal basis and template) or refused (with reason)."""

    community = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+",
                                  db_column="community_code", verbose_name=_("社区（村）"))
    kind_name = models.CharField(_("证明名称"), max_length=100)
    allowed = models.BooleanField(_("同意出具"))
    legal_basis = models.CharField(_("依据"), max_length=300, blank=True)
    reason = models.CharField(_("理由"), max_length=300, blank=True)
    template = models.TextField(_("证明模板"), blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField()

    class Meta:
        verbose_name = _("证明事项决定")
        verbose_name_plural = _("证明事项决定")
        constraints = [models.UniqueConstraint(fields=["community", "kind_name"], name="certdecision_unique")]

    @property
    def region_id(self) -> str:
        return self.community_id


class CertificateKindRequest(models.Model):
    """A kind of certificate on neither list that the desk was asked for in a community
    (:func:`jiayuan.servicecenter.services.issue_certificate` answered
    ``certificate.needs_decision``): it waits for the director's decision
    (:class:`CertificateKindDecision` with the same community and name) — the director's
    to-do. ``kind_name`` is normalised like the decision's; ``times`` counts the asks."""

    community = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+",
                                  db_column="community_code", verbose_name=_("社区（村）"))
    kind_name = models.CharField(_("证明名称"), max_length=100)
    asked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    first_asked_at = models.DateTimeField()
    last_asked_at = models.DateTimeField()
    times = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("待决定的证明事项")
        verbose_name_plural = _("待决定的证明事项")
        constraints = [models.UniqueConstraint(fields=["community", "kind_name"], name="certrequest_unique")]

    @property
    def region_id(self) -> str:
        return self.community_id


class Certificate(models.Model):
    """An issued certificate. The holder's data are taken from the registry when issued
    (``data``, without the whole ID number, which the print page reads from the registry
    under audit). Public verification needs ``number`` and ``verify_code``, an
    unguessable code printed on the certificate (numbers are sequential, so the number
    alone would let anyone list every certificate and its holder)."""

    class Status(models.TextChoices):
        VALID = "valid", _("有效")
        REVOKED = "revoked", _("已作废")

    number = models.CharField(_("证明编号"), max_length=40, unique=True)
    community = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+",
                                  db_column="community_code", verbose_name=_("出具单位"))
    kind = models.ForeignKey(SealScopeItem, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    decision = models.ForeignKey(CertificateKindDecision, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+")
    kind_name = models.CharField(_("证明名称"), max_length=100)
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("持证人"))
    purpose = models.CharField(_("用途"), max_length=200)
    data = models.JSONField(_("证明内容数据"), default=dict)
    body = models.TextField(_("证明正文"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.VALID)
    revoked_reason = models.CharField(max_length=300, blank=True)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    issued_at = models.DateTimeField()
    request_key = models.CharField(max_length=64, blank=True, default="")
    verify_code = models.CharField(_("核验码"), max_length=VERIFY_CODE_LENGTH, default=new_verify_code,
                                   editable=False)

    class Meta:
        verbose_name = _("证明")
        verbose_name_plural = _("证明")
        constraints = [
            models.UniqueConstraint(fields=["issued_by", "request_key"], condition=~models.Q(request_key=""),
                                    name="certificate_request_key_unique"),
            models.CheckConstraint(name="certificate_has_basis",
                                   condition=models.Q(kind__isnull=False) | models.Q(decision__isnull=False)),
        ]
        indexes = [models.Index(fields=["community", "issued_at"], name="certificate_community_idx")]

    def __str__(self) -> str:
        return self.number

    @property
    def region_id(self) -> str:
        return self.community_id

    @property
    def verify_code_grouped(self) -> str:
        return group_verify_code(self.verify_code)


class AccessListItem(models.Model):
    """An item of the community work access list (社区工作事项准入清单, 厅字〔2022〕28号):
    work a committee does by law (self-government), work it assists the government with,
    or work on the negative list that must not be pushed onto it."""

    class Category(models.TextChoices):
        SELF_GOVERNMENT = "self_government", _("依法履行职责事项")
        ASSIST = "assist", _("协助政府工作事项")
        NEGATIVE = "negative", _("负面清单事项")

    code = models.CharField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("事项"), max_length=200)
    category = models.CharField(_("类别"), max_length=20, choices=Category.choices)
    legal_basis = models.CharField(_("依据"), max_length=300, blank=True)
    document_number = models.CharField(_("文号"), max_length=100, blank=True)  # of the published access list
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                               db_column="region_code", verbose_name=_("适用区域"))
    active = models.BooleanField(_("启用"), default=True)
    sort = models.PositiveSmallIntegerField(default=100)

    class Meta:
        verbose_name = _("准入清单事项")
        verbose_name_plural = _("准入清单")
        ordering = ["category", "sort", "code"]

    def __str__(self) -> str:
        return self.name


class CommunityTask(models.Model):
    """A task, meeting, activity, report or inspection a department demands of a
    community. On the access list it is accepted; on the negative list it is refused;
    off the list it waits for the street's approval (approved or rejected)."""

    class Kind(models.TextChoices):
        TASK = "task", _("工作任务")
        MEETING = "meeting", _("会议")
        ACTIVITY = "activity", _("活动")
        REPORT = "report", _("报表材料")
        INSPECTION = "inspection", _("检查评比")

    class Status(models.TextChoices):
        ACCEPTED = "accepted", _("清单内，已接收")
        PENDING = "pending", _("清单外，待街道审批")
        APPROVED = "approved", _("街道已批准")
        REJECTED = "rejected", _("街道不予批准")
        REFUSED = "refused", _("负面清单，拒绝")

    community = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+",
                                  db_column="community_code", verbose_name=_("社区（村）"))
    department = models.ForeignKey("cases.Department", on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("交办部门"))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("事项"), max_length=200)
    kind = models.CharField(_("形式"), max_length=12, choices=Kind.choices)
    access_item = models.ForeignKey(AccessListItem, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="tasks", verbose_name=_("清单事项"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices)
    occurs_on = models.DateField(_("日期"))
    note = models.TextField(_("说明"), blank=True)
    requested_at = models.DateTimeField()
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = _("社区工作事项")
        verbose_name_plural = _("社区工作事项")
        indexes = [models.Index(fields=["community", "occurs_on"], name="communitytask_month_idx")]

    @property
    def region_id(self) -> str:
        return self.community_id
