"""Applications for social assistance (社会救助申请): one door, coordinated handling
(一门受理、协同办理), on the case engine (case type ``assistance_application``, declared in
:mod:`jiayuan.assistance.case_types`).

Writes here, one transaction each with their audit entries:

- :func:`take_application` — the desk takes ONE application for a household asking for
  several kinds of help; the case is opened through the engine
  (:func:`jiayuan.cases.services.create_case` with :func:`application_intake`), the
  :class:`~jiayuan.assistance.models.AssistanceApplication` row and its parts are
  written beside it, and the case is accepted (受理) or the applicant is told at once of
  every missing material (一次性告知, ``materials_missing``).
- :func:`record_economic_status` — the household economic-status record (members with
  the co-resident flag, income items per month, assets).
- :func:`record_objection`, :func:`resolve_objection` — objections during the public
  notice (公示).
- the guards and effects the declaration names (``assistance.*``), registered when this
  module is imported (``AssistanceConfig.ready``): the eligibility assessment at the
  initial opinion, the 7-day notice, the two visitors of the home visit, the decision,
  the enrollment from the month after approval, the departments' parts.

Everything that changes a stage goes through ``cases.services.transition`` (API:
``POST /api/v1/cases/{number}/transitions``); errors are the engine's (403
``case.role_forbidden``, 409 ``case.guard`` / ``case.invalid_state`` /
``case.version_conflict``, 422 for input) and this module's (422 ``household.*``,
``parts.*``, ``materials.*``, ``members.*``, ``incomes.*``, ``assets.*``,
``objection.*``; 409 ``application.*``).

Policy sources: 社会救助暂行办法（国务院令第649号，2019年修订）第十一条 (application,
economic-status check, home visit, 7-day notice, county decision, written refusal);
最低生活保障审核确认办法（民发〔2021〕57号）**(check)** for the 30/45-working-day limits
and the 3-working-day written refusal; 国发〔2014〕47号 for temporary assistance
(township-delegated amounts, 先行救助 in emergencies).
"""

from __future__ import annotations

import datetime
import logging
import re
import unicodedata
from decimal import Decimal

from django.db import transaction
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ...accounts.permissions import Perm
from ...audit.services import Actor, jsonable, record
from ...cases import workdays
from ...cases.effects import effect, guard
from ...cases.models import Case, CaseTask, Department
from ...cases.services import CaseDraft, create_case, transition
from ...errors import Conflict, ServiceError, ValidationFailed
from ...regions.rules import village_kind
from .. import rules
from ..case_types import HELP_KINDS, STANDARD_PROGRAMS, WORKING_STATES, EXTENDABLE_STATES, stay_guard
from ..models import (
    ApplicationMember,
    ApplicationPart,
    AssetItem,
    AssistanceApplication,
    IncomeItem,
    NoticeObjection,
    Program,
)
from .parameters import _err, free_text, require

log = logging.getLogger(__name__)

TYPE_CODE = "assistance_application"
PROCESS_LIMIT_DAYS = 30          # working days from acceptance (社会救助暂行办法; 民发〔2021〕57号 (check))
PROCESS_LIMIT_DAYS_EXTENDED = 45  # in special cases
NOTICE_DAYS = 7                  # public notice in the community, calendar days (公示期为7天)
NOTICE_START_MAX_AHEAD = 3       # the notice starts at most this many calendar days after the initial opinion
EMERGENCY_COMPLETION_DAYS = 5    # default when the temporary-assistance parameters do not say
MAX_TEXT = 2000

_SERVICE = object()  # marks a payload built by take_application (the intake refuses others)


def _free_text(value) -> str:
    """Prose typed by staff (the reason of an application, objections, resolutions):
    :func:`.parameters.free_text` — control and invisible characters other than line
    breaks and tabs removed, ``\r\n`` made ``\n``, stripped; Chinese punctuation kept
    as typed (no NFKC). Not a string → ''."""
    if not isinstance(value, str):
        return ""
    return free_text(value)


def _local_date(now: datetime.datetime) -> datetime.date:
    return timezone.localtime(now).date()


def _real_today(ctx) -> datetime.date:
    """The Beijing date a time guard compares with: the transition's date, but never
    after the real current date (a ``now`` passed in from the future cannot end a
    period early; the API and pages never pass one)."""
    return min(_local_date(ctx.now), timezone.localdate(timezone.now()))


