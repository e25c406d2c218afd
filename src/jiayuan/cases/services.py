"""Writes of the case engine: case types from declarations, departments, attachments,
opening cases, transitions, urging (督办) and the deadline sweep. Each public function is
one transaction with its audit entries.

Errors (stable codes, Chinese messages; see docs/cases.md):

- ``Forbidden`` 403 ``permission_denied`` / ``case.role_forbidden``: the role may not.
- ``Conflict`` 409 ``case.version_conflict``: someone else acted first (stale version);
  ``case.invalid_state``: the action does not apply in the current state;
  ``case.guard``: a condition of the action does not hold (reason in the message).
- ``ServiceError`` 400 ``case.unknown_action`` / ``case.unknown_type``.
- ``ValidationFailed`` 422 for missing comment, photos or fields.
- ``NotFound`` 404 ``case.not_found`` for a case outside the actor's scope.
"""

import copy
import hashlib
import io
import logging
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from .. import security
from ..accounts.permissions import Perm, acting_roles
from ..audit.services import Actor, record
from ..errors import Conflict, Forbidden, NotFound, ServiceError, ValidationFailed
from ..regions.models import Region
from . import declarations, effects, rules, workdays
from .declarations import CaseTypeDecl, DeclarationError, TransitionDecl
from .models import (Attachment, Case, CaseEvent, CaseParty, CaseType, Counter, Department, DepartmentMember,
                     department_text_problems)
from .selectors import can_see, category_top, decl_of, departments_of, may_take

log = logging.getLogger(__name__)

MAX_COMMENT = 2000


def _err(name: str, code: str, message: str) -> dict:
    return {name: [{"code": code, "message": message}]}


def require(actor: Actor, perm: Perm) -> None:
    if actor.user is None or not actor.user.can(perm):
        raise Forbidden("permission_denied", _("您的角色无权执行此操作"))


# --- case types ------------------------------------------------------------------------

def _known_roles() -> frozenset[str]:
    from ..accounts.models import User

    return frozenset(User.Role.values)


def sync_case_types() -> list[CaseType]:
    """Store every registered declaration's version (idempotent). A stored version whose
    content changed without a new ``version`` number raises DeclarationError: cases
    opened under it must keep meaning what they meant."""
    declarations.autodiscover()
    rows = []
    with transaction.atomic():
        for code, raw in sorted(declarations.registered().items()):
            decl = declarations.parse_declaration(raw, _known_roles())
            row = CaseType.objects.filter(code=code, version=decl.version).first()
            if row is None:
                row = CaseType.objects.create(code=code, version=decl.version, name=decl.name, definition=raw,
                                              checksum=decl.checksum, is_current=True)
                record(Actor(None, "system"), "case_type.sync", row, object_repr=f"{code} v{decl.version}")
            elif row.checksum != decl.checksum:
                raise DeclarationError(
                    f"案件类型 {code} 第 {decl.version} 版的声明已改变：请将 version 提升为 {decl.version + 1}")
            CaseType.objects.filter(code=code).exclude(pk=row.pk).update(is_current=False)
            if not row.is_current:
                CaseType.objects.filter(pk=row.pk).update(is_current=True)
            rows.append(row)
    _current_type_id.cache_clear()
    return rows


@lru_cache(maxsize=256)
def _current_type_id(code: str) -> int | None:
    row = CaseType.objects.filter(code=code, is_current=True).order_by("-version").values_list("pk", flat=True).first()
    return row


def current_type(code: str) -> CaseType:
    """The current stored version of a case type; syncs declarations on first use (a
    database created before a new module was installed). ServiceError if unknown."""
    pk = _current_type_id(code)
    row = CaseType.objects.filter(pk=pk).first() if pk else None
    if row is None:
        _current_type_id.cache_clear()
        if code in declarations.registered() or not declarations.registered():
            sync_case_types()
        pk = _current_type_id(code)
        row = CaseType.objects.filter(pk=pk).first() if pk else None
    if row is None:
        raise ServiceError("case.unknown_type", _("案件类型 %(code)s 不存在") % {"code": code})
    return row


# --- sequences ---------------------------------------------------------------------------

def next_sequence(key: str, day: date) -> int:
    """Next number of the per-(key, day) counter, by one atomic upsert (PostgreSQL and
    SQLite ≥ 3.35 alike): concurrent callers queue on the row and never share a number.
    Call inside the transaction that uses the number, so a rollback gives it back."""
    q = connection.ops.quote_name
    table = q(Counter._meta.db_table)
    with connection.cursor() as cur:
        cur.execute(
            f"INSERT INTO {table} ({q('key')}, {q('day')}, {q('last')}) VALUES (%s, %s, 1) "
            f"ON CONFLICT ({q('key')}, {q('day')}) DO UPDATE SET {q('last')} = {table}.{q('last')} + 1 "
            f"RETURNING {q('last')}",
            [key, day.isoformat()],
        )
        return cur.fetchone()[0]


# --- departments ------------------------------------------------------------------------

