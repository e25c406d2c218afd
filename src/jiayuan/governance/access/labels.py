"""The names of the access list's items (``servicecenter/data/access_list.json``) marked
for translation: the rows keep the Chinese name as the msgid, and the request pages
show it translated (``gettext``)."""

from jiayuan.people.rules import N_

ACCESS_ITEM_NAMES = [
    N_("召集居民会议、居民代表会议"),
    N_("组织居民协商议事"),
    N_("调解民间纠纷"),
    N_("办理本居住地区居民的公共事务和公益事业"),
    N_("协助开展社会救助申请受理和入户调查"),
    N_("协助开展公共卫生和疾病预防工作"),
    N_("协助开展养老服务和高龄津贴发放核查"),
    N_("协助开展人口普查等统计调查"),
    N_("协助维护社会治安和禁毒宣传"),
    N_("招商引资"),
    N_("协税护税"),
    N_("行政执法"),
    N_("拆迁拆违"),
    N_("未经批准的检查、考核、评比、创建示范"),
    N_("出具无法律法规依据的证明"),
]
