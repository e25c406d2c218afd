"""Monthly payment batches: generation, the no-double-payment constraints, carry-over,
reopen and regenerate, the four-eyes rule, export and results.

Amounts are worked out by hand from the 低保 rule (社会救助暂行办法第九条: benefit =
(standard − per-capita income) × members, rounded once to the fen, half up):

- household A, 3 members, per-capita income 512.33, standard 735.00:
  (735.00 − 512.33) × 3 = 222.67 × 3 = 668.01
- household B, 1 member, no income: (735.00 − 0) × 1 = 735.00
- together 1,403.01 yuan, 4 persons covered, 2 households.
"""

import datetime
import io
import threading
from decimal import Decimal

import pytest
from django.db import connection

from jiayuan.assistance.models import Enrollment, PaymentBatch, PaymentLine
from jiayuan.assistance.selectors.parameters import parameter_in_force, parameter_resolver
from jiayuan.assistance.services import batches as svc
from jiayuan.assistance.tests.factories import (
    SUBSISTENCE, make_enrollment, month, restore_programs, set_standard, subsistence_inputs)
from jiayuan.audit.models import AuditEntry
from jiayuan.audit.services import Actor
from jiayuan.conftest import OUTSIDE_VILLAGE, OWNER_COMMUNITY, PEER_COMMUNITY, make_id_number
from jiayuan.errors import Conflict, Forbidden, ValidationFailed
from jiayuan.people.services import create_household
from jiayuan.regions.models import Region

GANZHOU, MINLE = "620702", "620722"
MARCH, APRIL, MAY = month(2025, 3), month(2025, 4), month(2025, 5)


def act(user):
    return Actor(user, "api")


@pytest.fixture
def program():
    from jiayuan.assistance.models import Program

    return Program.objects.get(code=SUBSISTENCE)


@pytest.fixture
def ganzhou():
    return Region.objects.get(code=GANZHOU)


@pytest.fixture
def minle():
    return Region.objects.get(code=MINLE)


@pytest.fixture
def household_of(users, make_person):
    """Factory: a household headed by a new person in ``region``."""
    counter = iter(range(1, 1000))

    def factory(region=OWNER_COMMUNITY, name="张建国"):
        head = make_person(region=region, name=name)
        hh = create_household(Actor(users["admin"], "command"), {"number": f"HH{next(counter):03d}", "region": region},
                              head)
        head.refresh_from_db()
        return head, hh

    return factory


@pytest.fixture
def two_households(users, household_of):
    """Households A (668.01) and B (735.00) of the module docstring in 交通巷社区 and
    甘泉社区 (甘州区), standard 735.00 from January 2025."""
    set_standard(users["city"], "6207", month(2025, 1), "735.00")
    a_head, a = household_of(OWNER_COMMUNITY, "李秀英")
    b_head, b = household_of(PEER_COMMUNITY, "王德福")
    ea = make_enrollment(SUBSISTENCE, a_head, household=a, inputs=subsistence_inputs(3, "512.33"))
    eb = make_enrollment(SUBSISTENCE, b_head, household=b, inputs=subsistence_inputs(1, "0"))
    return ea, eb


def live(batch):
    return PaymentLine.objects.filter(batch=batch, generation=batch.generation, status__in=svc.LIVE)


def test_generate_computes_every_active_enrollment_by_hand(users, program, ganzhou, two_households, household_of,
                                                          make_person):
    ea, eb = two_households
    # Not paid: suspended, flagged (deceased), starting next month, ended in February,
    # living in another county; paid: terminated with March as its last month.
    c_head, c = household_of(OWNER_COMMUNITY, "赵一")
    make_enrollment(SUBSISTENCE, c_head, household=c, inputs=subsistence_inputs(1, "0"), status="suspended")
    d_head, d = household_of(OWNER_COMMUNITY, "钱二")
    make_enrollment(SUBSISTENCE, d_head, household=d, inputs=subsistence_inputs(1, "0"), flag="deceased")
    e_head, e = household_of(OWNER_COMMUNITY, "孙三")
    make_enrollment(SUBSISTENCE, e_head, household=e, inputs=subsistence_inputs(1, "0"), start=APRIL)
    f_head, f = household_of(OWNER_COMMUNITY, "周四")
    make_enrollment(SUBSISTENCE, f_head, household=f, inputs=subsistence_inputs(1, "0"), status="terminated",
                    end=month(2025, 2))
    g_head, g = household_of(OUTSIDE_VILLAGE, "吴五")
    make_enrollment(SUBSISTENCE, g_head, household=g, inputs=subsistence_inputs(1, "0"))
    h_head, h = household_of(OWNER_COMMUNITY, "郑六")
    # standard 735.00, income 700.00, 2 members: 35.00 × 2 = 70.00, paid for its last month
    eh = make_enrollment(SUBSISTENCE, h_head, household=h, inputs=subsistence_inputs(2, "700.00"),
                         status="terminated", end=MARCH)

    batch = svc.generate_batch(act(users["county"]), program, ganzhou, MARCH)

    amounts = dict(live(batch).values_list("enrollment_id", "amount"))
    assert amounts == {ea.pk: Decimal("668.01"), eb.pk: Decimal("735.00"), eh.pk: Decimal("70.00")}
    assert batch.total_amount == Decimal("1473.01")  # 668.01 + 735.00 + 70.00
    assert (batch.line_count, batch.person_count, batch.household_count) == (3, 6, 3)  # members 3 + 1 + 2
    line = live(batch).get(enrollment=ea)
    assert line.rule == "subsistence_allowance.gap/v1"
    assert line.parameter.effective_from == month(2025, 1)
    assert line.computation["standard"] == "735.00" and line.computation["per_capita_income"] == "512.33"
    assert (line.members, line.benefit_month, line.household_id) == (3, MARCH, ea.household_id)
    assert batch.problem_counts == {"enrollment.suspended": 1, "enrollment.flagged": 1}
    flagged = next(p for p in batch.problems if p["code"] == "enrollment.flagged")
    assert flagged["person_name"] == "钱二"
    # one audit entry for the whole generation, with its totals
    entries = AuditEntry.objects.filter(action="payment_batch.generate")
    assert entries.count() == 1 and entries.get().extra["total"] == "1473.01"
    assert batch.events.get().kind == "generated"


