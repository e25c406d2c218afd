"""PostgreSQL search indexes and the standard tag kinds.

On PostgreSQL (any collation), prefix LIKE needs ``varchar_pattern_ops``; the name
fragment search uses a GIN full-text index over the name's unigrams and bigrams
(``name_grams``), which works for one- and two-character Chinese fragments where
trigrams cannot. SQLite uses its ordinary indexes and LIKE.
"""

from django.db import migrations

# Scope prefix LIKE on a plain ``region_code`` uses the ``*_region_code_*_like`` index
# Django creates itself for every indexed varchar column; a second copy would only cost
# writes (``bench/search.py``, docs/performance.md).
PG_INDEXES = [
    ("person_initials_like", "people_person", "name_initials varchar_pattern_ops, region_code"),
    ("person_pinyin_like", "people_person", "name_pinyin varchar_pattern_ops, region_code"),
    ("tag_region_like", "people_persontag", "region_code varchar_pattern_ops, kind_id"),
    ("region_code_like", "regions_region", "code varchar_pattern_ops"),
    ("audit_region_like", "audit_auditentry", "region_code varchar_pattern_ops, seq"),
]

# Finer planner statistics for the pinyin prefix searches: with the default 100 histogram
# buckets a rare prefix (``kfs%``) is estimated at thousands of rows instead of a handful,
# and the planner then walks the primary key for the first page (bench/search.py,
# docs/performance.md).
PG_STATISTICS = [
    ("people_person", "name_initials", 1000),
    ("people_person", "name_pinyin", 1000),
]

TAG_KINDS = [
    ("subsistence_allowance", "低保对象", "享受最低生活保障的家庭成员", 10),
    ("extreme_poverty", "特困人员", "特困人员救助供养对象", 20),
    ("low_income", "低收入人口", "低保边缘及其他低收入人口", 30),
    ("disabled", "残疾人", "持第二代残疾人证", 40),
    ("left_behind_child", "留守儿童", "农村留守儿童（国发〔2016〕13号）", 50),
    ("child_in_difficulty", "困境儿童", "困境儿童（国发〔2016〕36号）", 60),
    ("unsupported_child", "事实无人抚养儿童", "民发〔2019〕62号", 70),
    ("empty_nest_elderly", "空巢老人", "子女不在身边的老年人", 80),
    ("elderly_living_alone", "独居老人", "独自居住的老年人", 90),
    ("disabled_elderly", "失能老人", "经能力评估为失能或半失能的老年人", 100),
    ("entitled_group", "优抚对象", "退役军人及其他优抚对象", 110),
]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cur:
            for name, table, cols in PG_INDEXES:
                cur.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} ({cols})")
            cur.execute(
                "CREATE INDEX IF NOT EXISTS person_name_grams_gin ON people_person "
                "USING gin (to_tsvector('simple'::regconfig, name_grams))"
            )
            for table, column, target in PG_STATISTICS:
                cur.execute(f"ALTER TABLE {table} ALTER COLUMN {column} SET STATISTICS {target}")
            # Django gives the unique index of a CharField a varchar_pattern_ops twin for
            # LIKE; nobody searches a keyed hash by prefix, so the twin only slows every
            # registration (a random 64-character key: about a tenth of what PostgreSQL
            # spends inserting persons in a bulk load, docs/performance.md).
            cur.execute(
                "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() "
                "AND tablename = 'people_person' AND indexdef LIKE '%(id_number_hash varchar_pattern_ops)'"
            )
            for (name,) in cur.fetchall():
                cur.execute(f'DROP INDEX IF EXISTS "{name}"')
    TagKind = apps.get_model("people", "TagKind")
    for code, name, desc, sort in TAG_KINDS:
        TagKind.objects.update_or_create(code=code, defaults={"name": name, "description": desc, "sort": sort})


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cur:
            for name in [n for n, _t, _c in PG_INDEXES] + ["person_region_like", "household_region_like"]:
                cur.execute(f"DROP INDEX IF EXISTS {name}")
            cur.execute("DROP INDEX IF EXISTS person_name_grams_gin")
            for table, column, _target in PG_STATISTICS:
                cur.execute(f"ALTER TABLE {table} ALTER COLUMN {column} SET STATISTICS -1")


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0001_initial"),
        ("regions", "0001_initial"),
        ("audit", "0001_initial"),
    ]
    operations = [migrations.RunPython(forwards, backwards)]
