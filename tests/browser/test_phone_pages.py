"""Phone first: on a 390 px phone no page of the village cadre, the inspector or the leader scrolls sideways.

For each persona a bounded crawl in Chromium follows the same-site links of their home and menu, one sample per
kind of page (one case, one indicator, one village's records, one ledger, one ledger row …), and asserts that
neither the page nor any table on it scrolls sideways (tables are cards on a phone, zhili.css › "Cards on a
phone"); a failure names the page and the widest element. On the board and an indicator's breakdown, every
card's light and figure are on the screen.
"""

from __future__ import annotations

import os
import re
import time
from collections import deque
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Error as PlaywrightError

from tests.browser.conftest import PHONE_390, assert_fits, overflow

pytestmark = pytest.mark.browser

WIDTH = PHONE_390["viewport"]["width"]
LIMIT = 170  # pages per persona: every kind each persona reaches is well under this (the leader: 138 with households, party, duty)
SECONDS = 60  # the crawl of one persona must stay under a minute on a shared machine
SKIP = re.compile(
    r"^/(static|media|api|open311|admin|logout|i18n)/|\.(xlsx|docx|md|json|csv|zip|pdf|png|jpe?g)$|/bulletin\.html$|/photos/|/evidence/"
    r"|/reveal/"
)
SHOTS = os.environ.get("ZHILI_PHONE_SHOTS")  # set: a screenshot of every page crawled, to look at
# Pages whose first load computes the month-by-month trend cold (see test_cockpit.COLD_HOME_MS).
COLD_MS = 30_000


def kind(path_and_query: str) -> str:
    """One sample per kind of page: numbers, region codes and a ledger's code stand for any; a query keeps only
    its keys (?tab=… is a different view, ?page=2 is the same kind)."""
    parts = urlsplit(path_and_query)
    path = re.sub(r"/\d{4}-W\d{2}(?=/|$)", "/W", parts.path)  # a bulletin's week
    path = re.sub(r"/v\d+(?=/|$)", "/vN", path)  # … and its version
    path = re.sub(r"/cell/[A-Z]{1,3}\d+(?=/|$)", "/cell/REF", path)  # a filed cell's trace
    path = re.sub(r"/\d+(?=/|$)", "/N", path)
    path = re.sub(r"^/ledgers/(?!new/|definitions/)[^/]+/", "/ledgers/L/", path)
    keys = sorted({pair.split("=")[0] for pair in parts.query.split("&") if pair and not pair.startswith("page=")})
    return path + ("?" + "&".join(keys) if keys else "")


def links(page, base: str) -> list[str]:
    hrefs = page.eval_on_selector_all(
        "a[href]", "els => els.map(e => new URL(e.getAttribute('href'), location.href).href)"
    )  # an SVG map's <a> has no string .href
    found = []
    for href in hrefs:
        parts = urlsplit(href)
        if f"{parts.scheme}://{parts.netloc}" != base:
            continue
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        if not SKIP.search(parts.path):
            found.append(path)
    return found


def crawl_fits(b, persona: str, start: list[str]) -> tuple[list[str], list[str]]:
    """From `start` (the home first), visit one page of each kind reachable by links; return the pages visited
    and the problems found."""
    page, base = b.page, b.base
    queue, seen_kinds, visited, problems = deque(start), {kind(u) for u in start}, [], []
    start = time.monotonic()
    while queue and len(visited) < LIMIT:
        url = queue.popleft()
        try:
            response = page.goto(url)
        except PlaywrightError as exc:
            if "Download is starting" in str(exc):  # a file to save (a definition as YAML …), not a page
                continue
            raise
        assert response is not None and response.ok, f"{url} → {response and response.status}"
        if not response.headers.get("content-type", "").startswith("text/html"):
            continue
        visited.append(url)
        if SHOTS:
            b.screenshot(f"phone-crawl/{persona}/{len(visited):02d}{re.sub(r'[^0-9A-Za-z]+', '_', url)}.png")
        o = overflow(page, WIDTH)
        if o["scrollWidth"] > WIDTH + 1 or o["scrolling"]:
            problems.append(f"{url}: scrollWidth {o['scrollWidth']} > {WIDTH}; widest {o['widest']}; {o['scrolling']}")
        for link in links(page, base):
            k = kind(link)
            if k not in seen_kinds:
                seen_kinds.add(k)
                queue.append(link)
    elapsed = time.monotonic() - start
    assert SHOTS or elapsed < SECONDS, f"the crawl took {elapsed:.0f} s ({len(visited)} pages)"
    assert len(visited) < LIMIT, f"more than {LIMIT} kinds of page: {visited}"
    return visited, problems


