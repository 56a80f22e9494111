"""The year built by hand in Chromium (issue 11): the leader adds a goal, a task and two indicators from the board,
decomposes one to three villages, and 孔家坊's party secretary reports progress against his village's share. The
authoring forms fit a 390 px phone."""

from __future__ import annotations

import pytest

from tests.browser.conftest import PHONE
from tests.browser.test_phone import assert_fits

pytestmark = pytest.mark.browser


def _villages():
    from zhili.demo import taiping
    from zhili.regions.models import Level, Region

    sub = Region.objects.get(code=taiping.SUBDISTRICT[0])
    kong = Region.objects.get(parent=sub, name="孔家坊村")
    yan = Region.objects.get(parent=sub, name="阎桥村")
    third = (
        Region.objects.filter(parent=sub, level=Level.VILLAGE, valid_to__isnull=True)
        .exclude(pk__in=[kong.pk, yan.pk])
        .order_by("code")
        .first()
    )
    return kong, yan, third


def _save(b):
    return b.follow(b.page.get_by_role("button", name="保存"))


def test_a_goal_a_task_and_two_indicators_built_by_hand_then_decomposed_and_reported(open_page):
    from zhili.targets.models import Entry, Goal, Indicator

    b = open_page()
    page = b.page
    b.login("demo-leader")
    page.goto("/targets/?year=2020")
    b.follow(page.get_by_role("link", name="编制年度目标"))
    assert "编制" in b.h1()
    b.follow(page.get_by_role("link", name="新增目标"))
    page.fill("#id_code", "五")
    page.fill("#id_title", "数字乡村")
    _save(b)
    goal = Goal.objects.get(year=2020, title="数字乡村")
    section = page.locator(f"#goal-{goal.pk}")
    assert "数字乡村" in section.inner_text()

    b.follow(section.get_by_role("link", name="新增任务"))
    page.fill("#id_title", "智慧门牌进村")
    page.select_option("#id_lead_unit", label="城市管理办公室（城管办）")
    page.locator("label", has_text="农业农村办公室").first.click()
    _save(b)
    assert b.h1().startswith("智慧门牌进村")

    b.follow(page.get_by_role("link", name="新增指标"))
    page.fill("#id_name", "智慧门牌安装")
    page.fill("#id_unit", "块")
    page.fill("#id_target", "300")
    page.select_option("#id_decomposition", "villages")
    _save(b)
    doorplates = Indicator.objects.get(name="智慧门牌安装")
    assert page.url.endswith(f"/targets/indicators/{doorplates.pk}/")

    page.goto(f"/targets/tasks/{doorplates.task_id}/")
    b.follow(page.get_by_role("link", name="新增指标"))
    page.fill("#id_name", "数字技能培训")
    page.fill("#id_unit", "人次")
    page.fill("#id_target", "50")
    page.select_option("#id_cumulative", "0")
    _save(b)
    assert Indicator.objects.filter(task=doorplates.task, name="数字技能培训", cumulative=False).exists()

    # 分解下达 to three villages
    kong, yan, third = _villages()
    page.goto(f"/targets/indicators/{doorplates.pk}/")
    b.follow(page.get_by_role("link", name="分解下达").first)
    for v in (kong, yan, third):
        page.fill(f"#share-{v.pk}", "100")
    _save(b)
    assert {s.region_id for s in doorplates.shares.all()} == {kong.pk, yan.pk, third.pk}
    board = page.goto("/targets/?year=2020")
    assert board.ok and "智慧门牌安装" in page.inner_text("main")
    b.watch.assert_clean()

    # 孔家坊's secretary reports his village's progress
    cadre = open_page()
    cadre.login("demo-village")
    cadre.page.goto(f"/targets/indicators/{doorplates.pk}/")
    assert "孔家坊村" in cadre.h1()
    assert cadre.page.get_by_test_id("report-for").inner_text() == "孔家坊村"  # his only village: not asked
    cadre.page.fill("#id_day", "2020-11-20")
    cadre.page.fill("#id_value", "40")
    cadre.follow(cadre.page.get_by_role("button", name="提交"))
    assert "已填报" in cadre.page.inner_text("main")
    assert Entry.objects.get(indicator=doorplates, region=kong).value == 40
    cadre.page.goto("/targets/?year=2020")
    assert "智慧门牌安装" in cadre.page.inner_text("main")
    assert "编制年度目标" not in cadre.page.inner_text("main")
    cadre.watch.assert_clean()


def test_the_authoring_forms_fit_a_phone(open_page):
    from zhili.targets.models import Task

    task = Task.objects.filter(goal__year=2020).order_by("pk").first()
    b = open_page(**PHONE)
    b.login("demo-leader")
    for url in (
        "/targets/plan/?year=2020",
        f"/targets/tasks/{task.pk}/edit/",
        f"/targets/tasks/{task.pk}/indicators/new/",
    ):
        b.page.goto(url)
        assert_fits(b.page)
    b.screenshot("targets-indicator-new-phone.png")
    b.watch.assert_clean()
