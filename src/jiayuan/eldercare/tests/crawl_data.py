"""Records of elderly care for the every-page crawl (web/tests/test_page_crawl.py):
assessments of two elders of the owner community (one due for reassessment, one assessed
twice), a day-care center serving the owner and the peer community with a subsidy and a
day of attendance, so that every eldercare page has something to show."""

from datetime import date, timedelta

from django.utils import timezone

from jiayuan.audit.services import Actor
from jiayuan.conftest import OWNER_COMMUNITY, PEER_COMMUNITY
from jiayuan.eldercare import rules, services

FULL = {i.code: i.max for i in rules.ITEMS}


def seed(users, persons) -> None:
    today = timezone.localdate()
    worker = Actor(users["community"], "page")
    county = Actor(users["county"], "page")
    a1, a2 = users["community"].pk, users["township"].pk
    wang, liu = persons["王芳"], persons["刘桂兰"]
    services.record_assessment(worker, wang, reason="first", assessed_on=today - timedelta(days=380),
                               assessor_1=a1, assessor_2=a2, items={**FULL, "stairs": 1, "bathing": 1},
                               diagnoses=["F01"], today=today)
    services.record_assessment(worker, liu, reason="first", assessed_on=today - timedelta(days=300),
                               assessor_1=a1, assessor_2=a2, items=FULL, today=today)
    services.record_assessment(worker, liu, reason="immediate", assessed_on=today - timedelta(days=20),
                               assessor_1=a1, assessor_2=a2, items={**FULL, "walking": 0, "transfer": 1},
                               risk_events=["fall", "fall"], today=today)
    center = services.save_facility(county, {
        "kind": "day_care", "name": "交通巷社区日间照料中心", "region": OWNER_COMMUNITY, "address": "交通巷12号",
        "floor_area": "420.00", "seats": 40, "beds": 6, "opened_on": "2020-05-01", "services": ["meals", "rest"]})
    services.assign(county, center, OWNER_COMMUNITY, "2020-05-01")
    services.assign(county, center, PEER_COMMUNITY, "2021-01-01")
    services.record_subsidy(county, center, year=today.year, kind="operating", amount="36000.00", source="区级财政",
                            approval=f"甘州民发〔{today.year}〕40号", approved_on=date(today.year, 1, 2))
    services.record_daily_count(worker, center, today - timedelta(days=1), 18)
    services.check_in(worker, center, wang, today - timedelta(days=1))
    services.save_facility(county, {
        "kind": "mutual_aid", "name": "梁家墩村互助幸福院", "region": "620702100200", "floor_area": "280.00",
        "seats": 20, "beds": 8, "opened_on": "2018-10-01", "services": ["meals"]})
    services.save_item(county, "620702", {"code": "ZC01", "kind": "meals", "name": "上门送餐", "unit": "meal",
                                          "price": "12.00", "evidence": ["location", "photo"]})
    services.set_standard(county, "620702", category="semi_disabled", effective_from=date(today.year, 1, 1),
                          amount="150.00", hours="8", basis="甘州民发〔2025〕88号")
    services.approve_entitlement(county, liu, today.replace(day=1))
