"""Pages of purchased-service projects: calls (list, new, detail with the county's
steps), proposals (write and submit, detail with the panel's score sheet), the contract,
and projects (milestones, instalments, reports, service records, evaluations)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from ...accounts.permissions import Perm
from ...errors import Forbidden, NotFound, ServiceError, get_or_not_found
from ...web.shortcuts import actor, apply_service_error
from .. import rules, selectors
from ..forms import (
    CallForm, ContractForm, EvaluationForm, NoticeForm, PanelForm, ProposalForm, ReleaseForm, ReportForm,
    ResidentFieldsForm, ScoreForm, ServiceRecordForm,
)
from ..models import CallStatus, OrganizationKind, ProposalStatus, ResidentField
from ..services import projects as services
from .registry import _done, redirect, registry_required


def band_label(code: str) -> str:
    return _(rules.BAND_NAMES.get(code, code)) if code else ""


def call_stage(call, today=None) -> tuple[str, str]:
    """(code, name) of where ``call`` stands today (:func:`rules.call_stage`: from its
    dates, e.g. 公示期满，待签约 once the notice ended)."""
    notice = getattr(call, "notice", None)
    code = rules.call_stage(call.status, call.deadline, notice.ends_on if notice else None,
                            today or timezone.localdate())
    return code, _(rules.CALL_STAGE_NAMES[code])


def _criteria(call) -> list[dict]:
    return [{"code": c["code"], "name": _(c["name"]), "weight": c["weight"]} for c in call.criteria]


# --- calls ----------------------------------------------------------------------------------------

@login_required
@require_http_methods(["GET"])
def call_list(request):
    """项目征集 visible to the user (its subtree, its area's, those it reviews)."""
    user = request.user
    calls = selectors.calls_for(user).order_by("-opens_on", "-id")
    if not calls.exists() and not (user.can(Perm.VIEW_ORGANIZATIONS) or user.can(Perm.ACT_FOR_ORGANIZATION)):
        raise PermissionDenied
    calls = list(calls.select_related("notice")[:100])
    for c in calls:
        c.stage, c.stage_name = call_stage(c)
    return render(request, "organizations/call_list.html", {
        "calls": calls, "can_manage": user.can(Perm.MANAGE_PROJECTS),
        "to_score": selectors.proposals_to_score(user)})


@registry_required
@require_http_methods(["GET", "POST"])
def call_new(request):
    """发布项目征集 (``manage_projects``); criteria, bands and factors take the defaults."""
    if not request.user.can(Perm.MANAGE_PROJECTS):
        raise PermissionDenied
    status = 200
    if request.method == "POST":
        form = CallForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                call = services.create_call(actor(request), **form.cleaned_data)
            except ServiceError as exc:
                apply_service_error(form, exc)
                status = exc.status
            else:
                return redirect("organizations:call_detail", call.pk)
        else:
            status = 422
    else:
        today = timezone.localdate()
        form = CallForm(initial={"region": request.user.scope_id or "", "opens_on": today,
                                 "deadline": today + timezone.timedelta(days=30),
                                 "eligible_kinds": ["social_group", "social_service_institution", "foundation"]},
                        user=request.user)
    return render(request, "organizations/call_form.html", {
        "form": form, "criteria": [{"name": _(c["name"]), "weight": c["weight"]} for c in rules.DEFAULT_CRITERIA]},
        status=status)


@login_required
@require_http_methods(["GET"])
def call_detail(request, pk):
    """A call: its conditions, criteria, panel, proposals with their scores, the notice
    and the county's next step."""
    user = request.user
    call = selectors.get_call(user, pk)
    manager = user.can(Perm.MANAGE_PROJECTS) and call.region_id.startswith(user.scope_code)
    proposals = selectors.proposals_for(user).filter(call=call).prefetch_related("budget_lines").order_by("-score", "id")
    my_orgs = selectors.organizations_for(user).filter(pk__in=selectors.member_organization_ids(user)) \
        if user.can(Perm.ACT_FOR_ORGANIZATION) else []
    notice = getattr(call, "notice", None)
    stage, stage_name = call_stage(call)
    return render(request, "organizations/call_detail.html", {
        "call": call, "stage": stage, "stage_name": stage_name, "criteria": _criteria(call),
        "show_scores": selectors.scores_visible(user, call), "proposals": proposals, "manager": manager,
        "panel": selectors.panel_for(user, call), "notice": notice,
        "objections": notice.objections.select_related("proposal") if notice else [],
        "kinds": [OrganizationKind(k).label for k in call.eligible_kinds if k in OrganizationKind.values],
        "bands": [(b, band_label(code), call.final_factors.get(code)) for b, code in call.bands],
        "my_orgs": [o for o in my_orgs if not proposals.filter(organization=o).exists()] if call.status == "open" else [],
        "committed": selectors.call_committed(call),
        "notice_form": NoticeForm(initial={"published_on": timezone.localdate()}),
        "panel_form": PanelForm(organizations=selectors.organizations_for(user).order_by("name")) if manager else None})


@registry_required
@require_POST
def call_action(request, pk, action):
    """The county's steps on a call: start the review, publish the notice."""
    call = selectors.get_call(request.user, pk)
    a, target = actor(request), ("organizations:call_detail", call.pk)
    if action == "review":
        return _done(request, lambda: services.start_review(a, call), _("已进入专家评审"), target)
    if action == "panel":
        from ...accounts.models import User

        form = PanelForm(request.POST, organizations=selectors.organizations_for(request.user))
        account = User.objects.filter(username=request.POST.get("username", ""), is_active=True).first()
        if not form.is_valid() or account is None:
            messages.error(request, _("账号不存在"))
            return redirect(*target)
        return _done(request, lambda: services.add_panel_member(a, call, account, form.cleaned_data["conflicts"]),
                     _("已确定评审专家"), target)
    if action == "notice":
        form = NoticeForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("请填写公示日期"))
            return redirect(*target)
        ids = request.POST.getlist("selected")
        return _done(request, lambda: services.publish_notice(a, call, ids, form.cleaned_data["published_on"],
                                                              form.cleaned_data["text"]), _("已发布公示"), target)
    raise PermissionDenied


