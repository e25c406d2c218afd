"""Writes to the registry: persons, households, tags; and audited reveals of sensitive
fields. Every function here is one transaction with its audit entries.

Input dicts use the API's field names: ``name``, ``id_type`` (default ``resident_id``),
``id_number``, ``sex``, ``birth_date``, ``ethnic_group``, ``phone``, ``residence_status``,
``address``, ``region`` (a region code), ``relation_to_head``, ``note``. Sex and birth
date are derived from a resident ID number (GB 11643-1999), the birth date also from a
2023 外国人永久居留身份证 number; a given value that disagrees is an error, never
overwritten. For the other documents the birth date is entered (required at
registration) and the sex too (``0`` 未知的性别 when not given).
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from .. import security
from ..accounts.permissions import Perm
from ..audit.services import Actor, model_changes, record, record_bulk
from ..errors import Conflict, Forbidden, NotFound, ValidationFailed
from ..regions.models import Region
from ..regions.selectors import get_region
from . import rules
from .models import Household, Person, PersonTag, TagKind

SENSITIVE = frozenset({"id_number", "phone"})
# The birth date is characters 7–14 of the ID number: beside a masked ID it would give the
# whole number back, so it is shown and logged like the ID number itself.
AUDIT_REDACTED = SENSITIVE | {"birth_date"}
SELF_RELATION = "01"  # GB/T 4761 本人: only the head's own row may use it
AUDITED_FIELDS = (
    "name", "sex", "birth_date", "ethnic_group", "residence_status", "address", "region",
    "household", "relation_to_head", "life_status", "life_status_date", "note",
)


def _err(field_name: str, code: str, message: str) -> dict:
    return {field_name: [{"code": code, "message": message}]}


def require(actor: Actor, perm: Perm) -> None:
    """Raise Forbidden unless the acting user's role grants ``perm``."""
    if actor.user is None or not actor.user.can(perm):
        raise Forbidden("permission_denied", _("您的角色无权执行此操作"))


@dataclass
class CleanPerson:
    """Validated, normalised person fields (only those given)."""

    values: dict = field(default_factory=dict)
    id_info: rules.IdNumberInfo | rules.DocumentInfo | None = None


_FAILED = object()
FIELD_LABELS = {"name": "姓名", "id_number": "公民身份号码", "id_type": "证件类型", "sex": "性别", "phone": "联系电话",
                "ethnic_group": "民族", "address": "现住址", "note": "备注", "relation_to_head": "与户主关系"}


def _parse_date_value(value, field_name: str, errors: list) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        d = parse_date(str(value).strip())
    except ValueError:
        d = None
    if d is None:
        errors.append(rules.RuleError(f"{field_name}.format", rules.N_("日期格式错误：%(value)s，应为 YYYY-MM-DD，例如 1990-01-01"),
                                      {"value": value}, field=field_name))
    return d


