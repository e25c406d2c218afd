"""The children's referral (转介) case type, on the engine (issue 13).

A 儿童主任, 督导员 or civil-affairs officer who finds a need the village cannot meet
refers the child to the body that can: the 12355 youth rights and counselling line, the
police (公安), a school or the education bureau (教育), a hospital or the health
commission (卫健), civil affairs (民政: 孤儿/事实无人抚养 verification, 临时救助, 未成年人
救助保护机构), a court (人民法院: guardianship cases), or another body. The flow:

已转介 ``referred`` (sent; the body is asked to take it within 3 working days) →
处理中 ``handling`` (the body took it, with its contact; it answers within 15 working
days, escalated when exceeded) → 已办结 ``closed`` (the outcome, recorded on the child's
file); or 退回 ``returned`` (the body declined: refer elsewhere or close), or 撤回
``withdrawn`` (the need went away).

The time limits are the platform's default practice (未成年人保护法 art. 81 asks the
bodies to respond in time without a number of days): a deployment changes them by a new
version of this declaration.

Who reads a referral: ``view_cases`` (the engine's pages) **and** the child's file
(``read_filter``: :func:`jiayuan.children.selectors.referral_readers`) — the 儿童主任 of
the village, the 督导员 of the township, the care team, county and city civil affairs.
Another worker of the same community, or a department given a task, reads none of it:
404 as for a number that does not exist. Who acts: the village's and township's desks
(the community worker role of the 儿童主任, the township officer of the 督导员) and
county/city civil affairs; who among them reads the child's file is the filter's work.
"""

from jiayuan.people.rules import N_

REFERRERS = ["community_worker", "township_officer", "county_officer", "city_admin"]

AGENCIES = [
    ["hotline_12355", N_("12355青少年服务台")],
    ["police", N_("公安机关")],
    ["education", N_("学校或教育部门")],
    ["health", N_("医院或卫生健康部门")],
    ["civil_affairs", N_("民政部门（未成年人救助保护机构）")],
    ["court", N_("人民法院")],
    ["procuratorate", N_("人民检察院")],
    ["women_federation", N_("妇联")],
    ["other", N_("其他")],
]

OUTCOMES = [
    ["resolved", N_("问题已解决")],
    ["ongoing_support", N_("已纳入长期帮扶")],
    ["partly", N_("部分解决")],
    ["not_resolved", N_("未能解决")],
]

CHILD_REFERRAL = {
    "code": "child_referral",
    "version": 1,
    "name": N_("儿童转介"),
    "description": N_("儿童主任、督导员将困境、留守儿童的需求转介给12355、公安、学校、医院、民政、法院等"),
    "intake": "jiayuan.children.services.referral_intake",
    "create_roles": REFERRERS,
    "read_permission": "view_cases",
    "read_filter": "jiayuan.children.selectors.referral_readers",
    "initial_state": "referred",
    "states": [
        {"code": "referred", "name": N_("已转介"), "queue": "community_worker", "limit": "3wd", "on_exceed": "warn"},
        {"code": "handling", "name": N_("接收单位处理中"), "queue": "community_worker", "limit": "15wd",
         "on_exceed": "escalate"},
        {"code": "returned", "name": N_("接收单位退回"), "queue": "community_worker", "limit": "5wd",
         "on_exceed": "warn"},
        {"code": "closed", "name": N_("已办结"), "status": "closed"},
        {"code": "withdrawn", "name": N_("已撤回"), "status": "closed"},
    ],
    "transitions": [
        {"action": "accept", "name": N_("接收单位已接收"), "from": ["referred"], "to": "handling", "roles": REFERRERS,
         "comment_label": N_("接收情况"), "style": "primary",
         "fields": {"contact": {"type": "text", "required": True, "label": N_("接收单位联系人及电话"),
                                "max_length": 100}}},
        {"action": "decline", "name": N_("接收单位退回"), "from": ["referred", "handling"], "to": "returned",
         "roles": REFERRERS, "comment": "required", "comment_label": N_("退回原因")},
        {"action": "refer_again", "name": N_("重新转介"), "from": ["returned"], "to": "referred",
         "roles": REFERRERS, "comment": "required", "comment_label": N_("转介说明"),
         "fields": {"agency": {"type": "choice", "required": True, "label": N_("转介单位"), "choices": AGENCIES},
                    "agency_name": {"type": "text", "label": N_("单位名称"), "max_length": 100}}},
        {"action": "close", "name": N_("办结"), "from": ["handling", "returned"], "to": "closed", "roles": REFERRERS,
         "comment": "required", "comment_label": N_("处理结果"), "style": "primary",
         "fields": {"outcome": {"type": "choice", "required": True, "label": N_("结果"), "choices": OUTCOMES}}},
        {"action": "withdraw", "name": N_("撤回"), "from": ["referred", "handling", "returned"], "to": "withdrawn",
         "roles": REFERRERS, "comment": "required", "comment_label": N_("撤回原因"), "style": "danger"},
    ],
}

CASE_TYPES = [CHILD_REFERRAL]
