"""Pure rules of the case engine: case numbers, time limits in working days or hours,
due-soon/overdue flags, and point-in-polygon for placing a report in a grid.

No Django import and no I/O here. The official holiday calendar enters as a function
``is_workday(date) -> bool`` (see :mod:`jiayuan.cases.workdays`), so these rules are
tested with the real calendar and with hand-made ones alike.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

UNIT_WORKING_DAYS = "working_days"
UNIT_HOURS = "hours"
UNITS = (UNIT_WORKING_DAYS, UNIT_HOURS)

ON_EXCEED_WARN = "warn"
ON_EXCEED_ESCALATE = "escalate"
ON_EXCEED = (ON_EXCEED_WARN, ON_EXCEED_ESCALATE)

# A day's work ends at the end of the day: a limit of N working days is met when the
# work is done by 23:59:59 (Beijing time) of the Nth working day after the day the
# case entered the state (that day itself is not counted, as 受理之日起 N 个工作日 is read
# in practice: 受理当日不计入).
END_OF_DAY = time(23, 59, 59)


@dataclass(frozen=True)
class Limit:
    """A time limit: ``amount`` (> 0) of ``unit`` (working_days or hours)."""

    amount: int
    unit: str

    def __post_init__(self):
        if self.unit not in UNITS:
            raise ValueError(f"时限单位无效：{self.unit!r}（应为 {' 或 '.join(UNITS)}）")
        if not isinstance(self.amount, int) or isinstance(self.amount, bool) or self.amount <= 0:
            raise ValueError(f"时限须为正整数：{self.amount!r}")

    @classmethod
    def parse(cls, value) -> "Limit | None":
        """From ``{"amount": 3, "unit": "working_days"}``, ``"3wd"`` / ``"24h"``, or None."""
        if value in (None, "", {}):
            return None
        if isinstance(value, Limit):
            return value
        if isinstance(value, str):
            text = value.strip().lower()
            if text.endswith("wd"):
                return cls(int(text[:-2]), UNIT_WORKING_DAYS)
            if text.endswith("h"):
                return cls(int(text[:-1]), UNIT_HOURS)
            raise ValueError(f"时限格式无效：{value!r}（例如 3wd 表示 3 个工作日，24h 表示 24 小时）")
        if isinstance(value, dict):
            return cls(value.get("amount"), value.get("unit"))
        raise ValueError(f"时限格式无效：{value!r}")

    def as_dict(self) -> dict:
        return {"amount": self.amount, "unit": self.unit}

    def label(self) -> str:
        return f"{self.amount} 个工作日" if self.unit == UNIT_WORKING_DAYS else f"{self.amount} 小时"


def add_working_days(start: date, n: int, is_workday: Callable[[date], bool]) -> date:
    """The ``n``-th working day after ``start`` (``start`` itself not counted); n ≥ 1.

    >>> # with Mon–Fri as working days: Friday 2025-09-26 + 1 → Monday 2025-09-29
    """
    if n < 1:
        raise ValueError("n must be at least 1")
    d, counted = start, 0
    while counted < n:
        d += timedelta(days=1)
        if is_workday(d):
            counted += 1
    return d


def working_days_between(start: date, end: date, is_workday: Callable[[date], bool]) -> int:
    """Working days in (start, end], i.e. after ``start`` up to and including ``end``."""
    n, d = 0, start
    while d < end:
        d += timedelta(days=1)
        if is_workday(d):
            n += 1
    return n


@dataclass(frozen=True)
class Due:
    """When a state's time limit runs out (``due_at``) and from when it counts as due
    soon (``due_soon_at``). Both aware datetimes."""

    due_at: datetime
    due_soon_at: datetime


def compute_due(entered_at: datetime, limit: Limit, tz: tzinfo, is_workday: Callable[[date], bool]) -> Due:
    """Deadline of a state entered at ``entered_at`` (aware) under ``limit``.

    - working days: end of the N-th working day after the local day of entry
      (:data:`END_OF_DAY`); due soon from the start of that last working day
      (for a 1-day limit: from the start of that day as well).
    - hours: wall-clock hours after entry (holidays do not stop the clock; limits in
      hours are for urgent matters); due soon in the last quarter of the period, at
      least the last hour.
    """
    if limit.unit == UNIT_HOURS:
        due = entered_at + timedelta(hours=limit.amount)
        soon = max(timedelta(hours=1), timedelta(hours=limit.amount) / 4)
        return Due(due, due - min(soon, timedelta(hours=limit.amount)))
    local_day = entered_at.astimezone(tz).date()
    last = add_working_days(local_day, limit.amount, is_workday)
    due = datetime.combine(last, END_OF_DAY, tzinfo=tz)
    soon = datetime.combine(last, time(0, 0), tzinfo=tz)
    return Due(due, soon)


def deadline_flag(now: datetime, due_at: datetime | None, due_soon_at: datetime | None) -> str:
    """``"overdue"``, ``"due_soon"`` or ``""`` (no limit, or time enough)."""
    if due_at is None:
        return ""
    if now > due_at:
        return "overdue"
    if due_soon_at is not None and now >= due_soon_at:
        return "due_soon"
    return ""


# --- case numbers ----------------------------------------------------------------

def number_region(region_code: str) -> str:
    """The 12-digit region part of a case number: a grid's community code, or a higher
    region's statistical code padded with zeros (东街街道 620702001 → 620702001000)."""
    if not region_code.isdigit():
        raise ValueError(f"区划代码格式错误：{region_code!r}")
    return region_code[:12].ljust(12, "0")


