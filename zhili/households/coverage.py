"""Coverage (遍访, 两不愁三保障): per village and per assistance officer, how many households were visited within
the setup's N days and how many fail checklist items. Read from the counting fields kept on each household
(`last_visit_on`, `failing_items`): one grouped query whatever the number of households
(python -m bench households-coverage measures it against hand-written SQL)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce, Substr

from zhili.core import clock
from zhili.households.models import CheckState, Household, HouseholdCheck
from zhili.people.scope import Scope
from zhili.regions.models import Level, Region, path_prefix_q


@dataclass
class Coverage:
    """One line of a coverage view: a village (or an officer), its households and what they lack."""

    key: str  # the village's path, or the officer's id as text ("" for households without an officer)
    label: str
    households: int = 0
    visited: int = 0
    failing_households: int = 0
    failing_items: int = 0

    @property
    def not_visited(self) -> int:
        return self.households - self.visited

    @property
    def visited_percent(self) -> int | None:
        return round(self.visited * 100 / self.households) if self.households else None


def visited_since(days: int, today: datetime.date | None = None) -> datetime.date:
    """The first day a visit must fall on to count as "within N days" of today."""
    return (today or clock.today()) - datetime.timedelta(days=days - 1)


def _households(scope: Scope, subdistrict: Region):
    return scope.filter(
        Household.objects.active().filter(path_prefix_q("path", subdistrict.path)),
        "path",
    )


def _totals(since: datetime.date):
    return {
        "households": Count("id"),
        "visited": Count("id", filter=Q(last_visit_on__gte=since)),
        "failing_households": Count("id", filter=Q(failing_items__gt=0)),
        "failing_items": Coalesce(Sum("failing_items"), 0),
    }


def by_village(scope: Scope, subdistrict: Region, *, days: int, today: datetime.date | None = None) -> list[Coverage]:
    """Every village of the subdistrict the person reads, with its households' coverage (a village without
    households shows 0 of 0): two queries."""
    since = visited_since(days, today)
    villages = list(
        scope.filter(Region.objects.current(today).filter(parent=subdistrict, level=Level.VILLAGE), "path").order_by(
            "code"
        )
    )
    if not villages:
        return []
    length = len(villages[0].path)
    rows = (
        _households(scope, subdistrict)
        .annotate(village=Substr("path", 1, length))
        .values("village")
        .order_by()
        .annotate(**_totals(since))
    )
    found = {r["village"]: r for r in rows}
    out = []
    for v in villages:
        r = found.get(v.path, {})
        out.append(
            Coverage(
                key=v.path,
                label=v.name,
                households=r.get("households", 0),
                visited=r.get("visited", 0),
                failing_households=r.get("failing_households", 0),
                failing_items=r.get("failing_items", 0),
            )
        )
    return out


def by_officer(scope: Scope, subdistrict: Region, *, days: int, today: datetime.date | None = None) -> list[Coverage]:
    """Each assistance officer's households and their coverage, the least visited first: one query."""
    since = visited_since(days, today)
    rows = (
        _households(scope, subdistrict).values("officer_id", "officer__full_name").order_by().annotate(**_totals(since))
    )
    out = [
        Coverage(
            key=str(r["officer_id"] or ""),
            label=r["officer__full_name"] or "",
            households=r["households"],
            visited=r["visited"],
            failing_households=r["failing_households"],
            failing_items=r["failing_items"],
        )
        for r in rows
    ]
    out.sort(key=lambda c: (c.visited_percent if c.visited_percent is not None else 101, c.label))
    return out


def failing_by_item(scope: Scope, subdistrict: Region) -> dict[int, int]:
    """How many households fail each active checklist item: {item id: households}, one query."""
    rows = (
        scope.filter(HouseholdCheck.objects.filter(path_prefix_q("path", subdistrict.path)), "path")
        .filter(state=CheckState.FAILING, item__is_active=True, household__archived_at__isnull=True)
        .values("item_id")
        .order_by()
        .annotate(n=Count("id"))
    )
    return {r["item_id"]: r["n"] for r in rows}
