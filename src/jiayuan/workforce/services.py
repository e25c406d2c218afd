"""Writes to the workforce. Each function is one transaction with its audit entry
(``worker.register``, ``worker.update``, ``worker.grade_step``, ``worker.leave``,
``social_worker.record``, ``social_worker.hours``, ``exam.register``, ``exam.result``,
``training.create``, ``training.enroll``, ``training.attendance``, and the exports
``worker.export``, ``social_worker.export``).

Permissions: ``manage_workforce`` for workers, qualifications, exams and hours;
``manage_training`` for sessions and attendance; ``export`` and ``view_workforce`` for
the rosters (names, certificate numbers); the community or region in the acting user's
scope. Persons come from the registry through a scoped selector.
"""

from __future__ import annotations

from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..accounts.models import User
from ..accounts.permissions import Perm
from ..audit.services import Actor, model_changes, record
from ..errors import Conflict, NotFound, ValidationFailed, check_version, get_or_not_found
from ..facilities.services import as_date, checked_year, village_unit
from ..people import rules as people_rules
from ..people.models import Person
from ..people.rules import RuleError
from ..people.services import require
from ..regions.models import Region
from . import exports, rules, selectors
from .models import (CommunityWorker, EducationRecord, ExamRegistration, ExamResult, Level, Post, SocialWorker,
                     TrainingParticipant, TrainingSession)


def _err(field: str, code: str, message: str) -> ValidationFailed:
    return ValidationFailed({field: [{"code": code, "message": message}]})


def _text(value, field: str, limit: int, required: bool = False) -> str:
    try:
        text = people_rules.clean_free_text(value)
    except TypeError:
        raise _err(field, f"{field}.format", _("应填写文字")) from None
    if required and not text:
        raise _err(field, f"{field}.missing", _("此项必填"))
    if len(text) > limit:
        raise _err(field, f"{field}.too_long", _("过长：最多 %(limit)s 个字") % {"limit": limit})
    return text


class _Collector:
    """Gathers every field error of a write, so the user sees them all at once."""

    def __init__(self):
        self.errors: dict = {}
        self.values: dict = {}

    def take(self, name: str, fn):
        try:
            self.values[name] = fn()
        except ValidationFailed as exc:
            self.errors.update(exc.fields)
        except RuleError as err:
            self.errors.update(ValidationFailed.from_rule_errors([err]).fields)

    def done(self) -> dict:
        if self.errors:
            raise ValidationFailed(self.errors)
        return self.values


def _choice(value, choices, field: str, message: str) -> str:
    """``value`` if it is one of ``choices``; else a ``<field>.unknown`` field error."""
    if value not in choices:
        raise _err(field, f"{field}.unknown", message)
    return value


def _given_date(value, field: str) -> date:
    d = as_date(value, field)
    if d is None:
        raise _err(field, f"{field}.missing", _("请填写日期"))
    return d


def _required_date(value, field: str) -> date:
    d = as_date(value, field)
    if d is None:
        raise _err(field, f"{field}.missing", _("请填写日期"))
    if d > timezone.localdate():
        raise _err(field, f"{field}.future", _("日期不能晚于今天"))
    return d


def _account(actor: Actor, value) -> User | None:
    if value in (None, "", 0):
        return None
    scope = actor.user.scope_code if actor.user is not None else ""
    try:
        user = User.objects.filter(pk=int(value), is_active=True).first()
    except (TypeError, ValueError, OverflowError):
        user = None
    if user is None or not (user.scope_id or "").startswith(scope):
        raise _err("user", "user.not_found", _("账号不存在或不在您的管辖范围内"))
    return user


def _scope(actor: Actor) -> str:
    return actor.user.scope_code if actor.user is not None else ""


def _in_scope(actor: Actor, code: str, what: str) -> None:
    if not (code or "").startswith(_scope(actor)):
        raise NotFound(f"{what}.not_found")


# --- community workers --------------------------------------------------------------------------

def _snapshot(w: CommunityWorker) -> dict:
    return {"community": w.community_id, "post": w.post, "grade": w.grade, "grade_since": w.grade_since,
            "started_on": w.started_on, "user": w.user_id, "status": w.status, "note": w.note}


