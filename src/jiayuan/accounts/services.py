"""Writes to accounts: users, API tokens, sessions and the second factor (TOTP and
recovery codes). Each write is one transaction with its audit entry."""

from datetime import datetime
from importlib import import_module

from django.conf import settings
from django.contrib.auth import authenticate
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..audit.services import Actor, record
from ..errors import Forbidden, NotFound, ServiceError, ValidationFailed
from ..security import new_api_token, token_digest
from . import selectors
from .models import ApiToken, User, UserSession, password_fingerprint
from .permissions import Perm

RECOVERY_CODES = 10


class AuthFailed(ServiceError):
    status = 401


def _locked_message(request) -> str:
    if getattr(request, "jiayuan_address_locked", False):
        return _("该网络地址登录失败次数过多，已临时禁止登录，请 15 分钟后再试或联系管理员")
    return _("登录失败次数过多，账号已临时锁定，请 15 分钟后再试或联系管理员")


def issue_token(request, username: str, password: str, otp: str | None = None) -> tuple[str, datetime]:
    """Check the credentials through the sign-in lockout (django-axes with
    :mod:`jiayuan.accounts.lockout`: the (user name, address) pair and the address) and,
    for an account with a second factor or whose role needs one where it is required, the
    one-time code ``otp`` (a TOTP code or an unused recovery code); then issue a bearer
    token valid for ``settings.API_TOKEN_TTL``. Returns (token, expires_at).

    Raises AuthFailed (401) ``auth.invalid``, ``auth.locked`` or ``otp.invalid``;
    ValidationFailed (422) ``otp.required`` when the code is needed and missing; Forbidden
    (403) ``otp.not_enrolled`` when the role needs a second factor and none is enrolled
    (enrol on the web page first); AuthFailed ``auth.password_change_required`` after an
    administrator reset the password, until the user sets a new one on the web page.
    The password is checked first: a right password
    answered with ``otp.required`` tells the caller that the password was right, as every
    two-step sign-in does; the code itself is throttled by django-otp."""
    from axes.handlers.proxy import AxesProxyHandler

    credentials = {"username": username}
    if AxesProxyHandler.is_locked(request, credentials=credentials):
        raise AuthFailed("auth.locked", _locked_message(request))
    user = authenticate(request, username=username, password=password)
    if user is None:
        if AxesProxyHandler.is_locked(request, credentials=credentials):
            # Answered here in the API's error format: keep AxesMiddleware from replacing
            # this answer with its HTML lockout page.
            request.axes_locked_out = False
            raise AuthFailed("auth.locked", _locked_message(request))
        raise AuthFailed("auth.invalid", _("用户名或密码错误"))
    if user.must_change_password:
        raise AuthFailed("auth.password_change_required", _("管理员已重置您的密码：请先在网页上登录并修改密码"))
    enrolled = selectors.has_second_factor(user)
    if not enrolled and selectors.second_factor_required(user):
        raise Forbidden("otp.not_enrolled", _("该账号须先在网页上启用两步验证，才能取得接口令牌"))
    if enrolled:
        if not (otp or "").strip():
            raise ValidationFailed({"otp": [{"code": "otp.required", "message": _(
                "该账号须两步验证：请在 otp 中填写验证器应用显示的 6 位动态码或一个恢复码")}]})
        if verify_second_factor(Actor(user, "api"), user, otp) is None:
            raise AuthFailed("otp.invalid", _("动态码错误或已使用过，请输入验证器应用当前显示的动态码"))
    if settings.AXES_RESET_ON_SUCCESS:
        # Axes resets the failures on user_logged_in, which a token request (no session
        # login) never sends: reset this pair's, as axes would.
        AxesProxyHandler.get_implementation().reset_user_attempts(request, credentials)
    token = new_api_token()
    expires = timezone.now() + settings.API_TOKEN_TTL
    with transaction.atomic():
        row = ApiToken.objects.create(user=user, digest=token_digest(token), prefix=token[:8], expires_at=expires,
                                      password_fingerprint=password_fingerprint(user))
        record(Actor(user, "api"), "token.issue", row, object_repr=row.prefix)
    return token, expires


# --- users ---------------------------------------------------------------------------------

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


# --- revoking tokens ----------------------------------------------------------------------

