"""Reports upward (issue 16), the chain: a superior's form is added, uploaded, mapped and filled; the villages type
and confirm their rows, the office submits, another person reviews, the leader approves — each step refused to
whoever may not take it, with a Chinese sentence: same-person review or approval, another village's row, a locked
filing, a stale page, a half-done filing, a return without a comment. A return clears the named villages'
confirmations; a correction after approval is version n + 1 and supersedes the old once approved. A new version of
the superior's file moves cells: filling waits until only those are settled. Missing data is flagged, never 0.

Personas: 'village' (孔家坊村's cadre), 'outsider' (阎桥村's secretary), 'urban' (城管办, the form's office in
charge), 'economy' (经发办, not in charge), 'leader' (党工委书记) and a second leader (街道副主任) who reviews."""

from __future__ import annotations

import dataclasses
import io
from decimal import Decimal

import openpyxl
import pytest

from tests import reports_sample as sample
from tests.conftest import person
from zhili.core.errors import Conflict, Invalid, NotFound, Refused
from zhili.core.models import AuditEntry
from zhili.people import policy
from zhili.people.models import Unit
from zhili.people.scope import scope_for
from zhili.regions.models import Region
from zhili.reports import actions, queries
from zhili.reports.models import (
    CellMap,
    Filing,
    FilingStatus,
    FilingStep,
    FilingValue,
    FilingVillage,
    Layout,
    MapState,
    Origin,
    Step,
)

pytestmark = pytest.mark.django_db

PERIOD = "2020-09"
THIRD = "胡家村"  # a third village on the sheet, filled by the office itself (picked below if absent)


@pytest.fixture
def world(world):
    """The demo's world without its report forms: these tests add their own."""
    from zhili.demo.reports2020 import without_reports

    without_reports(world.sub)
    return world


class Who:
    """A persona: the person and their scope."""

    def __init__(self, p):
        self.p = p
        self.scope = scope_for(p)

    def kw(self) -> dict:
        return {"actor": self.p, "scope": self.scope}


@pytest.fixture
def people(world):
    from zhili.people.models import Person

    return {
        "village": Who(person("demo-village")),
        "outsider": Who(world.outsider),
        "urban": Who(person("demo-urban")),
        "economy": Who(person("demo-economy")),
        "leader": Who(person("demo-leader")),
        "leader2": Who(Person.objects.get(username="sub-leader-1")),
    }


def third_village(world) -> Region:
    villages = Region.objects.current().filter(parent=world.sub).exclude(pk__in=[world.kong.pk, world.yan.pk])
    return villages.filter(name=THIRD).first() or villages.order_by("code").first()


def make_form(world, who, *, code="T-1", layout=Layout.CELLS, name="测试报表"):
    urban = Unit.objects.get(region=world.sub, code="urban")
    return actions.do_create_form(
        world.sub,
        {"code": code, "name": name, "requester": "区统计局", "frequency": "month", "unit": urban, "layout": layout},
        **who.kw(),
    )


HAND_COL = sample.rows_col("改厕（户）", "计划")
FIGURE_COL = sample.rows_col("改厕（户）", "本月完成")
HAND_COL2 = sample.rows_col("燃气入户（户）", "计划")


def rows_setup(world, people):
    """A ROWS form (孔家坊村, 阎桥村, a third village) mapped: two hand columns and one figure column."""
    form = make_form(world, people["leader"], layout=Layout.ROWS, name="民生实事村级进度月报表")
    names = [world.kong.name, world.yan.name, third_village(world).name]
    version = actions.do_upload_version(form, "民生实事.xlsx", sample.rows_form(names), **people["urban"].kw())
    urban = people["urban"].kw()
    actions.do_map_cell(version, HAND_COL, {"kind": "hand"}, **urban)
    actions.do_map_cell(version, HAND_COL2, {"kind": "hand"}, **urban)
    actions.do_map_cell(
        version, FIGURE_COL, {"kind": "figure", "figure": "cases:reported", "window": "period"}, **urban
    )
    return form, version


def row_value(filing, village, col) -> FilingValue:
    return FilingValue.objects.get(filing=filing, village=village, ref__startswith=col, ref__regex=rf"^{col}[0-9]+$")


