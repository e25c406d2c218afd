"""Pages of the resident registry: person list and search, person detail (tags, life
status, change history, audited reveal of the ID number and phone), create and edit
person; household list, detail, create, edit and membership.

Reads go through :mod:`jiayuan.people.selectors` (scoped: out of scope is 404), writes
through :mod:`jiayuan.people.services`; a service's refusal is shown on the page.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from ..accounts.permissions import Perm
from ..audit.selectors import history_of
from ..dbrouting import may_lag
from ..errors import Conflict, Forbidden, ServiceError, TooManyRequests
from ..regions import selectors as region_selectors
from ..regions.models import Region
from ..web.labels import describe_entries
from ..web.shortcuts import paginate_capped, actor, apply_service_error, error_page, paginate, perm_required, require_perm
from . import rules, selectors, services
from .forms import (COMMON_RELATION_CHOICES, AddMemberForm, ChangeHeadForm, HouseholdForm, LifeStatusForm, PersonFilterForm, PersonForm,
                    TagAddForm)
from .models import Person
from .sections import render_sections

HISTORY_LIMIT = 100
CANDIDATE_LIMIT = 100


def _is_partial(request) -> bool:
    """An htmx request that swaps a fragment (not a history restore, which wants the page)."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.history_restore_request


# --- persons ----------------------------------------------------------------------------

@perm_required(Perm.VIEW_REGISTRY)
@vary_on_headers("HX-Request")
def person_list(request):
    """Search and filter persons in scope, 50 a page; htmx requests get the result table."""
    user = request.user
    region_code = request.GET.get("region", "").strip()
    region = region_selectors.get_region(user, region_code) if region_code else None  # out of scope → 404
    form = PersonFilterForm(user, request.GET, region=region)
    form.is_valid()
    filters = form.filters()
    search_error = ""
    try:
        services.guard_identifier_search(actor(request), filters.q)
    except TooManyRequests as exc:
        search_error = exc.message
    # The search list may lag (a replica when configured; jiayuan/dbrouting.py).
    qs = may_lag(selectors.with_current_tags(
        selectors.search_persons(user, filters).select_related("region__parent").order_by("id")))
    if search_error:
        qs = qs.none()
    ctx = {"form": form, "page_obj": paginate_capped(request, qs), "today": timezone.localdate(),
           "search_error": search_error,
           "can_edit": user.can(Perm.EDIT_REGISTRY), "searched": any(v for k, v in request.GET.items() if k != "page")}
    template = "people/_person_results.html" if _is_partial(request) else "people/person_list.html"
    return render(request, template, ctx)


def _person_context(request, person: Person, revealed: dict | None = None, **extra) -> dict:
    user = request.user
    tags = list(selectors.tags_of(person))
    today = timezone.localdate()
    household = person.household
    return {
        "person": person,
        "age": rules.age_on(person.birth_date, today),
        "current_tags": [t for t in tags if t.is_current(today)],
        "past_tags": [t for t in tags if not t.is_current(today)],
        "members": list(selectors.members_of(household)) if household else [],
        "history": describe_entries(history_of(person)[:HISTORY_LIMIT]),
        "revealed": revealed,
        "can_edit": user.can(Perm.EDIT_REGISTRY),
        "can_reveal": user.can(Perm.VIEW_SENSITIVE),
        "tag_form": extra.pop("tag_form", None) or TagAddForm(),
        "life_form": extra.pop("life_form", None) or LifeStatusForm(initial={
            "life_status": person.life_status, "life_status_date": person.life_status_date,
            "version": person.version}),
        "region_path": region_selectors.ancestors(person.region)[3:] + [person.region],
        "today": today,
        "module_sections": render_sections(request, person),
        **extra,
    }


@login_required
def person_detail(request, pk):
    person = selectors.get_person(request.user, pk)
    require_perm(request.user, Perm.VIEW_REGISTRY)
    return render(request, "people/person_detail.html", _person_context(request, person))


@login_required
@require_POST
def person_reveal(request, pk):
    """Show the whole ID number and phone (POST, audited by the service). htmx swaps
    the masked block; without htmx the detail page is shown with the values."""
    person = selectors.get_person(request.user, pk)
    require_perm(request.user, Perm.VIEW_REGISTRY)
    try:
        values = services.reveal_sensitive(actor(request), person, purpose=request.POST.get("purpose", "")[:100])
    except ServiceError as exc:
        if _is_partial(request):
            return render(request, "people/_sensitive.html", {"person": person, "error": exc.message,
                                                              "can_reveal": False}, status=exc.status)
        return error_page(request, exc)
    if _is_partial(request):
        return render(request, "people/_sensitive.html", {"person": person, "revealed": values})
    return render(request, "people/person_detail.html", _person_context(request, person, revealed=values))


