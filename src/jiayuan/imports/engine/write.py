"""Stage 4, **write**: the planned rows into the registry, in chunks of whole
households, each chunk one transaction holding the persons, households, tags, their
audit entries (``extra.import_job``) and the job's counters, so that a kill leaves no
half-written row and the counters match what was committed. A constraint broken by
someone editing the same persons meanwhile rolls the chunk back and marks its rows
``import.conflict``.

New rows go in from column values in one statement per table and chunk
(:func:`..bulk.insert`), audit entries with :func:`jiayuan.audit.services.record_bulk`;
several chunks are written by writer threads while the next is prepared
(:func:`..bulk.run_pipelined`); pinyin of a large file's names comes from a helper
process started while the rows are validated (:func:`start_names`).

Input: :class:`~.plan.Plan`; :meth:`Writer.write` changes the rows (their values let
go, ``import.conflict`` issues) and records the conflicts."""

from __future__ import annotations

from collections.abc import Callable
from json.encoder import encode_basestring

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from ...audit.services import model_changes, record_bulk
from ...people import rules as people_rules
from ...people.models import Household, Person, PersonTag
from ...people.selectors import current_tag_kinds
from ...people.services import AUDIT_REDACTED, apply_person_fields, person_field_deriver, person_snapshot
from .. import bulk, rules
from ..models import ImportIssue, ImportJob
from .common import EMPTY, HEAD, Config, Issue, KnownHousehold, Row, issue_records, job_actor
from .plan import Plan, changes_for

__all__ = ["ChunkConflict", "Writer", "start_names", "registered_hashes", "create_changes_json"]

Progress = Callable[[str, int, int], None]


class ChunkConflict(Exception):
    """A chunk rolled back on a broken constraint (its rows are marked ``import.conflict``)."""


# ------------------------------------------------------------------ names, ahead of time


def _name_fields_batch(names: list[str]) -> dict[str, tuple[str, str, str]]:
    """(pinyin, initials, grams) of every valid name among ``names`` (cell texts), as
    :func:`jiayuan.people.services.name_search_fields` computes them. Runs in the
    helper process (see :func:`start_names`)."""
    from ...people.services import name_search_fields

    out = {}
    for text in names:
        try:
            name = people_rules.normalize_name(text)
        except (people_rules.RuleError, TypeError):
            continue
        out[name] = name_search_fields(name)
    return out


def start_names(job: ImportJob, cfg: Config, rows: list[Row], columns: dict) -> bulk.Helper | None:
    """Pinyin is the costliest part of registering a person (about 30 µs a name,
    pypinyin): for a large file to be written, compute it for every distinct name
    in a forked helper process (:class:`..bulk.Helper`) while this one validates
    (``IMPORT_PARALLEL_NAMES``, default 5,000 distinct names; 0 turns it off). None
    when not worth it."""
    if job.dry_run or cfg.parallel_names <= 0 or "name" not in columns:
        return None
    names = list({rules.cell_text(r.raw.get("name")) for r in rows})
    if len(names) < cfg.parallel_names:
        return None
    return bulk.Helper(_name_fields_batch, names)


def registered_hashes(hashes) -> list[str]:
    """Which of the keyed ID hashes are registered."""
    return [h for (h,) in bulk.select_in(Person, ("id_number_hash",), "id_number_hash", list(hashes))]


# ------------------------------------------------------------------ the audit entry of a new person

_ALIVE = str(Person.LifeStatus.ALIVE.value)
_REGISTERED = str(Person.ResidenceStatus.REGISTERED.value)
_RESIDENT_ID = people_rules.RESIDENT_ID
_quote = encode_basestring


