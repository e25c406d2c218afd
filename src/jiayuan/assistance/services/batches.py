"""Monthly payment batches (发放批次): generate, review, approve, export the payment
file, record results, close; reopen and regenerate. Lifecycle and decisions:
``docs/payments.md``.

::

    draft ──review──▶ reviewed ──approve──▶ approved ──export──▶ exported ──close──▶ closed
      ▲                  │                     │                  (results per line)
      └──── reopen ──────┴─────────────────────┘   regenerate: draft only, generation + 1

Invariants, held by the database (``models.py``), not by this code alone:

- one batch per (program, county, month): ``batch_one_per_program_county_month``. A
  second :func:`generate_batch`, even at the same moment from another request, fails on
  that constraint and gets :class:`BatchExists` (409 ``batch.exists`` naming the batch);
- one live (pending or paid) line per (program, person, benefit month) and per
  (program, household, benefit month) under household programs, whatever the county:
  the rows the constraints would refuse are found first and reported
  (``line.already_paid``), never written twice (PostgreSQL: under a per-program
  advisory lock, then one plain ``INSERT … SELECT``; SQLite: ``INSERT … ON CONFLICT DO
  NOTHING``); whatever slips through, the constraints refuse.

Every operation is one transaction, locks the batch row, checks the ``version`` the
caller saw (409 ``batch.version_conflict`` when stale), appends a
:class:`~jiayuan.assistance.models.PaymentBatchEvent` and **one** audit entry with the
counts and totals (not one per line).

Errors: ``Forbidden`` 403 (``permission_denied``: role; ``batch.four_eyes``: the
generator approving), ``ValidationFailed`` 422 (``batch.not_draft`` … wrong status,
``month.invalid``, ``month.out_of_range``, ``program.not_monthly``, ``region.not_county``,
``region.out_of_scope``, result lines), ``Conflict`` 409 (``batch.exists``,
``batch.version_conflict``, ``batch.stale_lines`` at review, approval and first export).
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from ...accounts.permissions import Perm
from ...audit.rules import jsonable
from ...audit.services import Actor, record
from ...errors import Conflict, Forbidden, ValidationFailed, field_error
from ...people.services import require
from ...regions.models import Region
from .. import rules
from ...people.models import Person
from ..models import Enrollment, PaymentBatch, PaymentBatchEvent, PaymentLine, Program
from ..selectors.parameters import parameter_resolver

__all__ = [
    "BatchExists", "GenerationReport", "ExportFile", "generate_batch", "review_batch", "approve_batch",
    "export_batch", "record_results", "parse_results_file", "close_batch", "reopen_batch", "regenerate_batch",
    "EXPORT_HEADERS", "StaleLines", "month_window", "PAYMENTS_FROM",
]

LIVE = (PaymentLine.Status.PENDING, PaymentLine.Status.PAID)
PROBLEM_CAP = 1000
"""At most this many problem items are kept on the batch (all are counted)."""
CHUNK = 5000
"""Enrollments read, computed and written per round (memory stays flat)."""
SQLITE_ROWS = 1000
"""Rows per multi-row INSERT on SQLite (18 values each, under its 32,766 variables)."""

STATUS = PaymentBatch.Status
ALIVE = Person.LifeStatus.ALIVE


def _life_label(life: str) -> str:
    """``本人（领取人）已故`` / ``…已迁出`` for a registry life status other than alive."""
    if life == Person.LifeStatus.DECEASED:
        return _("享受对象（领取人）已登记为已故")
    if life == Person.LifeStatus.MOVED_OUT:
        return _("享受对象（领取人）已登记为迁出")
    return _("享受对象（领取人）人员状态为“%(s)s”") % {"s": life}


class BatchExists(Conflict):
    """The batch of this program, county and month exists already (409). ``batch_id``
    names it; the API puts it in the error body."""

    def __init__(self, batch: PaymentBatch):
        super().__init__("batch.exists", _("%(county)s %(month)s 的%(program)s发放批次已经生成（批次号 %(id)s），不能重复生成")
                         % {"county": batch.county.name, "month": f"{batch.month:%Y-%m}",
                            "program": batch.program.name, "id": batch.pk},
                         {"batch": [{"code": "batch.exists", "message": str(batch.pk)}]})
        self.batch_id = batch.pk


@dataclass
class GenerationReport:
    """What one generation did: lines written (carried = of them, carried over),
    totals, and the problems (``counts`` by code; ``items`` the first
    :data:`PROBLEM_CAP`)."""

    lines: int = 0
    carried: int = 0
    persons: int = 0
    households: int = 0
    total: Decimal = Decimal("0.00")
    counts: dict = field(default_factory=dict)
    items: list = field(default_factory=list)

    def problem(self, code: str, message: str, **data) -> None:
        self.counts[code] = self.counts.get(code, 0) + 1
        if len(self.items) < PROBLEM_CAP:
            self.items.append({"code": code, "message": message, **data})


# ------------------------------------------------------------------ helpers


def _locked(batch: PaymentBatch, version: int | None) -> PaymentBatch:
    """The batch row locked for this transaction; 409 when ``version`` is stale."""
    locked = PaymentBatch.objects.select_for_update().select_related("program", "county").get(pk=batch.pk)
    if version is not None and locked.version != version:
        raise Conflict("batch.version_conflict", _("该批次已被他人处理（当前版本 %(now)s，您看到的是版本 %(seen)s），请刷新后重试")
                       % {"now": locked.version, "seen": version})
    return locked


def _expect(batch: PaymentBatch, *statuses: str, action: str) -> None:
    if batch.status not in statuses:
        names = "、".join(str(STATUS(s).label) for s in statuses)
        raise ValidationFailed(field_error("status", f"batch.not_{statuses[0]}",
                                    _("批次当前为“%(now)s”，只有“%(allowed)s”的批次可以%(action)s")
                                    % {"now": batch.get_status_display(), "allowed": names, "action": action}))


def _event(batch: PaymentBatch, kind: str, actor: Actor, note: str = "", **data) -> None:
    PaymentBatchEvent.objects.create(batch=batch, kind=kind, at=timezone.now(), actor=actor.user, note=note,
                                     data=jsonable(data))




def _audit(actor: Actor, action: str, batch: PaymentBatch, **extra) -> None:
    record(actor, action, batch, region_code=batch.county_id,
           extra=jsonable({"program": batch.program_id, "month": f"{batch.month:%Y-%m}",
                            "generation": batch.generation, "status": batch.status, **extra}))


def _totals(batch: PaymentBatch) -> dict:
    """Counts and total of the live lines of the batch's current generation, in SQL."""
    agg = (PaymentLine.objects.filter(batch=batch, generation=batch.generation, status__in=LIVE)
           .aggregate(lines=Count("id"), persons=Sum("members"),
                      households=Count(Coalesce("household_id", "person__household_id"), distinct=True),
                      total=Sum("amount")))
    return {"lines": agg["lines"] or 0, "persons": agg["persons"] or 0, "households": agg["households"] or 0,
            "total": yuan(agg["total"])}


def yuan(value) -> Decimal:
    """A sum from the database as Decimal yuan with two places (SQLite sums numerics
    with more digits); None → 0.00."""
    return Decimal(value or 0).quantize(rules.FEN)


def _set_totals(batch: PaymentBatch, totals: dict) -> None:
    batch.line_count = totals["lines"]
    batch.person_count = totals["persons"]
    batch.household_count = totals["households"]
    batch.total_amount = totals["total"]


def _summary(batch: PaymentBatch) -> dict:
    return {"lines": batch.line_count, "persons": batch.person_count, "households": batch.household_count,
            "total": batch.total_amount}


# ------------------------------------------------------------------ generate

PAYMENTS_FROM = datetime.date(2016, 1, 1)
"""No batch before this month: 两项补贴 are in force from 2016-01-01 (国发〔2015〕52号),
the earliest month the system pays; older arrears are not paid through monthly batches."""


def _today() -> datetime.date:
    """Today in Beijing (``TIME_ZONE`` Asia/Shanghai); a function so tests can fix it."""
    return timezone.localdate()


