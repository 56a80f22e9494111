"""Taiping's upward reports (上报) in 2020 (synthetic: 演示数据; deterministic, idempotent).

Three forms of the kind a district sends a subdistrict, built here with openpyxl as the district's offices would
make them (a merged title, a 填报单位/报送期 line, two header rows with their units, a column-number row, borders,
fills, widths, the 单位负责人/审核人/填报人 lines and a 填报说明 sheet), uploaded, mapped to Zhili's figures and filed
through the chain's own actions (`zhili.reports.actions`) for every 2020 period ended by the demo's day
(clock.today(), 2020-11-20):

- 民生实事村级进度月报表 (`ROWS`, 城管办): one row per village — roads (户户通硬化路), water (饮水攻坚), gas
  (气代煤), toilets (村级公厕) from the ledgers; one column (户厕改造) Zhili does not hold, typed by each
  village's cadres, who then confirm their row. January–October; October still being filled (孔家坊村 and
  two other villages have not typed their row yet: demo-village's to-do).
- 经济运行情况月报表 (`CELLS`, 经发办): investment, tax, projects from the projects' records; 规上工业总产值 by
  hand. January–October: August returned once by the leader with a comment and fixed; May approved, sent and
  then corrected (version 2 with its reason); October waiting for the leader's approval.
- 环境整治周报表 (`CELLS`, 城管办): cases reported and closed, closure rates, patrols; 媒体曝光问题 by hand.
  Weeks 2–46 (week 1 began in 2019, before the demo's records); W46 waiting for review.

Each filing runs: 城管办/经发办 fetches the figures (取数), the villages type and confirm their rows, the office
submits, a deputy leader (分管副主任) reviews, 周太平 (demo-leader) approves, the office marks it sent — each step
dated a few working days after the period's end. Over 90 % of the cells are filled by Zhili.

The villages' hand cells and confirmations are written in bulk (as the ledgers' rows are): the same values and
steps the actions would write, without an audit entry per village (the load adds ~10 s to the demo's, most of it
the 民生实事 table's 1,000 cells a month).
`without_reports(sub)` deletes it all (for tests that start from nothing).
"""

from __future__ import annotations

import datetime
import io
import random
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from zhili.core import clock, workdays
from zhili.people.models import Person, Role, RoleAssignment, Unit
from zhili.people.scope import scope_for
from zhili.regions.models import Region

YEAR = 2020
SEED = 2020_16
NOTE = "演示数据：表样由演示程序生成，格式仿照区级部门下发的报表。"
KONG = "孔家坊村"
LATE_VILLAGES = 3  # 孔家坊村 and two others have not typed October's row yet
RETURNED = ("JJ-01", "2020-08")
RETURN_COMMENT = "规上工业总产值与区统计局联网直报数不一致，请核实后重新提交。"
CORRECTED = ("JJ-01", "2020-05")
CORRECTION_REASON = "区统计局反馈：5月规上工业总产值按联网直报数更正，重新报送。"

THIN = Side(style="thin", color="000000")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEAD_FILL = PatternFill("solid", fgColor="DDEBF7")
TOTAL_FILL = PatternFill("solid", fgColor="FFF2CC")
TITLE_FONT = Font(name="方正小标宋简体", size=18)
HEAD_FONT = Font(name="黑体", size=10, bold=True)
BODY_FONT = Font(name="宋体", size=10)
SMALL_FONT = Font(name="宋体", size=9)
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)
RIGHT = Alignment(horizontal="right", vertical="center")


# ---- the superiors' workbooks ----------------------------------------------------------------------------------


def _bytes(wb: Workbook) -> bytes:
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _head(ws, cells: str, text: str) -> None:
    first = cells.split(":")[0]
    ws[first] = text
    if ":" in cells:
        ws.merge_cells(cells)
    for row in ws[cells] if ":" in cells else ((ws[first],),):
        for c in row:
            c.font, c.fill, c.alignment, c.border = HEAD_FONT, HEAD_FILL, CENTER, BOX


