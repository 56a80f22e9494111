"""Taiping's households and their assistance in 2020, for the demo (synthetic: 演示数据 — every household, person,
number, visit and cost here is made up, from fixed seeds).

What it writes (zhili/households):
- the household setup, categories and the 两不愁三保障 + 饮水安全 checklist (`actions.ensure_defaults`);
- about 3,000 households in ten villages (孔家坊村, the article's 白家堰、阎桥、来佛寺 and six made-up ones), on the
  villages' grids, with their members: names and GB 11643 identity numbers from the ledgers' generator
  (`ledgers2020.People`: sequence codes 996–999 no living villager has, valid check character) under the
  district's area code 370115; categories at the proportions of a Shandong plains subdistrict (脱贫户 most, 低保
  overlapping, 监测户 a tenth, 特困供养 the old living alone); housing grades mostly A/B, a few C/D;
- about 140 assistance officers (帮扶责任人): the ten villages' party secretaries (孔家坊's is demo-village) and grid
  inspectors, and district and subdistrict cadres made here (`v202-bf-01`…, named like the secretaries, with a
  read-only role on their village; they cannot sign in), some 22 households each — an inspector on his own grid;
- the checklist's state on every household: 达标 nearly everywhere, 义务教育 不适用 without a child of 6–15, and
  the items still 未达标 on today (every C/D house, a few uninsured members, a child out of school, a well) —
  most of them reported as cases (两不愁三保障未达标, routed to 民政办) being worked, the newest not yet; items found
  and fixed earlier in the year are 达标 again, their cases closed (问题清零);
- visits (遍访) from January to 2020-11-19, monthly or so (none in February: the epidemic), by each household's
  officer: most households visited within the last 30 days, not all — a few officers lag, and in 薛家圈村
  (the fifth made-up village) the district's officers fell behind — so the coverage views show laggards;
- measures with their cost (墙面粉刷, 吊顶, 添置家具, 改厕, 门窗维修 — the article's examples);
- the four trainings for assistance officers (the article), with attendance (126, 131, 129, 134).

The households are written with bulk_create, their counting fields by one `actions.refresh_households` over all
of them. Idempotent like the other demo loaders: each block is written only when it is missing.
"""

from __future__ import annotations

import datetime
import functools
import random
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection, models
from django.db.models import Q
from stdnum.cn import ric

from zhili.cases.models import Case, CasePhoto, PhotoStage, RouteRule, Source
from zhili.demo import cases2020
from zhili.demo import targets2020 as t
from zhili.demo.ledgers2020 import SEQUENCES, People
from zhili.demo.names import PersonNames
from zhili.households import actions, findings
from zhili.households.models import (
    Category,
    ChecklistItem,
    CheckState,
    Health,
    Household,
    HouseholdCheck,
    Measure,
    Member,
    Relation,
    Sex,
    Training,
    TrainingAttendance,
    Visit,
    VisitKind,
    name_key,
)
from zhili.people.models import Person, Role, RoleAssignment, Unit
from zhili.people.scope import Scope
from zhili.regions.models import Level, Region

