"""Tables of the governance app, one module per part (tips; mediation, access requests,
self-governance bodies, evaluation, activities and volunteers as they are built)."""

from .tips import Tip, TipEvent, TipHandler  # noqa: F401
