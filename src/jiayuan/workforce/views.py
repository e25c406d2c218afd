"""Pages of the workforce (社区工作者队伍): community workers with their grade steps, social
workers with continuing-education hours, exam registrations and results, training
sessions with attendance, and the figures of a region.

Reads go through :mod:`jiayuan.workforce.selectors` (scoped: out of scope is 404),
writes through :mod:`jiayuan.workforce.services`; a refusal is shown on the page.
"""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from ..accounts.models import User
from ..accounts.permissions import Perm
from ..errors import Forbidden, ServiceError
from ..facilities.exports import workbook_response
from ..people import selectors as people_selectors
from ..regions.selectors import ancestors
from ..web.shortcuts import actor, apply_service_error, error_page, paginate, perm_required
from . import exports, rules, selectors, services
from .forms import (EnrollForm, ExamForm, HoursForm, LeaveForm, ResultForm, SessionForm, SocialWorkerForm,
                    WorkerFilterForm, WorkerForm)
from .models import ExamRegistration, Post, Subject

CANDIDATE_LIMIT = 20


def _choose_person(request, title: str, action: str):
    q = request.GET.get("q", "").strip()
    candidates = []
    if q:
        candidates = list(people_selectors.search_persons(
            request.user, people_selectors.PersonFilters(q=q)).order_by("id")[:CANDIDATE_LIMIT])
    return render(request, "workforce/choose_person.html", {"q": q, "candidates": candidates, "title": title,
                                                             "action": action})


def _accounts(user):
    qs = User.objects.filter(is_active=True, role__in=("community_worker", "community_director", "grid_member"))
    if user.scope_code:
        qs = qs.filter(scope__code__startswith=user.scope_code)
    return list(qs.order_by("username")[:300])


# --- community workers --------------------------------------------------------------------------

@perm_required(Perm.VIEW_WORKFORCE)
@require_http_methods(["GET"])
def worker_list(request):
    user = request.user
    form = WorkerFilterForm(user, request.GET)
    form.is_valid()
    d = {k: v for k, v in form.cleaned_data.items() if k not in form.errors}
    region = selectors.get_region(user, d["region"]) if d.get("region") else None
    status = d.get("status") or "active"
    qs = selectors.search_workers(user, region=region.code if region else "", post=d.get("post") or "",
                                  status="" if status == "all" else status, q=(d.get("q") or "").strip())
    today = timezone.localdate()
    if request.GET.get("format") == "xlsx":
        try:
            data, name, fallback, _rows = services.export_workers(
                actor(request), region=region, post=d.get("post") or "", status="" if status == "all" else status,
                q=(d.get("q") or "").strip())
        except ServiceError as exc:
            return error_page(request, exc)
        return workbook_response(data, name, fallback)
    page_obj = paginate(request, qs)
    rows = [(w, selectors.grade_status(w, today), rules.full_years(w.started_on, today)) for w in page_obj]
    query = request.GET.copy()
    query.pop("page", None)
    query["format"] = "xlsx"
    return render(request, "workforce/worker_list.html", {
        "form": form, "page_obj": page_obj, "rows": rows, "export_query": query.urlencode(),
        "can_export": user.can(Perm.EXPORT), "can_manage": user.can(Perm.MANAGE_WORKFORCE), "scheme": selectors.grade_scheme()})


def _worker_form_page(request, form, person, worker=None, status=200):
    scheme = selectors.grade_scheme()
    ranges = [(label, *scheme["posts"][post]) for post, label in Post.choices if post in scheme["posts"]]
    return render(request, "workforce/worker_form.html", {"form": form, "person": person, "worker": worker,
                                                           "scheme": scheme, "scheme_name": selectors.scheme_name(), "ranges": ranges}, status=status)


@perm_required(Perm.MANAGE_WORKFORCE)
@require_http_methods(["GET", "POST"])
def worker_new(request):
    user = request.user
    pid = request.POST.get("person") or request.GET.get("person")
    if not pid:
        return _choose_person(request, _("登记社区工作者：选择人员"), "workforce:worker_new")
    person = people_selectors.get_person(user, pid)
    if request.method == "GET":
        return _worker_form_page(request, WorkerForm(user, _accounts(user), initial={
            "community": person.region_id[:12]}), person)
    form = WorkerForm(user, _accounts(user), request.POST)
    form.is_valid()
    try:
        w = services.register_worker(actor(request), person, {k: v for k, v in form.cleaned_data.items()
                                                               if k != "version"})
    except Forbidden as exc:
        return error_page(request, exc)
    except ServiceError as exc:
        apply_service_error(form, exc)
        return _worker_form_page(request, form, person, status=exc.status)
    messages.success(request, _("已登记社区工作者：%(name)s") % {"name": person.name})
    return redirect("workforce:worker_detail", pk=w.pk)


