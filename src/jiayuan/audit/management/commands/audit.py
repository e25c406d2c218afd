"""``jiayuan audit verify``: check the audit log's hash chain.

Exits 0 on an intact chain; exits 1 naming the first bad entry otherwise.
"""

import sys

from django.core.management.base import BaseCommand

from jiayuan.audit.selectors import verify_chain


class Command(BaseCommand):
    help = "审计日志工具：verify 校验哈希链是否完整"

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["verify"])

    def handle(self, *args, **opts):
        result = verify_chain()
        if result.ok:
            self.stdout.write(f"审计日志完整：共 {result.checked} 条记录，哈希链校验通过。")
            return
        self.stderr.write(f"审计日志校验失败：第 {result.bad_seq} 条记录。{result.reason}")
        sys.exit(1)
