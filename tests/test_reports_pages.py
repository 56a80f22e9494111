"""The 上报 pages (issue 16): the catalogue, a form, adding / editing / uploading, the mapping page (a click is a
link, the figure a grouped choice), a filing (values by origin, hand inputs, the chain's buttons), the trace, a
village's row — each for the right persona, 404 outside the scope, 403 without the right, and every POST through
the actions (400 on bad input, 409 on a stale revision, 400 on a locked filing)."""

from __future__ import annotations

import pytest

from tests import reports_sample as sample
from tests.conftest import person
from zhili.people.models import Unit
from zhili.people.scope import scope_for
from zhili.regions.models import Level, Region
from zhili.reports import actions, bindings
from zhili.reports.models import (
    CellMap,
    Filing,
    FilingStatus,
    FilingValue,
    FilingVillage,
    MapState,
    Origin,
    ReportForm,
)

pytestmark = pytest.mark.django_db

PERIOD = "2020-09"


@pytest.fixture
def world(world):
    """The demo without its upward forms: these tests build their own."""
    from zhili.demo.reports2020 import without_reports

    without_reports(world.sub)
    return world


def _act(username: str) -> dict:
    who = person(username)
    return {"actor": who, "scope": scope_for(who)}


def _villages(sub: Region) -> list[Region]:
    return list(Region.objects.current().filter(parent=sub, level=Level.VILLAGE).order_by("code"))


def _key(sub, kind: str, username: str = "demo-economy", figure: str | None = None) -> str:
    for c in bindings.choices(sub, scope_for(person(username)), 2020):
        if c.binding.get("kind") == kind and (figure is None or c.binding.get("figure") == figure):
            return c.key
    raise AssertionError(f"no choice {kind} {figure}")


@pytest.fixture
def economy_unit(world):
    return Unit.objects.get(region=world.sub, code="economy")


@pytest.fixture
def cells(world, economy_unit):
    """经济运行月报表 (one cell per figure), mapped: the period, cases reported (本期), two hand cells."""
    leader = _act("demo-leader")
    form = actions.do_create_form(
        world.sub,
        {
            "code": "JJ-T1",
            "name": "经济运行情况月报表",
            "requester": "区统计局",
            "frequency": "month",
            "deadline_days": 5,
            "unit": economy_unit,
            "layout": "cells",
        },
        **leader,
    )
    version = actions.do_upload_version(form, "经济运行.xlsx", sample.cells_form(), **leader)
    actions.do_map_cell(version, sample.PERIOD_REF, {"kind": "period"}, **leader)
    actions.do_map_cell(
        version,
        sample.cells_ref("网格事件上报数"),
        {"kind": "figure", "figure": "cases:reported", "window": "period"},
        **leader,
    )
    actions.do_map_cell(version, sample.cells_ref("廉政谈话次数"), {"kind": "hand"}, **leader)
    actions.do_map_cell(version, sample.cells_ref("规上工业总产值"), {"kind": "hand"}, **leader)
    return form


@pytest.fixture
def rows(world, economy_unit):
    """民生实事村级进度月报表 (one row per village): 改厕 计划 typed by the villages, 改厕 本月完成 a figure."""
    leader = _act("demo-leader")
    form = actions.do_create_form(
        world.sub,
        {
            "code": "MS-T1",
            "name": "民生实事村级进度月报表",
            "requester": "区民生实事专班",
            "frequency": "month",
            "deadline_days": 5,
            "unit": economy_unit,
            "layout": "rows",
        },
        **leader,
    )
    names = [v.name for v in _villages(world.sub)]
    version = actions.do_upload_version(form, "民生实事.xlsx", sample.rows_form(names), **leader)
    actions.do_map_cell(version, sample.rows_col("改厕（户）", "计划"), {"kind": "hand"}, **leader)
    actions.do_map_cell(
        version,
        sample.rows_col("改厕（户）", "本月完成"),
        {"kind": "figure", "figure": "cases:reported", "window": "period"},
        **leader,
    )
    return form


@pytest.fixture
def cells_filing(cells):
    return actions.do_fill_filing(cells, PERIOD, **_act("demo-economy"))


@pytest.fixture
def rows_filing(rows):
    return actions.do_fill_filing(rows, PERIOD, **_act("demo-economy"))


