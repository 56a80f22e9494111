"""Party building on a 390 px phone: a village's secretary opens his branch from the 党建 menu, records a 支委会
with its attendees and a photo of the minutes, and sees it on the branch page."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from tests.browser.conftest import PHONE_390, assert_fits

pytestmark = pytest.mark.browser

WIDTH = PHONE_390["viewport"]["width"]


def test_a_village_secretary_records_a_meeting_on_a_phone(open_page, demo, tmp_path):
    from zhili.party.models import Meeting

    photo = tmp_path / "记录.jpg"
    buf = io.BytesIO()
    Image.new("RGB", (60, 40), "white").save(buf, "JPEG")
    photo.write_bytes(buf.getvalue())
    b = open_page(**PHONE_390)
    b.login("demo-village", tap=True)
    b.page.goto("/party/")
    assert_fits(b.page, WIDTH, boxes=True)
    b.follow("table.party-overview a", tap=True)
    assert_fits(b.page, WIDTH, boxes=True)
    b.follow("[data-testid=meeting-new]", tap=True)
    assert_fits(b.page, WIDTH, boxes=True)
    b.page.select_option("select[name=kind]", "dem_life")
    b.page.fill("input[name=day]", "2020-11-19")
    b.page.fill("input[name=topic]", "手机记录的民主生活会")
    b.page.set_input_files("input[name=minutes]", str(photo))
    b.follow("[data-testid=meeting-form] button[type=submit]", tap=True)
    meeting = Meeting.objects.get(topic="手机记录的民主生活会")
    assert meeting.branch.region.name == "孔家坊村" and meeting.attendees.count() > 0  # all ticked by default
    assert meeting.minutes_type == "image/jpeg"
    assert "手机记录的民主生活会" in b.page.inner_text("main")
    b.watch.assert_clean()
