"""Pure rules of roster import: header synonyms, cell text, dates, message catalogue.

No Django, no I/O. Values come from the readers (:mod:`jiayuan.imports.reading`) as
the spreadsheet gave them: ``str`` for text cells, ``int``/``float`` for numeric
cells, ``datetime.date``/``datetime.datetime`` for date-formatted cells (python-calamine
already applied the workbook's 1900 or 1904 epoch to those), ``bool``, or ``None``/``""``
for an empty cell.

Messages are Chinese templates marked with ``N_`` (see :mod:`jiayuan.people.rules`);
every stable code is listed with its message in ``docs/import.md``.
"""

from __future__ import annotations

import datetime
import math
import re
import unicodedata
from dataclasses import dataclass

from ..people import rules as people_rules
from ..people.rules import N_, RuleError, normalize_text

__all__ = [
    "FileRejected",
    "COLUMNS",
    "REQUIRED_FIELDS",
    "TEXT_FIELDS",
    "SENSITIVE_FIELDS",
    "normalize_header",
    "field_for_header",
    "HeaderMatch",
    "match_header_row",
    "is_blank",
    "cell_text",
    "YearMonth",
    "excel_serial_to_date",
    "parse_date_cell",
    "looks_scientific",
    "scientific_id_error",
    "redacted",
    "masked_cell",
    "REVEALING_PARAMS",
    "split_tags",
    "issue",
    "MESSAGES",
]


class FileRejected(Exception):
    """The file as a whole cannot be imported (exit status 2 of the command).

    ``code``: stable identifier (``file.*``, ``sheet.*``, ``header.*``, ``region.*``);
    ``template``/``params``: Chinese message, as in :class:`RuleError`.
    """

    def __init__(self, code: str, template: str, params: dict | None = None) -> None:
        self.code = code
        self.template = template
        self.params = dict(params or {})
        super().__init__(code, self.message)

    @property
    def message(self) -> str:
        return self.template % self.params


# ------------------------------------------------------------------ headers

COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("姓名",),
    "sex": ("性别",),
    "id_number": ("身份证号", "身份证号码", "公民身份号码", "证件号码"),
    "ethnic_group": ("民族",),
    "birth_date": ("出生日期", "出生年月"),
    "phone": ("联系电话", "手机号", "手机号码", "电话", "联系方式"),
    "household_number": ("户号", "户编号"),
    "relation_to_head": ("与户主关系", "关系"),
    "address": ("现住址", "住址", "居住地址"),
    "grid": ("所属网格", "网格"),
    "tags": ("人员类别", "标签"),
    "residence_status": ("居住状态", "人口类型"),
    "note": ("备注",),
    "id_type": ("证件类型",),
}
"""Field → accepted header texts, the first being the standard header (templates and
exports use it). Source: the issue "Roster import and export" (issue 3); 证件类型
(optional, blank = 居民身份证): issue 10."""

REQUIRED_FIELDS = ("name", "id_number")

TEXT_FIELDS = frozenset({"name", "household_number", "relation_to_head", "address", "grid", "tags",
                         "residence_status", "note", "id_type"})
"""Columns whose cells are text: a date-formatted cell there is Excel having turned
what was typed (e.g. a house number ``3-1``) into a date."""

SENSITIVE_FIELDS = frozenset({"id_number", "phone"})

REVEALING_PARAMS: dict[str, dict[str, str]] = {
    "id_number.stored_as_number": {"value": "id_number"},
    "id_number.birth_date": {"raw": "date", "birth_date": "date"},
    "birth_date.mismatch": {"expected": "date"},
    "phone.format": {"value": "phone"},
}
"""Parameters of rule messages that repeat a protected value or the part of it that
its mask hides, by error code, with how a recorded issue shows them instead:
``id_number`` masked as an ID number (a number that arrived in scientific notation,
six significant digits, shows only the address code, which the mask shows too, and
stays), ``phone`` masked as a phone, ``date`` as stars: the birth date read from an ID
number is the eight digits its mask hides (the API's rule: the birth date only with
``view_sensitive``). A recorded issue (the pre-check report, the job's issues on its
page and in the API) never repeats a protected value, in 原内容 or in 原因; the error
workbook is the worker's own sheet and keeps its cells."""

