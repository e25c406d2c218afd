"""Importing existing beneficiary rosters (享受对象花名册) into the assistance programs.

The same engine as the resident roster (``docs/import.md``): one :class:`ImportJob`
(kind ``beneficiaries``) per file, its issues (:class:`ImportIssue`), the command's JSON
(:func:`jiayuan.imports.selectors.job_summary`) and the error workbook
(:mod:`jiayuan.imports.report`). The file is read by :mod:`jiayuan.imports.reading`
(formats, limits, mojibake, hidden sheets) and its cells by :mod:`jiayuan.imports.rules`
(header normalisation, cell text, dates); ID numbers by
:func:`jiayuan.people.rules.parse_id_number` (a numeric ID cell is
``id_number.stored_as_number``).

Each data row names a person registered in the target region's subtree (matched on the
keyed hash of the normalised ID number, as the resident import does) and is enrolled
with :func:`jiayuan.assistance.services.enroll` as the acting user (who needs
``decide_applications``: a county officer or the city administrator), so the amount is
computed by the program's rule with the parameters in force for the start month and
every enrollment has its ``enrolled`` event and its audit entry (``extra.import_job``,
``extra.row``). A row is not enrolled when the person is not registered
(``person.not_registered``: import the resident roster first), lives outside the region,
is not alive, has another name in the registry, or when the service refuses it (its
codes and Chinese messages: ``inputs.*``, ``amount.zero``, ``parameters.missing``,
``certificate.missing``, ``enrollment.duplicate`` …).

Writing: by default in chunks of at most 500 rows, each chunk one transaction (each row
a savepoint) with the job's counters; ``dry_run`` runs every row through ``enroll`` in
one transaction that is rolled back, so the preview applies exactly the rules of a real
run (eligibility included); ``all_or_nothing`` writes every row in one transaction,
rolled back when any row fails.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable

from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext

from .. import security
from ..accounts.permissions import Perm
from ..assistance.services.accounts import mask
from ..audit.services import Actor
from ..errors import ServiceError, translate_rule_error
from ..people import rules as people_rules
from ..people.models import Person
from ..people.rules import N_, RuleError
from ..regions.models import Region
from . import reading, rules
from .models import ImportIssue, ImportJob
from .rules import FileRejected, reject
from .engine.common import issue_records, sorted_issues
from .engine.read import find_header
from .services import Issue, ImportResult, config, create_job, finish_job, recorded_outcome

__all__ = ["COLUMNS", "INPUT_COLUMNS", "MESSAGES", "resolve_user", "resolve_scope", "resolve_program",
           "parse_month_option", "create_beneficiary_job", "run_beneficiary_import"]

Progress = Callable[[str, int, int], None]
CHUNK_ROWS = 500

# ------------------------------------------------------------------ headers

COLUMNS: dict[str, tuple[str, ...]] = {
    "name": rules.COLUMNS["name"],
    "id_number": rules.COLUMNS["id_number"],
    "program": ("项目", "救助项目", "享受项目", "保障项目"),
    "start_month": ("起始月份", "享受起始月份", "起始年月", "享受起始年月", "开始发放月份"),
    "payee_account": ("发放账户", "银行账号", "一卡通账号", "社保卡号", "银行卡号", "账号"),
    "note": ("备注",),
}
"""Fields that are not a program's facts → accepted headers (the first is standard)."""

