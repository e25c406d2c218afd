"""Writes of purchased-service projects (政府购买服务 / 三社联动): the call, proposals,
eligibility, the panel's scores, the public notice and objections, the contract with
its milestones and instalments, reports and service records, evaluations, payments,
closing.

Every function is one transaction with its audit entry; objects come from the scoped
selectors. The county's steps need ``manage_projects`` and the call in the user's
subtree; an organization's steps (proposal, reports, service records) need
``act_for_organization`` and an active membership of the organization; scoring needs a
seat on the call's panel and no conflict with the organization: none declared, and not
active staff of it (:func:`selectors.panel_exclusions`).

Money: Decimal yuan to the fen. An instalment is paid at most once: the payment table
has a unique instalment (a second payment fails in the database, answered 409
``instalment.paid``). Each payment keeps its ``basis``: the contract clause, percent,
planned amount, and for the final one the evaluation's score, band and factor, with
the decision's 文号 — every yuan traces to the clause and the decision.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ...accounts.models import User
from ...accounts.permissions import Perm
from ...assistance.rules import format_yuan
from ...audit.services import Actor, record
from ...cases import workdays
from ...errors import Conflict, Forbidden, ValidationFailed
from ...people.rules import RuleError
from .. import rules, selectors
from ..models import (
    BudgetCategory, BudgetLine, CallStatus, Evaluation, EvaluationStage, Instalment, InstalmentPayment, Milestone,
    Objection, OrganizationKind, PanelMember, ProgressReport, ProjectBeneficiary, ProjectCall, ProjectStatus,
    Proposal, ProposalStatus, PublicNotice, ResidentField, ReviewScore, ServiceProject, ServiceRecord,
    SocialOrganization, default_resident_fields,
)
from .common import as_date, err, money, not_future, number, region_in_scope, require, text


def _rule(exc: RuleError) -> ValidationFailed:
    return ValidationFailed.from_rule_errors([exc])


def _manage(actor: Actor, call: ProjectCall) -> None:
    require(actor, Perm.MANAGE_PROJECTS)
    if actor.user is not None and not call.region_id.startswith(actor.user.scope_code):
        raise Forbidden("permission_denied", _("该项目征集不在您的管理范围内"))


def _member(actor: Actor, org: SocialOrganization) -> None:
    if actor.user is None or not selectors.is_member(actor.user, org):
        raise Forbidden("permission_denied", _("只有本组织人员可以办理"))


def _state(obj, expected, code: str) -> None:
    if obj.status not in (expected if isinstance(expected, (list, tuple, set)) else [expected]):
        raise Conflict(code, _("当前状态为“%(state)s”，不能办理此步骤") % {"state": obj.get_status_display()})


# --- the call --------------------------------------------------------------------------------

@transaction.atomic
def create_call(actor: Actor, *, title, region, purchaser, budget, opens_on, deadline, description="",
                eligibility="", eligible_kinds=None, min_rating=0, criteria=None, notice_working_days=5,
                bands=None, final_factors=None) -> ProjectCall:
    """Publish a call (``manage_projects``; ``region`` in scope). ``budget`` yuan > 0;
    ``deadline`` not before ``opens_on``; ``criteria`` (default
    :data:`rules.DEFAULT_CRITERIA`), ``bands`` (default ≥90/80/60/0), ``final_factors``
    (default :data:`rules.DEFAULT_FINAL_FACTORS`), ``notice_working_days`` 1–30
    (default 5). Audited ``call.create``."""
    require(actor, Perm.MANAGE_PROJECTS)
    reg = region_in_scope(actor, region)
    opens = as_date(opens_on, "opens_on", _("发布日期"), required=True)
    due = as_date(deadline, "deadline", _("申报截止日期"), required=True)
    if due < opens:
        raise err("deadline", "deadline.before_open", _("申报截止日期不能早于发布日期"))
    try:
        crit = [{"code": c["code"], "name": c["name"], "weight": int(c["weight"]) if c["weight"] == int(c["weight"])
                 else str(c["weight"])} for c in rules.check_weights(criteria or rules.DEFAULT_CRITERIA)]
        band_list = [[int(b), code] for b, code in rules.check_bands(bands or rules.DEFAULT_BANDS)]
    except RuleError as exc:
        raise _rule(exc) from None
    factors = dict(final_factors or rules.DEFAULT_FINAL_FACTORS)
    try:
        bad = any(not 0 <= Decimal(str(v)) <= 100 for v in factors.values())
    except ArithmeticError:  # not a number (InvalidOperation) or NaN
        bad = True
    if set(factors) != {code for _b, code in band_list} or bad:
        raise err("final_factors", "final_factors.invalid", _("尾款拨付比例应为每个等次设置 0–100 的百分比"))
    kinds = list(eligible_kinds or ["social_group", "social_service_institution", "foundation", "community_filed"])
    if any(k not in OrganizationKind.values for k in kinds):
        raise err("eligible_kinds", "eligible_kinds.invalid", _("可申报组织类型无效"))
    days = int(number(notice_working_days, "notice_working_days", _("公示期"), Decimal(1), Decimal(30), places=0))
    call = ProjectCall.objects.create(
        title=text(title, "title", _("项目名称"), 100, required=True), region=reg,
        purchaser=text(purchaser, "purchaser", _("购买主体"), 100, required=True),
        budget=money(budget, "budget", _("预算"), required=True, positive=True), opens_on=opens, deadline=due,
        description=text(description, "description", _("服务内容与要求"), 5000, multiline=True),
        eligibility=text(eligibility, "eligibility", _("申报条件"), 2000, multiline=True), eligible_kinds=kinds,
        min_rating=int(number(min_rating or 0, "min_rating", _("最低评估等级"), Decimal(0), Decimal(5), places=0)),
        criteria=crit, notice_working_days=days, bands=band_list,
        final_factors={k: str(v) for k, v in factors.items()}, created_by=actor.user)
    record(actor, "call.create", call, extra={"budget": call.budget, "deadline": due.isoformat(),
                                              "criteria": crit, "bands": band_list, "final_factors": call.final_factors})
    return call


@transaction.atomic
def add_panel_member(actor: Actor, call: ProjectCall, user: User, conflicts=()) -> PanelMember:
    """Seat ``user`` on the call's panel, with the organizations it declares a conflict
    of interest with (excluded from scoring them). ``manage_projects``."""
    _manage(actor, call)
    member, _created = PanelMember.objects.get_or_create(call=call, user=user)
    if conflicts:
        member.conflicts.add(*conflicts)
    record(actor, "call.panel_member", call, extra={"user": user.username,
                                                    "conflicts": [o.name for o in member.conflicts.all()]})
    return member


@transaction.atomic
def declare_conflict(actor: Actor, member: PanelMember, organization: SocialOrganization) -> PanelMember:
    """A panel member declares a conflict of interest (回避) with ``organization``: its
    scores of that organization's proposal are dropped and the proposal's score is worked
    out again without them. The member itself or a manager of the call."""
    if actor.user != member.user:
        _manage(actor, member.call)
    member.conflicts.add(organization)
    ReviewScore.objects.filter(member=member, proposal__organization=organization).delete()
    for p in Proposal.objects.filter(call=member.call, organization=organization):
        _rescore(p)
    record(actor, "call.conflict", member.call, extra={"user": member.user.username, "organization": organization.name})
    return member


# --- proposals ---------------------------------------------------------------------------------

def _lines(lines) -> list[tuple[str, str, Decimal]]:
    out = []
    for i, line in enumerate(lines or ()):
        cat = line.get("category")
        if cat not in BudgetCategory.values:
            raise err("budget_lines", "budget_lines.category", _("第 %(n)s 行预算科目无效") % {"n": i + 1})
        amt = money(line.get("amount"), "budget_lines", _("预算金额"), required=True)
        out.append((cat, text(line.get("description", ""), "budget_lines", _("明细"), 200), amt))
    if not out or sum(a for _c, _d, a in out) <= 0:
        raise err("budget_lines", "budget_lines.required", _("请填写预算明细"))
    return out


@transaction.atomic
def save_proposal(actor: Actor, call: ProjectCall, organization: SocialOrganization, *, title, needs, activities,
                  output_indicators, outcome_indicators, budget_lines, submit: bool = False,
                  today=None) -> Proposal:
    """Write (or rewrite, while a draft) the organization's proposal to ``call``, and
    submit it when ``submit``. The organization's own staff only; the call must be open
    and, to submit, before its deadline (inclusive). ``budget_lines``: ``[{"category"
    (staff, supervision, activities, administration, tax), "description", "amount"}]``;
    the proposal's amount is their sum and may not pass the call's budget. Audited
    ``proposal.save`` / ``proposal.submit``. ``today``: the day of submission (default
    the current date; the demo and imports of past calls give it)."""
    _member(actor, organization)
    _state(call, CallStatus.OPEN, "call.state")
    lines = _lines(budget_lines)
    total = sum(a for _c, _d, a in lines)
    if total > call.budget:
        raise err("budget_lines", "budget_lines.over_budget",
                  _("申请金额 %(total)s 元超过项目预算 %(budget)s 元") % {"total": format_yuan(total),
                                                               "budget": format_yuan(call.budget)})
    values = {
        "title": text(title, "title", _("项目名称"), 100, required=True),
        "needs": text(needs, "needs", _("需求分析"), 5000, required=True, multiline=True),
        "activities": text(activities, "activities", _("服务内容与活动"), 5000, required=True, multiline=True),
        "output_indicators": text(output_indicators, "output_indicators", _("产出指标"), 2000, required=True,
                                  multiline=True),
        "outcome_indicators": text(outcome_indicators, "outcome_indicators", _("成效指标"), 2000, required=True,
                                   multiline=True),
        "amount": total,
    }
    proposal = Proposal.objects.select_for_update().filter(call=call, organization=organization).first()
    if proposal is None:
        proposal = Proposal(call=call, organization=organization, **values)
    else:
        _state(proposal, ProposalStatus.DRAFT, "proposal.state")
        for k, v in values.items():
            setattr(proposal, k, v)
        proposal.version += 1
    proposal.save()
    proposal.budget_lines.all().delete()
    BudgetLine.objects.bulk_create([BudgetLine(proposal=proposal, category=c, description=d, amount=a)
                                    for c, d, a in lines])
    record(actor, "proposal.save", proposal, region_code=call.region_id, extra={"amount": total})
    if submit:
        if (today or timezone.localdate()) > call.deadline:
            raise err("deadline", "call.deadline_passed", _("申报已截止（截止日期 %(d)s）") % {"d": call.deadline})
        proposal.status = ProposalStatus.SUBMITTED
        proposal.submitted_at = timezone.now()
        proposal.submitted_by = actor.user
        proposal.save(update_fields=["status", "submitted_at", "submitted_by"])
        record(actor, "proposal.submit", proposal, region_code=call.region_id, extra={"amount": total})
    return proposal


def eligibility_findings(proposal: Proposal) -> list[str]:
    """What the eligibility check finds against the call's declared conditions (kind,
    status, rating, a failed annual inspection of last year): an empty list when none."""
    org, call = proposal.organization, proposal.call
    out = []
    if org.kind not in (call.eligible_kinds or []):
        out.append(_("组织类型“%(kind)s”不在可申报范围内") % {"kind": org.get_kind_display()})
    if org.status != "active":
        out.append(_("组织状态为“%(status)s”") % {"status": org.get_status_display()})
    if call.min_rating:
        rating = selectors.current_rating(org, call.deadline)
        if rating is None or rating.grade < call.min_rating:
            out.append(_("评估等级低于 %(n)sA") % {"n": call.min_rating})
    last = org.inspections.filter(year=call.opens_on.year - 1).first()
    if last is not None and last.result == "unqualified":
        out.append(_("上一年度年检不合格"))
    return out


@transaction.atomic
def check_eligibility(actor: Actor, proposal: Proposal, eligible: bool, note: str = "") -> Proposal:
    """The county's eligibility check (资格审查) of a submitted proposal. A proposal the
    declared conditions find ineligible (:func:`eligibility_findings`) cannot be passed;
    a refusal needs a note. The call moves to review once every submitted proposal is
    checked and the deadline passed — or :func:`start_review` moves it."""
    _manage(actor, proposal.call)
    proposal = Proposal.objects.select_for_update().select_related("call", "organization").get(pk=proposal.pk)
    _state(proposal, ProposalStatus.SUBMITTED, "proposal.state")
    findings = eligibility_findings(proposal)
    if eligible and findings:
        raise err("eligible", "eligibility.findings", "；".join(findings))
    note = text(note or "；".join(findings), "note", _("资格审查意见"), 300, required=not eligible)
    proposal.status = ProposalStatus.ELIGIBLE if eligible else ProposalStatus.INELIGIBLE
    proposal.eligibility_note = note
    proposal.save(update_fields=["status", "eligibility_note"])
    record(actor, "proposal.eligibility", proposal, region_code=proposal.call.region_id,
           changes={"status": [ProposalStatus.SUBMITTED, proposal.status]}, extra={"note": note})
    return proposal


@transaction.atomic
def start_review(actor: Actor, call: ProjectCall) -> ProjectCall:
    """Close the call for proposals and open the panel's review (``open`` →
    ``reviewing``) once its deadline (inclusive) has passed (409
    ``call.deadline_not_passed``): every submitted proposal must have been checked (409
    ``call.unchecked``), and a panel seated."""
    _manage(actor, call)
    call = ProjectCall.objects.select_for_update().get(pk=call.pk)
    _state(call, CallStatus.OPEN, "call.state")
    if timezone.localdate() <= call.deadline:
        raise Conflict("call.deadline_not_passed", _("申报截止日期 %(d)s 未过，不能截止申报、进入专家评审") % {
            "d": call.deadline})
    if call.proposals.filter(status=ProposalStatus.SUBMITTED).exists():
        raise Conflict("call.unchecked", _("尚有申报未完成资格审查"))
    if not call.panel.exists():
        raise Conflict("call.no_panel", _("请先确定评审专家"))
    call.status = CallStatus.REVIEWING
    call.save(update_fields=["status"])
    record(actor, "call.review", call, changes={"status": [CallStatus.OPEN, CallStatus.REVIEWING]})
    return call


def _sheets(proposal: Proposal) -> tuple[list[dict], int]:
    """(complete sheets of the members not excluded, number of members not excluded)."""
    excluded = selectors.panel_exclusions(proposal)
    members = [m for m in proposal.call.panel.all() if m.pk not in excluded]
    by_member: dict[int, dict] = {m.pk: {} for m in members}
    for s in ReviewScore.objects.filter(proposal=proposal, member_id__in=by_member):
        by_member[s.member_id][s.criterion] = s.points
    codes = {c["code"] for c in proposal.call.criteria}
    return [sheet for sheet in by_member.values() if codes <= set(sheet)], len(members)


def _rescore(proposal: Proposal) -> None:
    sheets, n = _sheets(proposal)
    proposal.score = rules.review_score(proposal.call.criteria, sheets) if sheets and len(sheets) == n else None
    proposal.save(update_fields=["score"])


def rescore_organization(organization: SocialOrganization) -> None:
    """Work out again the scores of ``organization``'s proposals under review (its staff,
    who may sit on the panel, changed). Called inside the caller's transaction."""
    for p in Proposal.objects.select_related("call", "organization").filter(
            organization=organization, status=ProposalStatus.ELIGIBLE, call__status=CallStatus.REVIEWING):
        _rescore(p)


