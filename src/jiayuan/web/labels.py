"""Chinese labels for what the pages show from the audit log: actions, fields, values.

The audit log stores codes (``person.update``, ``{"sex": [1, 2]}``, region codes); a
community worker reads 修改居民信息 · 性别：男 → 女. Unknown codes are shown as they
are, never dropped.
"""

import re

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ..people import rules as people_rules
from ..people.models import Person, TagKind, relation_label
from ..regions.models import Region

ACTION_LABELS = {
    "person.create": _("登记居民"),
    "person.update": _("修改居民信息"),
    "person.life_status": _("变更人员状态"),
    "person.view_sensitive": _("查看完整证件号码/手机号"),
    "person.tag_add": _("添加人员类别"),
    "person.tag_end": _("结束人员类别"),
    "person.move": _("随户迁移网格"),
    "household.create": _("新建户"),
    "household.update": _("修改户信息"),
    "household.move": _("调整户所属网格"),
    "household.member_add": _("加入户"),
    "household.member_remove": _("移出户"),
    "household.head_change": _("变更户主"),
    "grid.create": _("新建网格"),
    "person.export": _("导出居民名单"),
    "household.export": _("导出户名单"),
    "event_category.create": _("新增事件类别"),
    "event_category.update": _("更新事件类别"),
    "grid.update": _("修改网格"),
    "region.create": _("新增区划"),
    "region.update": _("修改区划"),
    "user.create": _("新建账号"),
    "user.password_reset": _("重置密码"),
    "user.update": _("修改账号"),
    "user.disable": _("停用账号"),
    "user.enable": _("启用账号"),
    "user.unlock": _("解除登录锁定"),
    "user.password_change": _("修改本人密码"),
    "token.issue": _("签发接口令牌"),
    "token.revoke": _("撤销接口令牌"),
    "token.revoke_all": _("撤销全部接口令牌"),
    "user.deactivate": _("停用账号"),
    "auth.lockout": _("登录失败过多锁定账号"),
    "otp.enrol": _("启用两步验证"),
    "otp.remove": _("停用两步验证"),
    "otp.recovery_use": _("使用恢复码登录"),
    "person.search_identifier": _("按证件号/手机号查询居民"),
    "import.report_download": _("下载导入错误报告"),
    "audit.rechain": _("重新计算审计哈希链"),
    "import.retry": _("重试导入任务"),
    # cases, service center
    "case.open": _("登记案件"),
    "case_type.sync": _("更新案件类型声明"),
    "case.transition": _("办理案件"),
    "case.urge": _("督办"),
    "case.deadline_recompute": _("按节假日安排重新计算期限"),
    "case.warn": _("超期预警"),
    "case.escalate": _("超期升级"),
    "open311.client": _("新建 Open311 接入方"),
    "calendar.year.enter": _("录入年度节假日安排"),
    "attachment.upload": _("上传照片"),
    "department.create": _("新建职能部门"),
    "department.member": _("添加部门人员"),
    "department.update": _("修改职能部门"),
    "certificate.issue": _("出具证明"),
    "certificate.refuse": _("不予出具证明"),
    "certificate.revoke": _("作废证明"),
    "certificate.decide": _("决定证明事项"),
    "certificate.ask_decision": _("证明事项待社区负责人决定"),
    "seal_scope.create": _("增补印章使用范围清单"),
    "seal_scope.update": _("录入证明清单文号"),
    "service_item.create": _("新增服务事项"),
    "service_item.update": _("修改服务事项"),
    "access_item.create": _("新增准入清单事项"),
    "access_item.update": _("录入准入清单文号"),
    "community_task.assign": _("向社区派发事项"),
    "community_task.decide": _("审批社区事项"),
    # disability
    "disability.record": _("登记残疾人证"),
    "disability.replace": _("换证（被新证替换）"),
    "disability.care_need": _("修改长期照护需求"),
    "disability.revoke": _("注销残疾人证"),
    "facility.create": _("登记综合服务设施"),
    "facility.update": _("修改综合服务设施"),
    "facility.room_add": _("添加功能室"),
    "facility.room_remove": _("删除功能室"),
    "fund.standard_set": _("设定社区工作经费标准"),
    "fund.budget_set": _("设定社区工作经费预算安排"),
    "fund.allocation": _("拨付社区工作经费"),
    "fund.spending": _("记录社区工作经费支出"),
    "worker.register": _("登记社区工作者"),
    "worker.update": _("修改社区工作者岗位与等级"),
    "worker.grade_step": _("社区工作者晋升等级"),
    "worker.leave": _("社区工作者离岗"),
    "social_worker.record": _("登记社会工作职业资格"),
    "social_worker.hours": _("登记继续教育学时"),
    "exam.register": _("职业资格考试报名"),
    "exam.result": _("登记考试成绩"),
    "training.create": _("新建培训班"),
    "training.enroll": _("加入参训人员"),
    "training.attendance": _("标记参训"),
    "worker.export": _("导出社区工作者名册"),
    "social_worker.export": _("导出社会工作者名册"),
    # governance: tips (the entries name the tip by its number; never its content)
    "tip.collect": _("登记线索"),
    "tip.view": _("查看线索内容"),
    "tip.view_status": _("查看线索状态"),
    "tip.list": _("查看线索列表"),
    "tip.verify": _("核实线索"),
    "tip.transfer": _("移交线索"),
    "tip.conclude": _("办结线索"),
    "tip_handler.designate": _("指定线索承办人"),
    "tip_handler.end": _("终止线索承办人指定"),
    # governance: people's mediation and self-governance bodies
    "mediation.refusal": _("记录当事人拒绝调解"),
    "mediation.assign": _("指派调解员"),
    "mediation.session": _("记录调解过程"),
    "mediation.agreement": _("记录调解协议"),
    "mediation.followup": _("记录履行回访"),
    "mediation.report_police": _("报告公安机关"),
    "mediation.police_received": _("公安机关签收纠纷报告"),
    "body.create": _("登记自治组织"),
    "body.election": _("登记换届选举"),
    # governance: evaluation, activities and volunteers
    "evaluation.create": _("设置综合考核"),
    "evaluation.open": _("开始综合考核评分"),
    "evaluation.score": _("综合考核评分"),
    "evaluation.publish": _("公布综合考核结果"),
    "evaluation.object": _("对考核结果提出异议"),
    "evaluation.answer": _("答复考核异议"),
    "evaluation.export": _("导出综合考核结果"),
    "activity.create": _("登记教育活动"),
    "activity.participants": _("登记活动参加居民"),
    "activity.photos": _("上传活动照片"),
    "activity.export": _("导出教育活动"),
    "volunteer.export": _("导出志愿服务记录"),
    "volunteer_team.create": _("登记志愿服务队"),
    "volunteer.register": _("实名注册志愿者"),
    "volunteer.service": _("登记志愿服务时长"),
    "volunteer.confirm": _("确认志愿服务时长"),
    "volunteer.view": _("查看志愿者服务记录"),
    "volunteer.certificate": _("出具志愿服务记录证明"),
    "volunteer.certificate_view": _("查看志愿服务记录证明"),
    "body.member_add": _("添加组织成员"),
    "compact.create": _("登记公约"),
    "compact.version": _("登记公约新版本"),
    "compact.file": _("公约备案"),
    "disability.network_register": _("登记助残服务网络组织"),
    "disability.network_member": _("添加助残网络成员"),
    "disability.service": _("记录助残服务"),
    # children
    "children.duty_start": _("任命儿童主任/督导员"),
    "children.duty_end": _("儿童主任/督导员离任"),
    "child_file.open": _("建立儿童档案"),
    "child_file.read": _("查看儿童档案"),
    "child_file.list": _("查看儿童档案列表"),
    "child_file.update": _("修改儿童档案"),
    "child_file.parent": _("修改父母情况"),
    "child_file.flag": _("儿童类别待复核"),
    "child_file.confirm": _("确认儿童类别"),
    "child_file.team_set": _("关爱团队结对"),
    "child_file.team_remove": _("移出关爱团队"),
    "child_file.visit": _("记录探访"),
    "child_file.referral": _("儿童转介"),
    "child_file.close": _("儿童档案销档"),
    "child_file.reopen": _("恢复儿童档案"),
    "child_file.export": _("导出儿童档案"),
    "child_file.allowance": _("纳入儿童基本生活保障"),
    "child_file.allowance_stop": _("停发儿童基本生活保障"),
    "child_file.regrade": _("调整风险等级"),
    "child_file.move": _("儿童档案随迁"),
    "children.home_register": _("登记留守儿童之家"),
    "children.home_enrol": _("儿童入托登记"),
    "children.home_leave": _("儿童离开儿童之家"),
    "children.home_attendance": _("记录到托"),
    "children.home_update": _("修改留守儿童之家"),
    # social assistance
    "assistance.parameter.create": _("设定救助参数"),
    "assistance.parameter.correct": _("更正救助参数"),
    "assistance.application.create": _("受理救助申请"),
    "assistance.application.economic": _("登记家庭经济状况"),
    "assistance.objection.create": _("登记公示异议"),
    "assistance.objection.resolve": _("处理公示异议"),
    "assistance.enrollment.create": _("纳入享受对象"),
    "assistance.enrollment.review": _("复核享受对象"),
    "assistance.enrollment.suspend": _("暂停待遇"),
    "assistance.enrollment.resume": _("恢复待遇"),
    "assistance.enrollment.terminate": _("终止待遇"),
    "assistance.enrollment.flag": _("标记待处理事项"),
    "assistance.enrollment.clear_flag": _("处理待处理事项"),
    "assistance.enrollment.move": _("享受对象随迁变更区划"),
    "assistance.enrollment.account": _("登记发放账户"),
    "payment_batch.generate": _("生成发放批次"),
    "payment_batch.review": _("审核发放批次"),
    "payment_batch.approve": _("审批发放批次"),
    "payment_batch.export": _("导出发放文件"),
    "payment_batch.results": _("登记发放结果"),
    "payment_batch.close": _("完成发放批次"),
    "payment_batch.reopen": _("退回重做发放批次"),
    "payment_batch.regenerate": _("重新生成发放批次"),
    # elderly care
    "eldercare.assess": _("登记老年人能力评估"),
    "eldercare.export": _("导出养老服务名册"),
    "eldercare.facility.create": _("登记日间照料设施"),
    "eldercare.facility.update": _("修改日间照料设施"),
    "eldercare.facility.assign": _("增加设施服务范围"),
    "eldercare.facility.unassign": _("终止设施服务范围"),
    "eldercare.facility.subsidy": _("登记设施补贴"),
    "eldercare.attendance.count": _("登记当日人次"),
    "eldercare.attendance.check_in": _("日间照料签到"),
    "eldercare.item.create": _("增加居家养老服务项目"),
    "eldercare.item.update": _("修改居家养老服务项目"),
    "eldercare.standard.set": _("设定居家养老服务标准"),
    "eldercare.entitlement.approve": _("审批居家养老服务待遇"),
    "eldercare.entitlement.end": _("终止居家养老服务待遇"),
    "eldercare.contract.sign": _("签订居家养老服务合同"),
    "eldercare.duty.set": _("设定居家服务人员职责"),
    "eldercare.plan.create": _("制定月度服务计划"),
    "eldercare.order.dispatch": _("派发服务工单"),
    "eldercare.order.check_in": _("上门服务签到"),
    "eldercare.order.check_out": _("上门服务签退"),
    "eldercare.order.confirm": _("老人确认服务完成"),
    "eldercare.order.void": _("作废服务工单"),
    "eldercare.order.callback": _("回访服务工单"),
    "eldercare.order.export": _("导出服务工单"),
    "eldercare.complaint.create": _("登记居家服务投诉"),
    "eldercare.complaint.decide": _("处理居家服务投诉"),
    "eldercare.settlement.generate": _("生成居家服务结算"),
    "eldercare.settlement.approve": _("审批居家服务结算"),
    "eldercare.settlement.reopen": _("退回居家服务结算"),
    "eldercare.settlement.export": _("导出居家服务结算单"),
    # social organizations and purchased services (organizations/)
    "organization.create": _("登记社会组织"),
    "organization.update": _("修改社会组织信息"),
    "organization.status": _("变更社会组织状态"),
    "organization.inspection": _("登记年报年检"),
    "organization.rating": _("登记评估等级"),
    "organization.member_add": _("关联组织人员"),
    "organization.member_end": _("解除组织人员关联"),
    "organization.activity": _("登记组织活动"),
    "organization.filing_submit": _("受理社区社会组织备案"),
    "filing.step": _("办理社区社会组织备案"),
    "incubation_base.create": _("登记孵化基地"),
    "incubation.admit": _("组织入驻孵化"),
    "incubation.release": _("组织出壳"),
    "incubation.service": _("登记孵化服务"),
    "call.create": _("发布项目征集"),
    "call.panel_member": _("确定评审专家"),
    "call.conflict": _("评审专家声明回避"),
    "call.review": _("进入专家评审"),
    "call.notice": _("发布项目公示"),
    "proposal.save": _("保存项目申报"),
    "proposal.submit": _("提交项目申报"),
    "proposal.eligibility": _("资格审查"),
    "proposal.score": _("评审打分"),
    "proposal.objection": _("登记项目公示异议"),
    "proposal.objection_resolved": _("处理项目公示异议"),
    "project.contract": _("签订服务项目合同"),
    "project.report": _("提交项目报告"),
    "project.service": _("登记项目服务记录"),
    "project.milestone_met": _("确认项目节点完成"),
    "project.evaluation": _("登记项目评估"),
    "project.instalment": _("拨付项目资金"),
    "project.close": _("项目结项"),
    "project.beneficiary_add": _("指定项目服务对象"),
    "project.beneficiary_end": _("项目服务对象退出"),
    "project.residents_read": _("承接组织查阅项目服务对象"),
    "project.resident_fields": _("变更承接组织可查阅的服务对象信息"),
    "project.export": _("导出服务项目"),
    "project.payments_export": _("导出项目拨付明细"),
    "organization.export": _("导出社会组织名录"),
    # 一表通 (stats/yibiaotong/)
    "report.elements_seed": _("生成数据元"),
    "report.element_create": _("登记数据元"),
    "report.form_create": _("新建报表"),
    "report.form_approve": _("审定报表"),
    "report.form_retire": _("停用报表"),
    "report.task_issue": _("下发填报任务"),
    "report.value_record": _("填报数据"),
    "report.values_confirm": _("确认平台数据"),
    "report.submit": _("报送报表"),
}