def test_generating_twice_yields_one_batch_and_a_conflict_naming_it(users, program, ganzhou, two_households):
    first = svc.generate_batch(act(users["county"]), program, ganzhou, MARCH)
    with pytest.raises(svc.BatchExists) as exc:
        svc.generate_batch(act(users["city"]), program, ganzhou, MARCH)
    assert exc.value.status == 409 and exc.value.code == "batch.exists"
    assert exc.value.batch_id == first.pk
    assert PaymentBatch.objects.count() == 1
    assert PaymentLine.objects.count() == 2


def test_what_cannot_be_computed_is_a_problem_not_a_guess(users, program, minle, household_of):
    # No standard for 民乐县 (only 甘州区 has one); a second household lacks its income.
    set_standard(users["city"], GANZHOU, month(2025, 1), "735.00")
    a_head, a = household_of(OUTSIDE_VILLAGE, "甲")
    make_enrollment(SUBSISTENCE, a_head, household=a, inputs=subsistence_inputs(1, "0"))
    batch = svc.generate_batch(act(users["city"]), program, minle, MARCH)
    assert batch.line_count == 0 and batch.total_amount == Decimal("0")
    assert batch.problem_counts == {"parameter.missing": 1}

    set_standard(users["city"], MINLE, month(2025, 1), "700.00")
    b_head, b = household_of(OUTSIDE_VILLAGE, "乙")
    make_enrollment(SUBSISTENCE, b_head, household=b, inputs={"area": "urban", "members": 2})
    c_head, c = household_of(OUTSIDE_VILLAGE, "丙")
    # income 700.00 is not below the standard 700.00: the rule gives 0, no line
    make_enrollment(SUBSISTENCE, c_head, household=c, inputs=subsistence_inputs(1, "700.00"))
    batch = svc.generate_batch(act(users["city"]), program, minle, APRIL)
    assert batch.problem_counts == {"input.invalid": 1, "amount.zero": 1}
    assert list(live(batch).values_list("amount", flat=True)) == [Decimal("700.00")]  # 甲: 700.00 × 1


def test_the_parameters_of_the_month_are_used(users, program, ganzhou, two_households):
    # City standard 735.00 from January; raised to 770.00 from April.
    raised = set_standard(users["city"], "6207", APRIL, "770.00")
    march = svc.generate_batch(act(users["county"]), program, ganzhou, MARCH)
    april = svc.generate_batch(act(users["county"]), program, ganzhou, APRIL)
    assert march.total_amount == Decimal("1403.01")
    # April: (770.00 − 512.33) × 3 = 257.67 × 3 = 773.01; (770.00 − 0) × 1 = 770.00
    assert april.total_amount == Decimal("1543.01")
    assert set(live(april).values_list("parameter_id", flat=True)) == {raised.pk}


def test_parameter_resolution_most_specific_region_then_latest_month(users):
    city_jan = set_standard(users["city"], "6207", month(2025, 1), "735.00")
    county_feb = set_standard(users["city"], GANZHOU, month(2025, 2), "760.00")
    city_apr = set_standard(users["city"], "6207", APRIL, "770.00")
    assert parameter_in_force(SUBSISTENCE, OWNER_COMMUNITY, month(2024, 12)) is None
    assert parameter_in_force(SUBSISTENCE, OWNER_COMMUNITY, month(2025, 1)) == city_jan
    assert parameter_in_force(SUBSISTENCE, OWNER_COMMUNITY, MARCH) == county_feb
    # the county's own row stays in force although the city raised its standard later
    assert parameter_in_force(SUBSISTENCE, OWNER_COMMUNITY + "001", MAY) == county_feb
    assert parameter_in_force(SUBSISTENCE, OUTSIDE_VILLAGE, MAY) == city_apr
    assert parameter_in_force(SUBSISTENCE, OUTSIDE_VILLAGE, MARCH) == city_jan
    resolve = parameter_resolver(SUBSISTENCE, MAY)
    assert resolve(OWNER_COMMUNITY) == county_feb and resolve(OUTSIDE_VILLAGE) == city_apr
    assert parameter_resolver(SUBSISTENCE, month(2024, 12))(OWNER_COMMUNITY) is None