def type_row(filing, village, who, numbers=("3", "4")):
    for col, text in zip((HAND_COL, HAND_COL2), numbers, strict=True):
        v = row_value(filing, village, col)
        actions.do_enter_value(v, text, revision=v.revision, **who.kw())


def fresh(obj):
    obj.refresh_from_db()
    return obj


# ---- the whole chain ---------------------------------------------------------------------------------------------


def test_the_chain_village_officer_reviewer_leader(world, people):
    form, version = rows_setup(world, people)
    third = third_village(world)
    assert version.key_column and version.first_row == sample.ROWS_FIRST
    filing = actions.do_fill_filing(form, PERIOD, **people["urban"].kw())
    assert filing.status == FilingStatus.FILLING and filing.version == 1 and filing.filled_at is not None
    rows = {r.village_id: r for r in FilingVillage.objects.filter(filing=filing)}
    assert set(rows) == {world.kong.pk, world.yan.pk, third.pk}
    # the figure column is Zhili's: nobody types it
    auto = row_value(filing, world.kong, FIGURE_COL)
    assert auto.origin in (Origin.AUTO, Origin.MISSING)
    if auto.origin == Origin.AUTO:
        with pytest.raises(Invalid, match="系统"):
            actions.do_enter_value(auto, "9", revision=auto.revision, **people["village"].kw())

    # the village cadre types their own row, never another village's
    type_row(filing, world.kong, people["village"])
    yan_cell = row_value(filing, world.yan, HAND_COL)
    with pytest.raises(Refused, match="阎桥村"):
        actions.do_enter_value(yan_cell, "1", revision=yan_cell.revision, **people["village"].kw())
    kong_cell = row_value(filing, world.kong, HAND_COL)
    with pytest.raises(Refused):
        actions.do_enter_value(kong_cell, "1", revision=kong_cell.revision, **people["outsider"].kw())
    with pytest.raises(Refused):
        actions.do_confirm_row(filing, world.kong, **people["outsider"].kw())
    with pytest.raises(Refused):  # 经发办 is not the office in charge
        actions.do_enter_value(yan_cell, "1", revision=yan_cell.revision, **people["economy"].kw())
    assert fresh(kong_cell).number == Decimal("3") and kong_cell.origin == Origin.HAND
    assert kong_cell.entered_by == people["village"].p

    # a row is confirmed only when full
    with pytest.raises(Invalid, match="阎桥村还有 2 格未填写"):
        actions.do_confirm_row(filing, world.yan, **people["outsider"].kw())
    actions.do_confirm_row(filing, world.kong, **people["village"].kw())
    with pytest.raises(Invalid, match="已确认"):
        actions.do_confirm_row(filing, world.kong, **people["village"].kw())

    # nothing leaves half-done: the empty cells and the unconfirmed villages are named
    with pytest.raises(Invalid) as exc:
        actions.do_submit_filing(filing, **people["urban"].kw())
    text = " ".join(exc.value.messages)
    assert "还有 4 格未填写" in text and "阎桥村" in text and third.name in text
    assert "还有 2 个村居未确认本村数据" in text
    type_row(filing, world.yan, people["outsider"], ("5", "6"))
    actions.do_confirm_row(filing, world.yan, **people["outsider"].kw())
    with pytest.raises(Invalid, match=third.name):
        actions.do_submit_filing(filing, **people["urban"].kw())
    type_row(filing, third, people["urban"], ("1", "2"))  # the office fills a village's row itself
    actions.do_confirm_row(filing, third, **people["urban"].kw())
    # missing figures are flagged and asked for too
    for v in FilingValue.objects.filter(filing=filing, origin=Origin.MISSING):
        assert v.number is None
        actions.do_enter_value(v, "0", revision=v.revision, **people["urban"].kw())
    with pytest.raises(Refused):
        actions.do_submit_filing(filing, **people["economy"].kw())
    filing = actions.do_submit_filing(filing, **people["urban"].kw())
    assert filing.status == FilingStatus.REVIEW and filing.submitted_by == people["urban"].p

    # under review: no more typing; four eyes
    with pytest.raises(Invalid, match="退回"):
        actions.do_enter_value(kong_cell, "7", revision=fresh(kong_cell).revision, **people["village"].kw())
    with pytest.raises(Refused, match="填报与审核须由不同的人完成"):
        actions.do_review_filing(filing, **people["urban"].kw())
    with pytest.raises(Refused):
        actions.do_review_filing(filing, **people["village"].kw())
    with pytest.raises(Refused):
        actions.do_review_filing(filing, **people["economy"].kw())
    with pytest.raises(Invalid):  # not yet reviewed
        actions.do_approve_filing(filing, **people["leader"].kw())
    filing = actions.do_review_filing(filing, **people["leader2"].kw())
    assert filing.status == FilingStatus.APPROVAL and filing.reviewed_by == people["leader2"].p
    with pytest.raises(Refused, match="这份报表是您审核的"):
        actions.do_approve_filing(filing, **people["leader2"].kw())
    with pytest.raises(Refused):
        actions.do_approve_filing(filing, **people["urban"].kw())

    # the leader returns it to 孔家坊 with a comment: only 孔家坊's confirmation is cleared
    with pytest.raises(Invalid, match="退回意见"):
        actions.do_return_filing(filing, "  ", villages=[world.kong], **people["leader"].kw())
    with pytest.raises(Refused):
        actions.do_return_filing(filing, "改", **people["urban"].kw())  # at approval: the leaders' call
    filing = actions.do_return_filing(
        filing, "改厕计划数与年初台账不一致", villages=[world.kong], **people["leader"].kw()
    )
    assert filing.status == FilingStatus.FILLING and filing.submitted_by is None and filing.reviewed_by is None
    kong_row = FilingVillage.objects.get(filing=filing, village=world.kong)
    assert kong_row.confirmed_at is None and kong_row.returned_note == "改厕计划数与年初台账不一致"
    assert FilingVillage.objects.get(filing=filing, village=world.yan).confirmed_at is not None
    step = FilingStep.objects.filter(filing=filing, step=Step.RETURNED).get()
    assert step.village == world.kong and step.comment == "改厕计划数与年初台账不一致"
    # the village's todo says so
    todos = queries.my_todos(people["village"].scope, people["village"].p)
    assert any(t.filing.pk == filing.pk and t.village == world.kong and "年初台账" in t.detail for t in todos)
    assert not any(t.village == world.yan for t in todos)

    kong_cell = fresh(kong_cell)
    actions.do_enter_value(kong_cell, "2", revision=kong_cell.revision, **people["village"].kw())
    actions.do_confirm_row(filing, world.kong, **people["village"].kw())
    filing = actions.do_submit_filing(filing, **people["urban"].kw())
    filing = actions.do_review_filing(filing, **people["leader2"].kw())
    # whoever typed a value never approves: the leader typed nothing, so may
    filing = actions.do_approve_filing(filing, **people["leader"].kw())
    assert filing.status == FilingStatus.APPROVED and filing.approved_by == people["leader"].p and filing.locked

    # locked: every write refused with a sentence saying to open a correction
    with pytest.raises(Invalid, match="更正"):
        actions.do_enter_value(kong_cell, "9", revision=fresh(kong_cell).revision, **people["village"].kw())
    with pytest.raises(Invalid, match="更正"):
        actions.do_fill_filing(form, PERIOD, **people["urban"].kw())
    with pytest.raises(Invalid, match="更正"):
        actions.do_confirm_row(filing, world.kong, **people["village"].kw())
    with pytest.raises(Invalid, match="更正"):
        actions.do_return_filing(filing, "再改", **people["leader"].kw())

    with pytest.raises(Refused):
        actions.do_mark_sent(filing, **people["economy"].kw())
    filing = actions.do_mark_sent(filing, **people["urban"].kw())
    assert filing.status == FilingStatus.SENT and filing.sent_at is not None
    with pytest.raises(Invalid, match="已报送"):
        actions.do_mark_sent(filing, **people["urban"].kw())

    # the steps' history, and one audit entry per change
    steps = list(FilingStep.objects.filter(filing=filing).values_list("step", flat=True))
    for s in (Step.FILLED, Step.CONFIRMED, Step.SUBMITTED, Step.REVIEWED, Step.RETURNED, Step.APPROVED, Step.SENT):
        assert s in steps
    audited = AuditEntry.objects.filter(object_type="reports.filing", object_id=str(filing.pk))
    actions_done = list(audited.order_by("at", "pk").values_list("action", flat=True))
    assert actions_done.count("reports.filing.submit") == 2
    assert actions_done.count("reports.filing.review") == 2
    assert actions_done.count("reports.filing.return") == 1
    assert actions_done[-2:] == ["reports.filing.approve", "reports.filing.send"]
    typed = AuditEntry.objects.filter(action="reports.value.enter", object_type="reports.filingvalue")
    assert typed.filter(object_id=str(kong_cell.pk)).count() == 2
    assert typed.filter(object_id=str(kong_cell.pk)).first().region_path == world.kong.path
    returned = audited.get(action="reports.filing.return")
    assert returned.reason == "改厕计划数与年初台账不一致"


