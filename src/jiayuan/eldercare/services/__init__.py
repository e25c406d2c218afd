"""Writes of elderly care: capacity assessments (:mod:`.assessments`) and day-care
facilities, assignments, subsidies and attendance (:mod:`.facilities`)."""

from .assessments import *  # noqa: F401,F403
from .facilities import *  # noqa: F401,F403
from .homecare import *  # noqa: F401,F403
