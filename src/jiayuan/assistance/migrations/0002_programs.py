"""Seed the seven programs of the glossary (DOMAIN.md). Amounts and thresholds are not
here: they are ProgramParameter rows entered by administrators with effective dates."""

from django.db import migrations

PROGRAMS = [
    ("subsistence_allowance", "最低生活保障", "household", "民政", "社会救助暂行办法（国务院令第649号）第二章", 10),
    ("extreme_poverty_support", "特困人员救助供养", "person", "民政", "社会救助暂行办法第三章；国发〔2016〕14号", 20),
    ("temporary_assistance", "临时救助", "household", "民政", "社会救助暂行办法第十一章；国发〔2014〕47号", 30),
    ("disability_living_allowance", "困难残疾人生活补贴", "person", "民政", "国发〔2015〕52号", 40),
    ("disability_care_allowance", "重度残疾人护理补贴", "person", "民政", "国发〔2015〕52号", 50),
    ("elderly_allowance", "高龄津贴", "person", "民政", "地方高龄津贴制度（按年龄段）", 60),
    ("elderly_care_allowance", "养老服务补贴", "person", "民政", "财社〔2014〕113号（经济困难的高龄、失能等老年人补贴）", 70),
]


def seed(apps, schema_editor):
    Program = apps.get_model("assistance", "Program")
    for code, name, unit, dept, policy, sort in PROGRAMS:
        Program.objects.update_or_create(
            code=code,
            defaults={"name": name, "unit": unit, "department": dept, "policy": policy, "sort": sort,
                      "monthly": code != "temporary_assistance"},
        )


class Migration(migrations.Migration):
    dependencies = [("assistance", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