def test_a_household_moved_between_counties_mid_month_is_paid_once(users, program, ganzhou, minle, household_of):
    set_standard(users["city"], "6207", month(2025, 1), "735.00")
    head, hh = household_of(OUTSIDE_VILLAGE, "马七")
    # Enrolled in 民乐县 until March (moved out in mid-March), then in 甘州区 from March.
    make_enrollment(SUBSISTENCE, head, household=hh, region=OUTSIDE_VILLAGE, inputs=subsistence_inputs(1, "0"),
                    status="terminated", end=MARCH)
    moved = make_enrollment(SUBSISTENCE, head, household=hh, region=OWNER_COMMUNITY,
                            inputs=subsistence_inputs(1, "0"), start=MARCH)
    minle_batch = svc.generate_batch(act(users["city"]), program, minle, MARCH)
    ganzhou_batch = svc.generate_batch(act(users["city"]), program, ganzhou, MARCH)
    assert minle_batch.total_amount == Decimal("735.00")
    assert ganzhou_batch.line_count == 0 and ganzhou_batch.total_amount == Decimal("0")
    assert PaymentLine.objects.filter(person=head, benefit_month=MARCH, status__in=svc.LIVE).count() == 1
    problem = ganzhou_batch.problems[0]
    assert problem["code"] == "line.already_paid" and problem["enrollment"] == moved.pk
    assert problem["paid_in"] == minle_batch.pk and "民乐县" in problem["message"]
    # April: only 甘州区 pays (the 民乐县 enrollment ended in March)
    april = svc.generate_batch(act(users["city"]), program, ganzhou, APRIL)
    assert april.total_amount == Decimal("735.00")


def test_the_database_refuses_a_second_live_line_whatever_the_code_does(users, program, ganzhou, two_households):
    from django.db import IntegrityError, transaction

    batch = svc.generate_batch(act(users["county"]), program, ganzhou, MARCH)
    line = live(batch).first()
    with pytest.raises(IntegrityError), transaction.atomic():
        PaymentLine.objects.create(batch=batch, enrollment=line.enrollment, program=line.program, person=line.person,
                                   region=line.region, benefit_month=MARCH, amount=Decimal("1.00"), rule="x")


def _to_exported(users, batch):
    batch = svc.review_batch(act(users["county"]), batch, version=batch.version)
    batch = svc.approve_batch(act(users["city"]), batch, version=batch.version)
    svc.export_batch(act(users["county"]), batch, version=batch.version)
    batch.refresh_from_db()
    return batch


def test_reopen_and_regenerate_voids_old_lines_and_equals_a_fresh_run(users, program, ganzhou, two_households):
    ea, eb = two_households
    batch = svc.generate_batch(act(users["county"]), program, ganzhou, MARCH)
    batch = svc.review_batch(act(users["county"]), batch, version=batch.version)
    batch = svc.approve_batch(act(users["city"]), batch, version=batch.version)
    with pytest.raises(ValidationFailed):  # an approved batch is reopened first
        svc.regenerate_batch(act(users["county"]), batch, version=batch.version)
    batch = svc.reopen_batch(act(users["county"]), batch, version=batch.version, reason="收入核对有误")
    assert batch.status == "draft" and batch.approved_by is None
    batch = svc.regenerate_batch(act(users["county"]), batch, version=batch.version)
    assert batch.generation == 2
    assert batch.total_amount == Decimal("1403.01") and batch.line_count == 2  # not 4: never added
    assert PaymentLine.objects.filter(batch=batch, generation=1, status="voided").count() == 2
    assert PaymentLine.objects.filter(batch=batch).count() == 4  # history kept
    # a change made before regenerating is taken: B's income is now 35.00
    Enrollment.objects.filter(pk=eb.pk).update(inputs=subsistence_inputs(1, "35.00"))
    batch = svc.regenerate_batch(act(users["county"]), batch, version=batch.version)
    assert batch.total_amount == Decimal("1368.01")  # 668.01 + (735.00 − 35.00) × 1
    assert live(batch).count() == 2
    assert [e.kind for e in batch.events.all()] == ["generated", "reviewed", "approved", "reopened", "regenerated",
                                                    "regenerated"]


def test_regenerated_total_equals_a_fresh_batch_with_the_same_data(users, program, ganzhou, minle, household_of):
    set_standard(users["city"], "6207", month(2025, 1), "735.00")
    for i, (n, income) in enumerate(((3, "512.33"), (1, "0"), (4, "100.10"))):
        head, hh = household_of(OWNER_COMMUNITY, "甲乙丙"[i] + "某")
        make_enrollment(SUBSISTENCE, head, household=hh, inputs=subsistence_inputs(n, income))
    batch = svc.generate_batch(act(users["county"]), program, ganzhou, MARCH)
    regenerated = svc.regenerate_batch(act(users["county"]), batch, version=batch.version)
    # fresh run for the next month with the same data and standard
    fresh = svc.generate_batch(act(users["county"]), program, ganzhou, APRIL)
    # 668.01 + 735.00 + (735.00 − 100.10) × 4 = 668.01 + 735.00 + 2539.60 = 3942.61
    assert regenerated.total_amount == fresh.total_amount == Decimal("3942.61")


def test_reopen_is_refused_after_export(users, program, ganzhou, two_households):
    batch = _to_exported(users, svc.generate_batch(act(users["county"]), program, ganzhou, MARCH))
    with pytest.raises(ValidationFailed) as exc:
        svc.reopen_batch(act(users["county"]), batch, version=batch.version, reason="重算")
    assert exc.value.code == "batch.already_exported"


