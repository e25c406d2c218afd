"""Downloads of the city's report (issue 16): a Word document (python-docx) in the
report's shape — title, region and period, one heading per section with its figures as
a table (indicator, value, unit, definition) — and a workbook of the figures (openpyxl:
section, code, indicator, region code, period, value, unit, computable). Values are
written as computed (int or Decimal; a figure that is not computable says so, never 0).
File names are Chinese with an ASCII fallback (``imports.export.content_disposition``).
"""

from __future__ import annotations

import io
from decimal import Decimal

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from ..imports.export import content_disposition

TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def shown(value, computable: bool) -> str:
    """A value as the report prints it: ``—`` without meaning, 不可计算 when no rule."""
    if not computable:
        return _("暂不可计算")
    if value is None:
        return "—"
    if isinstance(value, Decimal):
        return f"{value:,.2f}" if value.as_tuple().exponent <= -2 else f"{value:,}"
    return f"{value:,}"


def title(report) -> str:
    return _("%(region)s城乡社区治理和服务工作情况报告（%(period)s）") % {
        "region": report.region.name, "period": report.period.label}


def report_docx(report) -> bytes:
    """The report as a ``.docx`` (bytes)."""
    from docx import Document
    from docx.oxml.ns import qn

    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = "SimSun"
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "宋体")
    doc.add_heading(title(report), level=0)
    doc.add_paragraph(_("统计区域：%(region)s（%(code)s）；统计期：%(start)s 至 %(end)s；生成时间：%(now)s。各项数字由平台记录实时计算。") % {
        "region": report.region.name, "code": report.region.code, "start": report.period.start,
        "end": report.period.end, "now": timezone.localtime().strftime("%Y-%m-%d %H:%M")})
    for n, section in enumerate(report.sections, start=1):
        doc.add_heading(f"{n}. {_(section.title)}", level=1)
        table = doc.add_table(rows=1, cols=4)
        table.style = "Table Grid"
        for cell, text in zip(table.rows[0].cells, (_("指标"), _("数值"), _("单位"), _("口径"))):
            cell.text = text
        for f in section.figures:
            cells = table.add_row().cells
            cells[0].text = _(f.definition.name)
            cells[1].text = shown(f.value, f.computable)
            cells[2].text = _(f.unit_label)
            cells[3].text = _(f.definition.definition)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def report_xlsx(report) -> bytes:
    """The figures of the report as an ``.xlsx`` (bytes): one row per indicator."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = _("指标")
    ws.append([title(report)])
    ws.append([_("章节"), _("指标代码"), _("指标"), _("区划代码"), _("区划"), _("统计期"), _("数值"), _("单位"),
               _("可计算")])
    for section in report.sections:
        for f in section.figures:
            value = f.value if f.computable else None
            ws.append([_(section.title), f.definition.code, _(f.definition.name), report.region.code,
                       report.region.name, report.period.label, value, _(f.unit_label),
                       _("是") if f.computable else _("否")])
    for col, width in zip("ABCDEFGHI", (18, 34, 36, 14, 16, 10, 16, 8, 8)):
        ws.column_dimensions[col].width = width
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def file_names(report, fmt: str) -> tuple[str, str]:
    """The download's Chinese file name and its ASCII fallback."""
    return (f"{report.region.short_name}城乡社区治理和服务工作情况报告_{report.period.label}.{fmt}",
            f"city-report-{report.region.code}-{report.period.label}.{fmt}")


def download(data: bytes, fmt: str, name: str, ascii_name: str) -> HttpResponse:
    response = HttpResponse(data, content_type=TYPES[fmt])
    response["Content-Disposition"] = content_disposition(name, ascii_name)
    response["Cache-Control"] = "no-store"
    return response
