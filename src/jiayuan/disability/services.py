"""Writes to disability certificates: record (a new certificate replaces the valid one),
change the long-term care need, revoke; and the audited reveal of the whole number.

Every function is one transaction with its audit entries. The certificate number is
never stored nor logged: it repeats the holder's ID number. The audit log records the
type and grade digits, the dates and the status, never the number.

Every change of a person's valid certificate (recorded, replaced, revoked, care need)
sends :data:`jiayuan.disability.signals.certificate_changed` in its transaction (the
assistance app flags the person's open 两项补贴 enrollments).

Permissions: writes need ``manage_disability`` (community, township, county and city
staff; not grid members nor auditors) and the holder in the acting user's scope
(otherwise 404, like every object out of scope). Revealing the whole number needs
``view_sensitive`` and is audited as a read of the holder's ID number.
"""

from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from ..accounts.permissions import Perm
from ..audit.services import Actor, record_many
from ..errors import Conflict, Forbidden, NotFound, ValidationFailed
from ..people import rules as people_rules
from ..people import services as people_services
from ..people.services import require
from ..people.models import Person
from . import rules
from .models import DisabilityCertificate
from .signals import certificate_changed

Status = DisabilityCertificate.Status
NOTE_MAX = 200
REASON_MAX = 200


def _err(field: str, code: str, message: str) -> dict:
    return {field: [{"code": code, "message": message}]}


def _require_in_scope(actor: Actor, region_code: str, code: str = "certificate.not_found") -> None:
    """NotFound unless ``region_code`` lies in the acting user's subtree (a person or
    certificate out of scope is answered like one that does not exist)."""
    user = actor.user
    if user is not None and not (region_code or "").startswith(user.scope_code):
        raise NotFound(code)


def _as_date(value, field: str) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        d = parse_date(str(value).strip())
    except ValueError:
        d = None
    if d is None:
        raise ValidationFailed(_err(field, f"{field}.format", _("日期格式错误：应为 YYYY-MM-DD，例如 2024-03-01")))
    return d


def _clean_text(value, field: str, label: str, limit: int) -> str:
    try:
        text = people_rules.clean_free_text(value)
    except TypeError:
        raise ValidationFailed(_err(field, f"{field}.format", _("%(label)s应填写文字") % {"label": label})) from None
    if len(text) > limit:
        raise ValidationFailed(_err(field, f"{field}.too_long", _("%(label)s过长：最多 %(limit)s 个字")
                                    % {"label": label, "limit": limit}))
    return text


def _facts(cert: DisabilityCertificate | None) -> dict | None:
    """The facts other apps read from the valid certificate (sent with certificate_changed)."""
    if cert is None:
        return None
    return {"disability_type": cert.disability_type, "grade": cert.grade,
            "long_term_care_need": cert.long_term_care_need}


def _changed(actor: Actor, person, before, after, status: str) -> None:
    """Send :data:`jiayuan.disability.signals.certificate_changed` (in the caller's
    transaction: a receiver's failure undoes the change)."""
    certificate_changed.send(sender=DisabilityCertificate, actor=actor, person=person, before=before,
                             after=after, status=status)


def _check_version(cert: DisabilityCertificate, expected: int | None) -> None:
    if expected is not None and cert.version != int(expected):
        raise Conflict("disability.conflict", _(
            "该残疾人证已被他人修改（您看到的是第 %(mine)s 版，当前为第 %(now)s 版），请刷新后重试")
            % {"mine": expected, "now": cert.version})


def _snapshot(cert: DisabilityCertificate) -> dict:
    """Audited fields (no number: type and grade digits only)."""
    return {"disability_type": cert.disability_type, "grade": cert.grade, "issued_on": cert.issued_on,
            "valid_until": cert.valid_until, "long_term_care_need": cert.long_term_care_need,
            "status": cert.status}


