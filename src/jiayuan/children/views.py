"""Pages under ``/children/`` (namespace ``children``): the files a user may read, one
file with its categories and the facts behind them, the review of re-derived categories,
parents, care team, the phone visit form, re-grading, and the 儿童主任/督导员 page with
where one is missing.

Every page of a file goes through :func:`selectors.get_file` (need-to-know: anyone else
gets 404) and audits the read (:func:`services.record_read`).
"""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from ..accounts.models import User
from ..cases import selectors as case_selectors
from ..cases.forms import new_request_key
from ..accounts.permissions import Perm
from ..errors import Forbidden, ServiceError
from ..people import selectors as people_selectors
from ..web.shortcuts import actor, apply_service_error, error_page, paginate, perm_required
from . import homes, labels, selectors, services
from .forms import (ALLOWANCE_NAMES, AllowanceForm, AllowanceStopForm, CloseForm, DutyForm, FileFilterForm, FileForm, HomeForm, ParentForm, ReferralForm, RegradeForm,
                    ReopenForm, TeamForm, VisitForm)
from .models import HOME_SERVICES, ChildParent, VisitPhoto

CANDIDATE_LIMIT = 20


@login_required
@require_http_methods(["GET"])
def file_list(request):
    """The files the user may read (need-to-know: empty for a user without a duty, a
    team place or view_child_files), 50 a page, earliest visit due first."""
    user = request.user
    if not selectors.uses_children_pages(user):
        raise PermissionDenied
    form = FileFilterForm(request.GET)
    qs = selectors.search_files(user, form.filters())
    page_obj = paginate(request, qs)
    rows = list(page_obj)
    services.record_list_read(actor(request), [f.pk for f in rows])
    today = selectors.today()
    return render(request, "children/file_list.html", {
        "form": form, "page_obj": page_obj, "today": today,
        "rows": [{"file": f, "categories": [labels.category_name(c) for c in f.categories],
                  "grade": selectors.risk_grade(f.risk), "overdue": f.next_visit_due < today} for f in rows],
        "may_open": user.can(Perm.VIEW_CHILD_FILES) or selectors.current_duties(user).exists(),
        "can_export": user.can(Perm.EXPORT), "query": request.GET.urlencode(),
        "duties": list(selectors.current_duties(user).select_related("region"))})


@login_required
@require_http_methods(["GET", "POST"])
def file_new(request):
    """Open a file: choose a child of the registry (``?q=``), then confirm (POST
    ``person``); the categories derived from the registry are shown on the file."""
    user = request.user
    if not (user.can(Perm.VIEW_CHILD_FILES) or selectors.current_duties(user).exists()):
        raise PermissionDenied
    if request.method == "POST":
        try:
            file = services.open_file(actor(request), request.POST.get("person"))
        except ServiceError as exc:
            return error_page(request, exc)
        messages.success(request, _("已为 %(name)s 建档") % {"name": file.person.name})
        return redirect("children:file_detail", pk=file.pk)
    q = request.GET.get("q", "").strip()
    candidates = []
    if q:
        candidates = list(people_selectors.search_persons(
            user, people_selectors.PersonFilters(q=q, age_max=17)).order_by("id")[:CANDIDATE_LIMIT])
    return render(request, "children/choose_person.html", {"q": q, "candidates": candidates})


