"""Scoped reads of elderly care: capacity assessments (:mod:`.assessments`) and
day-care facilities, attendance and coverage (:mod:`.facilities`)."""

from .assessments import *  # noqa: F401,F403
from .assessments import add_months, adjustments_cumulative, reassessment_months  # noqa: F401
from .facilities import *  # noqa: F401,F403
from .homecare import *  # noqa: F401,F403
