"""Writes of people's mediation. The case and its timeline are the engine's
(:mod:`jiayuan.cases.services`); the mediation file's rows (mediators, sessions, the
agreement, follow-ups, police reports, refusals) are written here, each in the same
transaction as the engine step it goes with, with its audit entry."""

from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ...audit.services import Actor, record
from ...cases import services as case_services
from ...cases import workdays
from ...cases.models import Case
from ...cases.services import CaseDraft
from ...errors import Conflict, Forbidden, NotFound, ValidationFailed
from ...people.rules import N_, RuleError
from ..models import (BodyKind, BodyMember, MediationAgreement, MediationAssignment, MediationFile,
                      MediationFollowUp, MediationPoliceReport, MediationRefusal, MediationSession,
                      SelfGovernanceBody)
from . import rules, selectors


def _failed(errors) -> ValidationFailed:
    return ValidationFailed.from_rule_errors(errors)


def _one(field: str, code: str, template: str, params=None) -> ValidationFailed:
    return _failed([RuleError(code, template, params, field=field)])


def _require_mediator(actor: Actor) -> None:
    if not selectors.may_mediate(actor.user):
        raise Forbidden("permission_denied", _("您的角色不能办理人民调解"))


def _clean_parties(raw) -> list[dict]:
    out = []
    for p in raw or []:
        if not isinstance(p, dict):
            continue
        name = str(p.get("name") or "").strip()[:50]
        if not name:
            continue
        out.append({"name": name, "role": str(p.get("role") or ""), "stance": str(p.get("stance") or ""),
                    "phone": str(p.get("phone") or "").strip()[:30], "address": str(p.get("address") or "").strip()[:100]})
    return out


def mediation_intake(actor: Actor, payload: dict) -> CaseDraft:
    """Intake of ``mediation_case`` (declared in ``governance/case_types.py``): the
    community (``region``, a community or village in scope, or a grid of one) and its
    live mediation committee, ``category``, ``start_mode``, ``parties`` (list of
    ``{name, role, stance, phone, address}``), ``facts``, ``request``. Checked with
    :func:`rules.check_opening`. **A party who clearly refused** (stance ``refused``):
    the refusal is recorded (:class:`MediationRefusal`, audited
    ``mediation.refusal``, committed on its own) and the opening is refused with
    ``mediation.party_refused`` (人民调解法 art. 17)."""
    _require_mediator(actor)
    region = case_services.resolve_region(actor, payload.get("region"), ("village", "grid"))
    community = region if region.level == "village" else region.parent
    committee = selectors.committee_for(actor.user, community.code)
    parties = _clean_parties(payload.get("parties"))
    start_mode, category = str(payload.get("start_mode") or ""), str(payload.get("category") or "")
    facts, request = str(payload.get("facts") or "").strip()[:5000], str(payload.get("request") or "").strip()[:2000]
    errors = rules.check_opening(start_mode, parties, category, facts)
    if committee is None:
        errors.append(RuleError("mediation.no_committee", N_("该社区（村）尚未登记人民调解委员会"), field="region"))
    if errors:
        if committee is not None and any(e.code == "mediation.party_refused" for e in errors):
            with transaction.atomic():
                refusal = MediationRefusal.objects.create(
                    committee=committee, region=community, category=category[:30], start_mode=start_mode[:20],
                    party_names="、".join(p["name"] for p in parties if p["stance"] == "refused")[:200],
                    facts=facts, recorded_by=actor.user, recorded_at=timezone.now())
                record(actor, "mediation.refusal", refusal, region_code=community.code)
        raise _failed(errors)
    return CaseDraft(
        region=region, title=rules.case_title(parties, category), description=facts, category=category,
        data={"category_name": rules.CATEGORIES[category], "start_mode": start_mode, "committee": committee.pk,
              "parties": parties, "request": request},
        comment=request)


def open_mediation(actor: Actor, payload: dict, *, request_key: str = "", channel: str = Case.Channel.DESK) -> Case:
    """Open a mediation case (the engine's :func:`create_case` with
    :func:`mediation_intake`) and its file. Returns the case (the first one on a repeated
    ``request_key``). Not one transaction on purpose: a refusal recorded by the intake
    stays recorded when the opening is refused."""
    case, _created = case_services.create_case(actor, selectors.TYPE, payload, request_key=request_key,
                                               channel=channel)
    with transaction.atomic():
        ensure_file(case)
    return case


def ensure_file(case: Case) -> MediationFile:
    """The case's mediation file, made from the case's data the first time."""
    f = MediationFile.objects.filter(case=case).first()
    if f is None:
        f = MediationFile.objects.create(
            case=case, committee_id=case.data["committee"], start_mode=case.data.get("start_mode", ""),
            category=case.category, registered_on=timezone.localtime(case.created_at).date())
    return f


def _open_case(actor: Actor, case: Case, states: tuple[str, ...]) -> tuple[Case, MediationFile]:
    _require_mediator(actor)
    case = Case.objects.get(pk=case.pk)
    if case.state not in states:
        raise Conflict("mediation.invalid_state", _("该调解案件当前的状态不能进行此操作"))
    return case, ensure_file(case)


