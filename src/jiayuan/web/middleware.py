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