def month_window(program: Program) -> tuple[datetime.date, datetime.date]:
    """(earliest, latest) month (first days) for which a batch of ``program`` may be
    generated: not before :data:`PAYMENTS_FROM` nor the earliest ``start_month`` of the
    program's enrollments (nothing can be owed before); not after next month (Beijing
    date: a batch is prepared at most one month ahead). A month outside is refused
    (``month.out_of_range``): a batch for 9999-12 would take failed lines to carry and
    never pay them."""
    today = _today()
    latest = (today.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    first = Enrollment.objects.filter(program=program).order_by("start_month").values_list(
        "start_month", flat=True).first()
    earliest = max(PAYMENTS_FROM, first.replace(day=1)) if first else PAYMENTS_FROM
    return earliest, latest



def generate_batch(actor: Actor, program: Program, county: Region, month: datetime.date) -> PaymentBatch:
    """Create and compute the batch of ``program`` for ``county`` (a county-level
    region in the actor's scope) and ``month`` (first day of a month).

    Lines (one per enrollment, status pending): every enrollment of the program whose
    region lies in the county, started on or before ``month`` and not ended before it
    (``end_month`` null or ≥ month), with status active — or terminated with
    ``end_month`` ≥ month (its last month is still owed). Suspended enrollments are
    not paid (counted as ``enrollment.suspended``); flagged ones (death, moving out …
    waiting for a decision) are held out and listed (``enrollment.flagged``). The
    amount is ``rules.compute_amount`` with the parameters in force for the month and
    the enrollment's region (:func:`..selectors.parameters.parameter_resolver`); the
    line records the rule, the parameter row and the computation. Enrollments that
    cannot be computed are problems, never guessed: ``parameter.missing``,
    ``input.invalid``; an amount of 0 (income not below the standard) is
    ``amount.zero`` and gets no line. Failed lines of earlier batches of the same
    program and county that nobody has carried yet get a new line for their old
    benefit month (``carried_from``). A person (household) who already has a live line
    for the program and benefit month — e.g. moved from another county mid-month and
    paid there — gets none (``line.already_paid``).

    Raises :class:`BatchExists` (409) when the batch exists, also when another request
    created it at the same moment (the database constraint decides); Forbidden without
    ``run_payments``; ValidationFailed for a month that is not a first day, a program
    not paid monthly or a region that is not a county in scope.
    """
    require(actor, Perm.RUN_PAYMENTS)
    errors = {}
    month_ok = isinstance(month, datetime.date) and month.day == 1
    if not month_ok:
        errors.update(field_error("month", "month.invalid", _("发放月份应为某月的第一天，如 2025-03-01")))
    if not program.monthly or not program.active:
        errors.update(field_error("program", "program.not_monthly", _("“%(name)s”不是按月发放的项目，不能生成月度发放批次")
                           % {"name": program.name}))
    elif month_ok:
        earliest, latest = month_window(program)
        if month < earliest or month > latest:
            errors.update(field_error("month", "month.out_of_range", _(
                "发放月份只能在 %(earliest)s 至 %(latest)s 之间（不早于该项目最早的享受起始月份及 2016-01，"
                "不晚于下个月）") % {"earliest": f"{earliest:%Y-%m}", "latest": f"{latest:%Y-%m}"}))
    if county.level != Region.Level.COUNTY:
        errors.update(field_error("county", "region.not_county", _("发放批次按县（区）生成，请选择县级区划")))
    elif not county.code.startswith(actor.user.scope_code):
        errors.update(field_error("county", "region.out_of_scope", _("区划 %(code)s 不在您的管辖范围内") % {"code": county.code}))
    if errors:
        raise ValidationFailed(errors)
    now = timezone.now()
    try:
        with transaction.atomic():
            batch = PaymentBatch.objects.create(program=program, county=county, month=month, status=STATUS.DRAFT,
                                                generation=1, generated_by=actor.user, generated_at=now)
            report, _voided, totals = _generate_lines(batch)
            _store_report(batch, report, totals)
            batch.save()
            _event(batch, "generated", actor, generation=1, **_summary(batch), carried=report.carried,
                   problems=report.counts)
            _audit(actor, "payment_batch.generate", batch, **_summary(batch), carried=report.carried,
                   problems=report.counts)
    except IntegrityError:
        existing = (PaymentBatch.objects.select_related("program", "county")
                    .filter(program=program, county=county, month=month).first())
        if existing is None:  # another constraint: not ours to explain
            raise
        raise BatchExists(existing) from None
    return batch


def _store_report(batch: PaymentBatch, report: GenerationReport, totals: dict) -> None:
    _set_totals(batch, totals)
    report.lines, report.persons = batch.line_count, batch.person_count
    report.households, report.total = batch.household_count, batch.total_amount
    _name_problem_persons(report.items)
    batch.problem_counts = report.counts
    batch.problems = jsonable(report.items)


def _name_problem_persons(items: list[dict]) -> None:
    ids = {it["person"] for it in items if it.get("person")}
    names = dict(Person.objects.filter(pk__in=ids).values_list("pk", "name")) if ids else {}
    for it in items:
        it["person_name"] = names.get(it.get("person"), "")


def _members(program: Program, inputs: dict, detail: dict) -> int:
    if program.unit != Program.Unit.HOUSEHOLD:
        return 1
    for value in (detail.get("members"), inputs.get("members") if isinstance(inputs, dict) else None):
        try:
            n = int(value)
        except (TypeError, ValueError):
            continue
        if 0 < n < 32768:
            return n
    return 1


def _chunks(iterable: Iterable, size: int) -> Iterator[list]:
    chunk = []
    for item in iterable:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


_DUMPS = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=str).encode

RULES_DIGEST = hashlib.md5(Path(rules.__file__).read_bytes()).hexdigest()[:12]
"""Digest of the rules' code, part of every line's ``basis``: a change of the rules
(a new rule version, a corrected rounding) makes regeneration compute every line again."""

BASIS_SQL = ("md5(concat_ws('|', %s::text, e.inputs::text, coalesce(p.birth_date::text, ''), e.person_id::text, "
             "coalesce(e.household_id::text, ''), e.region_code))")
"""What a line's amount depends on besides the parameter row and the month (PostgreSQL):
the rules' code (``%s`` = :data:`RULES_DIGEST`), the enrollment's inputs (jsonb text:
keys in a canonical order), the beneficiary's birth date, and the person, household and
region copied on the line. ``e`` is the enrollment, ``p`` its person."""

CARRIED_ORDER = -(2 ** 62)
"""Carried-over lines come before the month's lines (``ord`` = this + their position);
the month's lines are ordered by enrollment id, as in a first generation."""


def _carried_rows(batch: PaymentBatch, report: GenerationReport, previous: int | None) -> list[tuple]:
    """Rows (see :func:`_plan`) for the failed lines of earlier batches of this
    program and county that nobody has carried yet, oldest benefit month first (the
    pending carriers of generation ``previous`` of this batch, about to be voided, do
    not count). Lines of flagged enrollments are held out (``enrollment.flagged``), and
    of persons the registry marks deceased or moved out (``person.deceased``,
    ``person.moved_out``) whatever the flag says.

    Month order: a failed line of a batch of month X is carried by the first batch of
    the program and county generated after the failure whose month is later than X
    (``batch__month < month``); with :func:`month_window` that is at most next month's
    batch, so a failed line is never parked in a far-future batch."""
    program, month, county = batch.program, batch.month, batch.county_id
    carriers = PaymentLine.objects.filter(carried_from__isnull=False).exclude(status=PaymentLine.Status.VOIDED)
    if previous is not None:
        carriers = carriers.exclude(batch=batch, generation=previous, status=PaymentLine.Status.PENDING)
    failed = (PaymentLine.objects.filter(program=program, status=PaymentLine.Status.FAILED, batch__county_id=county,
                                         batch__month__lt=month)
              .exclude(pk__in=carriers.values("carried_from_id"))
              .order_by("benefit_month", "id")
              .values_list("id", "enrollment_id", "person_id", "household_id", "region_id", "benefit_month", "amount",
                           "members", "rule", "parameter_id", "computation", "enrollment__flag",
                           "enrollment__flag_note", "person__household_id", "person__life_status"))
    rows = []
    for (line_id, enr, person, household, region, benefit, amount, members, rule, param, comp, flag,
         flag_note, person_household, life) in failed:
        if life != ALIVE:
            report.problem(f"person.{life}", _("%(what)s，补发不再发放") % {"what": _life_label(life)},
                           enrollment=enr, person=person, region=region, benefit_month=benefit, carried_from=line_id)
            continue
        if flag:
            report.problem("enrollment.flagged", _("待处理事项未办结，补发暂缓：%(note)s") % {"note": flag_note or flag},
                           enrollment=enr, person=person, region=region, benefit_month=benefit, carried_from=line_id)
            continue
        rows.append((enr, person, household, region, benefit, amount, members, rule, param, _DUMPS(comp), line_id, "",
                     CARRIED_ORDER + len(rows), household or person_household))
        report.carried += 1
    return rows


