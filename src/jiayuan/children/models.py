"""Children's files (儿童档案), the people who keep them (儿童主任, 儿童督导员), care teams
("1+1+1") and visits by risk grade.

A file's ``categories`` and ``category_facts`` are what was last confirmed; a new
derivation that differs is kept in ``proposed`` and the file is flagged
(``review_reasons``) until its 儿童主任 confirms it — a changed fact never changes the file
silently (issue 13). ``region`` is the child's village or community (12 digits), the key of
scope and of the 儿童主任's duty.

Phones of guardians, caregivers and parents are stored encrypted (:mod:`jiayuan.security`).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .. import security
from .rules import CLOSE_REASONS


class DutyKind(models.TextChoices):
    DIRECTOR = "children_director", _("儿童主任")
    SUPERVISOR = "children_supervisor", _("儿童督导员")


class ChildrenDuty(models.Model):
    """An account named 儿童主任 of a village or community (``region`` 12 digits) or 儿童督导员
    of a township or street (9 digits), 民发〔2019〕34号. At most one current (``ended_on``
    empty) per kind and region."""

    kind = models.CharField(_("职责"), max_length=20, choices=DutyKind.choices)
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+", db_column="region_code",
                               verbose_name=_("负责区划"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="children_duties",
                             verbose_name=_("账号"))
    phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    started_on = models.DateField(_("任职日期"))
    ended_on = models.DateField(_("离任日期"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("儿童主任/督导员")
        verbose_name_plural = _("儿童主任/督导员")
        constraints = [
            models.UniqueConstraint(fields=["kind", "region"], condition=models.Q(ended_on__isnull=True),
                                    name="children_one_current_duty"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.user}"


class ChildFile(models.Model):
    """One file per child (``person`` unique)."""

    class Ability(models.TextChoices):
        GOOD = "good", _("能够照护")
        LIMITED = "limited", _("照护能力较弱")
        NONE = "none", _("无照护能力")

    class Status(models.TextChoices):
        OPEN = "open", _("在册")
        CLOSED = "closed", _("已销档")

    person = models.OneToOneField("people.Person", on_delete=models.PROTECT, related_name="child_file",
                                  verbose_name=_("儿童"))
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+", db_column="region_code",
                               verbose_name=_("所属村（社区）"))
    status = models.CharField(_("状态"), max_length=8, choices=Status.choices, default=Status.OPEN)
    opened_on = models.DateField(_("建档日期"))
    # confirmed derivation
    categories = models.JSONField(_("类别"), default=list)
    category_facts = models.JSONField(default=list)
    derived_on = models.DateField(null=True, blank=True)
    # a newer derivation waiting for the 儿童主任 (None: nothing waiting)
    proposed = models.JSONField(null=True, blank=True)
    review_reasons = models.JSONField(default=list, blank=True)
    flagged_at = models.DateTimeField(null=True, blank=True)
    # facts entered on the file
    own_illness = models.BooleanField(_("本人患重病"), default=False)
    guardianship_problem = models.BooleanField(_("监护缺失或监护不当"), default=False)
    guardian_name = models.CharField(_("监护人"), max_length=50, blank=True)
    guardian_relation = models.CharField(_("监护人与儿童关系"), max_length=20, blank=True)
    guardian_phone_cipher = models.BinaryField(blank=True, default=b"")
    guardian_ability = models.CharField(_("监护人照护能力"), max_length=8, choices=Ability.choices, blank=True)
    caregiver_name = models.CharField(_("委托照护人"), max_length=50, blank=True)
    caregiver_relation = models.CharField(_("委托照护人与儿童关系"), max_length=20, blank=True)
    caregiver_phone_cipher = models.BinaryField(blank=True, default=b"")
    caregiver_ability = models.CharField(_("委托照护人照护能力"), max_length=8, choices=Ability.choices, blank=True)
    school = models.CharField(_("就读学校"), max_length=100, blank=True)
    school_grade = models.CharField(_("年级"), max_length=20, blank=True)
    health = models.CharField(_("健康状况"), max_length=200, blank=True)
    needs = models.TextField(_("需求"), blank=True)
    # risk and visits
    risk = models.CharField(_("风险等级"), max_length=20)
    risk_reason = models.CharField(_("评定理由"), max_length=200, blank=True)
    last_visit_on = models.DateField(_("最近探访"), null=True, blank=True)
    next_visit_due = models.DateField(_("下次探访期限"))
    # closing (销档): the current closure, if closed; history in ChildFileClosure
    closed_on = models.DateField(_("销档日期"), null=True, blank=True)
    close_reason = models.CharField(_("销档原因"), max_length=20, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("儿童档案")
        verbose_name_plural = _("儿童档案")
        indexes = [
            # scope (a range of region codes) and the overdue test read the index alone;
            # ``id`` orders ties and feeds the need-to-know test (docs/performance.md)
            models.Index(fields=["region", "status", "next_visit_due", "id"], name="childfile_due_id_idx"),
        ]

    def __str__(self) -> str:
        return self.person.name

    @property
    def guardian_phone(self) -> str:
        return security.decrypt(self.guardian_phone_cipher)

    @property
    def caregiver_phone(self) -> str:
        return security.decrypt(self.caregiver_phone_cipher)

    @property
    def flagged(self) -> bool:
        return self.proposed is not None


class ChildFileClosure(models.Model):
    """One closing (销档) of a file, with its reason and note, and its reopening if the file
    was reopened (e.g. the parents left again): the history of a file's status. At most
    one not reopened per file (the current closure)."""

    file = models.ForeignKey(ChildFile, on_delete=models.CASCADE, related_name="closures")
    closed_on = models.DateField(_("销档日期"))
    reason = models.CharField(_("销档原因"), max_length=20, choices=list(CLOSE_REASONS.items()))
    note = models.CharField(_("说明"), max_length=200, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reopened_on = models.DateField(_("恢复日期"), null=True, blank=True)
    reopened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")
    reopen_note = models.CharField(_("恢复原因"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("销档记录")
        verbose_name_plural = _("销档记录")
        constraints = [models.UniqueConstraint(fields=["file"], condition=models.Q(reopened_on__isnull=True),
                                               name="children_one_current_closure")]


class ChildParent(models.Model):
    """A parent of the child on the file: a person of the registry where known (``person``;
    death and disability are then read from the registry), else by name. The situation
    facts are entered; ``lost_contact_since`` counts toward 失联 after 6 months."""

    class Role(models.TextChoices):
        FATHER = "father", _("父亲")
        MOTHER = "mother", _("母亲")

    file = models.ForeignKey(ChildFile, on_delete=models.CASCADE, related_name="parents")
    role = models.CharField(_("身份"), max_length=6, choices=Role.choices)
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                               verbose_name=_("居民档案"))
    name = models.CharField(_("姓名"), max_length=50, blank=True)
    phone_cipher = models.BinaryField(blank=True, default=b"")
    working_away = models.BooleanField(_("外出务工"), default=False)
    away_place = models.CharField(_("务工地点"), max_length=100, blank=True)
    away_since = models.DateField(_("外出时间"), null=True, blank=True)
    severely_disabled = models.BooleanField(_("重残（未在本系统登记残疾人证）"), default=False)
    seriously_ill = models.BooleanField(_("重病"), default=False)
    imprisoned = models.BooleanField(_("服刑在押或被限制人身自由（6个月以上）"), default=False)
    drug_rehab = models.BooleanField(_("强制隔离戒毒（6个月以上）"), default=False)
    missing = models.BooleanField(_("人民法院宣告失踪"), default=False)
    lost_contact_since = models.DateField(_("失联起始日期"), null=True, blank=True)
    deceased = models.BooleanField(_("死亡（未在本系统登记）"), default=False)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("父母情况")
        verbose_name_plural = _("父母情况")
        constraints = [models.UniqueConstraint(fields=["file", "role"], name="children_one_parent_per_role")]
        indexes = [models.Index(fields=["person"], name="childparent_person_idx")]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.person.name if self.person_id else self.name

    @property
    def phone(self) -> str:
        return security.decrypt(self.phone_cipher)


class CareTeamMember(models.Model):
    """A member of a child's care team ("1+1+1") in a slot of the configured slots
    (settings.CHILDREN_CARE_SLOTS): an account (who then sees the file) or a name."""

    file = models.ForeignKey(ChildFile, on_delete=models.CASCADE, related_name="team")
    slot = models.CharField(_("角色"), max_length=20)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                             related_name="care_teams", verbose_name=_("账号"))
    name = models.CharField(_("姓名"), max_length=50, blank=True)
    phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    since = models.DateField(_("结对日期"))

    class Meta:
        verbose_name = _("关爱团队成员")
        verbose_name_plural = _("关爱团队成员")
        constraints = [models.UniqueConstraint(fields=["file", "slot"], name="children_one_member_per_slot")]
        indexes = [models.Index(fields=["user"], name="careteam_user_idx")]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return (self.user.full_name or self.user.username) if self.user_id else self.name


class ChildVisit(models.Model):
    """A visit (探访) to the child: date, who, where, findings, the grade before and after
    with the reason; photos in :class:`VisitPhoto`."""

    file = models.ForeignKey(ChildFile, on_delete=models.CASCADE, related_name="visits")
    visited_on = models.DateField(_("探访日期"))
    visitor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("探访人"))
    place = models.CharField(_("探访地点"), max_length=100)
    face_to_face = models.BooleanField(_("当面探访"), default=True)
    findings = models.TextField(_("探访情况"))
    risk_before = models.CharField(max_length=20)
    risk_after = models.CharField(_("评定风险等级"), max_length=20)
    risk_reason = models.CharField(_("评定理由"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("探访记录")
        verbose_name_plural = _("探访记录")
        indexes = [models.Index(fields=["file", "visited_on"], name="childvisit_file_idx")]

    def __str__(self) -> str:
        return f"{self.file} {self.visited_on}"



def visit_photo_path(instance, filename: str) -> str:
    ext = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}.get(instance.image_format, "bin")
    return f"children/visits/{instance.sha256[:2]}/{instance.sha256}.{ext}"


class VisitPhoto(models.Model):
    """A photo taken at a visit (validated image: :func:`jiayuan.children.services.record_visit`),
    served only to who may read the child's file."""

    visit = models.ForeignKey(ChildVisit, on_delete=models.CASCADE, related_name="photos")
    file = models.FileField(upload_to=visit_photo_path, max_length=200)
    content_type = models.CharField(max_length=40)
    image_format = models.CharField(max_length=10)
    size = models.PositiveIntegerField()
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("探访照片")
        verbose_name_plural = _("探访照片")