@transaction.atomic
def assign_mediators(actor: Actor, case: Case, member_ids: list[int]) -> Case:
    """Assign members of the case's committee as its mediators; a registered case
    starts (开始调解) with them. Raises ValidationFailed ``mediation.mediators`` when none
    is given or one is not an active member of the committee."""
    case, f = _open_case(actor, case, ("registered", "mediating"))
    ids = list(dict.fromkeys(int(i) for i in member_ids or []))
    members = list(BodyMember.objects.filter(body=f.committee, active=True, pk__in=ids))
    if not ids or len(members) != len(ids):
        raise _one("mediators", "mediation.mediators", N_("请从本调解委员会的在任委员中选择调解员"))
    now = timezone.now()
    new = [m for m in members if not MediationAssignment.objects.filter(file=f, member=m).exists()]
    for m in new:
        MediationAssignment.objects.create(file=f, member=m, assigned_at=now, assigned_by=actor.user)
    names = "、".join(m.name for m in members)
    record(actor, "mediation.assign", f, region_code=case.region_id, extra={"mediators": names})
    if case.state == "registered":
        case = case_services.transition(actor, case, "start", version=case.version,
                                        comment=_("调解员：%(names)s") % {"names": names})
    return case


@transaction.atomic
def record_session(actor: Actor, case: Case, *, held_on: date | None, place: str = "", attendees: str = "",
                   record_text: str = "") -> MediationSession:
    """Record a mediation session (调解记录) of a case in mediation."""
    case, f = _open_case(actor, case, ("mediating",))
    today = timezone.localdate()
    if not (record_text or "").strip():
        raise _one("record", "mediation.record_required", N_("请填写调解情况"))
    if held_on is None or held_on > today:
        raise _one("held_on", "mediation.held_on", N_("请填写调解日期（不能晚于今天）"))
    s = MediationSession.objects.create(file=f, held_on=held_on, place=place.strip()[:100],
                                        attendees=attendees.strip()[:300], record=record_text.strip(),
                                        recorded_by=actor.user, recorded_at=timezone.now())
    record(actor, "mediation.session", f, region_code=case.region_id, extra={"held_on": held_on.isoformat()})
    return s


@transaction.atomic
def record_agreement(actor: Actor, case: Case, *, facts_and_issues: str, terms: str, performance_manner: str,
                     performance_deadline: date | None, signed_on: date | None) -> MediationAgreement:
    """Record the agreement (art. 29) of a case in mediation, with its court-confirmation
    deadline (:func:`rules.court_confirmation_deadline` on the official calendar), and
    take the case to 已达成协议. At least one session must be recorded first."""
    case, f = _open_case(actor, case, ("mediating",))
    if MediationAgreement.objects.filter(file=f).exists():
        raise Conflict("mediation.agreement_exists", _("该案件已有调解协议"))
    errors = rules.check_agreement(facts_and_issues=facts_and_issues, terms=terms,
                                   performance_manner=performance_manner, performance_deadline=performance_deadline,
                                   signed_on=signed_on, today=timezone.localdate())
    if not f.sessions.exists():
        errors.append(RuleError("mediation.no_session", N_("请先记录调解过程"), field="terms"))
    if errors:
        raise _failed(errors)
    deadline = rules.court_confirmation_deadline(signed_on, workdays.current().is_workday)
    a = MediationAgreement.objects.create(
        file=f, facts_and_issues=facts_and_issues.strip(), terms=terms.strip(),
        performance_manner=performance_manner.strip()[:300], performance_deadline=performance_deadline,
        signed_on=signed_on, court_confirmation_deadline=deadline, recorded_by=actor.user,
        recorded_at=timezone.now())
    record(actor, "mediation.agreement", a, region_code=case.region_id,
           extra={"court_confirmation_deadline": deadline.isoformat()})
    case_services.transition(actor, case, "agree", version=case.version,
                             comment=_("申请司法确认截止日：%(d)s") % {"d": deadline.isoformat()})
    return a


@transaction.atomic
def record_followup(actor: Actor, case: Case, *, visited_on: date | None, performance: str, note: str = "",
                    close: bool = False) -> Case:
    """Record a follow-up visit on performance (回访). ``full`` closes the case as
    协议已履行; ``none`` with ``close`` closes it as 协议未履行 (the note says what the
    parties were told: court confirmation, a suit …); otherwise it stays 履行中."""
    case, f = _open_case(actor, case, ("agreed",))
    if performance not in rules.PERFORMANCE:
        raise _one("performance", "mediation.performance", N_("请选择履行情况"))
    if visited_on is None or visited_on > timezone.localdate():
        raise _one("visited_on", "mediation.visited_on", N_("请填写回访日期（不能晚于今天）"))
    if close and performance != "none":
        raise _one("performance", "mediation.close_needs_none", N_("只有“未履行”的回访才能以未履行结案"))
    if close and not note.strip():
        raise _one("note", "mediation.note_required", N_("请填写未履行的情况及告知当事人的途径"))
    MediationFollowUp.objects.create(file=f, visited_on=visited_on, performance=performance, note=note.strip(),
                                     recorded_by=actor.user, recorded_at=timezone.now())
    record(actor, "mediation.followup", f, region_code=case.region_id, extra={"performance": performance})
    if performance == "full":
        case = case_services.transition(actor, case, "performed", version=case.version, comment=note.strip())
    elif close:
        case = case_services.transition(actor, case, "not_performed", version=case.version, comment=note.strip())
    return case