# --- proposals --------------------------------------------------------------------------------------

@registry_required
@require_http_methods(["GET", "POST"])
def proposal_new(request, call_pk):
    """项目申报: an organization's staff write the proposal (needs, activities,
    indicators, budget lines) and submit it or keep it as a draft."""
    user = request.user
    call = selectors.get_call(user, call_pk)
    org = selectors.get_organization(user, request.GET.get("organization") or request.POST.get("organization"))
    if not selectors.is_member(user, org):
        raise PermissionDenied
    existing = call.proposals.filter(organization=org).first()
    status = 200
    if request.method == "POST":
        form = ProposalForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            try:
                p = services.save_proposal(
                    actor(request), call, org, title=d["title"], needs=d["needs"], activities=d["activities"],
                    output_indicators=d["output_indicators"], outcome_indicators=d["outcome_indicators"],
                    budget_lines=form.budget_lines(), submit=request.POST.get("submit") == "1")
            except ServiceError as exc:
                apply_service_error(form, exc)   # budget_lines is no field of the form: a form-wide error, once
                status = exc.status
            else:
                messages.success(request, _("申报已提交") if p.status == ProposalStatus.SUBMITTED else _("草稿已保存"))
                return redirect("organizations:proposal_detail", p.pk)
        else:
            status = 422
    else:
        initial = {}
        if existing is not None:
            initial = {f: getattr(existing, f) for f in ("title", "needs", "activities", "output_indicators",
                                                         "outcome_indicators")}
            for line in existing.budget_lines.all():
                initial[f"budget_{line.category}"] = line.amount
                initial[f"budget_{line.category}_note"] = line.description
        form = ProposalForm(initial=initial)
    return render(request, "organizations/proposal_form.html", {"form": form, "call": call, "org": org},
                  status=status)


def _cell(value):
    """A resident's field as shown: a list joined, nothing as a dash."""
    if isinstance(value, list):
        value = "、".join(value)
    return "—" if value in (None, "") else value


def _excluded(call, exclusions: dict[int, str]) -> list[tuple[str, str]]:
    """(reviewer's name, reason) of the panel members excluded from a proposal."""
    reasons = {"declared": _("本人声明回避"), "org_member": _("系申报组织在岗人员，自动回避")}
    return [(m.user.full_name or m.user.username, reasons[exclusions[m.pk]])
            for m in call.panel.select_related("user").order_by("id") if m.pk in exclusions]


