"""A small constructed dataset for the dashboards' tests (API and browser), with the
figures worked out by hand from it (see EXPECTED). Region codes are those of the test
divisions (conftest: 6207 张掖市 → 620702 甘州区 → 620702001 → the two communities
620702001001 and 620702001005; 620722102200 is a village in another county).

Persons (period 2025: stocks as at 2025-12-31):
  A 620702001001 born 1950-02-01  elderly; tag 残疾人 from 2020-01-01
  B 620702001001 born 2015-07-01  child;   tag 留守儿童 2024-01-01 … 2025-06-30 (lapsed by 2025-12-31)
  C 620702001005 born 1960-03-01  elderly (65)
  D 620722102200 born 1980-05-17  another county
Payments (最低生活保障, status paid unless said): A 2025-01 500.00, A 2025-02 500.00,
  C 2025-01 300.50, A 2025-03 999.00 voided (not counted), A 2024-12 200.00 (before the
  period). County 620702 in 2025: 1300.50 yuan; 2025-01 800.50, 2025-02 500.00; persons 2.
Cases (grid events, 2025): three in 620702001001 registered 2025-03-10 — one closed on
  2025-04-01, one open past its limit (overdue), one open within its limit; one in
  620702001005 registered 2025-05-05, open, no limit. County 620702 in 2025: 4
  registered, 1 closed, 1 overdue; by community 3 and 1.
"""

import datetime
from decimal import Decimal

from django.utils import timezone

from jiayuan.assistance.models import PaymentLine
from jiayuan.audit.services import Actor
from jiayuan.cases import services as case_services
from jiayuan.cases.models import Case
from jiayuan.conftest import OUTSIDE_VILLAGE, PEER_COMMUNITY, make_id_number
from jiayuan.people.models import PersonTag
from jiayuan.people.services import create_person

OWNER = "620702001001"

EXPECTED = {
    # region → (persons, elderly, children)
    "population": {"6207": (4, 2, 1), "620702": (3, 2, 1), "620702001001": (2, 1, 1), PEER_COMMUNITY: (1, 1, 0)},
    "tags_620702": {"disabled": 1, "left_behind_child": 0},
    "paid_620702": 1300.5, "paid_by_month_620702": {"2025-01": 800.5, "2025-02": 500.0},
    "paid_by_community": {OWNER: 1000.0, PEER_COMMUNITY: 300.5},
    "cases_620702": {"registered": 4, "closed": 1, "overdue": 1},
    "cases_by_community": {OWNER: 3, PEER_COMMUNITY: 1},
}


def build(admin) -> dict:
    """Write the dataset as ``admin`` (a superuser); returns the persons by letter."""
    actor = Actor(admin, "command")

    def person(letter, region, birth, sex=1):
        return create_person(actor, {"name": f"测试{letter}", "region": region,
                                     "id_number": make_id_number(birth, sex, area=region[:6])})

    a = person("甲", OWNER, datetime.date(1950, 2, 1))
    b = person("乙", OWNER, datetime.date(2015, 7, 1), 2)
    c = person("丙", PEER_COMMUNITY, datetime.date(1960, 3, 1), 2)
    d = person("丁", OUTSIDE_VILLAGE, datetime.date(1980, 5, 17))
    PersonTag.objects.filter(person__in=[a, b, c, d]).delete()  # only the tags written here
    PersonTag.objects.create(person=a, kind_id="disabled", region_id=OWNER, valid_from=datetime.date(2020, 1, 1))
    PersonTag.objects.create(person=b, kind_id="left_behind_child", region_id=OWNER,
                             valid_from=datetime.date(2024, 1, 1), valid_to=datetime.date(2025, 6, 30))
    for n, (p, month, amount, status) in enumerate((
            (a, (2025, 1), "500.00", "paid"), (a, (2025, 2), "500.00", "paid"), (c, (2025, 1), "300.50", "paid"),
            (a, (2025, 3), "999.00", "voided"), (a, (2024, 12), "200.00", "paid")), start=1):
        PaymentLine.objects.create(batch_id=n, enrollment_id=n, program_id="subsistence_allowance", person=p,
                                   region_id=p.region_id, benefit_month=datetime.date(*month, 1),
                                   amount=Decimal(amount), rule="test", status=status)
    tz = timezone.get_current_timezone()

    def at(y, m, d, h=10):
        return datetime.datetime(y, m, d, h, tzinfo=tz)

    made = []
    for region in (OWNER, OWNER, OWNER, PEER_COMMUNITY):
        case, _created = case_services.create_case(actor, "grid_event", {
            "region": region, "category": "dispute.neighbor", "description": "楼上漏水引发纠纷"})
        made.append(case.pk)
    Case.objects.filter(pk__in=made[:3]).update(created_at=at(2025, 3, 10))
    Case.objects.filter(pk=made[0]).update(is_open=False, closed_at=at(2025, 4, 1), due_at=None)
    Case.objects.filter(pk=made[1]).update(due_at=at(2025, 3, 20))
    Case.objects.filter(pk=made[2]).update(due_at=at(2099, 1, 1))
    Case.objects.filter(pk=made[3]).update(created_at=at(2025, 5, 5), due_at=None)
    return {"A": a, "B": b, "C": c, "D": d, "cases": made}