def _plan(batch: PaymentBatch, report: GenerationReport, *, previous: int | None = None,
          skip_staged: bool = False) -> Iterator[list[tuple]]:
    """Chunks of line rows to insert: (enrollment_id, person_id, household_id,
    region_code, benefit_month, amount, members, rule, parameter_id, computation JSON
    text, carried_from_id, basis, ord, household key). Carried-over lines first, then
    the month's enrollments in id order (``ord``: the order in which the constraints
    are tried; the household key is the line's household or the person's, for the
    totals). Problems go to ``report``. ``previous``: the generation being replaced
    (regenerating). ``skip_staged`` (PostgreSQL): leave out the
    enrollments whose line is already in the staging table (copied unchanged)."""
    program, month, county = batch.program, batch.month, batch.county_id
    household_unit = program.unit == Program.Unit.HOUSEHOLD
    rows = _carried_rows(batch, report, previous)
    if rows:
        yield rows

    # the month's enrollments, read with a raw (server-side on PostgreSQL) cursor:
    # ``inputs`` as JSON text, parsed only when its computation is not memoised yet.
    resolve = parameter_resolver(program.code, month)
    compute = rules.compute_amount
    code = program.code
    E = Enrollment.Status
    loads = json.loads
    # (parameter id, inputs text, birth date) → (amount, members, rule, detail JSON) or
    # (None, problem code, message): the same facts give the same computation.
    memo: dict[tuple, tuple] = {}
    enrollment = connection.ops.quote_name(Enrollment._meta.db_table)
    person_table = connection.ops.quote_name(Person._meta.db_table)
    postgresql = connection.vendor == "postgresql"
    where = ("e.program_id = %s AND e.region_code LIKE %s AND e.start_month <= %s "
             "AND ((e.status IN (%s, %s) AND e.end_month IS NULL) OR e.end_month >= %s)")
    if postgresql:
        skip = (f" AND NOT EXISTS (SELECT 1 FROM {STAGING} s WHERE s.enrollment_id = e.id "
                "AND s.carried_from_id IS NULL)") if skip_staged else ""
        sql = (f"SELECT e.id, e.person_id, e.household_id, e.region_code, e.status, e.inputs::text, e.flag, "
               f"e.flag_note, p.birth_date, p.household_id, p.life_status, {BASIS_SQL} FROM {enrollment} e "
               f"JOIN {person_table} p ON p.id = e.person_id WHERE {where}{skip} ORDER BY e.id")
        params = [RULES_DIGEST, code, county + "%", month, E.ACTIVE, E.SUSPENDED, month]
    else:
        sql = (f"SELECT e.id, e.person_id, e.household_id, e.region_code, e.status, e.inputs, e.flag, e.flag_note, "
               f"p.birth_date, p.household_id, p.life_status, '' FROM {enrollment} e "
               f"JOIN {person_table} p ON p.id = e.person_id "
               f"WHERE {where} ORDER BY e.id")
        params = [code, county + "%", month.isoformat(), E.ACTIVE, E.SUSPENDED, month.isoformat()]
    with connection.chunked_cursor() as cur:
        cur.execute(sql, params)
        while True:
            chunk = cur.fetchmany(CHUNK)
            if not chunk:
                break
            rows = []
            append = rows.append
            for (enr, person, household, region, status, text, flag, flag_note, birth, person_household, life,
                 basis) in chunk:
                if life != ALIVE:  # the registry, whatever the enrollment's flag says (someone may have cleared it)
                    report.problem(f"person.{life}", _("%(what)s，不发放") % {"what": _life_label(life)},
                                   enrollment=enr, person=person, region=region, benefit_month=month)
                    continue
                if status == E.SUSPENDED:
                    report.problem("enrollment.suspended", _("待遇已暂停，本月不发放"), enrollment=enr, person=person,
                                   region=region, benefit_month=month)
                    continue
                if flag:
                    report.problem("enrollment.flagged", _("待处理事项未办结，本月暂缓发放：%(note)s")
                                   % {"note": flag_note or flag}, enrollment=enr, person=person, region=region,
                                   benefit_month=month)
                    continue
                param = resolve(region)
                if param is None:
                    report.problem("parameter.missing", _("%(month)s 在该区划没有生效的项目参数（标准），无法计算")
                                   % {"month": f"{month:%Y-%m}"}, enrollment=enr, person=person, region=region,
                                   benefit_month=month)
                    continue
                key = (param.pk, text, birth)
                done = memo.get(key)
                if done is None:
                    done = _compute(compute, program, code, loads(text) if isinstance(text, str) else text,
                                    param.values, month, birth)
                    if len(memo) < MEMO_MAX:
                        memo[key] = done
                amount, members, rule, detail = done
                if amount is None:
                    report.problem(members, rule, enrollment=enr, person=person, region=region, benefit_month=month)
                    continue
                if not household_unit:
                    household = None
                append((enr, person, household, region, month, amount, members, rule, param.pk, detail, None, basis,
                        enr, household or person_household))
            if rows:
                yield rows


MEMO_MAX = 200_000
"""At most this many distinct computations are remembered during one generation."""


def _compute(compute, program: Program, code: str, inputs, values: dict, month, birth) -> tuple:
    """(amount, members, rule, detail JSON) of one enrollment, or (None, problem code,
    message, None) when it cannot be computed or gives nothing."""
    try:
        result = compute(code, inputs, values, month, birth_date=birth)
    except (KeyError, TypeError, ValueError, InvalidOperation, AttributeError) as exc:
        return (None, "input.invalid", _("测算依据或参数缺项、有误（%(what)s），无法计算")
                % {"what": exc.args[0] if exc.args else type(exc).__name__}, None)
    if result.amount <= 0:
        return (None, "amount.zero", _("按本月标准计算金额为 0（%(rule)s），不生成明细，请复核待遇")
                % {"rule": result.rule}, None)
    return (result.amount, _members(program, inputs, result.detail), result.rule, _DUMPS(result.detail))


_LINE_COLUMNS = ("enrollment_id", "person_id", "household_id", "region_code", "benefit_month", "amount", "members",
                 "rule", "parameter_id", "computation", "carried_from_id", "basis")
STAGING = "batch_lines_tmp"


def _generate_lines(batch: PaymentBatch, *, previous: int | None = None) -> tuple[GenerationReport, int, dict]:
    """Compute and insert the lines of ``batch.generation`` (caller's transaction).
    ``previous``: when regenerating, the generation whose pending lines are voided
    (kept as history; out of the constraints) before the new lines are inserted.
    Returns (report, lines voided, totals of the new generation)."""
    report = GenerationReport()
    if connection.vendor == "postgresql":
        voided, skipped, totals = _generate_postgresql(batch, report, previous)
    else:
        voided = _void(batch, previous) if previous is not None else 0
        skipped = _insert_generic(batch, _plan(batch, report, previous=previous))
        totals = None
    if skipped:
        _report_skipped(batch, skipped, report)
    _report_missing_accounts(batch, report)
    return report, voided, totals if totals is not None else _totals(batch)


def _report_missing_accounts(batch: PaymentBatch, report: GenerationReport) -> None:
    """Problems ``account.missing`` for the new lines whose enrollment has no payee
    account at all (neither the masked tail nor the encrypted full account): the line
    is written — the money is owed — but the bank cannot pay it until the account is
    entered (``POST …/enrollments/{id}/account``); the payment file marks it. One
    query: the batch's new lines whose enrollment is among the program's enrollments
    without an account."""
    no_account = (Enrollment.objects.filter(program_id=batch.program_id, payee_account="")
                  .filter(Q(payee_account_cipher=b"") | Q(payee_account_cipher__isnull=True)).values("id"))
    if not no_account.exists():  # the usual case: one cheap look at the enrollments, no scan of the lines
        return
    qs = PaymentLine.objects.filter(batch=batch, generation=batch.generation, status=PaymentLine.Status.PENDING,
                                    enrollment_id__in=no_account)
    rows = list(qs.order_by("id").values_list("enrollment_id", "person_id", "region_id", "benefit_month")[:PROBLEM_CAP])
    if not rows:
        return
    n = len(rows) if len(rows) < PROBLEM_CAP else qs.count()
    message = _("缺少发放账户：明细已生成，补录账户后方可发放（发放文件中已标注）")
    for enr, person, region, benefit in rows:
        report.problem("account.missing", message, enrollment=enr, person=person, region=region,
                       benefit_month=benefit)
    report.counts["account.missing"] = n