def revoke_token(actor: Actor, token: ApiToken) -> bool:
    """Revoke one token (the caller has checked it is the actor's own, e.g. through
    :func:`jiayuan.accounts.selectors.token_of`). Returns False if it was already revoked."""
    with transaction.atomic():
        done = ApiToken.objects.filter(pk=token.pk, revoked=False).update(revoked=True, revoked_at=timezone.now())
        if done:
            record(actor, "token.revoke", token, object_repr=token.prefix)
    return bool(done)


def revoke_tokens(actor: Actor, user: User, reason: str) -> int:
    """Revoke every token of ``user`` that is not revoked yet. ``reason`` (``user``,
    ``deactivated``, ``lockout``) goes into the audit entry, written only if a token was
    revoked. Returns the number revoked."""
    with transaction.atomic():
        done = ApiToken.objects.filter(user=user, revoked=False).update(revoked=True, revoked_at=timezone.now())
        if done:
            record(actor, "token.revoke_all", user, object_repr=user.username,
                   extra={"reason": reason, "count": done})
    return done


def end_tokens_on_lockout(username: str, ip_address: str | None, request=None) -> int:
    """Receiver of axes's ``user_locked_out``: the lock of (``username``, address) ends the
    account's API tokens, once, when the lock begins (the failure that reaches the limit;
    later failures during the lock do not revoke tokens issued to the owner since).
    Audited (``auth.lockout``, source system) with the address and the tokens revoked.
    Unknown user names change nothing. Returns the number of tokens revoked."""
    from axes.helpers import get_failure_limit

    failures = getattr(request, "axes_failures_since_start", None)
    if request is not None and failures is not None and failures != get_failure_limit(request, {"username": username}):
        return 0
    user = User.objects.filter(username=username).first()
    if user is None:
        return 0
    actor = Actor(None, "system")
    with transaction.atomic():
        n = revoke_tokens(actor, user, "lockout")
        record(actor, "auth.lockout", user, object_repr=user.username,
               extra={"ip_address": ip_address or "", "tokens_revoked": n})
    return n


# --- sessions and deactivation ------------------------------------------------------------

def _session_store():
    return import_module(settings.SESSION_ENGINE).SessionStore


def remember_session(user: User, session_key: str | None) -> None:
    """Index ``session_key`` as one of ``user``'s sessions (on every sign-in), and forget
    the user's indexed keys whose session is gone. Not audited: sign-ins are in axes's
    access log."""
    if not session_key:
        return
    store = _session_store()
    stale = [k for k in UserSession.objects.filter(user=user).values_list("session_key", flat=True)
             if k != session_key and not store().exists(k)]
    with transaction.atomic():
        if stale:
            UserSession.objects.filter(session_key__in=stale).delete()
        UserSession.objects.get_or_create(session_key=session_key, defaults={"user": user})


def forget_session(session_key: str | None) -> None:
    """Drop ``session_key`` from the index (on sign-out)."""
    if session_key:
        UserSession.objects.filter(session_key=session_key).delete()


def end_sessions(user: User) -> int:
    """Delete every indexed session of ``user`` (they are signed out on their next
    request). Returns the number of sessions ended."""
    store = _session_store()
    keys = list(UserSession.objects.filter(user=user).values_list("session_key", flat=True))
    for key in keys:
        store(session_key=key).delete()
    UserSession.objects.filter(user=user).delete()
    return len(keys)


def deactivate_user(actor: Actor, user: User, reason: str = "") -> User:
    """Deactivate ``user``: they can no longer sign in, their sessions are deleted and
    their API tokens revoked, in one transaction with the audit entry ``user.deactivate``.
    The actor needs ``manage_users`` and the account inside their scope (a superuser
    account only by a superuser); ``actor.user`` None (a command) may deactivate anyone.
    Raises Forbidden ``user.manage_denied``; deactivating an inactive account changes
    nothing and returns it."""
    by = actor.user
    if by is not None:
        allowed = by.can(Perm.MANAGE_USERS) and (
            by.is_superuser or (not user.is_superuser and (user.scope_id or "").startswith(by.scope_code)))
        if not allowed or by.pk == user.pk:
            raise Forbidden("user.manage_denied", _("您无权停用该账号"))
    if not user.is_active:
        return user
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(is_active=False)
        user.is_active = False
        tokens = revoke_tokens(actor, user, "deactivated")
        sessions = end_sessions(user)
        record(actor, "user.deactivate", user, region_code=user.scope_id or "",
               changes={"is_active": [True, False]},
               extra={"reason": reason[:200], "tokens_revoked": tokens, "sessions_ended": sessions})
    return user


