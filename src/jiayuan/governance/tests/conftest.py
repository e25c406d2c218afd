"""Fixtures of the governance tests: the county officer of 甘州区 designated as its tips'
handler, and a tip collected by the community worker of 交通巷社区."""

from datetime import date

import pytest

from jiayuan.audit.services import Actor
from jiayuan.conftest import GRID, OWNER_COMMUNITY  # noqa: F401
from jiayuan.governance.tips import services as tip_services

SECRET = "王某某黑恶团伙垄断砂石运输并强迫交易"
INFORMANT = "李秘密"
INFORMANT_PHONE = "13912345678"


@pytest.fixture
def handler(users):
    """``users["county"]`` (county officer of 620702) designated handler of 620702."""
    tip_services.designate_handler(Actor(users["admin"], "command"), users["county"], "620702")
    return users["county"]


@pytest.fixture
def make_tip(users):
    def factory(who: str = "community", region: str = OWNER_COMMUNITY, content: str = SECRET,
                collected_on: date | None = None, **kw):
        kw.setdefault("informant_name", INFORMANT)
        kw.setdefault("informant_contact", INFORMANT_PHONE)
        return tip_services.collect_tip(Actor(users[who], "page"), region_code=region,
                                        category=kw.pop("category", "organized_crime"), content=content,
                                        collected_on=collected_on, **kw)

    return factory


@pytest.fixture
def committee(users):
    """The people's mediation committee of 交通巷社区 with three members; the community
    worker ``users["community"]`` is its mediator 王调解."""
    from jiayuan.governance.mediation import services as med
    from jiayuan.regions.models import Region

    a = Actor(users["community"], "page")
    body = med.create_committee(a, Region.objects.get(code=OWNER_COMMUNITY), name="交通巷社区人民调解委员会")
    med.add_member(a, body, name="王调解", role="chair", user=users["community"])
    med.add_member(a, body, name="赵委员", role="member")
    med.add_member(a, body, name="钱委员", role="mediator")
    return body


def party_list(stance_b: str = "agreed") -> list[dict]:
    return [{"name": "张大山", "role": "applicant", "stance": "applied", "phone": "13800000001"},
            {"name": "李小河", "role": "respondent", "stance": stance_b}]


@pytest.fixture
def open_case(users, committee):
    from jiayuan.governance.mediation import services as med

    def factory(stance_b: str = "agreed", **kw):
        payload = {"region": OWNER_COMMUNITY, "category": "neighbour", "start_mode": "application",
                   "parties": party_list(stance_b), "facts": "两家因院墙漏水发生争执", "request": "请求赔偿修缮费"}
        payload.update(kw)
        return med.open_mediation(Actor(users["community"], "page"), payload)

    return factory