OBJECT_TYPE_LABELS = {
    "people.person": _("居民"),
    "people.household": _("户"),
    "regions.region": _("区划/网格"),
    "accounts.user": _("账号"),
    "accounts.apitoken": _("接口令牌"),
    "cases.case": _("案件"),
    "cases.officialcalendaryear": _("年度节假日安排"),
    "cases.attachment": _("照片"),
    "cases.department": _("职能部门"),
    "servicecenter.certificate": _("证明"),
    "servicecenter.communitytask": _("社区事项"),
    "disability.disabilitycertificate": _("残疾人证"),
    "governance.tip": _("线索"),
    "governance.tiphandler": _("线索承办人"),
    "disability.networkorganization": _("助残服务网络组织"),
    "children.childfile": _("儿童档案"),
    "children.childrenduty": _("儿童主任/督导员"),
    "children.childrenshome": _("留守儿童之家"),
    "assistance.programparameter": _("救助参数"),
    "assistance.assistanceapplication": _("救助申请"),
    "assistance.enrollment": _("享受对象"),
    "assistance.paymentbatch": _("发放批次"),
    "imports.importjob": _("导入任务"),
    "grid.eventcategory": _("事件类别"),
    "cases.casetype": _("案件类型"),
}

FIELD_LABELS = {
    "name": _("姓名"),
    "id_number": _("公民身份号码"),
    "phone": _("联系电话"),
    "sex": _("性别"),
    "birth_date": _("出生日期"),
    "ethnic_group": _("民族"),
    "residence_status": _("居住状态"),
    "address": _("住址"),
    "region": _("所属网格（社区）"),
    "household": _("户"),
    "relation_to_head": _("与户主关系"),
    "life_status": _("人员状态"),
    "life_status_date": _("状态变更日期"),
    "note": _("备注"),
    "tag": _("人员类别"),
    "tags": _("人员类别"),  # a roster import's person.create: [None, [tag codes]]
    "number": _("户号"),
    "boundary": _("边界"),
    "role": _("角色"),
    "scope": _("管辖范围"),
    "level": _("层级"),
    "kind": _("类别"),
    "parent_id": _("上级"),
    # cases, social assistance
    "state": _("状态"),
    "status": _("状态"),
    "type": _("案件类型"),
    "category": _("事件类别"),
    "program": _("救助项目"),
    "parts": _("申请救助项目"),
    "kinds": _("申请救助项目"),
    "path": _("办理程序"),
    "person": _("居民"),
    "applicant": _("申请人"),
    "amount": _("金额"),
    "start_month": _("起始月份"),
    "end_month": _("终止月份"),
    "effective_from": _("生效日期"),
    "values": _("参数"),
    "policy": _("文件依据"),
    "issued_on": _("发证日期"),
    "valid_until": _("有效期至"),
    "disability_type": _("残疾类别"),
    "grade": _("残疾等级"),
    "long_term_care_need": _("长期照护需求"),
    "min_age": _("起始年龄"),
    "max_age": _("截止年龄"),
}


