"""Pages of 一表通, included by ``stats/urls.py`` under ``yibiaotong/`` (namespace ``stats``)."""

from django.urls import path

from . import views

urlpatterns = [
    path("elements/", views.element_list, name="data_element_list"),
    path("elements/new/", views.element_new, name="data_element_new"),
    path("forms/", views.form_list, name="report_form_list"),
    path("forms/new/", views.form_new, name="report_form_new"),
    path("forms/<int:pk>/", views.form_detail, name="report_form_detail"),
    path("tasks/", views.task_list, name="report_task_list"),
    path("tasks/new/", views.task_new, name="report_task_new"),
    path("tasks/<int:pk>/", views.task_detail, name="report_task_detail"),
    path("fill/", views.fill_list, name="report_fill_list"),
    path("fill/<int:pk>/", views.fill_detail, name="report_fill_detail"),
]