def clean_person(data: dict, *, partial: bool = False, today: date | None = None,
                 stored_id_number: str = "", stored_id_type: str = rules.RESIDENT_ID) -> CleanPerson:
    """Validate and normalise person input. Raises ValidationFailed with every field error.

    ``partial``: only the keys present are checked (an update); otherwise name and
    id_number are required (and, for a document that does not encode it, birth_date).
    ``stored_id_number``/``stored_id_type``: the person's current document, against which
    a sex or birth date given without a new number is checked, and under whose type a
    new number is read (an update). A new ``id_type`` without a new number re-checks
    the stored number under the new type. ``values`` holds ``id_number`` with
    ``id_type`` beside it whenever the type is not ``resident_id`` or changes (a resident
    ID card's values are as they were before other documents existed).
    """
    errors: list[rules.RuleError] = []
    out = CleanPerson()
    v = out.values

    def attempt(field_name: str, fn, value):
        """fn(value), turning a wrong JSON type (list, object, NaN …) into a field error."""
        try:
            return fn(value)
        except rules.RuleError as e:
            errors.append(e)
        except (TypeError, ValueError, OverflowError):
            errors.append(rules.RuleError(f"{field_name}.format", rules.N_("格式错误：%(field)s 应填写文字"),
                                          {"field": FIELD_LABELS.get(field_name, field_name)}, field=field_name))
        return _FAILED

    def run(key, fn):
        if key not in data and partial:
            return
        result = attempt(key, fn, data.get(key))
        if result is not _FAILED:
            v[key] = result

    run("name", rules.normalize_name)
    id_type = stored_id_type if partial else rules.RESIDENT_ID
    if "id_type" in data:
        id_type = attempt("id_type", rules.parse_id_type, data.get("id_type"))
    if id_type is not _FAILED and ("id_number" in data or "id_type" in data or not partial):
        raw = data.get("id_number") if "id_number" in data or not partial else stored_id_number
        info = attempt("id_number", lambda x: rules.parse_document(id_type, x, today=today), raw)
        if info is not _FAILED:
            out.id_info = info
            if id_type != rules.RESIDENT_ID or id_type != (stored_id_type if partial else rules.RESIDENT_ID):
                v["id_type"] = id_type
            v["id_number"] = info.number
    sex = None
    if data.get("sex") not in (None, ""):
        sex = attempt("sex", rules.parse_sex, data.get("sex"))
        sex = None if sex is _FAILED else sex
    birth = _parse_date_value(data.get("birth_date"), "birth_date", errors)

    def entered_birth() -> date | None:
        """The birth date as entered, to be stored (a document without one): in range."""
        if birth is not None and not (date(1880, 1, 1) <= birth <= (today or timezone.localdate())):
            errors.append(rules.RuleError("birth_date.range", rules.N_("出生日期应在 1880-01-01 到今天之间"),
                                          {}, field="birth_date"))
            return None
        return birth

    if out.id_info:
        errors.extend(rules.check_consistency(out.id_info, sex=sex, birth_date=birth))
        # Derived where the document encodes it, else as entered (sex: 0 unknown at
        # registration; an update without a value keeps the stored one).
        if out.id_info.sex is not None:
            v["sex"] = out.id_info.sex
        elif sex is not None or not partial:
            v["sex"] = sex if sex is not None else Person.Sex.UNKNOWN
        if out.id_info.birth_date is not None:
            v["birth_date"] = out.id_info.birth_date
        elif entered_birth() is not None:
            v["birth_date"] = birth
        elif not partial and not any(e.field == "birth_date" for e in errors):
            errors.append(rules.RuleError("birth_date.missing", rules.N_(
                "请填写出生日期：该证件号码不含出生日期"), {}, field="birth_date"))
    elif stored_id_number and "id_number" not in data and "id_type" not in data and (
            sex is not None or birth is not None):
        try:
            stored = rules.parse_document(stored_id_type, stored_id_number)
        except rules.RuleError:
            if stored_id_type == rules.RESIDENT_ID:
                raise
            # a passport or permit number stored under a looser format (the formats are
            # still to be checked): nothing is derived from it, the values are as entered
            stored = rules.DocumentInfo(stored_id_type, stored_id_number)
        errors.extend(rules.check_consistency(stored, sex=sex, birth_date=birth))
        if stored.sex is None and sex is not None:
            v["sex"] = sex
        if stored.birth_date is None and entered_birth() is not None:
            v["birth_date"] = birth
    run("ethnic_group", lambda x: rules.parse_ethnic_group(x) or "")
    run("phone", lambda x: rules.normalize_phone(x) if x not in (None, "") else "")
    if "residence_status" in data or not partial:
        rs = data.get("residence_status") or Person.ResidenceStatus.REGISTERED
        if not isinstance(rs, str) or rs not in Person.ResidenceStatus.values:
            errors.append(rules.RuleError("residence_status.unknown", rules.N_("居住状态无效：%(value)s"),
                                          {"value": str(rs)[:50]}, field="residence_status"))
        v["residence_status"] = rs
    for key, limit in (("address", 200), ("note", 2000)):
        if key in data or not partial:
            text = attempt(key, lambda x: rules.clean_free_text(x, multiline=(key == "note")), data.get(key))
            if text is _FAILED:
                continue
            if len(text) > limit:
                errors.append(rules.RuleError(f"{key}.too_long", rules.N_("内容过长：最多 %(limit)s 个字"),
                                              {"limit": limit}, field=key))
            v[key] = text
    if "relation_to_head" in data:
        rel = attempt("relation_to_head", rules.parse_relation, data.get("relation_to_head"))
        if rel is not _FAILED:
            v["relation_to_head"] = rel or ""
    if errors:
        raise ValidationFailed.from_rule_errors(errors)
    return out


def _resolve_region(actor: Actor, code) -> Region:
    """A village-level or grid region in the actor's scope, else ValidationFailed."""
    if not code:
        raise ValidationFailed(_err("region", "region.missing", _("请选择所属社区（村）或网格")))
    try:
        region = get_region(actor.user, str(code))
    except NotFound:
        raise ValidationFailed(_err("region", "region.out_of_scope",
                                    _("区划 %(code)s 不存在或不在您的管辖范围内") % {"code": code})) from None
    if region.level not in (Region.Level.VILLAGE, Region.Level.GRID):
        raise ValidationFailed(_err("region", "region.level", _("居民只能登记到社区（村）或网格，%(name)s 是%(level)s")
                                    % {"name": region.name, "level": region.get_level_display()}))
    return region


