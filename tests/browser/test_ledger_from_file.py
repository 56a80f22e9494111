"""从表格新建台账 in Chromium (issue 11): an office uploads the sheet it keeps, adjusts the proposed fields, saves,
and imports that same file through the preview — then edits the definition field by field."""

from __future__ import annotations

import pytest

from tests.test_ledgers_infer import OFFICE_LABELS, office_file

pytestmark = pytest.mark.browser


def test_an_office_makes_a_ledger_from_its_own_sheet_and_imports_it(open_page, tmp_path):
    from zhili.ledgers.models import Ledger, LedgerRow

    b = open_page()
    page = b.login("demo-urban")
    page.goto("/ledgers/")
    b.follow("main a:has-text('从表格新建台账')")
    assert b.h1() == "从表格新建台账"
    page.set_input_files("input[name=file]", str(office_file(tmp_path / "孔家坊村气代煤台账.xlsx")))
    b.follow("main button:has-text('上传并推断字段')")
    assert b.h1() == "核对字段"

    table = page.locator("table.field-table tbody tr")
    assert table.count() == 9
    labels = [table.nth(i).locator("input[name$='-label']").input_value() for i in range(9)]
    assert labels == OFFICE_LABELS
    assert table.nth(2).locator("select[name$='-type']").input_value() == "id_number"
    assert table.nth(2).locator("input[name$='-is_key']").is_checked()
    assert "370125********001X" in table.nth(2).inner_text()  # a sample, masked as pages show it
    assert page.locator("select[name=unit]").input_value() == "urban"

    table.nth(1).locator("input[name$='-label']").fill("户主姓名")
    table.nth(6).locator("select[name$='-type']").select_option("choice")
    table.nth(6).locator("input[name$='-choices']").fill("是、否")
    table.nth(8).locator("input[name$='-DELETE']").check()
    page.fill("input[name=code]", "kong-gas")
    page.fill("input[name=name]", "孔家坊气代煤")
    b.follow("main button:has-text('保存台账并预览导入')")

    assert "已新建台账“孔家坊气代煤”" in page.inner_text("main")
    assert "新增" in page.inner_text("main") and "30" in page.inner_text("main")
    b.follow("main button[value=all]")
    ledger = Ledger.objects.get(code="kong-gas")
    assert LedgerRow.objects.filter(ledger=ledger).count() == 30
    assert [f["label"] for f in ledger.current_version.fields][1] == "户主姓名"

    # the definition, edited field by field: a new field, a new version
    page.goto("/ledgers/kong-gas/definition/")
    b.follow("main a:has-text('逐项修改定义')")
    rows = page.locator("table.field-table tbody tr")
    rows.last.locator("input[name$='-label']").fill("核查日期")
    rows.last.locator("select[name$='-type']").select_option("date")
    page.fill("input[name=note]", "加核查日期")
    b.follow("main button:has-text('保存为新版本')")
    assert "已保存为第 2 版定义" in page.inner_text("main")
    assert "核查日期" in page.inner_text("main table")
    b.screenshot("desktop-ledger-definition.png")
    b.watch.assert_clean()
