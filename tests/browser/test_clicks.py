"""Clicks counted (issue 12): each task done in Chromium as the demo's people do it, from their home page after
signing in, with every click, tap, choice and filled field counted — and held to the issue's goals:

- a village cadre reports progress in ≤ 5;
- a village cadre adds a ledger row in ≤ 6 plus the row's own values (no village typed: it is his);
- a village cadre handles a dispatched case in ≤ 4 (处置 open by default, 处置 + 反馈 one step, one note);
- a grid inspector reports a case with its location and a photo in ≤ 6 (上报问题 on her home);
- the dispatcher (城管办, the demo's 受理派遣单位) accepts, files and dispatches in one form.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, Browsing

pytestmark = pytest.mark.browser


@dataclass
class Counted:
    """A person's browser, counting what they do: `clicks` (click, tap, check, a choice in a list, choosing a
    photo) and `fills` (a field typed into); `own` counts the actions that enter the record's own values (a ledger
    row's fields), which the goals leave out. `log` says what each was, for the assertion's message."""

    b: Browsing
    tap: bool = False
    clicks: int = 0
    fills: int = 0
    own: int = 0
    log: list[str] = field(default_factory=list)

    @property
    def page(self):
        return self.b.page

    @property
    def total(self) -> int:
        return self.clicks + self.fills

    def _count(self, kind: str, what: str, own: bool) -> None:
        if kind == "fill":
            self.fills += 1
        else:
            self.clicks += 1
        self.own += int(own)
        self.log.append(f"{kind} {what}{' (own value)' if own else ''}")

    def click(self, target, *, navigate: bool = True, what: str = "") -> None:
        locator = self.page.locator(target) if isinstance(target, str) else target
        self._count("tap" if self.tap else "click", what or str(target), False)
        if navigate:
            self.b.follow(locator, tap=self.tap)
        elif self.tap:
            locator.tap()
        else:
            locator.click()

    def select(self, target: str, *, own: bool = False, **option) -> None:
        self._count("select", target, own)
        self.page.select_option(target, **option)

    def fill(self, target: str, value: str, *, own: bool = False) -> None:
        self._count("fill", target, own)
        self.page.fill(target, value)

    def choose_file(self, target: str, path: str) -> None:
        self._count("tap" if self.tap else "click", f"{target} ← {path.rsplit('/', 1)[-1]}", False)
        self.page.set_input_files(target, path)

    def holds(self, goal: int, *, beyond_own: bool = False) -> None:
        done = self.total - (self.own if beyond_own else 0)
        assert done <= goal, f"{done} actions, the goal is ≤ {goal}: " + "; ".join(self.log)


def _home(open_page, username: str, *, phone: bool = False, **options) -> Counted:
    b = open_page(**PHONE, **options) if phone else open_page(**options)
    b.login(username, tap=phone)
    assert b.page.url == b.base + "/", b.page.url  # counting starts on the home page
    return Counted(b, tap=phone)


def _shots(me: Counted, name: str) -> None:
    """The page as it is now, at 1280 px and at 390 px (test-artifacts/, to be looked at)."""
    size = me.page.viewport_size
    for width, height in ((1280, 800), (390, 844)):
        me.page.set_viewport_size({"width": width, "height": height})
        me.b.screenshot(f"clicks-{name}-{width}.png")
    me.page.set_viewport_size(size)


def _photo(tmp_path, name: str, lng=None, lat=None) -> str:
    from tests import cases_factory as cf

    path = tmp_path / name
    path.write_bytes(cf.jpeg(name, lng=lng, lat=lat, size=(1600, 1200)).read())
    return str(path)


def _state(page) -> str:
    return page.locator("[data-testid=state]").inner_text().strip()


def _no_errors(page) -> None:
    errors = page.locator("main .errors, main p.error")
    assert errors.count() == 0, errors.all_inner_texts()


def _setup():
    from tests import cases_factory as cf
    from zhili.regions.models import Region

    sub = Region.objects.get(level=3, name="太平街道")
    cf.setup(sub)
    kong = Region.objects.get(parent=sub, name="孔家坊村")
    return sub, kong, kong.children.order_by("code").first()


def _urgent(case) -> None:
    """The case's step due before every other open case's, so it heads its kind on the home page's to-dos."""
    from zhili.cases.models import Case

    first = Case.objects.exclude(step_deadline=None).order_by("step_deadline").values_list("step_deadline", flat=True)
    Case.objects.filter(pk=case.pk).update(step_deadline=first[0].replace(year=first[0].year - 1))


def test_a_village_cadre_reports_progress_in_five_at_most(open_page):
    from zhili.targets.models import Entry

    me = _home(open_page, "demo-village", phone=True)
    page = me.page
    todo = page.locator("#todos .todo-group", has=page.locator(".tag", has_text="未填报")).locator("li a").first
    name = todo.inner_text().strip()
    before = Entry.objects.filter(indicator__name=name, region__name="孔家坊村").count()
    me.click(todo, what=f"to-do 未填报 {name}")
    assert page.get_by_test_id("report-for").inner_text() == "孔家坊村"  # his village: filled in, not asked
    me.fill("#report input[name=value]", "300")  # the running total (the last was 262)
    me.click("#report button[type=submit]", what="提交")
    _no_errors(page)
    assert "已填报" in page.inner_text("main")
    assert Entry.objects.filter(indicator__name=name, region__name="孔家坊村").count() == before + 1
    _shots(me, "progress")
    me.holds(5)
    me.b.watch.assert_clean()