def _department_problems(actor: Actor, code: str, name: str, region: Region, case_types, categories,
                         exclude_pk: int | None = None) -> tuple[str, str, list, list, dict]:
    """Cleaned (code, name, case_types, categories) and the field errors of a department's
    data: code and name without control characters, the code unique, the region inside
    the actor's scope, known case types and top-level event categories."""
    from ..accounts.permissions import manages_region
    from ..grid.models import EventCategory
    from ..people.rules import ORDINARY_WHITESPACE

    problems = department_text_problems(code, name)  # before any folding hides them
    code, name = (code or "").strip(ORDINARY_WHITESPACE), " ".join((name or "").split())
    errors = {}
    if "code" in problems:
        errors.update(_err("code", "department.code_control", problems["code"]))
    elif not code or len(code) > 40:
        errors.update(_err("code", "department.code", _("请填写部门代码（不超过 40 个字符）")))
    elif Department.objects.filter(code=code).exclude(pk=exclude_pk).exists():
        errors.update(_err("code", "department.code_taken", _("部门代码 %(code)s 已被使用") % {"code": code}))
    if "name" in problems:
        errors.update(_err("name", "department.name_control", problems["name"]))
    elif not name or len(name) > 100:
        errors.update(_err("name", "department.name", _("请填写部门名称（不超过 100 个字）")))
    if region is None or not manages_region(actor.user, region.code):
        errors.update(_err("region", "department.region_outside", _("部门的管辖范围须在您的管辖范围之内")))
    case_types = sorted(set(case_types or []))
    declarations.autodiscover()
    unknown = [c for c in case_types if c not in declarations.registered()]
    if unknown:
        errors.update(_err("case_types", "department.case_type_unknown",
                           _("案件类型 %(codes)s 不存在") % {"codes": "、".join(unknown)}))
    categories = sorted(set(categories or []))
    known = set(EventCategory.objects.filter(parent__isnull=True, code__in=categories).values_list("code", flat=True))
    unknown = [c for c in categories if c not in known]
    if unknown:
        errors.update(_err("categories", "department.category_unknown",
                           _("事件类别 %(codes)s 不存在或不是一级类别") % {"codes": "、".join(unknown)}))
    return code, name, case_types, categories, errors


def create_department(actor: Actor, code: str, name: str, region: Region, phone: str = "", *,
                      case_types=(), categories=()) -> Department:
    """Create a department with scope ``region`` (inside the actor's scope:
    ``department.region_outside``), taking the case types ``case_types`` and the
    top-level event categories ``categories`` (codes; empty = every one). The code and
    name may not carry control or invisible characters (``department.code_control``,
    ``department.name_control``: :func:`.models.department_text_problems`); the name's
    white space is folded to single spaces. Audited ``department.create`` with every
    field's [None, after]. Raises Forbidden, ValidationFailed."""
    require(actor, Perm.MANAGE_CATALOGS)
    code, name, case_types, categories, errors = _department_problems(actor, code, name, region, case_types,
                                                                      categories)
    if errors:
        raise ValidationFailed(errors)
    phone = " ".join((phone or "").split())[:30]
    with transaction.atomic():
        dept = Department.objects.create(code=code, name=name, region=region, phone=phone,
                                         case_types=case_types, categories=categories)
        record(actor, "department.create", dept, changes={k: [None, v] for k, v in _department_state(dept).items()})
    return dept


def _department_state(dept: Department) -> dict:
    return {"code": dept.code, "name": dept.name, "region": dept.region_id, "phone": dept.phone,
            "case_types": list(dept.case_types), "categories": list(dept.categories), "active": dept.active}


def update_department(actor: Actor, dept: Department, *, code: str, name: str, region: Region, phone: str = "",
                      case_types=(), categories=(), active: bool = True) -> Department:
    """Change a department the actor manages (its region inside the actor's scope, else
    NotFound like a missing one): the same rules as :func:`create_department`. A new
    region must still cover its members' scopes (``department.members_outside``).
    Audited ``department.update`` with {field: [before, after]} of what changed.
    Raises Forbidden, NotFound, ValidationFailed."""
    from ..accounts.permissions import manages_region
    from ..audit.services import model_changes

    require(actor, Perm.MANAGE_CATALOGS)
    if not manages_region(actor.user, dept.region_id):
        raise NotFound("department.not_found")
    code, name, case_types, categories, errors = _department_problems(actor, code, name, region, case_types,
                                                                      categories, exclude_pk=dept.pk)
    if region is not None and "region" not in errors:
        outside = [m.user.username for m in dept.members.select_related("user")
                   if not (m.user.scope_id or "").startswith(region.code)]
        if outside:
            errors.update(_err("region", "department.members_outside",
                               _("部门人员 %(names)s 的管辖范围不在新的部门范围之内") % {"names": "、".join(outside)}))
    if errors:
        raise ValidationFailed(errors)
    before = _department_state(dept)
    with transaction.atomic():
        dept.code, dept.name, dept.region, dept.phone = code, name, region, " ".join((phone or "").split())[:30]
        dept.case_types, dept.categories, dept.active = case_types, categories, bool(active)
        dept.save()
        changes = model_changes(before, _department_state(dept))
        if changes:
            record(actor, "department.update", dept, changes=changes)
    return dept


def add_department_member(actor: Actor, department: Department, user) -> DepartmentMember:
    """Link a user (role department_staff, scope inside the department's) to a department."""
    require(actor, Perm.MANAGE_CATALOGS)
    if user.role != "department_staff":
        raise ValidationFailed(_err("user", "department.member_role", _("只有“职能部门工作人员”角色的账号可以加入部门")))
    if not (user.scope_id or "").startswith(department.region_id):
        raise ValidationFailed(_err("user", "department.member_scope", _("该账号的管辖范围不在部门范围之内")))
    with transaction.atomic():
        member, created = DepartmentMember.objects.update_or_create(user=user, defaults={"department": department})
        record(actor, "department.member", department, changes={"member": [None, user.username]})
    return member


