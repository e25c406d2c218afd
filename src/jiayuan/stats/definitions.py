"""The indicators of the city's report on community governance and services, declared as
data (issue 16; DESIGN.md principle 10): code, name, definition in words, unit, whether
the figure is a stock (as at the end of the period) or a flow (within the period), the
levels and periods it applies to, its policy source and the module that owns its data.

The rule that computes an indicator lives in the owning module's ``indicators.py``
(:func:`jiayuan.stats.registry.rule`); a definition without a registered rule answers
``computable: false`` instead of a number. Figures of the reference city (张掖, 2019) are
in DOMAIN.md, "Figures from the reference city".
"""

from __future__ import annotations

from dataclasses import dataclass

from jiayuan.people.rules import N_

from .rules import HALF, LEVELS, MONTH, PERIOD_KINDS, QUARTER, YEAR  # noqa: F401

# units: the value's type and how it is shown
COUNT = "count"          # int: 个、项、次
PERSONS = "persons"      # int: 人
PERSON_TIMES = "person_times"  # int: 人次
PERCENT = "percent"      # Decimal, 0–100, one decimal
M2 = "m2"                # Decimal, square metres
YUAN = "yuan"            # Decimal yuan, two decimals
PER_10K = "per_10k"      # Decimal, persons per 10,000 residents, one decimal
UNITS = {
    COUNT: N_("个"),
    PERSONS: N_("人"),
    PERSON_TIMES: N_("人次"),
    PERCENT: N_("%"),
    M2: N_("平方米"),
    YUAN: N_("元"),
    PER_10K: N_("人/万人"),
}

STOCK, FLOW = "stock", "flow"


@dataclass(frozen=True)
class IndicatorDefinition:
    """One indicator. ``name``/``definition``/``source`` are Chinese, marked ``N_`` (shown
    through gettext); ``unit`` one of UNITS; ``nature`` STOCK (as at the period's last day)
    or FLOW (within the period); ``levels`` ⊆ rules.LEVELS; ``periods`` ⊆ PERIOD_KINDS;
    ``module`` the app label that owns the data and registers the rule."""

    code: str
    name: str
    definition: str
    unit: str
    nature: str
    module: str
    source: str = ""
    levels: tuple[str, ...] = LEVELS
    periods: tuple[str, ...] = PERIOD_KINDS
    section: str = ""   # section of the city's report: see SECTIONS


SECTIONS = {
    "organizations": N_("社会组织与社区减负"),
    "facilities": N_("社区设施与经费"),
    "workforce": N_("社区工作者队伍"),
    "governance": N_("综合治理"),
    "children": N_("儿童关爱"),
    "disability": N_("残疾人"),
    "eldercare": N_("养老服务"),
}

_REPORT = N_("张掖市城乡社区治理和服务工作情况报告（2019）")
_STRONGER = N_("《关于加强和完善城乡社区治理的意见》（中发〔2017〕13号）")

