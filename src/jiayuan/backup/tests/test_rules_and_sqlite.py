"""The manifest's pure rules, and the refusal on SQLite."""

import pytest
from django.core.management import call_command
from django.db import connection

from jiayuan.backup import rules


def test_checksum_failures_by_path():
    expected = {"database.dump": "a", "files/x.jpg": "b", "files/y.jpg": "c"}
    found = {"database.dump": "a", "files/x.jpg": "B", "files/y.jpg": None, "files/z.jpg": "d"}
    assert rules.checksum_failures(expected, found) == [
        ("files/x.jpg", "changed"), ("files/y.jpg", "missing"), ("files/z.jpg", "unexpected")]
    assert rules.checksum_failures(expected, dict(expected)) == []


def test_count_differences():
    assert rules.count_differences({"a": 1, "b": 2, "c": 0}, {"a": 1, "b": 3, "d": 5}) == [
        ("b", 2, 3), ("c", 0, None), ("d", None, 5)]


@pytest.mark.parametrize("path,ok", [("files/a/b.jpg", True), ("../etc/passwd", False), ("/etc/passwd", False),
                                     ("files//a", False), ("files/./a", False), ("files/a\\..\\b", False)])
def test_safe_relative(path, ok):
    assert rules.safe_relative(path) is ok


def test_manifest_problems():
    good = {"format": 1, "database": {"path": "database.dump", "sha256": "x"},
            "files": [{"path": "files/a.jpg", "sha256": "y"}], "tables": {"t": 3}, "audit": {"seq": 1, "hash": "h"}}
    assert rules.manifest_problems(good) == []
    bad = {**good, "files": [{"path": "files/../../x", "sha256": "y"}], "tables": {}}
    assert rules.manifest_problems(bad) == ["files", "tables"]
    assert rules.manifest_problems([]) == ["format"]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite answer")
def test_backup_on_sqlite_says_it_needs_postgresql(tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        call_command("backup", str(tmp_path / "b"))
    assert exc.value.code == 1
    err = capsys.readouterr().err
    assert "备份与恢复需要 PostgreSQL" in err and "复制整个 var 目录" in err
    assert not (tmp_path / "b").exists()