# --- attachments ------------------------------------------------------------------------

IMAGE_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}


def _limit(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def store_attachment(actor: Actor, uploaded, *, now: datetime | None = None) -> Attachment:
    """Validate and store an uploaded photo under MEDIA_ROOT. Accepts JPEG, PNG and WebP
    up to ``CASES_ATTACHMENT_MAX_BYTES`` (default 10 MiB) and ``CASES_ATTACHMENT_MAX_PIXELS``
    (default 40 million pixels), checked by decoding the image with Pillow, never by the
    file name. Raises ValidationFailed (``attachment.*``)."""
    from PIL import Image, UnidentifiedImageError

    if actor.user is None or not actor.user.can(Perm.VIEW_CASES):
        raise Forbidden("permission_denied", _("您的角色无权上传附件"))
    max_bytes = _limit("CASES_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024)
    max_pixels = _limit("CASES_ATTACHMENT_MAX_PIXELS", 40_000_000)
    size = getattr(uploaded, "size", None)
    if size is not None and size > max_bytes:
        raise ValidationFailed(_err("file", "attachment.too_large", _("照片不能超过 %(mb)s MB") % {
            "mb": max_bytes // (1024 * 1024)}))
    data = uploaded.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ValidationFailed(_err("file", "attachment.too_large", _("照片不能超过 %(mb)s MB") % {
            "mb": max_bytes // (1024 * 1024)}))
    if not data:
        raise ValidationFailed(_err("file", "attachment.empty", _("上传的文件是空的")))
    bad = ValidationFailed(_err("file", "attachment.not_image", _("只能上传 JPEG、PNG 或 WebP 格式的照片")))
    try:
        with Image.open(io.BytesIO(data)) as img:
            fmt = img.format
            width, height = img.size
            if fmt not in IMAGE_TYPES:
                raise bad
            if width * height > max_pixels:
                raise ValidationFailed(_err("file", "attachment.too_many_pixels", _("照片像素过大，请压缩后再上传")))
            img.verify()
    except ValidationFailed:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise bad from None
    now = now or timezone.now()
    digest = hashlib.sha256(data).hexdigest()
    name = (getattr(uploaded, "name", "") or "")[-200:]
    with transaction.atomic():
        att = Attachment(original_name=name, content_type=IMAGE_TYPES[fmt], image_format=fmt, size=len(data),
                         width=width, height=height, sha256=digest, uploaded_by=actor.user, created_at=now)
        att.file.save("upload", ContentFile(data), save=False)
        att.save()
        record(actor, "attachment.upload", att, object_repr=name or digest[:12], extra={"sha256": digest})
    return att


def _claim_attachments(actor: Actor, ids) -> list[Attachment]:
    """The actor's own unbound uploads with these ids, locked; ValidationFailed otherwise."""
    ids = list(dict.fromkeys(int(i) for i in ids or []))
    if not ids:
        return []
    if actor.user is None:
        raise ValidationFailed(_err("attachments", "attachment.not_yours", _("附件不存在或已被使用")))
    rows = list(Attachment.objects.select_for_update().filter(pk__in=ids, uploaded_by=actor.user, case__isnull=True))
    if len(rows) != len(ids):
        raise ValidationFailed(_err("attachments", "attachment.not_yours", _("附件不存在、已被使用或不是您上传的")))
    return rows


# --- opening cases -------------------------------------------------------------------------

@dataclass
class CaseDraft:
    """What an intake function returns for :func:`open_case`: the case's region (a
    Region inside the actor's scope), texts, subject, parties ((person, role) pairs),
    location, contact, per-state limit overrides (``{state: "3wd"}``), type-specific
    ``data``, attachment ids for the opening line, and follow-up transitions taken at
    once by the same actor (e.g. 就地解决, or 受理 at the service desk)."""

    region: Region
    title: str = ""
    description: str = ""
    category: str = ""
    subject_person: object | None = None
    subject_household: object | None = None
    parties: list = field(default_factory=list)
    lat: Decimal | None = None
    lon: Decimal | None = None
    address: str = ""
    contact_name: str = ""
    contact_phone: str = ""
    limits: dict = field(default_factory=dict)
    data: dict = field(default_factory=dict)
    is_public: bool = False
    attachments: list = field(default_factory=list)
    comment: str = ""
    followups: list = field(default_factory=list)


def _state_limit(decl: CaseTypeDecl, state: str, limits: dict) -> rules.Limit | None:
    override = (limits or {}).get(state)
    if override:
        return rules.Limit.parse(override)
    return decl.state(state).limit


def compute_due(entered_at: datetime, limit: rules.Limit) -> tuple[rules.Due, bool]:
    """(the due times of a state entered at ``entered_at`` under ``limit``, whether they
    are an estimate): :func:`rules.compute_due` on the official calendar as it is now
    (:func:`workdays.current`, one query); estimated when the working days counted run
    through a year without official data (a limit in hours never is)."""
    tz = timezone.get_current_timezone()
    cal = workdays.current()
    due = rules.compute_due(entered_at, limit, tz, cal.is_workday)
    if limit.unit != rules.UNIT_WORKING_DAYS:
        return due, False
    return due, cal.estimated_between(entered_at.astimezone(tz).date(), due.due_at.astimezone(tz).date())


def _enter_state(case: Case, decl: CaseTypeDecl, state: str, now: datetime) -> None:
    s = decl.state(state)
    case.state = state
    case.is_open = s.status == "open"
    case.queue = s.queue if case.is_open else ""
    case.state_entered_at = now
    case.overdue_noted = False
    limit = _state_limit(decl, state, case.limits) if case.is_open else None
    if limit:
        due, case.deadline_estimated = compute_due(now, limit)
        case.due_at, case.due_soon_at = due.due_at, due.due_soon_at
    else:
        case.due_at = case.due_soon_at = None
        case.deadline_estimated = False
    if case.is_open:
        case.closed_at = None
    elif case.closed_at is None:
        case.closed_at = now


def _actor_role(actor: Actor) -> str:
    user = actor.user
    if user is None:
        return actor.source
    return "superuser" if user.is_superuser and not user.role else user.role


def _in_scope(user, region_code: str) -> bool:
    return user is None or region_code.startswith(user.scope_code)


def open_case(actor: Actor, case_type: CaseType, draft: CaseDraft, *, channel: str, request_key: str = "",
              now: datetime | None = None) -> Case:
    """Open a case from a prepared draft: number it, put it in the initial state with its
    due time, record the opening line (with its photos), the parties, the audit entry,
    and take the draft's follow-up transitions. No permission check here: callers are
    :func:`create_case` and trusted public intakes (Open311)."""
    decl = decl_of(case_type)
    now = now or timezone.now()
    local_day = timezone.localtime(now).date()
    with transaction.atomic():
        atts = _claim_attachments(actor, draft.attachments)
        seq = next_sequence(rules.number_region(draft.region.code), local_day)
        case = Case(
            number=rules.format_case_number(draft.region.code, local_day, seq), case_type=case_type,
            type_code=decl.code, region=draft.region, category=draft.category, title=draft.title[:200],
            description=draft.description, subject_person=draft.subject_person,
            subject_household=draft.subject_household, lat=draft.lat, lon=draft.lon, address=draft.address[:200],
            contact_name=draft.contact_name[:50], contact_phone_cipher=security.encrypt(draft.contact_phone),
            limits=draft.limits, data=draft.data, channel=channel, is_public=draft.is_public,
            created_by=actor.user, request_key=request_key, created_at=now, updated_at=now,
        )
        _enter_state(case, decl, decl.initial_state, now)
        case.save()
        event = CaseEvent.objects.create(
            case=case, seq=1, kind=CaseEvent.Kind.OPEN, action="open", action_name=_("登记"), to_state=case.state,
            actor=actor.user, actor_name=actor.name, actor_role=_actor_role(actor), at=now, comment=draft.comment)
        if atts:
            Attachment.objects.filter(pk__in=[a.pk for a in atts]).update(case=case, event=event)
        seen = set()
        for person, role in draft.parties:
            if (person.pk, role) not in seen:
                seen.add((person.pk, role))
                CaseParty.objects.create(case=case, person=person, role=role)
        record(actor, "case.open", case, region_code=case.region_id, changes={"state": [None, case.state]},
               extra={"type": decl.code, "channel": channel})
        for step in draft.followups:
            case = transition(actor, case, step["action"], version=case.version, comment=step.get("comment", ""),
                              attachments=step.get("attachments", ()), fields=step.get("fields"), now=now)
    return case


def default_intake(actor: Actor, payload: dict) -> CaseDraft:
    """Intake for case types that declare none: region (in scope), title, description,
    subject person (in scope), attachments."""
    from ..people.selectors import get_person

    region = resolve_region(actor, payload.get("region"))
    person = None
    if payload.get("subject_person"):
        try:
            person = get_person(actor.user, payload["subject_person"])
        except NotFound:
            raise ValidationFailed(_err("subject_person", "person.not_found", _("当事人不存在或不在您的管辖范围内"))) from None
    return CaseDraft(region=region, title=str(payload.get("title") or "")[:200],
                     description=str(payload.get("description") or "")[:5000], subject_person=person,
                     attachments=payload.get("attachments") or [], comment=str(payload.get("comment") or ""))


def resolve_region(actor: Actor, code, levels: tuple[str, ...] = ()) -> Region:
    """A region inside the actor's scope (of one of ``levels`` if given), else ValidationFailed."""
    from ..regions.selectors import get_region

    if not code:
        raise ValidationFailed(_err("region", "region.missing", _("请选择所属区划")))
    try:
        region = get_region(actor.user, str(code))
    except NotFound:
        raise ValidationFailed(_err("region", "region.out_of_scope", _("区划 %(code)s 不存在或不在您的管辖范围内")
                                    % {"code": code})) from None
    if levels and region.level not in levels:
        names = "、".join(str(Region.Level(lv).label) for lv in levels)
        raise ValidationFailed(_err("region", "region.level", _("所属区划须为%(levels)s") % {"levels": names}))
    return region


def create_case(actor: Actor, type_code: str, payload: dict, *, request_key: str = "",
                channel: str = Case.Channel.API, now: datetime | None = None) -> tuple[Case, bool]:
    """Open a case of ``type_code`` for the acting user from ``payload`` (checked by the
    type's intake function). Returns (case, created). With a ``request_key`` (a form
    token or Idempotency-Key), a repeat of the same submission returns the first case and
    ``created=False`` — even when both arrive at once. Raises Forbidden,
    ValidationFailed, ServiceError."""
    require(actor, Perm.CREATE_CASES)
    case_type = current_type(type_code)
    decl = decl_of(case_type)
    user = actor.user
    if not user.is_superuser and not (acting_roles(user.role) & set(decl.create_roles)):
        raise Forbidden("case.role_forbidden", _("您的角色不能登记“%(type)s”") % {"type": _(decl.name)})
    request_key = (request_key or "").strip()[:64]
    if request_key:
        existing = Case.objects.filter(created_by=user, request_key=request_key).first()
        if existing is not None:
            return existing, False
    intake = import_string(decl.intake) if decl.intake else default_intake
    draft = intake(actor, payload)
    if not _in_scope(user, draft.region.code):
        raise ValidationFailed(_err("region", "region.out_of_scope", _("所属区划不在您的管辖范围内")))
    try:
        return open_case(actor, case_type, draft, channel=channel, request_key=request_key, now=now), True
    except IntegrityError:
        if request_key:
            existing = Case.objects.filter(created_by=user, request_key=request_key).first()
            if existing is not None:
                return existing, False
        raise


# --- transitions -------------------------------------------------------------------------

ROLE_LABELS = {"@reporter": "上报人", "@department": "承办部门"}


def _role_label(role: str) -> str:
    from ..accounts.models import User

    if role in ROLE_LABELS:
        return ROLE_LABELS[role]
    try:
        return str(User.Role(role).label)
    except ValueError:
        return role


def _clean_department(value, case: Case, name: str) -> Department:
    """The active department ``value`` (id or code) whose scope covers the case's region.
    A department that exists elsewhere answers exactly like one that does not exist (same
    code ``department.not_found``, same message, no name): the answer tells nothing about
    other areas' departments."""
    not_found = ValidationFailed(_err(name, "department.not_found", _("承办部门不存在、已停用或不负责该案件所在区域")))
    try:
        q = {"pk": int(value)} if str(value).isdigit() else {"code": str(value)}
        dept = Department.objects.get(active=True, **q)
    except (Department.DoesNotExist, ValueError, TypeError):
        raise not_found from None
    if not case.region_id.startswith(dept.region_id):
        raise not_found
    if not dept.takes(case.type_code, category_top(case.category)):
        raise not_found
    return dept


class _FieldError(Exception):
    pass


def _clean_fields(t: TransitionDecl, case: Case, given: dict | None) -> tuple[dict, dict]:
    """(values for effects, JSON for the timeline) from the transition's declared fields."""
    given = given or {}
    values, stored, errors = {}, {}, {}
    for spec in t.fields:
        raw = given.get(spec.name)
        if raw in (None, "", []):
            if spec.required:
                errors.update(_err(spec.name, f"{spec.name}.required", _("请填写%(label)s") % {"label": _(spec.label)}))
            continue
        try:
            values[spec.name], stored[spec.name] = _clean_value(spec, raw, case)
        except ValidationFailed as exc:
            errors.update(exc.fields)
        except _FieldError as exc:
            errors.update(_err(spec.name, f"{spec.name}.invalid", str(exc)))
        except (ValueError, TypeError):
            errors.update(_err(spec.name, f"{spec.name}.invalid", _("%(label)s格式错误") % {"label": _(spec.label)}))
    if errors:
        raise ValidationFailed(errors)
    return values, stored


def _clean_value(spec, raw, case: Case):
    """(value, JSON form) of one declared field."""
    if spec.type == "text":
        text = str(raw).strip()
        if len(text) > spec.max_length:
            raise _FieldError(_("%(label)s不能超过 %(n)s 个字") % {"label": _(spec.label), "n": spec.max_length})
        return text, text
    if spec.type == "int":
        n = int(raw)
        if (spec.min is not None and n < spec.min) or (spec.max is not None and n > spec.max):
            raise _FieldError(_("%(label)s须在 %(lo)s 到 %(hi)s 之间") % {"label": _(spec.label), "lo": spec.min,
                                                                        "hi": spec.max})
        return n, n
    if spec.type == "choice":
        if str(raw) not in dict(spec.choices):
            raise _FieldError(_("%(label)s的取值无效") % {"label": _(spec.label)})
        return str(raw), str(raw)
    if spec.type == "bool":
        v = raw in (True, "true", "1", 1, "on")
        return v, v
    if spec.type == "date":
        d = raw if isinstance(raw, date) else parse_date(str(raw))
        if d is None:
            raise _FieldError(_("%(label)s的日期格式应为 YYYY-MM-DD") % {"label": _(spec.label)})
        return d, d.isoformat()
    if spec.type == "department":
        dept = _clean_department(raw, case, spec.name)
        return dept, {"id": dept.pk, "code": dept.code, "name": dept.name}
    if spec.type == "departments":
        depts = []
        for item in raw if isinstance(raw, list) else [raw]:
            dept = _clean_department(item, case, spec.name)
            if dept not in depts:
                depts.append(dept)
        return depts, [{"id": d.pk, "code": d.code, "name": d.name} for d in depts]
    raise _FieldError(_("%(label)s格式错误") % {"label": _(spec.label)})


def transition(actor: Actor, case: Case, action: str, *, version: int | None, comment: str = "",
               attachments=(), fields: dict | None = None, request_key: str = "",
               now: datetime | None = None) -> Case:
    """Take ``action`` on ``case`` (from a scoped selector) acting on ``version``.

    Checks, in order: the action exists; the actor's role or relation may take it;
    ``version`` is the case's current version (else 409 ``case.version_conflict``); the
    current state allows it (409 ``case.invalid_state``); its guards hold; comment,
    photos and fields as declared. Then, in one transaction: the case row is locked at
    that version (:func:`_lock_case`; the loser of a race gets ``case.version_conflict``),
    effects, routes, the new state with its due time written by one UPDATE that also
    raises ``version``, the timeline line with its photos, the audit entry.

    With a ``request_key``, a repeat of a transition already recorded returns the case
    as it is now (a fresh copy) instead of acting twice. The key is looked up only when
    the transition cannot go through as asked (any refusal above, a lost race, or the
    unique constraint on the timeline's (case, request_key) in the transaction): a
    repeat always ends there, so the first submit costs no extra query. Returns the
    updated case (a new instance; the ``case`` passed in is left as it was).
    """
    request_key = (request_key or "").strip()[:64]
    try:
        return _transition(actor, case, action, version, comment, attachments, fields, request_key,
                           now or timezone.now())
    except (ServiceError, ValueError, TypeError):
        if request_key and _recorded(case.pk, request_key):
            return Case.objects.get(pk=case.pk)
        raise


def _recorded(case_id: int, request_key: str) -> bool:
    """Whether a timeline line of this case carries ``request_key`` (a repeated submit)."""
    return CaseEvent.objects.filter(case_id=case_id, request_key=request_key).exists()


def _transition(actor: Actor, case: Case, action: str, version, comment, attachments, fields, request_key: str,
                now: datetime) -> Case:
    decl = decl_of(case.case_type_id)
    user = actor.user
    t = decl.transition(action)
    if t is None:
        raise ServiceError("case.unknown_action", _("“%(type)s”没有“%(action)s”这一操作") % {
            "type": _(decl.name), "action": action})
    if user is not None and not user.is_superuser:
        if not can_see(user, case):
            raise NotFound("case.not_found")
    departments = departments_of(user)
    if not may_take(user, case, t, departments):
        roles = "、".join(_role_label(r) for r in t.roles)
        raise Forbidden("case.role_forbidden", _("“%(action)s”只能由%(roles)s办理") % {"action": _(t.name), "roles": roles})
    if version is None:
        raise ValidationFailed(_err("version", "version.missing", _("请提交您所看到的案件版本号（version）")))
    version = int(version)
    if version != case.version:
        raise _conflict(decl, case.state)
    if case.state not in t.sources:
        raise Conflict("case.invalid_state", _("案件当前为“%(state)s”，不能“%(action)s”") % {
            "state": _(decl.state(case.state).name), "action": _(t.name)})
    comment = (comment or "").strip()
    errors = {}
    if t.comment == "required" and not comment:
        errors.update(_err("comment", "comment.required", _("请填写%(label)s") % {"label": _(t.comment_label)}))
    if len(comment) > MAX_COMMENT:
        errors.update(_err("comment", "comment.too_long", _("意见不能超过 %(n)s 个字") % {"n": MAX_COMMENT}))
    att_ids = list(dict.fromkeys(int(a) for a in attachments or []))
    if len(att_ids) < t.min_attachments:
        errors.update(_err("attachments", "attachments.required", _("请上传至少 %(n)s 张现场照片") % {
            "n": t.min_attachments}))
    try:
        values, stored = _clean_fields(t, case, fields)
    except ValidationFailed as exc:
        errors.update(exc.fields)
        values, stored = {}, {}
    if errors:
        raise ValidationFailed(errors)
    values["_comment"] = comment
    ctx = effects.Context(case=case, user=user, transition=t, values=values, now=now, departments=departments)
    for g in t.guards:
        reason = effects.check_guard(g, ctx)
        if reason:
            raise Conflict("case.guard", reason)

    try:
        with transaction.atomic():
            locked = _lock_case(case, version)
            if locked is None:
                raise _Lost()
            before = _snapshot(locked)
            ctx.case = locked
            atts = _claim_attachments(actor, att_ids)
            for name in t.effects:
                effects.run_effect(name, ctx)
            target = t.to
            for guard_name, to in t.routes:
                if not effects.check_guard(guard_name, ctx):
                    target = to
                    break
            from_state = locked.state
            if target != from_state:
                _enter_state(locked, decl, target, now)
            locked.version = version + 1
            locked.updated_at = now
            _write_case(locked, _changed(locked, before))
            dept_id = None
            if departments and "@department" in t.roles and not (acting_roles(user.role) & set(t.roles)):
                dept_id = departments[0]
            event = _add_event(
                locked, kind=CaseEvent.Kind.TRANSITION, action=t.action, action_name=t.name, from_state=from_state,
                to_state=target, actor=user, actor_name=actor.name, actor_role=_actor_role(actor),
                department_id=dept_id, at=now, comment=comment, data=stored, request_key=request_key)
            if atts:
                Attachment.objects.filter(pk__in=[a.pk for a in atts]).update(case=locked, event=event)
            # last: the audit chain's head stays locked until the commit
            record(actor, "case.transition", locked, region_code=locked.region_id,
                   changes={"state": [from_state, target]}, extra={"action": t.action, "version": locked.version})
    except (_Lost, IntegrityError):
        # a repeated submit (the timeline's unique (case, request_key)) is told apart by
        # transition(); anything else here is someone else's newer version
        current = Case.objects.filter(pk=case.pk).first()
        state_name = decl_of(current.case_type_id).state(current.state).name if current else ""
        raise Conflict("case.version_conflict", _(
            "该案件刚刚已被他人处理（现为“%(state)s”），您的操作未生效，请刷新后再操作") % {"state": state_name}) from None
    return locked


def _conflict(decl: CaseTypeDecl, state: str) -> Conflict:
    return Conflict("case.version_conflict", _(
        "该案件已被他人处理（现为“%(state)s”），您看到的不是最新情况，请刷新后再操作") % {"state": _(decl.state(state).name)})


class _Lost(Exception):
    """The case's row is no longer at the version acted on: someone else won."""


_CASE_FIELDS = tuple((f.attname, f.name) for f in Case._meta.concrete_fields if not f.primary_key)


class _Rows:
    """SQL and field converters of the three statements every transition sends on its
    hot path — lock-and-read the case row, update it, append the timeline line — built
    once per database connection alias. Values go through the fields' own conversions
    (the backend's converters and ``from_db_value`` on the way in, ``pre_save`` and
    ``get_db_prep_save`` on the way out), exactly what the ORM applies; only the query
    compilation, most of the ORM's cost for a one-row statement, is not repeated
    (docs/performance.md, cases)."""

    _cache: dict[str, "_Rows"] = {}

    def __init__(self, conn):
        q = conn.ops.quote_name
        case_table = q(Case._meta.db_table)
        self.case_fields = list(Case._meta.concrete_fields)
        cols = ", ".join(q(f.column) for f in self.case_fields)
        lock = ""
        if conn.features.has_select_for_no_key_update:
            lock = " FOR NO KEY UPDATE"
        elif conn.features.has_select_for_update:
            lock = " FOR UPDATE"
        self.lock_sql = f"SELECT {cols} FROM {case_table} WHERE {q('id')} = %s AND {q('version')} = %s{lock}"
        self.case_converters = [self._converters(conn, f, Case._meta.db_table) for f in self.case_fields]
        self.case_attnames = [f.attname for f in self.case_fields]

        table = CaseEvent._meta.db_table
        self.event_fields = [f for f in CaseEvent._meta.concrete_fields if not f.primary_key and f.name != "seq"]
        names = [q(f.column) for f in self.event_fields] + [q("seq")]
        values = ["%s"] * len(self.event_fields) + [
            f"(SELECT COALESCE(MAX({q('seq')}), 0) + 1 FROM {q(table)} WHERE {q('case_id')} = %s)"]
        self.event_sql = (f"INSERT INTO {q(table)} ({', '.join(names)}) VALUES ({', '.join(values)}) "
                          f"RETURNING {q('id')}, {q('seq')}")
        self._quote = q
        self._updates: dict[tuple[str, ...], tuple[str, list]] = {}

    def update(self, names: tuple[str, ...]) -> tuple[str, list]:
        """(SQL, fields) of ``UPDATE cases_case SET <names> WHERE id = %s``."""
        hit = self._updates.get(names)
        if hit is None:
            q = self._quote
            fields = [Case._meta.get_field(n) for n in names]
            sets = ", ".join(f"{q(f.column)} = %s" for f in fields)
            hit = self._updates[names] = (f"UPDATE {q(Case._meta.db_table)} SET {sets} WHERE {q('id')} = %s", fields)
        return hit

    @staticmethod
    def _converters(conn, field, table):
        col = field.get_col(table)
        return col, conn.ops.get_db_converters(col) + field.get_db_converters(conn)

    @classmethod
    def of(cls, conn) -> "_Rows":
        rows = cls._cache.get(conn.alias)
        if rows is None:
            rows = cls._cache[conn.alias] = cls(conn)
        return rows


def _lock_case(case: Case, version: int) -> Case | None:
    """The case's row as it is now, if it is still at ``version``, locked until the end of
    the transaction — or None when someone else moved it on. One statement: ``SELECT …
    FOR NO KEY UPDATE`` on PostgreSQL (the lock an UPDATE of the row takes; a concurrent
    transition waits, then finds the new version and gets None); SQLite's transactions
    are IMMEDIATE (settings), so the database's write lock is already held. A new
    instance with every field read again (``urge`` and the deadline sweep change a few
    fields without raising the version); ``case`` itself is left unchanged (callers show
    it again after a refusal). The case type is taken over from ``case`` when loaded
    there (CaseType rows never change)."""
    rows = _Rows.of(connection)
    with connection.cursor() as cur:
        cur.execute(rows.lock_sql, [case.pk, version])
        row = cur.fetchone()
    if row is None:
        return None
    values = []
    for value, (col, converters) in zip(row, rows.case_converters):
        for conv in converters:
            value = conv(value, col, connection)
        values.append(value)
    locked = Case.from_db(connection.alias, rows.case_attnames, values)
    cached = case._state.fields_cache.get("case_type")
    if cached is not None and cached.pk == locked.case_type_id:
        locked._state.fields_cache["case_type"] = cached
    return locked


def _snapshot(case: Case) -> dict:
    """Field values of a case before effects change it (JSON values copied deeply, so
    that an effect editing ``data`` in place is seen as a change)."""
    out = {}
    for attname, _name in _CASE_FIELDS:
        value = case.__dict__.get(attname)
        out[attname] = copy.deepcopy(value) if isinstance(value, (dict, list)) else value
    return out


def _changed(case: Case, before: dict) -> list[str]:
    """Names of the fields whose value differs from ``before`` (what the UPDATE writes)."""
    return [name for attname, name in _CASE_FIELDS if case.__dict__.get(attname) != before[attname]]


def _write_case(case: Case, names: list[str]) -> None:
    """``UPDATE`` of these fields of the (locked) case row, values prepared by the fields
    as ``save(update_fields=…)`` prepares them. Case has no save signals to send."""
    rows = _Rows.of(connection)
    sql, fields = rows.update(tuple(names))
    params = [f.get_db_prep_save(f.pre_save(case, False), connection) for f in fields]
    params.append(case.pk)
    with connection.cursor() as cur:
        cur.execute(sql, params)


def _add_event(case: Case, **fields) -> CaseEvent:
    """Append a timeline line to ``case`` with the next ``seq``, computed by the database
    inside the INSERT (one statement instead of ``MAX(seq)`` then ``INSERT``). Callers
    hold the case's row lock, and the INSERT is a new statement that sees every line
    committed before it, so two lines never get the same ``seq``; the unique constraint
    (case, seq) holds it in any case (IntegrityError)."""
    rows = _Rows.of(connection)
    event = CaseEvent(case=case, **fields)
    params = [f.get_db_prep_save(f.pre_save(event, True), connection) for f in rows.event_fields]
    params.append(case.pk)
    with connection.cursor() as cur:
        cur.execute(rows.event_sql, params)
        event.pk, event.seq = cur.fetchone()
    event._state.adding = False
    event._state.db = connection.alias
    return event


def urge(actor: Actor, case: Case, note: str, *, now: datetime | None = None) -> CaseEvent:
    """督办: a supervisor urges an open case with a note, recorded on the timeline. Does not
    change the state or version (it never conflicts with the handler's work)."""
    require(actor, Perm.SUPERVISE_CASES)
    note = (note or "").strip()
    if not note:
        raise ValidationFailed(_err("note", "note.required", _("请填写督办意见")))
    if len(note) > MAX_COMMENT:
        raise ValidationFailed(_err("note", "note.too_long", _("督办意见不能超过 %(n)s 个字") % {"n": MAX_COMMENT}))
    if not case.is_open:
        raise Conflict("case.closed", _("案件已办结，无需督办"))
    now = now or timezone.now()
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        Case.objects.filter(pk=case.pk).update(urge_count=F("urge_count") + 1, last_urged_at=now)
        event = _add_event(
            locked, kind=CaseEvent.Kind.URGE, action="urge", action_name=_("督办"),
            from_state=locked.state, to_state=locked.state, actor=actor.user, actor_name=actor.name,
            actor_role=_actor_role(actor), at=now, comment=note)
        record(actor, "case.urge", locked, region_code=locked.region_id, extra={"note": note[:200]})
    return event


def sweep_deadlines(now: datetime | None = None, limit: int = 1000) -> dict:
    """Note every open case whose current state's time ran out (once per state entry):
    ``warn`` adds a 超期预警 line; ``escalate`` adds a 超期升级 line and raises
    ``escalation_level`` (the supervising level sees it among escalated cases). Run by
    ``jiayuan sweep_case_deadlines`` from cron. Returns {"warned": n, "escalated": n}."""
    now = now or timezone.now()
    actor = Actor(None, "system")
    counts = {"warned": 0, "escalated": 0}
    ids = list(Case.objects.filter(is_open=True, overdue_noted=False, due_at__lt=now)
               .order_by("due_at").values_list("pk", flat=True)[:limit])
    for pk in ids:
        with transaction.atomic():
            case = Case.objects.select_for_update().filter(pk=pk, is_open=True, overdue_noted=False,
                                                           due_at__lt=now).first()
            if case is None:
                continue
            decl = decl_of(case.case_type_id)
            state = decl.state(case.state)
            escalate = state.on_exceed == rules.ON_EXCEED_ESCALATE
            updates = {"overdue_noted": True}
            if escalate:
                updates["escalation_level"] = F("escalation_level") + 1
            Case.objects.filter(pk=pk).update(**updates)
            kind = CaseEvent.Kind.ESCALATE if escalate else CaseEvent.Kind.WARN
            label = _("超期升级") if escalate else _("超期预警")
            _add_event(
                case, kind=kind, action=kind, action_name=label, from_state=case.state,
                to_state=case.state, actor_name="system", actor_role="system", at=now,
                comment=_("“%(state)s”环节已超过期限（%(due)s）") % {
                    "state": state.name, "due": timezone.localtime(case.due_at).strftime("%Y-%m-%d %H:%M")})
            record(actor, f"case.{kind}", case, region_code=case.region_id)
            counts["escalated" if escalate else "warned"] += 1
    return counts