@transaction.atomic
def score_proposal(actor: Actor, proposal: Proposal, points: dict) -> Proposal:
    """A panel member's points (0–100) on every criterion of ``proposal`` (a second call
    replaces its sheet). Refused (403 ``review.conflict``) to a member with a declared
    conflict of interest with the organization or who is its active staff
    (:func:`selectors.panel_exclusions`), and to anyone off the panel. When every
    member not excluded has a complete sheet, the proposal's score is computed
    (:func:`rules.review_score`), never typed. Audited ``proposal.score``."""
    proposal = Proposal.objects.select_for_update().select_related("call", "organization").get(pk=proposal.pk)
    seat = selectors.panel_member(actor.user, proposal.call) if actor.user else None
    if seat is None:
        raise Forbidden("review.not_panel", _("您不是本项目的评审专家"))
    excluded = selectors.panel_exclusions(proposal).get(seat.pk)
    if excluded == "declared":
        raise Forbidden("review.conflict", _("您已声明与该组织存在利益冲突，应回避评审"))
    if excluded:
        raise Forbidden("review.conflict", _("您是该申报组织的在岗人员，应回避评审"))
    _state(proposal.call, CallStatus.REVIEWING, "call.state")
    _state(proposal, ProposalStatus.ELIGIBLE, "proposal.state")
    try:
        rules.reviewer_score(proposal.call.criteria, points)
    except RuleError as exc:
        raise _rule(exc) from None
    for c in proposal.call.criteria:
        ReviewScore.objects.update_or_create(proposal=proposal, member=seat, criterion=c["code"],
                                             defaults={"points": Decimal(str(points[c["code"]]))})
    _rescore(proposal)
    record(actor, "proposal.score", proposal, region_code=proposal.call.region_id,
           extra={"points": {c["code"]: str(points[c["code"]]) for c in proposal.call.criteria},
                  "score": proposal.score})
    return proposal


