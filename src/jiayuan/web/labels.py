"""Chinese labels for what the pages show from the audit log: actions, fields, values.

The audit log stores codes (``person.update``, ``{"sex": [1, 2]}``, region codes); a
community worker reads 修改居民信息 · 性别：男 → 女. Unknown codes are shown as they
are, never dropped.
"""

from django.utils.translation import gettext_lazy as _

from ..people import rules as people_rules
from ..people.models import Person, TagKind
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
    "assistance.programparameter": _("救助参数"),
    "assistance.assistanceapplication": _("救助申请"),
    "assistance.enrollment": _("享受对象"),
    "assistance.paymentbatch": _("发放批次"),
    "imports.importjob": _("导入任务"),
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
    "number": _("户号"),
    "boundary": _("边界"),
    "role": _("角色"),
    "scope": _("管辖范围"),
    "level": _("层级"),
    "kind": _("类别"),
    "parent_id": _("上级"),
}


def action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))


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


def _value(field: str, value, regions: dict, kinds: dict) -> str:
    if value is None or value == "":
        return "—"
    if value == "***":
        return str(_("（保密，不记录内容）"))
    try:
        if field == "sex":
            return str(Person.Sex(int(value)).label)
        if field == "residence_status":
            return str(Person.ResidenceStatus(value).label)
        if field == "life_status":
            return str(Person.LifeStatus(value).label)
        if field == "ethnic_group":
            return people_rules.ETHNIC_GROUPS.get(value, value)
        if field == "relation_to_head":
            return people_rules.RELATIONS.get(value, value)
        if field in ("region", "scope"):
            return f"{regions.get(value, value)}"
        if field == "tag":
            return kinds.get(value, value)
    except (ValueError, TypeError):
        pass
    return str(value)


def describe_entries(entries) -> list[dict]:
    """Rows for a history or audit table: each entry with ``action_label``,
    ``region_name`` and ``changes`` as [(field label, before, after)] in words."""
    entries = list(entries)
    regions = _region_names(entries)
    kinds = dict(TagKind.objects.values_list("code", "name"))
    rows = []
    for e in entries:
        changes = []
        for field, pair in (e.changes or {}).items():
            before, after = (pair + [None, None])[:2] if isinstance(pair, list) else (None, pair)
            changes.append((str(FIELD_LABELS.get(field, field)), _value(field, before, regions, kinds),
                            _value(field, after, regions, kinds)))
        note = ""
        if e.action == "person.view_sensitive":
            fields = (e.extra or {}).get("fields") or []
            note = "、".join(str(FIELD_LABELS.get(f, f)) for f in fields)
            purpose = (e.extra or {}).get("purpose")
            if purpose:
                note += f"（{purpose}）"
        rows.append({"entry": e, "action_label": action_label(e.action),
                     "object_type_label": str(OBJECT_TYPE_LABELS.get(e.object_type, e.object_type)),
                     "region_name": regions.get(e.region_code, e.region_code), "changes": changes, "note": note})
    return rows
