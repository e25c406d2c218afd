"""Writes of children's care: duties (儿童主任/督导员), files, parents, the care team,
visits and grades, and the review of re-derived categories.

Every function is one transaction with its audit entry (``jiayuan.audit.services``).
Reads of a file are audited too (:func:`record_read`, :func:`record_list_read`): a child's
file is sensitive personal information (个人信息保护法 art. 28, 31).

Categories: a file's confirmed categories change only through :func:`open_file` (the
opener confirms the first derivation) and :func:`confirm_review`. Every other change of a
fact — entered on the file, a parent marked deceased in the registry, a certificate
recorded, the child turning 16 or 18 (:func:`rederive_all`, run daily) — re-derives and,
when the result differs, keeps it in ``proposed`` and flags the file for its 儿童主任
(issue 13: never changed silently).

Who may do what (selectors.may_edit / may_visit / may_open_in): the 儿童主任 of the
village, the 督导员 of the township and ``view_child_files`` holders edit and open files;
care-team members with an account record visits too; ``manage_children_duties`` names
儿童主任 and 督导员. A file the user may not read is NotFound, one they may read but not
change is Forbidden.
"""

from __future__ import annotations

import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import security
from ..accounts.models import User
from ..accounts.permissions import Perm
from ..audit.services import Actor, model_changes, record, record_many
from ..errors import Conflict, Forbidden, NotFound, ValidationFailed, check_version
from ..people import selectors as people_selectors
from ..people.models import Person
from ..people.rules import RuleError, age_on
from ..regions.models import Region
from ..regions.rules import village_kind
from . import rules, selectors
from .models import CareTeamMember, ChildFile, ChildParent, ChildrenDuty, ChildVisit, DutyKind, VisitPhoto

TEXT_MAX = 200


def _err(field: str, code: str, message: str) -> dict:
    return {field: [{"code": code, "message": message}]}


def _forbidden() -> Forbidden:
    return Forbidden("permission_denied", _("您的角色无权执行此操作"))


def _check_version(obj, version) -> None:
    check_version(obj.version, version, "child_file.conflict", _("该档案已被他人修改，请刷新后重试"))


def _rule_error(e: RuleError) -> ValidationFailed:
    return ValidationFailed.from_rule_errors([e])


# --- duties -----------------------------------------------------------------------------------

def appoint(actor: Actor, kind: str, region_code: str, user_id, started_on: datetime.date, phone: str = "") -> ChildrenDuty:
    """Name the account ``user_id`` 儿童主任 of a village or community (``kind``
    ``children_director``, a 12-digit code that is not a virtual unit) or 儿童督导员 of a
    township (``children_supervisor``, 9 digits). The current holder of the duty, if any,
    ends on ``started_on``. Needs ``manage_children_duties`` and the region in scope; the
    account must be active and its scope must cover the region (it reads its files
    there). Errors: NotFound (region out of scope), ValidationFailed ``duty.level``,
    ``duty.account``."""
    user = actor.user
    if not user.can(Perm.MANAGE_CHILDREN_DUTIES):
        raise _forbidden()
    if kind not in DutyKind.values:
        raise ValidationFailed(_err("kind", "duty.kind", _("职责无效")))
    region = Region.objects.filter(pk=str(region_code or "")).first()
    if region is None or not region.code.startswith(user.scope_code):
        raise NotFound("region.not_found")
    if kind == DutyKind.DIRECTOR and not (len(region.code) == 12 and village_kind(region.code) != "virtual"):
        raise ValidationFailed(_err("region", "duty.level", _("儿童主任须设在村（社区）")))
    if kind == DutyKind.SUPERVISOR and len(region.code) != 9:
        raise ValidationFailed(_err("region", "duty.level", _("儿童督导员须设在乡镇（街道）")))
    account = User.objects.filter(pk=user_id, is_active=True).first() if str(user_id or "").isdigit() else None
    if account is None or account.is_superuser or not region.code.startswith(account.scope_code):
        raise ValidationFailed(_err("user", "duty.account", _("该账号不存在、已停用，或其管辖范围不含该区划")))
    with transaction.atomic():
        current = ChildrenDuty.objects.select_for_update().filter(kind=kind, region=region, ended_on__isnull=True).first()
        items = []
        if current is not None:
            if current.user_id == account.pk:
                raise Conflict("duty.duplicate", _("该账号已担任此职责"))
            current.ended_on = max(started_on, current.started_on)
            current.save(update_fields=["ended_on"])
            items.append({"action": "children.duty_end", "object_type": "children.childrenduty",
                          "object_id": current.pk, "object_repr": str(current.user), "region_code": region.code})
        duty = ChildrenDuty.objects.create(kind=kind, region=region, user=account, started_on=started_on,
                                           phone=(phone or "")[:30])
        items.append({"action": "children.duty_start", "object_type": "children.childrenduty", "object_id": duty.pk,
                      "object_repr": str(account), "region_code": region.code,
                      "extra": {"kind": kind, "started_on": started_on.isoformat()}})
        record_many(actor, items)
    return duty