def test_a_village_cadre_adds_a_ledger_row_in_six_plus_its_values(open_page):
    from stdnum.cn import ric

    from zhili.ledgers.models import LedgerRow

    me = _home(open_page, "demo-village")
    page = me.page
    me.click("nav a[href='/ledgers/']", what="台账")
    me.click(page.locator("main a", has_text="气代煤改造台账").first, what="气代煤改造台账")
    me.click("details:has(form[action$='/rows/new/']) > summary", navigate=False, what="添加一行")
    form = "form[action$='/rows/new/']"
    assert page.locator(f"{form} [data-testid=fixed-village]").inner_text() == "孔家坊村"  # not typed again
    assert page.locator(f"{form} input[name=finished_on]").get_attribute("type") == "date"
    body = "37012519650303" + "996"
    id_number = body + ric.calc_check_digit(body + "0")
    me.fill(f"{form} input[name=head_name]", "孔点击", own=True)
    me.fill(f"{form} input[name=id_number]", id_number, own=True)
    me.select(f"{form} select[name=method]", label="电采暖", own=True)
    me.fill(f"{form} input[name=finished_on]", "2020-11-18", own=True)  # the date picker's value
    me.select(f"{form} select[name=status]", label="已完工", own=True)
    _shots(me, "ledger-row")
    me.click(f"{form} button[type=submit]", what="添加")
    _no_errors(page)
    row = LedgerRow.objects.get(ledger__code="gas-conversion", key_value=id_number)
    assert row.region.name == "孔家坊村" and row.data["finished_on"] == "2020-11-18"
    me.holds(6, beyond_own=True)
    me.b.watch.assert_clean()


def test_a_village_cadre_handles_a_dispatched_case_in_four_at_most(open_page, tmp_path):
    from tests import cases_factory as cf

    sub, _, grid = _setup()
    case = cf.drive(cf.report(sub, grid), "dispatch")
    _urgent(case)
    me = _home(open_page, "demo-village", phone=True)
    page = me.page
    me.click(page.locator(f"#todos a[href='/cases/{case.pk}/']"), what="to-do 待处置")
    opened = page.locator("#steps details[open] > summary")
    assert opened.count() == 1 and opened.get_attribute("data-testid") == "step-handle_feedback"  # 处置 first
    form = page.locator("form[action$='/act/handle_feedback/']")
    me.choose_file("form[action$='/act/handle_feedback/'] input[name=photos]", _photo(tmp_path, "after.jpg"))
    me.fill("form[action$='/act/handle_feedback/'] textarea[name=note]", "已清运，路面已清扫")
    _shots(me, "handle")
    me.click(form.get_by_test_id("do-handle_feedback"), what="确认处置并反馈")
    _no_errors(page)
    assert _state(page) == "待核查"
    timeline = page.get_by_test_id("timeline").inner_text()
    assert re.search(r"孔立新（村干部）\s*处置", timeline) and re.search(r"孔立新（村干部）\s*反馈", timeline)
    me.holds(4)
    me.b.watch.assert_clean()


def test_an_inspector_reports_a_case_with_location_and_photo_in_six_at_most(open_page, tmp_path):
    from tests import cases_factory as cf

    _, _, grid = _setup()
    lng, lat = cf.point_in(grid)
    me = _home(
        open_page,
        "demo-grid",
        phone=True,
        geolocation={"longitude": float(lng), "latitude": float(lat)},
        permissions=["geolocation"],
    )
    page = me.page
    _shots(me, "home")
    me.click(page.get_by_test_id("quick-report"), what="上报问题")
    me.select("select[name=category]", label="垃圾/环境卫生（暴露垃圾、积存垃圾）")
    me.fill("textarea[name=description]", "村东路口生活垃圾堆积")
    if not page.input_value("input[name=lng]"):  # located at once where the phone allows it already
        me.click("[data-locate]", navigate=False, what="获取当前位置")
    expect(page.locator("input[name=lng]")).to_have_value(f"{lng:.6f}")
    me.choose_file("input[name=photos]", _photo(tmp_path, "before.jpg", lng, lat))
    _shots(me, "report")
    me.click("[data-testid=submit-report]", what="提交")
    _no_errors(page)
    assert _state(page) == "已上报" and page.locator(".photos img").count() == 1
    assert "孔秀英（网格员）" in page.get_by_test_id("timeline").inner_text()  # herself, as herself
    assert "其他村（社区）人员" not in page.inner_text("main")
    _shots(me, "reported")
    me.holds(6)
    me.b.watch.assert_clean()


def test_the_dispatcher_accepts_files_and_dispatches_in_one_form(open_page):
    from tests import cases_factory as cf
    from zhili.cases.models import CaseEvent

    sub, _, grid = _setup()
    case = cf.report(sub, grid)
    _urgent(case)
    me = _home(open_page, "demo-urban")
    page = me.page
    me.click(page.locator(f"#todos a[href='/cases/{case.pk}/']"), what="to-do 待受理")
    opened = page.locator("#steps details[open] > summary")
    assert opened.get_attribute("data-testid") == "step-accept_file_dispatch"
    form = "form[action$='/act/accept_file_dispatch/']"
    if (
        page.locator(f"{form} select[name=unit]").input_value() == ""
        and not page.locator(f"{form} select[name=village]").input_value()
    ):
        me.select(f"{form} select[name=village]", label="孔家坊村")
    _shots(me, "dispatch")
    me.click(f"{form} [data-testid=do-accept_file_dispatch]", what="确认受理、立案并派遣")
    _no_errors(page)
    assert _state(page) == "处置中"
    assert list(CaseEvent.objects.filter(case=case).order_by("at", "id").values_list("action", flat=True)) == [
        "report",
        "accept",
        "file",
        "dispatch",
    ]
    me.holds(3)
    me.b.watch.assert_clean()
