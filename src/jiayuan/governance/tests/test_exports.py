"""Exports of evaluation results, activities and volunteers' service records: real xlsx
files (opened again with openpyxl), Chinese file names, scoped (a peer community
exports none of another's rows), the ``export`` right, audited with the row count."""

import io
from datetime import date, timedelta
from decimal import Decimal
from urllib.parse import unquote

import openpyxl
import pytest

from jiayuan.audit.models import AuditEntry
from jiayuan.audit.services import Actor
from jiayuan.governance.activities import services as activities
from jiayuan.governance.evaluation import selectors as ev_selectors
from jiayuan.governance.evaluation import services as ev
from jiayuan.governance.models import ActivityKind
from jiayuan.governance.volunteers import services as vol
from jiayuan.regions.models import Region

from .conftest import OWNER_COMMUNITY

pytestmark = pytest.mark.django_db
TODAY = date.today()
START = TODAY.replace(month=1, day=1)


def rows_of(resp):
    ws = openpyxl.load_workbook(io.BytesIO(resp.content)).active
    return [list(r) for r in ws.iter_rows(values_only=True)]


def test_evaluation_results_export(users, page_client):
    a = Actor(users["township"], "page")
    rnd = ev.create_round(a, Region.objects.get(code="620702001"), title="", start=START, end=TODAY,
                          items=[("社区治理实绩", Decimal(70), "scored"), ("案件按期办结率", Decimal(30), "cases_on_time")])
    rnd = ev.open_scoring(a, rnd)
    item = ev_selectors.items_of(rnd)[0]
    for c in ev_selectors.communities_of(rnd):
        ev.score(a, rnd, item, c, value=Decimal(80 if c.code == OWNER_COMMUNITY else 60), comment="按台账评定")
    ev.publish(a, rnd)
    resp = page_client("community").get(f"/governance/evaluation/{rnd.pk}/export/")   # the community reads it
    assert resp.status_code == 200
    assert f"东街街道-综合考核结果-{START:%Y%m%d}-{TODAY:%Y%m%d}.xlsx" in unquote(resp["Content-Disposition"])
    rows = rows_of(resp)
    header = rows[1]
    assert header[:4] == ["名次", "区划代码", "社区（村）", "总分"]
    mine = dict(zip(header, next(r for r in rows[2:] if r[1] == OWNER_COMMUNITY)))
    # 70 × 80 % + 30 × 100 % (no case closed: nothing to count) = 86
    assert (mine["名次"], Decimal(str(mine["总分"]))) == (1, Decimal("86"))
    assert mine["案件按期办结率 依据或评语"] == "0/0" and mine["社区治理实绩 依据或评语"] == "按台账评定"
    assert len(rows) - 2 == int(resp["X-Export-Rows"]) == len(ev_selectors.communities_of(rnd))
    assert AuditEntry.objects.filter(action="evaluation.export", region_code="620702001").count() == 1
    assert page_client("grid_member").get(f"/governance/evaluation/{rnd.pk}/export/").status_code == 404


def test_activities_and_service_records_export_scoped_and_audited(users, page_client, make_person):
    me = Actor(users["community"], "page")
    p = make_person(name="赵志愿")
    a = activities.create_activity(me, Region.objects.get(code=OWNER_COMMUNITY),
                                   ActivityKind.objects.get(code="moral_lecture"), title="道德讲堂：孝老爱亲",
                                   held_on=TODAY - timedelta(days=1), organizer_name="交通巷社区", speakers="张老师",
                                   participant_count=25, participants=[p])
    team = vol.create_team(me, Region.objects.get(code=OWNER_COMMUNITY), "交通巷志愿服务队")
    v = vol.register_volunteer(me, team, p.id_number)
    r = vol.record_service(me, v, served_on=a.held_on, content="会场布置", hours="2.5", evaluation="good", activity=a)
    vol.confirm_service(Actor(users["township"], "page"), r)
    mine = page_client("community")
    resp = mine.get(f"/governance/activities/?region={OWNER_COMMUNITY}&start={START}&end={TODAY}&format=xlsx")
    assert resp.status_code == 200 and resp["X-Export-Rows"] == "1"
    assert f"交通巷社区-教育活动-{START:%Y%m%d}-{TODAY:%Y%m%d}.xlsx" in unquote(resp["Content-Disposition"])
    rows = rows_of(resp)
    row = dict(zip(rows[1], rows[2]))
    assert (row["活动名称"], row["参加人数"], row["登记的参加居民"], row["活动类别"]) == ("道德讲堂：孝老爱亲", 25, 1, "道德讲堂")
    resp = mine.get("/governance/volunteers/export/")
    assert resp.status_code == 200 and resp["X-Export-Rows"] == "1"
    row = dict(zip(rows_of(resp)[1], rows_of(resp)[2]))
    assert (row["志愿者"], Decimal(str(row["服务时长（小时）"])), row["确认"]) == ("赵志愿", Decimal("2.5"), "已确认")
    assert p.id_number not in resp.content.decode("latin-1")
    # a peer community: its own scope only → empty files
    assert page_client("peer").get("/governance/volunteers/export/")["X-Export-Rows"] == "0"
    assert page_client("peer").get("/governance/activities/?format=xlsx")["X-Export-Rows"] == "0"
    assert page_client("grid_member").get("/governance/volunteers/export/").status_code == 403
    assert AuditEntry.objects.filter(action="activity.export").count() == 2
    assert AuditEntry.objects.filter(action="volunteer.export").count() == 2
