"""On a village's region page (zhili/regions/panels.py): its cadres' office duty this month — the rate, the light,
a link to the month's grid (for whoever reads the village)."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse

from zhili.core import clock
from zhili.duty import queries
from zhili.people import policy
from zhili.regions.models import Level, Region
from zhili.regions.panels import panel


@panel
def duty_of(request: HttpRequest, region: Region) -> dict:
    if (
        region.level != Level.VILLAGE
        or region.valid_to is not None
        or not policy.read_attendance(request.scope, region)
    ):
        return {}
    today = clock.today()
    month = queries.month_start(today)
    return {
        "duty_month": queries.village_line(region, today),
        "duty_month_start": month,
        "duty_url": f"{reverse('duty:village', args=[region.code])}?month={month:%Y-%m}",
    }
