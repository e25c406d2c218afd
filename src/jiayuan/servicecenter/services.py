"""Writes of the service center: catalogs (loaded from data/), intake of service requests
(the ``service_request`` case type), the public status lookup, certificates under the
seal-use list, and community tasks under the access list. One transaction each, audited.
"""

import hmac
import json
import string
from datetime import date, datetime
from importlib import resources

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .. import security
from ..security import rate_hit  # noqa: F401 (used by the views and API of this app)
from ..accounts.permissions import Perm
from ..audit.services import Actor, record
from ..cases import rules as case_rules
from ..cases.effects import guard
from ..cases.models import Case, Department
from ..cases.services import CaseDraft, next_sequence, require
from ..errors import Conflict, Forbidden, NotFound, ServiceError, TooManyRequests, ValidationFailed  # noqa: F401 (TooManyRequests re-exported)
from ..regions.models import Region
from . import rules
from .models import (
    AccessListItem,
    Certificate,
    CertificateKindDecision,
    CommunityTask,
    SealScopeItem,
    ServiceItem,
    normalise_verify_code,
)
from .selectors import applicable, may_edit_list_item


def _err(name: str, code: str, message: str) -> dict:
    return {name: [{"code": code, "message": message}]}


def _data(name: str) -> dict:
    return json.loads((resources.files("jiayuan.servicecenter") / "data" / name).read_text(encoding="utf-8"))


# --- catalogs (shipped data, loaded idempotently) ------------------------------------------

def load_catalogs(actor: Actor | None = None) -> dict:
    """Load the shipped service items, seal-use list and access list (data/*.json):
    creates missing rows, updates changed ones; never deletes. Returns counts."""
    actor = actor or Actor(None, "system")
    counts = {"service_items": 0, "seal_scope": 0, "access_list": 0}
    with transaction.atomic():
        for i, item in enumerate(_data("service_items.json")["items"]):
            values = {k: item[k] for k in ("name", "area", "time_limit_days") if k in item}
            values.update(materials=item.get("materials", []), department_names=item.get("department_names", ""),
                          community_completable=item.get("community_completable", False),
                          public=item.get("public", True), legal_basis=item.get("legal_basis", ""),
                          description=item.get("description", ""), sort=(i + 1) * 10)
            obj, created = ServiceItem.objects.update_or_create(code=item["code"], defaults=values)
            if created:
                record(actor, "service_item.create", obj, object_repr=obj.name)
            counts["service_items"] += 1
        seal = _data("seal_scope.json")
        for kind, rows in ((SealScopeItem.ListKind.FORBIDDEN, seal["forbidden"]),
                           (SealScopeItem.ListKind.ALLOWED, seal["allowed"])):
            for i, row in enumerate(rows):
                values = {"name": row["name"], "list_kind": kind, "source": SealScopeItem.Source.NATIONAL
                          if kind == SealScopeItem.ListKind.FORBIDDEN else SealScopeItem.Source.LOCAL,
                          # the province's 文号 is the administrator's entry: never overwritten here
                          **({"document_number": NATIONAL_NEGATIVE_LIST} if kind == "forbidden" else {}),
                          "legal_basis": row.get("legal_basis", "民发〔2020〕20号" if kind == "forbidden" else ""),
                          "reason": row.get("reason", seal["national_forbidden_reason"] if kind == "forbidden" else ""),
                          "template": row.get("template", ""), "aliases": row.get("aliases", ""), "sort": i + 1}
                obj, created = SealScopeItem.objects.update_or_create(code=row["code"], defaults=values)
                if created:
                    record(actor, "seal_scope.create", obj, object_repr=obj.name)
                counts["seal_scope"] += 1
        for i, row in enumerate(_data("access_list.json")["items"]):
            obj, created = AccessListItem.objects.update_or_create(code=row["code"], defaults={
                "name": row["name"], "category": row["category"], "legal_basis": row.get("legal_basis", ""),
                "sort": i + 1})
            if created:
                record(actor, "access_item.create", obj, object_repr=obj.name)
            counts["access_list"] += 1
    return counts


NATIONAL_NEGATIVE_LIST = "民发〔2020〕20号"