def test_a_correction_is_a_new_version_superseding_the_old_once_approved(world, people):
    form, _version = rows_setup(world, people)
    filing = approved_rows_filing(world, people, form)
    with pytest.raises(Invalid, match="更正原因"):
        actions.do_correct_filing(filing, "", **people["urban"].kw())
    with pytest.raises(Refused):
        actions.do_correct_filing(filing, "错了", **people["village"].kw())
    new = actions.do_correct_filing(filing, "区统计局反馈阎桥村改厕计划数有误", **people["urban"].kw())
    assert new.version == 2 and new.status == FilingStatus.FILLING and new.replaces == filing
    assert new.correction_reason == "区统计局反馈阎桥村改厕计划数有误"
    assert fresh(filing).status == FilingStatus.APPROVED  # readable and unchanged until the correction is approved
    # typed values and confirmations come along; figures are fetched again
    assert row_value(new, world.yan, HAND_COL).number == Decimal("5")
    assert FilingVillage.objects.filter(filing=new, confirmed_at__isnull=False).count() == 3
    with pytest.raises(Invalid, match="更正中的第2版"):
        actions.do_correct_filing(filing, "再更正", **people["leader"].kw())
    assert FilingStep.objects.filter(filing=filing, step=Step.CORRECTED).exists()
    assert FilingStep.objects.filter(filing=new, step=Step.CORRECTED).exists()
    # 阎桥 changes its figure: its confirmation is cleared, it confirms again
    v = row_value(new, world.yan, HAND_COL)
    actions.do_enter_value(v, "8", revision=v.revision, **people["outsider"].kw())
    assert FilingVillage.objects.get(filing=new, village=world.yan).confirmed_at is None
    with pytest.raises(Invalid, match="阎桥村"):
        actions.do_submit_filing(new, **people["urban"].kw())
    actions.do_confirm_row(new, world.yan, **people["outsider"].kw())
    new = actions.do_submit_filing(new, **people["urban"].kw())
    new = actions.do_review_filing(new, **people["leader2"].kw())
    new = actions.do_approve_filing(new, **people["leader"].kw())
    assert fresh(filing).status == FilingStatus.SUPERSEDED and new.status == FilingStatus.APPROVED
    with pytest.raises(Invalid, match="已被更正"):
        actions.do_correct_filing(filing, "再更正", **people["leader"].kw())
    entry = AuditEntry.objects.get(action="reports.filing.correct", object_id=str(new.pk))
    assert entry.reason == "区统计局反馈阎桥村改厕计划数有误"
    # the burden counts the current version only
    burden = queries.burden_by_period(form, 2020)[PERIOD]
    assert burden.auto + burden.hand == new.auto_cells + new.hand_cells


