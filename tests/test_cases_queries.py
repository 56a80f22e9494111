"""The case list's page and the statistics tables run a fixed number of queries, whatever the number of cases.

`python -m bench cases-list` times them on a million cases; this holds their query counts: the same with 10
cases as with 100 (and the exact numbers, so that a new per-request query is a deliberate change).
"""

from __future__ import annotations

import datetime
import random

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from zhili.cases import defaults, queries
from zhili.cases.models import Case, Category, State
from zhili.cases.queries import Filters
from zhili.people.models import Person, Role, RoleAssignment, Unit
from zhili.people.scope import scope_for
from zhili.regions.models import PATH_SEP, Level, Region

NOW = datetime.datetime(2020, 12, 20, 10, 0, tzinfo=datetime.UTC)
STATES = [
    State.REPORTED,
    State.FILED,
    State.DISPATCHED,
    State.HANDLED,
    State.CLOSED,
    State.CLOSED,
    State.REJECTED,
    State.PARKED,
    State.MERGED,
]


def _region(code, level, parent=None):
    return Region.objects.create(
        code=code,
        name=f"测试{code}",
        level=level,
        parent=parent,
        path=(parent.path if parent else "") + code + PATH_SEP,
        is_synthetic=True,
    )


@pytest.fixture
def town(db):
    """A subdistrict with 3 villages × 2 grids, its categories and units, a leader and two grid inspectors."""
    city = _region("980100", Level.CITY)
    district = _region("980101", Level.DISTRICT, city)
    sub = _region("980101001", Level.SUBDISTRICT, district)
    grids = []
    for v in range(3):
        village = _region(f"980101001{v + 1:03d}", Level.VILLAGE, sub)
        grids += [_region(f"{village.code}{g + 1:03d}", Level.GRID, village) for g in range(2)]
    defaults.install(sub)
    units = [Unit.objects.create(code=f"u{k}", name=f"单位{k}", region=sub) for k in range(2)]
    leader = Person.objects.create(username="cq-leader", full_name="领导", region=sub)
    RoleAssignment.objects.create(person=leader, role=Role.LEADER, region=sub)
    inspectors = []
    for k, grid in enumerate(grids[:2]):
        p = Person.objects.create(username=f"cq-grid{k}", full_name=f"网格员{k}", region=grid)
        RoleAssignment.objects.create(person=p, role=Role.GRID_INSPECTOR, region=grid)
        inspectors.append(p)
    categories = list(Category.objects.filter(subdistrict=sub, parent__isnull=False).exclude(code="saohei"))
    return {
        "sub": sub,
        "grids": grids,
        "units": units,
        "leader": leader,
        "inspectors": inspectors,
        "categories": categories,
        "class": Category.objects.get(subdistrict=sub, code="sj-appearance"),
    }


def _add_cases(town, n: int, start: int = 0) -> None:
    rng = random.Random(start)
    rows = []
    for i in range(start, start + n):
        grid = town["grids"][i % len(town["grids"])]
        state = STATES[i % len(STATES)]
        reported = NOW - datetime.timedelta(days=rng.randint(0, 400), hours=rng.randint(0, 23))
        dispatched = (
            reported + datetime.timedelta(hours=2)
            if state not in (State.REPORTED, State.REJECTED, State.MERGED)
            else None
        )
        rows.append(
            Case(
                subdistrict=town["sub"],
                number=f"CQ{i:06d}",
                region=grid,
                path=grid.path,
                source="patrol" if i % 3 else "public",
                category=town["categories"][i % len(town["categories"])],
                state=state,
                description="测试",
                reported_at=reported,
                step_started_at=reported,
                step_deadline=reported + datetime.timedelta(days=1) if state not in queries.TERMINAL else None,
                reporter=town["inspectors"][i % 2] if i % 3 else None,
                unit=town["units"][i % 2] if dispatched else None,
                accepted_at=dispatched,
                filed_at=dispatched,
                dispatched_at=dispatched,
                deadline=dispatched + datetime.timedelta(days=3) if dispatched else None,
                handled_at=dispatched + datetime.timedelta(days=1) if state in (State.HANDLED, State.CLOSED) else None,
                closed_at=dispatched + datetime.timedelta(days=2) if state == State.CLOSED else None,
                closed_on_time=True if state == State.CLOSED else None,
                rework_count=i % 4 == 0,
                extension_count=i % 5 == 0,
                is_hotspot=i % 7 == 0,
            )
        )
    Case.objects.bulk_create(rows)


