"""A township starting on its own, step by step in Chromium, for tests to build on: `zhili setup` on the empty
database, a roster uploaded on its page, previewed and confirmed, the initial passwords downloaded once, and a
person's first sign-in with them (forced to choose their own password). The issue's end-to-end test adds the
year's targets (zhili targets import) between the 花名册 and the first sign-in."""

from __future__ import annotations

import io
from pathlib import Path

from django.core.management import call_command
from openpyxl import load_workbook

from tests import roster_files
from tests.browser.conftest import Browsing

CODE, NAME, DISTRICT, CITY = "370115003", "太平街道", "济阳区", "济南市"
ADMIN, ADMIN_PASSWORD = "tp-admin", "Taiping-admin-2021"


def setup_township(monkeypatch, *, code: str = CODE, name: str = NAME, admin: str = ADMIN) -> None:
    """`zhili setup` as an installer runs it, the password on standard input."""
    monkeypatch.setattr("sys.stdin", io.StringIO(ADMIN_PASSWORD + "\n"))
    call_command(
        "setup",
        "--code",
        code,
        "--name",
        name,
        "--district",
        DISTRICT,
        "--city",
        CITY,
        "--admin",
        admin,
        "--password-stdin",
    )


def rosters(tmp_path: Path, *, code: str = CODE, name: str = NAME) -> tuple[Path, Path]:
    """The township's village roster and 花名册 in office layouts (tests/roster_files.py)."""
    return (
        roster_files.village_roster(tmp_path / "村居名册.xlsx", code),
        roster_files.people_roster(tmp_path / "花名册.xlsx", name),
    )


def import_roster(b: Browsing, link_text: str, path: Path) -> None:
    """From the page the browser is on: follow the roster's link, upload the file, check the preview (no errors)
    and confirm it."""
    page = b.page
    b.follow(page.locator("main a", has_text=link_text).first)
    page.set_input_files("input[name=file]", str(path))
    b.follow(page.locator("main form button[type=submit]", has_text="上传并预览"))
    assert page.inner_text("#n-errors") == "0", page.inner_text("main")
    b.follow(page.locator("button[name=mode][value=all]"))
    assert "已导入" in page.inner_text("main")


def download_passwords(b: Browsing) -> dict[str, str]:
    """The initial passwords the 花名册 import offers once: {account: password}. A second download is refused."""
    page = b.page
    link = page.get_by_test_id("job-link")
    href = link.get_attribute("href")
    with page.expect_download() as info:
        link.click()
    rows = list(load_workbook(io.BytesIO(Path(info.value.path()).read_bytes())).active.iter_rows(values_only=True))
    header = next(i for i, r in enumerate(rows) if r and r[0] == "姓名")
    passwords = {r[1]: r[2] for r in rows[header + 1 :] if r and r[1]}
    assert b.context.request.get(b.base + href).status == 404  # once only
    return passwords


def first_sign_in(b: Browsing, username: str, initial: str, chosen: str) -> None:
    """Sign in with the initial password: every page sends the person to 我的账号 until they choose their own;
    then they land on home."""
    page = b.page
    b.login(username, initial)
    assert page.url.startswith(b.base + "/account/")
    assert page.get_by_test_id("must-change-password").is_visible()
    page.goto("/regions/")
    assert page.url.startswith(b.base + "/account/"), "no other page before the password is changed"
    page.fill("input[name=old_password]", initial)
    page.fill("input[name=new_password]", chosen)
    b.follow(page.locator("form:has(input[name=new_password]) button[type=submit]"))
    assert page.url == b.base + "/"


def targets_book(tmp_path: Path, year: int = 2021) -> Path:
    """The township's 目标责任书 for `year` in an office's layout (tests/targets_book.py), naming the people and the
    office of the 花名册 above (李书记 leads; 钱经发 of 经济发展办公室 answers), decomposed to 孔家坊村 and 阎桥
    (written without its suffix) in one column per village."""
    from tests.targets_book import demo_rows, write_book

    path = tmp_path / f"{year}年目标责任书.xlsx"
    rows = demo_rows(
        year,
        leader="李书记",
        urban_owner="钱经发",
        economy_owner="钱经发",
        urban="经济发展办公室",
        economy="经济发展办公室",
        assisting="",
    )
    write_book(path, rows, villages=["孔家坊村", "阎桥"], year=year, sub=NAME)
    return path


def import_targets(b: Browsing, path: Path, year: int = 2021) -> None:
    """From the board of `year`, which has no goals yet: 导入目标责任书, upload, check the preview, confirm."""
    page = b.page
    page.goto(f"/targets/?year={year}")
    b.follow(page.locator("main .empty a", has_text="导入目标责任书"))
    page.set_input_files("#import input[name=file]", str(path))
    b.follow(page.locator("#import button[type=submit]"))
    assert page.inner_text("#n-errors") == "0", page.inner_text("main")
    b.follow(page.locator("button[name=mode][value=all]"))
    assert "已导入" in page.inner_text("main")
