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
