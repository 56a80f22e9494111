"""The demo's ledgers (台账) for 2020: nine definitions shared as files, and rows that fit the article's figures.

The definitions are the YAML files in zhili/demo/ledgers/ — the same files any township can load with
zhili.ledgers.definitions.load_file — created with zhili.ledgers.actions.do_define_ledger for 太平街道. Their
codes are part of the contract (issue 4): demolition, gas-conversion, road-hardening, drinking-water,
public-toilets, agri-entities, land-transfer, garbage-pilot, collective-income.

The rows add up to the 2020 targets (zhili/demo/targets2020.py, whose indicators count them): they follow the
same plans (`targets2020.*_plan`), so 孔家坊村 has its 156 converted households, its 130 亩 of transfer contracts,
its toilet still being re-sited, and so on. They are written with bulk_create, in exactly the JSON form that
zhili.ledgers.fields.clean_row produces (dates as ISO strings, decimals as strings with the field's places,
regions as their codes, yes/no as true/false), key_value the key fields' values joined by "|".

Everything about the people in these ledgers is made up, from fixed seeds, so that nobody can mistake a row for a
real person's:

* Names: a surname (in each village often the one it is named after: 孔 in 孔家坊村, 郎 in 郎家村) and one or two
  characters from short lists of common given-name characters — combinations, not people. None is, or contains,
  the name of one of the demo's staff (so a villager is never taken for the secretary of another village).
* Identity numbers (GB 11643): area code 370125 (济阳县 1989–2018), or for villagers born before 1971 often
  372430 (济阳县 while it belonged to 德州地区, retired in 1989; the importer accepts both, with a warning); a
  birth date between 1940 and 1983 (heads of household aged 37 to 80 in 2020); sequence code 996–999 (odd for
  men, even for women) — the four codes the old 15-digit numbering kept for people over a hundred, so a villager
  born 1940–1983, numbered under those rules, was not given one; and the GB 11643 mod-11 check character
  (python-stdnum), so every number passes validation. Numbers are distinct; the name agrees with the sex.
* Phone numbers: 139 0001 0001 upward, consecutive (the demo's staff have 139 0000 xxxx, see names.py); about
  one household in fifteen has none.
* Unified social credit codes (GB 32100): registration authority and type (93 cooperative, 92 family farm, 91
  company), area 370115 (济阳区), organisation code MA00000 followed by a two-digit serial, and the GB 32100 check
  character computed with python-stdnum; entity names are built from the demo's village names.

load() is idempotent like the rest of the demo: a ledger is defined only if its code is missing, and rows are
written only into a ledger that has none.
"""

from __future__ import annotations

import calendar
import datetime
import random
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from django.db.models import F
from stdnum.cn import ric, uscc

from zhili.demo import targets2020 as t
from zhili.demo.names import _GIVEN, _SURNAMES
from zhili.ledgers import definitions
from zhili.ledgers.actions import do_define_ledger
from zhili.ledgers.models import Ledger, LedgerRow, LedgerVersion
from zhili.people.models import ChainLink, Person
from zhili.people.scope import Scope
from zhili.regions.models import Region

LEDGER_DIR = Path(__file__).resolve().parent / "ledgers"
SYSTEM = Scope(person_id=None, is_superuser=True)
# when the demo's offices defined their ledgers: the first working day of the demo's year, before any row
DEFINED_AT = datetime.datetime(t.YEAR, 1, 2, 9, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=8)))
d = t.d

AREA = "370125"  # 济阳县, 1989–2018 (济阳区 370115 since): the code on every Jiyang villager's number
OLD_AREA = "372430"  # 济阳县 under 德州地区, until 1989: on the numbers of many older villagers
SEQUENCES = {True: ("997", "999"), False: ("996", "998")}  # kept for centenarians by the 15-digit numbering
FIRST_PHONE = 13900010001

