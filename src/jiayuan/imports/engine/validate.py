"""Stage 2, **validate**: every row's cells against the spine's field rules, without
the database (but for the tag kinds), and the file against itself (one row per ID
number). Rules are those of :func:`jiayuan.people.services.clean_person` and
:mod:`jiayuan.people.rules`, called through per-value caches; a plain row is checked in
one pass (:meth:`RowChecker.check_fast`), anything else by the full path
(:meth:`RowChecker.check_fields`), which words every error in the spine's terms.
``tests/test_fast_path.py`` checks that both leave a row alike.

Input: :class:`~.read.Read`; output: :class:`Checked` (the rows with their values,
ID hashes, households, grids, tags and issues)."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

from ... import security
from ...errors import ValidationFailed
from ...people import rules as people_rules
from ...people.models import Person, TagKind
from ...people.services import clean_person
from .. import rules
from .common import MISSING, Cells, Header, Issue, Row, address_text, blank, is_number
from .read import Read

__all__ = ["Checked", "TagLookup", "RowChecker", "validate"]

Progress = Callable[[str, int, int], None]
_FAST_FIELDS = ("name", "id_number", "sex", "ethnic_group", "birth_date", "phone", "household_number",
                "relation_to_head", "address", "grid", "tags", "residence_status", "note")


@dataclass
class Checked:
    """Rows checked on their own and against the file: ``rows`` (each with its values
    and issues), the ``header`` that words further issues, the header's warnings."""

    header: Header
    rows: list[Row]
    header_issues: list[Issue] = field(default_factory=list)


class TagLookup:
    """The tag kinds (人员类别) a cell may name, by code or name, and the parsing of a
    tags cell, remembered per distinct text."""

    def __init__(self, kinds=None):
        kinds = list(TagKind.objects.all()) if kinds is None else list(kinds)
        self.codes: dict[str, str] = {}
        for kind in kinds:
            self.codes[kind.code] = kind.code
            self.codes[kind.name] = kind.code
        self.choices = "、".join(k.name for k in kinds)
        self._parsed: dict[str, tuple[list[str], list[str]]] = {}

    def parse(self, text: str) -> tuple[list[str], list[str]]:
        """(known codes in order, without repeats; unknown names) of a tags cell's text
        (split by :func:`jiayuan.imports.rules.split_tags`). The lists are shared
        between rows: copy before changing."""
        parsed = self._parsed.get(text)
        if parsed is None:
            codes, unknown = [], []
            for name in rules.split_tags(text):
                code = self.codes.get(name)
                if code is None:
                    unknown.append(name)
                elif code not in codes:
                    codes.append(code)
            parsed = self._parsed[text] = (codes, unknown)
        return parsed


def _cached(cache: dict, fn, value):
    """``fn(value)``, remembered per distinct value (text keyed by itself, other
    cell types by type and value: 1, 1.0 and True are different cells)."""
    key = value if value.__class__ is str else (value.__class__, value)
    out = cache.get(key, MISSING)
    if out is MISSING:
        out = cache[key] = fn(value)
    return out


