"""Households and trainings as indicator sources: the figures equal hand counts on a small subdistrict made here
(households on villages and grids, a village merged into another, archived households and inactive items left
out), records() opens onto exactly the rows counted, one grouped query per indicator; and the demo's 3.1.2.1
帮扶责任人专题培训 counts its four trainings."""

from __future__ import annotations

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from zhili.households import actions
from zhili.households.models import (
    ChecklistItem,
    CheckState,
    Household,
    HouseholdCheck,
    Training,
    TrainingAttendance,
    Visit,
)
from zhili.people.models import Person
from zhili.regions import history
from zhili.regions.models import PATH_SEP, Level, Region
from zhili.targets import engine, sources
from zhili.targets.models import Indicator
from zhili.targets.sources import Window

HOUSEHOLDS = sources.get("households")
TRAININGS = sources.get("trainings")
END = datetime.date(2020, 11, 20)
YEAR = Window(datetime.date(2020, 1, 1), END)
MERGED_ON = datetime.date(2020, 7, 1)


def _region(code, name, level, parent, **kw) -> Region:
    return Region.objects.create(
        code=code, name=name, level=level, parent=parent, path=parent.path + code + PATH_SEP, **kw
    )


@pytest.fixture
def small(world):
    """A subdistrict of three villages (东村 with a grid, 西村, 北村 merged into 东村 on 2020-07-01), six
    households, their checks and visits, two trainings."""
    sub = _region("370115099", "测试街道", Level.SUBDISTRICT, world.district)
    east = _region("370115099201", "东村", Level.VILLAGE, sub)
    west = _region("370115099202", "西村", Level.VILLAGE, sub)
    north = _region("370115099203", "北村", Level.VILLAGE, sub, valid_to=MERGED_ON, successor=east)
    east_grid = _region("370115099201001", "东村第1网格", Level.GRID, east)
    officer = Person.objects.create(username="hh-source-officer", full_name="测试帮扶人", region=sub)
    actions.ensure_defaults(sub)
    items = list(ChecklistItem.objects.filter(subdistrict=sub).order_by("order"))
    retired = items[-1]
    retired.is_active = False
    retired.save()

    def household(region, number, **kw):
        h = Household(subdistrict=sub, region=region, number=number, officer=officer, **kw)
        h.save()
        for item in items:
            HouseholdCheck.objects.create(household=h, item=item)
        return h

    hh = {
        "e1": household(east, "E1"),
        "e2": household(east_grid, "E2"),
        "w1": household(west, "W1"),
        "w2": household(west, "W2"),
        "n1": household(north, "N1"),  # on the village merged into 东村: counts for 东村
        "gone": household(west, "W9", archived_at=timezone.now()),
    }

    def fail(key, *item_indexes):
        HouseholdCheck.objects.filter(household=hh[key], item__in=[items[i] for i in item_indexes]).update(
            state=CheckState.FAILING
        )

    fail("e1", 0, 1)
    fail("e2", len(items) - 1)  # the retired item only: not failing
    fail("w1", 2)
    fail("n1", 3)
    fail("gone", 0)  # archived: not counted

    def visit(key, day):
        Visit.objects.create(
            household=hh[key], visited_on=day, officer=officer, created_at=timezone.now(), findings="测试"
        )

    visit("e1", datetime.date(2020, 11, 10))
    visit("e1", datetime.date(2020, 9, 1))
    visit("e2", datetime.date(2020, 10, 1))  # not within the last 30 days
    visit("w1", datetime.date(2020, 11, 19))
    visit("n1", datetime.date(2020, 3, 3))
    visit("gone", datetime.date(2020, 11, 1))  # archived household: not counted
    visit("w2", datetime.date(2019, 12, 31))  # before the window
    actions.refresh_households([h.pk for h in hh.values()])

    t1 = Training.objects.create(subdistrict=sub, title="一", held_on=datetime.date(2020, 3, 1), recorded_by=officer)
    t2 = Training.objects.create(subdistrict=sub, title="二", held_on=datetime.date(2020, 9, 1), recorded_by=officer)
    Training.objects.create(subdistrict=sub, title="去年", held_on=datetime.date(2019, 9, 1), recorded_by=officer)
    others = [Person.objects.create(username=f"hh-source-{k}", full_name=f"参训{k}", region=sub) for k in range(3)]
    for p in [officer, *others]:
        TrainingAttendance.objects.create(training=t1, person=p)
    TrainingAttendance.objects.create(training=t2, person=officer)
    return SimpleNamespace(sub=sub, east=east, west=west, north=north, hh=hh, items=items)


def _indicator(sub, **params):
    goal = SimpleNamespace(region=sub, region_id=sub.pk)
    return SimpleNamespace(pk=1, source_params=params, task=SimpleNamespace(goal=goal))


def _values(source, ind, sub, window=YEAR):
    villages = history.on_day(sub, window.end)
    with CaptureQueriesContext(connection) as ctx:
        values = source.values([ind], villages, window)
    assert len(ctx.captured_queries) <= 2  # the merged villages' successors, one grouped query
    return {rid: v for (_i, rid), v in values.items()}