def _page(client, url, status=200) -> str:
    answer = client.get(url)
    assert answer.status_code == status, (url, answer.status_code)
    return answer.content.decode()


# ---- the catalogue and a form ----------------------------------------------------------------------------------


def test_the_catalogue_lists_the_forms_with_their_burden(cells_filing, as_persona):
    for who in ("leader", "economy", "viewer"):
        html = _page(as_persona(who), "/reports/")
        assert "经济运行情况月报表" in html and "系统填写" in html and "人工填写" in html, who
    leader = _page(as_persona("leader"), "/reports/")
    assert "添加报表" in leader
    assert "添加报表" not in _page(as_persona("economy"), "/reports/")
    assert as_persona("anonymous").get("/reports/").status_code == 302


def test_a_village_cadre_gets_the_rows_of_their_village_not_the_catalogue(world, rows_filing, cells, as_persona):
    html = _page(as_persona("village"), "/reports/")
    assert "经济运行情况月报表" not in html
    assert "民生实事村级进度月报表" in html
    assert f"/reports/filings/{rows_filing.pk}/village/{world.kong.code}/" in html
    assert f"/village/{world.yan.code}/" not in html


def test_a_form_page_for_readers_only(cells_filing, cells, as_persona):
    url = f"/reports/{cells.pk}/"
    for who in ("leader", "economy", "viewer"):
        assert "经济运行情况月报表" in _page(as_persona(who), url)
    assert "取数" in _page(as_persona("economy"), url)
    assert 'data-testid="fill-form"' not in _page(as_persona("viewer"), url)
    for who in ("village", "outsider"):
        _page(as_persona(who), url, 404)
        _page(as_persona(who), f"/reports/{cells.pk}/map/", 404)
        _page(as_persona(who), f"/reports/filings/{cells_filing.pk}/", 404)


def test_adding_a_form_bad_values_are_400_with_their_sentence(world, economy_unit, as_persona):
    assert as_persona("economy").get("/reports/new/").status_code == 403
    client = as_persona("leader")
    assert "报表编号" in _page(client, "/reports/new/")
    data = {
        "code": "N-1",
        "name": "新表",
        "requester": "区统计局",
        "frequency": "month",
        "deadline_days": "999",
        "layout": "cells",
        "unit": str(economy_unit.pk),
    }
    answer = client.post("/reports/new/", data)
    assert answer.status_code == 400 and "报送时限应为 0 至 60 个工作日" in answer.content.decode()
    answer = client.post("/reports/new/", {**data, "deadline_days": "5", "frequency": "hourly"})
    assert answer.status_code == 400 and "请选择报送频次" in answer.content.decode()
    answer = client.post("/reports/new/", {**data, "deadline_days": "5"})
    form = ReportForm.objects.get(region=world.sub, code="N-1")
    assert answer.status_code == 302 and answer["Location"] == f"/reports/{form.pk}/upload/"
    assert form.unit_id == economy_unit.pk
    answer = client.post("/reports/new/", {**data, "deadline_days": "5"})
    assert answer.status_code == 400 and "已有编号为“N-1”的报表" in answer.content.decode()


def test_editing_a_form_with_a_stale_revision_is_409(cells, as_persona):
    client = as_persona("economy")
    assert "报表名称" in _page(client, f"/reports/{cells.pk}/edit/")
    data = {
        "code": cells.code,
        "name": "改过的名字",
        "requester": cells.requester,
        "frequency": "month",
        "deadline_days": "6",
        "layout": "cells",
        "unit": str(cells.unit_id),
        "revision": str(cells.revision),
    }
    assert client.post(f"/reports/{cells.pk}/edit/", data).status_code == 302
    answer = client.post(f"/reports/{cells.pk}/edit/", {**data, "name": "又改"})
    assert answer.status_code == 409
    assert as_persona("viewer").post(f"/reports/{cells.pk}/edit/", data).status_code == 403
    assert ReportForm.objects.get(pk=cells.pk).name == "改过的名字"


# ---- the superior's file and the mapping -----------------------------------------------------------------------


def test_uploading_a_file_that_is_not_xlsx_is_400(cells, as_persona):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = as_persona("economy")
    assert "上传" in _page(client, f"/reports/{cells.pk}/upload/")
    bad = SimpleUploadedFile("表.xls", b"\xd0\xcf\x11\xe0not really", content_type="application/vnd.ms-excel")
    answer = client.post(f"/reports/{cells.pk}/upload/", {"file": bad})
    assert answer.status_code == 400
    assert "xlsx" in answer.content.decode()