def first_of_next_month(day: datetime.date) -> datetime.date:
    """The first day of the month after ``day`` (benefits start the month after approval)."""
    return (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


def process_due(accepted_on: datetime.date, days: int) -> tuple[datetime.date, bool]:
    """(the last day of the process, whether it is an estimate): the ``days``-th working
    day after the day of acceptance (that day not counted; official calendar with
    make-up working days; an estimate when the days run through a year whose official
    holiday arrangement is not entered yet, see :mod:`jiayuan.cases.workdays`)."""
    return workdays.add_working_days(accepted_on, days)


def _set_process_due(data: dict, accepted_on: datetime.date, days: int) -> None:
    due, estimated = process_due(accepted_on, days)
    data["process_due"] = due.isoformat()
    data["process_due_estimated"] = estimated


def recompute_process_due(case) -> dict | None:
    """The case's ``data`` with the process deadline counted again on the current
    official calendar (after a year's holidays are entered), or None when it is
    unchanged or the application was not accepted yet. Called by
    :func:`jiayuan.cases.calendar_services.enter_year` (CASE_DATA_DEADLINES)."""
    data = dict(case.data or {})
    if not data.get("accepted_on") or not data.get("process_due"):
        return None
    before = (data["process_due"], bool(data.get("process_due_estimated")))
    days = PROCESS_LIMIT_DAYS_EXTENDED if data.get("extended") else PROCESS_LIMIT_DAYS
    _set_process_due(data, datetime.date.fromisoformat(data["accepted_on"]), days)
    return None if (data["process_due"], data["process_due_estimated"]) == before else data


_MONEY_TEXT = re.compile(r"-?[0-9]+(\.[0-9]+)?")
MAX_MONEY = Decimal("10000000000")   # DecimalField(12, 2)


def parse_money(raw, field: str, *, positive: bool = False, code: str = "") -> Decimal:
    """Yuan from text (``"1200"``, ``"1200.50"``, ``"1,200.50"``) or a whole number (an
    ``int`` from JSON): Decimal with at most 2 places, ≥ 0 (> 0 with ``positive``),
    below 10 000 000 000. Refused, each with a Chinese message, as ValidationFailed on
    ``field`` (code ``code``, default ``<field>.invalid``): a JSON number with a fraction
    (a float: money is sent as text), ``true``/``false``, exponent notation (``"1e3"``),
    ``NaN``/``Infinity``, more than 2 decimals, a negative amount."""
    code = code or f"{field}.invalid"

    def fail(message):
        return ValidationFailed(_err(field, code, message))

    if isinstance(raw, bool) or isinstance(raw, float):
        raise fail(_("金额请以文字填写（如 \"1200.50\"），不要用带小数的数字类型"))
    if isinstance(raw, Decimal):
        text = str(raw) if raw.is_finite() else "NaN"
        if "E" in text or "e" in text:
            text = format(raw, "f")
    elif isinstance(raw, int):
        text = str(raw)
    elif isinstance(raw, str) or raw is None:
        text = unicodedata.normalize("NFKC", raw or "").strip().replace(",", "")
    else:
        raise fail(_("金额格式错误，请填写元，如 1200 或 1200.50"))
    if not text:
        raise fail(_("请填写金额（元）"))
    if not _MONEY_TEXT.fullmatch(text):
        raise fail(_("金额格式错误，请填写元，如 1200 或 1200.50"))
    value = Decimal(text)
    if value.as_tuple().exponent < -2:
        raise fail(_("金额最多精确到分（两位小数）"))
    if value < 0 or (positive and value == 0):
        raise fail(_("金额须大于 0") if positive else _("金额不能为负数"))
    if value >= MAX_MONEY:
        raise fail(_("金额过大"))
    return value.quantize(rules.FEN)


def material_needs(kinds) -> list[tuple[str, list[str]]]:
    """Who needs what: ``[(material, [names of the kinds of help that need it])]`` for
    these kinds (codes of :data:`HELP_KINDS`; unknown codes and repeats ignored), each
    material once, in the order of the kinds asked for and of each kind's list. The one
    source of the materials of an application: the desk's checklist (it follows the
    kinds ticked), :func:`required_materials` (what intake requires) and the 一次性告知书
    (what each missing material is for). Names are the declared Chinese ones (msgids)."""
    out: dict[str, list[str]] = {}
    for k in dict.fromkeys(kinds):
        spec = HELP_KINDS.get(k)
        if spec is None:
            continue
        for m in spec.get("materials", []):
            out.setdefault(m, []).append(spec["name"])
    return list(out.items())


def required_materials(kinds) -> list[str]:
    """The materials to bring for these kinds of help: the union of each kind's list,
    in order, without repeats (the materials of :func:`material_needs`)."""
    return [m for m, _names in material_needs(kinds)]


def area_of(region_code: str) -> str:
    """``urban`` for residents' committees (village-level code 001–199), ``rural`` for
    villagers' committees (200–399) and anything else (DOMAIN.md, division codes)."""
    return "urban" if len(region_code) >= 12 and village_kind(region_code) == "community" else "rural"


def _department_for(kind: str, region_code: str, given) -> Department | None:
    """The department taking a part of another department: ``given`` (id or code) when
    sent, else the one active department covering the region whose name has one of the
    kind's keywords (the nearest level first)."""
    prefixes = [region_code[:n] for n in (15, 12, 9, 6, 4, 2) if n <= len(region_code)]
    qs = Department.objects.filter(active=True, region_id__in=prefixes)
    if given not in (None, ""):
        q = {"pk": int(given)} if str(given).isdigit() else {"code": str(given)}
        return qs.filter(**q).first()
    found = []
    for d in qs:
        if any(k in d.name for k in HELP_KINDS[kind].get("keywords", [])):
            found.append(d)
    found.sort(key=lambda d: -len(d.region_id))
    return found[0] if found else None


# --- intake ------------------------------------------------------------------------------

def application_intake(actor: Actor, payload: dict) -> CaseDraft:
    """Check an application taken at the desk (一门受理) and prepare its case.

    ``payload``: ``household`` (id, in the actor's scope), ``applicant`` (id, a member of
    it), ``area`` (``urban``/``rural``; default from the community's code), ``parts``
    (kinds of :data:`HELP_KINDS`, each a code or ``{"kind", "department", "person"}``:
    the department for another department's help, the beneficiary for a per-person
    program, default the applicant), ``materials`` (names brought, from the checklist),
    ``reason``, ``emergency`` (临时救助 先行救助), ``hardship`` (临时救助: a key of
    ``rules.HARDSHIPS``), ``contact_phone``. Called only through
    :func:`take_application` (which writes the application row beside the case); a
    payload from elsewhere (``POST /api/v1/cases``) is refused with
    ``assistance.use_applications_api``. Raises ValidationFailed with every field error.
    """
    from ...people import rules as people_rules
    from ...people.selectors import get_household, get_person

    if payload.get("_service") is not _SERVICE:
        raise ServiceError("assistance.use_applications_api",
                           _("社会救助申请请通过 /api/v1/assistance/applications 或窗口受理页面登记"))
    user = actor.user
    errors: dict = {}
    household = applicant = None
    try:
        household = get_household(user, payload.get("household"))
    except Http404:
        errors.update(_err("household", "household.not_found", _("申请家庭不存在或不在您的管辖范围内")))
    if household is not None:
        try:
            applicant = get_person(user, payload.get("applicant"))
        except Http404:
            errors.update(_err("applicant", "applicant.not_found", _("请选择申请人（须为本辖区居民）")))
        else:
            if applicant.household_id != household.pk:
                errors.update(_err("applicant", "applicant.not_member", _("申请人 %(name)s 不是该户成员") % {
                    "name": applicant.name}))
            elif applicant.life_status != "alive":
                errors.update(_err("applicant", "applicant.deceased", _("申请人 %(name)s 已登记为已故") % {
                    "name": applicant.name}))
    area = str(payload.get("area") or "").strip()
    if area and area not in ("urban", "rural"):
        errors.update(_err("area", "area.invalid", _("城乡类别须为城市或农村")))
    reason = _free_text(payload.get("reason"))
    if len(reason) > MAX_TEXT:
        errors.update(_err("reason", "reason.too_long", _("申请理由不能超过 %(n)s 个字") % {"n": MAX_TEXT}))
    emergency = payload.get("emergency") in (True, "true", "1", 1, "on")

    # parts
    raw_parts = payload.get("parts") or []
    if isinstance(raw_parts, (str, dict)):
        raw_parts = [raw_parts]
    parts: list[dict] = []
    part_errors: list[dict] = []
    seen: set[str] = set()
    members = {p.pk: p for p in household.members.all()} if household is not None else {}
    for raw in raw_parts:
        item = raw if isinstance(raw, dict) else {"kind": raw}
        kind = str(item.get("kind") or "").strip()
        spec = HELP_KINDS.get(kind)
        if spec is None:
            part_errors.append({"code": "parts.unknown", "message": _("救助类别“%(kind)s”不存在") % {"kind": kind}})
            continue
        if kind in seen:
            continue
        seen.add(kind)
        part = {"kind": kind, "name": spec["name"], "program": kind if spec.get("program") else None,
                "department": None, "person": None}
        if spec.get("program"):
            program = Program.objects.filter(code=kind).first()
            if program is None or not program.active:
                part_errors.append({"code": "parts.inactive", "message": _("“%(name)s”未启用") % {"name": spec["name"]}})
                continue
            if program.unit == Program.Unit.PERSON:
                pid = item.get("person") or (applicant.pk if applicant else None)
                try:
                    pid = int(pid) if pid is not None else None
                except (TypeError, ValueError):
                    pid = None
                if household is not None and pid not in members:
                    part_errors.append({"code": "parts.person_not_member", "message": _(
                        "“%(name)s”的享受人须为该户成员") % {"name": spec["name"]}})
                    continue
                part["person"] = pid
        elif household is not None:
            dept = _department_for(kind, household.region_id, item.get("department"))
            if dept is None:
                part_errors.append({"code": "parts.department", "message": _(
                    "没有负责该区域的“%(dept)s”部门承办“%(name)s”，请选择承办部门") % {
                    "dept": spec["department"], "name": spec["name"]}})
                continue
            part["department"] = dept.pk
            part["department_name"] = dept.name
        parts.append(part)
    if not raw_parts:
        part_errors.append({"code": "parts.required", "message": _("请至少选择一项救助类别")})
    if part_errors:
        errors["parts"] = part_errors
    kinds = [p["kind"] for p in parts]
    civil = [k for k in kinds if HELP_KINDS[k].get("program")]
    if emergency and ("temporary_assistance" not in kinds or any(k in STANDARD_PROGRAMS for k in kinds)):
        errors.update(_err("emergency", "emergency.not_temporary", _(
            "紧急程序（先行救助）只适用于临时救助，且不能与低保、特困同时申请")))

    hardship = str(payload.get("hardship") or "").strip()
    if "temporary_assistance" in kinds and hardship not in rules.HARDSHIPS:
        errors.update(_err("hardship", "hardship.required", _("请选择临时救助的困难类型")))
    elif "temporary_assistance" not in kinds:
        hardship = ""

    # materials (一次性告知: everything missing is named at once)
    brought = [str(m).strip() for m in payload.get("materials") or [] if str(m).strip()]
    required = required_materials(kinds)
    unknown = [m for m in brought if m not in required]
    if unknown and not errors.get("parts"):
        errors.update(_err("materials", "materials.unknown", _("“%(name)s”不是所申请事项的申请材料") % {
            "name": unknown[0]}))
    if errors:
        raise ValidationFailed(errors)

    # one running application per household and kind
    running = (ApplicationPart.objects.filter(application__household=household, application__case__is_open=True,
                                              kind__in=kinds, status=ApplicationPart.Status.PENDING)
               .select_related("application__case").first())
    if running is not None:
        raise Conflict("application.duplicate", _("该户已有办理中的“%(name)s”申请（编号 %(number)s）") % {
            "name": HELP_KINDS[running.kind]["name"], "number": running.application.case.number})

    missing = [m for m in required if m not in brought]
    path = (AssistanceApplication.Path.STANDARD if any(k in STANDARD_PROGRAMS for k in civil)
            else AssistanceApplication.Path.EMERGENCY if emergency else AssistanceApplication.Path.SHORT)
    area = area or area_of(household.community_id)
    phone = str(payload.get("contact_phone") or "").strip()
    if phone:
        try:
            phone = people_rules.normalize_phone(phone)
        except people_rules.RuleError:
            raise ValidationFailed(_err("contact_phone", "phone.invalid", _("联系电话格式错误"))) from None
    else:
        phone = applicant.phone
    limits = {}
    if path == AssistanceApplication.Path.EMERGENCY:
        limits["awaiting_completion"] = f"{_emergency_completion_days(household.region_id, timezone.now())}wd"
    names = "、".join(p["name"] for p in parts)
    return CaseDraft(
        region=household.region, title=_("社会救助申请：%(names)s") % {"names": names}, description=reason,
        category=parts[0]["kind"], subject_person=applicant, subject_household=household,
        parties=[(applicant, "applicant")], contact_name=applicant.name, contact_phone=phone, limits=limits,
        data={"area": area, "path": path, "parts": parts, "materials": brought, "required_materials": required,
              "missing_materials": missing, "household_number": household.number, "emergency": emergency,
              "hardship": hardship},
    )


def _param_values(program: str, region_code: str, month: datetime.date):
    """(values, row) of the parameters of ``program`` in force for ``month`` in the
    region, or ({}, None)."""
    from ..selectors.parameters import parameter_in_force

    row = parameter_in_force(program, region_code, month.replace(day=1))
    return (dict(row.values) if row is not None else {}), row


def _emergency_completion_days(region_code: str, now: datetime.datetime) -> int:
    values, _row = _param_values("temporary_assistance", region_code, _local_date(now))
    try:
        n = int(values.get("emergency_completion_days") or EMERGENCY_COMPLETION_DAYS)
    except (TypeError, ValueError):
        n = EMERGENCY_COMPLETION_DAYS
    return max(1, n)


def take_application(actor: Actor, household, applicant, area: str, parts, reason: str = "", materials=(),
                     request_key: str = "", *, emergency: bool = False, hardship: str = "", contact_phone: str = "",
                     channel: str = Case.Channel.DESK, now: datetime.datetime | None = None
                     ) -> tuple[AssistanceApplication, bool]:
    """一门受理: take one application for ``household`` (id or row; must be in the
    actor's subtree) by ``applicant`` (a member) asking for ``parts`` (see
    :func:`application_intake`), with the ``materials`` brought.

    Opens the case through the engine, writes the application and its parts, then takes
    at once, as the same actor: 受理 when every required material is there (or on the
    emergency path, whose materials follow later), else 一次性告知补正材料 naming every
    missing material in one notice (stored in ``materials_missing``). At acceptance
    the other departments' parts become their tasks (协同办理) and the process deadline
    (30 working days) is set.

    Returns (application, created); a repeat with the same ``request_key`` returns the
    first application and ``created=False``. Raises Forbidden (403 ``permission_denied``
    without ``take_applications``; ``case.role_forbidden`` for a role the type does not
    let open it), ValidationFailed (422), Conflict (409 ``application.duplicate``).
    """
    require(actor, Perm.TAKE_APPLICATIONS)
    now = now or timezone.now()
    payload = {"_service": _SERVICE, "household": getattr(household, "pk", household),
               "applicant": getattr(applicant, "pk", applicant), "area": area, "parts": list(parts or []),
               "reason": reason, "materials": list(materials or []), "emergency": emergency,
               "hardship": hardship, "contact_phone": contact_phone}
    with transaction.atomic(), translation.override("zh-hans"):
        case, created = create_case(actor, TYPE_CODE, payload, request_key=request_key, channel=channel, now=now)
        if not created:
            return AssistanceApplication.objects.get(case=case), False
        data = case.data
        app = AssistanceApplication.objects.create(
            case=case, household=case.subject_household, applicant=case.subject_person, region=case.region,
            path=data["path"], area=data["area"], reason=case.description, materials_missing=data["missing_materials"])
        ApplicationPart.objects.bulk_create([
            ApplicationPart(application=app, kind=p["kind"], program_id=p["program"], department_id=p["department"])
            for p in data["parts"]])
        record(actor, "assistance.application.create", app, region_code=app.region_id, object_repr=case.number,
               changes={"parts": [None, [p["kind"] for p in data["parts"]]], "path": [None, app.path]},
               extra={"missing_materials": data["missing_materials"]})
        missing = data["missing_materials"]
        if missing and app.path != AssistanceApplication.Path.EMERGENCY:
            comment = _("请补正以下材料（一次性告知）：%(list)s") % {"list": "、".join(missing)}
            transition(actor, case, "request_materials", version=case.version, comment=comment, now=now)
        else:
            comment = (_("材料齐全，予以受理") if not missing else
                       _("紧急情况，先行受理；待补材料：%(list)s") % {"list": "、".join(missing)})
            transition(actor, case, "accept", version=case.version, comment=comment, now=now)
    app.refresh_from_db()
    return app, True


# --- the household economic-status record -------------------------------------------------

RECORD_STATES = ("accepted", "visiting", "initial_review")


NOTE_MAX = 200   # characters of a member's, an income's or an asset's note


def _int_or_none(value):
    """An id from JSON or a form: int, or digits; anything else (a float, a bool) None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def _clean_note(value, key: str, what: str, errors: dict) -> str:
    """A note of the record: control characters removed, one line, full-width
    punctuation kept (:func:`.parameters.free_text`); longer than :data:`NOTE_MAX` → an
    error on ``key`` (never cut)."""
    try:
        note = free_text(value, multiline=False)
    except TypeError:
        errors[key] = [{"code": "note.invalid", "message": _("%(what)s的说明应为文字") % {"what": what}}]
        return ""
    if len(note) > NOTE_MAX:
        errors[key] = [{"code": "note.too_long", "message": _("%(what)s的说明不能超过 %(n)s 个字（现为 %(len)s 个字）") % {
            "what": what, "n": NOTE_MAX, "len": len(note)}}]
    return note


def _clean_record(app: AssistanceApplication, members, incomes, assets) -> tuple[list, list, list]:
    """(members, incomes, assets) as model rows, or ValidationFailed naming every problem.

    Error keys name the place in the payload, 0-based as in the JSON
    (``members.1.person``, ``incomes.0.monthly_amount``, ``assets.2.quantity``,
    ``incomes.0.note``); the messages count from 1 (第 1 项收入). Problems of a whole
    section are on ``members``. Amounts through :func:`parse_money`."""
    from ...people.models import Person

    errors: dict = {}
    household_members = {p.pk: p for p in Person.objects.filter(household=app.household)}
    rows_m: list[ApplicationMember] = []
    if members is None:
        members = [{"person": pk, "co_resident": True} for pk in household_members]
    if not isinstance(members, (list, tuple)):
        raise ValidationFailed(_err("members", "members.invalid", _("家庭成员应为列表")))
    seen = set()
    for i, m in enumerate(members):
        n = i + 1
        if not isinstance(m, dict):
            errors[f"members.{i}"] = [{"code": "members.invalid", "message": _("第 %(n)s 名成员格式错误") % {"n": n}}]
            continue
        pid = _int_or_none(m.get("person"))
        if pid not in household_members:
            errors[f"members.{i}.person"] = [{"code": "members.not_member", "message": _(
                "第 %(n)s 名成员不是该户成员") % {"n": n}}]
            continue
        note = _clean_note(m.get("note"), f"members.{i}.note", _("第 %(n)s 名成员") % {"n": n}, errors)
        if pid in seen:
            continue
        seen.add(pid)
        co = m.get("co_resident", True) in (True, "true", "1", 1, "on")
        rows_m.append(ApplicationMember(application=app, person_id=pid, co_resident=co, note=note))
    if not rows_m and not any(k.startswith("members.") for k in errors):
        errors["members"] = [{"code": "members.required", "message": _("请至少登记一名家庭成员")}]
    elif rows_m and not any(r.co_resident for r in rows_m):
        errors["members"] = [{"code": "members.no_co_resident", "message": _("至少须有一名共同生活的家庭成员")}]
    kinds_i, kinds_a = rules.INCOME_KINDS, rules.ASSET_KINDS
    rows_i: list[IncomeItem] = []
    if not isinstance(incomes or [], (list, tuple)):
        raise ValidationFailed(_err("incomes", "incomes.invalid", _("收入应为列表")))
    for i, item in enumerate(incomes or []):
        n, key = i + 1, f"incomes.{i}"
        if not isinstance(item, dict):
            errors[key] = [{"code": "incomes.invalid", "message": _("第 %(n)s 项收入格式错误") % {"n": n}}]
            continue
        bad = len(errors)
        kind = item.get("kind")
        if not isinstance(kind, str) or kind not in kinds_i:
            errors[f"{key}.kind"] = [{"code": "incomes.kind", "message": _("第 %(n)s 项收入的类型无效") % {"n": n}}]
        pid = item.get("person")
        if pid in (None, ""):
            pid = None
        else:
            pid = _int_or_none(pid)
            if pid is None or pid not in seen:
                errors[f"{key}.person"] = [{"code": "incomes.person", "message": _(
                    "第 %(n)s 项收入的取得人不在登记的家庭成员中") % {"n": n}}]
        amount = None
        try:
            amount = parse_money(item.get("monthly_amount"), f"{key}.monthly_amount", code="incomes.amount")
        except ValidationFailed as exc:
            errors[f"{key}.monthly_amount"] = [{"code": "incomes.amount", "message": _(
                "第 %(n)s 项收入：%(msg)s") % {"n": n, "msg": exc.message}}]
        note = _clean_note(item.get("note"), f"{key}.note", _("第 %(n)s 项收入") % {"n": n}, errors)
        if len(errors) == bad:
            rows_i.append(IncomeItem(application=app, person_id=pid, kind=kind, monthly_amount=amount, note=note))
    rows_a: list[AssetItem] = []
    if not isinstance(assets or [], (list, tuple)):
        raise ValidationFailed(_err("assets", "assets.invalid", _("财产应为列表")))
    for i, item in enumerate(assets or []):
        n, key = i + 1, f"assets.{i}"
        if not isinstance(item, dict):
            errors[key] = [{"code": "assets.invalid", "message": _("第 %(n)s 项财产格式错误") % {"n": n}}]
            continue
        bad = len(errors)
        kind = item.get("kind")
        if not isinstance(kind, str) or kind not in kinds_a:
            errors[f"{key}.kind"] = [{"code": "assets.kind", "message": _("第 %(n)s 项财产的类型无效") % {"n": n}}]
        value = None
        try:
            value = parse_money(item.get("value"), f"{key}.value", code="assets.value")
        except ValidationFailed as exc:
            errors[f"{key}.value"] = [{"code": "assets.value", "message": _("第 %(n)s 项财产：%(msg)s") % {
                "n": n, "msg": exc.message}}]
        raw_qty = item.get("quantity")
        qty = 1 if raw_qty in (None, "") else _int_or_none(raw_qty)
        if qty is None or not 1 <= qty <= 999:
            errors[f"{key}.quantity"] = [{"code": "assets.quantity", "message": _(
                "第 %(n)s 项财产的数量须为 1–999 的整数") % {"n": n}}]
        note = _clean_note(item.get("note"), f"{key}.note", _("第 %(n)s 项财产") % {"n": n}, errors)
        if len(errors) == bad:
            rows_a.append(AssetItem(application=app, kind=kind, value=value, quantity=qty, note=note))
    if errors:
        raise ValidationFailed(errors)
    return rows_m, rows_i, rows_a


def record_economic_status(actor: Actor, application: AssistanceApplication, *, members=None, incomes=(),
                           assets=()) -> AssistanceApplication:
    """Record (replace) the household economic-status record of ``application`` (from a
    scoped selector): ``members`` ``[{"person", "co_resident", "note"}]`` (default: every
    member of the household, co-resident), ``incomes`` ``[{"person" (or None for the
    household), "kind", "monthly_amount" (yuan per month; a yearly income divided by
    12), "note"}]``, ``assets`` ``[{"kind", "value" (yuan), "quantity", "note"}]``.

    Allowed while the household is being checked (家庭经济状况核对, 入户调查, 初审 — before
    the initial opinion); Conflict ``application.record_closed`` otherwise. Raises
    Forbidden without ``take_applications``, ValidationFailed for bad rows.
    """
    require(actor, Perm.TAKE_APPLICATIONS)
    if actor.user is not None and not application.region_id.startswith(actor.user.scope_code):
        raise Http404
    with transaction.atomic():
        app = AssistanceApplication.objects.select_for_update().select_related("case", "household").get(
            pk=application.pk)
        if app.case.state not in RECORD_STATES:
            raise Conflict("application.record_closed", _("当前环节不能修改家庭经济状况（须在初审意见之前）"))
        rows_m, rows_i, rows_a = _clean_record(app, members, incomes, assets)
        before = {"members": app.members.count(), "incomes": app.incomes.count(), "assets": app.assets.count()}
        IncomeItem.objects.filter(application=app).delete()
        AssetItem.objects.filter(application=app).delete()
        ApplicationMember.objects.filter(application=app).delete()
        ApplicationMember.objects.bulk_create(rows_m)
        IncomeItem.objects.bulk_create(rows_i)
        AssetItem.objects.bulk_create(rows_a)
        co = {r.person_id for r in rows_m if r.co_resident}
        total = sum((r.monthly_amount for r in rows_i if r.person_id is None or r.person_id in co), Decimal("0"))
        record(actor, "assistance.application.economic", app, region_code=app.region_id,
               object_repr=app.case.number,
               changes={k: [before[k], n] for k, n in (("members", len(rows_m)), ("incomes", len(rows_i)),
                                                       ("assets", len(rows_a)))},
               extra={"co_resident": len(co), "monthly_income": str(total)})
        AssistanceApplication.objects.filter(pk=app.pk).update(updated_at=timezone.now())
    app.refresh_from_db()
    return app


# --- objections during the public notice ---------------------------------------------------

def record_objection(actor: Actor, application: AssistanceApplication, received_on, content: str,
                     now: datetime.datetime | None = None) -> NoticeObjection:
    """Record an objection raised during the public notice (公示异议): ``received_on`` (a
    date within the notice, not in the future), ``content``. While it is unresolved the
    application cannot leave the notice. Conflict ``application.not_in_notice`` outside
    the notice; ValidationFailed for bad input."""
    from django.utils.dateparse import parse_date

    require(actor, Perm.TAKE_APPLICATIONS)
    if actor.user is not None and not application.region_id.startswith(actor.user.scope_code):
        raise Http404
    now = now or timezone.now()
    today = _local_date(now)
    content = _free_text(content)
    try:
        day = received_on if isinstance(received_on, datetime.date) else parse_date(
            received_on.strip() if isinstance(received_on, str) else "")
    except ValueError:   # 2025-02-30
        day = None
    with transaction.atomic():
        app = AssistanceApplication.objects.select_for_update().select_related("case").get(pk=application.pk)
        if app.case.state != "public_notice" or app.notice_from is None:
            raise Conflict("application.not_in_notice", _("该申请不在公示期内，不能登记公示异议"))
        errors = {}
        if not content:
            errors.update(_err("content", "objection.content", _("请填写异议内容")))
        elif len(content) > MAX_TEXT:
            errors.update(_err("content", "objection.content", _("异议内容不能超过 %(n)s 个字") % {"n": MAX_TEXT}))
        if day is None:
            errors.update(_err("received_on", "objection.date", _("请填写收到异议的日期（YYYY-MM-DD）")))
        elif day < app.notice_from or day > today:
            errors.update(_err("received_on", "objection.date", _("收到日期须在公示开始（%(from)s）之后、不晚于今天") % {
                "from": app.notice_from.isoformat()}))
        if errors:
            raise ValidationFailed(errors)
        obj = NoticeObjection.objects.create(application=app, received_on=day, content=content,
                                             recorded_by=actor.user)
        record(actor, "assistance.objection.create", app, region_code=app.region_id,
               object_repr=app.case.number, extra={"objection": obj.pk, "received_on": day})
    return obj


def resolve_objection(actor: Actor, objection: NoticeObjection, resolution: str, upheld: bool) -> NoticeObjection:
    """Record how an objection was verified and settled (``resolution``) and whether it
    was ``upheld`` (异议成立: the application then goes back to investigation with the
    ``reinvestigate`` transition). Once settled it stays settled (Conflict
    ``objection.resolved``)."""
    require(actor, Perm.TAKE_APPLICATIONS)
    app = objection.application
    if actor.user is not None and not app.region_id.startswith(actor.user.scope_code):
        raise Http404
    resolution = _free_text(resolution)
    if not resolution:
        raise ValidationFailed(_err("resolution", "objection.resolution", _("请填写核实处理情况")))
    if len(resolution) > MAX_TEXT:
        raise ValidationFailed(_err("resolution", "objection.resolution", _("核实处理情况不能超过 %(n)s 个字") % {
            "n": MAX_TEXT}))
    if upheld not in (True, False):
        raise ValidationFailed(_err("upheld", "objection.upheld", _("请选择异议是否成立")))
    with transaction.atomic():
        obj = NoticeObjection.objects.select_for_update().get(pk=objection.pk)
        if obj.upheld is not None:
            raise Conflict("objection.resolved", _("该异议已处理"))
        obj.resolution, obj.upheld = resolution, upheld
        obj.save(update_fields=["resolution", "upheld"])
        record(actor, "assistance.objection.resolve", app, region_code=app.region_id,
               object_repr=app.case.number, extra={"objection": obj.pk, "upheld": upheld})
    return obj


# --- eligibility assessment ------------------------------------------------------------------

def household_facts(app: AssistanceApplication) -> dict:
    """The economic-status record as plain values for the rules: ``members`` (co-resident
    count), ``monthly_income`` (Decimal yuan, incomes of co-resident members and of the
    household as a whole), ``per_capita_income`` (exact Decimal, not rounded), lists of
    incomes and assets (JSON-ready), ``persons`` (co-resident person ids)."""
    members = list(app.members.select_related("person"))
    co = [m for m in members if m.co_resident]
    co_ids = {m.person_id for m in co}
    incomes = [i for i in app.incomes.all() if i.person_id is None or i.person_id in co_ids]
    total = sum((i.monthly_amount for i in incomes), Decimal("0"))
    assets = list(app.assets.all())
    n = len(co)
    return {
        "members": n, "persons": sorted(co_ids), "monthly_income": total,
        "per_capita_income": (total / n) if n else None,
        "incomes": [{"person": i.person_id, "kind": i.kind, "monthly_amount": str(i.monthly_amount)} for i in incomes],
        "assets": [{"kind": a.kind, "value": str(a.value), "quantity": a.quantity} for a in assets],
        "asset_rows": assets,
    }




def _eligibility_dict(result) -> dict:
    comp = getattr(result, "computation", None)
    return {
        "eligible": bool(result.eligible),
        "reasons": [{"code": r.code, "met": bool(r.met), "message": r.message, "values": jsonable(r.values)}
                    for r in result.reasons],
        "amount": str(comp.amount) if comp is not None else None,
        "rule": comp.rule if comp is not None else "",
        "computation": jsonable(comp.detail) if comp is not None else {},
    }


def _latest_visit(app: AssistanceApplication) -> dict:
    """The fields of the last 入户调查 on the timeline (visitors, findings, and the 特困
    facts found at the visit: ``self_care``, ``no_work_capacity``, ``no_income_source``,
    ``no_supporter``)."""
    from ...cases.models import CaseEvent

    event = CaseEvent.objects.filter(case_id=app.case_id, action="home_visit").order_by("-seq").first()
    return dict(event.data) if event is not None else {}


def _open_enrollment(program: str, *, person=None, household=None) -> bool:
    from ..models import Enrollment

    qs = Enrollment.objects.filter(program_id=program).exclude(status=Enrollment.Status.TERMINATED)
    if household is not None:
        return qs.filter(household=household).exists()
    return qs.filter(person=person).exists()


def beneficiary(app: AssistanceApplication, part: ApplicationPart):
    """(person, household) of a part: for a household program the applicant as payee
    and the household; for a per-person program the beneficiary chosen at intake
    (default the applicant) and no household."""
    from ...people.models import Person

    if part.program_id and part.program.unit == Program.Unit.HOUSEHOLD:
        return app.applicant, app.household
    pid = next((p.get("person") for p in app.case.data.get("parts", []) if p.get("kind") == part.kind), None)
    person = Person.objects.filter(pk=pid).first() if pid else None
    return person or app.applicant, None


def program_inputs(app: AssistanceApplication, part: ApplicationPart, facts: dict, person, *,
                   subsistence_expected: bool = False) -> dict:
    """The facts a program's rule reads (see :mod:`jiayuan.assistance.rules`), taken from
    the economic-status record, the home visit, the registry and the disability
    certificates; stored as the enrollment's ``inputs`` (the batches recompute from
    them). JSON-ready. ``subsistence_expected``: 低保 is being granted in the same
    application (counts as a 低保 household for 两项补贴 and 养老服务补贴)."""
    kind = part.kind
    inputs: dict = {"area": app.area}
    if kind == "subsistence_allowance":
        assets = facts["asset_rows"]
        inputs.update({
            "members": facts["members"], "household_income": str(facts["monthly_income"]),
            "deposits": str(sum((a.value for a in assets if a.kind in ("deposits", "securities")), Decimal("0"))),
            "vehicles": sum(a.quantity for a in assets if a.kind == "vehicle"),
            "housing": sum(a.quantity for a in assets if a.kind == "housing")})
        return inputs
    if kind == "extreme_poverty_support":
        visit = _latest_visit(app)
        inputs.update({k: bool(visit.get(k, False)) for k in ("no_work_capacity", "no_income_source", "no_supporter")})
        inputs["self_care"] = visit.get("self_care") or "full_self"
        inputs["setting"] = "home"
        inputs["disabled"] = _certificate(person) is not None
        return inputs
    in_subsistence = subsistence_expected or _open_enrollment("subsistence_allowance", household=app.household)
    in_extreme = _open_enrollment("extreme_poverty_support", person=person)
    status = "extreme_poverty" if in_extreme else "subsistence" if in_subsistence else "other"
    if kind in ("disability_living_allowance", "disability_care_allowance"):
        cert = _certificate(person)
        inputs.update({"certificate_valid": cert is not None,
                       "disability_type": cert.disability_type if cert else None,
                       "grade": cert.grade if cert else None,
                       "long_term_care_need": bool(cert and cert.long_term_care_need),
                       "household_status": "subsistence" if in_subsistence else "other",
                       "extreme_poverty": in_extreme, "work_injury_care": False, "overlapping": []})
        return inputs
    if kind == "elderly_allowance":
        inputs["registered"] = person.residence_status == "registered"
        return inputs
    if kind == "elderly_care_allowance":
        from ...eldercare.selectors import capacity_facts

        assessed = capacity_facts([person.pk]).get(person.pk)
        inputs.update({"economic_status": status, "overlapping": [],
                       "capacity_level": assessed["capacity_level"] if assessed else None})
        return inputs
    return inputs


def _certificate(person):
    """The person's valid disability certificate (disability app), or None."""
    try:
        from ...disability.models import DisabilityCertificate
    except ImportError:  # pragma: no cover - the disability app is installed with this one
        return None
    return DisabilityCertificate.objects.filter(person=person, status="valid").order_by("-issued_on").first()


