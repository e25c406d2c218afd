"""The counts of tips by stage as a workbook (xlsxwriter): numbers only, never content."""

import io

from django.utils.translation import gettext as _


def counts_xlsx(region, start, end, counts: dict) -> bytes:
    """A small workbook: a title row (region, period), the header, one row per child
    region and the total."""
    import xlsxwriter

    out = io.BytesIO()
    wb = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_numbers": False, "strings_to_formulas": False,
                                   "strings_to_urls": False})
    ws = wb.add_worksheet(_("线索统计"))
    bold = wb.add_format({"bold": True})
    head = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    text = wb.add_format({"num_format": "@"})
    ws.write_string(0, 0, _("%(region)s 线索统计（%(start)s 至 %(end)s）") % {
        "region": region.name, "start": start.isoformat(), "end": end.isoformat()}, bold)
    for c, h in enumerate((_("区划代码"), _("区划"), _("采集"), _("移交"), _("办结"))):
        ws.write_string(1, c, h, head)
    ws.set_column(0, 0, 15)
    ws.set_column(1, 1, 24)
    r = 2
    for row in counts["rows"]:
        ws.write_string(r, 0, row["code"], text)
        ws.write_string(r, 1, row["region"].name if row["region"] else row["code"])
        for c, key in enumerate(("collected", "transferred", "concluded"), 2):
            ws.write_number(r, c, row[key])
        r += 1
    ws.write_string(r, 0, region.code, text)
    ws.write_string(r, 1, _("合计：") + region.name, bold)
    for c, key in enumerate(("collected", "transferred", "concluded"), 2):
        ws.write_number(r, c, counts["total"][key])
    wb.close()
    return out.getvalue()


def counts_file_names(region, start, end) -> tuple[str, str]:
    """(Chinese file name, ASCII fallback)."""
    return (f"{region.short_name}-线索统计-{start:%Y%m%d}-{end:%Y%m%d}.xlsx",
            f"tips-{region.code}-{start:%Y%m%d}-{end:%Y%m%d}.xlsx")
