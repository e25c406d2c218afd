"""Plain names shared by the application tests, imported by name (the fixtures are in
this folder's conftest.py). Times are aware datetimes in Beijing time."""

import datetime
from zoneinfo import ZoneInfo

BJ = ZoneInfo("Asia/Shanghai")

# Everything a 低保 application needs (HELP_KINDS["subsistence_allowance"]["materials"]).
FULL_DIBAO = ["书面申请", "居民身份证", "户口簿", "家庭收入和财产状况声明", "家庭经济状况核对授权书"]


def at(y, m, d, hh=10, mm=0) -> datetime.datetime:
    return datetime.datetime(y, m, d, hh, mm, tzinfo=BJ)


def app_of(app):
    """The application ``app`` read again, with its case."""
    from jiayuan.assistance.models import AssistanceApplication

    return AssistanceApplication.objects.select_related("case").get(pk=app.pk)
