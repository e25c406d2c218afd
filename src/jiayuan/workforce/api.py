"""``/api/v1/workforce/…``: community workers (post, 三岗十八级 grade, steps due), social
workers (qualification, continuing-education hours and shortfall), exam registrations
and results (the level's outcome worked out), training sessions with attendance, and the
figures of a region (workers per 10,000 urban residents, cadres trained, exam-preparation
classes and trainees)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.responses import Status

from ..accounts.permissions import Perm
from ..api.auth import actor
from ..api.types import MAX_IDS, BoundedList, Id, Int, Page, PageSize, paging
from ..errors import Forbidden, NotFound, ValidationFailed
from ..facilities.exports import workbook_response
from ..people import selectors as people_selectors
from . import exports, rules, selectors, services
from .models import CommunityWorker, ExamRegistration, SocialWorker, TrainingSession

router = Router(tags=["社区工作者队伍"])


def _need(request, perm: Perm) -> None:
    if not request.auth.can(perm):
        raise Forbidden("permission_denied", _("您的角色无权执行此操作"))


def _person(request, pid):
    try:
        return people_selectors.get_person(request.auth, pid)
    except NotFound:  # the registry's selector: the person is not in the user's scope
        raise ValidationFailed({"person": [{"code": "person.not_found",
                                            "message": _("居民不存在或不在您的管辖范围内")}]}) from None


class CommunityWorkerOut(Schema):
    id: int
    person: int
    name: str
    community: str
    community_name: str
    post: str
    post_name: str
    grade: int
    grade_since: date
    started_on: date
    years_of_service: int
    steps_due: int
    due_grade: int
    next_step_on: date | None
    top_grade: int
    user: int | None
    status: str
    left_on: date | None
    version: int


class CommunityWorkerPage(Schema):
    count: int
    page: int
    page_size: int
    results: list[CommunityWorkerOut]


class CommunityWorkerIn(Schema):
    person: Id
    community: Any = None
    post: Any = None
    grade: Any = None
    grade_since: Any = None
    started_on: Any = None
    user: Id | None = None
    note: Any = ""


class CommunityWorkerPatch(Schema):
    community: Any = None
    post: Any = None
    grade: Any = None
    grade_since: Any = None
    started_on: Any = None
    note: Any = None
    version: Int | None = None


class WorkerVersionIn(Schema):
    version: Int | None = None


class WorkerLeaveIn(Schema):
    left_on: Any = None
    note: Any = ""
    version: Int | None = None


def worker_out(w: CommunityWorker) -> dict:
    today = timezone.localdate()
    g = selectors.grade_status(w, today)
    return {"id": w.pk, "person": w.person_id, "name": w.person.name, "community": w.community_id,
            "community_name": w.community.name, "post": w.post, "post_name": str(w.get_post_display()),
            "grade": w.grade, "grade_since": w.grade_since, "started_on": w.started_on,
            "years_of_service": rules.full_years(w.started_on, today), "steps_due": g.steps_due,
            "due_grade": g.due_grade, "next_step_on": g.next_step_on, "top_grade": g.top, "user": w.user_id,
            "status": w.status, "left_on": w.left_on, "version": w.version}


@router.get("/workforce/workers", response=CommunityWorkerPage,
            summary="社区工作者名册（region、post（head/deputy/other）、status（active/left/all）；含工作年限与应晋升等级；format=xlsx 导出）")
def list_workers(request, region: str = "", post: str = "", status: str = "active", page: Page = 1,
                 page_size: PageSize = 50, format: str = "json"):
    _need(request, Perm.VIEW_WORKFORCE)
    user = request.auth
    target = selectors.get_region(user, region) if region.strip() else None
    qs = selectors.search_workers(user, region=target.code if target else "", post=post,
                                  status="" if status == "all" else status)
    if format == "xlsx":
        data, name, fallback, _rows = services.export_workers(actor(request), region=target, post=post,
                                                              status="" if status == "all" else status)
        return workbook_response(data, name, fallback)
    page_size, page, start = paging(page, page_size)
    rows = list(qs[start:start + page_size])
    return {"count": qs.count(), "page": page, "page_size": page_size, "results": [worker_out(w) for w in rows]}


@router.post("/workforce/workers", response={201: CommunityWorkerOut},
             summary="登记社区工作者（居民、社区、岗位、等级（三岗十八级：正职 7–18，副职 4–15，其他 1–12）、现等级起始、参加工作时间）")
def create_worker(request, body: CommunityWorkerIn):
    person = _person(request, body.person)
    data = body.dict()
    data.pop("person")
    if data.get("user") is None:
        data.pop("user")
    w = services.register_worker(actor(request), person, data)
    return Status(201, worker_out(selectors.get_worker(request.auth, w.pk)))


@router.get("/workforce/workers/{int:worker_id}", response=CommunityWorkerOut, summary="社区工作者详情")
def get_worker(request, worker_id: Id):
    return worker_out(selectors.get_worker(request.auth, worker_id))


@router.patch("/workforce/workers/{int:worker_id}", response=CommunityWorkerOut, summary="修改岗位、等级等（带 version）")
def update_worker(request, worker_id: Id, body: CommunityWorkerPatch):
    w = selectors.get_worker(request.auth, worker_id)
    data = {k: v for k, v in body.dict().items() if k != "version" and v is not None}
    services.update_worker(actor(request), w, data, version=body.version)
    return worker_out(selectors.get_worker(request.auth, worker_id))


@router.post("/workforce/workers/{int:worker_id}/grade-step", response=CommunityWorkerOut,
             summary="登记晋升一级（须有应晋升的等级；新等级自应晋升之日起算）")
def grade_step(request, worker_id: Id, body: WorkerVersionIn | None = None):
    w = selectors.get_worker(request.auth, worker_id)
    services.record_grade_step(actor(request), w, version=body.version if body else None)
    return worker_out(selectors.get_worker(request.auth, worker_id))


@router.post("/workforce/workers/{int:worker_id}/leave", response=CommunityWorkerOut, summary="登记离岗")
def leave(request, worker_id: Id, body: WorkerLeaveIn):
    w = selectors.get_worker(request.auth, worker_id)
    services.worker_leaves(actor(request), w, body.left_on, body.note or "", version=body.version)
    return worker_out(selectors.get_worker(request.auth, worker_id))


# --- social workers ---------------------------------------------------------------------------------

class EducationRecordOut(Schema):
    id: int
    on: date
    hours: Decimal
    title: str
    provider: str


class SocialWorkerOut(Schema):
    id: int
    person: int
    name: str
    region: str
    level: str
    level_name: str
    certificate_number: str
    certified_on: date
    registered_on: date
    period_start: date
    period_end: date
    required_hours: Decimal
    hours: Decimal
    shortfall: Decimal
    education: list[EducationRecordOut]


class SocialWorkerIn(Schema):
    person: Id
    level: Any = None
    certificate_number: Any = None
    certified_on: Any = None
    registered_on: Any = None
    region: Any = None
    note: Any = ""


class EducationHoursIn(Schema):
    on: Any = None
    hours: Any = None
    title: Any = None
    provider: Any = ""


def social_worker_out(w: SocialWorker) -> dict:
    p = selectors.education_period(w, timezone.localdate())
    return {"id": w.pk, "person": w.person_id, "name": w.person.name, "region": w.region_id, "level": w.level,
            "level_name": str(w.get_level_display()), "certificate_number": w.certificate_number,
            "certified_on": w.certified_on, "registered_on": w.registered_on, "period_start": p.start,
            "period_end": p.end, "required_hours": p.required, "hours": p.hours, "shortfall": p.shortfall,
            "education": [{"id": e.pk, "on": e.on, "hours": e.hours, "title": e.title, "provider": e.provider}
                          for e in w.education.order_by("on", "id")]}


@router.get("/workforce/social-workers", response=list[SocialWorkerOut],
            summary="社会工作者（级别、证书、本周期继续教育学时与差额；short=true 只列周期即将结束仍不足的）")
def list_social_workers(request, short: bool = False, page: Page = 1, page_size: PageSize = 50):
    _need(request, Perm.VIEW_WORKFORCE)
    user = request.auth
    if short:
        return [social_worker_out(w) for w, _p in selectors.hours_shortfalls(user, timezone.localdate())[:200]]
    page_size, page, start = paging(page, page_size)
    qs = selectors.social_workers_for(user).order_by("region_id", "id")
    return [social_worker_out(w) for w in qs[start:start + page_size]]


@router.post("/workforce/social-workers", response={201: SocialWorkerOut},
             summary="登记（或更新）社会工作职业资格：级别 assistant/intermediate/senior、证书编号、日期")
def record_social_worker(request, body: SocialWorkerIn):
    person = _person(request, body.person)
    data = body.dict()
    data.pop("person")
    w = services.record_social_worker(actor(request), person, data)
    return Status(201, social_worker_out(selectors.get_social_worker(request.auth, w.pk)))


@router.get("/workforce/social-workers/{int:sw_id}", response=SocialWorkerOut, summary="社会工作者详情")
def get_social_worker(request, sw_id: Id):
    return social_worker_out(selectors.get_social_worker(request.auth, sw_id))


@router.post("/workforce/social-workers/{int:sw_id}/hours", response={201: SocialWorkerOut},
             summary="登记继续教育学时（每 3 年登记周期：助理 72 学时，其他 90 学时）")
def add_hours(request, sw_id: Id, body: EducationHoursIn):
    w = selectors.get_social_worker(request.auth, sw_id)
    services.add_hours(actor(request), w, body.on, body.hours, body.title, body.provider or "")
    return Status(201, social_worker_out(selectors.get_social_worker(request.auth, sw_id)))


# --- exams --------------------------------------------------------------------------------------------

class ExamResultOut(Schema):
    subject: str
    subject_name: str
    score: Decimal
    pass_mark: Decimal
    passed: bool


class ExamRegistrationOut(Schema):
    id: int
    person: int
    name: str
    level: str
    year: int
    results: list[ExamResultOut]
    qualified_year: int | None
    missing: list[str]
    deadline_year: int | None


class ExamRegistrationIn(Schema):
    person: Id
    level: Any = None
    year: Any = None
    region: Any = None


class ExamResultIn(Schema):
    subject: Any = None
    score: Any = None
    pass_mark: Any = None


class WorkforceExamPage(Schema):
    count: int
    page: int
    page_size: int
    results: list[ExamRegistrationOut]


def exam_out(r: ExamRegistration, outcome=None) -> dict:
    o = outcome or selectors.exam_outcome(r.person, r.level)
    return {"id": r.pk, "person": r.person_id, "name": r.person.name, "level": r.level, "year": r.year,
            "results": [{"subject": x.subject, "subject_name": str(x.get_subject_display()), "score": x.score,
                         "pass_mark": x.pass_mark, "passed": x.passed} for x in sorted(r.results.all(), key=lambda x: x.subject)],
            "qualified_year": o.qualified_year, "missing": list(o.missing), "deadline_year": o.deadline_year}


@router.get("/workforce/exams", response=WorkforceExamPage,
            summary="考试报名与各科成绩（范围同考试页面；按考试年度 year、级别 level（assistant/intermediate/senior）、"
                    "人员 person 筛选；每页至多 200 条）")
def list_exams(request, year: Int | None = None, level: str = "", person: Id | None = None, page: Page = 1,
               page_size: PageSize = 50):
    _need(request, Perm.VIEW_WORKFORCE)
    if level and level not in rules.LEVELS:
        raise ValidationFailed({"level": [{"code": "level.unknown",
                                           "message": _("级别应为助理社会工作师、社会工作师或高级社会工作师")}]})
    qs = selectors.search_registrations(request.auth, year=year, level=level, person=person)
    page_size, page, start = paging(page, page_size)
    rows = list(qs[start:start + page_size])
    outcomes = selectors.exam_outcomes(rows)
    return {"count": qs.count(), "page": page, "page_size": page_size,
            "results": [exam_out(r, outcomes[(r.person_id, r.level)]) for r in rows]}


@router.post("/workforce/exams", response={201: ExamRegistrationOut}, summary="考试报名（人员、级别、年度）")
def register_exam(request, body: ExamRegistrationIn):
    person = _person(request, body.person)
    r = services.register_exam(actor(request), person, body.level or "", body.year, body.region)
    return Status(201, exam_out(selectors.get_registration(request.auth, r.pk)))


@router.get("/workforce/exams/{int:exam_id}", response=ExamRegistrationOut,
            summary="考试报名与成绩；qualified_year/missing/deadline_year 按级别规则得出（社会工作师三科须连续两年内合格）")
def get_exam(request, exam_id: Id):
    return exam_out(selectors.get_registration(request.auth, exam_id))


@router.post("/workforce/exams/{int:exam_id}/results", response={201: ExamRegistrationOut},
             summary="登记科目成绩（是否合格由成绩与合格标准得出，合格标准默认 60）")
def record_result(request, exam_id: Id, body: ExamResultIn):
    r = selectors.get_registration(request.auth, exam_id)
    services.record_result(actor(request), r, body.subject or "", body.score, body.pass_mark)
    return Status(201, exam_out(selectors.get_registration(request.auth, exam_id)))


# --- training ------------------------------------------------------------------------------------------

class TrainingParticipantOut(Schema):
    worker: int | None
    social_worker: int | None
    person: int
    name: str
    community: str
    attended: bool


class TrainingSessionOut(Schema):
    id: int
    title: str
    organizer: str
    kind: str
    kind_name: str
    region: str
    starts_on: date
    ends_on: date
    hours: Decimal
    enrolled: int
    attended: int
    participants: list[TrainingParticipantOut]


class TrainingSessionIn(Schema):
    title: Any = None
    organizer: Any = None
    kind: Any = None
    region: Any = None
    starts_on: Any = None
    ends_on: Any = None
    hours: Any = None
    note: Any = ""


class TrainingEnrollIn(Schema):
    workers: BoundedList[Id, MAX_IDS] = []
    social_workers: BoundedList[Id, MAX_IDS] = []


class TrainingAttendanceIn(Schema):
    worker: Id | None = None
    social_worker: Id | None = None
    attended: bool


def session_out(s: TrainingSession) -> dict:
    parts = list(selectors.participants_of(s))
    return {"id": s.pk, "title": s.title, "organizer": s.organizer, "kind": s.kind,
            "kind_name": str(s.get_kind_display()), "region": s.region_id, "starts_on": s.starts_on,
            "ends_on": s.ends_on, "hours": s.hours, "enrolled": len(parts),
            "attended": sum(1 for p in parts if p.attended),
            "participants": [{"worker": p.worker_id, "social_worker": p.social_worker_id, "person": p.person_key,
                              "name": p.person.name, "community": p.unit_code, "attended": p.attended}
                             for p in parts]}


@router.get("/workforce/training", response=list[TrainingSessionOut], summary="培训班列表（含参训人数，由参训记录统计）")
def list_sessions(request, page: Page = 1, page_size: PageSize = 50):
    _need(request, Perm.VIEW_WORKFORCE)
    page_size, page, start = paging(page, page_size)
    qs = selectors.sessions_for(request.auth).order_by("-starts_on", "-id")
    return [session_out(s) for s in qs[start:start + page_size]]


@router.post("/workforce/training", response={201: TrainingSessionOut},
             summary="新建培训班（kind：cadre_training 社区干部培训、exam_preparation 考前培训、continuing_education、other）")
def create_session(request, body: TrainingSessionIn):
    s = services.create_session(actor(request), body.dict())
    return Status(201, session_out(selectors.get_session(request.auth, s.pk)))


@router.get("/workforce/training/{int:session_id}", response=TrainingSessionOut, summary="培训班详情与参训人员")
def get_session(request, session_id: Id):
    return session_out(selectors.get_session(request.auth, session_id))


@router.post("/workforce/training/{int:session_id}/participants", response=TrainingSessionOut,
             summary="从队伍名册加入参训人员（workers 社区工作者 id、social_workers 社会工作者 id，合计 1–200 个；同一人只加入一次）")
def enroll(request, session_id: Id, body: TrainingEnrollIn):
    s = selectors.get_session(request.auth, session_id)
    services.enroll(actor(request), s, body.workers, body.social_workers)
    return session_out(selectors.get_session(request.auth, session_id))


@router.post("/workforce/training/{int:session_id}/attendance", response=TrainingSessionOut,
             summary="标记是否参训（worker 社区工作者 id 或 social_worker 社会工作者 id，二选一）")
def attendance(request, session_id: Id, body: TrainingAttendanceIn):
    s = selectors.get_session(request.auth, session_id)
    services.set_attendance(actor(request), s, body.worker, body.attended, social_worker_id=body.social_worker)
    return session_out(selectors.get_session(request.auth, session_id))


# --- figures -------------------------------------------------------------------------------------------

class WorkforceFiguresOut(Schema):
    region: str
    region_name: str
    start: date
    end: date
    workers: int
    urban_residents: int
    workers_per_10k: Decimal | None
    target_per_10k: Decimal
    cadres_trained: int
    cadre_sessions: int
    exam_classes: int
    exam_trainees: int
    exam_trainee_persons: int
    social_workers: dict[str, int]


def _day(raw: str, field: str, default: date) -> date:
    if not raw:
        return default
    try:
        d = parse_date(raw)
    except ValueError:
        d = None
    if d is None:
        raise ValidationFailed({field: [{"code": f"{field}.format", "message": _("日期格式错误：应为 YYYY-MM-DD，例如 2024-03-01")}]})
    return d


@router.get("/workforce/figures", response=WorkforceFiguresOut,
            summary="队伍统计：每万城镇居民社区工作者数（国家指标 18）、社区干部培训人数、考前培训班次与人次（按开班日期 start–end），社会工作者按级别；format=xlsx 导出")
def figures(request, region: str = "", start: str = "", end: str = "", format: str = "json"):
    _need(request, Perm.VIEW_WORKFORCE)
    user = request.auth
    target = selectors.get_region(user, region) if region.strip() else selectors.home_region(user)
    if target is None:
        raise NotFound("region.not_found")
    today = timezone.localdate()
    s = _day(start, "start", date(today.year, 1, 1))
    e = _day(end, "end", date(today.year, 12, 31))
    if e < s:   # a reversed period counted nothing and answered zeros as if they were the figures
        raise ValidationFailed({"end": [{"code": "end.before_start", "message": _("结束日期不能早于开始日期")}]})
    f = selectors.figures(user, target, s, e)
    if format == "xlsx":
        return workbook_response(exports.figures_xlsx(f, today), *exports.file_names(
            target, f"社区工作者队伍统计-{s:%Y%m%d}至{e:%Y%m%d}", "workforce-figures", today))
    return {"region": target.code, "region_name": target.name, "start": s, "end": e, "workers": f.workers,
            "urban_residents": f.urban_residents, "workers_per_10k": f.per_10k, "target_per_10k": f.target,
            "cadres_trained": f.cadres_trained, "cadre_sessions": f.cadre_sessions, "exam_classes": f.exam_classes,
            "exam_trainees": f.exam_trainees, "exam_trainee_persons": f.exam_trainee_persons,
            "social_workers": f.social_workers}
