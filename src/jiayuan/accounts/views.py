"""Pages of the accounts app, thin: parse, call a service or selector, render.

- The administration area (系统管理, ``/manage/``): accounts and departments, the
  published lists, the service catalogue, and the own-password page. Lists are scoped:
  an administrator sees the accounts and departments inside its scope (one outside
  answers 404, like one that does not exist); every write goes through
  :mod:`jiayuan.accounts.services` or :mod:`jiayuan.cases.services`, which check the
  permission, the scope and the role order and write the audit entry.
- The user's own account pages (``/account/``): API tokens (list, revoke one, revoke all)
  and the second factor (enrol an authenticator app, give a code after the password,
  remove).
"""

from base64 import b32encode
from functools import wraps

import django_otp
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from ..audit.services import Actor
from ..errors import ServiceError, ValidationFailed
from ..regions.models import Region
from ..web.shortcuts import actor, apply_service_error, paginate
from . import selectors, services
from .forms import AccountForm, DepartmentForm, PasswordChangeForm
from .models import User
from .permissions import Perm, manages_region, may_grant


def _admin_required(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not (request.user.can(Perm.MANAGE_USERS) or request.user.can(Perm.MANAGE_CATALOGS)):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return login_required(wrapper)


def _render(request, template, ctx, status=200):
    """render() with what the administration tabs need."""
    ctx = {**ctx, "perms_manage_users": request.user.can(Perm.MANAGE_USERS),
           "perms_manage_catalogs": request.user.can(Perm.MANAGE_CATALOGS)}
    ctx.pop("nav_active", None)
    return render(request, template, ctx, status=status)


def _accounts_of(user):
    """Accounts ``user`` may manage: scope inside its own, role it may grant (a superuser:
    all)."""
    qs = User.objects.select_related("scope").order_by("scope_id", "username")
    if user.is_superuser:
        return qs
    grantable = [r for r in User.Role.values if may_grant(user, r)]
    return qs.filter(is_superuser=False, scope__code__startswith=user.scope_code, role__in=grantable)


def _departments_of(user):
    from ..cases.models import Department

    qs = Department.objects.select_related("region").order_by("region_id", "code")
    return qs if user.is_superuser else qs.filter(region__code__startswith=user.scope_code)


def _account(request, pk) -> User:
    if not request.user.can(Perm.MANAGE_USERS):
        raise PermissionDenied
    return get_object_or_404(_accounts_of(request.user), pk=pk)


def _region(code: str):
    code = (code or "").strip()
    return Region.objects.filter(code=code).first() if code.isdigit() else None


@_admin_required
def home(request):
    if request.user.can(Perm.MANAGE_USERS):
        return redirect("accounts:account_list")
    return redirect("accounts:department_list")


@_admin_required
def account_list(request):
    """Accounts in the scope; filters: role, region code prefix, active (1/0), name fragment."""
    if not request.user.can(Perm.MANAGE_USERS):
        raise PermissionDenied
    g = request.GET
    f = {"role": g.get("role", ""), "region": g.get("region", "").strip(), "active": g.get("active", ""),
         "q": g.get("q", "").strip()}
    qs = _accounts_of(request.user)
    if f["role"] in User.Role.values:
        qs = qs.filter(role=f["role"])
    if f["region"].isdigit():
        qs = qs.filter(scope__code__startswith=f["region"])
    if f["active"] in ("1", "0"):
        qs = qs.filter(is_active=f["active"] == "1")
    if f["q"]:
        from django.db.models import Q

        qs = qs.filter(Q(username__icontains=f["q"]) | Q(full_name__icontains=f["q"]))
    page_obj = paginate(request, qs.prefetch_related("department_membership__department"))
    locked = {a.username for a in _locked(page_obj.object_list)}
    rows = [{"user": u, "locked": u.username in locked,
             "department": getattr(getattr(u, "department_membership", None), "department", None)}
            for u in page_obj.object_list]
    return _render(request, "accounts/account_list.html", {
        "page_obj": page_obj, "rows": rows, "f": f, "roles": User.Role.choices, "nav_active": "manage",
    })


def _locked(users):
    from axes.models import AccessAttempt
    from django.conf import settings

    names = [u.username for u in users]
    return AccessAttempt.objects.filter(username__in=names, failures_since_start__gte=settings.AXES_FAILURE_LIMIT)


def _department_choice(request, form):
    from ..cases.models import Department

    pk = form.cleaned_data.get("department")
    if not pk:
        return None
    return Department.objects.filter(pk=pk).first()


@_admin_required
@require_http_methods(["GET", "POST"])
def account_create(request):
    if not request.user.can(Perm.MANAGE_USERS):
        raise PermissionDenied
    depts = _departments_of(request.user).filter(active=True)
    form = AccountForm(request.POST or None, actor_user=request.user, departments=depts,
                       initial={"scope": request.user.scope_id or ""})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        region = _region(d["scope"])
        try:
            if region is None:
                raise services.ValidationFailed({"scope": [{"code": "user.scope_missing",
                                                            "message": _("区划代码不存在")}]})
            user = services.create_account(actor(request), username=d["username"], password=d["password"],
                                           role=d["role"], scope=region, full_name=d["full_name"],
                                           phone=d["phone"], department=_department_choice(request, form))
        except ServiceError as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, _("已新建账号：%(name)s") % {"name": user.username})
            return redirect("accounts:account_detail", pk=user.pk)
    return _render(request, "accounts/account_form.html", {"form": form, "title": _("新建账号"),
                                                          "nav_active": "manage"},
                  status=422 if form.errors else 200)


