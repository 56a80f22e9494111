"""Signing in with the real form: wrong password, greeting, to-do list, navigation, English, sign-out, lockout."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.browser

AREAS = [
    "首页",
    "目标任务",
    "台账",
    "网格事件",
    "项目与税源",
    "通报",
    "民生户籍",
    "党建",
    "区划网格",
    "人员角色",
]  # the audit log is the audit administrator's menu, not the leader's (三员分立)
WRONG = "用户名或密码不正确"
MAIN_NAV = "details.menu nav"


def test_sign_in_home_navigation_and_sign_out(open_page):
    b = open_page()
    page = b.page
    page.goto("/")
    assert page.url.startswith(b.base + "/login/?next=/"), "a signed-out visitor is sent to the login page"
    assert b.h1() == "登录"
    assert page.locator(MAIN_NAV).count() == 0

    b.login("demo-leader", "not-the-password")
    assert page.url.startswith(b.base + "/login/")
    assert WRONG in page.inner_text("main .errors")
    assert page.input_value("input[name=username]") == "demo-leader"
    assert page.input_value("input[name=password]") == ""  # never echoed back

    b.login("demo-leader")
    assert page.url == b.base + "/"
    assert b.h1() == "周太平，您好"
    todo = page.locator("main section.card", has=page.locator("h2", has_text="我的待办"))
    assert todo.is_visible()  # the leader's list fills as later issues assign work (see the viewer below)
    assert todo.locator("ul.todos li").count() + todo.locator("#todo-empty").count() >= 1

    nav = page.locator(MAIN_NAV)
    assert nav.is_visible()  # desktop: the menu is open and the ☰ summary hidden
    assert not page.locator("details.menu summary").is_visible()
    labels = [t.strip() for t in nav.locator("li").all_inner_texts()]
    assert [label for label in labels if label in AREAS] == AREAS, labels  # later issues may add areas
    assert nav.locator("a[aria-current='page']").inner_text() == "首页"
    for item in nav.locator("li").all():  # an area is a link, or marked as coming later
        assert item.locator("a[href]").count() + item.locator("span.soon").count() == 1, item.inner_text()
    for label, href in [("首页", "/"), ("区划网格", "/regions/"), ("人员角色", "/people/")]:
        assert nav.locator("a", has_text=label).get_attribute("href") == href

    b.follow("form[action='/logout/'] button[type=submit]")
    assert page.url.startswith(b.base + "/login/")
    assert "您已安全退出" in page.inner_text("main .messages")

    # A read-only viewer has nothing to do: the home page says so in a sentence.
    b.login("demo-viewer")
    assert b.h1() == "赵查看，您好"
    empty = page.locator("#todo-empty")
    assert empty.is_visible()
    assert "目前没有需要您办理的事项" in empty.inner_text()
    assert nav.locator("a", has_text="人员角色").count() == 0  # administration is for administrators
    b.watch.assert_clean()


def test_english_switch_and_back(open_page):
    """The whole interface switches, not only the lang attribute; and it switches back."""
    b = open_page()
    page = b.login("demo-leader")
    nav = page.locator(MAIN_NAV)
    assert page.get_attribute("html", "lang") == "zh-CN"
    b.follow("form.lang button:has-text('English')")
    assert page.get_attribute("html", "lang") == "en"
    assert page.url == b.base + "/"  # stays on the same page
    assert b.h1() == "Hello, 周太平"
    assert nav.locator("a", has_text="Home").is_visible()
    assert page.locator("form.lang button", has_text="中文").is_visible()
    b.follow("form.lang button:has-text('中文')")
    assert page.get_attribute("html", "lang") == "zh-CN"
    assert b.h1() == "周太平，您好"
    assert page.locator("form.lang button", has_text="English").is_visible()
    b.watch.assert_clean()


def test_lockout_after_five_wrong_passwords(open_page):
    b = open_page()
    b.watch.expected_statuses.add(429)  # the lockout page answers 429 Too Many Requests
    page = b.page
    for attempt in range(1, 5):
        b.login("demo-viewer", f"wrong-{attempt}")
        assert WRONG in page.inner_text("main .errors"), attempt
        assert page.locator("#locked").count() == 0, attempt
    b.login("demo-viewer", "wrong-5")  # the fifth failure reaches the limit: that answer already says so
    assert "锁定" in page.inner_text("#locked")
    b.login("demo-viewer", "wrong-6")
    locked = page.locator("#locked")
    assert locked.is_visible()
    text = locked.inner_text()
    assert "锁定" in text
    assert re.search(r"请在 \d+ 分钟后（\d{2}:\d{2} 以后）再试", text), text
    # Locked means locked: even the right password does not get in until the cool-off ends.
    b.login("demo-viewer")
    assert page.url.startswith(b.base + "/login/")
    assert "锁定" in page.inner_text("#locked")
    b.watch.assert_clean()