def _clean_worker(actor: Actor, data: dict, current: CommunityWorker | None = None) -> dict:
    c = _Collector()
    scheme = selectors.grade_scheme()
    get = (lambda k: data[k] if k in data else getattr(current, k, None)) if current else data.get
    if current is None or "community" in data:
        c.take("community", lambda: village_unit(actor, data.get("community"), "community"))
    post = get("post") or ""
    c.take("post", lambda: _choice(post, Post.values, "post", _("岗位应为正职、副职或其他")))
    if post in Post.values:
        c.take("grade", lambda: rules.check_grade(post, get("grade"), scheme))
    for name in ("grade_since", "started_on"):
        if current is None or name in data:
            c.take(name, lambda n=name: _required_date(data.get(n), n))
    if "user" in data:
        c.take("user", lambda: _account(actor, data.get("user")))
    if current is None or "note" in data:
        c.take("note", lambda: _text(data.get("note", ""), "note", 200))
    values = c.done()
    since, started = values.get("grade_since", getattr(current, "grade_since", None)), values.get(
        "started_on", getattr(current, "started_on", None))
    if since and started and since < started:
        raise _err("grade_since", "grade_since.before_start", _("现等级起始日期不能早于参加社区工作时间"))
    return values


@transaction.atomic
def register_worker(actor: Actor, person: Person, data: dict) -> CommunityWorker:
    """Register ``person`` (from a scoped selector) as a community worker: ``community``
    (a community or village in scope), ``post`` (``head``/``deputy``/``other``),
    ``grade`` (within the post's range: 三岗十八级 by default), ``grade_since``,
    ``started_on`` (dates, not in the future), ``user`` (an account id in scope,
    optional), ``note``. One active post per person (Conflict ``worker.exists``)."""
    require(actor, Perm.MANAGE_WORKFORCE)
    values = _clean_worker(actor, data)
    try:
        with transaction.atomic():
            w = CommunityWorker.objects.create(person=person, **values)
    except IntegrityError:
        raise Conflict("worker.exists", _("该居民已是在岗社区工作者")) from None
    record(actor, "worker.register", w, region_code=w.community_id, changes=model_changes({}, _snapshot(w)))
    return w


def _locked_worker(actor: Actor, worker: CommunityWorker, version=None) -> CommunityWorker:
    w = (CommunityWorker.objects.select_for_update().select_related("person", "community")
         .filter(pk=worker.pk, community__code__startswith=_scope(actor)).first())
    if w is None:
        raise NotFound("worker.not_found")
    check_version(w.version, version, "worker.conflict", _("该记录已被他人修改，请刷新后重试"))
    return w


@transaction.atomic
def update_worker(actor: Actor, worker: CommunityWorker, data: dict, version: int | None = None) -> CommunityWorker:
    """Change the given fields (as :func:`register_worker`); the grade is checked
    against the (new) post's range."""
    require(actor, Perm.MANAGE_WORKFORCE)
    w = _locked_worker(actor, worker, version)
    if w.status != CommunityWorker.Status.ACTIVE:
        raise Conflict("worker.left", _("该社区工作者已离岗"))
    values = _clean_worker(actor, data, current=w)
    before = _snapshot(w)
    for k, v in values.items():
        setattr(w, k, v)
    w.version += 1
    w.save()
    record(actor, "worker.update", w, region_code=w.community_id, changes=model_changes(before, _snapshot(w)))
    return w


@transaction.atomic
def record_grade_step(actor: Actor, worker: CommunityWorker, version: int | None = None,
                      today: date | None = None) -> CommunityWorker:
    """Record one grade step that is due: the grade goes up by one and the new grade
    counts from the day the step fell due (``grade_since`` + years per step), so the
    schedule does not slip when a step is recorded late. Conflict ``grade.no_step_due``
    when none is due."""
    require(actor, Perm.MANAGE_WORKFORCE)
    w = _locked_worker(actor, worker, version)
    today = today or timezone.localdate()
    status = selectors.grade_status(w, today)
    if w.status != CommunityWorker.Status.ACTIVE or status.steps_due < 1:
        raise Conflict("grade.no_step_due", _("目前没有应晋升的等级"))
    before = _snapshot(w)
    w.grade += 1
    w.grade_since = rules.add_years(w.grade_since, int(selectors.grade_scheme()["years_per_step"]))
    w.version += 1
    w.save()
    record(actor, "worker.grade_step", w, region_code=w.community_id, changes=model_changes(before, _snapshot(w)))
    return w


