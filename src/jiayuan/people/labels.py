"""The names of the seeded tag kinds (``TagKind.name``, seeded by migration
0002_search_indexes_and_tag_kinds), marked with ``N_`` so that ``make messages``
extracts them: the rows keep the Chinese names and pages translate them when shown
(``{{ kind.name|data_label }}``). Keep in step with the migration's ``TAG_KINDS``."""

from .rules import N_

TAG_KIND_NAMES = {
    "subsistence_allowance": N_("低保对象"),
    "extreme_poverty": N_("特困人员"),
    "low_income": N_("低收入人口"),
    "disabled": N_("残疾人"),
    "left_behind_child": N_("留守儿童"),
    "child_in_difficulty": N_("困境儿童"),
    "unsupported_child": N_("事实无人抚养儿童"),
    "empty_nest_elderly": N_("空巢老人"),
    "elderly_living_alone": N_("独居老人"),
    "disabled_elderly": N_("失能老人"),
    "entitled_group": N_("优抚对象"),
}