def test_four_eyes_and_roles(users, program, ganzhou, two_households):
    with pytest.raises(Forbidden):  # community worker: no run_payments
        svc.generate_batch(act(users["community"]), program, ganzhou, MARCH)
    with pytest.raises(Forbidden):  # township officer neither
        svc.generate_batch(act(users["township"]), program, ganzhou, MARCH)
    with pytest.raises(ValidationFailed) as exc:  # outside the county officer's scope
        svc.generate_batch(act(users["county"]), program, Region.objects.get(code=MINLE), MARCH)
    assert exc.value.code == "region.out_of_scope"
    with pytest.raises(ValidationFailed) as exc:
        svc.generate_batch(act(users["county"]), program, ganzhou, datetime.date(2025, 3, 15))
    assert exc.value.code == "month.invalid"
    batch = svc.generate_batch(act(users["county"]), program, ganzhou, MARCH)
    with pytest.raises(ValidationFailed):  # approve needs a reviewed batch
        svc.approve_batch(act(users["city"]), batch, version=batch.version)
    batch = svc.review_batch(act(users["county"]), batch, version=batch.version)
    with pytest.raises(Forbidden) as exc:
        svc.approve_batch(act(users["county"]), batch, version=batch.version)
    assert exc.value.code == "batch.four_eyes"
    with pytest.raises(Conflict) as exc:  # stale version
        svc.approve_batch(act(users["city"]), batch, version=batch.version - 1)
    assert exc.value.code == "batch.version_conflict"
    batch = svc.approve_batch(act(users["city"]), batch, version=batch.version)
    assert batch.status == "approved" and batch.approved_by == users["city"]


def test_export_file_masked_and_whole_read_back(users, program, ganzhou, two_households):
    import openpyxl

    from jiayuan import security

    ea, _eb = two_households
    batch = svc.generate_batch(act(users["county"]), program, ganzhou, MARCH)
    batch = svc.review_batch(act(users["county"]), batch, version=batch.version)
    batch = svc.approve_batch(act(users["city"]), batch, version=batch.version)
    with pytest.raises(ValidationFailed):
        svc.export_batch(act(users["county"]), batch, fmt="pdf")
    f = svc.export_batch(act(users["county"]), batch, version=batch.version)
    wb = openpyxl.load_workbook(io.BytesIO(b"".join(f.chunks)))
    rows = list(wb.active.iter_rows(values_only=True))
    assert rows[0] == ("明细编号", "姓名", "公民身份号码", "发放账户", "金额（元）", "待遇所属月份", "所属区划", "项目", "备注")
    assert len(rows) == 3
    id_number = security.decrypt(ea.person.id_number_cipher)
    a_row = next(r for r in rows[1:] if r[1] == "李秀英")
    assert a_row[2] == id_number[:6] + "********" + id_number[-4:]
    assert a_row[3] == "6230****1234" and a_row[4] == 668.01 and a_row[5] == "2025-03"
    # 所属区划: the street (东街街道) and the community (交通巷社区居民委员会, short 交通巷社区)
    assert a_row[6] == "东街街道交通巷社区"
    batch.refresh_from_db()
    assert batch.status == "exported" and batch.exported_by == users["county"]
    # whole ID numbers need export_sensitive (county officer has it), CSV UTF-8 with BOM
    f = svc.export_batch(act(users["county"]), batch, fmt="csv", sensitive=True)
    data = b"".join(f.chunks)
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    assert text.splitlines()[0] == "明细编号,姓名,公民身份号码,发放账户,金额（元）,待遇所属月份,所属区划,项目,备注"
    assert id_number in text and "668.01" in text and "735.00" in text
    exports = AuditEntry.objects.filter(action="payment_batch.export").order_by("seq")
    assert [e.extra["sensitive"] for e in exports] == [False, True]
    assert exports[0].extra["rows"] == 2 and exports[0].extra["total"] == "1403.01"


def test_failed_lines_are_carried_to_the_next_batch(users, program, ganzhou, two_households):
    ea, eb = two_households
    march = _to_exported(users, svc.generate_batch(act(users["county"]), program, ganzhou, MARCH))
    a_line = live(march).get(enrollment=ea)
    with pytest.raises(ValidationFailed) as exc:  # a failure needs its reason
        svc.record_results(act(users["county"]), march, [{"line": a_line.pk, "status": "failed"}],
                           version=march.version)
    assert exc.value.fields["rows"][0]["code"] == "result.reason_required"
    out = svc.record_results(act(users["county"]), march, [{"line": a_line.pk, "status": "发放失败", "note": "账户已销户"}],
                             version=march.version, rest_paid=True)
    assert out == {"paid": 1, "failed": 1, "unchanged": 0, "pending": 0}
    march.refresh_from_db()
    march = svc.close_batch(act(users["county"]), march, version=march.version)
    assert march.status == "closed"
    assert march.total_amount == Decimal("735.00")  # only the paid line stays live
    with pytest.raises(ValidationFailed):  # results are final
        svc.record_results(act(users["county"]), march, [{"line": a_line.pk, "status": "paid"}],
                           version=march.version)

    april = svc.generate_batch(act(users["county"]), program, ganzhou, APRIL)
    carried = live(april).get(carried_from=a_line)
    assert (carried.benefit_month, carried.amount, carried.enrollment_id) == (MARCH, Decimal("668.01"), ea.pk)
    # April: 668.01 + 735.00 for April, plus 668.01 carried for March = 2071.02
    assert april.total_amount == Decimal("2071.02") and april.line_count == 3
    may = svc.generate_batch(act(users["county"]), program, ganzhou, MAY)
    assert not live(may).filter(carried_from__isnull=False).exists()  # carried once only
    # Regenerating April voids its carried line and carries the failed one again: same total.
    april = svc.regenerate_batch(act(users["county"]), april, version=april.version)
    assert april.total_amount == Decimal("2071.02")
    assert live(april).filter(carried_from=a_line).count() == 1


