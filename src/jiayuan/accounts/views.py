"""The user's own account pages: API tokens (list, revoke one, revoke all) and the
second factor (enrol an authenticator app, give a code after the password, remove).
Thin: parse, call a service or selector, render."""

from base64 import b32encode

import django_otp
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from ..audit.services import Actor
from ..errors import ValidationFailed
from . import selectors, services


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