@perm_required(Perm.MANAGE_WORKFORCE)
@require_http_methods(["GET", "POST"])
def worker_edit(request, pk):
    user = request.user
    w = selectors.get_worker(user, pk)
    if request.method == "GET":
        return _worker_form_page(request, WorkerForm(user, _accounts(user), initial={
            "community": w.community_id, "post": w.post, "grade": w.grade, "grade_since": w.grade_since,
            "started_on": w.started_on, "user": w.user_id or "", "note": w.note, "version": w.version}), w.person, w)
    form = WorkerForm(user, _accounts(user), request.POST)
    form.is_valid()
    data = {k: v for k, v in form.cleaned_data.items() if k != "version"}
    try:
        services.update_worker(actor(request), w, data, version=form.cleaned_data.get("version"))
    except Forbidden as exc:
        return error_page(request, exc)
    except ServiceError as exc:
        apply_service_error(form, exc)
        return _worker_form_page(request, form, w.person, w, status=exc.status)
    messages.success(request, _("已保存"))
    return redirect("workforce:worker_detail", pk=w.pk)


def _worker_page(request, w, leave_form=None, status=200):
    user = request.user
    today = timezone.localdate()
    return render(request, "workforce/worker_detail.html", {
        "w": w, "grade": selectors.grade_status(w, today), "years": rules.full_years(w.started_on, today),
        "scheme_name": selectors.scheme_name(), "social_worker": selectors.social_worker_of(user, w.person),
        "trainings": w.trainings.select_related("session").order_by("-session__starts_on"),
        "can_manage": user.can(Perm.MANAGE_WORKFORCE),
        "leave_form": leave_form or LeaveForm(initial={"left_on": today, "version": w.version})}, status=status)


@perm_required(Perm.VIEW_WORKFORCE)
@require_http_methods(["GET"])
def worker_detail(request, pk):
    return _worker_page(request, selectors.get_worker(request.user, pk))


@perm_required(Perm.MANAGE_WORKFORCE)
@require_POST
def worker_grade_step(request, pk):
    w = selectors.get_worker(request.user, pk)
    try:
        w = services.record_grade_step(actor(request), w, version=request.POST.get("version") or None)
    except ServiceError as exc:
        return error_page(request, exc)
    messages.success(request, _("已晋升至 %(grade)s 级") % {"grade": w.grade})
    return redirect("workforce:worker_detail", pk=w.pk)


@perm_required(Perm.MANAGE_WORKFORCE)
@require_POST
def worker_leave(request, pk):
    w = selectors.get_worker(request.user, pk)
    form = LeaveForm(request.POST)
    form.is_valid()
    try:
        services.worker_leaves(actor(request), w, form.cleaned_data.get("left_on"), form.cleaned_data.get("note", ""),
                               version=form.cleaned_data.get("version"))
    except ServiceError as exc:
        apply_service_error(form, exc)
        return _worker_page(request, selectors.get_worker(request.user, pk), form, status=exc.status)
    messages.success(request, _("已登记离岗"))
    return redirect("workforce:worker_detail", pk=w.pk)


# --- social workers -----------------------------------------------------------------------------

@perm_required(Perm.VIEW_WORKFORCE)
@require_http_methods(["GET"])
def social_worker_list(request):
    user = request.user
    today = timezone.localdate()
    qs = selectors.social_workers_for(user).order_by("region_id", "person__name", "id")
    level = request.GET.get("level", "")
    if level in rules.LEVELS:
        qs = qs.filter(level=level)
    if request.GET.get("format") == "xlsx":
        try:
            data, name, fallback, _rows = services.export_social_workers(actor(request), level=level)
        except ServiceError as exc:
            return error_page(request, exc)
        return workbook_response(data, name, fallback)
    page_obj = paginate(request, qs.prefetch_related("education"))
    rows = [(w, rules.hours_in_period(w.level, w.registered_on, today, [(e.on, e.hours) for e in w.education.all()]))
            for w in page_obj]
    return render(request, "workforce/social_worker_list.html", {
        "page_obj": page_obj, "rows": rows, "level": level, "can_manage": user.can(Perm.MANAGE_WORKFORCE),
        "can_export": user.can(Perm.EXPORT),
        "short": selectors.hours_shortfalls(user, today) if user.can(Perm.MANAGE_WORKFORCE) else []})


