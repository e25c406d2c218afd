"""Ledgers (发放台账) and the figures the city reports, from payment lines.

Counted lines: ``paid`` lines (the bank confirmed) make the figures; **pending**
(待发放) are the pending lines of **approved or exported** batches — money decided,
not yet confirmed by the bank — shown apart; pending lines of batches still in review
(draft 待审核 or reviewed 已审核: they may still be regenerated) are in no row, only
summed for the whole ledger as ``in_review_lines`` / ``in_review_amount`` so the page
can say what it leaves out; voided and failed lines are history and count nowhere (a
failed line carried over is counted once, when its new line is paid). Months are
**benefit months** (待遇所属月份): a carried-over line counts in the month it is owed
for.

Figures per row:

- ``households`` — distinct households (the line's household under household programs,
  else the person's household);
- ``persons`` — distinct beneficiaries (persons paid; under household programs the
  payee stands for the household);
- ``person_months`` — covered persons summed over lines (``members``: a 低保 household of
  3 counts 3 each month). For one month this is the number of persons covered
  (保障人数); over several months it is 人次;
- ``lines`` and ``amount`` (yuan, Decimal), and ``pending_lines`` / ``pending_amount``.

Rows roll up the region tree: the children of the chosen region (city → counties →
townships → communities and villages; lines recorded on a grid count in its
community), each row aggregated in SQL over the codes that start with the child's code,
and a total over the whole region (distinct counts are not sums of the children's).
Every read is limited to the user's scope.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, Substr

from ...accounts.permissions import Perm
from ...errors import NotFound
from ...regions.models import Region
from ...regions.selectors import get_region, regions_for
from ..models import PaymentLine, Program

TWO_SUBSIDIES = ("disability_living_allowance", "disability_care_allowance")
"""两项补贴: the living allowance and the care allowance (国发〔2015〕52号)."""
CHILD_LENGTH = {2: 4, 4: 6, 6: 9, 9: 12}
"""Code length of a region → code length of its children in a ledger (villages stop)."""


def lines_for(user) -> QuerySet:
    """Payment lines whose region lies in the user's scope (none without
    ``view_assistance``)."""
    if not user.can(Perm.VIEW_ASSISTANCE):
        return PaymentLine.objects.none()
    scope = user.scope_code
    qs = PaymentLine.objects.all()
    return qs.filter(region__code__startswith=scope) if scope else qs


@dataclass
class LedgerRow:
    """One region's figures (see the module docstring)."""

    code: str
    name: str
    households: int = 0
    persons: int = 0
    person_months: int = 0
    lines: int = 0
    amount: Decimal = Decimal("0.00")
    pending_lines: int = 0
    pending_amount: Decimal = Decimal("0.00")
    drill: bool = False


@dataclass
class Ledger:
    """A ledger: ``program`` (or None for all programs), months ``month_from`` …
    ``month_to`` (first days), ``region``, one row per child region (``rows``) and the
    ``total`` of the region."""

    program: Program | None
    month_from: datetime.date
    month_to: datetime.date
    region: Region
    rows: list[LedgerRow] = field(default_factory=list)
    total: LedgerRow | None = None
    in_review_lines: int = 0
    in_review_amount: Decimal = Decimal("0.00")

    @property
    def single_month(self) -> bool:
        return self.month_from == self.month_to


def default_region(user) -> Region:
    """Where a ledger starts: the user's scope region, or for a system administrator
    the first prefecture (the deployment's city)."""
    if user.scope_id:
        return user.scope
    region = Region.objects.filter(level=Region.Level.PREFECTURE).order_by("code").first()
    if region is None:
        raise NotFound("region.not_found")
    return region


_AGG = {
    "households": Count(Coalesce("household_id", "person__household_id"), distinct=True),
    "persons": Count("person_id", distinct=True),
    "person_months": Sum("members"),
    "lines": Count("id"),
    "amount": Sum("amount"),
}


def _fill(row: LedgerRow, status: str, agg: dict) -> None:
    if status == PaymentLine.Status.PAID:
        row.households, row.persons = agg["households"], agg["persons"]
        row.person_months, row.lines = agg["person_months"] or 0, agg["lines"]
        row.amount = _yuan(agg["amount"])
    else:
        row.pending_lines, row.pending_amount = agg["lines"], _yuan(agg["amount"])


DECIDED = ("approved", "exported", "closed")
"""Batch statuses whose pending lines are 待发放 (approved or exported; a closed batch has none)."""
IN_REVIEW = ("draft", "reviewed")
"""Batch statuses whose lines are still in review (待审核, 已审核)."""


