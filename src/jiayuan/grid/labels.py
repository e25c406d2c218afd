"""The names of the shipped event categories (``EventCategory.name``, loaded from
``grid/data/event_categories.json`` by ``load_event_categories``), marked with ``N_`` so
that ``make messages`` extracts them: the rows keep the Chinese names and pages translate
them when shown. Keep in step with the JSON file (test_no_codes checks it)."""

from jiayuan.people.rules import N_

EVENT_CATEGORY_NAMES = (
    N_("安全隐患"),
    N_("消防隐患"),
    N_("燃气隐患"),
    N_("房屋安全"),
    N_("用电安全"),
    N_("其他安全隐患"),
    N_("矛盾纠纷"),
    N_("邻里纠纷"),
    N_("婚姻家庭纠纷"),
    N_("物业纠纷"),
    N_("劳动争议（欠薪）"),
    N_("房屋宅基地、山林土地纠纷"),
    N_("其他纠纷"),
    N_("环境卫生"),
    N_("垃圾堆放"),
    N_("污水外溢"),
    N_("乱堆乱放"),
    N_("绿化损毁"),
    N_("治安"),
    N_("可疑情况"),
    N_("电信网络诈骗线索"),
    N_("其他治安问题"),
    N_("民生诉求"),
    N_("生活困难求助"),
    N_("老人照护需求"),
    N_("水电暖气"),
    N_("其他民生诉求"),
    N_("设施损坏"),
    N_("道路破损"),
    N_("路灯损坏"),
    N_("井盖缺失破损"),
    N_("健身器材损坏"),
    N_("其他"),
    N_("其他事项"),
)
