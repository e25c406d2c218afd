"""The error workbook: the uploaded sheet as read, with a 错误原因 column (and a 提示
column when there are warnings), the cells at fault highlighted (red for errors,
yellow for warnings) and the ID-number and phone columns formatted as text, so the
worker can fix the rows and import the same workbook again (rows already imported
count as unchanged). Written with xlsxwriter in constant-memory mode.
"""

from __future__ import annotations

import datetime
from collections import defaultdict

from .reading import Sheet

ERROR_HEADER = "错误原因"
WARNING_HEADER = "提示"


def write_report(out, sheet: Sheet, header_index: int | None, columns: dict, issues) -> None:
    """Write the error workbook to ``out`` (a path or a binary file object).

    ``issues``: objects with ``level``, ``row`` (1-based sheet row), ``column_index``
    (0-based, or None for the row as a whole), ``column`` and ``message``.
    """
    import xlsxwriter

    by_row: dict[int, list] = defaultdict(list)
    for issue in issues:
        by_row[issue.row].append(issue)
    has_warnings = any(i.level == "warning" for i in issues)
    width = max((len(r) for r in sheet.rows), default=0)
    err_col = width
    warn_col = width + 1

    wb = xlsxwriter.Workbook(out, {"constant_memory": True, "in_memory": False,
                                   "strings_to_numbers": False, "strings_to_formulas": False,
                                   "strings_to_urls": False})
    # Excel forbids []:*?/\ in sheet names (and names over 31 characters).
    safe = "".join("_" if ch in "[]:*?/\\" else ch for ch in (sheet.name or "Sheet1")).strip("'")[:31] or "Sheet1"
    ws = wb.add_worksheet(safe)
    text = wb.add_format({"num_format": "@"})
    date = wb.add_format({"num_format": "yyyy-mm-dd"})
    datetime_fmt = wb.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    bad = {"bg_color": "#FFC7CE", "font_color": "#9C0006"}
    warn = {"bg_color": "#FFEB9C", "font_color": "#9C5700"}
    fmts = {
        ("error", "plain"): wb.add_format(bad), ("error", "text"): wb.add_format({**bad, "num_format": "@"}),
        ("error", "date"): wb.add_format({**bad, "num_format": "yyyy-mm-dd"}),
        ("warning", "plain"): wb.add_format(warn), ("warning", "text"): wb.add_format({**warn, "num_format": "@"}),
        ("warning", "date"): wb.add_format({**warn, "num_format": "yyyy-mm-dd"}),
    }
    reason = wb.add_format({"font_color": "#9C0006", "text_wrap": True, "valign": "top"})
    hint = wb.add_format({"font_color": "#9C5700", "text_wrap": True, "valign": "top"})
    head = wb.add_format({"bold": True, "font_color": "#FFFFFF", "bg_color": "#C00000", "border": 1})

    text_cols = {columns[f] for f in ("id_number", "phone", "household_number") if f in columns}
    for col in text_cols:
        ws.set_column(col, col, 22, text)
    ws.set_column(err_col, err_col, 60)
    if has_warnings:
        ws.set_column(warn_col, warn_col, 40)

    for i, cells in enumerate(sheet.rows):
        number = i + 1
        row_issues = by_row.get(number, [])
        marks = {}
        for issue in row_issues:
            if issue.column_index is not None:
                level = "error" if issue.level == "error" or marks.get(issue.column_index) == "error" else "warning"
                marks[issue.column_index] = level
        for j, value in enumerate(cells):
            level = marks.get(j)
            kind = "text" if j in text_cols else "plain"
            if isinstance(value, datetime.datetime):
                fmt = fmts[(level, "date")] if level else datetime_fmt
                ws.write_datetime(i, j, value, fmt)
            elif isinstance(value, datetime.date):
                fmt = fmts[(level, "date")] if level else date
                ws.write_datetime(i, j, datetime.datetime.combine(value, datetime.time()), fmt)
            elif isinstance(value, bool):
                ws.write_boolean(i, j, value, fmts[(level, kind)] if level else None)
            elif isinstance(value, (int, float)):
                ws.write_number(i, j, value, fmts[(level, kind)] if level else None)
            elif value in (None, ""):
                if level:
                    ws.write_blank(i, j, None, fmts[(level, kind)])
            elif isinstance(value, datetime.timedelta | datetime.time):
                ws.write_string(i, j, str(value), fmts[(level, kind)] if level else None)
            else:
                ws.write_string(i, j, str(value), fmts[(level, kind)] if level else (text if j in text_cols else None))
        for j in range(len(cells), width):
            if marks.get(j):
                ws.write_blank(i, j, None, fmts[(marks[j], "plain")])
        if i == header_index:
            ws.write_string(i, err_col, ERROR_HEADER, head)
            if has_warnings:
                ws.write_string(i, warn_col, WARNING_HEADER, head)
        errors = [x for x in row_issues if x.level == "error"]
        warnings = [x for x in row_issues if x.level == "warning"]
        if errors:
            ws.write_string(i, err_col, "\n".join(_line(x) for x in errors), reason)
        if warnings and i != header_index:
            ws.write_string(i, warn_col, "\n".join(_line(x) for x in warnings), hint)
        elif warnings:
            ws.write_comment(i, err_col, "\n".join(_line(x) for x in warnings))
    if header_index is not None:
        ws.freeze_panes(header_index + 1, 0)
    wb.close()


def _line(issue) -> str:
    return f"【{issue.column}】{issue.message}" if issue.column else issue.message