def counted(qs: QuerySet) -> QuerySet:
    """The lines of ``qs`` a ledger counts: paid, and pending in an approved or exported batch."""
    return qs.filter(Q(status=PaymentLine.Status.PAID) | Q(status=PaymentLine.Status.PENDING,
                                                            batch__status__in=DECIDED))


def _yuan(value) -> Decimal:
    return Decimal(value or 0).quantize(Decimal("0.01"))


def ledger(user, *, program: str = "", month_from: datetime.date, month_to: datetime.date | None = None,
           region: str = "") -> Ledger:
    """The ledger of ``program`` (code; empty = all programs) for benefit months
    ``month_from`` … ``month_to`` (inclusive; default one month) in ``region`` (code in
    scope, default :func:`default_region`; out of scope → NotFound), rows by child region."""
    reg = get_region(user, region) if region else default_region(user)
    month_to = month_to or month_from
    prog = Program.objects.filter(code=program).first() if program else None
    if program and prog is None:
        raise NotFound("program.not_found")
    live = lines_for(user).filter(region__code__startswith=reg.code, benefit_month__gte=month_from,
                                  benefit_month__lte=month_to,
                                  status__in=[PaymentLine.Status.PAID, PaymentLine.Status.PENDING])
    if prog is not None:
        live = live.filter(program=prog)
    qs = counted(live)
    out = Ledger(program=prog, month_from=month_from, month_to=month_to, region=reg)
    total = LedgerRow(code=reg.code, name=reg.name)
    for agg in qs.values("status").annotate(**_AGG).order_by():
        _fill(total, agg["status"], agg)
    out.total = total
    review = live.filter(status=PaymentLine.Status.PENDING, batch__status__in=IN_REVIEW).aggregate(
        n=Count("id"), t=Sum("amount"))
    out.in_review_lines, out.in_review_amount = review["n"] or 0, _yuan(review["t"])
    child_len = CHILD_LENGTH.get(len(reg.code))
    if child_len:
        children = list(regions_for(user).filter(parent=reg).order_by("code").values_list("code", "name"))
        rows = {code: LedgerRow(code=code, name=name, drill=child_len in CHILD_LENGTH) for code, name in children}
        for agg in (qs.annotate(child=Substr("region_id", 1, child_len)).values("child", "status")
                    .annotate(**_AGG).order_by()):
            row = rows.get(agg["child"])
            if row is None:  # a code without a region row (should not happen): shown by code
                row = rows[agg["child"]] = LedgerRow(code=agg["child"], name=agg["child"])
            _fill(row, agg["status"], agg)
        out.rows = sorted(rows.values(), key=lambda r: r.code)
    return out


def half_year(year: int, half: int) -> tuple[datetime.date, datetime.date]:
    """First and last benefit months of half ``half`` (1 or 2) of ``year``."""
    if half not in (1, 2):
        raise ValueError("half must be 1 or 2")
    return (datetime.date(year, 1, 1), datetime.date(year, 6, 1)) if half == 1 else \
        (datetime.date(year, 7, 1), datetime.date(year, 12, 1))


@dataclass
class TwoSubsidiesFigure:
    """The figure the city reports for 两项补贴 (e.g. Zhangye 2019 H1: 12,000 disabled
    persons, 6.807 million yuan): ``persons`` given either allowance in the period,
    each counted once however many months and allowances; ``amount`` paid (yuan);
    ``living_*`` and ``care_*`` per allowance and ``both`` (persons given both);
    ``pending_amount`` pending in approved or exported batches, not yet confirmed by
    the bank (not in ``amount``; lines of batches still in review are in neither)."""

    region: Region
    month_from: datetime.date
    month_to: datetime.date
    persons: int = 0
    amount: Decimal = Decimal("0.00")
    living_persons: int = 0
    living_amount: Decimal = Decimal("0.00")
    care_persons: int = 0
    care_amount: Decimal = Decimal("0.00")
    both: int = 0
    pending_amount: Decimal = Decimal("0.00")


