"""Pages of assistance applications (一门受理、协同办理): the desk intake (applicant found by
search in the registry — the household is theirs — kinds of help ticked, materials
checklist), the list, the application page (one public status, parts and departments,
deadlines, the household economic-status record, the assessment, the public notice and
its objections, the actions I may take now and the case timeline, reusing the case
pages' components), and the economic-status form.

Reads through the scoped selectors (out of scope: 404); writes through the services;
stages through the case engine's action forms (posted to the case page's action URL,
which comes back here with ``next``).
"""

import datetime

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ...accounts.permissions import Perm
from ...cases import selectors as case_selectors
from ...cases.forms import new_request_key, parse_ids
from ...cases.models import Case, CaseTask
from ...cases.views import action_forms, case_act, default_open_action, timeline_entries
from ...errors import Forbidden, NotFound, ServiceError
from ...people import selectors as people_selectors
from ...web.forms import BootstrapMixin
from ...web.shortcuts import actor, apply_service_error, error_page, paginate, perm_required
from .. import rules
from ..case_types import HELP_KINDS
from ..selectors import applications as selectors
from ..services import applications as services

AREA_CHOICES = [("", _lazy("按社区（村）自动判断")), ("urban", _lazy("城市")), ("rural", _lazy("农村"))]


class IntakeForm(BootstrapMixin, forms.Form):
    request_key = forms.CharField(required=False, widget=forms.HiddenInput, max_length=64)
    area = forms.ChoiceField(label=_lazy("城乡类别"), required=False, choices=AREA_CHOICES)
    reason = forms.CharField(label=_lazy("申请理由（家庭困难情况）"), required=False, max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 3}))
    emergency = forms.BooleanField(label=_lazy("紧急情况：先行救助、后补材料（仅临时救助）"), required=False)
    hardship = forms.ChoiceField(label=_lazy("临时救助的困难类型"), required=False,
                                 choices=[("", _lazy("（申请临时救助时选择）"))] + [(k, _lazy(v)) for k, v in rules.HARDSHIPS.items()])
    contact_phone = forms.CharField(label=_lazy("联系电话"), required=False, max_length=40,
                                    help_text=_lazy("留空则用居民档案中的电话"))
    applicant = forms.CharField(required=False, widget=forms.HiddenInput)   # carries the service's errors
    household = forms.CharField(required=False, widget=forms.HiddenInput)
    parts = forms.CharField(required=False, widget=forms.HiddenInput)
    materials = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()

    FIELD_MAP = {"household": "applicant", "applicant": "applicant", "parts": "parts", "materials": "materials",
                 "area": "area", "reason": "reason", "emergency": "emergency", "hardship": "hardship",
                 "contact_phone": "contact_phone"}


def _kind_groups():
    civil = [(k, v) for k, v in HELP_KINDS.items() if v.get("program")]
    other = [(k, v) for k, v in HELP_KINDS.items() if not v.get("program")]
    return [(_("民政救助项目"), civil), (_("其他部门专项救助（协同办理）"), other)]


def _can_take(user) -> bool:
    return user.can(Perm.TAKE_APPLICATIONS) and user.can(Perm.CREATE_CASES)