@lru_cache(maxsize=200_000)
def name_search_fields(name: str) -> tuple[str, str, str]:
    """(full pinyin, initials, grams) of a name, for search (rules.name_pinyin and
    rules.name_grams). Cached: pypinyin is the costliest step of registering a person and
    names repeat (the 1,000,000 benchmark persons have about 330,000 distinct names)."""
    pinyin, initials = rules.name_pinyin(name)
    return pinyin, initials, rules.name_grams(name)


def apply_person_fields(person: Person, values: dict) -> None:
    """Set ``values`` (normalised, from :func:`clean_person`) on ``person`` without saving,
    with the derived fields: ID number → AES-GCM cipher text, keyed hash (of
    ``rules.document_key(id_type, number)``), tail 4, keyed tail 6; phone → cipher text
    and keyed hash; name → pinyin, initials, grams. The one
    place that derives them (through :func:`person_field_deriver`): the services and
    the import engine both call it."""
    for key, value in person_field_deriver()(values).items():
        setattr(person, key, value)


def person_field_deriver():
    """What :func:`apply_person_fields` sets, as a function ``values -> {attribute:
    value}`` (in the order set), with the keys in force now looked up once: for bulk
    work (a roster import derives the fields of 100,000 persons).
    :func:`apply_person_fields` is built on it, so both derive the same."""
    encrypt = security.encrypter()
    id_hash = security.lookup_hasher("id_number")
    tail6_hash = security.lookup_hasher("id_tail6")
    phone_hash = security.lookup_hasher("phone")
    search = name_search_fields
    key_of = rules.document_key

    def derive(values: dict) -> dict:
        out = {}
        for key, value in values.items():
            if key == "id_number":
                out["id_number_cipher"] = encrypt(value)
                # resident ID: the hash of the number alone, as before; other documents:
                # of "<id_type>:<number>" (rules.document_key). values holds id_type
                # whenever the type is not resident_id (clean_person gives both).
                out["id_number_hash"] = id_hash(key_of(values.get("id_type", rules.RESIDENT_ID), value))
                out["id_tail4"] = value[-4:]
                out["id_tail6_hash"] = tail6_hash(value[-6:])
            elif key == "phone":
                out["phone_cipher"] = encrypt(value)
                out["phone_hash"] = phone_hash(value)
            elif key == "name":
                out["name"] = value
                out["name_pinyin"], out["name_initials"], out["name_grams"] = search(value)
            else:
                out[key] = value
        return out

    return derive


def person_snapshot(person: Person) -> dict:
    """{field: value} of the audited fields; ID number and phone by their keyed hashes
    (compared, never logged: see AUDIT_REDACTED)."""
    snap = {k: getattr(person, k if k not in ("region", "household") else k + "_id") for k in AUDITED_FIELDS}
    snap["id_number"] = person.id_number_hash
    snap["phone"] = person.phone_hash
    if person.id_type != rules.RESIDENT_ID:
        # Named only for other documents, so that a resident's entries stay as before
        # (the import writes the same entries: imports.engine.write.create_changes_json).
        snap["id_type"] = person.id_type
    return snap


def _duplicate_id_error(id_number: str, id_type: str = rules.RESIDENT_ID) -> ValidationFailed:
    if id_type == rules.RESIDENT_ID:
        return ValidationFailed(_err("id_number", "id_number.duplicate", _(
            "公民身份号码 %(masked)s 已登记，同一号码只能登记一人；请搜索该号码后修改已有记录") % {
            "masked": rules.mask_id_number(id_number)}))
    return ValidationFailed(_err("id_number", "id_number.duplicate", _(
        "%(type)s %(masked)s 已登记，同一证件只能登记一人；请搜索该号码后修改已有记录") % {
        "type": Person.IdType(id_type).label, "masked": rules.mask_document(id_type, id_number)}))


def create_person(actor: Actor, data: dict) -> Person:
    """Register a person. ``data['region']`` is a community/village or grid code in scope.

    Raises Forbidden (role), ValidationFailed (every field error at once; duplicate ID
    number → ``id_number.duplicate``).
    """
    require(actor, Perm.EDIT_REGISTRY)
    # Report the region's error together with the fields' errors, not one round later.
    errors: dict = {}
    clean = region = None
    try:
        clean = clean_person(data)
    except ValidationFailed as exc:
        errors.update(exc.fields)
    try:
        region = _resolve_region(actor, data.get("region"))
    except ValidationFailed as exc:
        errors.update(exc.fields)
    if errors:
        raise ValidationFailed(errors)
    person = Person(region=region)
    values = dict(clean.values)
    values.pop("relation_to_head", None)
    apply_person_fields(person, values)
    try:
        with transaction.atomic():
            person.save()
            filled = {k: v for k, v in person_snapshot(person).items() if v not in (None, "")}
            record(actor, "person.create", person, changes=model_changes({}, filled, AUDIT_REDACTED))
    except IntegrityError:
        if Person.objects.filter(id_number_hash=person.id_number_hash).exists():
            raise _duplicate_id_error(clean.values["id_number"], clean.values.get("id_type", rules.RESIDENT_ID)) from None
        raise
    return person


