"""Pages under ``/children/`` (namespace ``children``)."""

from django.urls import path

from . import views

app_name = "children"
urlpatterns = [
    path("", views.file_list, name="file_list"),
    path("new/", views.file_new, name="file_new"),
    path("duties/", views.duties, name="duties"),
    path("risk-grades.css", views.grades_css, name="grades_css"),
    path("homes/", views.home_list, name="home_list"),
    path("homes/<int:pk>/", views.home_detail, name="home_detail"),
    path("<int:pk>/", views.file_detail, name="file_detail"),
    path("<int:pk>/edit/", views.file_edit, name="file_edit"),
    path("<int:pk>/parent/<str:role>/", views.parent_edit, name="parent_edit"),
    path("<int:pk>/visit/", views.visit_new, name="visit_new"),
    path("<int:pk>/photo/<int:photo_pk>/", views.photo, name="photo"),
    path("<int:pk>/regrade/", views.regrade, name="regrade"),
    path("<int:pk>/confirm/", views.confirm, name="confirm"),
    path("<int:pk>/team/", views.team_set, name="team_set"),
    path("<int:pk>/team/<str:slot>/remove/", views.team_remove, name="team_remove"),
    path("<int:pk>/referral/", views.referral_new, name="referral_new"),
    path("<int:pk>/close/", views.close, name="close"),
    path("<int:pk>/reopen/", views.reopen, name="reopen"),
    path("<int:pk>/allowances/", views.allowances, name="allowances"),
    path("referrals/", views.referral_list, name="referral_list"),
    path("export.xlsx", views.export, name="export"),
]