def end_duty(actor: Actor, duty_id, ended_on: datetime.date) -> ChildrenDuty:
    """End a current duty in scope on ``ended_on`` (not before it started)."""
    user = actor.user
    if not user.can(Perm.MANAGE_CHILDREN_DUTIES):
        raise _forbidden()
    with transaction.atomic():
        duty = ChildrenDuty.objects.select_for_update().filter(
            pk=duty_id if str(duty_id).isdigit() else 0, ended_on__isnull=True,
            region__code__startswith=user.scope_code).first()
        if duty is None:
            raise NotFound("duty.not_found")
        if ended_on < duty.started_on:
            raise ValidationFailed(_err("ended_on", "duty.ended_before_start", _("离任日期早于任职日期")))
        duty.ended_on = ended_on
        duty.save(update_fields=["ended_on"])
        record(actor, "children.duty_end", duty, region_code=duty.region_id)
    return duty


# --- reads (audited) --------------------------------------------------------------------------

def record_read(actor: Actor, file: ChildFile, what: str = "file") -> None:
    """Audit a read of one file (page or API): ``child_file.read``, ``extra.what`` the
    part read (``file``, ``visits``)."""
    record(actor, "child_file.read", file, extra={"what": what})


def record_list_read(actor: Actor, ids: list[int], what: str = "list") -> None:
    """Audit a list of files shown (names, categories, grades): one entry naming the ids."""
    if ids:
        record(actor, "child_file.list", object_type="children.childfile", extra={"what": what, "ids": ids})


# --- files ------------------------------------------------------------------------------------

FILE_FIELDS = ("own_illness", "guardianship_problem", "guardian_name", "guardian_relation", "guardian_ability",
               "caregiver_name", "caregiver_relation", "caregiver_ability", "school", "school_grade", "health",
               "needs")
PHONE_FIELDS = ("guardian_phone", "caregiver_phone")


def _apply_fields(file: ChildFile, data: dict) -> None:
    for key in FILE_FIELDS:
        if key in data:
            value = data[key]
            if key in ("own_illness", "guardianship_problem"):
                value = bool(value)
            elif key.endswith("_ability"):
                value = value or ""
                if value and value not in ChildFile.Ability.values:
                    raise ValidationFailed(_err(key, "ability.invalid", _("照护能力无效")))
            else:
                value = str(value or "").strip()
                if key != "needs" and len(value) > TEXT_MAX:
                    raise ValidationFailed(_err(key, "text.too_long", _("内容过长")))
            setattr(file, key, value)
    for key in PHONE_FIELDS:
        if key in data:
            setattr(file, key + "_cipher", security.encrypt(str(data[key] or "").strip()[:30]))


def _derive(file: ChildFile, on: datetime.date, facts: "rules.ChildFacts | None" = None) -> list[dict]:
    try:
        return [c.as_dict() for c in rules.derive_categories(facts or selectors.child_facts(file, on))]
    except RuleError as e:
        raise _rule_error(e) from None


def open_file(actor: Actor, person_id, data: dict | None = None, on: datetime.date | None = None) -> ChildFile:
    """Open the file of the child ``person_id`` (a person of the registry in scope, under
    18 on ``on``) with the facts in ``data`` (keys of :data:`FILE_FIELDS` and
    :data:`PHONE_FIELDS`, and ``parents``: ``{"father": {...}, "mother": {...}}`` as for
    :func:`set_parent`). The categories derived now are confirmed by the opener and
    stored with their facts; the grade starts at the first configured grade and the
    first visit falls due after its frequency. Errors: NotFound (person out of scope),
    Forbidden (not the village's 儿童主任/督导员 nor ``view_child_files``), Conflict
    ``child_file.exists``, ValidationFailed ``child.adult``."""
    on = on or selectors.today()
    data = dict(data or {})
    person = people_selectors.get_person(actor.user, person_id)
    village = Region.objects.get(pk=person.region_id[:12])
    if not selectors.may_open_in(actor.user, village):
        raise _forbidden()
    if person.life_status != Person.LifeStatus.ALIVE or age_on(person.birth_date, max(on, person.birth_date)) >= 18:
        raise ValidationFailed(_err("person", "child.adult", _("只能为在世的未满18周岁儿童建档")))
    risk = selectors.default_risk()
    with transaction.atomic():
        file = ChildFile(person=person, region=village, opened_on=on, risk=risk, created_by=actor.user,
                         next_visit_due=rules.next_visit_due(selectors.risk_grades(), risk, None, on))
        _apply_fields(file, data)
        try:
            with transaction.atomic():
                file.save()
        except IntegrityError:
            raise Conflict("child_file.exists", _("该儿童已建档")) from None
        for role, pdata in (data.get("parents") or {}).items():
            _save_parent(actor, file, role, pdata or {})
        derived = _derive(file, on)
        file.categories, file.category_facts, file.derived_on = rules.category_codes(derived), derived, on
        file.save(update_fields=["categories", "category_facts", "derived_on"])
        record(actor, "child_file.open", file, extra={"categories": file.categories})
    return file


def update_file(actor: Actor, file: ChildFile, data: dict, version=None) -> ChildFile:
    """Change the facts entered on the file (keys of :data:`FILE_FIELDS`,
    :data:`PHONE_FIELDS`); categories are re-derived and a difference flags the file."""
    if not selectors.may_edit(actor.user, file):
        raise _forbidden()
    with transaction.atomic():
        locked = ChildFile.objects.select_for_update().select_related("person", "region").get(pk=file.pk)
        _check_version(locked, version)
        before = {k: getattr(locked, k) for k in FILE_FIELDS}
        _apply_fields(locked, data)
        after = {k: getattr(locked, k) for k in FILE_FIELDS}
        locked.version += 1
        locked.save()
        changes = model_changes(before, after)
        changes.update({k: ["***", "***"] for k in PHONE_FIELDS if k in data})
        record(actor, "child_file.update", locked, changes=changes)
        _rederive(actor, locked, selectors.today())
    return locked


