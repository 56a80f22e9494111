"""Office duty (坐班) on a 390 px phone: 孔家坊's cadre opens the sign-in from his home's to-do, taps 签到 with the
location the browser grants (Playwright's geolocation), and sees it recorded; from 1.2 km away the same tap is
refused with the sentence naming the distance, and nothing is written."""

from __future__ import annotations

import math
from decimal import Decimal

import pytest

from tests.browser.conftest import PHONE_390, assert_fits

pytestmark = pytest.mark.browser

WIDTH = PHONE_390["viewport"]["width"]


def _kong():
    from zhili.regions.models import Region

    return Region.objects.get(name="孔家坊村", valid_to__isnull=True)


def _north(lng: Decimal, lat: Decimal, metres: float) -> tuple[float, float]:
    return float(lng), float(lat) + math.degrees(metres / 6_371_008.8)


def _signins() -> int:
    from zhili.duty.models import SignIn

    return SignIn.objects.filter(person__username="demo-village").count()


def test_the_cadre_signs_in_on_a_phone_with_the_browsers_location(open_page, demo):
    kong = _kong()
    lng, lat = _north(kong.center_lng, kong.center_lat, 80)
    b = open_page(**PHONE_390, geolocation={"longitude": lng, "latitude": lat}, permissions=["geolocation"])
    page = b.login("demo-village", tap=True)
    b.follow(page.locator("a", has_text="今日未签到").first, tap=True)
    assert page.url.endswith("/duty/")
    assert page.locator("[data-testid=duty-not-signed]").is_visible()
    assert_fits(page, WIDTH, boxes=True)
    before = _signins()
    b.follow("[data-testid=duty-sign-in]", tap=True)
    signed = page.locator("[data-testid=duty-signed]")
    assert signed.is_visible() and "今天已签到" in signed.inner_text()
    assert "距村委会 80 米" in signed.inner_text()
    assert _signins() == before + 1
    assert_fits(page, WIDTH, boxes=True)
    b.screenshot("duty-signed-390.png")
    # the month's grid of his village and his own days fit a phone too (tables are cards)
    for link in ("本村坐班情况", "我的每日签到"):
        page.goto("/duty/")
        b.follow(page.locator("a", has_text=link), tap=True)
        assert_fits(page, WIDTH, boxes=True)
    b.watch.assert_clean()


def test_from_far_away_the_sign_in_is_refused_with_the_distance(open_page, demo):
    kong = _kong()
    lng, lat = _north(kong.center_lng, kong.center_lat, 1200)
    b = open_page(**PHONE_390, geolocation={"longitude": lng, "latitude": lat}, permissions=["geolocation"])
    b.watch.expected_statuses.add(400)
    page = b.login("demo-village", tap=True)
    page.goto("/duty/")
    before = _signins()
    b.follow("[data-testid=duty-sign-in]", tap=True)
    errors = page.locator("[data-testid=duty-errors]")
    assert errors.inner_text().strip() == "您距村委会约 1.2 公里，超出 300 米的签到范围。"
    assert page.locator("[data-testid=duty-not-signed]").is_visible()
    assert _signins() == before
    assert_fits(page, WIDTH, boxes=True)
    b.watch.assert_clean()
