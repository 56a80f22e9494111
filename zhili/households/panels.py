"""On a village's region page (zhili/regions/panels.py): its households' coverage — households, visited within the
subdistrict's N days, not visited, failing a checklist item — each figure opening on the household list filtered to
the village (three queries: the setup's N days, today, one count over the village's households)."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse

from zhili.households import listing
from zhili.people import policy
from zhili.regions.models import Level, Region
from zhili.regions.panels import panel


@panel
def household_coverage(request: HttpRequest, region: Region) -> dict:
    if region.level != Level.VILLAGE or region.parent_id is None or not policy.read_households(request.scope, region):
        return {}
    days = listing.visit_interval_days(region.parent_id)
    line = listing.village_coverage(request.scope, region, days=days)
    if not line.households:
        return {}
    link = f"{reverse('households:list')}?village={region.code}"
    return {"household_coverage": {"line": line, "days": days, "link": link}}
