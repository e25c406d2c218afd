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