@login_required
@require_http_methods(["GET", "POST"])
def proposal_detail(request, pk):
    """A proposal: content, budget, eligibility, scores; the panel member's sheet, the
    county's eligibility check, objection, and contract link."""
    user = request.user
    p = selectors.get_proposal(user, pk)
    call = p.call
    seat = selectors.panel_member(user, call)
    exclusions = selectors.panel_exclusions(p)
    conflicted = exclusions.get(seat.pk) if seat is not None else None
    manager = user.can(Perm.MANAGE_PROJECTS) and call.region_id.startswith(user.scope_code)
    score_form = None
    if seat is not None and not conflicted and call.status == CallStatus.REVIEWING and p.status == ProposalStatus.ELIGIBLE:
        mine = {s.criterion: s.points for s in selectors.scores_of(p, seat)}
        score_form = ScoreForm(request.POST or None, criteria=call.criteria, initial=mine)
        if request.method == "POST" and request.POST.get("action") == "score":
            if score_form.is_valid():
                return _done(request, lambda: services.score_proposal(actor(request), p, score_form.cleaned_data),
                             _("评分已保存"), ("organizations:proposal_detail", p.pk))
    if request.method == "POST":
        a, target, what = actor(request), ("organizations:proposal_detail", p.pk), request.POST.get("action")
        if what == "eligible":
            return _done(request, lambda: services.check_eligibility(a, p, request.POST.get("decision") == "yes",
                                                                     request.POST.get("note", "")),
                         _("资格审查已办理"), target)
        if what == "conflict" and seat is not None:
            return _done(request, lambda: services.declare_conflict(a, seat, p.organization), _("已声明回避"), target)
        if what == "objection":
            return _done(request, lambda: services.record_objection(a, p, request.POST.get("content"),
                                                                    request.POST.get("received_on")),
                         _("已登记异议"), target)
        if what == "resolve":
            obj = get_or_not_found(p.objections, "objection.not_found", pk=request.POST.get("objection"))
            return _done(request, lambda: services.resolve_objection(a, obj, request.POST.get("upheld") == "yes",
                                                                     request.POST.get("resolution")),
                         _("异议已处理"), target)
        if score_form is None:
            raise PermissionDenied
    sheets, show_scores = [], selectors.scores_visible(user, call)
    if manager or user.is_superuser:
        by_member = {}
        for s in selectors.scores_of(p):
            if s.member_id in exclusions:   # kept, not counted (docs/organizations.md, conflicts)
                continue
            by_member.setdefault(s.member.user.full_name or s.member.user.username, {})[s.criterion] = s.points
        sheets = [(name, [pts.get(c["code"]) for c in call.criteria]) for name, pts in by_member.items()]
    findings = services.eligibility_findings(p) if manager and p.status == ProposalStatus.SUBMITTED else []
    return render(request, "organizations/proposal_detail.html", {
        "p": p, "call": call, "criteria": _criteria(call), "lines": p.budget_lines.all(), "seat": seat,
        "conflicted": conflicted, "score_form": score_form, "manager": manager, "sheets": sheets,
        "excluded": _excluded(call, exclusions) if manager or user.is_superuser else [],
        "show_scores": show_scores,
        "findings": findings, "member": selectors.is_member(user, p.organization),
        "objections": p.objections.all(), "project": getattr(p, "project", None),
        "notice": getattr(call, "notice", None)})