@perm_required(Perm.VIEW_ASSISTANCE)
@require_http_methods(["GET", "POST"])
def application_new(request):
    """窗口受理: find the applicant in the registry (their household applies), tick the
    kinds of help and the materials brought. Complete materials → 受理; otherwise one
    notice names every missing material (一次性告知)."""
    user = request.user
    if not _can_take(user):
        raise PermissionDenied
    ctx = {"groups": _kind_groups()}
    if request.method == "GET":
        form = IntakeForm(initial={"request_key": new_request_key()})
        return render(request, "assistance/application_new.html", {**ctx, "form": form, "chosen": [],
                                                                    "kinds": [], "brought": [], "needs": []})
    form = IntakeForm(request.POST)
    form.is_valid()
    d = getattr(form, "cleaned_data", {})
    key = request.POST.get("request_key", "")
    done = case_selectors.case_by_request_key(user, key)
    if done is not None and hasattr(done, "assistance_application"):
        return redirect("assistance:application_detail", number=done.number)
    applicant_ids = request.POST.getlist("person")[-1:]
    applicant = None
    if applicant_ids:
        try:
            applicant = people_selectors.get_person(user, applicant_ids[0])
        except NotFound:
            applicant = None
    kinds = [k for k in request.POST.getlist("kind") if k in HELP_KINDS]
    required = selectors.required_materials(kinds)
    brought = [m for m in request.POST.getlist("material") if m in required]
    if applicant is None:
        form.add_error("applicant", _("请查找并选择申请人（须为本辖区居民）"))
    elif not applicant.household_id:
        form.add_error("applicant", _("%(name)s 尚未登记在任何户中，请先在居民档案中建户") % {"name": applicant.name})
    if not form.errors:
        try:
            app, created = services.take_application(
                actor(request), applicant.household_id, applicant, d.get("area", ""), kinds, d.get("reason", ""),
                brought, key, emergency=d.get("emergency", False), hardship=d.get("hardship", ""),
                contact_phone=d.get("contact_phone", ""), channel=Case.Channel.DESK)
        except Forbidden as exc:
            return error_page(request, exc)
        except ServiceError as exc:
            apply_service_error(form, exc, IntakeForm.FIELD_MAP)
        else:
            if app.materials_missing and app.path != "emergency":
                messages.warning(request, _("已登记，编号 %(number)s。材料不齐，已一次性告知需补正：%(list)s") % {
                    "number": app.case.number, "list": "、".join(app.materials_missing)})
            else:
                messages.success(request, _("已受理，编号 %(number)s") % {"number": app.case.number})
            return redirect("assistance:application_detail", number=app.case.number)
    return render(request, "assistance/application_new.html", {
        **ctx, "form": form, "chosen": [applicant] if applicant else [], "kinds": kinds,
        "brought": request.POST.getlist("material"), "needs": selectors.material_needs(kinds)}, status=422)


@perm_required(Perm.VIEW_ASSISTANCE)
@require_GET
def application_materials(request):
    """htmx: the materials checklist of the intake form for the kinds ticked (``kind``,
    repeated): the union of their materials, each once with the kinds that need it
    (:func:`selectors.material_needs`, the list intake requires); the boxes already
    ticked (``material``) stay ticked."""
    if not _can_take(request.user):
        raise PermissionDenied
    kinds = [k for k in request.GET.getlist("kind") if k in HELP_KINDS]
    return render(request, "assistance/_materials.html", {
        "needs": selectors.material_needs(kinds), "brought": request.GET.getlist("material"), "kinds": kinds})


@perm_required(Perm.VIEW_ASSISTANCE)
@require_GET
def application_list(request):
    """Applications in my scope, newest first; filters: open/closed, kind of help, number."""
    user = request.user
    tab = request.GET.get("tab", "open")
    f = selectors.ApplicationFilters(kind=request.GET.get("kind", ""), q=request.GET.get("q", "").strip(),
                                     open={"open": True, "closed": False}.get(tab))
    page_obj = paginate(request, selectors.with_parts(selectors.search_applications(user, f)))
    rows = []
    for app in page_obj.object_list:
        rows.append({"app": app, "status": selectors.public_status(app),
                     "state_name": case_selectors.decl_of(app.case.case_type_id).state(app.case.state).name,
                     "kinds": "、".join(HELP_KINDS.get(p.kind, {}).get("name", p.kind) for p in app.parts.all()),
                     "deadlines": selectors.deadlines(app)})
    return render(request, "assistance/application_list.html", {
        "page_obj": page_obj, "rows": rows, "tab": tab, "kinds": [(k, v["name"]) for k, v in HELP_KINDS.items()],
        "kind": f.kind, "q": f.q, "can_take": _can_take(user),
        "tabs": (("open", _("办理中")), ("closed", _("已办结")), ("all", _("全部")))})


# Facts of the home visit that only 特困 needs (the visit form asks them "特困申请填写").
EXTREME_POVERTY_FACTS = ("self_care", "no_work_capacity", "no_income_source", "no_supporter")


def _without_unasked_facts(parts: list[dict], decl, timeline: list[dict]) -> list[dict]:
    """Drop the 特困 facts from the home visit's entry when 特困 was not asked for: an
    unticked box would read "无劳动能力：否" on a 低保 application, as if it were a finding."""
    if any(p["kind"] == "extreme_poverty_support" for p in parts):
        return timeline
    labels = {str(s.label) for t in decl.transitions if t.action == "home_visit"
              for s in t.fields if s.name in EXTREME_POVERTY_FACTS}
    for item in timeline:
        if item["event"].action == "home_visit":
            item["details"] = [(label, value) for label, value in item["details"] if str(label) not in labels]
    return timeline