YEAR, TODAY, d = t.YEAR, t.TODAY, t.d
AREA = "370115"  # 济阳区
SYSTEM = Scope(person_id=None, is_superuser=True)
REGISTERED_AT = cases2020.aware(datetime.date(2020, 1, 2), 9)  # the registers as the office keeps them
DEMO = "演示数据"
# the ten villages and how many registered households each has (孔家坊 first: demo-village's)
VILLAGES = [(t.KONG, 336), ("白家堰村", 312), ("阎桥村", 301), ("来佛寺村", 268)]
MADE_UP_SIZES = [294, 276, 318, 259, 305, 287]  # the first six made-up villages, by code
LAGGING = 4  # the fifth made-up village: its district officers fell behind with their visits
PER_OFFICER = 22
INTERVAL_DAYS = 30  # the setup's default: "visited" = within the last 30 days
TRAININGS = [
    (d(3, 18), 126, "“两不愁、三保障”和“五通十有”标准"),
    (d(5, 20), 131, "对照督查反馈问题自查评估"),
    (d(7, 15), 129, "扶贫项目监管和资金使用"),
    (d(9, 23), 134, "遍访、“回头看”和扶贫档案提升"),
]
TRAINING_PLACE = "街道便民服务中心"
STREETS = ["东街", "西街", "南街", "北街", "中心街", "前街", "后街", "新村路"]
VISIT_NOTES = [
    "家中情况稳定，宣讲帮扶政策",
    "了解家庭收入和务工情况，无异常",
    "查看住房、饮水情况，正常",
    "核对扶贫手册和明白纸，已更新",
    "协助办理慢性病门诊卡",
    "了解子女上学情况，正常在校",
    "询问医保报销情况，已享受政策",
    "帮助打扫院落，达到“五净一规范”",
    "核实产业扶贫分红到户情况",
]
MEASURES = [  # kind, description, cost range (元)
    ("墙面粉刷", "室内墙面粉刷", (800, 2600)),
    ("吊顶", "客厅、卧室吊顶", (1500, 3800)),
    ("添置家具", "添置床、衣柜、桌椅", (600, 2400)),
    ("改厕", "旱厕改造为水冲式厕所", (1200, 1900)),
    ("门窗维修", "更换破损门窗", (300, 1600)),
]
# item code → (what was found, what was done): the findings raised as cases
FOUND = {
    "housing": ("住房经鉴定为{grade}级，需加固改造", "已完成危房改造，经鉴定为 B 级"),
    "medical": ("家庭成员{who}未参加 2020 年城乡居民基本医疗保险", "已补缴并参保，医保卡已办理"),
    "education": ("子女{who}辍学在家", "已劝返复学，落实教育资助"),
    "water": ("自来水入户管道冻裂，饮水不便", "已维修入户管道，恢复供水"),
    "food": ("家中存粮不足，生活困难", "已落实临时救助，发放米面油"),
    "clothes": ("冬季衣被不足", "已发放棉衣、棉被"),
}
FIXED_EARLIER = {"housing": 14, "medical": 22, "education": 6, "water": 18, "food": 5, "clothes": 7}  # closed cases
STILL_FAILING = {"medical": 6, "education": 2, "water": 4}  # besides every C/D house
NOT_YET_REPORTED = 0.15  # share of today's failing items found in the last days, no case yet


class Villagers(People):
    """The ledgers' made-up villagers, numbered under the district's code 370115 (sequence codes 996–999)."""

    def identity(self, born: datetime.date, male: bool) -> str:
        while True:
            for seq in self.rng.sample(SEQUENCES[male], 2):
                body = f"{AREA}{born:%Y%m%d}{seq}"
                number = body + ric.calc_check_digit(body + "0")
                if number not in self.numbers:
                    self.numbers.add(number)
                    return number
            born += datetime.timedelta(days=1)


@dataclass(slots=True)
class CheckRow:
    """A household's state on one item, as planned (written raw once the cases it names exist)."""

    household: Household
    item: ChecklistItem
    state: str
    evidence: str
    checked_on: datetime.date
    case: Case | None = None


