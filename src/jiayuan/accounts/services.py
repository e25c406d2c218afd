"""Writes to accounts: users and API tokens."""

from datetime import datetime

from django.conf import settings
from django.contrib.auth import authenticate
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..audit.services import Actor, record
from ..errors import ServiceError, ValidationFailed
from ..security import new_api_token, token_digest
from .models import ApiToken, User, password_fingerprint


class AuthFailed(ServiceError):
    status = 401


class NotFound(ServiceError):
    """An account outside the administrator's reach: answered like one that does not exist."""

    status = 404


def issue_token(request, username: str, password: str) -> tuple[str, datetime]:
    """Check the credentials (django-axes counts failures and locks out) and issue a
    bearer token valid for ``settings.API_TOKEN_TTL``. Returns (token, expires_at).
    Raises AuthFailed (401) with ``auth.invalid`` or ``auth.locked``."""
    from axes.handlers.proxy import AxesProxyHandler

    if AxesProxyHandler.is_locked(request, credentials={"username": username}):
        raise AuthFailed("auth.locked", _("登录失败次数过多，账号已临时锁定，请 15 分钟后再试或联系管理员"))
    user = authenticate(request, username=username, password=password)
    if user is None:
        if AxesProxyHandler.is_locked(request, credentials={"username": username}):
            # Answered here in the API's error format: keep AxesMiddleware from replacing
            # this answer with its HTML lockout page.
            request.axes_locked_out = False
            raise AuthFailed("auth.locked", _("登录失败次数过多，账号已临时锁定，请 15 分钟后再试或联系管理员"))
        raise AuthFailed("auth.invalid", _("用户名或密码错误"))
    if user.must_change_password:
        raise AuthFailed("auth.password_change_required", _("管理员已重置您的密码：请先在网页上登录并修改密码"))
    if settings.AXES_RESET_ON_SUCCESS:
        # Axes resets the failures on user_logged_in, which a token request (no session
        # login) never sends.
        AxesProxyHandler.reset_attempts(username=username)
    token = new_api_token()
    expires = timezone.now() + settings.API_TOKEN_TTL
    with transaction.atomic():
        row = ApiToken.objects.create(user=user, digest=token_digest(token), prefix=token[:8], expires_at=expires,
                                      password_fingerprint=password_fingerprint(user))
        record(Actor(user, "api"), "token.issue", row, object_repr=row.prefix)
    return token, expires


def create_user(actor: Actor, username: str, password: str, role: str, scope, full_name: str = "",
                is_superuser: bool = False) -> User:
    """Create an account with one role and one scope region (None only for a superuser).
    The password is hashed with Argon2. Raises ValidationFailed."""
    errors = {}
    if not username or User.objects.filter(username=username).exists():
        errors["username"] = [{"code": "user.username_taken", "message": _("用户名为空或已被使用")}]
    if role and role not in User.Role.values:
        errors["role"] = [{"code": "user.role_unknown", "message": _("角色无效")}]
    if not is_superuser and scope is None:
        errors["scope"] = [{"code": "user.scope_missing", "message": _("请指定管辖范围")}]
    if errors:
        raise ValidationFailed(errors)
    with transaction.atomic():
        user = User(username=username, role=role, scope=scope, full_name=full_name,
                    is_superuser=is_superuser, is_staff=is_superuser)
        user.set_password(password)
        user.save()
        record(actor, "user.create", user, region_code=scope.code if scope else "",
               changes={"role": [None, role], "scope": [None, scope.code if scope else ""]})
    return user


# --- 系统管理: accounts managed by administrators ------------------------------------------

def _require_manage(actor: Actor) -> None:
    from ..errors import Forbidden
    from .permissions import Perm

    if actor.user is None or not actor.user.can(Perm.MANAGE_USERS):
        raise Forbidden("permission_denied", _("您的角色无权执行此操作"))


def _field_error(name: str, code: str, message: str) -> dict:
    return {name: [{"code": code, "message": message}]}


def _check_manageable(actor: Actor, user: User) -> None:
    """NotFound unless ``user`` is an account the actor may manage: its scope inside the
    actor's and its role one the actor may grant (permissions.may_grant); a superuser's
    account only by a superuser. Out of reach answers like a missing account."""
    from .permissions import manages_region, may_grant

    me = actor.user
    if me.is_superuser:
        return
    if user.is_superuser or not manages_region(me, user.scope_id) or (user.role and not may_grant(me, user.role)):
        raise NotFound("user.not_found", _("账号不存在"))


