"""Seed the kinds of community education activities named in the city's report (more
are rows an administrator adds)."""

from django.db import migrations

KINDS = [
    ("moral_lecture", "道德讲堂"), ("family_education", "亲情教育"), ("gratitude_education", "感恩教育"),
    ("counselling_talk", "心理辅导讲座"), ("theme_education", "主题教育"), ("reading_week", "假期读书周"),
    ("family_day", "家庭亲情日"), ("dedication_day", "爱心奉献日"), ("anti_illegal_publications", "抵制非法出版物宣传"),
    ("reading", "农家书屋、社区图书角阅读"), ("volunteer_service", "志愿服务活动"),
]


def seed(apps, schema_editor):
    ActivityKind = apps.get_model("governance", "ActivityKind")
    for i, (code, name) in enumerate(KINDS):
        ActivityKind.objects.update_or_create(code=code, defaults={"name": name, "order": i})


class Migration(migrations.Migration):
    dependencies = [("governance", "0004_activities_volunteers")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
