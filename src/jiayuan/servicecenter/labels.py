"""The names of the shipped service items (``ServiceItem.name``, loaded from
``servicecenter/data/service_items.json`` by ``load_catalogs``), marked with ``N_`` so that
``make messages`` extracts them: the rows keep the Chinese names and pages translate them
when shown. Keep in step with the JSON file (test_no_codes checks it)."""

from jiayuan.people.rules import N_

SERVICE_ITEM_NAMES = (
    N_("党员组织关系转接"),
    N_("老年人优待证办理"),
    N_("流动人口居住登记"),
    N_("最低生活保障申请"),
    N_("临时救助申请"),
    N_("残疾人两项补贴申请"),
    N_("优抚对象信息采集"),
    N_("城乡居民养老保险参保登记"),
    N_("城乡居民医疗保险参保登记"),
    N_("就业失业登记"),
    N_("出租房屋登记"),
    N_("社区戒毒社区康复人员报到"),
    N_("法律援助申请"),
    N_("人民调解申请"),
    N_("信访事项登记"),
)