def test_results_all_or_nothing_and_close_needs_every_result(users, program, ganzhou, two_households):
    batch = _to_exported(users, svc.generate_batch(act(users["county"]), program, ganzhou, MARCH))
    lines = list(live(batch).order_by("id"))
    with pytest.raises(ValidationFailed) as exc:
        svc.record_results(act(users["county"]), batch, [{"line": lines[0].pk, "status": "paid"},
                                                          {"line": 999999, "status": "paid"}], version=batch.version)
    assert exc.value.fields["rows"][0]["code"] == "line.not_in_batch"
    assert not PaymentLine.objects.filter(status="paid").exists()
    svc.record_results(act(users["county"]), batch, [{"line": lines[0].pk, "status": "paid"}], version=batch.version)
    batch.refresh_from_db()
    with pytest.raises(ValidationFailed) as exc:
        svc.close_batch(act(users["county"]), batch, version=batch.version)
    assert exc.value.code == "batch.pending_lines"
    # the bank's result file: the exported columns plus 发放结果 and 失败原因 (CSV)
    content = ("明细编号,姓名,发放结果,失败原因\r\n"
               f"{lines[0].pk},x,已发放,\r\n{lines[1].pk},y,发放失败,户名不符\r\n").encode("utf-8-sig")
    rows = svc.parse_results_file(content, "结果.csv")
    out = svc.record_results(act(users["county"]), batch, rows, version=batch.version)
    assert out == {"paid": 0, "failed": 1, "unchanged": 1, "pending": 0}
    assert PaymentLine.objects.get(pk=lines[1].pk).result_note == "户名不符"
    with pytest.raises(ValidationFailed):
        svc.parse_results_file(b"a,b\r\n1,2\r\n", "x.csv")


def test_regenerate_keeps_what_did_not_change_and_recomputes_what_did(users, program, ganzhou, two_households):
    """Regenerating copies the lines whose enrollment and parameter row did not change
    (PostgreSQL) or computes them all again (SQLite): either way each new line is a new
    row with what a fresh computation gives, and a change is always taken. Amounts by
    the 低保 rule of the module docstring (standard 735.00)."""
    ea, eb = two_households
    batch = svc.generate_batch(act(users["county"]), program, ganzhou, MARCH)
    first = {line.enrollment_id: line for line in live(batch)}
    batch = svc.regenerate_batch(act(users["county"]), batch, version=batch.version)
    again = {line.enrollment_id: line for line in live(batch)}
    assert batch.total_amount == Decimal("1403.01") and batch.line_count == 2  # 668.01 + 735.00
    for enrollment_id, line in again.items():
        old = first[enrollment_id]
        assert line.pk != old.pk and line.generation == 2
        assert (line.amount, line.rule, line.parameter_id, line.computation, line.members) == (
            old.amount, old.rule, old.parameter_id, old.computation, old.members)
        assert PaymentLine.objects.get(pk=old.pk).status == "voided"
    assert again[ea.pk].amount == Decimal("668.01") and again[ea.pk].members == 3
    # A moved within the county (甘泉社区) and is now a household of 2: computed again,
    # (735.00 − 512.33) × 2 = 222.67 × 2 = 445.34, on the new region; B unchanged: 735.00
    Enrollment.objects.filter(pk=ea.pk).update(region_id=PEER_COMMUNITY, inputs=subsistence_inputs(2, "512.33"))
    batch = svc.regenerate_batch(act(users["county"]), batch, version=batch.version)
    assert batch.total_amount == Decimal("1180.34") and batch.line_count == 2  # 445.34 + 735.00
    a_line = live(batch).get(enrollment=ea)
    assert (a_line.amount, a_line.members, a_line.region_id) == (Decimal("445.34"), 2, PEER_COMMUNITY)
    # B suspended: not paid, reported; A unchanged (445.34)
    Enrollment.objects.filter(pk=eb.pk).update(status="suspended")
    batch = svc.regenerate_batch(act(users["county"]), batch, version=batch.version)
    assert batch.total_amount == Decimal("445.34") and batch.line_count == 1
    assert batch.problem_counts == {"enrollment.suspended": 1}
    assert PaymentLine.objects.filter(batch=batch).count() == 2 + 2 + 2 + 1  # every generation kept
    assert PaymentLine.objects.filter(batch=batch, status="voided").count() == 6


