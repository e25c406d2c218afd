"""The community workforce: community workers (社区工作者, ``CommunityWorker``) with post
and career grade, social workers (社会工作者, ``SocialWorker``) with their qualification,
exam registrations and results, continuing-education hours, and training sessions with
their participants. Rules: :mod:`jiayuan.workforce.rules`.

Scope: a worker by the community they work in; a social worker, an exam registration
and a training session by their ``region``.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Post(models.TextChoices):
    HEAD = "head", _("正职")
    DEPUTY = "deputy", _("副职")
    OTHER = "other", _("其他")


class Level(models.TextChoices):
    ASSISTANT = "assistant", _("助理社会工作师")
    INTERMEDIATE = "intermediate", _("社会工作师")
    SENIOR = "senior", _("高级社会工作师")


class Subject(models.TextChoices):
    COMPREHENSIVE = "comprehensive", _("社会工作综合能力")
    PRACTICE = "practice", _("社会工作实务")
    LAW_POLICY = "law_policy", _("社会工作法规与政策")
    SENIOR_PRACTICE = "senior_practice", _("高级社会工作实务")


class CommunityWorker(models.Model):
    """A community worker: a person of the registry, optionally their account, the
    community (or village) they work in, post (正职/副职/其他), career grade (within the
    post's range of the configured scheme) held since ``grade_since``, and the date they
    started community work (years of service)."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("在岗")
        LEFT = "left", _("已离岗")

    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("人员"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="+", verbose_name=_("账号"))
    community = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+",
                                  db_column="community_code", verbose_name=_("所在社区（村）"))
    post = models.CharField(_("岗位"), max_length=10, choices=Post.choices)
    grade = models.PositiveSmallIntegerField(_("等级"))
    grade_since = models.DateField(_("现等级起始日期"))
    started_on = models.DateField(_("参加社区工作时间"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    left_on = models.DateField(_("离岗日期"), null=True, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("社区工作者")
        verbose_name_plural = _("社区工作者")
        constraints = [
            models.UniqueConstraint(fields=["person"], condition=models.Q(status="active"),
                                    name="worker_one_active_post"),
            models.CheckConstraint(name="worker_grade_positive", condition=models.Q(grade__gte=1)),
            models.CheckConstraint(name="worker_left_has_date",
                                   condition=models.Q(status="active") | models.Q(left_on__isnull=False)),
        ]
        indexes = [models.Index(fields=["community", "status"], name="worker_community_status")]

    def __str__(self) -> str:
        return self.person.name


class SocialWorker(models.Model):
    """A person holding the social-work qualification (社会工作者职业水平证书): level,
    certificate number (unique) and date, the registration date from which the 3-year
    continuing-education periods run, and the region where they are registered (scope)."""

    person = models.OneToOneField("people.Person", on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("人员"))
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+", db_column="region_code",
                               verbose_name=_("所属区划"))
    level = models.CharField(_("级别"), max_length=15, choices=Level.choices)
    certificate_number = models.CharField(_("证书编号"), max_length=40, unique=True)
    certified_on = models.DateField(_("取得证书日期"))
    registered_on = models.DateField(_("登记日期"))
    note = models.CharField(_("备注"), max_length=200, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("社会工作者")
        verbose_name_plural = _("社会工作者")
        indexes = [models.Index(fields=["region", "level"], name="social_worker_region_level")]

    def __str__(self) -> str:
        return self.person.name


class EducationRecord(models.Model):
    """Continuing-education hours (继续教育学时) of a social worker on a date."""

    social_worker = models.ForeignKey(SocialWorker, on_delete=models.CASCADE, related_name="education",
                                      verbose_name=_("社会工作者"))
    on = models.DateField(_("日期"))
    hours = models.DecimalField(_("学时"), max_digits=5, decimal_places=1)
    title = models.CharField(_("内容"), max_length=100)
    provider = models.CharField(_("举办单位"), max_length=100, blank=True)
    training = models.ForeignKey("TrainingSession", on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="+", verbose_name=_("培训班"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("继续教育学时")
        verbose_name_plural = _("继续教育学时")
        ordering = ["social_worker_id", "on", "id"]
        constraints = [models.CheckConstraint(name="education_hours_positive", condition=models.Q(hours__gt=0))]


class ExamRegistration(models.Model):
    """A person's registration for the qualification exam of ``level`` in ``year``,
    with a result per subject (:class:`ExamResult`)."""

    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("人员"))
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+", db_column="region_code",
                               verbose_name=_("所属区划"))
    level = models.CharField(_("级别"), max_length=15, choices=Level.choices)
    year = models.PositiveSmallIntegerField(_("考试年度"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("考试报名")
        verbose_name_plural = _("考试报名")
        ordering = ["-year", "id"]
        constraints = [models.UniqueConstraint(fields=["person", "level", "year"], name="exam_registration_once")]


class ExamResult(models.Model):
    """A subject's score (0–100) and the year's pass mark; ``passed`` is worked out
    from them by the service, never typed."""

    registration = models.ForeignKey(ExamRegistration, on_delete=models.CASCADE, related_name="results",
                                     verbose_name=_("考试报名"))
    subject = models.CharField(_("科目"), max_length=20, choices=Subject.choices)
    score = models.DecimalField(_("成绩"), max_digits=4, decimal_places=1)
    pass_mark = models.DecimalField(_("合格标准"), max_digits=4, decimal_places=1, default=Decimal("60"))
    passed = models.BooleanField(_("合格"))

    class Meta:
        verbose_name = _("考试成绩")
        verbose_name_plural = _("考试成绩")
        constraints = [models.UniqueConstraint(fields=["registration", "subject"], name="exam_result_once")]


class TrainingSession(models.Model):
    """A training session (培训班): title, organizer, kind, dates, hours, the region that
    organizes it (scope), and its participants from the workforce registry."""

    class Kind(models.TextChoices):
        CADRE_TRAINING = "cadre_training", _("社区干部培训")
        EXAM_PREPARATION = "exam_preparation", _("职业资格考前培训")
        CONTINUING_EDUCATION = "continuing_education", _("继续教育")
        OTHER = "other", _("其他培训")

    title = models.CharField(_("培训名称"), max_length=100)
    organizer = models.CharField(_("举办单位"), max_length=100)
    kind = models.CharField(_("类型"), max_length=25, choices=Kind.choices)
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+", db_column="region_code",
                               verbose_name=_("组织区划"))
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))
    hours = models.DecimalField(_("学时"), max_digits=5, decimal_places=1)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("培训班")
        verbose_name_plural = _("培训班")
        ordering = ["-starts_on", "id"]
        constraints = [
            models.CheckConstraint(name="training_dates_in_order", condition=models.Q(ends_on__gte=models.F("starts_on"))),
            models.CheckConstraint(name="training_hours_positive", condition=models.Q(hours__gt=0)),
        ]

    def __str__(self) -> str:
        return self.title


class TrainingParticipant(models.Model):
    """A member of the workforce registry enrolled in a session — a community worker
    (``worker``) or a social worker (``social_worker``: a qualified person, e.g. on the
    staff of a social organization), exactly one of the two (check constraint
    ``training_participant_one_kind``); ``attended`` is marked at the session. Counts of
    people trained are counted from these rows by the person behind them (a person
    registered both ways counts once), never typed."""

    session = models.ForeignKey(TrainingSession, on_delete=models.CASCADE, related_name="participants",
                                verbose_name=_("培训班"))
    worker = models.ForeignKey(CommunityWorker, on_delete=models.PROTECT, related_name="trainings",
                               null=True, blank=True, verbose_name=_("社区工作者"))
    social_worker = models.ForeignKey(SocialWorker, on_delete=models.PROTECT, related_name="trainings",
                                      null=True, blank=True, verbose_name=_("社会工作者"))
    attended = models.BooleanField(_("已参训"), default=False)

    class Meta:
        verbose_name = _("参训人员")
        verbose_name_plural = _("参训人员")
        constraints = [
            models.UniqueConstraint(fields=["session", "worker"], name="training_participant_once"),
            models.UniqueConstraint(fields=["session", "social_worker"], name="training_social_participant_once"),
            models.CheckConstraint(name="training_participant_one_kind", condition=(
                models.Q(worker__isnull=False, social_worker__isnull=True)
                | models.Q(worker__isnull=True, social_worker__isnull=False))),
        ]

    @property
    def person(self):
        """The person of the registry behind the participant."""
        return self.worker.person if self.worker_id else self.social_worker.person

    @property
    def unit(self):
        """The region the participant is counted in: the worker's community, or the
        region where the social worker is registered."""
        return self.worker.community if self.worker_id else self.social_worker.region