def _check_grant(actor: Actor, role: str, scope, is_superuser: bool, errors: dict) -> None:
    """Add to ``errors`` what forbids the actor to give ``role`` / ``scope`` / superuser."""
    from .permissions import manages_region, may_grant

    me = actor.user
    if is_superuser:
        if not me.is_superuser:
            errors.update(_field_error("is_superuser", "user.superuser_forbidden",
                                       _("只有系统管理员可以设立系统管理员")))
        return
    if role not in User.Role.values:
        errors.update(_field_error("role", "user.role_unknown", _("角色无效")))
    elif not may_grant(me, role):
        errors.update(_field_error("role", "user.role_above_own", _("不能授予高于本人的角色")))
    if scope is None:
        errors.update(_field_error("scope", "user.scope_missing", _("请指定管辖范围")))
    elif not manages_region(me, scope.code):
        errors.update(_field_error("scope", "user.scope_outside", _("管辖范围不在您的管辖范围之内")))


def _account_state(user: User) -> dict:
    from ..cases.models import DepartmentMember

    m = DepartmentMember.objects.filter(user=user).select_related("department").first()
    return {"username": user.username, "full_name": user.full_name, "phone": user.phone, "role": user.role,
            "scope": user.scope_id or "", "is_superuser": user.is_superuser, "is_active": user.is_active,
            "department": m.department.code if m else None}


def _set_department(user: User, department) -> None:
    from ..cases.models import DepartmentMember

    if department is None:
        DepartmentMember.objects.filter(user=user).delete()
    else:
        DepartmentMember.objects.update_or_create(user=user, defaults={"department": department})


def _check_department(actor: Actor, department, role: str, scope, errors: dict) -> None:
    from .permissions import manages_region

    if department is None:
        return
    if role != "department_staff":
        errors.update(_field_error("department", "department.member_role",
                                   _("只有“职能部门工作人员”角色的账号可以加入部门")))
    elif not manages_region(actor.user, department.region_id) or not department.active:
        errors.update(_field_error("department", "department.not_found", _("部门不存在或不在您的管辖范围之内")))
    elif scope is not None and not scope.code.startswith(department.region_id):
        errors.update(_field_error("department", "department.member_scope", _("该账号的管辖范围不在部门范围之内")))


def _clean_text(value: str, limit: int) -> str:
    return " ".join((value or "").split())[:limit]


def create_account(actor: Actor, *, username: str, password: str, role: str = "", scope=None, full_name: str = "",
                   phone: str = "", department=None, is_superuser: bool = False) -> User:
    """An administrator creates an account: one role, one scope (inside the actor's), an
    optional department (role department_staff, the department in the actor's scope and
    covering the account's scope). The role may not rank above the actor's
    (permissions.may_grant); a superuser or city administrator only by a superuser.
    The new account must change its password at the first login. Raises Forbidden,
    ValidationFailed (nothing written). Audited ``user.create`` with before/after."""
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    _require_manage(actor)
    username = (username or "").strip()
    errors: dict = {}
    if not username or len(username) > 150 or not all(c.isalnum() or c in "@.+-_" for c in username):
        errors.update(_field_error("username", "user.username_invalid",
                                   _("用户名只能由字母、数字和 @.+-_ 组成，不超过 150 个字符")))
    elif User.objects.filter(username__iexact=username).exists():
        errors.update(_field_error("username", "user.username_taken", _("用户名已被使用")))
    _check_grant(actor, role, scope, is_superuser, errors)
    _check_department(actor, department, role, scope, errors)
    try:
        validate_password(password or "", User(username=username, full_name=full_name))
    except ValidationError as exc:
        errors.update(_field_error("password", "user.password_weak", " ".join(exc.messages)))
    if errors:
        raise ValidationFailed(errors)
    with transaction.atomic():
        user = User(username=username, role="" if is_superuser else role, scope=None if is_superuser else scope,
                    full_name=_clean_text(full_name, 50), phone=_clean_text(phone, 30),
                    is_superuser=is_superuser, is_staff=is_superuser, must_change_password=True)
        user.set_password(password)
        user.save()
        _set_department(user, None if is_superuser else department)
        after = _account_state(user)
        changes = {k: [None, v] for k, v in after.items()}
        if after["phone"]:
            changes["phone"] = ["***", "***"]   # a phone number is personal information: named, never logged
        else:
            del changes["phone"]
        record(actor, "user.create", user, region_code=user.scope_id or "", changes=changes)
    return user


