"""``jiayuan demo-setup``: everything ``make demo`` needs before serving.

Migrates, loads Zhangye's real divisions, builds the synthetic population once (grids,
grid members, then households, persons and tags by generating one roster workbook per
community/village and importing it through the roster import engine, as a community
worker would) and creates one demo account per role. A second run finds everything in
place and only prints the accounts.

A module adds its own demo data and accounts without editing this command: its
``demo.py`` defines ``seed_demo(ctx: DemoContext) -> str | None`` (idempotent: a second
run finds its data in place and returns None; otherwise a one-line summary to print),
found in every installed app after the shared data is in place. Its accounts are made
with ``ctx.account(username, role, scope, full_name)`` and are printed with the others.
"""

import io
import os
from dataclasses import dataclass, field
from importlib import import_module
import secrets
import time
from pathlib import Path

from django.apps import apps
from django.utils.module_loading import module_has_submodule
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from jiayuan.accounts.models import User
from jiayuan.audit.services import Actor, record
from jiayuan.demodata import DEMO_TOWNSHIPS, Generator, pay_batch, roster_rows
from jiayuan.grid.models import GridMember
from jiayuan.imports import services as import_services
from jiayuan.imports.export import stream_xlsx
from jiayuan.people.models import Person, TagKind
from jiayuan.people.rules import HEAD_RELATION
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
    # staff of the departments grid events are dispatched to (DEMO_DEPARTMENTS)
    ("chengguan", "department_staff", "620702", "甘州区城市管理局工作人员"),
    ("zhujian", "department_staff", "620702", "甘州区住建局工作人员"),
    ("minzheng", "department_staff", "620702", "甘州区民政局工作人员"),
    ("paichusuo", "department_staff", "620702001", "东街派出所民警"),
    ("gongdian", "department_staff", "620702", "甘州区供电公司工作人员"),
]

DEMO_DEPARTMENTS = [
    # code, name, region, top-level event categories taken, demo staff account
    ("gz-cgj", "甘州区城市管理局", "620702", ["sanitation", "facility"], "chengguan"),
    ("gz-zjj", "甘州区住房和城乡建设局", "620702", ["safety", "facility"], "zhujian"),
    ("gz-mzj", "甘州区民政局", "620702", ["livelihood"], "minzheng"),
    ("dj-pcs", "甘州公安分局东街派出所", "620702001", ["order", "dispute"], "paichusuo"),
    ("gz-gd", "甘州区供电公司", "620702", ["safety", "livelihood"], "gongdian"),
]

# Grid events of 交通巷社区 第一网格 reported by ``wangge``, each left at one step of the
# loop so that every home page has work: (request key, category, description, how far).
DEMO_EVENTS = [
    ("demo-event-reported", "safety.fire", "3号楼楼道堆放纸箱杂物，堵塞消防通道", "reported"),
    ("demo-event-accepted", "livelihood.elderly", "独居老人王大爷近日行动不便，无人照料", "accepted"),
    ("demo-event-dispatched", "sanitation.garbage", "交通巷口垃圾堆放三天未清运，气味很大", "dispatched"),
    ("demo-event-handled", "facility.manhole", "小区南门井盖破损，夜间行人易踩空", "handled"),
    ("demo-event-closed", "facility.streetlight", "交通巷中段两盏路灯不亮", "closed"),
]
DEMO_STEPS = ["reported", "accepted", "dispatched", "handled", "verified", "closed"]


@dataclass
class DemoContext:
    """What a module's ``demo.seed_demo`` receives: the acting ``actor`` (a command),
    the demo ``password`` and ``account()`` to create (or find) one demo account."""

    actor: Actor
    password: str
    accounts: list = field(default_factory=list)

    def account(self, username: str, role: str, scope: str | None, full_name: str) -> User:
        """The demo account ``username`` (created with the demo password if missing);
        listed in the printed account table."""
        user = _ensure_account(self.actor, self.password, username, role, scope, full_name)
        if (username, role, scope, full_name) not in self.accounts:
            self.accounts.append((username, role, scope, full_name))
        return user


def _ensure_account(actor: Actor, password: str, username: str, role: str, scope: str | None,
                    full_name: str) -> User:
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
    return user


def module_demos():
    """The ``seed_demo`` function of every installed app of the project that has a
    ``demo`` module, in INSTALLED_APPS order."""
    return [import_module(f"{config.name}.demo").seed_demo for config in apps.get_app_configs()
            if config.name.startswith("jiayuan.") and module_has_submodule(config.module, "demo")]


