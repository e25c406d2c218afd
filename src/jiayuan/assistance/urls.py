"""Pages under ``/assistance/``. Each area module under ``views/`` exposes ``urlpatterns``
(url names unique across the app); they are joined here under the ``assistance`` namespace."""

from importlib import import_module

app_name = "assistance"
urlpatterns = []
for _name in ("home", "programs", "enrollments", "batches", "ledgers", "applications"):
    try:
        _mod = import_module(f"jiayuan.assistance.views.{_name}")
    except ModuleNotFoundError as exc:
        if exc.name != f"jiayuan.assistance.views.{_name}":
            raise
        continue
    urlpatterns += _mod.urlpatterns
