"""Pages under ``/organizations/`` (namespace ``organizations``)."""

from django.urls import path

from . import views

app_name = "organizations"
urlpatterns = [
    path("", views.organization_list, name="organization_list"),
    path("export/", views.organization_export, name="organization_export"),
    path("new/", views.organization_new, name="organization_new"),
    path("<int:pk>/", views.organization_detail, name="organization_detail"),
    path("<int:pk>/edit/", views.organization_edit, name="organization_edit"),
    path("<int:pk>/<slug:action>/", views.organization_action, name="organization_action"),
    path("filings/", views.filing_list, name="filing_list"),
    path("filings/new/", views.filing_new, name="filing_new"),
    path("filings/<int:pk>/", views.filing_detail, name="filing_detail"),
    path("incubation/", views.base_list, name="base_list"),
    path("incubation/<int:pk>/", views.base_detail, name="base_detail"),
    path("calls/", views.call_list, name="call_list"),
    path("calls/new/", views.call_new, name="call_new"),
    path("calls/<int:pk>/", views.call_detail, name="call_detail"),
    path("calls/<int:call_pk>/propose/", views.proposal_new, name="proposal_new"),
    path("calls/<int:pk>/<slug:action>/", views.call_action, name="call_action"),
    path("proposals/<int:pk>/", views.proposal_detail, name="proposal_detail"),
    path("proposals/<int:pk>/contract/", views.contract_new, name="contract_new"),
    path("projects/", views.project_list, name="project_list"),
    path("projects/export/", views.project_export, name="project_export"),
    path("projects/payments/export/", views.payment_export, name="payment_export"),
    path("projects/<int:pk>/", views.project_detail, name="project_detail"),
]
