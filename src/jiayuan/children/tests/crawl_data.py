"""Records of children's care for the every-page crawl: the community user is 儿童主任 of
交通巷社区 and the township user 督导员 of 东街街道; 赵小明 (born 2010) has a file with
parents, a team, a visit, a flag waiting for review and a referral to 12355."""

import datetime

from jiayuan.audit.services import Actor
from jiayuan.children import services


def seed(users, persons):
    admin = Actor(users["admin"], "command")
    services.appoint(admin, "children_director", "620702001001", users["community"].pk, datetime.date(2025, 1, 1))
    services.appoint(admin, "children_supervisor", "620702001", users["township"].pk, datetime.date(2025, 1, 1))
    act = Actor(users["community"], "page")
    f = services.open_file(act, persons["赵小明"].pk, {
        "guardian_name": "赵刚", "guardian_relation": "父亲", "school": "张掖市第一中学", "school_grade": "初三",
        "health": "良好", "needs": "课后辅导",
        "parents": {"father": {"person": persons["赵刚"].pk, "imprisoned": True},
                    "mother": {"name": "孙丽", "working_away": True, "away_place": "兰州"}}},
        on=datetime.date(2026, 1, 5))
    services.set_team_member(act, f, "volunteer", user_id=users["org"].pk)
    services.record_visit(act, f, visited_on=datetime.date(2026, 2, 1), place="家中", findings="学习正常",
                          risk="yellow", reason="母亲外出")
    f.refresh_from_db()
    services.set_parent(act, f, "mother", {"seriously_ill": True}, version=f.version)  # → flagged
    services.open_referral(act, f, "hotline_12355", "情绪低落，需要心理疏导")   # a referral (case page, list)
    from jiayuan.children import homes

    home = homes.register_home(Actor(users["township"], "page"), name="交通巷儿童之家", region_code="620702001001",
                               capacity=30, services=["daytime_care", "tutoring"], opened_on=datetime.date(2025, 9, 1))
    e = homes.enrol(act, home, persons["赵小明"].pk, datetime.date(2026, 3, 1))
    homes.record_attendance(act, home, datetime.date(2026, 3, 2), [e.pk])
