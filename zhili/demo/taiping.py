"""The Taiping demo (../shared/seed/DIGEST.md): Taiping Subdistrict, its 91 villages, grids, offices, people.

load() is idempotent: it creates what is missing and changes nothing that exists, so `zhili demo` can run
any number of times. It refuses to run on a database that holds anything but demo data, because it writes
accounts with a published password.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction

from zhili.core import audit
from zhili.core.models import SiteFlag
from zhili.demo import (
    bulletins2020,
    cases2020,
    duty2020,
    households2020,
    ledgers2020,
    party2020,
    projects2020,
    reports2020,
    targets2020,
    works2020,
)
from zhili.demo.names import PersonNames, village_names
from zhili.people.models import ChainLevel, ChainLink, Person, Role, RoleAssignment, Unit
from zhili.people.scope import Scope
from zhili.regions.actions import validate_code
from zhili.regions.models import PATH_SEP, Level, Region

DEMO_FLAG = "demo"
DEMO_PASSWORD = "zhili-demo"
SYSTEM = Scope(person_id=None, is_superuser=True)

CITY = ("370100", "济南市")
DISTRICT = ("370115", "济阳区")
SUBDISTRICT = ("370115003", "太平街道")
SUBDISTRICT_NOTE = "由济南新旧动能转换先行区托管；街道以下代码为演示用虚构编码。"
VILLAGE_COUNT = 91
VALID_FROM = datetime.date(2019, 1, 1)

UNITS = [
    ("economy", "经济发展办公室（经发办）"),
    ("urban", "城市管理办公室（城管办）"),
    ("civil", "民政办公室（民政办·扶贫）"),
    ("party", "党建工作办公室（党建办）"),
    ("security", "综合治理办公室（综治办）"),
    ("agri", "农业农村办公室（农业办）"),
]
CHAIN_LEVELS = ["街道包村领导", "管区书记", "村党支部书记", "网格员", "联户长"]

# The demo logins, as listed in the README.
LOGINS = [
    # username, name, title, role, where: "subdistrict" | unit code | "village" | "grid"
    ("demo-leader", "周太平", "党工委书记", [(Role.LEADER, "subdistrict"), (Role.ADMIN, "subdistrict")]),
    ("demo-economy", "刘经发", "经发办主任", [(Role.OFFICER, "economy")]),
    ("demo-urban", "陈城管", "城管办主任", [(Role.OFFICER, "urban")]),
    ("demo-civil", "王民政", "民政办（扶贫）专干", [(Role.OFFICER, "civil")]),
    ("demo-village", "孔立新", "孔家坊村党支部书记", [(Role.VILLAGE_CADRE, "village")]),
    ("demo-grid", "孔秀英", "孔家坊村第一网格网格员", [(Role.GRID_INSPECTOR, "grid")]),
    ("demo-viewer", "赵查看", "区级督查人员", [(Role.VIEWER, "subdistrict")]),
    ("demo-tips", "严正明", "政法委员（线索专管员）", [(Role.TIP_OFFICER, "subdistrict")]),
    # 三员分立: the security and audit administrators beside the system administrator (demo-leader holds that)
    ("demo-security", "孙安全", "安全保密管理员", [(Role.SECURITY_ADMIN, "subdistrict")]),
    ("demo-auditor", "李审计", "安全审计员", [(Role.AUDIT_ADMIN, "subdistrict")]),
]
DEMO_VILLAGE = "孔家坊村"

# The subdistrict's rough extent (WGS-84), north of the Yellow River in Jiyang; villages tile it.
WEST, EAST, SOUTH, NORTH = 116.98, 117.16, 36.90, 37.02
COLUMNS = 13


class DemoRefused(Exception):
    """The database holds data that is not the demo's: the demo will not put known passwords there."""


@dataclass
class Summary:
    created: dict[str, int] = field(default_factory=dict)

    def add(self, what: str, n: int = 1) -> None:
        self.created[what] = self.created.get(what, 0) + n

    @property
    def changed(self) -> bool:
        return any(self.created.values())


def village_code(i: int) -> str:
    """The code of the demo's i-th village: communities 001-002, villages 202-."""
    return f"{SUBDISTRICT[0]}{(1 if i < 2 else 200) + i:03d}"


