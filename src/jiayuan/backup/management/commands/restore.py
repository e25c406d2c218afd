"""``jiayuan restore DIR``: restore a backup of ``jiayuan backup`` into the empty
database of DATABASE_URL and the empty file store, after checking every checksum; ends
by verifying the audit chain and the manifest's row counts
(:mod:`jiayuan.backup.services`). Exits 0 when restored and verified, 1 with a Chinese
message otherwise (nothing is changed when the backup fails its checksums or the
database or file store is not empty)."""

import sys

from django.core.management.base import BaseCommand
from django.utils.translation import gettext

from jiayuan.backup import services


class Command(BaseCommand):
    help = "从 DIR 中的备份恢复到 DATABASE_URL 指向的空数据库和空文件目录，先核对校验和，最后校验审计链和各表行数"

    def add_arguments(self, parser):
        parser.add_argument("directory", metavar="DIR")

    def handle(self, *args, **opts):
        try:
            done = services.restore(opts["directory"])
        except services.BackupError as exc:
            self.stderr.write(gettext("恢复失败：%(error)s") % {"error": exc})
            sys.exit(1)
        m = done.manifest
        self.stdout.write(gettext(
            "恢复完成并已校验：%(tables)s 张表共 %(rows)s 行与清单一致，文件 %(files)s 个，审计链完整（第 %(seq)s 条）；"
            "备份时间 %(created)s；用时 %(seconds).1f 秒。") % {
            "tables": len(m["tables"]), "rows": sum(m["tables"].values()), "files": done.files,
            "seq": m["audit"]["seq"], "created": m["created_at"], "seconds": done.seconds})
