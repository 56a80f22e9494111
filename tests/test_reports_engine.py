"""The reports engine: the superior's workbook (sheet.py), where a mapped cell's figure comes from (bindings.py)
and a filing's values and file (fill.py).

The done-when test maps the realistic forms of tests/reports_sample.py, fills them for 2020-09 and reads the file
back with openpyxl: every figure equals what the apps' own queries say, and the formatting is untouched."""

from __future__ import annotations

import datetime
import hashlib
import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext

from tests import reports_sample as sample
from tests.conftest import person
from zhili.core import errors
from zhili.people.scope import scope_for
from zhili.regions import history
from zhili.reports import bindings, fill, periods, sheet
from zhili.reports.models import (
    CellMap,
    Filing,
    FilingValue,
    FilingVillage,
    FormVersion,
    Layout,
    MapState,
    Origin,
    ReportForm,
)

pytestmark = pytest.mark.django_db

SEPT = periods.parse("month", "2020-09")


@pytest.fixture(autouse=True)
def _no_demo_reports(world):
    try:
        from zhili.demo.reports2020 import without_reports
    except ImportError:  # pragma: no cover — before the demo's forms land
        return
    without_reports(world.sub)


# ------------------------------------------------------------------------------------------------ helpers


def _form(sub, layout, content: bytes, *, code="T1", rows: dict | None = None) -> tuple[ReportForm, FormVersion]:
    form = ReportForm.objects.create(region=sub, code=code, name="测试表", requester="区统计局", layout=layout)
    version = FormVersion.objects.create(
        form=form,
        number=1,
        filename="t.xlsx",
        content=content,
        sha256=hashlib.sha256(content).hexdigest(),
        sheet=sheet.sheet_names(content)[0],
        **(rows or {}),
    )
    return form, version


def _map(version: FormVersion, ref: str, binding: dict) -> CellMap:
    kw = {"layout": version.form.layout, "first_row": version.first_row, "sheet": version.sheet}
    return CellMap.objects.create(
        version=version,
        ref=ref,
        binding=binding,
        label=sheet.label_of(bytes(version.content), ref, **kw),
        anchor=sheet.anchor_of(bytes(version.content), ref, **kw),
    )


def _filing(form: ReportForm, version: FormVersion, period=SEPT) -> Filing:
    return Filing.objects.create(
        form=form, form_version=version, period=period.key, start=period.start, end=period.end, due=period.end
    )


def fig(key: str, window: str = "period") -> dict:
    return {"kind": "figure", "figure": key, "window": window}


def _read(content: bytes, name: str | None = None):
    wb = openpyxl.load_workbook(io.BytesIO(content))
    return wb[name] if name else wb.worksheets[0]


def _style(cell) -> tuple:
    return (
        repr(cell.font),
        repr(cell.fill),
        repr(cell.border),
        repr(cell.alignment),
        cell.number_format,
        repr(cell.protection),
    )


def _assert_same_formatting(before: bytes, after: bytes) -> None:
    a, b = openpyxl.load_workbook(io.BytesIO(before)), openpyxl.load_workbook(io.BytesIO(after))
    assert a.sheetnames == b.sheetnames
    for wa, wb_ in zip(a.worksheets, b.worksheets, strict=True):
        assert sorted(map(str, wa.merged_cells.ranges)) == sorted(map(str, wb_.merged_cells.ranges))
        assert {k: d.width for k, d in wa.column_dimensions.items()} == {
            k: d.width for k, d in wb_.column_dimensions.items()
        }
        assert {k: d.height for k, d in wa.row_dimensions.items()} == {
            k: d.height for k, d in wb_.row_dimensions.items()
        }
        assert wa.freeze_panes == wb_.freeze_panes
        for r in range(1, max(wa.max_row, wb_.max_row) + 1):
            for c in range(1, max(wa.max_column, wb_.max_column) + 1):
                assert _style(wa.cell(r, c)) == _style(wb_.cell(r, c)), (wa.title, r, c)


