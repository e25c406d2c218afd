"""Seed the kinds of self-governance bodies (they were made on first use by a GET of the
bodies page, a write on a read). More kinds are rows an administrator adds.

The residents' committee (城市居民委员会组织法 art. 7: 5–9 members) and the villagers'
committee (村民委员会组织法 art. 6: 3–7 members) are kinds too: the committee itself is a
body of its community or village, with its members, terms and elections."""

from django.db import migrations

KINDS = [
    # code, name, min, max, basis, order
    ("residents_committee", "居民委员会", 5, 9, "城市居民委员会组织法第七条", 0),
    ("villagers_committee", "村民委员会", 3, 7, "村民委员会组织法第六条", 1),
    ("mediation", "人民调解委员会", 3, 9, "人民调解法第八条", 2),
    ("public_security", "治安保卫委员会", 0, 0, "治安保卫委员会暂行条例", 3),
    ("weddings_funerals", "红白理事会", 0, 0, "移风易俗，村规民约", 4),
]


def seed(apps, schema_editor):
    BodyKind = apps.get_model("governance", "BodyKind")
    for code, name, lo, hi, basis, order in KINDS:
        BodyKind.objects.update_or_create(code=code, defaults={"name": name, "min_members": lo, "max_members": hi,
                                                               "legal_basis": basis, "order": order})


class Migration(migrations.Migration):
    dependencies = [("governance", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