def _detail_context(request, file, **extra) -> dict:
    user = request.user
    team = {m.slot: m for m in file.team.select_related("user")}
    parents = {p.role: p for p in file.parents.select_related("person")}
    return {
        "file": file,
        "categories": labels.describe(file.category_facts),
        "proposed": labels.describe(file.proposed) if file.proposed is not None else None,
        "review": labels.review_text(file.review_reasons),
        "grade": selectors.risk_grade(file.risk),
        "overdue": file.next_visit_due < selectors.today(),
        "slots": [{"code": s["code"], "name": labels.slot_name(s["code"]), "member": team.get(s["code"])}
                  for s in selectors.care_slots()],
        "parents": [{"role": r, "name": _(n), "parent": parents.get(r)} for r, n in ChildParent.Role.choices],
        "visits": [{"visit": v, "before": labels.grade_name(v.risk_before), "after": labels.grade_name(v.risk_after)}
                   for v in file.visits.select_related("visitor").prefetch_related("photos")
                   .order_by("-visited_on", "-id")[:50]],
        "may_edit": selectors.may_edit(user, file),
        "may_visit": selectors.may_visit(user, file),
        "regrade_form": extra.pop("regrade_form", None) or RegradeForm(initial={"risk": file.risk,
                                                                                 "version": file.version}),
        "team_form": extra.pop("team_form", None) or TeamForm(),
        "referrals": selectors.referrals_of(user, file),
        "may_refer": selectors.may_edit(user, file) and file.status == file.Status.OPEN
                     and case_selectors.can_create(user, selectors.REFERRAL_TYPE),
        "referral_form": extra.pop("referral_form", None) or ReferralForm(initial={"request_key": new_request_key()}),
        "closures": list(selectors.closures_of(file)),
        "close_reason": labels.close_reason(file.close_reason),
        "close_form": extra.pop("close_form", None) or CloseForm(initial={"version": file.version}),
        "reopen_form": extra.pop("reopen_form", None) or ReopenForm(initial={"version": file.version}),
        "allowances": _allowance_rows(user, file),
        "may_enrol": _may_enrol(user, file),
        **extra,
    }


@login_required
@require_http_methods(["GET"])
def file_detail(request, pk):
    file = selectors.get_file(request.user, pk)
    services.record_read(actor(request), file)
    return render(request, "children/file_detail.html", _detail_context(request, file))


