"""Writes of the assistance app, one transaction each, audit included. A package (not a
single services.py) because four people build it at once: each module is one area and
this file re-exports their public functions, so callers write
``from jiayuan.assistance import services`` and ``services.enroll(...)``.

- :mod:`.parameters` — program parameters with effective dates
- :mod:`.enrollments` — enroll, review, suspend, resume, terminate, flags from the registry
- :mod:`.batches` — monthly payment batches: generate, review, approve, export, results, reopen
- :mod:`.applications` — applications (one door, coordinated handling) on the case engine
"""

from .enrollments import (  # noqa: E402,F401
    clear_flag, enroll, flag_for_life_status, resume, review, suspend, terminate,
)
from .parameters import set_parameters  # noqa: E402,F401
