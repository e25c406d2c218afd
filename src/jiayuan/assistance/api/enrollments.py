"""``/api/v1/assistance/enrollments``: enrollments (待遇) in the user's scope with filters,
detail with the history, and the changes (review, suspend, resume, terminate, clear a
registry flag), each naming the ``version`` it acts on (409 when someone changed it)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone
from ninja import Router, Schema
from ninja.responses import Status

from ...api.auth import actor
from ...api.types import Id, Int, Page, PageSize, paging
from ...people import selectors as people_selectors
from .. import services
from ..selectors import enrollments as selectors
from .programs import require_view

router = Router(tags=["社会救助"])


class EnrollmentOut(Schema):
    id: int
    program: str
    program_name: str
    person: int
    person_name: str
    household: int | None
    region: str
    region_name: str
    status: str
    status_name: str
    start_month: datetime.date
    end_month: datetime.date | None
    amount: Decimal
    review_months: int
    next_review_on: datetime.date | None
    review_due: bool
    flag: str
    flag_note: str
    flagged_at: datetime.datetime | None
    payee_account: str
    application: int | None
    version: int


class EnrollmentEventOut(Schema):
    kind: str
    at: datetime.datetime
    actor: str
    reason: str
    data: dict


class EnrollmentDetailOut(EnrollmentOut):
    inputs: dict
    computation: dict
    events: list[EnrollmentEventOut]


class EnrollmentPage(Schema):
    count: int
    page: int
    page_size: int
    results: list[EnrollmentOut]


def enrollment_out(e, today=None) -> dict:
    today = today or timezone.localdate()
    return {"id": e.pk, "program": e.program_id, "program_name": e.program.name, "person": e.person_id,
            "person_name": e.person.name, "household": e.household_id, "region": e.region_id,
            "region_name": e.region.name, "status": e.status, "status_name": e.get_status_display(),
            "start_month": e.start_month, "end_month": e.end_month, "amount": e.amount,
            "review_months": e.review_months, "next_review_on": e.next_review_on,
            "review_due": bool(e.status != "terminated" and e.next_review_on and e.next_review_on <= today),
            "flag": e.flag, "flag_note": e.flag_note,
            "flagged_at": timezone.localtime(e.flagged_at) if e.flagged_at else None,
            "payee_account": e.payee_account, "application": e.application_id, "version": e.version}


def enrollment_detail(e) -> dict:
    d = enrollment_out(e)
    d["inputs"] = e.inputs
    d["computation"] = e.computation
    d["events"] = [{"kind": ev.kind, "at": timezone.localtime(ev.at), "actor": str(ev.actor or "system"),
                    "reason": ev.reason, "data": ev.data} for ev in selectors.events_of(e)]
    return d


@router.get("/enrollments", response=EnrollmentPage,
            summary="享受对象列表（本辖区；program、status=active|suspended|terminated|open、region、flag=any|代码、due=1）")
def list_enrollments(request, program: str = "", status: str = "", region: str = "", flag: str = "",
                     due: bool = False, person: Id | None = None, page: Page = 1, page_size: PageSize = 50):
    require_view(request)
    page_size, page, start = paging(page, page_size)
    f = selectors.EnrollmentFilters(program=program, status=status, region=region, flag=flag, due=due, person=person)
    qs = selectors.search_enrollments(request.auth, f)
    today = timezone.localdate()
    return {"count": qs.count(), "page": page, "page_size": page_size,
            "results": [enrollment_out(e, today) for e in qs[start:start + page_size]]}


@router.get("/enrollments/{int:enrollment_id}", response=EnrollmentDetailOut, summary="享受对象详情（含测算过程和变更记录）")
def get_enrollment(request, enrollment_id: Id):
    require_view(request)
    return enrollment_detail(selectors.get_enrollment(request.auth, enrollment_id))


class EnrollIn(Schema):
    program: str
    person: Id
    household: Id | None = None
    region: str
    start_month: datetime.date
    inputs: dict[str, Any]
    review_months: Int = 12
    payee_account: str = ""
    reason: str = ""


@router.post("/enrollments", response={201: EnrollmentDetailOut},
             summary="直接建立享受对象（如导入已有名册；一般由申请审批后自动建立）")
def create_enrollment(request, body: EnrollIn):
    require_view(request)
    person = people_selectors.get_person(request.auth, body.person)
    household = people_selectors.get_household(request.auth, body.household) if body.household else None
    e = services.enroll(actor(request), program=body.program, person=person, household=household, region=body.region,
                        start_month=body.start_month, inputs=body.inputs, review_months=body.review_months,
                        payee_account=body.payee_account, reason=body.reason)
    return Status(201, enrollment_detail(selectors.get_enrollment(request.auth, e.pk)))


class ChangeIn(Schema):
    reason: str
    version: Int


class TerminateIn(ChangeIn):
    end_month: datetime.date | None = None


class ReviewIn(ChangeIn):
    inputs: dict[str, Any]
    month: datetime.date | None = None
    review_months: Int | None = None


class ClearFlagIn(Schema):
    note: str
    version: Int


def _changed(request, e) -> dict:
    return enrollment_detail(selectors.get_enrollment(request.auth, e.pk))


@router.post("/enrollments/{int:enrollment_id}/suspend", response=EnrollmentDetailOut, summary="暂停（须带 version 和理由）")
def suspend(request, enrollment_id: Id, body: ChangeIn):
    require_view(request)
    e = selectors.get_enrollment(request.auth, enrollment_id)
    return _changed(request, services.suspend(actor(request), e, body.reason, body.version))


@router.post("/enrollments/{int:enrollment_id}/resume", response=EnrollmentDetailOut, summary="恢复（须带 version 和理由）")
def resume(request, enrollment_id: Id, body: ChangeIn):
    require_view(request)
    e = selectors.get_enrollment(request.auth, enrollment_id)
    return _changed(request, services.resume(actor(request), e, body.reason, body.version))


@router.post("/enrollments/{int:enrollment_id}/terminate", response=EnrollmentDetailOut,
             summary="终止（最后发放月份 end_month；理由与书面告知记入变更记录）")
def terminate(request, enrollment_id: Id, body: TerminateIn):
    require_view(request)
    e = selectors.get_enrollment(request.auth, enrollment_id)
    return _changed(request, services.terminate(actor(request), e, body.reason, body.version, end_month=body.end_month))


@router.post("/enrollments/{int:enrollment_id}/review", response=EnrollmentDetailOut,
             summary="复核：按新的测算依据和该月参数重新测算金额")
def review(request, enrollment_id: Id, body: ReviewIn):
    require_view(request)
    e = selectors.get_enrollment(request.auth, enrollment_id)
    return _changed(request, services.review(actor(request), e, body.inputs, body.reason, body.version,
                                             month=body.month, review_months=body.review_months))


@router.post("/enrollments/{int:enrollment_id}/clear-flag", response=EnrollmentDetailOut,
             summary="解除待处理标记（登记有误、家庭仍符合条件等；须说明）")
def clear_flag(request, enrollment_id: Id, body: ClearFlagIn):
    require_view(request)
    e = selectors.get_enrollment(request.auth, enrollment_id)
    return _changed(request, services.clear_flag(actor(request), e, body.note, body.version))