# Given-name characters (from names._GIVEN), split so that a name agrees with the sex its number encodes.
_FEMALE = set("秀英玉兰桂芳淑珍红霞春梅金凤丽娟秋菊")
MALE_GIVEN = "".join(dict.fromkeys(c for c in _GIVEN if c not in _FEMALE))
FEMALE_GIVEN = "".join(dict.fromkeys(c for c in _GIVEN if c in _FEMALE))
VILLAGE_SURNAME = {"郎家村": "郎", "孙家店村": "孙", "小王村": "王"}


@dataclass
class People:
    """Made-up villagers: names, identity numbers and phone numbers, each distinct, from a fixed seed."""

    rng: random.Random = field(default_factory=lambda: random.Random("zhili-demo-2020-villagers"))
    numbers: set[str] = field(default_factory=set)
    names: set[str] = field(default_factory=set)
    next_phone: int = FIRST_PHONE
    staff: set[str] = field(default_factory=set)  # the demo's staff and contacts: no villager is named like them

    def clashes(self, name: str) -> bool:
        """Whether `name` is taken, or holds a staff member's name ("常海涛" holds "常海")."""
        return name in self.names or any(
            name[i:j] in self.staff for i in range(len(name)) for j in range(i + 2, len(name) + 1)
        )

    def surname(self, village: Region) -> str:
        own = VILLAGE_SURNAME.get(village.name) or (village.name[0] if village.name[0] in _SURNAMES else None)
        if own and self.rng.random() < 0.35:
            return own
        return self.rng.choice(_SURNAMES)

    def name(self, village: Region, male: bool) -> str:
        pool = MALE_GIVEN if male else FEMALE_GIVEN
        while True:
            given = self.rng.choice(pool) + (self.rng.choice(pool) if self.rng.random() < 0.75 else "")
            full = self.surname(village) + given
            if not self.clashes(full):
                self.names.add(full)
                return full

    def born(self, first: int = 1940, last: int = 1983, mode: int = 1960) -> datetime.date:
        year = min(last, max(first, round(self.rng.triangular(first, last, mode))))
        month = self.rng.randint(1, 12)
        return datetime.date(year, month, self.rng.randint(1, calendar.monthrange(year, month)[1]))

    def identity(self, born: datetime.date, male: bool) -> str:
        """A checksum-valid GB 11643 number that shows it is made up: see the module docstring."""
        area = OLD_AREA if born.year <= 1970 and self.rng.random() < 0.45 else AREA
        while True:
            for seq in self.rng.sample(SEQUENCES[male], 2):
                body = f"{area}{born:%Y%m%d}{seq}"
                number = body + ric.calc_check_digit(body + "0")  # python-stdnum wants a check place
                if number not in self.numbers:
                    self.numbers.add(number)
                    return number
            born += datetime.timedelta(days=1)  # both codes of that day taken: the next day

    def person(self, village: Region, *, male_share: float = 0.78, **born) -> tuple[str, str]:
        male = self.rng.random() < male_share
        return self.name(village, male), self.identity(self.born(**born), male)

    def phone(self) -> str:
        self.next_phone += 1
        return str(self.next_phone - 1)


