"""Template context shared by every page: the navigation the user's role allows, and
who the user is (name, role, scope) for the navbar."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ..accounts.permissions import Perm
from ..children.selectors import uses_children_pages
from ..eldercare.orders.selectors import duties_held
from . import todo

# Roles whose menu offers the event report and the service desk (the pages themselves
# admit every role their case type lets open one).
REPORTERS = ("grid_member", "community_worker", "community_director")
DESK_ROLES = ("community_worker", "community_director", "township_officer")  # service_request create_roles (街道便民服务中心 too)


# The menu bar: the daily entry points as links, the rest in a few menus, so that the bar
# stays one row at 1280–1366 px for every role, in Chinese and in English, however many
# modules are added. A key not named here stays a link of its own (nothing disappears).
TOP_LINKS = ("home", "todo", "report", "desk", "my_orders")
MENUS = (
    ("work", _("事件与服务"), ("cases", "board", "certificates", "counts")),
    ("registry", _("居民档案"), ("persons", "households", "regions", "imports")),
    # the people the community looks after: social assistance and disability, elderly care, children
    ("assistance", _("救助关爱"), ("assistance", "disability", "disability_network",
                                   "assessments", "entitlements", "homecare", "homecare_orders", "homecare_settlements",
                                   "daycare", "coverage",
                                   "children", "children_homes", "children_duties")),
    # the community's means: facilities, funds, its workers, and the social organizations it works with
    ("community", _("社区建设"), ("facilities", "funds", "workforce",
                                  "organizations", "filings", "bases", "calls", "projects")),
    ("governance", pgettext_lazy("menu", "基层治理"), ("requests", "evaluation", "bodies", "mediation", "police", "tips",
                                                   "activities", "volunteers")),
    # figures: indicators, dashboards, the city's report, 一表通 report forms (stats/)
    ("stats", _("统计报表"), ("dashboard", "indicators", "city_report", "report_tasks", "report_fill",
                              "report_forms", "data_elements")),
    ("admin", _("系统管理"), ("manage", "calendar", "audit")),
)


def menu(items: list[tuple], active: str) -> list[dict]:
    """The menu bar of ``items`` ((url name, label, key) the role may open): dicts
    ``{"url", "label", "key", "active"}`` for a link, ``{"label", "key", "active",
    "children": [...]}`` for a menu of :data:`MENUS` with two or more items the role has (a
    menu of one is shown as that link). Order: :data:`TOP_LINKS`, then the menus, then any
    other item."""
    by_key = {key: {"url": url, "label": label, "key": key, "active": key == active} for url, label, key in items}
    out = [by_key.pop(k) for k in TOP_LINKS if k in by_key]
    for code, label, keys in MENUS:
        entries = [by_key.pop(k) for k in keys if k in by_key]
        if len(entries) == 1:
            out.append(entries[0])
        elif entries:
            out.append({"label": label, "key": code, "active": any(e["active"] for e in entries), "children": entries})
    out.extend(by_key.values())
    return out


def navigation(request) -> dict:
    """``nav``: list of (url name, label, key) the role may open; ``nav_menu``: the same
    grouped for the menu bar (:func:`menu`); ``nav_active``: the key of the current
    section; ``me_role`` and ``me_scope``: labels for the navbar."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav": []}
    # 待办: everything waiting for the user, every module's to-do sources (web/todo.py)
    items = [("web:home", _("首页"), "home")]
    if todo.sources_for(user):  # from the role alone: no query
        items.append(("web:todo", _("待办"), "todo"))
    # cases (cases/, grid/, servicecenter/): the daily work first
    if user.can(Perm.VIEW_CASES):
        items.append(("cases:queue", _("案件"), "cases"))
    if user.can(Perm.CREATE_CASES) and (user.is_superuser or user.role in REPORTERS):
        items.append(("grid:report", pgettext_lazy("menu", "上报事件"), "report"))
    if user.can(Perm.SUPERVISE_CASES):
        items.append(("cases:board", _("调度台"), "board"))
    if user.can(Perm.CREATE_CASES) and (user.is_superuser or user.role in DESK_ROLES):
        items.append(("servicecenter:intake", pgettext_lazy("menu", "窗口受理"), "desk"))
    if user.can(Perm.ISSUE_CERTIFICATES):
        items.append(("servicecenter:certificate_list", _("证明"), "certificates"))
    if user.can(Perm.VIEW_REGISTRY):
        items += [("web:region_tree", _("区划网格"), "regions"), ("web:person_list", _("居民"), "persons"),
                  ("web:household_list", _("户"), "households")]
    if user.can(Perm.VIEW_ASSISTANCE):
        items.append(("assistance:home", _("社会救助"), "assistance"))
    if user.can(Perm.MANAGE_DISABILITY):
        items.append(("disability:certificate_list", _("残疾人证"), "disability"))
    if user.can(Perm.VIEW_FACILITIES):
        items.append(("facilities:facility_list", _("综合服务设施"), "facilities"))
        items.append(("facilities:fund_summary", _("社区工作经费"), "funds"))
    if user.can(Perm.VIEW_WORKFORCE):
        items.append(("workforce:worker_list", _("社区工作者队伍"), "workforce"))
    # 养老服务 (eldercare/): capacity assessments, day-care centers, coverage
    if user.can(Perm.VIEW_ELDERCARE) or user.can(Perm.ASSESS_ELDERLY):
        items.append(("eldercare:assessment_list", _("能力评估"), "assessments"))
    if user.can(Perm.VIEW_ELDERCARE):
        items += [("eldercare:entitlement_list", _("居家养老服务待遇"), "entitlements"),
                  ("eldercare:homecare", _("居家养老服务目录"), "homecare"),
                  ("eldercare:facility_list", _("日间照料设施"), "daycare"),
                  ("eldercare:coverage", _("日间照料覆盖率"), "coverage")]
    duties = duties_held(user) if user.role == "org_staff" else set()
    if user.can(Perm.VIEW_ELDERCARE) or "dispatcher" in duties:
        items += [("eldercare:order_list", _("居家服务工单"), "homecare_orders"),
                  ("eldercare:settlement_list", _("居家服务结算"), "homecare_settlements")]
    if "care_worker" in duties:
        items.append(("eldercare:my_day", _("今日工单"), "my_orders"))
    # social organizations and purchased services (organizations/)
    if user.can(Perm.VIEW_ORGANIZATIONS) or user.can(Perm.ACT_FOR_ORGANIZATION):
        items.append(("organizations:organization_list", _("社会组织"), "organizations"))
        if user.can(Perm.CHECK_FILINGS) or user.can(Perm.DECIDE_FILINGS) or user.can(Perm.MANAGE_ORGANIZATIONS):
            items.append(("organizations:filing_list", _("社区社会组织备案"), "filings"))
        if user.can(Perm.MANAGE_ORGANIZATIONS):
            items.append(("organizations:base_list", _("孵化基地"), "bases"))
        items += [("organizations:call_list", _("项目征集"), "calls"),
                  ("organizations:project_list", _("服务项目"), "projects")]
    # governance/: people's mediation, the police's reports of disputes at risk, tips
    # (tip handlers are county officers, who collect too)
    if user.can(Perm.VIEW_MEDIATION):
        items.append(("governance:mediation_list", _("人民调解"), "mediation"))
    elif user.role == "department_staff":
        items.append(("governance:police_reports", _("纠纷报告"), "police"))
    if user.can(Perm.RUN_EVALUATIONS) or (user.can(Perm.MANAGE_BODIES) and len(user.scope_code) >= 12):
        items.append(("governance:evaluation_list", _("综合考核"), "evaluation"))  # communities read their street's
    if user.can(Perm.MANAGE_BODIES):
        items.append(("governance:bodies", _("自治组织"), "bodies"))
    if user.can(Perm.COLLECT_TIPS):
        items.append(("governance:tip_list", _("线索"), "tips"))
    if user.can(Perm.MANAGE_ACTIVITIES):
        items.append(("governance:activity_list", _("教育活动"), "activities"))
        items.append(("governance:volunteer_list", _("志愿者"), "volunteers"))
    if any(user.can(p) for p in (Perm.ASSIGN_COMMUNITY_TASKS, Perm.APPROVE_COMMUNITY_TASKS, Perm.ISSUE_CERTIFICATES,
                                 Perm.SUPERVISE_CASES)):  # departments ask; streets decide; communities are asked
        items.append(("governance:request_list", _("社区工作事项"), "requests"))
        items.append(("disability:network_list", _("助残服务网络"), "disability_network"))
    # children (children/): the files a user may read are need-to-know (duty, care team,
    # view_child_files); the menu entry is shown by role, without a query (the page lists
    # what the user may read, empty for one without a duty)
    if uses_children_pages(user):
        items.append(("children:file_list", _("儿童关爱"), "children"))
        items.append(("children:home_list", _("留守儿童之家"), "children_homes"))
    if user.can(Perm.MANAGE_CHILDREN_DUTIES):
        items.append(("children:duties", _("儿童主任与督导员"), "children_duties"))
    if user.can(Perm.VIEW_CASES):
        items.append(("cases:counts", _("案件统计"), "counts"))
    # figures (stats/): the dashboards, the indicators and the city's report of the scope
    if user.can(Perm.VIEW_STATISTICS):
        items += [("stats:dashboard", _("统计看板"), "dashboard"),
                  ("stats:indicator_list", _("统计指标"), "indicators"),
                  ("stats:city_report", _("工作情况报告"), "city_report")]
    # 一表通 (stats/yibiaotong/): a unit's forms to fill, the tasks issued, the catalogue
    if user.can(Perm.FILL_REPORT_FORMS):
        items.append(("stats:report_fill_list", _("报表填报"), "report_fill"))
    if user.can(Perm.ISSUE_REPORT_TASKS):
        items.append(("stats:report_task_list", _("填报任务"), "report_tasks"))
    if user.can(Perm.MANAGE_REPORT_FORMS) or user.can(Perm.ISSUE_REPORT_TASKS):
        items.append(("stats:report_form_list", _("报表目录"), "report_forms"))
        items.append(("stats:data_element_list", _("数据元"), "data_elements"))
    if user.can(Perm.EDIT_REGISTRY):
        items.append(("web:import_list", _("台账导入"), "imports"))
    if user.can(Perm.VIEW_AUDIT):
        items.append(("web:audit_list", _("审计日志"), "audit"))
    # 系统管理: accounts and departments (accounts/views.py)
    if user.can(Perm.MANAGE_USERS) or user.can(Perm.MANAGE_CATALOGS):
        items.append(("accounts:home", _("账号与部门"), "manage"))
    if user.can(Perm.MANAGE_CALENDAR):
        items.append(("cases:calendar", _("法定节假日"), "calendar"))
    match = getattr(request, "resolver_match", None)
    url_name = match.url_name if match else ""
    active = "home"
    for key, prefixes in (("persons", ("person",)), ("households", ("household",)),
                          ("regions", ("region", "grid", "households_move")), ("audit", ("audit",)),
                          ("imports", ("import",)), ("todo", ("todo",))):
        if url_name and url_name.startswith(prefixes):
            active = key
    namespace = match.namespace if match else ""
    if namespace == "cases":
        active = {"board": "board", "counts": "counts", "calendar": "calendar"}.get(url_name, "cases")
    elif namespace == "disability" and url_name.startswith(("network", "service")):
        active = "disability_network"
    elif namespace in ("assistance", "disability"):
        active = namespace
    elif namespace == "workforce":
        active = "workforce"
    elif namespace == "facilities":
        active = "funds" if url_name.startswith(("fund", "standard")) else "facilities"
    elif namespace == "eldercare":
        active = {"facility": "daycare", "coverage": "coverage", "homecare": "homecare",
                  "entitlement": "entitlements", "order": "homecare_orders", "complaint": "homecare_orders",
                  "settlement": "homecare_settlements", "my": "my_orders"}.get(url_name.split("_")[0], "assessments")
    elif namespace == "organizations":
        active = {"filing": "filings", "base": "bases", "call": "calls", "proposal": "calls", "contract": "calls",
                  "project": "projects"}.get(url_name.split("_")[0], "organizations")
    elif namespace == "children":
        active = ("children_duties" if url_name == "duties" else
                  "children_homes" if url_name.startswith("home") else "children")
    elif namespace == "accounts" and request.path.startswith("/manage/") and url_name != "password_change":
        active = "manage"
    elif namespace == "grid":
        active = "report"
    elif namespace == "governance":
        if url_name.startswith("tip"):
            active = "tips"
        elif url_name.startswith(("request", "burden")):
            active = "requests"
        elif url_name.startswith(("bodies", "body", "compact", "public")):
            active = "bodies"
        elif url_name.startswith("activity"):
            active = "activities"
        elif url_name.startswith(("volunteer", "confirm", "certificate")):
            active = "volunteers"
        elif url_name.startswith("evaluation"):
            active = "evaluation"
        elif url_name == "police_reports" and user.role == "department_staff":
            active = "police"
        else:
            active = "mediation"
    elif namespace == "stats" and url_name in ("indicator_list", "indicator_detail", "indicator_rows", "city_report"):
        active = "city_report" if url_name == "city_report" else "indicators"
    elif namespace == "stats" and url_name.startswith("dashboard"):
        active = "dashboard"
    elif namespace == "stats" and url_name.startswith(("report_", "data_element")):
        active = {"report_fill": "report_fill", "report_task": "report_tasks", "report_form": "report_forms"}.get(
            "_".join(url_name.split("_")[:2]), "data_elements")
    elif namespace == "servicecenter":
        active = "certificates" if url_name.startswith(("certificate", "decision")) else "desk"
    if user.is_superuser:
        role, scope = _("系统管理员"), _("全部区划")
    else:
        role = user.get_role_display() or _("未分配角色")
        scope = user.scope.short_name if user.scope_id else _("未指定")
    return {"nav": items, "nav_menu": menu(items, active), "nav_active": active, "me_role": role, "me_scope": scope,
            "can_export": user.can(Perm.EXPORT), "can_export_sensitive": user.can(Perm.EXPORT_SENSITIVE)}