def action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))


def object_type_label(object_type: str) -> str:
    """The kind of object an audit entry is about: the label above, else the model's
    verbose name (``grid.eventcategory`` → 事件类别); the code only for an unknown model."""
    if object_type in OBJECT_TYPE_LABELS:
        return str(OBJECT_TYPE_LABELS[object_type])
    try:
        return str(apps.get_model(object_type)._meta.verbose_name)
    except (LookupError, ValueError):
        return object_type


def _declared_names() -> dict[str, dict]:
    """Names of what declared data stores by code, translated: case states and case
    types (from the registered declarations), programs, event categories, and the
    assistance parameters' labels (``standard_urban`` → 城市低保标准)."""
    from ..assistance.models import Program
    from ..assistance.rules import PARAMETER_SCHEMAS
    from ..cases import declarations
    from ..grid.models import EventCategory

    states, types = {}, {}
    for code, raw in declarations.registered().items():
        types[code] = gettext(raw.get("name") or code)
        for st in raw.get("states") or []:
            states.setdefault(st["code"], gettext(st.get("name") or st["code"]))
    params = {}
    for specs in PARAMETER_SCHEMAS.values():
        for spec in specs:
            params.setdefault(spec.key, gettext(spec.label))
    return {"state": states, "type": types,
            "program": {c: gettext(n) for c, n in Program.objects.values_list("code", "name")},
            "category": {c: gettext(n) for c, n in EventCategory.objects.values_list("code", "name")},
            "param": params}