@_admin_required
@require_http_methods(["GET", "POST"])
def account_edit(request, pk):
    user = _account(request, pk)
    m = _membership_of(user)
    depts = list(_departments_of(request.user).filter(active=True))
    if m and m.department not in depts:
        depts.append(m.department)   # keeps a department above the administrator's scope
    form = AccountForm(request.POST or None, actor_user=request.user, departments=depts, editing=True,
                       superuser=user.is_superuser, initial={
        "full_name": user.full_name, "phone": user.phone, "role": user.role, "scope": user.scope_id or "",
        "department": str(m.department_id) if m else ""})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            region = _region(d.get("scope", ""))
            if region is None and not user.is_superuser:
                raise services.ValidationFailed({"scope": [{"code": "user.scope_missing",
                                                            "message": _("区划代码不存在")}]})
            services.update_account(actor(request), user, role=d.get("role", ""), scope=region, full_name=d["full_name"],
                                    phone=d["phone"], department=_department_choice(request, form))
        except ServiceError as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, _("账号信息已保存"))
            return redirect("accounts:account_detail", pk=user.pk)
    return _render(request, "accounts/account_form.html", {"form": form, "account": user, "title": _("修改账号"),
                                                          "nav_active": "manage"},
                  status=422 if form.errors else 200)


@_admin_required
def account_detail(request, pk):
    return _account_page(request, _account(request, pk))


def _account_page(request, user, temporary: str | None = None):
    m = _membership_of(user)
    response = _render(request, "accounts/account_detail.html", {
        "account": user, "department": m.department if m else None, "locked": services.is_locked(user),
        "temporary": temporary, "tokens": list(selectors.tokens_of(user)),
    })
    if temporary:
        response["Cache-Control"] = "no-store"
    return response


def _membership_of(user):
    """The account's department membership (with its department), or None."""
    from ..cases.models import DepartmentMember

    return DepartmentMember.objects.filter(user=user).select_related("department").first()


@_admin_required
@require_POST
def account_action(request, pk, action):
    """POST disable / enable / reset (temporary password shown once) / unlock /
    revoke-tokens (every API token of the account)."""
    user = _account(request, pk)
    try:
        if action in ("disable", "enable"):
            services.set_active(actor(request), user, action == "enable")
            messages.success(request, _("账号已启用") if action == "enable" else _("账号已停用"))
        elif action == "reset":
            # shown in this answer only: never stored (not even in the session)
            temporary = services.reset_password(actor(request), user)
            messages.success(request, _("已重置密码：请将临时密码告知本人，其下次登录时须修改密码"))
            return _account_page(request, user, temporary)
        elif action == "unlock":
            services.unlock(actor(request), user)
            messages.success(request, _("已解除登录锁定"))
        elif action == "revoke-tokens":
            n = services.revoke_account_tokens(actor(request), user)
            messages.success(request, _("已撤销该账号的 %(n)d 个接口令牌") % {"n": n})
        else:
            raise Http404
    except ServiceError as exc:
        messages.error(request, exc.message)
    return redirect("accounts:account_detail", pk=user.pk)