class Command(BaseCommand):
    help = "准备演示环境：迁移数据库、导入张掖市区划、生成演示人口和演示账号"

    def add_arguments(self, parser):
        parser.add_argument("--persons", type=int, default=31000, help="演示人口数（默认 31000）")

    def handle(self, *args, persons=31000, **opts):
        settings.VAR_DIR.mkdir(parents=True, exist_ok=True)
        Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)  # WhiteNoise serves from finders too
        call_command("migrate", verbosity=0)
        call_command("load_divisions", prefix="6207", stdout=self.stdout)
        actor = Actor(None, "command", {"demo": True})
        if not Person.objects.filter(region__code__startswith="620702001").exists():
            t0 = time.monotonic()
            n = self._population(actor, persons)
            self.stdout.write(f"演示人口已生成：{n} 人，用时 {time.monotonic() - t0:.1f} 秒。")
        password = self._accounts(actor)
        self._departments_and_events(actor)
        from jiayuan.assistance.models import ProgramParameter

        if not ProgramParameter.objects.exists():
            t0 = time.monotonic()
            with transaction.atomic():  # all of it or nothing, so that a second run retries it whole
                summary = self._assistance()
            self.stdout.write(f"演示社会救助数据已生成：{summary}，用时 {time.monotonic() - t0:.1f} 秒。")
        ctx = DemoContext(actor, password)
        for seed_demo in module_demos():
            t0 = time.monotonic()
            summary = seed_demo(ctx)
            if summary:
                self.stdout.write(f"{summary}，用时 {time.monotonic() - t0:.1f} 秒。")
        self._print(password, ctx.accounts)

    def _population(self, actor: Actor, target: int) -> int:
        """Grids and grid members per community/village, then its residents the way a
        community worker brings them in: a roster workbook (居民花名册, generated by
        :func:`jiayuan.demodata.roster_rows`) imported through the roster import engine
        (validation, households, encryption, audit), one workbook per unit."""
        gen = Generator()
        villages = list(Region.objects.filter(level="village", parent_id__in=DEMO_TOWNSHIPS).order_by("code"))
        per_unit = target // len(villages) + 1
        tag_names = dict(TagKind.objects.values_list("code", "name"))
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
            rows = roster_rows(households, {g.code: g.name for g in grids}, tag_names)
            name = f"{v.short_name}居民花名册.xlsx"
            buf = io.BytesIO()
            _writer, chunks = stream_xlsx(rows, sheet_name="居民花名册", title=f"{prefix}居民花名册")
            for chunk in chunks:
                buf.write(chunk)
            data = buf.getvalue()
            job = import_services.create_job(actor, v, name, data, store_file=False)
            result = import_services.run_import(job, data)
            if result.rejected is not None or result.job.errors:
                first = result.rejected.code if result.rejected else result.issues[0].message
                raise CommandError(f"演示台账 {name} 导入失败：{first}")
            total += result.job.created
        return total

    def _accounts(self, actor: Actor) -> str:
        password = settings.DEMO_PASSWORD
        pw_file = settings.VAR_DIR / "demo-password.txt"
        if not password:
            password = pw_file.read_text().strip() if pw_file.exists() else "Jy-" + secrets.token_urlsafe(9)
            pw_file.write_text(password + "\n")
            pw_file.chmod(0o600)
        for username, role, scope, full_name in DEMO_ACCOUNTS:
            _ensure_account(actor, password, username, role, scope, full_name)
        wangge = User.objects.get(username="wangge")
        GridMember.objects.get_or_create(grid_id="620702001001001", user=wangge, defaults={"name": "网格员（演示）"})
        return password

    def _departments_and_events(self, actor: Actor) -> None:
        """The departments grid events of 东街街道 are dispatched to, each with its demo
        staff account (DEMO_DEPARTMENTS), and grid events waiting at each step of the loop
        (DEMO_EVENTS) — all through the services, as the staff would. Idempotent: a
        department found by its code and an event found by its request key are reused."""
        from jiayuan.cases.models import Case, Department, DepartmentMember
        from jiayuan.cases.services import create_case, create_department, transition

        users = {u.username: u for u in User.objects.filter(username__in=["ganzhou", "dongjie", "wangge",
                                                                             "chengguan"])}
        county = Actor(users["ganzhou"], "command", {"demo": True})
        for code, name, region, categories, staff in DEMO_DEPARTMENTS:
            dept = Department.objects.filter(code=code).first()
            if dept is None:
                dept = create_department(county, code, name, Region.objects.get(code=region),
                                         case_types=["grid_event"], categories=categories)
            user = User.objects.get(username=staff)
            if not DepartmentMember.objects.filter(user=user).exists():
                with transaction.atomic():
                    DepartmentMember.objects.create(department=dept, user=user)
                    record(county, "department.member", dept, changes={"member": [None, staff]})
        wangge, street = (Actor(users[n], "command", {"demo": True}) for n in ("wangge", "dongjie"))
        chengguan = Actor(users["chengguan"], "command", {"demo": True})
        for key, category, description, until in DEMO_EVENTS:
            if Case.objects.filter(created_by=users["wangge"], request_key=key).exists():
                continue  # made by an earlier run: left where the demo's users took it since
            with transaction.atomic():
                case, _created = create_case(wangge, "grid_event", {
                    "category": category, "description": description, "region": "620702001001001",
                    "address": "甘州区东街街道交通巷"}, request_key=key)
                steps = DEMO_STEPS[1:DEMO_STEPS.index(until) + 1]
                for step in steps:
                    case.refresh_from_db()
                    if step == "accepted":
                        case = transition(street, case, "accept", version=case.version, comment="情况属实，予以立案")
                    elif step == "dispatched":
                        dept = "gz-cgj" if category.split(".")[0] in ("sanitation", "facility") else "gz-mzj"
                        case = transition(street, case, "dispatch", version=case.version, comment="请尽快处置",
                                          fields={"department": dept})
                    elif step == "handled":
                        photo = self._photo(chengguan)
                        case = transition(chengguan, case, "handle", version=case.version, attachments=[photo],
                                          comment="已到现场处置完毕（演示）")
                    elif step == "verified":
                        case = transition(wangge, case, "verify", version=case.version, comment="现场核查，已处置")
                    elif step == "closed":
                        case = transition(street, case, "close", version=case.version, comment="同意结案")

    @staticmethod
    def _photo(actor: Actor) -> int:
        """A small generated picture (a grey square with a dark stripe) stored as the
        handler's photo of the work done."""
        from django.core.files.uploadedfile import SimpleUploadedFile
        from PIL import Image, ImageDraw

        from jiayuan.cases.services import store_attachment

        img = Image.new("RGB", (64, 48), (190, 190, 190))
        ImageDraw.Draw(img).rectangle((0, 20, 63, 28), fill=(60, 60, 60))
        buf = io.BytesIO()
        img.save(buf, format="PNG")
        return store_attachment(actor, SimpleUploadedFile("现场照片.png", buf.getvalue(), content_type="image/png")).pk

    def _assistance(self) -> str:
        """Social assistance in 东街街道 the way the offices would have it: the city's
        parameters (demo values, marked so — not Zhangye's official standards), disability
        certificates for residents tagged 残疾人, enrollments for the households and persons
        the registry tags (低保, 特困, the two disability allowances, 高龄津贴), last month's
        batch for 甘州区 paid and this month's generated and waiting for review, this month's
        高龄津贴 batch reviewed and waiting for the city's approval, and two
        applications at the desk of 交通巷社区 — all through the services, as the staff would."""
        import datetime
        from decimal import Decimal

        from django.utils import timezone

        from jiayuan.assistance import services as aid
        from jiayuan.assistance.models import Program
        from jiayuan.assistance.selectors import applications as aid_application_reads
        from jiayuan.assistance.services import applications as aid_applications
        from jiayuan.assistance.services import batches as aid_batches
        from jiayuan.disability import services as disability_services
        from jiayuan.assistance import rules as aid_rules
        from jiayuan.people.models import Household, PersonTag

        def demo_account(person) -> str:  # a made-up 19-digit 社保卡 account per person
            return f"6228480{person.pk:012d}"

        users = {u.username: u for u in User.objects.filter(username__in=["city", "ganzhou", "shequ"])}
        city, county, desk = (Actor(users[n], "command", {"demo": True}) for n in ("city", "ganzhou", "shequ"))
        note = "演示参数，非张掖市正式标准"
        params = {
            "subsistence_allowance": {"standard_urban": "760.00", "standard_rural": "560.00", "deposit_limit_years": "2",
                                      "max_vehicles": 0, "max_housing": 1},
            "extreme_poverty_support": {"basic_urban": "988.00", "basic_rural": "728.00", "care_full_self": "100.00",
                                        "care_semi": "300.00", "care_full": "600.00", "minor_age_limit": 18,
                                        "elderly_age": 60},
            "temporary_assistance": {"max_multiple": "3", "township_limit": "1000.00", "emergency_limit": "500.00"},
            "disability_living_allowance": {"living_amount": "100.00"},
            # The Gansu example of DOMAIN.md: 230 for grade 1 intellectual, mental, physical, visual and
            # grade 2 intellectual, mental; 80 for the other grade 1–2 types.
            "disability_care_allowance": {"care_amount_default": "80.00", "care_amounts": {
                k: "230.00" for k in ("1-1", "4-1", "5-1", "6-1", "5-2", "6-2")}},
            "elderly_allowance": {"bands": [{"min_age": 80, "max_age": 89, "amount": "50.00"},
                                            {"min_age": 90, "max_age": 99, "amount": "100.00"},
                                            {"min_age": 100, "max_age": None, "amount": "300.00"}]},
            "elderly_care_allowance": {"min_age": 60, "amount_extreme_poverty": "200.00",
                                       "amount_subsistence": "100.00", "amount_low_income": "50.00"},
        }
        for code, values in params.items():
            aid.set_parameters(city, code, "6207", "2025-01-01", values, note=note)
        raised = dict(params["subsistence_allowance"], standard_urban="790.00", standard_rural="590.00")
        aid.set_parameters(city, "subsistence_allowance", "6207", "2026-07-01", raised, note=note + "（提标）")

        today = timezone.localdate()
        this_month = today.replace(day=1)
        last_month = (this_month - datetime.timedelta(days=1)).replace(day=1)
        start = datetime.date(2026, 1, 1) if this_month > datetime.date(2026, 1, 1) else last_month
        township = "620702001"  # 东街街道
        tagged = {}
        for person_id, kind in PersonTag.objects.filter(
                region__code__startswith=township, valid_to__isnull=True,
                kind_id__in=["subsistence_allowance", "extreme_poverty", "disabled"]).values_list("person_id", "kind_id"):
            tagged.setdefault(kind, set()).add(person_id)
        persons = {p.pk: p for p in Person.objects.filter(region__code__startswith=township, life_status="alive")
                   .select_related("household")}
        sizes = {}
        for hh_id in Person.objects.filter(region__code__startswith=township).values_list("household_id", flat=True):
            sizes[hh_id] = sizes.get(hh_id, 0) + 1
        heads = {p.household_id: p for p in persons.values() if p.is_head}
        n = {"低保": 0, "特困": 0, "残疾人证": 0, "两项补贴": 0, "高龄津贴": 0}
        dibao_households = set()
        for pid in sorted(tagged.get("subsistence_allowance", ())):
            p = persons.get(pid)
            if p is None or not p.household_id or p.household_id in dibao_households:
                continue
            head = heads.get(p.household_id, p)
            members = sizes.get(p.household_id, 1)
            income = Decimal(200 + (pid * 37) % 400)  # per person and month, yuan
            aid.enroll(county, program="subsistence_allowance", person=head, payee_account=demo_account(head), household=p.household,
                       region=head.region_id, start_month=start,
                       inputs={"area": "urban", "members": members, "per_capita_income": f"{income:.2f}"},
                       reason="演示：在册低保家庭")
            dibao_households.add(p.household_id)
            n["低保"] += 1
        for pid in sorted(tagged.get("extreme_poverty", ())):
            p = persons.get(pid)
            if p is None:
                continue
            aid.enroll(county, program="extreme_poverty_support", person=p, payee_account=demo_account(p), region=p.region_id, start_month=start,
                       inputs={"area": "urban", "no_work_capacity": True, "no_income_source": True,
                               "no_supporter": True, "self_care": "semi", "setting": "home", "disabled": False},
                       reason="演示：在册特困人员")
            n["特困"] += 1
        disabled_types = [(4, 1), (5, 2), (1, 3), (6, 1), (2, 4), (4, 2), (7, 3)]
        for i, pid in enumerate(sorted(tagged.get("disabled", ()))):
            p = persons.get(pid)
            if p is None or p.birth_date.year > 2018:
                continue
            dtype, grade = disabled_types[i % len(disabled_types)]
            cert = disability_services.record_certificate(
                county, p, f"{p.id_number}{dtype}{grade}", max(p.birth_date, datetime.date(2018, 3, 1)),
                long_term_care_need=grade <= 2, note="演示数据")
            n["残疾人证"] += 1
            facts = {"certificate_valid": True, "disability_type": dtype, "grade": grade,
                     "long_term_care_need": cert.long_term_care_need, "extreme_poverty": False,
                     "work_injury_care": False}
            if p.household_id in dibao_households and pid not in tagged.get("extreme_poverty", ()):
                aid.enroll(county, program="disability_living_allowance", person=p, payee_account=demo_account(p), region=p.region_id,
                           start_month=start, inputs={**facts, "household_status": "subsistence"},
                           reason="演示：低保家庭持证残疾人")
                n["两项补贴"] += 1
            if grade <= 2 and pid not in tagged.get("extreme_poverty", ()):
                aid.enroll(county, program="disability_care_allowance", person=p, payee_account=demo_account(p), region=p.region_id,
                           start_month=start, inputs=facts, reason="演示：一、二级重度残疾人")
                n["两项补贴"] += 1
        for p in persons.values():
            # 高龄津贴 is for locally registered elderly people (the registry's residence status)
            if (p.residence_status == Person.ResidenceStatus.REGISTERED and p.birth_date.year <= start.year - 79
                    and aid_rules.age_in_month(p.birth_date, start) >= 80):  # the rule's age: reached by the month's end
                aid.enroll(county, program="elderly_allowance", person=p, payee_account=demo_account(p), region=p.region_id, start_month=start,
                           inputs={"registered": True}, reason="演示：八十周岁以上老年人")
                n["高龄津贴"] += 1

        # Last month's 低保 batch of 甘州区: generated, reviewed, approved by the city (four eyes),
        # exported and paid; this month's generated and waiting for review.
        dibao = Program.objects.get(code="subsistence_allowance")
        ganzhou = Region.objects.get(code="620702")
        paid = pay_batch(county, city, aid_batches.generate_batch(county, dibao, ganzhou, last_month))
        current = aid_batches.generate_batch(county, dibao, ganzhou, this_month)
        # This month's 高龄津贴 batch: generated and reviewed by the county, waiting for the
        # city's approval (four eyes) — the city's to-do on its home page.
        elderly = Program.objects.get(code="elderly_allowance")
        to_approve = aid_batches.generate_batch(county, elderly, ganzhou, this_month)
        to_approve = aid_batches.review_batch(county, to_approve, version=to_approve.version)

        # Two applications at the desk of 交通巷社区: one accepted, one waiting for materials.
        households = list(Household.objects.filter(region__code__startswith="620702001001")
                          .exclude(pk__in=dibao_households).order_by("pk")[:2])
        for i, hh in enumerate(households):
            applicant = Person.objects.filter(household=hh, relation_to_head=HEAD_RELATION).first()
            if applicant is None:
                continue
            materials = aid_application_reads.required_materials(["subsistence_allowance"])
            aid_applications.take_application(
                desk, hh, applicant, "urban", ["subsistence_allowance"], reason="家庭成员患病，收入减少（演示）",
                materials=materials if i == 0 else materials[:1], request_key=f"demo-{hh.pk}")
        return ("低保 {低保} 户、特困 {特困} 人、残疾人证 {残疾人证} 本、两项补贴 {两项补贴} 人次、高龄津贴 {高龄津贴} 人；"
                .format(**n) + f"{last_month:%Y年%m月}低保已发放 {paid.line_count} 户，"
                f"{this_month:%Y年%m月}批次待审核 {current.line_count} 户，"
                f"高龄津贴批次待审批 {to_approve.line_count} 人")

    def _print(self, password: str, module_accounts=()) -> None:
        w = self.stdout.write
        w("")
        w(f"家园 Jiayuan 演示环境已就绪：http://{os.environ.get('JIAYUAN_BIND', '127.0.0.1:8000')}")
        w(f"演示账号（密码均为 {password}）：")
        # each account once: a module may also give work to a shared account (ctx.account("city", …))
        accounts = {a[0]: a for a in DEMO_ACCOUNTS}
        for a in module_accounts:
            accounts.setdefault(a[0], a)
        for username, role, scope, full_name in accounts.values():
            region = Region.objects.filter(code=scope).first() if scope else None
            w(f"  {username:<9} {full_name}（{User.Role(role).label if role else '超级管理员'}，"
              f"管辖范围：{region.name if region else '全部'}）")
        w("")
