"""A 375 px wide phone: no sideways scrolling, the ☰ menu opens, screenshots for a person to look at."""

from __future__ import annotations

import pytest

from tests.browser.conftest import PHONE

pytestmark = pytest.mark.browser

WIDTH = PHONE["viewport"]["width"]


def overflow(page) -> dict:
    """How wide the document is, and which elements stick out past the right edge (for the message)."""
    return page.evaluate(
        """(width) => {
        const wide = [];
        for (const el of document.querySelectorAll('body *')) {
            const r = el.getBoundingClientRect();
            if (r.right > width + 1 && !el.closest('.table-wrap')) {
                wide.push(el.tagName.toLowerCase() + (el.className ? '.' + el.className : '') + ' ' + Math.round(r.right));
            }
        }
        return {url: location.pathname, scrollWidth: document.documentElement.scrollWidth, wide: wide.slice(0, 10)};
    }""",
        WIDTH,
    )


def assert_fits(page) -> None:
    o = overflow(page)
    assert o["scrollWidth"] <= WIDTH + 1, o


def test_phone_login_home_menu_and_grid(open_page, demo):
    from zhili.regions.models import Region

    b = open_page(**PHONE)
    page = b.page
    page.goto("/login/")
    assert page.evaluate("window.innerWidth") == WIDTH
    assert page.evaluate("matchMedia('(pointer: coarse)').matches")
    b.login("demo-leader", "wrong-password", tap=True)
    assert "用户名或密码不正确" in page.inner_text("main .errors")
    assert_fits(page)
    b.screenshot("phone-login-error.png", full_page=False)

    b.login("demo-leader", tap=True)
    assert b.h1() == "周太平，您好"
    assert_fits(page)

    # On a phone the navigation folds into the ☰ button.
    summary = page.locator("details.menu summary")
    nav_links = page.locator("details.menu nav a")
    assert summary.is_visible()
    assert "☰" in summary.inner_text()
    assert not nav_links.first.is_visible()
    b.screenshot("phone-home.png")
    summary.tap()
    assert page.locator("details.menu").get_attribute("open") is not None
    assert nav_links.first.is_visible()
    regions_link = nav_links.filter(has_text="区划网格")
    assert regions_link.is_visible()
    assert_fits(page)
    b.screenshot("phone-menu.png", full_page=False)

    b.follow(regions_link, tap=True)
    assert page.inner_text("main h1").startswith("太平街道")
    assert_fits(page)
    b.screenshot("phone-subdistrict.png", full_page=False)

    kong = Region.objects.get(parent__code=demo.SUBDISTRICT[0], name="孔家坊村")
    page.goto(f"/regions/{kong.code}/")
    assert_fits(page)
    b.screenshot("phone-village.png")
    b.follow(page.locator("table.regions tbody a").first, tap=True)
    assert page.locator("#chain ol.chain li").count() == 5
    assert_fits(page)
    b.screenshot("phone-grid.png")

    for path in ["/account/", "/people/"]:
        page.goto(path)
        assert_fits(page)
    b.screenshot("phone-people.png", full_page=False)
    b.watch.assert_clean()
