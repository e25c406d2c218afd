"""Grid pages (namespace ``grid``, mounted at ``/grid/``)."""

from django.urls import path

from . import views

app_name = "grid"
urlpatterns = [
    path("report/", views.report, name="report"),
]
