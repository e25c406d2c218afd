"""``/api/v1/disability-certificates``."""

from ninja import Router

router = Router(tags=["残疾人"])
