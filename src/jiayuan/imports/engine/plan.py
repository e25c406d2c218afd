"""Stage 3, **plan**: the checked rows against the registry. What it already holds of
the file's persons and households is read in bulk; rows are checked against it
(document birth dates, grids, region scope, households: 户号 + 与户主关系, one head, one
region) and each valid row is planned as *create*, *update* or *unchanged* (empty cells
never erase stored values).

Input: :class:`~.validate.Checked`; output: :class:`Plan`, which the write stage
(:mod:`.write`) carries out."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from ... import security
from ...people import rules as people_rules
from ...people.models import Household, Person
from ...people.selectors import current_tag_kinds
from ...regions.models import Region
from .. import rules
from ..bulk import select_in
from .common import EMPTY, HEAD, Header, Issue, Known, KnownHousehold, Row
from .validate import Checked

__all__ = ["Plan", "plan", "changes_for"]


@dataclass
class Plan:
    """The rows (each with its ``action``) and what writing them needs: the target
    ``region``; what the registry holds (``existing`` persons by ID hash, ``households``
    by number with their ``members`` (hash, relation), ``current_tags`` by person id);
    the file's households (``groups`` of rows by number, ``hh_plan`` number →
    ``{"region", "address"}``) and grid names by code."""

    region: Region
    header: Header
    rows: list[Row]
    header_issues: list[Issue] = field(default_factory=list)
    existing: dict[str, Known] = field(default_factory=dict)
    households: dict[str, KnownHousehold] = field(default_factory=dict)
    members: dict[int, list[tuple[str, str]]] = field(default_factory=lambda: defaultdict(list))
    current_tags: dict[int, set[str]] = field(default_factory=dict)
    grid_names: dict[str, str] = field(default_factory=dict)
    groups: dict[str, list[Row]] = field(default_factory=dict)
    hh_plan: dict[str, dict] = field(default_factory=dict)

    @property
    def community(self) -> str:
        """The code of the target's community (a household number is unique in it)."""
        return self.region.code[:12]

    def region_name(self, code: str) -> str:
        if code in self.grid_names:
            return self.grid_names[code]
        if code == self.region.code:
            return self.region.name
        r = Region.objects.filter(code=code).first()
        return r.name if r else code


def plan(checked: Checked, region: Region) -> Plan:
    """Plan the import of ``checked`` into ``region`` (a community/village or grid): the
    checks against the registry in their order, then the actions. The rows are changed
    in place (issues, ``region_code``, ``action``; the values of rows not to be written
    are let go)."""
    p = Plan(region, checked.header, checked.rows, checked.header_issues)
    load_existing(p)
    check_new_documents(p)
    resolve_grids(p)
    check_scope(p)
    plan_households(p)
    plan_actions(p)
    return p


def load_existing(p: Plan) -> None:
    """What the registry already holds for the file's rows: persons by keyed hash
    (:class:`Known`), households by number (:class:`KnownHousehold`) with their
    members' hashes and relations, current tags. Repeated strings (codes, hashes
    also in the file) are shared, not held twice: a re-run of a large file knows
    every row."""
    canon = {r.id_hash: r.id_hash for r in p.rows if r.id_hash}
    shared: dict[str, str] = {}
    share = shared.setdefault
    hashes = list(canon)
    existing: dict[str, Known] = {}
    hh_numbers: dict[int, str] = {}
    for values in select_in(Person, Known.COLUMNS, "id_number_hash", hashes):
        known = Known(*values)
        known.id_number_hash = canon.get(known.id_number_hash, known.id_number_hash)
        for attr in ("ethnic_group", "relation_to_head", "region_id", "residence_status"):
            setattr(known, attr, share(getattr(known, attr), getattr(known, attr)))
        existing[known.id_number_hash] = known
    p.existing = existing
    taken = list({k.household_id for k in existing.values() if k.household_id})
    hh_numbers.update(select_in(Household, ("id", "number"), "id", taken))
    for k in existing.values():
        if k.household_id:
            k.household_number = hh_numbers.get(k.household_id, "")
    del hh_numbers
    numbers = list({r.household_number for r in p.rows if r.household_number})
    p.households = {}
    p.members = defaultdict(list)
    for values in select_in(Household, KnownHousehold.COLUMNS, "number", numbers,
                            where={"community_id": p.community}):
        hh = KnownHousehold(*values)
        hh.region_id = share(hh.region_id, hh.region_id)
        p.households[hh.number] = hh
    hh_ids = [h.pk for h in p.households.values()]
    for hid, h, rel in select_in(Person, ("household_id", "id_number_hash", "relation_to_head"), "household_id",
                                 hh_ids):
        p.members[hid].append((canon.get(h, h), share(rel, rel)))
    p.current_tags = {}
    if any(r.tag_codes for r in p.rows):
        p.current_tags = current_tag_kinds(k.pk for k in existing.values())