def update_person(actor: Actor, person: Person, data: dict, expected_version: int | None = None) -> Person:
    """Change the given fields of ``person`` (from a scoped selector).

    ``expected_version``: the version the user edited; if someone saved in between,
    Conflict (``person.conflict``) and nothing is written. Empty values clear optional
    fields (phone, address, ethnic group, note); name and ID number cannot be cleared.
    Household membership is changed with the household services, not here.
    """
    require(actor, Perm.EDIT_REGISTRY)
    data = {k: v for k, v in data.items() if k not in ("household", "relation_to_head", "version")}
    clean = clean_person(data, partial=True, stored_id_number=person.id_number, stored_id_type=person.id_type)
    values = dict(clean.values)
    if "region" in data:
        region = _resolve_region(actor, data["region"])
        values["region_id"] = region.code
    try:
        with transaction.atomic():
            locked = Person.objects.select_for_update().get(pk=person.pk)
            if expected_version is not None and locked.version != int(expected_version):
                raise Conflict("person.conflict", _(
                    "该居民信息已被他人修改（您编辑的是第 %(mine)s 版，当前为第 %(now)s 版），请刷新后重新修改")
                    % {"mine": expected_version, "now": locked.version})
            before = person_snapshot(locked)
            if "region_id" in values and values["region_id"] == locked.region_id:
                values.pop("region_id")
            if "region_id" in values and locked.household_id:
                raise ValidationFailed(_err("region", "person.region_with_household",
                                            _("该居民属于某户，请通过“迁移户”调整所属网格")))
            apply_person_fields(locked, values)
            after = person_snapshot(locked)
            changes = model_changes(before, after, AUDIT_REDACTED)
            if changes:
                locked.version = F("version") + 1
                locked.save()
                locked.refresh_from_db()
                if "region_id" in values:
                    PersonTag.objects.filter(person=locked).update(region_id=locked.region_id)
                record(actor, "person.update", locked, changes=changes)
                if "region_id" in values:
                    from .signals import person_moved

                    person_moved.send(sender=Person, actor=actor,
                                      moves=[(locked.pk, before["region"], locked.region_id)])
    except IntegrityError:
        raise _duplicate_id_error(values.get("id_number", ""), values.get("id_type", person.id_type)) from None
    return locked


def set_life_status(actor: Actor, person: Person, status: str, on: date | None, version: int | None = None) -> Person:
    """Mark a person alive, deceased or moved out (with the date it happened)."""
    require(actor, Perm.EDIT_REGISTRY)
    if status not in Person.LifeStatus.values:
        raise ValidationFailed(_err("life_status", "life_status.unknown", _("人员状态无效")))
    if status != Person.LifeStatus.ALIVE and on is None:
        raise ValidationFailed(_err("life_status_date", "life_status_date.missing", _("请填写死亡或迁出日期")))
    if on and on > timezone.localdate():
        raise ValidationFailed(_err("life_status_date", "life_status_date.future", _("日期不能晚于今天")))
    with transaction.atomic():
        locked = Person.objects.select_for_update().get(pk=person.pk)
        if version is not None and locked.version != int(version):
            raise Conflict("person.conflict", _("该居民信息已被他人修改，请刷新后重试"))
        before = person_snapshot(locked)
        locked.life_status = status
        locked.life_status_date = None if status == Person.LifeStatus.ALIVE else on
        changes = model_changes(before, person_snapshot(locked))
        if changes:
            locked.version = F("version") + 1
            locked.save()
            locked.refresh_from_db()
            record(actor, "person.life_status", locked, changes=changes)
            from .signals import life_status_changed

            life_status_changed.send(sender=Person, actor=actor, person=locked, status=status,
                                     on=locked.life_status_date)
    return locked