def _notes(wb: Workbook, lines: list[str]) -> None:
    ws = wb.create_sheet("填报说明")
    ws.column_dimensions["A"].width = 96
    ws["A1"] = "填报说明"
    ws["A1"].font = HEAD_FONT
    for i, line in enumerate(lines, start=2):
        ws.cell(i, 1, line).alignment = LEFT


# 民生实事村级进度月报表: the village columns, C onwards — (group, column header, number format)
WORKS_COLUMNS = [
    ("户户通硬化路", "硬化长度（米）", "0.0"),
    ("户户通硬化路", "硬化面积（平方米）", "0.0"),
    ("户户通硬化路", "通达户数（户）", "0"),
    ("饮水攻坚", "受益户数（户）", "0"),
    ("饮水攻坚", "新建改造管网（米）", "0"),
    ("气代煤改造", "已验收户数（户）", "0"),
    ("气代煤改造", "改造户数（户）", "0"),
    ("气代煤改造", "补贴金额（元）", "#,##0.00"),
    ("农村改厕", "村级公厕（处）", "0"),
    ("农村改厕", "公厕概算（万元）", "0.00"),
    ("农村改厕", "户厕改造（户）", "0"),
]
WORKS_FIRST = 6  # first village row: title, 填报单位, two header rows, the column-number row


def works_form(village_names: list[str]) -> bytes:
    """民生实事村级进度月报表 as 区民生实事专班 sends it: one row per village, a 合计 row below them."""
    wb = Workbook()
    ws = wb.active
    ws.title = "民生实事进度"
    last = 2 + len(WORKS_COLUMNS) + 1  # … and 备注
    last_col = get_column_letter(last)
    ws.merge_cells(f"A1:{last_col}1")
    ws["A1"] = "民生实事村级进度月报表"
    ws["A1"].font, ws["A1"].alignment = TITLE_FONT, CENTER
    ws.row_dimensions[1].height = 40
    ws.merge_cells("A2:F2")
    ws["A2"] = "填报单位：太平街道办事处（盖章）"
    ws["A2"].font = BODY_FONT
    ws.cell(2, last - 2, "表号：济民生月1表").font = SMALL_FONT
    _head(ws, "A3:A4", "序号")
    _head(ws, "B3:B4", "村（社区）名称")
    col = 3
    while col < last:
        group = WORKS_COLUMNS[col - 3][0]
        span = sum(1 for g, _h, _f in WORKS_COLUMNS if g == group)
        _head(ws, f"{get_column_letter(col)}3:{get_column_letter(col + span - 1)}3", group)
        for k in range(span):
            _head(ws, f"{get_column_letter(col + k)}4", WORKS_COLUMNS[col - 3 + k][1])
        col += span
    _head(ws, f"{last_col}3:{last_col}4", "备注")
    ws.row_dimensions[3].height = 24
    ws.row_dimensions[4].height = 42
    for c, n in enumerate(["甲", "乙", *range(1, len(WORKS_COLUMNS) + 1), "丙"], start=1):
        cell = ws.cell(5, c, n)
        cell.font, cell.alignment, cell.border = SMALL_FONT, CENTER, BOX
    total = WORKS_FIRST + len(village_names)
    for i, name in enumerate(village_names):
        r = WORKS_FIRST + i
        ws.cell(r, 1, i + 1)
        ws.cell(r, 2, name)
        ws.row_dimensions[r].height = 18
    ws.cell(total, 1, "合计")
    ws.merge_cells(f"A{total}:B{total}")
    for r in range(WORKS_FIRST, total + 1):
        for c in range(1, last + 1):
            cell = ws.cell(r, c)
            cell.border = BOX
            cell.font = Font(name="宋体", size=10, bold=r == total)
            cell.alignment = CENTER if c == 1 or (r == total and c <= 2) else (LEFT if c in (2, last) else RIGHT)
            if 3 <= c < last:
                cell.number_format = WORKS_COLUMNS[c - 3][2]
            if r == total:
                cell.fill = TOTAL_FILL
    ws.cell(total + 2, 1, "单位负责人：").font = BODY_FONT
    ws.cell(total + 2, 5, "审核人：").font = BODY_FONT
    ws.cell(total + 2, 9, "填报人：").font = BODY_FONT
    ws.cell(total + 2, 12, "联系电话：").font = BODY_FONT
    widths = [5, 14, 10, 11, 9, 9, 10, 10, 9, 12, 9, 10, 9, 16]
    for c, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(c)].width = w
    ws.freeze_panes = f"C{WORKS_FIRST}"
    _notes(
        wb,
        [
            "1. 本表由各街道（镇）汇总所辖村（社区）数据，每月15个工作日内报区民生实事工作专班办公室。",
            "2. 各栏均填自年初至本月末的累计数；无数据的填0，不得空项。",
            "3. 合计行由街道汇总，应等于各村（社区）之和。",
        ],
    )
    return _bytes(wb)