@transaction.atomic
def report_police(actor: Actor, case: Case, *, department_id: int, risk: str) -> MediationPoliceReport:
    """Report a dispute likely to turn violent to the police (人民调解法 art. 25) from its
    open case: the department (a police station on the case's region path) sees the
    report and signs for it."""
    case, f = _open_case(actor, case, ("registered", "mediating", "agreed"))
    dept = selectors.police_departments(case).filter(pk=department_id).first()
    if dept is None:
        raise _one("department", "mediation.department", N_("请选择负责该地区的公安机关（派出所）"))
    if not (risk or "").strip():
        raise _one("risk", "mediation.risk_required", N_("请填写可能激化的风险情况"))
    rep = MediationPoliceReport.objects.create(file=f, department=dept, risk=risk.strip(), reported_by=actor.user,
                                               reported_at=timezone.now())
    record(actor, "mediation.report_police", rep, region_code=case.region_id, extra={"department": dept.name})
    return rep


@transaction.atomic
def receive_police_report(actor: Actor, report: MediationPoliceReport) -> MediationPoliceReport:
    """The police department signs for a report (签收)."""
    from ...cases.selectors import departments_of

    if report.department_id not in departments_of(actor.user):
        raise NotFound("police_report.not_found")
    report = MediationPoliceReport.objects.select_for_update().get(pk=report.pk)
    if report.received_at is None:
        report.received_at, report.received_by = timezone.now(), actor.user
        report.save(update_fields=["received_at", "received_by"])
        record(actor, "mediation.police_received", report, region_code=report.file.case.region_id)
    return report


# --- the committee (the minimal body of part 4) ----------------------------------------

@transaction.atomic
def create_committee(actor: Actor, region, *, name: str, established_on: date | None = None,
                     term_start: date | None = None, term_end: date | None = None,
                     phone: str = "") -> SelfGovernanceBody:
    """Register the people's mediation committee of a community or village in the
    actor's scope (``manage_bodies``). One live committee per community."""
    from ...accounts.permissions import Perm

    if not actor.user.can(Perm.MANAGE_BODIES):
        raise Forbidden("permission_denied", _("您的角色不能登记自治组织"))
    if region.level != "village" or not region.code.startswith(actor.user.scope_code):
        raise _one("region", "committee.region", N_("人民调解委员会须设在您管辖范围内的社区（村）"))
    kind = BodyKind.objects.get(code=selectors.MEDIATION_KIND)  # seeded by migration 0002
    if SelfGovernanceBody.objects.filter(region=region, kind=kind, active=True).exists():
        raise Conflict("committee.exists", _("该社区（村）已登记人民调解委员会"))
    body = SelfGovernanceBody.objects.create(kind=kind, region=region, name=(name or "").strip()[:100]
                                             or f"{region.name}人民调解委员会", established_on=established_on,
                                             term_start=term_start, term_end=term_end, phone=phone[:30])
    record(actor, "body.create", body, region_code=region.code)
    return body


@transaction.atomic
def add_member(actor: Actor, body: SelfGovernanceBody, *, name: str, role: str = "member", user=None,
               phone: str = "", term_start: date | None = None, term_end: date | None = None) -> BodyMember:
    """Add a member to a body (``manage_bodies``); a body whose kind bounds its size
    (the mediation committee: at most 9, 人民调解法 art. 8) refuses one more."""
    from ...accounts.permissions import Perm

    if not actor.user.can(Perm.MANAGE_BODIES):
        raise Forbidden("permission_denied", _("您的角色不能登记自治组织"))
    if not (name or "").strip():
        raise _one("name", "member.name_required", N_("请填写姓名"))
    if role not in BodyMember.Role.values:
        raise _one("role", "member.role", N_("请选择职务"))
    n = body.members.filter(active=True).count()
    if body.kind.max_members and n + 1 > body.kind.max_members:
        raise _one("name", "member.too_many", N_("%(kind)s最多 %(n)s 名委员"), {"kind": body.kind.name,
                                                                             "n": body.kind.max_members})
    if user is not None and not (user.scope_id or "").startswith(body.region_id[:9]):
        raise _one("user", "member.user_scope", N_("账号须属于本街道（乡镇）"))
    if term_start and term_end and term_end < term_start:
        raise _one("term_end", "member.term", N_("任期止不能早于任期起"))
    m = BodyMember.objects.create(body=body, name=name.strip()[:50], role=role, user=user, phone=phone[:30],
                                  term_start=term_start, term_end=term_end)
    record(actor, "body.member_add", body, region_code=body.region_id, extra={"member": m.name})
    return m
