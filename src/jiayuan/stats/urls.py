"""Pages under ``/stats/`` (namespace ``stats``): indicators and the city's report. The
dashboards and 一表通 pages (subpackages ``dashboards/`` and ``yibiaotong/``) add their
own patterns below."""

from django.urls import path

from . import views

app_name = "stats"
urlpatterns = [
    path("indicators/", views.indicator_list, name="indicator_list"),
    path("indicators/<str:code>/", views.indicator_detail, name="indicator_detail"),
    path("indicators/<str:code>/rows/", views.indicator_rows, name="indicator_rows"),
    path("report/", views.city_report, name="city_report"),
]
