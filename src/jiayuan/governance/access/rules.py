"""Pure rules of the burden tally. No Django, no I/O."""

from datetime import date


def month_start(d: date) -> date:
    return d.replace(day=1)


def add_months(first: date, n: int) -> date:
    """The first day of the month ``n`` months after (before, n < 0) ``first``'s month."""
    index = first.year * 12 + (first.month - 1) + n
    return date(index // 12, index % 12 + 1, 1)


def months_back(last: date, count: int) -> list[date]:
    """The first days of the ``count`` months ending with ``last``'s month, oldest first:
    ``months_back(2026-03-15, 3)`` → 2026-01-01, 2026-02-01, 2026-03-01."""
    end = month_start(last)
    return [add_months(end, -i) for i in range(count - 1, -1, -1)]


def trend(values: list[int]) -> str:
    """``up``, ``down`` or ``flat``: the last month against the mean of the months
    before it (a single month is flat)."""
    if len(values) < 2:
        return "flat"
    before = sum(values[:-1]) / (len(values) - 1)
    if values[-1] > before:
        return "up"
    if values[-1] < before:
        return "down"
    return "flat"
