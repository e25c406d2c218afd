"""Ledgers rolled up the region tree, and the 两项补贴 half-year figure.

Set-up (amounts by hand): 困难残疾人生活补贴 100.00 yuan/month and 重度残疾人护理补贴
80.00 yuan/month (city parameters from January 2025). Persons:

- P1 (交通巷社区, 甘州区): both allowances;
- P2 (甘泉社区, 甘州区): living allowance only;
- P3 (六坝村, 民乐县): care allowance only.

January and February 2025 are paid (batches exported, results recorded paid):
甘州区 P1 2 × (100.00 + 80.00) = 360.00, P2 2 × 100.00 = 200.00 → 560.00;
民乐县 P3 2 × 80.00 = 160.00; the city 720.00, 3 persons (P1 counted once), 1 with both.
March is exported but no result yet: pending 100.00 + 80.00 + 100.00 + 80.00 = 360.00.
"""

import io
from decimal import Decimal

import pytest

from jiayuan.assistance.models import Program
from jiayuan.assistance.selectors import ledgers
from jiayuan.assistance.services import batches as svc
from jiayuan.assistance.tests.factories import (
    CARE, LIVING, disability_inputs, make_enrollment, month, set_care, set_living)
from jiayuan.audit.services import Actor
from jiayuan.conftest import OUTSIDE_VILLAGE, OWNER_COMMUNITY, PEER_COMMUNITY
from jiayuan.regions.models import Region

JAN, FEB, MAR = month(2025, 1), month(2025, 2), month(2025, 3)


def run_batch(users, program, county, m, *, pay=True):
    county_user = users["county"] if county == "620702" else users["city"]
    approver = users["city"] if county_user is users["county"] else users["admin"]
    b = svc.generate_batch(Actor(county_user, "api"), Program.objects.get(code=program),
                           Region.objects.get(code=county), m)
    b = svc.review_batch(Actor(county_user, "api"), b, version=b.version)
    b = svc.approve_batch(Actor(approver, "api"), b, version=b.version)
    svc.export_batch(Actor(county_user, "api"), b, version=b.version)
    b.refresh_from_db()
    if pay:
        svc.record_results(Actor(county_user, "api"), b, [], version=b.version, rest_paid=True)
    return b


@pytest.fixture
def paid(users, make_person):
    set_living(users["city"], "6207", JAN, "100.00")
    set_care(users["city"], "6207", JAN, "80.00")
    p1 = make_person(region=OWNER_COMMUNITY, name="刘一")
    p2 = make_person(region=PEER_COMMUNITY, name="陈二")
    p3 = make_person(region=OUTSIDE_VILLAGE, name="杨三")
    make_enrollment(LIVING, p1, inputs=disability_inputs())
    make_enrollment(CARE, p1, inputs=disability_inputs())
    make_enrollment(LIVING, p2, inputs=disability_inputs())
    make_enrollment(CARE, p3, inputs=disability_inputs())
    for m in (JAN, FEB):
        for program in (LIVING, CARE):
            for county in ("620702", "620722"):
                run_batch(users, program, county, m)
    for program in (LIVING, CARE):
        for county in ("620702", "620722"):
            run_batch(users, program, county, MAR, pay=False)
    return p1, p2, p3


def test_two_subsidies_half_year_figure_counts_each_person_once(users, paid):
    fig = ledgers.two_subsidies_figure(users["city"], year=2025, half=1)
    assert fig.region.code == "6207"
    assert (fig.persons, fig.amount) == (3, Decimal("720.00"))
    assert (fig.living_persons, fig.living_amount) == (2, Decimal("400.00"))  # P1, P2: 4 × 100.00
    assert (fig.care_persons, fig.care_amount) == (2, Decimal("320.00"))  # P1, P3: 4 × 80.00
    assert fig.both == 1
    assert fig.pending_amount == Decimal("360.00")
    county = ledgers.two_subsidies_figure(users["county"], year=2025, half=1)
    assert (county.region.code, county.persons, county.amount) == ("620702", 2, Decimal("560.00"))
    assert ledgers.two_subsidies_figure(users["city"], year=2025, half=2).persons == 0