def _key_label(key: str, names: dict) -> str:
    """A key inside a stored dict value (parameters, age bands): its label, else the key."""
    if key in names["param"]:
        return names["param"][key]
    return str(FIELD_LABELS.get(key, key))


_CODE_TOKEN = re.compile(r"[a-z]+(?:_[a-z0-9]+)+")


def object_label(object_repr: str, names: dict) -> str:
    """The stored text of an audit entry's object with the program and case type codes
    some services wrote into it (``subsistence_allowance 620702 2026-12``,
    ``grid_event v1``) shown by their names."""
    known = {**names.get("program", {}), **names.get("type", {})}
    return _CODE_TOKEN.sub(lambda m: known.get(m.group(0), m.group(0)), object_repr or "")


PERSON_FIELDS = ("person", "applicant", "head")


def _referenced_names(entries) -> dict[str, dict]:
    """Persons and households that changes refer to by id (``person: [None, 7]``):
    {"person": {"7": 张建国}, "household": {"12": 0012}} — names and household numbers
    instead of internal ids."""
    from ..people.models import Household

    ids = {"person": set(), "household": set()}
    for e in entries:
        for field, pair in (e.changes or {}).items():
            kind = "person" if field in PERSON_FIELDS else "household" if field == "household" else None
            if kind is None:
                continue
            for v in pair if isinstance(pair, list) else [pair]:
                if isinstance(v, int) or (isinstance(v, str) and v.isdigit()):
                    ids[kind].add(int(v))
    return {"person": {str(pk): name for pk, name in Person.objects.filter(pk__in=ids["person"]).values_list("pk", "name")},
            "household": {str(pk): number for pk, number in
                          Household.objects.filter(pk__in=ids["household"]).values_list("pk", "number")}}