class RowChecker:
    """Checks one row's cells (:meth:`check`), with caches shared across the rows of a
    file: ``header`` its columns, ``epoch_1904`` its date system, ``tags`` the tag kinds."""

    def __init__(self, header: Header, *, epoch_1904: bool = False, tags: TagLookup | None = None):
        self.header = header
        cols = header.columns
        self.epoch_1904 = epoch_1904
        self.tags = tags if tags is not None else TagLookup()
        self.text_columns = [f for f in rules.TEXT_FIELDS if f in cols]
        self.caches: dict[str, dict] = {"name": {}, "sex": {}, "ethnic": {}, "address": {}, "relation": {}}
        self._fast_idx = tuple(cols.get(f, -1) for f in _FAST_FIELDS)
        self._fast_width = max(i for i in self._fast_idx) + 1
        self._fast_text_idx = tuple(cols[f] for f in self.text_columns if f != "residence_status")
        self._today = datetime.date.today()
        self._id_hasher = security.lookup_hasher("id_number")
        self._id_type_i = cols.get("id_type", -1)
        self._id_types: dict = {}
        self._births: dict[str, datetime.date | None] = {}
        self._grid_texts: dict[str, str] = {}
        self._residence: dict[str, str | None] = {}

    def check(self, row: Row) -> None:
        """Fill ``row`` (values, ID, household, grid, tags) and its issues."""
        if not self.check_fast(row):
            self.check_fields(row)

    def check_fast(self, row: Row) -> bool:
        """:meth:`check_fields` for the common row, in one pass over its cells: every
        text cell is text, the ID number is 18 plain characters
        (:func:`jiayuan.people.rules.parse_plain_id_number`), no rule fails and nothing
        is worth a warning. Leaves the row exactly as :meth:`check_fields` would (the
        same rules of :mod:`jiayuan.people.rules`, through per-value caches) and returns
        True; returns False, having changed nothing, at anything else, and the caller
        then runs :meth:`check_fields`, which reports it in the spine's words."""
        raw = row.raw
        if raw.__class__ is not Cells:
            return False
        cells = raw.cells
        if len(cells) < self._fast_width:
            return False
        for i in self._fast_text_idx:
            v = cells[i]
            if v is not None and v.__class__ is not str:
                return False  # a date or number in a text column: the slow path words it
        (name_i, id_i, sex_i, eth_i, birth_i, phone_i, hh_i, rel_i, addr_i, grid_i, tags_i, res_i,
         note_i) = self._fast_idx
        c = self.caches
        try:
            if self._id_type_i >= 0:  # 证件类型: only resident ID cards take the fast path
                v = cells[self._id_type_i]
                if not blank(v) and _cached(self._id_types, people_rules.parse_id_type, v) != people_rules.RESIDENT_ID:
                    return False
            v = cells[name_i]
            name = c["name"].get(v)
            if name is None:
                name = c["name"][v] = people_rules.normalize_name(v if v is not None else "")
            info = people_rules.parse_plain_id_number(cells[id_i], self._today, self._births)
            if info is None:
                return False
            number, birth, sex = info.number, info.birth_date, info.sex
            values = {"name": name, "id_number": number, "sex": sex, "birth_date": birth}
            v = cells[sex_i] if sex_i >= 0 else None
            if not blank(v):
                if v.__class__ is not str and not is_number(v):
                    return False
                given = _cached(c["sex"], people_rules.parse_sex, v)
                if given in (1, 2) and given != sex:
                    return False
            v = cells[birth_i] if birth_i >= 0 else None
            if v is not None and v != "":
                cls = v.__class__
                if cls is datetime.datetime:
                    v = v.date()
                elif cls is not datetime.date:
                    return False  # text and numbers: rules.parse_date_cell in the slow path
                if v != birth:
                    return False
            v = cells[eth_i] if eth_i >= 0 else None
            if not blank(v):
                values["ethnic_group"] = _cached(
                    c["ethnic"], people_rules.parse_ethnic_group, v if is_number(v) else rules.cell_text(v)) or ""
            v = cells[phone_i] if phone_i >= 0 else None
            if not blank(v):
                if people_rules.is_plain_mobile(v):
                    values["phone"] = v
                elif v.__class__ is str or is_number(v):
                    values["phone"] = people_rules.normalize_phone(v)
                else:
                    return False
            v = cells[res_i] if res_i >= 0 else None
            if not blank(v):
                if v.__class__ is not str:
                    return False
                code = self._residence.get(v, MISSING)
                if code is MISSING:
                    code = self._residence[v] = rules.parse_residence_status(v)
                if code is None:
                    return False
                values["residence_status"] = code
            v = cells[addr_i] if addr_i >= 0 else None
            if not blank(v):
                text = c["address"].get(v)
                if text is None:
                    text = c["address"][v] = address_text(v)
                if len(text) > 200:
                    return False
                values["address"] = text
            v = cells[note_i] if note_i >= 0 else None
            if not blank(v):
                text = v.strip()
                if len(text) > 2000:
                    return False
                values["note"] = text
            relation = None
            v = cells[rel_i] if rel_i >= 0 else None
            if not blank(v):
                relation = c["relation"].get(v, MISSING)
                if relation is MISSING:
                    relation = c["relation"][v] = people_rules.parse_relation(v)
                values["relation_to_head"] = relation or ""
            v = cells[hh_i] if hh_i >= 0 else None
            household = ""
            if not blank(v):
                household = people_rules.normalize_text(v)
                if len(household) > 30:
                    return False
            elif relation:
                return False  # relation.without_household: a warning, worded by the slow path
            v = cells[grid_i] if grid_i >= 0 else None
            grid = ""
            if not blank(v):
                grid = self._grid_texts.get(v)
                if grid is None:
                    grid = self._grid_texts[v] = "".join(people_rules.normalize_text(v).split())
            v = cells[tags_i] if tags_i >= 0 else None
            tag_codes = None
            if not blank(v):
                codes, unknown = self.tags.parse(v)
                if unknown:
                    return False
                tag_codes = list(codes)
        except (people_rules.RuleError, TypeError, ValueError, AttributeError):
            return False
        row.values = values
        row.id_info = info
        row.relation = relation or None
        row.id_hash = self._id_hasher(number)
        row.household_number = household
        row.grid_text = grid
        if tag_codes is not None:
            row.tag_codes = tag_codes
        return True

    def check_fields(self, row: Row) -> None:
        """Every cell of ``row`` through the spine's rules, each error and warning
        reported on the row in the spine's words (the full path)."""
        issue = self.header.issue
        raw = row.raw.as_dict() if isinstance(row.raw, Cells) else row.raw
        data: dict = {}
        # Text columns that Excel turned into dates.
        for fname in self.text_columns:
            v = raw.get(fname)
            if v is not None and not isinstance(v, str) and hasattr(v, "isoformat"):
                text = rules.cell_text(v)
                if fname == "household_number":
                    issue(row, rules.issue("household.number_became_date", fname, value=text))
                else:
                    issue(row, rules.issue("cell.became_date", fname, value=text), "warning")
                raw = {**raw, fname: None}
        data["name"] = rules.cell_text(raw.get("name"))
        v = raw.get("id_type")
        id_type_ok = True
        if not blank(v):
            try:
                row.id_type = people_rules.parse_id_type(rules.cell_text(v))
            except people_rules.RuleError as err:
                issue(row, err)
                id_type_ok = False
            if row.id_type != people_rules.RESIDENT_ID:
                data["id_type"] = row.id_type
        id_raw = raw.get("id_number")
        scientific = isinstance(id_raw, str) and rules.looks_scientific(id_raw)
        if scientific:
            issue(row, rules.scientific_id_error(id_raw))
        elif not id_type_ok:
            pass  # which document the number is is unknown: the type's error says it
        else:
            data["id_number"] = id_raw if is_number(id_raw) else rules.cell_text(id_raw)
        for fname in ("sex", "ethnic_group", "phone"):
            v = raw.get(fname)
            if not blank(v):
                data[fname] = v if is_number(v) else rules.cell_text(v)
        for fname in ("address", "note"):
            v = raw.get(fname)
            if not blank(v):
                data[fname] = rules.cell_text(v)
        v = raw.get("residence_status")
        if not blank(v):
            text = rules.cell_text(v)
            code = rules.parse_residence_status(text)
            if code is None:
                issue(row, rules.issue("residence_status.unknown", "residence_status", value=text.strip()))
            else:
                data["residence_status"] = code
        year_month = None
        v = raw.get("birth_date")
        if not blank(v):
            try:
                parsed = rules.parse_date_cell(v, epoch_1904=self.epoch_1904)
            except people_rules.RuleError as err:
                issue(row, err)
            else:
                if isinstance(parsed, rules.YearMonth):
                    year_month = parsed
                else:
                    data["birth_date"] = parsed
        v = raw.get("relation_to_head")
        if not blank(v):
            data["relation_to_head"] = v if is_number(v) else rules.cell_text(v)
        fast = self.fast_clean(data)
        if fast is not None:
            row.values, row.id_info = fast
            row.relation = row.values.get("relation_to_head") or None
        else:
            if "relation_to_head" in data:
                try:
                    row.relation = people_rules.parse_relation(data["relation_to_head"])
                except people_rules.RuleError:
                    pass
            if "id_number" in data:
                try:
                    row.id_info = people_rules.parse_document(row.id_type, data["id_number"])
                except people_rules.RuleError:
                    pass  # reported by clean_person below
            try:
                clean = clean_person(data, partial=True)
            except ValidationFailed as exc:
                if exc.rule_errors:  # with their parameters, so that the issue can hide protected values
                    for err in exc.rule_errors:
                        issue(row, err)
                else:
                    for fname, errs in exc.fields.items():
                        for e in errs:
                            issue(row, people_rules.RuleError(e["code"], "%(m)s", {"m": e["message"]}, fname))
            else:
                row.values = clean.values
        if row.id_info is not None:
            row.id_hash = security.lookup_hash("id_number", people_rules.document_key(row.id_type, row.id_info.number))
        if year_month and row.id_info and row.id_info.birth_date is not None:
            b = row.id_info.birth_date
            if (year_month.year, year_month.month) != (b.year, b.month):
                issue(row, rules.issue("birth_date.mismatch_month", "birth_date",
                                       expected=f"{b.year:04d}-{b.month:02d}", given=year_month.isoformat()))
        v = raw.get("household_number")
        if not blank(v):
            number = people_rules.normalize_text(rules.cell_text(v))
            if len(number) > 30:
                issue(row, rules.issue("household.number_too_long", "household_number"))
            else:
                row.household_number = number
        elif row.relation is not None and not any(i.code == "household.number_became_date" for i in row.errors):
            issue(row, rules.issue("relation.without_household", "relation_to_head"), "warning")
        v = raw.get("grid")
        if not blank(v):
            row.grid_text = "".join(people_rules.normalize_text(rules.cell_text(v)).split())
        v = raw.get("tags")
        if not blank(v):
            codes, unknown = self.tags.parse(rules.cell_text(v))
            row.tag_codes = list(codes)
            for name in unknown:
                issue(row, rules.issue("tag.unknown", "tags", value=name, choices=self.tags.choices))

    def fast_clean(self, data: dict):
        """``(values, id_info)`` as :func:`jiayuan.people.services.clean_person` (partial)
        would give them for a row without errors, calling the same rules of
        :mod:`jiayuan.people.rules`, cached per distinct cell text where the text alone
        decides (names, sex, ethnic groups, relations, addresses). ``None`` at the first
        error: the caller then runs ``clean_person`` itself, which reports every error
        of the row in the spine's words. ``tests/test_fast_path.py`` checks that both
        agree."""
        c = self.caches
        if data.get("id_type", people_rules.RESIDENT_ID) != people_rules.RESIDENT_ID:
            return None  # other documents: clean_person (birth date and sex as entered)
        try:
            v: dict = {"name": _cached(c["name"], people_rules.normalize_name, data["name"])}
            info = None
            if "id_number" in data:
                info = people_rules.parse_id_number(data["id_number"])
                v["id_number"] = info.number
            s = data.get("sex")
            sex = _cached(c["sex"], people_rules.parse_sex, s) if s not in (None, "") else None
            birth = data.get("birth_date")
            if info is not None:
                if (sex in (1, 2) and sex != info.sex) or (birth is not None and birth != info.birth_date):
                    return None
                v["sex"], v["birth_date"] = info.sex, info.birth_date
            if "ethnic_group" in data:
                v["ethnic_group"] = _cached(c["ethnic"], people_rules.parse_ethnic_group, data["ethnic_group"]) or ""
            if "phone" in data:
                x = data["phone"]
                v["phone"] = people_rules.normalize_phone(x) if x not in (None, "") else ""
            if "residence_status" in data:
                if data["residence_status"] not in Person.ResidenceStatus.values:
                    return None
                v["residence_status"] = data["residence_status"]
            if "address" in data:
                text = _cached(c["address"], address_text, data["address"])
                if len(text) > 200:
                    return None
                v["address"] = text
            if "note" in data:
                text = str(data["note"] or "").strip()
                if len(text) > 2000:
                    return None
                v["note"] = text
            if "relation_to_head" in data:
                v["relation_to_head"] = _cached(c["relation"], people_rules.parse_relation,
                                                data["relation_to_head"]) or ""
            return v, info
        except people_rules.RuleError:
            return None


def check_duplicates(header: Header, rows: list[Row]) -> None:
    """``id_number.duplicate_in_file`` on every row after the first with the same ID
    number (keyed hash)."""
    first: dict[str, int] = {}
    for row in rows:
        if not row.id_hash:
            continue
        if row.id_hash in first:
            header.issue(row, rules.issue("id_number.duplicate_in_file", "id_number", first=first[row.id_hash]))
        else:
            first[row.id_hash] = row.number


def validate(read: Read, progress: Progress) -> Checked:
    """Check every row of ``read`` (progress ``validating`` from 0, every 5,000 rows),
    then duplicates within the file. The rows are changed in place and handed on."""
    rows = read.rows
    total = len(rows)
    progress("validating", 0, total)
    checker = RowChecker(read.header, epoch_1904=read.sheet.epoch_1904)
    fast, full = checker.check_fast, checker.check_fields
    for n, row in enumerate(rows, 1):
        if not fast(row):
            full(row)
        if n % 5000 == 0:
            progress("validating", n, total)
    check_duplicates(read.header, rows)
    return Checked(read.header, rows, read.header_issues)