@registry_required
@require_http_methods(["GET", "POST"])
def contract_new(request, pk):
    """签订合同 for a selected proposal whose notice ended: amount, period, milestones and
    the instalment tied to each."""
    user = request.user
    p = selectors.get_proposal(user, pk)
    if not (user.can(Perm.MANAGE_PROJECTS) and p.call.region_id.startswith(user.scope_code)):
        raise PermissionDenied
    status = 200
    if request.method == "POST":
        form = ContractForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            ms, inst = form.milestones_and_instalments()
            try:
                project = services.contract(
                    actor(request), p, contract_number=d["contract_number"], decision_ref=d["decision_ref"],
                    amount=d["amount"], signed_on=d["signed_on"], starts_on=d["starts_on"], ends_on=d["ends_on"],
                    milestones=ms, instalments=inst, resident_access=d["resident_access"],
                    resident_fields=d["resident_fields"])
            except ServiceError as exc:
                apply_service_error(form, exc, {"milestones": "plan", "instalments": "plan"})
                status = exc.status
            else:
                messages.success(request, _("合同已签订"))
                return redirect("organizations:project_detail", project.pk)
        else:
            status = 422
    else:
        today = timezone.localdate()
        form = ContractForm(initial={
            "amount": p.amount, "signed_on": today, "starts_on": today,
            "ends_on": today + timezone.timedelta(days=364),
            "plan": "\n".join([_("启动与需求评估，%(d)s，30") % {"d": today + timezone.timedelta(days=30)},
                               _("中期评估，%(d)s，40") % {"d": today + timezone.timedelta(days=182)},
                               _("结项评估，%(d)s，30") % {"d": today + timezone.timedelta(days=364)}])})
    return render(request, "organizations/contract_form.html", {"form": form, "p": p}, status=status)


# --- projects ----------------------------------------------------------------------------------------

@login_required
@require_http_methods(["GET"])
def project_list(request):
    """服务项目 visible to the user, with the money paid."""
    user = request.user
    if not (user.can(Perm.VIEW_ORGANIZATIONS) or user.can(Perm.ACT_FOR_ORGANIZATION)):
        raise PermissionDenied
    return render(request, "organizations/project_list.html", {
        "projects": selectors.projects_listed(user),
        "can_export": user.can(Perm.EXPORT) and user.can(Perm.VIEW_ORGANIZATIONS)})


def _export_year(request) -> int | None:
    raw = request.GET.get("year", "").strip()
    if not raw:
        return None
    if not raw.isdigit() or not 2000 <= int(raw) <= 2100:
        raise NotFound()
    return int(raw)


def _export_region(request):
    from ...regions import selectors as region_selectors

    code = request.GET.get("region", "").strip()
    user = request.user
    if code:
        return region_selectors.get_region(user, code)
    return user.scope if user.scope_id else None


def _xlsx(result):
    from django.http import HttpResponse

    from ...imports.export import content_disposition
    from ..exports import XLSX

    data, name, fallback, n = result
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = content_disposition(name, fallback)
    response["X-Export-Rows"] = str(n)
    return response


@login_required
@require_http_methods(["GET"])
def project_export(request):
    """The projects in scope (optionally of one signing ``year``) as an xlsx workbook
    with a Chinese file name; audited by the service."""
    try:
        return _xlsx(services.export_projects(actor(request), region=_export_region(request),
                                              year=_export_year(request)))
    except Forbidden:
        raise PermissionDenied from None


@login_required
@require_http_methods(["GET"])
def payment_export(request):
    """The instalment payments in scope (optionally of one release ``year``) as an xlsx
    workbook; audited by the service."""
    try:
        return _xlsx(services.export_payments(actor(request), region=_export_region(request),
                                              year=_export_year(request)))
    except Forbidden:
        raise PermissionDenied from None