@dataclass(frozen=True)
class Line:
    """A row of a CELLS form: 序号, 指标名称, 单位, number format; the period's and the year's bindings (None:
    the cell is left blank — 本年累计 of a figure that has none)."""

    seq: str
    name: str
    unit: str
    fmt: str
    period: dict | None
    year: dict | None


def _cells_form(*, title: str, sheet: str, number: str, columns: tuple[str, str], lines: list[Line], notes: list[str]):
    """A CELLS form: 序号 | 指标名称 | 计量单位 | 本期 | 本年累计 | 备注, with the 报送期 cell at E2."""
    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    ws.merge_cells("A1:F1")
    ws["A1"] = title
    ws["A1"].font, ws["A1"].alignment = TITLE_FONT, CENTER
    ws.row_dimensions[1].height = 40
    ws.merge_cells("A2:C2")
    ws["A2"] = "填报单位：济阳区太平街道办事处（盖章）"
    ws["A2"].font = BODY_FONT
    ws["D2"] = "报送期："
    ws["D2"].alignment = RIGHT
    ws["E2"].number_format = "@"  # the period's label is written here
    ws["F2"] = number
    ws["F2"].font, ws["F2"].alignment = SMALL_FONT, RIGHT
    _head(ws, "A3:A4", "序号")
    _head(ws, "B3:B4", "指标名称")
    _head(ws, "C3:C4", "计量单位")
    _head(ws, "D3:E3", "完成情况")
    _head(ws, "D4", columns[0])
    _head(ws, "E4", columns[1])
    _head(ws, "F3:F4", "备注")
    ws.row_dimensions[3].height = 22
    ws.row_dimensions[4].height = 22
    for i, line in enumerate(lines, start=5):
        ws.cell(i, 1, line.seq)
        ws.cell(i, 2, line.name)
        ws.cell(i, 3, line.unit)
        for c in range(1, 7):
            cell = ws.cell(i, c)
            cell.border = BOX
            cell.font = Font(name="宋体", size=10, bold=bool(line.seq))
            cell.alignment = LEFT if c == 2 else (CENTER if c in (1, 3) else RIGHT)
            if c in (4, 5):
                cell.number_format = line.fmt
        if line.year is None:
            ws.cell(i, 5, "—").alignment = CENTER
        ws.row_dimensions[i].height = 20
    foot = 5 + len(lines) + 1
    ws.cell(foot, 1, "单位负责人：").font = BODY_FONT
    ws.cell(foot, 3, "审核人：").font = BODY_FONT
    ws.cell(foot, 5, "填报人：").font = BODY_FONT
    ws.cell(foot + 1, 1, "联系电话：").font = BODY_FONT
    ws.cell(foot + 1, 5, "报出日期：    年  月  日").font = BODY_FONT
    for c, w in enumerate([6, 30, 10, 14, 14, 18], start=1):
        ws.column_dimensions[get_column_letter(c)].width = w
    ws.freeze_panes = "D5"
    _notes(wb, notes)
    return _bytes(wb)


