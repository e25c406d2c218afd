"""The social-assistance application (社会救助申请) case type: one door, coordinated
handling (一门受理、协同办理).

A community worker (or a township officer) takes ONE application for a household asking
for several kinds of help (:data:`HELP_KINDS`): programs of this app decided by 民政
(低保, 特困, 临时救助, 两项补贴, 高龄津贴, 养老服务补贴) and help of other departments
(医疗救助 by 医保, 教育救助 by 教育, 住房救助 by 住建, 就业救助 by 人社, 残疾人康复 by 残联),
which become :class:`jiayuan.cases.models.CaseTask` rows of ``cases.Department`` rows at
acceptance. The household follows one status (``public_name``).

Three paths (``AssistanceApplication.path``), chosen at intake from the parts:

- ``standard`` (低保 or 特困 asked for; other 民政 programs go along): 受理 (or 一次性告知
  of every missing material) → 家庭经济状况核对 → 入户调查 by two staff → 初审意见 with the
  rules' eligibility result → 公示 7 days in the community (objections recorded; the next
  step waits for the 7 days and for every objection to be settled) → 乡镇审核 → 县级审批
  (批准 / 不予批准 with written reasons; a refusal is notified in writing within 3
  working days) → enrollment from the month after approval.
- ``short`` (临时救助 and the allowances without 低保/特困): 受理 → 乡镇审核 → 乡镇审批 within
  the township-delegated amount (temporary assistance only; no public notice) or 县级审批.
- ``emergency`` (临时救助 先行救助): 受理 with materials still missing → the township
  decides and pays at once → the materials are completed later within a limit
  (``emergency_completion_days`` of the temporary-assistance parameters, default 5
  working days) and the completion is recorded.

Time limits (社会救助暂行办法; 最低生活保障审核确认办法 民发〔2021〕57号 **(check)**): the whole
process within 30 working days of acceptance, 45 in special cases (transition
``extend``); the stages' limits below add up to 30. The process deadline is kept in the
case's ``data["process_due"]`` and shown beside the stage's due time.
"""

from jiayuan.people.rules import N_  # marks the declared names for translation (identity)

DESK = ["community_worker", "township_officer"]
TOWNSHIP = ["township_officer"]
COUNTY = ["county_officer", "city_admin"]

# States after acceptance in which departments handle their parts (协同办理) in parallel
# with the 民政 stages, and in which the process deadline may be extended.
WORKING_STATES = ["accepted", "visiting", "initial_review", "public_notice", "township_review", "county_review",
                  "emergency", "awaiting_completion", "refusal_notice"]
PARALLEL_STATES = WORKING_STATES + ["coordinating"]
EXTENDABLE_STATES = ["accepted", "visiting", "initial_review", "public_notice", "township_review", "county_review"]
BEFORE_DECISION = ["submitted", "awaiting_materials", "accepted", "visiting", "initial_review", "public_notice",
                   "township_review", "county_review", "emergency"]


def stay_guard(state: str) -> str:
    """Name of the guard that holds while the case is in ``state`` (used by routes of
    the transitions that do not change the stage: a department's part, an extension)."""
    return f"assistance.in_{state}"


def _stay_routes(states):
    return [{"if": stay_guard(s), "to": s} for s in states]


