"""The assistance hub (社会救助): what needs action in the user's scope (registry flags,
reviews due) and links to applications, enrollments, batches, ledgers and programs."""

from django.shortcuts import render
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from ...accounts.permissions import Perm
from ...web.shortcuts import perm_required
from ..selectors import enrollments as enrollment_selectors
from ..selectors import programs as program_selectors

# (url name, label, icon, description)
SECTIONS = (
    ("application_list", _("救助申请"), "bi-inbox", _("一门受理、协同办理")),
    ("enrollment_list", _("享受对象"), "bi-people", _("待遇、复核、暂停和终止")),
    ("batch_list", _("发放批次"), "bi-cash-stack", _("按月生成、审核、审批、导出、记录结果")),
    ("ledger", _("台账统计"), "bi-table", _("按项目、月份、区划汇总")),
    ("program_list", _("项目与参数"), "bi-sliders", _("标准、金额、年龄段，按生效月份")),
)


@perm_required(Perm.VIEW_ASSISTANCE)
def home(request):
    counts = enrollment_selectors.hub_counts(request.user)
    sections = [{"url": reverse(f"assistance:{name}"), "label": label, "icon": icon, "description": desc}
                for name, label, icon, desc in SECTIONS]
    programs = [{"program": p, **counts["by_program"].get(p.code, {"active": 0, "suspended": 0})}
                for p in program_selectors.programs()]
    return render(request, "assistance/home.html", {"counts": counts, "sections": sections, "programs": programs})


urlpatterns = [path("", home, name="home")]