HOME_SERVICES = {
    "daytime_care": _("日间照料"),
    "tutoring": _("课业辅导"),
    "psychological": _("心理关爱"),
    "recreation": _("文体活动"),
    "meals": _("就餐"),
    "family_contact": _("亲情联络"),
}


class ChildrensHome(models.Model):
    """A children's home (留守儿童之家 / 儿童之家): where it is (a village, community or
    township), who runs it (an organization of the registry, or none when the village runs
    it), capacity and services. From ``closed_on`` (停用日期) on it takes no child and no
    attendance."""

    name = models.CharField(_("名称"), max_length=100)
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+", db_column="region_code",
                               verbose_name=_("所在区划"))
    operator = models.ForeignKey("organizations.SocialOrganization", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="childrens_homes", verbose_name=_("运营机构"))
    address = models.CharField(_("地址"), max_length=200, blank=True)
    capacity = models.PositiveIntegerField(_("可容纳人数"))
    services = models.JSONField(_("服务内容"), default=list)
    opened_on = models.DateField(_("启用日期"))
    closed_on = models.DateField(_("停用日期"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("留守儿童之家")
        verbose_name_plural = _("留守儿童之家")
        constraints = [models.CheckConstraint(condition=models.Q(capacity__gte=1), name="childrens_home_capacity")]

    def __str__(self) -> str:
        return self.name


class HomeEnrolment(models.Model):
    """A child enrolled at a home from ``enrolled_on`` to ``left_on`` (open: still
    enrolled); one open enrolment per child and home."""

    home = models.ForeignKey(ChildrensHome, on_delete=models.PROTECT, related_name="enrolments")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("儿童"))
    enrolled_on = models.DateField(_("入托日期"))
    left_on = models.DateField(_("离开日期"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("入托登记")
        verbose_name_plural = _("入托登记")
        constraints = [
            models.UniqueConstraint(fields=["home", "person"], condition=models.Q(left_on__isnull=True),
                                    name="home_one_open_enrolment"),
            models.CheckConstraint(condition=models.Q(left_on__isnull=True) | models.Q(left_on__gte=models.F("enrolled_on")),
                                   name="home_enrolment_dates"),
        ]

    def __str__(self) -> str:
        return f"{self.home} {self.person}"


class HomeAttendance(models.Model):
    """A child present at a home on a day (one row per enrolment and day)."""

    enrolment = models.ForeignKey(HomeEnrolment, on_delete=models.CASCADE, related_name="attendance")
    home = models.ForeignKey(ChildrensHome, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    day = models.DateField(_("日期"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("到托记录")
        verbose_name_plural = _("到托记录")
        constraints = [models.UniqueConstraint(fields=["enrolment", "day"], name="home_attendance_once_a_day")]
        indexes = [models.Index(fields=["home", "day"], name="home_attendance_day_idx")]