def record_certificate(actor: Actor, person: Person, number, issued_on, valid_until=None,
                       long_term_care_need: bool = False, note: str = "", *, replaces: int | None = None,
                       replaces_version: int | None = None, today: date | None = None) -> DisabilityCertificate:
    """Record a second-generation certificate for ``person`` (from a scoped selector).

    ``number``: the 20-character number as typed (normalised and checked against the
    person's ID number by :func:`rules.check_certificate_number`; type and grade come
    from it, the number itself is not stored). ``issued_on`` (date or ``YYYY-MM-DD``,
    required, not after today nor before the holder's birth), ``valid_until`` (optional,
    not before ``issued_on``), ``long_term_care_need`` (长期照护需求, over 6 months),
    ``note`` (≤ 200 characters).

    If the person has a valid certificate, it becomes ``replaced`` (with a generated
    Chinese reason naming the new certificate) in the same transaction; the history is
    kept. ``replaces``: the id of the valid certificate the user saw (0: none) and
    ``replaces_version`` its version; if another user recorded or changed one in
    between, Conflict ``disability.conflict`` and nothing is written. Without
    ``replaces`` no such check is made.

    Returns the new certificate. Raises Forbidden (role), NotFound (person out of
    scope), ValidationFailed (``certificate.*`` codes of the rules, ``person.not_alive``,
    ``issued_on.*``, ``valid_until.*``, ``note.*``), Conflict (``disability.duplicate``:
    the same certificate is already the valid one; ``disability.conflict``: a concurrent
    recording, including one caught by the one-valid-certificate constraint).
    """
    require(actor, Perm.MANAGE_DISABILITY)
    _require_in_scope(actor, person.region_id, "person.not_found")
    today = today or timezone.localdate()
    errors: dict = {}
    info = None
    try:
        info = rules.check_certificate_number(number, person.id_number, today=today)
    except people_rules.RuleError as err:
        errors.update(ValidationFailed.from_rule_errors([err]).fields)
    except TypeError:
        errors.update(_err("number", "certificate.format", _("残疾人证号应填写文字（20位）")))
    try:
        issued = _as_date(issued_on, "issued_on")
        if issued is None:
            errors.update(_err("issued_on", "issued_on.missing", _("请填写发证日期")))
        elif issued > today:
            errors.update(_err("issued_on", "issued_on.future", _("发证日期不能晚于今天")))
        elif issued < person.birth_date:
            errors.update(_err("issued_on", "issued_on.before_birth", _("发证日期不能早于持证人的出生日期")))
    except ValidationFailed as exc:
        issued = None
        errors.update(exc.fields)
    try:
        until = _as_date(valid_until, "valid_until")
        if until and issued and until < issued:
            errors.update(_err("valid_until", "valid_until.before_issue", _("有效期至不能早于发证日期")))
    except ValidationFailed as exc:
        until = None
        errors.update(exc.fields)
    try:
        note = _clean_text(note or "", "note", _("备注"), NOTE_MAX)
    except ValidationFailed as exc:
        note = ""
        errors.update(exc.fields)
    if not isinstance(long_term_care_need, bool):
        errors.update(_err("long_term_care_need", "long_term_care_need.format", _("长期照护需求应为“是”或“否”")))
    if person.life_status != Person.LifeStatus.ALIVE:
        errors.update(_err("person", "person.not_alive", _("%(name)s 的人员状态为“%(status)s”，不能登记残疾人证")
                           % {"name": person.name, "status": person.get_life_status_display()}))
    if errors:
        raise ValidationFailed(errors)

    try:
        with transaction.atomic():
            current = (DisabilityCertificate.objects.select_for_update()
                       .filter(person_id=person.pk, status=Status.VALID).first())
            if replaces is not None:
                seen = int(replaces or 0)
                if seen != (current.pk if current else 0) or (
                        current and replaces_version is not None and current.version != int(replaces_version)):
                    raise Conflict("disability.conflict", _(
                        "%(name)s 的残疾人证已被他人登记或修改，请刷新页面，核对后再登记") % {"name": person.name})
            if current and (current.disability_type, current.grade, current.issued_on, current.valid_until) == (
                    info.disability_type, info.grade, issued, until):
                raise Conflict("disability.duplicate", _(
                    "该残疾人证（%(desc)s，发证日期 %(date)s）已登记，无需重复登记") % {
                    "desc": str(current), "date": issued.isoformat()})
            cert = DisabilityCertificate(
                person=person, region_id=person.region_id, disability_type=info.disability_type,
                grade=info.grade, issued_on=issued, valid_until=until, long_term_care_need=long_term_care_need,
                note=note, created_by=actor.user if getattr(actor.user, "pk", None) else None)
            items = []
            if current:
                with translation.override("zh-hans"):
                    reason = _("换发新证：%(old)s → %(new)s，新证发证日期 %(date)s") % {
                        "old": rules.describe(current.disability_type, current.grade),
                        "new": rules.describe(info.disability_type, info.grade), "date": issued.isoformat()}
                before = _snapshot(current)
                current.status = Status.REPLACED
                current.status_reason = reason[:REASON_MAX]
                current.version = F("version") + 1
                current.save(update_fields=["status", "status_reason", "version", "updated_at"])
                current.refresh_from_db()
            cert.save()
            if current:
                items.append(_item(current, "disability.replace", {"status": [before["status"], current.status]},
                                   {"reason": current.status_reason, "replaced_by": cert.pk, "person": person.pk}))
            after = {k: v for k, v in _snapshot(cert).items() if v not in (None, "")}
            items.append(_item(cert, "disability.record", {k: [None, v] for k, v in after.items()},
                               {"person": person.pk, "replaces": current.pk if current else None}))
            record_many(actor, items)
            _changed(actor, person, _facts(current), _facts(cert), "replaced" if current else "recorded")
    except IntegrityError:
        # The partial unique constraint (one valid certificate per person): another
        # request recorded one between our read and our insert.
        raise Conflict("disability.conflict", _(
            "%(name)s 刚刚已由他人登记了残疾人证（每人只能有一张有效证），请刷新页面，核对后再登记")
            % {"name": person.name}) from None
    return cert