@perm_required(Perm.EDIT_REGISTRY)
@require_http_methods(["GET", "POST"])
def person_create(request):
    user = request.user
    form = PersonForm(user, request.POST or None, initial={"region": request.GET.get("region", "")})
    if request.method == "POST" and form.is_valid():
        try:
            person = services.create_person(actor(request), form.service_data())
        except ServiceError as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, _("已登记居民：%(name)s") % {"name": person.name})
            return redirect("web:person_detail", pk=person.pk)
    return render(request, "people/person_form.html", {"form": form, "title": _("登记居民")},
                  status=422 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def person_edit(request, pk):
    user = request.user
    person = selectors.get_person(user, pk)
    require_perm(request.user, Perm.EDIT_REGISTRY)
    form = PersonForm(user, request.POST or None, person=person, initial=PersonForm.initial_for(person))
    conflict = False
    if request.method == "POST" and form.is_valid():
        try:
            services.update_person(actor(request), person, form.service_data(),
                                   expected_version=form.cleaned_data["version"])
        except Conflict as exc:
            conflict = True
            form.add_error(None, exc.message)
        except ServiceError as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, _("居民信息已保存"))
            return redirect("web:person_detail", pk=person.pk)
    status = 409 if conflict else (422 if form.errors else 200)
    return render(request, "people/person_form.html", {"form": form, "person": person, "conflict": conflict,
                                                       "title": _("修改居民信息")}, status=status)


def _back_to_person(request, person, exc: ServiceError | None = None, ok: str = ""):
    if exc is not None:
        if isinstance(exc, Forbidden):
            return error_page(request, exc)
        messages.error(request, exc.message)
    elif ok:
        messages.success(request, ok)
    return redirect("web:person_detail", pk=person.pk)


@login_required
@require_POST
def person_tag_add(request, pk):
    person = selectors.get_person(request.user, pk)
    require_perm(request.user, Perm.EDIT_REGISTRY)
    form = TagAddForm(request.POST)
    if not form.is_valid():
        ctx = _person_context(request, person, tag_form=form)
        return render(request, "people/person_detail.html", ctx, status=422)
    d = form.cleaned_data
    try:
        tag = services.add_tag(actor(request), person, d["kind"], d["valid_from"], d["valid_to"], note=d["note"])
    except ServiceError as exc:
        if isinstance(exc, Forbidden):
            return error_page(request, exc)
        apply_service_error(form, exc, {"kind": "kind", "valid_to": "valid_to"})
        return render(request, "people/person_detail.html", _person_context(request, person, tag_form=form),
                      status=422)
    return _back_to_person(request, person, ok=_("已添加人员类别：%(name)s") % {"name": tag.kind.name})


@login_required
@require_POST
def person_tag_end(request, pk, tag_id):
    person = selectors.get_person(request.user, pk)
    require_perm(request.user, Perm.EDIT_REGISTRY)
    tag = person.tags.select_related("kind").filter(pk=tag_id).first()
    if tag is None:
        raise Http404
    valid_to = None
    raw = request.POST.get("valid_to", "").strip()
    if raw:
        from django.utils.dateparse import parse_date

        try:
            valid_to = parse_date(raw)
        except ValueError:
            valid_to = None
        if valid_to is None:
            return _back_to_person(request, person, ServiceError("date.format", _("日期格式错误，应为 YYYY-MM-DD")))
    try:
        services.end_tag(actor(request), tag, valid_to)
    except ServiceError as exc:
        return _back_to_person(request, person, exc)
    return _back_to_person(request, person, ok=_("已结束人员类别：%(name)s") % {"name": tag.kind.name})