def create_changes_json(c: dict, tags: list[str] | None) -> str:
    """The canonical JSON text (as :func:`jiayuan.audit.rules.entry_hash` encodes it:
    keys sorted, ``ensure_ascii=False``, no spaces) of the ``person.create`` changes of a
    new person's columns ``c`` (every filled audited field as ``[None, value]``, ID
    number, birth date and phone named but never logged, as
    :func:`jiayuan.people.services.create_person` records them),
    plus ``"tags": [None, tags]`` when given, built directly: one string per new
    person instead of a dict and the JSON encoder. ``tests/test_fast_path.py``
    compares it with the entry ``create_person`` writes."""
    parts = []
    address = c.get("address", "")
    if address:
        parts.append('"address":[null,' + _quote(address) + "]")
    parts.append('"birth_date":["***","***"]')
    ethnic = c.get("ethnic_group", "")
    if ethnic:
        parts.append('"ethnic_group":[null,' + _quote(ethnic) + "]")
    household = c.get("household_id")
    if household is not None:
        parts.append(f'"household":[null,{int(household)}]')
    parts.append('"id_number":["***","***"]')
    id_type = c.get("id_type")
    if id_type and id_type != _RESIDENT_ID:  # named for other documents only (person_snapshot)
        parts.append('"id_type":[null,' + _quote(id_type) + "]")
    parts.append('"life_status":[null,' + _quote(_ALIVE) + "]")
    parts.append('"name":[null,' + _quote(c["name"]) + "]")
    note = c.get("note", "")
    if note:
        parts.append('"note":[null,' + _quote(note) + "]")
    if c.get("phone_hash"):
        parts.append('"phone":["***","***"]')
    parts.append('"region":[null,' + _quote(c["region_id"]) + "]")
    relation = c.get("relation_to_head", "")
    if relation:
        parts.append('"relation_to_head":[null,' + _quote(relation) + "]")
    parts.append('"residence_status":[null,' + _quote(c.get("residence_status") or _REGISTERED) + "]")
    parts.append(f'"sex":[null,{int(c["sex"])}]')
    if tags:
        parts.append('"tags":[null,[' + ",".join(_quote(t) for t in tags) + "]]")
    return "{" + ",".join(parts) + "}"


# ------------------------------------------------------------------ chunks


class _PlannedHousehold:
    """A household the chunk will create: what a new member's columns need of it."""

    __slots__ = ("address", "pk")

    def __init__(self, address: str):
        self.address = address
        self.pk = None


def chunks_of(p: Plan, chunk_rows: int) -> list[list[Row]]:
    """The rows to write (``create``/``update``, without errors) in chunks of about
    ``chunk_rows``: a household never spans two chunks."""
    units: list[list[Row]] = []
    seen: set[str] = set()
    for row in p.rows:
        if row.errors or row.action not in ("create", "update"):
            continue
        if row.household_number:
            if row.household_number in seen:
                continue
            seen.add(row.household_number)
            units.append([r for r in p.groups[row.household_number]
                          if not r.errors and r.action in ("create", "update")])
        else:
            units.append([row])
    chunks: list[list[Row]] = []
    current: list[Row] = []
    for unit in units:
        if current and len(current) + len(unit) > chunk_rows:
            chunks.append(current)
            current = []
        current.extend(unit)
    if current:
        chunks.append(current)
    return chunks


