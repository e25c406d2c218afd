"""The shipped service catalog, seal-use list (national negative list of 20, 民发〔2020〕20号,
and examples of allowed kinds) and community work access list (servicecenter/data/).
Later changes to the files are loaded by ``jiayuan load_servicecenter_catalogs``."""

import json
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data"


def _load(name):
    return json.loads((DATA / name).read_text(encoding="utf-8"))


def forwards(apps, schema_editor):
    ServiceItem = apps.get_model("servicecenter", "ServiceItem")
    SealScopeItem = apps.get_model("servicecenter", "SealScopeItem")
    AccessListItem = apps.get_model("servicecenter", "AccessListItem")
    for i, item in enumerate(_load("service_items.json")["items"]):
        ServiceItem.objects.update_or_create(code=item["code"], defaults={
            "name": item["name"], "area": item["area"], "time_limit_days": item["time_limit_days"],
            "materials": item.get("materials", []), "department_names": item.get("department_names", ""),
            "community_completable": item.get("community_completable", False), "public": item.get("public", True),
            "legal_basis": item.get("legal_basis", ""), "description": item.get("description", ""),
            "sort": (i + 1) * 10})
    seal = _load("seal_scope.json")
    for i, row in enumerate(seal["forbidden"]):
        SealScopeItem.objects.update_or_create(code=row["code"], defaults={
            "name": row["name"], "list_kind": "forbidden", "source": "national",
            "legal_basis": row.get("legal_basis", "民发〔2020〕20号"),
            "reason": row.get("reason", seal["national_forbidden_reason"]), "aliases": row.get("aliases", ""),
            "sort": i + 1})
    for i, row in enumerate(seal["allowed"]):
        SealScopeItem.objects.update_or_create(code=row["code"], defaults={
            "name": row["name"], "list_kind": "allowed", "source": "local", "legal_basis": row.get("legal_basis", ""),
            "template": row.get("template", ""), "aliases": row.get("aliases", ""), "sort": i + 1})
    for i, row in enumerate(_load("access_list.json")["items"]):
        AccessListItem.objects.update_or_create(code=row["code"], defaults={
            "name": row["name"], "category": row["category"], "legal_basis": row.get("legal_basis", ""),
            "sort": i + 1})


class Migration(migrations.Migration):
    dependencies = [("servicecenter", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
