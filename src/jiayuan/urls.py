"""Routes. There is deliberately no Django admin: every write goes through the services,
which check the role and write the audit log; the admin would bypass both."""

from django.urls import include, path

from .api.urls import api

urlpatterns = [
    path("api/v1/", api.urls),
    path("open311/v2/", include("jiayuan.open311.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("jiayuan.accounts.urls")),  # /account/… (own account) and /manage/… (系统管理)
    path("cases/", include("jiayuan.cases.urls")),
    path("grid/", include("jiayuan.grid.urls")),
    path("service/", include("jiayuan.servicecenter.urls")),
    path("assistance/", include("jiayuan.assistance.urls")),
    path("disability/", include("jiayuan.disability.urls")),
    path("facilities/", include("jiayuan.facilities.urls")),
    path("workforce/", include("jiayuan.workforce.urls")),
    path("eldercare/", include("jiayuan.eldercare.urls")),
    path("organizations/", include("jiayuan.organizations.urls")),
    path("governance/", include("jiayuan.governance.urls")),
    path("children/", include("jiayuan.children.urls")),
    path("stats/", include("jiayuan.stats.urls")),
    path("", include("jiayuan.web.urls")),
]

handler404 = "jiayuan.web.views.not_found"
handler403 = "jiayuan.web.views.forbidden"
handler500 = "jiayuan.web.views.server_error"