def _void(batch: PaymentBatch, generation: int) -> int:
    """Void the pending lines of ``generation`` in one UPDATE; returns how many."""
    return (PaymentLine.objects.filter(batch=batch, generation=generation, status=PaymentLine.Status.PENDING)
            .update(status=PaymentLine.Status.VOIDED, result_note=_("批次重新生成，作废"), result_at=timezone.now()))


def _generate_postgresql(batch: PaymentBatch, report: GenerationReport,
                         previous: int | None) -> tuple[int, list[tuple], dict]:
    """PostgreSQL: rows are staged in a temporary table, then moved to the lines with
    one plain ``INSERT … SELECT`` of the rows the no-double-payment constraints accept
    (:func:`_refused`; the refused rows come back for the report). Staged: when
    regenerating, first (one statement, :func:`_void_and_stage_unchanged`) the old
    generation is voided and its lines whose basis and parameter row are unchanged are
    copied, not computed again; then by COPY the carried-over lines and the month's
    computed lines (the enrollments not copied).
    Returns (voided, refused rows, totals computed from the staged rows)."""
    line_table = connection.ops.quote_name(PaymentLine._meta.db_table)
    cols = ", ".join(_LINE_COLUMNS)
    with connection.cursor() as cur:
        cur.execute("SET LOCAL work_mem = '64MB'")  # hash aggregates and joins over the staged rows in memory
        cur.execute(f"DROP TABLE IF EXISTS {STAGING}")
        cur.execute(f"""CREATE TEMPORARY TABLE {STAGING} (
            enrollment_id bigint, person_id bigint, household_id bigint, region_code varchar(15),
            benefit_month date, amount numeric(12, 2), members smallint, rule varchar(60), parameter_id bigint,
            computation jsonb, carried_from_id bigint, basis varchar(32), ord bigint, hh_key bigint) ON COMMIT DROP""")
        voided, copied = (_void_and_stage_unchanged(cur, batch, previous) if previous is not None
                          else (0, 0))
        for rows in _plan(batch, report, previous=previous, skip_staged=bool(copied)):
            # one COPY per chunk: the enrollment cursor is read between them
            with cur.copy(f"COPY {STAGING} ({cols}, ord, hh_key) FROM STDIN") as copy:
                copy.write("".join([_copy_line(row) for row in rows]))
        refused = _refused(cur, batch)
        where = "WHERE NOT (ord = ANY(%s))" if refused else ""
        cur.execute(f"INSERT INTO {line_table} (batch_id, generation, program_id, status, result_note, {cols}) "
                    f"SELECT %s, %s, %s, 'pending', '', {cols} FROM {STAGING} {where}",
                    [batch.pk, batch.generation, batch.program_id] + ([list(refused)] if refused else []))
        # totals of what was inserted: the staged rows less the refused ones
        cur.execute(f"SELECT count(*), sum(members), count(DISTINCT hh_key), sum(amount) FROM {STAGING} {where}",
                    [list(refused)] if refused else [])
        lines, persons, households, total = cur.fetchone()
        skipped = []
        if refused:
            cur.execute(f"SELECT enrollment_id, person_id, household_id, benefit_month, carried_from_id, region_code "
                        f"FROM {STAGING} WHERE ord = ANY(%s) ORDER BY ord", [list(refused)])
            skipped = cur.fetchall()
        cur.execute(f"DROP TABLE {STAGING}")
    totals = {"lines": lines or 0, "persons": persons or 0, "households": households or 0, "total": yuan(total)}
    return voided, skipped, totals


LINES_LOCK = "jiayuan.assistance.payment_lines"
"""Name of the transaction-level advisory lock, one per program, that the generations
of a program take before deciding which staged lines the constraints would refuse."""


def _refused(cur, batch: PaymentBatch) -> set[int]:
    """The ``ord`` of the staged rows that the no-double-payment constraints would
    refuse, decided before one plain ``INSERT … SELECT`` (PostgreSQL; an ``ON CONFLICT``
    insert pays a speculative insertion per row — measured, it made the insert half as
    slow again). Exactly what ``INSERT … ORDER BY ord ON CONFLICT DO NOTHING`` refuses:
    rows whose person (or household) already has a live line for the program and
    benefit month, and, among the staged rows, each row that collides with an earlier
    (by ``ord``) row kept.

    Generations of one program are serialised from here to their commit by a
    transaction-level advisory lock, so that a generation of another county at the same
    moment (a person moved mid-month) waits, then sees these lines committed and
    refuses its own. Nothing else makes a line live. Should anything slip through all
    the same, the unique indexes refuse the insert and the whole generation fails:
    nobody is paid twice whatever this code does."""
    program = batch.program_id
    cur.execute("SELECT pg_advisory_xact_lock(hashtext(%s), hashtext(%s))", [LINES_LOCK, program])
    line_table = connection.ops.quote_name(PaymentLine._meta.db_table)
    live = "l.program_id = %s AND l.status IN ('pending', 'paid')"
    refused: set[int] = set()
    cur.execute(f"SELECT array_agg(DISTINCT benefit_month) FROM {STAGING}")
    months = cur.fetchone()[0] or []
    cur.execute(f"SELECT EXISTS (SELECT 1 FROM {line_table} l WHERE {live} AND l.benefit_month = ANY(%s))",
                [program, months])
    if cur.fetchone()[0]:  # live lines for these months elsewhere (other counties' batches, paid months)
        cur.execute(f"""
            SELECT s.ord FROM {STAGING} s
            WHERE EXISTS (SELECT 1 FROM {line_table} l WHERE {live} AND l.person_id = s.person_id
                                                        AND l.benefit_month = s.benefit_month)
               OR (s.household_id IS NOT NULL
                   AND EXISTS (SELECT 1 FROM {line_table} l WHERE {live} AND l.household_id = s.household_id
                                                              AND l.benefit_month = s.benefit_month))""",
                    [program, program])
        refused.update(r[0] for r in cur.fetchall())
    # staged rows colliding with each other (rare): kept greedily in ``ord`` order
    cur.execute(f"""
        SELECT ord, person_id, household_id, benefit_month FROM {STAGING}
        WHERE (person_id, benefit_month) IN (SELECT person_id, benefit_month FROM {STAGING}
                                             GROUP BY 1, 2 HAVING count(*) > 1)
           OR (household_id, benefit_month) IN (SELECT household_id, benefit_month FROM {STAGING}
                                                WHERE household_id IS NOT NULL GROUP BY 1, 2 HAVING count(*) > 1)
        ORDER BY ord""")
    taken: set[tuple] = set()
    for ord_, person, household, month in cur.fetchall():
        if ord_ in refused:
            continue
        keys = {("p", person, month)} | ({("h", household, month)} if household is not None else set())
        if keys & taken:
            refused.add(ord_)
        else:
            taken |= keys
    return refused