def reveal_sensitive(actor: Actor, person: Person, fields=("id_number", "phone"), purpose: str = "") -> dict:
    """Return the unmasked ID number and/or phone of ``person`` (from a scoped selector)
    and audit the read (PIPL: every access to sensitive data is traceable).

    Raises Forbidden unless the role holds view_sensitive.
    """
    require(actor, Perm.VIEW_SENSITIVE)
    fields = [f for f in fields if f in SENSITIVE]
    values = {f: getattr(person, f) for f in fields}
    purpose = rules.clean_free_text(purpose or "")[:200]
    with transaction.atomic():
        record(actor, "person.view_sensitive", person, extra={"fields": fields, "purpose": purpose})
    return values


# --- tags -----------------------------------------------------------------------------

def add_tag(actor: Actor, person: Person, kind_code: str, valid_from: date | None = None,
            valid_to: date | None = None, source: str = PersonTag.Source.MANUAL, note: str = "") -> PersonTag:
    """Tag a person (e.g. ``elderly_living_alone``) from ``valid_from`` (default today)."""
    require(actor, Perm.EDIT_REGISTRY)
    kind = TagKind.objects.filter(code=kind_code).first()
    if kind is None:
        raise ValidationFailed(_err("kind", "tag.unknown", _("人员类别 %(code)s 不存在") % {"code": kind_code}))
    valid_from = valid_from or timezone.localdate()
    if valid_to and valid_to < valid_from:
        raise ValidationFailed(_err("valid_to", "tag.range", _("截止日期不能早于起始日期")))
    with transaction.atomic():
        tag = PersonTag.objects.create(person=person, kind=kind, region_id=person.region_id, valid_from=valid_from,
                                       valid_to=valid_to, source=source, note=note[:200])
        record(actor, "person.tag_add", person, changes={"tag": [None, kind.code]},
               extra={"valid_from": valid_from, "valid_to": valid_to, "source": source})
    return tag


def end_tag(actor: Actor, tag: PersonTag, valid_to: date | None = None) -> PersonTag:
    """End a tag's validity (default: today). History is kept: tags are never deleted."""
    require(actor, Perm.EDIT_REGISTRY)
    valid_to = valid_to or timezone.localdate()
    if valid_to < tag.valid_from:
        raise ValidationFailed(_err("valid_to", "tag.range", _("截止日期不能早于起始日期")))
    with transaction.atomic():
        PersonTag.objects.filter(pk=tag.pk).update(valid_to=valid_to)
        tag.valid_to = valid_to
        record(actor, "person.tag_end", tag.person, changes={"tag": [tag.kind_id, None]}, extra={"valid_to": valid_to})
    return tag


# --- households -----------------------------------------------------------------------

def _clean_household(actor: Actor, data: dict, partial=False) -> dict:
    out, errors = {}, {}
    if "number" in data or not partial:
        number = rules.clean_free_text(data.get("number") if isinstance(data.get("number"), (str, int)) else "")
        if not number:
            errors["number"] = [{"code": "household.number_missing", "message": _("请填写户号")}]
        elif len(number) > 30:
            errors["number"] = [{"code": "household.number_too_long", "message": _("户号不得超过 30 个字符")}]
        out["number"] = number
    if "address" in data or not partial:
        address = data.get("address")
        out["address"] = rules.clean_free_text(address if isinstance(address, (str, int)) else "")[:200]
    if errors:
        raise ValidationFailed(errors)
    if "region" in data or not partial:
        region = _resolve_region(actor, data.get("region"))
        out["region"] = region
        out["community_id"] = region.code[:12]
    return out


def create_household(actor: Actor, data: dict, head: Person, members: list[tuple[Person, str]] = ()) -> Household:
    """Create a household in ``data['region']`` with ``head`` (relation 02) and other
    ``members`` as (person, relation code) pairs. Persons come from scoped selectors and
    must not belong to another household. Their region becomes the household's.

    Raises ValidationFailed (``household.number_taken``, ``household.member_taken``,
    ``household.head_missing``, ``household.multiple_heads``).
    """
    require(actor, Perm.EDIT_REGISTRY)
    values = _clean_household(actor, data)
    everyone = [(head, rules.HEAD_RELATION)]
    for p, r in members:
        try:
            rel = rules.parse_relation(r)
        except rules.RuleError as e:
            raise ValidationFailed.from_rule_errors([e]) from None
        except (TypeError, ValueError):
            rel = None
        if not rel:
            raise ValidationFailed(_err("members", "relation.missing", _("请选择 %(name)s 与户主的关系") % {"name": p.name}))
        if rel == SELF_RELATION:
            raise ValidationFailed(_err("members", "relation.self_not_head", _(
                "“本人”只用于户主本人；请为 %(name)s 选择与户主的关系") % {"name": p.name}))
        everyone.append((p, rel))
    heads = [p for p, r in everyone if r == rules.HEAD_RELATION]
    if len(heads) > 1:
        raise ValidationFailed(_err("members", "household.multiple_heads", _("一户只能有一名户主")))
    for p, _r in everyone:
        if p.household_id:
            raise ValidationFailed(_err("members", "household.member_taken",
                                        _("%(name)s 已属于户 %(number)s，请先将其移出原户") % {
                                            "name": p.name, "number": p.household.number}))
    try:
        with transaction.atomic():
            hh = Household.objects.create(**values)
            record(actor, "household.create", hh, changes={"number": [None, hh.number], "address": [None, hh.address]})
            for p, rel in everyone:
                _join(actor, hh, p, rel)
    except IntegrityError:
        raise ValidationFailed(_err("number", "household.number_taken",
                                    _("户号 %(number)s 在本社区（村）已被使用") % {"number": values["number"]})) from None
    return hh