def _count(fn) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as ctx:
        result = fn()
    return len(ctx.captured_queries), result


def _measure(town) -> dict[str, tuple[int, int]]:
    """Query count and result size of each read, with the scope and "now" given (as a page has them)."""
    scope = scope_for(town["leader"])
    sub = town["sub"]
    reads = {
        "page-all": lambda: queries.page_of(queries.filtered(scope, Filters(), now=NOW)),
        "page-open-class-since": lambda: queries.page_of(
            queries.filtered(
                scope, Filters(state="open", category=town["class"].pk, since=datetime.date(2020, 1, 1)), now=NOW
            )
        ),
        "page-overdue": lambda: queries.page_of(queries.filtered(scope, Filters(state="overdue"), now=NOW)),
        **{f"stats-{by}": (lambda by=by: queries.statistics(scope, sub, by, Filters(), now=NOW)) for by in queries.BY},
    }
    out = {}
    for name, fn in reads.items():
        n, result = _count(fn)
        n2, _ = _count(  # what a template reads of a page's rows: no query more
            lambda result=result: [
                (r.category.name, r.region.name, r.unit and r.unit.name, r.assignee_region and r.assignee_region.name)
                for r in result
                if isinstance(r, Case)
            ]
        )
        out[name] = (n + n2, len(result))
    return out


EXPECTED = {
    "page-all": 1,
    "page-open-class-since": 1,
    "page-overdue": 1,
    "stats-village": 2,
    "stats-unit": 1,
    "stats-grid": 1,
    "stats-inspector": 2,
}


def test_query_counts_do_not_grow_with_the_cases(town):
    _add_cases(town, 10)
    small = _measure(town)
    _add_cases(town, 90, start=10)
    large = _measure(town)
    assert {k: n for k, (n, _) in small.items()} == EXPECTED, small
    assert {k: n for k, (n, _) in large.items()} == EXPECTED, large
    assert large["page-all"][1] == 50 and small["page-all"][1] == 10  # the page is full with 100 cases
    assert all(large[k][1] > 0 for k in large), large  # every read had rows to show


def test_a_request_adds_the_scope_and_at_most_the_clock(town):
    """Per request, as the page calls them: scope_for (1 query) and, where "now" matters, the clock (1)."""
    _add_cases(town, 30)
    leader, sub = town["leader"], town["sub"]
    n, _ = _count(lambda: queries.page_of(queries.filtered(scope_for(leader), Filters(state="open"))))
    assert n == 2
    n, _ = _count(lambda: queries.page_of(queries.filtered(scope_for(leader), Filters(state="overdue"))))
    assert n == 3
    n, _ = _count(lambda: queries.statistics(scope_for(leader), sub, "village", Filters()))
    assert n == 4


def test_since_and_until_are_local_days(town):
    """The date filters compare reported_at with local midnights: a case at 23:30 local is on that day."""
    _add_cases(town, 1)
    case = Case.objects.get(subdistrict=town["sub"])
    tz = timezone.get_current_timezone()
    case.reported_at = datetime.datetime(2020, 6, 1, 23, 30, tzinfo=tz)  # 15:30 UTC
    case.state = State.REPORTED
    case.save()
    scope = scope_for(town["leader"])

    def ids(**kw):
        return [c.pk for c in queries.filtered(scope, Filters(**kw))]

    day = datetime.date(2020, 6, 1)
    assert ids(since=day, until=day) == [case.pk]
    assert ids(since=day + datetime.timedelta(days=1)) == []
    assert ids(until=day - datetime.timedelta(days=1)) == []
