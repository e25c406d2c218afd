"""Roster export: persons (and the members of households) of a scoped, filtered list,
to ``.xlsx`` or ``.csv``, with the import's standard headers, so that exporting and
importing the file again is lossless and changes nothing.

- Columns: :data:`ROSTER_FIELDS`, headed with the first synonym of each field in
  :data:`jiayuan.imports.rules.COLUMNS` (姓名, 性别, 身份证号 …).
- ID numbers and phones are masked (``620702********001X``, ``138****5678``) unless
  the export is ``sensitive`` (the service checks ``Perm.EXPORT_SENSITIVE``). A masked
  roster carries the age (周岁) in place of the birth date: the eight hidden digits of
  a masked ID number are the birth date, so a birth date beside it would rebuild the
  whole number (the API's rule: the birth date only with ``view_sensitive``).
- Text stays text: ``.xlsx`` cells are inline strings (ID numbers, phones and 户号 also
  carry the text format ``@``), so digits and leading zeros survive and a value that
  begins with ``=``, ``+``, ``-`` or ``@`` is never a formula; in ``.csv`` such a value
  (and one beginning with a tab or carriage return) gets a leading ``'`` (OWASP, "CSV
  injection"), which the importer removes again. Real numbers stay numbers.
- ``.csv`` is UTF-8 with BOM (Excel recognises it) or, on request, GB18030 (which
  encodes every Unicode character, 𠮷 included: never GBK with replaced characters).
- Both formats stream (:class:`jiayuan.imports.xlsx.StreamingXlsx`, a CSV generator):
  memory stays constant whatever the number of rows.

- File names and the title row name the region and the day (:func:`roster_file_names`,
  :func:`roster_title`): ``交通巷社区-居民花名册-2026-12-07-脱敏.xlsx``.

The audited entry point for pages and API is
:func:`jiayuan.imports.services.export_roster`; :func:`roster_response` sends what it
returns.
"""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Iterable, Iterator, Sequence
from urllib.parse import quote

from django.db.models import QuerySet

from .. import security
from ..people import rules as people_rules
from ..people.models import Person, PersonTag
from ..people.rules import N_
from ..people.selectors import current_tags_q
from ..regions.models import Region
from .rules import COLUMNS
from .xlsx import StreamingXlsx

__all__ = [
    "ROSTER_FIELDS", "ROSTER_HEADERS", "TEXT_FIELDS_XLSX", "FORMULA_PREFIXES", "csv_safe", "person_rows",
    "stream_xlsx", "stream_csv", "content_disposition", "RESIDENCE_LABELS", "MASKED_ROSTER_HEADERS", "roster_headers",
    "ROSTER_LABELS", "roster_region_name", "roster_file_names", "roster_title", "roster_response",
]

ROSTER_FIELDS = ("name", "sex", "id_number", "ethnic_group", "birth_date", "phone", "household_number",
                 "relation_to_head", "address", "grid", "tags", "residence_status", "note", "id_type")
"""Columns of the standard roster (template, exports), in order. 证件类型 (issue 10) comes
last, so that the thirteen columns of earlier rosters keep their places."""
ROSTER_HEADERS = tuple(COLUMNS[f][0] for f in ROSTER_FIELDS)
MASKED_ROSTER_HEADERS = tuple("年龄" if f == "birth_date" else h for f, h in zip(ROSTER_FIELDS, ROSTER_HEADERS))
"""Headers of a masked roster: 年龄 in place of 出生日期 (see the module docstring)."""
TEXT_FIELDS_XLSX = frozenset({"id_number", "phone", "household_number"})
"""Columns formatted as text (``@``) in workbooks we write."""
TEXT_COLUMNS = frozenset(i for i, f in enumerate(ROSTER_FIELDS) if f in TEXT_FIELDS_XLSX)
COLUMN_WIDTHS = (10, 6, 22, 8, 12, 16, 10, 12, 40, 14, 24, 10, 20, 22)
RESIDENCE_LABELS = {"registered": "户籍人口", "floating": "流动人口", "other": "其他"}
SEX_LABELS = {1: "男", 2: "女"}
ID_TYPE_LABELS = people_rules.ID_TYPES
"""证件类型 column: the Chinese name of the document type (the importer reads it back)."""
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet read a CSV cell as a formula."""

CSV_ENCODINGS = {"utf-8": "utf-8-sig", "gb18030": "gb18030"}


def csv_safe(value) -> str:
    """A cell value as CSV text: numbers as written (``-12.5`` stays a number), text
    beginning with ``= + - @``, tab or CR prefixed with ``'`` so it is never a formula."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)):
        return repr(value) if isinstance(value, float) else str(value)
    if isinstance(value, (datetime.date,)):
        return value.isoformat()
    text = str(value)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