PARENT_FIELDS = ("working_away", "away_place", "away_since", "severely_disabled", "seriously_ill", "imprisoned",
                 "drug_rehab", "missing", "lost_contact_since", "deceased", "note", "name")


def _save_parent(actor: Actor, file: ChildFile, role: str, data: dict) -> ChildParent:
    if role not in ChildParent.Role.values:
        raise ValidationFailed(_err("role", "parent.role", _("父母身份无效")))
    parent = ChildParent.objects.filter(file=file, role=role).first() or ChildParent(file=file, role=role)
    if "person" in data:
        pid = data["person"]
        if pid in (None, ""):
            parent.person = None
        else:
            person = people_selectors.get_person(actor.user, pid) if actor.user else Person.objects.get(pk=pid)
            if person.pk == file.person_id:
                raise ValidationFailed(_err("person", "parent.self", _("父母不能是儿童本人")))
            parent.person = person
    for key in PARENT_FIELDS:
        if key in data:
            value = data[key]
            if key in ("away_since", "lost_contact_since"):
                if value and value > selectors.today():
                    raise ValidationFailed(_err(key, "date.future", _("日期不能晚于今天")))
                value = value or None
            elif key in ("away_place", "note", "name"):
                value = str(value or "").strip()[:TEXT_MAX]
            else:
                value = bool(value)
            setattr(parent, key, value)
    if "phone" in data:
        parent.phone_cipher = security.encrypt(str(data["phone"] or "").strip()[:30])
    if parent.person_id is None and not parent.name:
        raise ValidationFailed(_err("name", "parent.name", _("请填写姓名或选择居民档案")))
    parent.save()
    return parent


def set_parent(actor: Actor, file: ChildFile, role: str, data: dict, version=None) -> ChildParent:
    """Record the father's or mother's situation (``role``): ``person`` (a registry
    person in scope, or None), ``name`` (when not in the registry), ``phone``,
    ``working_away``, ``away_place``, ``away_since``, ``severely_disabled``,
    ``seriously_ill``, ``imprisoned``, ``drug_rehab``, ``missing`` (宣告失踪),
    ``lost_contact_since``, ``deceased``, ``note``. Re-derives; a difference flags."""
    if not selectors.may_edit(actor.user, file):
        raise _forbidden()
    with transaction.atomic():
        locked = ChildFile.objects.select_for_update().select_related("person", "region").get(pk=file.pk)
        _check_version(locked, version)
        parent = _save_parent(actor, locked, role, data)
        locked.version += 1
        locked.save(update_fields=["version", "updated_at"])
        record(actor, "child_file.parent", locked, extra={"role": role, "facts": sorted(
            k for k in PARENT_FIELDS if k in data and k not in ("name", "note", "away_place"))})
        _rederive(actor, locked, selectors.today())
    return parent


def _rederive(actor: Actor, file: ChildFile, on: datetime.date) -> bool:
    """Derive again; flag (``proposed``) when the result differs from the confirmed one,
    clear the flag when it no longer does. Returns whether the file is flagged. Caller
    holds the transaction and the row."""
    changed, flagged, entry = _compare(file, _derive(file, on), on)
    if changed:
        file.save(update_fields=["proposed", "review_reasons", "flagged_at"])
    if entry is not None:
        record(actor, entry["action"], file, extra=entry["extra"])
    return flagged


FLAG_FIELDS = ["proposed", "review_reasons", "flagged_at"]


def _compare(file: ChildFile, derived: list[dict], on: datetime.date) -> tuple[bool, bool, dict | None]:
    """Apply a new derivation to ``file`` in memory: ``(changed, flagged, audit item)``
    — the flag set (a new difference: the audit item ``child_file.flag``), cleared (no
    difference any more) or left as it was."""
    diff = rules.compare(file.category_facts, derived)
    if not diff:
        if file.proposed is not None:
            file.proposed, file.review_reasons, file.flagged_at = None, [], None
            return True, False, None
        return False, False, None
    if file.proposed == derived:
        return False, True, None
    file.proposed, file.review_reasons, file.flagged_at = derived, diff, timezone.now()
    return True, True, {"action": "child_file.flag", "extra": {"changes": diff, "on": on.isoformat()}}


