"""What accounts does when others signal: axes's lock of a (user name, address) pair
ends the account's API tokens; every sign-in is indexed by session key so that
deactivating the account can end its sessions. Connected in ``AccountsConfig.ready``."""

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out

from . import services


def _locked_out(sender, request=None, username=None, ip_address=None, **kwargs):
    if username:
        services.end_tokens_on_lockout(username, ip_address, request)


def _logged_in(sender, request=None, user=None, **kwargs):
    session = getattr(request, "session", None)
    if user is not None and session is not None:
        services.remember_session(user, session.session_key)


def _logged_out(sender, request=None, user=None, **kwargs):
    session = getattr(request, "session", None)
    if session is not None:
        services.forget_session(session.session_key)


def connect() -> None:
    user_locked_out.connect(_locked_out, dispatch_uid="jiayuan.accounts.locked_out")
    user_logged_in.connect(_logged_in, dispatch_uid="jiayuan.accounts.logged_in")
    user_logged_out.connect(_logged_out, dispatch_uid="jiayuan.accounts.logged_out")