def _item(cert: DisabilityCertificate, action: str, changes: dict, extra: dict) -> dict:
    return {"action": action, "object_type": cert._meta.label_lower, "object_id": cert.pk,
            "object_repr": rules.describe(cert.disability_type, cert.grade), "region_code": cert.region_id,
            "changes": changes, "extra": extra}


def _locked(cert: DisabilityCertificate, expected_version: int | None) -> DisabilityCertificate:
    locked = DisabilityCertificate.objects.select_for_update().get(pk=cert.pk)
    _check_version(locked, expected_version)
    return locked


def set_care_need(actor: Actor, cert: DisabilityCertificate, need: bool, *, version: int | None = None,
                  note: str = "") -> DisabilityCertificate:
    """Set the long-term care need (长期照护需求, over 6 months: 国发〔2015〕52号, care
    allowance) of a valid certificate (from a scoped selector). ``version``: the version
    the user saw (Conflict ``disability.conflict`` if changed since). ``note`` (optional,
    ≤ 200 characters): why, e.g. the assessment it rests on; kept in the audit entry.
    No change → nothing written. Raises Forbidden, NotFound, ValidationFailed, Conflict
    (``disability.not_valid`` for a replaced or revoked certificate)."""
    require(actor, Perm.MANAGE_DISABILITY)
    _require_in_scope(actor, cert.person.region_id)
    if not isinstance(need, bool):
        raise ValidationFailed(_err("long_term_care_need", "long_term_care_need.format",
                                    _("长期照护需求应为“是”或“否”")))
    note = _clean_text(note or "", "note", _("说明"), NOTE_MAX)
    with transaction.atomic():
        locked = _locked(cert, version)
        if locked.status != Status.VALID:
            raise Conflict("disability.not_valid", _("该残疾人证已%(status)s，不能修改") % {
                "status": locked.get_status_display()})
        if locked.long_term_care_need == need:
            return locked
        before = locked.long_term_care_need
        facts_before = _facts(locked)
        locked.long_term_care_need = need
        locked.version = F("version") + 1
        locked.save(update_fields=["long_term_care_need", "version", "updated_at"])
        locked.refresh_from_db()
        record_many(actor, [_item(locked, "disability.care_need", {"long_term_care_need": [before, need]},
                                  {"note": note} if note else {})])
        _changed(actor, locked.person, facts_before, _facts(locked), "care_need")
    return locked


