"""``jiayuan sweep_case_deadlines``: note overdue cases (warn or escalate, once per state
entry). Run every few minutes from cron or the task queue."""

from django.core.management.base import BaseCommand

from ...services import sweep_deadlines


class Command(BaseCommand):
    help = "标记超过环节期限的案件：预警或升级（每个环节只记一次）"

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=1000, help="本次最多处理的案件数")

    def handle(self, *args, **opts):
        counts = sweep_deadlines(limit=opts["limit"])
        self.stdout.write(f"预警 {counts['warned']} 件，升级 {counts['escalated']} 件")
