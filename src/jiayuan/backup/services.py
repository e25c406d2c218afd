"""``jiayuan backup DIR`` and ``jiayuan restore DIR`` (PostgreSQL only).

Backup (:func:`backup`): in one ``REPEATABLE READ READ ONLY`` transaction the database's
snapshot is exported (``pg_export_snapshot``), the row count of every table and the audit
chain's head are read in it, and ``pg_dump --format=custom --snapshot=…`` dumps exactly
that snapshot, while writers go on. Then the uploaded files (MEDIA_ROOT) are copied to
``DIR/files/`` and hashed (SHA-256), and ``manifest.json`` is written last (by rename):
a directory without it is not a backup. Files uploaded while the backup runs may be in
it or not; a file is stored before the row that names it is committed, so every file
the dump's rows name was already on disk when the snapshot was taken.

Restore (:func:`restore`): refuses before touching anything when the manifest is not
one, when any checksum fails (the dump, a file missing, changed or not in the
manifest), when the database of ``DATABASE_URL`` has any table, or when MEDIA_ROOT has
any file; then ``pg_restore --single-transaction --exit-on-error`` (all or nothing),
copies the files (hashed again while copied), and ends by verifying the audit chain
(its head must be the manifest's) and every table's row count against the manifest.

Errors: :class:`BackupError` with a Chinese message for the operator. The audit chain
is keyed (``JIAYUAN_FIELD_KEY``): restore with the keys of the backed-up installation,
or the chain cannot verify.
"""

import hashlib
import json
import os
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext

from jiayuan.audit.selectors import verify_chain

from . import rules, selectors

CHUNK = 1 << 20


class BackupError(Exception):
    """A backup or restore that cannot be done or did not verify; ``str()`` is the
    Chinese message for the operator."""


@dataclass
class Outcome:
    """What a backup or restore did: the manifest, the dump's size in bytes, the
    number of files and their bytes, the seconds it took."""

    manifest: dict
    dump_bytes: int
    files: int
    file_bytes: int
    seconds: float


def require_postgresql() -> None:
    """Raises BackupError unless the default database is PostgreSQL."""
    if connection.vendor != "postgresql":
        raise BackupError(gettext(
            "备份与恢复需要 PostgreSQL：当前数据库是 %(vendor)s（DATABASE_URL 未指向 PostgreSQL）。"
            "SQLite 演示库的备份办法：先停止服务和后台任务程序，再复制整个 var 目录。") % {"vendor": connection.vendor})


def _pg(program: str) -> tuple[list[str], dict]:
    """The command line start and environment to run ``program`` (pg_dump, pg_restore)
    against the default database."""
    exe = shutil.which(program)
    if exe is None:
        raise BackupError(gettext("找不到 %(program)s：请安装 PostgreSQL 客户端程序（主版本不低于服务器）。")
                          % {"program": program})
    s = connection.settings_dict
    args = [exe, "--host", str(s.get("HOST") or "127.0.0.1"), "--port", str(s.get("PORT") or 5432)]
    if s.get("USER"):
        args += ["--username", s["USER"]]
    env = {**os.environ, "PGCONNECT_TIMEOUT": "10"}
    if s.get("PASSWORD"):
        env["PGPASSWORD"] = s["PASSWORD"]
    return args, env


