"""People on the region page (zhili/regions/panels.py): who holds a role there, and the responsibility chain of a
grid (or of every grid of a village)."""

from __future__ import annotations

from django.http import HttpRequest

from zhili.people import queries
from zhili.regions.models import Level, Region
from zhili.regions.panels import panel


@panel
def people_of(request: HttpRequest, region: Region) -> dict:
    context: dict = {"responsible": queries.responsible(region)}
    if region.level == Level.GRID:
        context["chain"] = queries.chain(region)
    elif region.level == Level.VILLAGE:
        context["village_chains"] = queries.chains_for_village(region)
    return context
