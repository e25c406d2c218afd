"""Routes of the administration area (系统管理) and the own-password page."""

from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/", views.account_list, name="account_list"),
    path("accounts/new/", views.account_create, name="account_create"),
    path("accounts/<int:pk>/", views.account_detail, name="account_detail"),
    path("accounts/<int:pk>/edit/", views.account_edit, name="account_edit"),
    path("accounts/<int:pk>/<str:action>/", views.account_action, name="account_action"),
    path("departments/", views.department_list, name="department_list"),
    path("departments/new/", views.department_form, name="department_create"),
    path("departments/<int:pk>/edit/", views.department_form, name="department_edit"),
    path("lists/<str:which>/", views.published_lists, name="published_lists"),
    path("service-items/", views.service_items, name="service_items"),
    path("service-items/<str:code>/edit/", views.service_item_edit, name="service_item_edit"),
    path("password/", views.password_change, name="password_change"),
]
