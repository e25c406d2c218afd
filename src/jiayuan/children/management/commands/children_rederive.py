"""``jiayuan children_rederive [--on YYYY-MM-DD]``: re-derive every open child's file (run
daily: a child turning 16 or 18, a parent's 失联 reaching 6 months); differences flag the
files for their 儿童主任, nothing is changed silently."""

import datetime

from django.core.management.base import BaseCommand

from jiayuan.audit.services import Actor
from jiayuan.children import services


class Command(BaseCommand):
    help = "Re-derive the categories of every open child's file; differences are flagged for review"

    def add_arguments(self, parser):
        parser.add_argument("--on", type=datetime.date.fromisoformat, default=None)

    def handle(self, *args, on=None, **options):
        n = services.rederive_all(Actor(None, "command"), on)
        self.stdout.write(f"{n} file(s) flagged for review")