def _month_end(day: datetime.date) -> datetime.datetime:
    from django.utils import timezone

    return datetime.datetime.combine(day, datetime.time(23, 59, 59), tzinfo=timezone.get_current_timezone())


def _q4(value) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.0001"))


# ------------------------------------------------------------------------------------------------ sheet


def test_sample_forms_are_realistic():
    ws = _read(sample.cells_form())
    assert ws["A1"].value == sample.CELLS_TITLE and "A1:H1" in map(str, ws.merged_cells.ranges)
    assert ws.parent.sheetnames == ["经济运行月报表", "填报说明"]
    rows = _read(sample.rows_form(["孔家坊村", "阎桥村"]))
    assert rows["C3"].value == "道路硬化（公里）" and rows["A8"].value == "合计"


def test_labels_of_multi_row_headers():
    content = sample.cells_form()
    ref = sample.cells_ref("固定资产投资", "period")
    assert sheet.label_of(content, ref, layout=Layout.CELLS) == "固定资产投资（万元）／本月／完成数"
    assert sheet.label_of(content, sample.cells_ref("按期结案率", "year"), layout=Layout.CELLS) == (
        "按期结案率（%）／本年累计／完成数"
    )
    assert sheet.label_of(content, sample.PERIOD_REF, layout=Layout.CELLS) == "报送期"
    assert sheet.anchor_of(content, ref, layout=Layout.CELLS) == {
        "row": "固定资产投资（万元）",
        "col": ["本月", "完成数"],
    }
    rows = sample.rows_form(["孔家坊村", "阎桥村"])
    col = sample.rows_col("改厕（户）", "本月完成")
    assert sheet.label_of(rows, col, layout=Layout.ROWS, first_row=sample.ROWS_FIRST) == "改厕（户）／本月完成"


def test_grid_spans_and_hidden_cells():
    g = sheet.grid(sample.cells_form(), "经济运行月报表")
    assert g.columns == list("ABCDEFGH")
    title = g.rows[0][0]
    assert (title.ref, title.text, title.colspan, title.is_header) == ("A1", sample.CELLS_TITLE, 8, True)
    assert all(c.hidden for c in g.rows[0][1:])
    month = g.rows[2][3]
    assert (month.ref, month.text, month.colspan, month.rowspan) == ("D3", "本月", 2, 1)
    assert g.rows[2][4].hidden and g.rows[3][0].hidden  # E3 under 本月, A4 under 序号
    assert not g.rows[4][3].is_header  # D5: a figure's cell
    assert sheet.sheet_names(sample.cells_form()) == ["经济运行月报表", "填报说明"]


def test_guess_rows_matches_names_loosely():
    content = sample.rows_form(["孔家坊村", "阎 桥 村", "ＡＢ村"])
    got = sheet.guess_rows(content, None, ["孔家坊村", "阎桥村", "AB村"])
    assert got == {"key_column": "B", "first_row": 6, "last_row": 8, "total_row": 9}
    with pytest.raises(ValidationError):
        sheet.guess_rows(content, None, ["无此村"])


def test_load_refuses_what_is_not_a_form():
    with pytest.raises(ValidationError, match=r"另存为 \.xlsx"):
        sheet.load(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600 + "Workbook".encode("utf-16-le") + b"\0" * 600)
    with pytest.raises(ValidationError, match="加密"):
        sheet.load(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600 + "EncryptedPackage".encode("utf-16-le"))
    with pytest.raises(ValidationError, match="空"):
        sheet.load(b"")
    with pytest.raises(ValidationError, match="5 MB"):
        sheet.load(b"PK\x03\x04" + b"\0" * (5 * 1024 * 1024 + 1))
    wb = openpyxl.Workbook()
    wb.active.cell(201, 1, "x")
    out = io.BytesIO()
    wb.save(out)
    with pytest.raises(ValidationError, match="200 行"):
        sheet.load(out.getvalue())
    wb = openpyxl.Workbook()
    out = io.BytesIO()
    wb.save(out)
    with pytest.raises(ValidationError, match="没有任何内容"):
        sheet.load(out.getvalue())
    assert sheet.load(sample.cells_form()).sheetnames[0] == "经济运行月报表"