def _insert(model, rows: list[dict]) -> None:
    """INSERT plain rows ({attname: value}; a field not given takes its default) with one executemany per 2,000,
    values prepared as bulk_create prepares them (cases2020.insert, without building thousands of model objects)."""
    if not rows:
        return
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    defaults = {f.attname: f.get_default() for f in fields}
    prep = []
    for f in fields:
        if isinstance(f, models.DateTimeField):
            prep.append(functools.cache(connection.ops.adapt_datetimefield_value))
        elif isinstance(f, (models.JSONField, models.FileField, models.DecimalField)):
            prep.append(lambda v, f=f: f.get_db_prep_save(v, connection))
        else:
            prep.append(None)
    sql = (
        f"INSERT INTO {connection.ops.quote_name(model._meta.db_table)} "
        f"({', '.join(connection.ops.quote_name(f.column) for f in fields)}) "
        f"VALUES ({', '.join(['%s'] * len(fields))})"
    )
    names = [f.attname for f in fields]
    values = []
    for row in rows:
        vals = [row.get(n, defaults[n]) for n in names]
        values.append([v if p is None or v is None else p(v) for v, p in zip(vals, prep, strict=True)])
    with connection.cursor() as cursor:
        for k in range(0, len(values), 2000):
            cursor.executemany(sql, values[k : k + 2000])


@functools.cache
def _midnight(day: datetime.date) -> datetime.datetime:
    return cases2020.aware(day, 0)


def at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    """cases2020.aware, for tens of thousands of rows (China keeps no summer time)."""
    return _midnight(day) + datetime.timedelta(hours=hour, minutes=minute)


def rng_for(key: str) -> random.Random:
    return random.Random(f"zhili-demo-{YEAR}-households-{key}")


def age_on(born: datetime.date, day: datetime.date = TODAY) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def the_villages(villages: list[Region]) -> list[tuple[Region, int]]:
    by_name = {v.name: v for v in villages}
    chosen = [(by_name[name], n) for name, n in VILLAGES]
    made_up = sorted(
        (v for v in villages if v.is_synthetic and v.valid_to is None and v.name not in t.DEMOLISHED),
        key=lambda v: v.code,
    )[: len(MADE_UP_SIZES)]
    return chosen + list(zip(made_up, MADE_UP_SIZES, strict=True))


def load(
    summary,
    *,
    sub: Region,
    villages: list[Region],
    units: dict[str, Unit],
    people: dict[str, Person],
    leaders: list[Person],
) -> None:
    """Create (or top up) Taiping's households, officers, visits, measures and trainings; counts into `summary`."""
    actions.ensure_defaults(sub)
    chosen = the_villages(villages)
    officers = _officers(summary, sub, chosen, people)
    if not Household.objects.filter(subdistrict=sub).exists():
        _households(summary, sub, villages, chosen, officers, units, people, leaders)
    if not Training.objects.filter(subdistrict=sub).exists():
        _trainings(summary, sub, officers, people)


# ---- officers --------------------------------------------------------------------------------------------