def _void_and_stage_unchanged(cur, batch: PaymentBatch, previous: int) -> tuple[int, int]:
    """Regenerating (PostgreSQL), in one statement: void the pending lines of
    generation ``previous`` (status voided, kept as history), and stage a copy of each
    of them whose enrollment is still to be paid this month (same conditions as
    :func:`_plan`: not suspended, not flagged, person alive), whose ``basis`` (:data:`BASIS_SQL`) is
    unchanged and whose parameter row is still the one in force for the enrollment's
    region, and whose person the registry still has alive. Its amount, members, rule,
    parameter and computation are what :func:`_plan`
    would compute again (same rule code, inputs, birth date, parameter row — rows are
    never changed once used — and month). Returns (voided, staged); the enrollments not
    staged are computed as usual."""
    program, month, county = batch.program, batch.month, batch.county_id
    resolve = parameter_resolver(program.code, month)
    in_force = {}  # region code → id of the parameter row in force (a JSON object: one lookup per line)
    for code in Region.objects.filter(code__startswith=county).values_list("code", flat=True):
        row = resolve(code)
        if row is not None:
            in_force[code] = row.pk
    qn = connection.ops.quote_name
    E = Enrollment.Status
    cols = ", ".join(_LINE_COLUMNS)
    cur.execute(f"""
        WITH v AS (
            UPDATE {qn(PaymentLine._meta.db_table)}
            SET status = %s, result_note = %s, result_at = %s
            WHERE batch_id = %s AND generation = %s AND status = %s
            RETURNING enrollment_id, household_id, benefit_month, amount, members, rule, parameter_id, computation,
                      basis, carried_from_id
        ), s AS (
            INSERT INTO {STAGING} ({cols}, ord, hh_key)
            SELECT e.id, e.person_id, l.household_id, e.region_code, l.benefit_month, l.amount, l.members, l.rule,
                   l.parameter_id, l.computation, NULL, l.basis, e.id, coalesce(l.household_id, p.household_id)
            FROM v l
            JOIN {qn(Enrollment._meta.db_table)} e ON e.id = l.enrollment_id
            JOIN {qn(Person._meta.db_table)} p ON p.id = e.person_id
            WHERE l.carried_from_id IS NULL AND l.benefit_month = %s AND l.basis <> ''
              AND l.parameter_id = (%s::jsonb ->> e.region_code::text)::bigint
              AND e.program_id = %s AND e.region_code LIKE %s AND e.start_month <= %s
              AND ((e.status = %s AND e.end_month IS NULL) OR (e.status <> %s AND e.end_month >= %s))
              AND e.flag = '' AND p.life_status = %s AND l.basis = {BASIS_SQL}
            RETURNING 1
        )
        SELECT (SELECT count(*) FROM v), (SELECT count(*) FROM s)""",
                [PaymentLine.Status.VOIDED, _("批次重新生成，作废"), timezone.now(), batch.pk, previous,
                 PaymentLine.Status.PENDING, month, json.dumps(in_force), program.code, county + "%", month,
                 E.ACTIVE, E.SUSPENDED, month, ALIVE, RULES_DIGEST])
    voided, staged = cur.fetchone()
    return voided, staged


def _copy_text(value) -> str:
    if value is None:
        return NULL
    return str(value).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _copy_line(row: tuple) -> str:
    """One row of COPY text format (tab-separated, ``\\N`` for NULL). Numbers, dates,
    codes and the md5 basis need no escaping; the rule and the computation JSON are
    escaped."""
    enr, person, household, region, benefit, amount, members, rule, param, comp, carried, basis, ord_, hh = row
    return (f"{enr}\t{person}\t{NULL if household is None else household}\t{region}\t{benefit}\t{amount}\t"
            f"{members}\t{_copy_text(rule)}\t{NULL if param is None else param}\t{_copy_text(comp)}\t"
            f"{NULL if carried is None else carried}\t{basis}\t{ord_}\t{NULL if hh is None else hh}\n")


NULL = "\\N"


def _insert_generic(batch: PaymentBatch, chunks: Iterable[list[tuple]]) -> list[tuple]:
    """Multi-row ``INSERT … ON CONFLICT DO NOTHING RETURNING`` (SQLite ≥ 3.35)."""
    line_table = connection.ops.quote_name(PaymentLine._meta.db_table)
    cols = "batch_id, generation, program_id, status, result_note, " + ", ".join(_LINE_COLUMNS)
    fixed = (batch.pk, batch.generation, batch.program_id, "pending", "")
    marks = "(" + ", ".join(["%s"] * (5 + len(_LINE_COLUMNS))) + ")"
    skipped = []
    with connection.cursor() as cur:
        for rows in chunks:
            for part in _chunks(rows, SQLITE_ROWS):
                params = []
                for (enr, person, household, region, benefit, amount, members, rule, param, comp, carried, basis,
                     _ord, _hh) in part:
                    params += [*fixed, enr, person, household, region, benefit.isoformat(), str(amount), members, rule,
                               param, comp, carried, basis]
                cur.execute(f"INSERT INTO {line_table} ({cols}) VALUES {', '.join([marks] * len(part))} "
                            "ON CONFLICT DO NOTHING RETURNING enrollment_id, benefit_month", params)
                done = {(e, str(m)) for e, m in cur.fetchall()}
                skipped += [(r[0], r[1], r[2], r[4], r[10], r[3]) for r in part
                            if (r[0], r[4].isoformat()) not in done]
    return skipped


def _report_skipped(batch: PaymentBatch, skipped: list[tuple], report: GenerationReport) -> None:
    """Problems ``line.already_paid`` naming where each refused person is paid."""
    program = batch.program_id
    where = {}
    head = skipped[:PROBLEM_CAP]
    persons = {s[1] for s in head}
    months = {s[3] for s in head}
    for person, household, month, batch_id, county_name, county_code in (
            PaymentLine.objects.filter(program_id=program, status__in=LIVE, benefit_month__in=months)
            .filter(Q(person_id__in=persons) | Q(household_id__in={s[2] for s in head if s[2]}))
            .values_list("person_id", "household_id", "benefit_month", "batch_id", "batch__county__name",
                         "batch__county_id")):
        where[("p", person, month)] = (batch_id, county_name)
        if household:
            where[("h", household, month)] = (batch_id, county_name)
    for enr, person, household, month, carried, region in skipped:
        found = where.get(("p", person, month)) or where.get(("h", household, month))
        if found and found[0] == batch.pk:
            message = _("同一人（户）在本批次中已有 %(month)s 的发放明细，不重复发放") % {"month": f"{month:%Y-%m}"}
        elif found:
            message = _("%(month)s 已在%(county)s的批次 %(batch)s 中发放（或待发放），不重复发放") % {
                "month": f"{month:%Y-%m}", "county": found[1], "batch": found[0]}
        else:
            message = _("%(month)s 已有有效的发放明细，不重复发放") % {"month": f"{month:%Y-%m}"}
        report.problem("line.already_paid", message, enrollment=enr, person=person, region=region,
                       benefit_month=month, carried_from=carried, paid_in=found[0] if found else None)


# ------------------------------------------------------------------ review, approve


class StaleLines(Conflict):
    """409 ``batch.stale_lines``: some pending lines would not be paid if the batch
    were generated now (person deceased or moved out, enrollment flagged, suspended or
    ended since the batch was computed; :func:`..selectors.batches.stale_lines`).
    ``fields["lines"]`` lists them (first 200): ``{"code": reason, "message", "line",
    "person", "name", "benefit_month"}``; ``count`` is how many there are."""

    def __init__(self, batch: PaymentBatch, count: int, items: list[dict], action: str):
        names = "、".join(f"{it['name']}（{it['message']}）" for it in items[:5])
        more = _("等，共 %(n)s 条") % {"n": count} if count > 5 else ""
        todo = (_("请重新生成本批次（这些明细会作废，不再发放），再审核") if batch.status == STATUS.DRAFT else
                _("请重开本批次并重新生成（这些明细会作废，不再发放），再审核、审批"))
        super().__init__("batch.stale_lines", _(
            "本批次有 %(n)s 条明细的享受对象情况在生成后发生变化，不能%(action)s：%(names)s%(more)s。%(todo)s")
            % {"n": count, "action": action, "names": names, "more": more, "todo": todo},
            {"lines": [{"code": it["reason"], "message": f"{it['name']}：{it['message']}", "line": it["line"],
                        "person": it["person"], "name": it["name"], "benefit_month": it["benefit_month"]}
                       for it in items]})
        self.count = count


def _refuse_stale(b: PaymentBatch, action: str) -> None:
    """Raise :class:`StaleLines` when the batch (locked) has stale pending lines. A
    paid list must never include a person who died, moved out or stopped being
    entitled after it was computed, and the approver must approve the list that will
    be paid: the batch is refused rather than changed under the reviewer's or
    approver's eyes; regenerating (after a reopen) drops those lines and is reviewed
    and approved again (docs/payments.md)."""
    from ..selectors.batches import stale_lines

    count, items = stale_lines(b)
    if count:
        raise StaleLines(b, count, items, action)


