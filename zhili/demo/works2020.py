"""The 2020 public works of Taiping (synthetic, deterministic, idempotent): the 16 rural-revitalization projects
with the city's service team, the 17 village public toilets, the service-centre upgrade, the public cemetery's
site selection and the repaired 济太路 — each with its seven stages planned and (so far) reached, its funds, and a
few milestones (without photos: the demo writes no files).

- The rural projects are the ones the targets' 2.1.3.1 (乡村振兴项目开工) counts: the 13 started by today on the
  days the article's timeline has, in the same villages (the same seeded choice), and three still waiting.
- The toilets are one work per toilet, read from the `public-toilets` ledger's rows (village, site, budget,
  tender date): each has its own village, office and tender, so the village-grouped source and a cadre's scope
  need one row per toilet — and the ledger stays the one record of the tender dates (nothing retyped).
- Some works are late on purpose (red lights): 孔家坊's toilet and four others not tendered by 10-31, the cemetery
  site not chosen by 9-30, two rural projects past their planned finish, one not yet started.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone

from zhili.demo import targets2020 as t
from zhili.ledgers.models import LedgerRow
from zhili.people.models import Person, Unit
from zhili.projects.models import WORK_STAGES, Work, WorkKind, WorkMilestone, WorkStage
from zhili.regions.models import Region

d = t.d
DAY = datetime.timedelta(days=1)

# (village name or None for one chosen like 2.1.3.1's, name, build started or None, funds 万元, planned build,
#  finished or None, planned finish, accepted or None, effect or None)
RURAL = [
    ("哈叭沟村", "西瓜设施大棚提升项目", d(4, 8), 320, d(4, 1), d(6, 30), d(6, 30), d(7, 15), d(8, 20)),
    ("阎桥村", "西瓜新品种示范基地", d(4, 15), 180, d(4, 10), d(6, 20), d(6, 30), d(7, 10), None),
    ("来佛寺村", "“太平宝”西瓜冷链仓储项目", d(5, 6), 260, d(4, 30), d(8, 28), d(8, 31), d(9, 18), None),
    ("白家堰村", "甜源太平示范区道路及绿化项目", d(5, 20), 410, d(5, 15), d(9, 25), d(9, 30), None, None),
    (t.KONG, "金银花种植基地水肥一体化项目", d(6, 3), 150, d(6, 1), d(8, 18), d(8, 31), d(9, 10), None),
    (None, "文冠果种植基地项目", d(6, 17), 200, d(6, 15), d(9, 30), d(10, 15), None, None),
    (None, "农产品深加工车间项目", d(7, 1), 680, d(6, 20), None, d(10, 30), None, None),
    (t.KONG, "乡村文明示范线项目", d(7, 22), 240, d(7, 15), d(10, 28), d(10, 31), None, None),
    (None, "休闲农业采摘园项目", d(8, 12), 300, d(8, 10), None, d(12, 20), None, None),
    (None, "村级电商服务站项目", d(8, 26), 60, d(8, 20), d(10, 16), d(10, 20), d(11, 5), None),
    (None, "苗圃扶贫项目", d(9, 9), 350, d(9, 1), None, d(12, 31), None, None),
    (None, "特色农业园配套道路项目", d(9, 28), 520, d(9, 20), None, d(11, 10), None, None),
    (None, "农村生活污水治理试点项目", d(10, 21), 230, d(10, 15), None, d(12, 25), None, None),
    # waiting: one past its planned start (red), one due next week (yellow), one in December (green)
    (None, "乡村旅游服务点项目", None, 120, d(10, 15), None, d(12, 20), None, None),
    (None, "农产品展销中心项目", None, 260, d(11, 25), None, d(12, 30), None, None),
    (None, "高标准农田配套项目", None, 450, d(12, 15), None, None, None, None),
]


def _stages(work: Work, planned: dict[str, datetime.date | None], actual: dict[str, datetime.date | None]) -> list:
    return [
        WorkStage(
            work=work,
            subdistrict_id=work.subdistrict_id,
            stage=s,
            planned=planned.get(s),
            actual=actual.get(s) if actual.get(s) else None,
        )
        for s in WORK_STAGES
    ]


def _work(
    summary,
    sub: Region,
    *,
    name: str,
    kind: str,
    region: Region,
    unit: Unit,
    person: Person | None,
    funds: tuple[Decimal, Decimal, Decimal],
    planned: dict,
    actual: dict,
    note: str = "",
    milestones: tuple = (),
    by: Person | None = None,
) -> None:
    if Work.objects.filter(subdistrict=sub, name=name).exists():
        return
    work = Work.objects.create(
        subdistrict=sub,
        region=region,
        name=name,
        kind=kind,
        unit=unit,
        person=person,
        funds_planned=funds[0],
        funds_allocated=funds[1],
        funds_spent=funds[2],
        note=note,
        is_synthetic=True,
    )
    WorkStage.objects.bulk_create(_stages(work, planned, actual))
    WorkMilestone.objects.bulk_create(
        [
            WorkMilestone(
                work=work,
                subdistrict_id=work.subdistrict_id,
                day=day,
                title=title,
                added_by=by,
                added_at=timezone.make_aware(datetime.datetime.combine(day, datetime.time(17))),
            )
            for day, title in milestones
        ]
    )
    summary.add("works")


def _funds(total: int, share_allocated: float, share_spent: float) -> tuple[Decimal, Decimal, Decimal]:
    planned = Decimal(total)
    allocated = (planned * Decimal(str(share_allocated))).quantize(Decimal("0.01"))
    spent = (allocated * Decimal(str(share_spent))).quantize(Decimal("0.01"))
    return planned, allocated, spent


def _rural(summary, sub: Region, villages: list[Region], units: dict[str, Unit], people: dict[str, Person]) -> None:
    named = {v.name: v for v in villages}
    # the same seeded choice as targets2020's 2.1.3.1 for a project without a named village
    rng = t.rng_for("2.1.3.1")
    pool = [v for v in villages if v.name not in t.DEMOLISHED and v.name not in t.SEATS and v.is_synthetic]
    for where, title, built, amount, plan_build, finished, plan_finish, accepted, effect in RURAL:
        village = named[where] if where else rng.choice(pool)
        base = built or plan_build
        lead = 10 if built is None else 25  # a waiting project tenders shortly before its start
        planned = {
            "plan": base - 100 * DAY,
            "approve": base - 60 * DAY,
            "tender": base - lead * DAY,
            "build": plan_build,
            "finish": plan_finish,
            # acceptance planned three weeks after the planned finish where it came, two months where it has not
            "accept": (plan_finish + (20 if accepted else 60) * DAY) if plan_finish else None,
            "effect": effect - 5 * DAY if effect else None,
        }
        actual = {
            "build": built,
            "finish": finished,
            "accept": accepted,
            "effect": effect,
        }
        for stage in ("plan", "approve", "tender"):
            day = (
                (planned[stage] + 2 * DAY)
                if built is None
                else (base - {"plan": 98, "approve": 58, "tender": 20}[stage] * DAY)
            )
            if day <= t.TODAY:
                actual[stage] = day
        if built is None and plan_build < t.TODAY:
            actual["tender"] = None  # 乡村旅游服务点: the tender failed, the start is late (red)
        if accepted:
            funds = _funds(amount, 1.0, 0.97)
        elif finished:
            funds = _funds(amount, 0.9, 0.85)
        elif built:
            funds = _funds(amount, 0.6, 0.55)
        else:
            funds = _funds(amount, 0.1, 0.0)
        milestones = [(built, "开工仪式")] if built else []
        if finished:
            milestones.append((finished, "主体完工"))
        _work(
            summary,
            sub,
            name=f"{village.name}{title}",
            kind=WorkKind.RURAL,
            region=village,
            unit=units["agri"],
            person=None,
            funds=funds,
            planned=planned,
            actual=actual,
            note="与市派乡村振兴服务队共同实施（演示数据）",
            milestones=tuple(milestones),
            by=people["demo-leader"],
        )


def _toilets(summary, sub: Region, units: dict[str, Unit], people: dict[str, Person]) -> None:
    """One work per toilet, from the public-toilets ledger's rows (its tender dates, sites and budgets)."""
    rows = (
        LedgerRow.objects.active()
        .filter(ledger__region=sub, ledger__code="public-toilets")
        .select_related("region")
        .order_by("region__code")
    )
    for row in rows:
        data = row.data
        tendered = datetime.date.fromisoformat(data["tendered_on"]) if data.get("tendered_on") else None
        building = data.get("stage") == "施工中" and tendered is not None
        budget = Decimal(str(data.get("budget") or 0))
        _work(
            summary,
            sub,
            name=f"{data.get('location') or row.region.name}公厕",
            kind=WorkKind.TOILET,
            region=row.region,
            unit=units["urban"],
            person=people["demo-urban"],
            funds=(budget, (budget * Decimal("0.3")).quantize(Decimal("0.01")) if tendered else Decimal(0), Decimal(0)),
            planned={
                "plan": d(6, 1),
                "approve": d(8, 31),
                "tender": d(10, 31),
                "build": d(11, 30),
                "finish": d(12, 25),
            },
            actual={
                "plan": d(6, 5),
                "approve": d(9, 10) if data.get("stage") != "选址" else None,
                "tender": tendered,
                "build": min(tendered + 12 * DAY, t.TODAY) if building else None,
            },
            note=str(data.get("note") or ""),
            by=people["demo-urban"],
        )