def two_subsidies_figure(user, *, year: int, half: int, region: str = "") -> TwoSubsidiesFigure:
    """Persons given 两项补贴 and the total paid for benefit months of half ``half`` of
    ``year`` in ``region`` (scoped as :func:`ledger`), from paid lines."""
    reg = get_region(user, region) if region else default_region(user)
    start, end = half_year(year, half)
    base = lines_for(user).filter(region__code__startswith=reg.code, program_id__in=TWO_SUBSIDIES,
                                  benefit_month__gte=start, benefit_month__lte=end)
    paid = base.filter(status=PaymentLine.Status.PAID)
    fig = TwoSubsidiesFigure(region=reg, month_from=start, month_to=end)
    living, care = Q(program_id=TWO_SUBSIDIES[0]), Q(program_id=TWO_SUBSIDIES[1])
    agg = paid.aggregate(n_persons=Count("person_id", distinct=True), total=Sum("amount"),
                         n_living=Count("person_id", distinct=True, filter=living),
                         living_total=Sum("amount", filter=living),
                         n_care=Count("person_id", distinct=True, filter=care), care_total=Sum("amount", filter=care))
    fig.persons, fig.amount = agg["n_persons"], _yuan(agg["total"])
    fig.living_persons, fig.living_amount = agg["n_living"], _yuan(agg["living_total"])
    fig.care_persons, fig.care_amount = agg["n_care"], _yuan(agg["care_total"])
    fig.both = fig.living_persons + fig.care_persons - fig.persons
    fig.pending_amount = _yuan(base.filter(status=PaymentLine.Status.PENDING, batch__status__in=DECIDED)
                               .aggregate(t=Sum("amount"))["t"])
    return fig


LEDGER_HEADERS = ("区划代码", "区划名称", "户数", "人数", "保障人次", "发放笔数", "发放金额（元）", "待发放笔数",
                  "待发放金额（元）")
LEGEND = ("户数：不重复的家庭数；人数：不重复的享受对象（以户为单位的项目计领取人）；"
          "保障人次：各笔明细保障人数之和（单月即保障人数，多月为人次）；发放：银行已确认发放；"
          "待发放：已审批或已导出、银行尚未确认；未审批批次（待审核、已审核）的明细不计入。")
"""The one-line legend of the ledger's columns (page and workbook)."""


def ledger_file_names(led: Ledger) -> tuple[str, str]:
    """The file name of the ledger's workbook and its ASCII fallback, naming the whole
    filter — region (short name), program (全部项目 when none), benefit months::

        甘州区-最低生活保障-发放台账-2026-01至2026-12.xlsx   ledger-620702-subsistence_allowance-202601-202612.xlsx
        交通巷社区-全部项目-发放台账-2026-03.xlsx            ledger-620702001001-all-202603.xlsx
    """
    program = led.program.name if led.program else "全部项目"
    months = (f"{led.month_from:%Y-%m}" if led.single_month else f"{led.month_from:%Y-%m}至{led.month_to:%Y-%m}")
    ascii_months = (f"{led.month_from:%Y%m}" if led.single_month else f"{led.month_from:%Y%m}-{led.month_to:%Y%m}")
    code = led.program.code if led.program else "all"
    return (f"{led.region.short_name}-{program}-发放台账-{months}.xlsx",
            f"ledger-{led.region.code}-{code}-{ascii_months}.xlsx")


def ledger_xlsx(led: Ledger) -> bytes:
    """The ledger as a small workbook (xlsxwriter): a title row (program, months,
    region), the header, one row per child region and the total; amounts as number
    cells formatted ``0.00``."""
    import io

    import xlsxwriter

    out = io.BytesIO()
    wb = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_numbers": False, "strings_to_formulas": False,
                                   "strings_to_urls": False})
    ws = wb.add_worksheet("发放台账")
    bold = wb.add_format({"bold": True})
    head = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    text = wb.add_format({"num_format": "@"})
    yuan = wb.add_format({"num_format": "0.00"})
    yuan_bold = wb.add_format({"num_format": "0.00", "bold": True})
    months = (f"{led.month_from:%Y-%m}" if led.single_month else f"{led.month_from:%Y-%m} 至 {led.month_to:%Y-%m}")
    ws.write_string(0, 0, f"{led.region.name} {led.program.name if led.program else '全部项目'} 发放台账（待遇所属月份 "
                          f"{months}）　{LEGEND}", bold)
    for c, h in enumerate(LEDGER_HEADERS):
        ws.write_string(1, c, h, head)
    ws.set_column(0, 0, 15)
    ws.set_column(1, 1, 24)
    ws.set_column(2, 8, 14)
    rows = [*led.rows, led.total] if led.rows else [led.total]
    for r, row in enumerate(rows, 2):
        is_total = row is led.total and led.rows
        ws.write_string(r, 0, row.code, text)
        ws.write_string(r, 1, ("合计：" if is_total else "") + row.name, bold if is_total else None)
        for c, v in enumerate((row.households, row.persons, row.person_months, row.lines), 2):
            ws.write_number(r, c, v)
        ws.write_number(r, 6, float(row.amount), yuan_bold if is_total else yuan)
        ws.write_number(r, 7, row.pending_lines)
        ws.write_number(r, 8, float(row.pending_amount), yuan)
    ws.freeze_panes(2, 0)
    wb.close()
    return out.getvalue()