# --- notice ------------------------------------------------------------------------------------

@transaction.atomic
def publish_notice(actor: Actor, call: ProjectCall, selected_ids, published_on=None, text_: str = "") -> PublicNotice:
    """Select proposals and post the result publicly (公示). Every eligible proposal
    must have its score; the selected ones' amounts may not pass the budget. The notice
    runs ``call.notice_working_days`` working days counted from the day after
    ``published_on`` (default today; 民法典 art. 201), on the official calendar
    (``estimated`` when that year is not yet published). Others become not selected.
    ``published_on`` after the call's deadline (422 ``published_on.before_deadline``)."""
    _manage(actor, call)
    call = ProjectCall.objects.select_for_update().get(pk=call.pk)
    _state(call, CallStatus.REVIEWING, "call.state")
    eligible = list(call.proposals.filter(status=ProposalStatus.ELIGIBLE))
    if any(p.score is None for p in eligible):
        raise Conflict("call.unscored", _("尚有项目未完成评审打分"))
    ids = {int(i) for i in selected_ids}
    chosen = [p for p in eligible if p.pk in ids]
    if not chosen or len(chosen) != len(ids):
        raise err("selected", "selected.invalid", _("请从已评审的项目中选择拟立项项目"))
    total = sum((p.amount for p in chosen), Decimal(0))
    if total > call.budget:
        raise err("selected", "selected.over_budget", _("拟立项金额合计 %(total)s 元超过预算 %(budget)s 元") % {
            "total": format_yuan(total), "budget": format_yuan(call.budget)})
    published = as_date(published_on, "published_on", _("公示日期")) or timezone.localdate()
    if published > timezone.localdate():
        raise err("published_on", "published_on.future", _("公示日期不能晚于今天"))
    if published <= call.deadline:   # review and notice come after the proposals are in
        raise err("published_on", "published_on.before_deadline",
                  _("公示日期应晚于申报截止日期 %(d)s：截止后才评审、公示") % {"d": call.deadline})
    ends, estimated = workdays.add_working_days(published, call.notice_working_days)
    for p in eligible:
        p.status = ProposalStatus.SELECTED if p.pk in ids else ProposalStatus.NOT_SELECTED
        p.save(update_fields=["status"])
    notice = PublicNotice.objects.create(call=call, starts_on=published + timedelta(days=1), ends_on=ends,
                                         estimated=estimated, text=text(text_, "text", _("公示内容"), 5000, multiline=True))
    call.status = CallStatus.NOTICE
    call.save(update_fields=["status"])
    record(actor, "call.notice", call, extra={"selected": sorted(ids), "total": total, "starts_on": notice.starts_on,
                                              "ends_on": ends, "working_days": call.notice_working_days})
    return notice