def rederive(actor: Actor, file_ids, on: datetime.date | None = None) -> int:
    """Re-derive the open files ``file_ids`` (registry signals, the daily run) on ``on``;
    returns how many are flagged after it. Not scoped: the caller chose the files.

    In batches of 500 (one transaction each, rows locked): the facts of a batch in a fixed
    number of queries (:func:`selectors.child_facts_many`), the rules in memory, the
    changed flags written by one statement (:func:`_write_flags`) and the audit entries by
    one ``record_bulk`` (the same chained entries as ``record_many``) — the same result as
    :func:`_rederive` file by file (tested)."""
    from ..audit.services import record_bulk

    on = on or selectors.today()
    ids = sorted(set(int(i) for i in file_ids))
    flagged = 0
    for start in range(0, len(ids), 500):
        with transaction.atomic():
            # only the files are locked (they are what is written); a registry change to a
            # person read here re-derives again through its own signal
            files = list(ChildFile.objects.select_for_update(of=("self",)).select_related("person")
                         .only(*selectors.FACT_FIELDS).filter(pk__in=ids[start:start + 500],
                                                              status=ChildFile.Status.OPEN).order_by("pk"))
            facts = selectors.child_facts_many(files, on)
            changed, items = [], []
            for file in files:
                was_changed, is_flagged, entry = _compare(file, _derive(file, on, facts[file.pk]), on)
                flagged += is_flagged
                if was_changed:
                    changed.append(file)
                if entry is not None:
                    items.append({"action": entry["action"], "object_type": file._meta.label_lower,
                                  "object_id": file.pk, "object_repr": str(file), "region_code": file.region_id,
                                  "extra": entry["extra"]})
            _write_flags(changed)
            record_bulk(actor, items)
    return flagged


def _write_flags(files: list[ChildFile]) -> None:
    """Write :data:`FLAG_FIELDS` of ``files`` (rows the caller locked) as they are in
    memory: one ``UPDATE … FROM unnest(…)`` on PostgreSQL, whatever the number of files
    (``bulk_update``'s ``CASE WHEN`` over 500 ids took two thirds of a re-derivation's
    time to build, ``docs/performance.md``); one statement per file elsewhere."""
    import json

    from django.db import connection

    if not files:
        return
    table = connection.ops.quote_name(ChildFile._meta.db_table)
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            # the rows as one JSON document: no per-value quoting of text arrays
            doc = json.dumps([{"id": f.pk, "proposed": f.proposed, "reasons": f.review_reasons or [],
                               "stamp": f.flagged_at.isoformat() if f.flagged_at else None} for f in files])
            cur.execute(
                f"UPDATE {table} AS f SET proposed = v.proposed, review_reasons = v.reasons, flagged_at = v.stamp "
                f"FROM jsonb_to_recordset(%s::jsonb) AS v(id integer, proposed jsonb, reasons jsonb, "
                f"stamp timestamptz) WHERE f.id = v.id", [doc])
        else:
            flagged_at = ChildFile._meta.get_field("flagged_at")
            cur.executemany(f"UPDATE {table} SET proposed = %s, review_reasons = %s, flagged_at = %s WHERE id = %s",
                            [(None if f.proposed is None else json.dumps(f.proposed),
                              json.dumps(f.review_reasons or []), flagged_at.get_db_prep_save(f.flagged_at, connection),
                              f.pk) for f in files])


def rederive_all(actor: Actor, on: datetime.date | None = None) -> int:
    """Re-derive every open file (daily: a child turns 16 or 18, a parent's 失联 reaches 6
    months); returns the number flagged. ``jiayuan children_rederive`` runs it."""
    ids = list(ChildFile.objects.filter(status=ChildFile.Status.OPEN).values_list("pk", flat=True))
    n = 0
    for start in range(0, len(ids), 500):
        n += rederive(actor, ids[start:start + 500], on)
    return n


def confirm_review(actor: Actor, file: ChildFile, version=None, note: str = "") -> ChildFile:
    """The 儿童主任 (or whoever may edit) confirms the proposed categories: they become the
    file's categories with their facts. Conflict ``child_file.no_review`` when nothing
    waits."""
    if not selectors.may_edit(actor.user, file):
        raise _forbidden()
    with transaction.atomic():
        locked = ChildFile.objects.select_for_update().get(pk=file.pk)
        _check_version(locked, version)
        if locked.proposed is None:
            raise Conflict("child_file.no_review", _("该档案没有待确认的类别变化"))
        before = locked.categories
        locked.category_facts = locked.proposed
        locked.categories = rules.category_codes(locked.proposed)
        locked.derived_on = selectors.today()
        locked.proposed, locked.review_reasons, locked.flagged_at = None, [], None
        locked.version += 1
        locked.save()
        record(actor, "child_file.confirm", locked, changes={"categories": [before, locked.categories]},
               extra={"note": str(note or "")[:TEXT_MAX]})
    return locked


# --- care team --------------------------------------------------------------------------------

def set_team_member(actor: Actor, file: ChildFile, slot: str, *, user_id=None, name: str = "", phone: str = "",
                    since: datetime.date | None = None) -> CareTeamMember:
    """Put a member in ``slot`` (a configured slot code) of the file's care team: an
    active account in whose scope the child lives (it then reads the file), or a name.
    Replaces the slot's member."""
    if not selectors.may_edit(actor.user, file):
        raise _forbidden()
    if slot not in {s["code"] for s in selectors.care_slots()}:
        raise ValidationFailed(_err("slot", "team.slot", _("关爱团队角色无效")))
    account = None
    if user_id not in (None, ""):
        account = User.objects.filter(pk=user_id if str(user_id).isdigit() else 0, is_active=True).first()
        if account is None or account.is_superuser or not file.person.region_id.startswith(account.scope_code):
            raise ValidationFailed(_err("user", "team.account", _("该账号不存在、已停用，或其管辖范围不含该儿童")))
    name = str(name or "").strip()[:50]
    if account is None and not name:
        raise ValidationFailed(_err("name", "team.name", _("请选择账号或填写姓名")))
    with transaction.atomic():
        member, _created = CareTeamMember.objects.update_or_create(
            file=file, slot=slot, defaults={"user": account, "name": "" if account else name,
                                            "phone": str(phone or "")[:30], "since": since or selectors.today()})
        record(actor, "child_file.team_set", file, extra={"slot": slot, "member": member.display_name})
    return member