def check_new_documents(p: Plan) -> None:
    """A new person whose document does not encode the birth date (passport, permits,
    外国人永久居留身份证 2017): the 出生日期 column must give it, as a whole date."""
    for row in p.rows:
        if (row.id_type != people_rules.RESIDENT_ID and not row.errors and row.id_hash
                and row.id_hash not in p.existing and "birth_date" not in row.values):
            p.header.issue(row, people_rules.RuleError("birth_date.missing", people_rules.N_(
                "请填写出生日期：该证件号码不含出生日期"), {}, "birth_date"))


def resolve_grids(p: Plan) -> None:
    """The grid named in each row (code or name) → ``row.region_code``, a grid of the
    target region; else ``region.not_found`` / ``region.out_of_scope``."""
    texts = {r.grid_text for r in p.rows if r.grid_text}
    if not texts:
        return
    region = p.region
    regions = list(Region.objects.filter(code__startswith=p.community).values_list("code", "name", "level"))
    by_code = {c: (n, lvl) for c, n, lvl in regions}
    by_name: dict[str, list[str]] = defaultdict(list)
    for c, n, lvl in regions:
        if lvl == Region.Level.GRID:
            by_name["".join(n.split())].append(c)
    resolved: dict[str, tuple[str, str | None]] = {}
    for text in texts:
        code = None
        if text.isdigit():
            if text in by_code:
                code = text
            elif Region.objects.filter(code=text).exists():
                resolved[text] = ("region.out_of_scope", None)
                continue
        elif by_name.get(text):
            inside = [c for c in by_name[text] if c.startswith(region.code)]
            code = inside[0] if inside else by_name[text][0]
        elif Region.objects.filter(level=Region.Level.GRID, name=text).exists():
            resolved[text] = ("region.out_of_scope", None)
            continue
        if code is None:
            resolved[text] = ("region.not_found", None)
        elif not code.startswith(region.code):
            resolved[text] = ("region.out_of_scope", None)
        else:
            resolved[text] = ("", code)
    p.grid_names = {c: n for c, n, _ in regions}
    for row in p.rows:
        if row.grid_text:
            err, code = resolved[row.grid_text]
            if err:
                p.header.issue(row, rules.issue(err, "grid", value=rules.cell_text(row.raw.get("grid")).strip(),
                                                region=region.name))
            else:
                row.region_code = code


def check_scope(p: Plan) -> None:
    """``id_number.registered_elsewhere``: a registered person outside the target region."""
    for row in p.rows:
        known = p.existing.get(row.id_hash)
        if known is not None and not known.region_id.startswith(p.region.code):
            p.header.issue(row, rules.issue("id_number.registered_elsewhere", "id_number"))