@transaction.atomic
def record_objection(actor: Actor, proposal: Proposal, content, received_on=None) -> Objection:
    """Record an objection to a selected proposal received during the notice."""
    proposal = Proposal.objects.select_related("call").get(pk=proposal.pk)
    _manage(actor, proposal.call)
    notice = getattr(proposal.call, "notice", None)
    received = as_date(received_on, "received_on", _("收到日期")) or timezone.localdate()
    if notice is None or proposal.status != ProposalStatus.SELECTED:
        raise Conflict("objection.state", _("只能对公示中的拟立项项目提出异议"))
    if not notice.starts_on <= received <= notice.ends_on:
        raise err("received_on", "objection.out_of_notice", _("异议应在公示期（%(a)s 至 %(b)s）内提出") % {
            "a": notice.starts_on, "b": notice.ends_on})
    obj = Objection.objects.create(notice=notice, proposal=proposal, received_on=received,
                                   content=text(content, "content", _("异议内容"), 500, required=True))
    record(actor, "proposal.objection", proposal, region_code=proposal.call.region_id, extra={"objection": obj.pk})
    return obj


@transaction.atomic
def resolve_objection(actor: Actor, objection: Objection, upheld: bool, resolution) -> Objection:
    """Settle an objection: upheld → the proposal is not selected; either way with reasons."""
    _manage(actor, objection.proposal.call)
    if objection.upheld is not None:
        raise Conflict("objection.resolved", _("该异议已处理"))
    objection.upheld = bool(upheld)
    objection.resolution = text(resolution, "resolution", _("处理意见"), 500, required=True)
    objection.save(update_fields=["upheld", "resolution"])
    if upheld:
        p = objection.proposal
        p.status = ProposalStatus.NOT_SELECTED
        p.save(update_fields=["status"])
    record(actor, "proposal.objection_resolved", objection.proposal, region_code=objection.proposal.call.region_id,
           extra={"upheld": objection.upheld, "resolution": objection.resolution})
    return objection


# --- contract ----------------------------------------------------------------------------------

