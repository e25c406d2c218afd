"""Helpers every page view uses: who acts, permission checks, form errors from services.

Views stay thin: parse the request, call a service or a scoped selector, render. A
:class:`jiayuan.errors.ServiceError` is caught in the view and its message shown; an
object outside the user's scope answers 404 (the scoped selectors and the services raise
:class:`jiayuan.errors.NotFound`, which ``web.middleware.NotFoundMiddleware`` turns into the
404 page; a view uses Django's ``Http404`` only for a lookup of its own).
"""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.utils.functional import cached_property
from django.shortcuts import render

from ..audit.services import Actor
from ..errors import ServiceError, ValidationFailed

PAGE_SIZE = 50


def actor(request) -> Actor:
    """The acting user of a page request, as services want it (source ``page``)."""
    return Actor(request.user, "page")


def perm_required(perm):
    """Login required, and the role must grant ``perm`` (else the 403 page).

    Used for whole pages a role cannot use (e.g. the audit log for a community worker);
    objects outside the scope still answer 404 through the selectors."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.can(perm):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return login_required(wrapper)

    return decorator


def require_perm(user, perm) -> None:
    """403 unless the role grants ``perm``. Object pages call it *after* fetching the
    object through a scoped selector, so an object outside the scope is a 404 for
    every role, whatever it may do (ids leak nothing)."""
    if not user.can(perm):
        raise PermissionDenied


def paginate(request, qs, per_page: int = PAGE_SIZE):
    """The requested page (``?page=``) of ``qs``; out-of-range numbers give the last page."""
    return Paginator(qs, per_page).get_page(request.GET.get("page"))


class CappedPaginator(Paginator):
    """A paginator that counts at most ``cap`` + 1 rows (people.selectors.capped_count):
    past the cap, ``count`` is cap + 1 and ``capped`` is true, so the page says
    "1000+" and offers the first pages, without counting every match."""

    def __init__(self, object_list, per_page, cap: int = 1000):
        super().__init__(object_list, per_page)
        self.cap = cap

    @cached_property
    def count(self) -> int:
        return self.object_list[: self.cap + 1].count()

    @property
    def capped(self) -> bool:
        return self.count > self.cap


def paginate_capped(request, qs, per_page: int = PAGE_SIZE):
    """Like :func:`paginate`, with a :class:`CappedPaginator` (for searches)."""
    return CappedPaginator(qs, per_page).get_page(request.GET.get("page"))


def apply_service_error(form, exc: ServiceError, field_map: dict | None = None) -> None:
    """Put a service's refusal on a bound form: each ``ValidationFailed.fields`` message
    under its field (``field_map`` renames service fields to form fields), the rest
    (and any other ServiceError) as a form-wide error."""
    field_map = field_map or {}
    if isinstance(exc, ValidationFailed) and exc.fields:
        for name, errors in exc.fields.items():
            target = field_map.get(name, name)
            if target not in form.fields:
                target = None
            for err in errors:
                form.add_error(target, err["message"])
    else:
        form.add_error(None, exc.message)


def error_page(request, exc: ServiceError, status: int | None = None):
    """A page that shows a service's refusal (used where no form can carry it)."""
    status = status or (exc.status if exc.status in (400, 403, 404, 409, 422) else 400)
    template = "web/403.html" if status == 403 else "web/error.html"
    return render(request, template, {"message": exc.message}, status=status)