INPUT_COLUMNS: dict[str, tuple[str, ...]] = {
    # 低保
    "area": ("城乡类别", "城乡", "城乡分类"),
    "members": ("保障人数", "家庭人数", "享受人数", "保障人口"),
    "per_capita_income": ("家庭人均月收入", "人均月收入"),
    "household_income": ("家庭月收入", "家庭月总收入"),
    "elderly_members": ("老年人人数",),
    "minor_members": ("未成年人人数",),
    "severely_disabled_members": ("重度残疾人人数",),
    "deposits": ("家庭存款及有价证券", "家庭存款"),
    "vehicles": ("机动车辆数",),
    "housing": ("住房套数",),
    # 特困
    "self_care": ("生活自理能力", "自理能力"),
    "no_work_capacity": ("无劳动能力",),
    "no_income_source": ("无生活来源",),
    "no_supporter": ("无法定义务人或义务人无履行能力", "无法定义务人"),
    "disabled": ("残疾人", "是否残疾人"),
    "setting": ("供养方式",),
    # 两项补贴
    "household_status": ("家庭经济状况", "家庭类别"),
    "extreme_poverty": ("已纳入特困人员救助供养", "特困人员", "是否特困人员"),
    "work_injury_care": ("享受工伤保险生活护理费", "工伤保险护理费", "工伤护理"),
    # 养老服务补贴
    "economic_status": ("经济状况",),
    "capacity_level": ("能力等级", "失能等级"),
}
"""Declared facts of ``assistance.rules.INPUT_SCHEMAS`` → accepted headers. A row reads
the columns of its program's schema and ignores the others."""

REGISTRY_COLUMNS = ("残疾类别", "残疾等级", "持有效残疾人证", "残疾人证号", "长期照护需求", "本地户籍")
"""Facts the registry holds (certificate, registration): recognised, not read
(warning ``column.registry_fact``)."""

CHOICE_WORDS: dict[str, dict[str, str]] = {
    "area": {"城市": "urban", "城镇": "urban", "城": "urban", "农村": "rural", "乡村": "rural", "农": "rural"},
    "household_status": {"低保": "subsistence", "低保家庭": "subsistence", "低保户": "subsistence",
                         "低保边缘": "low_income", "低保边缘家庭": "low_income", "低收入": "low_income",
                         "低收入家庭": "low_income", "其他": "other", "其它": "other", "一般": "other"},
    "economic_status": {"特困": "extreme_poverty", "特困人员": "extreme_poverty", "三无": "extreme_poverty",
                        "低保": "subsistence", "低保家庭": "subsistence", "低保边缘": "low_income",
                        "低收入": "low_income", "其他": "other", "其它": "other"},
    "setting": {"分散": "home", "集中": "institution"},
}
"""Words of a choice cell besides the codes and the schema's Chinese names."""

BOOL_WORDS = {"是": True, "否": False, "有": True, "无": False, "y": True, "n": False, "true": True,
              "false": False, "1": True, "0": False, "√": True, "×": False}

PROGRAM_WORDS = {
    "低保": "subsistence_allowance", "城乡低保": "subsistence_allowance", "城市低保": "subsistence_allowance",
    "农村低保": "subsistence_allowance", "特困": "extreme_poverty_support", "特困供养": "extreme_poverty_support",
    "特困人员供养": "extreme_poverty_support", "生活补贴": "disability_living_allowance",
    "残疾人生活补贴": "disability_living_allowance", "护理补贴": "disability_care_allowance",
    "残疾人护理补贴": "disability_care_allowance", "高龄补贴": "elderly_allowance",
}
"""Short names of programs (besides their codes and full names)."""

_REGISTRY = "_registry"
_LOOKUP = {rules.normalize_header(s): f for f, syns in COLUMNS.items() for s in syns}
_LOOKUP.update({rules.normalize_header(s): f for f, syns in INPUT_COLUMNS.items() for s in syns})
_LOOKUP.update({rules.normalize_header(s): _REGISTRY for s in REGISTRY_COLUMNS})

# ------------------------------------------------------------------ messages