@transaction.atomic
def worker_leaves(actor: Actor, worker: CommunityWorker, on, note: str = "", version: int | None = None) -> CommunityWorker:
    """The worker leaves the post on ``on`` (the record stays)."""
    require(actor, Perm.MANAGE_WORKFORCE)
    w = _locked_worker(actor, worker, version)
    if w.status != CommunityWorker.Status.ACTIVE:
        raise Conflict("worker.left", _("该社区工作者已离岗"))
    day = _required_date(on, "left_on")
    if day < max(w.started_on, w.grade_since):   # a post is not left before it (or its grade) began
        raise _err("left_on", "left_on.too_early", _("离岗日期不能早于参加社区工作时间和现等级起始日期（%(d)s）")
                   % {"d": max(w.started_on, w.grade_since)})
    before = _snapshot(w)
    w.status, w.left_on, w.note = CommunityWorker.Status.LEFT, day, _text(note, "note", 200) or w.note
    w.version += 1
    w.save()
    record(actor, "worker.leave", w, region_code=w.community_id, changes=model_changes(before, _snapshot(w)))
    return w


# --- social workers, hours, exams ---------------------------------------------------------------

def _region(actor: Actor, code, field: str = "region") -> Region:
    code = str(code or "").strip()
    region = Region.objects.filter(code=code).first() if code.isdigit() and code.startswith(_scope(actor)) else None
    if region is None:
        raise _err(field, f"{field}.not_found", _("区划不存在或不在您的管辖范围内"))
    return region


@transaction.atomic
def record_social_worker(actor: Actor, person: Person, data: dict) -> SocialWorker:
    """Record (or update, e.g. after a higher level) the person's qualification:
    ``level``, ``certificate_number`` (unique), ``certified_on``, ``registered_on``
    (default ``certified_on``: the 3-year continuing-education periods run from it),
    ``region`` (in scope; default the person's community), ``note``."""
    require(actor, Perm.MANAGE_WORKFORCE)
    c = _Collector()
    level = data.get("level") or ""
    c.take("level", lambda: _choice(level, Level.values, "level", _("级别应为助理社会工作师、社会工作师或高级社会工作师")))
    c.take("certificate_number", lambda: _text(data.get("certificate_number"), "certificate_number", 40, True))
    c.take("certified_on", lambda: _required_date(data.get("certified_on"), "certified_on"))
    # optional (default the certificate's day) but, like it, not a day to come: the hours'
    # periods run from it, and a registration in 2099 left every hour refused
    c.take("registered_on", lambda: None if data.get("registered_on") in (None, "")
           else _required_date(data.get("registered_on"), "registered_on"))
    c.take("region", lambda: _region(actor, data.get("region") or person.region_id[:12]))
    c.take("note", lambda: _text(data.get("note", ""), "note", 200))
    v = c.done()
    v["registered_on"] = v["registered_on"] or v["certified_on"]
    if v["registered_on"] < v["certified_on"]:
        raise _err("registered_on", "registered_on.before_certificate", _("登记日期不能早于取得证书日期"))
    sw = SocialWorker.objects.select_for_update().filter(person=person).first()
    if sw is not None:
        _in_scope(actor, sw.region_id, "social_worker")
    before = {k: getattr(sw, k if k != "region" else "region_id") for k in v} if sw else {}
    try:
        with transaction.atomic():
            if sw is None:
                sw = SocialWorker.objects.create(person=person, **v)
            else:
                for k, val in v.items():
                    setattr(sw, k, val)
                sw.version += 1
                sw.save()
    except IntegrityError:
        raise _err("certificate_number", "certificate_number.taken", _("该证书编号已登记")) from None
    after = {k: getattr(sw, k if k != "region" else "region_id") for k in v}
    record(actor, "social_worker.record", sw, region_code=sw.region_id, changes=model_changes(before, after))
    return sw


