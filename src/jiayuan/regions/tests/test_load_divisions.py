"""Loading the official divisions (NBS 统计用区划代码 2023) shipped with the project.

Facts from ``regions/data/README.md`` and DOMAIN.md: Zhangye (6207) has 6 county-level
areas, 78 township-level units and 934 village-level units; 1,019 rows in all with the
prefecture itself. The test database already holds them (conftest loads 6207 once per
session); the first test removes the subtree inside its transaction to load it afresh.
"""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from jiayuan.audit.models import AuditEntry
from jiayuan.audit.services import Actor
from jiayuan.regions.models import Region
from jiayuan.regions.services import load_divisions

pytestmark = pytest.mark.django_db

ZHANGYE_COUNTIES = {
    "620702": "甘州区",
    "620721": "肃南裕固族自治县",
    "620722": "民乐县",
    "620723": "临泽县",
    "620724": "高台县",
    "620725": "山丹县",
}


def _level_counts(prefix: str) -> dict[str, int]:
    return {
        level: Region.objects.filter(code__startswith=prefix, level=level).count()
        for level in ("prefecture", "county", "township", "village", "grid")
    }


def test_loading_zhangye_from_nothing_creates_6_counties_78_townships_934_villages():
    # Foreign keys are deferred (checked at the end of the test): the grids may wait for
    # their communities to come back.
    with connection.cursor() as cur:
        cur.execute("DELETE FROM regions_region WHERE code LIKE %s AND level <> 'grid'", ["6207%"])
    assert Region.objects.filter(code__startswith="6207").exclude(level="grid").count() == 0

    result = load_divisions(Actor(None, "command"), "6207")

    assert (result.created, result.updated, result.unchanged) == (1 + 6 + 78 + 934, 0, 1)  # 1 = 甘肃省 (62)
    assert _level_counts("6207") == {"prefecture": 1, "county": 6, "township": 78, "village": 934, "grid": 2}
    assert dict(Region.objects.filter(level="county", code__startswith="6207").values_list("code", "name")) == \
        ZHANGYE_COUNTIES


def test_the_session_load_holds_exactly_zhangye_and_its_ancestors():
    assert _level_counts("6207") == {"prefecture": 1, "county": 6, "township": 78, "village": 934, "grid": 2}
    assert Region.objects.get(code="62").name == "甘肃省"
    assert Region.objects.get(code="6207").parent_id == "62"
    # Nothing outside the prefix and its ancestors: not 兰州市, not 甘肃省's other counties.
    assert not Region.objects.filter(code="6201").exists()
    assert not Region.objects.exclude(code__startswith="6207").exclude(code="62").exists()


def test_each_level_points_to_its_parent_by_code_prefix():
    jiaotongxiang = Region.objects.get(code="620702001001")
    assert jiaotongxiang.name == "交通巷社区居民委员会"
    assert jiaotongxiang.parent_id == "620702001"
    assert jiaotongxiang.parent.name == "东街街道"
    assert jiaotongxiang.parent.parent_id == "620702"
    assert Region.objects.get(code="620722102200").parent.name == "六坝镇"


def test_a_second_load_creates_nothing_and_changes_nothing():
    before = AuditEntry.objects.count()
    result = load_divisions(Actor(None, "command"), "6207")
    assert (result.created, result.updated, result.unchanged) == (0, 0, 1020)
    assert AuditEntry.objects.count() == before  # nothing written, nothing audited


def test_a_renamed_region_is_put_back_and_the_change_audited():
    Region.objects.filter(code="620702001001").update(name="改错的名字")
    result = load_divisions(Actor(None, "command"), "6207")
    assert (result.created, result.updated) == (0, 1)
    assert Region.objects.get(code="620702001001").name == "交通巷社区居民委员会"
    entry = AuditEntry.objects.get(action="region.update", object_id="620702001001")
    assert entry.changes == {"name": ["改错的名字", "交通巷社区居民委员会"]}
    assert entry.source == "command"


def test_loading_never_touches_grids():
    Region.objects.filter(code="620702001001001").update(name="我的网格")
    load_divisions(Actor(None, "command"), "6207")
    assert Region.objects.get(code="620702001001001").name == "我的网格"


@pytest.mark.parametrize(
    "code, kind",
    [
        ("620702001001", "community"),  # 交通巷社区居民委员会: 001
        ("620724102199", "community"),  # 南苑社区居民委员会: 199, the last residents' committee number
        ("620722102200", "village"),    # 六坝村村民委员会: 200, the first villagers' committee number
        ("620702005398", "village"),    # 街道直辖村民小组: 398
        ("620702402498", "virtual"),    # 经济开发区虚拟社区: 4xx
        ("620721500598", "virtual"),    # 绵羊育种场虚拟生活区: 5xx
    ],
)
def test_village_level_kind_comes_from_the_code_range(code, kind):
    assert Region.objects.get(code=code).kind == kind


def test_only_village_level_units_have_a_kind():
    assert not Region.objects.exclude(level="village").exclude(kind="").exists()
    # Zhangye: 85 residents' committees (84 coded 0xx, 1 coded 1xx), 838 villagers'
    # committees (837 coded 2xx, 1 coded 3xx), 11 virtual units (3 coded 4xx, 8 coded 5xx).
    villages = Region.objects.filter(level="village", code__startswith="6207")
    assert villages.filter(kind="community").count() == 85
    assert villages.filter(kind="village").count() == 838
    assert villages.filter(kind="virtual").count() == 11


def test_the_load_divisions_command_reports_its_counts():
    out = StringIO()
    call_command("load_divisions", prefix="6207", stdout=out)
    assert "新增 0，更新 0，未变 1020" in out.getvalue()


def test_the_console_script_accepts_the_hyphenated_name(capsys, monkeypatch):
    from jiayuan.cli import main

    # run_from_argv closes every connection when done, which would end the test's transaction
    monkeypatch.setattr("django.db.connections.close_all", lambda: None)
    main(["jiayuan", "load-divisions", "--prefix", "6207"])
    assert "新增 0，更新 0，未变 1020" in capsys.readouterr().out


def test_the_command_refuses_a_prefix_that_is_not_digits():
    with pytest.raises(CommandError, match="--prefix"):
        call_command("load_divisions", prefix="62a7")