def remove_team_member(actor: Actor, file: ChildFile, slot: str) -> None:
    if not selectors.may_edit(actor.user, file):
        raise _forbidden()
    with transaction.atomic():
        deleted, _n = CareTeamMember.objects.filter(file=file, slot=slot).delete()
        if not deleted:
            raise NotFound("team.not_found")
        record(actor, "child_file.team_remove", file, extra={"slot": slot})


# --- visits and grades ------------------------------------------------------------------------

IMAGE_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
MAX_PHOTOS = 6
PHOTO_MAX_BYTES = 10 * 1024 * 1024
PHOTO_MAX_PIXELS = 40_000_000


def _check_photo(uploaded) -> tuple[bytes, str, int, int]:
    """(data, format, width, height) of an uploaded photo: JPEG, PNG or WebP up to 10 MiB
    and 40 million pixels (:func:`jiayuan.storage.check_image`); ValidationFailed
    ``photo.*`` on ``photos`` otherwise."""
    from ..storage import check_image

    return check_image(uploaded, field="photos", max_bytes=PHOTO_MAX_BYTES, max_pixels=PHOTO_MAX_PIXELS)


def record_visit(actor: Actor, file: ChildFile, *, visited_on: datetime.date, place: str, findings: str,
                 risk: str, reason: str = "", face_to_face: bool = True, photos=()) -> ChildVisit:
    """Record a visit by the acting user (the file's 儿童主任, 督导员, a team member or a
    ``view_child_files`` holder) and the grade it gives. ``visited_on`` not in the future
    nor before the file was opened; ``risk`` a configured grade, with a ``reason`` when it
    changes the grade. A visit later than the last one sets the grade and moves the next
    visit to ``visited_on`` + the grade's months (rules.next_visit_due); an earlier one
    (entered late) is kept in the history only. ``photos``: up to 6 uploaded images
    (:func:`_check_photo`)."""
    if not selectors.may_visit(actor.user, file):
        raise _forbidden()
    errors: dict = {}
    today = selectors.today()
    if visited_on > today:
        errors.update(_err("visited_on", "date.future", _("探访日期不能晚于今天")))
    elif visited_on < file.opened_on:
        errors.update(_err("visited_on", "visit.before_opened", _("探访日期早于建档日期")))
    place, findings, reason = (str(place or "").strip()[:100], str(findings or "").strip(),
                               str(reason or "").strip()[:TEXT_MAX])
    if not place:
        errors.update(_err("place", "visit.place", _("请填写探访地点")))
    if not findings:
        errors.update(_err("findings", "visit.findings", _("请填写探访情况")))
    grades = selectors.risk_grades()
    if risk not in {g["code"] for g in grades}:
        errors.update(_err("risk", "risk.unknown", _("风险等级无效")))
    elif risk != file.risk and not reason:
        errors.update(_err("reason", "risk.reason", _("调整风险等级须说明理由")))
    photos = list(photos or [])
    checked = []
    if len(photos) > MAX_PHOTOS:
        errors.update(_err("photos", "photo.too_many", _("最多上传 %(n)s 张照片") % {"n": MAX_PHOTOS}))
    else:
        for up in photos:
            try:
                checked.append(_check_photo(up))
            except ValidationFailed as exc:
                errors.update(exc.fields)
                break
    if errors:
        raise ValidationFailed(errors)
    with transaction.atomic():
        locked = ChildFile.objects.select_for_update().get(pk=file.pk)
        visit = ChildVisit.objects.create(file=locked, visited_on=visited_on, visitor=actor.user, place=place,
                                          face_to_face=bool(face_to_face), findings=findings,
                                          risk_before=locked.risk, risk_after=risk, risk_reason=reason)
        for data, fmt, width, height in checked:
            import hashlib

            from django.core.files.base import ContentFile

            photo = VisitPhoto(visit=visit, content_type=IMAGE_TYPES[fmt], image_format=fmt, size=len(data),
                               width=width, height=height, sha256=hashlib.sha256(data).hexdigest())
            photo.file.save("upload", ContentFile(data), save=False)
            photo.save()
        before = {"risk": locked.risk, "next_visit_due": locked.next_visit_due}
        if locked.last_visit_on is None or visited_on >= locked.last_visit_on:
            locked.last_visit_on = visited_on
            locked.risk = risk
            if reason:
                locked.risk_reason = reason
            locked.next_visit_due = rules.next_visit_due(grades, risk, visited_on, locked.opened_on)
            locked.version += 1
            locked.save()
        record(actor, "child_file.visit", locked, changes=model_changes(
            before, {"risk": locked.risk, "next_visit_due": locked.next_visit_due}),
            extra={"visit": visit.pk, "visited_on": visited_on.isoformat(), "photos": len(checked)})
    file.refresh_from_db()
    return visit


