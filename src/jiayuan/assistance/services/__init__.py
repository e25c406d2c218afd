"""Writes of the assistance app, one transaction each, audit included. A package (not a
single services.py) because four people build it at once: each module is one area, and
this file re-exports every area's writing functions (the public face), so callers may
write ``from jiayuan.assistance import services`` and ``services.enroll(...)``; an
area's helpers and constants are reached through its module
(``from jiayuan.assistance.services import batches``). Reads (including the
assessment of an application) live in :mod:`jiayuan.assistance.selectors`.

- :mod:`.parameters` — program parameters with effective dates
- :mod:`.enrollments` — enroll, review, suspend, resume, terminate, flags from the registry
- :mod:`.batches` — monthly payment batches: generate, review, approve, export, results, reopen
- :mod:`.applications` — applications (one door, coordinated handling) on the case engine
- :mod:`.accounts` — the payee account of an enrollment
"""

from .accounts import set_payee_account
from .applications import (
    record_economic_status, record_objection, resolve_objection, take_application,
)
from .batches import (
    approve_batch, close_batch, export_batch, generate_batch, record_results, regenerate_batch, reopen_batch,
    review_batch,
)
from .enrollments import (
    clear_flag, enroll, flag_for_certificate, flag_for_life_status, follow_moves, resume, review, suspend, terminate,
)
from .parameters import set_parameters

__all__ = [
    "set_payee_account",
    "record_economic_status", "record_objection", "resolve_objection", "take_application",
    "approve_batch", "close_batch", "export_batch", "generate_batch", "record_results", "regenerate_batch",
    "reopen_batch", "review_batch",
    "clear_flag", "enroll", "flag_for_certificate", "flag_for_life_status", "follow_moves", "resume", "review",
    "suspend", "terminate",
    "set_parameters",
]
