"""Language selection: Chinese (zh-hans) unless the user chose another language with
the switch (Django's set_language view sets the language cookie).

Django's LocaleMiddleware would also follow the browser's Accept-Language header; a
civil-affairs office's shared computers often have English system settings, and the
product is Chinese by default, so only an explicit choice changes the language.
"""

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


class ChosenLanguageMiddleware(LocaleMiddleware):
    def process_request(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        supported = {code for code, _name in settings.LANGUAGES}
        lang = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(lang)
        request.LANGUAGE_CODE = translation.get_language()


class RejectNulMiddleware:
    """Refuse requests whose query string or form/JSON body carries a NUL character.

    PostgreSQL cannot store NUL in text, and no user types one: it only comes from
    broken tools or attacks. Answered with 400 and a Chinese message (JSON for the API)
    before any view runs, so nothing is half-written. Uploaded files (multipart) are not
    inspected: binary workbooks legitimately contain NUL bytes.
    """

    MESSAGE = "请求中含有不可见的控制字符（NUL），请删除后重试"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if self._has_nul(request):
            from django.http import HttpResponseBadRequest, JsonResponse

            if request.path.startswith("/api/") or request.path.startswith("/open311/"):
                return JsonResponse({"error": {"code": "bad_request", "message": self.MESSAGE, "fields": {}}},
                                    status=400)
            return HttpResponseBadRequest(self.MESSAGE, content_type="text/plain; charset=utf-8")
        return self.get_response(request)

    @staticmethod
    def _has_nul(request) -> bool:
        qs = request.META.get("QUERY_STRING", "").lower()
        if "%00" in qs or "\x00" in qs:
            return True
        ctype = request.META.get("CONTENT_TYPE", "")
        if ctype.startswith("application/x-www-form-urlencoded") or ctype.startswith("application/json"):
            body = request.body.lower()
            return b"%00" in body or b"\\u0000" in body or b"\x00" in body
        return False
