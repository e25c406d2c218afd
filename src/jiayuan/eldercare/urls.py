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
    path("facilities/", views.facility_list, name="facility_list"),
    path("facilities/export/", views.facility_export, name="facility_export"),
    path("facilities/new/", views.facility_new, name="facility_new"),
    path("facilities/<int:pk>/", views.facility_detail, name="facility_detail"),
    path("facilities/<int:pk>/edit/", views.facility_edit, name="facility_edit"),
    path("facilities/<int:pk>/assign/", views.facility_assign, name="facility_assign"),
    path("facilities/<int:pk>/subsidy/", views.facility_subsidy, name="facility_subsidy"),
    path("facilities/<int:pk>/attendance/", views.facility_attendance, name="facility_attendance"),
    path("coverage/", views.coverage, name="coverage"),
    path("coverage/export/", views.coverage_export, name="coverage_export"),
    path("homecare/", views.homecare, name="homecare"),
    path("homecare/item/", views.homecare_item, name="homecare_item"),
    path("homecare/standard/", views.homecare_standard, name="homecare_standard"),
    path("entitlements/", views.entitlement_list, name="entitlement_list"),
    path("entitlements/export/", views.entitlement_export, name="entitlement_export"),
    path("entitlements/new/", views.entitlement_new, name="entitlement_new"),
]