def regrade(actor: Actor, file: ChildFile, risk: str, reason: str, version=None) -> ChildFile:
    """Change the grade between visits, with a reason: the next visit moves to the last
    visit (or the opening) + the new grade's months."""
    if not selectors.may_edit(actor.user, file):
        raise _forbidden()
    reason = str(reason or "").strip()[:TEXT_MAX]
    grades = selectors.risk_grades()
    if risk not in {g["code"] for g in grades}:
        raise ValidationFailed(_err("risk", "risk.unknown", _("风险等级无效")))
    if not reason:
        raise ValidationFailed(_err("reason", "risk.reason", _("调整风险等级须说明理由")))
    with transaction.atomic():
        locked = ChildFile.objects.select_for_update().get(pk=file.pk)
        _check_version(locked, version)
        before = {"risk": locked.risk, "next_visit_due": locked.next_visit_due}
        locked.risk, locked.risk_reason = risk, reason
        locked.next_visit_due = rules.next_visit_due(grades, risk, locked.last_visit_on, locked.opened_on)
        locked.version += 1
        locked.save()
        record(actor, "child_file.regrade", locked, changes=model_changes(
            before, {"risk": locked.risk, "next_visit_due": locked.next_visit_due}), extra={"reason": reason})
    return locked


# --- registry signals -------------------------------------------------------------------------

def on_life_status_changed(sender, actor, person, status, on=None, **kwargs):
    """A child or a parent died, moved out or is alive again: re-derive their files."""
    ids = list(selectors.files_of_parent([person.pk]).values_list("pk", flat=True))
    if ids:
        rederive(Actor(None, "system", {"cause": "person.life_status", "by": actor.name}), ids)


def on_certificate_changed(sender, actor, person, **kwargs):
    """A certificate of a child or a parent changed (重残 / own disability)."""
    ids = list(selectors.files_of_parent([person.pk]).values_list("pk", flat=True))
    if ids:
        rederive(Actor(None, "system", {"cause": "disability.certificate", "by": actor.name}), ids)


def on_person_moved(sender, actor, moves, **kwargs):
    """A child moved: the file follows to the new village or community (its 儿童主任
    changes with it) and is re-derived (registration may change)."""
    by_person = {pid: new[:12] for pid, _old, new in moves if new}
    files = ChildFile.objects.filter(person_id__in=list(by_person), status=ChildFile.Status.OPEN)
    sysactor = Actor(None, "system", {"cause": "person.move", "by": actor.name})
    for file in files:
        new = by_person[file.person_id]
        if new != file.region_id:
            old = file.region_id
            ChildFile.objects.filter(pk=file.pk).update(region_id=new)
            record(sysactor, "child_file.move", file, region_code=new, changes={"region": [old, new]})
    moved = [f.pk for f in files]
    for pid in list(by_person):
        moved += list(selectors.files_of_parent([pid]).values_list("pk", flat=True))
    if moved:
        rederive(sysactor, set(moved))


__all__ = ["appoint", "end_duty", "open_file", "update_file", "set_parent", "confirm_review", "rederive",
           "rederive_all", "set_team_member", "remove_team_member", "record_visit", "regrade", "record_read",
           "record_list_read"]


# --- referrals (转介, a case type on the engine: children/case_types.py) -----------------------

REFERRAL_TYPE = "child_referral"


def referral_intake(actor: Actor, payload: dict):
    """Intake of ``child_referral``: ``file`` (the id of an open file the actor may change:
    its 儿童主任, 督导员 or ``view_child_files``), ``agency`` (a code of
    :data:`jiayuan.children.case_types.AGENCIES`), ``agency_name`` (optional, ≤100),
    ``reason`` (required, ≤2000: the need referred). The case is located at the child's
    region (village, or grid where the registry has it), its subject is the child (whose
    file decides who reads it). Errors:
    NotFound ``child_file.not_found`` (a file the actor does not read), Forbidden,
    ValidationFailed ``file.closed``, ``agency.invalid``, ``reason.required``."""
    from ..cases.services import CaseDraft
    from .case_types import AGENCIES

    file = selectors.get_file(actor.user, payload.get("file"))
    if not selectors.may_edit(actor.user, file):
        raise _forbidden()
    if file.status != ChildFile.Status.OPEN:
        raise ValidationFailed(_err("file", "file.closed", _("该档案已销档，不能再转介")))
    agencies = dict(AGENCIES)
    agency = str(payload.get("agency") or "")
    if agency not in agencies:
        raise ValidationFailed(_err("agency", "agency.invalid", _("请选择转介单位")))
    reason = str(payload.get("reason") or "").strip()
    if not reason:
        raise ValidationFailed(_err("reason", "reason.required", _("请填写转介事由")))
    agency_name = str(payload.get("agency_name") or "").strip()[:100]
    label = _(agencies[agency])
    return CaseDraft(region=file.person.region, title=f"{file.person.name} → {agency_name or label}"[:200],
                     description=reason[:2000], subject_person=file.person,
                     data={"file": file.pk, "agency": agency, "agency_name": agency_name},
                     comment=reason[:2000])


def open_referral(actor: Actor, file: ChildFile, agency: str, reason: str, agency_name: str = "",
                  request_key: str = ""):
    """Refer the child of ``file`` (see :func:`referral_intake`) through the engine's
    :func:`jiayuan.cases.services.create_case`; audited ``case.open`` by the engine and
    ``child_file.referral`` on the file. Returns the case (the first one on a repeated
    ``request_key``)."""
    from ..cases.services import create_case

    with transaction.atomic():
        case, created = create_case(actor, REFERRAL_TYPE, {"file": file.pk, "agency": agency, "reason": reason,
                                                            "agency_name": agency_name}, request_key=request_key)
        if created:
            record(actor, "child_file.referral", file, extra={"case": case.number, "agency": agency})
    return case



