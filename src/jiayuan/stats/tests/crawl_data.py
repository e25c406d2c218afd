"""Records of the stats module for the every-page crawl (web/tests/test_page_crawl.py)."""

import datetime

from django.utils import timezone

from jiayuan.audit.services import Actor
from jiayuan.stats.models import ReportSubmission
from jiayuan.stats.yibiaotong import services as ybt

OWNER = "620702001001"
PEER = "620702001005"


def seed_yibiaotong(users) -> None:
    """一表通: the elements; an approved form (author city, approver county) and a draft
    (author county); a task from the township to its communities: the owner community
    has started (one value entered), the peer submitted."""
    city, county = Actor(users["city"], "command"), Actor(users["county"], "command")
    ybt.seed_elements(city)
    form = ybt.create_form(city, {"code": "YBT-01", "title": "社区基本情况统计表", "units": "communities",
                                  "purpose": "每年汇总"},
                           [("registry.persons", "sum"), ("entered.office_area_m2", "max"),
                            ("entered.council_meetings", "sum")])
    ybt.approve_form(county, form)
    ybt.create_form(county, {"code": "YBT-03", "title": "社区物业管理情况表"}, [("entered.property_managed_estates", "sum")])
    year = str(timezone.localdate().year)
    task = ybt.issue_task(Actor(users["township"], "command"), form, year,
                          timezone.localdate() + datetime.timedelta(days=7), "请核对平台数据")
    owner = ReportSubmission.objects.get(task=task, unit_id=OWNER)
    ybt.record_value(Actor(users["community"], "command"), owner, "entered.office_area_m2", "180")
    if "peer" in users:
        peer = Actor(users["peer"], "command")
        s = ReportSubmission.objects.get(task=task, unit_id=PEER)
        ybt.record_value(peer, s, "entered.office_area_m2", "240")
        ybt.record_value(peer, s, "entered.council_meetings", "3")
        ybt.submit(peer, s)


def seed(users, persons) -> None:
    seed_yibiaotong(users)