# ------------------------------------------------------------------ review, approve


def review_batch(actor: Actor, batch: PaymentBatch, *, version: int, note: str = "") -> PaymentBatch:
    """审核: draft → reviewed (``run_payments``). Refused (409 ``batch.stale_lines``,
    :class:`StaleLines`) while a pending line would no longer be paid (person deceased or
    moved out, enrollment flagged, suspended or ended since generation): regenerate."""
    require(actor, Perm.RUN_PAYMENTS)
    with transaction.atomic():
        b = _locked(batch, version)
        _expect(b, STATUS.DRAFT, action=_("审核"))
        _refuse_stale(b, _("审核"))
        b.status, b.reviewed_by, b.reviewed_at = STATUS.REVIEWED, actor.user, timezone.now()
        b.version += 1
        b.save()
        _event(b, "reviewed", actor, note, **_summary(b))
        _audit(actor, "payment_batch.review", b, **_summary(b))
    return b


def approve_batch(actor: Actor, batch: PaymentBatch, *, version: int, note: str = "") -> PaymentBatch:
    """审批: reviewed → approved (``approve_payments``), by somebody other than the
    user who generated (or last regenerated) the batch: four eyes (403
    ``batch.four_eyes``). Refused like :func:`review_batch` (409 ``batch.stale_lines``)
    when a line went stale since the review."""
    require(actor, Perm.APPROVE_PAYMENTS)
    with transaction.atomic():
        b = _locked(batch, version)
        _expect(b, STATUS.REVIEWED, action=_("审批"))
        if b.generated_by_id is not None and b.generated_by_id == getattr(actor.user, "pk", None):
            raise Forbidden("batch.four_eyes", _("批次的生成人不能审批本批次，须由另一名工作人员审批（双人复核）"))
        _refuse_stale(b, _("审批"))
        b.status, b.approved_by, b.approved_at = STATUS.APPROVED, actor.user, timezone.now()
        b.version += 1
        b.save()
        _event(b, "approved", actor, note, **_summary(b))
        _audit(actor, "payment_batch.approve", b, **_summary(b))
    return b


# ------------------------------------------------------------------ export

EXPORT_HEADERS = ("明细编号", "姓名", "公民身份号码", "发放账户", "金额（元）", "待遇所属月份", "所属区划", "项目", "备注")
"""Columns of the payment file (xlsx and csv), in order."""
EXPORT_TEXT_COLUMNS = frozenset({2, 3, 5})
EXPORT_MONEY_COLUMNS = frozenset({4})
"""金额（元）: a number cell formatted ``0.00`` in the workbook (plain ``1403.01`` in the CSV)."""
EXPORT_WIDTHS = (10, 10, 22, 24, 12, 12, 28, 20, 24)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass
class ExportFile:
    """A payment file to send: ``chunks`` (bytes, streamed), ``file_name`` (Chinese),
    ``ascii_name``, ``content_type``, ``rows`` (lines in it), ``total`` (yuan)."""

    chunks: Iterator[bytes]
    file_name: str
    ascii_name: str
    content_type: str
    rows: int
    total: Decimal


def region_labels(county_code: str) -> dict[str, str]:
    """Code → the 所属区划 of the payment file for every region of the county: the
    community or village with its township or street, short names
    (``东街街道交通巷社区``); a grid is labelled by its community (a grid's name — 第一网格 —
    means nothing to a bank); a township or the county itself by its own name."""
    regions = {code: (name, level) for code, name, level in
               Region.objects.filter(code__startswith=county_code).values_list("code", "name", "level")}

    def short(code: str) -> str:
        name, _level = regions.get(code, (code, ""))
        return Region(code=code, name=name).short_name

    out = {}
    for code in regions:
        if len(code) >= 12:
            out[code] = short(code[:9]) + short(code[:12])
        else:
            out[code] = short(code)
    return out


def export_rows(batch: PaymentBatch, *, sensitive: bool, accounts: bool = False) -> Iterator[list]:
    """Rows of :data:`EXPORT_HEADERS` for the live lines of the batch's current
    generation, by region then line: ID numbers whole when ``sensitive``, else masked
    (``620702********123X``); the payee account whole when ``accounts`` and the
    enrollment has it (``payee_account_cipher``), else its masked tail (the two are
    separate choices with separate permissions: whole ID numbers never unmask an
    account, nor the reverse); amounts
    Decimal; benefit month ``YYYY-MM`` text; 所属区划 as :func:`region_labels`. 备注
    marks a carried-over line (补发), a line without any payee account (缺少发放账户)
    and, in a file with whole accounts, one whose enrollment has only the masked tail."""
    from ... import security
    from ...people.rules import mask_document

    names = region_labels(batch.county_id)
    program_name = batch.program.name
    decrypt = security.decrypt
    qs = (PaymentLine.objects.filter(batch=batch, generation=batch.generation, status__in=LIVE)
          .order_by("region_id", "id")
          .values_list("id", "person__name", "person__id_number_cipher", "enrollment__payee_account",
                       "enrollment__payee_account_cipher", "amount", "benefit_month", "region_id", "carried_from_id",
                       "person__id_type"))
    missing, tail_only = _("缺少发放账户，须补录后发放"), _("仅存账户尾号，须补录完整账号")
    for line_id, name, cipher, account, account_cipher, amount, benefit, region, carried, id_type in qs.iterator(
            chunk_size=2000):
        number = decrypt(cipher)
        notes = [_("补发（原明细 %(id)s）") % {"id": carried}] if carried else []
        whole = decrypt(account_cipher) if accounts and account_cipher else ""
        if whole:
            account = whole
        elif not account:
            notes.append(missing)
        elif accounts:
            notes.append(tail_only)
        yield [line_id, name, number if sensitive else mask_document(id_type, number), account or "", amount,
               f"{benefit:%Y-%m}", names.get(region, region), program_name, "；".join(notes)]


def export_batch(actor: Actor, batch: PaymentBatch, *, fmt: str = "xlsx", sensitive: bool = False,
                 accounts: bool = False, version: int | None = None) -> ExportFile:
    """The payment file of an approved batch for the bank or the 一卡通 system
    (``run_payments``; whole ID numbers need ``export_sensitive``, else masked as in
    roster exports; whole payee accounts, which the bank needs, need
    ``export_payee_accounts`` and the ``accounts`` option, else each account shows its
    masked tail). The first export moves the batch to exported (after which it can
    no longer be reopened); later exports of an exported or closed batch give the same
    file again. Every export is audited (``payment_batch.export``: rows, total,
    format, whether IDs and whether accounts were whole) before the file is sent. ``fmt``: ``xlsx``
    (streamed workbook, text cells for IDs and accounts, amounts number cells formatted
    ``0.00``) or ``csv`` (UTF-8 with BOM,
    CRLF). The first export is refused (409 ``batch.stale_lines``) while a pending line
    went stale since the approval (person deceased …): reopen, regenerate, review and
    approve again. Raises ValidationFailed (``format.invalid``, ``batch.not_approved``),
    Forbidden, Conflict (stale ``version`` when given; ``batch.stale_lines``)."""
    from ...imports.export import stream_csv
    from ...imports.xlsx import StreamingXlsx

    require(actor, Perm.RUN_PAYMENTS)
    if sensitive:
        require(actor, Perm.EXPORT_SENSITIVE)
    if accounts:
        require(actor, Perm.EXPORT_PAYEE_ACCOUNTS)
    if fmt not in ("xlsx", "csv"):
        raise ValidationFailed(field_error("format", "format.invalid", _("导出格式只能是 xlsx 或 csv")))
    with transaction.atomic():
        b = _locked(batch, version)
        _expect(b, STATUS.APPROVED, STATUS.EXPORTED, STATUS.CLOSED, action=_("导出发放文件"))
        first = b.status == STATUS.APPROVED
        if first:
            _refuse_stale(b, _("导出发放文件"))
            b.status, b.exported_at, b.exported_by = STATUS.EXPORTED, timezone.now(), actor.user
            b.version += 1
            b.save()
        _event(b, "exported", actor, format=fmt, sensitive=sensitive, accounts=accounts, first=first,
               **_summary(b))
        _audit(actor, "payment_batch.export", b, format=fmt, sensitive=sensitive, accounts=accounts,
               rows=b.line_count,
               total=b.total_amount)
    rows = export_rows(b, sensitive=sensitive, accounts=accounts)
    masked = "" if sensitive and accounts else ("-账号完整" if accounts else ("-身份证完整" if sensitive else "-脱敏"))
    base = f"{b.county.name}-{b.program.name}-{b.month:%Y%m}-发放文件{masked}"
    ascii_base = f"batch-{b.pk}-{b.month:%Y%m}"
    if fmt == "csv":
        chunks = stream_csv(rows, headers=EXPORT_HEADERS)
        content_type = "text/csv; charset=utf-8"
    else:
        writer = StreamingXlsx(_("发放明细"), EXPORT_HEADERS, text_columns=EXPORT_TEXT_COLUMNS,
                               money_columns=EXPORT_MONEY_COLUMNS, widths=EXPORT_WIDTHS)
        chunks = writer.stream(rows)
        content_type = XLSX
    return ExportFile(chunks=chunks, file_name=f"{base}.{fmt}", ascii_name=f"{ascii_base}.{fmt}",
                      content_type=content_type, rows=b.line_count, total=b.total_amount)