_BRACKETED_RE = re.compile(r"[（(\[【<＜].*?[)）\]】>＞]")
_HEADER_LOOKUP = {syn: field for field, syns in COLUMNS.items() for syn in syns}


def normalize_header(value: object) -> str:
    """Header text reduced for matching: NFKC, no whitespace (also inside: ``姓 名``),
    no bracketed notes (``身份证号（必填）``), no required-marks ``*``. Shape: ``object -> str``."""
    text = cell_text(value)
    text = _BRACKETED_RE.sub("", normalize_text(text))
    text = "".join(text.split()).strip("*＊:：")
    return text


def field_for_header(value: object) -> str | None:
    """The field a header cell names (``"id_number"`` for ``身份证号码``), or ``None``."""
    return _HEADER_LOOKUP.get(normalize_header(value))


@dataclass
class HeaderMatch:
    """Result of matching one row as the header.

    ``columns``: field → 0-based column index (first occurrence wins);
    ``headers``: column index → header text as written (stripped);
    ``unknown``: indexes of non-empty header cells naming no known field;
    ``duplicates``: indexes of a second column for an already matched field.
    """

    columns: dict[str, int]
    headers: dict[int, str]
    unknown: list[int]
    duplicates: list[int]

    @property
    def is_header(self) -> bool:
        return all(f in self.columns for f in REQUIRED_FIELDS)


def match_header_row(row: list) -> HeaderMatch:
    """Match every cell of ``row`` against :data:`COLUMNS`."""
    columns: dict[str, int] = {}
    headers: dict[int, str] = {}
    unknown: list[int] = []
    duplicates: list[int] = []
    for idx, value in enumerate(row):
        if is_blank(value):
            continue
        headers[idx] = " ".join(cell_text(value).split())
        field = field_for_header(value)
        if field is None:
            unknown.append(idx)
        elif field in columns:
            duplicates.append(idx)
        else:
            columns[field] = idx
    return HeaderMatch(columns, headers, unknown, duplicates)


# -------------------------------------------------------------------- cells


def is_blank(value: object) -> bool:
    """An empty cell: ``None``, or text that is empty once invisible characters and
    spaces (also U+3000, NBSP) are removed."""
    if value is None:
        return True
    if isinstance(value, str):
        if value.isprintable():  # no format, control or non-ASCII space characters
            return not value.strip()
        return not normalize_text(value)
    return False


def _number_text(value: float | int) -> str:
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if math.isnan(value) or math.isinf(value):
        return str(value)
    if value.is_integer() and abs(value) < 1e21:
        return str(int(value))
    return f"{value:.15g}"


def cell_text(value: object) -> str:
    """The text a worker sees in a cell, as Excel's "General" format shows it.

    Shape: ``object -> str``. Text is returned as is; whole numbers without ``.0``
    (``13812345678.0`` → ``"13812345678"``); other numbers with up to 15 significant
    digits; dates as ``YYYY-MM-DD`` (with `` HH:MM:SS`` when a time is set);
    booleans ``TRUE``/``FALSE``; ``None`` → ``""``.
    """
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, (bool, int, float)):
        return _number_text(value)
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


# -------------------------------------------------------------------- dates


