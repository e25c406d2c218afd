"""Records of the governance app for the every-page crawl (web/tests/test_page_crawl.py):
the county officer designated handler of 甘州区's tips, and tips in each state. Contents
are ASCII here: they are stored encrypted, so the crawl cannot tell them from
untranslated text."""

from datetime import timedelta

from django.utils import timezone

from jiayuan.audit.services import Actor
from jiayuan.governance.tips import services as tip_services


def seed(users, persons) -> None:
    tip_services.designate_handler(Actor(users["admin"], "command"), users["county"], "620702")
    today = timezone.localdate()
    h = Actor(users["county"], "page")
    steps = [[], [("verify", {})], [("verify", {}), ("transfer", {"recipient": "police"})],
             [("verify", {}), ("transfer", {"recipient": "discipline"}),
              ("conclude", {"outcome": "feedback", "note": "Case opened by the police (crawl sample)"})]]
    for i, todo in enumerate(steps):
        who = "community" if i % 2 == 0 else "grid_member"
        region = "620702001001" if who == "community" else "620702001001001"
        tip = tip_services.collect_tip(Actor(users[who], "page"), region_code=region, category="organized_crime",
                                       content=f"Gravel transport monopoly by threats, sample {i + 1}",
                                       anonymous=i % 2 == 1, informant_name="" if i % 2 else "Li",
                                       informant_contact="", collected_on=today - timedelta(days=10))
        for action, fields in todo:
            tip = tip_services.act_on_tip(h, tip, action, on=today, **fields)
