"""Seed the official calendar with every year the pinned chinese-calendar package covers
(2004–2026 for 1.11): its holidays (放假, weekend days inside a holiday included) and its
make-up working days (调休上班), each year's source recorded. Behaviour for these years is
the package's exactly (cases/tests/test_official_calendar.py compares every day).

``seed`` runs again after every ``migrate`` and after a test flush (apps.py): it writes
only when the table is empty, so it never touches years entered by an administrator."""

from django.db import migrations
from django.utils import timezone

FIRST_YEAR, LAST_YEAR = 2004, 2026
SOURCE = "chinese-calendar 1.11 (国务院办公厅通知)"
# the package's English names of holidays → the names the notices use
NAMES = {
    "New Year's Day": "元旦", "Spring Festival": "春节", "Tomb-sweeping Day": "清明节", "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节", "National Day": "国庆节", "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}


def seed(apps, schema_editor):
    import chinese_calendar

    if apps is None:  # after migrate / flush (apps.py): the current models
        from jiayuan.cases.models import OfficialCalendarDay as Day
        from jiayuan.cases.models import OfficialCalendarYear as Year
    else:
        Year = apps.get_model("cases", "OfficialCalendarYear")
        Day = apps.get_model("cases", "OfficialCalendarDay")
    if Year.objects.exists():
        return
    now = timezone.now()
    years = [Year(year=y, source=SOURCE, status="library", entered_at=now) for y in range(FIRST_YEAR, LAST_YEAR + 1)]
    Year.objects.bulk_create(years)
    rows = []
    for kind, table in (("holiday", chinese_calendar.holidays), ("workday", chinese_calendar.workdays)):
        for day, name in table.items():
            if FIRST_YEAR <= day.year <= LAST_YEAR:
                rows.append(Day(day=day, year_id=day.year, kind=kind, name=NAMES.get(name, name)))
    Day.objects.bulk_create(sorted(rows, key=lambda r: r.day), batch_size=500)


def unseed(apps, schema_editor):
    apps.get_model("cases", "OfficialCalendarYear").objects.filter(status="library").delete()


class Migration(migrations.Migration):

    dependencies = [("cases", "0004_official_calendar")]

    operations = [migrations.RunPython(seed, unseed)]


