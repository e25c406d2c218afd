"""Pages under ``/assistance/``: one module per area under ``views/``, each exposing its
``urlpatterns`` (url names unique across the app), joined under the ``assistance`` namespace."""

from .views import applications, batches, enrollments, home, ledgers, papers, programs

app_name = "assistance"
urlpatterns = [
    *home.urlpatterns, *programs.urlpatterns, *enrollments.urlpatterns, *batches.urlpatterns,
    *ledgers.urlpatterns, *applications.urlpatterns, *papers.urlpatterns,
]
