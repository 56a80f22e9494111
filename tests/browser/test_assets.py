"""Every page a person visits: no CSP violation, no console error, nothing fetched from another origin, and
every link on those pages leads somewhere."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.browser

BRAND_RED = "rgb(180, 35, 27)"  # --brand in zhili.css
# Absolute targets of all links, SVG ones included (their .href is not a string).
HREFS = "els => els.map(e => new URL(e.getAttribute('href'), location.href).href)"


def test_pages_are_clean_and_self_contained(open_page, demo):
    from zhili.regions.models import Region

    kong = Region.objects.get(parent__code=demo.SUBDISTRICT[0], name="孔家坊村")
    grid = kong.children.order_by("code").first()
    b = open_page()
    b.watch.expected_statuses.add(404)
    page = b.login("demo-leader")
    pages = [
        "/",
        "/regions/",
        f"/regions/{demo.SUBDISTRICT[0]}/",
        f"/regions/{kong.code}/",
        f"/regions/{kong.code}/?history=1",
        f"/regions/{grid.code}/",
        f"/regions/{kong.code}/edit/",
        f"/regions/{kong.code}/children/new/",
        f"/regions/{grid.code}/chain/",
        f"/regions/{demo.SUBDISTRICT[0]}/merge/",
        "/people/",
        "/people/new/",
        "/units/",
        "/account/",
    ]
    links: dict[str, str] = {}  # link → the page it was found on
    for path in pages:
        response = page.goto(path)
        assert response.status == 200, path
        # The stylesheet applied (allowed by the CSP): the top bar has the brand colour.
        assert page.evaluate("getComputedStyle(document.querySelector('.topbar')).backgroundColor") == BRAND_RED, path
        for href in page.eval_on_selector_all("a[href]", HREFS):
            links.setdefault(href.split("#")[0], path)
    response = page.goto("/regions/000000/")
    assert response.status == 404
    assert b.h1() == "找不到页面"

    # The script ran (a blocked script would leave the menu open on a narrow window).
    page.set_viewport_size({"width": 375, "height": 700})
    response = page.goto("/")
    assert page.locator("details.menu").get_attribute("open") is None
    page.set_viewport_size({"width": 1280, "height": 800})

    statics = {urlsplit(u).path for u in b.watch.requests if "/static/" in u}
    assert {"/static/zhili/zhili.css", "/static/zhili/zhili.js"} <= statics, statics
    csp = response.headers.get("content-security-policy", "")
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp, csp
    b.watch.assert_clean()

    # Every link on those pages answers (one of each kind: the subdistrict page alone links 91 villages twice).
    foreign = sorted(u for u in links if u.startswith("http") and not u.startswith(b.base + "/"))
    assert foreign == [], "links to another site"
    kinds = {re.sub(r"\d+", "N", path) for path in pages}  # visited above already
    for url, found_on in links.items():
        if not url.startswith(b.base + "/"):
            continue  # tel: links
        parts = urlsplit(url)
        kind = re.sub(r"\d+", "N", parts.path + ("?" + parts.query if parts.query else ""))
        if kind in kinds:
            continue
        kinds.add(kind)
        response = b.context.request.get(url)  # follows redirects (/regions/ → the one root region)
        assert response.status == 200, f"{url} (linked from {found_on}) answers {response.status}"
        assert "/login/" not in response.url, f"{url} (linked from {found_on}) asks to sign in again"

    # The watch does see a violation (so "no errors" above means something): an inline style is refused.
    page.evaluate("document.body.setAttribute('style', 'outline: 1px solid red')")
    page.wait_for_timeout(100)
    assert any("CSP violation: style-src" in e for e in b.watch.errors()), b.watch.errors()