def set_list_document(actor: Actor, item, document_number: str):
    """Enter the 文号 of the published list a seal-use list entry (SealScopeItem) or an
    access list entry (AccessListItem) comes from, as the administrator read it on the
    province's document: at most 100 characters, no control characters; empty clears it.
    The national negative list's 文号 (民发〔2020〕20号) is fixed. Audited
    ``seal_scope.update`` / ``access_item.update`` with document_number before/after.
    Raises Forbidden, ValidationFailed."""
    from ..people.rules import ORDINARY_WHITESPACE, first_control_char

    require(actor, Perm.MANAGE_CATALOGS)
    if not may_edit_list_item(actor.user, item.region_id):
        raise Forbidden("permission_denied", _("只能修改您管辖范围内的清单"))
    if isinstance(item, SealScopeItem) and item.source == SealScopeItem.Source.NATIONAL:
        raise ValidationFailed(_err("document_number", "list.national",
                                    _("国家清单的文号（%(number)s）不可修改") % {"number": NATIONAL_NEGATIVE_LIST}))
    value = " ".join((document_number or "").split())
    if first_control_char(document_number or "", ORDINARY_WHITESPACE) is not None or len(value) > 100:
        raise ValidationFailed(_err("document_number", "list.document_number",
                                    _("请填写文号（不超过 100 个字符，不含控制字符），例如 %(example)s") % {"example": "甘民发〔2021〕35号"}))
    before = item.document_number
    if before == value:
        return item
    action = "seal_scope.update" if isinstance(item, SealScopeItem) else "access_item.update"
    with transaction.atomic():
        item.document_number = value
        item.save(update_fields=["document_number"])
        record(actor, action, item, region_code=item.region_id or "", object_repr=item.name,
               changes={"document_number": [before, value]})
    return item


def update_service_item(actor: Actor, item: ServiceItem, *, time_limit_days, departments, active: bool,
                        public: bool) -> ServiceItem:
    """Change a service catalogue item (city-wide: a city administrator or system
    administrator, else Forbidden): its time limit (1–365 working days), the departments
    responsible (Department rows, active), whether it is offered and shown publicly.
    Audited ``service_item.update`` with {field: [before, after]}. Raises Forbidden,
    ValidationFailed."""
    from ..audit.services import model_changes

    require(actor, Perm.MANAGE_CATALOGS)
    if not may_edit_list_item(actor.user, None):
        raise Forbidden("permission_denied", _("服务事项目录由市级管理员维护"))
    try:
        days = int(time_limit_days)
    except (TypeError, ValueError):
        days = 0
    if not 1 <= days <= 365:
        raise ValidationFailed(_err("time_limit_days", "service_item.time_limit",
                                    _("办理时限须为 1 至 365 个工作日")))
    departments = list(departments or [])
    if any(not d.active for d in departments):
        raise ValidationFailed(_err("departments", "service_item.department", _("责任部门已停用")))

    def state() -> dict:
        return {"time_limit_days": item.time_limit_days, "active": item.active, "public": item.public,
                "departments": sorted(item.departments.values_list("code", flat=True))}

    before = state()
    with transaction.atomic():
        item.time_limit_days, item.active, item.public = days, bool(active), bool(public)
        item.save(update_fields=["time_limit_days", "active", "public"])
        item.departments.set(departments)
        changes = model_changes(before, state())
        if changes:
            record(actor, "service_item.update", item, object_repr=item.name, changes=changes)
    return item


