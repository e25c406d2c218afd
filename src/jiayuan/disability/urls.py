"""Pages under ``/disability/``."""

from django.urls import path

from . import views

app_name = "disability"
urlpatterns = [
    path("", views.certificate_list, name="certificate_list"),
]
