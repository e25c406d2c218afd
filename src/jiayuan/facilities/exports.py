"""Workbooks of the facilities module (pages and API alike): the facility roster and the
coverage summary of a region, and the work funds of a county and year. File names are
Chinese with an ASCII fallback (``imports.export.content_disposition``), like every
export: ``东街街道-综合服务设施-2026-12-07.xlsx``.
"""

from __future__ import annotations

import io
from datetime import date

from django.http import HttpResponse

from ..imports.export import content_disposition

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def workbook_response(content: bytes, file_name: str, ascii_name: str) -> HttpResponse:
    """An ``.xlsx`` download with the Chinese file name and its ASCII fallback."""
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = content_disposition(file_name, ascii_name)
    response["Cache-Control"] = "no-store"
    return response


def workbook(title: str, sheet: str, headers: list[str], rows: list[list], widths: list[int]) -> bytes:
    """A small workbook: a bold title row, a header row, the rows (str → text cell,
    numbers → number cell, None → empty), frozen header."""
    import xlsxwriter

    out = io.BytesIO()
    wb = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_numbers": False, "strings_to_formulas": False,
                                   "strings_to_urls": False})
    ws = wb.add_worksheet(sheet)
    bold = wb.add_format({"bold": True})
    head = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    text = wb.add_format({"num_format": "@"})
    num = wb.add_format({"num_format": "0.00"})
    ws.write_string(0, 0, title, bold)
    for c, h in enumerate(headers):
        ws.write_string(1, c, h, head)
    for c, w in enumerate(widths):
        ws.set_column(c, c, w)
    for r, row in enumerate(rows, 2):
        for c, v in enumerate(row):
            if v is None:
                continue
            if isinstance(v, bool):
                ws.write_string(r, c, "是" if v else "否")
            elif isinstance(v, int):
                ws.write_number(r, c, v)
            elif isinstance(v, (float,)) or type(v).__name__ == "Decimal":
                ws.write_number(r, c, float(v), num)
            else:
                ws.write_string(r, c, str(v), text)
    ws.freeze_panes(2, 0)
    wb.close()
    return out.getvalue()


def facilities_xlsx(region_name: str, facilities, functions_of, today: date) -> bytes:
    """The roster of ``facilities`` (from a scoped selector): region, name, address,
    area (m²), functions, opening hours, status."""
    rows = [[f.region.code, f.region.short_name, f.name, f.address, f.floor_area, "、".join(functions_of(f)),
             f.opening_hours, str(f.get_status_display())] for f in facilities]
    return workbook(f"{region_name} 社区综合服务设施（导出日期 {today:%Y-%m-%d}）", "综合服务设施",
                 ["区划代码", "社区（村）", "设施名称", "地址", "建筑面积（平方米）", "功能", "开放时间", "状态"], rows,
                 [15, 16, 24, 30, 14, 40, 20, 8])


def coverage_xlsx(report, today: date) -> bytes:
    """The coverage summary: one row per child region and the total, urban and rural."""
    def line(row, total=False):
        u, v = row.urban, row.rural
        return [row.region.code, ("合计：" if total else "") + row.region.name, u.units, u.covered, u.coverage,
                u.area, u.households, u.per_100, v.units, v.covered, v.coverage, v.area, v.households, v.per_100]

    rows = [line(r) for r in report.rows] + [line(report.total, True)]
    return workbook(f"{report.region.name} 社区综合服务设施覆盖情况（每百户面积目标：城市社区不低于 30 平方米；{today:%Y-%m-%d}）",
                 "覆盖情况",
                 ["区划代码", "区划", "城市社区数", "已覆盖社区", "社区覆盖率（%）", "社区设施面积（平方米）", "社区户数",
                  "每百户面积（平方米）", "行政村数", "已覆盖村", "村覆盖率（%）", "村设施面积（平方米）", "村户数",
                  "村每百户面积（平方米）"], rows, [15, 24] + [12] * 12)


def funds_xlsx(summary, today: date) -> bytes:
    """Work funds of the communities of a region for a year: budgeted amount, the
    county's standard, standing, allocated, spent, balance (yuan), and the totals."""
    rows = [[r.community.code, r.community.short_name, r.amount, r.minimum, r.maximum, r.standing_label, r.allocated,
             r.spent, r.balance] for r in summary.rows]
    rows.append(["", "合计", summary.budget_total, None, None, "", summary.allocated_total, summary.spent_total,
                 summary.allocated_total - summary.spent_total])
    return workbook(f"{summary.region.name} {summary.year}年社区工作经费（低于标准 {len(summary.below)} 个社区；{today:%Y-%m-%d}）",
                 "社区工作经费",
                 ["区划代码", "社区", "预算安排（元）", "标准下限（元）", "标准上限（元）", "对照标准", "已拨付（元）", "已支出（元）",
                  "结余（元）"], rows, [15, 16, 14, 14, 14, 10, 14, 14, 14])


def facility_file_names(region, what: str, ascii_what: str, today: date) -> tuple[str, str]:
    """``东街街道-综合服务设施-2026-12-07.xlsx`` and ``facilities-620702001-2026-12-07.xlsx``."""
    name = region.short_name if region is not None else "全部区划"
    code = region.code if region is not None else "all"
    return f"{name}-{what}-{today:%Y-%m-%d}.xlsx", f"{ascii_what}-{code}-{today:%Y-%m-%d}.xlsx"