def test_ledger_rolls_up_the_region_tree(users, paid):
    city = ledgers.ledger(users["city"], program=LIVING, month_from=JAN, month_to=FEB)
    rows = {r.code: r for r in city.rows}
    assert len(rows) == 6  # the six county-level areas, with or without payments
    assert (rows["620702"].persons, rows["620702"].lines, rows["620702"].amount) == (2, 4, Decimal("400.00"))
    assert rows["620722"].amount == Decimal("0.00")  # P3 gets the care allowance only
    assert (city.total.persons, city.total.person_months, city.total.amount) == (2, 4, Decimal("400.00"))
    county = ledgers.ledger(users["county"], program=LIVING, month_from=JAN, month_to=MAR)
    street = {r.code: r for r in county.rows}["620702001"]
    assert street.amount == Decimal("400.00") and street.drill
    assert (street.pending_lines, street.pending_amount) == (2, Decimal("200.00"))  # March, P1 and P2
    township = ledgers.ledger(users["county"], program=LIVING, month_from=JAN, month_to=FEB, region="620702001")
    communities = {r.code: r for r in township.rows}
    assert communities[OWNER_COMMUNITY].amount == Decimal("200.00") and not communities[OWNER_COMMUNITY].drill
    assert communities[PEER_COMMUNITY].amount == Decimal("200.00")
    # all programs at once: 甘州区 living 400.00 + care 160.00 (P1) = 560.00
    both = ledgers.ledger(users["county"], month_from=JAN, month_to=FEB)
    assert both.total.amount == Decimal("560.00") and both.total.persons == 2


def test_ledger_scope(users, paid):
    from jiayuan.errors import NotFound

    mine = ledgers.ledger(users["community"], program=LIVING, month_from=JAN, month_to=FEB)
    assert mine.region.code == OWNER_COMMUNITY and mine.rows == []
    assert mine.total.amount == Decimal("200.00")  # P1 only
    with pytest.raises(NotFound):
        ledgers.ledger(users["community"], program=LIVING, month_from=JAN, region="620702")
    with pytest.raises(NotFound):
        ledgers.two_subsidies_figure(users["outsider"], year=2025, half=1, region=OWNER_COMMUNITY)
    assert ledgers.ledger(users["auditor"], month_from=JAN).total.lines == 0  # no view_assistance


def test_ledger_xlsx_read_back(users, paid):
    import openpyxl

    led = ledgers.ledger(users["county"], program=CARE, month_from=JAN, month_to=FEB)
    ws = openpyxl.load_workbook(io.BytesIO(ledgers.ledger_xlsx(led))).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[1] == ("区划代码", "区划名称", "户数", "人数", "保障人次", "发放笔数", "发放金额（元）", "待发放笔数",
                       "待发放金额（元）")
    total = rows[-1]
    assert total[0] == "620702" and total[1].startswith("合计")
    assert total[3] == 1 and total[5] == 2 and total[6] == 160.0  # P1: 2 × 80.00


def test_pending_is_only_approved_or_exported_batches_in_review_apart(users, paid):
    """April: 甘州区's living-allowance batch only generated (draft: P1, P2, 2 × 100.00),
    民乐县's care batch reviewed (P3 80.00), 甘州区's care batch approved (P1 80.00).
    Pending (待发放) = the approved one only: 1 line, 80.00; in review: 3 lines, 280.00;
    paid nothing. The half-year figure's pending likewise: March's exported 360.00 +
    April's approved 80.00 = 440.00 (not the 280.00 in review)."""
    apr = month(2025, 4)
    county, city = Actor(users["county"], "api"), Actor(users["city"], "api")
    svc.generate_batch(county, Program.objects.get(code=LIVING), Region.objects.get(code="620702"), apr)
    b = svc.generate_batch(city, Program.objects.get(code=CARE), Region.objects.get(code="620722"), apr)
    svc.review_batch(city, b, version=b.version)
    b = svc.generate_batch(county, Program.objects.get(code=CARE), Region.objects.get(code="620702"), apr)
    b = svc.review_batch(county, b, version=b.version)
    svc.approve_batch(city, b, version=b.version)
    led = ledgers.ledger(users["city"], month_from=apr)
    assert (led.total.lines, led.total.amount) == (0, Decimal("0.00"))
    assert (led.total.pending_lines, led.total.pending_amount) == (1, Decimal("80.00"))
    assert (led.in_review_lines, led.in_review_amount) == (3, Decimal("280.00"))
    rows = {r.code: r for r in led.rows}
    assert rows["620722"].pending_lines == 0 and rows["620702"].pending_amount == Decimal("80.00")
    fig = ledgers.two_subsidies_figure(users["city"], year=2025, half=1)
    assert (fig.persons, fig.amount, fig.pending_amount) == (3, Decimal("720.00"), Decimal("440.00"))


def test_ledger_page_says_what_it_counts(page_client, users, paid):
    html = page_client("county").get("/assistance/ledgers/?month_from=2025-01&month_to=2025-03").content.decode()
    assert "待审核、已审核（未审批）批次中的明细不计入本表" in html
    assert "保障人次：各笔明细保障人数之和" in html and "户数：不重复的家庭数" in html
    assert "只计银行已确认发放的明细" in html