def line_refs(lines: list[Line]) -> list[tuple[str, dict]]:
    """(ref, binding) of each mapped cell of a CELLS form built by _cells_form."""
    out = []
    for i, line in enumerate(lines, start=5):
        if line.period is not None:
            out.append((f"D{i}", line.period))
        if line.year is not None:
            out.append((f"E{i}", line.year))
    return out


# ---- the bindings ----------------------------------------------------------------------------------------------

HAND = {"kind": "hand"}
PERIOD = {"kind": "period"}


def _fig(key: str, window: str) -> dict:
    """One of Zhili's named figures (bindings.FIGURES) for the period or the year to its end."""
    return {"kind": "figure", "figure": key, "window": window}


def _pair(key: str) -> tuple[dict, dict]:
    return _fig(key, "period"), _fig(key, "year")


def _stock(key: str) -> dict:
    """A ledger figure as it stands at the period's end (rows need no date to count)."""
    return {"kind": "figure", "figure": f"ledger:{key}", "window": "year"}


def works_bindings() -> list[dict]:
    """The village columns' bindings, in WORKS_COLUMNS' order: the ledgers' figures by village; the accepted
    gas conversions are the ledger's rows filtered on their 验收状态 (a source binding: no named figure has it)."""
    accepted = {"ledger": "gas-conversion", "measure": "count", "filter": {"status": "已验收"}}
    return [
        _stock("road-hardening:sum:length"),
        _stock("road-hardening:sum:area"),
        _stock("road-hardening:sum:households"),
        _stock("drinking-water:sum:households"),
        _stock("drinking-water:sum:pipe_length"),
        {"kind": "source", "source": "ledger", "params": accepted, "window": "year"},
        _stock("gas-conversion:count"),
        _stock("gas-conversion:sum:subsidy"),
        _stock("public-toilets:count"),
        _stock("public-toilets:sum:budget"),
        HAND,
    ]


def economy_lines() -> list[Line]:
    """经济运行情况月报表: investment, tax and projects from the projects' records; 规上工业总产值 by hand."""
    return [
        Line("一", "固定资产投资完成额", "万元", "#,##0.00", *_pair("projects:investment")),
        Line("", "其中：绿色建设产业园", "万元", "#,##0.00", *_pair("projects:investment_park")),
        Line("二", "税收收入（实缴）", "万元", "#,##0.00", *_pair("projects:tax_received")),
        Line("", "其中：在建项目应缴税款", "万元", "#,##0.00", *_pair("projects:expected_tax")),
        Line("三", "在建项目", "个", "0", *_pair("projects:building")),
        Line("", "其中：新开工项目", "个", "0", *_pair("projects:started")),
        Line("", "其中：应统未统项目", "个", "0", *_pair("projects:unregistered")),
        Line("四", "规模以上工业总产值", "万元", "#,##0.00", HAND, None),
    ]


def _cases(window: str, **params) -> dict:
    """Cases reported, of one category or from one source (a source binding: no named figure has the filter)."""
    return {"kind": "source", "source": "cases", "params": {"measure": "reported", **params}, "window": window}


def environment_lines() -> list[Line]:
    """环境整治周报表: the grid cases of the week and of the year, patrols; 媒体曝光问题 by hand."""
    appearance, patrol = {"category": "sj-appearance"}, {"source": "patrol"}
    return [
        Line("一", "网格事件上报数", "件", "0", *_pair("cases:reported")),
        Line("", "其中：市容环境类", "件", "0", _cases("period", **appearance), _cases("year", **appearance)),
        Line("", "其中：网格员巡查发现", "件", "0", _cases("period", **patrol), _cases("year", **patrol)),
        Line("二", "结案数", "件", "0", *_pair("cases:closed")),
        Line("", "按期结案数", "件", "0", *_pair("cases:closed_on_time")),
        Line("三", "结案率", "%", "0.0", *_pair("cases:closing_rate")),
        Line("", "按期结案率", "%", "0.0", *_pair("cases:on_time_closing_rate")),
        Line("四", "网格巡查次数", "次", "0", *_pair("patrols")),
        Line("五", "媒体曝光问题", "件", "0", HAND, None),
    ]