MESSAGES: dict[str, str] = {
    "user.missing": N_("请用 --user 指定以谁的名义纳入享受对象（县区民政业务人员或市级管理员的用户名）"),
    "user.unknown": N_("找不到用户“%(username)s”，或该用户已停用"),
    "permission.denied": N_("用户“%(username)s”的角色无权纳入享受对象：导入享受对象花名册需要县级审批权限"
                            "（县区民政业务人员或市级管理员）"),
    "region.level": N_("享受对象花名册的导入范围应为县（区）、乡镇（街道）、社区（村）或网格，“%(name)s”是%(level)s"),
    "program.unknown": N_("无法识别的救助项目“%(value)s”（可填：%(choices)s）"),
    "program.not_monthly": N_("%(program)s为一次性救助，没有按月发放的享受对象，不能导入花名册"),
    "program.missing": N_("请填写项目（或在导入时指定项目）"),
    "start_month.format": N_("起始月份“%(value)s”无法识别：请写成 2024-01、2024年1月、202401 或 2024-01-01"),
    "start_month.missing": N_("请填写起始月份（或在导入时指定起始月份）"),
    "person.not_registered": N_("人口登记中没有这个公民身份号码：请先导入居民花名册（或登记该居民），再导入享受对象"),
    "person.out_of_scope": N_("该居民登记在本次导入范围（%(region)s）以外，不能在此纳入；如已迁入，请先在人口登记中办理迁入"),
    "person.name_mismatch": N_("姓名与人口登记不符：该公民身份号码登记的姓名是“%(registered)s”，表中填写的是“%(given)s”；"
                               "请核对姓名和号码"),
    "person.not_alive": N_("人口登记中该居民为“%(status)s”，不能纳入享受对象"),
    "household.required": N_("%(program)s以户为单位，但该居民在人口登记中不属于任何家庭户：请先导入居民花名册"
                             "（户号、与户主关系），再导入享受对象"),
    "household.duplicate_in_file": N_("与第 %(first)d 行是同一户（户号 %(number)s）：%(program)s以户为单位，"
                                      "每户只填一行（户主或领取人）"),
    "payee_account.stored_as_number": N_("发放账户被存成了数字（%(value)s），末几位可能已经丢失；请把该列设置为“文本”"
                                         "格式后重新录入"),
    "column.registry_fact": N_("“%(header)s”取自人口登记或残疾人证登记，本列不导入"),
}
"""Codes of the beneficiary import → Chinese templates (besides the engine's
``rules.MESSAGES`` and the enrollment service's codes)."""


def _err(code: str, field: str | None = None, /, **params) -> RuleError:
    return RuleError(code, MESSAGES[code], params, field)


def _reject(code: str, /, **params) -> FileRejected:
    return FileRejected(code, MESSAGES[code], params)


# ------------------------------------------------------------------ options


def resolve_user(username: str):
    """The acting user by username: active, with ``decide_applications``. Raises
    FileRejected ``user.unknown`` / ``permission.denied``."""
    from ..accounts.models import User

    if not (username or "").strip():
        raise _reject("user.missing")
    user = User.objects.filter(username=(username or "").strip(), is_active=True).first()
    if user is None:
        raise _reject("user.unknown", username=username)
    if not user.can(Perm.DECIDE_APPLICATIONS):
        raise _reject("permission.denied", username=username)
    return user


def resolve_scope(user, code: str) -> Region:
    """The target region: in the user's scope, county level or below (a county, township,
    community/village or grid). Raises FileRejected ``region.unknown`` / ``region.level``."""
    code = (code or "").strip()
    region = Region.objects.filter(code=code).first() if code.isdigit() else None
    if region is None or not region.code.startswith(user.scope_code or ""):
        raise reject("region.unknown", code=code)
    if len(region.code) < 6:
        raise _reject("region.level", name=region.name, level=str(region.get_level_display()))
    return region


def _program_lookup():
    from ..assistance.models import Program

    lookup, names = {}, []
    for p in Program.objects.all():
        for word in (p.code, p.name):
            lookup[rules.normalize_header(word).lower()] = p
        names.append(p.name)
    for word, code in PROGRAM_WORDS.items():
        if code in {p.code for p in lookup.values()}:
            lookup[word] = next(p for p in lookup.values() if p.code == code)
    return lookup, "、".join(names)


def resolve_program(value: str):
    """A monthly Program from its code, name or short name (``低保``). Raises FileRejected
    ``program.unknown`` / ``program.not_monthly``."""
    lookup, names = _program_lookup()
    program = lookup.get(rules.normalize_header(value or "").lower())
    if program is None:
        raise _reject("program.unknown", value=value, choices=names)
    if not program.monthly:
        raise _reject("program.not_monthly", program=program.name)
    return program