def money(value, places: int = 2) -> str:
    """A decimal as clean_row stores it: rounded half-up to the field's places, as a string."""
    return format(Decimal(str(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP), "f")


def day_in(month: int, rng: random.Random, *, first: int = 1, last: int | None = None) -> datetime.date:
    end = calendar.monthrange(t.YEAR, month)[1] if last is None else last
    return d(month, rng.randint(first, end))


@dataclass
class Ctx:
    sub: Region
    villages: list[Region]
    secretaries: dict[int, Person]
    people: dict[str, Person]
    leaders: list[Person]
    folk: People = field(default_factory=People)

    def village(self, name: str) -> Region:
        return next(v for v in self.villages if v.name == name)

    def rng(self, key: str) -> random.Random:
        return random.Random(f"zhili-demo-{t.YEAR}-ledger-{key}")


@dataclass
class Row:
    region: Region
    data: dict
    by: Person
    at: datetime.date


# ---- the rows of each ledger ----------------------------------------------------------------------------

GAS_METHODS = [("燃气壁挂炉", 70, "3500"), ("燃气灶具", 9, "1000"), ("空气源热泵", 13, "6000"), ("电采暖", 8, "2400")]


def gas_conversion(ctx: Ctx) -> list[Row]:
    """9,808 accepted households on the villages' shares, finished month by month from April to each village's
    last month; and some households that applied late (未开工 / 施工中 / 已完工, not yet accepted)."""
    rng = ctx.rng("gas-conversion")
    shares, done_by = t.gas_plan(ctx.villages)
    methods, weights = [m[0] for m in GAS_METHODS], [m[1] for m in GAS_METHODS]
    subsidy = {m: s for m, _, s in GAS_METHODS}
    rows = []

    def household(v: Region, status: str, finished: datetime.date | None, at: datetime.date) -> Row:
        name, number = ctx.folk.person(v)
        method = rng.choices(methods, weights)[0]
        data = {"village": v.code, "head_name": name, "id_number": number}
        if rng.random() < 0.93:
            data["phone"] = ctx.folk.phone()
        data["method"] = method
        if finished:
            data["finished_on"] = finished.isoformat()
        data["status"] = status
        if status == "已验收":  # paid once accepted; 户内管道改造 adds 500 元 for some
            data["subsidy"] = money(Decimal(subsidy[method]) + (500 if rng.random() < 0.3 else 0))
        return Row(v, data, ctx.secretaries[v.pk], at)

    for v, n in shares.items():
        months = list(range(4, done_by[v] + 1))
        totals = t.running_totals(Decimal(n), len(months), rng)
        before = 0
        for month, total in zip(months, totals, strict=True):
            for _ in range(int(total) - before):
                finished = day_in(month, rng)
                rows.append(household(v, "已验收", finished, finished + datetime.timedelta(days=rng.randint(1, 6))))
            before = int(total)
    kong = ctx.village(t.KONG)
    late = [kong, *rng.sample([v for v in shares if v != kong], 15)]
    for v in sorted(late, key=lambda v: v.code):
        for _ in range(rng.randint(2, 7)):
            status = rng.choice(["未开工", "施工中", "施工中", "已完工"])
            finished = day_in(11, rng, first=2, last=18) if status == "已完工" else None
            rows.append(household(v, status, finished, finished or day_in(11, rng, first=2, last=18)))
    return rows


LAND_ACQUIRED = Decimal("1623.00")  # 征地: 1,600 余亩 (the article), the 1,623 亩 of the plots' acceptance sheets
LAND_CLEARED = Decimal("1588.40")  # 清障: a few plots' attachments not yet cleared


def _land_shares(rng: random.Random, n: int, total: Decimal) -> list[Decimal]:
    """`n` households' acquired land (亩, two places) adding up to exactly `total`."""
    weights = [rng.uniform(0.4, 2.6) for _ in range(n)]
    scale = total / Decimal(str(sum(weights)))
    shares = [(Decimal(str(w)) * scale).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) for w in weights]
    shares[-1] += total - sum(shares)
    return shares


def _cleared(rng: random.Random, land: list[Decimal], total: Decimal) -> list[Decimal]:
    """Cleared land per household: all of it, but for some households whose plots still wait (part or none
    cleared), so that the rows add up to exactly `total` (less than the land acquired)."""
    cleared = list(land)
    gap = sum(land) - total
    for i in rng.sample(range(len(land)), len(land)):
        if gap <= 0:
            break
        cut = min(cleared[i], gap, (cleared[i] * Decimal(str(rng.uniform(0.3, 1)))).quantize(Decimal("0.01")))
        cleared[i] -= cut
        gap -= cut
    return cleared