def _whole(summary, sub: Region, units: dict[str, Unit], people: dict[str, Person]) -> None:
    _work(
        summary,
        sub,
        name="街道便民服务中心提升改造",
        kind=WorkKind.FACILITY,
        region=sub,
        unit=units["civil"],
        person=people["demo-civil"],
        funds=_funds(380, 0.6, 0.8),
        planned={
            "plan": d(3, 10),
            "approve": d(4, 20),
            "tender": d(6, 15),
            "build": d(7, 1),
            "finish": d(12, 20),
            "accept": d(12, 30),
        },
        actual={"plan": d(3, 12), "approve": d(4, 24), "tender": d(6, 19), "build": d(7, 6)},
        note="按监理月报，形象进度约 75%（演示数据）",
        milestones=((d(7, 6), "进场施工"), (d(9, 28), "主体改造完成"), (d(11, 12), "内部装修过半")),
        by=people["demo-civil"],
    )
    _work(
        summary,
        sub,
        name="公益性公墓选址",
        kind=WorkKind.FACILITY,
        region=sub,
        unit=units["civil"],
        person=people["demo-civil"],
        funds=_funds(30, 0.0, 0.0),
        # 立项 here is the site chosen and approved: planned 9-30, three plots still being compared
        planned={"plan": d(7, 1), "approve": d(9, 30), "tender": d(12, 15)},
        actual={"plan": d(7, 3)},
        note="3 处备选地块比选中，尚未确定（演示数据）",
        milestones=((d(8, 14), "完成 3 处备选地块踏勘"),),
        by=people["demo-civil"],
    )
    _work(
        summary,
        sub,
        name="济太路维修",
        kind=WorkKind.ROAD,
        region=sub,
        unit=units["urban"],
        person=people["demo-urban"],
        funds=_funds(560, 1.0, 0.98),
        planned={
            "plan": d(2, 20),
            "approve": d(3, 20),
            "tender": d(4, 20),
            "build": d(5, 6),
            "finish": d(7, 31),
            "accept": d(8, 31),
        },
        actual={
            "plan": d(2, 24),
            "approve": d(3, 18),
            "tender": d(4, 22),
            "build": d(5, 8),
            "finish": d(7, 28),
            "accept": d(8, 26),
        },
        note="路面修复完成并通过验收（演示数据）",
        milestones=((d(5, 8), "封闭施工"), (d(7, 28), "恢复通车"), (d(8, 26), "竣工验收")),
        by=people["demo-urban"],
    )


def load(
    summary,
    *,
    sub: Region,
    villages: list[Region],
    units: dict[str, Unit],
    people: dict[str, Person],
    leaders: list[Person],
) -> None:
    """Create (or top up: a work already there by name is left alone) Taiping's 2020 public works."""
    _rural(summary, sub, villages, units, people)
    _toilets(summary, sub, units, people)
    _whole(summary, sub, units, people)