def _month_of(value, epoch_1904: bool = False) -> datetime.date:
    """A start month from a cell or option: ``2024-01``, ``2024年1月``, ``202401``,
    ``2024-01-01``, a date cell. A date other than a first of month is returned as is
    (the enrollment service refuses it: ``start_month.not_first``). Raises RuleError
    ``start_month.format``."""
    try:
        parsed = rules.parse_date_cell(value, epoch_1904=epoch_1904)
    except RuleError:
        raise _err("start_month.format", "start_month", value=rules.cell_text(value).strip()) from None
    if isinstance(parsed, rules.YearMonth):
        try:
            return datetime.date(parsed.year, parsed.month, 1)
        except ValueError:
            raise _err("start_month.format", "start_month", value=rules.cell_text(value).strip()) from None
    return parsed


def parse_month_option(text: str | None) -> datetime.date | None:
    """``--start-month``; None when not given. Raises FileRejected ``start_month.format``."""
    if not text:
        return None
    try:
        return _month_of(text)
    except RuleError:
        raise _reject("start_month.format", value=text) from None


def create_beneficiary_job(actor: Actor, region: Region, file_name: str, data: bytes, *, program=None,
                           start_month: datetime.date | None = None, sheet: str | None = None,
                           dry_run: bool = False, all_or_nothing: bool = False,
                           store_file: bool = False) -> ImportJob:
    """An ImportJob of kind ``beneficiaries`` (:func:`jiayuan.imports.services.create_job`)
    with ``options.program`` (code or None) and ``options.start_month`` (ISO or None)."""
    job = create_job(actor, region, file_name, data, sheet=sheet, dry_run=dry_run, all_or_nothing=all_or_nothing,
                     store_file=store_file, kind=ImportJob.Kind.BENEFICIARIES)
    job.options = {**job.options, "program": getattr(program, "code", None),
                   "start_month": start_month.isoformat() if start_month else None}
    job.save(update_fields=["options"])
    return job


# ------------------------------------------------------------------ the engine


class _Row:
    __slots__ = ("number", "cells", "errors", "warnings", "person", "program", "start_month", "inputs",
                 "payee_account", "note", "name", "id_hash")

    def __init__(self, number: int, cells: list):
        self.number, self.cells = number, cells
        self.errors: list[Issue] = []
        self.warnings: list[Issue] = []
        self.person = self.program = self.start_month = None
        self.inputs: dict = {}
        self.payee_account = self.note = self.name = self.id_hash = ""