def revoke_certificate(actor: Actor, cert: DisabilityCertificate, reason: str, *,
                       version: int | None = None) -> DisabilityCertificate:
    """Revoke (注销) a valid certificate (from a scoped selector): e.g. recorded in error,
    the certificate was withdrawn by the disabled persons' federation, the holder died.
    ``reason`` is required (≤ 200 characters). The row is kept with status ``revoked``.
    Raises Forbidden, NotFound, ValidationFailed (``reason.required``), Conflict
    (``disability.not_valid``, ``disability.conflict``)."""
    require(actor, Perm.MANAGE_DISABILITY)
    _require_in_scope(actor, cert.person.region_id)
    reason = _clean_text(reason or "", "reason", _("注销原因"), REASON_MAX)
    if not reason:
        raise ValidationFailed(_err("reason", "reason.required", _("请填写注销原因")))
    with transaction.atomic():
        locked = _locked(cert, version)
        if locked.status != Status.VALID:
            raise Conflict("disability.not_valid", _("该残疾人证已%(status)s，不能再注销") % {
                "status": locked.get_status_display()})
        locked.status = Status.REVOKED
        locked.status_reason = reason
        locked.version = F("version") + 1
        locked.save(update_fields=["status", "status_reason", "version", "updated_at"])
        locked.refresh_from_db()
        record_many(actor, [_item(locked, "disability.revoke", {"status": [Status.VALID.value, locked.status]},
                                  {"reason": reason})])
        _changed(actor, locked.person, _facts(locked), None, "revoked")
    return locked


def reveal_number(actor: Actor, cert: DisabilityCertificate, purpose: str = "") -> str:
    """The whole 20-character number of ``cert`` (from a scoped selector), rebuilt from
    the holder's ID number, type and grade. The read is audited as a read of the
    holder's ID number (:func:`jiayuan.people.services.reveal_sensitive`, entry
    ``person.view_sensitive`` on the holder, purpose naming the certificate): the number
    contains it. Raises Forbidden unless the role holds view_sensitive."""
    if actor.user is None or not actor.user.can(Perm.VIEW_SENSITIVE):
        raise Forbidden("permission_denied", _("您的角色无权查看完整证号"))
    _require_in_scope(actor, cert.person.region_id)
    with translation.override("zh-hans"):
        label = _("查看残疾人证号 #%(id)s") % {"id": cert.pk}
    purpose = people_rules.clean_free_text(purpose or "") if isinstance(purpose, str) else ""
    full_purpose = f"{label} · {purpose}" if purpose else label
    values = people_services.reveal_sensitive(actor, cert.person, ("id_number",), purpose=full_purpose)
    return rules.build_certificate_number(values["id_number"], cert.disability_type, cert.grade)



# --- the disability service network ----------------------------------------------------------

def register_network_organization(actor: Actor, *, level: str, name: str, region_code: str,
                                  founded_on: date, organization_id=None):
    """Register an organization of the network at ``level`` in a region of the user's
    scope whose code fits the level (county 6, township 9, village/community 12 digits;
    a volunteer team at any of them). Needs ``manage_disability``."""
    from ..errors import NotFound
    from ..organizations.models import SocialOrganization
    from ..regions.models import Region
    from .models import NETWORK_LEVEL_LENGTHS, NetworkOrganization

    require(actor, Perm.MANAGE_DISABILITY)
    if level not in NETWORK_LEVEL_LENGTHS:
        raise ValidationFailed(_err("level", "network.level", _("层级无效")))
    region = Region.objects.filter(pk=str(region_code or "")).first()
    if region is None or not region.code.startswith(actor.user.scope_code):
        raise NotFound("region.not_found")
    if len(region.code) not in NETWORK_LEVEL_LENGTHS[level]:
        raise ValidationFailed(_err("region", "network.region_level", _("该层级的组织须设在相应层级的区划")))
    name = str(name or "").strip()[:100]
    if not name:
        raise ValidationFailed(_err("name", "network.name", _("请填写名称")))
    org = None
    if organization_id not in (None, ""):
        org = SocialOrganization.objects.filter(pk=organization_id if str(organization_id).isdigit() else 0).first()
        if org is None:
            raise NotFound("organization.not_found")
    with transaction.atomic():
        n = NetworkOrganization.objects.create(level=level, name=name, region=region, organization=org,
                                               founded_on=founded_on)
        record_many(actor, [{"action": "disability.network_register", "object_type": "disability.networkorganization",
                             "object_id": n.pk, "object_repr": name, "region_code": region.code}])
    return n