def add_seal_scope_item(actor: Actor, data: dict, region: Region | None) -> SealScopeItem:
    """A local addition to the seal-use list (allowed or forbidden), applying under
    ``region`` (from a scoped selector) or everywhere (None, city admins only)."""
    require(actor, Perm.MANAGE_CATALOGS)
    if region is None and actor.user.scope_code:
        raise Forbidden("permission_denied", _("只能为您管辖范围内的区域增补清单"))
    kind = data.get("list_kind")
    if kind not in SealScopeItem.ListKind.values:
        raise ValidationFailed(_err("list_kind", "seal.list_kind", _("请选择“可出具”或“不得出具”")))
    name = " ".join(str(data.get("name") or "").split())
    code = str(data.get("code") or "").strip()
    if not name or not code:
        raise ValidationFailed(_err("name", "seal.name", _("请填写证明名称和代码")))
    if kind == SealScopeItem.ListKind.FORBIDDEN and not data.get("reason"):
        raise ValidationFailed(_err("reason", "seal.reason", _("不得出具的证明须写明理由")))
    if kind == SealScopeItem.ListKind.ALLOWED and not data.get("legal_basis"):
        raise ValidationFailed(_err("legal_basis", "seal.legal_basis", _("可出具的证明须写明法律法规依据")))
    with transaction.atomic():
        try:
            obj = SealScopeItem.objects.create(
                code=code, name=name, list_kind=kind, source=SealScopeItem.Source.LOCAL, region=region,
                legal_basis=str(data.get("legal_basis", ""))[:300], reason=str(data.get("reason", ""))[:300],
                template=str(data.get("template", "")), aliases=str(data.get("aliases", ""))[:300])
        except IntegrityError:
            raise Conflict("seal.code_taken", _("代码 %(code)s 已被使用") % {"code": code}) from None
        record(actor, "seal_scope.create", obj, region_code=region.code if region else "", object_repr=name)
    return obj


# --- service requests -----------------------------------------------------------------------

@guard("community_completable")
def _community_completable(ctx):
    if ServiceItem.objects.filter(code=ctx.case.category, community_completable=True).exists():
        return True
    return _("该事项须转办责任部门办理，社区不能直接办结")


def request_intake(actor: Actor, payload: dict) -> CaseDraft:
    """Check a service request taken at the desk (一门受理).

    ``payload``: ``item`` (service item code), ``person`` (applicant id, in scope),
    ``materials`` (names of the item's materials the applicant brought), ``description``,
    ``contact_phone`` (default the applicant's phone in the registry), ``attachments``
    (scans as photos). The case lies in the applicant's grid or community. Follow-up:
    受理 when every material is there, else 一次性告知 of all that are missing.
    """
    from ..people.selectors import get_person

    errors = {}
    item = ServiceItem.objects.filter(code=str(payload.get("item") or payload.get("category") or ""),
                                      active=True).first()
    if item is None:
        errors.update(_err("item", "item.unknown", _("请选择服务事项")))
    person = None
    pid = payload.get("person") or payload.get("subject_person")
    if not pid:
        errors.update(_err("person", "person.required", _("请选择申请人")))
    else:
        try:
            person = get_person(actor.user, pid)
        except NotFound:
            errors.update(_err("person", "person.not_found", _("申请人不存在或不在您的管辖范围内")))
    brought = [str(m) for m in payload.get("materials") or []]
    if errors:
        raise ValidationFailed(errors)
    unknown = [m for m in brought if m not in item.materials]
    if unknown:
        raise ValidationFailed(_err("materials", "materials.unknown", _("“%(name)s”不是该事项的申请材料") % {
            "name": unknown[0]}))
    missing = [m for m in item.materials if m not in brought]
    phone = str(payload.get("contact_phone") or "").strip()
    if phone:
        from ..people import rules as people_rules

        try:
            phone = people_rules.normalize_phone(phone)
        except people_rules.RuleError:
            raise ValidationFailed(_err("contact_phone", "phone.invalid", _("联系电话格式错误"))) from None
    else:
        phone = person.phone
    suggested = [d.pk for d in item.departments.filter(active=True) if person.region_id.startswith(d.region_id)]
    draft = CaseDraft(
        region=person.region, title=item.name, description=str(payload.get("description") or "").strip()[:5000],
        category=item.code, subject_person=person, subject_household=person.household,
        parties=[(person, "applicant")], contact_name=person.name, contact_phone=phone,
        limits={"processing": f"{item.time_limit_days}wd"},
        data={"item_name": item.name, "area": item.area, "materials": brought, "missing_materials": missing,
              "suggested_departments": suggested},
        attachments=list(payload.get("attachments") or []),
    )
    with stored_language():  # the comments go on the record: in the record's language
        if missing:
            draft.followups = [{"action": "request_materials", "comment": _("请补正以下材料：%(list)s") % {
                "list": "、".join(missing)}}]
        else:
            draft.followups = [{"action": "accept", "comment": _("材料齐全，予以受理")}]
    return draft