def test_write_keeps_formatting_and_refuses_merged_cells():
    content = sample.cells_form()
    values = {"D5": Decimal("1234.5"), "F5": Decimal("20000"), sample.PERIOD_REF: "2020年9月"}
    out = sheet.write(content, None, values)
    ws = _read(out)
    assert ws["D5"].value == 1234.5 and ws["F5"].value == 20000 and isinstance(ws["F5"].value, int)
    assert ws[sample.PERIOD_REF].value == "2020年9月"
    _assert_same_formatting(content, out)
    with pytest.raises(ValidationError, match="合并"):
        sheet.write(content, None, {"E3": Decimal(1)})


def test_compare_finds_moved_cells_and_loses_vanished_ones(world):
    form, old = _form(world.sub, Layout.CELLS, sample.cells_form())
    moved = sample.cells_form_moved()
    new = FormVersion.objects.create(
        form=form, number=2, filename="t2.xlsx", content=moved, sha256="x", sheet="经济运行月报表"
    )
    names = ["固定资产投资", "税收收入（实缴）", "按期结案率", "廉政谈话次数"]
    maps = [_map(old, sample.cells_ref(n, w), fig("cases:reported", w)) for n in names for w in ("period", "year")]
    maps.append(_map(old, sample.PERIOD_REF, {"kind": "period"}))
    maps.append(_map(old, "C5", {"kind": "hand"}))  # a unit's cell, not moved: same words at the same place
    moves = {m.cell_map.ref: m for m in sheet.compare(old, new, maps)}
    for n in ["固定资产投资", "税收收入（实缴）", "按期结案率"]:
        for w in ("period", "year"):
            m = moves[sample.cells_ref(n, w)]
            assert (m.state, m.ref) == (MapState.MOVED, sample.cells_ref(n, w, moved=True)), n
    for w in ("period", "year"):
        assert moves[sample.cells_ref("廉政谈话次数", w)].state == MapState.LOST
    assert (moves[sample.PERIOD_REF].state, moves[sample.PERIOD_REF].ref) == (MapState.MOVED, "H2")
    # the same file again: everything OK where it was
    same = FormVersion.objects.create(
        form=form, number=3, filename="t3.xlsx", content=sample.cells_form(), sha256="y", sheet="经济运行月报表"
    )
    assert {m.state for m in sheet.compare(old, same, maps)} == {MapState.OK}


def test_compare_rows_form_columns(world):
    names = ["孔家坊村", "阎桥村"]
    form, old = _form(world.sub, Layout.ROWS, sample.rows_form(names), rows={"first_row": 6, "key_column": "B"})
    maps = [_map(old, sample.rows_col("改厕（户）", "本月完成"), {"kind": "hand"})]
    same = FormVersion.objects.create(
        form=form,
        number=2,
        filename="t2.xlsx",
        content=sample.rows_form([*names, "新村"]),
        sha256="x",
        sheet="民生实事进度",
        first_row=6,
        key_column="B",
    )
    assert [(m.state, m.ref) for m in sheet.compare(old, same, maps)] == [(MapState.OK, "M")]


# ------------------------------------------------------------------------------------------------ bindings


def test_figures_choices_and_check(world):
    leader = scope_for(person("demo-leader"))
    keys = {c.key for c in bindings.choices(world.sub, leader, 2020)}
    assert {
        "figure:cases:reported",
        "figure:projects:tax_received",
        "figure:households:visited",
        "hand",
        "period",
    } <= keys
    assert "figure:ledger:road-hardening:sum:length:finished_on" in keys
    assert any(k.startswith("indicator:") and k.endswith(":actual") for k in keys)
    b = bindings.binding_for("figure:cases:reported@year", world.sub, leader, 2020)
    assert b["window"] == "year" and b["figure"] == "cases:reported"
    with pytest.raises(ValidationError):
        bindings.binding_for("figure:nothing", world.sub, leader, 2020)
    assert bindings.check({"kind": "figure", "figure": "cases:reported"}, world.sub, leader)["window"] == "period"
    with pytest.raises(ValidationError):
        bindings.check({"kind": "figure", "figure": "cases:reported", "window": "decade"}, world.sub, leader)
    with pytest.raises(ValidationError):
        bindings.check({"kind": "source", "source": "cases", "params": {"measure": "nonsense"}}, world.sub, leader)
    with pytest.raises(ValidationError):
        bindings.check({"kind": "sideways"}, world.sub, leader)
    assert bindings.check({"kind": "hand", "junk": 1}, world.sub, leader) == {"kind": "hand"}
    assert "上报数" in bindings.describe(fig("cases:reported", "year")) and "本年累计" in bindings.describe(
        fig("cases:reported", "year")
    )
    assert bindings.describe({"kind": "hand"}).startswith("人工填写")


