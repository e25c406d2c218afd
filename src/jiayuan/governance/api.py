"""The governance app's API router (mounted at ``/api/v1/``): one sub-router per part."""

from ninja import Router

from .mediation.api import router as mediation_router
from .tips.api import router as tips_router

router = Router()
router.add_router("/", tips_router)
router.add_router("/", mediation_router)
