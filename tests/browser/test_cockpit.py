"""The cockpit and the push down, in Chromium, as the demo's personas: the party secretary's home, an office's,
a village cadre's on a 390 px phone; 催办 from an indicator's breakdown to 孔家坊, read and answered on the phone,
the answer back on the leader's home; the published ranking for the village. No page scrolls sideways."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import DESKTOP, PHONE_390, assert_fits

pytestmark = pytest.mark.browser

# A home's first load after a write computes the trend cold (one engine.compute per month end, at most twelve):
# about 2.5 s on an idle machine, several times that when the machine is shared; the homes get 30 s.
COLD_HOME_MS = 30_000


def test_leader_cockpit_and_a_reminder_to_a_village_answered_on_the_phone(open_page, demo):
    from zhili.targets.models import Indicator, Reminder

    land = Indicator.objects.get(task__goal__year=2020, name="土地流转")

    leader = open_page()
    leader.context.set_default_timeout(COLD_HOME_MS)
    page = leader.login("demo-leader")
    lights = page.locator("#cockpit-lights")
    assert lights.locator("h2").inner_text() == "“1234”工作体系"
    assert lights.locator(".light-summary li").count() == 6
    assert lights.locator("ul.lagging li").count() == 5 and "查看全部" in lights.locator(".more").first.inner_text()
    assert lights.locator("figure.chart svg polyline").count() == 2
    lights.locator("details.chart-table summary").click()
    assert lights.locator("details.chart-table table tbody tr").count() == 11  # January to the demo's 20 November
    ranking = page.locator("#cockpit-ranking")
    assert ranking.locator("ol.ranked li").count() == 5
    assert "查看全部 91 个村（社区）的排名" in ranking.inner_text()
    cases = page.locator("#cockpit-cases")
    assert cases.locator("table.week-compare tbody tr").count() == 3
    assert cases.locator("svg rect").count() > 0
    todos = page.locator("#todos")
    assert todos.locator("h3", has_text=re.compile(r"^\s*待销号")).count() == 1  # the tasks' (督办待销号 is another)
    leader.screenshot("cockpit-leader.png", full_page=False)

    # a lagging item opens onto its indicator
    first = lights.locator("ul.lagging a").first
    name = first.inner_text()
    leader.follow(first)
    assert page.inner_text("main h1") == name

    # 催办 孔家坊 from 土地流转's breakdown (red for 孔家坊, though the subdistrict as a whole is not)
    page.goto(f"/targets/indicators/{land.pk}/")
    assert page.locator("#remind-form").is_visible()
    page.locator("#remind-form input[type=checkbox][aria-label='催办孔家坊村']").check()
    page.fill("#remind-form textarea[name=message]", "孔家坊村土地流转落后序时进度，请本周报送推进计划。")
    leader.follow(page.locator("#remind-form button", has_text="催办所选的村"))
    assert "已催办 1 个村（社区）：孔家坊村" in page.inner_text("main .messages")
    assert "未读" in page.inner_text("#village-reminders")

    # the village's party secretary, on a phone
    cadre = open_page(**PHONE_390)
    cadre.context.set_default_timeout(COLD_HOME_MS)
    phone = cadre.login("demo-village", tap=True)
    assert_fits(phone, 390)
    todo = phone.locator("#todos li", has_text="土地流转").first
    assert "落后序时进度" in phone.inner_text("#todos")  # the light's sentence on the share's to-do
    reminder = phone.locator("#todos a", has_text="请本周报送推进计划")
    assert reminder.is_visible() and todo.is_visible()
    cadre.screenshot("phone-village-home.png")
    cadre.follow(reminder, tap=True)
    assert_fits(phone, 390)
    phone.fill("textarea[name=answer]", "已排出计划，11 月 27 日前完成剩余 30 亩流转。")
    cadre.follow(phone.locator(".answer-form button", has_text="回复"), tap=True)
    assert "已回复" in phone.inner_text("main .messages")
    phone.goto("/")
    assert "请本周报送推进计划" not in phone.inner_text("#todos")

    # the published ranking, from the village's home
    rank = phone.locator("#cockpit-rank")
    assert "孔家坊村在 91 个村（社区）中排第" in rank.inner_text()
    cadre.follow(rank.locator("a", has_text="查看排名"), tap=True)
    assert phone.locator("table.ranking tbody tr").count() == 91
    assert phone.locator("table.ranking tr.mine ul.terms").is_visible()
    assert_fits(phone, 390)
    cadre.screenshot("phone-village-ranking.png", full_page=False)

    # the answer is back on the leader's home and on the breakdown
    page.goto("/")
    answers = page.locator("#cockpit-reminders")
    assert "已阅 1 次，已回复 1 次" in answers.inner_text()
    assert "11 月 27 日前完成剩余 30 亩流转" in answers.inner_text()
    r = Reminder.objects.get(region__name="孔家坊村", indicator=land)
    assert r.read_by.username == "demo-village" and r.answered_by.username == "demo-village"
    leader.watch.assert_clean()
    cadre.watch.assert_clean()


@pytest.mark.parametrize("persona", ["demo-leader", "demo-economy", "demo-village", "demo-grid"])
def test_homes_fit_a_390_px_phone(open_page, demo, persona):
    b = open_page(**PHONE_390)
    b.context.set_default_timeout(COLD_HOME_MS)
    page = b.login(persona, tap=True)
    assert_fits(page, 390)
    b.screenshot(f"phone-home-{persona}.png")
    b.watch.assert_clean()


def test_an_office_sees_its_own_version(open_page, demo):
    b = open_page(viewport=DESKTOP)
    b.context.set_default_timeout(COLD_HOME_MS)
    page = b.login("demo-economy")
    assert page.locator("#cockpit-lights h2").inner_text() == "本科室牵头的指标"
    assert page.locator("#cockpit-cases h2").inner_text() == "派给本科室的网格事件"
    b.screenshot("cockpit-economy.png", full_page=False)
    b.watch.assert_clean()