@login_required
@require_http_methods(["GET", "POST"])
def file_edit(request, pk):
    file = selectors.get_file(request.user, pk)
    if not selectors.may_edit(request.user, file):
        raise PermissionDenied
    status = 200
    if request.method == "POST":
        form = FileForm(request.POST)
        if form.is_valid():
            d = dict(form.cleaned_data)
            version = d.pop("version")
            try:
                services.update_file(actor(request), file, d, version=version)
            except ServiceError as exc:
                apply_service_error(form, exc)
                status = exc.status
            else:
                messages.success(request, _("已保存"))
                return redirect("children:file_detail", pk=file.pk)
        else:
            status = 422
    else:
        services.record_read(actor(request), file, "edit")
        initial = {k: getattr(file, k) for k in services.FILE_FIELDS}
        initial.update(guardian_phone=file.guardian_phone, caregiver_phone=file.caregiver_phone,
                       version=file.version)
        form = FileForm(initial=initial)
    return render(request, "children/file_form.html", {"file": file, "form": form}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def parent_edit(request, pk, role):
    file = selectors.get_file(request.user, pk)
    if role not in ChildParent.Role.values:
        raise PermissionDenied
    if not selectors.may_edit(request.user, file):
        raise PermissionDenied
    parent = file.parents.filter(role=role).select_related("person").first()
    status = 200
    candidates, q = [], request.GET.get("q", "").strip()
    if q:
        candidates = list(people_selectors.search_persons(
            request.user, people_selectors.PersonFilters(q=q)).order_by("id")[:CANDIDATE_LIMIT])
    if request.method == "POST":
        form = ParentForm(request.POST)
        if form.is_valid():
            d = dict(form.cleaned_data)
            version = d.pop("version")
            if d.get("person") is None and parent is not None and parent.person_id and not request.POST.get("unlink"):
                d.pop("person")
            try:
                services.set_parent(actor(request), file, role, d, version=version)
            except ServiceError as exc:
                apply_service_error(form, exc)
                status = exc.status
            else:
                messages.success(request, _("已保存"))
                return redirect("children:file_detail", pk=file.pk)
        else:
            status = 422
    else:
        initial = {"version": file.version}
        if parent is not None:
            initial.update({k: getattr(parent, k) for k in services.PARENT_FIELDS})
            initial.update(phone=parent.phone, person=parent.person_id)
        if request.GET.get("person"):
            chosen = people_selectors.get_person(request.user, request.GET["person"])
            initial.update(person=chosen.pk, name=chosen.name)
        form = ParentForm(initial=initial)
    return render(request, "children/parent_form.html", {
        "file": file, "form": form, "role_name": _(dict(ChildParent.Role.choices)[role]), "role": role,
        "parent": parent, "q": q, "candidates": candidates}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def visit_new(request, pk):
    """The phone visit form: date, place, face to face, findings, new grade with reason."""
    file = selectors.get_file(request.user, pk)
    if not selectors.may_visit(request.user, file):
        raise PermissionDenied
    status = 200
    if request.method == "POST":
        form = VisitForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.record_visit(actor(request), file, visited_on=d["visited_on"], place=d["place"],
                                      findings=d["findings"], risk=d["risk"], reason=d["reason"],
                                      face_to_face=d["face_to_face"], photos=request.FILES.getlist("photos"))
            except ServiceError as exc:
                apply_service_error(form, exc)
                status = exc.status
            else:
                file.refresh_from_db()
                messages.success(request, _("已记录探访，下次探访期限 %(due)s") % {"due": file.next_visit_due.isoformat()})
                return redirect("children:file_detail", pk=file.pk)
        else:
            status = 422
    else:
        services.record_read(actor(request), file, "visit")
        form = VisitForm(initial={"visited_on": selectors.today(), "risk": file.risk, "face_to_face": True})
    return render(request, "children/visit_form.html", {
        "file": file, "form": form, "grades": selectors.risk_grades()}, status=status)


@login_required
@require_http_methods(["GET"])
def photo(request, pk, photo_pk):
    """A visit photo, for who may read the child's file (404 otherwise)."""
    file = selectors.get_file(request.user, pk)
    p = get_object_or_404(VisitPhoto, pk=photo_pk, visit__file=file)
    resp = FileResponse(p.file.open("rb"), content_type=p.content_type)
    resp["Cache-Control"] = "private, max-age=86400"
    return resp


@login_required
@require_POST
def regrade(request, pk):
    file = selectors.get_file(request.user, pk)
    form = RegradeForm(request.POST)
    if form.is_valid():
        try:
            services.regrade(actor(request), file, form.cleaned_data["risk"], form.cleaned_data["reason"],
                             version=form.cleaned_data["version"])
        except Forbidden as exc:
            return error_page(request, exc)
        except ServiceError as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, _("已调整风险等级"))
            return redirect("children:file_detail", pk=file.pk)
    return render(request, "children/file_detail.html", _detail_context(request, file, regrade_form=form),
                  status=422)


@login_required
@require_POST
def confirm(request, pk):
    file = selectors.get_file(request.user, pk)
    try:
        services.confirm_review(actor(request), file, version=request.POST.get("version") or None)
    except ServiceError as exc:
        return error_page(request, exc)
    messages.success(request, _("已确认类别变化"))
    return redirect("children:file_detail", pk=file.pk)


@login_required
@require_POST
def team_set(request, pk):
    file = selectors.get_file(request.user, pk)
    form = TeamForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        user_id = d["user"]
        if d["username"]:
            account = User.objects.filter(username=d["username"]).first()
            user_id = account.pk if account else -1
        try:
            services.set_team_member(actor(request), file, d["slot"], user_id=user_id, name=d["name"],
                                     phone=d["phone"])
        except Forbidden as exc:
            return error_page(request, exc)
        except ServiceError as exc:
            apply_service_error(form, exc, {"user": "username"})
        else:
            messages.success(request, _("已更新关爱团队"))
            return redirect("children:file_detail", pk=file.pk)
    return render(request, "children/file_detail.html", _detail_context(request, file, team_form=form), status=422)


@login_required
@require_POST
def team_remove(request, pk, slot):
    file = selectors.get_file(request.user, pk)
    try:
        services.remove_team_member(actor(request), file, slot)
    except ServiceError as exc:
        return error_page(request, exc)
    return redirect("children:file_detail", pk=file.pk)


@perm_required(Perm.MANAGE_CHILDREN_DUTIES)
@require_http_methods(["GET", "POST"])
def duties(request):
    """儿童督导员 per township and 儿童主任 per village or community in scope, those missing
    first; naming one (POST)."""
    user = request.user
    status = 200
    if request.method == "POST":
        form = DutyForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            account = User.objects.filter(username=d["username"]).first()
            try:
                services.appoint(actor(request), d["kind"], d["region"], account.pk if account else None,
                                 d["started_on"], d["phone"])
            except ServiceError as exc:
                apply_service_error(form, exc, {"user": "username"})
                status = exc.status
            else:
                messages.success(request, _("已任命"))
                return redirect("children:duties")
        else:
            status = 422
    else:
        form = DutyForm(initial={"started_on": selectors.today()})
    towns, villages = selectors.duty_coverage(user, request.GET.get("region", "").strip())
    return render(request, "children/duties.html", {
        "form": form, "towns": towns, "villages": villages,
        "missing_towns": sum(1 for r in towns if r.duty is None),
        "missing_villages": sum(1 for r in villages if r.duty is None)}, status=status)


@require_http_methods(["GET"])
def grades_css(request):
    """The configured risk grades' colours as CSS classes ``risk-<code>`` (the pages'
    Content-Security-Policy allows no inline style); not personal data."""
    from django.http import HttpResponse

    from . import rules

    css = "".join(f".risk-{g['code']}{{background-color:{g['color']}!important;color:{rules.text_color(g['color'])}"
                  f"!important}}\n" for g in selectors.risk_grades())
    resp = HttpResponse(css, content_type="text/css; charset=utf-8")
    resp["Cache-Control"] = "public, max-age=3600"
    return resp


# --- children's homes -----------------------------------------------------------------------

def _parse_date(value, default):
    try:
        return datetime.date.fromisoformat(value) if value else default
    except ValueError:
        return default


@login_required
@require_http_methods(["GET", "POST"])
def home_list(request):
    """Children's homes in scope with capacity, services and the children cared for this
    year; registering one (``manage_children_duties``)."""
    user = request.user
    if not selectors.uses_children_pages(user):
        raise PermissionDenied
    status = 200
    form = HomeForm(request.POST or None, initial={"opened_on": selectors.today()}, user=user)
    if request.method == "POST":
        if not user.can(Perm.MANAGE_CHILDREN_DUTIES):
            raise PermissionDenied
        if form.is_valid():
            d = form.cleaned_data
            try:
                home = homes.register_home(actor(request), name=d["name"], region_code=d["region"],
                                           capacity=d["capacity"], services=d["services"], opened_on=d["opened_on"],
                                           operator_id=d["operator"], address=d["address"])
            except ServiceError as exc:
                apply_service_error(form, exc)
                status = exc.status
            else:
                messages.success(request, _("已登记"))
                return redirect("children:home_detail", pk=home.pk)
        else:
            status = 422
    today = selectors.today()
    year_start = today.replace(month=1, day=1)
    rows = [{"home": h, "services": [str(HOME_SERVICES.get(s, s)) for s in h.services], "cared": h.cared_count}
            for h in selectors.homes_with_counts(user, year_start, today)]
    return render(request, "children/home_list.html", {
        "rows": rows, "form": form, "may_register": user.can(Perm.MANAGE_CHILDREN_DUTIES), "year": today.year},
        status=status)


@login_required
@require_http_methods(["GET", "POST"])
def home_detail(request, pk):
    """One home: children cared for in a period (``?start=&end=``), and for who works at
    it the children enrolled, enrolling (``?q=`` finds the child), leaving, and the day's
    attendance (``?day=``)."""
    user = request.user
    home = selectors.get_home(user, pk)
    today = selectors.today()
    start = _parse_date(request.GET.get("start"), today.replace(month=1, day=1))
    end = _parse_date(request.GET.get("end"), today)
    day = _parse_date(request.GET.get("day") or request.POST.get("day"), today)
    works = selectors.works_at_home(user, home)
    if request.method == "POST":
        if not works:
            raise PermissionDenied
        op = request.POST.get("op")
        try:
            if op == "enrol":
                homes.enrol(actor(request), home, request.POST.get("person"),
                            _parse_date(request.POST.get("enrolled_on"), today))
                messages.success(request, _("已登记入托"))
            elif op == "leave":
                homes.leave(actor(request), home, request.POST.get("enrolment"),
                            _parse_date(request.POST.get("left_on"), today))
                messages.success(request, _("已登记离开"))
            elif op == "attendance":
                n = homes.record_attendance(actor(request), home, day, request.POST.getlist("present"))
                messages.success(request, _("已记录 %(day)s 到托 %(n)s 人") % {"day": day.isoformat(), "n": n})
            else:
                raise PermissionDenied
        except ServiceError as exc:
            return error_page(request, exc)
        return redirect(f"{request.path}?day={day.isoformat()}")
    present = set()
    enrolled = []
    candidates, q = [], request.GET.get("q", "").strip()
    if works:
        enrolled = list(selectors.enrolled_on(home, day))
        present = selectors.present_on(home, day)
        if q and user.can(Perm.VIEW_REGISTRY):
            candidates = list(people_selectors.search_persons(
                user, people_selectors.PersonFilters(q=q, age_max=17)).order_by("id")[:CANDIDATE_LIMIT])
    return render(request, "children/home_detail.html", {
        "home": home, "services": [str(HOME_SERVICES.get(s, s)) for s in home.services], "works": works,
        "start": start, "end": end, "day": day, "today": today,
        "cared": selectors.children_cared_for(home, start, end), "days": selectors.attendance_days(home, start, end),
        "enrolled": [{"e": e, "present": e.pk in present} for e in enrolled], "q": q, "candidates": candidates})


@login_required
@require_POST
def referral_new(request, pk):
    """Refer the child (转介): a case of ``child_referral`` on the engine, worked on its
    case page (``/cases/<number>/``)."""
    file = selectors.get_file(request.user, pk)
    form = ReferralForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            case = services.open_referral(actor(request), file, d["agency"], d["reason"], d["agency_name"],
                                          request_key=d["request_key"])
        except Forbidden as exc:
            return error_page(request, exc)
        except ServiceError as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, _("已转介，编号 %(number)s") % {"number": case.number})
            return redirect("cases:case_detail", number=case.number)
    return render(request, "children/file_detail.html", _detail_context(request, file, referral_form=form),
                  status=422)


