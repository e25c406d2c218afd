"""Certificate.verify_code (issue 11, finding 9): public verification needs the number and
this code. AddField gives every existing row the same code (Django evaluates a callable
default once for the table), so the data migration then draws its own code for each
certificate already issued."""

import secrets

from django.db import migrations, models

import jiayuan.servicecenter.models

# Frozen copy of models.new_verify_code (a migration must not change with the code).
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def draw_codes(apps, schema_editor):
    Certificate = apps.get_model("servicecenter", "Certificate")
    for pk in Certificate.objects.values_list("pk", flat=True).iterator():
        Certificate.objects.filter(pk=pk).update(
            verify_code="".join(secrets.choice(ALPHABET) for _ in range(16)))


class Migration(migrations.Migration):

    dependencies = [
        ("servicecenter", "0002_catalogs"),
    ]

    operations = [
        migrations.AddField(
            model_name="certificate",
            name="verify_code",
            field=models.CharField(default=jiayuan.servicecenter.models.new_verify_code, editable=False,
                                   max_length=16, verbose_name="核验码"),
        ),
        migrations.RunPython(draw_codes, migrations.RunPython.noop, elidable=True),
    ]
