"""Page gates of the accounts app, placed after authentication:

- :class:`SecondFactorMiddleware` — after the password, a user who enrolled an
  authenticator app must give a code (or a recovery code) before anything else; where the
  requirement is on (production, or JIAYUAN_REQUIRE_2FA=1) a user whose role needs a second
  factor and who has none is sent to enrolment first. The API answers with its own rule
  (the one-time code at ``POST /api/v1/auth/token``), so ``/api/`` and Open311 pass through.
- :class:`MustChangePasswordMiddleware` — after an administrator resets a password, the
  user's first page is the change-password page: every other page redirects there until
  a new password is set."""

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

from . import selectors

# Session key: the user (pk) of this session has no authenticator and needs none.
_NO_SECOND_FACTOR = "jiayuan_no_second_factor"

# Paths a half-signed-in user may still reach (besides the enrolment and code pages).
_OPEN_PREFIXES = ("/api/", "/open311/", "/i18n/", "/login/", "/logout/")


class SecondFactorMiddleware:
    """Placed after django-otp's OTPMiddleware (which sets ``user.is_verified()``)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        target = self._gate(request)
        if target:
            return redirect(target)
        return self.get_response(request)

    @staticmethod
    def _gate(request) -> str | None:
        path = request.path_info
        if path.startswith(_OPEN_PREFIXES) or path.startswith(settings.STATIC_URL) or path.startswith("/account/2fa/"):
            return None
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or user.is_verified():
            return None
        session = getattr(request, "session", None)
        if session is not None and session.get(_NO_SECOND_FACTOR) == user.pk:
            return None
        nxt = urlencode({"next": request.get_full_path()}) if request.method == "GET" else ""
        if selectors.has_second_factor(user):
            return reverse("accounts:otp_verify") + (f"?{nxt}" if nxt else "")
        if selectors.second_factor_required(user):
            return reverse("accounts:otp_enrol") + (f"?{nxt}" if nxt else "")
        if session is not None:
            # Nothing to ask of this user for the rest of the session: the one way to gain an
            # authenticator is to enrol it oneself, which verifies the session (is_verified()
            # above), so the answer cannot turn stale; one query per sign-in, not per page.
            session[_NO_SECOND_FACTOR] = user.pk
        return None


# Paths a user who must change the password may still open: the page itself, logging
# out, the language switch, static files. The API refuses such users a token instead
# (accounts.services.issue_token).
_ALLOWED = ("/logout/", "/i18n/", "/static/", "/api/", "/open311/")


class MustChangePasswordMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and getattr(user, "must_change_password", False):
            target = reverse("accounts:password_change")
            if request.path != target and not request.path.startswith(_ALLOWED):
                return redirect(target)
        return self.get_response(request)
