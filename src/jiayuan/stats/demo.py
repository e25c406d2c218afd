"""Demo data of the stats module (``demo-setup``): each part seeds its own."""

from .dashboards.demo import seed_demo as seed_dashboards
from .yibiaotong.demo import seed_demo as seed_yibiaotong


def seed_demo(ctx) -> str | None:
    """一表通 (stats/yibiaotong/demo.py), then the dashboards' snapshots and their periodic
    refresh (stats/dashboards/demo.py: last, on everything seeded before); other parts add
    their call here."""
    parts = [seed_yibiaotong(ctx), seed_dashboards(ctx)]
    return "；".join(p for p in parts if p) or None
