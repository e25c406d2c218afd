"""Helpers for the import tests: workbooks and CSV bytes built in the test, and the
command run in-process (``run``) with its JSON output and exit status.

ID numbers: ``idn(first17)`` appends the GB 11643 check character computed by
``people.rules.id_check_char`` (itself tested against the published examples); the
published examples themselves (``11010519491231002X``, ``440524188001010014``) are
written out where a test depends on the exact spelling.
"""

import io
import json
import zipfile

import openpyxl
import pytest
from django.core.management import call_command

from jiayuan.conftest import GRID, OWNER_COMMUNITY, PEER_COMMUNITY, PEER_GRID  # noqa: F401
from jiayuan.people.rules import id_check_char

HEADER = ["姓名", "身份证号", "性别", "出生日期", "联系电话", "户号", "与户主关系", "现住址"]


def idn(first17: str) -> str:
    """A valid 18-character ID number from its first 17 digits."""
    return first17 + id_check_char(first17)


def xlsx_bytes(rows, *, title: str | None = None, epoch_1904: bool = False, sheet: str = "花名册",
               text_columns=(), date_cells=()) -> bytes:
    """An .xlsx built with openpyxl: optional merged title row, then ``rows`` as given
    (Python values keep their type: str → text cell, int/float → numeric cell, date →
    date cell). ``date_cells``: (row, col) 1-based cells to format as dates."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    if epoch_1904:
        wb.epoch = openpyxl.utils.datetime.CALENDAR_MAC_1904
    if title:
        ws.append([title])
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=max(len(r) for r in rows))
    for r in rows:
        ws.append(list(r))
    for col in text_columns:
        for cells in ws.iter_cols(min_col=col, max_col=col):
            for c in cells:
                c.number_format = "@"
    for r, c in date_cells:
        ws.cell(row=r, column=c).number_format = "yyyy-mm-dd"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def csv_bytes(rows, encoding: str, delimiter: str = ",") -> bytes:
    text = "\r\n".join(delimiter.join(str(c) for c in r) for r in rows) + "\r\n"
    return text.encode(encoding)


def rewrite_part(data: bytes, name: str, change) -> bytes:
    """The zip ``data`` (a workbook) with entry ``name`` replaced by ``change(body)``,
    every other entry as it was (same names, dates and order)."""
    zin = zipfile.ZipFile(io.BytesIO(data))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            body = zin.read(info.filename)
            if info.filename == name:
                body = change(body)
            zout.writestr(info, body)
    return buf.getvalue()


def ods_bytes(table: str, sheet: str = "Sheet1") -> bytes:
    """A minimal one-sheet OpenDocument spreadsheet (mimetype stored and first, manifest,
    content) whose table ``sheet`` holds ``table`` (its rows' XML) as written."""
    content = ('<?xml version="1.0" encoding="UTF-8"?>'
               '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
               'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
               'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
               f'<office:body><office:spreadsheet><table:table table:name="{sheet}">' + table +
               "</table:table></office:spreadsheet></office:body></office:document-content>")
    manifest = ('<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
                'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
                '<manifest:file-entry manifest:full-path="/" '
                'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
                '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
                "</manifest:manifest>")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet", compress_type=zipfile.ZIP_STORED)
        z.writestr("META-INF/manifest.xml", manifest, compress_type=zipfile.ZIP_DEFLATED)
        z.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
    return buf.getvalue()


@pytest.fixture
def run(db, tmp_path):
    """``run(file_name, content, *extra_args, region=OWNER_COMMUNITY)`` → (exit status,
    parsed JSON stdout) of ``jiayuan import residents FILE --region R --json …``."""

    def runner(file_name: str, content: bytes, *args, region: str = OWNER_COMMUNITY):
        path = tmp_path / file_name
        path.write_bytes(content)
        out = io.StringIO()
        try:
            call_command("import", "residents", str(path), "--region", region, "--json", *args, stdout=out)
            code = 0
        except SystemExit as exc:
            code = exc.code
        return code, json.loads(out.getvalue())

    return runner


def codes(result: dict, key: str = "error_rows") -> list[tuple[int, str, str]]:
    """(row, column, code) of each error (or warning) entry, in order."""
    return [(e["row"], e["column"], e["code"]) for e in result[key]]


@pytest.fixture
def media(settings, tmp_path):
    """Uploaded files go to a temporary media root."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def immediate_tasks(settings):
    """Background tasks run at once, inside the request (django-tasks' ImmediateBackend)."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
                                  "QUEUES": ["default"]}}


def roster(rows, *, title: str | None = "交通巷社区居民花名册", header=None) -> bytes:
    """An .xlsx roster with the standard 13 headers (or ``header``), built with
    openpyxl; ID, phone and 户号 columns as text."""
    from jiayuan.imports.export import ROSTER_HEADERS

    return xlsx_bytes([list(header or ROSTER_HEADERS)] + [list(r) for r in rows], title=title,
                      text_columns=(3, 6, 7))


@pytest.fixture
def run_worker(monkeypatch):
    """``run_worker()``: ``jiayuan worker --batch`` (run every queued task, then stop)
    inside the test's transaction: the worker's ``close_old_connections`` would close
    a connection that is in an atomic block (as every non-transactional test is)."""
    from django.core.management import call_command
    from django_tasks_db.management.commands import db_worker

    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)

    def run():
        call_command("worker", "--batch", "--no-startup-delay", verbosity=0)

    return run
