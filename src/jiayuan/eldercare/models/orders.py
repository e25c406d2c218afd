"""Home-care services from contract to settlement (居家养老上门服务, GB/T 43153-2023).

Providers are organizations of the registry (``organizations.SocialOrganization``) under
a contract with a county (:class:`ProviderContract`, with a price per catalogue item).
Their staff are ``org_staff`` accounts linked to the organization
(``organizations.OrganizationMember``); the duty an account holds here — dispatcher or
care worker — is a record (:class:`CareDuty`), never a new role.

A monthly :class:`CarePlan` per elder (from the approved entitlement) generates
:class:`WorkOrder` rows; every state change of an order is an :class:`OrderEvent` (who,
when, from → to, why). Work orders are their own model rather than a case type of the
engine: the engine reads a case by a permission plus the region scope, so every provider
account in scope would read every order, while a care worker must read only the orders
dispatched to them (and only the elder's name, address and the service); and a care
worker's "today" list must stay fast with a million orders in the table.

:class:`Settlement` is one per provider, county and month (database constraint); its
:class:`SettlementLine` rows each pay one confirmed order, and a partial unique
constraint on live lines makes an order impossible to settle twice. Reopening voids the
lines and regeneration writes new ones; nothing is added on top.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

__all__ = ["ProviderContract", "ContractItem", "CareDuty", "CarePlan", "CarePlanLine", "WorkOrder", "OrderEvent",
           "OrderPhoto", "CallBack", "Complaint", "Settlement", "SettlementLine", "SettlementEvent"]

MONEY = {"max_digits": 14, "decimal_places": 2}


class ProviderContract(models.Model):
    """A county's contract with a provider for home-care services: number, period
    (``start`` to ``end`` inclusive), the items and prices (:class:`ContractItem`)."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("履行中")
        ENDED = "ended", _("已终止")

    provider = models.ForeignKey("organizations.SocialOrganization", on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("服务机构"))
    county = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+", db_column="county_code",
                               verbose_name=_("县（区）"))
    number = models.CharField(_("合同编号"), max_length=50)
    start = models.DateField(_("起始日期"))
    end = models.DateField(_("截止日期"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("服务合同")
        verbose_name_plural = _("服务合同")
        constraints = [
            models.UniqueConstraint(fields=["county", "number"], name="eldercare_contract_number_once"),
            models.CheckConstraint(condition=models.Q(end__gte=models.F("start")), name="eldercare_contract_period"),
        ]

    def __str__(self) -> str:
        return self.number


class ContractItem(models.Model):
    """The price a contract pays for a catalogue item (Decimal yuan per the item's unit)."""

    contract = models.ForeignKey(ProviderContract, on_delete=models.PROTECT, related_name="items")
    item = models.ForeignKey("eldercare.HomeCareItem", on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("服务项目"))
    price = models.DecimalField(_("合同单价（元）"), max_digits=10, decimal_places=2)

    class Meta:
        verbose_name = _("合同服务项目")
        verbose_name_plural = _("合同服务项目")
        constraints = [
            models.UniqueConstraint(fields=["contract", "item"], name="eldercare_contract_item_once"),
            models.CheckConstraint(condition=models.Q(price__gt=0), name="eldercare_contract_price_positive"),
        ]


class CareDuty(models.Model):
    """An ``org_staff`` account's duty for a provider: ``dispatcher`` (派单) or
    ``care_worker`` (护理员). The account must be an active member of the organization."""

    provider = models.ForeignKey("organizations.SocialOrganization", on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("服务机构"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="care_duties",
                             verbose_name=_("账号"))
    duty = models.CharField(_("职责"), max_length=20)
    active = models.BooleanField(_("在岗"), default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("居家服务人员")
        verbose_name_plural = _("居家服务人员")
        constraints = [
            models.UniqueConstraint(fields=["provider", "user", "duty"], name="eldercare_duty_once"),
            models.CheckConstraint(condition=models.Q(duty__in=["dispatcher", "care_worker"]),
                                   name="eldercare_duty_known"),
        ]

    def __str__(self) -> str:
        return f"{self.provider} · {self.user}"


class CarePlan(models.Model):
    """An elder's care plan for a month (first day): the provider and contract, the
    entitlement it spends, the home's location (WGS-84, checked at check-in) and the
    confirmation code the elder holds. One per person and month."""

    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("老年人"))
    entitlement = models.ForeignKey("eldercare.Entitlement", on_delete=models.PROTECT, related_name="+")
    contract = models.ForeignKey(ProviderContract, on_delete=models.PROTECT, related_name="plans")
    provider = models.ForeignKey("organizations.SocialOrganization", on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("服务机构"))
    county = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+", db_column="county_code")
    month = models.DateField(_("服务月份"))
    address = models.CharField(_("服务地址"), max_length=200)
    home_lat = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6)
    home_lon = models.DecimalField(_("经度"), max_digits=9, decimal_places=6)
    confirm_code = models.CharField(_("确认码"), max_length=6)
    planned_amount = models.DecimalField(_("计划金额（元）"), **MONEY)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("月度服务计划")
        verbose_name_plural = _("月度服务计划")
        constraints = [models.UniqueConstraint(fields=["person", "month"], name="eldercare_plan_once_a_month")]

    def __str__(self) -> str:
        return f"{self.person.name} {self.month:%Y-%m}"


class CarePlanLine(models.Model):
    """An item of a plan: ``quantity`` units a visit on each of ``days`` (days of the
    month), at the contract's price."""

    plan = models.ForeignKey(CarePlan, on_delete=models.CASCADE, related_name="lines")
    item = models.ForeignKey("eldercare.HomeCareItem", on_delete=models.PROTECT, related_name="+")
    price = models.DecimalField(_("合同单价（元）"), max_digits=10, decimal_places=2)
    quantity = models.DecimalField(_("每次数量"), max_digits=6, decimal_places=1)
    days = models.JSONField(_("服务日期"), default=list)


class WorkOrder(models.Model):
    """One visit: an item for an elder on a day, by a provider's care worker. ``price``
    and ``quantity`` are copied from the plan line (the contract price in force when the
    plan was made). Check-in stores the phone's location and its distance to the home,
    check-out the duration and a photo; confirmation who confirmed (elder or family)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待派")
        DISPATCHED = "dispatched", _("已派")
        IN_SERVICE = "in_service", _("服务中")
        TO_CONFIRM = "to_confirm", _("待确认")
        DONE = "done", _("已完成")
        VOID = "void", _("作废")

    plan = models.ForeignKey(CarePlan, on_delete=models.PROTECT, related_name="orders", db_index=False)
    line = models.ForeignKey(CarePlanLine, on_delete=models.PROTECT, related_name="+", db_index=False)
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+", db_index=False,
                               verbose_name=_("老年人"))
    provider = models.ForeignKey("organizations.SocialOrganization", on_delete=models.PROTECT, related_name="+",
                                 db_index=False)
    county = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+", db_column="county_code",
                               db_index=False)
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+", db_column="region_code",
                               db_index=False)
    item = models.ForeignKey("eldercare.HomeCareItem", on_delete=models.PROTECT, related_name="+", db_index=False,
                             verbose_name=_("服务项目"))
    month = models.DateField(_("服务月份"))
    scheduled_on = models.DateField(_("服务日期"))
    price = models.DecimalField(_("合同单价（元）"), max_digits=10, decimal_places=2)
    quantity = models.DecimalField(_("数量"), max_digits=6, decimal_places=1)
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.PENDING)
    worker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                               related_name="+", db_index=False, verbose_name=_("护理员"))
    checkin_at = models.DateTimeField(_("签到时间"), null=True, blank=True)
    checkin_lat = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    checkin_lon = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    checkin_distance_m = models.PositiveIntegerField(_("签到距离（米）"), null=True, blank=True)
    location_ok = models.BooleanField(_("位置相符"), default=False)
    checkout_at = models.DateTimeField(_("签退时间"), null=True, blank=True)
    duration = models.PositiveIntegerField(_("服务时长（分钟）"), default=0)
    notes = models.CharField(_("服务记录"), max_length=300, blank=True)
    confirmed_by = models.CharField(_("确认人"), max_length=10, blank=True)
    confirmer_name = models.CharField(_("确认人姓名"), max_length=30, blank=True)
    confirm_method = models.CharField(_("确认方式"), max_length=10, blank=True)
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("服务工单")
        verbose_name_plural = _("服务工单")
        constraints = [
            models.CheckConstraint(condition=models.Q(status__in=["pending", "dispatched", "in_service", "to_confirm",
                                                                  "done", "void"]), name="eldercare_order_status"),
            models.CheckConstraint(condition=models.Q(status__in=["pending", "void"]) | models.Q(worker__isnull=False),
                                   name="eldercare_order_worker_when_dispatched"),
            models.CheckConstraint(condition=~models.Q(status="done") | models.Q(checkin_at__isnull=False,
                                                                              checkout_at__isnull=False,
                                                                              done_at__isnull=False),
                                   name="eldercare_order_done_has_times"),
            models.CheckConstraint(condition=models.Q(quantity__gt=0, price__gt=0), name="eldercare_order_amounts"),
        ]
        indexes = [
            models.Index(fields=["worker", "scheduled_on"], name="eldercare_order_worker_day"),
            models.Index(fields=["provider", "county", "month", "status"], name="eldercare_order_settle"),
            models.Index(fields=["plan"], name="eldercare_order_plan"),
            models.Index(fields=["person", "month"], name="eldercare_order_person"),
            models.Index(fields=["region", "month", "status"], name="eldercare_order_region"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def number(self) -> str:
        """The order's number as people read it: service day and a sequence (20261206-000017)."""
        return f"{self.scheduled_on:%Y%m%d}-{self.pk:06d}"


class OrderEvent(models.Model):
    """The history of a work order (append-only): ``action`` from ``from_state`` to
    ``to_state`` by ``actor`` at ``at``, with ``note`` (why) and ``data`` (facts)."""

    order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=20)
    from_state = models.CharField(max_length=12, blank=True)
    to_state = models.CharField(max_length=12)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    at = models.DateTimeField()
    note = models.CharField(max_length=300, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]


def order_photo_path(instance, filename: str) -> str:
    ext = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}.get(instance.image_format, "bin")
    return f"eldercare/orders/{instance.sha256[:2]}/{instance.sha256}.{ext}"


