"""The case engine's tables: case types (stored versions of declarations), departments,
cases, their timeline, tasks of departments, parties, attachments and the counters that
number them.

A case is never deleted: it ends in a closed state (voided with a reason is one).
Every transition bumps ``Case.version``; a transition names the version it acts on, so
of two people acting at once one wins and the other is told (optimistic concurrency).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class CaseType(models.Model):
    """One stored version of a case-type declaration (see :mod:`.declarations`).
    Rows are immutable once written; a changed declaration is a new version."""

    code = models.CharField(_("代码"), max_length=40)
    version = models.PositiveIntegerField(_("版本"))
    name = models.CharField(_("名称"), max_length=50)
    definition = models.JSONField(_("声明"))
    checksum = models.CharField(max_length=64)
    is_current = models.BooleanField(_("当前版本"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("案件类型")
        verbose_name_plural = _("案件类型")
        constraints = [models.UniqueConstraint(fields=["code", "version"], name="casetype_code_version_unique")]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"


def department_text_problems(code: str, name: str) -> dict[str, str]:
    """{"code" | "name": Chinese message} for a department code or name carrying a control
    (Unicode Cc) or invisible format (Cf) character — the characters a fuzzer or a broken
    tool sends and that no one can see in the dispatch list. A name may carry ordinary
    white space (space, tab, line breaks: folded to one space by the service); a code
    none, except around it. Empty when both are clean. Rule:
    :func:`jiayuan.people.rules.first_control_char`."""
    from ..people.rules import ORDINARY_WHITESPACE, char_label, first_control_char

    out = {}
    ch = first_control_char((code or "").strip(ORDINARY_WHITESPACE))
    if ch is not None:
        out["code"] = _("部门代码中有不可见的控制字符 %(char)s，请删除后重新输入") % {"char": char_label(ch)}
    ch = first_control_char(name or "", ORDINARY_WHITESPACE)
    if ch is not None:
        out["name"] = _("部门名称中有不可见的控制字符 %(char)s，请删除后重新输入") % {"char": char_label(ch)}
    return out


class Department(models.Model):
    """A functional department (职能部门) or other unit cases are dispatched to, e.g.
    甘州区城市管理局 (region 620702) or 东街街道城管中队 (620702001). ``region`` is its
    scope: it takes cases located in that subtree. Staff are users linked through
    :class:`DepartmentMember`, normally with the role ``department_staff``."""

    code = models.CharField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+",
                               db_column="region_code", verbose_name=_("管辖范围"))
    phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    # What it takes: codes of case types (cases.declarations) and of top-level grid event
    # categories (grid.EventCategory); an empty list takes every one. The dispatch list
    # offers a case only to departments taking its type and its category's top level.
    case_types = models.JSONField(_("承办案件类型"), default=list, blank=True)
    categories = models.JSONField(_("承办事件类别"), default=list, blank=True)
    active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("职能部门")
        verbose_name_plural = _("职能部门")
        ordering = ["region", "code"]
        indexes = [models.Index(fields=["region", "active"], name="department_region_idx")]

    def __str__(self) -> str:
        return self.name

    def takes(self, type_code: str, category_top: str) -> bool:
        """Whether the department takes cases of type ``type_code`` whose event category's
        top-level code is ``category_top`` ('' = no category: only the type decides)."""
        if self.case_types and type_code not in self.case_types:
            return False
        return not (self.categories and category_top and category_top not in self.categories)

    def save(self, *args, **kwargs):
        """Refuses (ValidationError) a code or name with control characters, whoever
        saves it — the service, a management command, the shell (invariant; the service
        answers the same messages as a 422 first)."""
        problems = department_text_problems(self.code, self.name)
        if problems:
            from django.core.exceptions import ValidationError

            raise ValidationError(problems)
        super().save(*args, **kwargs)


class DepartmentMember(models.Model):
    """A user working for a department (one department per user)."""

    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="members")
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="department_membership")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("部门人员")
        verbose_name_plural = _("部门人员")


class Case(models.Model):
    """A case of any type: a grid event, a service request … Its ``state`` and the
    transitions out of it come from its type's declaration (the version in
    ``case_type``); ``queue``, ``is_open`` and the due times are denormalised from the
    state so that queues and boards are index scans."""

    class Channel(models.TextChoices):
        FIELD = "field", _("网格上报")
        DESK = "desk", _("窗口受理")
        API = "api", _("接口")
        OPEN311 = "open311", _("Open311 公众上报")
        SYSTEM = "system", _("系统")

    number = models.CharField(_("编号"), max_length=40, unique=True)
    # db_index=False on foreign keys that another index leads with, or that no query
    # filters on: every index costs on every transition (see Meta.indexes).
    case_type = models.ForeignKey(CaseType, on_delete=models.PROTECT, related_name="cases", db_index=False)
    type_code = models.CharField(_("类型"), max_length=40)
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+",
                               db_column="region_code", verbose_name=_("所属区划"), db_index=False)
    state = models.CharField(_("状态"), max_length=40)
    is_open = models.BooleanField(_("未办结"), default=True)
    queue = models.CharField(_("待办方"), max_length=40, blank=True)
    state_entered_at = models.DateTimeField(_("进入当前状态时间"))
    due_at = models.DateTimeField(_("本环节期限"), null=True, blank=True)
    due_soon_at = models.DateTimeField(null=True, blank=True)
    # The due time counts working days in a year whose official holiday arrangement is not
    # entered yet (OfficialCalendarYear): estimated from the statutory holidays (预估).
    deadline_estimated = models.BooleanField(_("期限为预估"), default=False)
    overdue_noted = models.BooleanField(default=False)
    escalation_level = models.PositiveSmallIntegerField(_("升级次数"), default=0)
    urge_count = models.PositiveSmallIntegerField(_("督办次数"), default=0)
    last_urged_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    category = models.CharField(_("类别"), max_length=60, blank=True)
    title = models.CharField(_("标题"), max_length=200, blank=True)
    description = models.TextField(_("描述"), blank=True)
    subject_person = models.ForeignKey("people.Person", on_delete=models.PROTECT, null=True, blank=True,
                                       related_name="+", verbose_name=_("当事人"), db_index=False)
    subject_household = models.ForeignKey("people.Household", on_delete=models.PROTECT, null=True, blank=True,
                                          related_name="+", verbose_name=_("当事户"), db_index=False)
    department = models.ForeignKey(Department, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("承办部门"), db_index=False)
    lat = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    lon = models.DecimalField(_("经度"), max_digits=9, decimal_places=6, null=True, blank=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    contact_name = models.CharField(_("联系人"), max_length=50, blank=True)
    contact_phone_cipher = models.BinaryField(blank=True, default=b"")
    limits = models.JSONField(_("时限（按状态）"), default=dict, blank=True)
    data = models.JSONField(_("业务数据"), default=dict, blank=True)
    channel = models.CharField(_("来源"), max_length=10, choices=Channel.choices, default=Channel.API)
    is_public = models.BooleanField(_("公开"), default=False)

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("登记人"), db_index=False)
    request_key = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField(_("登记时间"))
    updated_at = models.DateTimeField(_("更新时间"))
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("案件")
        verbose_name_plural = _("案件")
        constraints = [
            models.UniqueConstraint(fields=["created_by", "request_key"], condition=~models.Q(request_key=""),
                                    name="case_request_key_unique"),
            models.CheckConstraint(name="case_closed_at_when_closed",
                                   condition=models.Q(is_open=True) | models.Q(closed_at__isnull=False)),
        ]
        # A transition writes a new version of the row, and PostgreSQL adds an entry to
        # every index whose condition the row meets: each index here is paid for on
        # every transition. Kept: what the pages and services look up.
        indexes = [
            models.Index(fields=["due_at"], condition=models.Q(is_open=True, overdue_noted=False),
                         name="case_sweep_idx"),
            # "reported by me", the PROTECT check of a user, and created_by's own index
            models.Index(fields=["created_by", "created_at"], name="case_reporter_idx"),
            # foreign keys that are empty on most cases: only the rows that have one
            models.Index(fields=["subject_person"], condition=models.Q(subject_person__isnull=False),
                         name="case_subject_person_idx"),
            models.Index(fields=["subject_household"], condition=models.Q(subject_household__isnull=False),
                         name="case_subject_household_idx"),
            models.Index(fields=["department"], condition=models.Q(department__isnull=False),
                         name="case_department_idx"),
        ]
        # The queue, board and region-subtree indexes depend on the database: prefix LIKE
        # on region codes needs varchar_pattern_ops on PostgreSQL (migration 0002:
        # case_queue_like, case_board_like, case_region_like); SQLite gets the plain
        # ones (migration 0003: case_queue_idx, case_board_idx, case_region_created_idx).

    def __str__(self) -> str:
        return self.number


class CaseTask(models.Model):
    """A department's part of a case. Dispatch creates one; 协同办理 creates one per
    department. Department staff see the cases that have a task for their department."""

    class Status(models.TextChoices):
        PENDING = "pending", _("办理中")
        DONE = "done", _("已完成")
        RETURNED = "returned", _("已退回")
        CANCELLED = "cancelled", _("已取消")

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="tasks")
    # casetask_queue_idx leads with department
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="tasks", db_index=False)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING)
    is_lead = models.BooleanField(_("主办"), default=True)
    assigned_at = models.DateTimeField()
    done_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        verbose_name = _("部门任务")
        verbose_name_plural = _("部门任务")
        indexes = [models.Index(fields=["department", "status", "case"], name="casetask_queue_idx")]


class CaseEvent(models.Model):
    """One line of a case's timeline: a transition (from → to), an urge (督办), a deadline
    warning or escalation, or the opening of the case. Append-only."""

    class Kind(models.TextChoices):
        OPEN = "open", _("登记")
        TRANSITION = "transition", _("流转")
        URGE = "urge", _("督办")
        WARN = "warn", _("超期预警")
        ESCALATE = "escalate", _("超期升级")

    # caseevent_seq_unique (case, seq) serves lookups by case
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="events", db_index=False)
    seq = models.PositiveIntegerField()
    kind = models.CharField(max_length=12, choices=Kind.choices)
    action = models.CharField(max_length=40, blank=True)
    action_name = models.CharField(max_length=50, blank=True)
    from_state = models.CharField(max_length=40, blank=True)
    to_state = models.CharField(max_length=40, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="+")
    actor_name = models.CharField(max_length=150, blank=True)
    actor_role = models.CharField(max_length=40, blank=True)
    department = models.ForeignKey(Department, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                   db_index=False)
    at = models.DateTimeField()
    comment = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    request_key = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        verbose_name = _("案件记录")
        verbose_name_plural = _("案件记录")
        ordering = ["case", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["case", "seq"], name="caseevent_seq_unique"),
            models.UniqueConstraint(fields=["case", "request_key"], condition=~models.Q(request_key=""),
                                    name="caseevent_request_key_unique"),
        ]
        indexes = [models.Index(fields=["department"], condition=models.Q(department__isnull=False),
                                name="caseevent_department_idx")]


class CaseParty(models.Model):
    """A person involved in a case (涉及人员, 当事人, 申请人 …), from the registry."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="parties")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    role = models.CharField(_("身份"), max_length=20, default="involved")

    class Meta:
        verbose_name = _("涉及人员")
        verbose_name_plural = _("涉及人员")
        constraints = [models.UniqueConstraint(fields=["case", "person", "role"], name="caseparty_unique")]


