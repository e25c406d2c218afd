"""Records of the facilities module for the every-page crawl (web/tests/test_page_crawl.py):
a facility with rooms in the owner community, the county's standard and the funds of two
of 东街街道's communities with entries."""

from django.utils import timezone

from jiayuan.audit.services import Actor
from jiayuan.facilities import services

OWNER = "620702001001"
PEER = "620702001005"


def seed(users, persons) -> None:
    county = Actor(users["county"], "command")
    f = services.create_facility(county, {"name": "交通巷社区综合服务中心", "region": OWNER, "address": "交通巷1号",
                                          "floor_area": "620", "opening_hours": "周一至周日 8:30—18:00",
                                          "opened_on": "2018-06-01"})
    services.add_room(county, f, {"name": "一站式服务大厅", "function": "one_stop", "floor_area": "180"})
    services.add_room(county, f, {"name": "日间照料室", "function": "elderly_care", "floor_area": "150"})
    services.update_facility(county, f, {"opening_hours": "周一至周日 8:00—20:00"})
    year = timezone.localdate().year
    services.set_standard(county, "620702", year, "50000", "120000", "甘政办发〔2019〕12号")
    fund = services.set_budget(county, OWNER, year, "80000")
    services.set_budget(county, PEER, year, "45000")
    services.add_entry(county, fund, "allocation", "office", "40000", f"{year}-01-15", "第一批")
    services.add_entry(county, fund, "spending", "activities", "12000", f"{year}-01-20", "重阳节活动")
