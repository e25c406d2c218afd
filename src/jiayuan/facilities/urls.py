"""Pages under ``/facilities/`` (namespace ``facilities``)."""

from django.urls import path

from . import views

app_name = "facilities"
urlpatterns = [
    path("", views.facility_list, name="facility_list"),
    path("new/", views.facility_new, name="facility_new"),
    path("coverage/", views.coverage, name="coverage"),
    path("<int:pk>/", views.facility_detail, name="facility_detail"),
    path("<int:pk>/edit/", views.facility_edit, name="facility_edit"),
    path("<int:pk>/rooms/", views.room_add, name="room_add"),
    path("<int:pk>/also-serves/", views.facility_also_serves, name="facility_also_serves"),
    path("<int:pk>/rooms/<int:room_id>/remove/", views.room_remove, name="room_remove"),
]
urlpatterns += [
    path("funds/", views.fund_summary, name="fund_summary"),
    path("funds/standard/", views.standard_set, name="standard_set"),
    path("funds/budget/", views.budget_set, name="fund_budget"),
    path("funds/<int:pk>/", views.fund_detail, name="fund_detail"),
    path("funds/<int:pk>/entries/", views.entry_add, name="fund_entry_add"),
]
