"""``jiayuan sync_case_types``: store the declared case types (also done after migrate)."""

from django.core.management.base import BaseCommand

from ...services import sync_case_types


class Command(BaseCommand):
    help = "将各模块声明的案件类型写入数据库（已存在的版本不变）"

    def handle(self, *args, **opts):
        for row in sync_case_types():
            self.stdout.write(f"{row.code} v{row.version} {row.name}")
