"""Deterministic synthetic population for the demo and the benchmarks.

Real Zhangye divisions (甘州区's five streets and 民乐县 六坝镇), synthetic people:
names from common surname frequencies, ages shaped like Gansu's 2020 census pyramid
(about 17 % under 15, 20 % aged 60 and over), households of realistic composition,
valid ID numbers (GB 11643) with Zhangye area codes, and vulnerable-group tags at
plausible rates. Nothing here is a real person. Seeded: the same seed gives the same
people on every machine.
"""

import random
from dataclasses import dataclass
from datetime import date, timedelta

from .people import rules
from .people.services import BulkHousehold, BulkPerson

# Demo area: the five streets of 甘州区 (urban) and 民乐县 六坝镇 (rural).
DEMO_TOWNSHIPS = ["620702001", "620702002", "620702003", "620702004", "620702005", "620722102"]

SURNAMES = (
    "张王李刘陈杨赵黄周吴徐孙马胡朱郭何罗高林郑梁谢宋唐许韩冯邓曹彭曾萧田董潘袁蔡蒋余于杜叶程魏苏吕丁任卢姚沈钟姜崔谭陆范汪廖石金韦贾夏付方邹熊白孟秦邱侯江尹薛闫段雷龙黎史陶贺毛郝顾龚邵万覃武钱戴严欧莫孔向常汤康易乔赖文"
)
# Weights roughly following national surname frequency (top surnames far more common).
SURNAME_WEIGHTS = [max(1.0, 80 / (i + 1) ** 0.9) for i in range(len(SURNAMES))]
GIVEN_MALE = "建国军伟强磊洋勇杰涛明超刚平辉鹏华飞鑫波斌宇浩凯健俊帆帅旭宁龙林欢阳晨博文志海峰亮成东兵立新刚福贵生发荣永春德明国庆宏"
GIVEN_FEMALE = "秀英芳娜敏静丽艳娟霞燕玲桂兰萍红梅琳雪婷慧莉洁琴云莲真环凤菊瑶玉珍淑惠晶妍欣悦彤颖佳怡梦雨思涵蕾倩薇月丹雅"
ETHNIC_URBAN = [("01", 955), ("03", 25), ("48", 8), ("04", 6), ("02", 3), ("11", 2), ("30", 1)]
ETHNIC_RURAL = [("01", 990), ("03", 7), ("04", 3)]
# Where floating residents first registered: other Gansu counties and beyond.
OTHER_AREAS = ["620721", "620723", "620724", "620725", "620102", "620902", "622921", "640104", "630102"]
MOBILE_PREFIXES = ["133", "135", "136", "137", "138", "139", "150", "151", "152", "155", "158", "177", "180", "181",
                   "186", "187", "188", "189", "199"]


@dataclass
class DemoPlan:
    """Counts of what :func:`generate` built."""

    households: int = 0
    persons: int = 0