def as_made(villages: list[Region]) -> list[Region]:
    """The demo's villages (in the order it made them) with the names it gave them, whatever has happened to them
    since — merged into another village, renamed: the demo plans on them, so that a top-up writes what the first
    load would have written; a village set up since (a merge's successor) is not the demo's."""
    for village, (name, _) in zip(villages, village_names(VILLAGE_COUNT), strict=True):
        village.name = name  # in memory only: nothing saves a village here
    return villages


def demo_villages() -> list[Region]:
    """The demo's 91 villages, by their codes, as it made them (see as_made)."""
    codes = [village_code(i) for i in range(VILLAGE_COUNT)]
    by_code = {r.code: r for r in Region.objects.filter(code__in=codes)}
    return as_made([by_code[c] for c in codes])


def cannot_top_up(exc: Exception) -> str:
    """The one sentence `zhili demo` says when a top-up stopped (the load is one transaction: nothing written)."""
    from django.core.exceptions import ValidationError

    if isinstance(exc, ValidationError):
        why = "；".join(m.rstrip("。") for m in exc.messages)
    else:
        why = f"{type(exc).__name__}: {exc}"
    return (
        f"未能补齐演示数据（{why}），数据库未作任何改动：要使用现有数据请运行 zhili serve，"
        "要重新体验完整的演示请换一个空的数据目录（ZHILI_DATA_DIR）再运行 zhili demo。"
    )


def check_can_load() -> None:
    if SiteFlag.objects.filter(key=DEMO_FLAG).exists():
        return
    if Person.objects.exists() or Region.objects.exists():
        raise DemoRefused(
            "此数据库中已有非演示数据，zhili demo 不会向其中写入公开的演示账号和密码。"
            "请换一个空的数据目录（设置 ZHILI_DATA_DIR）或空的数据库再运行 zhili demo。"
        )


def _rect(west: float, south: float, east: float, north: float) -> dict:
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    return {"type": "Polygon", "coordinates": [[[round(x, 6), round(y, 6)] for x, y in ring]]}


def _center(west: float, south: float, east: float, north: float) -> tuple[Decimal, Decimal]:
    return Decimal(f"{(west + east) / 2:.6f}"), Decimal(f"{(south + north) / 2:.6f}")


def _region(
    summary: Summary,
    *,
    code: str,
    name: str,
    level: Level,
    parent: Region | None,
    box=None,
    is_synthetic: bool = False,
    note: str = "",
) -> Region:
    existing = Region.objects.filter(code=code).first()
    if existing:
        return existing
    validate_code(code, level, parent)
    lng, lat = _center(*box) if box else (None, None)
    region = Region.objects.create(
        code=code,
        name=name,
        level=level,
        parent=parent,
        path=(parent.path if parent else "") + code + PATH_SEP,
        boundary=_rect(*box) if box else None,
        center_lng=lng,
        center_lat=lat,
        valid_from=VALID_FROM,
        is_synthetic=is_synthetic,
        note=note,
    )
    summary.add("regions")
    return region


def _person(
    summary: Summary,
    username: str,
    full_name: str,
    region: Region,
    *,
    title: str = "",
    phone: str = "",
    unit: Unit | None = None,
    password: str | None = None,
) -> Person:
    existing = Person.objects.filter(username=username).first()
    if existing:
        return existing
    person = Person(
        username=username, full_name=full_name, region=region, title=title, phone=phone, unit=unit, is_synthetic=True
    )
    if password:
        person.set_password(password)
    else:
        person.set_unusable_password()
    person.save()
    summary.add("people")
    return person


def _role(
    summary: Summary, person: Person, role: Role, region: Region, *, unit: Unit | None = None, title: str = ""
) -> None:
    if RoleAssignment.objects.filter(person=person, role=role, region=region, unit=unit).exists():
        return
    RoleAssignment.objects.create(person=person, role=role, region=region, unit=unit, title=title)
    summary.add("roles")