# --- departments ---------------------------------------------------------------------------

def _department_form_choices():
    from ..cases import declarations
    from ..cases.models import CaseType
    from ..grid.models import EventCategory

    names = dict(CaseType.objects.filter(is_current=True).values_list("code", "name"))
    # declared names (case types, event categories) in the page's language: they are msgids
    types = [(code, _(names.get(code) or raw.get("name", code))) for code, raw in sorted(declarations.registered().items())]
    cats = [(c.code, _(c.name)) for c in EventCategory.objects.filter(parent__isnull=True, active=True)]
    return types, cats


def _require_catalogs(request):
    if not request.user.can(Perm.MANAGE_CATALOGS):
        raise PermissionDenied


@_admin_required
def department_list(request):
    _require_catalogs(request)
    qs = _departments_of(request.user).prefetch_related("members__user")
    page_obj = paginate(request, qs)
    types, cats = _department_form_choices()
    tn, cn = dict(types), dict(cats)
    rows = [{"dept": d, "types": [tn.get(c, c) for c in d.case_types], "cats": [cn.get(c, c) for c in d.categories],
             "members": [m.user for m in d.members.all()]} for d in page_obj.object_list]
    return _render(request, "accounts/department_list.html", {"page_obj": page_obj, "rows": rows,
                                                             "nav_active": "manage"})


@_admin_required
@require_http_methods(["GET", "POST"])
def department_form(request, pk=None):
    from ..cases import services as case_services

    _require_catalogs(request)
    dept = get_object_or_404(_departments_of(request.user), pk=pk) if pk else None
    types, cats = _department_form_choices()
    initial = {"region": request.user.scope_id or "", "active": True}
    if dept:
        initial = {"code": dept.code, "name": dept.name, "region": dept.region_id, "phone": dept.phone,
                   "case_types": dept.case_types, "categories": dept.categories, "active": dept.active}
    form = DepartmentForm(request.POST or None, case_types=types, categories=cats, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        region = _region(d["region"])
        try:
            if region is None or not manages_region(request.user, region.code):
                raise services.ValidationFailed({"region": [{"code": "department.region_outside",
                                                             "message": _("部门的管辖范围须在您的管辖范围之内")}]})
            kw = {"case_types": d["case_types"], "categories": d["categories"]}
            if dept:
                dept = case_services.update_department(actor(request), dept, code=d["code"], name=d["name"],
                                                       region=region, phone=d["phone"], active=d["active"], **kw)
            else:
                dept = case_services.create_department(actor(request), d["code"], d["name"], region, d["phone"], **kw)
        except ServiceError as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, _("部门信息已保存：%(name)s") % {"name": dept.name})
            return redirect("accounts:department_list")
    members = [m.user for m in dept.members.select_related("user")] if dept else []
    return _render(request, "accounts/department_form.html", {
        "form": form, "dept": dept, "members": members, "nav_active": "manage",
        "title": _("修改部门") if dept else _("新建部门"),
    }, status=422 if form.errors else 200)


# --- own password -------------------------------------------------------------------------

@login_required
@require_http_methods(["GET", "POST"])
def password_change(request):
    """Every user changes their own password here; after an administrator's reset the
    middleware sends them here before any other page."""
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.change_own_password(request.user, form.cleaned_data["old_password"],
                                         form.cleaned_data["new_password"])
        except ServiceError as exc:
            apply_service_error(form, exc)
        else:
            update_session_auth_hash(request, request.user)
            messages.success(request, _("密码已修改"))
            return redirect("web:home")
    return _render(request, "accounts/password_change.html", {"form": form}, status=422 if form.errors else 200)