def demolition(ctx: Ctx) -> list[Row]:
    """1,100 households (3,026 people) of 郎家, 孙家店 and 小王: agreements signed from 2019-12-10 to 2020-01-08,
    houses vacated by 2020-01-19; their land acquired for the park (LAND_ACQUIRED 亩) and cleared (LAND_CLEARED)."""
    rng = ctx.rng("demolition")
    plan = t.demolition_plan(ctx.villages)
    sizes = rng.choices([1, 2, 3, 4, 5, 6], [8, 30, 30, 20, 9, 3], k=sum(plan.values()))
    gap = t.DEMOLITION_RESIDENTS - sum(sizes)
    while gap:
        i = rng.randrange(len(sizes))
        step = 1 if gap > 0 else -1
        if 1 <= sizes[i] + step <= 8:
            sizes[i] += step
            gap -= step
    # the land from a generator of its own, so the households' other values stay those they always were
    land_rng = ctx.rng("demolition-land")
    land = _land_shares(land_rng, len(sizes), LAND_ACQUIRED)
    cleared = _cleared(land_rng, land, LAND_CLEARED)
    rows, k = [], 0
    first_signing = datetime.date(2019, 12, 10)
    for v, n in plan.items():
        for _ in range(n):
            name, number = ctx.folk.person(v, mode=1956)
            signed = first_signing + datetime.timedelta(days=rng.randint(0, 29))
            vacated = min(max(signed + datetime.timedelta(days=rng.randint(3, 14)), d(1, 2)), d(1, 19))
            data = {"village": v.code, "head_name": name, "id_number": number}
            if rng.random() < 0.95:
                data["phone"] = ctx.folk.phone()
            data.update(
                {
                    "members": sizes[k],
                    "area": money(rng.uniform(70, 260)),
                    "agreement_signed": True,
                    "signed_on": signed.isoformat(),
                    "relocated_on": vacated.isoformat(),
                    "land_area": money(land[k]),
                    "cleared_area": money(cleared[k]),
                }
            )
            rows.append(Row(v, data, ctx.people["demo-urban"], signed))
            k += 1
    return rows


def road_hardening(ctx: Ctx) -> list[Row]:
    rng = ctx.rng("road-hardening")
    rows = []
    for v, month in t.roads_plan(ctx.villages).items():
        length = Decimal(rng.randrange(1200, 5600, 10))
        width = Decimal(rng.choice(["3.5", "4", "4", "4.5"]))
        finished = day_in(month, rng)
        rows.append(
            Row(
                v,
                {
                    "village": v.code,
                    "length": money(length, 1),
                    "area": money(length * width, 1),
                    "households": rng.randint(120, 480),
                    "finished_on": finished.isoformat(),
                    "accepted": True,
                },
                ctx.secretaries[v.pk],
                finished + datetime.timedelta(days=3),
            )
        )
    return rows


WATER_WORKS = [
    "村内供水管网改造，入户水表更换",
    "新建供水管网，自来水入户",
    "管网延伸到户，老旧管道更换",
    "水质净化设备更新，管网改造",
]


def drinking_water(ctx: Ctx) -> list[Row]:
    rng = ctx.rng("drinking-water")
    rows = []
    for v, month in t.water_plan(ctx.villages).items():
        finished = day_in(month, rng)
        rows.append(
            Row(
                v,
                {
                    "village": v.code,
                    "content": rng.choice(WATER_WORKS),
                    "households": rng.randint(90, 420),
                    "pipe_length": money(rng.randrange(800, 4200, 10), 0),
                    "finished_on": finished.isoformat(),
                    "water_test": True,
                },
                ctx.secretaries[v.pk],
                finished + datetime.timedelta(days=2),
            )
        )
    return rows


TOILET_SITES = ["村委会东侧", "文化广场北侧", "村西主街", "幸福院南侧", "村东路口", "村南生产路旁"]