@dataclass(frozen=True)
class YearMonth:
    """A birth year and month without a day (a 出生年月 cell such as ``1990.01``)."""

    year: int
    month: int

    def isoformat(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


_EXCEL_MAX_SERIAL = 2958465  # 9999-12-31 in the 1900 system


def excel_serial_to_date(serial: float, *, epoch_1904: bool = False) -> datetime.date:
    """Convert an Excel date serial to a date (the fraction, a time of day, is dropped).

    1900 system: day 1 is 1900-01-01 and Excel counts the non-existent 1900-02-29 as
    day 60, so serials from 61 on are days since 1899-12-30 and 1–59 days since
    1899-12-31; 60 raises ``ValueError``. 1904 system (old Mac workbooks): day 0 is
    1904-01-01. Raises ``ValueError`` below day 1 (0 in 1904) or past 9999-12-31.
    Source: ECMA-376 Part 1, §18.17.4 (date representation).
    """
    if isinstance(serial, bool) or not isinstance(serial, (int, float)) or math.isnan(serial):
        raise ValueError("not a serial")
    day = math.floor(serial)
    if epoch_1904:
        if day < 0 or day > _EXCEL_MAX_SERIAL - 1462:
            raise ValueError("serial out of range")
        return datetime.date(1904, 1, 1) + datetime.timedelta(days=day)
    if day < 1 or day > _EXCEL_MAX_SERIAL:
        raise ValueError("serial out of range")
    if day == 60:
        raise ValueError("1900-02-29 does not exist")
    if day < 60:
        return datetime.date(1899, 12, 31) + datetime.timedelta(days=day)
    return datetime.date(1899, 12, 30) + datetime.timedelta(days=day)


_SEP_DATE_RE = re.compile(r"(\d{4})([-/.])(\d{1,2})\2(\d{1,2})")
_CN_DATE_RE = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})[日号]?")
_COMPACT_DATE_RE = re.compile(r"(\d{4})(\d{2})(\d{2})")
_SEP_MONTH_RE = re.compile(r"(\d{4})[-/.](\d{1,2})")
_CN_MONTH_RE = re.compile(r"(\d{4})年(\d{1,2})月?")
_COMPACT_MONTH_RE = re.compile(r"(\d{4})(\d{2})")
_TIME_SUFFIX_RE = re.compile(r"[ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$")


def _date_format_error(text: str) -> RuleError:
    return RuleError(
        "birth_date.format",
        N_(
            "出生日期“%(value)s”无法识别：请写成 1990-01-01、1990/1/1、1990.01.01、"
            "19900101 或 1990年1月1日"
        ),
        {"value": text},
        "birth_date",
    )


def _date_invalid_error(text: str) -> RuleError:
    return RuleError(
        "birth_date.invalid",
        N_("出生日期“%(value)s”不是真实存在的日期，请核对"),
        {"value": text},
        "birth_date",
    )


def _make_date(y: int, m: int, d: int, text: str) -> datetime.date:
    try:
        return datetime.date(y, m, d)
    except ValueError:
        raise _date_invalid_error(text) from None


def _make_month(y: int, m: int, text: str) -> YearMonth:
    if not (1 <= m <= 12) or y < 1:
        raise _date_invalid_error(text)
    return YearMonth(y, m)


def _parse_date_text(text: str) -> datetime.date | YearMonth:
    compact = normalize_text(text)
    compact = _TIME_SUFFIX_RE.sub("", compact) if ":" in compact else compact
    compact = "".join(compact.split())
    for regex in (_SEP_DATE_RE, _CN_DATE_RE):
        m = regex.fullmatch(compact)
        if m:
            groups = [g for g in m.groups() if g not in ("-", "/", ".")]
            return _make_date(int(groups[0]), int(groups[1]), int(groups[2]), text)
    m = _COMPACT_DATE_RE.fullmatch(compact)
    if m:
        return _make_date(int(m[1]), int(m[2]), int(m[3]), text)
    for regex in (_SEP_MONTH_RE, _CN_MONTH_RE, _COMPACT_MONTH_RE):
        m = regex.fullmatch(compact)
        if m:
            return _make_month(int(m[1]), int(m[2]), text)
    raise _date_format_error(text)


