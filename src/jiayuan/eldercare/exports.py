"""Workbooks of elderly care lists, with Chinese file names (and an ASCII fallback).

Built from querysets the caller got from the scoped selectors; the service that hands
them out (:func:`jiayuan.eldercare.services.export_assessments`) checks the role and
writes the audit entry.
"""

from __future__ import annotations

import datetime
import io

from .models import CapacityAssessment

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

ASSESSMENT_HEADERS = ("姓名", "所属区划", "评估日期", "评估原因", "自理能力", "基础运动能力", "精神状态",
                      "感知觉与社会参与", "总分", "初步等级", "能力等级", "等级变更", "评估员", "下次常规评估")
ADJUSTMENT_SHORT = {"coma": "昏迷", "mental_disorder": "痴呆或精神障碍", "risk_events": "照护风险事件"}


def region_name(region) -> str:
    """The region as a file name names it (short name; 全部 for none)."""
    return region.short_name if region is not None else "全部"


def file_names(what: str, ascii_what: str, region, day: datetime.date) -> tuple[str, str]:
    """(Chinese file name, ASCII fallback): ``交通巷社区-老年人能力评估-2026-12-07.xlsx``,
    ``eldercare-assessments-620702001001-2026-12-07.xlsx``."""
    code = region.code if region is not None else "all"
    return f"{region_name(region)}-{what}-{day:%Y-%m-%d}.xlsx", f"eldercare-{ascii_what}-{code}-{day:%Y-%m-%d}.xlsx"


def table_xlsx(sheet: str, title: str, headers, rows) -> bytes:
    """A workbook of one sheet: a title row, the header and ``rows`` (text cells as
    text, numbers as numbers; formulas never interpreted)."""
    import xlsxwriter

    out = io.BytesIO()
    wb = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_numbers": False, "strings_to_formulas": False,
                                   "strings_to_urls": False})
    ws = wb.add_worksheet(sheet)
    bold = wb.add_format({"bold": True})
    head = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    ws.write_string(0, 0, title, bold)
    for c, h in enumerate(headers):
        ws.write_string(1, c, h, head)
        ws.set_column(c, c, 14)
    n = 0
    for r, row in enumerate(rows, 2):
        n += 1
        for c, v in enumerate(row):
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                ws.write_number(r, c, v)
            else:
                ws.write_string(r, c, "" if v is None else str(v))
    wb.close()
    return out.getvalue()


def assessment_rows(qs):
    for a in qs.iterator(chunk_size=2000):
        a: CapacityAssessment
        adjustments = "、".join(ADJUSTMENT_SHORT.get(x["code"], x["code"]) for x in a.adjustments if x.get("applied"))
        yield (a.person.name, a.person.region.name, a.assessed_on.isoformat(), a.get_reason_display(), a.self_care,
               a.mobility, a.mental, a.perception, a.total, a.get_initial_level_display(), a.get_level_display(),
               adjustments or "—", f"{a.assessor_1.full_name or a.assessor_1.username}、"
                                    f"{a.assessor_2.full_name or a.assessor_2.username}", a.next_due.isoformat())


FACILITY_HEADERS = ("名称", "类型", "所在社区（村）", "地址", "建筑面积（平方米）", "座位数", "床位数", "运营方", "投入运营日期",
                    "状态", "服务的社区（村）", "本年人次", "本年建设补贴（元）", "本年运营补贴（元）")
COVERAGE_HEADERS = ("区划", "已覆盖城市社区", "城市社区总数", "城市覆盖率", "已覆盖行政村", "行政村总数", "农村覆盖率")
