"""The whole closed loop in Chromium: a grid inspector reports from a phone (location from the phone, a real
photo from the 'camera'), 城管办 accepts, files and dispatches, the village handles with an after-photo and feeds
back (one step, as Taiping's case rule has it), the inspector (not the handler) finds it not fixed — 返工 — then
verifies the second handling, 城管办 closes. A second case goes through an approved 延期. Illegal steps are not
offered, and forged ones change nothing."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE

pytestmark = pytest.mark.browser


def _photo(tmp_path, name: str, lng=None, lat=None):
    from tests import cases_factory as cf

    upload = cf.jpeg(name, lng=lng, lat=lat, size=(1600, 1200))
    path = tmp_path / name
    path.write_bytes(upload.read())
    return str(path)


def _setup():
    from tests import cases_factory as cf
    from zhili.regions.models import Region

    sub = Region.objects.get(level=3, name="太平街道")
    cf.setup(sub)
    kong = Region.objects.get(parent=sub, name="孔家坊村")
    grid = kong.children.order_by("code").first()
    return sub, grid, cf.point_in(grid)


def _state(page) -> str:
    return page.locator("[data-testid=state]").inner_text().strip()


def _step(b, action: str, *, note: str = "", fill=None):
    """Open a step's form on the case page, fill it and confirm; wait for the page that follows."""
    page = b.page
    summary = page.locator(f"[data-testid=step-{action}]")
    if summary.locator("xpath=..").get_attribute("open") is None:  # the first step's form is open already
        summary.click()
    form = page.locator(f"form[action$='/act/{action}/']")
    if fill:
        fill(form)
    if note:
        form.locator("textarea[name=note]").fill(note)
    b.follow(form.locator(f"[data-testid=do-{action}]"))
    errors = page.locator("main .errors")
    assert errors.count() == 0, errors.all_inner_texts()


def test_the_whole_loop_with_rework_and_photos(open_page, tmp_path):
    _, _, (lng, lat) = _setup()

    # 1. The inspector reports from a phone: location from the phone, a photo from the camera.
    inspector = open_page(
        **PHONE, geolocation={"longitude": float(lng), "latitude": float(lat)}, permissions=["geolocation"]
    )
    inspector.login("demo-grid", tap=True)
    page = inspector.page
    page.goto("/cases/report/")
    page.select_option("select[name=category]", label="垃圾/环境卫生（暴露垃圾、积存垃圾）")
    page.fill("textarea[name=description]", "村东路口生活垃圾堆积，约两立方米")
    page.locator("[data-locate]").tap()
    # a locator assertion polls without evaluating strings in the page (the CSP forbids eval)
    expect(page.locator("input[name=lng]")).not_to_have_value("")
    assert page.input_value("input[name=lng]") == f"{lng:.6f}"
    page.set_input_files("input[name=photos]", _photo(tmp_path, "before.jpg", lng, lat))
    inspector.screenshot("cases-report-phone.png")
    inspector.follow("[data-testid=submit-report]", tap=True)
    assert re.search(r"/cases/\d+/$", page.url), page.url
    case_url = page.url.removeprefix(inspector.base)
    assert _state(page) == "已上报"
    assert page.locator(".photos img").count() == 1
    assert page.locator("[data-testid^=step-]").count() == 0  # an inspector does not accept their own report
    inspector.watch.assert_clean()

    # 2. 城管办 accepts, files and dispatches to the village.
    urban = open_page()
    urban.login("demo-urban")
    urban.page.goto(case_url)
    assert urban.page.locator("[data-testid=step-close]").count() == 0  # not offered before its time
    _step(urban, "accept")
    assert _state(urban.page) == "已受理"
    _step(urban, "file")
    _step(urban, "dispatch", fill=lambda f: f.locator("select[name=village]").select_option(label="孔家坊村"))
    assert _state(urban.page) == "处置中"
    assert urban.page.locator("[data-testid=deadline]").is_visible()

    # 3. The village handles with an after-photo and feeds back: one step where Taiping's case rule says so
    # (处置 and 反馈 are still two steps in the timeline).
    village = open_page(**PHONE)
    village.login("demo-village", tap=True)
    village.page.goto(case_url)
    _step(
        village,
        "handle_feedback",
        note="已组织清运，已清理完毕，请核查",
        fill=lambda f: f.locator("input[name=photos]").set_input_files(_photo(tmp_path, "after1.jpg", lng, lat)),
    )
    assert _state(village.page) == "待核查"
    assert village.page.locator("[data-testid=step-verify]").count() == 0  # the handler cannot verify

    # 4. The inspector finds it not done: 返工.
    page.goto(case_url)
    _step(inspector, "rework", note="路边仍有散落垃圾")
    assert _state(page) == "处置中"
    assert "返工 1 次" in page.inner_text("main")

    # 5. Handled again, verified by the inspector, closed by 城管办.
    village.page.goto(case_url)
    _step(
        village,
        "handle_feedback",
        note="已彻底清理",
        fill=lambda f: f.locator("input[name=photos]").set_input_files(_photo(tmp_path, "after2.jpg", lng, lat)),
    )
    page.goto(case_url)
    _step(inspector, "verify", note="已核实")
    assert _state(page) == "待结案"
    urban.page.goto(case_url)
    _step(urban, "close")
    assert _state(urban.page) == "已结案"
    assert urban.page.locator("[data-testid^=step-]").count() == 0
    timeline = urban.page.locator("[data-testid=timeline] li").all_inner_texts()
    assert [re.search(r"(上报|受理|立案|派遣|处置|反馈|返工|核查通过|结案)：", t).group(1) for t in timeline] == [
        "上报",
        "受理",
        "立案",
        "派遣",
        "处置",
        "反馈",
        "返工",
        "处置",
        "反馈",
        "核查通过",
        "结案",
    ]
    assert urban.page.locator(".photos img").count() == 3
    for b in (inspector, urban, village):
        b.watch.assert_clean()