@login_required
@require_http_methods(["GET", "POST"])
def project_detail(request, pk):
    """A project: contract, milestones and instalments (with the clause and basis of each
    payment), reports, service records, evaluations; the organization's report and
    service record forms; the county's acceptance, release, evaluation, closing."""
    user = request.user
    project = selectors.get_project(user, pk)
    manager = user.can(Perm.MANAGE_PROJECTS) and project.call.region_id.startswith(user.scope_code)
    member = selectors.is_member(user, project.organization)
    milestones = list(project.milestones.all())
    bound, status = {}, 200   # an inline form refused: the page again with the user's input and the errors
    if request.method == "POST":
        a, target, what = actor(request), ("organizations:project_detail", project.pk), request.POST.get("action")
        inline = {"report": (member, lambda: ReportForm(request.POST, milestones=milestones), _("报告已提交"),
                             lambda d: services.submit_report(
                                 a, project, period=d["period"], content=d["content"],
                                 milestone=next((m for m in milestones if str(m.pk) == d["milestone"]), None))),
                  "service": (member, lambda: ServiceRecordForm(request.POST), _("服务记录已登记"),
                              lambda d: services.record_service(a, project, **d)),
                  "evaluation": (manager, lambda: EvaluationForm(request.POST), _("评估已登记"),
                                 lambda d: services.record_evaluation(a, project, **d))}
        if what in inline and inline[what][0]:
            _allowed, make, ok, write = inline[what]
            form = make()
            if form.is_valid():
                try:
                    write(form.cleaned_data)
                except ServiceError as exc:
                    apply_service_error(form, exc)
                    status = exc.status
                else:
                    messages.success(request, ok)
                    return redirect(*target)
            else:
                status = 422
            bound[f"{what}_form"] = form
        elif what == "accept" and manager:
            m = next((m for m in milestones if str(m.pk) == request.POST.get("milestone")), None)
            if m is None:
                raise NotFound()
            return _done(request, lambda: services.accept_milestone(a, m), _("节点已确认完成"), target)
        elif what == "release" and manager:
            form = ReleaseForm(request.POST)
            inst = get_or_not_found(project.instalments, "instalment.not_found", pk=request.POST.get("instalment"))
            if form.is_valid():
                return _done(request, lambda: services.release_instalment(a, inst, **form.cleaned_data),
                             _("已拨付"), target)
        elif what == "resident_add" and manager:
            from ...people import selectors as people_selectors

            person = people_selectors.get_person(user, request.POST.get("person") or 0)
            return _done(request, lambda: services.add_beneficiary(a, project, person), _("已指定服务对象"), target)
        elif what == "resident_fields" and manager:
            form = ResidentFieldsForm(request.POST)
            if form.is_valid():
                return _done(request, lambda: services.set_resident_fields(a, project, form.cleaned_data["fields_"]),
                             _("已变更可查阅的服务对象信息"), target)
        elif what == "resident_end" and manager:
            b = get_or_not_found(selectors.beneficiaries_of(user, project), "project_resident.not_found",
                                 pk=request.POST.get("beneficiary"))
            return _done(request, lambda: services.end_beneficiary(a, b), _("服务对象已退出"), target)
        elif what == "close" and manager:
            return _done(request, lambda: services.close_project(a, project), _("项目已结项"), target)
        else:
            raise PermissionDenied
        if not bound:   # the release's one field
            messages.error(request, _("请检查填写的内容"))
            return redirect(*target)
    today = timezone.localdate()
    instalments = list(project.instalments.select_related("milestone", "payment"))
    for i in instalments:
        i.paid = getattr(i, "payment", None) if hasattr(i, "payment") else None
        i.basis_band = band_label(i.paid.basis.get("band", "")) if i.paid else ""
    fields = selectors.resident_fields_for(user, project)
    residents = selectors.residents_of(user, project) if fields else []
    if residents:
        services.record_residents_read(actor(request), project, [r["person_id"] for r in residents], fields)
    evaluations = list(project.evaluations.all())
    for e in evaluations:
        e.band_label = band_label(e.band)
    return render(request, "organizations/project_detail.html", {
        "project": project, "milestones": milestones, "instalments": instalments, "evaluations": evaluations,
        "reports": project.reports.select_related("milestone")[:50],
        "records": project.service_records.all()[:50], "money": selectors.project_money(project),
        "manager": manager, "member": member, "today": today,
        "reported": {r.milestone_id for r in project.reports.all() if r.milestone_id},
        "report_form": bound.get("report_form") or ReportForm(milestones=[m for m in milestones if m.met_on is None]),
        "service_form": bound.get("service_form") or ServiceRecordForm(initial={"delivered_on": today}),
        "evaluation_form": bound.get("evaluation_form") or EvaluationForm(initial={"evaluated_on": today}),
        "release_form": ReleaseForm(),
        "resident_fields": fields, "residents": residents,
        "resident_columns": [(f, ResidentField(f).label) for f in fields],
        "resident_rows": [[(ResidentField(f).label, _cell(r[f])) for f in fields] for r in residents],
        "granted_labels": [ResidentField(f).label for f in project.resident_fields if f in ResidentField.values],
        "resident_fields_form": ResidentFieldsForm(initial={"fields_": project.resident_fields}) if manager else None,
        "beneficiaries": selectors.beneficiaries_of(user, project)[:200] if manager else []}, status=status)


__all__ = ["call_list", "call_new", "call_detail", "call_action", "proposal_new", "proposal_detail", "contract_new",
           "project_list", "project_detail", "project_export", "payment_export"]
