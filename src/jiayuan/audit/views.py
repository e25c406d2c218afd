"""The audit log page (auditors and administrators): filter and page through
:func:`jiayuan.audit.selectors.entries_for`, which limits entries to the scope."""

from datetime import date

from django.shortcuts import render
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from ..accounts.permissions import Perm
from ..web.labels import ACTION_LABELS, OBJECT_TYPE_LABELS, describe_entries
from ..web.shortcuts import paginate, perm_required
from . import selectors


def _date(value: str, errors: list, label: str) -> date | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        d = parse_date(value)
    except ValueError:
        d = None
    if d is None:
        errors.append(_("%(label)s格式错误：%(value)s，应为 YYYY-MM-DD") % {"label": label, "value": value})
    return d


@perm_required(Perm.VIEW_AUDIT)
def audit_list(request):
    """Entries of the scope, newest first, 50 a page; filters: action, actor (name
    fragment), object type, region code prefix, date range (inclusive)."""
    g = request.GET
    errors: list[str] = []
    f = {
        "action": g.get("action", "").strip(),
        "actor": g.get("actor", "").strip(),
        "object_type": g.get("object_type", "").strip(),
        "object_id": g.get("object_id", "").strip(),
        "region": g.get("region", "").strip(),
        "date_from": _date(g.get("date_from", ""), errors, _("起始日期")),
        "date_to": _date(g.get("date_to", ""), errors, _("截止日期")),
    }
    if f["region"] and not f["region"].isdigit():
        errors.append(_("区划代码只能是数字，例如 620702001"))
        f["region"] = ""
    qs = selectors.entries_for(request.user, **f)
    page_obj = paginate(request, qs)
    return render(request, "audit/list.html", {
        "page_obj": page_obj,
        "rows": describe_entries(page_obj.object_list),
        "f": {**f, "date_from": g.get("date_from", ""), "date_to": g.get("date_to", "")},
        "errors": errors,
        "actions": [(k, str(v)) for k, v in ACTION_LABELS.items()],
        "object_types": [(k, str(v)) for k, v in OBJECT_TYPE_LABELS.items()],
    })