# ------------------------------------------------------------------ rows


def _grid_labels(codes: Iterable[str]) -> dict[str, str]:
    """Grid code → what the 所属网格 column shows: the grid's name where it is unique in
    its community (what workers type), else its 15-digit code (also accepted)."""
    communities = {c[:12] for c in codes if len(c) == 15}
    if not communities:
        return {}
    grids = list(Region.objects.filter(level=Region.Level.GRID, parent_id__in=communities)
                 .values_list("code", "name", "parent_id"))
    counts: dict[tuple[str, str], int] = {}
    for code, name, parent in grids:
        key = (parent, "".join(name.split()))
        counts[key] = counts.get(key, 0) + 1
    return {code: (name if counts[(parent, "".join(name.split()))] == 1 else code) for code, name, parent in grids}


_PERSON_COLUMNS = ("id", "name", "sex", "id_number_cipher", "ethnic_group", "birth_date", "phone_cipher",
                   "household__number", "relation_to_head", "address", "region_id", "residence_status", "note",
                   "id_type")


def roster_headers(sensitive: bool) -> tuple[str, ...]:
    """The header row of a roster export: :data:`ROSTER_HEADERS` when ``sensitive``,
    else :data:`MASKED_ROSTER_HEADERS`."""
    return ROSTER_HEADERS if sensitive else MASKED_ROSTER_HEADERS


def person_rows(qs: QuerySet, *, sensitive: bool, batch: int = 2000, today: datetime.date | None = None
                ) -> Iterator[list]:
    """Rows of :data:`ROSTER_FIELDS` for the persons of ``qs`` (a scoped queryset of
    :class:`Person`, ordered as it should be exported), read in batches of ``batch``
    with their current tags. ``sensitive``: whole ID numbers, phones and birth dates;
    else ID numbers masked by document type (:func:`jiayuan.people.rules.mask_document`),
    phones masked and the age (周岁 on ``today``, default the local date) in the
    birth-date column, under :func:`roster_headers`. Declared lag-tolerant: the persons
    are read from the replica when one is configured and usable
    (:func:`jiayuan.dbrouting.may_lag`)."""
    from django.utils import timezone

    from ..dbrouting import may_lag

    qs = may_lag(qs)

    today = today or timezone.localdate()
    age_on = people_rules.age_on
    decrypt = security.decrypt
    mask_id, mask_phone = people_rules.mask_document, people_rules.mask_phone
    ethnic, relations = people_rules.ETHNIC_GROUPS, people_rules.RELATIONS
    tag_names = dict(PersonTag.kind.field.related_model.objects.values_list("code", "name"))
    tag_order = {code: i for i, code in
                 enumerate(PersonTag.kind.field.related_model.objects.values_list("code", flat=True))}
    grid_cache: dict[str, str] = {}
    today_q = current_tags_q()
    rows = qs.values_list(*_PERSON_COLUMNS).iterator(chunk_size=batch)
    pending: list[tuple] = []

    def flush(items: list[tuple]) -> Iterator[list]:
        ids = [r[0] for r in items]
        tags: dict[int, list[str]] = {}
        for pid, kind in PersonTag.objects.filter(today_q, person_id__in=ids).values_list("person_id", "kind_id"):
            lst = tags.setdefault(pid, [])
            if kind not in lst:
                lst.append(kind)
        missing = {r[10] for r in items if len(r[10]) == 15 and r[10] not in grid_cache}
        if missing:
            labels = _grid_labels(missing)
            for code in missing:
                grid_cache[code] = labels.get(code, code)
        for (pid, name, sex, id_cipher, eth, birth, phone_cipher, hh_number, rel, address, region, residence,
             note, id_type) in items:
            id_number = decrypt(id_cipher)
            phone = decrypt(phone_cipher) if phone_cipher else ""
            if not sensitive:
                id_number = mask_id(id_type, id_number)
                phone = mask_phone(phone) if phone else ""
                birth = age_on(birth, today) if birth else None
            kinds = tags.get(pid)
            yield [
                name, SEX_LABELS.get(sex, ""), id_number, ethnic.get(eth, ""), birth, phone, hh_number or "",
                relations.get(rel, "") if hh_number else "", address, grid_cache.get(region, "") if len(region) == 15
                else "", "、".join(tag_names.get(k, k) for k in sorted(kinds, key=lambda k: tag_order.get(k, 999)))
                if kinds else "", RESIDENCE_LABELS.get(residence, ""), note, ID_TYPE_LABELS.get(id_type, ""),
            ]

    for row in rows:
        pending.append(row)
        if len(pending) >= batch:
            yield from flush(pending)
            pending = []
    if pending:
        yield from flush(pending)