@perm_required(Perm.MANAGE_WORKFORCE)
@require_http_methods(["GET", "POST"])
def social_worker_new(request):
    user = request.user
    pid = request.POST.get("person") or request.GET.get("person")
    if not pid:
        return _choose_person(request, _("登记社会工作者：选择人员"), "workforce:social_worker_new")
    person = people_selectors.get_person(user, pid)
    current = selectors.social_worker_of(user, person)
    status = 200
    if request.method == "GET":
        form = SocialWorkerForm(user, initial={
            "level": current.level if current else "", "certificate_number": current.certificate_number if current else "",
            "certified_on": current.certified_on if current else None,
            "registered_on": current.registered_on if current else None,
            "region": current.region_id if current else person.region_id[:12]})
    else:
        form = SocialWorkerForm(user, request.POST)
        form.is_valid()
        try:
            sw = services.record_social_worker(actor(request), person, dict(form.cleaned_data))
        except Forbidden as exc:
            return error_page(request, exc)
        except ServiceError as exc:
            apply_service_error(form, exc)
            status = exc.status
        else:
            messages.success(request, _("已登记社会工作者：%(name)s") % {"name": person.name})
            return redirect("workforce:social_worker_detail", pk=sw.pk)
    return render(request, "workforce/social_worker_form.html", {"form": form, "person": person, "current": current},
                  status=status)


def _sw_page(request, sw, hours_form=None, status=200):
    user = request.user
    today = timezone.localdate()
    regs = (selectors.registrations_for(user).filter(person=sw.person).order_by("-year", "level"))
    return render(request, "workforce/social_worker_detail.html", {
        "sw": sw, "period": selectors.education_period(sw, today), "records": sw.education.order_by("-on", "-id"),
        "registrations": regs, "can_manage": user.can(Perm.MANAGE_WORKFORCE),
        "hours_form": hours_form or HoursForm(initial={"on": today})}, status=status)


@perm_required(Perm.VIEW_WORKFORCE)
@require_http_methods(["GET"])
def social_worker_detail(request, pk):
    return _sw_page(request, selectors.get_social_worker(request.user, pk))


@perm_required(Perm.MANAGE_WORKFORCE)
@require_POST
def hours_add(request, pk):
    sw = selectors.get_social_worker(request.user, pk)
    form = HoursForm(request.POST)
    form.is_valid()
    d = form.cleaned_data
    try:
        services.add_hours(actor(request), sw, d.get("on"), d.get("hours"), d.get("title"), d.get("provider", ""))
    except ServiceError as exc:
        apply_service_error(form, exc)
        return _sw_page(request, sw, form, status=exc.status)
    messages.success(request, _("已登记继续教育学时"))
    return redirect("workforce:social_worker_detail", pk=sw.pk)


# --- exams ----------------------------------------------------------------------------------------

@perm_required(Perm.VIEW_WORKFORCE)
@require_http_methods(["GET", "POST"])
def exam_list(request):
    """Registrations in scope; ``?person=`` registers that person (GET form, POST)."""
    user = request.user
    person, form, status = None, None, 200
    pid = request.POST.get("person") or request.GET.get("person")
    if request.GET.get("choose"):
        return _choose_person(request, _("考试报名：选择人员"), "workforce:exam_list")
    if pid and user.can(Perm.MANAGE_WORKFORCE):
        person = people_selectors.get_person(user, pid)
        form = ExamForm(request.POST or None, initial={"year": timezone.localdate().year})
        if request.method == "POST":
            form.is_valid()
            try:
                reg = services.register_exam(actor(request), person, form.cleaned_data.get("level") or "",
                                             form.cleaned_data.get("year"))
            except ServiceError as exc:
                apply_service_error(form, exc)
                status = exc.status
            else:
                messages.success(request, _("已报名"))
                return redirect("workforce:exam_detail", pk=reg.pk)
    page_obj = paginate(request, selectors.registrations_for(user).order_by("-year", "person__name", "id"))
    return render(request, "workforce/exam_list.html", {
        "page_obj": page_obj, "person": person, "form": form, "can_manage": user.can(Perm.MANAGE_WORKFORCE)},
        status=status)


@perm_required(Perm.VIEW_WORKFORCE)
@require_http_methods(["GET", "POST"])
def exam_detail(request, pk):
    user = request.user
    reg = selectors.get_registration(user, pk)
    subjects = rules.EXAM_SUBJECTS[reg.level]
    form = ResultForm(subjects, request.POST or None)
    status = 200
    if request.method == "POST":
        if not user.can(Perm.MANAGE_WORKFORCE):
            return error_page(request, Forbidden("permission_denied", _("您的角色无权执行此操作")))
        form.is_valid()
        d = form.cleaned_data
        try:
            services.record_result(actor(request), reg, d.get("subject") or "", d.get("score"), d.get("pass_mark"))
        except ServiceError as exc:
            apply_service_error(form, exc)
            status = exc.status
        else:
            messages.success(request, _("已登记成绩"))
            return redirect("workforce:exam_detail", pk=reg.pk)
    outcome = selectors.exam_outcome(reg.person, reg.level)
    labels = dict(Subject.choices)
    return render(request, "workforce/exam_detail.html", {
        "reg": reg, "results": reg.results.order_by("subject"), "form": form, "outcome": outcome,
        "missing": [labels[s] for s in outcome.missing], "can_manage": user.can(Perm.MANAGE_WORKFORCE),
        "window": rules.EXAM_WINDOW_YEARS[reg.level]}, status=status)