def public_toilets(ctx: Ctx) -> list[Row]:
    """17 toilets: 12 tendered in September and October, five not (孔家坊's is being re-sited)."""
    rng = ctx.rng("public-toilets")
    chosen, tendered = t.toilets_plan(ctx.villages)
    rows = []
    for v in chosen:
        data = {"village": v.code, "location": v.name + rng.choice(TOILET_SITES)}
        month = tendered[v]
        if month is None:
            kong = v.name == t.KONG
            data["stage"] = "选址" if kong else "设计"
            data["budget"] = money(rng.randrange(180, 350) / 10)
            data["note"] = "示范村规划调整，公厕重新选址，未完成招标" if kong else "选址存在争议，招标文件未挂网"
            at = d(11, rng.randint(2, 13))
        else:
            day = day_in(month, rng)
            data["stage"] = "施工中" if month == 9 and rng.random() < 0.5 else "已招标"
            data["tendered_on"] = day.isoformat()
            data["budget"] = money(rng.randrange(180, 350) / 10)
            data["note"] = "已确定施工单位" if data["stage"] == "已招标" else "已进场施工"
            at = day + datetime.timedelta(days=1)
        rows.append(Row(v, data, ctx.people["demo-urban"], at))
    return rows


# (type, crops, village or None for a made-up one, name pattern); registered month by month, 22 in January–September
ENTITIES = [
    ("农民专业合作社", "金银花", t.KONG, "coop"),
    ("农业企业", "西瓜、甜瓜", "哈叭沟村", "firm"),
    ("家庭农场", "西瓜", "阎桥村", "farm"),
    ("农民专业合作社", "文冠果", None, "coop"),
    ("农民专业合作社", "西瓜", "来佛寺村", "coop"),
    ("家庭农场", "小麦、玉米", None, "farm"),
    ("农业企业", "金银花、文冠果", "白家堰村", "firm"),
    ("农民专业合作社", "蔬菜", None, "coop"),
    ("家庭农场", "西瓜、蔬菜", None, "farm"),
    ("农民专业合作社", "苗木", None, "coop"),
    ("家庭农场", "金银花", t.KONG, "farm"),
    ("农业企业", "文冠果", None, "firm"),
    ("农民专业合作社", "小麦、玉米", None, "coop"),
    ("家庭农场", "西瓜", "哈叭沟村", "farm"),
    ("农民专业合作社", "食用菌", None, "coop"),
    ("家庭农场", "蔬菜", None, "farm"),
    ("农业企业", "西瓜", None, "firm"),
    ("农民专业合作社", "金银花", "白家堰村", "coop"),
    ("家庭农场", "文冠果", None, "farm"),
    ("农民专业合作社", "西瓜、甜瓜", "阎桥村", "coop"),
    ("农业企业", "蔬菜、食用菌", None, "firm"),
    ("家庭农场", "小麦、玉米", None, "farm"),
]
ENTITY_MONTHS = [2, 1, 3, 3, 3, 3, 2, 2, 3]  # registered per month, January–September (2, 3, 6, 9 … 22)
FIRM_NAMES = ["甜源", "瓜乡", "禾润", "沃田", "丰泽"]
USCC_TYPE = {"农民专业合作社": "93", "家庭农场": "92", "农业企业": "91"}


def credit_code(kind: str, serial: int) -> str:
    body = f"{USCC_TYPE[kind]}370115MA00000{serial:02d}"
    return body + uscc.calc_check_digit(body)


def agri_entities(ctx: Ctx) -> list[Row]:
    rng = ctx.rng("agri-entities")
    pool = [v for v in ctx.villages if v.is_synthetic and v.name not in t.DEMOLISHED]
    months = [m for m, n in enumerate(ENTITY_MONTHS, start=1) for _ in range(n)]
    firms = iter(FIRM_NAMES)
    rows = []
    for serial, ((kind, crops, where, pattern), month) in enumerate(zip(ENTITIES, months, strict=True), start=1):
        v = ctx.village(where) if where else rng.choice(pool)
        stem = v.name.removesuffix("村")
        head = ctx.folk.name(v, rng.random() < 0.85)
        crop = crops.split("、")[0]
        if pattern == "coop":
            name = f"济南市济阳区{stem}{crop}种植专业合作社"
        elif pattern == "farm":
            name = f"济阳区{stem}{head}家庭农场"
        else:
            name = f"济南{next(firms)}{crop}农业科技有限公司"
        registered = day_in(month, rng, last=28)
        rows.append(
            Row(
                v,
                {
                    "name": name,
                    "type": kind,
                    "uscc": credit_code(kind, serial),
                    "village": v.code,
                    "legal_person": head,
                    "crops": crops,
                    "area": money(rng.randrange(500, 6000) / 10, 1),
                    "registered_on": registered.isoformat(),
                },
                ctx.leaders[1],
                registered + datetime.timedelta(days=5),
            )
        )
    return rows