# Apps whose models name their own fields in the audit log (their verbose names, not the
# shared labels above: a facility's ``name`` is its 名称, not a person's 姓名).
OWN_FIELD_LABELS = ("eldercare.",)


def _field_label(field: str, object_type: str, names: dict) -> str:
    if object_type.startswith(OWN_FIELD_LABELS):
        try:
            return str(apps.get_model(object_type)._meta.get_field(field).verbose_name)
        except (LookupError, ValueError, FieldDoesNotExist):
            pass
    if field in FIELD_LABELS:
        return str(FIELD_LABELS[field])
    if field in names["param"]:
        return names["param"][field]
    try:
        # a reverse relation (ManyToOneRel: a person's ``tags``) has no verbose_name
        return str(getattr(apps.get_model(object_type)._meta.get_field(field), "verbose_name", field))
    except (LookupError, ValueError, FieldDoesNotExist):
        return field


def _region_names(entries) -> dict[str, str]:
    codes = set()
    for e in entries:
        if e.region_code:
            codes.add(e.region_code)
        for key in ("region", "scope"):
            for v in (e.changes or {}).get(key) or []:
                if isinstance(v, str) and v.isdigit():
                    codes.add(v)
    rows = Region.objects.filter(code__in=codes).select_related("parent")
    out = {}
    for r in rows:
        out[r.code] = f"{r.parent.short_name} · {r.name}" if r.is_grid and r.parent_id else r.short_name
    return out