def approved_rows_filing(world, people, form) -> Filing:
    third = third_village(world)
    filing = actions.do_fill_filing(form, PERIOD, **people["urban"].kw())
    type_row(filing, world.kong, people["village"])
    actions.do_confirm_row(filing, world.kong, **people["village"].kw())
    type_row(filing, world.yan, people["outsider"], ("5", "6"))
    actions.do_confirm_row(filing, world.yan, **people["outsider"].kw())
    type_row(filing, third, people["urban"], ("1", "2"))
    actions.do_confirm_row(filing, third, **people["urban"].kw())
    for v in FilingValue.objects.filter(filing=filing, origin=Origin.MISSING):
        actions.do_enter_value(v, "0", revision=v.revision, **people["urban"].kw())
    filing = actions.do_submit_filing(filing, **people["urban"].kw())
    filing = actions.do_review_filing(filing, **people["leader2"].kw())
    return actions.do_approve_filing(filing, **people["leader"].kw())


def test_whoever_typed_a_value_neither_reviews_nor_approves(world, people):
    form = cells_setup(world, people)
    filing = actions.do_fill_filing(form, PERIOD, **people["urban"].kw())
    hand = FilingValue.objects.get(filing=filing, ref=sample.cells_ref("村干部坐班率"))
    assert hand.origin == Origin.HAND
    actions.do_enter_value(hand, "96.5", revision=hand.revision, **people["leader2"].kw())
    fill_missing(filing, people["leader2"])
    filing = actions.do_submit_filing(filing, **people["urban"].kw())
    with pytest.raises(Refused, match="这份报表中有您填写的数据"):
        actions.do_review_filing(filing, **people["leader2"].kw())
    filing = actions.do_review_filing(filing, **people["leader"].kw())
    with pytest.raises(Refused, match="这份报表中有您填写的数据"):
        actions.do_approve_filing(filing, **people["leader2"].kw())
    with pytest.raises(Refused, match="这份报表是您审核的"):
        actions.do_approve_filing(filing, **people["leader"].kw())
    detail = queries.filing_detail(people["leader2"].scope, filing)
    assert not detail.may_approve and "您填写的数据" in detail.why_not_approve
    # a reviewer may return it instead, with a comment
    with pytest.raises(Refused):
        actions.do_return_filing(filing, "重新核对", **people["urban"].kw())
    filing = actions.do_return_filing(filing, "重新核对坐班率", **people["leader2"].kw())
    assert filing.status == FilingStatus.FILLING