def assess_program(app: AssistanceApplication, part: ApplicationPart, facts: dict, month: datetime.date, *,
                   subsistence_expected: bool = False) -> dict:
    """The eligibility of ``part`` for ``month`` under the parameters in force there in
    the beneficiary's region (JSON-ready): ``eligible`` (None when it cannot be told:
    no parameters in force, or facts the rule needs are missing), ``reasons`` (each
    condition with the values compared), ``amount``, ``rule``, ``computation``,
    ``inputs``, ``parameter`` (row id) and ``parameter_from``."""
    person, _household = beneficiary(app, part)
    values, row = _param_values(part.kind, person.region_id, month)
    inputs = program_inputs(app, part, facts, person, subsistence_expected=subsistence_expected)
    out = {"program": part.kind, "month": month.isoformat(), "person": person.pk, "inputs": jsonable(inputs),
           "parameter": row.pk if row else None, "parameter_from": row.effective_from.isoformat() if row else None}
    if row is None:
        return {**out, "eligible": None, "amount": None, "rule": "", "computation": {}, "reasons": [{
            "code": "parameters.missing", "met": False, "values": {},
            "message": _("%(region)s 尚无 %(month)s 适用的%(program)s参数") % {
                "region": person.region_id, "month": month.strftime("%Y-%m"), "program": part.program.name}}]}
    try:
        result = rules.eligibility(part.kind, inputs, values, month, birth_date=person.birth_date)
    except (KeyError, TypeError, ValueError, ArithmeticError) as exc:
        return {**out, "eligible": None, "amount": None, "rule": "", "computation": {}, "reasons": [{
            "code": "inputs.incomplete", "met": False, "values": {},
            "message": _("无法测算（缺少或有误：%(what)s）") % {"what": exc}}]}
    return {**out, **_eligibility_dict(result)}