def update_account(actor: Actor, user: User, *, role: str, scope, full_name: str, phone: str,
                   department=None) -> User:
    """Change an account's role, scope, name, phone and department membership (the same
    rules as :func:`create_account`; the account itself must be one the actor manages,
    else NotFound; nobody changes their own role or scope). Superusers' accounts keep
    no role and scope (only name and phone change). Audited ``user.update`` with
    {field: [before, after]} of what changed. Raises Forbidden, NotFound, ValidationFailed."""
    _require_manage(actor)
    _check_manageable(actor, user)
    before = _account_state(user)
    errors: dict = {}
    if user.is_superuser:
        role, scope, department = "", None, None
    else:
        if user.pk == actor.user.pk and (role != user.role or (scope and scope.code) != user.scope_id):
            errors.update(_field_error("role", "user.self_grant", _("不能修改本人的角色或管辖范围")))
        _check_grant(actor, role, scope, False, errors)
        kept = department is not None and department.code == before["department"]
        # the department it already works for may lie above the administrator's scope
        # (a city-level department's staff placed in a county): keeping it is no grant
        _check_department(actor, None if kept else department, role, scope, errors)
        if kept and role != "department_staff":
            errors.update(_field_error("department", "department.member_role",
                                       _("只有“职能部门工作人员”角色的账号可以加入部门")))
    if errors:
        raise ValidationFailed(errors)
    with transaction.atomic():
        user.role, user.scope = role, scope
        user.full_name, user.phone = _clean_text(full_name, 50), _clean_text(phone, 30)
        user.save()
        _set_department(user, department)
        from ..audit.services import model_changes

        changes = model_changes(before, _account_state(user), sensitive=frozenset({"phone"}))
        if changes:
            record(actor, "user.update", user, region_code=user.scope_id or "", changes=changes)
    return user


def set_active(actor: Actor, user: User, active: bool) -> User:
    """Disable (``active`` False: no login, no API token honoured) or re-enable an account
    the actor manages. Nobody disables their own account. Audited ``user.disable`` /
    ``user.enable`` with is_active before/after (nothing written when unchanged).
    Raises Forbidden, NotFound, ValidationFailed."""
    _require_manage(actor)
    _check_manageable(actor, user)
    if user.pk == actor.user.pk:
        raise ValidationFailed(_field_error("is_active", "user.self_disable", _("不能停用本人的账号")))
    if user.is_active == active:
        return user
    with transaction.atomic():
        before = user.is_active
        user.is_active = active
        user.save(update_fields=["is_active"])
        record(actor, "user.enable" if active else "user.disable", user, region_code=user.scope_id or "",
               changes={"is_active": [before, active]})
    return user


def reset_password(actor: Actor, user: User) -> str:
    """Give an account the actor manages a new random temporary password (returned once,
    to be shown to the administrator; never stored in clear or audited) and require the
    user to change it at the next login. Every API token issued before stops working
    (tokens carry the password's fingerprint). Audited ``user.password_reset``
    (must_change_password before/after). Raises Forbidden, NotFound."""
    import secrets

    _require_manage(actor)
    _check_manageable(actor, user)
    alphabet = "ABCDEFGHJKMNPQRSTUVWXYZabcdefghjkmnpqrstuvwxyz23456789"
    temporary = "".join(secrets.choice(alphabet) for _i in range(12))
    with transaction.atomic():
        before = user.must_change_password
        user.set_password(temporary)
        user.must_change_password = True
        user.save(update_fields=["password", "must_change_password"])
        record(actor, "user.password_reset", user, region_code=user.scope_id or "",
               changes={"must_change_password": [before, True], "password": ["***", "***"]})
    return temporary


def is_locked(user: User) -> bool:
    """Whether django-axes holds failed logins of this username at or above the limit."""
    from axes.models import AccessAttempt
    from django.conf import settings

    limit = getattr(settings, "AXES_FAILURE_LIMIT", 3)
    return AccessAttempt.objects.filter(username=user.username, failures_since_start__gte=limit).exists()


def unlock(actor: Actor, user: User) -> int:
    """Clear django-axes' failed-login records of the account's username (the lockout
    after repeated failures ends at once). Returns how many records were cleared.
    Audited ``user.unlock`` (locked before/after). Raises Forbidden, NotFound."""
    from axes.handlers.proxy import AxesProxyHandler

    _require_manage(actor)
    _check_manageable(actor, user)
    with transaction.atomic():
        before = is_locked(user)
        n = AxesProxyHandler.reset_attempts(username=user.username) or 0
        record(actor, "user.unlock", user, region_code=user.scope_id or "",
               changes={"locked": [before, False]}, extra={"cleared": n})
    return n


def change_own_password(user: User, old: str, new: str) -> None:
    """The user sets a new password (old one checked; Django's validators; the new one
    must differ). Clears must_change_password. Audited ``user.password_change``.
    Raises ValidationFailed."""
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    errors: dict = {}
    if not user.check_password(old or ""):
        errors.update(_field_error("old_password", "user.password_wrong", _("原密码不正确")))
    if new == old:
        errors.update(_field_error("new_password", "user.password_same", _("新密码不能与原密码相同")))
    else:
        try:
            validate_password(new or "", user)
        except ValidationError as exc:
            errors.update(_field_error("new_password", "user.password_weak", " ".join(exc.messages)))
    if errors:
        raise ValidationFailed(errors)
    with transaction.atomic():
        before = user.must_change_password
        user.set_password(new)
        user.must_change_password = False
        user.save(update_fields=["password", "must_change_password"])
        record(Actor(user, "page"), "user.password_change", user, region_code=user.scope_id or "",
               changes={"must_change_password": [before, False], "password": ["***", "***"]})
