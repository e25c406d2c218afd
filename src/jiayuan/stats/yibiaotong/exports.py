"""Exports of 一表通 forms: a unit's form and the aggregated form as ``.xlsx`` in the printed
layout (title, 表号 and period, unit, header rows, the rows, 填报人/审核人 lines; openpyxl),
and as data (JSON for a unit's form, CSV for the aggregate). Numbers are numeric cells
(Decimal); file names Chinese with an ASCII fallback.
"""

from __future__ import annotations

import csv
import io
import json

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from jiayuan.imports.export import content_disposition

from ..definitions import UNITS
from . import rules

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_THIN = Side(style="thin")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)


def unit_label(unit: str) -> str:
    return str(_(UNITS[unit])) if unit in UNITS else unit


def response(content: bytes, content_type: str, file_name: str, ascii_name: str) -> HttpResponse:
    """A download with the Chinese file name and its ASCII fallback."""
    out = HttpResponse(content, content_type=content_type)
    out["Content-Disposition"] = content_disposition(file_name, ascii_name)
    out["Cache-Control"] = "no-store"
    return out


def _sheet(title: str, width: int):
    wb = Workbook()
    ws = wb.active
    ws.title = title[:31]
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    ws.cell(1, 1, title).font = Font(bold=True, size=16)
    ws.cell(1, 1).alignment = _CENTER
    ws.row_dimensions[1].height = 30
    return wb, ws


def _header(ws, row: int, values: list) -> None:
    for col, v in enumerate(values, 1):
        c = ws.cell(row, col, v)
        c.font, c.border, c.alignment = Font(bold=True), _BOX, _CENTER


def _body(ws, row: int, values: list) -> None:
    for col, v in enumerate(values, 1):
        c = ws.cell(row, col, v)
        c.border = _BOX


def _bytes(wb) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def unit_form_xlsx(view) -> bytes:
    """A unit's form (``selectors.SubmissionView``): title, 表号/统计期, 填报单位/截止日期,
    the header (序号, 项目, 计量单位, 数值, 数据来源), one row per element, then the 填报人,
    报送日期 and 审核人 lines."""
    s = view.submission
    task, form = s.task, s.task.form
    wb, ws = _sheet(form.title, 5)
    ws.cell(2, 1, _("表号：%(code)s（第%(v)s版）") % {"code": form.code, "v": form.version})
    ws.cell(2, 4, _("统计期：%(period)s") % {"period": task.period})
    ws.cell(3, 1, _("填报单位：%(unit)s") % {"unit": s.unit.name})
    ws.cell(3, 4, _("截止日期：%(date)s") % {"date": task.deadline.isoformat()})
    _header(ws, 4, [_("序号"), _("项目"), _("计量单位"), _("数值"), _("数据来源")])
    r = 5
    for item, cell in view.rows:
        _body(ws, r, [item.position, item.element.name, unit_label(item.element.unit), cell.value,
                      str(_(rules.PROVENANCE_LABELS[cell.provenance]))])
        r += 1
    r += 1
    filler = str(s.submitted_by) if s.submitted_by_id else "________"
    when = timezone.localtime(s.submitted_at).date().isoformat() if s.submitted_at else "________"
    ws.cell(r, 1, _("填报人：%(name)s") % {"name": filler})
    ws.cell(r, 3, _("报送日期：%(date)s") % {"date": when})
    ws.cell(r + 1, 1, _("审核人：%(name)s") % {"name": "________"})
    ws.cell(r + 1, 3, _("单位负责人：%(name)s") % {"name": "________"})
    for col, width in zip("ABCDE", (8, 36, 12, 16, 14)):
        ws.column_dimensions[col].width = width
    ws.print_title_rows = "4:4"
    return _bytes(wb)


def unit_form_json(view) -> str:
    """A unit's form as data: ``{"form", "version", "period", "unit", "submitted_at",
    "values": {element_code: {"name", "unit", "value" (text or null), "provenance",
    "platform_value", "recorded_by", "recorded_at"}}}``."""
    s = view.submission
    return json.dumps({
        "form": s.task.form.code, "version": s.task.form.version, "title": s.task.form.title,
        "period": s.task.period, "unit": s.unit_id, "unit_name": s.unit.name,
        "submitted_at": s.submitted_at.isoformat() if s.submitted_at else None,
        "values": {item.element.code: {
            "name": item.element.name, "unit": item.element.unit,
            "value": rules.format_value(cell.value) or None, "provenance": cell.provenance,
            "platform_value": rules.format_value(cell.platform_value) or None,
            "recorded_by": cell.recorded_by or None,
            "recorded_at": cell.recorded_at.isoformat() if cell.recorded_at else None,
        } for item, cell in view.rows},
    }, ensure_ascii=False, indent=1)


def _agg_header(agg) -> tuple[list, list]:
    names = [_("序号"), _("填报单位")] + [i.element.name for i in agg.items]
    units = ["", ""] + [f"{unit_label(i.element.unit)}（{_(i.get_aggregation_display())}）" for i in agg.items]
    return names, units


def aggregate_xlsx(task, agg) -> bytes:
    """The aggregated form: title (``<form title>汇总表``), 表号/统计期, 下发单位 and how many
    units submitted, two header rows (elements; unit and aggregation), one row per
    submitted unit, the 合计 row, the 制表人/审核人 lines."""
    names, units = _agg_header(agg)
    wb, ws = _sheet(_("%(title)s汇总表") % {"title": task.form.title}, len(names))
    ws.cell(2, 1, _("表号：%(code)s（第%(v)s版）") % {"code": task.form.code, "v": task.form.version})
    ws.cell(2, 3, _("统计期：%(period)s") % {"period": task.period})
    ws.cell(3, 1, _("汇总单位：%(unit)s") % {"unit": task.region.name})
    ws.cell(3, 3, _("已报送 %(n)s 个单位，共 %(total)s 个") % {"n": agg.submitted, "total": agg.total})
    _header(ws, 4, names)
    _header(ws, 5, units)
    r = 6
    for k, (unit, values) in enumerate(agg.units, 1):
        _body(ws, r, [k, unit.name] + list(values))
        r += 1
    _body(ws, r, ["", _("合计")] + list(agg.totals))
    for c in range(1, len(names) + 1):
        ws.cell(r, c).font = Font(bold=True)
    ws.cell(r + 2, 1, _("制表人：%(name)s") % {"name": "________"})
    ws.cell(r + 2, 4, _("审核人：%(name)s") % {"name": "________"})
    ws.column_dimensions["A"].width, ws.column_dimensions["B"].width = 6, 28
    for c in range(3, len(names) + 1):
        ws.column_dimensions[get_column_letter(c)].width = 16
    ws.print_title_rows = "4:5"
    return _bytes(wb)


def aggregate_csv(task, agg) -> bytes:
    """The aggregate as CSV (UTF-8 with BOM, for Excel and WPS): unit code, unit, one
    column per element code; the last row the totals."""
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow([_("区划代码"), _("填报单位")] + [i.element.code for i in agg.items])
    w.writerow(["", ""] + [i.element.name for i in agg.items])
    for unit, values in agg.units:
        w.writerow([unit.code, unit.name] + [rules.format_value(v) for v in values])
    w.writerow(["", _("合计")] + [rules.format_value(v) for v in agg.totals])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def file_names(what: str, ascii_what: str, region, period: str, ext: str) -> tuple[str, str]:
    """``交通巷社区-社区基本情况表-2026.xlsx`` and ``report-620702001001-2026.xlsx``."""
    return f"{region.short_name}-{what}-{period}.{ext}", f"{ascii_what}-{region.code}-{period}.{ext}"
