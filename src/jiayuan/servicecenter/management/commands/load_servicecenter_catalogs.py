"""``jiayuan load_servicecenter_catalogs``: (re)load the service catalog, the seal-use
list and the community work access list shipped in servicecenter/data/."""

from django.core.management.base import BaseCommand

from ....audit.services import Actor
from ...services import load_catalogs


class Command(BaseCommand):
    help = "载入（更新）服务事项目录、印章使用范围清单和社区工作事项准入清单"

    def handle(self, *args, **opts):
        counts = load_catalogs(Actor(None, "command"))
        self.stdout.write("，".join(f"{k} {v}" for k, v in counts.items()))
