"""To-do sources of elderly care: routine reassessments falling due (GB/T 42195-2022
assessments are repeated at an interval, a setting), shown to the assessors whose scope
holds the person — the person's community first of all
(:func:`.selectors.reassessments_due`)."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from ..accounts.permissions import Perm
from ..web.todo import TodoItem, TodoSource, register
from .orders import rules as order_rules
from .orders import selectors as order_selectors
from .selectors import eligible_without_entitlement, reassessments_due


def _items(user, limit: int) -> list[TodoItem]:
    today = timezone.localdate()
    out = []
    for a in reassessments_due(user, today)[:limit]:
        out.append(TodoItem(
            title=_("%(name)s 的能力评估到期") % {"name": a.person.name},
            url=reverse("eldercare:assessment_new") + f"?person={a.person_id}",
            due=a.next_due, overdue=a.next_due < today, region=a.person.region_id,
            detail=_("上次 %(date)s：%(level)s（总分 %(total)s）· %(place)s") % {
                "date": a.assessed_on.isoformat(), "level": a.get_level_display(), "total": a.total,
                "place": a.person.region.name}))
    return out


register(TodoSource(
    code="eldercare_reassessments", label=_lazy("待复评的老年人"), icon="bi-clipboard2-pulse", order=55,
    applies=lambda user: user.can(Perm.ASSESS_ELDERLY),
    count=lambda user: reassessments_due(user, timezone.localdate()).count(),
    items=_items,
    url=lambda user: reverse("eldercare:assessment_list") + "?due=on",
    description=_lazy("常规评估的日期已到或将在30天内到期"),
))



def _waiting(user, limit: int) -> list[TodoItem]:
    out = []
    for a in eligible_without_entitlement(user, timezone.localdate())[:limit]:
        out.append(TodoItem(
            title=_("%(name)s：%(level)s，尚未认定居家养老服务") % {"name": a.person.name, "level": a.get_level_display()},
            url=reverse("eldercare:entitlement_new") + f"?person={a.person_id}", due=None, region=a.person.region_id,
            detail=_("评估日期 %(date)s · %(place)s") % {"date": a.assessed_on.isoformat(), "place": a.person.region.name}))
    return out


register(TodoSource(
    code="eldercare_entitlements", label=_lazy("待认定居家养老服务的老人"), icon="bi-house-heart", order=56,
    applies=lambda user: user.can(Perm.MANAGE_ELDERCARE),
    count=lambda user: eligible_without_entitlement(user, timezone.localdate()).count(),
    items=_waiting,
    url="eldercare:entitlement_list",
    description=_lazy("经评估为失能或半失能、尚无居家养老服务待遇的老人"),
))


# --- home-care orders (orders/) ----------------------------------------------------------

def _order_items(qs, limit, url_name, title, detail) -> list[TodoItem]:
    today = timezone.localdate()
    out = []
    for o in qs[:limit]:
        out.append(TodoItem(title=title(o), url=reverse(url_name, args=[o.pk]), due=o.scheduled_on,
                            overdue=o.scheduled_on < today, region=o.region_id, detail=detail(o)))
    return out


def _to_dispatch(user):
    today = timezone.localdate()
    return (order_selectors.orders_for(user).filter(provider_id__in=order_selectors.duty_providers(user, "dispatcher"),
                                                    status="pending", scheduled_on__lte=today + timedelta(days=7))
            .order_by("scheduled_on", "id"))


register(TodoSource(
    code="eldercare_orders_to_dispatch", label=_lazy("待派的居家服务工单"), icon="bi-send", order=57,
    applies=lambda user: user.role == "org_staff" and order_selectors.is_dispatcher(user),
    count=lambda user: _to_dispatch(user).count(),
    items=lambda user, limit: _order_items(
        _to_dispatch(user), limit, "eldercare:order_detail",
        lambda o: _("%(name)s · %(item)s") % {"name": o.person.name, "item": o.item.name},
        lambda o: _("服务日期 %(day)s，尚未派给护理员") % {"day": o.scheduled_on.isoformat()}),
    url=lambda user: reverse("eldercare:order_list") + "?status=pending",
    description=_lazy("未来7天内需要派给护理员的工单"),
))


def _overdue_items(user, limit: int) -> list[TodoItem]:
    today = timezone.localdate()
    out = []
    for o in order_selectors.overdue_for_dispatcher(user, today)[:limit]:
        limit_ = order_selectors.deadline_of(o)
        out.append(TodoItem(
            title=_("%(name)s · %(item)s：%(what)s") % {"name": o.person.name, "item": o.item.name,
                                                     "what": _(order_rules.DEADLINES[limit_[0]])},
            url=reverse("eldercare:order_detail", args=[o.pk]), due=limit_[1], overdue=True, region=o.region_id,
            detail=_("服务日期 %(day)s · 护理员 %(worker)s · %(state)s") % {
                "day": o.scheduled_on.isoformat(), "worker": o.worker.full_name or o.worker.username,
                "state": _(order_rules.STATES[o.status])}))
    return out


register(TodoSource(
    code="eldercare_orders_overdue", label=_lazy("逾期的居家服务工单"), icon="bi-alarm", order=52,
    applies=lambda user: user.role == "org_staff" and order_selectors.is_dispatcher(user),
    count=lambda user: order_selectors.overdue_for_dispatcher(user, timezone.localdate()).count(),
    items=_overdue_items,
    url=lambda user: reverse("eldercare:order_list") + "?overdue=1",
    description=_lazy("服务日已过仍未签到或签退、签退后超过确认期限仍未经老人或家属确认的工单"),
))


def _my_open(user):
    today = timezone.localdate()
    return (order_selectors.orders_for(user).filter(worker=user, scheduled_on=today,
                                                    status__in=["dispatched", "in_service", "to_confirm"])
            .order_by("id"))


register(TodoSource(
    code="eldercare_my_orders", label=_lazy("今日上门服务"), icon="bi-phone", order=58,
    applies=lambda user: user.role == "org_staff" and order_selectors.is_worker(user),
    count=lambda user: _my_open(user).count(),
    items=lambda user, limit: _order_items(
        _my_open(user), limit, "eldercare:my_order",
        lambda o: _("%(name)s · %(item)s") % {"name": o.person.name, "item": o.item.name},
        lambda o: o.plan.address),
    url="eldercare:my_day",
    description=_lazy("今天派给您、尚未完成的上门服务"),
))


def _callbacks(user):
    month_ago = timezone.localdate() - timedelta(days=31)
    return order_selectors.callbacks_due(user).filter(scheduled_on__gte=month_ago).order_by("scheduled_on", "id")


register(TodoSource(
    code="eldercare_callbacks", label=_lazy("待回访的居家服务工单"), icon="bi-telephone", order=59,
    applies=lambda user: user.can(Perm.SUPERVISE_HOMECARE) and len(user.scope_code) >= 12,
    count=lambda user: _callbacks(user).count(),
    items=lambda user, limit: _order_items(
        _callbacks(user), limit, "eldercare:order_detail",
        lambda o: _("回访 %(name)s · %(item)s") % {"name": o.person.name, "item": o.item.name},
        lambda o: _("服务日期 %(day)s") % {"day": o.scheduled_on.isoformat()}),
    url=lambda user: reverse("eldercare:order_list") + "?status=done",
    description=_lazy("近一个月已完成、尚未电话回访或入户复核的工单"),
))


def _complaint_items(user, limit):
    out = []
    for c in order_selectors.complaints_open(user)[:limit]:
        out.append(TodoItem(title=_("投诉：%(name)s · %(item)s") % {"name": c.order.person.name,
                                                                    "item": c.order.item.name},
                            url=reverse("eldercare:order_detail", args=[c.order_id]), due=None,
                            region=c.order.region_id, detail=c.content[:60]))
    return out


register(TodoSource(
    code="eldercare_complaints", label=_lazy("待处理的居家服务投诉"), icon="bi-exclamation-octagon", order=53,
    applies=lambda user: user.can(Perm.MANAGE_ELDERCARE),
    count=lambda user: order_selectors.complaints_open(user).count(),
    items=_complaint_items, url="eldercare:settlement_list",
    description=_lazy("需要县（区）核实并决定是否属实的投诉"),
))


def _to_approve(user):
    return (order_selectors.settlements_for(user).filter(status="draft", generated_at__isnull=False)
            .exclude(generated_by=user).order_by("month"))


register(TodoSource(
    code="eldercare_settlements", label=_lazy("待审批的居家服务结算"), icon="bi-cash-coin", order=54,
    applies=lambda user: user.can(Perm.APPROVE_PAYMENTS) and user.can(Perm.VIEW_ELDERCARE),
    count=lambda user: _to_approve(user).count(),
    items=lambda user, limit: [TodoItem(
        title=_("%(org)s %(month)s 结算") % {"org": s.provider.name, "month": f"{s.month:%Y-%m}"},
        url=reverse("eldercare:settlement_detail", args=[s.pk]), due=None, region=s.county_id,
        detail=_("%(n)s 张工单，结算 %(net)s 元") % {"n": s.order_count, "net": s.net}) for s in _to_approve(user)[:limit]],
    url="eldercare:settlement_list",
    description=_lazy("由他人生成、等待您审批的月度服务结算（四眼原则）"),
))