def test_the_mapping_page_draws_the_sheet_with_links_and_offers_grouped_figures(cells, as_persona):
    client = as_persona("economy")
    html = _page(client, f"/reports/{cells.pk}/map/")
    assert 'data-testid="sheet-grid"' in html and "太平街道经济运行情况月报表" in html
    assert 'colspan="8"' in html  # the merged title
    ref = sample.cells_ref("固定资产投资")
    assert f'href="?cell={ref}#cell"' in html
    html = _page(client, f"/reports/{cells.pk}/map/?cell={ref}")
    assert "固定资产投资" in html and "<optgroup" in html and "本年累计" in html and "未映射" in html
    assert "data-filter-select" in html
    mapped = sample.cells_ref("网格事件上报数")
    html = _page(client, f"/reports/{cells.pk}/map/?cell={mapped}")
    assert "k-figure" in html and "取消映射" in html
    _page(client, f"/reports/{cells.pk}/map/?cell=ZZZZ99", 400)
    viewer = _page(as_persona("viewer"), f"/reports/{cells.pk}/map/?cell={ref}")
    assert 'data-testid="map-form"' not in viewer


def test_mapping_a_cell_goes_through_the_action(cells, as_persona):
    client = as_persona("economy")
    ref = sample.cells_ref("固定资产投资", "year")
    key = _key(cells.region, "figure", figure="cases:closed")
    answer = client.post(f"/reports/{cells.pk}/map/cell/", {"ref": ref, "choice": key, "window": "year", "label": ""})
    assert answer.status_code == 302
    cell = CellMap.objects.get(version__form=cells, ref=ref)
    assert cell.binding["kind"] == "figure" and cell.binding["window"] == "year"
    assert "固定资产投资" in cell.label
    answer = client.post(f"/reports/{cells.pk}/map/cell/", {"ref": ref, "choice": "figure:nothing-like-it"})
    assert answer.status_code == 400 and "请从列表中选择数据来源" in answer.content.decode()
    answer = client.post(f"/reports/{cells.pk}/map/cell/", {"ref": "D", "choice": key})
    assert answer.status_code == 400
    assert as_persona("viewer").post(f"/reports/{cells.pk}/map/cell/", {"ref": ref, "choice": key}).status_code == 403
    assert client.post(f"/reports/{cells.pk}/map/unmap/", {"ref": ref}).status_code == 302
    assert not CellMap.objects.filter(version__form=cells, ref=ref).exists()


def test_a_new_version_shows_moved_and_lost_cells_to_confirm(cells, as_persona):
    actions.do_upload_version(cells, "经济运行（新）.xlsx", sample.cells_form_moved(), **_act("demo-economy"))
    client = as_persona("economy")
    html = _page(client, f"/reports/{cells.pk}/map/")
    assert "确认新位置" in html and "重新映射" in html and "s-moved" in html
    assert "位置变了" in _page(client, f"/reports/{cells.pk}/")
    moved = CellMap.objects.filter(version__form=cells, version__number=2, state=MapState.MOVED).first()
    answer = client.post(f"/reports/{cells.pk}/map/confirm/", {"ref": moved.ref})
    assert answer.status_code == 302
    moved.refresh_from_db()
    assert moved.state == MapState.OK
    answer = client.post(f"/reports/{cells.pk}/fill/", {"period": PERIOD})
    assert answer.status_code == 400  # a lost cell is left: no fetch until it is settled


# ---- a filing --------------------------------------------------------------------------------------------------


def test_fill_and_the_filing_page(cells, as_persona):
    client = as_persona("economy")
    assert client.post(f"/reports/{cells.pk}/fill/", {"period": "2020-13"}).status_code == 400
    answer = client.post(f"/reports/{cells.pk}/fill/", {"period": PERIOD})
    filing = Filing.objects.get(form=cells, period=PERIOD)
    assert answer.status_code == 302 and answer["Location"] == f"/reports/filings/{filing.pk}/"
    html = _page(client, answer["Location"])
    assert "系统填写" in html and "人工填写" in html and "缺数" in html
    assert "o-auto" in html and "2020年9月" in html
    assert 'data-testid="hand-form"' in html and "下载 Excel" in html
    viewer = _page(as_persona("viewer"), answer["Location"])
    assert 'data-testid="hand-form"' not in viewer and "提交审核</button>" not in viewer
    download = client.get(f"/reports/filings/{filing.pk}/download/")
    assert download.status_code == 200 and download["Content-Type"].startswith("application/vnd.openxmlformats")
    assert as_persona("village").get(f"/reports/filings/{filing.pk}/download/").status_code == 404