@login_required
@require_POST
def person_life_status(request, pk):
    person = selectors.get_person(request.user, pk)
    require_perm(request.user, Perm.EDIT_REGISTRY)
    form = LifeStatusForm(request.POST)
    if not form.is_valid():
        return render(request, "people/person_detail.html", _person_context(request, person, life_form=form),
                      status=422)
    d = form.cleaned_data
    try:
        services.set_life_status(actor(request), person, d["life_status"], d["life_status_date"], d["version"])
    except Conflict as exc:
        return _back_to_person(request, person, exc)
    except ServiceError as exc:
        if isinstance(exc, Forbidden):
            return error_page(request, exc)
        apply_service_error(form, exc)
        return render(request, "people/person_detail.html", _person_context(request, person, life_form=form),
                      status=422)
    return _back_to_person(request, person, ok=_("人员状态已更新"))


# --- households -------------------------------------------------------------------------

@perm_required(Perm.VIEW_REGISTRY)
def household_list(request):
    """Households in scope; ``q`` finds a number or an address fragment, ``region``
    narrows to a community or grid."""
    user = request.user
    qs = selectors.households_for(user).select_related("region__parent").order_by("community_id", "number")
    region_code = request.GET.get("region", "").strip()
    region = None
    if region_code:
        region = region_selectors.get_region(user, region_code)  # out of scope → 404
        qs = qs.filter(region__code__startswith=region.code)
    q = request.GET.get("q", "").strip()
    if q:
        from django.db.models import Q

        qs = qs.filter(Q(number__contains=q) | Q(address__contains=q))
    page_obj = paginate(request, qs)
    heads = selectors.household_heads(page_obj.object_list)
    from django.db.models import Count

    sizes = dict(selectors.persons_for(user).filter(household__in=[h.pk for h in page_obj.object_list])
                 .values("household").annotate(n=Count("id")).values_list("household", "n").order_by())
    rows = [{"hh": h, "head": heads.get(h.pk), "size": sizes.get(h.pk, 0)} for h in page_obj.object_list]
    from ..regions.forms import region_choices

    return render(request, "people/household_list.html", {
        "page_obj": page_obj, "rows": rows, "q": q, "region_code": region_code,
        "region_select": forms.Select(choices=region_choices(user, ("township", "village", "grid"),
                                                             blank=_("全部区域"), extra=region)).render(
            "region", region_code, attrs={"class": "form-select", "aria-label": _("区域")}),
        "can_edit": user.can(Perm.EDIT_REGISTRY),
    })


def _candidates(user, region_code: str = ""):
    """Persons without a household who may join one: in the community of
    ``region_code`` when given, else anywhere in scope (newest first, capped)."""
    under = region_code[:12] if len(region_code) >= 12 else region_code
    return list(selectors.persons_without_household(user, under).select_related("region")[:CANDIDATE_LIMIT])


@perm_required(Perm.EDIT_REGISTRY)
@require_http_methods(["GET", "POST"])
def household_create(request):
    """New household: number, region, address; head and members chosen among persons in
    scope without a household (each through the scoped selector)."""
    user = request.user
    data = request.POST if request.method == "POST" else None
    region_code = (request.POST.get("region") if data else request.GET.get("region", "")) or ""
    if region_code:
        region_selectors.get_region(user, region_code)
    form = HouseholdForm(user, data, initial={"region": region_code})
    candidates = _candidates(user, region_code)
    head_id = request.POST.get("head", "") if data else ""
    relations = {}
    if data:
        for key, value in request.POST.items():
            if key.startswith("rel_") and value:
                relations[key[4:]] = value
    if data and form.is_valid():
        head = selectors.get_person(user, head_id) if head_id else None
        members = []
        for pid, rel in relations.items():
            if pid == head_id:
                continue
            if rel not in rules.RELATIONS:
                form.add_error(None, _("与户主关系无效：%(value)s") % {"value": rel})
                continue
            members.append((selectors.get_person(user, pid), rel))
        if head is None:
            form.add_error(None, _("请选择户主（从下方尚未入户的居民中勾选）"))
        if not form.errors:
            try:
                hh = services.create_household(actor(request), {k: form.cleaned_data[k] for k in
                                                                ("number", "region", "address")}, head, members)
            except ServiceError as exc:
                apply_service_error(form, exc, {"members": None, "person": None})
            else:
                messages.success(request, _("已新建户：%(number)s") % {"number": hh.number})
                return redirect("web:household_detail", pk=hh.pk)
    return render(request, "people/household_form.html", {
        "form": form, "candidates": candidates, "head_id": head_id, "relations": relations,
        "relation_choices": COMMON_RELATION_CHOICES, "title": _("新建户"), "creating": True,
        "candidate_limit": CANDIDATE_LIMIT,
    }, status=422 if form.errors else 200)