LAND_USES = ["金银花", "文冠果", "西瓜", "小麦、玉米", "蔬菜", "苗木"]


def land_transfer(ctx: Ctx, entities: list[Row]) -> list[Row]:
    """Contracts signed from March to October, adding up to each village's transferred area (6,030 亩 in all);
    the new agricultural entities are among the transferees."""
    rng = ctx.rng("land-transfer")
    _, finals = t.land_plan(ctx.villages)
    by_village: dict[str, list[dict]] = {}
    for e in entities:
        by_village.setdefault(e.data["village"], []).append(e.data)
    rows, seq = [], 0
    for v, total in sorted(finals.items(), key=lambda kv: kv[0].code):
        k = max(1, min(6, int(total) // 60))
        weights = [rng.uniform(0.6, 1.4) for _ in range(k)]
        parts = [Decimal(float(total) * w / sum(weights)).quantize(Decimal("0.01")) for w in weights]
        parts[-1] += Decimal(total) - sum(parts)
        own = by_village.get(v.code, [])
        for area in parts:
            seq += 1
            if own and rng.random() < 0.7:
                entity = rng.choice(own)
                transferee, use = entity["name"], entity["crops"]
            else:
                transferee, use = f"{ctx.folk.name(v, True)}（种植大户）", rng.choice(LAND_USES)
            signed = day_in(rng.randint(3, 10), rng, last=28)
            rows.append(
                Row(
                    v,
                    {
                        "contract_no": f"TPLZ-{t.YEAR}-{seq:04d}",
                        "village": v.code,
                        "transferor": f"{v.name}股份经济合作社（受 {max(2, int(area) // 4)} 户委托）",
                        "transferee": transferee,
                        "area": money(area),
                        "term": rng.choice([5, 8, 10, 10, 15]),
                        "use": use,
                        "rent": money(rng.randrange(80, 125) * 10),
                        "signed_on": signed.isoformat(),
                    },
                    ctx.secretaries[v.pk],
                    signed + datetime.timedelta(days=2),
                )
            )
    return rows


def garbage_pilot(ctx: Ctx) -> list[Row]:
    """Every weekly round of the four pilot villages, and 孔家坊's launch meeting."""
    rng = ctx.rng("garbage-pilot")
    kong = ctx.village(t.KONG)
    day, households = t.GARBAGE_KICKOFF
    rounds = [
        (kong, day, households, "试点启动暨“人居环境整治提升集中活动月”动员"),
        *((v, day, n, "") for v, day, n in t.garbage_plan(ctx.villages)),
    ]
    rows = []
    for v, day, n, note in sorted(rounds, key=lambda r: (r[0].code, r[1])):
        data = {
            "village": v.code,
            "date": day.isoformat(),
            "households": n,
            "recyclables": money(n * rng.uniform(0.3, 0.9), 1),
        }
        if note:
            data["note"] = note
        rows.append(Row(v, data, ctx.secretaries[v.pk], day))
    return rows


INCOME_SOURCES = [
    "闲散地统一回收后发包",
    "集体房屋出租、闲散地发包",
    "光伏发电收益、土地发包",
    "合作社分红、集体厂房租赁",
    "机动地发包、坑塘承包",
]


def collective_income(ctx: Ctx) -> list[Row]:
    """One row per village for 2019 (before the 三资 clean-up) and 2020 (so far)."""
    rng = ctx.rng("collective-income")
    _, finals = t.income_plan(ctx.villages)
    rows = []
    for v in ctx.villages:
        last_year = money(float(finals[v]) * rng.uniform(0.45, 0.85))
        rows.append(
            Row(
                v,
                {"village": v.code, "year": t.YEAR - 1, "income": last_year, "sources": rng.choice(INCOME_SOURCES[1:])},
                ctx.secretaries[v.pk],
                d(1, 15),
            )
        )
        sources = "闲散地统一回收后发包，金银花基地分红" if v.name == t.KONG else rng.choice(INCOME_SOURCES)
        rows.append(
            Row(
                v,
                {"village": v.code, "year": t.YEAR, "income": money(finals[v]), "sources": sources},
                ctx.secretaries[v.pk],
                d(11, 10),
            )
        )
    return rows


# ---- loading ---------------------------------------------------------------------------------------------


def _write(ledger: Ledger, rows: list[Row]) -> int:
    version = ledger.current_version
    key = version.key
    LedgerRow.objects.bulk_create(
        [
            LedgerRow(
                ledger=ledger,
                subdistrict_id=ledger.region_id,
                version=version,
                region=r.region,
                data=r.data,
                key_value="|".join(str(r.data.get(k, "")) for k in key) if key else "",
                created_by=r.by,
                modified_by=r.by,
                created_at=t.at(r.at, 9 + i % 9, i * 7 % 60),
            )
            for i, r in enumerate(rows)
        ],
        batch_size=2000,
    )
    # bulk_create stamps modified_at with the real time; a demo row was last touched when it was written
    LedgerRow.objects.filter(ledger=ledger).update(modified_at=F("created_at"))
    return len(rows)


def define_all(summary, sub: Region) -> dict[str, Ledger]:
    """Every definition file in zhili/demo/ledgers/, defined for `sub` if its code is missing."""
    ledgers = {}
    for path in sorted(LEDGER_DIR.glob("*.yaml")):
        data = definitions.load_file(path)
        ledger = Ledger.objects.filter(region=sub, code=data["code"]).select_related("current_version").first()
        if ledger is None:
            ledger = do_define_ledger(region=sub, data=data, actor=None, scope=SYSTEM)
            # defined in the demo's world, before its first rows (docs/ARCHITECTURE.md, "Today"): the demo's own
            # records carry 2020 dates; what people do in it is recorded at the real time
            LedgerVersion.objects.filter(ledger=ledger).update(created_at=DEFINED_AT)
            Ledger.objects.filter(pk=ledger.pk).update(created_at=DEFINED_AT, modified_at=DEFINED_AT)
            summary.add("ledgers")
        ledgers[ledger.code] = ledger
    return ledgers


def load(summary, *, sub: Region, villages: list[Region], people: dict[str, Person], leaders: list[Person]) -> None:
    """Define the demo ledgers and fill the empty ones on the demo's `villages` (by code, merged or not); counts go
    into `summary` (taiping.Summary)."""
    ledgers = define_all(summary, sub)
    filled = set(
        LedgerRow.objects.filter(ledger__in=ledgers.values()).values_list("ledger__code", flat=True).distinct()
    )
    if filled >= set(ledgers):
        return
    usernames = {f"v{v.code[-3:]}-sj": v.pk for v in villages}
    secretaries = {usernames[p.username]: p for p in Person.objects.filter(username__in=usernames)}
    secretaries[next(v.pk for v in villages if v.name == t.KONG)] = people["demo-village"]
    ctx = Ctx(sub, villages, secretaries, people, leaders)
    ctx.folk.staff = set(Person.objects.values_list("full_name", flat=True)) | set(
        ChainLink.objects.exclude(contact_name="").values_list("contact_name", flat=True)
    )
    # Always built in the same order, so each ledger's made-up people are the same whichever ledgers are empty.
    entities = agri_entities(ctx)
    built = {
        "gas-conversion": gas_conversion(ctx),
        "demolition": demolition(ctx),
        "road-hardening": road_hardening(ctx),
        "drinking-water": drinking_water(ctx),
        "public-toilets": public_toilets(ctx),
        "agri-entities": entities,
        "land-transfer": land_transfer(ctx, entities),
        "garbage-pilot": garbage_pilot(ctx),
        "collective-income": collective_income(ctx),
    }
    for code, rows in built.items():
        if code in ledgers and code not in filled:
            summary.add("ledger rows", _write(ledgers[code], rows))
