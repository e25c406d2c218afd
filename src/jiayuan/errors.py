"""Errors raised by services and turned into pages' messages and the API's error body
``{"error": {"code", "message", "fields": {field: [{"code", "message"}]}}}``."""

from django.utils.translation import gettext as _


class ServiceError(Exception):
    """A refusal the user can act on. ``status`` is the HTTP status the API answers."""

    status = 400

    def __init__(self, code: str, message: str, fields: dict | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.fields = fields or {}

    def as_dict(self) -> dict:
        return {"error": {"code": self.code, "message": self.message, "fields": self.fields}}


def field_error(field: str, code: str, message: str) -> dict:
    """``{field: [{"code", "message"}]}``: one field's error, as :class:`ValidationFailed`
    takes them (merge several with ``dict.update``)."""
    return {field: [{"code": code, "message": message}]}


class ValidationFailed(ServiceError):
    """Invalid input. ``fields`` maps a field name to a list of ``{"code", "message"}``."""

    status = 422
    rule_errors: list = []
    """The RuleError objects it was built from (:meth:`from_rule_errors`), with their
    parameters, for surfaces that must word a message differently (an import report
    hides protected values); empty otherwise."""

    def __init__(self, fields: dict[str, list[dict]], message: str | None = None):
        first = next((errs[0] for errs in fields.values() if errs), None)
        code = first["code"] if first and len(fields) == 1 and len(next(iter(fields.values()))) == 1 else "validation"
        super().__init__(code, message or (first["message"] if first else _("输入有误")), fields)

    @classmethod
    def from_rule_errors(cls, errors) -> "ValidationFailed":
        """Build from RuleError objects (each with ``field``, ``code``, ``template``,
        ``params``); messages are translated through Django i18n."""
        errors = list(errors)
        fields: dict[str, list[dict]] = {}
        for err in errors:
            fields.setdefault(err.field or "__all__", []).append(
                {"code": err.code, "message": translate_rule_error(err)}
            )
        failed = cls(fields)
        failed.rule_errors = errors
        return failed


class NotFound(ServiceError):
    """The object does not exist or lies outside the user's scope (the two are not told
    apart, so that a 404 reveals nothing). Raised by services and selectors; views and
    the API never see Django's ``Http404`` from them. The API answers 404 with ``code``
    (``not_found`` unless a caller names the object, e.g. ``household.not_found``); a
    page shows the 404 page (``web.middleware.NotFoundMiddleware``)."""

    status = 404

    def __init__(self, code: str = "not_found", message: str | None = None, fields: dict | None = None):
        super().__init__(code, message or _("未找到该对象，或不在您的管辖范围内"), fields)


def get_or_not_found(qs, code: str = "not_found", /, **lookup):
    """The one row of ``qs`` (a queryset or manager, already scoped to the user) that
    matches ``lookup``, else :class:`NotFound` with ``code`` — also when a lookup value
    cannot be one of the column's values (``pk="abc"``, ``None``, an integer too large
    for the column). What services and selectors use instead of Django's
    ``get_object_or_404``."""
    try:
        return qs.get(**lookup)
    except (qs.model.DoesNotExist, ValueError, TypeError, OverflowError):
        raise NotFound(code) from None


class Conflict(ServiceError):
    """Someone else changed the object first (optimistic concurrency) or it already exists."""

    status = 409


def check_version(current: int, expected, code: str, message: str) -> None:
    """Optimistic concurrency: :class:`Conflict` ``code`` unless ``expected`` (the version
    the editor saw; None or "" — not checked) is ``current``. A value that is no version
    at all (``"abc"``, a number too large) never matches: also 409, not a 500."""
    if expected in (None, ""):
        return
    try:
        same = int(expected) == current
    except (TypeError, ValueError, OverflowError):
        same = False
    if not same:
        raise Conflict(code, message)


class TooManyRequests(ServiceError):
    """Rate limit reached (public lookups, identifier searches): try again later."""

    status = 429


class Forbidden(ServiceError):
    """The user's role does not allow this action on an object they can see."""

    status = 403


def translate_rule_error(err) -> str:
    """The message of a ``RuleError`` in the active language (templates are Chinese msgids)."""
    try:
        return _(err.template) % err.params
    except (KeyError, TypeError, ValueError):
        return err.message