def _visit_staff_field(app, label, decl_required):
    """A select of the staff who may make the home visit (the service checks again)."""
    choices = [("", _("请选择工作人员"))] + [
        (str(u.pk), f"{selectors.staff_label(u)} · {u.get_role_display()}") for u in selectors.visit_staff(app)]
    field = forms.ChoiceField(label=label, required=False, choices=choices)
    field.decl_required = decl_required
    return field


def _fit_action_forms(app, forms_, today) -> list:
    """The engine's action forms, fitted to an application: the home visit's two visitors
    are chosen from the staff accounts of the area (their ids are posted); the notice's
    start date is offered from today to 3 days later."""
    for f in forms_:
        action = f.transition.action
        if action == "home_visit":
            for name in ("visitor_1", "visitor_2"):
                key = f"field_{name}"
                if key in f.fields:
                    old = f.fields[key]
                    f.fields[key] = _visit_staff_field(app, old.label, getattr(old, "decl_required", False))
                    # a bound form (sent back with errors) cached the text box's BoundField
                    getattr(f, "_bound_fields_cache", {}).pop(key, None)
            f._style()
        elif action == "initial_opinion" and "field_notice_from" in f.fields:
            latest = today + datetime.timedelta(days=services.NOTICE_START_MAX_AHEAD)
            f.fields["field_notice_from"].widget.attrs.update({"min": today.isoformat(), "max": latest.isoformat()})
    return forms_


def _visitor_names(app, decl, timeline: list[dict]) -> list[dict]:
    """On the home visit's timeline lines, the visitors by name (the fields hold the
    account's id or username)."""
    from ...accounts.models import User

    labels = {str(s.label) for t in decl.transitions if t.action == "home_visit"
              for s in t.fields if s.name in ("visitor_1", "visitor_2")}
    raw = {str(v) for item in timeline if item["event"].action == "home_visit"
           for label, v in item["details"] if str(label) in labels}
    if not raw:
        return timeline
    ids = [int(v) for v in raw if v.isdigit()]
    names = {}
    for u in User.objects.filter(pk__in=ids):
        names[str(u.pk)] = selectors.staff_label(u)
    for u in User.objects.filter(username__in=[v for v in raw if v not in names]):
        names.setdefault(u.username, selectors.staff_label(u))
    for item in timeline:
        if item["event"].action == "home_visit":
            item["details"] = [(label, names.get(str(value), value) if str(label) in labels else value)
                               for label, value in item["details"]]
    return timeline


# Actions that end an application early: offered as secondary (small, outlined, closed),
# never as the page's main button.
ENDING_ACTIONS = ("withdraw", "void")


def _detail_context(request, app, *, bound=None, conflict: str = "", **extra) -> dict:
    user = request.user
    case = app.case
    decl = case_selectors.decl_of(case.case_type_id)
    today = timezone.localdate()
    forms_ = _fit_action_forms(app, action_forms(request, case, bound), today)
    if bound is not None:
        bound.uploaded_photos = case_selectors.own_unbound_attachments(user, parse_ids(bound.data.get(
            bound.add_prefix("uploaded"), "")))
    main_forms = [f for f in forms_ if f.transition.action not in ENDING_ACTIONS]
    ending_forms = [f for f in forms_ if f.transition.action in ENDING_ACTIONS]
    can_record = user.can(Perm.TAKE_APPLICATIONS) and case.state in services.RECORD_STATES
    recorded = app.members.exists()
    state = decl.state(case.state)
    kinds_i, kinds_a = rules.INCOME_KINDS, rules.ASSET_KINDS
    incomes = [(i, kinds_i.get(i.kind, i.kind)) for i in selectors.incomes_of(app)]
    assets = [(a, kinds_a.get(a.kind, a.kind)) for a in selectors.assets_of(app)]
    programs = (app.assessment or {}).get("programs") or {}
    parts = selectors.part_rows(app)
    assessment = [{"name": HELP_KINDS.get(k, {}).get("name", k), **v} for k, v in programs.items()]
    return {
        "app": app, "case": case, "decl": decl, "state": state, "public_status": state.public_name or state.name,
        "parts": parts, "deadlines": selectors.deadlines(app),
        "members": list(selectors.members_of(app)), "incomes": incomes, "assets": assets,
        "objections": list(selectors.objections_of(app)), "assessment": assessment,
        "household_facts": (app.assessment or {}).get("household") or {},
        "timeline": _visitor_names(app, decl, _without_unasked_facts(parts, decl, timeline_entries(case, decl))),
        "action_forms": main_forms, "ending_forms": ending_forms,
        "open_action": bound.transition.action if bound is not None else default_open_action(main_forms),
        "conflict": conflict,
        "next": reverse("assistance:application_detail", args=[case.number]),
        "act_url": reverse("assistance:application_act", args=[case.number, "-"])[:-2],
        "can_record": can_record,
        # the next step is the economic-status record when it is still missing
        "record_next": can_record and case.state == "accepted" and not recorded,
        "can_object": user.can(Perm.TAKE_APPLICATIONS) and case.state == "public_notice",
        "today": today, "task_status": dict(CaseTask.Status.choices),
        "notice_next": app.notice_until + datetime.timedelta(days=1) if app.notice_until else None,
        "materials": case.data.get("materials") or [],
        "totals": economic_totals(app) if app.members.exists() else None, **extra,
    }


