"""After an administrator resets a password, the user's first page is the change-password
page: every other page redirects there until a new password is set."""

from django.shortcuts import redirect
from django.urls import reverse

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
