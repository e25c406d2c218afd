from django.conf.urls.i18n import i18n_patterns  # noqa: F401  (language via LocaleMiddleware + set_language)
from django.contrib import admin
from django.urls import include, path

from .api.urls import api

urlpatterns = [
    path("api/v1/", api.urls),
    path("open311/v2/", include("jiayuan.open311.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("cases/", include("jiayuan.cases.urls")),
    path("grid/", include("jiayuan.grid.urls")),
    path("service/", include("jiayuan.servicecenter.urls")),
    path("", include("jiayuan.web.urls")),
]

handler404 = "jiayuan.web.views.not_found"
handler403 = "jiayuan.web.views.forbidden"
