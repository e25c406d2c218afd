"""Workbooks of the governance app (xlsx, Chinese headers and file names with an ASCII
fallback, as the organizations' exports): an evaluation round's results, activities,
volunteers' service records.

Built from what the services hand over after checking ``export`` and the part's
permission; they write the audit entry. Scores and hours are numbers, dates are dates,
region codes are text. A volunteer's ID number is not in the workbook.
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from ..imports.xlsx import StreamingXlsx


def file_names(what: str, ascii_what: str, region, start: datetime.date, end: datetime.date) -> tuple[str, str]:
    """(Chinese file name, ASCII fallback): ``东街街道-教育活动-20260101-20261231.xlsx``,
    ``governance-activities-620702001-20260101-20261231.xlsx``."""
    return (f"{region.short_name}-{what}-{start:%Y%m%d}-{end:%Y%m%d}.xlsx",
            f"governance-{ascii_what}-{region.code}-{start:%Y%m%d}-{end:%Y%m%d}.xlsx")


def title(what: str, region, start, end, user) -> str:
    who = getattr(user, "full_name", "") or user.username
    return (f"{region.name} {what}（{start:%Y-%m-%d} 至 {end:%Y-%m-%d}） "
            f"导出人：{who}，导出时间：{timezone.localtime():%Y-%m-%d %H:%M}")


def workbook(sheet: str, heading: str, headers, rows, *, text=(), widths=None) -> tuple[bytes, int]:
    """(bytes of a one-sheet workbook, rows written)."""
    w = StreamingXlsx(sheet, headers, text_columns=text, title=heading, widths=widths or [16] * len(headers))
    return b"".join(w.stream(rows)), w.rows_written


def period_workbook(what: str, ascii_what: str, region, start, end, user, headers, rows, *, text=()):
    """``(bytes, Chinese file name, ASCII fallback, rows written)`` of one sheet named
    ``what`` for a region and a period, in Chinese whatever the user's language."""
    from django.utils import translation

    with translation.override("zh-hans"):
        name, fallback = file_names(what, ascii_what, region, start, end)
        data, n = workbook(what, title(what, region, start, end, user), headers, rows, text=text)
    return data, name, fallback, n


def evaluation_sheet(result: dict) -> tuple[list[str], list]:
    """Headers and rows of a round's results: rank, community, total, then per item its
    score and, for a computed item, its basis (``12/15``) or the evaluator's comment."""
    items = result["items"]
    headers = ["名次", "区划代码", "社区（村）", "总分"]
    for i in items:
        headers += [f"{i.name}（{i.weight.normalize():f}分）得分", f"{i.name} 依据或评语"]
    rows = []
    for r in result["rows"]:
        row = [r["rank"], r["community"].code, r["community"].name, r["total"]]
        for s in r["scores"]:
            row += [s.score if s else None, (s.basis or s.comment) if s else ""]
        rows.append(row)
    return headers, rows


ACTIVITY_HEADERS = ("活动日期", "区划代码", "社区（村）", "活动类别", "活动名称", "活动地点", "主办方", "主讲人", "参加人数",
                    "登记的参加居民", "照片（张）")


def activity_rows(activities):
    """``activities`` with ``named`` and ``photo_count`` annotated, kind and region joined."""
    from django.utils.translation import gettext as _

    for a in activities:
        place = " ".join(x for x in ((a.facility.name if a.facility_id else ""), a.place) if x)
        yield (a.held_on, a.region_id, a.region.name, _(a.kind.name), a.title, place, a.organizer_name, a.speakers,
               a.participant_count, a.named, a.photo_count)


SERVICE_HEADERS = ("服务日期", "志愿者", "志愿服务队", "队伍所在区划", "服务内容", "关联活动", "服务时长（小时）", "服务评价",
                   "登记人", "确认", "确认人")


def service_rows(records):
    def name(u):
        return (u.full_name or u.username) if u else ""

    for r in records:
        yield (r.served_on, r.volunteer.person.name, r.volunteer.team.name, r.volunteer.team.region_id, r.content,
               r.activity.title if r.activity_id else "", r.hours, r.get_evaluation_display(), name(r.recorded_by),
               "已确认" if r.confirmed_at else "待确认", name(r.confirmed_by))


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_response(result):
    """The download of a service's ``(bytes, Chinese name, ASCII fallback, rows)``:
    Content-Disposition with both names, ``X-Export-Rows``, ``Cache-Control: no-store``."""
    from django.http import HttpResponse

    from ..imports.export import content_disposition

    data, name, fallback, n = result
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = content_disposition(name, fallback)
    response["X-Export-Rows"] = str(n)
    response["Cache-Control"] = "no-store"
    return response