# ------------------------------------------------------------------ writers


def stream_xlsx(rows: Iterable[Sequence], *, sheet_name: str = "居民", title: str | None = None,
                headers: Sequence[str] = ROSTER_HEADERS) -> tuple[StreamingXlsx, Iterator[bytes]]:
    """(writer, chunks): the roster workbook streamed while ``rows`` are read;
    ``writer.rows_written`` holds the count once the chunks are exhausted."""
    writer = StreamingXlsx(sheet_name, headers, text_columns=TEXT_COLUMNS, widths=COLUMN_WIDTHS, title=title)
    return writer, writer.stream(rows)


class _Line:
    def __init__(self) -> None:
        self.value = ""

    def write(self, s: str) -> None:
        self.value = s


def stream_csv(rows: Iterable[Sequence], *, encoding: str = "utf-8", headers: Sequence[str] = ROSTER_HEADERS,
               chunk_rows: int = 2000) -> Iterator[bytes]:
    """CSV bytes in chunks: UTF-8 with BOM (``encoding="utf-8"``, default) or GB18030;
    CRLF line ends; formula-looking text prefixed with ``'`` (:func:`csv_safe`)."""
    codec = CSV_ENCODINGS[encoding]
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(headers)
    first = True
    n = 0
    for row in rows:
        writer.writerow([csv_safe(v) for v in row])
        n += 1
        if n % chunk_rows == 0:
            data = buf.getvalue().encode(codec)
            if not first and codec == "utf-8-sig":
                data = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
            first = False
            buf.seek(0)
            buf.truncate()
            yield data
    data = buf.getvalue().encode(codec)
    if not first and codec == "utf-8-sig" and data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if data or first:
        yield data


# ------------------------------------------------------------------ names and title

ROSTER_LABELS = {"person": N_("居民花名册"), "household": N_("户成员花名册")}
"""What a roster export is called: in its file name always Chinese; in its title row and
sheet name translated into the page's language."""
ALL_REGIONS = "全部"
"""The region part of the name of an export with no region (a system administrator without scope)."""


def roster_region_name(region: Region | None) -> str:
    """The region as a file name and a title name it: the short name (交通巷社区居民委员会
    → 交通巷社区, 张掖市, 甘州区); a grid with its community (交通巷社区第一网格); ``None``
    (the whole tree) → 全部."""
    if region is None:
        return ALL_REGIONS
    if region.is_grid and region.parent_id:
        return f"{region.parent.short_name}{region.name}"
    return region.short_name


def roster_file_names(what: str, region: Region | None, day: datetime.date, *, sensitive: bool,
                      fmt: str) -> tuple[str, str]:
    """(file name, ASCII fallback) of a roster export of ``what`` (``person`` /
    ``household``) for ``region`` on ``day`` (the local date)::

        交通巷社区-居民花名册-2026-12-07-脱敏.xlsx     jiayuan-persons-620702001001-2026-12-07-masked.xlsx
        甘州区-户成员花名册-2026-12-07.csv             jiayuan-households-620702-2026-12-07.csv

    ``-脱敏`` / ``-masked`` marks a masked export (no whole ID numbers or phones)."""
    code = region.code if region is not None else "all"
    name = f"{roster_region_name(region)}-{ROSTER_LABELS[what]}-{day:%Y-%m-%d}{'' if sensitive else '-脱敏'}.{fmt}"
    fallback = f"jiayuan-{what}s-{code}-{day:%Y-%m-%d}{'' if sensitive else '-masked'}.{fmt}"
    return name, fallback


