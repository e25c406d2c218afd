"""The service request (服务申请) case type of the one-stop service center: 一门受理
(intake and one-time notice of missing materials), 社区办结 where the community may
complete it, otherwise 转办 to the responsible departments; with several departments
(协同办理) each completes its part and the case is done when all are — the resident
sees one status throughout (``public_name``)."""

from jiayuan.people.rules import N_  # marks the declared names for translation (identity)

DESK = ["community_worker"]

SERVICE_REQUEST = {
    "code": "service_request",
    "version": 1,
    "name": N_("便民服务申请"),
    "description": N_("居民在一站式便民服务中心（或网上）提出的服务事项申请"),
    "intake": "jiayuan.servicecenter.services.request_intake",
    "create_roles": ["community_worker", "township_officer"],
    # who reads service requests: those who work cases in the scope (the desk, the
    # street, the county); departments read the requests routed to them (their tasks)
    "read_permission": "view_cases",
    "initial_state": "reported",
    "states": [
        {"code": "reported", "name": N_("待受理"), "public_name": N_("已提交"), "queue": "community_worker",
         "limit": "1wd", "on_exceed": "warn"},
        {"code": "awaiting_materials", "name": N_("待补正材料"), "public_name": N_("待补正材料"), "queue": "community_worker",
         "limit": "10wd", "on_exceed": "warn"},
        {"code": "accepted", "name": N_("已受理"), "public_name": N_("已受理"), "queue": "community_worker",
         "limit": "1wd", "on_exceed": "warn"},
        {"code": "processing", "name": N_("部门办理中"), "public_name": N_("办理中"), "queue": "@department",
         "limit": "5wd", "on_exceed": "escalate"},
        {"code": "completed", "name": N_("已办结"), "public_name": N_("已办结"), "status": "closed"},
        {"code": "rejected", "name": N_("不予受理"), "public_name": N_("不予受理"), "status": "closed"},
        {"code": "withdrawn", "name": N_("已撤回"), "public_name": N_("已撤回"), "status": "closed"},
        {"code": "voided", "name": N_("已作废"), "public_name": N_("已作废"), "status": "closed"},
    ],
    "transitions": [
        {"action": "accept", "name": N_("受理"), "from": ["reported", "awaiting_materials"], "to": "accepted",
         "roles": DESK, "comment_label": N_("受理意见"), "style": "primary"},
        {"action": "request_materials", "name": N_("一次性告知补正材料"), "from": ["reported", "accepted"],
         "to": "awaiting_materials", "roles": DESK, "comment": "required", "comment_label": N_("需补正的材料")},
        {"action": "reject", "name": N_("不予受理"), "from": ["reported", "awaiting_materials", "accepted"],
         "to": "rejected", "roles": DESK, "comment": "required", "comment_label": N_("不予受理理由"), "style": "danger"},
        {"action": "complete_in_community", "name": N_("社区直接办结"), "from": ["accepted"], "to": "completed",
         "roles": DESK, "comment": "required", "comment_label": N_("办理结果"), "guards": ["community_completable"],
         "style": "primary"},
        {"action": "route", "name": N_("转办责任部门"), "from": ["accepted"], "to": "processing", "roles": DESK,
         "comment_label": N_("转办说明"), "effects": ["assign_departments"], "style": "primary",
         "fields": {"departments": {"type": "departments", "required": True, "label": N_("责任部门")}}},
        {"action": "complete_part", "name": N_("本部门办结"), "from": ["processing"], "to": "processing",
         "roles": ["@department"], "comment": "required", "comment_label": N_("办理结果"),
         "effects": ["complete_task"], "routes": [{"if": "all_tasks_done", "to": "completed"}], "style": "primary"},
        {"action": "return_to_desk", "name": N_("退回窗口"), "from": ["processing"], "to": "accepted",
         "roles": ["@department"], "comment": "required", "comment_label": N_("退回原因"),
         "effects": ["return_task", "cancel_tasks"]},
        {"action": "refuse", "name": N_("不予办理"), "from": ["processing"], "to": "rejected", "roles": ["@department"],
         "comment": "required", "comment_label": N_("不予办理理由"), "effects": ["cancel_tasks"], "style": "danger"},
        {"action": "withdraw", "name": N_("申请人撤回"),
         "from": ["reported", "awaiting_materials", "accepted", "processing"], "to": "withdrawn", "roles": DESK, "comment": "required", "comment_label": N_("撤回说明"),
         "effects": ["cancel_tasks"]},
        {"action": "void", "name": N_("作废"), "from": ["reported", "awaiting_materials", "accepted", "processing"],
         "to": "voided", "roles": ["community_director", "township_officer"], "comment": "required",
         "comment_label": N_("作废原因"), "effects": ["cancel_tasks"], "style": "danger"},
    ],
}

CASE_TYPES = [SERVICE_REQUEST]
