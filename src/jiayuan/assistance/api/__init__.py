"""``/api/v1/assistance/...``: one router assembled from the area modules."""

from ninja import Router

from . import applications, batches, enrollments, ledgers, programs

router = Router(tags=["社会救助"])
for _module in (programs, enrollments, batches, ledgers, applications):
    router.add_router("/assistance", _module.router)