DEFINITIONS: tuple[IndicatorDefinition, ...] = (
    # 社会组织与社区减负 / 一站式服务
    IndicatorDefinition(
        "servicecenter.one_stop_centers", N_("建有一站式服务中心的城市社区数"),
        N_("区域内城市社区（居委会）中，期末建有在用“一站式”社区服务中心的社区个数。"),
        COUNT, STOCK, "servicecenter", _STRONGER, section="organizations"),
    IndicatorDefinition(
        "servicecenter.one_stop_coverage", N_("城市社区一站式服务中心覆盖率"),
        N_("期末建有在用一站式服务中心的城市社区数 ÷ 区域内城市社区总数 × 100。"),
        PERCENT, STOCK, "servicecenter", _STRONGER, section="organizations"),
    IndicatorDefinition(
        "projects.count", N_("三社联动项目数"),
        N_("区域内立项（签订合同）时间在统计期内或之前、且未终止的三社联动（五社联动）购买服务项目个数。"),
        COUNT, STOCK, "organizations", _REPORT, section="organizations"),
    IndicatorDefinition(
        "projects.funds_yuan", N_("三社联动项目资金"),
        N_("上述项目的合同金额合计（元）。"),
        YUAN, STOCK, "organizations", _REPORT, section="organizations"),
    IndicatorDefinition(
        "projects.signed_count", N_("期内签订的三社联动项目数"),
        N_("区域内合同签订日期在统计期内的三社联动（五社联动）购买服务项目个数（含其后结项或终止的）。"),
        COUNT, FLOW, "organizations", _REPORT, section="organizations"),
    IndicatorDefinition(
        "projects.signed_funds_yuan", N_("期内签订的三社联动项目资金"),
        N_("上述期内签订项目的合同金额合计（元）。"),
        YUAN, FLOW, "organizations", _REPORT, section="organizations"),
    IndicatorDefinition(
        "incubation.bases", N_("社会组织孵化基地数"),
        N_("区域内期末已启用的社会组织孵化基地个数（启用日期在统计期末或之前；未填启用日期的按已启用计）。"),
        COUNT, STOCK, "organizations", _REPORT, section="organizations"),
    IndicatorDefinition(
        "incubation.organizations", N_("在孵社会组织数"),
        N_("期末在区域内孵化基地孵化中的社会组织个数：入驻日期在统计期末或之前、期末尚未出壳或退出；一个组织只计一次。"),
        COUNT, STOCK, "organizations", _REPORT, section="organizations"),
    # 社区设施与经费
    IndicatorDefinition(
        "facilities.coverage_urban", N_("城市社区综合服务设施覆盖率"),
        N_("期末有在用社区综合服务设施（按设施服务的社区计）的城市社区数 ÷ 城市社区总数 × 100。"),
        PERCENT, STOCK, "facilities", _STRONGER, section="facilities"),
    IndicatorDefinition(
        "facilities.coverage_rural", N_("农村社区综合服务设施覆盖率"),
        N_("期末有在用社区综合服务设施的行政村数 ÷ 行政村总数 × 100。"),
        PERCENT, STOCK, "facilities", _STRONGER, section="facilities"),
    IndicatorDefinition(
        "facilities.area_m2", N_("社区综合服务设施面积"),
        N_("期末在用社区综合服务设施建筑面积合计（平方米），一处设施只计一次。"),
        M2, STOCK, "facilities", _REPORT, section="facilities"),
    IndicatorDefinition(
        "facilities.area_per_100_households", N_("每百户居民拥有社区综合服务设施面积"),
        N_("期末在用社区综合服务设施面积 ÷ 区域内户数 × 100（平方米/百户）。"),
        M2, STOCK, "facilities", N_("《城乡社区服务体系建设规划（2016-2020年）》"), section="facilities"),
    IndicatorDefinition(
        "funds.per_community_min", N_("社区工作经费（最低）"),
        N_("统计期所在年度各社区工作经费（年度核定额，元）中的最小值。"),
        YUAN, FLOW, "facilities", _REPORT, section="facilities"),
    IndicatorDefinition(
        "funds.per_community_max", N_("社区工作经费（最高）"),
        N_("统计期所在年度各社区工作经费（年度核定额，元）中的最大值。"),
        YUAN, FLOW, "facilities", _REPORT, section="facilities"),
    # 社区工作者队伍
    IndicatorDefinition(
        "workforce.cadres_trained", N_("培训社区干部人数"),
        N_("统计期内参加培训并结业的社区工作者人数（一人多次培训只计一人）。"),
        PERSONS, FLOW, "workforce", _REPORT, section="workforce"),
    IndicatorDefinition(
        "workforce.exam_classes", N_("社会工作者职业资格考前培训班次"),
        N_("统计期内开班的社会工作者职业资格考试考前培训班个数。"),
        COUNT, FLOW, "workforce", _REPORT, section="workforce"),
    IndicatorDefinition(
        "workforce.exam_trainees", N_("考前培训人数"),
        N_("统计期内开班的考前培训班的参训人数合计。"),
        PERSONS, FLOW, "workforce", _REPORT, section="workforce"),
    IndicatorDefinition(
        "workforce.staffing_per_10k", N_("每万城镇常住人口社区工作者数"),
        N_("期末城市社区（居委会）在岗社区工作者人数 × 10000 ÷ 这些社区在居民档案中在世的居民人数，保留一位小数；"
           "国家指标为不少于 18 人。"),
        PER_10K, STOCK, "workforce", N_("《关于加强社区工作者队伍建设的意见》（2024）"), section="workforce"),
    # 综合治理
    IndicatorDefinition(
        "governance.tips_collected", N_("收集涉黑涉恶线索"),
        N_("统计期内登记收集的扫黑除恶线索条数。"),
        COUNT, FLOW, "governance", _REPORT, section="governance"),
    IndicatorDefinition(
        "governance.tips_transferred", N_("移交涉黑涉恶线索"),
        N_("统计期内移交主管机关（公安、纪检监察）的线索条数。"),
        COUNT, FLOW, "governance", _REPORT, section="governance"),
    IndicatorDefinition(
        "governance.tips_concluded", N_("办结涉黑涉恶线索"),
        N_("统计期内办结并反馈的线索条数。"),
        COUNT, FLOW, "governance", _REPORT, section="governance"),
    IndicatorDefinition(
        "grid.members_min", N_("每个网格网格员人数（最少）"),
        N_("期末各网格在岗网格员人数中的最小值。"),
        PERSONS, STOCK, "grid", _REPORT, section="governance"),
    IndicatorDefinition(
        "grid.members_max", N_("每个网格网格员人数（最多）"),
        N_("期末各网格在岗网格员人数中的最大值。"),
        PERSONS, STOCK, "grid", _REPORT, section="governance"),
    # 残疾人
    IndicatorDefinition(
        "disability.two_subsidies_persons", N_("享受残疾人两项补贴人数"),
        N_("统计期内领取困难残疾人生活补贴或重度残疾人护理补贴的人数，两项都领的只计一人。"),
        PERSONS, FLOW, "disability", N_("《关于全面建立困难残疾人生活补贴和重度残疾人护理补贴制度的意见》（国发〔2015〕52号）"),
        section="disability"),
    IndicatorDefinition(
        "disability.two_subsidies_yuan", N_("发放残疾人两项补贴资金"),
        N_("统计期内实际发放的两项补贴金额合计（元）。"),
        YUAN, FLOW, "disability", N_("国发〔2015〕52号"), section="disability"),
    # 养老服务
    IndicatorDefinition(
        "eldercare.home_care_persons", N_("享受居家养老服务的老年人数"),
        N_("统计期内至少接受一次经核验的政府购买居家养老上门服务的老年人数。"),
        PERSONS, FLOW, "eldercare", N_("《居家养老上门服务基本规范》（GB/T 43153-2023）"), section="eldercare"),
    IndicatorDefinition(
        "eldercare.living_subsidy_yuan", N_("发放高龄、失能老年人生活补贴"),
        N_("统计期内实际发放的老年人生活补贴金额合计（元）。"),
        YUAN, FLOW, "eldercare", _REPORT, section="eldercare"),
    IndicatorDefinition(
        "eldercare.day_care_centers", N_("老年人日间照料中心数"),
        N_("期末在运营的老年人日间照料中心（含农村互助老人幸福院）个数。"),
        COUNT, STOCK, "eldercare", _REPORT, section="eldercare"),
    IndicatorDefinition(
        "eldercare.day_care_coverage_urban", N_("城市社区日间照料设施覆盖率"),
        N_("期末有日间照料中心或养老服务设施服务的城市社区数 ÷ 城市社区总数 × 100；一处设施计入其服务的各社区。"),
        PERCENT, STOCK, "eldercare", _REPORT, section="eldercare"),
    IndicatorDefinition(
        "eldercare.day_care_coverage_rural", N_("农村日间照料设施覆盖率"),
        N_("期末有日间照料中心或互助幸福院服务的行政村数 ÷ 行政村总数 × 100。"),
        PERCENT, STOCK, "eldercare", _REPORT, section="eldercare"),
    IndicatorDefinition(
        "eldercare.construction_subsidy_yuan", N_("养老设施建设补贴"),
        N_("统计期内拨付给日间照料中心等养老服务设施的建设补贴金额合计（元）。"),
        YUAN, FLOW, "eldercare", _REPORT, section="eldercare"),
    IndicatorDefinition(
        "eldercare.operating_subsidy_yuan", N_("养老设施运营补贴"),
        N_("统计期内拨付给日间照料中心等养老服务设施的运营补贴金额合计（元）。"),
        YUAN, FLOW, "eldercare", _REPORT, section="eldercare"),
    IndicatorDefinition(
        "eldercare.person_visits", N_("养老服务人次"),
        N_("统计期内日间照料中心服务人次与经核验的居家上门服务人次之和。"),
        PERSON_TIMES, FLOW, "eldercare", _REPORT, section="eldercare"),
    # 儿童关爱
    IndicatorDefinition(
        "children.home_children", N_("儿童之家关爱的留守儿童数"),
        N_("期末由儿童之家纳入关爱服务的农村留守儿童人数。"),
        PERSONS, STOCK, "children", N_("《关于加强农村留守儿童关爱保护工作的意见》（国发〔2016〕13号）"),
        section="children"),
)

BY_CODE = {d.code: d for d in DEFINITIONS}
