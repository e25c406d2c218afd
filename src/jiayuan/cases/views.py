"""Pages of the case engine: my queue, the case page (timeline and the actions my role
may take now), the dispatcher board, counts by state and category, photos, and the
resident picker shared by the report and intake forms.

Reads go through :mod:`jiayuan.cases.selectors` (scoped: a case outside the scope is a
404), writes through :mod:`jiayuan.cases.services`. Every action form carries the
case's ``version`` (a stale one is refused with the engine's conflict message) and a
form token (``request_key``): a double click records one transition.
"""

import io
from datetime import datetime

from django import forms
from django.contrib import messages
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.paginator import Page, Paginator
from django.db.models import Count, Window
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_POST

from ..accounts.permissions import Perm
from ..errors import Conflict, Forbidden, ServiceError
from ..web.templatetags.jiayuan import data_label, region_label
from ..web.shortcuts import PAGE_SIZE, actor, apply_service_error, error_page, perm_required
from . import rules, selectors, services
from .forms import QueueFilterForm, TransitionForm, UrgeForm, new_request_key, parse_ids
from .models import Case, CaseTask

# Where the pages find the names of a type's categories (codes are stored on cases).
CATEGORY_LABELS = {
    "grid_event": "jiayuan.grid.selectors.category_names",
    "service_request": "jiayuan.servicecenter.selectors.item_names",
    "assistance_application": "jiayuan.assistance.selectors.programs.program_names",
}
BOARD_TYPE = "grid_event"
BOARD_COLUMNS = (("reported", _lazy("待立案")), ("accepted", _lazy("待派遣")), ("verified", _lazy("待结案")),
                 ("parked", _lazy("挂账")))
BOARD_ACTIONS = {"reported": "accept", "accepted": "dispatch", "verified": "close", "parked": "unpark"}
FLAG_LABELS = {"overdue": _lazy("已超期"), "due_soon": _lazy("即将到期"), "escalated": _lazy("已升级"),
               "urged": _lazy("督办")}
PICKER_LIMIT = 10
MAX_PAGE = 100_000  # a larger ?page= is the last page, like any number past the end
CASES_ROOT = reverse_lazy("cases:queue")
THUMB_SIZE = (360, 360)


# --- helpers shared by the case pages (and the report / intake forms) -----------------

def case_row(case: Case, now: datetime) -> dict:
    """What a list shows of a case, worked out here rather than in the template (a list
    renders 50 of them): names, deadline flag, links, the region and the time line."""
    decl = selectors.decl_of(case.case_type_id)
    local = timezone.localtime
    if case.is_open and case.due_at:
        when = _("本环节期限 %(due)s") % {"due": local(case.due_at).strftime("%m-%d %H:%M")}
    elif case.closed_at:
        when = _("办结于 %(at)s") % {"at": local(case.closed_at).strftime("%Y-%m-%d %H:%M")}
    else:
        when = _("登记于 %(at)s") % {"at": local(case.created_at).strftime("%Y-%m-%d %H:%M")}
    region = case.region
    return {
        "case": case, "number": case.number, "type_name": decl.name, "state_name": decl.state(case.state).name,
        "flag": rules.deadline_flag(now, case.due_at, case.due_soon_at) if case.is_open else "",
        # a service request's title is its item's name (declared data): in the page's language
        "title": _(case.title or case.data.get("category_name") or decl.name),
        "url": f"{CASES_ROOT}{case.number}/", "act_url": f"{CASES_ROOT}{case.number}/act/",
        "region": region_label(region), "when": when,
        "estimated": bool(case.is_open and case.due_at and case.deadline_estimated),
        "department": case.department.name if case.department_id else "",
        "excerpt": (case.description[:60] + "…") if len(case.description) > 60 else case.description,
    }


def safe_next(request, default: str) -> str:
    nxt = request.POST.get("next") or request.GET.get("next") or ""
    if nxt and url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()},
                                               require_https=request.is_secure()):
        return nxt
    return default


def store_photos(request, files) -> tuple[list[int], list[str]]:
    """Store uploaded photos through the engine (format and size checked by decoding
    them). Returns (ids stored, messages of the refused ones)."""
    ids, errors = [], []
    for f in files:
        try:
            ids.append(services.store_attachment(actor(request), f).pk)
        except ServiceError as exc:
            errors.append(_("%(name)s：%(msg)s") % {"name": getattr(f, "name", ""), "msg": exc.message})
    return ids, errors