ASSISTANCE_APPLICATION = {
    "code": "assistance_application",
    # 2: visitors are staff accounts (id or username), ``others_present``; the notice
    # starts between the day of the initial opinion and 3 days later
    "version": 2,
    "name": N_("社会救助申请"),
    "description": N_("一门受理的社会救助申请：低保、特困、临时救助、两项补贴、老年人补贴及其他部门的专项救助，协同办理"),
    "intake": "jiayuan.assistance.services.applications.application_intake",
    "create_roles": DESK,
    # need-to-know (DESIGN.md principle 8): the applicant's household, income, assets,
    # health and home-visit findings are read by the civil-affairs staff who handle
    # assistance (社区、乡镇、县、市), not by every role that works cases; the departments
    # of 协同办理 read the applications given to them (their tasks)
    "read_permission": "view_assistance",
    "initial_state": "submitted",
    "states": [
        {"code": "submitted", "name": N_("待受理"), "public_name": N_("已提交"), "queue": "community_worker",
         "limit": "1wd", "on_exceed": "warn"},
        {"code": "awaiting_materials", "name": N_("待补正材料"), "public_name": N_("待补正材料"), "queue": "community_worker",
         "limit": "10wd", "on_exceed": "warn"},
        {"code": "accepted", "name": N_("家庭经济状况核对"), "public_name": N_("审核中"), "queue": "community_worker",
         "limit": "5wd", "on_exceed": "warn"},
        {"code": "visiting", "name": N_("入户调查"), "public_name": N_("审核中"), "queue": "community_worker",
         "limit": "5wd", "on_exceed": "warn"},
        {"code": "initial_review", "name": N_("初审"), "public_name": N_("审核中"), "queue": "community_worker",
         "limit": "3wd", "on_exceed": "warn"},
        {"code": "public_notice", "name": N_("公示中"), "public_name": N_("公示中"), "queue": "community_worker",
         "limit": "7wd", "on_exceed": "warn"},
        {"code": "township_review", "name": N_("乡镇（街道）审核"), "public_name": N_("审核中"), "queue": "township_officer",
         "limit": "5wd", "on_exceed": "escalate"},
        {"code": "county_review", "name": N_("县级审批"), "public_name": N_("审批中"), "queue": "county_officer",
         "limit": "5wd", "on_exceed": "escalate"},
        {"code": "emergency", "name": N_("紧急救助待审批"), "public_name": N_("审核中"), "queue": "township_officer",
         "limit": "1wd", "on_exceed": "escalate"},
        {"code": "awaiting_completion", "name": N_("已先行救助·待补齐材料"), "public_name": N_("已救助"),
         "queue": "community_worker", "limit": "5wd", "on_exceed": "warn"},
        {"code": "refusal_notice", "name": N_("待书面告知"), "public_name": N_("不予批准"), "queue": "township_officer",
         "limit": "3wd", "on_exceed": "escalate"},
        {"code": "coordinating", "name": N_("其他部门办理中"), "public_name": N_("办理中"), "queue": "@department",
         "limit": "10wd", "on_exceed": "warn"},
        {"code": "completed", "name": N_("已办结"), "public_name": N_("已办结"), "status": "closed"},
        {"code": "refused", "name": N_("不予批准"), "public_name": N_("不予批准"), "status": "closed"},
        {"code": "withdrawn", "name": N_("已撤回"), "public_name": N_("已撤回"), "status": "closed"},
        {"code": "voided", "name": N_("已作废"), "public_name": N_("已作废"), "status": "closed"},
    ],
    "transitions": [
        # --- application and materials (一次性告知) ---------------------------------------
        {"action": "accept", "name": N_("受理"), "from": ["submitted", "awaiting_materials"], "to": "accepted",
         "roles": DESK, "comment_label": N_("受理意见"), "style": "primary",
         "guards": ["assistance.materials_complete"], "effects": ["assistance.accept"],
         "routes": [{"if": "assistance.path_emergency", "to": "emergency"},
                    {"if": "assistance.no_civil_parts", "to": "coordinating"},
                    {"if": "assistance.path_short", "to": "township_review"}]},
        {"action": "request_materials", "name": N_("一次性告知补正材料"), "from": ["submitted"], "to": "awaiting_materials",
         "roles": DESK, "comment": "required", "comment_label": N_("需补正的材料")},
        # --- standard path (低保、特困) ----------------------------------------------------
        {"action": "finish_economic_check", "name": N_("完成家庭经济状况核对"), "from": ["accepted"], "to": "visiting",
         "roles": DESK, "comment_label": N_("核对情况"), "style": "primary",
         "guards": ["assistance.path_standard", "assistance.economic_status_recorded"]},
        {"action": "home_visit", "name": N_("入户调查"), "from": ["visiting"], "to": "initial_review", "roles": DESK,
         "comment_label": N_("备注"), "style": "primary", "effects": ["assistance.home_visit"],
         # the two visitors are staff accounts of the application's area (user id or
         # username; the pages offer a list), checked by the effect
         "fields": {"visitor_1": {"type": "text", "required": True, "label": N_("调查人员（一）"), "max_length": 150},
                    "visitor_2": {"type": "text", "required": True, "label": N_("调查人员（二）"), "max_length": 150},
                    "others_present": {"type": "text", "label": N_("其他在场人员（如网格员、村民代表，可不填）"),
                                       "max_length": 200},
                    "visit_date": {"type": "date", "required": True, "label": N_("调查日期")},
                    "findings": {"type": "text", "required": True, "label": N_("调查情况"), "max_length": 2000},
                    # facts of 特困 (三无) found at the visit; the 特困 rule reads them
                    "self_care": {"type": "choice", "label": N_("生活自理能力（特困申请填写）"),
                                  "choices": [["full_self", N_("全自理")], ["semi", N_("半护理")], ["full", N_("全护理")]]},
                    "no_work_capacity": {"type": "bool", "label": N_("无劳动能力")},
                    "no_income_source": {"type": "bool", "label": N_("无生活来源")},
                    "no_supporter": {"type": "bool", "label": N_("无法定赡养、抚养、扶养义务人或其无履行能力")}}},
        {"action": "initial_opinion", "name": N_("提出初审意见"), "from": ["initial_review"], "to": "public_notice",
         "roles": DESK, "comment": "required", "comment_label": N_("初审意见"), "style": "primary",
         "guards": ["assistance.economic_status_recorded"], "effects": ["assistance.initial_opinion"],
         "routes": [{"if": "assistance.opinion_ineligible", "to": "township_review"}],
         "fields": {"opinion": {"type": "choice", "required": True, "label": N_("初审结论"),
                                "choices": [["eligible", N_("符合条件，拟予公示")], ["ineligible", N_("不符合条件")]]},
                    "notice_from": {"type": "date", "label": N_("公示开始日期（默认今天，最迟 3 天后）")}}},
        {"action": "close_notice", "name": N_("公示期满，报送审核"), "from": ["public_notice"], "to": "township_review",
         "roles": DESK, "comment_label": N_("公示情况"), "style": "primary",
         "guards": ["assistance.notice_period_over", "assistance.objections_resolved"]},
        {"action": "reinvestigate", "name": N_("重新调查核实"), "from": ["public_notice", "township_review", "county_review"],
         "to": "visiting", "roles": DESK + ["county_officer"], "comment": "required", "comment_label": N_("重新调查的原因"),
         "guards": ["assistance.path_standard"], "effects": ["assistance.reopen_notice"]},
        # --- township review (乡镇审核) and county decision (县级审批) ----------------------
        {"action": "township_submit", "name": N_("审核并报县级审批"), "from": ["township_review"], "to": "county_review",
         "roles": TOWNSHIP, "comment": "required", "comment_label": N_("审核意见"), "style": "primary",
         "fields": {"opinion": {"type": "choice", "required": True, "label": N_("审核结论"),
                                "choices": [["agree", N_("同意")], ["disagree", N_("不同意")]]}}},
        {"action": "township_decide", "name": N_("乡镇审批（授权额度内）"), "from": ["township_review"], "to": "completed",
         "roles": TOWNSHIP, "comment_label": N_("审批意见"),
         "guards": ["assistance.path_short", "assistance.temporary_only"], "effects": ["assistance.township_decide"],
         "routes": [{"if": "assistance.tasks_pending", "to": "coordinating"}],
         "fields": {"amount": {"type": "text", "required": True, "label": N_("临时救助金额（元）"), "max_length": 20}}},
        {"action": "township_refuse", "name": N_("乡镇不予批准（授权额度内）"), "from": ["township_review"],
         "to": "refusal_notice", "roles": TOWNSHIP, "comment": "required", "comment_label": N_("不予批准的理由"),
         "style": "danger", "guards": ["assistance.path_short", "assistance.temporary_only"],
         "effects": ["assistance.refuse"]},
        {"action": "approve", "name": N_("批准"), "from": ["county_review"], "to": "completed", "roles": COUNTY,
         "comment_label": N_("审批意见"), "style": "primary", "guards": ["assistance.assessment_eligible"],
         "effects": ["assistance.approve"], "routes": [{"if": "assistance.tasks_pending", "to": "coordinating"}],
         "fields": {"temporary_amount": {"type": "text", "label": N_("临时救助金额（元，申请临时救助时填写）"),
                                         "max_length": 20}}},
        {"action": "refuse", "name": N_("不予批准"), "from": ["county_review"], "to": "refusal_notice", "roles": COUNTY,
         "comment": "required", "comment_label": N_("不予批准的理由（书面告知申请人）"), "style": "danger",
         "effects": ["assistance.refuse"]},
        {"action": "notify_refusal", "name": N_("已书面告知申请人"), "from": ["refusal_notice"], "to": "refused",
         "roles": DESK + ["county_officer"], "comment_label": N_("告知情况"), "style": "primary",
         "routes": [{"if": "assistance.tasks_pending", "to": "coordinating"}],
         "fields": {"notified_on": {"type": "date", "required": True, "label": N_("告知日期")},
                    "method": {"type": "choice", "required": True, "label": N_("告知方式"),
                               "choices": [["in_person", N_("当面送达")], ["post", N_("邮寄送达")], ["other", N_("其他")]]}}},
        # --- emergency path (先行救助) ------------------------------------------------------
        {"action": "emergency_grant", "name": N_("先行救助"), "from": ["emergency"], "to": "awaiting_completion",
         "roles": TOWNSHIP + ["county_officer"], "comment": "required", "comment_label": N_("救助情况"),
         "style": "primary", "effects": ["assistance.emergency_grant"],
         "fields": {"amount": {"type": "text", "required": True, "label": N_("临时救助金额（元）"), "max_length": 20}}},
        {"action": "emergency_refuse", "name": N_("不予救助"), "from": ["emergency"], "to": "refusal_notice",
         "roles": TOWNSHIP + ["county_officer"], "comment": "required", "comment_label": N_("不予救助的理由"),
         "style": "danger", "effects": ["assistance.refuse"]},
        {"action": "complete_materials", "name": N_("补齐材料"), "from": ["awaiting_completion"], "to": "completed",
         "roles": DESK, "comment_label": N_("补齐情况"), "style": "primary", "effects": ["assistance.complete_materials"],
         "routes": [{"if": "assistance.tasks_pending", "to": "coordinating"}],
         "fields": {"completed_on": {"type": "date", "required": True, "label": N_("补齐日期")}}},
        # --- time limit -----------------------------------------------------------------------
        {"action": "extend", "name": N_("延长办理时限（特殊情况）"), "from": EXTENDABLE_STATES, "to": "accepted",
         "roles": TOWNSHIP + ["county_officer"], "comment": "required", "comment_label": N_("特殊情况说明"),
         "guards": ["assistance.not_extended"], "effects": ["assistance.extend"],
         "routes": _stay_routes([s for s in EXTENDABLE_STATES if s != "accepted"])},
        # --- departments' parts (协同办理) --------------------------------------------------
        {"action": "complete_part", "name": N_("本部门办结"), "from": PARALLEL_STATES, "to": "coordinating",
         "roles": ["@department"], "comment": "required", "comment_label": N_("办理结果"), "style": "primary",
         "effects": ["complete_task", "assistance.part_done"],
         "routes": [{"if": "assistance.coordination_finished", "to": "completed"}] + _stay_routes(WORKING_STATES)},
        {"action": "refuse_part", "name": N_("本部门不予办理"), "from": PARALLEL_STATES, "to": "coordinating",
         "roles": ["@department"], "comment": "required", "comment_label": N_("不予办理的理由"), "style": "danger",
         "effects": ["assistance.part_refused"],
         "routes": [{"if": "assistance.coordination_finished", "to": "completed"}] + _stay_routes(WORKING_STATES)},
        # --- ending early ---------------------------------------------------------------------
        {"action": "withdraw", "name": N_("申请人撤回"), "from": BEFORE_DECISION, "to": "withdrawn", "roles": DESK,
         "comment": "required", "comment_label": N_("撤回说明"), "effects": ["cancel_tasks", "assistance.cancel_parts"]},
        {"action": "void", "name": N_("作废"), "from": BEFORE_DECISION, "to": "voided",
         "roles": ["community_director", "township_officer", "county_officer"], "comment": "required",
         "comment_label": N_("作废原因"), "style": "danger", "effects": ["cancel_tasks", "assistance.cancel_parts"]},
    ],
}

