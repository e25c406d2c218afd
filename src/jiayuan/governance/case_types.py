"""The people's mediation (人民调解) case type, after 人民调解法 (2010): 受理登记 →
调解中 (mediators of the committee assigned) → 达成协议 (履行中, with the 30-day window
for joint application for court confirmation) → 已履行 / 未履行 after the follow-up; or
调解不成, or 终止 (a party asks to end it, art. 26).

Opening is refused when a party clearly refused mediation (art. 17; the refusal is
recorded: :func:`jiayuan.governance.mediation.services.mediation_intake`). The steps that
need a record of the mediation file (mediators, agreement, follow-up) are guarded, so the
case page cannot take them before the mediation page has recorded it
(:mod:`jiayuan.governance.mediation.guards`).
"""

from jiayuan.people.rules import N_

from .mediation import guards  # noqa: F401  (registers the guards the declaration names)

MEDIATORS = ["community_worker", "township_officer"]

MEDIATION_CASE = {
    "code": "mediation_case",
    "version": 1,
    "name": N_("人民调解"),
    "description": N_("人民调解委员会受理的民间纠纷（当事人申请或委员会主动调解）"),
    "intake": "jiayuan.governance.mediation.services.mediation_intake",
    "create_roles": MEDIATORS,
    # who reads mediation cases: the mediators' desks and the street and county that
    # guide the committees (not grid members: a family dispute is not the grid's to read)
    "read_permission": "view_mediation",
    "initial_state": "registered",
    "states": [
        {"code": "registered", "name": N_("已受理登记"), "public_name": N_("已受理"), "queue": "community_worker"},
        {"code": "mediating", "name": N_("调解中"), "public_name": N_("调解中"), "queue": "community_worker"},
        {"code": "agreed", "name": N_("已达成协议"), "public_name": N_("已达成协议"), "queue": "community_worker"},
        {"code": "performed", "name": N_("协议已履行"), "public_name": N_("已办结"), "status": "closed"},
        {"code": "not_performed", "name": N_("协议未履行"), "public_name": N_("已办结"), "status": "closed"},
        {"code": "failed", "name": N_("调解不成"), "public_name": N_("已办结"), "status": "closed"},
        {"code": "terminated", "name": N_("终止调解"), "public_name": N_("已终止"), "status": "closed"},
    ],
    "transitions": [
        {"action": "start", "name": N_("开始调解"), "from": ["registered"], "to": "mediating", "roles": MEDIATORS,
         "guards": ["mediation_has_mediators"], "comment_label": N_("说明"), "style": "primary"},
        {"action": "agree", "name": N_("达成调解协议"), "from": ["mediating"], "to": "agreed", "roles": MEDIATORS,
         "guards": ["mediation_has_agreement"], "comment_label": N_("说明"), "style": "primary"},
        {"action": "fail", "name": N_("调解不成"), "from": ["mediating"], "to": "failed", "roles": MEDIATORS,
         "comment": "required", "comment_label": N_("调解不成的情况及告知当事人的其他途径")},
        {"action": "terminate", "name": N_("终止调解"), "from": ["registered", "mediating"], "to": "terminated",
         "roles": MEDIATORS, "comment": "required", "comment_label": N_("终止原因（如当事人要求终止）"),
         "style": "danger"},
        {"action": "performed", "name": N_("确认已履行"), "from": ["agreed"], "to": "performed", "roles": MEDIATORS,
         "guards": ["mediation_performed"], "comment_label": N_("说明"), "style": "primary"},
        {"action": "not_performed", "name": N_("确认未履行"), "from": ["agreed"], "to": "not_performed",
         "roles": MEDIATORS, "guards": ["mediation_has_followup"], "comment": "required",
         "comment_label": N_("未履行情况及告知当事人的途径")},
    ],
}

CASE_TYPES = [MEDIATION_CASE]