def keep_uploaded(form, ids: list[int]) -> None:
    """Put the ids of photos already stored back into a bound form's hidden field, so a
    form sent back with errors does not ask for the photos again."""
    data = form.data.copy()
    data[form.add_prefix("uploaded")] = ",".join(str(i) for i in dict.fromkeys(ids))
    form.data = data


def page_of_cases(request, user, qs, count: int | None = None):
    """The requested page of a case list (a Django ``Page``). The ids of the page are
    found first, by an index scan and a sort without joins, with the total counted in the
    same pass (``COUNT(*) OVER ()``: the sort reads every matching row anyway); then only
    those rows are fetched with what the list shows (``selectors.cases_by_ids``).
    ``count``: the total when the caller already knows it (the board's tab counts)."""
    try:
        number = min(max(1, int(request.GET.get("page") or 1)), MAX_PAGE)
    except ValueError:
        number = 1
    paginator = Paginator([], PAGE_SIZE)
    start = (number - 1) * PAGE_SIZE
    rows = list(qs.values_list("id").annotate(total=Window(Count("id")))[start:start + PAGE_SIZE])
    if rows:
        total = rows[0][1]
    else:
        total = qs.count() if count is None else count
        if total and number > 1:  # past the end: the last page, as Paginator.get_page does
            number = max(1, -(-total // PAGE_SIZE))
            start = (number - 1) * PAGE_SIZE
            rows = list(qs.values_list("id").annotate(total=Window(Count("id")))[start:start + PAGE_SIZE])
    paginator.count = total  # cached_property: set the known value
    return Page(selectors.cases_by_ids(user, [r[0] for r in rows]), number, paginator)


def _deadline_text(case: Case) -> str:
    if not case.due_at:
        return ""
    return timezone.localtime(case.due_at).strftime("%Y-%m-%d %H:%M")


# --- my queue --------------------------------------------------------------------------------

QUEUE_TABS = (("todo", _lazy("待我办理")), ("mine", _lazy("我登记的")), ("open", _lazy("辖区在办")),
              ("closed", _lazy("已办结")))


@perm_required(Perm.VIEW_CASES)
@require_GET
def queue(request):
    """My queue: open cases waiting on me or my unit (for department staff: their
    department's pending tasks), overdue first; other tabs: cases I opened, all open
    cases in scope, closed ones (newest first)."""
    user = request.user
    tab = request.GET.get("tab", "todo")
    if tab not in dict(QUEUE_TABS):
        tab = "todo"
    types = selectors.case_type_names(user)
    form = QueueFilterForm(types, request.GET)
    form.is_valid()
    d = getattr(form, "cleaned_data", {})
    f = selectors.CaseFilters(type=d.get("type", ""), flag=d.get("flag", ""), q=d.get("q", ""))
    if tab == "todo":
        f.mine = True
        qs = selectors.search_cases(user, f)
    elif tab == "mine":
        f.open = True
        qs = selectors.search_cases(user, f).filter(created_by=user)
    elif tab == "open":
        f.open = True
        qs = selectors.search_cases(user, f)
    else:
        f.open = False
        qs = selectors.search_cases(user, f).order_by("-closed_at", "-id")
    page_obj = page_of_cases(request, user, qs)
    now = timezone.now()
    return render(request, "cases/queue.html", {
        "tab": tab, "tabs": QUEUE_TABS, "form": form, "page_obj": page_obj, "flag_labels": FLAG_LABELS,
        "rows": [case_row(c, now) for c in page_obj.object_list],
        "can_report": selectors.can_create(user, "grid_event"),
    })


# --- case page -------------------------------------------------------------------------------

def action_forms(request, case: Case, bound: TransitionForm | None = None) -> list[TransitionForm]:
    """A form for each action the user may take on ``case`` now (``bound``, a submitted
    form sent back with errors, in place of its action's fresh form). Shared by every case
    page built on the engine (assistance applications add their own steps around it)."""
    user = request.user
    actions = selectors.available_actions(user, case)
    depts = None
    forms_ = []
    for t in actions:
        if bound is not None and bound.transition.action == t.action:
            forms_.append(bound)
            continue
        if depts is None and any(s.type in ("department", "departments") for s in t.fields):
            depts = list(selectors.departments_for_case(user, case))
        forms_.append(TransitionForm(t, departments=depts or (), suggested=case.data.get("suggested_departments") or (),
                                     initial={"version": case.version, "request_key": new_request_key()}))
    return forms_


def timeline_entries(case: Case, decl) -> list[dict]:
    """The case's timeline as the case page shows it: who (name and role), from and to
    which state (names of ``decl``), the fields given with their labels, the photos."""
    out = []
    for e in selectors.page_timeline(case):
        def state_name(code):
            return decl.state(code).name if code and decl.has_state(code) else code

        actor_label = (e.actor.full_name or e.actor.username) if e.actor_id else (
            _("系统") if e.actor_name == "system" else (e.actor_name or _("公众")))
        details = []
        for key, value in (e.data or {}).items():
            spec = next((s for t in decl.transitions if t.action == e.action for s in t.fields if s.name == key), None)
            label = spec.label if spec else key
            if isinstance(value, dict) and "name" in value:
                value = value["name"]
            elif isinstance(value, list):
                value = "、".join(v.get("name", str(v)) if isinstance(v, dict) else str(v) for v in value)
            elif spec is not None and spec.type == "choice":
                value = dict(spec.choices).get(str(value), value)
            elif isinstance(value, bool):
                value = _("是") if value else _("否")
            details.append((label, value))
        out.append({
            "event": e, "actor": actor_label, "role": services._role_label(e.actor_role) if e.actor_role else "",
            "from": state_name(e.from_state), "to": state_name(e.to_state),
            "changed": e.from_state != e.to_state, "details": details,
            "photos": list(e.attachments.all()),
        })
    return out


def default_open_action(forms_) -> str:
    """The action whose form is open when the page loads: the only one, or the only
    primary one (核查通过 for the grid member, 处置反馈 for the department …)."""
    if len(forms_) == 1:
        return forms_[0].transition.action
    primary = [f for f in forms_ if f.transition.style == "primary"]
    return primary[0].transition.action if len(primary) == 1 else ""


def _detail_context(request, case: Case, *, bound: TransitionForm | None = None, urge_form=None,
                    conflict: str = "") -> dict:
    user = request.user
    decl = selectors.decl_of(case.case_type_id)
    now = timezone.now()
    state = decl.state(case.state)
    forms_ = action_forms(request, case, bound)
    if bound is not None:
        bound.uploaded_photos = selectors.own_unbound_attachments(user, parse_ids(bound.data.get(
            bound.add_prefix("uploaded"), "")))
    timeline = timeline_entries(case, decl)
    steps = [i for i in timeline if i["event"].kind in ("transition", "open") and (i["event"].comment or i["photos"])]
    return {
        "case": case, "decl": decl, "state": state, "row": case_row(case, now),
        "due_text": _deadline_text(case),
        "timeline": timeline,
        "last_step": steps[-1] if steps else None,
        "perms_registry": user.can(Perm.VIEW_REGISTRY),
        "tasks": list(selectors.tasks_of(case)),
        "parties": list(selectors.parties_of(case)),
        "action_forms": forms_,
        "open_action": bound.transition.action if bound is not None else default_open_action(forms_),
        "can_urge": case.is_open and user.can(Perm.SUPERVISE_CASES),
        "urge_form": urge_form or UrgeForm(),
        "conflict": conflict,
        "missing_materials": case.data.get("missing_materials") or [],
        # a category's or service item's name is declared data: in the page's language
        "category_label": data_label(case.data.get("category_name") or case.data.get("item_name") or case.title),
        "is_service_request": case.type_code == "service_request",
        "task_status": dict(CaseTask.Status.choices),
    }


@perm_required(Perm.VIEW_CASES)
@require_GET
def case_detail(request, number):
    case = selectors.get_case(request.user, number)
    return render(request, "cases/case_detail.html", _detail_context(request, case))


@perm_required(Perm.VIEW_CASES)
@require_POST
def case_act(request, number, action, render_page=None, default_next=None):
    """Take ``action`` on the case from its small form: comment, photos (camera or
    album; stored first, kept on the page if the form comes back with errors), declared
    fields, the version the user saw and the form token. ``render_page(request, case,
    status=, bound=, conflict=)``: the page a form with errors comes back on (another
    app's page of the case, e.g. the assistance application page, which calls this view
    with it); default: the case page. ``default_next``: where to go after success
    without a ``next``."""
    user = request.user
    case = selectors.get_case(user, number)
    decl = selectors.decl_of(case.case_type_id)
    t = decl.transition(action)
    if t is None:
        raise Http404
    default_next = default_next or reverse("cases:case_detail", args=[case.number])

    def page(case_, status, **kw):
        if render_page is not None:
            return render_page(request, case_, status=status, **kw)
        return render(request, "cases/case_detail.html", _detail_context(request, case_, **kw), status=status)

    depts = list(selectors.departments_for_case(user, case)) if any(
        s.type in ("department", "departments") for s in t.fields) else ()
    form = TransitionForm(t, request.POST, request.FILES, departments=depts)
    key = request.POST.get(form.add_prefix("request_key"), "")
    if selectors.transition_done(case, key):  # a double click: the first one did it
        return redirect(safe_next(request, default_next))
    if not form.is_valid():
        return page(case, 422, bound=form)
    ids = form.uploaded_ids()
    new_ids, upload_errors = store_photos(request, form.cleaned_data["photos"])
    ids += new_ids
    if upload_errors:
        keep_uploaded(form, ids)
        for msg in upload_errors:
            form.add_error("photos", msg)
        return page(case, 422, bound=form)
    try:
        after = services.transition(actor(request), case, action, version=form.cleaned_data["version"],
                                    comment=form.cleaned_data.get("comment", ""), attachments=ids,
                                    fields=form.service_fields(), request_key=key)
    except Forbidden as exc:
        return error_page(request, exc)
    except Conflict as exc:
        fresh = selectors.get_case(user, number)
        if exc.code == "case.version_conflict":
            keep_uploaded(form, ids)
            return page(fresh, 409, conflict=exc.message)
        keep_uploaded(form, ids)
        form.add_error(None, exc.message)
        return page(fresh, 409, bound=form)
    except ServiceError as exc:
        keep_uploaded(form, ids)
        apply_service_error(form, exc, form.field_map())
        return page(case, 422, bound=form)
    state_name = decl.state(after.state).name
    messages.success(request, _("已办理“%(action)s”，案件 %(number)s 现为“%(state)s”") % {
        "action": t.name, "number": after.number, "state": state_name})
    return redirect(safe_next(request, default_next))


@perm_required(Perm.SUPERVISE_CASES)
@require_POST
def case_urge(request, number):
    """督办: a note on the timeline (the state does not change)."""
    case = selectors.get_case(request.user, number)
    form = UrgeForm(request.POST)
    form.is_valid()
    try:
        services.urge(actor(request), case, form.cleaned_data.get("note", ""))
    except Forbidden as exc:
        return error_page(request, exc)
    except ServiceError as exc:
        apply_service_error(form, exc, {"note": "note"})
        return render(request, "cases/case_detail.html", _detail_context(request, case, urge_form=form),
                      status=exc.status if exc.status in (409, 422) else 422)
    messages.success(request, _("已督办，督办意见已记入流转记录"))
    return redirect("cases:case_detail", number=case.number)


# --- dispatcher board ---------------------------------------------------------------------------

def _default_tab(states: list[str], counts: dict[str, int]) -> str:
    """The tab the board opens on: the first (in the board's order) that has work, the
    first tab when none has."""
    return next((s for s in states if counts.get(s)), states[0])


@perm_required(Perm.SUPERVISE_CASES)
@require_GET
def board(request):
    """Dispatcher board of the street (and the county, city): grid events waiting to be
    accepted (立案), dispatched to a department (派遣), closed (结案), or parked; one tab
    at a time (without ``state``, the first tab that has work), overdue first, each card
    with its action inline."""
    user = request.user
    states = [s for s, _label in BOARD_COLUMNS]
    counts = selectors.board_counts(user, BOARD_TYPE, states)
    state = request.GET.get("state", "")
    if state not in states:
        state = _default_tab(states, counts)
    page_obj = page_of_cases(request, user, selectors.board(user, BOARD_TYPE, [state]))
    now = timezone.now()
    rows = [case_row(c, now) for c in page_obj.object_list]
    if state == "accepted":
        depts = list(selectors.departments_visible(user).order_by("region_id", "code"))
        for r in rows:
            code = r["case"].region_id
            r["departments"] = [d for d in depts if code.startswith(d.region_id)]
    for r in rows:
        r["request_key"] = new_request_key()
    action = BOARD_ACTIONS[state]
    decl = selectors.decl_of(services.current_type(BOARD_TYPE))
    return render(request, "cases/board.html", {
        "columns": [(s, label, counts.get(s, 0)) for s, label in BOARD_COLUMNS], "state": state,
        "page_obj": page_obj, "rows": rows, "here": request.get_full_path(),
        "action": action, "action_name": decl.transition(action).name if action else "",
        "labels": {"department": _("承办部门"), "choose_department": _("选择承办部门"), "busy": _("正在提交…"),
                   "more": _("退回 / 作废…")},
        "flag_labels": FLAG_LABELS,
    })


# --- counts --------------------------------------------------------------------------------------

@perm_required(Perm.VIEW_CASES)
@require_GET
def counts(request):
    """Counts of cases in my scope by type, state and category (a region filter narrows
    to part of the scope)."""
    from ..regions import selectors as region_selectors
    from ..regions.forms import region_choices

    user = request.user
    region_code = request.GET.get("region", "").strip()
    if region_code:
        region_selectors.get_region(user, region_code)  # out of scope → 404
    rows = selectors.counts_by_state(user, region=region_code)
    tables = []
    for type_code in sorted({r["type_code"] for r in rows}):
        decl = selectors.decl_of(services.current_type(type_code))
        mine = [r for r in rows if r["type_code"] == type_code]
        labels = {}
        if type_code in CATEGORY_LABELS:
            labels = import_string(CATEGORY_LABELS[type_code])({r["category"] for r in mine})
        present = {r["state"] for r in mine}
        states = [s for s in decl.states if s.code in present]
        by_cat: dict[str, dict] = {}
        for r in mine:
            row = by_cat.setdefault(r["category"], {"label": labels.get(r["category"], r["category"] or _("（未分类）")),
                                                    "cells": {}, "total": 0})
            row["cells"][r["state"]] = r["n"]
            row["total"] += r["n"]
        body = sorted(by_cat.values(), key=lambda x: (-x["total"], x["label"]))
        for row in body:
            row["list"] = [row["cells"].get(s.code, 0) for s in states]
        totals = [sum(row["cells"].get(s.code, 0) for row in body) for s in states]
        tables.append({"code": type_code, "name": decl.name, "states": states, "rows": body, "totals": totals,
                       "total": sum(totals)})
    levels = ("township", "village", "grid")
    return render(request, "cases/counts.html", {
        "tables": tables, "flags": selectors.flag_counts(user, region_code),
        "region_select": forms.Select(choices=region_choices(user, levels, blank=_("整个辖区"))).render(
            "region", region_code, attrs={"class": "form-select", "aria-label": _("区域")})
        if user.role != "department_staff" else "",
    })


# --- photos ----------------------------------------------------------------------------------------

def _thumbnail(att) -> str:
    """Storage name of a small JPEG of the photo (made once, kept beside the uploads)."""
    from PIL import Image, ImageOps

    name = f"cases/thumbs/{att.sha256[:2]}/{att.sha256}.jpg"
    if not default_storage.exists(name):
        with att.file.open("rb") as fh, Image.open(fh) as img:
            img = ImageOps.exif_transpose(img).convert("RGB")
            img.thumbnail(THUMB_SIZE)
            buf = io.BytesIO()
            img.save(buf, "JPEG", quality=80)
        default_storage.save(name, ContentFile(buf.getvalue()))
    return name


@perm_required(Perm.VIEW_CASES)
@require_GET
def attachment(request, pk, thumb=False):
    """A case photo (or a small version of it) for someone who may see its case, or for
    its uploader before it is bound to a case."""
    att = selectors.get_attachment(request.user, pk)
    if thumb:
        resp = FileResponse(default_storage.open(_thumbnail(att), "rb"), content_type="image/jpeg")
    else:
        resp = FileResponse(att.file.open("rb"), content_type=att.content_type)
    resp["Cache-Control"] = "private, max-age=86400"
    return resp


# --- resident picker (report form, desk intake, certificates) ---------------------------------------

@perm_required(Perm.VIEW_REGISTRY)
@require_GET
def person_picker(request):
    """htmx: up to 10 residents in scope matching ``q`` (name, pinyin initials, ID
    number or its last digits, phone), each with a button that adds them to the form
    (``field``: the form field; ``mode``: ``one`` or ``many``)."""
    from ..people import selectors as people_selectors

    q = request.GET.get("q", "").strip()
    field = request.GET.get("field", "persons")
    if not field.isidentifier():
        field = "persons"
    mode = "one" if request.GET.get("mode") == "one" else "many"
    results = []
    if q:
        from ..errors import TooManyRequests
        from ..people import services as people_services
        from ..web.shortcuts import actor

        try:
            people_services.guard_identifier_search(actor(request), q)
        except TooManyRequests as exc:
            return render(request, "cases/_person_results.html", {
                "results": [], "more": False, "q": q, "field": field, "mode": mode, "error": exc.message})
        qs = people_selectors.search_persons(request.user, people_selectors.PersonFilters(q=q))
        results = list(qs.select_related("region__parent").order_by("id")[:PICKER_LIMIT + 1])
    return render(request, "cases/_person_results.html", {
        "results": results[:PICKER_LIMIT], "more": len(results) > PICKER_LIMIT, "q": q, "field": field,
        "mode": mode})