@dataclass(frozen=True)
class FormSpec:
    code: str
    name: str
    requester: str
    receiver: str
    frequency: str
    deadline_days: int
    unit: str
    layout: str
    filename: str


def specs() -> list[FormSpec]:
    from zhili.reports.models import Frequency, Layout

    return [
        FormSpec(
            "MS-01",
            "民生实事村级进度月报表",
            "济阳区民生实事工作专班",
            "区政府督查室",
            Frequency.MONTH,
            15,
            "urban",
            Layout.ROWS,
            "民生实事村级进度月报表（济民生月1表）.xlsx",
        ),
        FormSpec(
            "JJ-01",
            "经济运行情况月报表",
            "济阳区统计局",
            "综合统计科",
            Frequency.MONTH,
            5,
            "economy",
            Layout.CELLS,
            "街道经济运行情况月报表（济统月1表）.xlsx",
        ),
        FormSpec(
            "HJ-01",
            "环境整治周报表",
            "济阳区城乡环境综合整治指挥部办公室",
            "督导科",
            Frequency.WEEK,
            2,
            "urban",
            Layout.CELLS,
            "城乡环境综合整治周报表（济环整周1表）.xlsx",
        ),
    ]


def workbook_of(spec: FormSpec, village_names: list[str]) -> tuple[bytes, list[tuple[str, dict]]]:
    """The superior's file for `spec` and its mapped cells (ref, binding)."""
    if spec.code == "MS-01":
        refs = [(get_column_letter(3 + k), b) for k, b in enumerate(works_bindings())]
        return works_form(village_names), refs
    if spec.code == "JJ-01":
        lines = economy_lines()
        content = _cells_form(
            title="街道经济运行情况月报表",
            sheet="经济运行",
            number="表号：济统月1表",
            columns=("本月", "本年累计"),
            lines=lines,
            notes=[
                "1. 本表由各街道（镇）经发办填报，每月5个工作日内报区统计局综合统计科。",
                "2. 金额单位：万元，保留两位小数。",
                "3. 税收收入按税务部门反馈的实缴入库数（所属期）填报。",
            ],
        )
        return content, [("E2", PERIOD), *line_refs(lines)]
    lines = environment_lines()
    content = _cells_form(
        title="城乡环境综合整治工作周报表",
        sheet="环境整治周报",
        number="表号：济环整周1表",
        columns=("本周", "本年累计"),
        lines=lines,
        notes=[
            "1. 本表每周一次，周一至周日为一期，于次周2个工作日内报区环境整治指挥部办公室督导科。",
            "2. 结案率、按期结案率按应结案件计算，保留一位小数。",
        ],
    )
    return content, [("E2", PERIOD), *line_refs(lines)]


# ---- the year's filings ----------------------------------------------------------------------------------------


def _at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def _working(day: datetime.date, n: int) -> datetime.date:
    return workdays.add_working_days(_at(day, 12), n).date()


class _Actors:
    """Who takes each step: the office's officer (its demo login), a deputy leader reviews, demo-leader approves."""

    def __init__(self, sub: Region, people: dict[str, Person], leaders: list[Person]):
        self.leader = people["demo-leader"]
        self.deputy = next((p for p in leaders if p.pk != self.leader.pk), self.leader)
        self.officers = {"economy": people["demo-economy"], "urban": people["demo-urban"]}
        self.scopes: dict[int, object] = {}

    def scope(self, who: Person):
        if who.pk not in self.scopes:
            self.scopes[who.pk] = scope_for(who)
        return self.scopes[who.pk]


