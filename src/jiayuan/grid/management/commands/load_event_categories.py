"""``jiayuan load_event_categories``: (re)load the shipped event-category catalog."""

from django.core.management.base import BaseCommand

from ....audit.services import Actor
from ...services import load_event_categories


class Command(BaseCommand):
    help = "载入（更新）网格事件类别目录 grid/data/event_categories.json"

    def handle(self, *args, **opts):
        n = load_event_categories(Actor(None, "command"))
        self.stdout.write(f"事件类别 {n} 个")