# --- second factor ------------------------------------------------------------------------

def start_enrolment(user: User):
    """The user's pending (unconfirmed) TOTP device, created with a new random secret if
    there is none. Not audited: a pending device verifies nothing until confirmed
    (:func:`confirm_enrolment`), and a confirmed device is kept until then."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = selectors.totp_device(user, confirmed=False)
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=_("验证器应用"), confirmed=False)
    return device


def confirm_enrolment(actor: Actor, user: User, code: str) -> list[str]:
    """Confirm the user's pending TOTP device with a first code from the app, replace any
    earlier device and recovery codes, and create ``RECOVERY_CODES`` new single-use
    recovery codes. Returns the recovery codes (shown once, stored only in the database
    for verification by django-otp). Audited ``otp.enrol``. Raises ValidationFailed
    ``otp.invalid`` for a wrong code or when no enrolment was started."""
    from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
    from django_otp.plugins.otp_totp.models import TOTPDevice

    code = "".join((code or "").split())
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).order_by("-pk").first()
        if device is None or not code.isdigit() or not device.verify_token(code):
            raise ValidationFailed({"code": [{"code": "otp.invalid", "message": _(
                "动态码不正确：请输入验证器应用当前显示的 6 位数字，并确认手机时间准确")}]})
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        StaticDevice.objects.filter(user=user).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        static = StaticDevice.objects.create(user=user, name=_("恢复码"), confirmed=True)
        codes = [StaticToken.random_token() for _i in range(RECOVERY_CODES)]
        StaticToken.objects.bulk_create([StaticToken(device=static, token=c) for c in codes])
        record(actor, "otp.enrol", user, object_repr=user.username, extra={"recovery_codes": len(codes)})
    return codes


def remove_second_factor(actor: Actor, user: User) -> None:
    """Remove the user's authenticator app and recovery codes (audited ``otp.remove``).
    Where the role needs a second factor the user is asked to enrol again at once."""
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice

    with transaction.atomic():
        n = TOTPDevice.objects.filter(user=user).delete()[0] + StaticDevice.objects.filter(user=user).delete()[0]
        if n:
            record(actor, "otp.remove", user, object_repr=user.username)


def verify_second_factor(actor: Actor, user: User, code: str):
    """The device of ``user`` that accepts ``code``: the authenticator app's TOTP code
    (RFC 6238, 30-second steps, one step of tolerance, never the same step twice) or one
    unused recovery code (8 letters and digits), which is used up. None if neither accepts it (django-otp also
    throttles a device after failures, doubling the wait each time). A recovery code's
    use is audited (``otp.recovery_use`` with the codes left)."""
    import django_otp
    from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

    code = "".join((code or "").split())
    if not code:
        return None
    if code.isdigit() and len(code) == 6:
        totp = selectors.totp_device(user)
        return django_otp.verify_token(user, totp.persistent_id, code) if totp is not None else None
    for static in StaticDevice.objects.filter(user=user, confirmed=True):
        with transaction.atomic():
            device = django_otp.verify_token(user, static.persistent_id, code.lower())
            if device is not None:
                left = StaticToken.objects.filter(device=static).count()
                record(actor, "otp.recovery_use", user, object_repr=user.username, extra={"codes_left": left})
                return device
    return None


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
    """Disable (``active`` False: no login; its API tokens are revoked and its sessions
    ended, as :func:`deactivate_user` does) or re-enable an account the actor manages.
    Nobody disables their own account. Audited ``user.disable`` / ``user.enable`` with
    is_active before/after (nothing written when unchanged). Raises Forbidden, NotFound,
    ValidationFailed."""
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
        extra = {}
        if not active:
            extra = {"tokens_revoked": revoke_tokens(actor, user, "deactivated"), "sessions_ended": end_sessions(user)}
        record(actor, "user.enable" if active else "user.disable", user, region_code=user.scope_id or "",
               changes={"is_active": [before, active]}, extra=extra)
    return user


def revoke_account_tokens(actor: Actor, user: User) -> int:
    """An administrator ends every API token of an account it manages (a lost laptop, a
    script that must stop): audited as ``token.revoke_all`` with reason ``administrator``.
    Returns the number revoked. Raises Forbidden (no ``manage_users``), NotFound (an
    account out of reach)."""
    _require_manage(actor)
    _check_manageable(actor, user)
    return revoke_tokens(actor, user, "administrator")


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