def parse_date_cell(value: object, *, epoch_1904: bool = False) -> datetime.date | YearMonth | None:
    """A birth date (or year and month) from a cell.

    Shape: ``object -> date | YearMonth | None`` (``None`` for a blank cell).

    - date-formatted cells (``date``/``datetime``): their date;
    - numbers: an 8-digit whole number is ``YYYYMMDD`` (``19900101``), a 6-digit one
      ``YYYYMM``; any other number is an Excel serial in the workbook's epoch
      (``epoch_1904``), see :func:`excel_serial_to_date`;
    - text: ``1990-01-01``, ``1990/1/1``, ``1990.01.01``, ``19900101``, ``1990年1月1日``
      (a time after the date is ignored), or a year and month: ``1990-01``,
      ``1990/1``, ``1990.01``, ``199001``, ``1990年1月``.

    Raises :class:`RuleError` (field ``"birth_date"``): ``birth_date.invalid`` for a
    date that does not exist (``1990-02-30``, serial 60 in the 1900 system) and
    ``birth_date.format`` for anything else.
    """
    if is_blank(value):
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, bool):
        raise _date_format_error(cell_text(value))
    if isinstance(value, (int, float)):
        text = cell_text(value)
        if float(value).is_integer():
            n = int(value)
            if 10000000 <= n <= 99999999:
                return _make_date(n // 10000, n // 100 % 100, n % 100, text)
            if 100000 <= n <= 999999:
                return _make_month(n // 100, n % 100, text)
        try:
            return excel_serial_to_date(value, epoch_1904=epoch_1904)
        except ValueError:
            raise _date_invalid_error(text) from None
    if isinstance(value, str):
        return _parse_date_text(value)
    raise _date_format_error(cell_text(value))


# --------------------------------------------------------- ID number extras

_SCIENTIFIC_RE = re.compile(r"[0-9](?:\.[0-9]+)?E\+?[0-9]{1,3}", re.IGNORECASE)


def looks_scientific(text: str) -> bool:
    """Whether text is a number in scientific notation (``6.20702E+17``): what a long
    number shows once Excel has stored it as a number and saved it as text."""
    return bool(_SCIENTIFIC_RE.fullmatch("".join(normalize_text(text or "").split())))


def scientific_id_error(text: str) -> RuleError:
    """``id_number.stored_as_number`` for an ID number that arrives as scientific text."""
    return RuleError(
        "id_number.stored_as_number",
        N_(
            "公民身份号码显示为科学计数法“%(value)s”：该单元格曾被存成数字，末几位已经丢失。"
            "请把该列设置为“文本”格式，再重新录入完整的18位号码"
        ),
        {"value": text.strip()},
        "id_number",
    )


# ------------------------------------------------------------ residence

RESIDENCE_WORDS: dict[str, str] = {
    "户籍人口": "registered", "户籍": "registered", "本地户籍": "registered", "registered": "registered",
    "流动人口": "floating", "流动": "floating", "外来人口": "floating", "floating": "floating",
    "其他": "other", "其它": "other", "other": "other",
}
"""Words of a 居住状态 cell → ``Person.ResidenceStatus`` value."""


def parse_residence_status(text: str) -> str | None:
    """``"流动人口"`` → ``"floating"``; ``None`` for a word not in :data:`RESIDENCE_WORDS`."""
    return RESIDENCE_WORDS.get("".join(normalize_text(text or "").split()).lower())


# --------------------------------------------------------------------- tags

_TAG_SPLIT_RE = re.compile(r"[、,，;；/|\s]+")


def split_tags(text: str) -> list[str]:
    """Tag names in a 人员类别 cell: ``"低保对象、残疾人"`` → ``["低保对象", "残疾人"]``."""
    return [t for t in _TAG_SPLIT_RE.split(normalize_text(text or "")) if t]


# ------------------------------------------------------- message catalogue

MESSAGES: dict[str, str] = {
    # file-level
    "file.not_found": N_("找不到文件 %(path)s"),
    "file.empty": N_("文件是空的（0 字节）"),
    "file.too_large": N_("文件过大（%(size)s），最大允许 %(limit)s；请拆分后分批导入"),
    "file.unsupported_type": N_(
        "不支持“%(ext)s”格式：请上传 Excel（.xlsx、.xls）、WPS/LibreOffice（.ods）表格，"
        "或 .csv、.txt 文本文件"
    ),
    "file.extension_mismatch": N_(
        "文件扩展名是 %(ext)s，但内容实际是%(actual)s；请用 Excel 或 WPS 打开后"
        "“另存为”正确的格式再导入"
    ),
    "file.corrupt": N_("文件已损坏或不是有效的%(kind)s，无法读取；请用 Excel 或 WPS 打开确认后重新保存"),
    "file.encrypted": N_("工作簿设置了打开密码，无法读取；请取消密码后重新导入"),
    "file.too_many_entries": N_(
        "工作簿内部包含 %(count)d 个文件，超过上限 %(limit)d 个，疑似异常文件，已拒绝读取"
    ),
    "file.uncompressed_too_large": N_(
        "工作簿解压后超过 %(limit)s，疑似“压缩炸弹”或异常文件，已拒绝读取；"
        "正常台账请删除多余的图片或工作表后重试"
    ),
    "file.xml_entities": N_("工作簿中含有 XML 实体声明（DOCTYPE/ENTITY），出于安全原因拒绝读取"),
    "file.too_many_rows": N_("数据行数超过上限 %(limit)d 行，请拆分成多个文件分批导入"),
    "file.sheet_extent": N_(
        "工作表的内容区域延伸到单元格 %(cell)s（%(rows)d 行 × %(cols)d 列），超过读取上限"
        "（最多 %(max_rows)d 行、%(max_cols)d 列、共 %(max_cells)s 个单元格），疑似异常文件，已拒绝读取；"
        "如确为台账，请删除多余的行和列（或取消整表合并）后重新保存再导入"
    ),
    "file.not_text": N_("文件扩展名是 %(ext)s，但内容不是文本；请导入 .xlsx 文件，或另存为 CSV 后再导入"),
    "file.encoding": N_(
        "无法识别文件的文字编码（支持 UTF-8、GB18030/GBK 和带 BOM 的 UTF-16）；"
        "请用 Excel 或 WPS 另存为 .xlsx 或“CSV UTF-8（逗号分隔）”后再导入"
    ),
    "file.mojibake": N_(
        "文件中有乱码（如“%(sample)s”），文字在转换编码时已经损坏，导入会得到错误的姓名和地址；"
        "请从原始表格重新另存为 .xlsx 或“CSV UTF-8”后再导入"
    ),
    "sheet.not_found": N_("工作簿中没有名为“%(sheet)s”的工作表（现有：%(sheets)s）"),
    "header.not_found": N_(
        "在工作表“%(sheet)s”的前 %(rows)d 行中找不到表头：表头行应同时包含“姓名”和"
        "“身份证号”（或“身份证号码”“公民身份号码”“证件号码”）两列"
    ),
    "header.missing_column": N_("表头缺少“%(column)s”列（可写作：%(synonyms)s）"),
    "region.unknown": N_("区划代码 %(code)s 不存在或不在您的管辖范围内"),
    "region.level": N_("导入范围必须是社区（村）或网格，“%(name)s”是%(level)s"),
    "permission.denied": N_("您的角色无权导入台账"),
    # row-level, specific to import (the field rules' codes come from people.rules)
    "id_number.duplicate_in_file": N_(
        "与第 %(first)d 行的公民身份号码相同：同一人在一个文件中只能出现一次，请删除或合并重复行"
    ),
    "id_number.registered_elsewhere": N_(
        "该公民身份号码已登记在本次导入范围以外，不能在此导入或修改；如该居民已迁入，"
        "请联系原社区（村）办理迁出"
    ),
    "region.out_of_scope": N_("网格“%(value)s”不在本次导入的范围（%(region)s）内"),
    "region.not_found": N_("找不到网格“%(value)s”：请填写本社区（村）已有网格的名称或15位网格代码"),
    "household.head_missing": N_(
        "户号 %(number)s 没有户主：请在本户中指定一名“与户主关系”为“户主”的成员"
    ),
    "household.multiple_heads": N_(
        "户号 %(number)s 有 %(count)d 名户主（%(where)s），一户只能有一名户主"
    ),
    "household.member_taken": N_(
        "该居民已属于户 %(current)s，不能再加入户 %(number)s；如需转户，请先从原户中移出"
    ),
    "household.member_invalid": N_(
        "同一户（户号 %(number)s）的第 %(rows)s 行有错误，本户因此没有唯一有效的户主，本行暂未导入；"
        "改正那一行后重新导入即可"
    ),
    "household.region_mismatch": N_(
        "同一户的成员应属于同一网格：户号 %(number)s 属于“%(expected)s”，本行填写的是“%(given)s”"
    ),
    "household.number_too_long": N_("户号不得超过 30 个字符"),
    "household.number_became_date": N_(
        "户号被 Excel 识别成了日期（显示为 %(value)s），原来的户号（如“3-1”）已无法还原；"
        "请把该列设置为“文本”格式后重新录入"
    ),
    "relation.missing": N_("填写了户号 %(number)s，但没有填写与户主关系"),
    "birth_date.mismatch_month": N_(
        "出生年月与公民身份号码不符：号码显示为 %(expected)s，填写的是 %(given)s"
    ),
    "tag.unknown": N_("无法识别的人员类别“%(value)s”（可选：%(choices)s）"),
    "residence_status.unknown": N_("无法识别的居住状态“%(value)s”：请填写“户籍人口”“流动人口”或“其他”"),
    "import.conflict": N_("写入时该户或居民正被他人修改，本行未导入；请稍后重新导入"),
    "import.failed": N_("导入意外中断：已写入的行完整可用，重新导入同一文件即可继续"),
    "import.interrupted": N_(
        "后台任务程序在处理时中断（进程被终止或异常退出），本次导入未完成；已写入的行完整可用，请点击“重试”重新导入"
    ),
    "import.not_retryable": N_("只有意外中断且保存了文件的导入任务才能重试；命令行导入请重新运行命令"),
    "import.not_previewed": N_("只有已完成预检（试导入）的任务才能确认导入，请重新上传文件"),
    "import.no_report": N_("该任务没有可下载的错误工作簿（命令行导入未保存文件，或文件未能读取）"),
    # warnings
    "column.unknown": N_("不认识的列“%(header)s”，已忽略"),
    "column.duplicate": N_("“%(header)s”列与前面的“%(first)s”列重复，已忽略本列"),
    "cell.became_date": N_(
        "本列应为文本，但单元格被 Excel 识别成了日期（显示为 %(value)s），原来的内容可能已被改写；"
        "本格未导入，请把该列设置为“文本”格式后重新录入"
    ),
    "relation.without_household": N_("填写了与户主关系但没有户号，未建立户关系"),
}
"""Import-specific codes → Chinese message templates. Field rules (``name.*``,
``id_number.*``, ``phone.format``, ``ethnic_group.unknown`` …) keep the messages of
:mod:`jiayuan.people.rules`."""


def issue(code: str, field: str | None = None, /, **params) -> RuleError:
    """A :class:`RuleError` with the catalogue message of ``code``."""
    public_code = "birth_date.mismatch" if code == "birth_date.mismatch_month" else code
    return RuleError(public_code, MESSAGES[code], params, field)


def redacted(err: RuleError) -> RuleError:
    """``err`` as a recorded issue may word it: the parameters :data:`REVEALING_PARAMS`
    names for its code masked; other errors come back unchanged."""
    revealing = REVEALING_PARAMS.get(err.code)
    if not revealing:
        return err
    params = dict(err.params)
    for name, kind in revealing.items():
        value = params.get(name)
        if value in (None, ""):
            continue
        text = str(value)
        if kind == "id_number":
            significant = sum(ch.isdigit() for ch in text.upper().split("E")[0])
            params[name] = text if significant <= 6 else people_rules.mask_id_number(text)
        elif kind == "phone":
            params[name] = people_rules.mask_phone(text)
        else:
            params[name] = "".join("*" if ch.isdigit() else ch for ch in text)
    return RuleError(err.code, err.template, params, err.field)


def masked_cell(field: str | None, text: str, *, id_type: str = "resident_id") -> str:
    """What a recorded issue shows of a cell (原内容): an ID number (of document type
    ``id_type``) or a phone masked as everywhere (:data:`SENSITIVE_FIELDS`), other cells
    as read."""
    if not text or field not in SENSITIVE_FIELDS:
        return text
    return people_rules.mask_document(id_type, text) if field == "id_number" else people_rules.mask_phone(text)


def reject(code: str, /, **params) -> FileRejected:
    """A :class:`FileRejected` with the catalogue message of ``code``."""
    return FileRejected(code, MESSAGES[code], params)


def format_size(n: int) -> str:
    """Bytes as a short Chinese-readable size: ``52428800`` → ``"50 MB"``."""
    for unit, size in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if n >= size:
            value = n / size
            return f"{value:.0f} {unit}" if value >= 10 or value.is_integer() else f"{value:.1f} {unit}"
    return f"{n} B"


def strip_invisible(text: str) -> str:
    """Text without Unicode format characters (Cf), e.g. U+200B."""
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
