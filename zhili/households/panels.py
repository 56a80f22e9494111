"""On a village's region page (zhili/regions/panels.py): its households' coverage — households, visited within the
subdistrict's N days, not visited, failing a checklist item — each figure opening on the household list filtered to
the village (one grouped query, coverage.by_village)."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse

from zhili.households import coverage
from zhili.households.queries import setup_of
from zhili.people import policy
from zhili.regions.models import Level, Region
from zhili.regions.panels import panel


@panel
def household_coverage(request: HttpRequest, region: Region) -> dict:
    if region.level != Level.VILLAGE or region.parent is None or not policy.read_households(request.scope, region):
        return {}
    setup = setup_of(region.parent)
    days = setup.visit_interval_days
    line = next((c for c in coverage.by_village(request.scope, region.parent, days=days) if c.key == region.path), None)
    if line is None or not line.households:
        return {}
    link = f"{reverse('households:list')}?village={region.code}"
    return {"household_coverage": {"line": line, "days": days, "link": link}}