# --- training -------------------------------------------------------------------------------------

@perm_required(Perm.VIEW_WORKFORCE)
@require_http_methods(["GET"])
def training_list(request):
    user = request.user
    page_obj = paginate(request, selectors.sessions_for(user).order_by("-starts_on", "-id"))
    return render(request, "workforce/training_list.html", {"page_obj": page_obj,
                                                             "can_manage": user.can(Perm.MANAGE_TRAINING)})


@perm_required(Perm.MANAGE_TRAINING)
@require_http_methods(["GET", "POST"])
def training_new(request):
    user = request.user
    if request.method == "GET":
        form = SessionForm(user, initial={"region": user.scope_id or ""})
        return render(request, "workforce/training_form.html", {"form": form})
    form = SessionForm(user, request.POST)
    form.is_valid()
    try:
        s = services.create_session(actor(request), dict(form.cleaned_data))
    except Forbidden as exc:
        return error_page(request, exc)
    except ServiceError as exc:
        apply_service_error(form, exc)
        return render(request, "workforce/training_form.html", {"form": form}, status=exc.status)
    messages.success(request, _("已创建培训班：%(title)s") % {"title": s.title})
    return redirect("workforce:training_detail", pk=s.pk)


def _session_page(request, s, enroll_form=None, status=200):
    user = request.user
    enrolled = selectors.enrolled_persons(s)
    candidates = [w for w in selectors.search_workers(user, region=s.region_id)[:300] if w.person_id not in enrolled]
    social = [w for w in selectors.social_workers_for(user).filter(region__code__startswith=s.region_id)
              .order_by("region_id", "person__name", "id")[:300] if w.person_id not in enrolled]
    return render(request, "workforce/training_detail.html", {
        "s": s, "participants": selectors.participants_of(s), "can_manage": user.can(Perm.MANAGE_TRAINING),
        "enroll_form": enroll_form or EnrollForm(candidates, social)}, status=status)


@perm_required(Perm.VIEW_WORKFORCE)
@require_http_methods(["GET"])
def training_detail(request, pk):
    return _session_page(request, selectors.get_session(request.user, pk))


@perm_required(Perm.MANAGE_TRAINING)
@require_POST
def training_enroll(request, pk):
    s = selectors.get_session(request.user, pk)
    try:
        n = services.enroll(actor(request), s, request.POST.getlist("workers"), request.POST.getlist("social_workers"))
    except ServiceError as exc:
        return error_page(request, exc)
    messages.success(request, _("已加入 %(n)s 人") % {"n": n})
    return redirect("workforce:training_detail", pk=s.pk)


@perm_required(Perm.MANAGE_TRAINING)
@require_POST
def training_attendance(request, pk):
    s = selectors.get_session(request.user, pk)
    ids = {}
    for name in ("worker", "social_worker"):
        try:
            ids[name] = int(request.POST.get(name, ""))
        except ValueError:
            ids[name] = 0
    try:
        services.set_attendance(actor(request), s, ids["worker"], request.POST.get("attended") == "1",
                                social_worker_id=ids["social_worker"])
    except ServiceError as exc:
        return error_page(request, exc)
    return redirect("workforce:training_detail", pk=s.pk)


# --- figures --------------------------------------------------------------------------------------

def _date(raw: str, default: date) -> date:
    try:
        return parse_date(raw or "") or default
    except ValueError:
        return default


@perm_required(Perm.VIEW_WORKFORCE)
@require_http_methods(["GET"])
def summary(request):
    """Workforce figures of a region (``?region=``) for a period (``?start=&end=``,
    default this year): staffing per 10,000 urban residents, cadres trained,
    exam-preparation classes and trainees, social workers by level."""
    user = request.user
    code = request.GET.get("region", "").strip()
    region = selectors.get_region(user, code) if code else selectors.home_region(user)
    today = timezone.localdate()
    start = _date(request.GET.get("start", ""), date(today.year, 1, 1))
    end = _date(request.GET.get("end", ""), date(today.year, 12, 31))
    if end < start:
        start, end = end, start
    f = selectors.figures(user, region, start, end)
    if request.GET.get("format") == "xlsx":
        return workbook_response(exports.figures_xlsx(f, today), *exports.file_names(
            region, f"社区工作者队伍统计-{start:%Y%m%d}至{end:%Y%m%d}", "workforce-figures", today))
    scope = user.scope_code
    return render(request, "workforce/summary.html", {
        "f": f, "trail": [r for r in ancestors(region) if r.code.startswith(scope)],
        "children": selectors.children_of(region), "levels": [(lv, label) for lv, label in
                                                              ExamRegistration._meta.get_field("level").choices]})