# --- published lists: certificate kinds (positive / negative) and the access list -----------

def _list_items(user, model):
    """Entries of ``model`` applying to the user's scope: everywhere (no region), under a
    region above the scope (a county's list seen by its streets) or inside it."""
    from django.db.models import Q

    qs = model.objects.select_related("region")
    if user.is_superuser:
        return qs
    scope = user.scope_code
    prefixes = [scope[:n] for n in (2, 4, 6, 9, 12, 15) if n <= len(scope)]
    return qs.filter(Q(region__isnull=True) | Q(region_id__in=prefixes) | Q(region__code__startswith=scope))


@_admin_required
@require_http_methods(["GET", "POST"])
def published_lists(request, which):
    """证明清单 (which = "certificates": the seal-use list, allowed and forbidden kinds) or
    准入清单 (which = "access"): every entry with its 依据 and the 文号 of its list; an
    administrator enters the 文号 (POST item, document_number) through
    servicecenter.services.set_list_document."""
    from ..servicecenter import selectors as sc_selectors
    from ..servicecenter import services as sc_services
    from ..servicecenter.models import AccessListItem, SealScopeItem

    _require_catalogs(request)
    model = {"certificates": SealScopeItem, "access": AccessListItem}.get(which)
    if model is None:
        raise Http404
    items = _list_items(request.user, model)
    error_for, error = None, ""
    if request.method == "POST":
        item = get_object_or_404(items, pk=request.POST.get("item") or 0)
        try:
            sc_services.set_list_document(actor(request), item, request.POST.get("document_number", ""))
        except ServiceError as exc:
            error_for, error = item.pk, exc.message
        else:
            messages.success(request, _("已保存“%(name)s”的文号") % {"name": item.name})
            return redirect("accounts:published_lists", which=which)
    rows = [{"item": i, "editable": sc_selectors.may_edit_list_item(request.user, i.region_id)
             and getattr(i, "source", "local") != "national",
             "error": error if i.pk == error_for else ""} for i in items]
    return _render(request, "accounts/published_lists.html", {"rows": rows, "which": which},
                   status=422 if error else 200)


# --- service catalogue --------------------------------------------------------------------

@_admin_required
def service_items(request):
    """The service catalogue (服务事项目录) by area, with the departments responsible; a
    city or system administrator edits an item."""
    from ..servicecenter import selectors as sc_selectors
    from ..servicecenter.models import ServiceItem

    _require_catalogs(request)
    items = ServiceItem.objects.prefetch_related("departments").order_by("area", "sort", "code")
    return _render(request, "accounts/service_items.html", {
        "items": items, "editable": sc_selectors.may_edit_list_item(request.user, None)})


@_admin_required
@require_http_methods(["GET", "POST"])
def service_item_edit(request, code):
    from ..cases.models import Department
    from ..servicecenter import selectors as sc_selectors
    from ..servicecenter import services as sc_services
    from .forms import ServiceItemForm
    from ..servicecenter.models import ServiceItem

    _require_catalogs(request)
    item = get_object_or_404(ServiceItem, code=code)
    if not sc_selectors.may_edit_list_item(request.user, None):
        raise PermissionDenied
    depts = Department.objects.filter(active=True).select_related("region").order_by("region_id", "code")
    form = ServiceItemForm(request.POST or None, departments=depts, initial={
        "time_limit_days": item.time_limit_days, "active": item.active, "public": item.public,
        "departments": [str(pk) for pk in item.departments.values_list("pk", flat=True)]})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            sc_services.update_service_item(actor(request), item, time_limit_days=d["time_limit_days"],
                                            departments=list(depts.filter(pk__in=d["departments"])),
                                            active=d["active"], public=d["public"])
        except ServiceError as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, _("服务事项已保存：%(name)s") % {"name": item.name})
            return redirect("accounts:service_items")
    return _render(request, "accounts/service_item_form.html", {"form": form, "item": item},
                   status=422 if form.errors else 200)


# --- the user's own account: API tokens and the second factor ---------------------------