@login_required
@require_POST
def close(request, pk):
    file = selectors.get_file(request.user, pk)
    form = CloseForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            services.close_file(actor(request), file, d["reason"], d["note"], version=d["version"])
        except Forbidden as exc:
            return error_page(request, exc)
        except ServiceError as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, _("已销档"))
            return redirect("children:file_detail", pk=file.pk)
    return render(request, "children/file_detail.html", _detail_context(request, file, close_form=form), status=422)


@login_required
@require_POST
def reopen(request, pk):
    file = selectors.get_file(request.user, pk)
    form = ReopenForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            services.reopen_file(actor(request), file, d["note"], version=d["version"])
        except Forbidden as exc:
            return error_page(request, exc)
        except ServiceError as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, _("已恢复档案"))
            return redirect("children:file_detail", pk=file.pk)
    return render(request, "children/file_detail.html", _detail_context(request, file, reopen_form=form),
                  status=422)


@login_required
@require_http_methods(["GET"])
def referral_list(request):
    """The referrals the user reads (the engine's read filter: who reads the child's
    file), newest first, 50 a page."""
    if not selectors.uses_children_pages(request.user):
        raise PermissionDenied
    page_obj = paginate(request, selectors.referrals_for(request.user))
    from .case_types import AGENCIES

    agencies = dict(AGENCIES)
    rows = [{"case": c, "agency": agencies.get(c.data.get("agency", ""), ""),
             "state": case_selectors.decl_of(c.case_type_id).state(c.state).name} for c in page_obj]
    return render(request, "children/referral_list.html", {"page_obj": page_obj, "rows": rows,
                                                            "now": timezone.now()})