LOOKUP_LIMIT_PER_IP = 20        # lookups per client address per 10 minutes
LOOKUP_LIMIT_PER_NUMBER = 10    # lookups of one case number per hour


def stored_language():
    """Context in which generated texts that are stored on a record (comments on the
    timeline, certificate bodies, decision notes) are produced: the deployment's language
    (``settings.LANGUAGE_CODE``, zh-hans), not the language of the user's pages — a record
    does not change language with whoever created it."""
    return translation.override(settings.LANGUAGE_CODE)


def _stored(make):
    with stored_language():
        return make()


def public_status(number: str, phone_tail: str, client: str, now: datetime | None = None) -> dict:
    """Status of a case for a resident without an account: case number + the last four
    digits of the contact phone. Shows only the public state name and dates. Rate-limited
    per client address and per case number (429). Any mismatch answers the same 404 as
    an unknown number, so numbers cannot be probed."""
    from ..cases.selectors import decl_of

    now = now or timezone.now()
    if rate_hit(f"lookup-ip:{client}", 600, now) > LOOKUP_LIMIT_PER_IP:
        raise TooManyRequests("lookup.rate_limited", _("查询过于频繁，请 10 分钟后再试"))
    number = (number or "").strip()
    tail = (phone_tail or "").strip()
    not_found = ServiceError("lookup.not_found", _("未找到该编号，或手机号后四位不符"))
    not_found.status = 404
    if not case_rules.parse_case_number(number) or len(tail) != 4 or not (tail.isascii() and tail.isdigit()):
        raise not_found
    if rate_hit(f"lookup-number:{number}", 3600, now) > LOOKUP_LIMIT_PER_NUMBER:
        raise TooManyRequests("lookup.rate_limited", _("该编号查询次数过多，请 1 小时后再试"))
    case = Case.objects.filter(number=number).first()
    phone = security.decrypt(case.contact_phone_cipher) if case is not None else ""
    if case is None or not phone or not hmac.compare_digest(phone[-4:], tail):
        raise not_found
    decl = decl_of(case.case_type_id)
    state = decl.state(case.state)
    local = timezone.localtime
    accepted = case.events.filter(to_state="accepted").order_by("seq").values_list("at", flat=True).first()
    return {
        "number": case.number, "type": decl.name, "title": case.title,
        "status": state.public_name or state.name, "closed": not case.is_open,
        "submitted_at": local(case.created_at).date(), "accepted_at": local(accepted).date() if accepted else None,
        "due_date": local(case.due_at).date() if case.due_at and case.is_open else None,
        "closed_at": local(case.closed_at).date() if case.closed_at else None,
    }


# --- certificates -------------------------------------------------------------------------

def _norm(text: str) -> str:
    return "".join(str(text or "").split()).replace("(", "（").replace(")", "）")


def find_seal_kind(kind: str, community_code: str) -> SealScopeItem | None:
    """The list entry for ``kind`` (a code, a name or an alias) that applies to the
    community; a forbidden entry wins over an allowed one of the same name."""
    kind_n = _norm(kind)
    rows = list(applicable(SealScopeItem.objects.all(), community_code))
    exact = [r for r in rows if r.code == kind or _norm(r.name) == kind_n]
    if not exact:
        exact = [r for r in rows if kind_n and any(_norm(a) == kind_n for a in r.aliases.split())]
    exact.sort(key=lambda r: r.list_kind != SealScopeItem.ListKind.FORBIDDEN)
    return exact[0] if exact else None


class CertificateRefused(ServiceError):
    status = 422


def _refuse(actor: Actor, community: Region, kind_name: str, code: str, reason: str):
    """Record the refusal (its own transaction: it stays recorded) and raise it."""
    with transaction.atomic():
        record(actor, "certificate.refuse", None, object_type="servicecenter.certificate", object_repr=kind_name,
               region_code=community.code, extra={"reason": reason[:200], "code": code})
    raise CertificateRefused(code, reason)


