"""Page routes of roster import and export, included in the site's ``web`` namespace
(:mod:`jiayuan.web.urls`)."""

from django.urls import path

from . import views

urlpatterns = [
    path("imports/", views.job_list, name="import_list"),
    path("imports/new/", views.upload, name="import_upload"),
    path("imports/template/", views.template, name="import_template"),
    path("imports/<int:pk>/", views.job_detail, name="import_job"),
    path("imports/<int:pk>/confirm/", views.job_confirm, name="import_confirm"),
    path("imports/<int:pk>/retry/", views.job_retry, name="import_retry"),
    path("imports/<int:pk>/report/", views.job_report, name="import_report"),
    path("persons/export/", views.person_export, name="person_export"),
    path("households/export/", views.household_export, name="household_export"),
]