@login_required
@require_http_methods(["GET"])
def export(request):
    """The list's files (same filters; ``overdue=on`` gives the overdue list) as an xlsx
    workbook with a Chinese file name: only the files the user reads, audited."""
    from ..imports.export import content_disposition
    from .exports import XLSX

    user = request.user
    if not selectors.uses_children_pages(user):
        raise PermissionDenied
    form = FileFilterForm(request.GET)
    try:
        data, name, fallback, n = services.export_files(actor(request), form.filters(),
                                                        user.scope if user.scope_id else None)
    except ServiceError as exc:
        return error_page(request, exc)
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = content_disposition(name, fallback)
    response["X-Export-Rows"] = str(n)
    response["Cache-Control"] = "no-store"
    return response


# --- children's allowances on the file (孤儿基本生活费, 事实无人抚养儿童基本生活补贴) ----------------

def _allowance_rows(user, file) -> list[dict]:
    rows = selectors.allowances_of(user, file)
    for r in rows:
        r["name"] = ALLOWANCE_NAMES.get(r["enrollment"].program_id, r["enrollment"].program.name)
        r["paid"] = sum(line.amount for line in r["lines"] if line.status == "paid")
    return rows


def _may_enrol(user, file) -> bool:
    """Whether the file page offers enrolling and stopping: a county civil-affairs worker
    (``decide_applications``) who may change the file (the services check it again)."""
    return user.can(Perm.DECIDE_APPLICATIONS) and selectors.may_edit(user, file)