@transaction.atomic
def contract(actor: Actor, proposal: Proposal, *, contract_number, decision_ref, amount, signed_on, starts_on,
             ends_on, milestones, instalments, resident_access: bool = False,
             resident_fields=None) -> ServiceProject:
    """Sign the contract of a selected proposal once its notice ended with no objection
    pending. ``amount`` yuan (≤ the proposal's amount; the call's contracts together ≤
    its budget); ``milestones``: ``[{"title", "due_on", "requirement"}]`` within the
    period; ``instalments``: ``[{"percent", "milestone"}]`` (milestone: its 1-based
    number), percents summing to 100; the last one is the final instalment, scaled by
    the final evaluation. Planned amounts by :func:`rules.instalment_schedule`.
    ``resident_fields``: with ``resident_access``, what the organization's staff read of
    the residents named (:func:`clean_resident_fields`; None: name, community, masked
    phone). Audited ``project.contract`` with the schedule."""
    _manage(actor, proposal.call)
    proposal = Proposal.objects.select_for_update().select_related("call", "organization").get(pk=proposal.pk)
    call = proposal.call
    _state(proposal, ProposalStatus.SELECTED, "proposal.state")
    notice = getattr(call, "notice", None)
    signed = as_date(signed_on, "signed_on", _("签订日期"), required=True)
    if notice is None or signed <= notice.ends_on:
        raise Conflict("contract.notice_running", _("公示期未满（%(d)s 截止），不能签订合同") % {
            "d": notice.ends_on if notice else "—"})
    if notice.objections.filter(proposal=proposal, upheld__isnull=True).exists():
        raise Conflict("contract.objection_pending", _("该项目尚有异议未处理"))
    granted = default_resident_fields() if resident_fields is None else clean_resident_fields(resident_fields)
    amt = money(amount, "amount", _("合同金额"), required=True, positive=True)
    if amt > proposal.amount:
        raise err("amount", "amount.over_proposal", _("合同金额不能超过申请金额 %(a)s 元") % {
            "a": format_yuan(proposal.amount)})
    committed = selectors.call_committed(call)
    if committed + amt > call.budget:
        raise err("amount", "amount.over_budget", _("合同金额合计将超过项目预算 %(b)s 元") % {
            "b": format_yuan(call.budget)})
    start = as_date(starts_on, "starts_on", _("服务期起"), required=True)
    end = as_date(ends_on, "ends_on", _("服务期止"), required=True)
    if end < start:
        raise err("ends_on", "ends_on.before_start", _("服务期止不能早于服务期起"))
    ms = []
    for i, m in enumerate(milestones or ()):
        due = as_date(m.get("due_on"), "milestones", _("节点日期"), required=True)
        if due < start or (due - end).days > 90:   # not end + 90 days: 9999-12-31 would overflow (a 500)
            raise err("milestones", "milestones.out_of_period", _("第 %(n)s 个节点日期应在服务期内（结项评估可在期满后 90 日内）")
                      % {"n": i + 1})
        ms.append((text(m.get("title"), "milestones", _("节点"), 100, required=True), due,
                   text(m.get("requirement", ""), "milestones", _("完成标准"), 300)))
    if not ms:
        raise err("milestones", "milestones.required", _("请设置至少一个节点"))
    try:
        plan = rules.instalment_schedule(amt, [i.get("percent") for i in instalments or ()])
    except RuleError as exc:
        raise _rule(exc) from None
    project = ServiceProject.objects.create(
        proposal=proposal, call=call, organization=proposal.organization, region=call.region, title=proposal.title,
        contract_number=text(contract_number, "contract_number", _("合同编号"), 40, required=True),
        decision_ref=text(decision_ref, "decision_ref", _("立项文号"), 60, required=True), amount=amt,
        signed_on=signed, starts_on=start, ends_on=end, resident_access=bool(resident_access), resident_fields=granted,
        created_by=actor.user)
    saved = [Milestone.objects.create(project=project, seq=i + 1, title=t, due_on=d, requirement=r)
             for i, (t, d, r) in enumerate(ms)]
    schedule = []
    for i, (spec, planned) in enumerate(zip(instalments, plan)):
        try:
            k = int(spec.get("milestone"))
        except (TypeError, ValueError, OverflowError):
            k = 0
        if not 1 <= k <= len(saved):   # 0 or a negative number would pick a milestone from the end
            raise err("instalments", "instalments.milestone", _("第 %(n)s 期应对应一个节点") % {"n": i + 1})
        milestone = saved[k - 1]
        pct = Decimal(str(spec["percent"]))
        final = i == len(plan) - 1
        clause = _("合同第 %(n)s 期：合同金额的 %(p)s%%，“%(m)s”确认完成后拨付%(f)s") % {
            "n": i + 1, "p": format(pct.normalize(), "f"), "m": milestone.title, "f": _("，按末期评估等次核定") if final else ""}
        Instalment.objects.create(project=project, seq=i + 1, percent=pct, planned=planned, milestone=milestone,
                                  final=final, clause=clause)
        schedule.append({"seq": i + 1, "percent": pct, "planned": planned, "milestone": milestone.seq, "final": final})
    proposal.status = ProposalStatus.CONTRACTED
    proposal.save(update_fields=["status"])
    if not call.proposals.filter(status=ProposalStatus.SELECTED).exists():
        call.status = CallStatus.AWARDED
        call.save(update_fields=["status"])
    record(actor, "project.contract", project, extra={
        "contract_number": project.contract_number, "decision_ref": project.decision_ref, "amount": amt,
        "schedule": schedule, "resident_access": project.resident_access,
        "resident_fields": project.resident_fields if project.resident_access else []})
    return project


def clean_resident_fields(values) -> list[str]:
    """The :class:`ResidentField` codes of ``values`` (a list), in ResidentField order,
    the name always among them (the staff must know whom they visit). 422
    ``resident_fields.invalid`` for a code not in the allowed list."""
    if isinstance(values, str) or not isinstance(values, (list, tuple, set)):
        raise err("resident_fields", "resident_fields.invalid", _("可查阅的服务对象信息应为列表"))
    unknown = [v for v in values if v not in ResidentField.values]
    if unknown:
        raise err("resident_fields", "resident_fields.invalid", _("不可约定查阅的信息：%(f)s；可选：%(all)s") % {
            "f": "、".join(str(v) for v in unknown[:5]), "all": "、".join(ResidentField.values)})
    chosen = set(values) | {ResidentField.NAME}
    return [v for v in ResidentField.values if v in chosen]


