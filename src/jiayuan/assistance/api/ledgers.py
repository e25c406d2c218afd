"""``/api/v1/assistance/ledgers``: payment ledgers rolled up the region tree, and the
两项补贴 figure the city reports (see :mod:`jiayuan.assistance.selectors.ledgers`)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import Router, Schema

from ...api.types import Int
from ...errors import ValidationFailed
from ..selectors import ledgers as selectors
from .batches import parse_month
from .programs import require_view

router = Router(tags=["社会救助：台账统计"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class LedgerRowOut(Schema):
    code: str
    name: str
    households: int
    persons: int
    person_months: int
    lines: int
    amount: Decimal
    pending_lines: int
    pending_amount: Decimal


class LedgerOut(Schema):
    program: str
    program_name: str
    month_from: datetime.date
    month_to: datetime.date
    region: str
    region_name: str
    rows: list[LedgerRowOut]
    total: LedgerRowOut
    in_review_lines: int
    in_review_amount: Decimal
    legend: str


def _row(r: selectors.LedgerRow) -> dict:
    return {k: getattr(r, k) for k in LedgerRowOut.model_fields}


@router.get("/ledgers", response=LedgerOut,
            summary="发放台账：按项目、待遇月份（起止）和区划，下级区划逐行、合计一行；已发放为银行确认的，待发放为已审批、已导出尚未确认的，"
                    "未审批批次的明细只在 in_review_* 合计；format=xlsx 导出")
def get_ledger(request, month_from: str, month_to: str = "", program: str = "", region: str = "",
               format: str = "json"):
    require_view(request)
    user = request.auth
    start = parse_month(month_from, "month_from")
    end = parse_month(month_to, "month_to") if month_to else start
    if end < start:
        raise ValidationFailed({"month_to": [{"code": "month.range", "message": _("截止月份不能早于起始月份")}]})
    led = selectors.ledger(user, program=program, month_from=start, month_to=end, region=region)
    if format == "xlsx":
        from ...imports.export import content_disposition

        response = HttpResponse(selectors.ledger_xlsx(led), content_type=XLSX)
        response["Content-Disposition"] = content_disposition(*selectors.ledger_file_names(led))
        return response
    return {"program": led.program.code if led.program else "", "program_name": led.program.name if led.program else "",
            "month_from": start, "month_to": end, "region": led.region.code, "region_name": led.region.name,
            "rows": [_row(r) for r in led.rows], "total": _row(led.total), "in_review_lines": led.in_review_lines,
            "in_review_amount": led.in_review_amount, "legend": selectors.LEGEND}


class TwoSubsidiesOut(Schema):
    region: str
    region_name: str
    month_from: datetime.date
    month_to: datetime.date
    persons: int
    amount: Decimal
    living_persons: int
    living_amount: Decimal
    care_persons: int
    care_amount: Decimal
    both: int
    pending_amount: Decimal


@router.get("/ledgers/two-subsidies", response=TwoSubsidiesOut,
            summary="两项补贴：半年内享受人数（一人只计一次）和发放金额，如“2019年上半年 12000 人、680.7 万元”")
def two_subsidies(request, year: Int, half: Int, region: str = ""):
    require_view(request)
    user = request.auth
    if half not in (1, 2):
        raise ValidationFailed({"half": [{"code": "half.invalid", "message": _("half 为 1（上半年）或 2（下半年）")}]})
    fig = selectors.two_subsidies_figure(user, year=year, half=half, region=region)
    return {"region": fig.region.code, "region_name": fig.region.name, "month_from": fig.month_from,
            "month_to": fig.month_to, "persons": fig.persons, "amount": fig.amount,
            "living_persons": fig.living_persons, "living_amount": fig.living_amount,
            "care_persons": fig.care_persons, "care_amount": fig.care_amount, "both": fig.both,
            "pending_amount": fig.pending_amount}