@login_required
@require_http_methods(["GET", "POST"])
def allowances(request, pk):
    """The child's allowances: the enrollments in 孤儿基本生活费 and 事实无人抚养儿童基本生活补贴
    with their payments, whether the file's category still holds for each; enrolling
    (POST ``op=enrol``) and stopping with a reason (``op=stop``) for who decides
    enrollments and may change the file. Thin over ``services.enrol_allowance`` and
    ``services.stop_allowance``."""
    file = selectors.get_file(request.user, pk)
    may = _may_enrol(request.user, file)
    status = 200
    form = AllowanceForm(initial={"start_month": selectors.today().strftime("%Y-%m"),
                                  "program": "orphan_allowance" if selectors.is_orphan(file)
                                  else "de_facto_unsupported_allowance"})
    stop_form, stop_for = AllowanceStopForm(), None
    if request.method == "POST":
        if not may:
            raise PermissionDenied
        op = request.POST.get("op")
        if op == "enrol":
            form = AllowanceForm(request.POST)
            if form.is_valid():
                d = form.cleaned_data
                try:
                    e = services.enrol_allowance(actor(request), file, d["program"], d["start_month"], form.inputs(),
                                                 payee_account=d["payee_account"], reason=d["reason"])
                except ServiceError as exc:
                    apply_service_error(form, exc, {"inputs": "care_setting" if d["program"] == "orphan_allowance"
                                                    else "assistance_amount", "person": "program", "region": "program"})
                    status = exc.status
                else:
                    messages.success(request, _("已纳入%(program)s，每月 %(amount)s 元") % {
                        "program": ALLOWANCE_NAMES[d["program"]], "amount": e.amount})
                    return redirect("children:allowances", pk=file.pk)
            else:
                status = 422
        elif op == "stop":
            stop_form = AllowanceStopForm(request.POST)
            if stop_form.is_valid():
                d = stop_form.cleaned_data
                stop_for = d["enrollment"]
                try:
                    services.stop_allowance(actor(request), file, d["enrollment"], d["reason"],
                                            end_month=d["end_month"] or None, version=d["version"])
                except ServiceError as exc:
                    apply_service_error(stop_form, exc)
                    status = exc.status
                else:
                    messages.success(request, _("已停发"))
                    return redirect("children:allowances", pk=file.pk)
            else:
                stop_for, status = request.POST.get("enrollment"), 422
        else:
            raise PermissionDenied
    else:
        services.record_read(actor(request), file, "allowances")
    return render(request, "children/allowances.html", {
        "file": file, "rows": _allowance_rows(request.user, file), "may_enrol": may and file.status == "open",
        "may_stop": may, "form": form, "stop_form": stop_form, "stop_for": str(stop_for or ""),
        "this_month": selectors.today().strftime("%Y-%m")}, status=status)