# ---- a CELLS form, moved cells, missing data ------------------------------------------------------------------

CELLS_MAP = {
    ("网格事件上报数", "period"): {"kind": "figure", "figure": "cases:reported", "window": "period"},
    ("网格事件上报数", "year"): {"kind": "figure", "figure": "cases:reported", "window": "year"},
    ("结案数", "period"): {"kind": "figure", "figure": "cases:closed", "window": "period"},
    ("村干部坐班率", "period"): {"kind": "hand"},
    ("廉政谈话次数", "period"): {"kind": "hand"},
}


def cells_setup(world, people, *, code="T-2"):
    form = make_form(world, people["leader"], code=code, name="经济运行情况月报表")
    version = actions.do_upload_version(form, "经济运行.xlsx", sample.cells_form(), **people["urban"].kw())
    for (name, window), binding in CELLS_MAP.items():
        actions.do_map_cell(version, sample.cells_ref(name, window), binding, **people["urban"].kw())
    actions.do_map_cell(version, sample.PERIOD_REF, {"kind": "period"}, **people["urban"].kw())
    return form


def fill_missing(filing, who):
    for v in FilingValue.objects.filter(filing=filing, number__isnull=True, origin__in=(Origin.HAND, Origin.MISSING)):
        actions.do_enter_value(v, "1", revision=v.revision, **who.kw())