def assess(app: AssistanceApplication, month: datetime.date, now: datetime.datetime) -> dict:
    """The assessment stored on the application: the household facts and, per monthly
    program part (temporary assistance is one-off and decided with its amount),
    :func:`assess_program` for ``month`` (JSON-ready)."""
    facts = household_facts(app)
    programs = {}
    parts = sorted(app.parts.filter(program__isnull=False).exclude(kind="temporary_assistance")
                   .select_related("program"), key=lambda p: p.program.sort)
    for part in parts:
        expected = ("subsistence_allowance" in programs
                    and programs["subsistence_allowance"].get("eligible") is True)
        programs[part.kind] = assess_program(app, part, facts, month, subsistence_expected=expected)
    pci = facts["per_capita_income"]
    return {
        "at": timezone.localtime(now).isoformat(), "month": month.isoformat(),
        "household": {"members": facts["members"], "monthly_income": str(facts["monthly_income"]),
                      "per_capita_income": str(rules.to_fen(pci)) if pci is not None else None,
                      "per_capita_income_exact": str(pci) if pci is not None else None,
                      "incomes": facts["incomes"], "assets": facts["assets"]},
        "programs": programs,
    }


# --- guards -------------------------------------------------------------------------------------

def _app(ctx) -> AssistanceApplication:
    app = ctx.notes.get("application")
    if app is None or app.case_id != ctx.case.pk:
        app = AssistanceApplication.objects.select_related("household", "applicant").get(case_id=ctx.case.pk)
        ctx.notes["application"] = app
    return app


