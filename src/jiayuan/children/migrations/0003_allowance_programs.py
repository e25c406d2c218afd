"""The two children's allowances as assistance programs (DOMAIN.md "Children's
allowances"), seeded here by the module that owns the children's files. Amounts are
ProgramParameter rows (provincial standards) entered with effective dates."""

from django.db import migrations

PROGRAMS = [
    ("orphan_allowance", "孤儿基本生活费", "国办发〔2010〕54号（孤儿基本生活费）", 80),
    ("de_facto_unsupported_allowance", "事实无人抚养儿童基本生活补贴", "民发〔2019〕62号（事实无人抚养儿童基本生活补贴）", 90),
]


def seed(apps, schema_editor):
    Program = apps.get_model("assistance", "Program")
    for code, name, policy, sort in PROGRAMS:
        Program.objects.update_or_create(code=code, defaults={
            "name": name, "unit": "person", "department": "民政", "policy": policy, "sort": sort, "monthly": True})


class Migration(migrations.Migration):
    dependencies = [("children", "0002_file_closing"), ("assistance", "0005_enrollment_payee_account_cipher")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
