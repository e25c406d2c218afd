"""Bounded input types shared by every API schema and handler signature.

Every integer and every list an API client sends is bounded here, so that a value the
database cannot hold (an integer past PostgreSQL's ``bigint``) or a list that would run
past the worker timeout (200,000 person ids) is refused with 422 and the standard error
body *before* any query runs. ``api/tests/test_input_bounds.py`` walks the OpenAPI
document and fails on any integer parameter or body field without ``minimum`` and
``maximum`` and on any array without ``maxItems``: a new route with a bare ``int`` or
``list`` does not pass.

- :data:`Id` — a row id (path, query or body): 1 … 2⁶³−1 (PostgreSQL ``bigint``).
- :data:`Int` — any other integer (a version, a year, an age, a grade): −2⁶³ … 2⁶³−1;
  the route's own rule narrows it further where it has one.
- :data:`Page`, :data:`PageSize` — 1 … 2⁶³−1; :func:`paging` then clamps them to the
  route's limits (a page past the data is an empty page, a larger page size is the
  largest one) as the API contract says.
- :class:`BoundedList` ``[T, n]`` — a list of at most ``n`` items (``maxItems`` in the
  document). The maxima used by the routes are the constants below.
"""

from typing import Annotated, Any

from annotated_types import Len
from pydantic import Field

INT64_MAX = 2**63 - 1
INT64_MIN = -(2**63)

Id = Annotated[int, Field(ge=1, le=INT64_MAX)]
Int = Annotated[int, Field(ge=INT64_MIN, le=INT64_MAX)]
Page = Annotated[int, Field(ge=1, le=INT64_MAX)]
PageSize = Annotated[int, Field(ge=1, le=INT64_MAX)]

MAX_PAGE = 100_000
"""The last page number a list answers; a larger one gives the same (empty) page."""

# The maxima of lists in requests (documented in docs/permissions.md's API section and
# in the OpenAPI document as maxItems).
MAX_IDS = 200
"""Ids of rows to act on at once (households moved between grids, photos of a case)."""
MAX_PERSONS = 50
"""Persons named in one event or one application."""
MAX_ITEMS = 100
"""Lines of one request: materials, incomes, assets, members, parts."""
MAX_RESULTS = 10_000
"""Bank results posted for one payment batch (a county's monthly batch is a few thousand lines)."""
MAX_KEYS = 50
"""Keys of a free-form object (a transition's fields)."""


class BoundedList:
    """``BoundedList[T, n]``: a list of ``T`` of at most ``n`` items (422 past it).

    ``BoundedList[int, 200]`` is ``Annotated[list[int], Len(0, 200)]``; pydantic checks
    the length before it validates any item, and the OpenAPI document says ``maxItems``.
    """

    def __class_getitem__(cls, params: tuple[Any, int]):
        item, max_items = params
        return Annotated[list[item], Len(0, max_items)]


def paging(page: int, page_size: int, max_size: int = 200) -> tuple[int, int, int]:
    """``(page_size, page, start)``: page_size clamped to 1 … ``max_size``, page to
    1 … :data:`MAX_PAGE`, and the row offset of the page's first row."""
    page_size, page = max(1, min(page_size, max_size)), max(1, min(page, MAX_PAGE))
    return page_size, page, (page - 1) * page_size
