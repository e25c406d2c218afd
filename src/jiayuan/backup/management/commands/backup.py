"""``jiayuan backup DIR``: a consistent backup of the PostgreSQL database (pg_dump,
custom format), the uploaded files and a manifest with checksums, row counts and the
audit chain's head (:mod:`jiayuan.backup.services`). Exits 0 when written, 1 with a
Chinese message otherwise (SQLite, DIR not empty, pg_dump failed)."""

import sys

from django.core.management.base import BaseCommand
from django.utils.translation import gettext

from jiayuan.backup import services


class Command(BaseCommand):
    help = "备份数据库（pg_dump 自定义格式）、上传文件和带校验和的清单到 DIR（新的或空的目录）"

    def add_arguments(self, parser):
        parser.add_argument("directory", metavar="DIR")

    def handle(self, *args, **opts):
        try:
            done = services.backup(opts["directory"])
        except services.BackupError as exc:
            self.stderr.write(gettext("备份失败：%(error)s") % {"error": exc})
            sys.exit(1)
        m = done.manifest
        self.stdout.write(gettext(
            "备份完成：%(dir)s。数据库 %(mb).1f MB，%(tables)s 张表共 %(rows)s 行；文件 %(files)s 个（%(fmb).1f MB）；"
            "审计链头第 %(seq)s 条；用时 %(seconds).1f 秒。") % {
            "dir": opts["directory"], "mb": done.dump_bytes / 1e6, "tables": len(m["tables"]),
            "rows": sum(m["tables"].values()), "files": done.files, "fmb": done.file_bytes / 1e6,
            "seq": m["audit"]["seq"], "seconds": done.seconds})
