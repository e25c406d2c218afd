"""The shipped grid-event category catalog (grid/data/event_categories.json). Later
changes to the file are loaded by ``jiayuan load_event_categories`` (audited)."""

import json
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data" / "event_categories.json"


def _limits(limits):
    out = {}
    for state, value in (limits or {}).items():
        value = value.strip().lower()
        out[state] = ({"amount": int(value[:-2]), "unit": "working_days"} if value.endswith("wd")
                      else {"amount": int(value[:-1]), "unit": "hours"})
    return out


def forwards(apps, schema_editor):
    EventCategory = apps.get_model("grid", "EventCategory")
    cats = json.loads(DATA.read_text(encoding="utf-8"))["categories"]
    for i, top in enumerate(cats):
        parent, _ = EventCategory.objects.update_or_create(code=top["code"], defaults={
            "name": top["name"], "limits": _limits(top.get("limits")), "public": top.get("public", False),
            "keywords": top.get("keywords", ""), "sort": top.get("sort", (i + 1) * 10), "parent": None})
        for j, child in enumerate(top.get("children", [])):
            EventCategory.objects.update_or_create(code=child["code"], defaults={
                "name": child["name"], "limits": _limits(child.get("limits")), "public": child.get("public", False),
                "keywords": child.get("keywords", ""), "sort": j + 1, "parent": parent})


class Migration(migrations.Migration):
    dependencies = [("grid", "0002_eventcategory")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
