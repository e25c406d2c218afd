"""Demo data of the stats module (``demo-setup``): each part seeds its own."""

from .yibiaotong.demo import seed_demo as seed_yibiaotong


def seed_demo(ctx) -> str | None:
    """一表通 (stats/yibiaotong/demo.py); other parts add their call here."""
    return seed_yibiaotong(ctx)