class _Engine:
    def __init__(self, job: ImportJob, data: bytes, user, progress: Progress | None):
        self.job, self.data, self.user = job, data, user
        self.progress = progress or (lambda stage, done, total: None)
        self.region: Region = job.region
        self.default_program = resolve_program(job.options["program"]) if job.options.get("program") else None
        sm = job.options.get("start_month")
        self.default_month = datetime.date.fromisoformat(sm) if sm else None
        self.header_issues: list[Issue] = []
        self.rows: list[_Row] = []
        self.registry_cols: list[int] = []

    # -------------------------------------------------------------- reading

    def _match(self, cells: list) -> rules.HeaderMatch:
        """``cells`` read as this import's header row (columns of :data:`COLUMNS` and
        :data:`INPUT_COLUMNS`); the registry's columns are noted in ``registry_cols``
        (of the last row matched: the header's, once found)."""
        self.registry_cols = []
        columns, headers, unknown, duplicates = {}, {}, [], []
        for idx, value in enumerate(cells):
            if rules.is_blank(value):
                continue
            headers[idx] = " ".join(rules.cell_text(value).split())
            field = _LOOKUP.get(rules.normalize_header(value))
            if field is None:
                unknown.append(idx)
            elif field == _REGISTRY:
                self.registry_cols.append(idx)
            elif field in columns:
                duplicates.append(idx)
            else:
                columns[field] = idx
        return rules.HeaderMatch(columns, headers, unknown, duplicates)

    def read(self) -> None:
        source = reading.open_source(self.data, self.job.file_name, config().limits)
        self.sheet, self.header_index, self.match = find_header(source, self.job.options.get("sheet"),
                                                                match=self._match, synonyms=COLUMNS)
        self.columns, self.headers = self.match.columns, self.match.headers
        if self.default_program is None and "program" not in self.columns:
            syns = COLUMNS["program"]
            raise reject("header.missing_column", column=syns[0],
                         synonyms="、".join(syns) + gettext("；或在导入时指定项目（--program）"))
        self.job.sheet_name = self.sheet.name[:100]
        self.job.header_row = self.header_index + 1
        number = self.header_index + 1

        def warn(idx, err):
            self.header_issues.append(Issue("warning", number, self.headers[idx], idx, err.code,
                                            translate_rule_error(err)))

        for idx in self.match.unknown:
            warn(idx, rules.issue("column.unknown", header=self.headers[idx]))
        for idx in self.match.duplicates:
            field = _LOOKUP.get(rules.normalize_header(self.sheet.rows[self.header_index][idx]))
            warn(idx, rules.issue("column.duplicate", header=self.headers[idx],
                                  first=self.headers[self.columns[field]]))
        for idx in self.registry_cols:
            warn(idx, _err("column.registry_fact", header=self.headers[idx]))
        self.header_issues.sort(key=lambda i: i.column_index)
        idxs = list(self.columns.values())
        for i in range(self.header_index + 1, len(self.sheet.rows)):
            cells = self.sheet.rows[i]
            if any(idx < len(cells) and not rules.is_blank(cells[idx]) for idx in idxs):
                self.rows.append(_Row(i + 1, cells))

    # -------------------------------------------------------------- validating

    def _get(self, row: _Row, field: str):
        idx = self.columns.get(field)
        return row.cells[idx] if idx is not None and idx < len(row.cells) else None

    def _issue(self, row: _Row, code: str, message: str, field: str | None = None, level: str = "error") -> None:
        idx = self.columns.get(field) if field else None
        value = ""
        if idx is not None:
            value = rules.cell_text(self._get(row, field))
            if field == "payee_account" and value:
                value = mask(value)  # as the enrollment shows it
            else:
                value = rules.masked_cell(field, value)
        item = Issue(level, row.number, self.headers[idx] if idx is not None else "", idx, code, message,
                     value[:200])
        (row.errors if level == "error" else row.warnings).append(item)

    def _rule(self, row: _Row, err: RuleError, field: str | None = None) -> None:
        self._issue(row, err.code, translate_rule_error(rules.redacted(err)), field or err.field)

    def validate(self) -> None:
        total = len(self.rows)
        self.progress("validating", 0, total)
        self.programs, self.program_names = _program_lookup()
        hashes: dict[str, list[_Row]] = {}
        for row in self.rows:
            self._read_row(row)
            if row.id_hash:
                hashes.setdefault(row.id_hash, []).append(row)
        persons = {}
        keys = list(hashes)
        for i in range(0, len(keys), 900):
            for p in Person.objects.filter(id_number_hash__in=keys[i:i + 900]).select_related("household"):
                persons[p.id_number_hash] = p
        seen_person: dict[tuple, int] = {}
        seen_household: dict[tuple, int] = {}
        for key, rows in hashes.items():
            person = persons.get(key)
            for row in rows:
                self._check_person(row, person)
        for row in self.rows:
            if row.errors or row.person is None or row.program is None:
                continue
            k = (row.program.code, row.person.pk)
            if k in seen_person:
                self._rule(row, rules.issue("id_number.duplicate_in_file", "id_number", first=seen_person[k]))
                continue
            seen_person[k] = row.number
            if row.program.unit == "household":
                hk = (row.program.code, row.person.household_id)
                if hk in seen_household:
                    self._rule(row, _err("household.duplicate_in_file", "id_number", first=seen_household[hk],
                                         number=row.person.household.number, program=row.program.name))
                else:
                    seen_household[hk] = row.number
        self.progress("validating", total, total)

    def _read_row(self, row: _Row) -> None:
        epoch = self.sheet.epoch_1904
        # name and ID number
        try:
            row.name = people_rules.normalize_name(rules.cell_text(self._get(row, "name")))
        except RuleError as err:
            self._rule(row, err, "name")
        id_raw = self._get(row, "id_number")
        try:
            if isinstance(id_raw, str) and rules.looks_scientific(id_raw):
                raise rules.scientific_id_error(id_raw)
            info = people_rules.parse_id_number(id_raw if not isinstance(id_raw, str) or not rules.is_blank(id_raw)
                                                else "")
        except RuleError as err:
            self._rule(row, err, "id_number")
        except TypeError:
            self._issue(row, "id_number.format", gettext("公民身份号码应为文本"), "id_number")
        else:
            row.id_hash = security.lookup_hash("id_number", info.number)
        # program
        v = self._get(row, "program")
        if not rules.is_blank(v):
            text = rules.cell_text(v).strip()
            program = self.programs.get(rules.normalize_header(text).lower())
            if program is None:
                self._rule(row, _err("program.unknown", "program", value=text, choices=self.program_names))
            elif not program.monthly:
                self._rule(row, _err("program.not_monthly", "program", program=program.name))
            else:
                row.program = program
        elif self.default_program is not None:
            row.program = self.default_program
        else:
            self._rule(row, _err("program.missing", "program"))
        # start month
        v = self._get(row, "start_month")
        if not rules.is_blank(v):
            try:
                row.start_month = _month_of(v, epoch)
            except RuleError as err:
                self._rule(row, err)
        elif self.default_month is not None:
            row.start_month = self.default_month
        else:
            self._rule(row, _err("start_month.missing", "start_month"))
        # payee account, note
        v = self._get(row, "payee_account")
        if not rules.is_blank(v):
            if isinstance(v, (int, float)) and not isinstance(v, bool) and abs(v) >= 1e15:
                self._rule(row, _err("payee_account.stored_as_number", "payee_account", value=rules.cell_text(v)))
            else:
                row.payee_account = "".join(people_rules.normalize_text(rules.cell_text(v)).split())
        v = self._get(row, "note")
        if not rules.is_blank(v):
            row.note = rules.cell_text(v)
        if row.program is not None:
            self._read_inputs(row)

    def _read_inputs(self, row: _Row) -> None:
        from ..assistance import rules as assistance_rules

        code = row.program.code
        inputs: dict = {}
        for spec in assistance_rules.INPUT_SCHEMAS.get(code, ()):
            if spec.source != "declared" or spec.kind == "overlapping" or spec.key not in self.columns:
                continue
            v = self._get(row, spec.key)
            if rules.is_blank(v):
                continue
            inputs[spec.key] = self._input_value(spec, v)
        if code in ("disability_living_allowance", "disability_care_allowance"):
            # Blank = 否: an open 特困 enrollment in the registry makes it 是 (registry_facts).
            inputs.setdefault("extreme_poverty", False)
        clean, errors = assistance_rules.validate_inputs(code, inputs)
        for key, err_code, message in errors:
            self._issue(row, err_code, message, key if key in self.columns else None)
        row.inputs = clean

    @staticmethod
    def _input_value(spec, v):
        if isinstance(v, bool):
            return v
        text = people_rules.normalize_text(rules.cell_text(v)).strip()
        if spec.kind == "bool":
            found = BOOL_WORDS.get(text.lower())
            return found if found is not None else text
        if spec.kind == "choice":
            key = rules.normalize_header(text)
            if key in spec.choices:
                return key
            words = {rules.normalize_header(name): code for code, name in spec.choices.items()}
            words.update(CHOICE_WORDS.get(spec.key, {}))
            return words.get(key, key.lower() if key.lower() in spec.choices else text)
        return "".join(text.split())

    def _check_person(self, row: _Row, person: Person | None) -> None:
        if person is None:
            self._rule(row, _err("person.not_registered", "id_number"))
            return
        if not person.region_id.startswith(self.region.code):
            self._rule(row, _err("person.out_of_scope", "id_number", region=self.region.name))
            return
        if person.life_status != Person.LifeStatus.ALIVE:
            self._rule(row, _err("person.not_alive", "id_number", status=str(person.get_life_status_display())))
        if row.name and row.name != person.name:
            self._rule(row, _err("person.name_mismatch", "name", registered=person.name, given=row.name))
        if row.program is not None and row.program.unit == "household" and person.household_id is None:
            self._rule(row, _err("household.required", "id_number", program=row.program.name))
        row.person = person

    # -------------------------------------------------------------- writing

    def _enroll(self, row: _Row) -> bool:
        """Enroll one valid row in a savepoint; on refusal record the service's codes and
        messages as the row's errors. Returns whether it was enrolled."""
        from ..assistance import services as assistance

        actor = Actor(self.user, "command" if self.job.source == ImportJob.Source.COMMAND else "import",
                      {"import_job": self.job.pk, "row": row.number})
        person = row.person
        with translation.override("zh-hans"):
            reason = row.note or gettext("由享受对象花名册导入（%(file)s 第 %(row)s 行）") % {
                "file": self.job.file_name, "row": row.number}
        try:
            with transaction.atomic():
                assistance.enroll(actor, program=row.program, person=person,
                                  household=person.household if row.program.unit == "household" else None,
                                  region=person.region_id, start_month=row.start_month, inputs=row.inputs,
                                  payee_account=row.payee_account, reason=reason)
        except ServiceError as exc:
            fields = {"start_month": "start_month", "payee_account": "payee_account", "reason": "note"}
            if exc.fields:
                for fname, errs in exc.fields.items():
                    for e in errs:
                        self._issue(row, e["code"], e["message"], fields.get(fname))
            else:
                self._issue(row, exc.code, exc.message)
            return False
        return True

    def write(self) -> int:
        """Enroll the valid rows; returns how many were (or, dry run, would be) enrolled."""
        todo = [r for r in self.rows if not r.errors]
        total = len(todo)
        self.progress("writing", 0, total)
        job = self.job
        if job.dry_run or job.all_or_nothing:
            with transaction.atomic():
                done = sum(1 for r in todo if self._enroll(r))
                failed = any(r.errors for r in self.rows)
                if job.dry_run or failed:
                    transaction.set_rollback(True)
            self.progress("writing", total, total)
            return done if job.dry_run or not failed else 0
        done = 0
        for start in range(0, total, CHUNK_ROWS):
            chunk = todo[start:start + CHUNK_ROWS]
            with transaction.atomic():
                n = sum(1 for r in chunk if self._enroll(r))
                ImportJob.objects.filter(pk=job.pk).update(created=F("created") + n, stage="writing",
                                                           progress_done=start + len(chunk), progress_total=total)
            done += n
            self.progress("writing", start + len(chunk), total)
        return done

    def all_issues(self) -> list[Issue]:
        return sorted_issues(self.header_issues, self.rows)


