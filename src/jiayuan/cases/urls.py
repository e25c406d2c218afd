"""Case pages (namespace ``cases``, mounted at ``/cases/``)."""

from django.urls import path

from . import calendar_views, views

app_name = "cases"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("board/", views.board, name="board"),
    path("counts/", views.counts, name="counts"),
    path("calendar/", calendar_views.calendar_admin, name="calendar"),
    path("persons/", views.person_picker, name="person_picker"),
    path("photos/<int:pk>/", views.attachment, name="attachment"),
    path("photos/<int:pk>/thumb/", views.attachment, {"thumb": True}, name="attachment_thumb"),
    path("<str:number>/", views.case_detail, name="case_detail"),
    path("<str:number>/act/<str:action>/", views.case_act, name="case_act"),
    path("<str:number>/urge/", views.case_urge, name="case_urge"),
]
