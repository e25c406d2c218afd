"""The names of the seeded programs (``Program.name`` and ``Program.department``, seeded
by migration 0002_programs), marked with ``N_`` so that ``make messages`` extracts them:
the rows keep the Chinese names and pages translate them when shown
(``{{ program.name|data_label }}``). Keep in step with the migration's ``PROGRAMS``."""

from jiayuan.people.rules import N_

PROGRAM_NAMES = {
    "subsistence_allowance": N_("最低生活保障"),
    "extreme_poverty_support": N_("特困人员救助供养"),
    "temporary_assistance": N_("临时救助"),
    "disability_living_allowance": N_("困难残疾人生活补贴"),
    "disability_care_allowance": N_("重度残疾人护理补贴"),
    "elderly_allowance": N_("高龄津贴"),
    "elderly_care_allowance": N_("养老服务补贴"),
    # seeded by children's migration 0003_allowance_programs
    "orphan_allowance": N_("孤儿基本生活费"),
    "de_facto_unsupported_allowance": N_("事实无人抚养儿童基本生活补贴"),
}
PROGRAM_DEPARTMENTS = (N_("民政"),)

# Program.policy of the seeded programs (the legal basis shown under the program's name)
PROGRAM_POLICIES = {
    "subsistence_allowance": N_("社会救助暂行办法（国务院令第649号）第二章"),
    "extreme_poverty_support": N_("社会救助暂行办法第三章；国发〔2016〕14号"),
    "temporary_assistance": N_("社会救助暂行办法第十一章；国发〔2014〕47号"),
    "disability_living_allowance": N_("国发〔2015〕52号"),
    "disability_care_allowance": N_("国发〔2015〕52号"),
    "elderly_allowance": N_("地方高龄津贴制度（按年龄段）"),
    "elderly_care_allowance": N_("财社〔2014〕113号（经济困难的高龄、失能等老年人补贴）"),
    "orphan_allowance": N_("国办发〔2010〕54号（孤儿基本生活费）"),
    "de_facto_unsupported_allowance": N_("民发〔2019〕62号（事实无人抚养儿童基本生活补贴）"),
}