@transaction.atomic
def add_hours(actor: Actor, sw: SocialWorker, on, hours, title, provider: str = "") -> EducationRecord:
    """Record continuing-education ``hours`` (> 0, one decimal) on ``on`` (not before
    the registration date nor in the future) with ``title`` and ``provider``."""
    require(actor, Perm.MANAGE_WORKFORCE)
    _in_scope(actor, sw.region_id, "social_worker")
    c = _Collector()
    c.take("on", lambda: _required_date(on, "on"))
    c.take("hours", lambda: rules.check_hours(hours))
    c.take("title", lambda: _text(title, "title", 100, True))
    c.take("provider", lambda: _text(provider, "provider", 100))
    v = c.done()
    if v["on"] < sw.registered_on:
        raise _err("on", "on.before_registration", _("日期不能早于登记日期"))
    rec = EducationRecord.objects.create(social_worker=sw, **v)
    record(actor, "social_worker.hours", sw, region_code=sw.region_id,
           extra={"on": v["on"].isoformat(), "hours": str(v["hours"]), "title": v["title"]})
    return rec


@transaction.atomic
def register_exam(actor: Actor, person: Person, level: str, year, region=None) -> ExamRegistration:
    """Register ``person`` for the ``level`` exam of ``year`` (2000–2100); once per
    person, level and year (Conflict ``exam.exists``)."""
    require(actor, Perm.MANAGE_WORKFORCE)
    c = _Collector()
    c.take("level", lambda: _choice(level, Level.values, "level", _("级别应为助理社会工作师、社会工作师或高级社会工作师")))
    c.take("year", lambda: checked_year(year))
    c.take("region", lambda: _region(actor, region or person.region_id[:12]))
    v = c.done()
    try:
        with transaction.atomic():
            reg = ExamRegistration.objects.create(person=person, **v)
    except IntegrityError:
        raise Conflict("exam.exists", _("该人员已报名该年度该级别考试")) from None
    record(actor, "exam.register", reg, region_code=reg.region_id, object_repr=f"{person.name} {reg.year}",
           extra={"level": reg.level, "year": reg.year})
    return reg


@transaction.atomic
def record_result(actor: Actor, registration: ExamRegistration, subject: str, score, pass_mark=None) -> ExamResult:
    """Record (or correct) a subject's ``score`` against ``pass_mark`` (default 60);
    ``passed`` is worked out. The subject must be one of the level's
    (``subject.not_of_level``)."""
    require(actor, Perm.MANAGE_WORKFORCE)
    _in_scope(actor, registration.region_id, "exam")
    if subject not in rules.EXAM_SUBJECTS.get(registration.level, ()):
        raise _err("subject", "subject.not_of_level", _("该科目不属于所报考的级别"))
    c = _Collector()
    c.take("score", lambda: rules.check_score(score))
    c.take("pass_mark", lambda: rules.check_score(pass_mark if pass_mark not in (None, "") else rules.PASS_MARK,
                                                  "pass_mark"))
    v = c.done()
    passed = rules.subject_passed(v["score"], v["pass_mark"])
    result, _created = ExamResult.objects.update_or_create(
        registration=registration, subject=subject,
        defaults={"score": v["score"], "pass_mark": v["pass_mark"], "passed": passed})
    record(actor, "exam.result", registration, region_code=registration.region_id,
           object_repr=f"{registration.person.name} {registration.year}",
           extra={"subject": subject, "score": str(v["score"]), "pass_mark": str(v["pass_mark"]), "passed": passed})
    return result


# --- training -------------------------------------------------------------------------------------

@transaction.atomic
def create_session(actor: Actor, data: dict) -> TrainingSession:
    """A training session: ``title``, ``organizer``, ``kind`` (``cadre_training``,
    ``exam_preparation``, ``continuing_education``, ``other``), ``region`` (in
    scope), ``starts_on`` ≤ ``ends_on``, ``hours`` (> 0), ``note``."""
    require(actor, Perm.MANAGE_TRAINING)
    c = _Collector()
    c.take("title", lambda: _text(data.get("title"), "title", 100, True))
    c.take("organizer", lambda: _text(data.get("organizer"), "organizer", 100, True))
    kind = data.get("kind") or ""
    c.take("kind", lambda: _choice(kind, TrainingSession.Kind.values, "kind", _("请选择培训类型")))
    c.take("region", lambda: _region(actor, data.get("region") or _scope(actor)))
    for name in ("starts_on", "ends_on"):
        c.take(name, lambda n=name: _given_date(data.get(n), n))
    c.take("hours", lambda: rules.check_hours(data.get("hours")))
    c.take("note", lambda: _text(data.get("note", ""), "note", 200))
    v = c.done()
    if v["ends_on"] < v["starts_on"]:
        raise _err("ends_on", "ends_on.before_start", _("结束日期不能早于开始日期"))
    s = TrainingSession.objects.create(**v)
    record(actor, "training.create", s, region_code=s.region_id,
           extra={"kind": s.kind, "starts_on": s.starts_on.isoformat(), "hours": str(s.hours)})
    return s


