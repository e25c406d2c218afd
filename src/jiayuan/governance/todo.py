"""To-do sources of the governance app (DESIGN.md principle 9), orders 100–108: tips
waiting for their county's designated handlers (to verify, to transfer, to conclude with
the feedback); committees due for election (换届); volunteers' hours to confirm;
evaluation rounds to score and objections to answer;
mediation agreements whose performance deadline passed without a follow-up visit; the
police's reports of disputes at risk to sign for; a department's off-list requests to
communities waiting for the street's decision; compact versions for the township to file. (Mediation cases themselves wait in
the engine's 待我办理: their states queue for the community worker.)"""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from ..accounts.permissions import Perm
from ..web.todo import TodoItem, TodoSource, register
from .access import selectors as access_selectors
from .bodies import selectors as bodies_selectors
from .evaluation import selectors as evaluation_selectors
from .mediation import selectors as mediation_selectors
from .tips import rules as tip_rules
from .tips import selectors as tip_selectors
from .volunteers import selectors as volunteer_selectors

NEXT_STEP = {"collected": _lazy("待核实"), "verified": _lazy("待移交或办结"), "transferred": _lazy("待收到反馈后办结")}


def _tip_items(user, limit: int) -> list[TodoItem]:
    return [TodoItem(title=t.number, url=reverse("governance:tip_detail", args=[t.pk]), region=t.region_id,
                     detail=f"{_(tip_rules.CATEGORIES[t.category])} · {NEXT_STEP[t.state]}")
            for t in tip_selectors.waiting_for(user)[:limit]]


register(TodoSource(
    code="tips", label=_lazy("待办理的线索"), icon="bi-shield-lock", order=100,
    # designations are records, not a role: the role says who may be one
    applies=lambda user: user.is_authenticated and user.role == tip_rules.HANDLER_ROLE,
    count=lambda user: tip_selectors.waiting_for(user).count(),
    items=_tip_items, url="governance:tip_list",
))


def _followup_items(user, limit: int) -> list[TodoItem]:
    today = timezone.localdate()
    return [TodoItem(title=a.file.case.title, url=reverse("governance:mediation_detail", args=[a.file.case.number]),
                     due=a.performance_deadline, overdue=True, region=a.file.case.region_id,
                     detail=_("履行期限已过，待回访；申请司法确认截止 %(d)s") % {
                         "d": a.court_confirmation_deadline.isoformat()})
            for a in mediation_selectors.followups_due(user, today)[:limit]]


register(TodoSource(
    code="mediation_followups", label=_lazy("待回访的调解协议"), icon="bi-telephone-outbound", order=101,
    applies=lambda user: user.can(Perm.VIEW_MEDIATION) and mediation_selectors.may_mediate(user),
    count=lambda user: mediation_selectors.followups_due(user, timezone.localdate()).count(),
    items=_followup_items, url="governance:mediation_list",
))


def _police_items(user, limit: int) -> list[TodoItem]:
    return [TodoItem(title=r.file.case.title, url=reverse("governance:police_reports"), region=r.file.case.region_id,
                     due=timezone.localtime(r.reported_at), detail=r.department.name)
            for r in mediation_selectors.reports_to_receive(user)[:limit]]


register(TodoSource(
    code="mediation_police", label=_lazy("待签收的纠纷报告"), icon="bi-shield-exclamation", order=102,
    applies=lambda user: user.is_authenticated and user.role == "department_staff",
    count=lambda user: mediation_selectors.reports_to_receive(user).count(),
    items=_police_items, url="governance:police_reports",
))


def _request_items(user, limit: int) -> list[TodoItem]:
    return [TodoItem(title=t.title, url=reverse("governance:request_detail", args=[t.pk]), region=t.community_id,
                     due=t.occurs_on, overdue=t.occurs_on < timezone.localdate(),
                     detail=f"{t.community.name} · {t.get_kind_display()}"
                            + (f" · {t.department.name}" if t.department_id else ""))
            for t in access_selectors.waiting_for_street(user)[:limit]]


register(TodoSource(
    code="access_requests", label=_lazy("待街道审批的清单外事项"), icon="bi-inboxes", order=103,
    applies=lambda user: user.can(Perm.APPROVE_COMMUNITY_TASKS),
    count=lambda user: access_selectors.waiting_for_street(user).count(),
    items=_request_items, url="governance:request_list",
))