def test_params_are_checked():
    with pytest.raises(ValidationError):
        HOUSEHOLDS.check_params({"measure": "nonsense"})
    with pytest.raises(ValidationError):
        HOUSEHOLDS.check_params({"measure": "visited", "days": 0})
    with pytest.raises(ValidationError):
        HOUSEHOLDS.check_params({"measure": "failing_items", "days": 30})
    with pytest.raises(ValidationError):
        TRAININGS.check_params({"measure": "people"})
    HOUSEHOLDS.check_params({"measure": "visited", "days": 30})
    TRAININGS.check_params({"measure": "attendance"})


def test_households_visited_in_the_window_and_within_n_days(small):
    sub, east, west = small.sub, small.east, small.west
    ind = _indicator(sub, measure="visited")
    # 东村: e1, e2 and n1 (merged in); 西村: w1 (w2's visit was last year, W9 is archived)
    assert _values(HOUSEHOLDS, ind, sub) == {east.pk: Decimal(3), west.pk: Decimal(1)}
    assert {h.number for h in HOUSEHOLDS.records(ind, east, YEAR)} == {"E1", "E2", "N1"}
    assert [h.number for h in HOUSEHOLDS.records(ind, west, YEAR)] == ["W1"]
    recent = _indicator(sub, measure="visited", days=30)
    assert _values(HOUSEHOLDS, recent, sub) == {east.pk: Decimal(1), west.pk: Decimal(1)}
    assert [h.number for h in HOUSEHOLDS.records(recent, east, YEAR)] == ["E1"]
    headers, rows = HOUSEHOLDS.table(recent, HOUSEHOLDS.records(recent, east, YEAR))
    assert headers[0] == "户主" and rows[0][1] == "E1" and rows[0][4] == datetime.date(2020, 11, 10)


def test_visits_counted_by_the_households_village(small):
    sub, east, west = small.sub, small.east, small.west
    ind = _indicator(sub, measure="visits")
    assert _values(HOUSEHOLDS, ind, sub) == {east.pk: Decimal(4), west.pk: Decimal(1)}
    records = list(HOUSEHOLDS.records(ind, east, YEAR))
    assert len(records) == 4 and {r.household.number for r in records} == {"E1", "E2", "N1"}
    autumn = Window(datetime.date(2020, 9, 1), datetime.date(2020, 10, 31))
    assert _values(HOUSEHOLDS, ind, sub, autumn) == {east.pk: Decimal(2)}


def test_failing_items_and_households_now(small):
    sub, east, west = small.sub, small.east, small.west
    items = _indicator(sub, measure="failing_items")
    # 东村: e1's two and n1's one (e2 fails only a retired item); 西村: w1's one (W9 is archived)
    assert _values(HOUSEHOLDS, items, sub) == {east.pk: Decimal(3), west.pk: Decimal(1)}
    records = list(HOUSEHOLDS.records(items, east, YEAR))
    assert sorted((r.household.number, r.item.code) for r in records) == sorted(
        [("E1", small.items[0].code), ("E1", small.items[1].code), ("N1", small.items[3].code)]
    )
    households = _indicator(sub, measure="failing_households")
    assert _values(HOUSEHOLDS, households, sub) == {east.pk: Decimal(2), west.pk: Decimal(1)}
    assert [h.number for h in HOUSEHOLDS.records(households, east, YEAR)] == ["E1", "N1"]
    # the figure is the counting field the coverage views read
    assert sum(h.failing_items for h in HOUSEHOLDS.records(households, east, YEAR)) == 3


def test_trainings_count_for_the_subdistrict_as_a_whole(small):
    sub, east = small.sub, small.east
    held = _indicator(sub, measure="held")
    assert _values(TRAININGS, held, sub) == {sub.pk: Decimal(2)}
    assert [t.title for t in TRAININGS.records(held, sub, YEAR)] == ["一", "二"]
    assert list(TRAININGS.records(held, east, YEAR)) == []
    _headers, rows = TRAININGS.table(held, TRAININGS.records(held, sub, YEAR))
    assert rows[0][3] == 4 and rows[1][3] == 1
    attendance = _indicator(sub, measure="attendance")
    assert _values(TRAININGS, attendance, sub) == {sub.pk: Decimal(5)}
    assert len(TRAININGS.records(attendance, sub, YEAR)) == 5


def test_the_boards_trainings_indicator_counts_the_four_trainings(world):
    ind = Indicator.objects.get(task__goal__year=2020, task__goal__region=world.sub, code="3.1.2.1")
    assert ind.source_key == "trainings"
    result = engine.compute(world.sub, 2020, END, list(history.on_day(world.sub, END)), whole=True)
    assert result.whole[ind.pk].actual == 4 and result.whole[ind.pk].target == 4
    attended = [t.attendance.count() for t in Training.objects.filter(subdistrict=world.sub).order_by("held_on")]
    assert attended == [126, 131, 129, 134]
