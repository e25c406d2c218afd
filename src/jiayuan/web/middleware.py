"""The project's middleware: the language a page is shown in, and the refusal of control
characters in any text input.

Language selection: Chinese (zh-hans) unless the user chose another language with
the switch (Django's set_language view sets the language cookie).

Django's LocaleMiddleware would also follow the browser's Accept-Language header; a
civil-affairs office's shared computers often have English system settings, and the
product is Chinese by default, so only an explicit choice changes the language.
"""

import json
import re
from urllib.parse import parse_qsl

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import Http404, HttpResponseBadRequest, JsonResponse
from django.middleware.locale import LocaleMiddleware
from django.utils import translation
from django.utils.translation import gettext as _


class ChosenLanguageMiddleware(LocaleMiddleware):
    def process_request(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        supported = {code for code, _name in settings.LANGUAGES}
        lang = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(lang)
        request.LANGUAGE_CODE = translation.get_language()


# Characters no person types into a form field: the C0/C1 controls (NUL breaks PostgreSQL
# text, the others corrupt exports and logs) except TAB, LF and CR; the bidirectional
# embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069: "Trojan source" text
# that shows one name and stores another) and the invisible zero-width space and BOM.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b\u202a-\u202e\u2066-\u2069\ufeff]")


def control_character(text: str) -> str | None:
    """The first refused character of ``text`` as ``U+XXXX``, or None (see ``_CONTROL``)."""
    m = _CONTROL.search(text)
    return f"U+{ord(m.group()):04X}" if m else None


class RejectControlCharactersMiddleware:
    """Refuse any request that carries a control character in a text input, whatever its
    ``Content-Type`` says, before any view runs (so nothing is written, audit included).

    Inspected: the query string (percent-decoded), the form fields of a multipart body
    (uploaded files are not: a workbook legitimately holds NUL bytes), and any other
    body — JSON sent as ``application/json``, ``Application/JSON``, ``text/plain`` or
    with no type at all, form-encoded bodies — as UTF-8 text, its JSON strings after
    their ``\\u0000`` escapes are decoded, and, if it is not JSON, percent-decoded.
    Refused characters: see :func:`control_character`.

    Answer: the API (``/api/``, ``/open311/``) 422 with the standard error body (code
    ``control_character``, the offending field named in ``fields`` where known); pages
    a 400 with a Chinese sentence. A body over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` and a form
    of more than ``DATA_UPLOAD_MAX_NUMBER_FIELDS`` fields (this bounds every list a page
    form sends) are answered here as well: 413 (API) / 400 (pages).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            found = self.find(request)
        except RequestDataTooBig:
            return self._refuse(request, 413, "request_too_large",
                                _("请求内容过大（上限 %(mb)s MB），请分批提交")
                                % {"mb": round(settings.DATA_UPLOAD_MAX_MEMORY_SIZE / 2**20, 1)}, {})
        except (TooManyFieldsSent, TooManyFilesSent):
            return self._refuse(request, 413, "request_too_large",
                                _("表单字段过多（上限 %(n)s 个），请分批提交") % {"n": settings.DATA_UPLOAD_MAX_NUMBER_FIELDS}, {})
        if found is not None:
            field, char = found
            message = _("请求中含有不可见的控制字符（%(char)s），请删除后重试") % {"char": char}
            fields = {field: [{"code": f"{field}.control_character", "message": message}]} if field else {}
            return self._refuse(request, 422, "control_character", message, fields)
        return self.get_response(request)

    @staticmethod
    def _refuse(request, status: int, code: str, message: str, fields: dict):
        if request.path.startswith("/api/") or request.path.startswith("/open311/"):
            return JsonResponse({"error": {"code": code, "message": message, "fields": fields}}, status=status,
                                json_dumps_params={"ensure_ascii": False})
        return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")

    @classmethod
    def find(cls, request) -> tuple[str, str] | None:
        """``(field name or "", "U+XXXX")`` of the first refused character, or None."""
        for name, values in request.GET.lists():  # (decoded as Django decodes it: UTF-8, percent-escapes)
            for value in values:
                char = control_character(name) or control_character(value)
                if char:
                    return name, char
        ctype = request.META.get("CONTENT_TYPE", "").lower()
        if ctype.startswith("multipart/"):
            if request.method != "POST":
                return None
            for name, values in request.POST.lists():
                for value in values:
                    char = control_character(name) or control_character(value)
                    if char:
                        return name, char
            return None
        if ctype.startswith("application/x-www-form-urlencoded") and request.method == "POST":
            request.POST  # parsed here so that more than DATA_UPLOAD_MAX_NUMBER_FIELDS fields is refused here
        body = request.body
        if not body:
            return None
        text = body.decode("utf-8", "replace")
        char = control_character(text)
        try:
            data = json.loads(text)
        except ValueError:
            data = None
        else:
            found = cls._walk(data, "")
            if found:
                return found
        if char:
            return "", char
        if data is None:
            for name, value in parse_qsl(text, keep_blank_values=True):
                char = control_character(name) or control_character(value)
                if char:
                    return name, char
        return None

    @classmethod
    def _walk(cls, data, path: str) -> tuple[str, str] | None:
        if isinstance(data, str):
            char = control_character(data)
            return (path, char) if char else None
        if isinstance(data, dict):
            items = data.items()
        elif isinstance(data, list):
            items = enumerate(data)
        else:
            return None
        for key, value in items:
            sub = f"{path}.{key}" if path else str(key)
            char = control_character(key) if isinstance(key, str) else None
            found = (sub, char) if char else cls._walk(value, sub)
            if found:
                return found
        return None


class NotFoundMiddleware:
    """A :class:`jiayuan.errors.NotFound` a page view lets through becomes the 404 page,
    as Django's ``Http404`` does: services and selectors raise ``NotFound`` and views
    need not translate it. (The API maps it in ``api/urls.py`` with the other service
    errors.)"""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        from ..errors import NotFound

        if isinstance(exception, NotFound):
            raise Http404(exception.message) from exception
        return None


def database_unavailable(exception: BaseException | None) -> bool:
    """Whether ``exception`` says the database cannot be reached or the connection was
    lost (Django's ``OperationalError`` or ``InterfaceError``: server restarted or
    stopped, backend terminated, network cut, too many connections), a transient
    fault of the platform and not of the request."""
    from django.db import InterfaceError, OperationalError

    return isinstance(exception, (OperationalError, InterfaceError))


def fault_response(request, status: int, code: str, message: str):
    """A platform fault's answer, with ``Retry-After: 30``: under ``/api/`` and
    ``/open311/`` the standard error body, elsewhere the plain page ``web/503.html``
    (rendered without the database or any context)."""
    from django.http import HttpResponse
    from django.template import loader

    if request.path.startswith("/api/") or request.path.startswith("/open311/"):
        response = JsonResponse({"error": {"code": code, "message": message, "fields": {}}},
                                status=status, json_dumps_params={"ensure_ascii": False})
    else:
        response = HttpResponse(loader.get_template("web/503.html").render({"message": message}), status=status)
    response["Retry-After"] = "30"
    return response


def unavailable_response(request):
    """503 ``database_unavailable`` with a Chinese sentence (:func:`fault_response`)."""
    return fault_response(request, 503, "database_unavailable", _(
        "数据库暂时无法连接，您刚才的操作没有保存。请稍后（约半分钟）重试；如果一直如此，请联系系统管理员。"))


def platform_fault_response(request, exception: BaseException | None):
    """The answer to a fault of the platform, not of the request, or None for any other
    exception; one log line names the fault (no traceback):

    - a full disk (:class:`jiayuan.storage.StorageFull`): 507 with its message;
    - a lost database connection (:func:`database_unavailable`): the broken connections
      are closed, so the next request connects again, and 503
      (:func:`unavailable_response`).

    Used by :class:`FaultMiddleware` (faults in a view) and by ``handler500``
    (:func:`jiayuan.web.views.server_error`: faults in a middleware before the view)."""
    import logging

    from ..storage import StorageFull

    if isinstance(exception, StorageFull):
        logging.getLogger("jiayuan.storage").error("disk full during %s %s: %s", request.method, request.path,
                                                   exception.__cause__ or exception)
        return fault_response(request, exception.status, exception.code, exception.message)
    if not database_unavailable(exception):
        return None
    close_broken_connections()
    logging.getLogger("jiayuan.database").error("database unavailable during %s %s: %s: %s", request.method,
                                                request.path, type(exception).__name__,
                                                str(exception).strip().splitlines()[0] if str(exception) else "")
    return unavailable_response(request)


class FaultMiddleware:
    """Faults of the platform, not of the request, answered clearly and without a
    traceback in the log:

    - a view (page or API) that loses its database connection answers 503 with a clear
      Chinese message instead of the 500 page (:func:`platform_fault_response`). A loss
      in a middleware before the view (the session or the user being read) reaches the
      same answer through ``handler500`` (:func:`jiayuan.web.views.server_error`);
    - a page whose upload meets a full disk (:class:`jiayuan.storage.StorageFull`)
      answers 507 with its message (the API answers it as any ``ServiceError``).

    Last in ``MIDDLEWARE``, so its ``process_exception`` runs first."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        return platform_fault_response(request, exception)


def close_broken_connections() -> None:
    """Close every database connection that is no longer usable (outside a transaction;
    inside one the transaction's owner closes it when it unwinds)."""
    from django.db import connections

    for conn in connections.all(initialized_only=True):
        if conn.connection is not None and not conn.in_atomic_block:
            try:
                usable = conn.is_usable()
            except Exception:  # noqa: BLE001 - a broken connection may fail any way
                usable = False
            if not usable:
                conn.close()