def test_mapping_rights_and_refusals(world, people):
    form = make_form(world, people["leader"], code="T-3")
    with pytest.raises(Refused):
        make_form(world, people["urban"], code="T-4")  # adding to the catalogue: leaders and administrators
    with pytest.raises(Invalid, match="已有编号"):
        make_form(world, people["leader"], code="T-3")
    with pytest.raises(Refused):
        actions.do_upload_version(form, "x.xlsx", sample.cells_form(), **people["economy"].kw())
    with pytest.raises(Invalid):
        actions.do_upload_version(form, "x.txt", "不是表格".encode(), **people["urban"].kw())
    version = actions.do_upload_version(form, "经济运行.xlsx", sample.cells_form(), **people["urban"].kw())
    with pytest.raises(Invalid, match="完全相同"):
        actions.do_upload_version(form, "经济运行.xlsx", sample.cells_form(), **people["urban"].kw())
    with pytest.raises(Invalid, match="不是有效的单元格"):
        actions.do_map_cell(version, "7D", {"kind": "hand"}, **people["urban"].kw())
    with pytest.raises(Invalid):
        actions.do_map_cell(version, "D10", {"kind": "nonsense"}, **people["urban"].kw())
    with pytest.raises(Invalid, match="合并区域"):  # the title is merged across the first row
        actions.do_map_cell(version, "B1", {"kind": "period"}, **people["urban"].kw())
    # a figure the mapper may not see: an office's clerk who keeps the form but reads nothing of the subdistrict
    clerk = dataclasses.replace(people["urban"].scope, read_paths=(), write_paths=())
    assert policy.prepare_reports(clerk, form)
    with pytest.raises(Refused, match="无权查看"):
        actions.do_map_cell(
            version,
            sample.cells_ref("税收收入（实缴）"),
            {"kind": "figure", "figure": "projects:tax_received"},
            actor=people["urban"].p,
            scope=clerk,
        )
    assert not CellMap.objects.filter(version=version).exists()
    ref = sample.cells_ref("网格事件上报数")
    cell = actions.do_map_cell(version, ref, {"kind": "hand"}, **people["urban"].kw())
    assert cell.state == MapState.OK and "网格事件上报数" in cell.label and cell.anchor
    again = actions.do_map_cell(version, ref, {"kind": "figure", "figure": "cases:reported"}, **people["urban"].kw())
    assert again.pk == cell.pk and again.binding["kind"] == "figure"
    remap = AuditEntry.objects.get(action="reports.cell.remap", object_id=str(cell.pk))
    assert "binding" in remap.changes and remap.changes["binding"][0].startswith("人工填写")
    # filling waits for a mapping; a period not begun is refused
    with pytest.raises(Invalid, match="尚未开始"):
        actions.do_fill_filing(form, "2030-01", **people["urban"].kw())
    with pytest.raises(Invalid, match="报送期"):
        actions.do_fill_filing(form, "2020-13", **people["urban"].kw())
    actions.do_unmap_cell(again, **people["urban"].kw())
    with pytest.raises(Invalid, match="还没有映射"):
        actions.do_fill_filing(form, PERIOD, **people["urban"].kw())
    # archived: nothing more
    with pytest.raises(Refused):
        actions.do_archive_form(form, "上级不再要求", **people["urban"].kw())
    with pytest.raises(Invalid, match="停用原因"):
        actions.do_archive_form(form, "", **people["leader"].kw())
    actions.do_archive_form(form, "上级不再要求", **people["leader"].kw())
    with pytest.raises(Invalid, match="已停用"):
        actions.do_fill_filing(form, PERIOD, **people["urban"].kw())
    assert form not in queries.forms_for(people["leader"].scope, world.sub)


def test_update_form_stale_page_is_a_conflict(world, people):
    form = make_form(world, people["leader"], code="T-5")
    actions.do_update_form(form, {"name": "新名称"}, revision=form.revision, **people["urban"].kw())
    with pytest.raises(Conflict):
        actions.do_update_form(form, {"name": "又一个名称"}, revision=form.revision, **people["urban"].kw())
    economy = Unit.objects.get(region=world.sub, code="economy")
    with pytest.raises(Refused, match="责任科室"):  # naming another office: the leaders'
        actions.do_update_form(form, {"unit": economy}, revision=fresh(form).revision, **people["urban"].kw())
    form = actions.do_update_form(form, {"unit": economy}, revision=form.revision, **people["leader"].kw())
    assert form.unit == economy
    entry = AuditEntry.objects.filter(action="reports.form.update", object_id=str(form.pk)).order_by("-pk").first()
    assert "unit" in entry.changes


def test_a_stale_value_is_a_conflict(world, people):
    form = cells_setup(world, people, code="T-6")
    filing = actions.do_fill_filing(form, PERIOD, **people["urban"].kw())
    hand = FilingValue.objects.get(filing=filing, ref=sample.cells_ref("村干部坐班率"))
    seen = hand.revision
    actions.do_enter_value(hand, "95", revision=seen, **people["urban"].kw())
    with pytest.raises(Conflict, match="95"):
        actions.do_enter_value(hand, "90", revision=seen, **people["leader"].kw())
    with pytest.raises(Invalid, match="数"):
        actions.do_enter_value(fresh(hand), "很多", revision=hand.revision, **people["urban"].kw())
    assert fresh(hand).number == Decimal("95")
    # an empty text clears it: the filing is half-done again
    actions.do_enter_value(hand, "", revision=hand.revision, **people["urban"].kw())
    assert fresh(hand).number is None and hand.origin == Origin.HAND
    with pytest.raises(Invalid, match="未填写"):
        actions.do_submit_filing(filing, **people["urban"].kw())