@transaction.atomic
def set_resident_fields(actor: Actor, project: ServiceProject, fields) -> ServiceProject:
    """Change what the organization's staff read of the project's residents (the county,
    ``manage_projects``; an amendment of the contract): :func:`clean_resident_fields`.
    The project must be active (409 ``project.state``) and the contract entitle the
    organization (409 ``project.no_resident_access``). Audited
    ``project.resident_fields``."""
    _manage(actor, project.call)
    project = ServiceProject.objects.select_for_update().get(pk=project.pk)
    _active(project)
    if not project.resident_access:
        raise Conflict("project.no_resident_access", _("合同未约定承接组织可查阅服务对象信息"))
    granted = clean_resident_fields(fields)
    before = list(project.resident_fields)
    if granted != before:
        project.resident_fields = granted
        project.save(update_fields=["resident_fields"])
        record(actor, "project.resident_fields", project, changes={"resident_fields": [before, granted]})
    return project


# --- during the project ------------------------------------------------------------------------

def _active(project: ServiceProject) -> None:
    _state(project, ProjectStatus.ACTIVE, "project.state")


@transaction.atomic
def submit_report(actor: Actor, project: ServiceProject, *, period, content, milestone: Milestone | None = None,
                  submitted_on=None) -> ProgressReport:
    """The organization's periodic or milestone report (its own staff)."""
    _member(actor, project.organization)
    _active(project)
    if milestone is not None and milestone.project_id != project.pk:
        raise err("milestone", "milestone.invalid", _("节点不属于该项目"))
    rep = ProgressReport.objects.create(
        project=project, milestone=milestone, period=text(period, "period", _("报告期"), 40, required=True),
        content=text(content, "content", _("报告内容"), 5000, required=True, multiline=True),
        submitted_on=as_date(submitted_on, "submitted_on", _("提交日期")) or timezone.localdate(),
        submitted_by=actor.user)
    record(actor, "project.report", project, extra={"period": rep.period,
                                                    "milestone": milestone.seq if milestone else None})
    return rep


@transaction.atomic
def record_service(actor: Actor, project: ServiceProject, *, delivered_on, activity, people_served,
                   satisfaction=None) -> ServiceRecord:
    """Record service delivered (its own staff): day within the period and not after
    today, activity, people served (person-times), satisfaction percent (optional)."""
    _member(actor, project.organization)
    _active(project)
    day = as_date(delivered_on, "delivered_on", _("服务日期"), required=True)
    if day > timezone.localdate() or day < project.starts_on:
        raise err("delivered_on", "delivered_on.range", _("服务日期应在服务期内且不晚于今天"))
    n = int(number(people_served, "people_served", _("服务人次"), Decimal(0), Decimal(1_000_000), places=0))
    sat = number(satisfaction, "satisfaction", _("满意度"), Decimal(0), Decimal(100), required=False)
    rec = ServiceRecord.objects.create(project=project, delivered_on=day, people_served=n, satisfaction=sat,
                                       activity=text(activity, "activity", _("服务内容"), 200, required=True),
                                       recorded_by=actor.user)
    record(actor, "project.service", project, extra={"delivered_on": day.isoformat(), "people_served": n,
                                                     "satisfaction": sat})
    return rec


@transaction.atomic
def accept_milestone(actor: Actor, milestone: Milestone, met_on=None) -> Milestone:
    """The county confirms a milestone met (on the organization's report: one must be
    on file for it). Its instalments then wait for release."""
    milestone = Milestone.objects.select_for_update().select_related("project__call").get(pk=milestone.pk)
    project = milestone.project
    _manage(actor, project.call)
    _active(project)
    if milestone.met_on is not None:
        raise Conflict("milestone.met", _("该节点已确认完成"))
    if not milestone.reports.exists():
        raise Conflict("milestone.no_report", _("承接组织尚未提交该节点的报告"))
    met = as_date(met_on, "met_on", _("确认完成日期")) or timezone.localdate()
    if met > timezone.localdate():
        raise err("met_on", "met_on.future", _("确认完成日期不能晚于今天"))
    if met < project.signed_on:
        raise err("met_on", "met_on.before_contract", _("确认完成日期不能早于合同签订日期 %(d)s") % {"d": project.signed_on})
    milestone.met_on, milestone.met_by = met, actor.user
    milestone.save(update_fields=["met_on", "met_by"])
    record(actor, "project.milestone_met", project, extra={"milestone": milestone.seq, "title": milestone.title,
                                                           "met_on": met.isoformat()})
    return milestone


@transaction.atomic
def record_evaluation(actor: Actor, project: ServiceProject, *, stage, evaluator, score, evaluated_on,
                      summary="") -> Evaluation:
    """A third-party evaluation (mid-term or final, once each) with its score 0–100;
    the band from the call's bands (:func:`rules.evaluation_band`). The project's row is
    locked while the stage is checked and written: two recorded at once are one
    evaluation and a 409, not a database error."""
    _manage(actor, project.call)
    ServiceProject.objects.select_for_update().filter(pk=project.pk).first()
    if stage not in EvaluationStage.values:
        raise err("stage", "stage.invalid", _("请选择评估阶段"))
    sc = number(score, "score", _("得分"), Decimal(0), Decimal(100))
    band = rules.evaluation_band(sc, project.call.bands or rules.DEFAULT_BANDS)
    day = as_date(evaluated_on, "evaluated_on", _("评估日期"), required=True)
    if day > timezone.localdate():
        raise err("evaluated_on", "evaluated_on.future", _("评估日期不能晚于今天"))
    if day < project.signed_on:
        raise err("evaluated_on", "evaluated_on.before_contract", _("评估日期不能早于合同签订日期 %(d)s") % {
            "d": project.signed_on})
    if Evaluation.objects.filter(project=project, stage=stage).exists():
        raise Conflict("evaluation.duplicate", _("该阶段评估已登记"))
    ev = Evaluation.objects.create(project=project, stage=stage, score=sc, band=band,
                                   evaluator=text(evaluator, "evaluator", _("评估机构"), 100, required=True),
                                   evaluated_on=day,
                                   summary=text(summary, "summary", _("评估意见"), 500))
    record(actor, "project.evaluation", project, extra={"stage": stage, "score": sc, "band": band,
                                                        "evaluator": ev.evaluator})
    return ev


