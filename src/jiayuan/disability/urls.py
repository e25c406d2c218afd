"""Pages under ``/disability/`` (namespace ``disability``)."""

from django.urls import path

from . import network_views, views

app_name = "disability"
urlpatterns = [
    path("", views.certificate_list, name="certificate_list"),
    path("new/", views.certificate_new, name="certificate_new"),
    path("<int:pk>/", views.certificate_detail, name="certificate_detail"),
    path("<int:pk>/reveal/", views.certificate_reveal, name="certificate_reveal"),
    path("<int:pk>/care-need/", views.certificate_care_need, name="certificate_care_need"),
    path("<int:pk>/revoke/", views.certificate_revoke, name="certificate_revoke"),
    path("network/", network_views.network_list, name="network_list"),
    path("network/<int:pk>/", network_views.network_detail, name="network_detail"),
    path("services/new/", network_views.service_new, name="service_new"),
]