# ------------------------------------------------------------------ results, close

RESULT_WORDS = {
    "paid": PaymentLine.Status.PAID, "已发放": PaymentLine.Status.PAID, "成功": PaymentLine.Status.PAID,
    "发放成功": PaymentLine.Status.PAID, "success": PaymentLine.Status.PAID,
    "failed": PaymentLine.Status.FAILED, "失败": PaymentLine.Status.FAILED, "发放失败": PaymentLine.Status.FAILED,
    "fail": PaymentLine.Status.FAILED,
}


def record_results(actor: Actor, batch: PaymentBatch, results: list[dict], *, version: int,
                   rest_paid: bool = False, source: str = "") -> dict:
    """Record what the bank did with the exported lines (``run_payments``; batch
    exported). ``results``: ``[{"line": id, "status": "paid"|"failed", "note": reason}]``
    (``status`` also accepts 已发放/成功/失败/发放失败); a failed line needs a reason.
    ``rest_paid``: every line still pending after these is paid (banks often return
    only the failures). Results are final: a line that already has one keeps it (the
    same result again is ignored; a different one is an error), because a failed line
    may already be carried over to a later batch. Failed lines are carried to the next
    batch of the program and county. All or nothing: any bad row refuses the whole
    set (ValidationFailed with ``rows``: row number → message). Returns
    ``{"paid", "failed", "unchanged", "pending"}`` counts."""
    require(actor, Perm.RUN_PAYMENTS)
    S = PaymentLine.Status
    problems: dict[str, list] = {}
    wanted: dict[int, tuple[str, str]] = {}
    for i, item in enumerate(results, 1):
        try:
            line_id = int(str(item.get("line", "")).strip())
        except ValueError:
            problems.setdefault(str(i), []).append({"code": "line.invalid", "message": _("第 %(n)s 行：明细编号无效") % {"n": i}})
            continue
        status = RESULT_WORDS.get(str(item.get("status", "")).strip().lower())
        note = str(item.get("note") or "").strip()[:200]
        if status is None:
            problems.setdefault(str(i), []).append({"code": "result.invalid", "message": _(
                "第 %(n)s 行：发放结果应为“已发放”或“发放失败”") % {"n": i}})
            continue
        if status == S.FAILED and not note:
            problems.setdefault(str(i), []).append({"code": "result.reason_required", "message": _(
                "第 %(n)s 行：发放失败须写明原因") % {"n": i}})
            continue
        if line_id in wanted and wanted[line_id][0] != status:
            problems.setdefault(str(i), []).append({"code": "line.duplicate", "message": _(
                "第 %(n)s 行：明细 %(id)s 重复且结果不一致") % {"n": i, "id": line_id}})
            continue
        wanted[line_id] = (status, note)
    with transaction.atomic():
        b = _locked(batch, version)
        _expect(b, STATUS.EXPORTED, action=_("登记发放结果"))
        current = dict(PaymentLine.objects.filter(batch=b, generation=b.generation, pk__in=list(wanted))
                       .values_list("pk", "status"))
        unchanged = 0
        for line_id, (status, _note) in wanted.items():
            now_status = current.get(line_id)
            if now_status is None:
                problems.setdefault(f"line {line_id}", []).append({"code": "line.not_in_batch", "message": _(
                    "明细 %(id)s 不属于本批次") % {"id": line_id}})
            elif now_status == status:
                unchanged += 1
            elif now_status != S.PENDING:
                problems.setdefault(f"line {line_id}", []).append({"code": "line.already_recorded", "message": _(
                    "明细 %(id)s 已登记为“%(now)s”，结果不能更改") % {"id": line_id, "now": S(now_status).label}})
        if problems:
            raise ValidationFailed({"rows": [e for errs in problems.values() for e in errs]},
                                   _("发放结果有误，未登记任何一条：请改正后重新提交"))
        now = timezone.now()
        todo = {k: v for k, v in wanted.items() if current.get(k) == S.PENDING}
        paid_ids = [k for k, (s, _n) in todo.items() if s == S.PAID]
        failed = [(k, n) for k, (s, n) in todo.items() if s == S.FAILED]
        for part in _chunks(paid_ids, 5000):
            PaymentLine.objects.filter(pk__in=part, status=S.PENDING).update(status=S.PAID, result_at=now)
        by_note: dict[str, list[int]] = {}
        for k, n in failed:
            by_note.setdefault(n, []).append(k)
        for n, ids in by_note.items():
            for part in _chunks(ids, 5000):
                PaymentLine.objects.filter(pk__in=part, status=S.PENDING).update(status=S.FAILED, result_note=n,
                                                                                  result_at=now)
        rest = 0
        if rest_paid:
            rest = (PaymentLine.objects.filter(batch=b, generation=b.generation, status=S.PENDING)
                    .update(status=S.PAID, result_at=now))
        agg = dict(PaymentLine.objects.filter(batch=b, generation=b.generation).values_list("status")
                   .annotate(n=Count("id")).order_by())
        out = {"paid": len(paid_ids) + rest, "failed": len(failed), "unchanged": unchanged,
               "pending": agg.get(S.PENDING, 0)}
        failed_total = yuan(PaymentLine.objects.filter(pk__in=[k for k, _n in failed]).aggregate(t=Sum("amount"))["t"]
                            if failed else None)
        b.version += 1
        b.save(update_fields=["version"])
        _event(b, "results", actor, source, **out, failed_total=failed_total)
        _audit(actor, "payment_batch.results", b, **out, failed_total=failed_total, source=source)
    return out


def parse_results_file(data: bytes, file_name: str) -> list[dict]:
    """Rows of a bank result file (``.xlsx``/``.xls``/``.ods`` opened by the import
    engine's guarded reader, :func:`jiayuan.imports.reading.open_source`, with its
    limits — size, ZIP bombs, sheet extent — checked before python-calamine reads the
    sheet; or ``.csv`` in UTF-8 with or without BOM, or GB18030): the header row must
    contain 明细编号 and 发放结果 (or 结果); 失败原因 (or 原因/备注) is optional; leading empty
    rows are skipped. Extra columns (the exported ones) are ignored, so the exported file
    with two columns added comes back as it is. Returns ``[{"line", "status", "note"}]``;
    raises ValidationFailed (``file.unreadable``, ``file.columns``, or the reader's code
    and message for a workbook it refuses, e.g. ``file.sheet_extent``)."""
    from ...errors import translate_rule_error
    from ...imports import reading
    from ...imports.rules import FileRejected
    from ...imports.services import config as import_config

    rows: list[list] = []
    name = (file_name or "").lower()
    try:
        if name.endswith(".csv"):
            try:
                text = data.decode("utf-8-sig")
            except UnicodeDecodeError:
                text = data.decode("gb18030")
            rows = [r for r in csv.reader(io.StringIO(text))]
        else:
            source = reading.open_source(data, file_name or "", import_config().limits)
            rows = source.load(source.sheet_names[0]).rows if source.sheet_names else []
            while rows and all(v is None or v == "" for v in rows[0]):
                rows = rows[1:]
    except FileRejected as exc:
        if exc.code in ("file.unsupported_type", "file.corrupt", "file.empty", "file.extension_mismatch"):
            raise ValidationFailed(field_error("file", "file.unreadable", _("无法读取该文件：请上传 .xlsx 或 .csv 文件"))) from None
        raise ValidationFailed(field_error("file", exc.code, translate_rule_error(exc))) from None
    except Exception:  # noqa: BLE001 — any reader failure is the same answer to the user
        raise ValidationFailed(field_error("file", "file.unreadable", _("无法读取该文件：请上传 .xlsx 或 .csv 文件"))) from None

    def cell(v) -> str:
        if isinstance(v, float) and v.is_integer():
            return str(int(v))
        return "" if v is None else str(v).strip()

    header_at = None
    for i, row in enumerate(rows[:5]):
        texts = [cell(v) for v in row]
        if "明细编号" in texts and ({"发放结果", "结果"} & set(texts)):
            header_at = i
            break
    if header_at is None:
        raise ValidationFailed(field_error("file", "file.columns", _("文件须有“明细编号”和“发放结果”两列（可另加“失败原因”列）")))
    head = [cell(v) for v in rows[header_at]]
    c_line = head.index("明细编号")
    c_status = head.index("发放结果") if "发放结果" in head else head.index("结果")
    c_note = next((head.index(h) for h in ("失败原因", "原因", "备注说明") if h in head), None)
    out = []
    for row in rows[header_at + 1:]:
        values = [cell(v) for v in row]
        if not any(values):
            continue
        get = lambda c: values[c] if c is not None and c < len(values) else ""  # noqa: E731
        out.append({"line": get(c_line), "status": get(c_status), "note": get(c_note)})
    return out