def _ask_for_decision(actor: Actor, community: Region, kind_name: str, now: datetime) -> None:
    """Record that the desk was asked for ``kind_name`` (on neither list, no decision yet)
    in ``community`` — its own transaction, so it stays recorded though the issue is
    refused: it waits on the director's to-do until a decision is recorded."""
    from .models import CertificateKindRequest

    kind_name = kind_name[:100]
    with transaction.atomic():
        req, created = CertificateKindRequest.objects.select_for_update().get_or_create(
            community=community, kind_name=kind_name,
            defaults={"asked_by": actor.user, "first_asked_at": now, "last_asked_at": now})
        if not created:
            req.times += 1
            req.last_asked_at = now
            req.save(update_fields=["times", "last_asked_at"])
        record(actor, "certificate.ask_decision", req, object_repr=kind_name, region_code=community.code,
               extra={"times": req.times})


def _community_of(person) -> Region:
    return Region.objects.get(code=person.region_id[:12])


def _cn_date(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def render_certificate(template: str, values: dict) -> str:
    return string.Template(template).safe_substitute(values)


def issue_certificate(actor: Actor, person, kind: str, purpose: str, *, request_key: str = "",
                      now: datetime | None = None) -> Certificate:
    """Issue a certificate of ``kind`` (code or name) for ``person`` (from a scoped
    selector) by the person's community.

    - on the forbidden list (national 20 or a local addition): refused with its reason
      (422 ``certificate.forbidden``), the refusal audited;
    - on the allowed list: issued with its template;
    - on neither: needs the director's recorded decision for this community
      (409 ``certificate.needs_decision``); a refusing decision refuses
      (422 ``certificate.refused_by_decision``).

    Numbered ``<community 12 digits>-ZM<YYYYMMDD>-<seq>``; the text uses the registry's
    data (masked ID number); ``request_key`` makes a double submit issue once. A
    template that needs a value the registry lacks (an empty address …) or names an
    unknown placeholder is refused before anything is numbered (422
    ``certificate.missing_value`` naming what to fill in, ``certificate.unknown_placeholder``;
    :func:`jiayuan.servicecenter.rules.check_certificate_values`).
    """
    require(actor, Perm.ISSUE_CERTIFICATES)
    now = now or timezone.now()
    purpose = " ".join(str(purpose or "").split())
    if not purpose:
        raise ValidationFailed(_err("purpose", "purpose.required", _("请填写证明用途")))
    kind = " ".join(str(kind or "").split())
    if not kind:
        raise ValidationFailed(_err("kind", "kind.required", _("请选择或填写证明名称")))
    request_key = (request_key or "").strip()[:64]
    if request_key:
        done = Certificate.objects.filter(issued_by=actor.user, request_key=request_key).first()
        if done:
            return done
    community = _community_of(person)
    item = find_seal_kind(kind, community.code)
    decision = None
    if item is not None and item.list_kind == SealScopeItem.ListKind.FORBIDDEN:
        _refuse(actor, community, item.name, "certificate.forbidden",
                _("不予出具“%(name)s”：%(reason)s") % {"name": item.name, "reason": item.reason})
    if item is None:
        decision = CertificateKindDecision.objects.filter(community=community, kind_name=_norm(kind)).first()
        if decision is None:
            _ask_for_decision(actor, community, _norm(kind), now)
            raise Conflict("certificate.needs_decision", _(
                "“%(name)s”不在本社区印章使用范围清单内，须由社区负责人作出是否出具的决定并记录后才能办理") % {"name": kind})
        if not decision.allowed:
            _refuse(actor, community, kind, "certificate.refused_by_decision",
                    _("不予出具“%(name)s”：%(reason)s") % {"name": kind, "reason": decision.reason})
    kind_name = item.name if item else decision.kind_name
    local_day = timezone.localtime(now).date()
    with stored_language():  # the certificate is an official document in Chinese, whatever the UI language
        template = (item.template if item else decision.template) or _(
            "兹证明 ${name}（${sex}，${birth_date} 出生）系本社区居民，住 ${address}。\n\n此证明用于：${purpose}。\n\n${community}\n${date}")
        data = {
            "name": person.name, "sex": str(person.get_sex_display()), "birth_date": _cn_date(person.birth_date),
            "id_number": person.id_number_masked, "address": person.address or (
                person.household.address if person.household_id else ""),
            "community": community.short_name, "community_full": community.name, "purpose": purpose,
            "date": _cn_date(local_day),
        }
    data["birth_date"] = rules.masked_birth_date(template, person.birth_date.year if person.birth_date else None,
                                                 data["birth_date"])
    try:
        rules.check_certificate_values(template, data)
    except rules.RuleError as err:
        if err.code == "certificate.missing_value":  # the labels in the user's language
            err.params["fields"] = "、".join(_(rules.CERTIFICATE_FIELDS[p]) for p in err.params["placeholders"])
        raise ValidationFailed.from_rule_errors([err]) from None
    with transaction.atomic():
        seq = next_sequence(f"cert:{community.code}", local_day)
        number = f"{community.code}-ZM{local_day:%Y%m%d}-{seq:04d}"
        data["number"] = number
        try:
            with transaction.atomic():
                cert = Certificate.objects.create(
                    number=number, community=community, kind=item, decision=decision, kind_name=kind_name,
                    person=person, purpose=purpose[:200], data=data, body=render_certificate(template, data),
                    issued_by=actor.user, issued_at=now, request_key=request_key)
        except IntegrityError:
            done = Certificate.objects.filter(issued_by=actor.user, request_key=request_key).first() if request_key else None
            if done:
                return done
            raise
        record(actor, "certificate.issue", cert, object_repr=f"{number} {kind_name}",
               extra={"person": person.pk})
    return cert


def decide_certificate_kind(actor: Actor, community: Region, kind_name: str, allowed: bool, *, reason: str = "",
                            legal_basis: str = "", template: str = "", now: datetime | None = None
                            ) -> CertificateKindDecision:
    """The community director records whether the community issues a kind of certificate
    that is on neither list (``community`` from a scoped selector). Allowing needs a
    legal basis; refusing needs a reason. A kind on a list cannot be decided here."""
    require(actor, Perm.DECIDE_CERTIFICATE_KINDS)
    if community.level != Region.Level.VILLAGE:
        raise ValidationFailed(_err("community", "community.level", _("请选择社区（村）")))
    name = _norm(kind_name)
    if not name:
        raise ValidationFailed(_err("kind_name", "kind.required", _("请填写证明名称")))
    listed = find_seal_kind(name, community.code)
    if listed is not None:
        raise Conflict("certificate.listed", _("“%(name)s”已在%(list)s清单中，无需另行决定") % {
            "name": listed.name, "list": listed.get_list_kind_display()})
    if allowed and not legal_basis.strip():
        raise ValidationFailed(_err("legal_basis", "legal_basis.required", _("同意出具须写明法律法规依据")))
    if not allowed and not reason.strip():
        raise ValidationFailed(_err("reason", "reason.required", _("不予出具须写明理由")))
    now = now or timezone.now()
    with transaction.atomic():
        obj, created = CertificateKindDecision.objects.update_or_create(
            community=community, kind_name=name,
            defaults={"allowed": allowed, "reason": reason.strip()[:300], "legal_basis": legal_basis.strip()[:300],
                      "template": template, "decided_by": actor.user, "decided_at": now})
        record(actor, "certificate.decide", obj, object_repr=name, region_code=community.code,
               changes={"allowed": [None, allowed]})
    return obj


def verify_certificate(number: str, code: str) -> dict | None:
    """Public verification by number and verification code (both as printed on the
    certificate; the code in any case, with or without its hyphens and spaces): kind,
    issuing community, date, status and the holder's masked name. None when there is no
    such certificate or the code is not its code, the same answer for both, so that
    sequential numbers cannot be probed without the paper in hand (the code is compared
    in constant time)."""
    code = normalise_verify_code(code)
    cert = Certificate.objects.select_related("community", "person").filter(number=(number or "").strip()).first()
    if cert is None or not code or not hmac.compare_digest(cert.verify_code.encode(), code.encode()):
        return None
    return {"number": cert.number, "kind": cert.kind_name, "community": cert.community.name,
            "issued_at": timezone.localtime(cert.issued_at).date(), "status": cert.status,
            "holder": case_rules.mask_name(cert.person.name)}


def revoke_certificate(actor: Actor, cert: Certificate, reason: str) -> Certificate:
    """Void an issued certificate (it stays recorded and verifies as revoked)."""
    require(actor, Perm.ISSUE_CERTIFICATES)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_err("reason", "reason.required", _("请填写作废原因")))
    if cert.status == Certificate.Status.REVOKED:
        raise Conflict("certificate.revoked", _("该证明已作废"))
    with transaction.atomic():
        n = Certificate.objects.filter(pk=cert.pk, status=Certificate.Status.VALID).update(
            status=Certificate.Status.REVOKED, revoked_reason=reason[:300])
        if not n:
            raise Conflict("certificate.revoked", _("该证明已作废"))
        record(actor, "certificate.revoke", cert, extra={"reason": reason[:200]})
    cert.refresh_from_db()
    return cert


