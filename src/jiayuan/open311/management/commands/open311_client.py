"""``jiayuan open311_client NAME [--jurisdiction CODE]``: create an Open311 client and
print its api_key (shown once; only its digest is stored)."""

from django.core.management.base import BaseCommand, CommandError

from ....audit.services import Actor
from ....regions.models import Region
from ...services import create_client


class Command(BaseCommand):
    help = "新建 Open311 客户端并显示其 api_key（只显示一次）"

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("--jurisdiction", default="", help="限定受理范围的区划代码")

    def handle(self, *args, **opts):
        region = None
        if opts["jurisdiction"]:
            region = Region.objects.filter(code=opts["jurisdiction"]).first()
            if region is None:
                raise CommandError(f"区划 {opts['jurisdiction']} 不存在")
        client, key = create_client(Actor(None, "command"), opts["name"], region)
        self.stdout.write(f"{client.name}: {key}")
