"""Writes of the organizations app (the only writes): :mod:`.registry` (organizations,
inspections, ratings, members, activities, filings, incubation) and :mod:`.projects`
(calls, proposals, review, notice, contracts, milestones, instalments, evaluations)."""