def test_missing_data_is_flagged_never_zero(world, people):
    form = cells_setup(world, people, code="T-7")
    filing = actions.do_fill_filing(form, "2018-06", **people["urban"].kw())  # before any of the demo's data
    missing = list(FilingValue.objects.filter(filing=filing, origin=Origin.MISSING))
    assert missing and filing.missing_cells == len(missing)
    assert all(v.number is None for v in missing)
    with pytest.raises(Invalid) as exc:
        actions.do_submit_filing(filing, **people["urban"].kw())
    assert "未填写" in " ".join(exc.value.messages) and missing[0].ref in " ".join(exc.value.messages)
    v = missing[0]
    actions.do_enter_value(v, "12", revision=v.revision, **people["urban"].kw())
    v = fresh(v)
    assert v.origin == Origin.HAND and v.number == Decimal("12")
    # fetching again keeps what people typed
    filing = actions.do_fill_filing(form, "2018-06", **people["urban"].kw())
    assert fresh(v).number == Decimal("12") and v.origin == Origin.HAND
    # the written file leaves missing cells empty, never 0
    fill_missing(filing, people["urban"])
    content, name = actions.do_export_filing(fresh(filing), **people["leader"].kw())
    assert name.endswith("_2018-06_第1版.xlsx")
    ws = openpyxl.load_workbook(io.BytesIO(content)).worksheets[0]
    assert ws[missing[1].ref].value == 1  # typed by a person (all the others stay as they were fetched)


def test_moved_cells_are_asked_again_and_only_those(world, people):
    form = cells_setup(world, people, code="T-8")
    filing = actions.do_fill_filing(form, PERIOD, **people["urban"].kw())
    hand = FilingValue.objects.get(filing=filing, ref=sample.cells_ref("村干部坐班率"))
    actions.do_enter_value(hand, "97", revision=hand.revision, **people["urban"].kw())
    v2 = actions.do_upload_version(form, "经济运行（新）.xlsx", sample.cells_form_moved(), **people["urban"].kw())
    cells = {c.moved_from or c.ref: c for c in CellMap.objects.filter(version=v2)}
    moved = [c for c in cells.values() if c.state == MapState.MOVED]
    lost = [c for c in cells.values() if c.state == MapState.LOST]
    ok = [c for c in cells.values() if c.state == MapState.OK]
    assert moved and [c.moved_from for c in lost] == [sample.cells_ref("廉政谈话次数")]
    for c in moved:
        if c.moved_from == sample.PERIOD_REF:
            continue
        name = next(n for (n, w) in CELLS_MAP if sample.cells_ref(n, w) == c.moved_from)
        window = next(w for (n, w) in CELLS_MAP if sample.cells_ref(n, w) == c.moved_from and n == name)
        assert c.ref == sample.cells_ref(name, window, moved=True)
    assert all(c.state == MapState.OK for c in ok)
    upload = AuditEntry.objects.get(action="reports.version.upload", object_id=str(v2.pk))
    assert upload.changes["lost"][1] == [sample.cells_ref("廉政谈话次数")]
    # nothing is filled from version 2 until every moved or lost cell is settled
    with pytest.raises(Invalid, match=r"表样第2版有 \d+ 个单元格位置变了，请先确认映射"):
        actions.do_fill_filing(form, PERIOD, **people["urban"].kw())
    with pytest.raises(Refused):
        actions.do_confirm_move(moved[0], **people["economy"].kw())
    for c in moved:
        actions.do_confirm_move(c, **people["urban"].kw())
    with pytest.raises(Invalid, match="1 个单元格"):
        actions.do_fill_filing(form, PERIOD, **people["urban"].kw())
    with pytest.raises(Invalid, match="没有变动"):
        actions.do_confirm_move(fresh(moved[0]), **people["urban"].kw())
    actions.do_unmap_cell(lost[0], **people["urban"].kw())
    filing = actions.do_fill_filing(form, PERIOD, **people["urban"].kw())
    assert filing.form_version == v2
    # the value typed on version 1 follows its cell to version 2
    moved_hand = FilingValue.objects.get(filing=filing, cell_map__version=v2, number=Decimal("97"))
    assert moved_hand.ref == sample.cells_ref("村干部坐班率", moved=True)
    assert not FilingValue.objects.filter(filing=filing).exclude(cell_map__version=v2).exists()
    # the written file has it at the new place
    content, _name = actions.do_export_filing(filing, **people["urban"].kw())
    ws = openpyxl.load_workbook(io.BytesIO(content)).worksheets[0]
    assert ws[sample.cells_ref("村干部坐班率", moved=True)].value == 97


