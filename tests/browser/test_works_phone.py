"""Public works on a 390 px phone: 城管办 registers a work by tapping through the list's button and the form,
changes it from its page, and the land page with its 亩 columns fits (tables are cards)."""

from __future__ import annotations

import pytest

from tests.browser.conftest import PHONE_390, assert_fits

pytestmark = pytest.mark.browser

WIDTH = PHONE_390["viewport"]["width"]


def test_the_office_registers_and_changes_a_work_on_a_phone(open_page, demo):
    from zhili.projects.models import Work

    b = open_page(**PHONE_390)
    b.login("demo-urban", tap=True)
    b.page.goto("/projects/works/")
    assert_fits(b.page, WIDTH, boxes=True)
    b.follow("[data-testid=work-new]", tap=True)
    assert_fits(b.page, WIDTH, boxes=True)
    b.page.fill("input[name=name]", "手机登记的村内排水沟")
    b.page.select_option("select[name=region]", label="孔家坊村")
    b.page.fill("input[name=planned_plan]", "2020-12-01")
    b.page.fill("input[name=planned_build]", "2021-03-01")
    b.page.fill("input[name=funds_planned]", "35.5")
    b.follow("[data-testid=work-form] button[type=submit]", tap=True)
    work = Work.objects.get(name="手机登记的村内排水沟")
    assert b.page.url.endswith(f"/projects/works/{work.pk}/")
    b.follow("[data-testid=work-edit]", tap=True)
    assert_fits(b.page, WIDTH, boxes=True)
    b.page.fill("input[name=funds_planned]", "40")
    b.follow("[data-testid=work-form] button[type=submit]", tap=True)
    work.refresh_from_db()
    assert str(work.funds_planned) == "40.00" and work.revision == 2
    b.page.goto("/projects/works/land/")
    assert_fits(b.page, WIDTH, boxes=True)
    b.watch.assert_clean()
