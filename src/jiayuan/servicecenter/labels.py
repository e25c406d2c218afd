"""The texts of the shipped catalogs (``servicecenter/data/*.json``, loaded by
``load_catalogs``): service item names, certificate kinds, access list items, legal bases,
responsible departments and materials, marked with ``N_`` so that ``make messages``
extracts them: the rows keep the Chinese texts and pages translate them when shown
(``|data_label``). Keep in step with the JSON files (test_no_codes and
test_catalog_texts check it). A text an administrator types later has no translation
and shows as typed."""

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


# The texts of the other shipped catalogs, for the same reason (see the module doc and
# servicecenter/tests/test_catalog_texts.py, which keeps them in step with the JSON files).

# names of the certificate kinds (seal_scope.json: forbidden, allowed, local)
SEAL_SCOPE_NAMES = (
    N_("亲属关系证明"),
    N_("居民身份信息证明"),
    N_("户口登记项目内容变更申请证明"),
    N_("居民养犬证明"),
    N_("无犯罪记录证明"),
    N_("社区戒毒、社区康复人员情况证明"),
    N_("人员失踪证明"),
    N_("婚姻状况证明"),
    N_("出生证明"),
    N_("健在证明"),
    N_("死亡证明"),
    N_("疾病状况证明"),
    N_("残疾状况证明"),
    N_("婚育状况证明"),
    N_("居民就业状况证明"),
    N_("居民个人档案证明"),
    N_("居民财产证明"),
    N_("遗产继承权证明"),
    N_("市场主体住所证明"),
    N_("证件遗失证明"),
    N_("居（租）住证明"),
    N_("权属来源证明"),
    N_("贫困学生证明"),
)

# names of the community work access list items (access_list.json)
ACCESS_LIST_NAMES = (
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
)

# legal bases and the national reason of the three catalogs
LEGAL_BASES = (
    N_("本省公布的村（居）民委员会出具证明事项清单"),
    N_("《城市居民委员会组织法》"),
    N_("《人民调解法》"),
    N_("《社会救助暂行办法》"),
    N_("《统计法》"),
    N_("《社会救助暂行办法》（国务院令第649号）"),
    N_("国发〔2015〕52号"),
    N_("依据民发〔2020〕20号，村（居）民委员会不得出具此类证明，请告知申请人向有关主管部门或通过其他方式办理"),
)

# responsible departments of the service items (service_items.json department_names)
DEPARTMENT_NAMES = (
    N_("街道党工委"),
    N_("县（区）民政局"),
    N_("社区"),
    N_("乡镇（街道）、县（区）民政局"),
    N_("县（区）民政局、残联"),
    N_("县（区）退役军人事务局"),
    N_("县（区）社保中心"),
    N_("县（区）医保局"),
    N_("县（区）人社局"),
    N_("社区、派出所"),
    N_("街道禁毒办"),
    N_("县（区）司法局（法律援助中心）"),
    N_("社区人民调解委员会"),
    N_("县（区）信访局"),
)

# materials the service items ask for (service_items.json materials)
MATERIALS = (
    N_("党员组织关系介绍信"),
    N_("本人身份证"),
    N_("近期免冠照片"),
    N_("居住地址证明（租赁合同或房产证明）"),
    N_("户口簿"),
    N_("家庭成员身份证"),
    N_("家庭收入情况说明"),
    N_("家庭财产状况申报"),
    N_("家庭经济状况核对授权书"),
    N_("申请人身份证"),
    N_("困难情况说明及证明材料"),
    N_("第二代残疾人证"),
    N_("身份证"),
    N_("退役证明"),
    N_("房屋产权证明"),
    N_("出租人身份证"),
    N_("租赁合同"),
    N_("决定书"),
    N_("经济困难状况说明"),
    N_("与案件有关的材料"),
    N_("当事人身份证"),
    N_("纠纷情况说明"),
    N_("信访人身份证"),
    N_("信访事项材料"),
)
