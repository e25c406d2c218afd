"""Demo data of the governance app (``make demo`` / ``jiayuan demo-setup``), idempotent.

Confidential tips: the handler account ``xiansuo`` (a county officer of 甘州区 designated
handler of the county's tips) and tips in each state, collected by ``shequ`` and
``wangge`` — 7 collected, 5 transferred, 1 concluded this year (the city reported 6, 5
and 1); the collectors see the status only.
"""

from datetime import timedelta

from django.utils import timezone

from ..accounts.models import User
from ..audit.services import Actor
from .models import Tip
from .tips import services as tip_services

COUNTY = "620702"

# (collector, region, category, content, informant or None (anonymous), steps)
# steps: days ago collected, then (action, days ago, fields) in order
TIPS = [
    ("shequ", "620702001001", "organized_crime",
     "交通巷一带有人以“看场子”为名向沿街商户强收“保护费”，不交的店铺夜里被砸玻璃。为首者外号“刀疤”，常开一辆黑色越野车。",
     ("商户甲", "13800001111"), 40, [("verify", 38, {}), ("transfer", 35, {"recipient": "police"}),
                                     ("conclude", 5, {"outcome": "feedback",
                                                      "note": "公安机关反馈：已立案侦查，抓获犯罪嫌疑人3名。"})]),
    ("shequ", "620702001001", "organized_crime",
     "砂石运输被一伙人垄断，其他车辆进场被拦截殴打，怀疑与某村干部有利益关联。",
     None, 30, [("verify", 28, {}), ("transfer", 25, {"recipient": "police"})]),
    ("wangge", "620702001001001", "protection_umbrella",
     "有人反映某站所工作人员长期收受娱乐场所经营者财物，为其通风报信。",
     ("居民乙", "13900002222"), 26, [("verify", 24, {}), ("transfer", 20, {"recipient": "discipline"})]),
    ("shequ", "620702001001", "other_crime",
     "小区地下车库有人组织赌博，放高利贷，催收时上门恐吓。",
     ("居民丙", ""), 18, [("verify", 16, {}), ("transfer", 12, {"recipient": "police"})]),
    ("wangge", "620702001001001", "organized_crime",
     "菜市场摊位被人把持，新摊主须向其交“进场费”。",
     None, 14, [("verify", 12, {}), ("transfer", 9, {"recipient": "police"})]),
    ("shequ", "620702001001", "organized_crime",
     "夜间有人在河道非法采砂，阻挠巡查人员。",
     ("居民丁", "13700003333"), 6, [("verify", 3, {})]),
    ("wangge", "620702001001001", "other_crime",
     "网格内一出租屋人员频繁更换，疑似从事电信诈骗。",
     None, 1, []),
]


def seed_demo(ctx) -> str | None:
    """The tip handler account and the demo tips (skipped when tips exist)."""
    handler = ctx.account("xiansuo", "county_officer", COUNTY, "甘州区线索承办人")
    designator = User.objects.filter(username="city").first() or User.objects.filter(is_superuser=True).first()
    if designator is None:
        return None
    tip_services.designate_handler(Actor(designator, "command", {"demo": True}), handler, COUNTY)
    if Tip.objects.exists():
        return None
    today = timezone.localdate()
    h = Actor(handler, "command", {"demo": True})
    n = 0
    for username, region, category, content, informant, ago, steps in TIPS:
        collector = User.objects.filter(username=username).first()
        if collector is None:
            continue
        name, contact = informant or ("", "")
        tip = tip_services.collect_tip(Actor(collector, "command", {"demo": True}), region_code=region,
                                       category=category, content=content, anonymous=informant is None,
                                       informant_name=name, informant_contact=contact,
                                       collected_on=today - timedelta(days=ago))
        for action, days, fields in steps:
            tip = tip_services.act_on_tip(h, tip, action, on=today - timedelta(days=days), **fields)
        n += 1
    return f"演示线索已生成：{n} 条（承办人 xiansuo）"