@transaction.atomic
def load() -> Summary:
    """Create (or top up) the Taiping demo. Raises DemoRefused on a database with other data."""
    check_can_load()
    summary = Summary()
    rng = random.Random(3701)
    names = PersonNames()

    city = _region(summary, code=CITY[0], name=CITY[1], level=Level.CITY, parent=None)
    district = _region(summary, code=DISTRICT[0], name=DISTRICT[1], level=Level.DISTRICT, parent=city)
    sub = _region(
        summary,
        code=SUBDISTRICT[0],
        name=SUBDISTRICT[1],
        level=Level.SUBDISTRICT,
        parent=district,
        box=(WEST, SOUTH, EAST, NORTH),
        note=SUBDISTRICT_NOTE,
    )

    units = {}
    for code, name in UNITS:
        units[code], made = Unit.objects.get_or_create(region=sub, code=code, defaults={"name": name})
        summary.add("units", int(made))

    levels = []
    for order, name in enumerate(CHAIN_LEVELS, start=1):
        level, made = ChainLevel.objects.get_or_create(subdistrict=sub, order=order, defaults={"name": name})
        levels.append(level)
        summary.add("chain levels", int(made))

    # Villages tile the subdistrict's rectangle, 13 columns by 7 rows; grids split a village into strips.
    rows = -(-VILLAGE_COUNT // COLUMNS)
    cell_w = (EAST - WEST) / COLUMNS
    cell_h = (NORTH - SOUTH) / rows
    villages: list[Region] = []
    grids_of: dict[int, list[Region]] = {}
    for i, (vname, synthetic) in enumerate(village_names(VILLAGE_COUNT)):
        col, row = i % COLUMNS, i // COLUMNS
        west, north = WEST + col * cell_w, NORTH - row * cell_h
        box = (west, north - cell_h, west + cell_w, north)
        code = village_code(i)
        village = _region(
            summary,
            code=code,
            name=vname,
            level=Level.VILLAGE,
            parent=sub,
            box=box,
            is_synthetic=synthetic,
            note="" if not synthetic else "虚构村名（演示）",
        )
        villages.append(village)
        n_grids = rng.randint(2, 5)
        grid_w = cell_w / n_grids
        grids_of[village.pk] = [
            _region(
                summary,
                code=f"{code}{g + 1:03d}",
                name=f"{vname}第{g + 1}网格",
                level=Level.GRID,
                parent=village,
                box=(west + g * grid_w, north - cell_h, west + (g + 1) * grid_w, north),
                is_synthetic=True,
            )
            for g in range(n_grids)
        ]
    villages = as_made(villages)

    # The demo logins.
    kongjiafang = next(v for v in villages if v.name == DEMO_VILLAGE)
    demo_people: dict[str, Person] = {}
    for username, full_name, title, roles in LOGINS:
        first_unit = next((units[w] for _, w in roles if w in units), None)
        home = kongjiafang if any(w in ("village", "grid") for _, w in roles) else sub
        person = _person(
            summary,
            username,
            full_name,
            home,
            title=title,
            phone=names.phone(),
            unit=first_unit,
            password=DEMO_PASSWORD,
        )
        demo_people[username] = person
        for role, where in roles:
            if where == "subdistrict":
                _role(summary, person, role, sub, title=title)
            elif where in units:
                _role(summary, person, role, sub, unit=units[where], title=title)
            elif where == "village":
                _role(summary, person, role, kongjiafang, title=title)
            elif where == "grid":
                _role(summary, person, role, grids_of[kongjiafang.pk][0], title=title)

    # Synthetic staff: six leaders who each answer for a group of villages (包村), eight 管区 secretaries,
    # a party secretary per village and an inspector per grid. They cannot sign in (no password).
    leaders = [demo_people["demo-leader"]] + [
        _person(summary, f"sub-leader-{k}", names.name(), sub, title="街道副主任（包村）", phone=names.phone())
        for k in range(1, 6)
    ]
    for leader in leaders[1:]:
        _role(summary, leader, Role.LEADER, sub, title=leader.title)
    managers = [
        _person(summary, f"guanqu-{k}", names.name(), sub, title=f"第{k}管区书记", phone=names.phone())
        for k in range(1, 9)
    ]
    links: list[ChainLink] = []
    existing_links = set(ChainLink.objects.filter(grid__path__startswith=sub.path).values_list("grid_id", "level_id"))
    for i, village in enumerate(villages):
        if village.name == DEMO_VILLAGE:
            secretary = demo_people["demo-village"]
        else:
            secretary = _person(
                summary,
                f"v{village.code[-3:]}-sj",
                names.name(),
                village,
                title=f"{village.name}党支部书记",
                phone=names.phone(),
            )
            _role(summary, secretary, Role.VILLAGE_CADRE, village, title=secretary.title)
        leader = leaders[i % len(leaders)] if village.name != DEMO_VILLAGE else leaders[0]
        manager = managers[i * len(managers) // len(villages)]
        for g, grid in enumerate(grids_of[village.pk]):
            if village.name == DEMO_VILLAGE and g == 0:
                inspector = demo_people["demo-grid"]
            else:
                inspector = _person(
                    summary,
                    f"g{grid.code[-6:]}",
                    names.name(),
                    village,
                    title=f"{grid.name}网格员",
                    phone=names.phone(),
                )
                _role(summary, inspector, Role.GRID_INSPECTOR, grid, title=inspector.title)
            chain = [leader, manager, secretary, inspector, None]
            for level, who in zip(levels, chain, strict=True):
                if (grid.pk, level.pk) in existing_links:
                    continue
                if who is None:
                    links.append(
                        ChainLink(
                            grid=grid,
                            level=level,
                            contact_name=names.name(),
                            contact_phone=names.phone(),
                            note="联户长（虚构）",
                        )
                    )
                else:
                    links.append(ChainLink(grid=grid, level=level, person=who))
    ChainLink.objects.bulk_create(links)
    summary.add("chain links", len(links))

    # The demo ledgers (台账), defined from the files in zhili/demo/ledgers/; first, as the targets count them.
    ledgers2020.load(summary, sub=sub, villages=villages, people=demo_people, leaders=leaders)

    # The 2020 "1234" work system: goals, tasks, indicators, shares, monthly progress, ranking, 催办.
    targets2020.load(summary, sub=sub, villages=villages, units=units, people=demo_people, leaders=leaders)

    # Grid cases: patrols, the superior inspection's 150 items, citizens' reports and a tip (zhili/demo/cases2020.py).
    cases2020.load(summary, sub=sub, villages=villages, units=units, people=demo_people, leaders=leaders)
    works2020.load(summary, sub=sub, villages=villages, units=units, people=demo_people, leaders=leaders)

    # Construction projects, the tax bureau's receipts, key enterprises and their requests (zhili/demo/projects2020.py):
    # what the board's 固定资产投资 and 税收收入 count.
    projects2020.load(summary, sub=sub, villages=villages, units=units, people=demo_people, leaders=leaders)

    # Households of ten villages with their members, the 两不愁三保障 checklist, assistance officers, a year of
    # visits (遍访), measures, findings as cases, the four trainings for officers (zhili/demo/households2020.py).
    households2020.load(summary, sub=sub, villages=villages, units=units, people=demo_people, leaders=leaders)
    # The village cadres' office duty (坐班) of Oct–Nov 2020 (zhili/demo/duty2020.py).
    duty2020.load(summary, sub=sub, villages=villages, people=demo_people)
    # Party branches, members, a year of meetings, the integrity talks 4.4.1.1 counts, the 头雁 roster
    # (zhili/demo/party2020.py).
    party2020.load(summary, sub=sub, villages=villages, people=demo_people, leaders=leaders)
    # A year of weekly bulletins, each reviewed by a 点评会 with its 督办 items (zhili/demo/bulletins2020.py).
    bulletins2020.load(summary, sub=sub, villages=villages, people=demo_people, leaders=leaders)
    # Three upward forms (上报) of the district, mapped and filed for 2020 through the chain (zhili/demo/reports2020.py).
    reports2020.load(summary, sub=sub, villages=villages, people=demo_people, leaders=leaders)

    if not SiteFlag.objects.filter(key=DEMO_FLAG).exists():
        SiteFlag.objects.create(key=DEMO_FLAG, value=datetime.date.today().isoformat())
    if summary.changed:
        audit.record(
            None, "demo.load", sub, changes={k: [None, v] for k, v in summary.created.items() if v}, reason="zhili demo"
        )
    return summary