def _locked_session(actor: Actor, session: TrainingSession) -> TrainingSession:
    s = TrainingSession.objects.select_for_update().filter(pk=session.pk, region__code__startswith=_scope(actor)).first()
    if s is None:
        raise NotFound("training.not_found")
    return s


def _ids(values, field: str, message: str) -> list[int]:
    try:
        ids = sorted({int(i) for i in values or ()})
    except (TypeError, ValueError):
        ids = [0]
    if ids and not 1 <= ids[0] <= ids[-1] <= 2**63 - 1:
        raise _err(field, f"{field}.format", message)
    return ids


@transaction.atomic
def enroll(actor: Actor, session: TrainingSession, worker_ids=(), social_worker_ids=()) -> int:
    """Enroll members of the workforce registry that the user may see: active community
    workers (``worker_ids``) whose community lies in the session's region, and social
    workers (``social_worker_ids``) registered in it — at most 200 ids in all, at least
    one. A person is enrolled once per session whichever way (by the person id): a
    person already enrolled, as either, is skipped, and a person named both ways is
    enrolled as the community worker. Returns how many were added. An id that is not
    such a worker is ``workers.not_found`` / ``social_workers.not_found``."""
    require(actor, Perm.MANAGE_TRAINING)
    s = _locked_session(actor, session)
    c = _Collector()
    c.take("workers", lambda: _ids(worker_ids, "workers", _("请选择社区工作者")))
    c.take("social_workers", lambda: _ids(social_worker_ids, "social_workers", _("请选择社会工作者")))
    v = c.done()
    ids, sw_ids = v["workers"], v["social_workers"]
    if not (ids or sw_ids) or len(ids) + len(sw_ids) > 200:
        raise _err("workers", "workers.count", _("一次选择 1 至 200 名参训人员"))
    workers = dict(CommunityWorker.objects.filter(pk__in=ids, status=CommunityWorker.Status.ACTIVE,
                                                  community__code__startswith=s.region_id)
                   .filter(community__code__startswith=_scope(actor)).values_list("pk", "person_id"))
    if set(workers) != set(ids):
        raise _err("workers", "workers.not_found", _("所选人员不是本区域在岗的社区工作者"))
    social = dict(SocialWorker.objects.filter(pk__in=sw_ids, region__code__startswith=s.region_id)
                  .filter(region__code__startswith=_scope(actor)).values_list("pk", "person_id"))
    if set(social) != set(sw_ids):
        raise _err("social_workers", "social_workers.not_found", _("所选人员不是本区域登记的社会工作者"))
    have = selectors.enrolled_persons(s)
    new = []
    for kind, chosen in (("worker_id", workers), ("social_worker_id", social)):
        for pk in sorted(chosen):
            if chosen[pk] not in have:
                have.add(chosen[pk])
                new.append(TrainingParticipant(session=s, **{kind: pk}))
    TrainingParticipant.objects.bulk_create(new)
    if new:
        record(actor, "training.enroll", s, region_code=s.region_id,
               extra={"workers": [p.worker_id for p in new if p.worker_id],
                      "social_workers": [p.social_worker_id for p in new if p.social_worker_id]})
    return len(new)


@transaction.atomic
def set_attendance(actor: Actor, session: TrainingSession, worker_id: int | None, attended: bool,
                   social_worker_id: int | None = None) -> TrainingParticipant:
    """Mark an enrolled participant — the community worker ``worker_id`` or the social
    worker ``social_worker_id``, exactly one of the two (``worker.missing``) — as
    attended (or not)."""
    require(actor, Perm.MANAGE_TRAINING)
    if bool(worker_id) == bool(social_worker_id):
        raise _err("worker", "worker.missing", _("请指定一名社区工作者或社会工作者"))
    s = _locked_session(actor, session)
    # get_or_not_found: an id too large for the column is "not enrolled", not a 500
    rows = s.participants.select_related("worker__person", "social_worker__person")
    if worker_id:
        p = get_or_not_found(rows, "participant.not_found", worker_id=worker_id)
    else:
        p = get_or_not_found(rows, "participant.not_found", social_worker_id=social_worker_id)
    if p.attended != bool(attended):
        p.attended = bool(attended)
        p.save(update_fields=["attended"])
        who = {"worker": p.worker_id} if p.worker_id else {"social_worker": p.social_worker_id}
        credited = _credit_education(s, p)
        record(actor, "training.attendance", s, region_code=s.region_id,
               extra={**who, "name": p.person.name, "attended": p.attended, "hours_credited": credited})
    return p