def instalment_amount(instalment: Instalment) -> tuple[Decimal, dict]:
    """(amount, basis) the instalment releases now: its planned amount, or for the final
    one the planned amount scaled by the final evaluation's band
    (:func:`rules.final_instalment_amount`, the call's factors). Conflict when the
    milestone is not met or, for the final one, no final evaluation is on file."""
    project = instalment.project
    if instalment.milestone.met_on is None:
        raise Conflict("instalment.milestone_unmet", _("对应节点尚未确认完成"))
    basis = {"clause": instalment.clause, "percent": instalment.percent, "planned": instalment.planned,
             "contract_number": project.contract_number, "contract_amount": project.amount,
             "milestone": instalment.milestone.title, "milestone_met_on": instalment.milestone.met_on}
    if not instalment.final:
        return instalment.planned, basis | {"rule": "planned"}
    final = project.evaluations.filter(stage=EvaluationStage.FINAL).first()
    if final is None:
        raise Conflict("instalment.no_final_evaluation", _("尾款须在末期评估后拨付"))
    try:
        amount, factor = rules.final_instalment_amount(instalment.planned, final.band, project.call.final_factors or None)
    except RuleError as exc:
        raise _rule(exc) from None
    return amount, basis | {"rule": "final_scaled", "final_score": final.score, "band": final.band, "factor": factor}


@transaction.atomic
def release_instalment(actor: Actor, instalment: Instalment, *, decision_ref, released_on=None) -> InstalmentPayment:
    """Release an instalment whose milestone is met (the final one after the final
    evaluation, scaled): one payment row with the amount, the decision's 文号 and the
    basis. Paid twice: 409 ``instalment.paid`` — the database's unique constraint on the
    instalment decides, whatever races. Audited ``project.instalment``."""
    instalment = Instalment.objects.select_related("project__call", "milestone").get(pk=instalment.pk)
    project = instalment.project
    _manage(actor, project.call)
    _active(project)
    amount, basis = instalment_amount(instalment)
    day = as_date(released_on, "released_on", _("拨付日期")) or timezone.localdate()
    if day > timezone.localdate():
        raise err("released_on", "released_on.future", _("拨付日期不能晚于今天"))
    if day < instalment.milestone.met_on:   # paid before the milestone it depends on was met
        raise err("released_on", "released_on.before_milestone", _("拨付日期不能早于节点确认完成日期 %(d)s") % {
            "d": instalment.milestone.met_on})
    ref = text(decision_ref, "decision_ref", _("拨付依据文号"), 60, required=True)
    try:
        with transaction.atomic():
            pay = InstalmentPayment.objects.create(instalment=instalment, amount=amount, released_on=day,
                                                   decision_ref=ref, basis=_jsonable(basis), released_by=actor.user)
    except IntegrityError:
        raise Conflict("instalment.paid", _("第 %(n)s 期已拨付，不能重复拨付") % {"n": instalment.seq}) from None
    record(actor, "project.instalment", project, extra={"seq": instalment.seq, "amount": amount,
                                                        "decision_ref": ref} | _jsonable(basis))
    return pay


def _jsonable(d: dict) -> dict:
    from ...audit.services import jsonable

    return jsonable(d)


@transaction.atomic
def close_project(actor: Actor, project: ServiceProject, closed_on=None) -> ServiceProject:
    """Close (结项) a project whose final evaluation is on file and every instalment
    released (a final one at 0 % is released at 0.00)."""
    _manage(actor, project.call)
    project = ServiceProject.objects.select_for_update().get(pk=project.pk)
    _active(project)
    if not project.evaluations.filter(stage=EvaluationStage.FINAL).exists():
        raise Conflict("project.no_final_evaluation", _("尚未进行末期评估"))
    if project.instalments.filter(payment__isnull=True).exists():
        raise Conflict("project.unpaid", _("尚有款项未拨付"))
    project.status = ProjectStatus.CLOSED
    project.closed_on = as_date(closed_on, "closed_on", _("结项日期")) or timezone.localdate()
    project.save(update_fields=["status", "closed_on"])
    record(actor, "project.close", project, extra={"closed_on": project.closed_on.isoformat()})
    return project


# --- exports -------------------------------------------------------------------------------------

def _export_filters(actor: Actor) -> None:
    require(actor, Perm.EXPORT)
    require(actor, Perm.VIEW_ORGANIZATIONS)


