"""A township starts on its own, in Chromium, from an empty database: `zhili setup`, the administrator imports the
village roster, the 花名册 and the year's 目标责任书 on their pages, and a village secretary from the roster signs in
with the initial password from the downloaded file, is made to choose their own, lands on home and finds their
village's shares of the year on the board; the administrator finds every indicator with its target."""

from __future__ import annotations

import pytest

from tests.browser import township as t

pytestmark = pytest.mark.browser


def test_from_an_empty_database_to_a_village_secretary_signed_in(open_empty, monkeypatch, tmp_path):
    t.setup_township(monkeypatch)
    villages, people = t.rosters(tmp_path)

    admin = open_empty()
    page = admin.page
    admin.login(t.ADMIN, t.ADMIN_PASSWORD)
    page.goto("/regions/")  # the township's page: no villages yet, and what to do about it
    assert page.get_by_test_id("regions-empty").is_visible()
    t.import_roster(admin, "导入村居名册", villages)
    page.goto("/regions/")
    assert page.locator("table.regions a", has_text="孔家坊村").is_visible()
    assert page.locator("table.regions a", has_text="太平社区").is_visible()

    page.goto("/people/")
    assert page.get_by_test_id("people-empty").is_visible()
    t.import_roster(admin, "导入花名册", people)
    passwords = t.download_passwords(admin)
    assert set(passwords) == {"18600000001", "18600000002", "kong-secretary", "18600000004"}
    page.goto("/people/")
    assert page.locator("main table", has_text="孔支书").is_visible()

    t.import_targets(admin, t.targets_book(tmp_path), 2021)
    page.goto("/targets/?year=2021")
    board = page.inner_text("main")
    for name, target in (("改厕户数", "1,200"), ("垃圾分类覆盖率", "95"), ("引进项目", "12"), ("改造户数", "2,000")):
        row = page.locator("main tr", has_text=name).first
        assert row.is_visible(), board
        assert target in row.inner_text(), (name, row.inner_text())
    admin.watch.assert_clean()

    secretary = open_empty()
    t.first_sign_in(secretary, "kong-secretary", passwords["kong-secretary"], "Kongjiafang-2021")
    assert secretary.h1() == "孔支书，您好"
    secretary.page.goto("/regions/")
    assert "孔家坊村" in secretary.h1()  # their village is where they stand
    secretary.page.goto("/targets/?year=2021")
    share = secretary.page.locator("main tr", has_text="改厕户数").first
    assert "300" in share.inner_text(), secretary.page.inner_text("main")  # 孔家坊村's share, not the township's 1,200
    assert "1,200" not in share.inner_text()
    secretary.watch.assert_clean()