def format_case_number(region_code: str, day: date, sequence: int) -> str:
    """``<12-digit region code>-<YYYYMMDD>-<sequence>`` with the sequence zero-padded to
    four digits (more when a region passes 9999 cases in a day)."""
    return f"{number_region(region_code)}-{day:%Y%m%d}-{sequence:04d}"


def parse_case_number(number: str) -> tuple[str, date, int] | None:
    """(region12, day, sequence) of a well-formed case number, else None."""
    parts = (number or "").strip().split("-")
    if len(parts) != 3 or len(parts[0]) != 12 or not parts[0].isdigit() or len(parts[1]) != 8:
        return None
    if not parts[1].isdigit() or not parts[2].isdigit():
        return None
    try:
        day = date(int(parts[1][:4]), int(parts[1][4:6]), int(parts[1][6:]))
    except ValueError:
        return None
    return parts[0], day, int(parts[2])


# --- geometry ----------------------------------------------------------------------

def _in_ring(lon: float, lat: float, ring) -> bool:
    inside = False
    n = len(ring)
    j = n - 1
    for i in range(n):
        xi, yi = float(ring[i][0]), float(ring[i][1])
        xj, yj = float(ring[j][0]), float(ring[j][1])
        if (yi > lat) != (yj > lat):
            x_cross = (xj - xi) * (lat - yi) / (yj - yi) + xi
            if lon < x_cross:
                inside = not inside
        j = i
    return inside


def point_in_geojson(lon: float, lat: float, geometry: dict | None) -> bool:
    """Whether the point (longitude, latitude) lies in a GeoJSON Polygon or MultiPolygon
    (first ring the outline, further rings holes). Ray casting on plane coordinates,
    which is exact enough at the size of a grid."""
    if not isinstance(geometry, dict):
        return False
    kind = geometry.get("type")
    coords = geometry.get("coordinates") or []
    polygons = coords if kind == "MultiPolygon" else [coords] if kind == "Polygon" else []
    for poly in polygons:
        if not poly:
            continue
        if _in_ring(lon, lat, poly[0]) and not any(_in_ring(lon, lat, hole) for hole in poly[1:]):
            return True
    return False


def geojson_bbox(geometry: dict | None) -> tuple[float, float, float, float] | None:
    """(min_lon, min_lat, max_lon, max_lat) of a Polygon/MultiPolygon, else None."""
    if not isinstance(geometry, dict):
        return None
    kind = geometry.get("type")
    coords = geometry.get("coordinates") or []
    polygons = coords if kind == "MultiPolygon" else [coords] if kind == "Polygon" else []
    pts = [(float(p[0]), float(p[1])) for poly in polygons for ring in poly[:1] for p in ring]
    if not pts:
        return None
    return (min(p[0] for p in pts), min(p[1] for p in pts), max(p[0] for p in pts), max(p[1] for p in pts))


def mask_name(name: str) -> str:
    """Show a person's name to the public: 张建国 → 张*国, 李四 → 李*."""
    name = name or ""
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]