def export_projects(actor: Actor, *, region=None, year: int | None = None, status: str = "") -> tuple[bytes, str, str, int]:
    """The projects the acting user sees (``region``: a Region from the scoped region
    selector, or None for the whole scope; ``year`` of signing; ``status``) as a
    workbook: ``(bytes, Chinese file name, ASCII fallback, rows)``. Needs ``export`` and
    ``view_organizations`` (Forbidden otherwise). Audited ``project.export`` with the
    filters and the row count."""
    from django.utils import translation

    from .. import exports

    _export_filters(actor)
    if status and status not in ProjectStatus.values:
        raise err("status", "status.invalid", _("状态无效"))
    projects = selectors.projects_for_export(actor.user, region=region, year=year, status=status)
    today = timezone.localdate()
    who = getattr(actor.user, "full_name", "") or actor.user.username
    with translation.override("zh-hans"):
        name, fallback = exports.file_names("服务项目", "projects", region, year, today)
        title = (f"{exports.region_name(region)} 三社联动（政府购买服务）项目{f' {year}年签订' if year else ''} "
                 f"导出人：{who}，导出时间：{timezone.localtime():%Y-%m-%d %H:%M}")
        data, n = exports.workbook("服务项目", title, exports.PROJECT_HEADERS, exports.project_rows(projects),
                                   money=exports.PROJECT_MONEY, text=exports.PROJECT_TEXT)
    record(actor, "project.export", None, region_code=region.code if region is not None else "",
           extra={"what": "projects", "rows": n, "filters": {"region": region.code if region is not None else "",
                                                             "year": year, "status": status},
                  "amount": sum((p.amount for p in projects), Decimal(0))})
    return data, name, fallback, n


def export_payments(actor: Actor, *, region=None, year: int | None = None) -> tuple[bytes, str, str, int]:
    """The instalment payments of the projects the acting user sees (``region`` as in
    :func:`export_projects`; ``year`` of release) as a workbook, each row with its
    contract clause, decision 文号 and the basis of the amount: ``(bytes, Chinese file
    name, ASCII fallback, rows)``. Needs ``export`` and ``view_organizations``. Audited
    ``project.payments_export`` with the filters, row count and total."""
    from django.utils import translation

    from .. import exports

    _export_filters(actor)
    payments = list(selectors.payments_for(actor.user, region=region, year=year))
    today = timezone.localdate()
    who = getattr(actor.user, "full_name", "") or actor.user.username
    with translation.override("zh-hans"):
        name, fallback = exports.file_names("项目拨付明细", "payments", region, year, today)
        title = (f"{exports.region_name(region)} 服务项目分期拨付明细{f' {year}年拨付' if year else ''} "
                 f"导出人：{who}，导出时间：{timezone.localtime():%Y-%m-%d %H:%M}")
        data, n = exports.workbook("拨付明细", title, exports.PAYMENT_HEADERS, exports.payment_rows(payments),
                                   money=exports.PAYMENT_MONEY, text=exports.PAYMENT_TEXT)
    record(actor, "project.payments_export", None, region_code=region.code if region is not None else "",
           extra={"what": "payments", "rows": n, "filters": {"region": region.code if region is not None else "",
                                                             "year": year},
                  "total": sum((p.amount for p in payments), Decimal(0))})
    return data, name, fallback, n


# --- residents a contract entitles the organization to serve ---------------------------------------

@transaction.atomic
def add_beneficiary(actor: Actor, project: ServiceProject, person, added_on=None) -> ProjectBeneficiary:
    """Name ``person`` (read by the caller through the people selectors: in the acting
    user's scope) a resident the organization serves under ``project``. The county's
    step (``manage_projects``, the call in its subtree); the contract must entitle the
    organization (409 ``project.no_resident_access``), the project be active, and the
    person live in the project's region (422 ``person.out_of_area``). Naming a person
    whose entitlement ended makes it current again. Audited
    ``project.beneficiary_add`` (the person's id, never an identifier)."""
    _manage(actor, project.call)
    _active(project)
    if not project.resident_access:
        raise Conflict("project.no_resident_access", _("合同未约定承接组织可查阅服务对象信息"))
    if not person.region_id.startswith(project.region_id):
        raise err("person", "person.out_of_area", _("该居民不在项目服务区域内"))
    day = not_future(as_date(added_on, "added_on", _("纳入日期")), "added_on", _("纳入日期")) or timezone.localdate()
    row, created = ProjectBeneficiary.objects.select_for_update().get_or_create(
        project=project, person=person, defaults={"added_on": day, "added_by": actor.user})
    if not created:
        if row.ended_on is None:
            raise Conflict("beneficiary.exists", _("该居民已是本项目的服务对象"))
        row.ended_on, row.added_on, row.added_by = None, day, actor.user
        row.save(update_fields=["ended_on", "added_on", "added_by"])
    record(actor, "project.beneficiary_add", project, extra={"person": person.pk, "added_on": day.isoformat()})
    return row


@transaction.atomic
def end_beneficiary(actor: Actor, beneficiary: ProjectBeneficiary, ended_on=None) -> ProjectBeneficiary:
    """End a resident's entitlement under the project (the county): from then on the
    organization's staff no longer read them. Audited ``project.beneficiary_end``."""
    row = ProjectBeneficiary.objects.select_for_update().select_related("project__call").get(pk=beneficiary.pk)
    _manage(actor, row.project.call)
    if row.ended_on is not None:
        raise Conflict("beneficiary.ended", _("该服务对象已退出"))
    row.ended_on = as_date(ended_on, "ended_on", _("退出日期")) or timezone.localdate()
    if row.ended_on < row.added_on:
        raise err("ended_on", "ended_on.before_added", _("退出日期不能早于纳入日期 %(d)s") % {"d": row.added_on})
    row.save(update_fields=["ended_on"])
    record(actor, "project.beneficiary_end", row.project, extra={"person": row.person_id,
                                                                 "ended_on": row.ended_on.isoformat()})
    return row


def record_residents_read(actor: Actor, project: ServiceProject, person_ids: list[int], fields) -> None:
    """Audit a read of the project's residents by the organization's staff (page or
    API): ``project.residents_read`` naming the persons' ids and the fields shown."""
    if person_ids:
        record(actor, "project.residents_read", project, extra={"persons": person_ids, "fields": list(fields)})