def _run(argv: list[str], env: dict, program: str) -> None:
    done = subprocess.run(argv, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        raise BackupError(gettext("%(program)s 失败（退出码 %(code)s）：%(error)s")
                          % {"program": program, "code": done.returncode, "error": " / ".join(tail)})


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(CHUNK):
            h.update(block)
    return h.hexdigest()


def _copy_hashing(src: Path, dst: Path) -> tuple[str, int]:
    """Copy ``src`` to ``dst`` (parents made, data synced to disk): its SHA-256 and size."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    h, size = hashlib.sha256(), 0
    with open(src, "rb") as fin, open(dst, "wb") as fout:
        while block := fin.read(CHUNK):
            h.update(block)
            fout.write(block)
            size += len(block)
        fout.flush()
        os.fsync(fout.fileno())
    shutil.copystat(src, dst)
    return h.hexdigest(), size


def _media_files(root: Path) -> list[Path]:
    """Regular files under ``root`` (symbolic links not followed), sorted."""
    if not root.is_dir():
        return []
    out = []
    for base, dirs, names in os.walk(root):
        dirs.sort()
        for n in sorted(names):
            p = Path(base) / n
            if p.is_file() and not p.is_symlink() and not n.startswith(".partial-"):  # storage.py: unfinished
                out.append(p)
    return out


def _empty_or_absent(path: Path) -> bool:
    return not path.exists() or (path.is_dir() and not any(path.iterdir()))


def backup(directory) -> Outcome:
    """Write a consistent backup of the default database and MEDIA_ROOT into
    ``directory`` (absent or empty). Raises BackupError (SQLite, a directory not empty,
    pg_dump failed)."""
    started = time.monotonic()
    require_postgresql()
    out = Path(directory)
    if not _empty_or_absent(out):
        raise BackupError(gettext("备份目录 %(dir)s 不是空目录：请指定新的或空的目录，以免覆盖已有备份。")
                          % {"dir": out})
    try:
        return _backup(out, started)
    except OSError as exc:  # the backup's disk full, or unwritable: no manifest was written
        raise BackupError(gettext("写入备份目录 %(dir)s 时出错：%(error)s。备份不完整（没有 manifest.json），不能用于恢复；"
                                  "请换一个空间足够的空目录重新备份。")
                          % {"dir": out, "error": exc.strerror or exc}) from exc


def _backup(out: Path, started: float) -> Outcome:
    out.mkdir(parents=True, exist_ok=True)
    dump = out / rules.DUMP_NAME
    args, env = _pg("pg_dump")
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        cur.execute("SELECT pg_export_snapshot()")
        snapshot = cur.fetchone()[0]
        tables = selectors.table_counts()
        head = selectors.chain_head()
        # The exporting transaction stays open while pg_dump imports its snapshot.
        _run([*args, "--format=custom", "--no-owner", "--no-privileges", f"--snapshot={snapshot}",
              "--file", str(dump), "--dbname", connection.settings_dict["NAME"]], env, "pg_dump")
    _fsync(dump)
    media = Path(settings.MEDIA_ROOT)
    files, file_bytes = [], 0
    for src in _media_files(media):
        rel = f"{rules.FILES_DIR}/{src.relative_to(media).as_posix()}"
        digest, size = _copy_hashing(src, out / rel)
        files.append({"path": rel, "sha256": digest, "size": size})
        file_bytes += size
    manifest = {
        "format": rules.FORMAT,
        "created_at": timezone.localtime().isoformat(timespec="seconds"),
        "database": {"path": rules.DUMP_NAME, "sha256": sha256_of(dump), "size": dump.stat().st_size,
                     "name": connection.settings_dict["NAME"]},
        "files": files,
        "tables": tables,
        "audit": head,
    }
    tmp = out / (rules.MANIFEST_NAME + ".part")
    tmp.write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    _fsync(tmp)
    tmp.rename(out / rules.MANIFEST_NAME)
    return Outcome(manifest, manifest["database"]["size"], len(files), file_bytes, time.monotonic() - started)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def read_manifest(directory) -> dict:
    """The manifest of the backup in ``directory``. Raises BackupError when it is
    missing, not JSON or not of this format."""
    path = Path(directory) / rules.MANIFEST_NAME
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BackupError(gettext("%(dir)s 不是完整的备份：没有 manifest.json（备份可能中途失败）。")
                          % {"dir": directory}) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BackupError(gettext("无法读取备份清单 %(file)s：%(error)s") % {"file": path, "error": exc}) from None
    problems = rules.manifest_problems(manifest)
    if problems:
        raise BackupError(gettext("备份清单 %(file)s 格式不对（%(fields)s）：不是本程序写的备份。")
                          % {"file": path, "fields": "、".join(problems)})
    return manifest


def verify_backup(directory) -> dict:
    """Check every checksum of the backup in ``directory`` against its manifest (the
    dump, and every file under ``files/``: none missing, changed or unlisted). Returns
    the manifest; raises BackupError naming the first failures."""
    root = Path(directory)
    manifest = read_manifest(root)
    expected = {manifest["database"]["path"]: manifest["database"]["sha256"]}
    expected.update({f["path"]: f["sha256"] for f in manifest["files"]})
    found: dict[str, str | None] = {}
    for path in expected:
        p = root / path
        found[path] = sha256_of(p) if p.is_file() else None
    for p in _media_files(root / rules.FILES_DIR):
        rel = p.relative_to(root).as_posix()
        if rel not in found:
            found[rel] = sha256_of(p)
    failures = rules.checksum_failures(expected, found)
    if failures:
        words = {"missing": gettext("缺失"), "changed": gettext("校验和不符"), "unexpected": gettext("不在清单中")}
        listed = "；".join(f"{path}（{words[why]}）" for path, why in failures[:5])
        more = gettext("等 %(n)s 处") % {"n": len(failures)} if len(failures) > 5 else ""
        raise BackupError(gettext("备份校验失败，拒绝恢复（备份已损坏或被改动，未做任何改动）：%(list)s%(more)s")
                          % {"list": listed, "more": more})
    return manifest


def restore(directory) -> Outcome:
    """Restore the backup in ``directory`` into the empty database of DATABASE_URL and
    the empty MEDIA_ROOT, then verify the audit chain and the row counts. Raises
    BackupError before any change (SQLite, checksums, a database or file store not
    empty) or after (pg_restore failed, verification failed: the database is then as
    restored, for inspection, and must not be put into service)."""
    started = time.monotonic()
    require_postgresql()
    root = Path(directory)
    manifest = verify_backup(root)
    present = selectors.table_names()
    name = connection.settings_dict["NAME"]
    if present:
        raise BackupError(gettext("目标数据库 %(db)s 不是空的（已有 %(n)s 张表）：恢复只写入新建的空数据库，"
                                  "请新建数据库并让 DATABASE_URL 指向它。") % {"db": name, "n": len(present)})
    media = Path(settings.MEDIA_ROOT)
    if not _empty_or_absent(media):
        raise BackupError(gettext("文件目录 %(dir)s 不是空的：恢复只写入空的文件目录（JIAYUAN_VAR_DIR 下的 media）。")
                          % {"dir": media})
    args, env = _pg("pg_restore")
    connection.close()
    _run([*args, "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
          "--dbname", name, str(root / rules.DUMP_NAME)], env, "pg_restore")
    staging = media.with_name(media.name + ".restoring")
    if staging.exists():
        shutil.rmtree(staging)
    file_bytes = 0
    for f in manifest["files"]:
        digest, size = _copy_hashing(root / f["path"], staging / f["path"][len(rules.FILES_DIR) + 1:])
        if digest != f["sha256"]:
            raise BackupError(gettext("恢复文件 %(path)s 时校验和不符（读取或写入出错）。") % {"path": f["path"]})
        file_bytes += size
    if staging.exists():
        if media.exists():
            media.rmdir()
        staging.rename(media)
    _verify_restored(manifest)
    return Outcome(manifest, manifest["database"]["size"], len(manifest["files"]), file_bytes,
                   time.monotonic() - started)


def _verify_restored(manifest: dict) -> None:
    chain = verify_chain()
    if not chain.ok:
        raise BackupError(gettext("恢复后审计日志校验失败：%(reason)s（密钥 JIAYUAN_FIELD_KEY 是否与备份时相同？）")
                          % {"reason": chain.reason})
    want = manifest["audit"]
    if (chain.head_seq, chain.head_hash) != (want["seq"], want["hash"]):
        raise BackupError(gettext("恢复后审计链头为第 %(found)s 条，备份清单记为第 %(expected)s 条：数据不一致。")
                          % {"found": chain.head_seq, "expected": want["seq"]})
    diffs = rules.count_differences(manifest["tables"], selectors.table_counts())
    if diffs:
        listed = "；".join(gettext("%(table)s 应有 %(expected)s 行，实有 %(found)s 行")
                          % {"table": t, "expected": e, "found": f} for t, e, f in diffs[:5])
        raise BackupError(gettext("恢复后行数与备份清单不符：%(list)s") % {"list": listed})
