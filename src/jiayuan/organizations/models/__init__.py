"""Tables of the organizations app: the registry (:mod:`.registry`: organizations,
members, annual inspections, ratings, community filings, activities, incubation) and
purchased-service projects (:mod:`.projects`: calls, proposals, review, notice,
contracts, milestones, instalments, evaluations)."""

from .projects import *  # noqa: F401,F403
from .registry import *  # noqa: F401,F403
