"""``/api/v1/eldercare/…``: elderly capacity assessments (GB/T 42195-2022).

- ``POST /eldercare/assessments/score`` scores a form and records nothing: 200 with
  ``total``, ``dimensions``, ``initial_level``, ``level`` and ``adjustments``.
- ``POST /eldercare/assessments`` records an assessment (person, reason, date, two
  assessors, the same inputs), computed by the same rule: 201 with the same fields.
- An item missing, unknown or out of its range answers 422 with the standard error
  body, the field naming the item (``items.stairs``).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.http import Http404, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.responses import Status

from ..accounts.permissions import Perm
from ..api.auth import actor
from ..api.types import Id, Page, PageSize, paging
from ..errors import Forbidden, NotFound, ValidationFailed
from ..imports.export import content_disposition
from ..people import selectors as people_selectors
from ..regions import selectors as region_selectors
from . import rules, selectors, services
from .exports import XLSX
from .models import CapacityAssessment, Level, Reason

router = Router(tags=["养老服务"])


class ScoreIn(Schema):
    items: Any = None
    coma: Any = False
    diagnoses: Any = None
    risk_events: Any = None


class ScoreOut(Schema):
    total: int
    dimensions: dict[str, int]
    initial_level: str
    initial_level_name: str
    level: str
    level_name: str
    adjustments: list[dict]
    cumulative: bool


class AssessmentIn(ScoreIn):
    person: Id
    reason: Any = None
    assessed_on: Any = None
    date: Any = None
    assessors: Any = None
    note: Any = ""


class AssessorOut(Schema):
    id: int
    name: str


class AssessmentOut(ScoreOut):
    id: int
    person: int
    person_name: str
    region: str
    reason: str
    reason_name: str
    assessed_on: datetime.date
    assessors: list[AssessorOut]
    items: dict[str, int]
    coma: bool
    diagnoses: list[str]
    risk_events: list[str]
    next_due: datetime.date
    note: str
    created_at: datetime.datetime


class AssessmentPage(Schema):
    count: int
    page: int
    page_size: int
    results: list[AssessmentOut]


def adjustment_out(adj: dict) -> dict:
    """An adjustment with its Chinese (or English) name and the level names."""
    return {**adj, "name": _(rules.ADJUSTMENT_NAMES[adj["code"]]), "from_name": _(rules.LEVEL_NAMES[adj["from"]]),
            "to_name": _(rules.LEVEL_NAMES[adj["to"]])}


def score_out(result: rules.Result, cumulative: bool) -> dict:
    return {"total": result.total, "dimensions": dict(result.dimensions), "initial_level": result.initial_level,
            "initial_level_name": _(rules.LEVEL_NAMES[result.initial_level]), "level": result.level,
            "level_name": _(rules.LEVEL_NAMES[result.level]),
            "adjustments": [adjustment_out(a.as_dict()) for a in result.adjustments], "cumulative": cumulative}


def assessment_out(a: CapacityAssessment) -> dict:
    """An assessment as the API shows it."""
    return {
        "id": a.pk, "person": a.person_id, "person_name": a.person.name, "region": a.person.region_id,
        "reason": a.reason, "reason_name": a.get_reason_display(), "assessed_on": a.assessed_on,
        "assessors": [{"id": u.pk, "name": u.full_name or u.username} for u in (a.assessor_1, a.assessor_2)],
        "items": a.items, "coma": a.coma, "diagnoses": a.diagnoses, "risk_events": a.risk_events,
        "total": a.total, "dimensions": {"self_care": a.self_care, "mobility": a.mobility, "mental": a.mental,
                                         "perception": a.perception},
        "initial_level": a.initial_level, "initial_level_name": a.get_initial_level_display(),
        "level": a.level, "level_name": a.get_level_display(),
        "adjustments": [adjustment_out(x) for x in a.adjustments], "cumulative": a.cumulative,
        "next_due": a.next_due, "note": a.note, "created_at": timezone.localtime(a.created_at),
    }


def _bad(field: str, code: str, message: str) -> ValidationFailed:
    return ValidationFailed({field: [{"code": code, "message": message}]})


def _require_reader(user) -> None:
    if not selectors.can_read(user):
        raise Forbidden("permission_denied", _("您的角色无权执行此操作"))


@router.post("/eldercare/assessments/score", response=ScoreOut,
             summary="老年人能力评估计分（GB/T 42195-2022；不保存）：26项得分、昏迷、诊断、近30天照护风险事件 → 总分、初步等级、等级变更、最终等级")
def score_assessment(request, body: ScoreIn):
    if not request.auth.can(Perm.ASSESS_ELDERLY):
        raise Forbidden("permission_denied", _("您的角色无权执行此操作"))
    result = services.score(body.items, body.coma, body.diagnoses, body.risk_events)
    return score_out(result, selectors.adjustments_cumulative())


@router.post("/eldercare/assessments", response={201: AssessmentOut},
             summary="登记老年人能力评估（两名评估员；原因 first/routine/immediate/review；结果按与计分接口相同的规则计算，历史记录不覆盖）")
def record_assessment(request, body: AssessmentIn):
    if not request.auth.can(Perm.ASSESS_ELDERLY):
        raise Forbidden("permission_denied", _("您的角色无权执行此操作"))
    try:
        person = people_selectors.get_person(request.auth, body.person)
    except (Http404, NotFound):
        raise _bad("person", "person.not_found", _("居民不存在或不在您的管辖范围内")) from None
    assessors = body.assessors
    if not isinstance(assessors, list) or len(assessors) != 2:
        raise _bad("assessors", "assessors.two", _("评估员应为两名账号的编号，如 [12, 15]"))
    a = services.record_assessment(
        actor(request), person, reason=body.reason, assessed_on=body.assessed_on or body.date,
        assessor_1=assessors[0], assessor_2=assessors[1], items=body.items, coma=body.coma,
        diagnoses=body.diagnoses, risk_events=body.risk_events, note=body.note or "")
    return Status(201, assessment_out(a))


def _filters(user, region: str, level: str, reason: str, person: int | None, latest: bool,
             due_by: datetime.date | None, q: str = "") -> selectors.AssessmentFilters:
    if level and level not in Level.values:
        raise _bad("level", "level.unknown", _("能力等级应为 intact、mild、moderate、severe 或 total"))
    if reason and reason not in Reason.values:
        raise _bad("reason", "reason.unknown", _("评估原因应为 first、routine、immediate 或 review"))
    return selectors.AssessmentFilters(region=region.strip(), level=level, reason=reason, person=person,
                                       latest=latest, due_by=due_by, q=q.strip())


@router.get("/eldercare/assessments", response=AssessmentPage,
            summary="老年人能力评估列表（按区划 region、等级 level、原因 reason、居民 person 筛选；latest=true 每人只列最近一次；due_by 列出届时应复评的）")
def list_assessments(request, region: str = "", level: str = "", reason: str = "", person: Id | None = None,
                     latest: bool = False, due_by: datetime.date | None = None, page: Page = 1,
                     page_size: PageSize = 50):
    user = request.auth
    _require_reader(user)
    f = _filters(user, region, level, reason, person, latest, due_by)
    page_size, page, start = paging(page, page_size)
    qs = selectors.search_assessments(user, f)
    rows = list(qs[start:start + page_size])
    count = len(rows) if page == 1 and len(rows) < page_size else qs.count()
    return {"count": count, "page": page, "page_size": page_size, "results": [assessment_out(a) for a in rows]}


@router.get("/eldercare/assessments/export", summary="导出老年人能力评估（xlsx，中文文件名；不含诊断）",
            response={200: None})
def export_assessments(request, region: str = "", level: str = "", reason: str = "", latest: bool = False,
                       due_by: datetime.date | None = None):
    user = request.auth
    _require_reader(user)
    f = _filters(user, region, level, reason, None, latest, due_by)
    reg = None
    if f.region:
        try:
            reg = region_selectors.get_region(user, f.region)
        except (Http404, NotFound):
            raise NotFound("region.not_found") from None
    elif user.scope_id:
        reg = user.scope
    data, name, fallback, n = services.export_assessments(actor(request), f, reg)
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = content_disposition(name, fallback)
    response["X-Export-Rows"] = str(n)
    return response


@router.get("/eldercare/assessments/{int:assessment_id}", response=AssessmentOut, summary="老年人能力评估详情")
def get_assessment(request, assessment_id: Id):
    _require_reader(request.auth)
    return assessment_out(selectors.get_assessment(request.auth, assessment_id))