def attachment_path(instance, filename: str) -> str:
    ext = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}.get(instance.image_format, "bin")
    return f"cases/{instance.created_at:%Y/%m}/{instance.sha256[:2]}/{instance.sha256}.{ext}"


class Attachment(models.Model):
    """An uploaded photo (validated image, see services.store_attachment). Uploaded first,
    then bound to a case and to the timeline line that cites it; an unbound upload
    belongs to its uploader only."""

    file = models.FileField(upload_to=attachment_path, max_length=200)
    original_name = models.CharField(max_length=200, blank=True)
    content_type = models.CharField(max_length=40)
    image_format = models.CharField(max_length=10)
    size = models.PositiveIntegerField()
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, null=True, blank=True, related_name="attachments")
    event = models.ForeignKey(CaseEvent, on_delete=models.PROTECT, null=True, blank=True, related_name="attachments")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")
        indexes = [models.Index(fields=["uploaded_by", "case"], name="attachment_owner_idx")]


class Counter(models.Model):
    """Per-key, per-day sequence (case numbers per region per day, certificate numbers …).
    Allocated by one atomic upsert (services.next_sequence), so concurrent writers never
    get the same number."""

    key = models.CharField(max_length=40)
    day = models.DateField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["key", "day"], name="counter_key_day_unique")]


