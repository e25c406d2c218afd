"""Pages under ``/stats/`` (namespace ``stats``): indicators and the city's report; the
dashboards (``dashboards/``) and 一表通 (``yibiaotong/``) subpackages add their own
patterns by one include each."""

from django.urls import include, path

from . import views

app_name = "stats"
urlpatterns = [
    path("indicators/", views.indicator_list, name="indicator_list"),
    path("indicators/<str:code>/", views.indicator_detail, name="indicator_detail"),
    path("indicators/<str:code>/rows/", views.indicator_rows, name="indicator_rows"),
    path("report/", views.city_report, name="city_report"),
    path("dashboards/", include("jiayuan.stats.dashboards.urls")),
    path("yibiaotong/", include("jiayuan.stats.yibiaotong.urls")),  # 一表通: elements, forms, tasks, filling
]
