"""The governance app's API router (mounted at ``/api/v1/``): one sub-router per part."""

from ninja import Router

from .tips.api import router as tips_router

router = Router()
router.add_router("/", tips_router)
