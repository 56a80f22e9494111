"""Pages make the same number of queries whatever the data's size (issue 17, city scale): each page is counted, the
data grown, and counted again. A query per row — a template's lookup, a rule read per case — shows as a
difference. (The village picker's two sizes are in tests/test_village_picker.py; `python -m bench pages` times
the same pages on a synthetic city.)"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests import cases_factory
from tests.conftest import World


def _count(client: Client, url: str) -> int:
    client.get(url)  # warm: the first request's own work (imports, compiled templates) is not the page's
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(ctx.captured_queries)


def _same_at_two_sizes(client: Client, urls: list[str], grow: Callable[[], None]) -> None:
    before = {url: _count(client, url) for url in urls}
    grow()
    after = {url: _count(client, url) for url in urls}
    assert after == before


def _more_open_cases(world: World, n: int) -> Callable[[], None]:
    def grow() -> None:
        for i in range(n):  # reported by demo-grid, in their grid
            cases_factory.report(world.sub, world.kong_grid, photo=False, description=f"第{i}处堆放垃圾")

    return grow


@pytest.mark.parametrize("persona", ["urban", "viewer", "grid"])
def test_home_and_case_pages_make_the_same_queries_with_more_open_cases(world, as_persona, persona):
    # an office (who dispatches is asked of each case), a viewer (takes no step), an inspector (verifies)
    urls = ["/", "/cases/", "/cases/stats/?by=grid", "/cases/map.json"]
    _same_at_two_sizes(as_persona(persona), urls, _more_open_cases(world, 6))


def test_the_targets_board_and_ranking_make_the_same_queries_with_more_child_indicators(world, as_persona):
    from zhili.targets.models import Indicator

    parent = (
        Indicator.objects.filter(task__goal__year=2020, task__goal__region=world.sub, parent__isnull=False)
        .select_related("parent")
        .first()
        .parent
    )

    def grow() -> None:
        for i in range(4):
            child = Indicator.objects.filter(parent=parent).order_by("pk").first()
            child.pk, child.id, child.code, child.name = None, None, f"{child.code}-x{i}", f"{child.name}（增{i}）"
            child.save()

    _same_at_two_sizes(as_persona("leader"), ["/targets/?year=2020", "/targets/ranking/?year=2020"], grow)


@pytest.mark.parametrize("persona", ["leader", "village"])
def test_the_home_page_makes_the_same_queries_with_more_cases_of_every_step(world, as_persona, persona):
    # a subdistrict leader's home counts every open case of the subdistrict by the step it waits for (at city
    # scale, thousands): counted in the database, the most urgent few read — a village's cadre's the same way
    def grow() -> None:
        _more_open_cases(world, 7)()
        for i, until in enumerate(["accept", "file", "dispatch", "handle", "feedback", "verify"] * 2):
            case = cases_factory.report(world.sub, world.kong_grid, photo=False, description=f"第{i}处占道经营")
            case = cases_factory.drive(case, until)
            if until == "dispatch":
                cases_factory.act(case, "request_extension", "demo-village", days=2, note="协调")

    _same_at_two_sizes(as_persona(persona), ["/"], grow)
