"""Community education activities and volunteer service (issue 15, last part).

- Activities (:class:`Activity`): kind (configurable :class:`ActivityKind` rows, seeded
  with the city's list: 道德讲堂, 亲情教育, 感恩教育 …), date, place (a service facility
  where one exists), organizer, speakers, participants (residents from the registry
  where named, or a count).
- Volunteers (志愿服务条例, State Council 2017, art. 17–19): a volunteer registers by real
  name (:class:`Volunteer`: a registry person, so the name is the ID card's) with a
  team (:class:`VolunteerTeam`) of a volunteer organization or community; each service
  is recorded truthfully — content, hours, evaluation (:class:`ServiceRecord`) — and
  confirmed by the organizer, someone other than who recorded it; a record of service
  (志愿服务记录证明, :class:`ServiceCertificate`) is issued on request. Records are
  personal information: read in scope only, every read of a volunteer's records audited.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ActivityKind(models.Model):
    code = models.SlugField(_("代码"), max_length=30, unique=True)
    name = models.CharField(_("名称"), max_length=50)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("活动类别")
        verbose_name_plural = _("活动类别")

    def __str__(self) -> str:
        return self.name


class Activity(models.Model):
    class Organizer(models.TextChoices):
        COMMUNITY = "community", _("社区（村）")
        ORGANIZATION = "organization", _("社会组织")
        SCHOOL = "school", _("学校")
        OTHER = "other", _("其他单位")

    kind = models.ForeignKey(ActivityKind, on_delete=models.PROTECT, related_name="+", verbose_name=_("活动类别"))
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+",
                               db_column="region_code", verbose_name=_("社区（村）"))
    title = models.CharField(_("活动名称"), max_length=100)
    held_on = models.DateField(_("活动日期"))
    facility = models.ForeignKey("facilities.ServiceFacility", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+", verbose_name=_("活动场所（设施）"))
    place = models.CharField(_("活动地点"), max_length=100, blank=True)
    organizer_kind = models.CharField(_("主办方类别"), max_length=15, choices=Organizer.choices,
                                      default=Organizer.COMMUNITY)
    organizer_name = models.CharField(_("主办方"), max_length=100)
    speakers = models.CharField(_("主讲人"), max_length=200, blank=True)
    participant_count = models.PositiveIntegerField(_("参加人数"), default=0)
    participants = models.ManyToManyField("people.Person", blank=True, related_name="+",
                                          verbose_name=_("登记的参加居民"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["-held_on", "-id"]
        verbose_name = _("教育活动")
        verbose_name_plural = _("教育活动")
        indexes = [models.Index(fields=["region", "held_on"], name="activity_region_day")]

    def __str__(self) -> str:
        return self.title


def activity_photo_path(instance, filename: str) -> str:
    ext = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}.get(instance.image_format, "bin")
    return f"governance/activities/{instance.sha256[:2]}/{instance.sha256}.{ext}"


class ActivityPhoto(models.Model):
    """A photo of an activity (validated image: :func:`jiayuan.storage.check_image`),
    served only to who reads the activity."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="photos")
    file = models.FileField(upload_to=activity_photo_path, max_length=200)
    original_name = models.CharField(max_length=200, blank=True)
    content_type = models.CharField(max_length=40)
    image_format = models.CharField(max_length=10)
    size = models.PositiveIntegerField()
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]
        verbose_name = _("活动照片")
        verbose_name_plural = _("活动照片")

    def __str__(self) -> str:
        return f"{self.activity} · {self.pk}"

    @property
    def region_id(self) -> str:
        return self.activity.region_id


class VolunteerTeam(models.Model):
    """A volunteer team (志愿服务队) of a community, street or organization, where
    volunteers register."""

    name = models.CharField(_("队伍名称"), max_length=100)
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+",
                               db_column="region_code", verbose_name=_("所在区域"))
    organization = models.ForeignKey("organizations.SocialOrganization", on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+", verbose_name=_("志愿服务组织"))
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["region_id", "name"]
        verbose_name = _("志愿服务队")
        verbose_name_plural = _("志愿服务队")
        constraints = [models.UniqueConstraint(fields=["region", "name"], name="volunteer_team_name")]

    def __str__(self) -> str:
        return self.name


class Volunteer(models.Model):
    """A volunteer registered by real name (the registry's person) with a team."""

    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("居民"))
    team = models.ForeignKey(VolunteerTeam, on_delete=models.PROTECT, related_name="volunteers",
                             verbose_name=_("志愿服务队"))
    registered_on = models.DateField(_("注册日期"))
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    skills = models.CharField(_("服务特长"), max_length=100, blank=True)
    active = models.BooleanField(_("在册"), default=True)

    class Meta:
        ordering = ["team", "id"]
        verbose_name = _("志愿者")
        verbose_name_plural = _("志愿者")
        constraints = [models.UniqueConstraint(fields=["person", "team"], name="volunteer_once_per_team")]

    def __str__(self) -> str:
        return self.person.name

    @property
    def region_id(self) -> str:
        return self.team.region_id


class ServiceRecord(models.Model):
    """One service of a volunteer: date, content, hours (half hours), evaluation; for
    an activity where it was one. Counted once confirmed by someone other than the
    recorder (database check)."""

    class Evaluation(models.TextChoices):
        EXCELLENT = "excellent", _("优秀")
        GOOD = "good", _("良好")
        PASS = "pass", _("合格")
        FAIL = "fail", _("不合格")

    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, related_name="records")
    activity = models.ForeignKey(Activity, on_delete=models.PROTECT, null=True, blank=True, related_name="services",
                                 verbose_name=_("活动"))
    served_on = models.DateField(_("服务日期"))
    content = models.CharField(_("服务内容"), max_length=200)
    hours = models.DecimalField(_("服务时长（小时）"), max_digits=4, decimal_places=1)
    evaluation = models.CharField(_("服务评价"), max_length=10, choices=Evaluation.choices)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+", verbose_name=_("确认人"))
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)

    class Meta:
        ordering = ["-served_on", "-id"]
        verbose_name = _("志愿服务记录")
        verbose_name_plural = _("志愿服务记录")
        constraints = [
            models.CheckConstraint(name="service_hours_range", condition=Q(hours__gt=0) & Q(hours__lte=24)),
            models.CheckConstraint(name="service_confirmed_by_another",
                                   condition=Q(confirmed_by__isnull=True) | ~Q(confirmed_by=models.F("recorded_by"))),
        ]

    def __str__(self) -> str:
        return f"{self.volunteer} {self.served_on.isoformat()}"

    @property
    def region_id(self) -> str:
        return self.volunteer.team.region_id


class ServiceCertificate(models.Model):
    """A record of service (志愿服务记录证明) issued on the volunteer's request: what it
    certified is kept as issued (hours and records up to ``issued_on``)."""

    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, related_name="certificates")
    number = models.CharField(_("编号"), max_length=30, unique=True)
    issued_on = models.DateField(_("出具日期"))
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    first_served_on = models.DateField(null=True, blank=True)
    last_served_on = models.DateField(null=True, blank=True)
    records = models.PositiveIntegerField(_("服务次数"))
    hours = models.DecimalField(_("累计服务时长（小时）"), max_digits=8, decimal_places=1)

    class Meta:
        ordering = ["-issued_on", "-id"]
        verbose_name = _("志愿服务记录证明")
        verbose_name_plural = _("志愿服务记录证明")

    def __str__(self) -> str:
        return self.number

    @property
    def region_id(self) -> str:
        return self.volunteer.team.region_id
