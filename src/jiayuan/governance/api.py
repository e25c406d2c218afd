"""The governance app's API router (mounted at ``/api/v1/``): one sub-router per part."""

from ninja import Router

from .activities.api import router as activities_router
from .bodies.api import router as bodies_router
from .evaluation.api import router as evaluation_router
from .mediation.api import router as mediation_router
from .tips.api import router as tips_router
from .volunteers.api import router as volunteers_router

router = Router()
router.add_router("/", tips_router)
router.add_router("/", mediation_router)
router.add_router("/", evaluation_router)
router.add_router("/", volunteers_router)
router.add_router("/", activities_router)
router.add_router("/", bodies_router)