def _household_context(request, hh, **extra) -> dict:
    user = request.user
    members = list(selectors.members_of(hh))
    return {
        "hh": hh, "members": members,
        "head": next((m for m in members if m.is_head), None),
        "add_form": extra.pop("add_form", None) or AddMemberForm(_candidates(user, hh.community_id)),
        "head_form": extra.pop("head_form", None) or ChangeHeadForm(members),
        "history": describe_entries(history_of(hh)[:HISTORY_LIMIT]),
        "can_edit": user.can(Perm.EDIT_REGISTRY),
        "can_manage": user.can(Perm.MANAGE_GRIDS),
        **extra,
    }


@login_required
def household_detail(request, pk):
    hh = selectors.get_household(request.user, pk)
    require_perm(request.user, Perm.VIEW_REGISTRY)
    return render(request, "people/household_detail.html", _household_context(request, hh))


@login_required
@require_http_methods(["GET", "POST"])
def household_edit(request, pk):
    user = request.user
    hh = selectors.get_household(user, pk)
    require_perm(request.user, Perm.EDIT_REGISTRY)
    form = HouseholdForm(user, request.POST or None, editing=True,
                         initial={"number": hh.number, "address": hh.address, "version": hh.version})
    conflict = False
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.update_household(actor(request), hh, {"number": d["number"], "address": d["address"]},
                                      expected_version=d["version"])
        except Conflict as exc:
            conflict = True
            form.add_error(None, exc.message)
        except ServiceError as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, _("户信息已保存"))
            return redirect("web:household_detail", pk=hh.pk)
    return render(request, "people/household_form.html", {
        "form": form, "hh": hh, "title": _("修改户信息"), "conflict": conflict,
    }, status=409 if conflict else (422 if form.errors else 200))


@login_required
@require_POST
def household_member_add(request, pk):
    user = request.user
    hh = selectors.get_household(user, pk)
    require_perm(request.user, Perm.EDIT_REGISTRY)
    candidates = _candidates(user, hh.community_id)
    person_id = request.POST.get("person", "")
    if person_id:
        selectors.get_person(user, person_id)  # out of scope → 404, like any other object
    form = AddMemberForm(candidates, request.POST)
    if form.is_valid():
        person = selectors.get_person(user, form.cleaned_data["person"])
        try:
            services.add_member(actor(request), hh, person, form.cleaned_data["relation_to_head"])
        except ServiceError as exc:
            if isinstance(exc, Forbidden):
                return error_page(request, exc)
            apply_service_error(form, exc, {"relation_to_head": "relation_to_head", "person": "person"})
        else:
            messages.success(request, _("%(name)s 已加入本户") % {"name": person.name})
            return redirect("web:household_detail", pk=hh.pk)
    return render(request, "people/household_detail.html", _household_context(request, hh, add_form=form),
                  status=422)


@login_required
@require_POST
def household_member_remove(request, pk, person_id):
    user = request.user
    hh = selectors.get_household(user, pk)
    require_perm(request.user, Perm.EDIT_REGISTRY)
    person = selectors.get_person(user, person_id)
    try:
        services.remove_member(actor(request), hh, person)
    except ServiceError as exc:
        if isinstance(exc, Forbidden):
            return error_page(request, exc)
        messages.error(request, exc.message)
    else:
        messages.success(request, _("%(name)s 已移出本户（仍保留在居民名册中）") % {"name": person.name})
    return redirect("web:household_detail", pk=hh.pk)


@login_required
@require_POST
def household_head(request, pk):
    user = request.user
    hh = selectors.get_household(user, pk)
    require_perm(request.user, Perm.EDIT_REGISTRY)
    members = list(selectors.members_of(hh))
    form = ChangeHeadForm(members, request.POST)
    if form.is_valid():
        new_head = selectors.get_person(user, form.cleaned_data["new_head"])
        try:
            services.change_head(actor(request), hh, new_head, form.cleaned_data["old_head_relation"])
        except ServiceError as exc:
            if isinstance(exc, Forbidden):
                return error_page(request, exc)
            apply_service_error(form, exc, {"person": "new_head"})
        else:
            messages.success(request, _("户主已变更为 %(name)s") % {"name": new_head.name})
            return redirect("web:household_detail", pk=hh.pk)
    return render(request, "people/household_detail.html", _household_context(request, hh, head_form=form),
                  status=422)
