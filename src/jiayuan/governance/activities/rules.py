"""Pure rules of activities and volunteer service (no Django, no I/O).

志愿服务条例 (2017) art. 19: the organization records each volunteer's service —
content, hours, evaluation — truthfully, and issues a record of service (志愿服务记录证明)
on request, free of charge.
"""

from datetime import date
from decimal import Decimal, InvalidOperation

from jiayuan.people.rules import N_, RuleError

KIND_NAMES = (N_("道德讲堂"), N_("亲情教育"), N_("感恩教育"), N_("心理辅导讲座"), N_("主题教育"), N_("假期读书周"),
              N_("家庭亲情日"), N_("爱心奉献日"), N_("抵制非法出版物宣传"), N_("农家书屋、社区图书角阅读"),
              N_("志愿服务活动"))

# The shipped kinds (code, name): seeded by migration 0005 (a frozen copy) and loaded
# again by :func:`..activities.services.load_activity_kinds` (the demo).
SHIPPED_KINDS = (
    ("moral_lecture", "道德讲堂"), ("family_education", "亲情教育"), ("gratitude_education", "感恩教育"),
    ("counselling_talk", "心理辅导讲座"), ("theme_education", "主题教育"), ("reading_week", "假期读书周"),
    ("family_day", "家庭亲情日"), ("dedication_day", "爱心奉献日"), ("anti_illegal_publications", "抵制非法出版物宣传"),
    ("reading", "农家书屋、社区图书角阅读"), ("volunteer_service", "志愿服务活动"),
)

MAX_HOURS_PER_DAY = Decimal("24")
HOURS_STEP = Decimal("0.5")


def check_activity(*, title: str, held_on: date | None, today: date, organizer_name: str,
                   participant_count: int | None, named: int) -> list[RuleError]:
    """Every error of an activity: title, a date not in the future, the organizer, and
    a count of participants at least the number of named residents (``named``)."""
    errors = []
    if not (title or "").strip():
        errors.append(RuleError("activity.title", N_("请填写活动名称"), field="title"))
    if held_on is None:
        errors.append(RuleError("activity.held_on", N_("请填写活动日期"), field="held_on"))
    elif held_on > today:
        errors.append(RuleError("activity.held_on_future", N_("活动日期不能晚于今天（活动结束后登记）"), field="held_on"))
    if not (organizer_name or "").strip():
        errors.append(RuleError("activity.organizer", N_("请填写主办方"), field="organizer_name"))
    if participant_count is None or participant_count < named:
        errors.append(RuleError("activity.count", N_("参加人数不能少于登记的参加居民 %(n)s 人"), {"n": named},
                                field="participant_count"))
    return errors


def parse_hours(text) -> Decimal | None:
    """``text`` as a Decimal; None when it is not a finite number (NaN compares by raising)."""
    try:
        d = Decimal(str(text).strip())
    except (InvalidOperation, ValueError):
        return None
    return d if d.is_finite() else None


def check_service(*, served_on: date | None, today: date, content: str, hours, evaluation: str,
                  evaluations) -> list[RuleError]:
    """Every error of a service record: a date not in the future, the content, hours
    in half hours above 0 and at most 24, an evaluation from ``evaluations``."""
    errors = []
    if served_on is None:
        errors.append(RuleError("service.served_on", N_("请填写服务日期"), field="served_on"))
    elif served_on > today:
        errors.append(RuleError("service.served_on_future", N_("服务日期不能晚于今天"), field="served_on"))
    if not (content or "").strip():
        errors.append(RuleError("service.content", N_("请如实填写服务内容"), field="content"))
    h = parse_hours(hours) if hours is not None else None
    if h is None or h <= 0 or h > MAX_HOURS_PER_DAY or h % HOURS_STEP != 0:
        errors.append(RuleError("service.hours", N_("服务时长须大于 0、不超过 24 小时，以半小时计"), field="hours"))
    if evaluation not in evaluations:
        errors.append(RuleError("service.evaluation", N_("请选择服务评价"), field="evaluation"))
    return errors


def total_hours(hours) -> Decimal:
    """The sum of confirmed hours (``Decimal``, one decimal)."""
    return sum((Decimal(h) for h in hours), Decimal("0")).quantize(Decimal("0.1"))


def certificate_number(region_code: str, year: int, pk: int) -> str:
    """``ZYFW-<region>-<year>-<pk, 5 digits>``, e.g. ``ZYFW-620702001001-2026-00012``."""
    return f"ZYFW-{region_code}-{year}-{pk:05d}"
