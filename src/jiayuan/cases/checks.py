"""System checks of the case engine (``jiayuan check --database default``).

``cases.W001``: departments whose code or name carries control or invisible characters.
Since issue 11 the service and the model refuse them (:func:`.models.department_text_problems`);
rows written before that (a fuzzer's ``\\x14ñK…`` departments) are listed so that an
administrator renames or deactivates them — they would otherwise stay in the dispatch lists.
"""

from django.core.checks import Tags, Warning, register
from django.db import connections


@register(Tags.database)
def departments_with_control_characters(app_configs=None, databases=None, **kwargs):
    """One warning listing the departments (id, code as repr) to clean, on every database
    asked for whose tables exist (``migrate`` runs database checks before creating them)."""
    from .models import Department, department_text_problems

    out = []
    for alias in databases or ():
        if Department._meta.db_table not in connections[alias].introspection.table_names():
            continue
        bad = [d for d in Department.objects.using(alias).only("pk", "code", "name").order_by("pk")
               if department_text_problems(d.code, d.name)]
        if bad:
            listed = ", ".join(f"#{d.pk} {d.code!r}" for d in bad[:20]) + (" …" if len(bad) > 20 else "")
            out.append(Warning(
                f"{len(bad)} 个职能部门的代码或名称含有不可见的控制字符：{listed}",
                hint="请更正其名称和代码，或停用：Department.objects.filter(pk=…).update(active=False)",
                obj=f"database {alias}", id="cases.W001"))
    return out
