"""Precomputed dashboard panels (issue 16, performance): the city's and the counties'
panels served from :class:`~jiayuan.stats.models.DashboardSnapshot` with their
computation time, the same figures as computed live (dashboard_data.py, worked out by
hand there), stale until refreshed (on demand or by the background task), and never
shared between readers of different case types."""

import datetime
import io

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from jiayuan.stats.dashboards import services, tasks
from jiayuan.stats.models import DashboardSnapshot

from .dashboard_data import EXPECTED, OWNER, build

pytestmark = pytest.mark.django_db


@pytest.fixture
def data(users):
    return build(users["admin"])


def kpis(body):
    return {k["key"]: k["value"] for k in body["kpis"]}


def get(client, panel, region, period="2025"):
    got = client.get(f"/api/v1/dashboards/{panel}?region={region}&period={period}")
    assert got.status_code == 200, got.content
    return got.json()


def test_without_a_snapshot_the_city_is_computed_live(api_client, data):
    body = get(api_client("city"), "population", "6207")
    assert body["precomputed"] is False
    k = kpis(body)
    assert (k["persons"], k["elderly"], k["children"]) == EXPECTED["population"]["6207"]


def test_a_snapshot_answers_the_same_figures_with_its_time(api_client, data):
    c = api_client("city")
    live = {p: get(c, p, "620702") for p in ("population", "assistance", "cases")}
    before = timezone.now().replace(microsecond=0)
    # 2 regions (6207, 620702) × 1 period × 7 panels, the cases panel for every type
    assert services.refresh(regions=["6207", "620702"], periods=["2025"]) == 14
    for p, body in live.items():
        snap = get(c, p, "620702")
        assert snap["precomputed"] is True
        assert datetime.datetime.fromisoformat(snap["fresh"]) >= before
        assert snap["kpis"] == body["kpis"] and snap["charts"] == body["charts"]
    assert kpis(get(c, "assistance", "620702"))["paid_yuan"] == EXPECTED["paid_620702"]
    k = kpis(get(c, "population", "6207"))
    assert (k["persons"], k["elderly"], k["children"]) == EXPECTED["population"]["6207"]


def test_a_snapshot_is_stale_until_refreshed_on_demand(api_client, data, make_person):
    c = api_client("city")
    services.refresh(regions=["6207"], periods=["2025"])
    make_person(region=OWNER, name="新来", birth=datetime.date(1990, 1, 1))
    # the snapshot still says 4 persons (and says when it was computed)
    assert kpis(get(c, "population", "6207"))["persons"] == 4
    got = c.post("/api/v1/dashboards/refresh?region=6207&period=2025")
    assert got.status_code == 202 and got.json() == {"region": "6207", "period": "2025", "queued": True}
    queued = DBTaskResult.objects.get(task_path="jiayuan.stats.dashboards.tasks.refresh_dashboards")
    assert queued.args_kwargs["kwargs"]["regions"] == ["6207"]
    tasks.refresh_dashboards.call(**queued.args_kwargs["kwargs"])   # what the worker does
    body = get(c, "population", "6207")
    assert body["precomputed"] is True and kpis(body)["persons"] == 5


def test_townships_and_communities_are_always_live(api_client, data):
    assert services.refresh(regions=["620702001", OWNER], periods=["2025"]) == 0
    assert get(api_client("city"), "population", OWNER)["precomputed"] is False
    got = api_client("city").post(f"/api/v1/dashboards/refresh?region={OWNER}&period=2025")
    assert got.status_code == 202 and got.json()["queued"] is False


def test_the_cases_snapshot_is_kept_per_set_of_readable_types(api_client, data, users):
    from jiayuan.cases.selectors import readable_types

    services.refresh(regions=["620702"], periods=["2025"])
    county = users["county"]
    snap = DashboardSnapshot.objects.get(region_id="620702", period="2025", panel="cases")
    assert snap.audience == "zh-hans|" + ",".join(services.all_types())
    body = get(api_client("county"), "cases", "620702")
    # a reader who reads every type gets the snapshot; anyone else a live count of their types
    assert body["precomputed"] is (readable_types(county) == services.all_types())
    assert kpis(body)["registered"] == EXPECTED["cases_620702"]["registered"]


def test_a_reader_of_fewer_types_never_reads_the_full_snapshot(api_client, data, monkeypatch):
    from jiayuan.stats.dashboards import selectors

    services.refresh(regions=["620702"], periods=["2025"])
    monkeypatch.setattr(selectors, "readable_types", lambda user: [])
    body = get(api_client("city"), "cases", "620702")
    assert body["precomputed"] is False and kpis(body)["registered"] == 0
    assert get(api_client("city"), "population", "620702")["precomputed"] is True


def test_the_page_states_freshness_and_offers_the_refresh(page_client, data):
    c = page_client("city")
    html = c.get("/stats/dashboards/?region=6207&period=2025").content.decode()
    assert "预先汇总" in html and 'data-testid="refresh"' in html
    community = c.get(f"/stats/dashboards/?region={OWNER}&period=2025").content.decode()
    assert 'data-testid="refresh"' not in community and "实时计算" in community
    got = c.post("/stats/dashboards/refresh/", {"region": "6207", "period": "2025"})
    assert got.status_code == 302 and got["Location"].endswith("?region=6207&period=2025")
    assert DBTaskResult.objects.filter(task_path="jiayuan.stats.dashboards.tasks.refresh_dashboards").count() == 1
    assert c.get("/stats/dashboards/refresh/").status_code == 405
    services.refresh(regions=["6207"], periods=["2025"])
    data_json = c.get("/stats/dashboards/data/population/?region=6207&period=2025").json()
    assert data_json["precomputed"] is True