def test_an_unseen_figure_is_refused(world):
    cadre = scope_for(world.outsider)  # 阎桥村's secretary: sees neither the subdistrict's taxes nor its cases
    with pytest.raises(errors.Refused, match="无权查看"):
        bindings.check(fig("projects:tax_received"), world.sub, cadre)
    with pytest.raises(errors.Refused):
        bindings.check({"kind": "source", "source": "households", "params": {"measure": "visited"}}, world.sub, cadre)
    offered = {c.key for c in bindings.choices(world.sub, cadre, 2020)}
    assert "figure:projects:tax_received" not in offered and "hand" in offered


def test_evaluate_one_batch_per_source(world):
    version = _form(world.sub, Layout.CELLS, sample.cells_form())[1]
    maps = [
        _map(version, f"D{5 + i}", fig(key, window))
        for i, (key, window) in enumerate(
            [
                ("cases:reported", "period"),
                ("cases:closed", "period"),
                ("cases:on_time_closing_rate", "period"),
                ("households:visited", "period"),
                ("households:visits", "period"),
            ]
        )
    ]
    villages = list(history.on_day(world.sub, SEPT.end))
    with CaptureQueriesContext(connection) as few:
        bindings.evaluate(maps[:3], world.sub, SEPT, villages[:2])
    with CaptureQueriesContext(connection) as many:
        out = bindings.evaluate(maps, world.sub, SEPT, villages)
    # more cells and villages: only the households batch's queries more, never one per cell or village
    assert len(many) - len(few) <= 4
    assert len(out) == len(maps) * (len(villages) + 1)


def test_missing_data_is_never_zero(world):
    version = _form(world.sub, Layout.CELLS, sample.cells_form())[1]
    tax = _map(version, "D7", fig("projects:tax_received"))
    cases = _map(version, "D10", fig("cases:reported"))
    empty_month = periods.parse("month", "2030-01")
    out = bindings.evaluate([tax, cases], world.sub, empty_month, None)
    assert out[(tax.id, None)].origin == Origin.MISSING and out[(tax.id, None)].number is None
    assert out[(cases.id, None)].origin == Origin.MISSING
    # a village with no case while others have some: a true 0
    villages = list(history.on_day(world.sub, SEPT.end))
    res = bindings.evaluate([cases], world.sub, SEPT, villages)
    assert res[(cases.id, None)].origin == Origin.AUTO and res[(cases.id, None)].number > 0
    numbers = [res[(cases.id, v.pk)].number for v in villages]
    assert all(n is not None for n in numbers)
    assert sum(numbers) <= res[(cases.id, None)].number


def test_indicator_hand_and_period(world):
    from zhili.targets import engine

    version = _form(world.sub, Layout.CELLS, sample.cells_form())[1]
    code = world.ind_sub.code
    actual = _map(version, "D16", {"kind": "indicator", "indicator": code, "figure": "actual"})
    target = _map(version, "F16", {"kind": "indicator", "indicator": code, "figure": "target"})
    nothing = _map(version, "D15", {"kind": "indicator", "indicator": "NO-SUCH", "figure": "actual"})
    hand = _map(version, "E16", {"kind": "hand"})
    label = _map(version, sample.PERIOD_REF, {"kind": "period"})
    out = bindings.evaluate([actual, target, nothing, hand, label], world.sub, SEPT, None)
    cell = engine.compute(world.sub, 2020, SEPT.end, []).whole[world.ind_sub.pk]
    assert out[(actual.id, None)].number == cell.actual and out[(target.id, None)].number == cell.target
    assert out[(nothing.id, None)].origin == Origin.MISSING
    assert out[(hand.id, None)].origin == Origin.HAND and out[(hand.id, None)].number is None
    assert (out[(label.id, None)].origin, out[(label.id, None)].text) == (Origin.LABEL, "2020年9月")