def _hand_number(rng: random.Random, spec: FormSpec, month: int) -> str:
    if spec.code == "JJ-01":
        return f"{rng.randint(21000, 26000) + 450 * month}.{rng.randint(0, 99):02d}"  # 规上工业总产值, 万元
    return str(rng.choice([0, 0, 0, 1, 1, 2]))  # 媒体曝光问题, 件


def _type_hand(filing, spec: FormSpec, rng: random.Random, actors: _Actors, who: Person, month: int) -> None:
    """The subdistrict's hand cells (CELLS forms), typed by the office through the action."""
    from zhili.reports import actions
    from zhili.reports.models import FilingValue, Origin

    for value in FilingValue.objects.filter(filing=filing, village__isnull=True).order_by("pk"):
        if value.origin in (Origin.HAND, Origin.MISSING) and value.number is None and not value.text:
            actions.do_enter_value(
                value, _hand_number(rng, spec, month), revision=value.revision, actor=who, scope=actors.scope(who)
            )


def _village_rows(filing, rng: random.Random, cadres: dict[int, Person], at: datetime.datetime, skip: set[int]):
    """The villages' hand cells typed and their rows confirmed, in bulk (see the module's note)."""
    from zhili.reports import fill
    from zhili.reports.models import FilingStep, FilingValue, FilingVillage, Origin, Step

    values = list(
        FilingValue.objects.filter(filing=filing, village__isnull=False, origin__in=(Origin.HAND, Origin.MISSING))
    )
    typed = []
    for v in values:
        if v.village_id in skip or v.number is not None:
            continue
        v.origin, v.number = Origin.HAND, Decimal(rng.choice([0, 0, 2, 3, 5, 8, 12]))
        v.entered_by, v.entered_at = cadres.get(v.village_id or 0), at
        typed.append(v)
    FilingValue.objects.bulk_update(typed, ["origin", "number", "entered_by", "entered_at"])
    rows = [r for r in FilingVillage.objects.filter(filing=filing) if r.village_id not in skip]
    for r in rows:
        r.confirmed_by, r.confirmed_at = cadres.get(r.village_id), at
    FilingVillage.objects.bulk_update(rows, ["confirmed_by", "confirmed_at"])
    FilingStep.objects.bulk_create(
        FilingStep(filing=filing, step=Step.CONFIRMED, actor=cadres.get(r.village_id), village_id=r.village_id, at=at)
        for r in rows
    )
    fill.settle_totals(filing)  # the 合计 row's hand column and the counts, now that the villages typed theirs
    filing.refresh_from_db()


def _date_steps(filing, when: dict, since: datetime.datetime) -> None:
    """Date the chain's steps as they happened: the actions stamp them with the moment of the load (on or after
    `since`, the demo's day), and each step still so stamped gets its day of `when`."""
    from zhili.reports.models import Filing, FilingStep, Step

    for step, at in when.items():
        FilingStep.objects.filter(filing=filing, step=step, at__gte=since).exclude(step=Step.CONFIRMED).update(at=at)
    fields = {
        "filled_at": when.get(Step.FILLED),
        "approved_at": when.get(Step.APPROVED),
        "sent_at": when.get(Step.SENT),
    }
    Filing.objects.filter(pk=filing.pk).update(**{k: v for k, v in fields.items() if v is not None})


