"""回头看 on a 390 px phone: the village cadre opens the round from its list, records a household's finding by
tapping through the result form (the finding becomes a case), and no page of the rounds or the trainings — as the
village cadre or the leader — scrolls sideways (tables are cards)."""

from __future__ import annotations

from collections import deque
from types import SimpleNamespace

import pytest

from tests.browser.conftest import PHONE_390, assert_fits, overflow
from tests.browser.test_phone_pages import kind, links

pytestmark = pytest.mark.browser

WIDTH = PHONE_390["viewport"]["width"]
PREFIX = "/households/rounds/"


def crawl_rounds(b) -> tuple[list[str], list[str]]:
    """One page of each kind under /households/rounds/ reachable by links from its list (the rest of the site
    is tests/browser/test_phone_pages.py's): the pages visited and what scrolls sideways on them."""
    page, base = b.page, b.base
    queue, seen, visited, problems = deque([PREFIX]), {kind(PREFIX)}, [], []
    while queue:
        url = queue.popleft()
        response = page.goto(url)
        assert response is not None and response.ok, f"{url} → {response and response.status}"
        visited.append(url)
        o = overflow(page, WIDTH)
        if o["scrollWidth"] > WIDTH + 1 or o["scrolling"]:
            problems.append(f"{url}: scrollWidth {o['scrollWidth']} > {WIDTH}; widest {o['widest']}; {o['scrolling']}")
        for link in links(page, base):
            k = kind(link)
            if link.startswith(PREFIX) and k not in seen:
                seen.add(k)
                queue.append(link)
    return visited, problems


def _world():
    from zhili.demo import taiping
    from zhili.people.models import Role, RoleAssignment
    from zhili.regions.models import Region

    sub = Region.objects.get(code=taiping.SUBDISTRICT[0])
    kong = Region.objects.get(parent=sub, name="孔家坊村")
    yan = Region.objects.get(parent=sub, name="阎桥村")
    inspector = RoleAssignment.objects.filter(region__parent=yan, role=Role.GRID_INSPECTOR).first().person
    return SimpleNamespace(
        sub=sub,
        district=sub.parent,
        kong=kong,
        kong_grid=kong.children.order_by("code").first(),
        yan=yan,
        yan_person=inspector,
    )


def test_the_village_cadre_records_a_finding_on_a_phone(open_page, demo):
    from tests import rounds_factory as rf
    from zhili.households.models import TargetResult

    w = _world()
    r = rf.round_of(w)
    rf.training_of(w)
    b = open_page(**PHONE_390)
    b.login("demo-village", tap=True)
    b.page.goto("/households/rounds/")
    assert_fits(b.page, WIDTH, boxes=True)
    b.follow(f"a[href='/households/rounds/{r.pk}/']", tap=True)
    assert_fits(b.page, WIDTH, boxes=True)
    target = rf.target(w, "HT-K2")
    b.page.goto(f"/households/rounds/targets/{target.pk}/")
    assert_fits(b.page, WIDTH, boxes=True)
    b.page.check(f"input[name=result][value={TargetResult.FOUND}]")
    b.page.fill("textarea[name=note]", "未参加基本医疗保险")
    b.follow("[data-testid=result-form] button[type=submit]", tap=True)
    target.refresh_from_db()
    assert target.result == TargetResult.FOUND and target.case is not None
    assert b.page.url.endswith(f"/households/rounds/{r.pk}/")
    assert "发现问题 1 个，已整改销号 0 个" in b.page.inner_text("[data-testid=round-summary]")
    assert_fits(b.page, WIDTH, boxes=True)
    b.watch.assert_clean()


@pytest.mark.parametrize("persona", ["demo-village", "demo-leader"])
def test_no_rounds_page_scrolls_sideways_on_a_390_px_phone(open_page, demo, persona):
    from tests import rounds_factory as rf

    w = _world()
    rf.round_of(w)
    rf.training_of(w)
    b = open_page(**PHONE_390)
    b.login(persona, tap=True)
    rounds, problems = crawl_rounds(b)
    kinds = {kind(u) for u in rounds}
    must = {"/households/rounds/", "/households/rounds/N/", "/households/rounds/N/targets/"}
    must |= {"/households/rounds/targets/N/"}
    if persona == "demo-leader":
        must |= {"/households/rounds/trainings/", "/households/rounds/trainings/N/", "/households/rounds/new/"}
    assert must - kinds == set(), rounds
    assert problems == [], "\n".join(problems)
    b.watch.assert_clean()