def _civil_kinds(app) -> set[str]:
    return set(app.parts.filter(program__isnull=False).exclude(
        status=ApplicationPart.Status.CANCELLED).values_list("kind", flat=True))


for _state in set(WORKING_STATES) | set(EXTENDABLE_STATES):
    guard(stay_guard(_state))(lambda ctx, _s=_state: ctx.case.state == _s)


@guard("assistance.materials_complete")
def _materials_complete(ctx):
    app = _app(ctx)
    if ctx.case.state == "awaiting_materials" or not app.materials_missing:
        return True
    if app.path == AssistanceApplication.Path.EMERGENCY:
        return True
    return _("材料不齐：%(list)s。请一次性告知申请人补正") % {"list": "、".join(app.materials_missing)}


@guard("assistance.path_emergency")
def _path_emergency(ctx):
    return _app(ctx).path == AssistanceApplication.Path.EMERGENCY


@guard("assistance.path_short")
def _path_short(ctx):
    return True if _app(ctx).path == AssistanceApplication.Path.SHORT else _("该申请不适用简易程序")


@guard("assistance.path_standard")
def _path_standard(ctx):
    return True if _app(ctx).path == AssistanceApplication.Path.STANDARD else _("该申请不适用常规程序")


@guard("assistance.no_civil_parts")
def _no_civil_parts(ctx):
    return not _civil_kinds(_app(ctx))