# Models whose texts are shipped catalogs marked for translation (the stored text is the
# msgid): an audit entry's value of one of these fields is shown translated, as the
# catalog is on every other page; a text an administrator typed has no translation and
# shows as stored.
CATALOG_TEXT_FIELDS = {
    "grid.eventcategory": ("name",),
    "servicecenter.serviceitem": ("name", "department_names", "legal_basis", "materials"),
    "servicecenter.sealscopeitem": ("name", "legal_basis"),
    "servicecenter.accesslistitem": ("name", "legal_basis"),
    "people.tagkind": ("name",),
    "assistance.program": ("name", "department", "policy"),
}


def _value(field: str, value, regions: dict, kinds: dict, names: dict | None = None, object_type: str = "") -> str:
    if value is None or value == "":
        return "—"
    if value == "***":
        return str(_("（保密，不记录内容）"))
    names = names or {"state": {}, "type": {}, "program": {}, "category": {}, "param": {}}
    if isinstance(value, (list, tuple)):
        return "、".join(_value(field, v, regions, kinds, names, object_type) for v in value) or "—"
    if isinstance(value, dict):
        return "；".join(f"{_key_label(str(k), names)}：{_value(str(k), v, regions, kinds, names, object_type)}"
                        for k, v in value.items()) or "—"
    if isinstance(value, bool):
        return str(_("是") if value else _("否"))
    if field in PERSON_FIELDS and str(value) in names.get("person", {}):
        return names["person"][str(value)]
    if field == "household" and str(value) in names.get("household", {}):
        return names["household"][str(value)]
    if isinstance(value, str):
        if field in CATALOG_TEXT_FIELDS.get(object_type, ()):
            return gettext(value)
        if field == "state" and value in names["state"]:
            return names["state"][value]
        if field == "type" and value in names["type"]:
            return names["type"][value]
        if field == "category" and value in names["category"]:
            return names["category"][value]
        if field in ("program", "parts", "kinds") and value in names["program"]:
            return names["program"][value]
        if object_type:
            # a field of the audited object's model with choices (status, kind …): its label
            try:
                # (a reverse relation, a person's ``tags``, has no choices)
                choices = dict(getattr(apps.get_model(object_type)._meta.get_field(field), "choices", None) or ())
                if value in choices:
                    return str(choices[value])
            except (LookupError, ValueError, FieldDoesNotExist):
                pass
    try:
        if field == "sex":
            return str(Person.Sex(int(value)).label)
        if field == "residence_status":
            return str(Person.ResidenceStatus(value).label)
        if field == "life_status":
            return str(Person.LifeStatus(value).label)
        if field == "ethnic_group":
            return gettext(people_rules.ETHNIC_GROUPS[value]) if value in people_rules.ETHNIC_GROUPS else value
        if field == "relation_to_head":
            return relation_label(value) if value in people_rules.RELATIONS else value
        if field in ("region", "scope"):
            return f"{regions.get(value, value)}"
        if field in ("tag", "tags"):
            return kinds.get(value, value)
    except (ValueError, TypeError):
        pass
    return str(value)


