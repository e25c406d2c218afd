"""Grid staffing: a grid should have 2–5 grid members (Zhangye practice, DOMAIN.md);
outside that range the grid's detail carries a warning. Only active members count."""

import pytest

from jiayuan.conftest import GRID
from jiayuan.grid.models import GridMember
from jiayuan.regions.rules import grid_staffing_warning


def staff(n: int, active: bool = True) -> None:
    GridMember.objects.bulk_create(GridMember(grid_id=GRID, name=f"网格员{i}", active=active) for i in range(n))


@pytest.mark.parametrize(
    "n, warning",
    [
        (0, "本网格仅有 0 名网格员，少于建议的 2 名"),
        (1, "本网格仅有 1 名网格员，少于建议的 2 名"),
        (2, ""),
        (5, ""),
        (6, "本网格有 6 名网格员，多于建议的 5 名"),
    ],
)
def test_warning_outside_two_to_five_members(n, warning):
    assert grid_staffing_warning(n) == warning


def test_the_grid_detail_counts_active_members_and_warns(api_client):
    staff(1)
    staff(3, active=False)
    body = api_client("community").get(f"/api/v1/regions/{GRID}").json()
    assert (body["grid_members"], body["warning"]) == (1, "本网格仅有 1 名网格员，少于建议的 2 名")


def test_a_grid_with_three_members_has_no_warning(api_client):
    staff(3)
    body = api_client("community").get(f"/api/v1/regions/{GRID}").json()
    assert (body["grid_members"], body["warning"]) == (3, "")


def test_the_grid_list_shows_each_grids_warning(api_client):
    staff(6)
    rows = api_client("township").get("/api/v1/grids").json()
    assert {r["code"]: r["warning"] for r in rows} == {
        GRID: "本网格有 6 名网格员，多于建议的 5 名",
        "620702001005001": "本网格仅有 0 名网格员，少于建议的 2 名",
    }


def test_a_community_has_no_staffing_fields():
    from jiayuan.regions.api import _detail
    from jiayuan.regions.models import Region

    d = _detail(Region.objects.get(code="620702001001"))
    assert (d.get("grid_members"), d.get("warning", "")) == (None, "")


pytestmark = pytest.mark.django_db
