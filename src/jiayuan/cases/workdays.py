"""The official working-day calendar (国务院办公厅 annual holiday notices), from the
``chinese-calendar`` package: public holidays off, make-up working days (调休上班) on.

The package covers the years it was released for (1.11.0: 2004–2026). For a later
year it raises; we then fall back to Monday–Friday and log a warning once a year, so
that deadlines are still computed (slightly wrong around that year's holidays) until
the package is updated — updating it is a yearly maintenance step (docs/cases.md).
"""

import logging
from datetime import date
from functools import lru_cache

import chinese_calendar

log = logging.getLogger(__name__)


@lru_cache(maxsize=4096)
def is_workday(day: date) -> bool:
    """Whether ``day`` is a working day in mainland China's official calendar."""
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        _warn_year(day.year)
        return day.weekday() < 5


@lru_cache(maxsize=64)
def _warn_year(year: int) -> None:
    log.warning("chinese-calendar 没有 %s 年的节假日数据：按周一至周五计算工作日，请升级该软件包", year)
