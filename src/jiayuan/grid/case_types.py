"""The grid event (网格事件) case type, after GB/T 30428 / CJ/T 214 digital city
management: 上报 → 立案 (or 不予立案/作废) → 派遣 → 处置反馈 → 核查 (or 返工) → 结案 →
评价, with 挂账 (parked), 退回 (returned to the reporter, or by the department to the
dispatcher) and 就地解决 (closed on the spot by the reporter with a photo).

Default time limits here; each category overrides them (grid/data/event_categories.json).
"""

from jiayuan.people.rules import N_  # marks the declared names for translation (identity)

SUPERVISORS = ["township_officer", "county_officer", "city_admin"]

GRID_EVENT = {
    "code": "grid_event",
    "version": 1,
    "name": N_("网格事件"),
    "description": N_("网格员或居民上报的安全隐患、矛盾纠纷、环境卫生等事件"),
    "intake": "jiayuan.grid.services.event_intake",
    "create_roles": ["grid_member", "community_worker", "township_officer", "county_officer", "city_admin"],
    # who reads grid events: everyone who works cases in the scope (grid members verify
    # them, communities report, streets dispatch, counties and the city supervise)
    "read_permission": "view_cases",
    "initial_state": "reported",
    "states": [
        {"code": "reported", "name": N_("已上报"), "public_name": N_("已受理"), "queue": "township_officer",
         "limit": "1wd", "on_exceed": "warn"},
        {"code": "returned", "name": N_("已退回"), "public_name": N_("待补充"), "queue": "@reporter",
         "limit": "2wd", "on_exceed": "warn"},
        {"code": "accepted", "name": N_("已立案"), "public_name": N_("已立案"), "queue": "township_officer",
         "limit": "1wd", "on_exceed": "escalate"},
        {"code": "dispatched", "name": N_("已派遣"), "public_name": N_("处理中"), "queue": "@department",
         "limit": "5wd", "on_exceed": "escalate"},
        {"code": "handled", "name": N_("已处置"), "public_name": N_("处理中"), "queue": "grid_member",
         "limit": "2wd", "on_exceed": "warn"},
        {"code": "verified", "name": N_("已核查"), "public_name": N_("处理中"), "queue": "township_officer",
         "limit": "1wd", "on_exceed": "warn"},
        {"code": "parked", "name": N_("挂账"), "public_name": N_("处理中"), "queue": "township_officer"},
        {"code": "closed", "name": N_("已结案"), "public_name": N_("已办结"), "status": "closed"},
        {"code": "evaluated", "name": N_("已评价"), "public_name": N_("已办结"), "status": "closed"},
        {"code": "voided", "name": N_("已作废"), "public_name": N_("不予受理"), "status": "closed"},
    ],
    "transitions": [
        {"action": "resolve_on_spot", "name": N_("就地解决"), "from": ["reported"], "to": "closed",
         "roles": ["@reporter"], "comment": "required", "comment_label": N_("处置情况"), "min_attachments": 1},
        {"action": "accept", "name": N_("立案"), "from": ["reported"], "to": "accepted", "roles": SUPERVISORS,
         "comment_label": N_("立案意见"), "style": "primary"},
        {"action": "return", "name": N_("退回上报人"), "from": ["reported"], "to": "returned", "roles": SUPERVISORS,
         "comment": "required", "comment_label": N_("退回原因")},
        {"action": "resubmit", "name": N_("补充后重新上报"), "from": ["returned"], "to": "reported",
         "roles": ["@reporter"], "comment": "required", "comment_label": N_("补充说明"), "style": "primary"},
        {"action": "withdraw", "name": N_("撤回"), "from": ["returned"], "to": "voided", "roles": ["@reporter"],
         "comment": "required", "comment_label": N_("撤回原因"), "style": "danger"},
        {"action": "void", "name": N_("作废（不予立案）"), "from": ["reported", "returned", "accepted", "parked"],
         "to": "voided", "roles": SUPERVISORS, "comment": "required", "comment_label": N_("作废原因"),
         "effects": ["cancel_tasks"], "style": "danger"},
        {"action": "dispatch", "name": N_("派遣"), "from": ["accepted"], "to": "dispatched", "roles": SUPERVISORS,
         "comment_label": N_("派遣意见"), "effects": ["assign_department"], "style": "primary",
         "fields": {"department": {"type": "department", "required": True, "label": N_("承办部门")}}},
        {"action": "park", "name": N_("挂账"), "from": ["accepted"], "to": "parked", "roles": SUPERVISORS,
         "comment": "required", "comment_label": N_("挂账原因")},
        {"action": "unpark", "name": N_("恢复办理"), "from": ["parked"], "to": "accepted", "roles": SUPERVISORS,
         "comment_label": N_("说明")},
        {"action": "send_back", "name": N_("部门退回"), "from": ["dispatched"], "to": "accepted",
         "roles": ["@department"], "comment": "required", "comment_label": N_("退回原因"),
         "effects": ["return_task"]},
        {"action": "handle", "name": N_("处置反馈"), "from": ["dispatched"], "to": "handled", "roles": ["@department"],
         "comment": "required", "comment_label": N_("处置情况"), "min_attachments": 1, "effects": ["complete_task"],
         "style": "primary"},
        {"action": "verify", "name": N_("核查通过"), "from": ["handled"], "to": "verified",
         "roles": ["grid_member", "@reporter"], "comment_label": N_("核查意见"), "style": "primary"},
        {"action": "rework", "name": N_("核查不通过（返工）"), "from": ["handled"], "to": "dispatched",
         "roles": ["grid_member", "@reporter", "township_officer"], "comment": "required",
         "comment_label": N_("返工原因"), "effects": ["reopen_tasks"], "style": "danger"},
        {"action": "close", "name": N_("结案"), "from": ["verified"], "to": "closed", "roles": SUPERVISORS,
         "comment_label": N_("结案意见"), "style": "primary"},
        {"action": "evaluate", "name": N_("综合评价"), "from": ["closed"], "to": "evaluated", "roles": SUPERVISORS,
         "comment_label": N_("评价意见"),
         "fields": {"score": {"type": "int", "required": True, "min": 1, "max": 5, "label": N_("评分（1–5）")}}},
    ],
}

CASE_TYPES = [GRID_EVENT]