# --- closing a file (销档) and reopening it ----------------------------------------------------

def close_file(actor: Actor, file: ChildFile, reason: str, note: str = "", on: datetime.date | None = None,
               version=None) -> ChildFile:
    """Close the file (销档) on ``on`` (today by default) for ``reason`` (a code of
    :data:`rules.CLOSE_REASONS`, checked by :func:`rules.check_close` against the child's
    age and the confirmed categories). The file keeps everything it held; a
    :class:`ChildFileClosure` line records who, when, why (history), the audit entry
    ``child_file.close`` the same. Who: whoever may edit the file. Errors: Forbidden,
    Conflict ``child_file.conflict`` (stale version), ``child_file.closed`` (already
    closed), ``child_file.open_referrals`` (a referral of the child is still open: close
    it first), ValidationFailed (the rule's codes)."""
    from ..cases.models import Case
    from .models import ChildFileClosure

    if not selectors.may_edit(actor.user, file):
        raise _forbidden()
    on = on or selectors.today()
    note = str(note or "").strip()[:TEXT_MAX]
    with transaction.atomic():
        locked = ChildFile.objects.select_for_update().select_related("person").get(pk=file.pk)
        _check_version(locked, version)
        if locked.status == ChildFile.Status.CLOSED:
            raise Conflict("child_file.closed", _("该档案已销档"))
        errors = rules.check_close(reason, birth_date=locked.person.birth_date, on=on,
                                   categories=list(locked.categories), note=note)
        if errors:
            raise ValidationFailed.from_rule_errors(errors)
        if Case.objects.filter(type_code=REFERRAL_TYPE, subject_person=locked.person, is_open=True).exists():
            raise Conflict("child_file.open_referrals", _("该儿童还有未办结的转介，请先办结或撤回"))
        ChildFileClosure.objects.create(file=locked, closed_on=on, reason=reason, note=note, closed_by=actor.user)
        locked.status, locked.closed_on, locked.close_reason = ChildFile.Status.CLOSED, on, reason
        locked.version += 1
        locked.save(update_fields=["status", "closed_on", "close_reason", "version", "updated_at"])
        record(actor, "child_file.close", locked, extra={"reason": reason, "note": note, "on": on.isoformat()})
    return locked


def reopen_file(actor: Actor, file: ChildFile, note: str, on: datetime.date | None = None,
                version=None) -> ChildFile:
    """Reopen a closed file (the parents left again, the child came back): the current
    closure gets its reopening (date, who, ``note`` required), the categories are
    re-derived (a difference flags the file, as ever) and the next visit falls due as
    for a new file. Audited ``child_file.reopen``. Errors: Forbidden, Conflict
    ``child_file.conflict`` / ``child_file.not_closed``, ValidationFailed
    ``note.required``, ``child.adult`` (18 or over: nothing to reopen)."""
    from .models import ChildFileClosure

    if not selectors.may_edit(actor.user, file):
        raise _forbidden()
    on = on or selectors.today()
    note = str(note or "").strip()[:TEXT_MAX]
    if not note:
        raise ValidationFailed(_err("note", "note.required", _("请说明恢复原因")))
    with transaction.atomic():
        locked = ChildFile.objects.select_for_update().select_related("person", "region").get(pk=file.pk)
        _check_version(locked, version)
        if locked.status != ChildFile.Status.CLOSED:
            raise Conflict("child_file.not_closed", _("该档案未销档"))
        if age_on(locked.person.birth_date, max(on, locked.person.birth_date)) >= 18:
            raise ValidationFailed(_err("note", "child.adult", _("已年满18周岁，不能恢复档案")))
        ChildFileClosure.objects.filter(file=locked, reopened_on__isnull=True).update(
            reopened_on=on, reopened_by=actor.user, reopen_note=note)
        locked.status, locked.closed_on, locked.close_reason = ChildFile.Status.OPEN, None, ""
        locked.next_visit_due = rules.next_visit_due(selectors.risk_grades(), locked.risk, None, on)
        locked.version += 1
        locked.save(update_fields=["status", "closed_on", "close_reason", "next_visit_due", "version", "updated_at"])
        record(actor, "child_file.reopen", locked, extra={"note": note, "on": on.isoformat()})
        _rederive(actor, locked, on)
    return locked


# --- exports -----------------------------------------------------------------------------------