def add_network_member(actor: Actor, org, *, name: str, role: str, since: date, phone: str = "", user_id=None):
    """Add a member (by name; an account optionally) with a role to ``org`` (from a
    scoped selector)."""
    from ..accounts.models import User
    from .models import NetworkMember, NetworkRole

    require(actor, Perm.MANAGE_DISABILITY)
    if role not in NetworkRole.values:
        raise ValidationFailed(_err("role", "network.role", _("职务无效")))
    name = str(name or "").strip()[:50]
    if not name:
        raise ValidationFailed(_err("name", "network.name", _("请填写姓名")))
    account = None
    if user_id not in (None, ""):
        account = User.objects.filter(pk=user_id if str(user_id).isdigit() else 0, is_active=True).first()
        if account is None:
            raise ValidationFailed(_err("user", "network.account", _("账号不存在或已停用")))
    with transaction.atomic():
        m = NetworkMember.objects.create(organization=org, name=name, role=role, since=since, user=account,
                                         phone=str(phone or "")[:30])
        record_many(actor, [{"action": "disability.network_member", "object_type": "disability.networkorganization",
                             "object_id": org.pk, "object_repr": org.name, "region_code": org.region_id,
                             "extra": {"member": name, "role": role}}])
    return m


def record_service(actor: Actor, person: Person, *, kind: str, provided_on: date, description: str,
                   provider_id=None):
    """Record a service delivered to ``person`` (from a scoped selector) on
    ``provided_on``, against the certificate valid that day (ValidationFailed
    ``service.no_certificate`` when none was). ``provider_id``: a network organization
    in scope, optional."""
    from .models import DisabilityService, NetworkOrganization, ServiceKind

    require(actor, Perm.MANAGE_DISABILITY)
    errors = {}
    if kind not in ServiceKind.values:
        errors.update(_err("kind", "service.kind", _("服务类别无效")))
    description = str(description or "").strip()[:500]
    if not description:
        errors.update(_err("description", "service.description", _("请填写服务内容")))
    if provided_on > timezone.localdate():
        errors.update(_err("provided_on", "date.future", _("日期不能晚于今天")))
    cert = DisabilityCertificate.objects.filter(person=person, issued_on__lte=provided_on).exclude(
        status=Status.REVOKED).filter(_valid_on(provided_on)).order_by("-issued_on").first()
    if cert is None:
        errors.update(_err("provided_on", "service.no_certificate", _("服务日期当天该居民没有有效的残疾人证")))
    provider = None
    if provider_id not in (None, ""):
        provider = NetworkOrganization.objects.filter(pk=provider_id if str(provider_id).isdigit() else 0,
                                                      region__code__startswith=actor.user.scope_code).first()
        if provider is None:
            errors.update(_err("provider", "service.provider", _("服务提供方不存在或不在您的管辖范围内")))
    if errors:
        raise ValidationFailed(errors)
    with transaction.atomic():
        s = DisabilityService.objects.create(person=person, certificate=cert, region_id=person.region_id, kind=kind,
                                             provided_on=provided_on, provider=provider, description=description,
                                             recorded_by=actor.user)
        record_many(actor, [{"action": "disability.service", "object_type": "people.person", "object_id": person.pk,
                             "object_repr": person.name, "region_code": person.region_id,
                             "extra": {"kind": kind, "provided_on": provided_on.isoformat()}}])
    return s


def _valid_on(day: date):
    """Q of certificates valid on ``day``: not expired before it (a replaced certificate
    was valid until it was replaced; its successor is issued later)."""
    from django.db.models import Q

    return Q(valid_until__isnull=True) | Q(valid_until__gte=day)