class Writer:
    """Writes a :class:`Plan` for ``job`` (:meth:`write`); ``names``: pinyin computed
    ahead by name (:func:`start_names`), else computed while writing."""

    def __init__(self, job: ImportJob, p: Plan, cfg: Config, progress: Progress, names: dict | None = None):
        self.job = job
        self.plan = p
        self.cfg = cfg
        self.progress = progress
        self.actor = job_actor(job)
        self.names = names or {}
        self.conflicts: list[Issue] = []
        self._prepared: dict[int, dict] = {}
        self._derive = None
        self._person_template = bulk.template(Person)
        self._hh_template = bulk.template(Household)
        self._tag_template = bulk.template(PersonTag)

    def write(self) -> None:
        """Write every chunk (progress ``writing``; the job's counters per chunk) and
        record the ``import.conflict`` issues (``conflicts``; after the transactions,
        so that an all-or-nothing rollback does not take the explanation with it). In
        all-or-nothing mode every chunk is in one transaction and a conflict
        propagates as :class:`ChunkConflict`; else a conflicting chunk is skipped and
        the others are written."""
        p = self.plan
        chunks = chunks_of(p, self.cfg.chunk_rows)
        total = sum(len(c) for c in chunks)
        unchanged = sum(1 for r in p.rows if not r.errors and r.action == "unchanged")
        ImportJob.objects.filter(pk=self.job.pk).update(stage="writing", progress_done=0, progress_total=total,
                                                        unchanged=unchanged)
        self.progress("writing", 0, total)
        done = [0]

        def written(chunk):
            done[0] += len(chunk)
            self.progress("writing", done[0], total)

        try:
            if self.job.all_or_nothing:
                with bulk.tuned_connection(), transaction.atomic():
                    for chunk in chunks:
                        self.write_chunk(chunk)
                        written(chunk)
            elif bulk.can_pipeline(len(chunks)):
                self.write_pipelined(chunks, written)
            else:
                with bulk.tuned_connection():
                    for chunk in chunks:
                        self.write_skipping_conflict(chunk)
                        written(chunk)
        finally:
            ImportIssue.objects.bulk_create(issue_records(self.job, self.conflicts))

    def write_pipelined(self, chunks: list[list[Row]], written: Callable) -> None:
        """Chunks are written (each in its own transaction, as always) by writer
        threads (:func:`..bulk.run_pipelined`) while this thread prepares the next
        ones. With two writers, chunk k + 1's households and persons go in while chunk
        k appends to the audit log and commits: the chain head, locked by
        :func:`jiayuan.audit.services.record_bulk` until commit, orders them (a chunk's
        entries stay together, and each chunk's rows are disjoint from the others':
        whole households, one row per ID number). Conflicts and progress are those of
        the plain loop."""
        bulk.run_pipelined(chunks, self.prepare, self.write_skipping_conflict, written,
                           name=f"import-writer-{self.job.pk}")

    def prepare(self, chunk: list[Row]) -> None:
        """The costly part of a chunk that needs no database: the column values of the
        persons planned as new (cipher text, keyed hashes, pinyin), kept by sheet row
        for the writer, which checks the plan again inside its transaction."""
        prepared = self._prepared
        p = self.plan
        for row in chunk:
            if row.action != "create" or row.number in prepared:
                continue
            hh = None
            if row.household_number:
                hh = p.households.get(row.household_number) or _PlannedHousehold(
                    p.hh_plan[row.household_number]["address"][:200])
            prepared[row.number] = self.new_person(row, hh, None, household_id=False)

    def write_skipping_conflict(self, chunk: list[Row]) -> None:
        try:
            self.write_chunk(chunk)
        except ChunkConflict:
            pass

    def write_chunk(self, chunk: list[Row]) -> None:
        """Write one chunk in one transaction; a constraint broken by someone editing
        the same persons or households meanwhile rolls the chunk back and marks its
        rows ``import.conflict`` (raises ChunkConflict). The rows' values are let go
        afterwards (only their issues are needed from here on)."""
        try:
            self._write_chunk_tx(chunk)
        finally:
            for row in chunk:
                row.values = EMPTY
                row.id_info = None

    def _write_chunk_tx(self, chunk: list[Row]) -> None:
        try:
            with transaction.atomic():
                counts = self.write_chunk_rows(chunk)
                ImportJob.objects.filter(pk=self.job.pk).update(
                    created=F("created") + counts["created"], updated=F("updated") + counts["updated"],
                    unchanged=F("unchanged") + counts["unchanged"],
                    households_created=F("households_created") + counts["households"],
                    progress_done=F("progress_done") + len(chunk))
        except IntegrityError as exc:
            err = rules.issue("import.conflict")
            for row in chunk:
                self.plan.header.issue(row, err)
                row.action = ""
                self.conflicts.append(row.errors[-1])
            raise ChunkConflict from exc

    def write_chunk_rows(self, chunk: list[Row]) -> dict:
        """Write one chunk's rows (inside the chunk's transaction). New households,
        persons and tags go in with one multi-row insert each (``executemany``, ``COPY``
        on PostgreSQL) built from column values, not model instances; changed persons
        with ``bulk_update``; every entry of the audit log with
        :func:`jiayuan.audit.services.record_bulk`."""
        p = self.plan
        community = p.community
        now = timezone.now()
        counts = {"created": 0, "updated": 0, "unchanged": 0, "households": 0}
        # Rows planned as updates: their persons, locked. Rows planned as new: any that
        # someone registered meanwhile is locked and updated instead (one plain query,
        # usually finding nothing).
        planned = [r.id_hash for r in chunk if r.action == "update"]
        planned += registered_hashes(r.id_hash for r in chunk if r.action != "update")
        persons = {x.id_number_hash: x for x in
                   Person.objects.select_for_update().filter(id_number_hash__in=planned)} if planned else {}
        if persons and any(r.tag_codes for r in chunk):
            # Their current tags as of now, not as of validation: a person registered (or
            # tagged) meanwhile by someone else must not get the same tag twice.
            fresh = current_tag_kinds(x.pk for x in persons.values())
            for x in persons.values():
                p.current_tags[x.pk] = fresh.get(x.pk, set())
        numbers = sorted({r.household_number for r in chunk if r.household_number})
        hhs = {h.number: h for h in
               Household.objects.select_for_update().filter(community_id=community, number__in=numbers)}
        items: list[dict] = []
        new_hh = [KnownHousehold(None, n, p.hh_plan[n]["region"], p.hh_plan[n]["address"][:200])
                  for n in numbers if n not in hhs]
        if new_hh:
            ids = bulk.insert(Household, [{"number": h.number, "community_id": community, "region_id": h.region_id,
                                           "address": h.address, "version": 1} for h in new_hh],
                              self._hh_template, now)
            if ids is None:
                by_number = dict(Household.objects.filter(community_id=community, number__in=[
                    h.number for h in new_hh]).values_list("number", "pk"))
                ids = [by_number[h.number] for h in new_hh]
            for h, pk in zip(new_hh, ids):
                h.id = pk
            for h in new_hh:
                hhs[h.number] = h
                items.append({"action": "household.create", "object_type": "people.household", "object_id": h.pk,
                              "object_repr": h.number, "region_code": h.region_id,
                              "changes": {"address": [None, h.address], "number": [None, h.number]}})
            counts["households"] = len(new_hh)
        demoted: list[Person] = []
        updated: list[Person] = []
        created: list[tuple[dict, Row]] = []
        moved_tags: dict[int, str] = {}
        new_tags: list[tuple[int, str, str, str]] = []  # existing persons: (person id, name, kind, region)
        created_tags: list[tuple[int, str, str]] = []  # new persons: (person id, kind, region)
        for row in chunk:
            person = persons.get(row.id_hash)
            hh = hhs.get(row.household_number) if row.household_number else None
            if person is None:
                created.append((self.new_person(row, hh, now), row))
                continue
            if not person.region_id.startswith(p.region.code):
                raise IntegrityError("person moved out of scope during import")
            vals, member, tags = changes_for(p, person, row, hh)
            before = person_snapshot(person)
            apply_person_fields(person, vals)
            for key, value in member.items():
                if key == "household":  # a Household, or a household this chunk created
                    person.household_id = value.pk if value is not None else None
                else:
                    setattr(person, key, value)
            after = person_snapshot(person)
            changes = model_changes(before, after, AUDIT_REDACTED)
            for code in tags:
                new_tags.append((person.pk, person.name, code, person.region_id))
            if not changes and not tags:
                counts["unchanged"] += 1
                continue
            counts["updated"] += 1
            if changes:
                person.version += 1
                person.updated_at = now
                (demoted if before["relation_to_head"] == HEAD and after["relation_to_head"] != HEAD
                 else updated).append(person)
                if "region" in changes:
                    moved_tags[person.pk] = person.region_id
                items.append({"action": "person.update", "object_type": "people.person", "object_id": person.pk,
                              "object_repr": person.name, "region_code": person.region_id, "changes": changes,
                              "extra": {"row": row.number}})
        fields = ["name", "name_pinyin", "name_initials", "name_grams", "phone_cipher", "phone_hash",
                  "ethnic_group", "address", "note", "residence_status", "region", "household", "relation_to_head",
                  "version", "updated_at"]
        if demoted:
            Person.objects.bulk_update(demoted, fields)
        if updated:
            Person.objects.bulk_update(updated, fields)
        if created:
            cols = [c for c, _ in created]
            ids = bulk.insert(Person, cols, self._person_template, now)
            if ids is None:
                by_hash = {}
                hashes = [c["id_number_hash"] for c in cols]
                for i in range(0, len(hashes), 900):
                    by_hash.update(Person.objects.filter(id_number_hash__in=hashes[i:i + 900])
                                   .values_list("id_number_hash", "pk"))
                ids = [by_hash[h] for h in hashes]
            for (c, row), pid in zip(created, ids):
                if row.tag_codes:
                    # Tags given at registration are part of the person.create entry.
                    created_tags.extend((pid, code, c["region_id"]) for code in row.tag_codes)
                items.append({"action": "person.create", "object_type": "people.person", "object_id": pid,
                              "object_repr": c["name"], "region_code": c["region_id"],
                              "changes_json": create_changes_json(c, row.tag_codes), "extra": {"row": row.number}})
            counts["created"] = len(created)
        for pid, region_code in moved_tags.items():
            PersonTag.objects.filter(person_id=pid).update(region_id=region_code)
        if new_tags or created_tags:
            today = timezone.localdate()
            bulk.insert(PersonTag, [{"person_id": pid, "kind_id": kind, "region_id": region, "valid_from": today,
                                     "source": PersonTag.Source.IMPORT} for pid, kind, region in
                                    [(t[0], t[2], t[3]) for t in new_tags] + created_tags],
                        self._tag_template, now, want_ids=False)
            for pid, name, kind, region in new_tags:
                items.append({"action": "person.tag_add", "object_type": "people.person", "object_id": pid,
                              "object_repr": name, "region_code": region, "changes": {"tag": [None, kind]},
                              "extra": {"valid_from": today.isoformat(), "source": PersonTag.Source.IMPORT}})
        record_bulk(self.actor, items)
        return counts

    def new_person(self, row: Row, hh, now, *, household_id: bool = True) -> dict:
        """Column values (by attname) of a new person: the row's values through
        :func:`jiayuan.people.services.person_field_deriver` (what ``apply_person_fields``
        sets: cipher text, keyed hashes, ID tails, pinyin and name grams, exactly as every
        other way of registering a person).
        ``household_id=False``: prepared ahead, the household's id is set later."""
        prepared = self._prepared.pop(row.number, None) if self._prepared else None
        if prepared is not None:
            if hh is not None:
                prepared["household_id"] = hh.pk
                if not row.values.get("address"):
                    prepared["address"] = hh.address
            return prepared
        derive = self._derive
        if derive is None:
            derive = self._derive = person_field_deriver()
        values = row.values
        applied = {k: v for k, v in values.items() if k != "relation_to_head"}
        if hh is not None and not applied.get("address"):
            applied["address"] = hh.address  # a member's home is the household's
        name = values["name"]
        search = self.names.get(name)
        if search is not None:  # computed by the helper with the same function the deriver uses
            del applied["name"]
        d = derive(applied)
        if search is not None:
            d["name"] = name
            d["name_pinyin"], d["name_initials"], d["name_grams"] = search
        d["region_id"] = (self.plan.hh_plan[row.household_number]["region"] if hh is not None
                          else (row.region_code or self.plan.region.code))
        if hh is not None:
            if household_id:
                d["household_id"] = hh.pk
            d["relation_to_head"] = row.relation
        return d
