"""Self-governance bodies (自治组织) and their members — the minimal form the mediation
committee needs (issue 15 part 4 extends it: compacts, coverage, the residents'
committee itself).

The kinds are configurable rows (:class:`BodyKind`), seeded with the people's mediation
committee (人民调解委员会, 3–9 members by 人民调解法 art. 8), the public-security
committee (治安保卫委员会) and the 红白理事会.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class BodyKind(models.Model):
    """A kind of body under the residents' or villagers' committee; ``min_members`` and
    ``max_members`` bound its size where a law does (0 = no bound)."""

    code = models.SlugField(_("代码"), max_length=30, unique=True)
    name = models.CharField(_("名称"), max_length=50)
    min_members = models.PositiveSmallIntegerField(_("最少委员数"), default=0)
    max_members = models.PositiveSmallIntegerField(_("最多委员数"), default=0)
    legal_basis = models.CharField(_("依据"), max_length=200, blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("组织类别")
        verbose_name_plural = _("组织类别")

    def __str__(self) -> str:
        return self.name


class SelfGovernanceBody(models.Model):
    """A body of a community or village (``region``): its kind, name and current term."""

    kind = models.ForeignKey(BodyKind, on_delete=models.PROTECT, related_name="bodies", verbose_name=_("类别"))
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+",
                               db_column="region_code", verbose_name=_("社区（村）"))
    name = models.CharField(_("名称"), max_length=100)
    established_on = models.DateField(_("成立日期"), null=True, blank=True)
    term_start = models.DateField(_("本届任期起"), null=True, blank=True)
    term_end = models.DateField(_("本届任期止"), null=True, blank=True)
    phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    active = models.BooleanField(_("有效"), default=True)

    class Meta:
        verbose_name = _("自治组织")
        verbose_name_plural = _("自治组织")
        constraints = [models.UniqueConstraint(fields=["region", "kind"], condition=Q(active=True),
                                               name="body_one_live_per_kind")]

    def __str__(self) -> str:
        return self.name


class BodyMember(models.Model):
    """A member of a body for a term. ``user``: the member's account where they have one
    (a community worker who mediates records cases in the platform); ``person``: the
    registry's person where known."""

    class Role(models.TextChoices):
        CHAIR = "chair", _("主任")
        VICE_CHAIR = "vice_chair", _("副主任")
        MEMBER = "member", _("委员")
        MEDIATOR = "mediator", _("调解员")

    body = models.ForeignKey(SelfGovernanceBody, on_delete=models.PROTECT, related_name="members")
    name = models.CharField(_("姓名"), max_length=50)
    role = models.CharField(_("职务"), max_length=20, choices=Role.choices, default=Role.MEMBER)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                             related_name="+", verbose_name=_("账号"))
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, null=True, blank=True,
                               related_name="+", verbose_name=_("居民"))
    phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    term_start = models.DateField(_("任期起"), null=True, blank=True)
    term_end = models.DateField(_("任期止"), null=True, blank=True)
    active = models.BooleanField(_("在任"), default=True)
    election = models.ForeignKey("BodyElection", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="elected", verbose_name=_("当选的选举"))
    votes = models.PositiveIntegerField(_("得票"), null=True, blank=True)

    class Meta:
        ordering = ["body", "role", "id"]
        verbose_name = _("组织成员")
        verbose_name_plural = _("组织成员")

    def __str__(self) -> str:
        return self.name


class BodyElection(models.Model):
    """An election (换届选举) of a residents' or villagers' committee: the date, the
    method, registered voters and votes cast; its elected members are
    :class:`BodyMember` rows pointing here (their votes kept), and the body's term is
    set from it (:func:`..bodies.rules.term_end`)."""

    body = models.ForeignKey(SelfGovernanceBody, on_delete=models.PROTECT, related_name="elections")
    held_on = models.DateField(_("选举日期"))
    method = models.CharField(_("选举方式"), max_length=30)
    eligible = models.PositiveIntegerField(_("登记参加选举人数"))
    cast = models.PositiveIntegerField(_("参加投票人数"))
    term_start = models.DateField(_("任期起"))
    term_end = models.DateField(_("任期止"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["body", "-held_on"]
        verbose_name = _("换届选举")
        verbose_name_plural = _("换届选举")
        constraints = [models.CheckConstraint(name="election_cast_le_eligible",
                                              condition=Q(cast__lte=models.F("eligible")))]

    def __str__(self) -> str:
        return f"{self.body} {self.held_on.isoformat()}"

    @property
    def region_id(self) -> str:
        return self.body.region_id


class Compact(models.Model):
    """A residents' compact (居民公约, 城市居民委员会组织法 art. 15) or village rules (村规民约,
    村民委员会组织法 art. 27) of a community or village; its text lives in versions."""

    class Kind(models.TextChoices):
        RESIDENTS = "residents", _("居民公约")
        VILLAGERS = "villagers", _("村规民约")

    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+",
                               db_column="region_code", verbose_name=_("社区（村）"))
    kind = models.CharField(_("类别"), max_length=12, choices=Kind.choices)
    title = models.CharField(_("名称"), max_length=100)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("居民公约、村规民约")
        verbose_name_plural = _("居民公约、村规民约")
        constraints = [models.UniqueConstraint(fields=["region", "kind"], name="compact_one_per_kind")]

    def __str__(self) -> str:
        return self.title


class CompactVersion(models.Model):
    """One version of a compact: its text, the meeting that adopted it and when, and its
    filing with the township (备案)."""

    compact = models.ForeignKey(Compact, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveSmallIntegerField(_("版本"))
    text = models.TextField(_("全文"))
    adopted_by = models.CharField(_("通过的会议"), max_length=30)
    adopted_on = models.DateField(_("通过日期"))
    filed_on = models.DateField(_("报乡镇（街道）备案日期"), null=True, blank=True)
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["compact", "-number"]
        verbose_name = _("公约版本")
        verbose_name_plural = _("公约版本")
        constraints = [models.UniqueConstraint(fields=["compact", "number"], name="compact_version_number")]

    def __str__(self) -> str:
        return f"{self.compact.title} v{self.number}"

    @property
    def region_id(self) -> str:
        return self.compact.region_id
