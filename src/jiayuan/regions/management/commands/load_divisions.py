"""``jiayuan load-divisions [--prefix 6207]``: load the official divisions idempotently."""

from django.core.management.base import BaseCommand, CommandError

from jiayuan.audit.services import Actor
from jiayuan.regions.services import load_divisions


class Command(BaseCommand):
    help = "导入国家统计局统计用区划代码（2023），可按代码前缀限定范围，重复执行不会重复导入"

    def add_arguments(self, parser):
        parser.add_argument("--prefix", default="", help="区划代码前缀，例如 6207（张掖市）；默认全部")

    def handle(self, *args, prefix="", **opts):
        if prefix and not prefix.isdigit():
            raise CommandError("--prefix 只能是数字，例如 6207")
        result = load_divisions(Actor(None, "command"), prefix)
        self.stdout.write(f"区划导入完成：新增 {result.created}，更新 {result.updated}，未变 {result.unchanged}。")