def test_two_enrollments_of_one_household_in_one_batch_get_one_line(users, program, ganzhou, household_of,
                                                                  make_person):
    """A household's old enrollment ends in March (its last month is owed) and a new
    one starts in March: the household is paid once for March — by the first
    enrollment (lower id), the second is reported — also after regenerating."""
    set_standard(users["city"], "6207", month(2025, 1), "735.00")
    head, hh = household_of(OWNER_COMMUNITY, "赵春花")
    other = make_person(region=OWNER_COMMUNITY, name="赵明")
    old = make_enrollment(SUBSISTENCE, head, household=hh, inputs=subsistence_inputs(1, "0"), status="terminated",
                          end=MARCH)  # (735.00 − 0) × 1 = 735.00
    new = make_enrollment(SUBSISTENCE, other, household=hh, inputs=subsistence_inputs(2, "100.00"),
                          start=MARCH)  # would be (735.00 − 100.00) × 2 = 1270.00
    b = svc.generate_batch(act(users["county"]), program, ganzhou, MARCH)
    for regenerate in (False, True):
        if regenerate:
            b = svc.regenerate_batch(act(users["county"]), b, version=b.version)
        assert b.line_count == 1 and b.total_amount == Decimal("735.00")
        assert live(b).get().enrollment_id == old.pk
        assert b.problem_counts == {"line.already_paid": 1}
        assert b.problems[0]["enrollment"] == new.pk and "本批次" in b.problems[0]["message"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent writers (PostgreSQL)")
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_generations_make_one_batch(django_db_setup):
    """Two officers generate the same batch at the same moment, in two threads with
    their own connections: one batch, one BatchExists naming it, no line twice."""
    from django.core.management import call_command

    from jiayuan.accounts.models import User
    from jiayuan.assistance.models import Program
    from jiayuan.people.services import create_person

    call_command("load_divisions", prefix="6207", verbosity=0)
    restore_programs()
    county = User.objects.create(username="c1", role="county_officer", scope_id=GANZHOU)
    city = User.objects.create(username="c2", role="city_admin", scope_id="6207")
    set_standard(city, "6207", month(2025, 1), "735.00")
    for i in range(30):
        p = create_person(Actor(city, "command"), {"name": "测试" + "甲乙丙丁戊己庚辛壬癸"[i % 10] + "子丑寅"[i // 10], "id_number": make_id_number(
            datetime.date(1970, 1, 1) + datetime.timedelta(days=i)), "region": OWNER_COMMUNITY})
        make_enrollment(SUBSISTENCE, p, inputs=subsistence_inputs(1, "35.00"))  # 700.00 each
    program = Program.objects.get(code=SUBSISTENCE)
    ganzhou = Region.objects.get(code=GANZHOU)
    barrier = threading.Barrier(2)
    results = []

    def run(user):
        from django.db import connections

        try:
            barrier.wait()
            b = svc.generate_batch(Actor(user, "api"), program, ganzhou, MARCH)
            results.append(("ok", b.pk))
        except svc.BatchExists as exc:
            results.append(("exists", exc.batch_id))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(u,)) for u in (county, city)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(r[0] for r in results) == ["exists", "ok"]
    assert results[0][1] == results[1][1]
    assert PaymentBatch.objects.count() == 1
    batch = PaymentBatch.objects.get()
    assert batch.line_count == 30 and batch.total_amount == Decimal("21000.00")  # 30 × 700.00
    assert PaymentLine.objects.count() == 30


# ------------------------------------------------------------------ review findings


def _set_life(users, person, status, on=datetime.date(2025, 3, 10)):
    from jiayuan.people.services import set_life_status

    return set_life_status(Actor(users["admin"], "command"), person, status, on)


def test_a_person_who_died_after_generation_blocks_review(users, program, ganzhou, two_households):
    """A dies after the March batch was computed (the registry flags the enrollment):
    the batch cannot be reviewed (409 batch.stale_lines naming A); regenerating drops
    A's line — B alone: 735.00 — and the review goes through."""
    ea, eb = two_households
    batch = svc.generate_batch(act(users["county"]), program, ganzhou, MARCH)
    assert batch.total_amount == Decimal("1403.01")  # 668.01 + 735.00
    _set_life(users, ea.person, "deceased")
    with pytest.raises(Conflict) as exc:
        svc.review_batch(act(users["county"]), batch, version=batch.version)
    assert exc.value.code == "batch.stale_lines" and exc.value.status == 409
    assert [(x["name"], x["code"]) for x in exc.value.fields["lines"]] == [("李秀英", "person.deceased")]
    assert "李秀英" in exc.value.message and "重新生成" in exc.value.message
    batch.refresh_from_db()
    assert batch.status == "draft"
    batch = svc.regenerate_batch(act(users["county"]), batch, version=batch.version)
    assert batch.total_amount == Decimal("735.00") and batch.line_count == 1
    assert batch.problem_counts == {"person.deceased": 1}
    batch = svc.review_batch(act(users["county"]), batch, version=batch.version)
    assert batch.status == "reviewed"


def test_a_change_after_review_blocks_approval_and_after_approval_blocks_export(users, program, ganzhou,
                                                                                 two_households):
    """Terminated with its last month before the batch's month, after the review:
    approval refused. Flagged (moving out) after the approval: the first export refused,
    no file, no export audit. Terminated with March as its last month is still owed:
    not stale."""
    from jiayuan.assistance.selectors.batches import stale_lines

    ea, eb = two_households
    batch = svc.generate_batch(act(users["county"]), program, ganzhou, MARCH)
    batch = svc.review_batch(act(users["county"]), batch, version=batch.version)
    Enrollment.objects.filter(pk=eb.pk).update(status="terminated", end_month=MARCH)  # March still owed
    assert stale_lines(batch) == (0, [])
    Enrollment.objects.filter(pk=eb.pk).update(end_month=month(2025, 2))  # last paid month February
    with pytest.raises(Conflict) as exc:
        svc.approve_batch(act(users["city"]), batch, version=batch.version)
    assert exc.value.code == "batch.stale_lines"
    assert [(x["name"], x["code"]) for x in exc.value.fields["lines"]] == [("王德福", "enrollment.ended")]
    batch = svc.reopen_batch(act(users["county"]), batch, version=batch.version, reason="王德福已终止")
    batch = svc.regenerate_batch(act(users["county"]), batch, version=batch.version)
    assert batch.total_amount == Decimal("668.01")  # A only
    batch = svc.review_batch(act(users["county"]), batch, version=batch.version)
    batch = svc.approve_batch(act(users["city"]), batch, version=batch.version)
    Enrollment.objects.filter(pk=ea.pk).update(flag="moved_out", flag_note="享受对象 李秀英 已迁出")
    with pytest.raises(Conflict) as exc:
        svc.export_batch(act(users["county"]), batch, version=batch.version)
    assert exc.value.code == "batch.stale_lines"
    assert exc.value.fields["lines"][0]["code"] == "enrollment.flagged"
    batch.refresh_from_db()
    assert batch.status == "approved"
    assert not AuditEntry.objects.filter(action="payment_batch.export").exists()
    # suspended: stale too
    Enrollment.objects.filter(pk=ea.pk).update(flag="", flag_note="", status="suspended")
    assert stale_lines(batch)[1][0]["reason"] == "enrollment.suspended"