def test_rows_behind_scoped(world):
    version = _form(world.sub, Layout.CELLS, sample.cells_form())[1]
    cm = _map(version, "D10", fig("cases:reported"))
    villages = list(history.on_day(world.sub, SEPT.end))
    out = bindings.evaluate([cm], world.sub, SEPT, villages)
    leader = scope_for(person("demo-leader"))
    whole = bindings.rows_behind(out[(cm.id, None)].trace, leader)
    assert whole.total == out[(cm.id, None)].number and whole.headers[0] == "编号"
    kong = out[(cm.id, world.kong.pk)]
    cadre = scope_for(person("demo-village"))
    mine = bindings.rows_behind(kong.trace, cadre)
    assert mine.total == kong.number and len(mine.rows) == min(mine.total, 200)
    with pytest.raises(errors.Refused):
        bindings.rows_behind(out[(cm.id, world.yan.pk)].trace, cadre)
    with pytest.raises(errors.Refused):
        bindings.rows_behind(out[(cm.id, None)].trace, cadre)


# ------------------------------------------------------------------------------------------------ done when


CELLS_MAP = [  # (row name, window, binding)
    ("固定资产投资", "period", fig("projects:investment")),
    ("固定资产投资", "year", fig("projects:investment", "year")),
    ("其中：产业园投资", "period", fig("projects:investment_park")),
    ("税收收入（实缴）", "period", fig("projects:tax_received")),
    ("税收收入（实缴）", "year", fig("projects:tax_received", "year")),
    ("在建项目个数", "period", fig("projects:building")),
    ("其中：未入库项目", "period", fig("projects:unregistered")),
    ("网格事件上报数", "period", fig("cases:reported")),
    ("网格事件上报数", "year", fig("cases:reported", "year")),
    ("结案数", "period", fig("cases:closed")),
    ("按期结案率", "period", fig("cases:on_time_closing_rate")),
    ("按期结案率", "year", fig("cases:on_time_closing_rate", "year")),
    ("走访户数", "period", fig("households:visited")),
    ("廉政谈话次数", "period", fig("party:talks")),
    ("规上工业总产值", "period", {"kind": "hand"}),
]


def _expected_cells(world) -> dict[tuple[str, str], Decimal]:
    """What the source pages show, through the apps' own queries."""
    from zhili.cases import queries as cases
    from zhili.households.models import Visit
    from zhili.party.models import IntegrityTalk
    from zhili.projects import queries as projects
    from zhili.projects.models import Project, ProjectMonth

    leader = scope_for(person("demo-leader"))
    sub = world.sub
    sept = datetime.date(2020, 9, 1)
    by_month = projects.investment_by_month(leader, sub, 2020)
    wan = Decimal(10000)
    receipts_month = projects.receipt_counts(sub, projects.ReceiptFilter(2020, 9))["total"]
    receipts_year = sum(projects.receipt_counts(sub, projects.ReceiptFilter(2020, m))["total"] for m in range(1, 10))
    building = Project.objects.filter(subdistrict=sub, archived_at__isnull=True, months__month=sept).distinct()

    def case_totals(since):
        f = cases.Filters(counted=True, since=since, until=SEPT.end)
        return cases.totals(cases.statistics(leader, sub, "village", f, now=_month_end(SEPT.end)))

    month, year = case_totals(SEPT.start), case_totals(datetime.date(2020, 1, 1))
    out = {
        ("固定资产投资", "period"): by_month[sept],
        ("固定资产投资", "year"): sum(v for m, v in by_month.items() if m <= sept),
        ("其中：产业园投资", "period"): ProjectMonth.objects.filter(
            project__subdistrict=sub, project__archived_at__isnull=True, project__in_park=True, month=sept
        ).aggregate(s=Sum("investment"))["s"],
        ("税收收入（实缴）", "period"): receipts_month / wan,
        ("税收收入（实缴）", "year"): receipts_year / wan,
        ("在建项目个数", "period"): building.count(),
        ("其中：未入库项目", "period"): building.filter(registered=False).count(),
        ("网格事件上报数", "period"): month["reported"],
        ("网格事件上报数", "year"): year["reported"],
        ("结案数", "period"): month["closed"],
        ("按期结案率", "period"): month["on_time_closing_rate"],
        ("按期结案率", "year"): year["on_time_closing_rate"],
        ("走访户数", "period"): Visit.objects.filter(
            household__subdistrict=sub, household__archived_at__isnull=True, visited_on__range=(SEPT.start, SEPT.end)
        )
        .values("household_id")
        .distinct()
        .count(),
        ("廉政谈话次数", "period"): IntegrityTalk.objects.filter(
            region__path__startswith=sub.path, day__range=(SEPT.start, SEPT.end)
        ).count(),
    }
    return {k: _q4(v) for k, v in out.items()}


