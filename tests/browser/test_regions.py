"""The region browser in a real browser: subdistrict → village → grid, the map, the five-level chain, scope."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

VILLAGES = 91


def test_leader_walks_from_subdistrict_to_grid(open_page):
    b = open_page()
    page = b.login("demo-leader")
    b.follow("details.menu nav a:has-text('区划网格')")
    if page.locator("ul.region-list").count():  # several roots listed (one root is opened directly)
        b.follow("ul.region-list a:has-text('太平街道')")
    assert page.inner_text("main h1").startswith("太平街道")
    assert page.locator("details.menu nav a[aria-current='page']").inner_text() == "区划网格"

    rows = page.locator("table.regions tbody tr")
    assert rows.count() == VILLAGES
    for name in ["郎家村", "孙家店村", "小王村", "哈叭沟村", "阎桥村", "来佛寺村", "白家堰村", "孔家坊村"]:
        assert page.locator("table.regions a", has_text=name).count() >= 1, name
    svg = page.locator("svg.map")
    assert svg.is_visible()
    assert svg.locator("polygon").count() == VILLAGES
    box = svg.bounding_box()
    assert box and box["width"] > 300 and box["height"] > 150
    b.screenshot("desktop-region.png", full_page=False)

    b.follow("table.regions a:text-is('孔家坊村')")
    assert page.inner_text("main h1").startswith("孔家坊村")
    assert "太平街道" in page.inner_text("nav.crumbs")
    grids = page.locator("table.regions tbody a")
    n_grids = grids.count()
    assert 2 <= n_grids <= 5
    assert page.locator("svg.map polygon").count() == n_grids
    grid_name = grids.first.inner_text()

    b.follow(grids.first)
    assert page.inner_text("main h1").startswith(grid_name)
    assert "孔家坊村" in page.inner_text("nav.crumbs")
    chain = page.locator("#chain ol.chain li")
    assert chain.count() == 5
    levels = [t.strip() for t in page.locator("#chain ol.chain li .level").all_inner_texts()]
    assert levels == ["街道包村领导", "管区书记", "村党支部书记", "网格员", "联户长"]
    assert page.locator("#chain .missing").count() == 0  # the demo fills every level of this grid
    assert "周太平" in chain.first.inner_text()  # the subdistrict leader heads the chain
    b.screenshot("desktop-grid.png")

    # The map is a way in too: a village polygon is a link to its page.
    page.go_back()
    page.go_back()
    b.follow("svg.map a:has(title:text-is('阎桥村'))")
    assert page.inner_text("main h1").startswith("阎桥村")
    b.watch.assert_clean()


def test_village_cadre_starts_at_own_village_and_cannot_open_another(open_page, demo):
    from zhili.regions.models import Region

    yan = Region.objects.get(parent__code=demo.SUBDISTRICT[0], name="阎桥村")
    b = open_page()
    b.watch.expected_statuses.add(404)
    page = b.login("demo-village")
    b.follow("details.menu nav a:has-text('区划网格')")
    assert page.inner_text("main h1").startswith("孔家坊村")
    # The breadcrumb names the subdistrict but does not link to it: it is outside this cadre's scope.
    assert page.locator("nav.crumbs a", has_text="太平街道").count() == 0
    assert "人员角色" not in page.inner_text("details.menu nav")

    response = page.goto(f"/regions/{yan.code}/")
    assert response.status == 404
    assert b.h1() == "找不到页面"
    assert "不在您的权限范围内" in page.inner_text("main")
    assert page.get_attribute("html", "lang") == "zh-CN"
    assert "阎桥" not in page.content()
    b.follow("main a:has-text('返回首页')")
    assert b.h1() == "孔立新，您好"
    b.watch.assert_clean()