def _actor(request) -> Actor:
    return Actor(request.user, "page")


def _next(request) -> str:
    nxt = request.POST.get("next") or request.GET.get("next") or ""
    if nxt and url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()},
                                               require_https=request.is_secure()):
        return nxt
    return settings.LOGIN_REDIRECT_URL


# --- API tokens ---------------------------------------------------------------------------

@login_required
def token_list(request):
    """The user's tokens that still work: prefix, issued, expires, last used."""
    return render(request, "accounts/tokens.html", {"tokens": selectors.tokens_of(request.user)})


@login_required
@require_POST
def token_revoke(request, pk: int):
    token = selectors.token_of(request.user, pk)
    if services.revoke_token(_actor(request), token):
        messages.success(request, _("令牌 %(prefix)s… 已撤销") % {"prefix": token.prefix})
    return redirect("accounts:tokens")


@login_required
@require_POST
def token_revoke_all(request):
    n = services.revoke_tokens(_actor(request), request.user, "user")
    messages.success(request, _("已撤销全部 %(n)d 个令牌") % {"n": n})
    return redirect("accounts:tokens")


# --- second factor ------------------------------------------------------------------------

@login_required
def otp_status(request):
    """Whether the user has an authenticator app, the recovery codes left, and whether
    their role must have one."""
    return render(request, "accounts/otp_status.html", {
        "enrolled": selectors.has_second_factor(request.user),
        "codes_left": selectors.recovery_codes_left(request.user),
        "required": selectors.second_factor_required(request.user),
    })


def _qr_svg(url: str) -> str:
    import qrcode
    import qrcode.image.svg

    img = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, border=2)
    return img.to_string(encoding="unicode")


@never_cache  # the secret and the recovery codes stay out of every cache
@login_required
def otp_enrol(request):
    """Enrol: the QR code and the secret of a pending device, and a form for the first
    code; on success the session counts as verified and the ten recovery codes are shown
    once. A user who already has an app must first sign in with it (replacing the app
    needs a code from the old one or a recovery code)."""
    user = request.user
    if selectors.has_second_factor(user) and not user.is_verified():
        return redirect("accounts:otp_verify")
    error = ""
    if request.method == "POST":
        try:
            codes = services.confirm_enrolment(_actor(request), user, request.POST.get("code", ""))
        except ValidationFailed as exc:
            error = exc.message
        else:
            django_otp.login(request, selectors.totp_device(user))
            return render(request, "accounts/otp_codes.html", {"codes": codes, "next": _next(request)})
    device = services.start_enrolment(user)
    secret = b32encode(device.bin_key).decode("ascii")
    return render(request, "accounts/otp_enrol.html", {
        "qr": mark_safe(_qr_svg(device.config_url)),  # noqa: S308 — SVG built by qrcode from our own URL
        "secret": " ".join(secret[i:i + 4] for i in range(0, len(secret), 4)),
        "error": error, "next": _next(request),
        "required": selectors.second_factor_required(user),
    })


@login_required
def otp_verify(request):
    """The second step of sign-in: a code from the app or a recovery code."""
    user = request.user
    if not selectors.has_second_factor(user):
        return redirect("accounts:otp_enrol") if selectors.second_factor_required(user) else redirect(_next(request))
    if user.is_verified():
        return redirect(_next(request))
    error = ""
    if request.method == "POST":
        device = services.verify_second_factor(_actor(request), user, request.POST.get("code", ""))
        if device is not None:
            django_otp.login(request, device)
            return redirect(_next(request))
        error = _("动态码错误、已使用过，或尝试过于频繁：请稍候再输入验证器应用当前显示的动态码，或一个恢复码")
    return render(request, "accounts/otp_verify.html", {"error": error, "next": _next(request)})


@login_required
@require_POST
def otp_remove(request):
    """Remove the app and the recovery codes (only from a session verified with them)."""
    if not request.user.is_verified():
        raise Http404
    services.remove_second_factor(_actor(request), request.user)
    messages.success(request, _("已停用两步验证"))
    return redirect("accounts:otp_status")