def export_files(actor: Actor, f: "selectors.FileFilters", region=None) -> tuple[bytes, str, str, int]:
    """The files the acting user reads matching ``f`` (need-to-know:
    :func:`selectors.search_files`) as a workbook, earliest visit due first:
    ``(bytes, file name, ASCII fallback, rows)``. ``region`` (from a scoped selector, or
    None) names the file. Needs ``export``; audited ``child_file.export`` with the
    filters and the ids of every file in it (each row is a read of that file)."""
    from django.utils import translation

    from . import exports, labels

    if not actor.user.can(Perm.EXPORT):
        raise _forbidden()
    files = list(selectors.search_files(actor.user, f).select_related("person", "region"))
    directors = selectors.directors_of({x.region_id for x in files})
    today = selectors.today()
    who = getattr(actor.user, "full_name", "") or actor.name
    with translation.override("zh-hans"):
        rows = []
        for x in files:
            d = directors.get(x.region_id)
            rows.append((
                x.person.name, x.person.get_sex_display(), x.person.birth_date.isoformat(), x.region.short_name,
                "、".join(labels.category_name(c) for c in x.categories) or "—", labels.grade_name(x.risk),
                x.last_visit_on.isoformat() if x.last_visit_on else "—", x.next_visit_due.isoformat(),
                "是" if x.status == ChildFile.Status.OPEN and x.next_visit_due < today else "",
                x.guardian_name, x.guardian_relation, x.caregiver_name, x.school, x.school_grade,
                (d.user.full_name or d.user.username) if d else "缺", x.get_status_display(),
                "是" if x.proposed is not None else ""))
        name, fallback = exports.file_names(region, today, f.overdue)
        title = (f"{region.short_name if region is not None else '全部'} "
                 f"{'儿童探访逾期名单' if f.overdue else '儿童档案花名册'} 导出人：{who}，"
                 f"导出时间：{timezone.localtime():%Y-%m-%d %H:%M}（儿童个人信息，仅限工作使用）")
        data = exports.table_xlsx("儿童档案", title, exports.FILE_HEADERS, rows)
    record(actor, "child_file.export", object_type="children.childfile",
           region_code=region.code if region is not None else "",
           extra={"rows": len(rows), "ids": [x.pk for x in files], "filters": {
               "category": f.category, "risk": f.risk, "region": f.region, "overdue": f.overdue,
               "flagged": f.flagged, "q": f.q, "status": f.status}})
    return data, name, fallback, len(rows)


# --- children's allowances (assistance programs, enrolled from the file) -----------------------

ALLOWANCE_PROGRAMS = ("orphan_allowance", "de_facto_unsupported_allowance")


def enrol_allowance(actor: Actor, file: ChildFile, program: str, start_month, inputs: dict | None = None,
                    payee_account: str = "", reason: str = ""):
    """Enrol the child of ``file`` in 孤儿基本生活费 or 事实无人抚养儿童基本生活补贴 from
    ``start_month``, through the assistance module's enrollment
    (:func:`jiayuan.assistance.services.enrollments.enroll`): the amount from the
    provincial parameters in force (:func:`jiayuan.assistance.rules.child_allowance_eligibility`),
    paid by the monthly batches like every program. The category must be confirmed on
    the file (the registry fact the enrollment reads). Who: a reader of the file who
    decides enrollments (``decide_applications``: county civil affairs). Audited
    ``child_file.allowance`` on the file (and the enrollment's own entry). Errors:
    NotFound (file), ValidationFailed ``program.invalid`` and the enrollment's
    (``amount.zero`` naming the failed conditions, ``parameters.missing`` …), Forbidden,
    Conflict ``enrollment.duplicate``."""
    from ..assistance.services.enrollments import enroll

    if program not in ALLOWANCE_PROGRAMS:
        raise ValidationFailed(_err("program", "program.invalid", _("请选择孤儿基本生活费或事实无人抚养儿童基本生活补贴")))
    if not selectors.may_edit(actor.user, file):
        raise _forbidden()
    with transaction.atomic():
        enrollment = enroll(actor, program=program, person=file.person, region=file.person.region_id,
                            start_month=start_month, inputs=dict(inputs or {}), payee_account=payee_account,
                            reason=reason or _("由儿童档案纳入"))
        record(actor, "child_file.allowance", file, extra={"program": program, "enrollment": enrollment.pk,
                                                          "amount": str(enrollment.amount)})
    return enrollment


def stop_allowance(actor: Actor, file: ChildFile, enrollment_id, reason: str, end_month=None, version=None):
    """Stop (终止) the child's enrollment ``enrollment_id`` in a children's allowance from
    the file — typically when the file's category no longer holds for it
    (:func:`selectors.allowance_holds`: the parents came back, the child was adopted) —
    through the assistance module's :func:`jiayuan.assistance.services.enrollments.terminate`:
    ``reason`` required (it is the written notice's reason), ``end_month`` the last month
    paid (default the current month). Who: as :func:`enrol_allowance`. Audited
    ``child_file.allowance_stop`` on the file (and the enrollment's own entry). Errors:
    NotFound ``enrollment.not_found`` (not this child's allowance, or out of the actor's
    assistance scope), Forbidden, ValidationFailed (``reason.missing``, ``end_month.*``),
    Conflict (``enrollment.closed`` when already terminated, the version)."""
    from ..assistance.selectors.enrollments import enrollments_for
    from ..assistance.services.enrollments import terminate

    if not selectors.may_edit(actor.user, file):
        raise _forbidden()
    enrollment = enrollments_for(actor.user).filter(
        pk=enrollment_id if str(enrollment_id or "").isdigit() else 0, person_id=file.person_id,
        program_id__in=ALLOWANCE_PROGRAMS).first()
    if enrollment is None:
        raise NotFound("enrollment.not_found")
    with transaction.atomic():
        enrollment = terminate(actor, enrollment, reason, version, end_month=end_month)
        record(actor, "child_file.allowance_stop", file, extra={
            "program": enrollment.program_id, "enrollment": enrollment.pk,
            "end_month": enrollment.end_month.isoformat(), "reason": str(reason or "").strip()[:TEXT_MAX]})
    return enrollment