def _join(actor: Actor, hh: Household, person: Person, relation: str) -> None:
    # Re-read the household under a row lock: a concurrent move to another grid must not
    # leave the new member in the old grid.
    hh = Household.objects.select_for_update().get(pk=hh.pk)
    updated = Person.objects.filter(pk=person.pk, household__isnull=True).update(
        household=hh, relation_to_head=relation, region_id=hh.region_id, version=F("version") + 1)
    if not updated:
        raise Conflict("household.member_taken", _("%(name)s 已属于其他户") % {"name": person.name})
    PersonTag.objects.filter(person=person).update(region_id=hh.region_id)
    record(actor, "household.member_add", person, region_code=hh.region_id,
           changes={"household": [None, hh.pk], "relation_to_head": [None, relation],
                    "region": [person.region_id, hh.region_id]})
    if person.region_id != hh.region_id:
        from .signals import person_moved

        person_moved.send(sender=Person, actor=actor, moves=[(person.pk, person.region_id, hh.region_id)])


def add_member(actor: Actor, hh: Household, person: Person, relation) -> None:
    """Add a person (not in a household) to ``hh`` with a relation to the head other than 02."""
    require(actor, Perm.EDIT_REGISTRY)
    try:
        rel = rules.parse_relation(relation)
    except rules.RuleError as e:
        raise ValidationFailed.from_rule_errors([e]) from None
    if not rel:
        raise ValidationFailed(_err("relation_to_head", "relation.missing", _("请选择与户主关系")))
    if rel == SELF_RELATION:
        raise ValidationFailed(_err("relation_to_head", "relation.self_not_head",
                                    _("“本人”只用于户主本人；请选择与户主的关系")))
    if rel == rules.HEAD_RELATION:
        raise ValidationFailed(_err("relation_to_head", "household.multiple_heads",
                                    _("该户已有户主；如需更换户主，请使用“变更户主”")))
    if person.household_id:
        raise ValidationFailed(_err("person", "household.member_taken", _("%(name)s 已属于户 %(number)s")
                                    % {"name": person.name, "number": person.household.number}))
    with transaction.atomic():
        _join(actor, hh, person, rel)


def remove_member(actor: Actor, hh: Household, person: Person) -> None:
    """Take a non-head member out of the household (the person stays in the registry)."""
    require(actor, Perm.EDIT_REGISTRY)
    if person.household_id != hh.pk:
        raise ValidationFailed(_err("person", "household.not_member", _("%(name)s 不是该户成员") % {"name": person.name}))
    if person.is_head:
        raise ValidationFailed(_err("person", "household.head_missing",
                                    _("不能移出户主：请先变更户主，户主必须有且只有一名")))
    with transaction.atomic():
        Person.objects.filter(pk=person.pk).update(household=None, relation_to_head="", version=F("version") + 1)
        record(actor, "household.member_remove", person, changes={"household": [hh.pk, None]})


def change_head(actor: Actor, hh: Household, new_head: Person, old_head_relation) -> None:
    """Make ``new_head`` (a member) the head; the old head gets ``old_head_relation``."""
    require(actor, Perm.EDIT_REGISTRY)
    try:
        rel = rules.parse_relation(old_head_relation)
    except rules.RuleError as e:
        raise ValidationFailed.from_rule_errors([e]) from None
    if not rel or rel in (rules.HEAD_RELATION, SELF_RELATION):
        raise ValidationFailed(_err("old_head_relation", "relation.missing", _("请选择原户主与新户主的关系")))
    if new_head.household_id != hh.pk:
        raise ValidationFailed(_err("person", "household.not_member", _("新户主必须是本户成员")))
    with transaction.atomic():
        old = Person.objects.select_for_update().filter(household=hh, relation_to_head=rules.HEAD_RELATION).first()
        if old and old.pk == new_head.pk:
            return
        if old:
            Person.objects.filter(pk=old.pk).update(relation_to_head=rel, version=F("version") + 1)
            record(actor, "household.head_change", old, changes={"relation_to_head": [rules.HEAD_RELATION, rel]})
        Person.objects.filter(pk=new_head.pk).update(relation_to_head=rules.HEAD_RELATION, version=F("version") + 1)
        record(actor, "household.head_change", new_head,
               changes={"relation_to_head": [new_head.relation_to_head, rules.HEAD_RELATION]})