def test_an_approved_extension_and_forged_steps(open_page, tmp_path):
    from tests import cases_factory as cf

    sub, grid, _ = _setup()
    case = cf.drive(cf.report(sub, grid, code="ruined-wall"), "dispatch")
    case_url = f"/cases/{case.pk}/"
    old_deadline = case.deadline

    village = open_page()
    village.login("demo-village")
    village.page.goto(case_url)
    _step(
        village,
        "request_extension",
        note="需协调拆除机械，申请延期",
        fill=lambda f: f.locator("input[name=days]").fill("5"),
    )
    assert "待领导审批" in village.page.inner_text("main")
    assert village.page.locator("[data-testid=step-approve_extension]").count() == 0

    leader = open_page()
    leader.login("demo-leader")
    leader.page.goto(case_url)
    before = leader.page.locator("[data-testid=deadline]").inner_text()
    _step(leader, "approve_extension", note="同意延期")
    after = leader.page.locator("[data-testid=deadline]").inner_text()
    assert before != after and "已批准" in leader.page.inner_text("main")
    case.refresh_from_db()
    assert case.extension_count == 1 and case.deadline > old_deadline

    # A forged post of a step the page does not offer (closing a case that is being handled) changes nothing.
    token = leader.page.locator("input[name=csrfmiddlewaretoken]").first.input_value()
    response = leader.page.request.post(
        f"{leader.base}{case_url}act/close/",
        form={"csrfmiddlewaretoken": token, "revision": str(case.revision)},
        headers={"Referer": leader.base + case_url},
    )
    assert response.status == 400 and "不能结案" in response.text()
    case.refresh_from_db()
    assert case.state == "dispatched" and case.closed_at is None
    leader.watch.assert_clean()
    village.watch.assert_clean()


def test_the_case_map_draws_without_any_tile_server(open_page):
    from tests import cases_factory as cf

    sub, grid, _ = _setup()
    cf.report(sub, grid)
    b = open_page()
    b.login("demo-leader")
    b.page.goto("/cases/map/")
    b.page.wait_for_selector(".leaflet-interactive")  # region boundaries and case markers, drawn as SVG
    assert b.page.locator(".leaflet-tile").count() == 0
    assert b.page.locator("path.leaflet-interactive").count() > 10
    b.screenshot("cases-map.png")
    b.watch.assert_clean()


def test_a_region_name_on_the_case_map_stays_text(open_page):
    """Leaflet shows a string tooltip as HTML: a village whose name holds markup is named as typed, not rendered."""
    from zhili.regions.models import Region

    _, grid, _ = _setup()
    Region.objects.filter(pk=grid.parent_id).update(name='<b class="probe">孔家坊</b>村')
    b = open_page()
    b.login("demo-village")  # reads 孔家坊村 and its grids: one village outline on the map
    b.page.goto("/cases/map/")
    b.page.wait_for_selector("path.leaflet-interactive")
    paths = b.page.locator("path.leaflet-interactive")
    tooltip = b.page.locator(".leaflet-tooltip")
    for i in range(paths.count()):
        paths.nth(i).dispatch_event("mouseover")
        if tooltip.count():
            break
    expect(tooltip).to_have_count(1)
    assert tooltip.inner_text() == '<b class="probe">孔家坊</b>村'
    assert b.page.locator(".leaflet-tooltip .probe").count() == 0
    b.watch.assert_clean()