@perm_required(Perm.VIEW_ASSISTANCE)
@require_GET
def application_detail(request, number):
    app = selectors.get_application(request.user, number)
    return render(request, "assistance/application_detail.html", _detail_context(request, app))


def _render_with_form(request, case, *, status, bound=None, conflict=""):
    """The application page with an action form sent back (errors, or a conflict)."""
    app = selectors.get_application(request.user, case.number)
    return render(request, "assistance/application_detail.html",
                  _detail_context(request, app, bound=bound, conflict=conflict), status=status)


@perm_required(Perm.VIEW_ASSISTANCE)
@require_POST
def application_act(request, number, action):
    """An action of the case engine taken from the application page: the engine's
    case_act (same checks, token, photos), but a form with errors comes back here —
    with the visitors' lists, the values chosen and the engine's messages."""
    selectors.get_application(request.user, number)  # out of scope or not an application: 404
    return case_act(request, number, action, render_page=_render_with_form,
                    default_next=reverse("assistance:application_detail", args=[number]))


@perm_required(Perm.VIEW_ASSISTANCE)
@require_POST
def application_objection(request, number):
    """登记公示异议 (during the notice)."""
    app = selectors.get_application(request.user, number)
    try:
        services.record_objection(actor(request), app, request.POST.get("received_on", ""),
                                  request.POST.get("content", ""))
    except Forbidden as exc:
        return error_page(request, exc)
    except ServiceError as exc:
        return render(request, "assistance/application_detail.html",
                      _detail_context(request, app, objection_error=exc.message), status=exc.status)
    messages.success(request, _("已登记公示异议；核实处理前不能报送审核"))
    return redirect("assistance:application_detail", number=number)


@perm_required(Perm.VIEW_ASSISTANCE)
@require_POST
def application_objection_resolve(request, number, pk):
    """核实处理公示异议."""
    app = selectors.get_application(request.user, number)
    objection = selectors.get_objection(request.user, app, pk)
    upheld = {"yes": True, "no": False}.get(request.POST.get("upheld", ""))
    try:
        services.resolve_objection(actor(request), objection, request.POST.get("resolution", ""), upheld)
    except Forbidden as exc:
        return error_page(request, exc)
    except ServiceError as exc:
        return render(request, "assistance/application_detail.html",
                      _detail_context(request, app, objection_error=exc.message), status=exc.status)
    messages.success(request, _("已记录异议核实处理情况"))
    return redirect("assistance:application_detail", number=number)


BLANK_ROWS = 3


def economic_totals(app) -> dict:
    """The totals of the saved economic-status record next to the 低保 standard in force
    this month for the application's region and area: ``members`` (co-resident),
    ``monthly_income`` and ``per_capita_income`` (yuan, to the fen, half up, for
    display), ``standard`` (元/人·月, or None when no parameters are in force), ``gap``
    (standard − the exact per-capita income: positive = below the standard; ``gap_abs``
    its size rounded once to the fen), ``below``."""
    from ..selectors.parameters import parameter_in_force

    facts = selectors.household_facts(app)
    month = timezone.localdate().replace(day=1)
    row = parameter_in_force("subsistence_allowance", app.region_id, month)
    standard = None
    if row is not None and row.values.get(f"standard_{app.area}") not in (None, ""):
        standard = rules.money(row.values[f"standard_{app.area}"])
    pci = facts["per_capita_income"]
    # Compared and subtracted exact, rounded once for display (rules.per_capita_income;
    # 低保 requires strictly below the standard).
    gap = (standard - pci) if standard is not None and pci is not None else None
    return {"members": facts["members"], "monthly_income": rules.to_fen(facts["monthly_income"]),
            "per_capita_income": rules.to_fen(pci) if pci is not None else None, "standard": standard, "gap": gap,
            "gap_abs": rules.to_fen(abs(gap)) if gap is not None else None,
            "below": gap is not None and gap > 0, "area_name": app.get_area_display(), "month": month,
            "parameter_from": row.effective_from if row is not None else None}


