"""Sign-in lockout: two limits over django-axes's record of failures.

1. **Pair lock** (axes itself): ``AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]``
   and ``AXES_FAILURE_LIMIT`` (5) failures of one user name from one client address lock
   that pair for ``AXES_COOLOFF_TIME`` (15 minutes). Someone guessing from another address
   cannot lock the account's owner out of their own office.
2. **Address lock** (this module): ``LOGIN_ADDRESS_FAILURE_LIMIT`` (20) failures from one
   address within the same cool-off, over any user names, lock that address for every user
   name. This stops password spraying (few guesses each over many accounts), which the pair
   lock never sees.

Why a handler subclass and not one more axes parameter: axes 8.3 compares the largest
count over all its lockout parameters with one ``AXES_FAILURE_LIMIT``, so
``[["username", "ip_address"], "ip_address"]`` would lock a whole service desk sharing one
public address after five typos. A callable ``AXES_FAILURE_LIMIT`` gets no hint of which
parameter the count came from. The per-address count therefore reads axes's own
``AccessAttempt`` rows (the same rows, the same cool-off window; no second table), and
this handler adds it to axes's ``is_locked`` and to the failure path that marks the request
locked out (AxesMiddleware then answers with the lockout page).

Failures a user follows by a successful sign-in are deleted by axes
(``AXES_RESET_ON_SUCCESS``), so an office's ordinary typos do not add up towards the
address limit; only failures nobody resolved do.

The client address is axes's (``AXES_CLIENT_IP_CALLABLE`` or ``REMOTE_ADDR``); behind a
reverse proxy set ``AXES_CLIENT_IP_CALLABLE`` to the project's trusted-proxy function.
"""

from django.conf import settings
from django.db.models import Sum

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.models import AccessAttempt


def address_failures(request) -> int:
    """Failures recorded from the request's client address (``request.axes_ip_address``,
    set by axes) within the cool-off window, over every user name. 0 without an address."""
    ip = getattr(request, "axes_ip_address", None)
    if not ip:
        return 0
    total = (AccessAttempt.objects.filter(ip_address=ip, attempt_time__gte=get_cool_off_threshold(request))
             .aggregate(n=Sum("failures_since_start"))["n"])
    return total or 0


def address_locked(request) -> bool:
    """Whether the client address reached ``settings.LOGIN_ADDRESS_FAILURE_LIMIT``."""
    return address_failures(request) >= settings.LOGIN_ADDRESS_FAILURE_LIMIT


class PairAndAddressHandler(AxesDatabaseHandler):
    """axes's database handler (pair lock) plus the per-address limit. Configured as
    ``AXES_HANDLER``. Marks an address lock with ``request.jiayuan_address_locked`` so the
    lockout page and the API name the right cause."""

    def is_locked(self, request, credentials=None) -> bool:
        if super().is_locked(request, credentials):
            return True
        if address_locked(request):
            request.jiayuan_address_locked = True
            return True
        return False

    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs):
        super().user_login_failed(sender, credentials, request, **kwargs)
        if request is None or getattr(request, "axes_locked_out", False):
            return
        if address_locked(request):
            # Not an account lock: no user_locked_out signal (which ends the account's tokens).
            request.jiayuan_address_locked = True
            request.axes_locked_out = True
            request.axes_credentials = credentials