def test_the_periodic_run_queues_the_next(data, settings):
    settings.STATS_DASHBOARD_REFRESH_SECONDS = 600
    tasks.refresh_dashboards.call(regions=["6207"], periods=["2025"], periodic=True)
    nxt = DBTaskResult.objects.get(task_path="jiayuan.stats.dashboards.tasks.refresh_dashboards")
    assert nxt.run_after is not None and nxt.run_after > timezone.now() + datetime.timedelta(seconds=500)
    assert nxt.args_kwargs["kwargs"] == {"periodic": True}


def test_snapshots_are_kept_per_language(api_client, data, settings):
    services.refresh(regions=["6207"], periods=["2025"])
    zh = get(api_client("city"), "population", "6207")
    assert zh["precomputed"] is True and zh["title"] == "人口与重点人群"
    c = api_client("city")
    c.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"     # the language switch's choice
    en = c.get("/api/v1/dashboards/population?region=6207&period=2025").json()
    assert en["title"] != zh["title"]          # the API answers in English: no Chinese snapshot for it
    assert en["precomputed"] is False
    services.refresh(regions=["6207"], periods=["2025"], language="en")
    again = c.get("/api/v1/dashboards/population?region=6207&period=2025").json()
    assert again["precomputed"] is True and again["title"] == en["title"]
    assert kpis(en)["persons"] == EXPECTED["population"]["6207"][0]


def test_the_demo_computes_the_snapshots_and_starts_the_periodic_refresh(transactional_db, page_client, data,
                                                                         settings):
    """``demo-setup``'s part (stats/dashboards/demo.py): the city's and every county's
    panels stored for the current year, half, quarter and month; the periodic refresh
    queued once (a second run, and ``jiayuan refresh_dashboards``, add no second chain);
    when its time comes the worker (``jiayuan worker --batch``, as ``make demo`` runs it)
    recomputes them and queues the next; the page says when they were computed.
    (Transactional: the worker closes its database connection between tasks, as it does
    in ``make demo``.)"""
    from django.core.management import call_command
    from django_tasks.base import TaskResultStatus

    from jiayuan.regions.models import Region
    from jiayuan.stats.dashboards import demo, selectors
    from jiayuan.stats.rules import HALF, MONTH, QUARTER, YEAR, current_period

    settings.STATS_DASHBOARD_REFRESH_SECONDS = 900
    summary = demo.seed_demo()
    assert "看板预先汇总数据已计算" in summary and "每 900 秒" in summary
    today = timezone.localdate()
    periods = {current_period(k, today).label for k in (YEAR, HALF, QUARTER, MONTH)}
    regions = {"6207"} | set(Region.objects.filter(level="county", code__startswith="6207").values_list("code", flat=True))
    stored = set(DashboardSnapshot.objects.values_list("region_id", "period", "panel"))
    assert {(r, p, n) for r in regions for p in periods for n in selectors.PANELS} <= stored
    queued = DBTaskResult.objects.get(task_path=tasks.TASK_PATH)
    assert queued.status == TaskResultStatus.READY and queued.args_kwargs["kwargs"] == {"periodic": True}
    assert timezone.now() + datetime.timedelta(seconds=800) < queued.run_after
    assert queued.run_after < timezone.now() + datetime.timedelta(seconds=1000)
    assert demo.seed_demo() is None                                   # idempotent: one chain
    call_command("refresh_dashboards", stdout=io.StringIO())           # a one-off beside it
    assert DBTaskResult.objects.filter(task_path=tasks.TASK_PATH, args_kwargs__kwargs__periodic=True).count() == 1
    DBTaskResult.objects.filter(task_path=tasks.TASK_PATH).exclude(pk=queued.pk).delete()

    city = DashboardSnapshot.objects.get(region_id="6207", period=str(today.year), panel="population",
                                         audience__startswith="zh")
    html = page_client("city").get(f"/stats/dashboards/?region=6207&period={today.year}").content.decode()
    assert "预先汇总" in html
    body = page_client("city").get(f"/stats/dashboards/data/population/?region=6207&period={today.year}").json()
    assert body["precomputed"] is True and body["fresh"] == timezone.localtime(city.computed_at).isoformat(timespec="seconds")

    # the time comes: the worker runs the periodic refresh, which queues the next one
    DBTaskResult.objects.filter(pk=queued.pk).update(run_after=timezone.now() - datetime.timedelta(seconds=1))
    call_command("worker", batch=True, verbosity=0)
    queued.refresh_from_db()
    assert queued.status == TaskResultStatus.SUCCESSFUL
    assert DashboardSnapshot.objects.get(pk=city.pk).computed_at > city.computed_at
    nxt = DBTaskResult.objects.get(task_path=tasks.TASK_PATH, status=TaskResultStatus.READY)
    assert nxt.args_kwargs["kwargs"] == {"periodic": True} and nxt.run_after > timezone.now() + datetime.timedelta(seconds=800)