class OrderPhoto(models.Model):
    """An image of an order (validated), served to who may read the order: a photo
    taken at check-out (``checkout``) or the signature the elder or a family member drew
    on the worker's phone to confirm the service (``signature``)."""

    class Kind(models.TextChoices):
        CHECKOUT = "checkout", _("服务照片")
        SIGNATURE = "signature", _("确认签名")

    order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="photos")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.CHECKOUT)
    file = models.FileField(upload_to=order_photo_path, max_length=200)
    image_format = models.CharField(max_length=10)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)


class CallBack(models.Model):
    """A call-back (电话回访) or sampled on-site re-check (入户复核) of a completed order by
    the community or the county: whether the elder was served and satisfied."""

    order = models.ForeignKey(WorkOrder, on_delete=models.PROTECT, related_name="callbacks")
    method = models.CharField(_("方式"), max_length=10)
    result = models.CharField(_("结果"), max_length=12)
    note = models.CharField(_("说明"), max_length=300, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()

    class Meta:
        verbose_name = _("回访")
        verbose_name_plural = _("回访")
        constraints = [models.UniqueConstraint(fields=["order", "method"], name="eldercare_callback_once")]


class Complaint(models.Model):
    """A complaint about an order, recorded and decided (upheld or not) by the county;
    an upheld complaint is a named deduction in the settlement."""

    class Status(models.TextChoices):
        OPEN = "open", _("待处理")
        UPHELD = "upheld", _("属实")
        REJECTED = "rejected", _("不属实")

    order = models.ForeignKey(WorkOrder, on_delete=models.PROTECT, related_name="complaints")
    complainant = models.CharField(_("投诉人"), max_length=30)
    content = models.CharField(_("投诉内容"), max_length=500)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.OPEN)
    received_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    received_at = models.DateTimeField()
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision = models.CharField(_("处理意见"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("投诉")
        verbose_name_plural = _("投诉")

    def __str__(self) -> str:
        return f"{self.complainant}：{self.content[:20]}"


def net_is_gross_less_deduction() -> models.Q:
    """``net = gross − deduction`` for amounts in fen (two decimal places), written as
    "within half a fen": on PostgreSQL (numeric, exact, scale 2) this is the same as
    equality — two amounts in fen that differ differ by at least 0.01 — while on SQLite,
    which keeps decimals as binary floating point, 18.53 − 14.83 is 3.6999999999999993
    and plain equality refused a correct line."""
    diff = models.F("gross") - models.F("deduction")
    return models.Q(net__gt=diff - HALF_FEN, net__lt=diff + HALF_FEN)


HALF_FEN = models.Value(Decimal("0.005"), output_field=models.DecimalField(max_digits=4, decimal_places=3))


class Settlement(models.Model):
    """The month's settlement of a provider in a county (draft → approved; reopened back
    to draft). Totals are those of the live lines of the current ``generation``.
    Four eyes: the approver is not who generated it (service + constraint)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("待审批")
        APPROVED = "approved", _("已审批")

    provider = models.ForeignKey("organizations.SocialOrganization", on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("服务机构"))
    county = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+", db_column="county_code")
    month = models.DateField(_("结算月份"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    generation = models.PositiveIntegerField(default=1)
    order_count = models.PositiveIntegerField(default=0)
    gross = models.DecimalField(_("应付金额（元）"), default=0, **MONEY)
    deduction = models.DecimalField(_("扣减金额（元）"), default=0, **MONEY)
    net = models.DecimalField(_("结算金额（元）"), default=0, **MONEY)
    generated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    generated_at = models.DateTimeField(null=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")
    approved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("服务结算")
        verbose_name_plural = _("服务结算")
        constraints = [
            models.UniqueConstraint(fields=["provider", "county", "month"], name="eldercare_settlement_once"),
            models.CheckConstraint(condition=net_is_gross_less_deduction(), name="eldercare_settlement_net"),
            models.CheckConstraint(condition=models.Q(approved_by__isnull=True)
                                   | ~models.Q(approved_by=models.F("generated_by")),
                                   name="eldercare_settlement_four_eyes"),
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.month:%Y-%m}"


class SettlementLine(models.Model):
    """What one confirmed order is paid: ``price`` × ``quantity`` = ``gross``, less the
    named ``deductions`` ([{code, rate, amount, detail}]) = ``net``. Voided lines are
    history; a live line per order at most (partial unique constraint)."""

    settlement = models.ForeignKey(Settlement, on_delete=models.PROTECT, related_name="lines", db_index=False)
    generation = models.PositiveIntegerField()
    order = models.ForeignKey(WorkOrder, on_delete=models.PROTECT, related_name="+", db_index=False,
                              db_constraint=False)
    item = models.ForeignKey("eldercare.HomeCareItem", on_delete=models.PROTECT, related_name="+", db_index=False,
                             db_constraint=False)
    price = models.DecimalField(max_digits=10, decimal_places=2)
    quantity = models.DecimalField(max_digits=6, decimal_places=1)
    gross = models.DecimalField(**MONEY)
    deduction = models.DecimalField(**MONEY)
    net = models.DecimalField(**MONEY)
    deductions = models.JSONField(default=list, blank=True)
    live = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["order"], condition=models.Q(live=True), name="eldercare_order_settled_once"),
            models.CheckConstraint(condition=net_is_gross_less_deduction() & models.Q(net__gte=0, deduction__gte=0),
                                   name="eldercare_line_net"),
        ]
        indexes = [models.Index(fields=["settlement", "live"], name="eldercare_line_settlement")]


class SettlementEvent(models.Model):
    """The history of a settlement: generated, regenerated, approved, reopened — who,
    when, why and the totals then."""

    settlement = models.ForeignKey(Settlement, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    at = models.DateTimeField()
    note = models.CharField(max_length=300, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
