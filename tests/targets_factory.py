"""A small, hand-countable 1234 tree for 2021 (the demo owns 2020), used by the targets tests."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from zhili.people.models import Person, Unit
from zhili.targets.models import (
    ActivityRecord,
    Aggregation,
    Decomposition,
    Entry,
    Evidence,
    Goal,
    Indicator,
    PeriodType,
    Share,
    SourceKind,
    Task,
)

YEAR = 2021
TODAY = datetime.date(2021, 11, 19)


@dataclass
class Tree:
    goal: Goal
    task: Task
    households: Indicator  # decomposed to 孔家坊 (10) and 阎桥 (20), cumulative, monthly
    tax: Indicator  # not decomposed, per period (monthly sums)
    talks: Indicator  # computed: villages with an integrity talk
    index: Indicator  # weighted children: households (3) and missing (1)
    missing: Indicator  # a child without data
    kong_feb: Entry


def month(m: int) -> tuple[datetime.date, datetime.date]:
    import calendar

    return datetime.date(YEAR, m, 1), datetime.date(YEAR, m, calendar.monthrange(YEAR, m)[1])


def entry(ind, region, m, value, unit=None) -> Entry:
    start, end = month(m)
    return Entry.objects.create(
        indicator=ind,
        region=region,
        unit=unit,
        period_start=start,
        period_end=end,
        value=Decimal(value),
        reporter=Person.objects.get(username="demo-leader"),
    )


def stored_evidence(*, entry=None, task=None, name: str = "现场.png", data: bytes | None = None) -> Evidence:
    """A checked file attached to `entry` or `task`, stored as the actions store it (for pages and scope)."""
    from django.core.files.base import File

    from tests.evidence_files import image, upload
    from zhili.targets import evidence

    c = evidence.check(upload(name, data if data is not None else image("PNG")))
    return Evidence.objects.create(
        entry=entry,
        task=task,
        file=File(c.upload, name=f"f{c.kind.extensions[0]}"),
        name=c.name,
        content_type=c.kind.mime,
        size=c.size,
        sha256=c.sha256,
        uploaded_by=Person.objects.get(username="demo-leader"),
    )


def build(world) -> Tree:
    leader = Person.objects.get(username="demo-leader")
    urban = Unit.objects.get(region=world.sub, code="urban")
    top = Goal.objects.create(region=world.sub, year=YEAR, level_name="攻坚战", code="3", title="三大攻坚战")
    goal = Goal.objects.create(
        region=world.sub, year=YEAR, parent=top, level_name="攻坚战", code="3.2", title="人居环境提升"
    )
    task = Task.objects.create(
        goal=goal,
        code="3.2.1",
        title="测试任务",
        start=datetime.date(YEAR, 1, 1),
        deadline=datetime.date(YEAR, 12, 31),
        leader=leader,
        lead_unit=urban,
        owner=Person.objects.get(username="demo-urban"),
    )
    common = {"task": task, "unit": "户", "period_type": PeriodType.MONTH}
    households = Indicator.objects.create(
        code="a", name="改造户数", target=Decimal(30), decomposition=Decomposition.VILLAGES, **common
    )
    Share.objects.create(indicator=households, region=world.kong, target=Decimal(10))
    Share.objects.create(indicator=households, region=world.yan, target=Decimal(20))
    entry(households, world.kong, 1, 3)
    kong_feb = entry(households, world.kong, 2, 6)
    entry(households, world.yan, 3, 20)
    tax = Indicator.objects.create(
        code="b", name="税收", target=Decimal(100), cumulative=False, **{**common, "unit": "万元"}
    )
    entry(tax, world.sub, 1, 5)
    entry(tax, world.sub, 2, 7)
    talks = Indicator.objects.create(
        code="c",
        name="廉政谈话村数",
        target=Decimal(91),
        source=SourceKind.COMPUTED,
        source_key="activities",
        source_params={"topic": "廉政谈话", "measure": "villages"},
        **{**common, "unit": "个"},
    )
    for region, day in ((world.kong, 3), (world.kong, 4), (world.yan, 5)):
        ActivityRecord.objects.create(
            region=region, kind="talk", topic="廉政谈话", title="廉政谈话", date=datetime.date(YEAR, day, 1)
        )
    index = Indicator.objects.create(
        code="p",
        name="综合指数",
        target=Decimal(100),
        source=SourceKind.CHILDREN,
        aggregation=Aggregation.WEIGHTED,
        **{**common, "unit": "%"},
    )
    Indicator.objects.filter(pk=households.pk).update(parent=index, weight=Decimal(3))
    households.refresh_from_db()
    missing = Indicator.objects.create(
        code="d", name="无数据的指标", target=Decimal(5), parent=index, weight=Decimal(1), **common
    )
    return Tree(goal, task, households, tax, talks, index, missing, kong_feb)