def test_the_trace_of_a_figure(cells_filing, as_persona):
    ref = sample.cells_ref("网格事件上报数")
    html = _page(as_persona("viewer"), f"/reports/filings/{cells_filing.pk}/cell/{ref}/")
    assert "数据来源" in html and "网格事件" in html
    _page(as_persona("viewer"), f"/reports/filings/{cells_filing.pk}/cell/A1/", 404)
    _page(as_persona("village"), f"/reports/filings/{cells_filing.pk}/cell/{ref}/", 404)


def _hand_values(filing, village=None):
    return list(
        FilingValue.objects.filter(filing=filing, village=village, origin__in=(Origin.HAND, Origin.MISSING)).order_by(
            "pk"
        )
    )


def test_hand_values_bad_stale_and_locked(cells_filing, as_persona):
    client = as_persona("economy")
    url = f"/reports/filings/{cells_filing.pk}/values/"
    values = _hand_values(cells_filing)
    assert values
    data = {}
    for v in values:
        data[f"v{v.pk}"] = "12"
        data[f"r{v.pk}"] = str(v.revision)
    bad = {**data, f"v{values[0].pk}": "十二个"}
    answer = client.post(url, bad)
    assert answer.status_code == 400
    assert FilingValue.objects.get(pk=values[0].pk).number is None  # nothing half-saved
    assert as_persona("viewer").post(url, data).status_code == 403
    assert client.post(url, data).status_code == 302
    assert all(FilingValue.objects.get(pk=v.pk).number == 12 for v in values)
    stale = {**data, f"v{values[0].pk}": "13"}  # read at the old revision
    answer = client.post(url, stale)
    assert answer.status_code == 409 and "请刷新后再填" in answer.content.decode()

    # submitted: the values are no longer typed here; the reviewer may not be the submitter
    assert client.post(f"/reports/filings/{cells_filing.pk}/submit/").status_code == 302
    assert Filing.objects.get(pk=cells_filing.pk).status == FilingStatus.REVIEW
    answer = client.post(f"/reports/filings/{cells_filing.pk}/review/")
    assert answer.status_code == 403 and "不同的人" in answer.content.decode()
    html = _page(client, f"/reports/filings/{cells_filing.pk}/")
    assert "审核通过</button>" not in html and 'data-testid="hand-form"' not in html

    leader = as_persona("leader")
    assert leader.post(f"/reports/filings/{cells_filing.pk}/return/", {"comment": ""}).status_code == 400
    assert leader.post(f"/reports/filings/{cells_filing.pk}/review/").status_code == 302
    fresh = {f"v{v.pk}": "14" for v in values} | {
        f"r{v.pk}": str(FilingValue.objects.get(pk=v.pk).revision) for v in values
    }
    assert client.post(url, fresh).status_code == 400  # 待审批: not typed