def _officers(summary, sub: Region, chosen, people: dict[str, Person]) -> dict[int, list[Person]]:
    """{village id: its assistance officers}: the party secretary, the grid inspectors, cadres made here."""
    grids: dict[int, list[int]] = {}
    for g in Region.objects.filter(level=Level.GRID, parent__in=[v for v, _ in chosen]).order_by("code"):
        grids.setdefault(g.parent_id, []).append(g.pk)
    cadres: dict[int, list[Person]] = {}
    for ra in (
        RoleAssignment.objects.active()
        .filter(role__in=[Role.VILLAGE_CADRE, Role.GRID_INSPECTOR])
        .filter(Q(region__in=[v for v, _ in chosen]) | Q(region__parent__in=[v for v, _ in chosen]))
        .select_related("person", "region")
        .order_by("role", "region__code", "person__username")
    ):
        village_id = ra.region_id if ra.region.level == Level.VILLAGE else ra.region.parent_id
        if ra.person not in cadres.get(village_id, []):
            cadres.setdefault(village_id, []).append(ra.person)
    names = PersonNames(seed=2020_14)
    names.used |= set(Person.objects.values_list("full_name", flat=True))
    existing = {p.username: p for p in Person.objects.filter(username__regex=r"^v[0-9]{3}-bf-")}
    new_people, new_roles, out = [], [], {}
    for village, n in chosen:
        own = cadres.get(village.pk, [])
        wanted = max(1, -(-n // PER_OFFICER) - len(own))
        made = []
        for k in range(1, wanted + 1):
            username = f"v{village.code[-3:]}-bf-{k:02d}"  # beside the village's secretary, v…-sj
            person = existing.get(username)
            if person is None:
                person = Person(
                    username=username,
                    full_name=names.name(),
                    region=village,  # listed with the village they answer for (包村), not among the offices
                    title=f"帮扶责任人（{village.name}）",
                    phone=f"1390003{len(new_people) + 1:04d}",
                    is_synthetic=True,
                )
                person.set_unusable_password()
                new_people.append((person, village))
            made.append(person)
        out[village.pk] = own + made
    if new_people:
        Person.objects.bulk_create([p for p, _ in new_people])
        for person, village in new_people:
            new_roles.append(RoleAssignment(person=person, role=Role.VIEWER, region=village, title=person.title))
        RoleAssignment.objects.bulk_create(new_roles)
        summary.add("people", len(new_people))
        summary.add("roles", len(new_roles))
    return out


# ---- households, members, checks, visits, measures, findings ----------------------------------------------


def _households(summary, sub, villages, chosen, officers, units, people, leaders) -> None:
    rng = rng_for("registry")
    folk = Villagers(rng=rng_for("villagers"))
    folk.staff = set(Person.objects.values_list("full_name", flat=True))
    cats = {c.code: c for c in Category.objects.filter(subdistrict=sub)}
    items = {i.code: i for i in ChecklistItem.objects.filter(subdistrict=sub, is_active=True)}
    grids: dict[int, list[Region]] = {}
    for g in Region.objects.filter(level=Level.GRID, parent__in=[v for v, _ in chosen]).order_by("code"):
        grids.setdefault(g.parent_id, []).append(g)
    inspectors = {
        ra.region_id: ra.person
        for ra in RoleAssignment.objects.active()
        .filter(role=Role.GRID_INSPECTOR, region__parent__in=[v for v, _ in chosen])
        .select_related("person")
        .order_by("region__code", "person__username")
    }

    households: list[Household] = []
    plans: list[dict] = []  # per household: members, categories, lag
    for vi, (village, n) in enumerate(chosen):
        village_officers = officers[village.pk]
        lag_of = {}
        for o in village_officers:
            district_cadre = "-bf-" in o.username
            if vi == len(VILLAGES) + LAGGING and district_cadre:
                lag_of[o.pk] = 0.55  # this village's district officers fell behind
            else:
                r = rng.random()
                lag_of[o.pk] = 0.6 if r < 0.04 else 0.25 if r < 0.12 else 0.03
        grid_list = grids.get(village.pk) or [village]
        placed = [grid_list[min(k * len(grid_list) // n, len(grid_list) - 1)] for k in range(n)]
        # a grid's inspector helps households of his own grid only (another grid's people are not his to see);
        # the secretary and the cadres made here take the rest, in runs of neighbours
        own_grid = {g.pk: inspectors[g.pk] for g in grid_list if g.pk in inspectors}
        inspector_ids = {p.pk for p in own_grid.values()}
        rest = [o for o in village_officers if o.pk not in inspector_ids] or village_officers
        assigned: list[Person | None] = []
        taken_by: dict[int, int] = {}
        for region in placed:
            inspector = own_grid.get(region.pk)
            if inspector is not None and taken_by.get(inspector.pk, 0) < PER_OFFICER:
                taken_by[inspector.pk] = taken_by.get(inspector.pk, 0) + 1
                assigned.append(inspector)
            else:
                assigned.append(None)
        left = assigned.count(None)
        chunk = max(1, -(-left // len(rest)))
        j = 0
        for i, o in enumerate(assigned):
            if o is None:
                assigned[i] = rest[min(j // chunk, len(rest) - 1)]
                j += 1
        for k in range(n):
            officer, region = assigned[k], placed[k]
            members = _members(folk, rng, village)
            household = Household(
                subdistrict=sub,
                region=region,
                path=region.path,
                number=f"{village.code}-{k + 1:04d}",  # the hyphen: never read as a grid code (village + 3 digits)
                address=f"{village.name}{rng.choice(STREETS)}{rng.randint(1, 120)}号",
                phone=members[0]["phone"],
                housing_grade=rng.choices("ABCD", weights=[66, 33, 0.75, 0.25])[0],
                officer=officer,
                is_synthetic=True,
            )
            households.append(household)
            plans.append(
                {
                    "village": village,
                    "members": members,
                    "categories": _categories(rng, members),
                    "lag": lag_of[officer.pk],
                }
            )
    fields = [f.attname for f in Household._meta.concrete_fields if not f.primary_key]
    _insert(
        Household,
        [
            {**{f: getattr(h, f) for f in fields}, "created_at": REGISTERED_AT, "modified_at": REGISTERED_AT}
            for h in households
        ],
    )
    ids = dict(Household.objects.filter(subdistrict=sub).values_list("number", "id"))
    for h in households:
        h.pk = ids[h.number]
    summary.add("households", len(households))

    through = Household.categories.through
    _insert(
        through,
        [
            {"household_id": h.pk, "category_id": cats[code].pk}
            for h, plan in zip(households, plans, strict=True)
            for code in plan["categories"]
        ],
    )
    member_rows = []
    for h, plan in zip(households, plans, strict=True):
        for m in plan["members"]:
            member_rows.append(
                {
                    "household_id": h.pk,
                    "subdistrict_id": sub.pk,
                    "path": h.path,
                    "name": m["name"],
                    "name_key": name_key(m["name"]),
                    "identity": m["identity"],
                    "relation": m["relation"],
                    "sex": m["sex"],
                    "birth_date": m["born"],
                    "phone": m["phone"],
                    "health": m["health"],
                    "in_school": m["in_school"],
                    "insured": True,
                    "is_synthetic": True,
                    "created_at": REGISTERED_AT,
                    "modified_at": REGISTERED_AT,
                }
            )
    summary.add("household members", len(member_rows))

    visits = _visits(rng_for("visits"), households, plans)
    checks, fixed, failing = _checks(rng_for("checks"), households, plans, items, visits)
    # the members found uninsured or out of school, as the failing items say
    by_household: dict[int, list[dict]] = {}
    for m in member_rows:
        by_household.setdefault(m["household_id"], []).append(m)
    for check, who in failing:
        if who is not None:
            mm = by_household[check.household.pk][who]
            if check.item.code == "medical":
                mm["insured"] = False
            else:
                mm["in_school"] = False
    _insert(Member, member_rows)
    _insert(Visit, visits)
    summary.add("household visits", len(visits))

    _cases(summary, sub, villages, units, people, leaders, fixed, failing)
    _insert(
        HouseholdCheck,
        [
            {
                "household_id": c.household.pk,
                "item_id": c.item.pk,
                "path": c.household.path,
                "subdistrict_id": c.household.subdistrict_id,
                "state": c.state,
                "evidence": c.evidence,
                "checked_on": c.checked_on,
                "checked_by_id": c.household.officer_id,
                "case_id": c.case.pk if c.case is not None else None,
            }
            for c in checks
        ],
    )
    summary.add("household checks", len(checks))
    measures = _measures(rng_for("measures"), households, plans, fixed)
    _insert(Measure, measures)
    summary.add("assistance measures", len(measures))
    actions.refresh_households([h.pk for h in households])


def _members(folk: Villagers, rng: random.Random, village: Region) -> list[dict]:
    """A household's people: the head, often a spouse, children or a grandchild, sometimes an old parent."""

    def person(relation, male, **born):
        b = folk.born(**born)
        age = age_on(b)
        health = ""
        if age >= 55:
            r = rng.random()
            health = (
                Health.CHRONIC
                if r < 0.3
                else Health.SERIOUS
                if r < 0.35
                else Health.DISABLED
                if r < 0.43
                else Health.HEALTHY
            )
        elif age >= 16:
            health = Health.DISABLED if rng.random() < 0.05 else Health.HEALTHY
        else:
            health = Health.HEALTHY
        return {
            "name": folk.name(village, male),
            "identity": folk.identity(b, male),
            "born": b,
            "sex": Sex.MALE if male else Sex.FEMALE,
            "relation": relation,
            "phone": folk.phone() if relation == Relation.HEAD and rng.random() > 1 / 15 else "",
            "health": health,
            "in_school": (6 <= age <= 15) or None,
        }

    head_male = rng.random() < 0.8
    head = person(Relation.HEAD, head_male, first=1940, last=1983, mode=1956)
    out = [head]
    hy = head["born"].year
    alone = hy < 1955 and rng.random() < 0.3
    if not alone and rng.random() < 0.8:
        out.append(person(Relation.SPOUSE, not head_male, first=max(1938, hy - 5), last=min(1985, hy + 5), mode=hy))
    if alone:
        return out
    if hy >= 1968:
        for _ in range(rng.choice([0, 1, 1, 2, 2])):
            out.append(person(Relation.CHILD, rng.random() < 0.5, first=max(1990, hy + 20), last=2017, mode=2008))
        if rng.random() < 0.12:
            out.append(person(Relation.PARENT, rng.random() < 0.4, first=1930, last=max(1931, hy - 20), mode=1940))
    else:
        if rng.random() < 0.35:
            out.append(person(Relation.CHILD, rng.random() < 0.6, first=hy + 20, last=min(1998, hy + 35), mode=hy + 26))
        if rng.random() < 0.3:  # a grandchild left with the grandparents
            out.append(person(Relation.GRANDCHILD, rng.random() < 0.5, first=2004, last=2016, mode=2010))
    return out


def _categories(rng: random.Random, members: list[dict]) -> list[str]:
    head = members[0]
    if len(members) == 1 and age_on(head["born"]) >= 60:
        return ["tekun"] if rng.random() < 0.6 else ["tuopin", "tekun"]
    r = rng.random()
    if r < 0.76:
        return ["tuopin", "dibao"] if rng.random() < 0.3 else ["tuopin"]
    if r < 0.88:
        return ["jiance"]
    return ["dibao"]


def _visits(rng: random.Random, households: list[Household], plans: list[dict]) -> list[dict]:
    """About one visit a month from January, none in February (the epidemic: by phone); the last one within 30
    days, except for the households of lagging officers (a share of them not visited for 31–110 days)."""
    since = TODAY - datetime.timedelta(days=INTERVAL_DAYS - 1)
    out = []
    for h, plan in zip(households, plans, strict=True):
        late = rng.random() < plan["lag"]
        stop = TODAY - datetime.timedelta(days=rng.randint(31, 110)) if late else TODAY
        days = []
        day = d(1, rng.randint(3, 20))
        while day < stop:
            if day.month != 2:
                days.append(day)
            day += datetime.timedelta(days=rng.randint(21, 38))
        if not late and (not days or days[-1] < since):
            days.append(since + datetime.timedelta(days=rng.randint(0, INTERVAL_DAYS - 2)))
        for day in days:
            out.append(
                {
                    "household_id": h.pk,
                    "subdistrict_id": h.subdistrict_id,
                    "path": h.path,
                    "kind": VisitKind.VISIT,
                    "visited_on": day,
                    "officer_id": h.officer_id,
                    "findings": rng.choice(VISIT_NOTES),
                    "created_at": at(day, rng.randint(15, 19), rng.randint(0, 59)),
                    "is_synthetic": True,
                }
            )
        plan["visits"] = days
    return out


def _checks(rng, households, plans, items, visits):
    """Every household × item: 达标 (checked at its last visit), 义务教育 不适用 without a child of 6–15; the C/D
    houses and a few others 未达标 today; some items found 未达标 earlier and fixed (达标 again, case closed).
    Returns (checks, fixed [(check, found, fixed)], failing [(check, member index or None)])."""
    checks, fixed, failing = [], [], []
    by_household: dict[int, dict[str, CheckRow]] = {}
    for h, plan in zip(households, plans, strict=True):
        last = plan["visits"][-1] if plan["visits"] else d(1, 10)
        school = [i for i, m in enumerate(plan["members"]) if m["in_school"]]
        mine: dict[str, CheckRow] = {}
        for code, item in items.items():
            state = CheckState.MET
            if code == "education" and not school:
                state = CheckState.NOT_APPLICABLE
            check = CheckRow(h, item, state, "入户核实（演示数据）", last)
            mine[code] = check
            checks.append(check)
        by_household[h.pk] = mine
        if h.housing_grade in ("C", "D"):
            check = mine["housing"]
            check.state = CheckState.FAILING
            check.evidence = FOUND["housing"][0].format(grade=h.housing_grade)
            failing.append((check, None))
    pool = list(zip(households, plans, strict=True))
    taken = {(c.household.pk, c.item.code) for c, _ in failing}

    def pick(code: str):
        while True:
            h, plan = rng.choice(pool)
            if (h.pk, code) in taken:
                continue
            school = [i for i, m in enumerate(plan["members"]) if m["in_school"]]
            if code == "education" and not school:
                continue
            if code == "housing" and h.housing_grade != "B":
                continue
            taken.add((h.pk, code))
            who = None
            if code == "education":
                who = rng.choice(school)
            elif code == "medical":
                who = rng.randrange(len(plan["members"]))
            return h, plan, who

    for code, n in STILL_FAILING.items():
        for _ in range(n):
            h, plan, who = pick(code)
            check = by_household[h.pk][code]
            check.state = CheckState.FAILING
            name = plan["members"][who]["name"] if who is not None else ""
            check.evidence = FOUND[code][0].format(who=name, grade="")
            failing.append((check, who))
    for code, n in FIXED_EARLIER.items():
        for _ in range(n):
            h, plan, who = pick(code)
            check = by_household[h.pk][code]
            found = d(rng.randint(3, 8), rng.randint(1, 28))
            name = plan["members"][who]["name"] if who is not None else ""
            fixed.append((check, found, FOUND[code][0].format(who=name, grade="C")))
    return checks, fixed, failing


def _measures(rng, households, plans, fixed) -> list[dict]:
    out = []
    fixed_housing = {c.household.pk for c, _, _ in fixed if c.item.code == "housing"}
    for h, _plan in zip(households, plans, strict=True):
        if h.pk in fixed_housing:
            kinds = [MEASURES[0], MEASURES[4]]
        elif h.housing_grade in ("C", "D") or rng.random() < 0.16:
            kinds = rng.sample(MEASURES, rng.choice([1, 1, 1, 2, 3]))
        else:
            continue
        for kind, description, (lo, hi) in kinds:
            day = d(rng.randint(3, 10), rng.randint(1, 28))
            out.append(
                {
                    "household_id": h.pk,
                    "subdistrict_id": h.subdistrict_id,
                    "path": h.path,
                    "kind": kind,
                    "description": description,
                    "cost": Decimal(rng.randrange(lo, hi, 50)),
                    "done_on": day,
                    "recorded_by_id": h.officer_id,
                    "created_at": at(day, 17),
                    "is_synthetic": True,
                }
            )
    return out


def _cases(summary, sub, villages, units, people, leaders, fixed, failing) -> None:
    """The findings as cases of 两不愁三保障未达标 (routed to 民政办): the earlier ones closed, today's being worked."""
    civil = people["demo-civil"]
    setup = actions.ensure_defaults(sub)
    category = findings.finding_category(sub, setup, "checklist", actor=civil, scope=SYSTEM)
    w = cases2020._world(summary, sub, units, people, leaders, villages)
    w.routes = {
        (r.category_id, r.grid_id): r
        for r in RouteRule.objects.filter(subdistrict=sub).select_related("unit", "person")
    }
    photos: dict[str, list[cases2020.StoredPhoto]] = {}
    for stage in (PhotoStage.BEFORE, PhotoStage.AFTER):
        rows = CasePhoto.objects.filter(stage=stage, exif_lng__isnull=True).order_by("id")[:200]
        seen = {}
        for p in rows:
            seen.setdefault(
                p.sha256, cases2020.StoredPhoto(p.original.name, p.display.name, p.width, p.height, p.sha256)
            )
        photos[stage] = list(seen.values())[:3]
    if not photos[PhotoStage.BEFORE] or not photos[PhotoStage.AFTER]:
        photos = cases2020.store_shared_photos()
    rng = rng_for("cases")
    sim = cases2020.Sim(sub, w.rule, photos, rng)
    verifier = leaders[3]  # the leader for 脱贫攻坚, as for the superior inspection's items
    raised = []
    for check, found, what in sorted(fixed, key=lambda f: f[1]):
        h = check.household
        plan = cases2020.Plan(
            region=h.region,
            category=category,
            source=Source.STAFF,
            at=cases2020.aware(found, 16, rng.randint(0, 59)),
            description=f"{h.address}：{what}（走访发现，{DEMO}）",
            reporter=h.officer,
            address=h.address,
        )
        plan.steps = cases2020.loop_steps(w, rng, category, h.region, plan.at, verifier=verifier, outcome="normal")
        raised.append((check, sim.run(cases2020.truncate(plan))))
        check.evidence = FOUND[check.item.code][1] + "（演示数据）"
        check.checked_on = max(check.checked_on, found)
    recent = TODAY - datetime.timedelta(days=6)
    for check, _who in failing:
        h = check.household
        if rng.random() < NOT_YET_REPORTED:
            check.checked_on = recent + datetime.timedelta(days=rng.randint(0, 5))
            continue
        found = d(rng.randint(9, 11), rng.randint(1, 18))
        plan = cases2020.Plan(
            region=h.region,
            category=category,
            source=Source.STAFF,
            at=cases2020.aware(found, 16, rng.randint(0, 59)),
            description=f"{h.address}：{check.evidence}（走访发现，{DEMO}）",
            reporter=h.officer,
            address=h.address,
        )
        plan.steps = cases2020.loop_steps(w, rng, category, h.region, plan.at, verifier=verifier, outcome="stuck")
        raised.append((check, sim.run(cases2020.truncate(plan))))
        check.checked_on = max(check.checked_on, found)
    for what, n in sim.write().items():
        summary.add(what, n)
    for check, case in raised:
        check.case = case


# ---- trainings ---------------------------------------------------------------------------------------------


def _trainings(summary, sub: Region, officers: dict[int, list[Person]], people: dict[str, Person]) -> None:
    rng = rng_for("trainings")
    everyone = list(dict.fromkeys(p for group in officers.values() for p in group))
    rows = []
    for i, (day, n, what) in enumerate(TRAININGS, start=1):
        training = Training.objects.create(
            subdistrict=sub,
            title=f"帮扶责任人专题培训（第{i}次）：{what}",
            held_on=day,
            place=TRAINING_PLACE,
            note=DEMO,
            recorded_by=people["demo-civil"],
            is_synthetic=True,
        )
        rows += [TrainingAttendance(training=training, person=p) for p in rng.sample(everyone, min(n, len(everyone)))]
    TrainingAttendance.objects.bulk_create(rows)
    summary.add("trainings", len(TRAININGS))
    summary.add("training attendance", len(rows))
