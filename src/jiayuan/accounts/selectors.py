"""Reads of accounts: a user's API tokens and second-factor devices. A user reads only
their own tokens; another user's token answers 404 like one that does not exist."""

from django.conf import settings
from django.utils import timezone

from ..errors import get_or_not_found
from .models import ApiToken
from .permissions import role_needs_second_factor


def tokens_of(user):
    """The user's tokens that still work (not revoked, not expired), newest first."""
    return ApiToken.objects.filter(user=user, revoked=False, expires_at__gt=timezone.now()).order_by("-created_at", "-pk")


def token_of(user, token_id) -> ApiToken:
    """The user's own token ``token_id`` (revoked or not); NotFound for another user's id,
    an unknown id or one that is not a number."""
    return get_or_not_found(ApiToken.objects.filter(user=user), pk=token_id)


def second_factor_required(user) -> bool:
    """Whether ``user`` must sign in with a second factor now: the requirement is on
    (``settings.REQUIRE_SECOND_FACTOR``: production or JIAYUAN_REQUIRE_2FA=1) and the
    role needs it (:func:`jiayuan.accounts.permissions.role_needs_second_factor`)."""
    return bool(settings.REQUIRE_SECOND_FACTOR and user.is_authenticated
                and role_needs_second_factor(user.role, user.is_superuser))


def totp_device(user, confirmed: bool | None = True):
    """The user's TOTP device (confirmed, unconfirmed with False, either with None) or None."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    qs = TOTPDevice.objects.filter(user=user)
    if confirmed is not None:
        qs = qs.filter(confirmed=confirmed)
    return qs.order_by("-pk").first()


def has_second_factor(user) -> bool:
    """Whether the user enrolled an authenticator app (a confirmed TOTP device)."""
    return user.is_authenticated and totp_device(user) is not None


def recovery_codes_left(user) -> int:
    """How many unused recovery codes the user has."""
    from django_otp.plugins.otp_static.models import StaticToken

    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()
