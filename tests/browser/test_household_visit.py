"""An assistance officer (帮扶责任人) logs a visit with a photo on a 390 px phone in Chromium and sees it on the
household page (issue 14's "done when"); the household pages fit the phone (no sideways scroll, tables as cards)."""

from __future__ import annotations

import pytest

from tests.browser.conftest import PASSWORD, PHONE_390, assert_fits

pytestmark = pytest.mark.browser

WIDTH = PHONE_390["viewport"]["width"]


def _photo(tmp_path) -> str:
    from tests import cases_factory as cf

    path = tmp_path / "走访.jpg"
    path.write_bytes(cf.jpeg("走访.jpg", size=(1600, 1200)).read())
    return str(path)


def test_an_assistance_officer_logs_a_visit_with_a_photo_on_a_phone(open_page, demo, tmp_path):
    from tests import households_fixtures
    from zhili.core import clock
    from zhili.households.models import Visit

    hh = households_fixtures.make_in_demo()
    hh.officer.set_password(PASSWORD)
    hh.officer.save()
    b = open_page(**PHONE_390)
    page = b.login("hh-officer", tap=True)
    page.goto("/households/")
    assert_fits(page, WIDTH, boxes=True)
    b.follow(page.locator("[data-testid=household-list] a", has_text="孔帮扶"), tap=True)
    assert "孔帮扶" in b.h1()
    assert_fits(page, WIDTH, boxes=True)
    b.follow("[data-testid=log-visit]", tap=True)
    form = page.locator("[data-testid=visit-form]")
    assert form.locator("input[name=visited_on]").input_value() == clock.today().isoformat()
    photos = form.locator("input[type=file][name=photos]")
    assert photos.get_attribute("accept") == "image/*" and photos.get_attribute("capture") is not None
    form.locator("textarea[name=findings]").fill("见到户主，家中整洁，饮水正常")
    photos.set_input_files(_photo(tmp_path))
    assert_fits(page, WIDTH, boxes=True)
    b.follow(form.locator("button[type=submit]"), tap=True)
    errors = page.locator("main .errors")
    assert errors.count() == 0, errors.all_inner_texts()
    assert page.url.endswith(f"/households/{hh.kong.pk}/")
    visits = page.locator("[data-testid=visits]")
    assert "见到户主" in visits.inner_text()
    image = visits.locator("img.thumb")
    assert image.count() == 1
    assert page.evaluate("img => img.complete && img.naturalWidth > 0", image.element_handle())
    assert_fits(page, WIDTH, boxes=True)
    b.screenshot("phone-390-household-visit.png")
    visit = Visit.objects.get(household=hh.kong)
    assert visit.officer == hh.officer and visit.photos.count() == 1
    b.watch.assert_clean()


def test_the_household_pages_fit_a_phone(open_page, demo):
    from tests import households_fixtures

    hh = households_fixtures.make_in_demo()
    b = open_page(**PHONE_390)
    page = b.login("demo-village", tap=True)
    for url in [
        "/households/",
        f"/households/{hh.kong.pk}/",
        f"/households/{hh.kong.pk}/visit/",
        "/households/coverage/",
        "/households/failing/",
    ]:
        response = page.goto(b.base + url)
        assert response is not None and response.ok, url
        assert_fits(page, WIDTH, boxes=True)
    # a number's reveal form, opened in its card, fits too
    page.goto(b.base + f"/households/{hh.kong.pk}/")
    page.locator("[data-testid=members] details.reveal summary").first.tap()
    assert page.locator("[data-testid=members] details.reveal input[name=reason]").first.is_visible()
    assert_fits(page, WIDTH, boxes=True)
    b.watch.assert_clean()
