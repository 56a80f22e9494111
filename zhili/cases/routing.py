"""Where a case goes: the routing matrix (category × grid → an office or the village where it happened, and a
person), which the dispatch form pre-selects."""

from __future__ import annotations

from django.db.models import Q

from zhili.cases.models import Case, RouteRule
from zhili.regions.models import Level, Region


def route_for(case: Case) -> RouteRule | None:
    """The routing matrix's answer for this case: the grid's own rule, else the category's default."""
    grid_id = case.region_id if case.region.level == Level.GRID else None
    rules = RouteRule.objects.filter(category=case.category).filter(Q(grid_id=grid_id) | Q(grid__isnull=True))
    rules = sorted(rules.select_related("unit", "person"), key=lambda r: r.grid_id is None)
    return rules[0] if rules else None


def own_village(case: Case) -> Region | None:
    """The village (or community) the case happened in, if it happened in one."""
    path = Region.path_at(case.region.path, Level.VILLAGE)
    return Region.objects.filter(path=path).first() if path else None


def dispatch_default(case: Case) -> dict:
    """What one click on 派遣 would send, from the routing matrix."""
    route = route_for(case)
    if route is None:
        return {}
    if route.to_own_village:
        return {"village": own_village(case), "handler": route.person}
    return {"unit": route.unit, "handler": route.person}
