"""Writes to the organization registry: register, edit and change the status of an
organization; annual reports and inspections; ratings; staff memberships; activities;
community organizations' filings (备案); incubation.

Every function is one transaction with its audit entry. Objects passed in come from
the scoped selectors. Permissions (docs/permissions.md): ``manage_organizations``
(county, city) registers and edits; an organization's own staff
(``act_for_organization`` and an active membership) edit its contact details and
record its activities; ``check_filings`` (community) and ``decide_filings``
(street/township) take the two steps of a filing.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ...accounts.models import User
from ...accounts.permissions import Perm
from ...audit.services import Actor, model_changes, record
from ...errors import Conflict, Forbidden, NotFound, ValidationFailed, check_version
from ...people import rules as people_rules
from ...people.rules import RuleError
from .. import rules, selectors
from ..models import (
    AnnualInspection, CommunityFiling, FilingStatus, FilingStep, InspectionResult, Incubation, IncubationBase,
    IncubationService, IncubationServiceKind, OrganizationActivity, OrganizationKind, OrganizationMember,
    OrganizationRating, OrganizationStatus, SocialOrganization,
)
from .common import as_date, err, money, not_future, region_in_scope, require, text, whole

RATING_YEARS = 5  # 社会组织评估管理办法 (民政部令第39号) art. 22: a grade is valid five years

# fields an organization's own staff may change (not name, kind, code, region, status)
STAFF_FIELDS = ("legal_representative", "phone", "address", "service_area")
ALL_FIELDS = ("name", "kind", "uscc", "region", "legal_representative", "registration_authority", "registered_on",
              "supervising_unit", "registered_funds", "service_area", "phone", "address", "is_federation",
              "federation")


def _snapshot(org: SocialOrganization) -> dict:
    return {f: getattr(org, f + "_id" if f in ("region", "federation") else f) for f in ALL_FIELDS} | {
        "status": org.status}


def _clean(actor: Actor, data: dict, org: SocialOrganization | None = None) -> dict:
    """Validated values of the fields present in ``data`` (all errors together)."""
    out, fields = {}, {}

    def keep(name, fn):
        if name in data:
            try:
                out[name] = fn(data[name])
            except ValidationFailed as exc:
                for k, v in exc.fields.items():
                    fields.setdefault(k, []).extend(v)

    keep("name", lambda v: text(v, "name", _("名称"), 100, required=True))
    keep("kind", lambda v: _kind(v))
    keep("legal_representative", lambda v: text(v, "legal_representative", _("法定代表人"), 50))
    keep("registration_authority", lambda v: text(v, "registration_authority", _("登记管理机关"), 100))
    keep("registered_on", lambda v: as_date(v, "registered_on", _("登记日期")))
    keep("supervising_unit", lambda v: text(v, "supervising_unit", _("业务主管单位"), 100))
    keep("registered_funds", lambda v: money(v, "registered_funds", _("注册资金")))
    keep("service_area", lambda v: text(v, "service_area", _("业务范围"), 500))
    keep("phone", lambda v: _phone(v))
    keep("address", lambda v: text(v, "address", _("住所"), 200))
    keep("is_federation", lambda v: bool(v))
    if fields:
        raise ValidationFailed(fields)
    kind = out.get("kind", org.kind if org else None)
    if "uscc" in data or org is None:
        raw = data.get("uscc") or ""
        if str(raw).strip():
            try:
                out["uscc"] = rules.check_uscc(str(raw), kind)
            except RuleError as exc:
                raise ValidationFailed.from_rule_errors([exc]) from None
        elif kind != OrganizationKind.COMMUNITY_FILED:
            raise err("uscc", "uscc.required", _("请填写统一社会信用代码（备案的社区社会组织可不填）"))
        else:
            out["uscc"] = ""
    elif "kind" in out and org.uscc:
        try:
            rules.check_uscc(org.uscc, kind)
        except RuleError as exc:
            raise ValidationFailed.from_rule_errors([exc]) from None
    if "region" in data or org is None:
        out["region"] = region_in_scope(actor, data.get("region"))
    if data.get("federation") not in (None, "", 0, "0"):
        try:
            fed = selectors.get_organization(actor.user, data["federation"]) if actor.user else \
                SocialOrganization.objects.get(pk=data["federation"])
        except (NotFound, SocialOrganization.DoesNotExist, ValueError, TypeError):
            raise err("federation", "federation.not_found", _("所选联合会不存在或不在您的管辖范围内")) from None
        if org is not None and fed.pk == org.pk:
            raise err("federation", "federation.self", _("组织不能隶属于自身"))
        if not fed.is_federation:
            raise err("federation", "federation.not_federation", _("所选组织不是社区社会组织联合会"))
        out["federation"] = fed
    elif "federation" in data:
        out["federation"] = None
    return out


def _phone(value) -> str:
    """A mobile or landline number as the rest of the platform takes it
    (:func:`jiayuan.people.rules.normalize_phone`: ``13812345678``, ``0936-8212345``;
    blank allowed); 422 ``phone.format`` otherwise (``电话abc``)."""
    try:
        return people_rules.normalize_phone(value if value is not None else "")
    except RuleError as exc:
        raise ValidationFailed.from_rule_errors([exc]) from None


def _kind(value) -> str:
    if value not in OrganizationKind.values:
        raise err("kind", "kind.invalid", _("组织类型应为：%(kinds)s") % {"kinds": "、".join(
            str(label) for label in OrganizationKind.labels)})
    return value


LIVE = (OrganizationStatus.ACTIVE, OrganizationStatus.SUSPENDED)   # not 已注销 / 已撤销登记: the name is held


def _unique_name(org: SocialOrganization) -> None:
    """409 ``organization.duplicate_name`` when another organization of the same county
    (the first six digits of the region code) not deregistered or revoked has exactly
    ``org``'s name. Checked in the code, not by a database constraint (the county is a
    prefix of the region code): two registrations of a new name at the same instant
    could both pass."""
    if org.status not in LIVE:
        return
    same = SocialOrganization.objects.filter(
        name=org.name, region__code__startswith=org.region_id[:6], status__in=LIVE).exclude(pk=org.pk)
    other = same.select_related("region").first()
    if other is not None:
        raise Conflict("organization.duplicate_name",
                       _("同一区县已有同名社会组织“%(name)s”（%(region)s，统一社会信用代码 %(code)s），不能重复登记") % {
                           "name": other.name, "region": other.region.name, "code": other.uscc or _("无")})


def _save_unique(org: SocialOrganization) -> None:
    try:
        with transaction.atomic():
            org.save()
    except IntegrityError:
        if org.uscc and SocialOrganization.objects.filter(uscc=org.uscc).exclude(pk=org.pk).exists():
            raise Conflict("organization.duplicate", _("统一社会信用代码 %(code)s 已登记") % {"code": org.uscc}) from None
        raise


@transaction.atomic
def create_organization(actor: Actor, data: dict) -> SocialOrganization:
    """Register an organization (``manage_organizations``; ``region`` in scope).

    ``data``: ``name`` (≤ 100), ``kind`` (:class:`OrganizationKind`), ``uscc`` (GB 32100:
    422 ``uscc.format``/``uscc.checksum``/``uscc.kind_mismatch``; required unless
    ``community_filed``), ``region`` (code), optional ``legal_representative``,
    ``registration_authority``, ``registered_on``, ``supervising_unit``,
    ``registered_funds`` (yuan), ``service_area``, ``phone``, ``address``,
    ``is_federation``, ``federation`` (id of a federation). 409
    ``organization.duplicate`` for a code already registered, 409
    ``organization.duplicate_name`` for a name another organization of the county
    holds (:func:`_unique_name`). Audited ``organization.create``."""
    require(actor, Perm.MANAGE_ORGANIZATIONS)
    if "kind" not in data:
        raise err("kind", "kind.required", _("请选择组织类型"))
    values = _clean(actor, data)
    org = SocialOrganization(**values)
    _unique_name(org)
    _save_unique(org)
    record(actor, "organization.create", org, changes=model_changes({}, _snapshot(org)))
    return org


@transaction.atomic
def update_organization(actor: Actor, org: SocialOrganization, data: dict, version: int | None = None) -> SocialOrganization:
    """Change the fields in ``data`` (as :func:`create_organization`). A manager
    (``manage_organizations``) changes any; the organization's own staff only
    :data:`STAFF_FIELDS` (a other field: 403). ``version``: the version the editor saw
    (409 ``organization.conflict`` if it moved). Audited ``organization.update``."""
    user = actor.user
    manager = user is not None and user.can(Perm.MANAGE_ORGANIZATIONS) and org.region_id.startswith(user.scope_code)
    if not manager:
        if user is None or not selectors.is_member(user, org):
            raise Forbidden("permission_denied", _("您的角色无权执行此操作"))
        extra = set(data) - set(STAFF_FIELDS)
        if extra:
            raise Forbidden("organization.staff_fields", _("组织人员只能修改负责人、联系电话、住所和业务范围"))
    org = SocialOrganization.objects.select_for_update().get(pk=org.pk)
    check_version(org.version, version, "organization.conflict", _("该组织信息已被他人修改，请刷新后重试"))
    before = _snapshot(org)
    for k, v in _clean(actor, data, org).items():
        setattr(org, k, v)
    if (org.name, org.region_id) != (before["name"], before["region"]):
        _unique_name(org)
    org.version += 1
    _save_unique(org)
    changes = model_changes(before, _snapshot(org))
    if changes:
        record(actor, "organization.update", org, changes=changes)
    return org


@transaction.atomic
def change_status(actor: Actor, org: SocialOrganization, status: str, reason: str,
                  version: int | None = None) -> SocialOrganization:
    """Set the status (正常, 停止活动, 已注销, 已撤销登记) with a reason (``manage_organizations``).
    ``version``: the version the editor saw (409 ``organization.conflict`` if it moved).
    Audited ``organization.status``."""
    require(actor, Perm.MANAGE_ORGANIZATIONS)
    if status not in OrganizationStatus.values:
        raise err("status", "status.invalid", _("状态无效"))
    reason = text(reason, "reason", _("原因"), 200, required=True)
    org = SocialOrganization.objects.select_for_update().get(pk=org.pk)
    check_version(org.version, version, "organization.conflict", _("该组织信息已被他人修改，请刷新后重试"))
    before = org.status
    if before == status:
        return org
    org.status = status
    org.version += 1
    org.save(update_fields=["status", "version", "updated_at"])
    record(actor, "organization.status", org, changes={"status": [before, status]}, extra={"reason": reason})
    return org


@transaction.atomic
def record_inspection(actor: Actor, org: SocialOrganization, *, year, result, concluded_on, kind="report",
                      submitted_on=None, note="") -> AnnualInspection:
    """Record the annual report or inspection of ``year`` with its result (合格, 基本合格,
    不合格) — one per year (409 ``inspection.duplicate``). ``manage_organizations``.
    ``year`` an ended year not before the registration year
    (:func:`rules.check_inspection_year`: 422 ``year.not_ended``,
    ``year.before_registration``), concluded after that year (``concluded_on.before_year_end``)."""
    require(actor, Perm.MANAGE_ORGANIZATIONS)
    try:
        year = whole(year)
    except (TypeError, ValueError, OverflowError):
        raise err("year", "year.format", _("年度应为四位数字")) from None
    today = timezone.localdate()
    if not 1990 <= year <= today.year:
        raise err("year", "year.range", _("年度应在 1990 年到今年之间"))
    try:
        rules.check_inspection_year(year, org.registered_on, today)
    except RuleError as exc:
        raise ValidationFailed.from_rule_errors([exc]) from None
    if result not in InspectionResult.values:
        raise err("result", "result.invalid", _("请选择结论"))
    if kind not in AnnualInspection.Kind.values:
        raise err("kind", "kind.invalid", _("请选择方式"))
    concluded = as_date(concluded_on, "concluded_on", _("结论日期"), required=True)
    if concluded > today:
        raise err("concluded_on", "concluded_on.future", _("结论日期不能晚于今天"))
    SocialOrganization.objects.select_for_update().filter(pk=org.pk).first()   # one report a year, also at once
    if AnnualInspection.objects.filter(organization=org, year=year).exists():
        raise Conflict("inspection.duplicate", _("%(year)s 年度的年报年检已登记") % {"year": year})
    ins = AnnualInspection.objects.create(
        organization=org, year=year, kind=kind, result=result, concluded_on=concluded,
        submitted_on=as_date(submitted_on, "submitted_on", _("报送日期")), note=text(note, "note", _("说明"), 200),
        created_by=actor.user)
    record(actor, "organization.inspection", org, extra={"year": year, "kind": kind, "result": result,
                                                          "concluded_on": concluded.isoformat()})
    return ins


@transaction.atomic
def record_rating(actor: Actor, org: SocialOrganization, *, grade, rated_on, decision_ref="",
                  min_years: int = rules.RATING_MIN_YEARS) -> OrganizationRating:
    """Record an assessment grade 1A–5A (``grade`` 1–5) given on ``rated_on``, valid
    five years (民政部令第39号 art. 22). ``manage_organizations``. Not before the
    organization has been registered ``min_years`` (default 2) years
    (:func:`rules.check_rating_date`, 第十一条: 取得法人资格满两个年度; 422
    ``rated_on.too_early``)."""
    require(actor, Perm.MANAGE_ORGANIZATIONS)
    try:
        grade = whole(grade)
    except (TypeError, ValueError, OverflowError):
        grade = 0
    if not 1 <= grade <= 5:
        raise err("grade", "grade.range", _("评估等级应为 1A 到 5A"))
    rated = as_date(rated_on, "rated_on", _("评定日期"), required=True)
    if rated > timezone.localdate():
        raise err("rated_on", "rated_on.future", _("评定日期不能晚于今天"))
    try:
        rules.check_rating_date(org.registered_on, rated, min_years)
    except RuleError as exc:
        raise ValidationFailed.from_rule_errors([exc]) from None
    rating = OrganizationRating.objects.create(
        organization=org, grade=grade, rated_on=rated, valid_until=_years_later(rated, RATING_YEARS) - timedelta(days=1),
        decision_ref=text(decision_ref, "decision_ref", _("文号"), 60), created_by=actor.user)
    record(actor, "organization.rating", org, extra={"grade": grade, "rated_on": rated.isoformat(),
                                                      "decision_ref": rating.decision_ref})
    return rating


def _years_later(d: date, years: int) -> date:
    """The same day ``years`` later (29 February → 28 February in a common year)."""
    try:
        return d.replace(year=d.year + years)
    except ValueError:
        return d.replace(year=d.year + years, day=28)


@transaction.atomic
def add_member(actor: Actor, org: SocialOrganization, user: User, position: str = "") -> OrganizationMember:
    """Link an account of role ``org_staff`` to ``org`` (``manage_organizations``): the
    account then sees and acts for the organization. A second link is refused (409)."""
    require(actor, Perm.MANAGE_ORGANIZATIONS)
    if user.role != "org_staff":
        raise err("user", "user.role", _("只能关联“社会组织人员”角色的账号"))
    member, created = OrganizationMember.objects.get_or_create(
        organization=org, user=user, defaults={"position": text(position, "position", _("岗位"), 50)})
    if not created:
        if member.active:
            raise Conflict("member.duplicate", _("该账号已是本组织人员"))
        member.active = True
        member.save(update_fields=["active"])
    record(actor, "organization.member_add", org, extra={"user": user.username, "position": member.position})
    _rescore_proposals(org)
    return member


@transaction.atomic
def end_member(actor: Actor, member: OrganizationMember) -> OrganizationMember:
    """Unlink an account from its organization (``manage_organizations``): the row stays,
    inactive, so the history shows who worked there; the account no longer sees or acts
    for the organization. 409 ``member.ended`` when already inactive. Audited
    ``organization.member_end``."""
    require(actor, Perm.MANAGE_ORGANIZATIONS)
    member = OrganizationMember.objects.select_for_update().get(pk=member.pk)
    if not member.active:
        raise Conflict("member.ended", _("该账号已不是本组织在岗人员"))
    member.active = False
    member.save(update_fields=["active"])
    record(actor, "organization.member_end", member.organization, extra={"user": member.user.username})
    _rescore_proposals(member.organization)
    return member


def _rescore_proposals(org: SocialOrganization) -> None:
    """A panel member who works for ``org`` is excluded from scoring its proposals: when
    its staff change, the scores of its proposals under review are worked out again."""
    from .projects import rescore_organization

    rescore_organization(org)


@transaction.atomic
def record_activity(actor: Actor, org: SocialOrganization, *, title, held_on, place="", participants=0,
                    description="") -> OrganizationActivity:
    """Record an activity the organization held: its own staff, or a manager in scope."""
    _require_org_writer(actor, org)
    held = as_date(held_on, "held_on", _("活动日期"), required=True)
    if held > timezone.localdate():
        raise err("held_on", "held_on.future", _("活动日期不能晚于今天"))
    try:
        n = whole(participants or 0)
    except (TypeError, ValueError, OverflowError):
        n = -1
    if n < 0 or n > 1_000_000:
        raise err("participants", "participants.range", _("参与人次应为不小于 0 的整数"))
    act = OrganizationActivity.objects.create(
        organization=org, title=text(title, "title", _("活动名称"), 100, required=True), held_on=held,
        place=text(place, "place", _("地点"), 100), participants=n,
        description=text(description, "description", _("内容"), 500), created_by=actor.user)
    record(actor, "organization.activity", org, extra={"title": act.title, "held_on": held.isoformat(),
                                                        "participants": n})
    return act


def _require_org_writer(actor: Actor, org: SocialOrganization) -> None:
    user = actor.user
    if user is None:
        return
    if user.can(Perm.MANAGE_ORGANIZATIONS) and org.region_id.startswith(user.scope_code):
        return
    if (user.can(Perm.CHECK_FILINGS) or user.can(Perm.DECIDE_FILINGS)) and org.kind == OrganizationKind.COMMUNITY_FILED \
            and org.region_id.startswith(user.scope_code):
        return
    if selectors.is_member(user, org):
        return
    raise Forbidden("permission_denied", _("您的角色无权执行此操作"))


# --- community organizations' filings (备案, 民发〔2017〕191号) ----------------------------------

def _bounded(value, field: str, label: str, limit: int):
    """``value`` (a Decimal or None) when at most ``limit``: the column's precision
    (422 ``<field>.range`` past it, not a database error)."""
    if value is not None and value > limit:
        raise err(field, f"{field}.range", _("%(label)s不能超过 %(limit)s") % {"label": label, "limit": limit})
    return value


def _members(value) -> list[str]:
    if isinstance(value, str):
        value = [v for v in value.replace("，", "\n").replace(",", "\n").splitlines()]
    elif value is not None and not isinstance(value, (list, tuple)):
        raise err("members", "members.format", _("成员名单应为文字（一行一人）或姓名列表"))
    elif value is not None and len(value) > 500:
        raise err("members", "members.too_many", _("成员名单过长：最多 500 人"))
    names = [text(v, "members", _("成员"), 50) for v in (value or [])]
    names = [n for n in names if n]
    if len(names) < 3:  # a community organization has at least three members (decision: local practice)
        raise err("members", "members.too_few", _("成员名单至少 3 人"))
    return names


@transaction.atomic
def submit_filing(actor: Actor, *, name, community, charter, members, responsible_person,
                  filed_on=None, service_area="", phone="") -> CommunityFiling:
    """Take a community social organization's application for a record (备案): creates
    the organization (kind ``community_filed``, status active only once filed… it is
    registered at the community) and the filing waiting for the community's first check.
    ``community``: the community/village code (in scope); ``members``: list of names or
    text one a line (at least 3). ``check_filings`` or ``manage_organizations``."""
    user = actor.user
    if user is not None and not (user.can(Perm.CHECK_FILINGS) or user.can(Perm.MANAGE_ORGANIZATIONS)):
        raise Forbidden("permission_denied", _("您的角色无权执行此操作"))
    region = region_in_scope(actor, community, "community")
    if region.level != "village":
        raise err("community", "community.level", _("请选择社区或村"))
    filed = not_future(as_date(filed_on, "filed_on", _("申请日期")), "filed_on", _("申请日期")) or timezone.localdate()
    org = SocialOrganization(kind=OrganizationKind.COMMUNITY_FILED, name=text(name, "name", _("名称"), 100, required=True),
                             region=region, legal_representative=text(responsible_person, "responsible_person",
                                                                      _("负责人"), 50, required=True),
                             service_area=text(service_area, "service_area", _("业务范围"), 500),
                             phone=_phone(phone),
                             status=OrganizationStatus.SUSPENDED)
    filing = CommunityFiling(community=region, charter=text(charter, "charter", _("章程"), 5000, required=True,
                                                             multiline=True),
                             members=_members(members), responsible_person=org.legal_representative, filed_on=filed)
    org.save()
    filing.organization = org
    filing.save()
    FilingStep.objects.create(filing=filing, from_status="", to_status=FilingStatus.SUBMITTED, actor=user,
                              note=_("提交备案申请"))
    record(actor, "organization.filing_submit", org, extra={"members": len(filing.members)})
    return filing


@transaction.atomic
def check_filing(actor: Actor, filing: CommunityFiling, passed: bool, note: str = "") -> CommunityFiling:
    """The community's first check (社区初审): passed → waits for the street's decision;
    not passed → returned (a note is required). ``check_filings``; the filing must wait
    for it (409 ``filing.state``)."""
    require(actor, Perm.CHECK_FILINGS)
    return _step(actor, filing, FilingStatus.SUBMITTED, FilingStatus.CHECKED if passed else FilingStatus.RETURNED,
                 note, note_required=not passed)


@transaction.atomic
def decide_filing(actor: Actor, filing: CommunityFiling, approved: bool, note: str = "",
                  filing_number: str = "") -> CommunityFiling:
    """The street's or township's decision (街道/乡镇审核): approved → filed (备案) with a
    number, the organization active; rejected → with reasons. ``decide_filings``."""
    require(actor, Perm.DECIDE_FILINGS)
    filing = _step(actor, filing, FilingStatus.CHECKED, FilingStatus.APPROVED if approved else FilingStatus.REJECTED,
                   note, note_required=not approved)
    filing.decided_on = timezone.localdate()
    if approved:
        filing.filing_number = text(filing_number, "filing_number", _("备案编号"), 40) or \
            f"{filing.community_id[:9]}-{filing.decided_on:%Y}-{filing.pk:04d}"
        org = filing.organization
        org.status = OrganizationStatus.ACTIVE
        org.registered_on = filing.decided_on
        org.registration_authority = str(filing.community.parent.name) if filing.community.parent_id else ""
        org.save(update_fields=["status", "registered_on", "registration_authority", "updated_at"])
    filing.save(update_fields=["decided_on", "filing_number"])
    return filing


def _step(actor, filing, expected, to, note, *, note_required) -> CommunityFiling:
    filing = CommunityFiling.objects.select_for_update().select_related("organization", "community").get(pk=filing.pk)
    if filing.status != expected:
        raise Conflict("filing.state", _("该备案当前状态为“%(state)s”，不能办理此步骤") % {
            "state": filing.get_status_display()})
    note = text(note, "note", _("意见"), 300, required=note_required)
    FilingStep.objects.create(filing=filing, from_status=filing.status, to_status=to, actor=actor.user, note=note)
    before, filing.status = filing.status, to
    filing.save(update_fields=["status"])
    record(actor, "filing.step", filing, region_code=filing.community_id, changes={"status": [before, to]},
           extra={"note": note})
    return filing


# --- incubation (孵化基地) ---------------------------------------------------------------------

@transaction.atomic
def create_base(actor: Actor, *, name, region, operator=None, address="", floor_area=None, opened_on=None) -> IncubationBase:
    """Register an incubation base (``manage_organizations``)."""
    require(actor, Perm.MANAGE_ORGANIZATIONS)
    base = IncubationBase.objects.create(
        name=text(name, "name", _("名称"), 100, required=True), region=region_in_scope(actor, region),
        operator=operator, address=text(address, "address", _("地址"), 200),
        floor_area=_bounded(money(floor_area, "floor_area", _("场地面积")), "floor_area", _("场地面积"), 1_000_000),
        opened_on=as_date(opened_on, "opened_on", _("启用日期")))
    record(actor, "incubation_base.create", base)
    return base


@transaction.atomic
def admit(actor: Actor, base: IncubationBase, org: SocialOrganization, entered_on) -> Incubation:
    """An organization enters the base (入驻) on ``entered_on``; one open incubation per
    organization (409 ``incubation.open``, a database constraint). The organization's row
    is locked while it is checked, so two admissions at once are one and a 409."""
    require(actor, Perm.MANAGE_ORGANIZATIONS)
    entered = not_future(as_date(entered_on, "entered_on", _("入驻日期"), required=True), "entered_on", _("入驻日期"))
    SocialOrganization.objects.select_for_update().filter(pk=org.pk).first()
    if Incubation.objects.filter(organization=org, exited_on__isnull=True).exists():
        raise Conflict("incubation.open", _("该组织正在孵化中"))
    inc = Incubation.objects.create(base=base, organization=org, entered_on=entered)
    record(actor, "incubation.admit", base, extra={"organization": org.name, "entered_on": entered.isoformat()})
    return inc


@transaction.atomic
def release(actor: Actor, incubation: Incubation, exited_on, outcome: str) -> Incubation:
    """The organization leaves the base (出壳 or withdrawn) on ``exited_on`` (not before entry)."""
    require(actor, Perm.MANAGE_ORGANIZATIONS)
    exited = not_future(as_date(exited_on, "exited_on", _("出壳日期"), required=True), "exited_on", _("出壳日期"))
    if outcome not in Incubation.Outcome.values:
        raise err("outcome", "outcome.invalid", _("请选择结果"))
    inc = Incubation.objects.select_for_update().get(pk=incubation.pk)
    if inc.exited_on is not None:
        raise Conflict("incubation.closed", _("该组织已出壳"))
    if exited < inc.entered_on:
        raise err("exited_on", "exited_on.before_entry", _("出壳日期不能早于入驻日期"))
    inc.exited_on, inc.outcome = exited, outcome
    inc.save(update_fields=["exited_on", "outcome"])
    record(actor, "incubation.release", inc.base, extra={"organization": inc.organization.name,
                                                          "exited_on": exited.isoformat(), "outcome": outcome})
    return inc


@transaction.atomic
def record_incubation_service(actor: Actor, incubation: Incubation, *, kind, provided_on, hours=0,
                              description="") -> IncubationService:
    """A service the base gave (training, information sharing, project support …)."""
    require(actor, Perm.MANAGE_ORGANIZATIONS)
    if kind not in IncubationServiceKind.values:
        raise err("kind", "kind.invalid", _("请选择服务类型"))
    day = not_future(as_date(provided_on, "provided_on", _("日期"), required=True), "provided_on", _("日期"))
    if day < incubation.entered_on or (incubation.exited_on is not None and day > incubation.exited_on):
        raise err("provided_on", "provided_on.outside_incubation", _("服务日期应在入驻期间（%(a)s 至 %(b)s）") % {
            "a": incubation.entered_on, "b": incubation.exited_on or _("今")})
    svc = IncubationService.objects.create(
        incubation=incubation, kind=kind, provided_on=day,
        hours=_bounded(money(hours, "hours", _("时长")), "hours", _("时长"), 9999) or 0, description=text(description, "description", _("内容"), 300))
    record(actor, "incubation.service", incubation.base, extra={"organization": incubation.organization.name,
                                                                 "kind": kind, "hours": svc.hours})
    return svc


def export_organizations(actor: Actor) -> tuple[bytes, str, str]:
    """The organizations the acting user sees as a workbook: ``(bytes, Chinese file name
    社会组织名录_<scope>_<date>.xlsx, ASCII fallback)``. Needs ``export`` and
    ``view_organizations`` (Forbidden otherwise). Audited ``organization.export`` with
    the row count."""
    import io

    import openpyxl

    require(actor, Perm.EXPORT)
    require(actor, Perm.VIEW_ORGANIZATIONS)
    user = actor.user
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = _("社会组织名录")
    ws.append([_("名称"), _("类型"), _("统一社会信用代码"), _("登记（备案）地"), _("法定代表人（负责人）"), _("登记管理机关"),
               _("登记日期"), _("业务主管单位"), _("注册资金（元）"), _("评估等级"), _("状态"), _("联系电话"), _("住所")])
    n = 0
    for o in selectors.search_organizations(user).iterator():
        n += 1
        ws.append([o.name, str(o.get_kind_display()), o.uscc, o.region.name, o.legal_representative,
                   o.registration_authority, o.registered_on, o.supervising_unit,
                   o.registered_funds, f"{o.grade_now}A" if o.grade_now else "", str(o.get_status_display()), o.phone,
                   o.address])
    for col in "CEGIL":
        ws.column_dimensions[col].width = 22
    ws.column_dimensions["A"].width = 36
    buf = io.BytesIO()
    wb.save(buf)
    scope = user.scope.short_name if user.scope_id else _("全部")
    today = timezone.localdate()
    record(actor, "organization.export", None, region_code=user.scope_code or "", extra={"rows": n})
    return buf.getvalue(), f"{_('社会组织名录')}_{scope}_{today:%Y%m%d}.xlsx", f"organizations_{today:%Y%m%d}.xlsx"