def _file(form, spec: FormSpec, period, *, actors: _Actors, rng: random.Random, cadres, stop: str, late: set[int]):
    """One period's filing through the chain, up to `stop` ("filling", "review", "approval" or "sent"): fetched,
    typed (and the villages' rows confirmed) and submitted on the first working day after the period, reviewed
    that afternoon, approved and sent the next day; the returned one a day later."""
    from zhili.reports import actions
    from zhili.reports.models import Layout, Step

    officer = actors.officers[spec.unit]
    o_scope = actors.scope(officer)
    since = _at(clock.today(), 0)
    d1, d2, d3 = (_working(period.end, k) for k in (1, 2, 3))
    filing = actions.do_fill_filing(form, period.key, actor=officer, scope=o_scope)
    when = {Step.FILLED: _at(d1, 9, 10)}
    if spec.layout == Layout.ROWS:
        _village_rows(filing, rng, cadres, _at(d1, 10), late if stop == "filling" else set())
    else:
        _type_hand(filing, spec, rng, actors, officer, period.end.month)
    if stop == "filling":
        _date_steps(filing, when, since)
        return filing
    filing.refresh_from_db()
    filing = actions.do_submit_filing(filing, actor=officer, scope=o_scope)
    when[Step.SUBMITTED] = _at(d1, 11)
    if stop != "review":
        filing = actions.do_review_filing(filing, actor=actors.deputy, scope=actors.scope(actors.deputy))
        when[Step.REVIEWED] = _at(d1, 15)
    if stop in ("review", "approval"):
        _date_steps(filing, when, since)
        return filing
    approve_day = d2
    if (spec.code, period.key) == RETURNED:
        filing = actions.do_return_filing(
            filing, RETURN_COMMENT, actor=actors.leader, scope=actors.scope(actors.leader)
        )
        when[Step.RETURNED] = _at(d2, 8, 40)
        _date_steps(filing, when, since)
        _retype(filing, rng, actors, officer)
        filing = actions.do_submit_filing(filing, actor=officer, scope=o_scope)
        filing = actions.do_review_filing(filing, actor=actors.deputy, scope=actors.scope(actors.deputy))
        when = {Step.SUBMITTED: _at(d2, 11), Step.REVIEWED: _at(d2, 14)}
        approve_day = d3
    filing = actions.do_approve_filing(filing, actor=actors.leader, scope=actors.scope(actors.leader))
    filing = actions.do_mark_sent(filing, actor=officer, scope=o_scope)
    when[Step.APPROVED] = _at(approve_day, 9, 20)
    when[Step.SENT] = _at(approve_day, 10, 30)
    _date_steps(filing, when, since)
    return filing


def _retype(filing, rng: random.Random, actors: _Actors, officer: Person) -> None:
    """The office fixes what the leader returned: the hand cells typed again."""
    from zhili.reports import actions
    from zhili.reports.models import FilingValue, Origin

    for value in FilingValue.objects.filter(filing=filing, origin=Origin.HAND, village__isnull=True).order_by("pk"):
        fixed = (value.number or Decimal(0)) + Decimal(rng.randint(300, 900))
        actions.do_enter_value(value, str(fixed), revision=value.revision, actor=officer, scope=actors.scope(officer))


def _correct(filing, spec: FormSpec, rng: random.Random, actors: _Actors) -> None:
    """An approved, sent filing corrected: version 2 with its reason, through the chain again."""
    from zhili.reports import actions
    from zhili.reports.models import Step

    officer = actors.officers[spec.unit]
    new = actions.do_correct_filing(filing, CORRECTION_REASON, actor=officer, scope=actors.scope(officer))
    _retype(new, rng, actors, officer)
    new = actions.do_submit_filing(new, actor=officer, scope=actors.scope(officer))
    new = actions.do_review_filing(new, actor=actors.deputy, scope=actors.scope(actors.deputy))
    new = actions.do_approve_filing(new, actor=actors.leader, scope=actors.scope(actors.leader))
    new = actions.do_mark_sent(new, actor=officer, scope=actors.scope(officer))
    day = datetime.date(YEAR, 7, 8)
    since = _at(clock.today(), 0)
    _date_steps(
        new,
        {
            Step.CORRECTED: _at(day, 9),
            Step.FILLED: _at(day, 9),
            Step.SUBMITTED: _at(day, 10),
            Step.REVIEWED: _at(day, 14),
            Step.APPROVED: _at(_working(day, 1), 9),
            Step.SENT: _at(_working(day, 1), 15),
        },
        since,
    )
    from zhili.reports.models import FilingStep

    FilingStep.objects.filter(filing=filing, step=Step.CORRECTED, at__gte=since).update(at=_at(day, 9))


