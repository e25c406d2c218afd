"""Pages under ``/eldercare/`` (namespace ``eldercare``)."""

from django.urls import path

from . import views
from .orders import setup_views as setup
from .orders import views as orders

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
    path("orders/", orders.order_list, name="order_list"),
    path("orders/export/", orders.order_export, name="order_export"),
    path("orders/<int:pk>/", orders.order_detail, name="order_detail"),
    path("orders/<int:pk>/dispatch/", orders.order_dispatch, name="order_dispatch"),
    path("orders/<int:pk>/callback/", orders.order_callback, name="order_callback"),
    path("orders/<int:pk>/complaint/", orders.order_complaint, name="order_complaint"),
    path("orders/<int:pk>/void/", orders.order_void, name="order_void"),
    path("orders/<int:pk>/photos/<int:photo_pk>/", orders.order_photo, name="order_photo"),
    path("complaints/<int:pk>/decide/", orders.complaint_decide, name="complaint_decide"),
    path("my/", orders.my_day, name="my_day"),
    path("my/<int:pk>/", orders.my_order, name="my_order"),
    path("my/<int:pk>/<str:step>/", orders.my_step, name="my_step"),
    path("contracts/", setup.contract_list, name="contract_list"),
    path("duties/", setup.duty_list, name="duty_list"),
    path("plans/", setup.plan_list, name="plan_list"),
    path("plans/new/", setup.plan_new, name="plan_new"),
    path("plans/<int:pk>/", setup.plan_detail, name="plan_detail"),
    path("settlements/", orders.settlement_list, name="settlement_list"),
    path("settlements/<int:pk>/", orders.settlement_detail, name="settlement_detail"),
    path("settlements/<int:pk>/export/", orders.settlement_export, name="settlement_export"),
    path("settlements/<int:pk>/<str:step>/", orders.settlement_step, name="settlement_step"),
]