@guard("assistance.temporary_only")
def _temporary_only(ctx):
    return True if _civil_kinds(_app(ctx)) == {"temporary_assistance"} else _(
        "只有单独申请临时救助的，乡镇（街道）才能在授权额度内审批")


@guard("assistance.economic_status_recorded")
def _economic_status_recorded(ctx):
    app = _app(ctx)
    if app.members.filter(co_resident=True).exists():
        return True
    return _("请先登记家庭经济状况（共同生活的家庭成员、收入和财产）")


@guard("assistance.opinion_ineligible")
def _opinion_ineligible(ctx):
    return ctx.values.get("opinion") == "ineligible"


@guard("assistance.notice_period_over")
def _notice_period_over(ctx):
    app = _app(ctx)
    if app.notice_until is None:
        return _("尚未公示")
    today = _real_today(ctx)
    if today > app.notice_until:
        return True
    return _("公示期为 %(from)s 至 %(until)s（7 天），%(next)s 起方可报送审核") % {
        "from": app.notice_from.isoformat(), "until": app.notice_until.isoformat(),
        "next": (app.notice_until + datetime.timedelta(days=1)).isoformat()}


@guard("assistance.objections_resolved")
def _objections_resolved(ctx):
    n = _app(ctx).objections.filter(upheld__isnull=True).count()
    return True if n == 0 else _("还有 %(n)s 条公示异议未核实处理") % {"n": n}


@guard("assistance.tasks_pending")
def _tasks_pending(ctx):
    return CaseTask.objects.filter(case=ctx.case, status=CaseTask.Status.PENDING).exists()


@guard("assistance.coordination_finished")
def _coordination_finished(ctx):
    return ctx.case.state == "coordinating" and not CaseTask.objects.filter(
        case=ctx.case, status=CaseTask.Status.PENDING).exists()


@guard("assistance.not_extended")
def _not_extended(ctx):
    return True if not ctx.case.data.get("extended") else _("办理时限已延长过一次（45 个工作日）")


@guard("assistance.assessment_eligible")
def _assessment_eligible(ctx):
    """On the standard path, every 低保/特困 part must have been found eligible by the
    rules at the initial opinion (the stored assessment); a refusal is the other way."""
    app = _app(ctx)
    if app.path != AssistanceApplication.Path.STANDARD:
        return True
    programs = (app.assessment or {}).get("programs") or {}
    for kind in _civil_kinds(app) & set(STANDARD_PROGRAMS):
        result = programs.get(kind)
        if result is None:
            return _("尚无“%(name)s”的审核测算结果") % {"name": HELP_KINDS[kind]["name"]}
        if result.get("eligible") is False:
            failed = "；".join(r["message"] for r in result.get("reasons", []) if not r.get("met"))
            return _("审核测算结果为不符合“%(name)s”条件（%(why)s），不能批准") % {
                "name": HELP_KINDS[kind]["name"], "why": failed}
    return True


