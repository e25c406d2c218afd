"""The data elements 一表通 starts with, as data: one behind each indicator of
:mod:`jiayuan.stats.definitions`, registry counts, and elements only a unit knows (entered).
:func:`jiayuan.stats.yibiaotong.services.seed_elements` creates those missing.

Owner departments are those of the reference city's report (张掖市, 2019): the bureau of
civil affairs' sections, the political-legal committee, the disabled persons' federation.
"""

from __future__ import annotations

from dataclasses import dataclass

from jiayuan.people.rules import N_

from ..definitions import DEFINITIONS, FLOW, MONTH, YEAR

# the department that owns an indicator's data, by owning module
DEPARTMENT_OF_MODULE = {
    "servicecenter": N_("市民政局基层政权建设和社区治理科"),
    "facilities": N_("市民政局基层政权建设和社区治理科"),
    "workforce": N_("市民政局基层政权建设和社区治理科"),
    "organizations": N_("市民政局社会组织管理科"),
    "governance": N_("市委政法委"),
    "grid": N_("市委政法委"),
    "disability": N_("市残疾人联合会"),
    "eldercare": N_("市民政局养老服务科"),
    "children": N_("市民政局儿童福利科"),
}
COMMUNITY = N_("社区（村）居民委员会")


@dataclass(frozen=True)
class ElementSeed:
    """An element to create: as :class:`jiayuan.stats.models.DataElement`."""

    code: str
    name: str
    definition: str
    owner_department: str
    source_kind: str
    source: str
    unit: str
    frequency: str


def _from_indicators() -> list[ElementSeed]:
    out = []
    for d in DEFINITIONS:
        out.append(ElementSeed(d.code, d.name, d.definition, DEPARTMENT_OF_MODULE.get(d.module, N_("市民政局")),
                               "indicator", d.code, d.unit, MONTH if d.nature == FLOW and MONTH in d.periods else YEAR))
    return out


REGISTRY = [
    ElementSeed("registry.persons", N_("在册居民人数"),
                N_("期末在居民档案中登记、状态为在世的居民人数（含户籍与常住登记）。"),
                N_("社区（村）居民委员会"), "registry", "people.persons", "persons", MONTH),
    ElementSeed("registry.households", N_("在册户数"),
                N_("期末在居民档案中登记的户数。"),
                N_("社区（村）居民委员会"), "registry", "people.households", "count", MONTH),
    ElementSeed("registry.elderly_60", N_("60周岁及以上在册居民人数"),
                N_("期末在世、年满60周岁的在册居民人数（按出生日期计算至统计期末）。"),
                N_("市民政局养老服务科"), "registry", "people.elderly_60", "persons", YEAR),
]

ENTERED = [
    ElementSeed("entered.office_area_m2", N_("社区办公用房面积"),
                N_("社区（村）两委办公用房的建筑面积，不含对外服务用房，单位平方米。"),
                COMMUNITY, "entered", "", "m2", YEAR),
    ElementSeed("entered.council_meetings", N_("居（村）民议事会召开次数"),
                N_("统计期内居（村）民议事会、协商议事会召开的次数。"),
                COMMUNITY, "entered", "", "count", YEAR),
    ElementSeed("entered.property_managed_estates", N_("实行物业管理的小区数"),
                N_("期末辖区内由物业服务企业或业主自管实行物业管理的住宅小区个数。"),
                COMMUNITY, "entered", "", "count", YEAR),
    ElementSeed("entered.volunteer_activities", N_("开展志愿服务活动次数"),
                N_("统计期内社区（村）组织开展的志愿服务活动次数。"),
                COMMUNITY, "entered", "", "count", YEAR),
]


def seeds() -> list[ElementSeed]:
    """Every element to start with, indicators first (in the report's order)."""
    return _from_indicators() + REGISTRY + ENTERED