def _periods(spec: FormSpec, today: datetime.date) -> list:
    from zhili.reports import periods

    # the first ISO week began in 2019, before the demo's records: the weekly form starts with week 2
    return [p for p in periods.in_year(spec.frequency, YEAR) if p.end < today and p.start.year == YEAR]


def load(summary, *, sub: Region, villages: list[Region], people: dict[str, Person], leaders: list[Person], **_):
    """Taiping's three upward forms, mapped and filed for 2020, once; counts go into `summary`."""
    try:
        from zhili.reports import actions
    except ImportError:  # the chain is not there (a worktree without it)
        return
    from zhili.reports.models import ReportForm

    today = clock.today()
    actors = _Actors(sub, people, leaders)
    units = {u.code: u for u in Unit.objects.filter(region=sub)}
    current = sorted((v for v in villages if v.valid_to is None), key=lambda v: v.code)
    names = [v.name for v in current]
    cadres: dict[int, Person] = {}
    for ra in (
        RoleAssignment.objects.filter(role=Role.VILLAGE_CADRE, region__in=current, ended_at__isnull=True)
        .select_related("person")
        .order_by("region_id", "person_id")
    ):
        cadres.setdefault(ra.region_id, ra.person)
    kong = next(v for v in current if v.name == KONG)
    rng = random.Random(SEED)
    late = {kong.pk, *(v.pk for v in rng.sample([v for v in current if v.pk != kong.pk], LATE_VILLAGES - 1))}
    leader_scope = actors.scope(actors.leader)
    for spec in specs():
        if ReportForm.objects.filter(region=sub, code=spec.code).exists():
            continue
        form = actions.do_create_form(
            sub,
            {
                "code": spec.code,
                "name": spec.name,
                "requester": spec.requester,
                "receiver": spec.receiver,
                "frequency": spec.frequency,
                "deadline_days": spec.deadline_days,
                "unit": units[spec.unit],
                "layout": spec.layout,
                "note": NOTE,
            },
            actor=actors.leader,
            scope=leader_scope,
        )
        officer = actors.officers[spec.unit]
        content, cells = workbook_of(spec, names)
        version = actions.do_upload_version(form, spec.filename, content, actor=officer, scope=actors.scope(officer))
        for ref, binding in cells:
            actions.do_map_cell(version, ref, binding, actor=officer, scope=actors.scope(officer))
        summary.add("report forms")
        summary.add("report cells mapped", len(cells))
        plan = _periods(spec, today)
        for k, period in enumerate(plan):
            last = k == len(plan) - 1
            stop = "sent"
            if last:
                stop = {"MS-01": "filling", "JJ-01": "approval", "HJ-01": "review"}[spec.code]
            filing = _file(form, spec, period, actors=actors, rng=rng, cadres=cadres, stop=stop, late=late)
            summary.add("report filings")
            if (spec.code, period.key) == CORRECTED:
                _correct(filing, spec, rng, actors)
                summary.add("report corrections")


def without_reports(sub: Region) -> None:
    """A subdistrict without the demo's upward forms, their versions, mappings and filings (for tests that start
    from nothing). Rolled back with the test."""
    from zhili.reports.models import CellMap, Filing, FilingStep, FilingValue, FilingVillage, FormVersion, ReportForm

    forms = ReportForm.objects.filter(region=sub)
    FilingStep.objects.filter(filing__form__in=forms).delete()
    FilingVillage.objects.filter(filing__form__in=forms).delete()
    FilingValue.objects.filter(filing__form__in=forms).delete()
    Filing.objects.filter(form__in=forms).update(replaces=None)
    Filing.objects.filter(form__in=forms).delete()
    CellMap.objects.filter(version__form__in=forms).delete()
    FormVersion.objects.filter(form__in=forms).delete()
    forms.delete()
