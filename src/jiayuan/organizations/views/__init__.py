"""Pages of the organizations app: :mod:`.registry` and :mod:`.projects`."""

from .projects import *  # noqa: F401,F403
from .registry import *  # noqa: F401,F403