def _compact_items(user, limit: int) -> list[TodoItem]:
    return [TodoItem(title=v.compact.title, url=reverse("governance:compact_detail", args=[v.compact_id]),
                     region=v.compact.region_id, due=v.adopted_on,
                     detail=_("第 %(n)s 版，%(d)s 通过") % {"n": v.number, "d": v.adopted_on.isoformat()})
            for v in bodies_selectors.versions_to_file(user)[:limit]]


register(TodoSource(
    code="compacts_to_file", label=_lazy("待备案的居民公约、村规民约"), icon="bi-journal-check", order=104,
    applies=lambda user: user.is_authenticated and user.role == "township_officer",
    count=lambda user: bodies_selectors.versions_to_file(user).count(),
    items=_compact_items, url="governance:compacts",
))


def _election_items(user, limit: int) -> list[TodoItem]:
    today = timezone.localdate()
    return [TodoItem(title=b.name, url=reverse("governance:body_detail", args=[b.pk]), region=b.region_id,
                     due=b.term_end, overdue=bool(b.term_end and b.term_end < today),
                     detail=(_("本届任期 %(d)s 届满，待换届选举") % {"d": b.term_end.isoformat()}) if b.term_end
                     else _("未登记任期，待登记换届选举"))
            for b in bodies_selectors.committees_due_for_election(user, today)[:limit]]


register(TodoSource(
    code="committee_elections", label=_lazy("待换届的居（村）民委员会"), icon="bi-person-check", order=105,
    applies=lambda user: user.is_authenticated and user.role == "township_officer",
    count=lambda user: bodies_selectors.committees_due_for_election(user, timezone.localdate()).count(),
    items=_election_items, url="governance:bodies",
))


def _service_items(user, limit: int) -> list[TodoItem]:
    return [TodoItem(title=_("%(name)s，%(h)s 小时") % {"name": r.volunteer.person.name, "h": r.hours}, url=reverse("governance:confirm_list"),
                     region=r.volunteer.team.region_id, due=r.served_on,
                     detail=f"{r.volunteer.team.name} · {r.content}")
            for r in volunteer_selectors.to_confirm(user)[:limit]]


def _service_count(user) -> int:
    return volunteer_selectors.to_confirm(user).count()


register(TodoSource(
    code="volunteer_hours", label=_lazy("待确认的志愿服务时长"), icon="bi-clock-history", order=106,
    applies=lambda user: user.can(Perm.MANAGE_ACTIVITIES),
    count=_service_count, items=_service_items, url="governance:confirm_list",
))


def _evaluation_items(user, limit: int) -> list[TodoItem]:
    return [TodoItem(title=r.title, url=reverse("governance:evaluation_detail", args=[r.pk]), region=r.township_id,
                     due=r.period_end, detail=_("还有 %(n)s 项得分未评定") % {"n": evaluation_selectors.results(r)["missing"]})
            for r in evaluation_selectors.rounds_to_score(user)[:limit]]


def _evaluation_count(user) -> int:
    return len(evaluation_selectors.rounds_to_score(user))


register(TodoSource(
    code="evaluations_to_score", label=_lazy("待评分的综合考核"), icon="bi-clipboard-data", order=107,
    applies=lambda user: user.can(Perm.RUN_EVALUATIONS),
    count=_evaluation_count, items=_evaluation_items, url="governance:evaluation_list",
))


def _objection_items(user, limit: int) -> list[TodoItem]:
    return [TodoItem(title=o.round.title, url=reverse("governance:evaluation_detail", args=[o.round_id]),
                     region=o.community_id, due=timezone.localtime(o.raised_at),
                     detail=_("%(c)s 提出异议，待答复") % {"c": o.community.name})
            for o in evaluation_selectors.objections_to_answer(user)[:limit]]


def _objection_count(user) -> int:
    return evaluation_selectors.objections_to_answer(user).count()


register(TodoSource(
    code="evaluation_objections", label=_lazy("待答复的考核异议"), icon="bi-chat-left-dots", order=108,
    applies=lambda user: user.can(Perm.RUN_EVALUATIONS),
    count=_objection_count, items=_objection_items, url="governance:evaluation_list",
))
