"""Pages under ``/stats/`` (namespace ``stats``)."""

from django.urls import include, path

app_name = "stats"
urlpatterns = [
    path("yibiaotong/", include("jiayuan.stats.yibiaotong.urls")),  # 一表通: elements, forms, tasks, filling
]