def test_generation_checks_the_registry_even_when_the_flag_was_cleared(users, program, ganzhou, two_households,
                                                                       household_of):
    """The registry says deceased / moved out but the enrollment carries no flag (it
    was cleared — set directly here): no line, reported, at generation, at regeneration
    (the copy of unchanged lines too) and for a failed line to carry over."""
    from jiayuan.people.models import Person

    ea, eb = two_households
    march = _to_exported(users, svc.generate_batch(act(users["county"]), program, ganzhou, MARCH))
    a_line = live(march).get(enrollment=ea)
    svc.record_results(act(users["county"]), march, [{"line": a_line.pk, "status": "failed", "note": "账户冻结"}],
                       version=march.version, rest_paid=True)
    april = svc.generate_batch(act(users["county"]), program, ganzhou, APRIL)
    assert april.total_amount == Decimal("2071.02")  # 668.01 + 735.00 + 668.01 carried for March
    Person.objects.filter(pk=ea.person_id).update(life_status="deceased", life_status_date=datetime.date(2025, 4, 2))
    Enrollment.objects.filter(pk=ea.pk).update(flag="")
    april = svc.regenerate_batch(act(users["county"]), april, version=april.version)
    assert april.total_amount == Decimal("735.00") and april.line_count == 1  # B only; nothing carried for A
    assert april.problem_counts == {"person.deceased": 2}  # April's line and the carry-over of March
    Person.objects.filter(pk=eb.person_id).update(life_status="moved_out", life_status_date=datetime.date(2025, 4, 3))
    may = svc.generate_batch(act(users["county"]), program, ganzhou, MAY)
    assert may.line_count == 0 and may.total_amount == Decimal("0")
    assert may.problem_counts == {"person.deceased": 2, "person.moved_out": 1}
    assert {p["person_name"] for p in may.problems} == {"李秀英", "王德福"}


def test_batches_only_for_months_in_the_window(users, program, ganzhou, two_households, monkeypatch):
    """Today (Beijing) 2025-03-15: next month 2025-04 is the latest; the enrollments
    start 2025-01, the earliest; 9999-12, 0001-01, 2015-12 and 2024-12 are refused."""
    monkeypatch.setattr(svc, "_today", lambda: datetime.date(2025, 3, 15))
    assert svc.month_window(program) == (month(2025, 1), APRIL)
    for bad in (datetime.date(9999, 12, 1), datetime.date(1, 1, 1), month(2015, 12), month(2024, 12), MAY):
        with pytest.raises(ValidationFailed) as exc:
            svc.generate_batch(act(users["county"]), program, ganzhou, bad)
        assert exc.value.code == "month.out_of_range", bad
    assert PaymentBatch.objects.count() == 0
    assert svc.generate_batch(act(users["county"]), program, ganzhou, APRIL).total_amount == Decimal("1403.01")
    assert svc.generate_batch(act(users["county"]), program, ganzhou, month(2025, 1)).line_count == 2
    # no enrollment before 2016: the floor is 2016-01 (两项补贴 in force 2016-01-01)
    Enrollment.objects.all().update(start_month=month(2010, 1))
    assert svc.month_window(program)[0] == month(2016, 1)


def test_a_failed_line_goes_to_the_next_batch_in_month_order(users, program, ganzhou, two_households, monkeypatch):
    """A March line fails: a batch of an earlier month (February, generated late) does
    not take it; April's does, once; a later batch does not again."""
    monkeypatch.setattr(svc, "_today", lambda: datetime.date(2025, 4, 20))
    ea, eb = two_households
    march = _to_exported(users, svc.generate_batch(act(users["county"]), program, ganzhou, MARCH))
    a_line = live(march).get(enrollment=ea)
    svc.record_results(act(users["county"]), march, [{"line": a_line.pk, "status": "failed", "note": "账户冻结"}],
                       version=march.version, rest_paid=True)
    february = svc.generate_batch(act(users["county"]), program, ganzhou, month(2025, 2))
    assert february.total_amount == Decimal("1403.01")  # its own month only
    assert not live(february).filter(carried_from__isnull=False).exists()
    with pytest.raises(ValidationFailed):  # June is beyond next month (May)
        svc.generate_batch(act(users["county"]), program, ganzhou, month(2025, 6))
    april = svc.generate_batch(act(users["county"]), program, ganzhou, APRIL)
    assert live(april).get(carried_from=a_line).benefit_month == MARCH
    may = svc.generate_batch(act(users["county"]), program, ganzhou, MAY)
    assert not live(may).filter(carried_from__isnull=False).exists()