# --- effects ------------------------------------------------------------------------------------

def _system_actor(ctx) -> Actor:
    return Actor(ctx.user, "system", {"case": ctx.case.number})


@effect("assistance.accept")
def _accept(ctx):
    """受理: materials confirmed complete (coming back from 待补正材料), the process deadline
    (30 working days from today), and a task for every other department's part (协同办理)."""
    app = _app(ctx)
    today = _local_date(ctx.now)
    data = dict(ctx.case.data)
    if ctx.case.state == "awaiting_materials":
        data["materials"] = list(data.get("required_materials") or [])
        data["missing_materials"] = []
        data["materials_completed_on"] = today.isoformat()
        app.materials_missing = []
    data["accepted_on"] = today.isoformat()
    _set_process_due(data, today, PROCESS_LIMIT_DAYS)
    ctx.case.data = data
    parts = list(app.parts.filter(department__isnull=False, task__isnull=True).select_related("department"))
    civil = _civil_kinds(app)
    for i, part in enumerate(parts):
        lead = not civil and i == 0
        part.task = CaseTask.objects.create(case=ctx.case, department=part.department, is_lead=lead,
                                            assigned_at=ctx.now)
        part.save(update_fields=["task"])
        if lead:
            ctx.case.department = part.department
    app.save(update_fields=["materials_missing", "updated_at"])


def _visit_staff(app, raw, field: str, label: str, errors: dict):
    """The staff account named in a visitor field (user id, or username) if it may make
    the visit (:func:`jiayuan.assistance.selectors.applications.visit_staff`); else an
    error on ``field`` and None."""
    from ..selectors.applications import visit_staff

    text = str(raw or "").strip()
    if not text:
        errors.update(_err(field, f"{field}.required", _("请选择%(label)s") % {"label": label}))
        return None
    staff = visit_staff(app)
    user = None
    if text.isdigit():
        user = staff.filter(pk=int(text)).first()
    if user is None:
        user = staff.filter(username=text).first()
    if user is None:
        errors.update(_err(field, "visitors.not_staff", _(
            "%(label)s须为本申请所在社区（村）、乡镇（街道）或县区的在职工作人员账号（“%(given)s”不是）") % {
            "label": label, "given": text[:50]}))
    return user


@effect("assistance.home_visit")
def _home_visit(ctx):
    """入户调查 by two staff (社会救助暂行办法第十一条; 民发〔2021〕57号 **(check)**: 入户调查
    人员不少于 2 人): ``visitor_1`` and ``visitor_2`` are two different staff accounts
    (user id or username) of the application's area — a community worker or director,
    a township (street) or county officer whose scope contains the household's region;
    ``others_present`` (optional) names anyone else who was there. The visit date is not
    before acceptance nor in the future. The visitors are kept with ids and names in
    ``case.data["home_visits"]`` (one entry per visit, the last one last). Raises
    ValidationFailed (422): ``visitors.not_staff`` (unknown account, another area, a
    role that does not visit), ``visitors.two_required`` (the same account twice),
    ``visit_date.invalid``, ``others_present.invalid``."""
    from ..selectors.applications import staff_label

    app = _app(ctx)
    errors: dict = {}
    first = _visit_staff(app, ctx.values.get("visitor_1"), "visitor_1", _("调查人员（一）"), errors)
    second = _visit_staff(app, ctx.values.get("visitor_2"), "visitor_2", _("调查人员（二）"), errors)
    if first is not None and second is not None and first.pk == second.pk:
        errors.update(_err("visitor_2", "visitors.two_required", _(
            "入户调查须由两名不同的工作人员进行（两项都选了 %(name)s）") % {"name": staff_label(first)}))
    others = free_text(ctx.values.get("others_present") or "", multiline=False)
    if len(others) > 200:
        errors.update(_err("others_present", "others_present.invalid", _("其他在场人员不能超过 200 个字")))
    day = ctx.values.get("visit_date")
    accepted = ctx.case.data.get("accepted_on")
    if day is not None and (day > _local_date(ctx.now) or (accepted and day.isoformat() < accepted)):
        errors.update(_err("visit_date", "visit_date.invalid", _("调查日期须在受理之后、不晚于今天")))
    if errors:
        raise ValidationFailed(errors)
    data = dict(ctx.case.data)
    data["home_visits"] = list(data.get("home_visits") or []) + [{
        "visit_date": day.isoformat() if day else None,
        "visitors": [{"id": u.pk, "username": u.username, "name": u.full_name or u.username, "role": u.role}
                     for u in (first, second)],
        "others_present": others, "recorded_at": timezone.localtime(ctx.now).isoformat()}]
    ctx.case.data = data


@effect("assistance.initial_opinion")
def _initial_opinion(ctx):
    """初审意见: the eligibility assessment by the rules with the parameters in force this
    month (stored in ``assessment``); with a favourable opinion the public notice starts
    on ``notice_from`` (default: the Beijing date of this transition) and runs 7 full
    calendar days: ``notice_until`` = ``notice_from`` + 6, the next step from the 8th
    day (guard ``assistance.notice_period_over``). ``notice_from`` must lie between the
    day of the initial opinion and :data:`NOTICE_START_MAX_AHEAD` (3) days later — a
    notice is never backdated (ValidationFailed ``notice_from.invalid``) — so a notice
    decided on a Friday may be posted on Monday and still end within the stage's 7
    working days."""
    app = _app(ctx)
    today = _local_date(ctx.now)
    with translation.override("zh-hans"):
        assessment = assess(app, today.replace(day=1), ctx.now)
    assessment["opinion"] = ctx.values.get("opinion")
    app.assessment = assessment
    if ctx.values.get("opinion") == "eligible":
        start = ctx.values.get("notice_from") or today
        latest = today + datetime.timedelta(days=NOTICE_START_MAX_AHEAD)
        if not today <= start <= latest:
            raise ValidationFailed(_err("notice_from", "notice_from.invalid", _(
                "公示开始日期须在 %(from)s（提出初审意见当天）至 %(to)s 之间，不能提前到初审意见之前") % {
                "from": today.isoformat(), "to": latest.isoformat()}))
        app.notice_from = start
        app.notice_until = start + datetime.timedelta(days=NOTICE_DAYS - 1)
    app.save(update_fields=["assessment", "notice_from", "notice_until", "updated_at"])


@effect("assistance.reopen_notice")
def _reopen_notice(ctx):
    """重新调查: a new initial opinion and a new notice will be needed."""
    app = _app(ctx)
    app.notice_from = app.notice_until = None
    app.save(update_fields=["notice_from", "notice_until", "updated_at"])


def _decide(app, ctx, decision: str, reason: str = "") -> None:
    app.decision = decision
    app.decision_reason = reason
    app.decided_at = ctx.now
    app.save(update_fields=["decision", "decision_reason", "decided_at", "updated_at"])


def _temporary_check(app, amount: Decimal, ctx, *, emergency: bool = False) -> dict:
    """Check a temporary-assistance amount against the rule (国发〔2014〕47号): the
    hardship recorded at intake, at most ``max_multiple`` × the monthly 低保 standard of
    the area, on the emergency path at most ``emergency_limit``; both parameter sets in
    force this month. Returns the rule's computation (``approver``: township/county);
    Conflict ``case.guard`` naming the failed conditions."""
    month = _local_date(ctx.now).replace(day=1)
    values, row = _param_values("temporary_assistance", app.region_id, month)
    sub_values, sub_row = _param_values("subsistence_allowance", app.region_id, month)
    if row is None or sub_row is None:
        raise Conflict("case.guard", _("%(month)s 尚无临时救助或低保标准参数，无法审批临时救助") % {
            "month": month.strftime("%Y-%m")})
    inputs = {"hardship": ctx.case.data.get("hardship") or "other", "amount": str(amount), "emergency": emergency}
    try:
        result = rules.temporary_assistance_eligibility(inputs, values, sub_values[f"standard_{app.area}"])
    except (KeyError, TypeError, ValueError, ArithmeticError) as exc:
        raise Conflict("case.guard", _("临时救助参数不完整：%(what)s") % {"what": exc}) from None
    if not result.eligible:
        raise Conflict("case.guard", "；".join(r.message for r in result.failed))
    return {**_eligibility_dict(result), "parameter": row.pk, "month": month.isoformat()}


