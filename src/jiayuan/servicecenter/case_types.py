"""The service request (服务申请) case type of the one-stop service center: 一门受理
(intake and one-time notice of missing materials), 社区办结 where the community may
complete it, otherwise 转办 to the responsible departments; with several departments
(协同办理) each completes its part and the case is done when all are — the resident
sees one status throughout (``public_name``)."""

DESK = ["community_worker"]

SERVICE_REQUEST = {
    "code": "service_request",
    "version": 1,
    "name": "便民服务申请",
    "description": "居民在一站式便民服务中心（或网上）提出的服务事项申请",
    "intake": "jiayuan.servicecenter.services.request_intake",
    "create_roles": ["community_worker", "township_officer"],
    "initial_state": "reported",
    "states": [
        {"code": "reported", "name": "待受理", "public_name": "已提交", "queue": "community_worker",
         "limit": "1wd", "on_exceed": "warn"},
        {"code": "awaiting_materials", "name": "待补正材料", "public_name": "待补正材料", "queue": "community_worker",
         "limit": "10wd", "on_exceed": "warn"},
        {"code": "accepted", "name": "已受理", "public_name": "已受理", "queue": "community_worker",
         "limit": "1wd", "on_exceed": "warn"},
        {"code": "processing", "name": "部门办理中", "public_name": "办理中", "queue": "@department",
         "limit": "5wd", "on_exceed": "escalate"},
        {"code": "completed", "name": "已办结", "public_name": "已办结", "status": "closed"},
        {"code": "rejected", "name": "不予受理", "public_name": "不予受理", "status": "closed"},
        {"code": "withdrawn", "name": "已撤回", "public_name": "已撤回", "status": "closed"},
        {"code": "voided", "name": "已作废", "public_name": "已作废", "status": "closed"},
    ],
    "transitions": [
        {"action": "accept", "name": "受理", "from": ["reported", "awaiting_materials"], "to": "accepted",
         "roles": DESK, "comment_label": "受理意见", "style": "primary"},
        {"action": "request_materials", "name": "一次性告知补正材料", "from": ["reported", "accepted"],
         "to": "awaiting_materials", "roles": DESK, "comment": "required", "comment_label": "需补正的材料"},
        {"action": "reject", "name": "不予受理", "from": ["reported", "awaiting_materials", "accepted"],
         "to": "rejected", "roles": DESK, "comment": "required", "comment_label": "不予受理理由", "style": "danger"},
        {"action": "complete_in_community", "name": "社区直接办结", "from": ["accepted"], "to": "completed",
         "roles": DESK, "comment": "required", "comment_label": "办理结果", "guards": ["community_completable"],
         "style": "primary"},
        {"action": "route", "name": "转办责任部门", "from": ["accepted"], "to": "processing", "roles": DESK,
         "comment_label": "转办说明", "effects": ["assign_departments"], "style": "primary",
         "fields": {"departments": {"type": "departments", "required": True, "label": "责任部门"}}},
        {"action": "complete_part", "name": "本部门办结", "from": ["processing"], "to": "processing",
         "roles": ["@department"], "comment": "required", "comment_label": "办理结果",
         "effects": ["complete_task"], "routes": [{"if": "all_tasks_done", "to": "completed"}], "style": "primary"},
        {"action": "return_to_desk", "name": "退回窗口", "from": ["processing"], "to": "accepted",
         "roles": ["@department"], "comment": "required", "comment_label": "退回原因",
         "effects": ["return_task", "cancel_tasks"]},
        {"action": "refuse", "name": "不予办理", "from": ["processing"], "to": "rejected", "roles": ["@department"],
         "comment": "required", "comment_label": "不予办理理由", "effects": ["cancel_tasks"], "style": "danger"},
        {"action": "withdraw", "name": "申请人撤回", "from": ["reported", "awaiting_materials", "accepted", "processing"],
         "to": "withdrawn", "roles": DESK, "comment": "required", "comment_label": "撤回说明",
         "effects": ["cancel_tasks"]},
        {"action": "void", "name": "作废", "from": ["reported", "awaiting_materials", "accepted", "processing"],
         "to": "voided", "roles": ["community_director", "township_officer"], "comment": "required",
         "comment_label": "作废原因", "effects": ["cancel_tasks"], "style": "danger"},
    ],
}

CASE_TYPES = [SERVICE_REQUEST]