def update_household(actor: Actor, hh: Household, data: dict, expected_version: int | None = None) -> Household:
    """Change a household's number or address (moving it between grids is
    :func:`jiayuan.regions.services.move_households`)."""
    require(actor, Perm.EDIT_REGISTRY)
    values = _clean_household(actor, {k: v for k, v in data.items() if k in ("number", "address")}, partial=True)
    try:
        with transaction.atomic():
            locked = Household.objects.select_for_update().get(pk=hh.pk)
            if expected_version is not None and locked.version != int(expected_version):
                raise Conflict("household.conflict", _("该户信息已被他人修改，请刷新后重新修改"))
            before = {"number": locked.number, "address": locked.address}
            for k, v in values.items():
                setattr(locked, k, v)
            changes = model_changes(before, {"number": locked.number, "address": locked.address})
            if changes:
                locked.version = F("version") + 1
                locked.save()
                locked.refresh_from_db()
                record(actor, "household.update", locked, changes=changes)
    except IntegrityError:
        raise ValidationFailed(_err("number", "household.number_taken", _("户号已被本社区（村）其他户使用"))) from None
    return locked


# --- bulk registration (demo data, benchmarks; the roster import engine builds on it) ---

@dataclass
class BulkPerson:
    name: str
    id_number: str            # normalised 18-char, already valid
    ethnic_group: str = "01"
    phone: str = ""
    relation_to_head: str = ""
    residence_status: str = "registered"
    address: str = ""
    tags: list[str] = field(default_factory=list)


@dataclass
class BulkHousehold:
    number: str
    region_code: str          # grid or community code
    address: str
    members: list[BulkPerson]


def _copy_insert(model, objs: Iterable, count: int) -> list:
    """PostgreSQL: insert ``count`` unsaved instances of ``model`` with one
    ``COPY … FROM STDIN`` and return them, ids set.

    Ids come from the table's own sequence first (``nextval`` per row, so concurrent
    writers never collide); then every concrete field is written as ``bulk_create``
    would write it: ``auto_now``/``auto_now_add`` through the field's ``pre_save``,
    defaults as set by the model's ``__init__``. Only for models with an auto-increment
    id and plain-valued fields (no JSON). Constraints (unique, check, deferred foreign keys) apply as for
    INSERT. ``objs`` may be a generator: COPY streams, so the server stores the first
    rows while Python still builds the next ones.
    """
    from django.db import connection

    meta = model._meta
    fields = list(meta.concrete_fields)
    stamped = [f for f in fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)]
    attnames = [f.attname for f in fields]
    qn = connection.ops.quote_name
    out = []
    if not count:
        return out
    with connection.cursor() as cur:
        cur.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                    [meta.db_table, meta.pk.column, count])
        ids = sorted(r[0] for r in cur.fetchall())
        sql = f"COPY {qn(meta.db_table)} ({', '.join(qn(f.column) for f in fields)}) FROM STDIN"
        with cur.copy(sql) as copy:
            write = copy.write_row
            for obj, pk in zip(objs, ids, strict=True):
                obj.pk = pk
                for f in stamped:
                    f.pre_save(obj, True)
                d = obj.__dict__
                write([d[a] for a in attnames])
                obj._state.adding = False
                obj._state.db = connection.alias
                out.append(obj)
    return out


def _bulk_insert(model, objs: Iterable, count: int, batch_size: int) -> list:
    """Insert ``count`` unsaved ``objs`` and return them with their ids: COPY on
    PostgreSQL, ``bulk_create`` elsewhere (SQLite, the embedded default)."""
    from django.db import connection

    if connection.vendor == "postgresql":
        return _copy_insert(model, objs, count)
    objs = list(objs)
    model.objects.bulk_create(objs, batch_size=batch_size)
    return objs