@pytest.mark.parametrize(
    "persona, must_reach",
    [
        (
            "demo-village",
            [
                *("/targets/", "/targets/indicators/N/", "/targets/indicators/N/villages/N/", "/targets/ranking/"),
                *("/ledgers/L/", "/ledgers/L/rows/N/", "/cases/", "/cases/N/"),
                *("/duty/", "/duty/attendance/N/?month", "/duty/attendance/N/N/?month"),
                *("/party/", "/party/branches/N/", "/party/branches/N/meetings/new/", "/party/talks/"),
                *("/households/", "/households/N/", "/households/N/visit/", "/households/coverage/"),
                *("/households/failing/", "/bulletins/", "/bulletins/W/", "/bulletins/meetings/decisions/"),
            ],
        ),
        ("demo-grid", ["/cases/", "/cases/N/", "/cases/report/", "/cases/patrol/", "/regions/N/"]),
        ("demo-auditor", ["/audit/"]),  # the audit administrator reads the log (三员分立)
        (
            "demo-leader",
            [
                *("/targets/", "/targets/indicators/N/", "/targets/indicators/N/villages/N/", "/targets/ranking/"),
                *("/ledgers/L/", "/ledgers/L/rows/N/", "/cases/", "/cases/N/", "/cases/stats/", "/people/"),
                *("/party/", "/party/branches/N/", "/party/talks/", "/party/geese/"),
                *("/bulletins/", "/bulletins/W/", "/bulletins/meetings/", "/bulletins/meetings/N/"),
            ],
        ),
    ],
)
def test_no_page_scrolls_sideways_on_a_390_px_phone(open_page, demo, persona, must_reach):
    from zhili.targets.models import Indicator

    if "/households/N/" in must_reach:  # the demo has no households yet: a few of 孔家坊 and 阎桥
        from tests import households_fixtures

        households_fixtures.make_in_demo()
    b = open_page(**PHONE_390)
    b.context.set_default_timeout(COLD_MS)
    b.login(persona, tap=True)
    # The sample of an indicator is 土地流转, decomposed to the villages (so its villages' records are reached too).
    land = Indicator.objects.get(task__goal__year=2020, name="土地流转")
    start = ["/", f"/targets/indicators/{land.pk}/"] if "/targets/" in must_reach else ["/"]
    visited, problems = crawl_fits(b, persona, start)
    kinds = {kind(u) for u in visited}
    assert [k for k in must_reach if k not in kinds] == [], visited
    assert problems == [], "\n".join(problems)
    b.watch.assert_clean()


def cards_on_screen(page, rows: str) -> list[str]:
    """Each card (table row) of `rows` whose light or figure lies outside the 390 px screen, by its text."""
    return page.evaluate(
        """([rows, width]) => {
        const off = [];
        for (const tr of document.querySelectorAll(rows)) {
            for (const cell of tr.querySelectorAll('.light summary, td.num')) {
                const r = cell.getBoundingClientRect();
                if (r.width === 0 || r.left < 0 || r.right > width + 1) {
                    off.push(tr.innerText.slice(0, 40) + ' | ' + cell.innerText + ' ' + Math.round(r.left) + '–'
                        + Math.round(r.right));
                }
            }
        }
        return off;
    }""",
        [rows, WIDTH],
    )


def test_board_and_breakdown_cards_show_the_light_and_the_figure(open_page, demo):
    from zhili.targets.models import Indicator

    land = Indicator.objects.get(task__goal__year=2020, name="土地流转")
    b = open_page(**PHONE_390)
    b.context.set_default_timeout(COLD_MS)
    page = b.login("demo-leader", tap=True)

    page.goto("/targets/")
    rows = "table.board tbody tr"
    assert page.locator(rows).count() > 10
    assert page.locator(f"{rows} .light summary").first.is_visible()
    assert cards_on_screen(page, rows) == []
    assert_fits(page, WIDTH, boxes=True)
    b.screenshot("phone-390-board.png", full_page=False)

    page.goto(f"/targets/indicators/{land.pk}/")
    breakdown = "#shares tbody tr"
    assert page.locator(breakdown).count() > 10
    kong = page.locator(breakdown, has_text="孔家坊村")
    assert kong.locator(".light summary").is_visible() and kong.locator("td.num").first.is_visible()
    assert cards_on_screen(page, breakdown) == []
    assert_fits(page, WIDTH, boxes=True)
    kong.scroll_into_view_if_needed()
    b.screenshot("phone-390-breakdown.png", full_page=False)
    b.watch.assert_clean()
