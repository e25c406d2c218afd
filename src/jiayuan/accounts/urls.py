"""The user's own account pages, under ``/account/``."""

from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("tokens/", views.token_list, name="tokens"),
    path("tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
    path("tokens/revoke-all/", views.token_revoke_all, name="token_revoke_all"),
    path("security/", views.otp_status, name="otp_status"),
    path("security/remove/", views.otp_remove, name="otp_remove"),
    path("2fa/enrol/", views.otp_enrol, name="otp_enrol"),
    path("2fa/verify/", views.otp_verify, name="otp_verify"),
]
