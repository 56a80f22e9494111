"""The upward report's approval chain in Chromium (issue 16, done-when): a village-level form built through the
actions (tests/reports_sample.py), filled; 孔家坊's secretary types his row's hand cells on a 390 px phone and
confirms; a 经发办 clerk submits, the office's head reviews; the leader returns it once with a comment to 孔家坊
only; after the fix it goes round again and the leader approves; then a correction with its reason opens version
2. Screenshots of the catalogue, the mapping page, the filing page and the village's row (phone) go to
/tmp/reports-shots/."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser.conftest import PASSWORD, PHONE_390, assert_fits

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/reports-shots")
PERIOD = "2020-09"


def _shot(b, name: str, full_page: bool = True) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    b.page.screenshot(path=str(SHOTS / name), full_page=full_page)


def _build():
    """The form, its version, its mapping and September's filing; every village but 孔家坊 has typed and
    confirmed its row (through the actions, as their own secretaries)."""
    from tests import reports_sample as sample
    from zhili.demo import taiping
    from zhili.people.models import Person, Role, RoleAssignment, Unit
    from zhili.people.scope import scope_for
    from zhili.regions.models import Level, Region
    from zhili.reports import actions
    from zhili.reports.models import FilingValue, Origin

    try:
        from zhili.demo.reports2020 import without_reports
    except ImportError:  # pragma: no cover — the demo's forms not there yet
        without_reports = None
    sub = Region.objects.get(code=taiping.SUBDISTRICT[0])
    if without_reports is not None:
        without_reports(sub)
    economy = Unit.objects.get(region=sub, code="economy")
    leader = Person.objects.get(username="demo-leader")
    as_leader = {"actor": leader, "scope": scope_for(leader)}
    form = actions.do_create_form(
        sub,
        {
            "code": "MS-01",
            "name": "民生实事村级进度月报表",
            "requester": "区民生实事专班",
            "frequency": "month",
            "deadline_days": 5,
            "unit": economy,
            "layout": "rows",
        },
        **as_leader,
    )
    villages = list(Region.objects.current().filter(parent=sub, level=Level.VILLAGE).order_by("code"))
    version = actions.do_upload_version(
        form, "民生实事进度.xlsx", sample.rows_form([v.name for v in villages]), **as_leader
    )
    actions.do_map_cell(version, sample.rows_col("改厕（户）", "计划"), {"kind": "hand"}, **as_leader)
    actions.do_map_cell(version, sample.rows_col("自来水改造（户）", "计划"), {"kind": "hand"}, **as_leader)
    actions.do_map_cell(
        version,
        sample.rows_col("改厕（户）", "本月完成"),
        {"kind": "figure", "figure": "cases:reported", "window": "period"},
        **as_leader,
    )
    actions.do_map_cell(
        version,
        sample.rows_col("改厕（户）", "累计完成"),
        {"kind": "figure", "figure": "cases:reported", "window": "year"},
        **as_leader,
    )
    officer = Person.objects.get(username="demo-economy")
    filing = actions.do_fill_filing(form, PERIOD, actor=officer, scope=scope_for(officer))
    kong = next(v for v in villages if v.name == "孔家坊村")
    for v in villages:
        if v.pk == kong.pk:
            continue
        cadre = RoleAssignment.objects.filter(region=v, role=Role.VILLAGE_CADRE).first().person
        who = {"actor": cadre, "scope": scope_for(cadre)}
        for value in FilingValue.objects.filter(filing=filing, village=v, origin__in=(Origin.HAND, Origin.MISSING)):
            actions.do_enter_value(value, "8", revision=value.revision, **who)
        actions.do_confirm_row(filing, v, **who)
    clerk = Person(username="demo-economy-clerk", full_name="孙科员", region=sub, title="经发办科员", unit=economy)
    clerk.set_password(PASSWORD)
    clerk.save()
    RoleAssignment.objects.create(person=clerk, role=Role.OFFICER, region=sub, unit=economy, title="经发办科员")
    return form, filing, kong


def _village_types_and_confirms(open_page, filing, kong, value: str, *, expect_comment: str = ""):
    phone = open_page(**PHONE_390)
    phone.login("demo-village", tap=True)
    page = phone.page
    page.goto("/reports/")
    assert "民生实事村级进度月报表" in page.inner_text("main")
    phone.follow(page.locator(f"a[href='/reports/filings/{filing.pk}/village/{kong.code}/']"), tap=True)
    assert "孔家坊村" in phone.h1()
    if expect_comment:
        assert expect_comment in page.get_by_test_id("returned").inner_text()
    inputs = page.locator("[data-testid=row-form] input[type=text]")
    assert inputs.count() == 2
    for i in range(inputs.count()):
        inputs.nth(i).fill(value)
    assert_fits(page, 390, boxes=True)
    phone.follow(page.get_by_role("button", name="确认本村数据"), tap=True)
    assert "已确认" in page.get_by_test_id("row-confirmed").inner_text()
    assert_fits(page, 390, boxes=True)
    phone.watch.assert_clean()
    return phone


def _step(open_page, username: str, filing_pk: int, button: str, *, then: str):
    from zhili.reports.models import Filing

    b = open_page()
    b.login(username)
    b.page.goto(f"/reports/filings/{filing_pk}/")
    b.follow(b.page.get_by_role("button", name=button, exact=True))
    assert Filing.objects.get(pk=filing_pk).status == then, (username, button)
    b.watch.assert_clean()
    return b


def test_the_chain_village_officer_leader_return_approve_and_correct(open_page):
    from zhili.reports.models import Filing, FilingStatus, FilingVillage

    form, filing, kong = _build()

    # the catalogue and the mapping page, as the office in charge sees them
    office = open_page()
    office.login("demo-economy")
    office.page.goto("/reports/")
    assert "民生实事村级进度月报表" in office.page.inner_text("main")
    assert "系统填写" in office.page.get_by_test_id("burden-totals").inner_text()
    _shot(office, "catalogue.png")
    office.page.goto(f"/reports/{form.pk}/map/")
    office.follow(office.page.locator("table.sheet td[data-ref='L8'] a"))
    assert office.page.get_by_test_id("cell-ref").inner_text() == "L"
    assert "人工填写" in office.page.get_by_test_id("cell-binding").inner_text()
    search = office.page.locator("input[data-filter-select]")
    assert search.is_visible()  # shown by the script: the page works without it
    search.fill("结案")
    visible = office.page.locator("#id_choice option:not([hidden])")
    assert visible.count() >= 1 and all("结案" in t for t in visible.all_inner_texts())
    _shot(office, "mapping.png")
    office.watch.assert_clean()

    # 孔家坊 types its two hand cells on a phone and confirms
    phone = _village_types_and_confirms(open_page, filing, kong, "12")
    _shot(phone, "village-row-phone.png")

    # the clerk submits, the office's head reviews
    _step(open_page, "demo-economy-clerk", filing.pk, "提交审核", then=FilingStatus.REVIEW)
    _step(open_page, "demo-economy", filing.pk, "审核通过", then=FilingStatus.APPROVAL)

    # the leader returns it to 孔家坊 with a comment
    leader = open_page()
    leader.login("demo-leader")
    page = leader.page
    page.goto(f"/reports/filings/{filing.pk}/")
    assert "审批通过" in page.get_by_test_id("chain").inner_text()
    page.get_by_test_id("return").locator("summary").click()
    page.fill("textarea[name=comment]", "孔家坊村改厕计划数与年初下达数不符，请核实。")
    page.get_by_label("孔家坊村").check()
    leader.follow(page.get_by_role("button", name="退回", exact=True))
    assert Filing.objects.get(pk=filing.pk).status == FilingStatus.FILLING
    assert FilingVillage.objects.get(filing=filing, village=kong).confirmed_at is None
    assert FilingVillage.objects.filter(filing=filing, confirmed_at__isnull=True).count() == 1
    assert "退回" in page.get_by_test_id("steps").inner_text()
    leader.watch.assert_clean()

    # the fix: 孔家坊 sees the comment, types again and confirms; round again; the leader approves
    _village_types_and_confirms(open_page, filing, kong, "10", expect_comment="改厕计划数与年初下达数不符")
    _step(open_page, "demo-economy-clerk", filing.pk, "提交审核", then=FilingStatus.REVIEW)
    _step(open_page, "demo-economy", filing.pk, "审核通过", then=FilingStatus.APPROVAL)
    page.goto(f"/reports/filings/{filing.pk}/")
    leader.follow(page.get_by_role("button", name="审批通过", exact=True))
    assert Filing.objects.get(pk=filing.pk).status == FilingStatus.APPROVED
    _shot(leader, "filing-approved.png")

    # every figure opens onto the rows behind it
    leader.follow(page.locator("table.sheet td.o-auto a").first)
    assert "数据来源" in leader.h1()
    assert page.get_by_test_id("trace-facts").is_visible()
    _shot(leader, "trace.png")
    page.goto(f"/reports/filings/{filing.pk}/")

    # a correction after approval: its reason opens version 2
    page.get_by_test_id("correct").locator("summary").click()
    page.fill("textarea[name=reason]", "区专班反馈：9月改厕计划口径调整，重新报送。")
    leader.follow(page.get_by_role("button", name="开启更正"))
    v2 = Filing.objects.get(form=form, period=PERIOD, version=2)
    assert page.url.endswith(f"/reports/filings/{v2.pk}/")
    assert v2.status == FilingStatus.FILLING and v2.correction_reason.startswith("区专班反馈")
    assert "区专班反馈" in page.get_by_test_id("correction-reason").inner_text()
    assert "第 2 版" in page.inner_text("main")
    _shot(leader, "filing-v2.png")
    leader.watch.assert_clean()

    # the filing's chain on a phone: no sideways scroll (the sheet scrolls inside its own box)
    small = open_page(**PHONE_390)
    small.login("demo-leader")
    small.page.goto(f"/reports/filings/{filing.pk}/")
    assert_fits(small.page, 390)
    _shot(small, "filing-phone.png")
    small.watch.assert_clean()