class RateLimitHit(models.Model):
    """Fixed-window counters for public endpoints (status lookup), shared by all web
    processes because they live in the database."""

    key = models.CharField(max_length=100)
    window_start = models.BigIntegerField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["key", "window_start"], name="ratelimit_key_window_unique")]


class OfficialCalendarYear(models.Model):
    """A year whose official holiday arrangement (国务院办公厅关于某年部分节假日安排的通知)
    is known: its days are :class:`OfficialCalendarDay` rows. A year without a row is
    estimated from the statutory holidays (see :mod:`.statutory`, :mod:`.workdays`).

    ``status``: ``library`` for the years seeded from the chinese-calendar package by
    migration 0005, ``entered`` for a year a city administrator entered from the notice."""

    class Status(models.TextChoices):
        LIBRARY = "library", _("软件包导入")
        ENTERED = "entered", _("管理员录入")

    year = models.PositiveSmallIntegerField(_("年度"), primary_key=True)
    source = models.CharField(_("文号"), max_length=100)
    status = models.CharField(_("来源"), max_length=10, choices=Status.choices, default=Status.ENTERED)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("录入人"))
    entered_at = models.DateTimeField(_("录入时间"))

    class Meta:
        verbose_name = _("年度节假日安排")
        verbose_name_plural = _("年度节假日安排")
        ordering = ["year"]

    def __str__(self) -> str:
        return str(self.year)


class OfficialCalendarDay(models.Model):
    """One day that differs from the ordinary week in an official year: a holiday (放假,
    also when it is a weekend day inside the holiday) or a make-up working day (调休上班,
    a Saturday or Sunday that is worked). Other days: Monday–Friday work, weekends off."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("放假")
        WORKDAY = "workday", _("调休上班")

    day = models.DateField(_("日期"), unique=True)
    year = models.ForeignKey(OfficialCalendarYear, on_delete=models.CASCADE, related_name="days",
                             verbose_name=_("年度"), db_index=False)  # calendarday_year_idx leads with it
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("节日"), max_length=40)

    class Meta:
        verbose_name = _("节假日")
        verbose_name_plural = _("节假日")
        ordering = ["day"]
        indexes = [models.Index(fields=["year", "day"], name="calendarday_year_idx")]

    def __str__(self) -> str:
        return f"{self.day} {self.name}"
