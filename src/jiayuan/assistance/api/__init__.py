"""``/api/v1/assistance/...``: one router assembled from the area modules."""

from ninja import Router

router = Router(tags=["社会救助"])

# Each area module defines ``router`` (a ninja Router) and is mounted here.
for _name in ("programs", "enrollments", "batches", "ledgers", "applications"):
    try:
        _mod = __import__(f"{__name__}.{_name}", fromlist=["router"])
    except ModuleNotFoundError as exc:  # an area not built yet
        if exc.name != f"{__name__}.{_name}":
            raise
        continue
    router.add_router("/assistance", _mod.router)
