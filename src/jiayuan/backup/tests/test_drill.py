"""The backup drill (issue 17, "Backups"), on PostgreSQL: build data, ``jiayuan backup``,
``jiayuan restore`` into another (empty) database and file store through the real
command in a subprocess, compare every table's row count and content fingerprint and
every file; then a backup with one changed file, one with a changed dump and one with
an extra file are refused before anything is restored; a backup into a directory that
is not empty, and a restore into a database that is not empty, are refused.

Skipped on SQLite (``jiayuan backup`` says there that it needs PostgreSQL: tested in
test_rules_and_sqlite.py)."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection

from jiayuan.audit.selectors import verify_chain
from jiayuan.backup import rules, selectors, services
from jiayuan.tests.pgdb import EmptyDatabases

pytestmark = [
    pytest.mark.drill,
    pytest.mark.skipif(connection.vendor != "postgresql",
                       reason="备份与恢复需要 PostgreSQL（pg_dump/pg_restore）；SQLite 上不运行此演练"),
]

PHOTO = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 8 + b"\xff\xd9"


@pytest.fixture
def databases():
    dbs = EmptyDatabases()
    yield dbs
    dbs.drop_all()


def _cli(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "jiayuan.cli", *args], env=env, capture_output=True, text=True,
                          timeout=600)


def _env(url: str, var: Path) -> dict:
    return {**os.environ, "DATABASE_URL": url, "JIAYUAN_VAR_DIR": str(var), "PYTHONPATH": os.pathsep.join(sys.path)}


FINGERPRINTS = ("import django, json, os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'jiayuan.settings')\n"
                "django.setup()\nfrom jiayuan.backup.selectors import table_fingerprints, table_names\n"
                "print(json.dumps({'tables': table_fingerprints()}))")


def _fingerprints(env: dict) -> dict:
    done = subprocess.run([sys.executable, "-c", FINGERPRINTS], env=env, capture_output=True, text=True, timeout=300,
                          check=True)
    return {t: tuple(v) for t, v in json.loads(done.stdout)["tables"].items()}


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_backup_restore_compare_and_refuse_tampered(transactional_db, audit_log_flushable, make_person,
                                                      media_root, tmp_path, databases):
    # Data: 30 persons (each with its audit entries) and two uploaded files.
    for i in range(30):
        make_person(name=f"演练{chr(0x4e00 + i)}")
    default_storage.save("cases/2026/12/photo.jpg", ContentFile(PHOTO))
    default_storage.save("imports/roster.csv", ContentFile("姓名,身份证号\n张三,\n".encode()))
    source = selectors.table_fingerprints()
    assert source["people_person"][0] >= 30 and source["audit_auditentry"][0] >= 30

    backup_dir = tmp_path / "backup"
    done = services.backup(backup_dir)
    m = done.manifest
    assert m["tables"] == {t: n for t, (n, _) in source.items()}
    chain = verify_chain()
    assert chain.ok and m["audit"] == {"seq": chain.head_seq, "hash": chain.head_hash, "algorithm": 2}
    assert sorted(f["path"] for f in m["files"]) == ["files/cases/2026/12/photo.jpg", "files/imports/roster.csv"]
    assert (backup_dir / "files/cases/2026/12/photo.jpg").read_bytes() == PHOTO

    # A backup into a directory that is not empty is refused.
    with pytest.raises(services.BackupError, match="不是空目录"):
        services.backup(backup_dir)

    # Restore into another, empty database and file store, through the real command.
    _name, url = databases.make()
    env = _env(url, tmp_path / "restored")
    out = _cli(env, "restore", str(backup_dir))
    assert out.returncode == 0, out.stderr
    assert "恢复完成并已校验" in out.stdout
    assert _fingerprints(env) == source  # every table: same rows, same content
    assert _files(tmp_path / "restored" / "media") == _files(Path(media_root))

    # Restoring again into the now filled database is refused (nothing overwritten).
    again = _cli(env, "restore", str(backup_dir))
    assert again.returncode == 1 and "不是空的" in again.stderr and "Traceback" not in again.stderr

    # Tampered backups are refused before anything is written.
    cases = {
        "file": lambda d: (d / "files/cases/2026/12/photo.jpg").write_bytes(PHOTO[:-1] + b"\x00"),
        "dump": lambda d: (d / rules.DUMP_NAME).open("ab").write(b"\x00"),
        "extra": lambda d: (d / "files/imports/added.csv").write_bytes(b"x"),
        "missing": lambda d: (d / "files/imports/roster.csv").unlink(),
    }
    expected = {"file": "files/cases/2026/12/photo.jpg（校验和不符）", "dump": "database.dump（校验和不符）",
                "extra": "files/imports/added.csv（不在清单中）", "missing": "files/imports/roster.csv（缺失）"}
    for what, tamper in cases.items():
        copy = tmp_path / f"tampered-{what}"
        shutil.copytree(backup_dir, copy)
        tamper(copy)
        name2, url2 = databases.make()
        env2 = _env(url2, tmp_path / f"restored-{what}")
        refused = _cli(env2, "restore", str(copy))
        assert refused.returncode == 1, refused.stdout
        assert "备份校验失败，拒绝恢复" in refused.stderr and expected[what] in refused.stderr, refused.stderr
        assert "Traceback" not in refused.stderr
        import psycopg

        with psycopg.connect(url2) as conn:  # nothing restored
            assert conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone()[0] == 0
        assert not (tmp_path / f"restored-{what}" / "media").exists()


def test_an_incomplete_backup_is_refused(tmp_path):
    (tmp_path / rules.DUMP_NAME).write_bytes(b"PGDMP")
    with pytest.raises(services.BackupError, match="没有 manifest.json"):
        services.verify_backup(tmp_path)