CASE_TYPES = [ASSISTANCE_APPLICATION]


# Kinds of help one application may ask for. ``program``: a Program of this app, decided
# by 民政 on the application's path; otherwise ``department`` names the department (its
# name contains one of ``keywords``; the desk may choose another) whose CaseTask it is.
# ``materials``: what the applicant brings for that kind (the checklist at the desk; the
# union over the parts asked for is required).
COMMON_MATERIALS = [N_("书面申请"), N_("居民身份证"), N_("户口簿")]
HELP_KINDS = {
    "subsistence_allowance": {
        "name": N_("最低生活保障"), "program": True, "standard": True,
        "materials": COMMON_MATERIALS + [N_("家庭收入和财产状况声明"), N_("家庭经济状况核对授权书")]},
    "extreme_poverty_support": {
        "name": N_("特困人员救助供养"), "program": True, "standard": True,
        "materials": COMMON_MATERIALS + [N_("家庭经济状况核对授权书"), N_("丧失劳动能力的证明（残疾人证或诊断证明）")]},
    "temporary_assistance": {
        "name": N_("临时救助"), "program": True,
        "materials": COMMON_MATERIALS + [N_("困难情况证明（医疗票据、事故或灾害证明等）")]},
    "disability_living_allowance": {
        "name": N_("困难残疾人生活补贴"), "program": True, "materials": COMMON_MATERIALS + [N_("第二代残疾人证")]},
    "disability_care_allowance": {
        "name": N_("重度残疾人护理补贴"), "program": True,
        "materials": COMMON_MATERIALS + [N_("第二代残疾人证"), N_("长期照护需求证明")]},
    "elderly_allowance": {"name": N_("高龄津贴"), "program": True, "materials": COMMON_MATERIALS},
    "elderly_care_allowance": {
        "name": N_("养老服务补贴"), "program": True, "materials": COMMON_MATERIALS + [N_("老年人能力评估结果")]},
    "medical_assistance": {
        "name": N_("医疗救助"), "department": N_("医保"), "keywords": ["医疗保障", "医保"],
        "materials": [N_("医疗费用票据"), N_("诊断证明")]},
    "education_assistance": {
        "name": N_("教育救助"), "department": N_("教育"), "keywords": ["教育"], "materials": [N_("在校（学籍）证明")]},
    "housing_assistance": {
        "name": N_("住房救助"), "department": N_("住建"), "keywords": ["住房和城乡建设", "住建"],
        "materials": [N_("住房状况说明")]},
    "employment_assistance": {
        "name": N_("就业救助"), "department": N_("人社"), "keywords": ["人力资源和社会保障", "人社"],
        "materials": [N_("就业失业登记证明")]},
    "disability_rehabilitation": {
        "name": N_("残疾人康复救助"), "department": N_("残联"), "keywords": ["残疾人联合会", "残联"],
        "materials": [N_("第二代残疾人证"), N_("康复需求评估")]},
}
STANDARD_PROGRAMS = ("subsistence_allowance", "extreme_poverty_support")
