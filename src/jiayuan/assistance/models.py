"""Social assistance and subsidies: programs, their parameters with effective dates,
applications (a case type of the case engine), enrollments (待遇) and monthly payment
batches (发放批次) with their lines (发放明细).

Money is ``DecimalField(max_digits=12, decimal_places=2)``: yuan to the fen.
Months are stored as the first day of the month (``DateField``).

Invariants held by the database, not only by code (DESIGN.md principle 6):
- one parameter set per (program, region, effective_from);
- one open enrollment per (program, person) and per (program, household);
- one batch per (program, county, month) — generating twice yields the same batch;
- one live payment line per (program, person, benefit month), whatever the county —
  nobody is paid twice for the same program and month; voided and failed lines are
  history and do not count.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

MONEY = {"max_digits": 12, "decimal_places": 2}


class Program(models.Model):
    """An assistance or subsidy program. ``code`` is one of the glossary's codes
    (``subsistence_allowance`` …). ``unit`` says who is enrolled: a household (低保:
    paid to the household's payee) or a person. Programs are seeded by migration; their
    amounts and rules' thresholds are :class:`ProgramParameter` rows, never constants."""

    class Unit(models.TextChoices):
        HOUSEHOLD = "household", _("以户为单位")
        PERSON = "person", _("以人为单位")

    code = models.CharField(_("代码"), max_length=40, primary_key=True)
    name = models.CharField(_("名称"), max_length=50)
    unit = models.CharField(_("保障单位"), max_length=10, choices=Unit.choices)
    department = models.CharField(_("主管部门"), max_length=20, default="民政")
    monthly = models.BooleanField(_("按月发放"), default=True)
    policy = models.CharField(_("政策依据"), max_length=200, blank=True)
    active = models.BooleanField(_("启用"), default=True)
    sort = models.PositiveSmallIntegerField(default=100)

    class Meta:
        verbose_name = _("救助项目")
        verbose_name_plural = _("救助项目")
        ordering = ["sort", "code"]

    def __str__(self) -> str:
        return self.name


class ProgramParameter(models.Model):
    """The parameters of a program in force from ``effective_from`` (first day of a
    month) in the subtree of ``region`` (the city, or a county that overrides it) until
    the next row for the same program and region. ``values`` is a JSON object whose keys
    and types are declared per program in :data:`jiayuan.assistance.rules.PARAMETER_SCHEMAS`
    (money as strings of yuan, e.g. ``{"standard_urban": "735.00"}``). Rows are never
    changed once a batch has used them; a correction is a new row (history kept)."""

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="parameters")
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+", db_column="region_code",
                               verbose_name=_("适用区划"))
    effective_from = models.DateField(_("生效月份"))
    values = models.JSONField(_("参数"))
    policy = models.CharField(_("文件依据"), max_length=200, blank=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("项目参数")
        verbose_name_plural = _("项目参数")
        ordering = ["program", "region", "-effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["program", "region", "effective_from"], name="parameter_unique_from"),
        ]

    def __str__(self) -> str:
        return f"{self.program_id}@{self.region_id} {self.effective_from:%Y-%m}"


class AssistanceApplication(models.Model):
    """One application taken at one door for one household (一门受理). It is the
    domain record behind a case of type ``assistance_application`` (``case``): the case
    carries the stages, timeline, due dates and departments' tasks; this row carries what
    the rules need — the kinds of help asked for (:class:`ApplicationPart`), the
    household economic-status record (:class:`ApplicationMember`, :class:`IncomeItem`,
    :class:`AssetItem`), the public notice and its objections, and the decision."""

    class Path(models.TextChoices):
        STANDARD = "standard", _("常规程序")
        SHORT = "short", _("简易程序")
        EMERGENCY = "emergency", _("紧急程序（先行救助、后补材料）")

    case = models.OneToOneField("cases.Case", on_delete=models.PROTECT, related_name="assistance_application")
    household = models.ForeignKey("people.Household", on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("申请家庭"))
    applicant = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("申请人"))
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+", db_column="region_code",
                               verbose_name=_("所属区划"))
    path = models.CharField(_("办理程序"), max_length=10, choices=Path.choices, default=Path.STANDARD)
    area = models.CharField(_("城乡类别"), max_length=5, choices=[("urban", _("城市")), ("rural", _("农村"))])
    reason = models.TextField(_("申请理由"), blank=True)
    materials_missing = models.JSONField(_("缺少的材料"), default=list, blank=True)
    # The public notice (公示): 7 days in the community, objections recorded.
    notice_from = models.DateField(_("公示开始"), null=True, blank=True)
    notice_until = models.DateField(_("公示截止"), null=True, blank=True)
    # Result of the eligibility rules at the last assessment (reasons and values compared).
    assessment = models.JSONField(_("审核测算"), default=dict, blank=True)
    decided_at = models.DateTimeField(_("决定时间"), null=True, blank=True)
    decision = models.CharField(_("决定"), max_length=10, blank=True,
                                choices=[("approved", _("批准")), ("refused", _("不予批准"))])
    decision_reason = models.TextField(_("决定理由"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("救助申请")
        verbose_name_plural = _("救助申请")
        indexes = [models.Index(fields=["region", "created_at"], name="application_region_idx")]

    def __str__(self) -> str:
        return self.case.number if self.case_id else "?"


class ApplicationPart(models.Model):
    """One kind of help asked for in an application, handled by one department
    (协同办理): a program of this app (民政), or help of another department (医疗救助 by
    医保, 教育救助 by 教育, 住房救助 by 住建, 就业救助 by 人社, 残联 …) whose part is a
    :class:`jiayuan.cases.models.CaseTask`. The household sees one status (the case's)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("办理中")
        APPROVED = "approved", _("已批准")
        REFUSED = "refused", _("不予批准")
        DONE = "done", _("已办结")
        CANCELLED = "cancelled", _("已撤销")

    application = models.ForeignKey(AssistanceApplication, on_delete=models.PROTECT, related_name="parts")
    kind = models.CharField(_("救助类别"), max_length=40)  # a Program code, or a help kind of another department
    program = models.ForeignKey(Program, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    department = models.ForeignKey("cases.Department", on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("承办部门"))
    task = models.ForeignKey("cases.CaseTask", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING)
    result = models.TextField(_("办理结果"), blank=True)
    amount = models.DecimalField(_("金额（元）"), null=True, blank=True, **MONEY)

    class Meta:
        verbose_name = _("申请事项")
        verbose_name_plural = _("申请事项")
        constraints = [models.UniqueConstraint(fields=["application", "kind"], name="application_part_unique")]


class ApplicationMember(models.Model):
    """A member of the applying household in the economic-status record, and whether
    they are counted (co-resident, 共同生活的家庭成员) for per-capita income."""

    application = models.ForeignKey(AssistanceApplication, on_delete=models.PROTECT, related_name="members")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    co_resident = models.BooleanField(_("共同生活"), default=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["application", "person"], name="application_member_unique")]


class IncomeItem(models.Model):
    """One income of the household (家庭收入), in yuan per month (a yearly income is
    entered divided by 12, see rules.monthly_income). ``kind``: wages, business,
    property, transfer, other (rules.INCOME_KINDS)."""

    application = models.ForeignKey(AssistanceApplication, on_delete=models.PROTECT, related_name="incomes")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    kind = models.CharField(_("收入类型"), max_length=20)
    monthly_amount = models.DecimalField(_("月收入（元）"), **MONEY)
    note = models.CharField(_("说明"), max_length=200, blank=True)


class AssetItem(models.Model):
    """One asset of the household (家庭财产): ``kind`` (deposits, vehicle, housing,
    securities, business, other — rules.ASSET_KINDS), value in yuan, and for housing the
    count of dwellings."""

    application = models.ForeignKey(AssistanceApplication, on_delete=models.PROTECT, related_name="assets")
    kind = models.CharField(_("财产类型"), max_length=20)
    value = models.DecimalField(_("价值（元）"), **MONEY)
    quantity = models.PositiveSmallIntegerField(_("数量"), default=1)
    note = models.CharField(_("说明"), max_length=200, blank=True)


class NoticeObjection(models.Model):
    """An objection raised during the public notice (公示异议), and how it was settled."""

    application = models.ForeignKey(AssistanceApplication, on_delete=models.PROTECT, related_name="objections")
    received_on = models.DateField(_("收到日期"))
    content = models.TextField(_("异议内容"))
    resolution = models.TextField(_("核实处理情况"), blank=True)
    upheld = models.BooleanField(_("异议成立"), null=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)


class Enrollment(models.Model):
    """A person or household in a program (待遇 / 享受对象). ``person`` is always set:
    the beneficiary, or for household programs the payee (usually the head). ``inputs``
    holds the facts the amount depends on (members, per-capita income, area, disability
    type and grade …); each batch recomputes the amount from them with the parameters of
    its month, so ``amount`` here is the amount as last computed (at approval or review)
    and ``computation`` how. ``region`` is where the beneficiary lives now (batches are per
    county by its first six digits)."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("享受中")
        SUSPENDED = "suspended", _("暂停")
        TERMINATED = "terminated", _("已终止")

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="enrollments")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="enrollments")
    household = models.ForeignKey("people.Household", on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+")
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+", db_column="region_code")
    application = models.ForeignKey(AssistanceApplication, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="enrollments")
    start_month = models.DateField(_("起始月份"))
    end_month = models.DateField(_("终止月份"), null=True, blank=True)  # last month paid
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    inputs = models.JSONField(_("测算依据"), default=dict)
    amount = models.DecimalField(_("月发放金额（元）"), **MONEY)
    computation = models.JSONField(_("测算过程"), default=dict)
    review_months = models.PositiveSmallIntegerField(_("复核周期（月）"), default=12)
    next_review_on = models.DateField(_("下次复核日期"), null=True, blank=True)
    # Set when something in the registry needs a decision (death, moving out …).
    flag = models.CharField(_("待处理事项"), max_length=20, blank=True)
    flag_note = models.CharField(_("待处理说明"), max_length=200, blank=True)
    flagged_at = models.DateTimeField(null=True, blank=True)
    payee_account = models.CharField(_("发放账户"), max_length=40, blank=True)  # masked tail only; see services
    # The whole account, AES-GCM encrypted like ID numbers and phones (security.encrypt);
    # written by services.accounts.set_payee_account, read only by the payment file
    # exported with ``export_sensitive``. Empty when only the masked tail is known.
    payee_account_cipher = models.BinaryField(blank=True, default=b"")
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("享受对象")
        verbose_name_plural = _("享受对象")
        constraints = [
            models.UniqueConstraint(fields=["program", "person"], condition=~models.Q(status="terminated"),
                                    name="enrollment_one_open_per_person"),
            models.UniqueConstraint(fields=["program", "household"],
                                    condition=~models.Q(status="terminated") & models.Q(household__isnull=False),
                                    name="enrollment_one_open_per_household"),
        ]
        indexes = [
            models.Index(fields=["program", "status", "region"], name="enrollment_batch_idx"),
            models.Index(fields=["flag"], condition=~models.Q(flag=""), name="enrollment_flag_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.program_id}:{self.person_id}"


class EnrollmentEvent(models.Model):
    """The history of an enrollment (append-only): enrolled, amount changed on review,
    suspended, resumed, terminated, flagged, moved … with who, when, why and the data."""

    enrollment = models.ForeignKey(Enrollment, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=20)
    at = models.DateTimeField()
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="+")
    reason = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]


class PaymentBatch(models.Model):
    """The payments of one program in one county for one month (发放批次). Unique per
    (program, county, month): generating again returns the same batch (or a 409 naming
    it). ``generation`` counts regenerations after a reopen; lines of older generations
    are voided, never deleted."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("待审核")
        REVIEWED = "reviewed", _("已审核")
        APPROVED = "approved", _("已审批")
        EXPORTED = "exported", _("已导出")
        CLOSED = "closed", _("已完成")

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="batches")
    county = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+", db_column="county_code")
    month = models.DateField(_("发放月份"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    generation = models.PositiveIntegerField(_("生成次数"), default=1)
    line_count = models.PositiveIntegerField(default=0)
    person_count = models.PositiveIntegerField(default=0)
    household_count = models.PositiveIntegerField(default=0)
    total_amount = models.DecimalField(default=0, **MONEY)
    generated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                     related_name="+")
    generated_at = models.DateTimeField(null=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")
    approved_at = models.DateTimeField(null=True, blank=True)
    exported_at = models.DateTimeField(null=True, blank=True)
    exported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")
    closed_at = models.DateTimeField(null=True, blank=True)
    # What the last generation could not pay, for people to act on (services.batches):
    # ``problem_counts`` {code: n}; ``problems`` the first items [{code, message,
    # enrollment, person, person_name, region, benefit_month, …}] (capped).
    problem_counts = models.JSONField(_("问题统计"), default=dict, blank=True)
    problems = models.JSONField(_("问题明细"), default=list, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("发放批次")
        verbose_name_plural = _("发放批次")
        ordering = ["-month", "program", "county"]
        constraints = [
            models.UniqueConstraint(fields=["program", "county", "month"], name="batch_one_per_program_county_month"),
        ]

    def __str__(self) -> str:
        return f"{self.program_id} {self.county_id} {self.month:%Y-%m}"


class PaymentBatchEvent(models.Model):
    """The history of a batch (append-only): generated, reviewed, approved, exported,
    reopened, regenerated, results recorded — who, when, and the totals at that time."""

    batch = models.ForeignKey(PaymentBatch, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=20)
    at = models.DateTimeField()
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="+")
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]


class PaymentLine(models.Model):
    """One payment (发放明细): ``amount`` to ``person`` for ``benefit_month`` of
    ``program``, computed by ``rule`` with ``parameter`` (the row in force for that month)
    as ``computation`` shows. A line of a later batch may pay an earlier benefit month
    (a failed line carried over: ``carried_from``).

    The partial unique constraints keep anybody from being paid twice for the same
    program and month (and a household twice under a household program), whatever the
    county or batch: only pending and paid lines count; voided (reopened batch) and
    failed (bank refused, carried over) lines are history."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待发放")
        PAID = "paid", _("已发放")
        FAILED = "failed", _("发放失败")
        VOIDED = "voided", _("已作废")

    # Indexes and foreign-key checks are only those the reads and the constraints need:
    # each index or per-row foreign-key check costs one to two seconds per 200,000 lines
    # written (bench/assistance.py, docs/payments.md "Performance"; a foreign-key check
    # also locks every referenced enrollment or person row), and regenerating writes
    # every line twice (its voided version, the new line). The references are values
    # taken, in the generating transaction, from rows read in it (the batch row it
    # created; the enrollment, its person, household and region; the parameter row in
    # force; the failed line carried over), so the database does not check them again
    # per row; none of those rows is ever deleted (PROTECT in the ORM; enrollments,
    # persons, batches and used parameters have no delete path). What the database does
    # enforce per row is what matters for money: the no-double-payment constraints.
    # Reads: a batch's lines by payment_batch_status_idx (batch, status); the ledgers by
    # payment_ledger_idx over live lines; a person's live lines by the no-double-payment
    # indexes; "parameter used" by a BRIN index on PostgreSQL (migration 0004).
    batch = models.ForeignKey(PaymentBatch, on_delete=models.PROTECT, related_name="lines", db_index=False,
                              db_constraint=False)
    generation = models.PositiveIntegerField(default=1)
    enrollment = models.ForeignKey(Enrollment, on_delete=models.PROTECT, related_name="lines", db_index=False,
                                   db_constraint=False)
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="+", db_index=False,
                                db_constraint=False)
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+", db_index=False,
                               db_constraint=False)
    household = models.ForeignKey("people.Household", on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+", db_index=False, db_constraint=False)
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+", db_column="region_code",
                               db_index=False, db_constraint=False)
    benefit_month = models.DateField(_("待遇所属月份"))
    amount = models.DecimalField(_("金额（元）"), **MONEY)
    members = models.PositiveSmallIntegerField(_("保障人数"), default=1)
    rule = models.CharField(_("计算规则"), max_length=60)
    parameter = models.ForeignKey(ProgramParameter, on_delete=models.PROTECT, null=True, related_name="+",
                                  db_index=False, db_constraint=False)
    computation = models.JSONField(_("计算过程"), default=dict)
    # md5 of what the amount was computed from (the enrollment's inputs, person,
    # household, region, the beneficiary's birth date, the rules' code; see
    # services.batches.BASIS_SQL), with ``parameter``: regenerating copies the lines whose
    # basis and parameter are unchanged instead of computing them again (PostgreSQL).
    # Empty for carried-over lines and lines written on SQLite.
    basis = models.CharField(max_length=32, blank=True, default="")
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING)
    result_note = models.CharField(_("发放结果说明"), max_length=200, blank=True)
    result_at = models.DateTimeField(null=True, blank=True)
    carried_from = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                     db_index=False, db_constraint=False)

    class Meta:
        verbose_name = _("发放明细")
        verbose_name_plural = _("发放明细")
        constraints = [
            models.UniqueConstraint(fields=["program", "person", "benefit_month"],
                                    condition=models.Q(status__in=["pending", "paid"]),
                                    name="payment_once_per_person_month"),
            models.UniqueConstraint(fields=["program", "household", "benefit_month"],
                                    condition=models.Q(status__in=["pending", "paid"], household__isnull=False),
                                    name="payment_once_per_household_month"),
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="payment_amount_not_negative"),
        ]
        indexes = [
            models.Index(fields=["batch", "status"], name="payment_batch_status_idx"),
            # the ledgers count live lines only (voided and failed ones count nowhere)
            models.Index(fields=["program", "benefit_month", "region"], name="payment_ledger_idx",
                         condition=models.Q(status__in=["pending", "paid"])),
            # failed lines waiting to be carried over to a later batch (services.batches)
            models.Index(fields=["program", "benefit_month"], condition=models.Q(status="failed"),
                         name="payment_failed_idx"),
            models.Index(fields=["carried_from"], condition=models.Q(carried_from__isnull=False),
                         name="payment_carried_from_idx"),
        ]
