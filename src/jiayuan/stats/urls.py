"""Routes of the statistics pages (``/stats/…``)."""

from django.urls import include, path

app_name = "stats"

urlpatterns = [
    path("dashboards/", include("jiayuan.stats.dashboards.urls")),
]