class Generator:
    """Builds households for one village-level unit at a time, reproducibly."""

    def __init__(self, seed: int = 20261129, today: date | None = None):
        self.rng = random.Random(seed)
        self.today = today or date(2026, 11, 1)
        self.used_ids: set[str] = set()

    # --- people -----------------------------------------------------------------------
    def name(self, sex: int, surname: str | None = None) -> str:
        r = self.rng
        surname = surname or r.choices(SURNAMES, SURNAME_WEIGHTS)[0]
        pool = GIVEN_MALE if sex == 1 else GIVEN_FEMALE
        given = r.choice(pool) + (r.choice(pool) if r.random() < 0.78 else "")
        return surname + given

    def id_number(self, area: str, birth: date, sex: int) -> str:
        r = self.rng
        while True:
            seq = r.randrange(0, 500) * 2 + (1 if sex == 1 else 0)
            if seq == 0:
                continue
            first17 = f"{area}{birth:%Y%m%d}{seq:03d}"
            number = first17 + rules.id_check_char(first17)
            if number not in self.used_ids:
                self.used_ids.add(number)
                return number

    def birth(self, age_lo: int, age_hi: int) -> date:
        age = self.rng.randint(age_lo, age_hi)
        start = date(self.today.year - age - 1, self.today.month, 1) + timedelta(days=1)
        return start + timedelta(days=self.rng.randrange(0, 364))

    def phone(self, age: int) -> str:
        r = self.rng
        if age < 14 or (age > 80 and r.random() < 0.6) or r.random() < 0.12:
            return ""
        return r.choice(MOBILE_PREFIXES) + f"{r.randrange(0, 10 ** 8):08d}"

    def person(self, *, sex: int, age: tuple[int, int], relation: str, area: str, ethnic: str,
               surname: str | None = None, residence: str = "registered") -> tuple[BulkPerson, int]:
        b = self.birth(*age)
        a = rules.age_on(b, self.today)
        return BulkPerson(
            name=self.name(sex, surname), id_number=self.id_number(area, b, sex), ethnic_group=ethnic,
            phone=self.phone(a), relation_to_head=relation, residence_status=residence,
        ), a

    # --- households ---------------------------------------------------------------------
    def household(self, *, rural: bool, area_code: str, ethnic_table) -> list[tuple[BulkPerson, int]]:
        r = self.rng
        ethnic = r.choices([e for e, _ in ethnic_table], [w for _, w in ethnic_table])[0]
        floating = (not rural) and r.random() < 0.10
        area = r.choice(OTHER_AREAS) if floating else area_code
        residence = "floating" if floating else "registered"
        surname = r.choices(SURNAMES, SURNAME_WEIGHTS)[0]
        kind = r.choices(["single_old", "old_couple", "young_couple", "family", "three_gen", "single_young"],
                         [8, 12, 10, 42, 20, 8] if not rural else [7, 14, 5, 36, 34, 4])[0]
        head_sex = 1 if r.random() < 0.8 else 2
        members = []

        def add(sex, age, relation, same_surname=False):
            members.append(self.person(sex=sex, age=age, relation=relation, area=area, ethnic=ethnic,
                                       surname=surname if same_surname else None, residence=residence))

        if kind == "single_old":
            add(r.choice([1, 2, 2]), (62, 92), "02")
        elif kind == "single_young":
            add(r.choice([1, 2]), (20, 45), "02")
        elif kind == "old_couple":
            add(head_sex, (60, 88), "02", True)
            add(3 - head_sex, (58, 86), "12" if head_sex == 1 else "11")
        else:
            lo, hi = ((24, 34) if kind == "young_couple" else (30, 52))
            add(head_sex, (lo, hi), "02", True)
            add(3 - head_sex, (lo, hi), "12" if head_sex == 1 else "11")
            if kind != "young_couple":
                for i in range(r.choices([1, 2, 3], [55, 38, 7] if rural else [70, 28, 2])[0]):
                    sex = r.choice([1, 2])
                    add(sex, (0, 22), ("22" if i == 0 else "23") if sex == 1 else ("32" if i == 0 else "33"), sex == 1)
            if kind == "three_gen":
                add(1, (58, 85), "51", True)
                if r.random() < 0.75:
                    add(2, (56, 84), "52")
        return members

    def tags_for(self, person: BulkPerson, age: int, *, rural: bool, household_size: int, poor: bool) -> list[str]:
        r = self.rng
        tags = []
        if poor:
            tags.append("subsistence_allowance")
        if r.random() < 0.025:
            tags.append("disabled")
        if age >= 60:
            if household_size == 1:
                tags.append("elderly_living_alone")
                if r.random() < 0.6:
                    tags.append("empty_nest_elderly")
            elif household_size == 2 and r.random() < 0.5:
                tags.append("empty_nest_elderly")
            if r.random() < 0.04 + max(0, age - 75) * 0.01:
                tags.append("disabled_elderly")
            if household_size == 1 and poor and r.random() < 0.3:
                tags.append("extreme_poverty")
        if age < 16 and rural and r.random() < 0.12:
            tags.append("left_behind_child")
        if age < 18 and r.random() < (0.02 if poor else 0.004):
            tags.append("child_in_difficulty")
        if 18 <= age and r.random() < 0.005:
            tags.append("entitled_group")
        return tags

    def village_households(self, village_code: str, village_name: str, grid_codes: list[str], persons_target: int,
                           address_prefix: str) -> list[BulkHousehold]:
        """Households for one community/village until ``persons_target`` persons."""
        r = self.rng
        rural = rules_village_is_rural(village_code)
        area_code = village_code[:6]
        table = ETHNIC_RURAL if rural else ETHNIC_URBAN
        out, count, n = [], 0, 0
        while count < persons_target:
            n += 1
            members = self.household(rural=rural, area_code=area_code, ethnic_table=table)
            poor = r.random() < (0.07 if rural else 0.025)
            size = len(members)
            people = []
            for p, age in members:
                p.tags = self.tags_for(p, age, rural=rural, household_size=size, poor=poor)
                people.append(p)
            if rural:
                address = f"{address_prefix}{r.randint(1, 9)}社{r.randint(1, 120)}号"
            else:
                address = f"{address_prefix}{r.randint(1, 40)}号楼{r.randint(1, 6)}单元{r.randint(1, 18)}0{r.randint(1, 4)}室"
            grid = grid_codes[min(len(grid_codes) - 1, count * len(grid_codes) // persons_target)] if grid_codes else village_code
            out.append(BulkHousehold(number=f"{n:04d}", region_code=grid, address=address,
                                     members=people))
            count += size
        return out


def rules_village_is_rural(code: str) -> bool:
    from .regions.rules import village_kind

    return village_kind(code) == "village"


# --- rosters ------------------------------------------------------------------------------

RESIDENCE_NAMES = {"registered": "户籍人口", "floating": "流动人口", "other": "其他"}


def roster_rows(households: list[BulkHousehold], grid_names: dict[str, str], tag_names: dict[str, str]) -> list[list]:
    """The rows of a resident roster (居民花名册) for ``households``, in the column order
    of ``jiayuan.imports.export.ROSTER_FIELDS`` (姓名, 性别, 身份证号, 民族, 出生日期,
    联系电话, 户号, 与户主关系, 现住址, 所属网格, 人员类别, 居住状态, 备注), written as a
    community worker would: names of sexes, ethnic groups, relations, grids and tags,
    birth dates as dates. ``grid_names``: grid code → name; ``tag_names``: tag code →
    name (the roster names tags as workers do)."""
    out = []
    for h in households:
        grid = grid_names.get(h.region_code, "")
        for m in h.members:
            info = rules.parse_id_number(m.id_number)
            out.append([
                m.name, "男" if info.sex == 1 else "女", m.id_number, rules.ETHNIC_GROUPS.get(m.ethnic_group, ""),
                info.birth_date, m.phone, h.number, rules.RELATIONS.get(m.relation_to_head, ""),
                m.address or h.address, grid, "、".join(tag_names.get(t, t) for t in m.tags),
                RESIDENCE_NAMES.get(m.residence_status, ""), "",
            ])
    return out


def pay_batch(county, city, batch, *, note: str = "演示：全部发放成功"):
    """Carry a generated demo payment batch through its whole cycle with the real services:
    reviewed by ``county``, approved by ``city`` (four eyes), exported (xlsx), every line
    paid by the bank's return, closed with ``note``. ``county``/``city``: audit Actors.
    Returns the closed batch."""
    from .assistance.services import batches
    batch = batches.review_batch(county, batch, version=batch.version)
    batch = batches.approve_batch(city, batch, version=batch.version)
    batches.export_batch(county, batch, fmt="xlsx", version=batch.version)
    batch.refresh_from_db()
    batches.record_results(county, batch, [], version=batch.version, rest_paid=True, source="演示：银行回盘")
    batch.refresh_from_db()
    return batches.close_batch(county, batch, version=batch.version, note=note)
