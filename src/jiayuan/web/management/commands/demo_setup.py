"""``jiayuan demo-setup``: everything ``make demo`` needs before serving.

Migrates, loads Zhangye's real divisions, builds the synthetic population once (grids,
grid members, households, persons, tags) and creates one demo account per role. A
second run finds everything in place and only prints the accounts.
"""

import secrets
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction

from jiayuan.accounts.models import User
from jiayuan.audit.services import Actor, record
from jiayuan.demodata import DEMO_TOWNSHIPS, Generator
from jiayuan.grid.models import GridMember
from jiayuan.people.models import Person
from jiayuan.people.services import bulk_register
from jiayuan.regions.models import Region
from jiayuan import security

GRID_NAMES = ["第一网格", "第二网格", "第三网格", "第四网格"]
DEMO_ACCOUNTS = [
    # username, role, scope code, full name
    ("admin", "", None, "系统管理员"),
    ("city", "city_admin", "6207", "张掖市民政局管理员"),
    ("ganzhou", "county_officer", "620702", "甘州区民政局干部"),
    ("dongjie", "township_officer", "620702001", "东街街道干部"),
    ("shequ", "community_worker", "620702001001", "交通巷社区工作者"),
    ("wangge", "grid_member", "620702001001001", "交通巷社区第一网格网格员"),
    ("shenji", "auditor", "6207", "张掖市审计员"),
    ("shezu", "org_staff", "620702", "社会组织工作人员"),
]


class Command(BaseCommand):
    help = "准备演示环境：迁移数据库、导入张掖市区划、生成演示人口和演示账号"

    def add_arguments(self, parser):
        parser.add_argument("--persons", type=int, default=31000, help="演示人口数（默认 31000）")

    def handle(self, *args, persons=31000, **opts):
        settings.VAR_DIR.mkdir(parents=True, exist_ok=True)
        call_command("migrate", verbosity=0)
        call_command("load_divisions", prefix="6207", stdout=self.stdout)
        actor = Actor(None, "command", {"demo": True})
        if not Person.objects.filter(region__code__startswith="620702001").exists():
            t0 = time.monotonic()
            n = self._population(actor, persons)
            self.stdout.write(f"演示人口已生成：{n} 人，用时 {time.monotonic() - t0:.1f} 秒。")
        password = self._accounts(actor)
        self._print(password)

    def _population(self, actor: Actor, target: int) -> int:
        gen = Generator()
        villages = list(Region.objects.filter(level="village", parent_id__in=DEMO_TOWNSHIPS).order_by("code"))
        per_unit = target // len(villages) + 1
        total = 0
        for v in villages:
            with transaction.atomic():
                grids = []
                for i in range(gen.rng.randint(2, 4)):
                    code = f"{v.code}{i + 1:03d}"
                    g, created = Region.objects.get_or_create(
                        code=code, defaults={"name": GRID_NAMES[i], "level": "grid", "parent": v})
                    if created:
                        record(actor, "grid.create", g, region_code=code)
                    grids.append(g)
                    for _ in range(gen.rng.randint(2, 5)):
                        sex = gen.rng.choice([1, 2])
                        phone = gen.phone(35) or "13909360000"
                        GridMember.objects.create(grid=g, name=gen.name(sex), phone_cipher=security.encrypt(phone))
                township = v.parent
                prefix = ("甘州区" if v.code.startswith("620702") else "民乐县") + township.name + v.short_name
                households = gen.village_households(v.code, v.name, [g.code for g in grids], per_unit, prefix)
                total += bulk_register(actor, households)
        return total

    def _accounts(self, actor: Actor) -> str:
        password = settings.DEMO_PASSWORD
        pw_file = settings.VAR_DIR / "demo-password.txt"
        if not password:
            password = pw_file.read_text().strip() if pw_file.exists() else "Jy-" + secrets.token_urlsafe(9)
            pw_file.write_text(password + "\n")
            pw_file.chmod(0o600)
        for username, role, scope, full_name in DEMO_ACCOUNTS:
            user = User.objects.filter(username=username).first()
            if user is None:
                user = User(username=username, role=role, scope_id=scope, full_name=full_name,
                            is_superuser=scope is None, is_staff=scope is None)
                user.set_password(password)
                user.save()
                record(actor, "user.create", user, region_code=scope or "")
            elif not user.check_password(password):
                user.set_password(password)
                user.save(update_fields=["password"])
                record(actor, "user.password_reset", user, region_code=scope or "")
        wangge = User.objects.get(username="wangge")
        GridMember.objects.get_or_create(grid_id="620702001001001", user=wangge, defaults={"name": "网格员（演示）"})
        return password

    def _print(self, password: str) -> None:
        w = self.stdout.write
        w("")
        w("家园 Jiayuan 演示环境已就绪：http://127.0.0.1:8000")
        w(f"演示账号（密码均为 {password}）：")
        for username, role, scope, full_name in DEMO_ACCOUNTS:
            region = Region.objects.filter(code=scope).first() if scope else None
            w(f"  {username:<9} {full_name}（{User.Role(role).label if role else '超级管理员'}，"
              f"管辖范围：{region.name if region else '全部'}）")
        w("")