def test_missing_payee_account_is_listed_and_marked_and_a_full_account_is_exported(users, program, ganzhou,
                                                                                   two_households):
    """B has no account: B's line is written (735.00 is owed), listed account.missing,
    marked in the file. A's whole account entered through services.accounts: the
    sensitive file carries it whole, the masked file its tail; the audit only tails."""
    import csv

    from jiayuan.assistance.services.accounts import set_payee_account

    ea, eb = two_households
    Enrollment.objects.filter(pk=eb.pk).update(payee_account="")
    with pytest.raises(ValidationFailed) as exc:
        set_payee_account(act(users["county"]), ea, "6230-12")
    assert exc.value.code == "account.invalid"
    with pytest.raises(Forbidden):  # community worker: no decide_applications
        set_payee_account(act(users["community"]), ea, "6230 1234 5678 9012 345")
    e = set_payee_account(act(users["county"]), ea, "6230 1234 5678 9012 345", version=1)
    assert e.payee_account == "****2345" and e.version == 2 and bytes(e.payee_account_cipher)
    entry = AuditEntry.objects.get(action="assistance.enrollment.account")
    assert "6230123456789012345" not in str(entry.changes) + str(entry.extra)
    batch = svc.generate_batch(act(users["county"]), program, ganzhou, MARCH)
    assert batch.line_count == 2 and batch.total_amount == Decimal("1403.01")
    assert batch.problem_counts == {"account.missing": 1}
    assert batch.problems[0]["person_name"] == "王德福"
    batch = svc.review_batch(act(users["county"]), batch, version=batch.version)
    batch = svc.approve_batch(act(users["city"]), batch, version=batch.version)

    def read(sensitive, accounts=False):
        f = svc.export_batch(act(users["county"]), batch, fmt="csv", sensitive=sensitive, accounts=accounts)
        rows = list(csv.reader(io.StringIO(b"".join(f.chunks).decode("utf-8-sig"))))
        return {r[1]: r for r in rows[1:]}, f.file_name

    (masked, _), (whole_ids, ids_name), (whole, accounts_name) = read(False), read(True), read(False, True)
    assert masked["李秀英"][3] == "****2345" and masked["李秀英"][8] == ""
    # whole ID numbers do not unmask the account: that is its own option and permission
    from jiayuan import security

    assert whole_ids["李秀英"][3] == "****2345"
    assert whole_ids["李秀英"][2] == security.decrypt(ea.person.id_number_cipher)
    assert whole["李秀英"][3] == "6230123456789012345" and "*" in whole["李秀英"][2]
    assert "账号完整" in accounts_name and "身份证完整" in ids_name
    assert masked["王德福"][3] == "" and "缺少发放账户" in masked["王德福"][8]
    assert whole["王德福"][6] == "东街街道甘泉社区"
    exports = AuditEntry.objects.filter(action="payment_batch.export").order_by("seq")
    assert [(e.extra["sensitive"], e.extra["accounts"]) for e in exports] == [
        (False, False), (True, False), (False, True)]


def test_whole_payee_accounts_need_their_own_permission(users, program, ganzhou, two_households, monkeypatch):
    """A role that may export whole ID numbers but lacks export_payee_accounts gets 403
    for the accounts option, and nothing is audited as exported."""
    from jiayuan.accounts import permissions

    batch = svc.generate_batch(act(users["county"]), program, ganzhou, MARCH)
    batch = svc.review_batch(act(users["county"]), batch, version=batch.version)
    batch = svc.approve_batch(act(users["city"]), batch, version=batch.version)
    monkeypatch.setitem(permissions.ROLE_PERMISSIONS, "county_officer",
                        permissions.ROLE_PERMISSIONS["county_officer"] - {permissions.Perm.EXPORT_PAYEE_ACCOUNTS})
    with pytest.raises(Forbidden):
        svc.export_batch(act(users["county"]), batch, fmt="csv", accounts=True)
    assert not AuditEntry.objects.filter(action="payment_batch.export").exists()
    svc.export_batch(act(users["county"]), batch, fmt="csv", sensitive=True)  # whole IDs still allowed


def test_regenerating_without_a_person_names_the_batch_that_had_skipped_them(users, program, ganzhou, minle,
                                                                             household_of):
    """马七 moved from 民乐县 to 甘州区 in March: paid in 民乐县's batch, skipped in
    甘州区's (line.already_paid). 民乐县's last month is then corrected to February and
    its batch regenerated without him: the report names 甘州区's batch (line.unblocked);
    regenerating that one pays him (735.00)."""
    set_standard(users["city"], "6207", month(2025, 1), "735.00")
    head, hh = household_of(OUTSIDE_VILLAGE, "马七")
    old = make_enrollment(SUBSISTENCE, head, household=hh, region=OUTSIDE_VILLAGE, inputs=subsistence_inputs(1, "0"),
                          status="terminated", end=MARCH)
    make_enrollment(SUBSISTENCE, head, household=hh, region=OWNER_COMMUNITY, inputs=subsistence_inputs(1, "0"),
                    start=MARCH)
    minle_batch = svc.generate_batch(act(users["city"]), program, minle, MARCH)
    ganzhou_batch = svc.generate_batch(act(users["city"]), program, ganzhou, MARCH)
    assert ganzhou_batch.problem_counts == {"line.already_paid": 1}
    Enrollment.objects.filter(pk=old.pk).update(end_month=month(2025, 2))
    minle_batch = svc.regenerate_batch(act(users["county"]), minle_batch, version=minle_batch.version)
    assert minle_batch.line_count == 0
    assert minle_batch.unblocked == [{"batch": ganzhou_batch.pk, "county": "甘州区", "person": head.pk,
                                      "benefit_month": "2025-03"}]
    assert minle_batch.problem_counts == {"line.unblocked": 1}
    unblocked = next(p for p in minle_batch.problems if p["code"] == "line.unblocked")
    assert unblocked["other_batch"] == ganzhou_batch.pk and str(ganzhou_batch.pk) in unblocked["message"]
    event = minle_batch.events.filter(kind="regenerated").get()
    assert event.data["unblocked"][0]["batch"] == ganzhou_batch.pk
    ganzhou_batch = svc.regenerate_batch(act(users["county"]), ganzhou_batch, version=ganzhou_batch.version)
    assert ganzhou_batch.total_amount == Decimal("735.00") and ganzhou_batch.problem_counts == {}