def test_done_when_cells_form_is_filled_exactly(world):
    content = sample.cells_form()
    form, version = _form(world.sub, Layout.CELLS, content)
    for name, window, binding in CELLS_MAP:
        _map(version, sample.cells_ref(name, window), binding)
    _map(version, sample.PERIOD_REF, {"kind": "period"})
    filing = _filing(form, version)
    fill.refill(filing)
    filing.refresh_from_db()
    expected = _expected_cells(world)
    assert all(v > 0 for k, v in expected.items() if k[0] not in ("其中：未入库项目", "结案数")), expected
    out = fill.workbook(filing)
    ws = _read(out, "经济运行月报表")
    for (name, window), value in expected.items():
        got = ws[sample.cells_ref(name, window)].value
        assert got is not None and _q4(got) == value, (name, window, got, value)
        assert isinstance(got, int | float)
    assert ws[sample.PERIOD_REF].value == "2020年9月"
    assert ws[sample.cells_ref("规上工业总产值", "period")].value is None  # a hand cell, not typed yet
    assert (filing.auto_cells, filing.hand_cells, filing.missing_cells) == (len(expected) + 1, 1, 0)
    assert fill.counts(filing) == (len(expected) + 1, 1, 0)
    assert filing.filled_at is not None and filing.problems == []
    _assert_same_formatting(content, out)
    # a typed hand value survives a refill, and is written
    typed = FilingValue.objects.get(filing=filing, ref=sample.cells_ref("规上工业总产值", "period"))
    typed.number, typed.entered_at, typed.entered_by = Decimal("5678.9"), filing.filled_at, person("demo-economy")
    typed.save()
    fill.refill(filing)
    typed.refresh_from_db()
    assert typed.number == Decimal("5678.9") and typed.origin == Origin.HAND
    assert _read(fill.workbook(filing))[typed.ref].value == 5678.9


ROWS_MAP = [  # (group, sub-column, binding)
    ("道路硬化（公里）", "计划", {"kind": "hand"}),
    ("道路硬化（公里）", "本月完成", fig("ledger:road-hardening:sum:length:finished_on")),
    ("道路硬化（公里）", "累计完成", fig("ledger:road-hardening:sum:length:finished_on", "year")),
    ("自来水改造（户）", "本月完成", fig("ledger:drinking-water:sum:households:finished_on")),
    ("自来水改造（户）", "累计完成", fig("ledger:drinking-water:sum:households:finished_on", "year")),
    ("燃气入户（户）", "本月完成", fig("ledger:gas-conversion:count:finished_on")),
    ("燃气入户（户）", "累计完成", fig("ledger:gas-conversion:count:finished_on", "year")),
    ("改厕（户）", "累计完成", fig("ledger:public-toilets:count")),
]