# --- community work access list ------------------------------------------------------------

def assign_community_task(actor: Actor, community: Region, *, title: str, kind: str, occurs_on: date,
                          access_item: str = "", department: Department | None = None, note: str = "",
                          now: datetime | None = None) -> CommunityTask:
    """A department gives a community a task (``community`` from a scoped selector).

    On the access list (self-government or assist items): accepted. On the negative
    list: recorded as refused, with the list item as reason. Off the list (no item):
    pending until the street approves (:func:`decide_community_task`); until then it
    binds the community to nothing. Every demand is recorded, so the monthly tally
    counts what was asked of each community."""
    require(actor, Perm.ASSIGN_COMMUNITY_TASKS)
    errors = {}
    title = " ".join(str(title or "").split())
    if not title:
        errors.update(_err("title", "title.required", _("请填写事项名称")))
    if kind not in CommunityTask.Kind.values:
        errors.update(_err("kind", "kind.invalid", _("请选择事项形式（任务、会议、活动、报表、检查）")))
    if community.level != Region.Level.VILLAGE:
        errors.update(_err("community", "community.level", _("请选择社区（村）")))
    item = None
    if access_item:
        item = applicable(AccessListItem.objects.all(), community.code).filter(code=access_item).first()
        if item is None:
            errors.update(_err("access_item", "access_item.unknown", _("准入清单中没有该事项")))
    if errors:
        raise ValidationFailed(errors)
    if department is None and actor.user is not None:
        from ..cases.models import DepartmentMember

        m = DepartmentMember.objects.filter(user=actor.user).select_related("department").first()
        department = m.department if m else None
    if item is None:
        status = CommunityTask.Status.PENDING
    elif item.category == AccessListItem.Category.NEGATIVE:
        status = CommunityTask.Status.REFUSED
    else:
        status = CommunityTask.Status.ACCEPTED
    now = now or timezone.now()
    with transaction.atomic():
        task = CommunityTask.objects.create(
            community=community, department=department, requested_by=actor.user, title=title[:200], kind=kind,
            access_item=item, status=status, occurs_on=occurs_on, note=note, requested_at=now,
            decision_note=_stored(lambda: _("属于负面清单事项“%(name)s”，不得交由社区承担") % {"name": item.name})
            if status == CommunityTask.Status.REFUSED else "")
        record(actor, "community_task.assign", task, object_repr=title[:100], changes={"status": [None, status]})
    return task


def decide_community_task(actor: Actor, task: CommunityTask, approve: bool, note: str = "",
                          now: datetime | None = None) -> CommunityTask:
    """The street (township officer over the community) approves or rejects an off-list
    task. Only pending tasks can be decided; rejecting needs a reason."""
    require(actor, Perm.APPROVE_COMMUNITY_TASKS)
    if not task.community_id.startswith(actor.user.scope_code):
        raise NotFound("community_task.not_found")
    if task.status != CommunityTask.Status.PENDING:
        raise Conflict("community_task.decided", _("该事项不需要审批或已审批"))
    note = (note or "").strip()
    if not approve and not note:
        raise ValidationFailed(_err("note", "note.required", _("不予批准须写明理由")))
    now = now or timezone.now()
    status = CommunityTask.Status.APPROVED if approve else CommunityTask.Status.REJECTED
    with transaction.atomic():
        n = CommunityTask.objects.filter(pk=task.pk, status=CommunityTask.Status.PENDING).update(
            status=status, decided_by=actor.user, decided_at=now, decision_note=note[:300])
        if not n:
            raise Conflict("community_task.decided", _("该事项已审批"))
        record(actor, "community_task.decide", task, changes={"status": [task.status, status]})
    task.refresh_from_db()
    return task