@perm_required(Perm.VIEW_ASSISTANCE)
@require_http_methods(["GET", "POST"])
def application_economic(request, number):
    """家庭经济状况: household members (co-resident or not), monthly incomes, assets."""
    from ...people.models import Person

    user = request.user
    app = selectors.get_application(user, number)
    if not user.can(Perm.TAKE_APPLICATIONS):
        raise PermissionDenied
    household_members = list(Person.objects.filter(household=app.household).order_by("relation_to_head", "birth_date"))
    ctx = {"app": app, "case": app.case, "household_members": household_members,
           "income_kinds": list(rules.INCOME_KINDS.items()), "asset_kinds": list(rules.ASSET_KINDS.items()),
           "totals": economic_totals(app) if app.members.exists() else None}
    if request.method == "POST":
        P = request.POST
        co = set(P.getlist("co_resident"))
        members = [{"person": pid, "co_resident": pid in co, "note": P.get(f"note_{pid}", "")}
                   for pid in P.getlist("member")]
        incomes = [{"person": p or None, "kind": k, "monthly_amount": a, "note": n}
                   for p, k, a, n in zip(P.getlist("income_person"), P.getlist("income_kind"),
                                         P.getlist("income_amount"), P.getlist("income_note")) if k or a]
        assets = [{"kind": k, "value": v, "quantity": q or 1, "note": n}
                  for k, v, q, n in zip(P.getlist("asset_kind"), P.getlist("asset_value"),
                                        P.getlist("asset_quantity"), P.getlist("asset_note")) if k or v]
        try:
            services.record_economic_status(actor(request), app, members=members, incomes=incomes, assets=assets)
        except Forbidden as exc:
            return error_page(request, exc)
        except ServiceError as exc:
            errors = [e["message"] for errs in exc.fields.values() for e in errs] if exc.fields else [exc.message]
            return render(request, "assistance/application_economic.html", {
                **ctx, "errors": errors, "member_rows": _member_rows(household_members, members),
                "income_rows": incomes + [{}] * BLANK_ROWS, "asset_rows": assets + [{}] * BLANK_ROWS},
                status=exc.status)
        messages.success(request, _("已保存家庭经济状况"))
        return redirect("assistance:application_detail", number=number)
    existing = {m.person_id: m for m in app.members.all()}
    members = [{"person": str(p.pk), "co_resident": existing[p.pk].co_resident if p.pk in existing else True,
                "note": existing[p.pk].note if p.pk in existing else ""} for p in household_members]
    incomes = [{"person": str(i.person_id or ""), "kind": i.kind, "monthly_amount": i.monthly_amount, "note": i.note}
               for i in app.incomes.order_by("id")]
    assets = [{"kind": a.kind, "value": a.value, "quantity": a.quantity, "note": a.note}
              for a in app.assets.order_by("id")]
    return render(request, "assistance/application_economic.html", {
        **ctx, "member_rows": _member_rows(household_members, members),
        "income_rows": incomes + [{}] * BLANK_ROWS, "asset_rows": assets + [{}] * BLANK_ROWS,
        "readonly": app.case.state not in services.RECORD_STATES})


def _member_rows(persons, members):
    by_id = {str(m["person"]): m for m in members}
    return [{"person": p, "co_resident": by_id.get(str(p.pk), {}).get("co_resident", False),
             "note": by_id.get(str(p.pk), {}).get("note", "")} for p in persons]


urlpatterns = [
    path("applications/", application_list, name="application_list"),
    path("applications/new/", application_new, name="application_new"),
    path("applications/new/materials/", application_materials, name="application_materials"),
    path("applications/<str:number>/", application_detail, name="application_detail"),
    path("applications/<str:number>/economic-status/", application_economic, name="application_economic"),
    path("applications/<str:number>/act/<slug:action>/", application_act, name="application_act"),
    path("applications/<str:number>/objections/", application_objection, name="application_objection"),
    path("applications/<str:number>/objections/<int:pk>/resolve/", application_objection_resolve,
         name="application_objection_resolve"),
]