def _ledger_expected(sub, code: str, field: str | None, date_field: str | None, start, end) -> dict[str, Decimal]:
    """{village code: the figure} from the ledger's own rows."""
    from zhili.ledgers.models import LedgerRow

    out: dict[str, Decimal] = {}
    for row in LedgerRow.objects.active().filter(ledger__region=sub, ledger__code=code).select_related("region"):
        day = row.data.get(date_field) if date_field else None
        if date_field and not (day and start.isoformat() <= day <= end.isoformat()):
            continue
        code_of = row.region.code if row.region.level == 4 else row.region.parent.code
        value = Decimal(str(row.data.get(field) or 0)) if field else Decimal(1)
        out[code_of] = out.get(code_of, Decimal(0)) + value
    return out


def test_done_when_rows_form_is_filled_exactly(world):
    villages = list(history.on_day(world.sub, SEPT.end))
    names = [v.name for v in villages]
    content = sample.rows_form(names)
    guessed = sheet.guess_rows(content, None, names)
    form, version = _form(world.sub, Layout.ROWS, content, rows=guessed)
    for group, sub_col, binding in ROWS_MAP:
        _map(version, sample.rows_col(group, sub_col), binding)
    filing = _filing(form, version)
    fill.refill(filing)
    filing.refresh_from_db()
    assert filing.problems == []
    assert FilingVillage.objects.filter(filing=filing).count() == len(villages)
    ws = _read(fill.workbook(filing), "民生实事进度")
    year_start = datetime.date(2020, 1, 1)
    checked = 0
    for group, sub_col, binding in ROWS_MAP[1:]:
        parts = binding["figure"].split(":")
        code, measure = parts[1], parts[2]
        field = parts[3] if measure == "sum" else None
        date_field = parts[-1] if len(parts) > (4 if measure == "sum" else 3) else None
        start = year_start if binding["window"] == "year" else SEPT.start
        expected = _ledger_expected(world.sub, code, field, date_field, start, SEPT.end)
        col = sample.rows_col(group, sub_col)
        for i, v in enumerate(villages):
            got = ws[f"{col}{guessed['first_row'] + i}"].value
            assert _q4(got) == _q4(expected.get(v.code, 0)), (group, sub_col, v.name, got)
            checked += bool(expected.get(v.code))
        total = ws[f"{col}{guessed['total_row']}"].value
        assert _q4(total) == _q4(sum(expected.values(), Decimal(0))), (group, sub_col)
    assert checked > 0
    plan = sample.rows_col("道路硬化（公里）", "计划")
    assert ws[f"{plan}{guessed['first_row']}"].value is None  # a hand column, not typed yet
    assert (filing.hand_cells, filing.missing_cells) == (len(villages), 0)
    _assert_same_formatting(content, fill.workbook(filing))
    # once every village typed its plan, the total row adds them up
    for n, value in enumerate(FilingValue.objects.filter(filing=filing, cell_map__ref=plan, village__isnull=False)):
        value.number, value.entered_at = Decimal(n + 1), filing.filled_at
        value.save()
    fill.settle_totals(filing)
    total = FilingValue.objects.get(filing=filing, ref=f"{plan}{guessed['total_row']}")
    assert total.number == sum(range(1, len(villages) + 1))
    assert _read(fill.workbook(filing))[f"{plan}{guessed['total_row']}"].value == sum(range(1, len(villages) + 1))


def test_rows_form_names_problems(world):
    villages = list(history.on_day(world.sub, SEPT.end))
    names = [v.name for v in villages[1:]] + ["不存在村"]
    content = sample.rows_form(names)
    form, version = _form(world.sub, Layout.ROWS, content, rows=sheet.guess_rows(content, None, names[:-1]))
    version.last_row = sample.ROWS_FIRST + len(names) - 1
    version.total_row = sample.ROWS_FIRST + len(names)
    version.save()
    _map(version, "D", fig("cases:reported"))
    filing = _filing(form, version)
    fill.refill(filing)
    filing.refresh_from_db()
    text = " ".join(filing.problems)
    assert "不存在村" in text and villages[0].name in text
    assert FilingVillage.objects.filter(filing=filing).count() == len(villages) - 1