def bulk_register(actor: Actor, households: list[BulkHousehold], *, tag_from: date | None = None,
                  tag_source: str = PersonTag.Source.DEMO) -> int:
    """Create households and their members in one transaction, audited per row.

    Input must be valid already (generated data); ID numbers are re-checked with
    ``rules.parse_id_number`` and a bad one raises ValueError before anything is
    written. Returns the number of persons created.

    Every person gets what :func:`create_person` derives (``apply_person_fields``: AES-GCM cipher
    text, keyed hashes, ID tails, pinyin, initials, name grams) and one ``person.create``
    audit entry; every household one ``household.create``. On PostgreSQL households,
    persons and tags go in with COPY (:func:`_copy_insert`), persons built while the
    server stores the previous rows. Throughput: ``bench/search.py``,
    ``docs/performance.md``.
    """
    tag_from = tag_from or timezone.localdate()
    plan = [[(m, rules.parse_id_number(m.id_number)) for m in h.members] for h in households]
    n_persons = sum(len(members) for members in plan)
    tag_plan = []

    def build_persons(hh_objs):
        derive = person_field_deriver()  # apply_person_fields, keys looked up once
        for h, hh, members in zip(households, hh_objs, plan):
            for m, info in members:
                p = Person(region_id=h.region_code, household=hh, relation_to_head=m.relation_to_head,
                           sex=info.sex, birth_date=info.birth_date, ethnic_group=m.ethnic_group,
                           residence_status=m.residence_status, address=m.address or h.address)
                for key, value in derive({"name": m.name, "id_number": info.number, "phone": m.phone}).items():
                    setattr(p, key, value)
                tag_plan.append(m.tags)
                yield p

    with transaction.atomic():
        hh_objs = _bulk_insert(Household, (
            Household(number=h.number, community_id=h.region_code[:12], region_id=h.region_code, address=h.address)
            for h in households), len(households), batch_size=2000)
        if hh_objs and hh_objs[0].pk is None:  # backends without RETURNING
            ids = dict(Household.objects.filter(community_id__in={h.community_id for h in hh_objs},
                                                number__in=[h.number for h in hh_objs]).values_list("number", "pk"))
            for h in hh_objs:
                h.pk = ids[h.number]
        persons = _bulk_insert(Person, build_persons(hh_objs), n_persons, batch_size=2000)
        tags = [PersonTag(person=p, kind_id=k, region_id=p.region_id, valid_from=tag_from, source=tag_source)
                for p, ks in zip(persons, tag_plan) for k in ks]
        _bulk_insert(PersonTag, tags, len(tags), batch_size=5000)
        items = [{"action": "household.create", "object_type": "people.household", "object_id": hh.pk,
                  "object_repr": hh.number, "region_code": hh.region_id} for hh in hh_objs]
        items += [{"action": "person.create", "object_type": "people.person", "object_id": p.pk,
                   "object_repr": p.name, "region_code": p.region_id} for p in persons]
        record_bulk(actor, items)  # the same chained entries as record_many, without model instances
    return len(persons)


# --- identifier searches --------------------------------------------------------------

IDENTIFIER_QUERY_KINDS = frozenset({"id_number", "phone", "id_tail", "document"})


def guard_identifier_search(actor: Actor, q: str, *, now=None) -> str:
    """Before a person search, check and record a search by identifier (whole ID number,
    phone, last 4/6 of the ID: ``rules.classify_query`` kinds; ``"document"``: a text that
    fits a passport or permit number, ``rules.document_candidates``). Returns the query's kind.

    A search by identifier tells whether such a person lives in the scope, so a masked
    phone or ID could be brute-forced through the search box. Therefore:
    - roles without ``view_sensitive`` (grid members …) may run at most
      ``settings.IDENTIFIER_SEARCH_LIMIT`` (default 30) identifier searches an hour; the
      next ones raise :class:`jiayuan.errors.TooManyRequests` (429
      ``search.rate_limited``) until the hour has passed;
    - every identifier search is audited (``person.search_identifier``, with the kind
      only — never the value typed).
    Name and pinyin searches are neither limited nor audited.
    """
    from django.conf import settings

    from ..errors import TooManyRequests

    kind, _value = rules.classify_query(q or "")
    if kind == "name" and rules.document_candidates(q or ""):
        kind = "document"  # a passport or permit number: searched by keyed hash (selectors)
    if kind not in IDENTIFIER_QUERY_KINDS:
        return kind
    if not actor.user.can(Perm.VIEW_SENSITIVE):
        limit = getattr(settings, "IDENTIFIER_SEARCH_LIMIT", 30)
        if security.rate_hit(f"idsearch:{actor.user.pk}", 3600, now) > limit:
            raise TooManyRequests("search.rate_limited", _(
                "按证件号或手机号查询过于频繁（每小时最多 %(limit)s 次），请稍后再试或按姓名查询") % {"limit": limit})
    with transaction.atomic():
        record(actor, "person.search_identifier", None, object_type="people.person", object_repr=kind,
               extra={"kind": kind})
    return kind
