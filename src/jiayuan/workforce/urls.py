"""Pages under ``/workforce/`` (namespace ``workforce``)."""

from django.urls import path

from . import views

app_name = "workforce"
urlpatterns = [
    path("", views.worker_list, name="worker_list"),
    path("new/", views.worker_new, name="worker_new"),
    path("summary/", views.summary, name="summary"),
    path("<int:pk>/", views.worker_detail, name="worker_detail"),
    path("<int:pk>/edit/", views.worker_edit, name="worker_edit"),
    path("<int:pk>/grade-step/", views.worker_grade_step, name="worker_grade_step"),
    path("<int:pk>/leave/", views.worker_leave, name="worker_leave"),
    path("social-workers/", views.social_worker_list, name="social_worker_list"),
    path("social-workers/new/", views.social_worker_new, name="social_worker_new"),
    path("social-workers/<int:pk>/", views.social_worker_detail, name="social_worker_detail"),
    path("social-workers/<int:pk>/hours/", views.hours_add, name="hours_add"),
    path("exams/", views.exam_list, name="exam_list"),
    path("exams/<int:pk>/", views.exam_detail, name="exam_detail"),
    path("training/", views.training_list, name="training_list"),
    path("training/new/", views.training_new, name="training_new"),
    path("training/<int:pk>/", views.training_detail, name="training_detail"),
    path("training/<int:pk>/enroll/", views.training_enroll, name="training_enroll"),
    path("training/<int:pk>/attendance/", views.training_attendance, name="training_attendance"),
]