def roster_title(label: str, region: Region | None, filter_parts: Sequence[str], who: str,
                 when: datetime.datetime, all_text: str = "全部") -> str:
    """The workbook's first row: ``交通巷社区 居民花名册（标签：残疾人）导出人：李四，导出时间：
    2026-12-07 10:30``; ``all_text`` stands for no filter (translated by the caller,
    as ``label``)."""
    return (f"{roster_region_name(region)} {label}（{'；'.join(filter_parts) if filter_parts else all_text}）"
            f"导出人：{who}，导出时间：{when:%Y-%m-%d %H:%M}")


def roster_response(export):
    """The streamed HTTP response of a :class:`jiayuan.imports.services.RosterExport`
    (pages and API alike): Content-Disposition with the Chinese name and the ASCII
    fallback, ``X-Export-Rows``, ``Cache-Control: no-store``."""
    from django.http import StreamingHttpResponse

    response = StreamingHttpResponse(export.chunks, content_type=export.content_type)
    response["Content-Disposition"] = content_disposition(export.file_name, export.ascii_name)
    response["X-Export-Rows"] = str(export.rows)
    response["Cache-Control"] = "no-store"
    return response


def content_disposition(file_name: str, fallback: str) -> str:
    """``attachment`` header with a Chinese file name for every browser: the name as
    ``filename*=UTF-8''…`` (RFC 6266/5987) and an ASCII ``filename="…"`` fallback."""
    ascii_name = "".join(ch if 32 < ord(ch) < 127 and ch not in '"\\;%' else "_" for ch in fallback)
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(file_name, safe='')}"


def template_xlsx() -> bytes:
    """The blank roster template: the standard headers, ID number, phone and 户号
    columns formatted as text (so Excel keeps every digit), an example row in grey
    notes, frozen header. Written with xlsxwriter (styles matter here, not speed)."""
    import xlsxwriter

    out = io.BytesIO()
    wb = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_numbers": False, "strings_to_formulas": False,
                                   "strings_to_urls": False})
    ws = wb.add_worksheet("居民花名册")
    text = wb.add_format({"num_format": "@"})
    date = wb.add_format({"num_format": "yyyy-mm-dd"})
    head = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "num_format": "@"})
    required = wb.add_format({"bold": True, "bg_color": "#FCE4D6", "border": 1, "num_format": "@",
                              "font_color": "#C00000"})
    notes = {
        "name": "必填",
        "id_number": "必填；18位，末位可为X。本列已设为文本格式，请勿改为数字",
        "sex": "可不填，由身份证号得出；填写时须与号码一致",
        "birth_date": "可不填，由身份证号得出；如 1990-01-01",
        "phone": "手机号11位，或固定电话如 0936-8212345",
        "household_number": "同一户的成员填写相同户号",
        "relation_to_head": "户主、配偶、妻、长子、长女等；每户一名户主",
        "grid": "本社区（村）网格的名称",
        "tags": "多个类别用顿号“、”分隔，如：低保对象、残疾人",
        "residence_status": "户籍人口、流动人口或其他",
    }
    for col, (fname, header) in enumerate(zip(ROSTER_FIELDS, ROSTER_HEADERS)):
        fmt = text if fname in TEXT_FIELDS_XLSX else (date if fname == "birth_date" else None)
        ws.set_column(col, col, COLUMN_WIDTHS[col], fmt)
        ws.write_string(0, col, header, required if fname in ("name", "id_number") else head)
        if fname in notes:
            ws.write_comment(0, col, notes[fname], {"x_scale": 1.6, "y_scale": 1.2})
    ws.freeze_panes(1, 0)
    # Text format on the cells of the first 2,000 rows too: a column format alone is
    # lost by some WPS versions when a cell is pasted into.
    for row in range(1, 2001):
        for col in TEXT_COLUMNS:
            ws.write_blank(row, col, None, text)
    wb.close()
    return out.getvalue()


def persons_for_export(qs: QuerySet) -> QuerySet:
    """``qs`` ordered for a roster: by household (members together, head first), then
    persons without a household, by id."""
    return qs.order_by("region_id", "household_id", "relation_to_head", "birth_date", "id")


def households_export_persons(households: QuerySet) -> QuerySet:
    """The members of ``households`` (a scoped, filtered household queryset) as a
    person queryset for :func:`person_rows`."""
    return Person.objects.filter(household__in=households.values("pk"))