def _credit_education(session: TrainingSession, p: TrainingParticipant) -> str | None:
    """Attendance of a continuing-education session (kind ``continuing_education``) is
    the social worker's continuing-education hours: marked attended, one record of the
    session's hours on its last day (``EducationRecord.training`` = the session; a
    participant enrolled as a community worker who is also a registered social worker
    is credited as that social worker); unmarked, that record removed. Other kinds of
    training credit nothing. Returns the hours credited (text), ``"-…"`` when taken back,
    None when nothing changed."""
    if session.kind != TrainingSession.Kind.CONTINUING_EDUCATION:
        return None
    sw = p.social_worker or SocialWorker.objects.filter(person_id=p.worker.person_id).first()
    if sw is None:
        return None
    existing = EducationRecord.objects.filter(social_worker=sw, training=session)
    if p.attended and not existing.exists():
        EducationRecord.objects.create(social_worker=sw, training=session, on=session.ends_on, hours=session.hours,
                                       title=session.title[:100], provider=session.organizer[:100])
        return str(session.hours)
    if not p.attended and existing.exists():
        existing.delete()
        return f"-{session.hours}"
    return None


# --- exports --------------------------------------------------------------------------------------

def _export_rights(actor: Actor) -> None:
    require(actor, Perm.EXPORT)
    require(actor, Perm.VIEW_WORKFORCE)


def export_workers(actor: Actor, *, region: Region | None = None, post: str = "", status: str = "active",
                   q: str = "") -> tuple[bytes, str, str, int]:
    """The roster of community workers the acting user sees (``region``: a Region from
    the scoped region selector, or None for the whole scope; ``post``, ``status`` —
    ``""`` for every status — and ``q`` as in :func:`selectors.search_workers`) as a
    workbook: ``(bytes, Chinese file name, ASCII fallback, rows)``. Names of persons:
    needs ``export`` and ``view_workforce`` (Forbidden otherwise). Audited
    ``worker.export`` with the filters and the row count."""
    _export_rights(actor)
    user = actor.user
    workers = list(selectors.search_workers(user, region=region.code if region else "", post=post, status=status,
                                            q=q))
    target = region or selectors.home_region(user)
    today = timezone.localdate()
    data = exports.workers_xlsx(target, workers, today)
    name, fallback = exports.file_names(target, "社区工作者名册", "community-workers", today)
    record(actor, "worker.export", None, region_code=target.code if target else _scope(actor),
           extra={"rows": len(workers), "filters": {"region": region.code if region else "", "post": post,
                                                    "status": status, "q": q}})
    return data, name, fallback, len(workers)


def export_social_workers(actor: Actor, *, level: str = "") -> tuple[bytes, str, str, int]:
    """The roster of social workers the acting user sees (``level``: one of
    :data:`rules.LEVELS`, or ``""`` for all) with their current continuing-education
    period as a workbook: ``(bytes, Chinese file name, ASCII fallback, rows)``. Names and
    certificate numbers: needs ``export`` and ``view_workforce``. Audited
    ``social_worker.export`` with the filter and the row count."""
    _export_rights(actor)
    user = actor.user
    qs = selectors.social_workers_for(user).order_by("region_id", "person__name", "id")
    if level in rules.LEVELS:
        qs = qs.filter(level=level)
    else:
        level = ""
    social_workers = list(qs)
    target = selectors.home_region(user)
    today = timezone.localdate()
    data = exports.social_workers_xlsx(target, social_workers, today)
    name, fallback = exports.file_names(target, "社会工作者名册", "social-workers", today)
    record(actor, "social_worker.export", None, region_code=target.code if target else _scope(actor),
           extra={"rows": len(social_workers), "filters": {"level": level}})
    return data, name, fallback, len(social_workers)