def close_batch(actor: Actor, batch: PaymentBatch, *, version: int, note: str = "") -> PaymentBatch:
    """完成: exported → closed, once every line has a result (``batch.pending_lines``
    otherwise)."""
    require(actor, Perm.RUN_PAYMENTS)
    with transaction.atomic():
        b = _locked(batch, version)
        _expect(b, STATUS.EXPORTED, action=_("办结"))
        pending = PaymentLine.objects.filter(batch=b, generation=b.generation, status=PaymentLine.Status.PENDING).count()
        if pending:
            raise ValidationFailed(field_error("status", "batch.pending_lines", _("还有 %(n)s 条明细没有登记发放结果，不能办结")
                                        % {"n": pending}))
        b.status, b.closed_at = STATUS.CLOSED, timezone.now()
        b.version += 1
        _set_totals(b, _totals(b))
        b.save()
        failed = PaymentLine.objects.filter(batch=b, generation=b.generation, status=PaymentLine.Status.FAILED)
        fagg = failed.aggregate(n=Count("id"), t=Sum("amount"))
        _event(b, "closed", actor, note, **_summary(b), failed=fagg["n"], failed_total=yuan(fagg["t"]))
        _audit(actor, "payment_batch.close", b, **_summary(b), failed=fagg["n"], failed_total=yuan(fagg["t"]))
    return b


# ------------------------------------------------------------------ reopen, regenerate


def reopen_batch(actor: Actor, batch: PaymentBatch, *, version: int, reason: str) -> PaymentBatch:
    """重开: reviewed or approved → draft (``run_payments``), with a reason; clears the
    review and approval (they must be given again). Not after export: once the payment
    file has left, money may be on its way, so the batch's lines can only receive
    results (failed ones are carried to the next batch) — reopening then could pay
    twice or hide a payment (``batch.not_reviewed`` for exported/closed)."""
    require(actor, Perm.RUN_PAYMENTS)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(field_error("reason", "reason.required", _("请填写重开的原因")))
    with transaction.atomic():
        b = _locked(batch, version)
        if b.status in (STATUS.EXPORTED, STATUS.CLOSED):
            raise ValidationFailed(field_error("status", "batch.already_exported", _(
                "发放文件已经导出，批次不能重开：资金可能已在拨付途中。请登记发放结果，失败的明细会转入下月批次补发")))
        _expect(b, STATUS.REVIEWED, STATUS.APPROVED, action=_("重开"))
        before = b.status
        b.status = STATUS.DRAFT
        b.reviewed_by = b.reviewed_at = b.approved_by = b.approved_at = None
        b.version += 1
        b.save()
        _event(b, "reopened", actor, reason, previous=before, **_summary(b))
        _audit(actor, "payment_batch.reopen", b, previous=before, reason=reason, **_summary(b))
    return b


def regenerate_batch(actor: Actor, batch: PaymentBatch, *, version: int) -> PaymentBatch:
    """重新生成 a draft batch (``run_payments``): the lines of the current generation
    are voided (status voided, kept as history, out of the no-double-payment
    constraints), ``generation`` + 1, and every line is computed anew exactly as
    :func:`generate_batch` does — with today's enrollments and the parameters in force
    for the batch's month. Never adds to the old lines: a regenerated batch has the
    same lines and total as a fresh run would. The regenerating user becomes the
    generator (four eyes apply to them)."""
    require(actor, Perm.RUN_PAYMENTS)
    with transaction.atomic():
        b = _locked(batch, version)
        _expect(b, STATUS.DRAFT, action=_("重新生成（已审核、已审批的批次请先重开）"))
        before = _summary(b)
        previous = b.generation
        b.generation += 1
        b.generated_by, b.generated_at = actor.user, timezone.now()
        report, voided, totals = _generate_lines(b, previous=previous)
        unblocked = _report_unblocked(b, report)
        _store_report(b, report, totals)
        b.version += 1
        b.save()
        _event(b, "regenerated", actor, generation=b.generation, voided=voided, before=before, **_summary(b),
               carried=report.carried, problems=report.counts, unblocked=unblocked)
        _audit(actor, "payment_batch.regenerate", b, voided=voided, before=before, **_summary(b),
               carried=report.carried, problems=report.counts, unblocked=unblocked)
    b.unblocked = unblocked
    return b


def _report_unblocked(batch: PaymentBatch, report: GenerationReport) -> list[dict]:
    """After regenerating ``batch``: the persons whose line in this batch had kept
    another batch from paying them (that batch's problem ``line.already_paid`` names
    this one in ``paid_in``) and who now have no live line for that program and month
    anywhere — e.g. moved between counties, this batch regenerated without them. The
    other batch's note "already paid in batch N" is stale: it must be regenerated (if
    still open) to pay them. Each is reported here as ``line.unblocked`` naming the
    other batch; returns ``[{"batch", "county", "person", "benefit_month"}]``.
    Reads the other batches' stored problems (capped lists) and one query for the
    live lines of those persons."""
    blocked: list[tuple] = []
    for other, county_name, problems in (
            PaymentBatch.objects.filter(program_id=batch.program_id, problem_counts__has_key="line.already_paid")
            .exclude(pk=batch.pk).values_list("pk", "county__name", "problems")):
        for it in problems or []:
            if it.get("code") == "line.already_paid" and it.get("paid_in") == batch.pk and it.get("person"):
                blocked.append((other, county_name, it["person"], it.get("benefit_month", "")[:10],
                                it.get("region", "")))
    if not blocked:
        return []
    months = {datetime.date.fromisoformat(m) for _o, _c, _p, m, _r in blocked if m}
    persons = {p for _o, _c, p, _m, _r in blocked}
    households = dict(Person.objects.filter(pk__in=persons, household_id__isnull=False)
                      .values_list("pk", "household_id"))
    still = set()
    for p, h, m in PaymentLine.objects.filter(
            Q(person_id__in=persons) | Q(household_id__in=set(households.values())),
            program_id=batch.program_id, status__in=LIVE, benefit_month__in=months).values_list(
            "person_id", "household_id", "benefit_month"):
        still.add(("p", p, m.isoformat()))
        if h:
            still.add(("h", h, m.isoformat()))
    out = []
    for other, county_name, person, m, region in blocked:
        if ("p", person, m) in still or ("h", households.get(person), m) in still:
            continue
        report.problem("line.unblocked", _(
            "重新生成后本批次不再为其发放 %(month)s；%(county)s的批次 %(batch)s 曾因本批次已发放而未为其生成明细，"
            "请重新生成该批次（已导出的，请核实后另行处理）") % {"month": m[:7], "county": county_name, "batch": other},
            person=person, region=region, benefit_month=m, other_batch=other)
        out.append({"batch": other, "county": county_name, "person": person, "benefit_month": m[:7]})
    return out