def test_the_chain_return_approve_and_correct_through_the_pages(cells_filing, as_persona, world):
    economy, leader = as_persona("economy"), as_persona("leader")
    pk = cells_filing.pk
    values = _hand_values(cells_filing)
    # typed by the leader (the administrator): then the leader may not approve; typed by economy here instead
    data = {f"v{v.pk}": "3" for v in values} | {f"r{v.pk}": str(v.revision) for v in values}
    assert economy.post(f"/reports/filings/{pk}/values/", data).status_code == 302
    assert economy.post(f"/reports/filings/{pk}/submit/").status_code == 302
    html = _page(leader, f"/reports/filings/{pk}/")
    assert "审核通过</button>" in html and "退回修改" in html
    answer = leader.post(f"/reports/filings/{pk}/return/", {"comment": "规上工业总产值请核实"})
    assert answer.status_code == 302
    filing = Filing.objects.get(pk=pk)
    assert filing.status == FilingStatus.FILLING
    assert "规上工业总产值请核实" in _page(economy, f"/reports/filings/{pk}/")
    assert economy.post(f"/reports/filings/{pk}/submit/").status_code == 302
    # the leader reviews; approving needs another leader: the correction is opened by the officer
    assert leader.post(f"/reports/filings/{pk}/review/").status_code == 302
    assert leader.post(f"/reports/filings/{pk}/approve/").status_code == 403
    other = person("sub-leader-1")
    from django.test import Client

    second = Client()
    second.force_login(other)
    assert second.post(f"/reports/filings/{pk}/approve/").status_code == 302
    assert Filing.objects.get(pk=pk).status == FilingStatus.APPROVED
    changed = {
        **data,
        f"v{values[0].pk}": "4",
        f"r{values[0].pk}": str(FilingValue.objects.get(pk=values[0].pk).revision),
    }
    answer = economy.post(f"/reports/filings/{pk}/values/", changed)
    assert answer.status_code == 400 and "更正" in answer.content.decode()  # locked: open a correction
    answer = economy.post(f"/reports/filings/{pk}/correct/", {"reason": ""})
    assert answer.status_code == 400 and "原因" in answer.content.decode()
    answer = economy.post(f"/reports/filings/{pk}/correct/", {"reason": "区统计局反馈：规上工业总产值更正"})
    new = Filing.objects.get(form=cells_filing.form, period=PERIOD, version=2)
    assert answer.status_code == 302 and answer["Location"] == f"/reports/filings/{new.pk}/"
    html = _page(economy, answer["Location"])
    assert "区统计局反馈：规上工业总产值更正" in html and "第 2 版" in html


# ---- a village's row -------------------------------------------------------------------------------------------


def test_a_village_types_and_confirms_its_own_row_only(world, rows_filing, as_persona):
    client = as_persona("village")
    url = f"/reports/filings/{rows_filing.pk}/village/{world.kong.code}/"
    html = _page(client, url)
    assert "孔家坊村" in html and "确认本村数据" in html and "改厕" in html
    _page(client, f"/reports/filings/{rows_filing.pk}/village/{world.yan.code}/", 404)
    _page(client, f"/reports/filings/{rows_filing.pk}/", 404)
    _page(as_persona("outsider"), url, 404)
    values = _hand_values(rows_filing, world.kong)
    assert values
    data = {f"v{v.pk}": "5" for v in values} | {f"r{v.pk}": str(v.revision) for v in values}
    answer = client.post(url, {**data, f"v{values[0].pk}": "五个"})
    assert answer.status_code == 400
    answer = client.post(url, {**data, "confirm": "1"})
    assert answer.status_code == 302
    row = FilingVillage.objects.get(filing=rows_filing, village=world.kong)
    assert row.confirmed_at is not None
    assert "已确认" in _page(client, url)
    answer = client.post(url, {**data, f"v{values[0].pk}": "6"})  # read at the old revision
    assert answer.status_code == 409
    # the officer sees every village's confirmation on the filing page
    html = _page(as_persona("economy"), f"/reports/filings/{rows_filing.pk}/")
    assert "各村（社区）确认" in html and "孔家坊村" in html


def test_a_returned_village_sees_the_comment(world, rows_filing, as_persona):
    villages = _villages(world.sub)
    for v in villages:  # every village types its row and confirms
        from zhili.people.models import Role, RoleAssignment

        cadre = RoleAssignment.objects.filter(region=v, role=Role.VILLAGE_CADRE).first().person
        who = {"actor": cadre, "scope": scope_for(cadre)}
        for value in _hand_values(rows_filing, v):
            actions.do_enter_value(value, "2", revision=value.revision, **who)
        actions.do_confirm_row(rows_filing, v, **who)
    economy, leader = as_persona("economy"), as_persona("leader")
    assert economy.post(f"/reports/filings/{rows_filing.pk}/submit/").status_code == 302
    html = _page(leader, f"/reports/filings/{rows_filing.pk}/")
    assert "退回给哪些村（社区）" in html
    answer = leader.post(
        f"/reports/filings/{rows_filing.pk}/return/",
        {"comment": "改厕计划数偏大，请核实", "villages": [str(world.kong.pk)]},
    )
    assert answer.status_code == 302
    html = _page(as_persona("village"), f"/reports/filings/{rows_filing.pk}/village/{world.kong.code}/")
    assert "改厕计划数偏大，请核实" in html and "本村尚未确认" in html
    assert FilingVillage.objects.get(filing=rows_filing, village=world.yan).confirmed_at is not None
