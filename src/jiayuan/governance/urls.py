"""Governance pages (namespace ``governance``, mounted at ``/governance/``)."""

from django.urls import path

from .tips import views as tips

app_name = "governance"
urlpatterns = [
    path("tips/", tips.tip_list, name="tip_list"),
    path("tips/new/", tips.tip_new, name="tip_new"),
    path("tips/counts/", tips.tip_counts, name="tip_counts"),
    path("tips/handlers/", tips.tip_handlers, name="tip_handlers"),
    path("tips/<int:pk>/", tips.tip_detail, name="tip_detail"),
    path("tips/<int:pk>/status/", tips.tip_status, name="tip_status"),
    path("tips/<int:pk>/act/", tips.tip_act, name="tip_act"),
]
