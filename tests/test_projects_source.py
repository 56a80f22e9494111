"""Projects as an indicator source: investment by the project's village (the park alone when asked), receipts by
period and the receipt's place (the subdistrict's own rows count for the whole), records behind a figure, the
drill-down table — one grouped query per indicator."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext

from zhili.projects.models import ProjectMonth, TaxReceipt
from zhili.regions import history
from zhili.targets import sources
from zhili.targets.models import Indicator
from zhili.targets.sources import Window

YEAR = 2020
SOURCE = sources.get("projects")


def _villages(world):
    return history.on_day(world.sub, datetime.date(YEAR, 10, 31))


def _indicator(world, measure, **params):
    ind = Indicator.objects.select_related("task__goal__region").get(
        task__goal__year=YEAR, source_key="projects", source_params__measure=measure
    )
    ind.source_params = {"measure": measure, **params}
    return ind


def test_params_are_checked():
    with pytest.raises(ValidationError):
        SOURCE.check_params({"measure": "nonsense"})
    with pytest.raises(ValidationError):
        SOURCE.check_params({"measure": "tax_received", "park": True})
    SOURCE.check_params({"measure": "investment", "park": True})


def test_investment_by_village_adds_up_to_the_months_in_a_fixed_number_of_queries(world):
    ind = _indicator(world, "investment")
    window = Window(datetime.date(YEAR, 1, 1), datetime.date(YEAR, 10, 31))
    villages = _villages(world)
    with CaptureQueriesContext(connection) as ctx:
        values = SOURCE.values([ind], villages, window)
    assert len(ctx.captured_queries) <= 3
    total = ProjectMonth.objects.filter(month__year=YEAR, project__subdistrict=world.sub).aggregate(s=Sum("investment"))
    assert sum(values.values()) == Decimal(str(total["s"])).quantize(Decimal("0.0001"))
    park = SOURCE.values([_indicator(world, "investment", park=True)], villages, window)
    assert 0 < sum(park.values()) < sum(values.values())
    (vid, value) = max(((k[1], v) for k, v in values.items()), key=lambda kv: kv[1])
    village = next(v for v in villages if v.pk == vid)
    records = list(SOURCE.records(ind, village, window))
    assert sum(r.investment for r in records) == value
    headers, rows = SOURCE.table(ind, records)
    assert headers[0] == "项目名称" and len(rows) == len(records)


def test_tax_received_by_month_and_the_subdistricts_own_rows(world):
    ind = _indicator(world, "tax_received")
    window = Window(datetime.date(YEAR, 4, 1), datetime.date(YEAR, 4, 30))
    villages = _villages(world)
    values = SOURCE.values([ind], villages, window)
    total = TaxReceipt.objects.filter(subdistrict=world.sub, period=window.start).aggregate(s=Sum("amount"))["s"]
    assert abs(sum(values.values()) - Decimal(str(total)) / 10000) <= Decimal("0.01")  # each village to 0.0001
    # a receipt nobody matched counts for the subdistrict as a whole
    assert values.get((ind.pk, world.sub.pk), 0) > 0
    own = list(SOURCE.records(ind, world.sub, window))
    assert own and all(r.region_id == world.sub.pk and r.enterprise_id is None for r in own)
    headers, rows = SOURCE.table(ind, own)
    assert headers[0] == "所属期" and rows[0][0] == "2020-04"