def plan_households(p: Plan) -> None:
    """The file's households (rows by 户号) against the registry: relations given,
    members not in another household, exactly one head (file and registry), one
    region per household; then, since rows with errors are not written, that the rows
    that are still leave the household with exactly one head."""
    issue = p.header.issue
    region = p.region
    groups: dict[str, list[Row]] = defaultdict(list)
    for row in p.rows:
        if row.household_number:
            groups[row.household_number].append(row)
    p.groups = groups
    p.hh_plan = {}
    rel_field = "relation_to_head" if "relation_to_head" in p.header.columns else "household_number"
    for number, group in groups.items():
        hh = p.households.get(number)
        for row in group:
            if row.relation is None and not any(e.code == "relation.unknown" for e in row.errors):
                issue(row, rules.issue("relation.missing", rel_field, number=number))
            known = p.existing.get(row.id_hash)
            if known is not None and known.household_id and (hh is None or known.household_id != hh.pk):
                issue(row, rules.issue("household.member_taken", "household_number",
                                       current=known.household_number, number=number))
        file_hashes = {r.id_hash for r in group if r.id_hash}
        file_heads = [r for r in group if r.relation == HEAD]
        db_heads = [h for h, rel in p.members.get(hh.pk, []) if rel == HEAD and h not in file_hashes] if hh else []
        count = len(file_heads) + len(db_heads)
        if count > 1:
            where = "第 " + "、".join(str(r.number) for r in file_heads) + " 行"
            if db_heads:
                where += "，另有已登记的户主"
            for r in file_heads:
                issue(r, rules.issue("household.multiple_heads", rel_field, number=number, count=count, where=where))
        elif count == 0:
            for r in group:
                issue(r, rules.issue("household.head_missing", rel_field, number=number))
        # One region per household: the registered one, else the first grid named (head first).
        ordered = file_heads + [r for r in group if r not in file_heads]
        if hh is not None:
            region_code = hh.region_id
            if not region_code.startswith(region.code):
                for r in group:
                    issue(r, rules.issue("region.out_of_scope", "household_number",
                                         value=p.region_name(region_code), region=region.name))
        else:
            region_code = next((r.region_code for r in ordered if r.region_code), region.code)
        for r in group:
            if r.region_code and r.region_code != region_code:
                issue(r, rules.issue("household.region_mismatch", "grid", number=number,
                                     expected=p.region_name(region_code),
                                     given=rules.cell_text(r.raw.get("grid")).strip()))
        address = next((r.values.get("address") for r in ordered if r.values.get("address")), "")
        p.hh_plan[number] = {"region": region_code, "address": address}
    # Rows with errors are not written: the rows that are must still leave the
    # household with exactly one head, else none of them is written.
    for number, group in groups.items():
        bad = [r.number for r in group if r.errors]
        hh = p.households.get(number)
        valid_hashes = {r.id_hash for r in group if not r.errors}
        heads = sum(1 for r in group if not r.errors and r.relation == HEAD)
        if hh is not None:
            heads += sum(1 for h, rel in p.members.get(hh.pk, []) if rel == HEAD and h not in valid_hashes)
        if bad and heads != 1:
            rows_text = "、".join(str(n) for n in bad[:10]) + ("…" if len(bad) > 10 else "")
            for r in group:
                if not r.errors:
                    issue(r, rules.issue("household.member_invalid", "household_number", number=number,
                                         rows=rows_text))


def changes_for(p: Plan, person, row: Row, hh) -> tuple[dict, dict, list[str]]:
    """(values for people.services.apply_person_fields, membership changes, new tag codes) that
    turn stored ``person`` (a :class:`Known` or a Person) into what ``row`` says; empty
    cells change nothing. ``hh``: the row's household (registered, or created by the
    writing chunk), None without a 户号."""
    v = row.values
    vals: dict = {}
    for key in ("name", "ethnic_group", "address", "note", "residence_status"):
        if v.get(key) and v[key] != getattr(person, key):
            vals[key] = v[key]
    if v.get("phone") and security.lookup_hash("phone", v["phone"]) != person.phone_hash:
        vals["phone"] = v["phone"]
    member: dict = {}
    if row.household_number:
        hh_plan = p.hh_plan[row.household_number]
        if person.household_id is None or hh is None or person.household_id != hh.pk:
            member = {"household": hh, "relation_to_head": row.relation, "region_id": hh_plan["region"]}
        elif row.relation != person.relation_to_head:
            member = {"relation_to_head": row.relation}
    elif row.region_code and person.household_id is None and row.region_code != person.region_id:
        member = {"region_id": row.region_code}
    if member.get("region_id") == person.region_id:
        member.pop("region_id")
    tags = [c for c in row.tag_codes if c not in p.current_tags.get(person.pk, ())]
    return vals, member, tags


def plan_actions(p: Plan) -> None:
    """Each row's ``action``: ``create`` (not registered), ``update`` (something to
    change) or ``unchanged``; rows in error and unchanged rows let their values go."""
    for row in p.rows:
        if row.errors:
            row.values = EMPTY  # never written: only the issues are needed
            continue
        known = p.existing.get(row.id_hash)
        if known is None:
            row.action = "create"
            row.values.setdefault("sex", Person.Sex.UNKNOWN)  # not encoded, not entered
            continue
        hh = p.households.get(row.household_number) if row.household_number else None
        vals, member, tags = changes_for(p, known, row, hh)
        row.action = "update" if (vals or member or tags) else "unchanged"
        if row.action == "unchanged":
            row.values = EMPTY
