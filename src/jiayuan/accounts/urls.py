"""Routes of the accounts app, mounted at the site's root (one namespace, ``accounts``):
the administration area (系统管理) under ``/manage/`` and the user's own account pages
(API tokens, the second factor) under ``/account/``."""

from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    # the user's own account
    path("account/tokens/", views.token_list, name="tokens"),
    path("account/tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
    path("account/tokens/revoke-all/", views.token_revoke_all, name="token_revoke_all"),
    path("account/security/", views.otp_status, name="otp_status"),
    path("account/security/remove/", views.otp_remove, name="otp_remove"),
    path("account/2fa/enrol/", views.otp_enrol, name="otp_enrol"),
    path("account/2fa/verify/", views.otp_verify, name="otp_verify"),
    # 系统管理
    path("manage/", views.home, name="home"),
    path("manage/accounts/", views.account_list, name="account_list"),
    path("manage/accounts/new/", views.account_create, name="account_create"),
    path("manage/accounts/<int:pk>/", views.account_detail, name="account_detail"),
    path("manage/accounts/<int:pk>/edit/", views.account_edit, name="account_edit"),
    path("manage/accounts/<int:pk>/<str:action>/", views.account_action, name="account_action"),
    path("manage/departments/", views.department_list, name="department_list"),
    path("manage/departments/new/", views.department_form, name="department_create"),
    path("manage/departments/<int:pk>/edit/", views.department_form, name="department_edit"),
    path("manage/lists/<str:which>/", views.published_lists, name="published_lists"),
    path("manage/service-items/", views.service_items, name="service_items"),
    path("manage/service-items/<str:code>/edit/", views.service_item_edit, name="service_item_edit"),
    path("manage/password/", views.password_change, name="password_change"),
]
