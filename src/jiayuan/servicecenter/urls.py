"""Service-center pages (namespace ``servicecenter``, mounted at ``/service/``)."""

from django.urls import path

from . import views

app_name = "servicecenter"
urlpatterns = [
    path("intake/", views.intake, name="intake"),
    path("intake/item/", views.item_info, name="item_info"),
    path("receipts/<str:number>/", views.receipt, name="receipt"),
    path("status/", views.status, name="status"),
    path("verify/", views.verify, name="verify"),
    path("certificates/", views.certificate_list, name="certificate_list"),
    path("certificates/new/", views.certificate_new, name="certificate_new"),
    path("certificates/decisions/", views.decision_new, name="decision_new"),
    path("certificates/<str:number>/", views.certificate_detail, name="certificate_detail"),
    path("certificates/<str:number>/print/", views.certificate_print, name="certificate_print"),
    path("certificates/<str:number>/revoke/", views.certificate_revoke, name="certificate_revoke"),
]