def run_beneficiary_import(job: ImportJob, data: bytes, user, *, progress: Progress | None = None) -> ImportResult:
    """Run a ``beneficiaries`` job on the file's bytes as ``user`` (who must hold
    ``decide_applications``; see :func:`resolve_user`). Same result and job bookkeeping
    as :func:`jiayuan.imports.services.run_import`: a file refused as a whole is recorded
    (status ``rejected``) and returned in ``result.rejected``; an unexpected exception
    marks the job ``failed`` and propagates. ``created`` counts the enrollments made
    (would be made, dry run); ``updated`` and ``unchanged`` stay 0."""
    job.status, job.started_at, job.stage = ImportJob.Status.RUNNING, timezone.now(), "reading"
    job.save(update_fields=["status", "started_at", "stage"])
    result = ImportResult(job=job)
    with recorded_outcome(job, result):
        engine = _Engine(job, data, user, progress)
        engine.read()
        result.sheet, result.header_index, result.columns = engine.sheet, engine.header_index, engine.columns
        job.rows = len(engine.rows)
        job.stage, job.progress_total = "validating", job.rows
        job.save(update_fields=["sheet_name", "header_row", "rows", "stage", "progress_total"])
        engine.validate()
        created = engine.write()
        if job.dry_run or job.all_or_nothing:
            ImportJob.objects.filter(pk=job.pk).update(created=created)
        result.issues = engine.all_issues()
        ImportIssue.objects.bulk_create(issue_records(job, result.issues), batch_size=1000)
        finish_job(job, result.issues, sum(1 for r in engine.rows if r.errors))
    job.refresh_from_db()
    return result