def test_re_mapping_a_lost_cell_elsewhere(world, people):
    form = cells_setup(world, people, code="T-9")
    v2 = actions.do_upload_version(form, "新.xlsx", sample.cells_form_moved(), **people["urban"].kw())
    lost = CellMap.objects.get(version=v2, state=MapState.LOST)
    target = sample.cells_ref("规上工业总产值", moved=True)
    cell = actions.do_map_cell(v2, target, {"kind": "hand"}, instead_of=lost, **people["urban"].kw())
    assert cell.state == MapState.OK and not CellMap.objects.filter(pk=lost.pk).exists()
    # mapping on an old version is refused
    v1 = form.versions.get(number=1)
    with pytest.raises(Invalid, match="更新的版本"):
        actions.do_map_cell(v1, "D20", {"kind": "hand"}, **people["urban"].kw())


def test_exports_are_audited_with_what_left(world, people):
    form = cells_setup(world, people, code="T-10")
    filing = actions.do_fill_filing(form, PERIOD, **people["urban"].kw())
    with pytest.raises(Refused):
        actions.do_export_filing(filing, **people["village"].kw())  # a village's cadre: only its row's page
    content, name = actions.do_export_filing(filing, **people["economy"].kw())
    assert name == f"T-10_经济运行情况月报表_{PERIOD}_第1版.xlsx"
    entry = AuditEntry.objects.get(action="reports.filing.export", object_id=str(filing.pk))
    assert entry.changes["file"] == [None, name] and entry.changes["sha256"][1]
    assert entry.changes["status"][1] == "填报中"
    version = form.versions.get()
    raw, fname = actions.do_export_template(version, **people["economy"].kw())
    assert raw == bytes(version.content) and fname == "经济运行.xlsx"
    assert AuditEntry.objects.filter(action="reports.version.export", object_id=str(version.pk)).count() == 1
    # the period's label was written where the period cell is
    ws = openpyxl.load_workbook(io.BytesIO(content)).worksheets[0]
    assert "2020年9月" in str(ws[sample.PERIOD_REF].value)


def test_a_village_cadre_reaches_only_its_own_row(world, people):
    form, _version = rows_setup(world, people)
    filing = actions.do_fill_filing(form, PERIOD, **people["urban"].kw())
    village = people["village"].scope
    with pytest.raises(NotFound):
        queries.get_filing_or_404(village, filing.pk)
    assert queries.get_filing_for_village_or_404(village, filing.pk, world.kong.code).pk == filing.pk
    with pytest.raises(NotFound):
        queries.get_filing_for_village_or_404(village, filing.pk, world.yan.code)
    with pytest.raises(NotFound):
        queries.village_row(village, filing, world.yan)
    row = queries.village_row(village, filing, world.kong)
    assert row.may_enter and not row.may_confirm and len(row.left) == 2
    assert {c.value.village_id for c in row.cells} == {world.kong.pk}
    type_row(filing, world.kong, people["village"])
    row = queries.village_row(village, filing, world.kong)
    assert row.may_confirm and not row.left
    outsider_row = queries.village_row(people["outsider"].scope, filing, world.yan)
    assert outsider_row.may_enter


def test_a_stale_filing_page_is_a_conflict(world, people):
    form = cells_setup(world, people, code="T-11")
    filing = actions.do_fill_filing(form, PERIOD, **people["urban"].kw())
    seen = filing.revision
    fill_missing(filing, people["urban"])  # typed after the page was loaded
    with pytest.raises(Conflict, match="请刷新"):
        actions.do_submit_filing(filing, revision=seen, **people["urban"].kw())
    filing = actions.do_submit_filing(filing, revision=fresh(filing).revision, **people["urban"].kw())
    seen = filing.revision
    filing = actions.do_return_filing(filing, "请补充说明", **people["leader"].kw())
    with pytest.raises(Conflict):
        actions.do_review_filing(filing, revision=seen, **people["leader2"].kw())
    filing = actions.do_submit_filing(filing, **people["urban"].kw())
    with pytest.raises(Invalid, match="不在这张报表中"):
        actions.do_return_filing(filing, "改", villages=[world.kong], **people["leader2"].kw())
    assert fresh(filing).status == FilingStatus.REVIEW