def describe_entries(entries) -> list[dict]:
    """Rows for a history or audit table: each entry with ``action_label``,
    ``region_name`` and ``changes`` as [(field label, before, after)] in words."""
    entries = list(entries)
    regions = _region_names(entries)
    kinds = {code: gettext(name) for code, name in TagKind.objects.values_list("code", "name")}
    names = _declared_names() if entries else {}
    if entries:
        names.update(_referenced_names(entries))
    rows = []
    for e in entries:
        changes = []
        for field, pair in (e.changes or {}).items():
            before, after = (pair + [None, None])[:2] if isinstance(pair, list) and len(pair) <= 2 else (None, pair)
            changes.append((_field_label(field, e.object_type, names),
                            _value(field, before, regions, kinds, names, e.object_type),
                            _value(field, after, regions, kinds, names, e.object_type)))
        note = ""
        if e.action == "person.view_sensitive":
            fields = (e.extra or {}).get("fields") or []
            note = "、".join(str(FIELD_LABELS.get(f, f)) for f in fields)
            purpose = (e.extra or {}).get("purpose")
            if purpose:
                note += f"（{purpose}）"
        rows.append({"entry": e, "action_label": action_label(e.action),
                     "object_type_label": object_type_label(e.object_type),
                     "object_label": (gettext(e.object_repr) if e.object_type in CATALOG_TEXT_FIELDS and e.object_repr
                                      else object_label(e.object_repr, names)),
                     "region_name": regions.get(e.region_code, e.region_code), "changes": changes, "note": note})
    return rows
