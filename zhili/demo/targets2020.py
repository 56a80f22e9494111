"""The 2020 "1234" work system of Taiping Subdistrict (../shared/seed/DIGEST.md), for the demo.

Goals, tasks and indicators carry the article's figures as targets (and, where the article reports them done,
as actuals); the monthly progress behind them, the village shares of synthetic sizes, the people and every
figure not in the article are made up (演示数据). The demo's "today" is 2020-11-20, a Friday in Q4, on which the
one-page view shows all five lights: 已完成, 绿, 黄, 红, 逾期 — for the subdistrict and for 孔家坊村.

Where a demo ledger exists (zhili/demo/ledgers2020.py, loaded first), the indicator is bound to it (source
"ledger") and its figures are counted from the ledger's rows, never typed: 气代煤, 搬迁户数和人数, 户户通, 饮水,
公厕招标, 新型农业经营主体, 土地流转, 村集体收入, 垃圾分类. The plans below (`*_plan`) say how many of what each
village has; the targets take their shares from them and the ledger loader writes rows that add up to them.

load() is idempotent like the rest of the demo: every row is looked up by its natural key (year + code, indicator
+ village, topic + year…) and only what is missing is written. Random choices come from generators seeded per
indicator, so a top-up writes the same figures a first load would have written.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone

from zhili.core import clock
from zhili.core.models import SiteFlag
from zhili.demo import cases2020
from zhili.people.models import Person, Unit
from zhili.regions.models import Region
from zhili.targets import periods, sources
from zhili.targets.models import (
    ActivityRecord,
    Aggregation,
    Decomposition,
    Entry,
    Goal,
    Indicator,
    LightRule,
    Milestone,
    PeriodType,
    RankingScheme,
    RankingWeight,
    Reminder,
    Share,
    SourceKind,
    Task,
    TaskStatus,
)

YEAR = 2020
TODAY = datetime.date(2020, 11, 20)  # a Friday in 2020 Q4: the demo's "today" (SiteFlag "today")
JAN1, DEC31 = datetime.date(YEAR, 1, 1), datetime.date(YEAR, 12, 31)
DEMO = "演示数据"

DEMOLISHED = ["郎家村", "孙家店村", "小王村"]  # demolished before the Spring Festival for the park
KONG = "孔家坊村"
MODEL_VILLAGES = ["白家堰村", KONG]  # 乡村振兴示范村
MELON_VILLAGES = ["哈叭沟村", "阎桥村", "来佛寺村"]  # 红灵、小兰 new varieties spread here
GARBAGE_PILOTS = [KONG, "白家堰村", "来佛寺村", "哈叭沟村"]  # 垃圾分类试点：孔家坊村等 4 个村
SEATS = ["太平社区", "庙廊社区"]  # 驻地：占道经营、广告牌匾专项整治

# The four top-level groups of the "1234" system; levels are data (Goal.level_name), not code.
GOALS = [
    ("1", "1 个中心任务", "中心任务", [("1.1", "新旧动能转换")]),
    ("2", "2 项重点工作", "重点工作", [("2.1", "乡村振兴"), ("2.2", "济南绿色建设国际产业园")]),
    ("3", "3 大攻坚战", "攻坚战", [("3.1", "脱贫攻坚"), ("3.2", "人居环境提升"), ("3.3", "财政税收")]),
    (
        "4",
        "4 个打造",
        "打造",
        [
            ("4.1", "打造“太平宝”品牌升级版"),
            ("4.2", "打造产城融合启动点"),
            ("4.3", "打造乡村振兴样板区"),
            ("4.4", "打造党建工作新高地"),
        ],
    ),
]


def d(month: int, day: int) -> datetime.date:
    return datetime.date(YEAR, month, day)


def at(day: datetime.date, hour: int = 10, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def dec(value, places: int = 0) -> Decimal:
    q = Decimal(1).scaleb(-places)
    return Decimal(str(value)).quantize(q)


def month_periods(first: int, last: int) -> list[tuple[datetime.date, datetime.date]]:
    return [periods.period_of(d(m, 1), PeriodType.MONTH) for m in range(first, last + 1)]


def running_totals(final: Decimal, n: int, rng: random.Random, places: int = 0) -> list[Decimal]:
    """n monthly running totals rising to `final` (faster or slower at the start, never falling)."""
    if n <= 1:
        return [final]
    power = rng.uniform(0.75, 1.45)
    out, last = [], Decimal(0)
    for k in range(1, n):
        value = max(dec(float(final) * (k / n) ** power, places), last)
        out.append(min(value, final))
        last = out[-1]
    return [*out, final]


def split(total: Decimal, weights: list[float], places: int = 0) -> list[Decimal]:
    """`total` split in proportion to `weights`, rounded, the parts adding up exactly."""
    s = sum(weights)
    parts = [dec(float(total) * w / s, places) for w in weights]
    parts[-1] += total - sum(parts)
    return parts


def spread(total: int, keys: list, rng: random.Random, lo: float, hi: float, step: int = 1) -> dict:
    """Integer shares (multiples of `step`) for `keys`, random in proportion, adding up exactly to `total`."""
    weights = [rng.uniform(lo, hi) for _ in keys]
    s = sum(weights)
    out = {k: max(step, round(total * w / s / step) * step) for k, w in zip(keys, weights, strict=True)}
    diff = total - sum(out.values())
    order = sorted(keys, key=lambda k: -out[k])
    i = 0
    while diff:
        k = order[i % len(order)]
        delta = step if diff > 0 else -step
        if out[k] + delta >= step:
            out[k] += delta
            diff -= delta
        i += 1
    return out


def rng_for(key: str) -> random.Random:
    return random.Random(f"zhili-demo-{YEAR}-{key}")


def case_source(measure: str = "closed", **params) -> dict:
    """An indicator counted from the grid cases (zhili/cases/source.py, the demo's in zhili/demo/cases2020.py),
    e.g. case_source("closed", batch="…") for a superior inspection's items closed."""
    return {"source": SourceKind.COMPUTED, "source_key": "cases", "source_params": {"measure": measure, **params}}


def ledger_source(ledger: str, measure: str = "count", **params) -> dict:
    """An indicator counted from a demo ledger (zhili/ledgers/source.py), e.g. ledger_source("land-transfer",
    "sum", field="area", date_field="signed_on")."""
    return {
        "source": SourceKind.COMPUTED,
        "source_key": "ledger",
        "source_params": {"ledger": ledger, "measure": measure, **params},
    }


def project_source(measure: str, **params) -> dict:
    """An indicator counted from the construction projects and tax receipts (zhili/projects/source.py, the demo's
    in zhili/demo/projects2020.py), e.g. project_source("investment") for 固定资产投资."""
    return {"source": SourceKind.COMPUTED, "source_key": "projects", "source_params": {"measure": measure, **params}}


# ---- plans: what each village has, shared by the targets (shares) and the ledgers (rows) ------------------
# Each plan draws from its own seeded generator, in the order the first demo did, so the shares are the same
# whether or not the ledgers exist. `villages` are the subdistrict's villages ordered by code.


def _named(villages: list[Region], name: str) -> Region:
    return next(v for v in villages if v.name == name)


def _alive(villages: list[Region]) -> list[Region]:
    return [v for v in villages if v.name not in DEMOLISHED]


def demolition_plan(villages: list[Region]) -> dict[Region, int]:
    """Households of the three demolished villages (1,100; 3,026 people, see DEMOLITION_RESIDENTS)."""
    return {_named(villages, "郎家村"): 420, _named(villages, "孙家店村"): 380, _named(villages, "小王村"): 300}


DEMOLITION_RESIDENTS = 3026  # 3000 余人 (the article)


def land_plan(villages: list[Region]) -> tuple[dict[Region, int], dict[Region, Decimal]]:
    """土地流转: each village's share (adding up to 6,200 亩) and the area transferred by today (6,030 亩)."""
    rng = rng_for("2.1.1.2")
    alive = _alive(villages)
    named = [_named(villages, n) for n in [KONG, "白家堰村", *MELON_VILLAGES]]
    others = rng.sample([v for v in alive if v not in named], 31)
    chosen = sorted(named + others, key=lambda v: v.code)
    shares = spread(6200, chosen, rng, 0.5, 1.8, step=10)
    finals = {}
    for v, share in shares.items():
        ratio = rng.choice([1.0, 1.0, 1.0, 0.9, 0.95, 1.05, 0.8])
        finals[v] = Decimal(int(share * ratio))
    kong = _named(villages, KONG)
    # 孔家坊: the 金银花 base waits for the 示范村 plan, so its transfer trails (red).
    finals[kong] = dec(shares[kong] * 0.72)
    # The subdistrict as a whole transferred 6,000余亩 (the article): top the total up to 6,030.
    gap = 6030 - sum(finals.values())
    ahead = [v for v in chosen if v.name != KONG and finals[v] >= shares[v]]
    for i in range(abs(int(gap))):
        finals[ahead[i % len(ahead)]] += 1 if gap > 0 else -1
    return shares, finals


def income_plan(villages: list[Region]) -> tuple[dict[Region, int], dict[Region, Decimal]]:
    """村集体经营性收入 (万元): each village's share (一村一策) and its income so far this year."""
    # 一村一策: 5 万元 for most villages, 8 万元 for larger ones, 10 万元 for the seats and the model villages —
    # the article's "5 万—10 万元"; the subdistrict target is the sum of the villages' parts.
    rng = rng_for("2.1.2.1")
    larger = set(rng.sample([v for v in villages if v.name not in DEMOLISHED + SEATS + MODEL_VILLAGES], 24))
    shares = {v: 10 if v.name in SEATS + MODEL_VILLAGES else 8 if v in larger else 5 for v in villages}
    finals = {}
    for v, share in shares.items():
        roll = rng.random()
        factor = (
            rng.uniform(1.0, 1.25)
            if roll < 0.72
            else rng.uniform(0.9, 0.995)
            if roll < 0.86
            else rng.uniform(0.6, 0.87)
        )
        finals[v] = dec(share * factor, 1)
    finals[_named(villages, KONG)] = Decimal("11.6")  # the demonstration village: 闲散地回收后发包，金银花基地分红
    return shares, finals


def roads_plan(villages: list[Region]) -> dict[Region, int]:
    """户户通硬化路: the 66 villages and the month each finished."""
    rng = rng_for("3.1.4.1")
    alive = _alive(villages)
    kong = _named(villages, KONG)
    chosen = sorted([kong, *rng.sample([v for v in alive if v != kong], 65)], key=lambda v: v.code)
    return {v: rng.randint(5, 9) for v in chosen}


def water_plan(villages: list[Region]) -> dict[Region, int]:
    """饮水攻坚: the 28 villages and the month each finished."""
    rng = rng_for("3.1.5.1")
    kong = _named(villages, KONG)
    chosen = sorted(rng.sample([v for v in _alive(villages) if v != kong], 28), key=lambda v: v.code)
    return {v: rng.randint(4, 8) for v in chosen}


def gas_plan(villages: list[Region]) -> tuple[dict[Region, int], dict[Region, int]]:
    """气代煤: each living village's households (9,808 in all) and the month its last one was accepted."""
    rng = rng_for("3.1.6.1")
    alive = _alive(villages)
    shares = spread(9808, alive, rng, 0.5, 1.7)
    return shares, {v: rng.randint(8, 10) for v in alive}


def toilets_plan(villages: list[Region]) -> tuple[list[Region], dict[Region, int | None]]:
    """村级公厕: the 17 villages and the month each finished its tender — None for the five that have not
    (孔家坊 among them): 12 of 17 tendered by the 10-31 deadline."""
    rng = rng_for("3.1.7.1")
    alive = _alive(villages)
    kong = _named(villages, KONG)
    chosen = sorted(
        [kong, *rng.sample([v for v in alive if v != kong and v.name not in SEATS], 16)], key=lambda v: v.code
    )
    late = {kong, *rng.sample([v for v in chosen if v != kong], 4)}
    return chosen, {v: None if v in late else rng.randint(9, 10) for v in chosen}


GARBAGE_START = {
    KONG: (d(4, 17), set()),
    "白家堰村": (d(5, 8), {d(7, 31)}),
    "来佛寺村": (d(5, 8), set()),
    "哈叭沟村": (d(6, 5), {d(8, 14), d(9, 4), d(10, 2)}),
}
GARBAGE_KICKOFF = (d(4, 10), 260)  # 孔家坊's launch meeting of the April campaign month, 260 households


def garbage_plan(villages: list[Region]) -> list[tuple[Region, datetime.date, int]]:
    """垃圾分类试点: (village, day, households visited) for every weekly round before today. 孔家坊 began in the
    April campaign month and has not missed a week; the others began in May or June and missed a few."""
    rng = rng_for("3.2.1.3")
    rounds = []
    for v in [_named(villages, n) for n in GARBAGE_PILOTS]:
        first, missed = GARBAGE_START[v.name]
        day = first
        while day < TODAY:
            if day not in missed:
                rounds.append((v, day, rng.randint(40, 160)))
            day += datetime.timedelta(weeks=1)
    return rounds


@dataclass
class Ctx:
    summary: object
    sub: Region
    units: dict[str, Unit]
    people: dict[str, Person]
    leaders: list[Person]
    villages: list[Region]
    secretaries: dict[int, Person]
    entries: list[Entry] = field(default_factory=list)
    shares: list[Share] = field(default_factory=list)
    activities: list[ActivityRecord] = field(default_factory=list)

    def village(self, name: str) -> Region:
        return next(v for v in self.villages if v.name == name)

    def rng(self, key: str) -> random.Random:
        return rng_for(key)

    def officer(self, unit: Unit | None, task: Task) -> Person:
        """Who reports for a unit: its demo login if there is one, else the task's responsible person."""
        by_unit = {"economy": "demo-economy", "urban": "demo-urban", "civil": "demo-civil"}
        if unit is not None and unit.code in by_unit:
            return self.people[by_unit[unit.code]]
        return task.owner or task.leader or self.people["demo-leader"]


# ---- rows, looked up by their natural keys --------------------------------------------------------------


def _goal(ctx: Ctx, code: str, title: str, level_name: str, parent: Goal | None, order: int) -> Goal:
    goal, made = Goal.objects.get_or_create(
        region=ctx.sub,
        year=YEAR,
        code=code,
        defaults={"title": title, "level_name": level_name, "parent": parent, "order": order},
    )
    ctx.summary.add("goals", int(made))
    return goal


def _task(
    ctx: Ctx,
    goal: Goal,
    code: str,
    title: str,
    *,
    leader: Person,
    lead: str,
    owner: Person | None,
    start: datetime.date = JAN1,
    deadline: datetime.date = DEC31,
    assist: tuple[str, ...] = (),
    milestones: tuple[tuple[str, datetime.date, datetime.date | None], ...] = (),
    order: int = 0,
    **extra,
) -> Task:
    task = Task.objects.filter(goal__region=ctx.sub, goal__year=YEAR, code=code).first()
    if task is None:
        task = Task.objects.create(
            goal=goal,
            code=code,
            title=title,
            leader=leader,
            lead_unit=ctx.units[lead],
            owner=owner,
            start=start,
            deadline=deadline,
            order=order,
            **extra,
        )
        task.assisting_units.set([ctx.units[u] for u in assist])
        ctx.summary.add("tasks")
    if milestones and not task.milestones.exists():
        Milestone.objects.bulk_create(
            [Milestone(task=task, title=t, due=due, done_on=done) for t, due, done in milestones]
        )
        ctx.summary.add("milestones", len(milestones))
    return task


def _indicator(ctx: Ctx, task: Task, code: str, name: str, unit: str, target, *, order: int = 0, **fields) -> Indicator:
    ind = Indicator.objects.filter(task__goal__region=ctx.sub, task__goal__year=YEAR, code=code).first()
    if ind is None:
        ind = Indicator(task=task, code=code, name=name, unit=unit, target=Decimal(target), order=order, **fields)
        if ind.source == SourceKind.COMPUTED:
            sources.get(ind.source_key).check_params(ind.source_params)
        ind.save()
        ctx.summary.add("indicators")
    ind.task = task
    return ind


def _shares(ctx: Ctx, ind: Indicator, targets: dict) -> None:
    """分解下达: villages (Region) or units (Unit) → their part; only what is missing is written."""
    have = set(Share.objects.filter(indicator=ind).values_list("region_id", "unit_id"))
    for subject, value in targets.items():
        key = (subject.pk, None) if isinstance(subject, Region) else (None, subject.pk)
        if key in have:
            continue
        kw = {"region": subject} if isinstance(subject, Region) else {"unit": subject}
        ctx.shares.append(
            Share(indicator=ind, subdistrict=ctx.sub, target=Decimal(value), created_at=at(ind.task.start, 9), **kw)
        )


def _entries(ctx: Ctx, ind: Indicator, rows: list[tuple]) -> None:
    """Progress as it was reported: rows of (region, unit, (period_start, period_end), value, reporter, note).
    Written only for an indicator that has none, so a second load adds nothing."""
    if Entry.objects.filter(indicator=ind).exists():
        return
    rng = ctx.rng(f"reported-{ind.code}")
    for region, unit, (start, end), value, reporter, note in rows:
        reported = min(end + datetime.timedelta(days=rng.randint(1, 5)), TODAY)
        ctx.entries.append(
            Entry(
                indicator=ind,
                subdistrict=ctx.sub,
                region=region,
                unit=unit,
                period_start=start,
                period_end=end,
                value=Decimal(value),
                note=note,
                reporter=reporter,
                created_at=at(reported, rng.randint(8, 17), rng.randint(0, 59)),
            )
        )


def _activities(ctx: Ctx, topic: str, rows: list[dict]) -> None:
    if ActivityRecord.objects.filter(topic=topic, date__year=YEAR, region__path__startswith=ctx.sub.path).exists():
        return
    for row in rows:
        ctx.activities.append(ActivityRecord(topic=topic, subdistrict=ctx.sub, created_at=at(row["date"], 17), **row))


def village_series(
    ctx: Ctx,
    ind: Indicator,
    finals: dict[Region, Decimal],
    first: int,
    last: int,
    places: int = 0,
    done_by: dict[Region, int] | None = None,
    note: str = "",
) -> list[tuple]:
    """Cumulative monthly running totals for each village, reported by its party secretary."""
    rng = ctx.rng(f"series-{ind.code}")
    rows = []
    for village, final in finals.items():
        end_month = (done_by or {}).get(village, last)
        months = month_periods(first, end_month)
        for period, value in zip(months, running_totals(final, len(months), rng, places), strict=True):
            rows.append((village, None, period, value, ctx.secretaries[village.pk], note))
    return rows


def whole_series(
    ctx: Ctx, ind: Indicator, values: list, first: int, note: str = "", unit: Unit | None = None
) -> list[tuple]:
    """Monthly values at the subdistrict (or for one unit), from month `first` on."""
    reporter = ctx.officer(unit, ind.task)
    months = month_periods(first, first + len(values) - 1)
    return [(ctx.sub, unit, period, dec(v, 4), reporter, note) for period, v in zip(months, values, strict=True)]


# ---- the year ----------------------------------------------------------------------------------------


def load(
    summary,
    *,
    sub: Region,
    villages: list[Region],
    units: dict[str, Unit],
    people: dict[str, Person],
    leaders: list[Person],
) -> None:
    """Create (or top up) Taiping's 2020 work system on the demo's `villages` (by code, merged or not); counts go
    into `summary` (taiping.Summary)."""
    usernames = {f"v{v.code[-3:]}-sj": v.pk for v in villages}
    secretaries = {usernames[p.username]: p for p in Person.objects.filter(username__in=usernames)}
    secretaries[next(v.pk for v in villages if v.name == KONG)] = people["demo-village"]
    ctx = Ctx(summary, sub, units, people, leaders, villages, secretaries)

    if not SiteFlag.objects.filter(key=clock.TODAY_FLAG).exists():
        SiteFlag.objects.create(key=clock.TODAY_FLAG, value=TODAY.isoformat())
        summary.add("flags")
    _, made = LightRule.objects.get_or_create(
        region=sub, effective_from=JAN1, defaults={"red_gap": Decimal(10), "due_soon_days": 5, "report_grace_days": 10}
    )
    summary.add("light rules", int(made))

    goals: dict[str, Goal] = {}
    for order, (code, title, level_name, items) in enumerate(GOALS, start=1):
        top = goals[code] = _goal(ctx, code, title, level_name, None, order)
        for sub_order, (item_code, item_title) in enumerate(items, start=1):
            goals[item_code] = _goal(ctx, item_code, item_title, level_name, top, sub_order)

    built = {}
    built.update(_central_task(ctx, goals))
    built.update(_rural_revitalization(ctx, goals))
    built.update(_industrial_park(ctx, goals))
    built.update(_poverty_alleviation(ctx, goals))
    built.update(_living_environment(ctx, goals))
    built.update(_fiscal_revenue(ctx, goals))
    built.update(_builds(ctx, goals))

    Share.objects.bulk_create(ctx.shares)
    summary.add("target shares", len(ctx.shares))
    Entry.objects.bulk_create(ctx.entries, batch_size=500)
    summary.add("progress entries", len(ctx.entries))
    ActivityRecord.objects.bulk_create(ctx.activities, batch_size=500)
    summary.add("activity records", len(ctx.activities))

    _ranking(ctx, built)
    _supervision(ctx, built)


# ---- 1 个中心任务：新旧动能转换 ---------------------------------------------------------------------


def _central_task(ctx: Ctx, goals: dict[str, Goal]) -> dict[str, Indicator]:
    p, u = ctx.people, ctx.units
    leader = ctx.leaders[0]
    t1 = _task(
        ctx,
        goals["1.1"],
        "1.1.1",
        "建设项目全部建立台账，投资监控、税源监控，做到应统尽统",
        leader=leader,
        lead="economy",
        assist=("urban",),
        owner=p["demo-economy"],
        order=1,
    )
    # 按在建项目台账汇总: the projects' monthly investment (zhili/demo/projects2020.py, zhili/projects/source.py).
    # Park construction started late (epidemic), and several signed projects have not started: behind schedule.
    investment = _indicator(
        ctx, t1, "1.1.1.1", "固定资产投资", "万元", 300000, cumulative=True, **project_source("investment")
    )

    t2 = _task(
        ctx,
        goals["1.1"],
        "1.1.2",
        "全员招商：招商引资到位资金任务分解到各办",
        leader=leader,
        lead="economy",
        assist=("urban", "civil", "party", "security", "agri"),
        owner=p["demo-economy"],
        order=2,
    )
    attract = _indicator(
        ctx, t2, "1.1.2.1", "招商引资到位资金", "万元", 50000, cumulative=True, decomposition=Decomposition.UNITS
    )
    plan = {
        "economy": (20000, 18500),
        "urban": (6000, 4200),
        "civil": (4000, 3500),
        "party": (6000, 5600),
        "security": (4000, 2100),
        "agri": (10000, 9000),
    }
    _shares(ctx, attract, {u[c]: t for c, (t, _) in plan.items()})
    rng = ctx.rng("1.1.2.1")
    rows = []
    for c, (_, final) in plan.items():
        rows += whole_series(
            ctx,
            attract,
            running_totals(Decimal(final), 8, rng),
            3,
            unit=u[c],
            note="到位资金以银行进账凭证为准（演示数据）",
        )
    _entries(ctx, attract, rows)

    t3 = _task(
        ctx,
        goals["1.1"],
        "1.1.3",
        "服务膜丽东方、科尔超声波、和建机械、盛时创机械、德辰机器、铭润家具等企业复工复产",
        leader=ctx.leaders[2],
        lead="economy",
        assist=("security",),
        owner=p["demo-economy"],
        start=d(2, 10),
        deadline=d(4, 30),
        order=3,
    )
    resume = _indicator(ctx, t3, "1.1.3.1", "重点企业复工复产", "家", 6)
    _entries(ctx, resume, whole_series(ctx, resume, [2, 5, 6], 2, note="逐企业上门服务，防疫物资和用工已协调"))
    return {"investment": investment, "attract": attract}


# ---- 2 项重点工作 ------------------------------------------------------------------------------------


def _rural_revitalization(ctx: Ctx, goals: dict[str, Goal]) -> dict[str, Indicator]:
    leader = ctx.leaders[1]
    t1 = _task(
        ctx,
        goals["2.1"],
        "2.1.1",
        "培育引进新型农业经营主体，推进土地流转，发展金银花、文冠果等新产业",
        leader=leader,
        lead="agri",
        assist=("economy",),
        owner=leader,
        order=1,
    )
    # Counted from the ledger of agricultural entities: those registered this year (22, from January to September).
    _indicator(
        ctx,
        t1,
        "2.1.1.1",
        "新培育和引进新型农业经营主体",
        "家",
        22,
        order=1,
        **ledger_source("agri-entities", date_field="registered_on"),
    )

    # The one decomposition that deliberately does not add up (the mismatch warning of the one-page view).
    # The figure is the area of this year's transfer contracts in the ledger (6,030 亩; 孔家坊 trails, red).
    land = _indicator(
        ctx,
        t1,
        "2.1.1.2",
        "土地流转",
        "亩",
        6000,
        order=2,
        decomposition=Decomposition.VILLAGES,
        decomposition_note="各村申报流转面积合计 6,200 亩，多于街道目标 6,000 亩：按村申报数下达，"
        "街道考核仍以 6,000 亩为准（演示数据）。",
        **ledger_source("land-transfer", "sum", field="area", date_field="signed_on"),
    )
    shares, _ = land_plan(ctx.villages)
    _shares(ctx, land, shares)

    t2 = _task(
        ctx,
        goals["2.1"],
        "2.1.2",
        "开展村级“三资”清理，村集体收入普遍达到 5 万—10 万元",
        leader=leader,
        lead="agri",
        assist=("party",),
        owner=leader,
        order=2,
    )
    # The figure is the sum of this year's rows of the collective-income ledger (one row per village and year).
    income_shares, _ = income_plan(ctx.villages)
    income = _indicator(
        ctx,
        t2,
        "2.1.2.1",
        "村集体经营性收入",
        "万元",
        sum(income_shares.values()),
        decomposition=Decomposition.VILLAGES,
        **ledger_source("collective-income", "sum", field="income", filter={"year": YEAR}),
    )
    _shares(ctx, income, income_shares)

    t3 = _task(
        ctx,
        goals["2.1"],
        "2.1.3",
        "与市派乡村振兴服务队实施 16 个乡村振兴项目，早开工、早建成、早受益",
        leader=leader,
        lead="agri",
        assist=("economy", "urban"),
        owner=leader,
        order=3,
    )
    _indicator(
        ctx,
        t3,
        "2.1.3.1",
        "乡村振兴项目开工",
        "个",
        16,
        source=SourceKind.COMPUTED,
        # the projects themselves are public works (zhili/demo/works2020.py): counted when they reach 施工
        source_key="works",
        source_params={"measure": "reached", "stage": "build", "kind": "rural"},
    )
    return {"land": land, "income": income}


def _industrial_park(ctx: Ctx, goals: dict[str, Goal]) -> dict[str, Indicator]:
    p = ctx.people
    leader = ctx.leaders[2]
    t1 = _task(
        ctx,
        goals["2.2"],
        "2.2.1",
        "春节前完成郎家、孙家店、小王三个村的拆迁",
        leader=leader,
        lead="urban",
        assist=("security", "civil"),
        owner=p["demo-urban"],
        start=JAN1,
        deadline=d(1, 20),
        order=1,
        milestones=(("三村搬迁协议全部签订", d(1, 10), d(1, 8)), ("三村房屋腾空交付", d(1, 20), d(1, 19))),
        status=TaskStatus.CLOSED,
        reported_at=at(d(1, 21), 16),
        reported_by=p["demo-urban"],
        report_note="三个村 1,100 户、3,026 人全部搬迁，房屋腾空交付，附签约台账和交付验收单（演示数据）。",
        closed_at=at(d(2, 10), 9, 30),
        closed_by=p["demo-leader"],
    )
    # Households and people counted from the demolition ledger: those whose house was vacated this year.
    households = _indicator(
        ctx,
        t1,
        "2.2.1.1",
        "搬迁居民户数",
        "户",
        1100,
        order=1,
        decomposition=Decomposition.VILLAGES,
        **ledger_source("demolition", date_field="relocated_on"),
    )
    _shares(ctx, households, demolition_plan(ctx.villages))
    _indicator(
        ctx,
        t1,
        "2.2.1.2",
        "搬迁居民人数",
        "人",
        3000,
        order=2,
        **ledger_source("demolition", "sum", field="members", date_field="relocated_on"),
    )

    t2 = _task(
        ctx,
        goals["2.2"],
        "2.2.2",
        "绿建产业园一期市政道路和签约项目用地：附属物清理清障和征地",
        leader=leader,
        lead="urban",
        assist=("security", "agri"),
        owner=p["demo-urban"],
        start=d(5, 1),
        deadline=d(10, 31),
        order=2,
        milestones=(("一期市政道路开工", d(6, 30), d(6, 18)), ("征地补偿款发放到户", d(9, 30), d(9, 25))),
        status=TaskStatus.REPORTED,
        reported_at=at(d(11, 6), 16, 20),
        reported_by=p["demo-urban"],
        report_note="1,600 余亩地块附属物清理清障和征地全部完成，附征地协议、清障验收单（演示数据），请领导确认销号。",
    )
    # The land acquired, summed from the demolition ledger's rows (each household's 征收土地面积): never typed.
    _indicator(
        ctx,
        t2,
        "2.2.2.1",
        "征地及附属物清理清障",
        "亩",
        1600,
        **ledger_source("demolition", "sum", field="land_area"),
    )
    return {}


# ---- 3 大攻坚战 --------------------------------------------------------------------------------------


def _poverty_alleviation(ctx: Ctx, goals: dict[str, Goal]) -> dict[str, Indicator]:
    p, u = ctx.people, ctx.units
    leader = ctx.leaders[3]
    g = goals["3.1"]
    t1 = _task(
        ctx,
        g,
        "3.1.1",
        "对照上级督查反馈，兜底保障、危房改造、饮水安全等问题整改清零",
        leader=leader,
        lead="civil",
        assist=("urban", "agri"),
        owner=p["demo-civil"],
        start=d(3, 1),
        order=1,
    )
    fixes = _indicator(ctx, t1, "3.1.1.1", "督查反馈问题整改", "项", 150, decomposition=Decomposition.UNITS)
    plan = {"civil": (70, 68), "urban": (40, 33), "agri": (40, 37)}  # 危房改造 (urban) trails
    _shares(ctx, fixes, {u[c]: t for c, (t, _) in plan.items()})
    rng = ctx.rng("3.1.1.1")
    rows = []
    for c, (_, final) in plan.items():
        rows += whole_series(
            ctx, fixes, running_totals(Decimal(final), 8, rng), 3, unit=u[c], note="逐项销号，佐证材料存档（演示数据）"
        )
    _entries(ctx, fixes, rows)
    # The same 150 items as cases (督查整改, cases2020): counted, never typed — 141 closed by today.
    _indicator(
        ctx,
        t1,
        "3.1.1.2",
        "督查反馈问题整改销号",
        "项",
        150,
        order=2,
        **case_source("closed", batch=cases2020.BATCH_NAME),
    )

    t2 = _task(ctx, g, "3.1.2", "召开帮扶责任人专题培训", leader=leader, lead="civil", owner=p["demo-civil"], order=2)
    _indicator(
        ctx,
        t2,
        "3.1.2.1",
        "帮扶责任人专题培训",
        "次",
        4,
        source=SourceKind.COMPUTED,
        source_key="trainings",
        source_params={"measure": "held"},
    )
    # the four trainings themselves (with attendance) are zhili.households' Training rows (households2020.py)

    t3 = _task(
        ctx,
        g,
        "3.1.3",
        "冲刺提升行动：扶贫档案提升（一户一档）",
        leader=leader,
        lead="civil",
        owner=p["demo-civil"],
        start=d(10, 12),
        deadline=d(11, 25),
        order=3,
    )
    files = _indicator(ctx, t3, "3.1.3.1", "贫困户档案规范提升", "户", 326, period_type=PeriodType.WEEK)
    weeks = [periods.period_of(d(10, 12) + datetime.timedelta(weeks=k), PeriodType.WEEK) for k in range(5)]
    _entries(
        ctx,
        files,
        [
            (ctx.sub, None, w, v, p["demo-civil"], "按户核对、补齐、装订（演示数据）")
            for w, v in zip(weeks, [58, 131, 197, 256, 301], strict=True)
        ],
    )

    # Rural infrastructure, done this year per the article.
    t4 = _task(
        ctx,
        g,
        "3.1.4",
        "完成 66 个村户户通硬化路任务",
        leader=leader,
        lead="urban",
        assist=("agri",),
        owner=p["demo-urban"],
        start=d(3, 1),
        deadline=d(9, 30),
        order=4,
    )
    # The village figures of 3.1.4-3.1.7 are counted from their ledgers (a village with a finished row counts 1).
    roads = _indicator(
        ctx,
        t4,
        "3.1.4.1",
        "户户通硬化路完成村数",
        "个",
        66,
        decomposition=Decomposition.VILLAGES,
        **ledger_source("road-hardening", "villages", date_field="finished_on"),
    )
    _shares(ctx, roads, dict.fromkeys(roads_plan(ctx.villages), 1))

    t5 = _task(
        ctx,
        g,
        "3.1.5",
        "完成 28 个村饮水攻坚任务",
        leader=leader,
        lead="agri",
        assist=("civil",),
        owner=leader,
        start=d(3, 1),
        deadline=d(8, 31),
        order=5,
    )
    water = _indicator(
        ctx,
        t5,
        "3.1.5.1",
        "饮水攻坚完成村数",
        "个",
        28,
        decomposition=Decomposition.VILLAGES,
        **ledger_source("drinking-water", "villages", date_field="finished_on"),
    )
    _shares(ctx, water, dict.fromkeys(water_plan(ctx.villages), 1))

    t6 = _task(
        ctx,
        g,
        "3.1.6",
        "全面完成 9808 户气代煤改造，实现清洁取暖全覆盖",
        leader=leader,
        lead="urban",
        assist=("economy", "security"),
        owner=p["demo-urban"],
        start=d(3, 1),
        deadline=d(10, 31),
        order=6,
    )
    # Households whose conversion was accepted (验收状态 = 已验收), by the date it was finished.
    gas = _indicator(
        ctx,
        t6,
        "3.1.6.1",
        "气代煤改造",
        "户",
        9808,
        decomposition=Decomposition.VILLAGES,
        **ledger_source("gas-conversion", filter={"status": "已验收"}, date_field="finished_on"),
    )
    _shares(ctx, gas, gas_plan(ctx.villages)[0])

    t7 = _task(
        ctx,
        g,
        "3.1.7",
        "改厕问题整改：17 处村级公厕建设完成招标",
        leader=leader,
        lead="urban",
        assist=("agri", "civil"),
        owner=p["demo-urban"],
        start=d(6, 1),
        deadline=d(10, 31),
        order=7,
        milestones=(("完成选址和设计", d(8, 31), d(9, 10)), ("完成招标", d(10, 31), None)),
    )
    # Toilets with a tender date this year (12 of 17 by the 10-31 deadline; 孔家坊's is being re-sited).
    toilets = _indicator(
        ctx,
        t7,
        "3.1.7.1",
        "村级公厕完成招标",
        "处",
        17,
        decomposition=Decomposition.VILLAGES,
        **ledger_source("public-toilets", date_field="tendered_on"),
    )
    _shares(ctx, toilets, dict.fromkeys(toilets_plan(ctx.villages)[0], 1))

    t8 = _task(
        ctx,
        g,
        "3.1.8",
        "街道便民服务中心提升改造；一处公益性公墓选址",
        leader=leader,
        lead="civil",
        assist=("urban",),
        owner=p["demo-civil"],
        start=d(7, 1),
        deadline=d(12, 20),
        order=8,
        milestones=(("公益性公墓完成选址", d(9, 30), None), ("便民服务中心改造完工", d(12, 20), None)),
    )
    centre = _indicator(ctx, t8, "3.1.8.1", "便民服务中心提升改造工程进度", "%", 100, order=1)
    _entries(ctx, centre, whole_series(ctx, centre, [12, 30, 52, 75], 7, note="按监理月报形象进度"))
    cemetery = _indicator(ctx, t8, "3.1.8.2", "公益性公墓选址", "处", 1, order=2, deadline=d(9, 30))
    _entries(
        ctx, cemetery, whole_series(ctx, cemetery, [0, 0, 0, 0], 7, note="3 处备选地块比选中，尚未确定（演示数据）")
    )
    return {}


def _living_environment(ctx: Ctx, goals: dict[str, Goal]) -> dict[str, Indicator]:
    p = ctx.people
    leader = ctx.leaders[4]
    t1 = _task(
        ctx,
        goals["3.2"],
        "3.2.1",
        "人居环境整治提升（“五级联包”）：拆除残垣断壁、驻地专项清查、垃圾分类试点",
        leader=leader,
        lead="urban",
        assist=("agri", "security", "party"),
        owner=p["demo-urban"],
        start=d(4, 1),
        order=1,
    )
    index = _indicator(
        ctx,
        t1,
        "3.2.1.0",
        "人居环境整治综合指数",
        "%",
        100,
        order=0,
        source=SourceKind.CHILDREN,
        aggregation=Aggregation.WEIGHTED,
    )
    kw = {"parent": index}
    walls = _indicator(
        ctx,
        t1,
        "3.2.1.1",
        "拆除残垣断壁",
        "处",
        700,
        order=1,
        weight=Decimal(30),
        decomposition=Decomposition.VILLAGES,
        **kw,
    )
    area = _indicator(
        ctx,
        t1,
        "3.2.1.2",
        "拆除残垣断壁面积",
        "平方米",
        18000,
        order=2,
        weight=Decimal(20),
        decomposition=Decomposition.VILLAGES,
        **kw,
    )
    signs = _indicator(
        ctx,
        t1,
        "3.2.1.3",
        "太平、庙廊驻地占道经营和广告牌匾专项整治",
        "处",
        600,
        order=3,
        weight=Decimal(20),
        decomposition=Decomposition.VILLAGES,
        **kw,
    )
    # The pilot villages' weekly rounds are rows of the garbage-sorting ledger: counted, and villages with rows —
    # of the 4 pilots only (a row for another village is imported with a warning, not counted: never 5 of 4).
    pilots = [ctx.village(name).code for name in GARBAGE_PILOTS]
    garbage = _indicator(
        ctx,
        t1,
        "3.2.1.4",
        "垃圾分类入户宣传和可回收物集中收集（每周一次）",
        "次",
        140,
        order=4,
        weight=Decimal(30),
        decomposition=Decomposition.VILLAGES,
        **ledger_source("garbage-pilot", date_field="date", villages=pilots),
        **kw,
    )
    pilots = _indicator(
        ctx,
        t1,
        "3.2.1.5",
        "垃圾分类试点村",
        "个",
        4,
        order=5,
        **ledger_source("garbage-pilot", "villages", date_field="date", villages=pilots),
    )

    kong = ctx.village(KONG)
    rng = ctx.rng("3.2.1.1")
    wall_shares = spread(700, ctx.villages, rng, 0.4, 1.6)
    wall_shares[kong] = 9  # 孔家坊's nine sites; the largest share absorbs the difference, the total stays 700
    biggest = max((v for v in ctx.villages if v != kong), key=lambda v: wall_shares[v])
    wall_shares[biggest] += 700 - sum(wall_shares.values())
    _shares(ctx, walls, wall_shares)
    wall_finals = {}
    for v, share in wall_shares.items():
        wall_finals[v] = share + rng.choice([0, 0, 0, 0, 0, 0, 0, 1, -1, -2]) if share > 2 else share
    wall_finals[kong] = 11
    gap = 712 - sum(wall_finals.values())  # 700余处 (the article)
    ahead = [v for v in ctx.villages if wall_finals[v] >= wall_shares[v] and v != kong]
    for i in range(abs(gap)):
        wall_finals[ahead[i % len(ahead)]] += 1 if gap > 0 else -1
    _entries(
        ctx,
        walls,
        village_series(
            ctx,
            walls,
            {v: Decimal(n) for v, n in wall_finals.items()},
            4,
            10,
            done_by={v: rng.randint(6, 10) for v in ctx.villages},
        ),
    )

    rng = ctx.rng("3.2.1.2")
    area_shares = split(Decimal(18000), [wall_shares[v] * rng.uniform(0.8, 1.2) for v in ctx.villages])
    area_shares = {v: a for v, a in zip(ctx.villages, area_shares, strict=True)}
    _shares(ctx, area, area_shares)
    area_finals = {v: dec(float(area_shares[v]) * wall_finals[v] / max(wall_shares[v], 1)) for v in ctx.villages}
    total = sum(area_finals.values())
    area_finals[biggest] += Decimal(18240) - total  # 1.8 万平方米
    _entries(
        ctx, area, village_series(ctx, area, area_finals, 4, 10, done_by={v: rng.randint(6, 10) for v in ctx.villages})
    )

    seats = [ctx.village(n) for n in SEATS]
    _shares(ctx, signs, {seats[0]: 360, seats[1]: 240})
    _entries(
        ctx,
        signs,
        village_series(
            ctx, signs, {seats[0]: Decimal(300), seats[1]: Decimal(180)}, 4, 10, note="专门巡查队伍清查，逐处登记整改"
        ),
    )

    _shares(ctx, garbage, {ctx.village(n): 35 for n in GARBAGE_PILOTS})  # 每周一次，5 月起全年不少于 35 次

    # 网格化监管: the grid cases (cases2020) counted by the cases source.
    t2 = _task(
        ctx,
        goals["3.2"],
        "3.2.2",
        "网格化监管：专门巡查队伍发现问题，闭环整改、按期结案",
        leader=leader,
        lead="urban",
        assist=("agri", "security"),
        owner=p["demo-urban"],
        order=2,
    )
    # Counted as cases closed on time (not as 按期结案率: the engine adds the villages' figures up for the
    # subdistrict, which is right for counts and wrong for a rate — 81 % would show as thousands of per cent).
    # Target: nine in ten of the ~2,700 patrol cases the year brings (演示数据).
    on_time = _indicator(
        ctx,
        t2,
        "3.2.2.1",
        "网格巡查事件按期结案",
        "件",
        2400,
        order=1,
        **case_source("closed_on_time", source="patrol"),
    )
    return {"walls": walls, "area": area, "pilots": pilots, "on_time": on_time}


def _fiscal_revenue(ctx: Ctx, goals: dict[str, Goal]) -> dict[str, Indicator]:
    p = ctx.people
    t1 = _task(
        ctx,
        goals["3.3"],
        "3.3.1",
        "深挖税源，对接重点企业争取税收落到太平；建筑业增值税应收尽收",
        leader=ctx.leaders[0],
        lead="economy",
        assist=("urban",),
        owner=p["demo-economy"],
        order=1,
    )
    # the month's receipts as the tax bureau reports them (zhili/demo/projects2020.py, zhili/projects/source.py)
    tax = _indicator(ctx, t1, "3.3.1.1", "税收收入", "万元", 12000, cumulative=False, **project_source("tax_received"))
    return {"tax": tax}


# ---- 4 个打造 ----------------------------------------------------------------------------------------


def _builds(ctx: Ctx, goals: dict[str, Goal]) -> dict[str, Indicator]:
    p, u = ctx.people, ctx.units
    t1 = _task(
        ctx,
        goals["4.1"],
        "4.1.1",
        "依托省农科院试验示范基地，推广红灵、小兰等西瓜新品种，延长“太平宝”上市供应期",
        leader=ctx.leaders[5],
        lead="agri",
        assist=("economy",),
        owner=ctx.leaders[5],
        deadline=d(8, 31),
        order=1,
        milestones=(("2020 泉城“太平宝”西瓜文化旅游季新品发布会", d(4, 30), d(4, 26)),),
    )
    season = _indicator(ctx, t1, "4.1.1.1", "“太平宝”西瓜上市供应期", "个月", 3, order=1)
    _entries(ctx, season, whole_series(ctx, season, [1, 2, 3], 6, note="5 月下旬至 8 月下旬上市（演示数据）"))
    melons = _indicator(ctx, t1, "4.1.1.2", "新品种推广村", "个", 3, order=2, decomposition=Decomposition.VILLAGES)
    melon_villages = [ctx.village(n) for n in MELON_VILLAGES]
    _shares(ctx, melons, {v: 1 for v in melon_villages})
    _entries(
        ctx,
        melons,
        [(v, None, month_periods(6, 6)[0], 1, ctx.secretaries[v.pk], "试种红灵、小兰成功") for v in melon_villages],
    )

    t2 = _task(
        ctx,
        goals["4.2"],
        "4.2.1",
        "服务绿建产业园“标准地”招商，签约项目落地开工",
        leader=ctx.leaders[2],
        lead="economy",
        assist=("urban", "security"),
        owner=p["demo-economy"],
        order=1,
    )
    signed = _indicator(ctx, t2, "4.2.1.1", "签约项目落地开工", "个", 8)
    _entries(
        ctx,
        signed,
        whole_series(
            ctx, signed, [0, 0, 0, 1, 1, 2, 3, 4, 4, 5], 1, note="受疫情影响，3 个项目待供地后开工（演示数据）"
        ),
    )

    t3 = _task(
        ctx,
        goals["4.3"],
        "4.3.1",
        "打造白家堰、孔家坊乡村振兴示范村，创建“甜源太平”示范区",
        leader=ctx.leaders[1],
        lead="agri",
        assist=("urban", "party"),
        owner=ctx.leaders[1],
        order=1,
    )
    model = _indicator(ctx, t3, "4.3.1.1", "示范村建设项目完成", "项", 14, decomposition=Decomposition.VILLAGES)
    bai, kong = ctx.village("白家堰村"), ctx.village(KONG)
    _shares(ctx, model, {bai: 6, kong: 8})
    _entries(
        ctx,
        model,
        village_series(
            ctx,
            model,
            {bai: Decimal(6), kong: Decimal(7)},
            3,
            10,
            done_by={bai: 9, kong: 10},
            note="道路、绿化、文化广场、金银花基地等（演示数据）",
        ),
    )

    t4 = _task(
        ctx,
        goals["4.4"],
        "4.4.1",
        "全面从严治党：对 91 个村主职干部开展廉政谈话",
        leader=ctx.leaders[0],
        lead="party",
        owner=ctx.leaders[0],
        order=1,
    )
    talks = _indicator(
        ctx,
        t4,
        "4.4.1.1",
        "廉政谈话覆盖村数",
        "个",
        91,
        decomposition=Decomposition.VILLAGES,
        source=SourceKind.COMPUTED,
        source_key="party",
        source_params={"measure": "talk_villages"},
    )
    _shares(ctx, talks, {v: 1 for v in ctx.villages})
    # The talks are typed once, in the party app (zhili/demo/party2020.py: all 91 villages' heads), and counted
    # from there (source "party"), never typed as figures or as activity records.

    t5 = _task(
        ctx,
        goals["4.4"],
        "4.4.2",
        "编好用好《今日太平》《太平之窗》，各办宣传信息报送",
        leader=ctx.leaders[0],
        lead="party",
        assist=("economy", "urban", "civil", "security", "agri"),
        owner=ctx.leaders[0],
        order=2,
    )
    news = _indicator(
        ctx, t5, "4.4.2.1", "宣传信息采用", "篇", 240, cumulative=False, decomposition=Decomposition.UNITS
    )
    plan = {"economy": 31, "urban": 36, "civil": 34, "party": 45, "security": 28, "agri": 33}
    _shares(ctx, news, {u[c]: 40 for c in plan})
    rng = ctx.rng("4.4.2.1")
    rows = []
    for c, total in plan.items():
        rows += whole_series(
            ctx,
            news,
            split(Decimal(total), [rng.uniform(0.5, 1.5) for _ in range(10)]),
            1,
            unit=u[c],
            note="《今日太平》《太平之窗》及上级媒体采用",
        )
    _entries(ctx, news, rows)

    t6 = _task(
        ctx,
        goals["4.4"],
        "4.4.3",
        "实施“头雁队伍”提升工程，推进党支部领办合作社",
        leader=ctx.leaders[0],
        lead="party",
        assist=("agri",),
        owner=ctx.leaders[0],
        order=3,
    )
    coops = _indicator(ctx, t6, "4.4.3.1", "党支部领办合作社", "个", 20)
    _entries(ctx, coops, whole_series(ctx, coops, [0, 0, 2, 4, 6, 9, 11, 13, 16, 18], 1))
    return {"talks": talks, "news": news}


# ---- ranking and supervision -------------------------------------------------------------------------


def _ranking(ctx: Ctx, built: dict[str, Indicator]) -> None:
    schemes = [
        (
            "villages",
            "2020 年度村（社区）综合考核（演示）",
            [("income", 40), ("walls", 25), ("area", 15), ("talks", 20)],
        ),
        ("units", "2020 年度机关各办考核（演示）", [("attract", 60), ("news", 40)]),
    ]
    for subject, name, weights in schemes:
        scheme, made = RankingScheme.objects.get_or_create(
            region=ctx.sub,
            year=YEAR,
            subject=subject,
            # 单项完成率最高按 120% 计; the villages' ranking is published to the villages (通报到村)
            defaults={"name": name, "cap": Decimal(120), "published_to_villages": subject == "villages"},
        )
        ctx.summary.add("ranking schemes", int(made))
        if not scheme.weights.exists():
            RankingWeight.objects.bulk_create(
                [RankingWeight(scheme=scheme, indicator=built[k], weight=Decimal(w)) for k, w in weights]
            )
            ctx.summary.add("ranking weights", len(weights))


def _supervision(ctx: Ctx, built: dict[str, Indicator]) -> None:
    """催办 from the party secretary on an overdue and a red task (unread, so they show on the home pages)."""
    leader = ctx.people["demo-leader"]
    toilets = Task.objects.get(goal__region=ctx.sub, goal__year=YEAR, code="3.1.7")
    investment = built["investment"].task
    for task, to, message, day in [
        (
            toilets,
            ctx.people["demo-urban"],
            "17 处村级公厕招标已超过 10 月 31 日时限，仍有 5 处（含孔家坊村）未完成，请于 11 月 27 日前报送推进计划。",
            d(11, 16),
        ),
        (
            investment,
            ctx.people["demo-economy"],
            "固定资产投资落后序时进度 20 多个百分点，请再次梳理在建项目台账，做到应统尽统，11 月 25 日前书面报告。",
            d(11, 18),
        ),
    ]:
        if not Reminder.objects.filter(task=task, to=to, message=message).exists():
            Reminder.objects.create(task=task, to=to, sender=leader, message=message, created_at=at(day, 9))
            ctx.summary.add("reminders")
