"""``/api/v1/assistance/batches``: monthly payment batches (docs/payments.md).

- ``POST /batches`` ``{"program", "county", "month"}`` → 201 with the batch, or 409
  ``batch.exists`` whose error body names the existing batch (``"batch": id``) — also
  when another request created it at the same moment;
- ``GET /batches`` (filters program, county, month, status; paged), ``GET /batches/{id}``
  (totals, problems, line counts, history), ``GET /batches/{id}/lines`` (paged);
- ``POST /batches/{id}/review | approve | reopen | regenerate | close`` with the
  ``version`` seen (409 ``batch.version_conflict`` when stale);
- ``POST /batches/{id}/export`` → the payment file (xlsx or csv), audited;
- ``POST /batches/{id}/results`` (JSON) or ``/results-file`` (the bank's file);
- ``POST /enrollments/{id}/account`` ``{"account", "version"}``: the whole payee account
  of an enrollment, stored encrypted (the payment file exported with ``sensitive``
  writes it).

Review, approval and the first export answer 409 ``batch.stale_lines`` (``fields.lines``
lists the lines) while a pending line went stale (person deceased or moved out,
enrollment flagged, suspended or ended since generation); ``GET /batches/{id}`` shows
them under ``stale`` before anyone tries.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Schema
from ninja.files import UploadedFile
from ninja.responses import Status

from ...api.auth import actor
from ...api.types import BoundedList, Id, Int, MAX_RESULTS, Page, PageSize, paging
from ...errors import ValidationFailed
from ...regions.selectors import get_region
from ..models import PaymentBatch, Program
from ..selectors import batches as selectors
from ..services import batches as services
from .programs import require_view

router = Router(tags=["社会救助：发放批次"])


def parse_month(value: str, name: str = "month") -> datetime.date:
    """``YYYY-MM`` or ``YYYY-MM-01`` → the first day of that month; ValidationFailed
    ``month.invalid`` otherwise."""
    text = (value or "").strip()
    try:
        if len(text) == 7:
            return datetime.date(int(text[:4]), int(text[5:7]), 1)
        d = datetime.date.fromisoformat(text)
    except ValueError:
        d = None
    if d is None or d.day != 1:
        raise ValidationFailed({name: [{"code": "month.invalid", "message": _("月份格式应为 YYYY-MM（如 2025-03）")}]})
    return d


def program_by_code(code: str) -> Program:
    found = Program.objects.filter(code=(code or "").strip()).first()
    if found is None:
        raise ValidationFailed({"program": [{"code": "program.unknown",
                                             "message": _("救助项目“%(code)s”不存在") % {"code": code}}]})
    return found


class BatchIn(Schema):
    program: str
    county: str
    month: str


class BatchOut(Schema):
    id: int
    program: str
    program_name: str
    county: str
    county_name: str
    month: datetime.date
    status: str
    status_name: str
    generation: int
    line_count: int
    person_count: int
    household_count: int
    total_amount: Decimal
    generated_by: str
    generated_at: datetime.datetime | None
    reviewed_by: str
    reviewed_at: datetime.datetime | None
    approved_by: str
    approved_at: datetime.datetime | None
    exported_at: datetime.datetime | None
    closed_at: datetime.datetime | None
    problem_counts: dict
    version: int


class BatchEventOut(Schema):
    kind: str
    at: datetime.datetime
    actor: str
    note: str
    data: dict


class StaleOut(Schema):
    count: int
    lines: list[dict]


class BatchDetailOut(BatchOut):
    problems: list[dict]
    line_counts: dict
    events: list[BatchEventOut]
    stale: StaleOut


class BatchPage(Schema):
    count: int
    page: int
    page_size: int
    results: list[BatchOut]


class LineOut(Schema):
    id: int
    person: int
    name: str
    household: int | None
    region: str
    region_name: str
    benefit_month: datetime.date
    amount: Decimal
    members: int
    rule: str
    parameter: int | None
    computation: dict
    status: str
    result_note: str
    result_at: datetime.datetime | None
    carried_from: int | None
    generation: int


class LinePage(Schema):
    count: int
    page: int
    page_size: int
    results: list[LineOut]


class ConflictError(Schema):
    code: str
    message: str
    fields: dict
    batch: int


class ConflictOut(Schema):
    error: ConflictError


def _name(user) -> str:
    return (user.full_name or user.username) if user else ""


def _local(dt):
    return timezone.localtime(dt) if dt else None


def _viewer(request):
    """The acting user; 403 for roles that may not view assistance at all."""
    require_view(request)
    return request.auth


def batch_out(b: PaymentBatch) -> dict:
    return {
        "id": b.pk, "program": b.program_id, "program_name": b.program.name, "county": b.county_id,
        "county_name": b.county.name, "month": b.month, "status": b.status, "status_name": b.get_status_display(),
        "generation": b.generation, "line_count": b.line_count, "person_count": b.person_count,
        "household_count": b.household_count, "total_amount": b.total_amount, "generated_by": _name(b.generated_by),
        "generated_at": _local(b.generated_at), "reviewed_by": _name(b.reviewed_by), "reviewed_at": _local(b.reviewed_at),
        "approved_by": _name(b.approved_by), "approved_at": _local(b.approved_at),
        "exported_at": _local(b.exported_at), "closed_at": _local(b.closed_at), "problem_counts": b.problem_counts,
        "version": b.version,
    }


def batch_detail(user, b: PaymentBatch) -> dict:
    b = selectors.get_batch(user, b.pk)  # fresh, with its users
    d = batch_out(b)
    d["problems"] = b.problems
    d["line_counts"] = {k: {"lines": v["lines"], "amount": str(v["amount"]) if v["amount"] is not None else None}
                        for k, v in selectors.line_counts(b).items()}
    d["events"] = [{"kind": e.kind, "at": _local(e.at), "actor": _name(e.actor), "note": e.note, "data": e.data}
                   for e in selectors.events_of(b)]
    count, lines = selectors.stale_lines(b) if b.status in OPEN_STATUSES else (0, [])
    d["stale"] = {"count": count, "lines": lines}
    return d


OPEN_STATUSES = (PaymentBatch.Status.DRAFT, PaymentBatch.Status.REVIEWED, PaymentBatch.Status.APPROVED)
"""Statuses in which stale lines are looked for (before the payment file leaves)."""


def line_out(line) -> dict:
    return {"id": line.pk, "person": line.person_id, "name": line.person.name, "household": line.household_id,
            "region": line.region_id, "region_name": line.region.name, "benefit_month": line.benefit_month,
            "amount": line.amount, "members": line.members, "rule": line.rule, "parameter": line.parameter_id,
            "computation": line.computation, "status": line.status, "result_note": line.result_note,
            "result_at": _local(line.result_at), "carried_from": line.carried_from_id, "generation": line.generation}


@router.post("/batches", response={201: BatchDetailOut, 409: ConflictOut},
             summary="生成月度发放批次（同一项目、县区、月份只生成一次；重复生成返回 409 和已有批次号）")
def create_batch(request, body: BatchIn):
    user = request.auth
    program = program_by_code(body.program)
    county = get_region(user, body.county)  # out of scope → 404
    month = parse_month(body.month)
    try:
        batch = services.generate_batch(actor(request), program, county, month)
    except services.BatchExists as exc:
        return Status(409, {"error": {"code": exc.code, "message": exc.message, "fields": exc.fields,
                                      "batch": exc.batch_id}})
    return Status(201, batch_detail(user, batch))


@router.get("/batches", response=BatchPage, summary="发放批次列表（本辖区；可按项目、县区、月份、状态筛选）")
def list_batches(request, program: str = "", county: str = "", month: str = "", status: str = "", page: Page = 1,
                 page_size: PageSize = 50):
    page_size, page, start = paging(page, page_size)
    f = selectors.BatchFilters(program=program, county=county, month=parse_month(month) if month else None,
                               status=status)
    qs = selectors.search_batches(_viewer(request), f)
    return {"count": qs.count(), "page": page, "page_size": page_size,
            "results": [batch_out(b) for b in qs[start:start + page_size]]}


@router.get("/batches/{int:batch_id}", response=BatchDetailOut, summary="批次详情（合计、问题清单、明细统计、操作记录）")
def get_batch(request, batch_id: Id):
    return batch_detail(request.auth, selectors.get_batch(_viewer(request), batch_id))


@router.get("/batches/{int:batch_id}/lines", response=LinePage,
            summary="批次明细（当前生成次；generation 可查作废的历史明细）")
def batch_lines(request, batch_id: Id, status: str = "", q: str = "", generation: Int | None = None, page: Page = 1,
                page_size: PageSize = 100):
    batch = selectors.get_batch(_viewer(request), batch_id)
    page_size, page, start = paging(page, page_size, max_size=500)
    qs = selectors.lines_of(batch, status=status, generation=generation, q=q)
    return {"count": qs.count(), "page": page, "page_size": page_size,
            "results": [line_out(x) for x in qs[start:start + page_size]]}


class VersionIn(Schema):
    version: Int
    note: str = ""


class ReopenIn(Schema):
    version: Int
    reason: str


@router.post("/batches/{int:batch_id}/review", response=BatchDetailOut, summary="审核（待审核 → 已审核）")
def review(request, batch_id: Id, body: VersionIn):
    batch = selectors.get_batch(request.auth, batch_id)
    return batch_detail(request.auth, services.review_batch(actor(request), batch, version=body.version,
                                                            note=body.note))


@router.post("/batches/{int:batch_id}/approve", response=BatchDetailOut,
             summary="审批（已审核 → 已审批；生成人不能审批本批次）")
def approve(request, batch_id: Id, body: VersionIn):
    batch = selectors.get_batch(request.auth, batch_id)
    return batch_detail(request.auth, services.approve_batch(actor(request), batch, version=body.version,
                                                             note=body.note))


@router.post("/batches/{int:batch_id}/reopen", response=BatchDetailOut,
             summary="重开（已审核、已审批 → 待审核；导出发放文件后不能重开）")
def reopen(request, batch_id: Id, body: ReopenIn):
    batch = selectors.get_batch(request.auth, batch_id)
    return batch_detail(request.auth, services.reopen_batch(actor(request), batch, version=body.version,
                                                            reason=body.reason))


@router.post("/batches/{int:batch_id}/regenerate", response=BatchDetailOut,
             summary="重新生成（待审核的批次：原明细作废保留，全部重新计算）")
def regenerate(request, batch_id: Id, body: VersionIn):
    batch = selectors.get_batch(request.auth, batch_id)
    return batch_detail(request.auth, services.regenerate_batch(actor(request), batch, version=body.version))


@router.post("/batches/{int:batch_id}/close", response=BatchDetailOut, summary="办结（全部明细已登记发放结果）")
def close(request, batch_id: Id, body: VersionIn):
    batch = selectors.get_batch(request.auth, batch_id)
    return batch_detail(request.auth, services.close_batch(actor(request), batch, version=body.version,
                                                           note=body.note))


def file_response(f: services.ExportFile) -> StreamingHttpResponse:
    from ...imports.export import content_disposition

    response = StreamingHttpResponse(f.chunks, content_type=f.content_type)
    response["Content-Disposition"] = content_disposition(f.file_name, f.ascii_name)
    response["X-Export-Rows"] = str(f.rows)
    response["Cache-Control"] = "no-store"
    return response


@router.post("/batches/{int:batch_id}/export",
             summary="导出发放文件（xlsx 或 csv；首次导出后批次为“已导出”；sensitive=true 导出完整身份证号，"
                     "accounts=true 导出完整收款账号，各需相应权限；每次导出均记入审计）")
def export(request, batch_id: Id, format: str = "xlsx", sensitive: bool = False, accounts: bool = False,
           version: Int | None = None):
    batch = selectors.get_batch(request.auth, batch_id)
    return file_response(services.export_batch(actor(request), batch, fmt=format, sensitive=sensitive,
                                               accounts=accounts, version=version))


class ResultIn(Schema):
    line: Id
    status: str
    note: str = ""


class ResultsIn(Schema):
    version: Int
    results: BoundedList[ResultIn, MAX_RESULTS] = []
    rest_paid: bool = False


class ResultsOut(Schema):
    paid: int
    failed: int
    unchanged: int
    pending: int
    batch: BatchDetailOut


@router.post("/batches/{int:batch_id}/results", response=ResultsOut,
             summary="登记发放结果（逐条已发放/发放失败，失败须写原因；rest_paid=true 其余待发放的记为已发放）")
def results(request, batch_id: Id, body: ResultsIn):
    batch = selectors.get_batch(request.auth, batch_id)
    out = services.record_results(actor(request), batch, [r.dict() for r in body.results], version=body.version,
                                  rest_paid=body.rest_paid, source="api")
    return {**out, "batch": batch_detail(request.auth, batch)}


@router.post("/batches/{int:batch_id}/results-file", response=ResultsOut,
             summary="上传银行回盘文件登记结果（xlsx/csv，须有“明细编号”“发放结果”列，可有“失败原因”列）")
def results_file(request, batch_id: Id, file: File[UploadedFile], version: Form[Int], rest_paid: Form[bool] = False):
    batch = selectors.get_batch(request.auth, batch_id)
    if file.size > 50 * 1024 * 1024:
        raise ValidationFailed({"file": [{"code": "file.too_large", "message": _("文件不能超过 50 MB")}]})
    rows = services.parse_results_file(file.read(), file.name or "")
    out = services.record_results(actor(request), batch, rows, version=version, rest_paid=rest_paid,
                                  source=file.name or "")
    return {**out, "batch": batch_detail(request.auth, batch)}


class AccountIn(Schema):
    account: str
    version: Int | None = None
    reason: str = ""


class AccountOut(Schema):
    id: int
    payee_account: str
    version: int


@router.post("/enrollments/{int:enrollment_id}/account", response=AccountOut,
             summary="录入享受对象的完整发放账户（加密保存，页面只显示尾号；导出完整发放文件时写入）")
def set_account(request, enrollment_id: Id, body: AccountIn):
    from ..selectors.enrollments import get_enrollment
    from ..services.accounts import set_payee_account

    enrollment = get_enrollment(request.auth, enrollment_id)  # out of scope → 404
    e = set_payee_account(actor(request), enrollment, body.account, version=body.version, reason=body.reason)
    return {"id": e.pk, "payee_account": e.payee_account, "version": e.version}
