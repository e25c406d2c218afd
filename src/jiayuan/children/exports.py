"""Workbooks of children's rosters, with Chinese file names (and an ASCII fallback).

Built from querysets the caller got from the need-to-know selectors
(:func:`jiayuan.children.selectors.search_files`); the service that hands them out
(:func:`jiayuan.children.services.export_files`) checks the permission and writes the
audit entry. No ID numbers and no phones: a roster names the child, the village, the
categories, the grade and the visits; the rest stays on the file's page (read audited).
"""

from __future__ import annotations

import datetime
import io

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

FILE_HEADERS = ("姓名", "性别", "出生日期", "所属村（社区）", "类别", "风险等级", "最近探访", "下次探访期限", "探访逾期",
                "监护人", "监护人关系", "委托照护人", "就读学校", "年级", "儿童主任", "状态", "类别待复核")


def file_names(region, day: datetime.date, overdue: bool) -> tuple[str, str]:
    """(Chinese file name, ASCII fallback): ``交通巷社区-儿童档案花名册-2026-12-07.xlsx``
    (``-探访逾期`` for the overdue list), ``children-files-620702001001-2026-12-07.xlsx``."""
    name = region.short_name if region is not None else "全部"
    code = region.code if region is not None else "all"
    what, ascii_what = ("儿童探访逾期名单", "overdue") if overdue else ("儿童档案花名册", "files")
    return f"{name}-{what}-{day:%Y-%m-%d}.xlsx", f"children-{ascii_what}-{code}-{day:%Y-%m-%d}.xlsx"


def table_xlsx(sheet: str, title: str, headers, rows) -> bytes:
    """One sheet: a title row, the header, ``rows`` written as text (never as formulas,
    numbers or links: a name starting with ``=`` stays a name)."""
    import xlsxwriter

    out = io.BytesIO()
    wb = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_numbers": False, "strings_to_formulas": False,
                                   "strings_to_urls": False})
    ws = wb.add_worksheet(sheet)
    ws.write_string(0, 0, title, wb.add_format({"bold": True}))
    head = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    for c, h in enumerate(headers):
        ws.write_string(1, c, h, head)
        ws.set_column(c, c, 14)
    for r, row in enumerate(rows, 2):
        for c, v in enumerate(row):
            ws.write_string(r, c, "" if v is None else str(v))
    ws.freeze_panes(2, 0)
    wb.close()
    return out.getvalue()
