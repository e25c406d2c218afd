"""Pure rules of a backup's manifest (no Django, no I/O).

A backup directory holds ``database.dump`` (``pg_dump --format=custom``), ``files/`` (the
uploaded files, as under MEDIA_ROOT) and ``manifest.json``::

    {"format": 1, "created_at": "2026-12-07T01:02:03+08:00",
     "database": {"path": "database.dump", "sha256": "…", "size": 123},
     "files": [{"path": "files/cases/2026/12/a.jpg", "sha256": "…", "size": 456}, …],
     "tables": {"people_person": 1000, …},          # rows per table, in the dump's snapshot
     "audit": {"seq": 42, "hash": "…", "algorithm": 2}}  # the chain head, same snapshot
"""

FORMAT = 1
DUMP_NAME = "database.dump"
FILES_DIR = "files"
MANIFEST_NAME = "manifest.json"


def manifest_problems(manifest: object) -> list[str]:
    """What makes ``manifest`` (parsed JSON) not a manifest of this format: a list of
    short keys (empty when it is one): ``format``, ``database``, ``files``, ``tables``,
    ``audit``."""
    if not isinstance(manifest, dict):
        return ["format"]
    out = []
    if manifest.get("format") != FORMAT:
        out.append("format")
    db = manifest.get("database")
    if not (isinstance(db, dict) and db.get("path") == DUMP_NAME and isinstance(db.get("sha256"), str)):
        out.append("database")
    files = manifest.get("files")
    if not (isinstance(files, list) and all(
            isinstance(f, dict) and isinstance(f.get("path"), str) and safe_relative(f["path"])
            and f["path"].startswith(FILES_DIR + "/") and isinstance(f.get("sha256"), str) for f in files)):
        out.append("files")
    tables = manifest.get("tables")
    if not (isinstance(tables, dict) and tables and all(
            isinstance(k, str) and isinstance(v, int) and v >= 0 for k, v in tables.items())):
        out.append("tables")
    audit = manifest.get("audit")
    if not (isinstance(audit, dict) and isinstance(audit.get("seq"), int) and isinstance(audit.get("hash"), str)):
        out.append("audit")
    return out


def safe_relative(path: str) -> bool:
    """A relative POSIX path that stays inside its directory (no ``..``, not absolute,
    no empty part): what a manifest may name."""
    parts = path.split("/")
    return bool(path) and not path.startswith("/") and all(p not in ("", ".", "..") for p in parts) \
        and "\\" not in path and "\x00" not in path


def checksum_failures(expected: dict[str, str], found: dict[str, str | None]) -> list[tuple[str, str]]:
    """Compare checksums by path. ``expected``: path → sha256 from the manifest;
    ``found``: path → sha256 of the file present (None: missing), including paths
    present but not in the manifest. Returns ``(path, reason)`` sorted by path, reason
    one of ``missing``, ``changed``, ``unexpected``."""
    out = []
    for path in sorted(set(expected) | set(found)):
        if path not in expected:
            out.append((path, "unexpected"))
        elif found.get(path) is None:
            out.append((path, "missing"))
        elif found[path] != expected[path]:
            out.append((path, "changed"))
    return out


def count_differences(expected: dict[str, int], found: dict[str, int]) -> list[tuple[str, int | None, int | None]]:
    """``(table, expected rows, found rows)`` for every table whose count differs or
    that is on one side only (None for the missing side), sorted by table."""
    return [(t, expected.get(t), found.get(t)) for t in sorted(set(expected) | set(found))
            if expected.get(t) != found.get(t)]
