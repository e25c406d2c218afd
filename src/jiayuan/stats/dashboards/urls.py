"""Routes of the dashboards, included by :mod:`jiayuan.stats.urls` under ``dashboards/``."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("data/<slug:panel>/", views.panel_data, name="dashboard_data"),
    path("refresh/", views.refresh, name="dashboard_refresh"),
]
