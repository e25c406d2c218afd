"""Pages under ``/eldercare/`` (namespace ``eldercare``)."""

from django.urls import path

from . import views

app_name = "eldercare"
urlpatterns = [
    path("", views.assessment_list, name="assessment_list"),
    path("assessments/export/", views.assessment_export, name="assessment_export"),
    path("assessments/new/", views.assessment_new, name="assessment_new"),
    path("assessments/score/", views.assessment_score, name="assessment_score"),
    path("assessments/<int:pk>/", views.assessment_detail, name="assessment_detail"),
]