@effect("assistance.township_decide")
def _township_decide(ctx):
    """乡镇审批 of temporary assistance within the amount delegated to the township
    (parameter ``township_limit`` of ``temporary_assistance`` in force this month);
    above it the application goes to the county (``township_submit``)."""
    app = _app(ctx)
    amount = parse_money(ctx.values.get("amount"), "amount", positive=True)
    check = _temporary_check(app, amount, ctx)
    limit = check["computation"].get("township_limit")
    if check["computation"].get("approver") != "township":
        raise Conflict("case.guard", _("%(amount)s 元超出乡镇（街道）审批额度 %(limit)s 元，请报县级审批") % {
            "amount": amount, "limit": limit})
    _grant_temporary(app, amount, ctx, check)
    _decide(app, ctx, "approved", ctx.values.get("_comment", ""))


def _grant_temporary(app, amount: Decimal, ctx, check: dict) -> None:
    part = app.parts.get(kind="temporary_assistance")
    part.status = ApplicationPart.Status.APPROVED
    part.amount = amount
    part.result = _("临时救助 %(amount)s 元（%(day)s）") % {"amount": amount, "day": _local_date(ctx.now).isoformat()}
    part.save(update_fields=["status", "amount", "result"])
    assessment = dict(app.assessment or {})
    assessment.setdefault("programs", {})["temporary_assistance"] = check
    app.assessment = assessment
    app.save(update_fields=["assessment", "updated_at"])


@effect("assistance.approve")
def _approve(ctx):
    """县级批准: each 民政 part is approved; monthly programs are enrolled from the month
    after approval with the amount computed by the rules under the parameters in force
    for that month (:func:`jiayuan.assistance.services.enroll`); temporary assistance is
    granted with the amount in the field ``temporary_amount``."""
    from . import enrollments

    app = _app(ctx)
    today = _local_date(ctx.now)
    start = first_of_next_month(today)
    parts = list(app.parts.filter(program__isnull=False, status=ApplicationPart.Status.PENDING)
                 .select_related("program"))
    kinds = {p.kind for p in parts}
    if "temporary_assistance" in kinds:
        raw = ctx.values.get("temporary_amount")
        if raw in (None, ""):
            raise ValidationFailed(_err("temporary_amount", "temporary_amount.required", _("请填写临时救助金额")))
        amount = parse_money(raw, "temporary_amount", positive=True)
        _grant_temporary(app, amount, ctx, _temporary_check(app, amount, ctx))
    facts = household_facts(app)
    actor = _system_actor(ctx)
    granted_subsistence = False
    for part in sorted(parts, key=lambda p: p.program.sort):
        if part.kind == "temporary_assistance":
            continue
        program = part.program
        person, household = beneficiary(app, part)
        inputs = jsonable(program_inputs(app, part, facts, person, subsistence_expected=granted_subsistence))
        try:
            enrollment = enrollments.enroll(
                actor, program=program, person=person, household=household, region=person.region,
                start_month=start, inputs=inputs, application=app,
                reason=_("社会救助申请 %(number)s 经县级批准") % {"number": ctx.case.number})
        except ServiceError as exc:
            raise Conflict("case.guard", _("“%(name)s”无法纳入：%(msg)s") % {
                "name": program.name, "msg": exc.message}) from None
        granted_subsistence = granted_subsistence or part.kind == "subsistence_allowance"
        part.status = ApplicationPart.Status.APPROVED
        part.amount = enrollment.amount
        part.result = _("自 %(month)s 起每月 %(amount)s 元") % {"month": start.strftime("%Y-%m"),
                                                            "amount": enrollment.amount}
        part.save(update_fields=["status", "amount", "result"])
    _decide(app, ctx, "approved", ctx.values.get("_comment", ""))


@effect("assistance.refuse")
def _refuse(ctx):
    """不予批准 with the written reason (the comment): every pending 民政 part refused; the
    applicant is to be told in writing within 3 working days (state 待书面告知)."""
    app = _app(ctx)
    reason = ctx.values.get("_comment", "")
    app.parts.filter(program__isnull=False, status=ApplicationPart.Status.PENDING).update(
        status=ApplicationPart.Status.REFUSED, result=reason[:2000])
    _decide(app, ctx, "refused", reason)


@effect("assistance.emergency_grant")
def _emergency_grant(ctx):
    """先行救助: the township decides and pays at once; the materials follow within the
    limit of the state 已先行救助·待补齐材料."""
    app = _app(ctx)
    amount = parse_money(ctx.values.get("amount"), "amount", positive=True)
    _grant_temporary(app, amount, ctx, _temporary_check(app, amount, ctx, emergency=True))
    _decide(app, ctx, "approved", ctx.values.get("_comment", ""))
    data = dict(ctx.case.data)
    data["emergency_granted_on"] = _local_date(ctx.now).isoformat()
    ctx.case.data = data


@effect("assistance.complete_materials")
def _complete_materials(ctx):
    """补齐材料 after 先行救助: the completion date is recorded and nothing is missing."""
    app = _app(ctx)
    day = ctx.values.get("completed_on")
    granted = ctx.case.data.get("emergency_granted_on")
    if day > _local_date(ctx.now) or (granted and day.isoformat() < granted):
        raise ValidationFailed(_err("completed_on", "completed_on.invalid", _("补齐日期须在先行救助之后、不晚于今天")))
    data = dict(ctx.case.data)
    data["materials_completed_on"] = day.isoformat()
    data["materials_late_list"] = list(app.materials_missing)
    data["materials"] = list(data.get("required_materials") or [])
    data["missing_materials"] = []
    ctx.case.data = data
    app.materials_missing = []
    app.save(update_fields=["materials_missing", "updated_at"])


@effect("assistance.extend")
def _extend(ctx):
    """特殊情况: the process deadline becomes 45 working days from acceptance."""
    data = dict(ctx.case.data)
    accepted = datetime.date.fromisoformat(data["accepted_on"])
    data["extended"] = True
    data["extension_reason"] = ctx.values.get("_comment", "")
    _set_process_due(data, accepted, PROCESS_LIMIT_DAYS_EXTENDED)
    ctx.case.data = data


@effect("assistance.part_done")
def _part_done(ctx):
    """A department completed its part (its task is done by ``complete_task``)."""
    _app(ctx).parts.filter(department_id__in=ctx.departments, status=ApplicationPart.Status.PENDING).update(
        status=ApplicationPart.Status.DONE, result=ctx.values.get("_comment", "")[:2000])


@effect("assistance.part_refused")
def _part_refused(ctx):
    """A department refused its part: its task is finished (with the reason) and the part
    is refused; the rest of the application goes on."""
    reason = ctx.values.get("_comment", "")
    CaseTask.objects.filter(case=ctx.case, department_id__in=ctx.departments, status=CaseTask.Status.PENDING).update(
        status=CaseTask.Status.DONE, done_at=ctx.now, note=(_("不予办理：") + reason)[:500])
    _app(ctx).parts.filter(department_id__in=ctx.departments, status=ApplicationPart.Status.PENDING).update(
        status=ApplicationPart.Status.REFUSED, result=reason[:2000])


@effect("assistance.cancel_parts")
def _cancel_parts(ctx):
    _app(ctx).parts.filter(status=ApplicationPart.Status.PENDING).update(status=ApplicationPart.Status.CANCELLED)
