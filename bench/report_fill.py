"""report-fill: one period of two upward report forms filled by Zhili (`zhili.reports.fill.refill` + `fill.workbook`:
the figures fetched through the indicator sources, the superior's file copied with them written in), against
hand-written SQL computing the same figures and openpyxl writing the same values into the same file, in the same run.

Data (defaults): the city of `cases-list` (`cases_list.build`: 2 subdistricts of 100 villages, 3 grids a village,
the default case categories, 80,000 cases reported between 2019-01-01 and 2020-12-20, about half of them in the
measured subdistrict); its merges undone (every village valid all along: this benchmark is one period's fill, not
history); in the measured subdistrict a 道路硬化台账 ledger (`do_define_ledger`: 编号 the key, 村, 硬化长度 in 公里,
受益户数, 竣工日期, 补贴金额 in 元) with 30,000 rows (bulk_create, 20 % on grids), and 20,000 patrols
(bulk_create) in 2020. The period is 2020-11 (monthly forms); 本年累计 is 2020-01-01 to 2020-11-30.

The forms (built here with openpyxl, as a district sends them: merged title, two header rows, borders, fills, number
formats, a 填报说明 sheet), set up through the actions (`do_create_form`, `do_upload_version`, `do_map_cell`,
`do_fill_filing`) by a superuser:
- rows: 村级网格化治理情况月报表 (`Layout.ROWS`): one row per village (the sheet's names: 虚构1村, some written
  without 村, some with spaces), a 合计 row; 12 mapped columns — cases reported, closed, on-time closing rate, 群众
  上报 and reported 本年累计; patrols; the ledger's rows, rows finished in the month, the sum of its length and of
  the month's subsidies; two 人工填写 columns (a ROWS form is mapped by column: its 报送期 is typed).
- cells: 街道网格化治理与重点工作情况月报表 (`Layout.CELLS`): 17 figures (11 case figures incl. three rates, patrols, 5
  ledger figures) × (本月, 本年累计) and three 人工填写 rows × 2, the 报送期 cell: 41 cells.

What is timed — one fill of each form:
- Zhili: `fill.refill(filing)` in a transaction (the filing already filled once, as a re-fetch) then
  `fill.workbook(filing)`.
- baseline: per form three statements (cases with `COUNT(*) FILTER (…)` for both windows, patrols, ledger rows
  with JSON fields), grouped by the village path prefix (`SUBSTR(path, 1, L)`) for the rows form, the rates and
  totals in Python; then `openpyxl.load_workbook` of the same file, the same values written, `save`.
Every cell's value (and the written workbooks' cells) is compared before anything is timed.
"""

from __future__ import annotations

import datetime
import io
import random
import sys
import time
from decimal import Decimal

import bench

PERIOD = "2020-11"
P_START, P_END = datetime.date(2020, 11, 1), datetime.date(2020, 11, 30)
Y_START = datetime.date(2020, 1, 1)
PERIOD_LABEL = "2020年11月"
LEDGER_CODE = "bench-roads"
LEDGER_FIELDS = [
    {"key": "number", "label": "编号", "type": "text", "required": True},
    {"key": "village", "label": "村", "type": "region", "required": True},
    {"key": "length", "label": "硬化长度", "type": "decimal", "unit": "公里", "decimals": 3, "min": 0},
    {"key": "households", "label": "受益户数", "type": "integer", "unit": "户", "min": 0},
    {"key": "finished", "label": "竣工日期", "type": "date"},
    {"key": "subsidy", "label": "补贴金额", "type": "decimal", "unit": "元", "decimals": 2, "min": 0},
]

# (header group, column header, figure key or "hand", window): the rows form's mapped columns, from column C
ROWS_COLUMNS = [
    ("网格事件（件）", "上报数", "cases:reported", "period"),
    ("网格事件（件）", "结案数", "cases:closed", "period"),
    ("网格事件（件）", "按期结案率（%）", "cases:on_time_closing_rate", "period"),
    ("网格事件（件）", "其中：群众上报", "cases:public", "period"),
    ("网格事件（件）", "本年累计上报数", "cases:reported", "year"),
    ("网格巡查", "巡查次数（次）", "patrols", "period"),
    ("道路硬化台账", "台账条数", f"ledger:{LEDGER_CODE}:count", "period"),
    ("道路硬化台账", "本月竣工条数", f"ledger:{LEDGER_CODE}:count:finished", "period"),
    ("道路硬化台账", "硬化长度（公里）", f"ledger:{LEDGER_CODE}:sum:length", "period"),
    ("道路硬化台账", "本月竣工补贴（元）", f"ledger:{LEDGER_CODE}:sum:subsidy:finished", "period"),
    ("村级填报", "存在问题", "hand", "period"),
    ("村级填报", "村级联系人", "hand", "period"),
]
# (指标名称, 单位, figure key or "hand"): the cells form's rows, 本月 in D and 本年累计 in F
CELLS_ROWS = [
    ("网格事件上报数", "件", "cases:reported"),
    ("立案数", "件", "cases:filed"),
    ("结案数", "件", "cases:closed"),
    ("按期结案数", "件", "cases:closed_on_time"),
    ("未结案数", "件", "cases:open"),
    ("结案率", "%", "cases:closing_rate"),
    ("按期结案率", "%", "cases:on_time_closing_rate"),
    ("按期处置率", "%", "cases:on_time_handling_rate"),
    ("上级督查反馈问题数", "件", "cases:superior"),
    ("上级督查反馈问题整改数", "件", "cases:superior_closed"),
    ("群众随手拍上报数", "件", "cases:public"),
    ("网格巡查次数", "次", "patrols"),
    ("道路硬化台账条数", "条", f"ledger:{LEDGER_CODE}:count"),
    ("竣工道路条数", "条", f"ledger:{LEDGER_CODE}:count:finished"),
    ("道路硬化长度", "公里", f"ledger:{LEDGER_CODE}:sum:length"),
    ("竣工道路硬化长度", "公里", f"ledger:{LEDGER_CODE}:sum:length:finished"),
    ("竣工道路补贴金额", "元", f"ledger:{LEDGER_CODE}:sum:subsidy:finished"),
    ("网格员培训人次", "人次", "hand"),
    ("开展专项整治次数", "次", "hand"),
    ("群众满意度测评（%）", "%", "hand"),
]
ROWS_FIRST = 6  # rows form: title, 填报单位, two header rows, column numbers, then the villages
CELLS_FIRST = 5  # cells form: title, 填报单位, two header rows, then the figures


def add_arguments(group) -> None:
    group.add_argument("--rf-villages", type=int, default=100, help="villages of the measured subdistrict (100)")
    group.add_argument("--rf-cases", type=int, default=80_000, help="cases of the city (2 subdistricts; 80,000)")
    group.add_argument("--rf-ledger-rows", type=int, default=30_000, help="ledger rows (default 30,000)")
    group.add_argument("--rf-patrols", type=int, default=20_000, help="patrols in 2020 (default 20,000)")
    group.add_argument("--rf-profile", metavar="FILE", help="after timing, one more Zhili fill of each form profiled")


# ---- the superiors' files -------------------------------------------------------------------------


def _styles():
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

    thin = Side(style="thin", color="000000")
    return {
        "box": Border(left=thin, right=thin, top=thin, bottom=thin),
        "head_fill": PatternFill("solid", fgColor="D9E1F2"),
        "total_fill": PatternFill("solid", fgColor="FFF2CC"),
        "title": Font(name="方正小标宋简体", size=18, bold=True),
        "head": Font(name="黑体", size=11, bold=True),
        "body": Font(name="宋体", size=11),
        "center": Alignment(horizontal="center", vertical="center", wrap_text=True),
        "left": Alignment(horizontal="left", vertical="center", wrap_text=True),
    }


def _head(ws, st, ref_range: str, text: str) -> None:
    first = ref_range.split(":")[0]
    ws[first] = text
    if ":" in ref_range:
        ws.merge_cells(ref_range)
    for row in ws[ref_range] if ":" in ref_range else [[ws[first]]]:
        for c in row:
            c.font, c.fill, c.alignment, c.border = st["head"], st["head_fill"], st["center"], st["box"]


def _instructions(wb, st, lines: list[str]) -> None:
    ws = wb.create_sheet("填报说明")
    ws.column_dimensions["A"].width = 90
    ws["A1"] = "填报说明"
    ws["A1"].font = st["head"]
    for i, line in enumerate(lines, start=2):
        ws.cell(i, 1, line).alignment = st["left"]


def _bytes(wb) -> bytes:
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _sheet_name(name: str, i: int) -> str:
    """As offices write them: most with 村, some without, some with a space."""
    if i % 7 == 3:
        return name.removesuffix("村")
    if i % 11 == 5:
        return f"{name[:2]} {name[2:]}"
    return name


def rows_form(village_names: list[str]) -> bytes:
    """村级网格化治理情况月报表: one row per village (its 报送期 is typed: a ROWS form is mapped by column)."""
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    st = _styles()
    wb = Workbook()
    ws = wb.active
    ws.title = "村级月报"
    last = 2 + len(ROWS_COLUMNS) + 1  # 序号, 村居名称, the columns, 备注
    last_col = get_column_letter(last)
    ws.merge_cells(f"A1:{last_col}1")
    ws["A1"] = "村级网格化治理情况月报表"
    ws["A1"].font, ws["A1"].alignment = st["title"], st["center"]
    ws.row_dimensions[1].height = 40
    ws.merge_cells("A2:F2")
    ws["A2"] = "填报单位：虚构第1街道（盖章）"
    ws.cell(2, last - 2, "报送期：")
    _head(ws, st, "A3:A4", "序号")
    _head(ws, st, "B3:B4", "村居名称")
    c = 3
    while c < 3 + len(ROWS_COLUMNS):
        group = ROWS_COLUMNS[c - 3][0]
        span = sum(1 for g, *_ in ROWS_COLUMNS if g == group)
        _head(ws, st, f"{get_column_letter(c)}3:{get_column_letter(c + span - 1)}3", group)
        for k in range(span):
            _head(ws, st, f"{get_column_letter(c + k)}4", ROWS_COLUMNS[c - 3 + k][1])
        c += span
    _head(ws, st, f"{last_col}3:{last_col}4", "备注")
    for c, n in enumerate(["甲", "乙", *range(1, len(ROWS_COLUMNS) + 1), "丙"], start=1):
        ws.cell(5, c, n).alignment = st["center"]
    formats = ["0", "0", "0.0", "0", "0", "0", "0", "0", "0.000", "#,##0.00", "@", "@"]
    for i, name in enumerate(village_names):
        r = ROWS_FIRST + i
        ws.cell(r, 1, i + 1).alignment = st["center"]
        ws.cell(r, 2, _sheet_name(name, i)).alignment = st["left"]
        for c in range(1, last + 1):
            cell = ws.cell(r, c)
            cell.font, cell.border = st["body"], st["box"]
            if 3 <= c < last:
                cell.number_format = formats[c - 3]
    total = ROWS_FIRST + len(village_names)
    ws.cell(total, 1, "合计")
    ws.merge_cells(f"A{total}:B{total}")
    for c in range(1, last + 1):
        cell = ws.cell(total, c)
        cell.font, cell.fill, cell.border = st["head"], st["total_fill"], st["box"]
        if 3 <= c < last:
            cell.number_format = formats[c - 3]
    ws.cell(total + 2, 1, "审核人：")
    ws.cell(total + 2, 6, "填报人：")
    ws.column_dimensions["B"].width = 16
    for c in range(3, last + 1):
        ws.column_dimensions[get_column_letter(c)].width = 11
    _instructions(wb, st, ["1. 各村居按月填报，本年累计为自年初至本月末。", "2. 合计行由街道汇总。"])
    return _bytes(wb)


def cells_form() -> tuple[bytes, str]:
    """街道网格化治理与重点工作情况月报表: one cell per figure, 本月 (D) and 本年累计 (F), 同比 beside each."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    st = _styles()
    wb = Workbook()
    ws = wb.active
    ws.title = "街道月报"
    ws.merge_cells("A1:H1")
    ws["A1"] = "街道网格化治理与重点工作情况月报表"
    ws["A1"].font, ws["A1"].alignment = st["title"], st["center"]
    ws.merge_cells("A2:D2")
    ws["A2"] = "填报单位：虚构第1街道（盖章）"
    ws["F2"] = "报送期："
    ws["G2"].number_format = "@"
    _head(ws, st, "A3:A4", "序号")
    _head(ws, st, "B3:B4", "指标名称")
    _head(ws, st, "C3:C4", "单位")
    _head(ws, st, "D3:E3", "本月")
    _head(ws, st, "D4", "完成数")
    _head(ws, st, "E4", "同比增长（%）")
    _head(ws, st, "F3:G3", "本年累计")
    _head(ws, st, "F4", "完成数")
    _head(ws, st, "G4", "同比增长（%）")
    _head(ws, st, "H3:H4", "备注")
    for i, (name, unit, _figure) in enumerate(CELLS_ROWS):
        r = CELLS_FIRST + i
        ws.cell(r, 1, i + 1).alignment = st["center"]
        ws.cell(r, 2, name).alignment = st["left"]
        ws.cell(r, 3, unit).alignment = st["center"]
        for c in range(1, 9):
            cell = ws.cell(r, c)
            cell.font, cell.border = Font(name="宋体", size=11, bold=(i % 5 == 0)), st["box"]
            if 4 <= c <= 7:
                cell.number_format = "0.00" if unit in ("%", "公里", "元") else "0"
    foot = CELLS_FIRST + len(CELLS_ROWS) + 1
    ws.cell(foot, 1, "单位负责人：")
    ws.cell(foot, 5, "填报人：")
    ws.column_dimensions["B"].width = 28
    ws.freeze_panes = "D5"
    _instructions(wb, st, ["1. 本表由各街道综治中心填报，每月5个工作日内报送。", "2. 本年累计为1月1日至本月末。"])
    return _bytes(wb), "G2"


def rows_col(i: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(3 + i)


# ---- data -----------------------------------------------------------------------------------------


def build(args):
    from django.db import connection, transaction

    from bench import cases_list
    from bench.regions_subtree import VALID_FROM
    from zhili.cases.models import Patrol
    from zhili.ledgers.actions import do_define_ledger
    from zhili.ledgers.models import LedgerRow
    from zhili.people.models import Person
    from zhili.people.scope import Scope
    from zhili.regions.models import Level, Region

    w = cases_list.build(2 * args.rf_villages, 3, args.rf_cases)
    t0 = time.perf_counter()
    sub = w.subdistricts[0]
    rng = random.Random(1116)
    with transaction.atomic():
        Region.objects.filter(level=Level.VILLAGE).update(valid_from=VALID_FROM, valid_to=None, successor=None)
        actor = Person.objects.create(
            username="bench-reporter", full_name="基准填报员", is_superuser=True, is_staff=True, is_synthetic=True
        )
        scope = Scope(person_id=actor.pk, is_superuser=True)
        ledger = do_define_ledger(
            region=sub,
            data={
                "code": LEDGER_CODE,
                "name": "道路硬化台账",
                "level": "village",
                "key": ["number"],
                "fields": LEDGER_FIELDS,
            },
            actor=actor,
            scope=scope,
        )
        villages = list(Region.objects.filter(parent=sub, level=Level.VILLAGE).order_by("code"))
        grids = list(Region.objects.filter(parent__parent=sub, level=Level.GRID).values_list("pk", "path", "parent_id"))
        grids_of: dict[int, list[tuple[int, str]]] = {}
        for pk, path, parent in grids:
            grids_of.setdefault(parent, []).append((pk, path))
        first, span = datetime.date(2019, 1, 1), (cases_list.TODAY - datetime.date(2019, 1, 1)).days
        rows = []
        for i in range(args.rf_ledger_rows):
            v = rng.choice(villages)
            region_id = v.pk
            if rng.random() < 0.2 and grids_of.get(v.pk):
                region_id = rng.choice(grids_of[v.pk])[0]
            data = {
                "number": f"DL{i:06d}",
                "village": v.code,
                "length": f"{rng.uniform(0.05, 3):.3f}",
                "households": rng.randint(0, 80),
                "finished": (first + datetime.timedelta(days=rng.randrange(span))).isoformat(),
                "subsidy": f"{rng.uniform(1000, 200000):.2f}",
            }
            rows.append(
                LedgerRow(
                    ledger=ledger,
                    subdistrict_id=ledger.region_id,
                    version_id=ledger.current_version_id,
                    region_id=region_id,
                    data=data,
                    key_value=data["number"],
                    created_by=actor,
                    modified_by=actor,
                )
            )
        LedgerRow.objects.bulk_create(rows, batch_size=5000)
        all_grids = list(Region.objects.filter(level=Level.GRID).values_list("pk", "path"))
        subdistricts = dict(Region.objects.filter(level=Level.SUBDISTRICT).values_list("path", "pk"))
        year = cases_list._local_midnight(Y_START)
        seconds = (cases_list._local_midnight(cases_list.TODAY) - year).total_seconds()
        patrols = [
            Patrol(
                inspector=actor,
                grid_id=pk,
                path=path,
                subdistrict_id=subdistricts[Region.path_at(path, Level.SUBDISTRICT)],
                started_at=year + datetime.timedelta(seconds=rng.uniform(0, seconds)),
            )
            for pk, path in (rng.choice(all_grids) for _ in range(args.rf_patrols))
        ]
        Patrol.objects.bulk_create(patrols, batch_size=5000)
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    print(
        f"report-fill: ledger of {args.rf_ledger_rows:,} rows, {args.rf_patrols:,} patrols in "
        f"{time.perf_counter() - t0:.1f} s",
        file=sys.stderr,
        flush=True,
    )
    w.actor, w.scope, w.ledger, w.villages = actor, scope, ledger, villages
    return w


def _forms(w):
    """Both forms created, uploaded, mapped and filled once through the actions; returns their filings."""
    from zhili.reports import actions
    from zhili.reports.models import Layout

    sub, actor, scope = w.sub, w.actor, w.scope
    out = {}
    content = rows_form([v.name for v in w.villages])
    form = actions.do_create_form(
        sub,
        {"code": "BR-01", "name": "村级网格化治理情况月报表", "requester": "区综治中心", "layout": Layout.ROWS},
        actor=actor,
        scope=scope,
    )
    version = actions.do_upload_version(form, "村级月报.xlsx", content, actor=actor, scope=scope)
    for i, (_g, _h, figure, window) in enumerate(ROWS_COLUMNS):
        binding = {"kind": "hand"} if figure == "hand" else {"kind": "figure", "figure": figure, "window": window}
        actions.do_map_cell(version, rows_col(i), binding, actor=actor, scope=scope)
    out["rows"] = actions.do_fill_filing(form, PERIOD, actor=actor, scope=scope)

    content, period_ref = cells_form()
    form = actions.do_create_form(
        sub,
        {
            "code": "BR-02",
            "name": "街道网格化治理与重点工作情况月报表",
            "requester": "区委政法委",
            "layout": Layout.CELLS,
        },
        actor=actor,
        scope=scope,
    )
    version = actions.do_upload_version(form, "街道月报.xlsx", content, actor=actor, scope=scope)
    for i, (_name, _unit, figure) in enumerate(CELLS_ROWS):
        for col, window in (("D", "period"), ("F", "year")):
            binding = {"kind": "hand"} if figure == "hand" else {"kind": "figure", "figure": figure, "window": window}
            actions.do_map_cell(version, f"{col}{CELLS_FIRST + i}", binding, actor=actor, scope=scope)
    actions.do_map_cell(version, period_ref, {"kind": "period"}, actor=actor, scope=scope)
    out["cells"] = actions.do_fill_filing(form, PERIOD, actor=actor, scope=scope)
    return out


# ---- hand-written SQL ------------------------------------------------------------------------------

# cases: what each measure counts among the window's cases (zhili.cases.queries.counts), %(now)s the window's end
CASE_FILTERS = {
    "reported": "TRUE",
    "filed": "filed_at IS NOT NULL",
    "closed": "closed_at IS NOT NULL",
    "closed_on_time": "closed_on_time",
    "open": "state IN ({open_states})",
    "due": "filed_at IS NOT NULL AND (closed_at IS NOT NULL OR deadline <= %(now)s)",
    "due_handling": "dispatched_at IS NOT NULL AND (handled_at IS NOT NULL OR deadline <= %(now)s)",
    "handled_on_time": "dispatched_at IS NOT NULL AND (handled_at IS NOT NULL OR deadline <= %(now)s)"
    " AND handled_on_time",
    "public": "source = 'public'",
    "superior": "source = 'superior'",
    "superior_closed": "source = 'superior' AND closed_at IS NOT NULL",
}
# a figure → (what it reads: counts it needs, how it is computed from them)
CASE_FIGURES = {
    "cases:reported": ("reported",),
    "cases:filed": ("filed",),
    "cases:closed": ("closed",),
    "cases:closed_on_time": ("closed_on_time",),
    "cases:open": ("open",),
    "cases:public": ("public",),
    "cases:superior": ("superior",),
    "cases:superior_closed": ("superior_closed",),
    "cases:closing_rate": ("closed", "due"),
    "cases:on_time_closing_rate": ("closed_on_time", "due"),
    "cases:on_time_handling_rate": ("handled_on_time", "due_handling"),
}


def _json(vendor: str, key: str) -> str:
    return f"r.data ->> '{key}'" if vendor == "postgresql" else f"json_extract(r.data, '$.{key}')"


class Raw:
    """One form's figures by hand: three statements (cases, patrols, ledger rows), by village or for the whole
    subdistrict, then the rates and the 合计 in Python; {ref: Decimal | None | str}."""

    def __init__(self, filing, villages, rows_of: dict[int, int] | None):
        from django.db import connection
        from django.utils import timezone

        from zhili.cases.queries import OPEN_STATES

        self.vendor = connection.vendor
        self.rows_of = rows_of  # village id → sheet row (ROWS), None for a CELLS form
        self.paths = {v.path: v.pk for v in villages}
        self.sub = filing.form.region
        tz = timezone.get_current_timezone()

        def at(day, t):
            return connection.ops.adapt_datetimefield_value(datetime.datetime.combine(day, t, tzinfo=tz))

        midnight, last = datetime.time(), datetime.time(23, 59, 59)
        self.params = {
            "like": self.sub.path + "%",
            "y_start": at(Y_START, midnight),
            "p_start": at(P_START, midnight),
            "end": at(P_END, last),
            "now": at(P_END, last),
            "ledger": LEDGER_CODE,
            "ledger_sub": self.sub.pk,
            "d_start": P_START.isoformat(),
            "d_end": P_END.isoformat(),
            "y_d_start": Y_START.isoformat(),
            "length": len(villages[0].path),
        }
        version = filing.form_version
        self.content, self.sheet, self.total_row = bytes(version.content), version.sheet, version.total_row
        self.cells = []  # (ref, figure, window, village id or None)
        self.period_ref = None
        for cm in version.cells.order_by("pk"):
            b = cm.binding
            if b["kind"] == "period":
                self.period_ref = cm.ref
            elif b["kind"] == "figure":
                self.cells.append((cm.ref, b["figure"], b["window"]))
        key = "SUBSTR({path}, 1, %(length)s)" if rows_of is not None else "''"
        group = " GROUP BY 1" if rows_of is not None else ""
        case_cols, self.case_keys = [], []
        for window in ("period", "year"):
            needed = sorted(
                {c for _r, f, w in self.cells if w == window and f in CASE_FIGURES for c in CASE_FIGURES[f]}
            )
            since = "%(p_start)s" if window == "period" else "%(y_start)s"
            for c in needed:
                cond = CASE_FILTERS[c].replace("{open_states}", ", ".join(f"'{s}'" for s in OPEN_STATES))
                case_cols.append(f"COUNT(*) FILTER (WHERE reported_at >= {since} AND {cond})")
                self.case_keys.append((window, c))
        self.cases_sql = (
            f"SELECT {key.format(path='path')}, {', '.join(case_cols)} FROM cases_case"
            " WHERE path LIKE %(like)s AND NOT confidential AND state <> 'merged'"
            f" AND reported_at >= %(y_start)s AND reported_at <= %(end)s{group}"
        )
        windows = {w for _r, f, w in self.cells if f == "patrols"}
        self.patrol_keys = sorted(windows)
        self.patrols_sql = (
            f"SELECT {key.format(path='path')}, "
            + ", ".join(
                f"COUNT(*) FILTER (WHERE started_at >= {'%(p_start)s' if w == 'period' else '%(y_start)s'})"
                for w in self.patrol_keys
            )
            + " FROM cases_patrol WHERE path LIKE %(like)s AND started_at >= %(y_start)s AND started_at <= %(end)s"
            + group
        )
        ledger_cols, self.ledger_keys = [], []
        for _r, f, w in self.cells:
            if not f.startswith("ledger:") or (f, w) in self.ledger_keys:
                continue
            parts = f.split(":")[2:]  # count[:date] | sum:field[:date]
            field = parts[1] if parts[0] == "sum" else None
            date = parts[-1] if len(parts) > (2 if field else 1) else None
            cond = "TRUE"
            if date:
                start = "%(d_start)s" if w == "period" else "%(y_d_start)s"
                cond = f"{_json(self.vendor, date)} >= {start} AND {_json(self.vendor, date)} <= %(d_end)s"
            if field:
                ledger_cols.append(f"SUM(CAST({_json(self.vendor, field)} AS NUMERIC)) FILTER (WHERE {cond})")
            else:
                ledger_cols.append(f"COUNT(*) FILTER (WHERE {cond})")
            self.ledger_keys.append((f, w))
        self.ledger_sql = (
            f"SELECT {key.format(path='g.path')}, {', '.join(ledger_cols)} FROM ledgers_ledgerrow r"
            " JOIN ledgers_ledger l ON l.id = r.ledger_id JOIN regions_region g ON g.id = r.region_id"
            " WHERE l.region_id = %(ledger_sub)s AND l.code = %(ledger)s AND r.archived_at IS NULL"
            f" AND r.import_job_id IS NULL{group}"
        )

    def _fetch(self, cur, sql: str) -> dict[str, tuple]:
        cur.execute(sql, self.params)
        return {r[0]: r[1:] for r in cur.fetchall()}

    def figures(self) -> dict[str, Decimal | str | None]:
        from django.db import connection

        with connection.cursor() as cur:
            cases = self._fetch(cur, self.cases_sql)
            patrols = self._fetch(cur, self.patrols_sql) if self.patrol_keys else {}
            ledger = self._fetch(cur, self.ledger_sql) if self.ledger_keys else {}
        groups = list(self.paths.items()) if self.rows_of is not None else [("", None)]
        # per group (village or the whole subdistrict): {(figure, window): Decimal | None}
        table: dict[int | None, dict] = {}
        whole: dict[tuple[str, str], int] = {}  # the subdistrict's counts, for its rates
        for path, vid in groups:
            counts = dict(zip(self.case_keys, cases.get(path) or (0,) * len(self.case_keys), strict=True))
            for k, n in counts.items():
                whole[k] = whole.get(k, 0) + n
            row: dict[tuple[str, str], Decimal | None] = {}
            for f, parts in CASE_FIGURES.items():
                for w in ("period", "year"):
                    if all((w, p) in counts for p in parts):
                        row[(f, w)] = _rate(counts, w, parts)
            for w, n in zip(self.patrol_keys, patrols.get(path) or (0,) * len(self.patrol_keys), strict=True):
                row[("patrols", w)] = Decimal(n)
            for k, v in zip(self.ledger_keys, ledger.get(path) or (None,) * len(self.ledger_keys), strict=True):
                row[k] = Decimal(str(v or 0)).quantize(Decimal("0.0001"))
            table[vid] = row
        out: dict[str, Decimal | str | None] = {}
        if self.period_ref:
            out[self.period_ref] = PERIOD_LABEL
        for ref, f, w in self.cells:
            if self.rows_of is None:
                out[ref] = table[None][(f, w)]
                continue
            for vid, r in self.rows_of.items():
                out[f"{ref}{r}"] = table[vid][(f, w)]
            if self.total_row:
                parts = CASE_FIGURES.get(f, ())
                if len(parts) == 2:
                    out[f"{ref}{self.total_row}"] = _rate(whole, w, parts)
                else:
                    out[f"{ref}{self.total_row}"] = sum((table[vid][(f, w)] for vid in self.rows_of), Decimal(0))
        return out

    def write(self, values: dict) -> bytes:
        """The same file, loaded, written and saved with openpyxl (numbers as numbers)."""
        import openpyxl

        wb = openpyxl.load_workbook(io.BytesIO(self.content), rich_text=True)
        ws = wb[self.sheet]
        for ref, value in values.items():
            if value is None:
                continue
            ws[ref].value = (
                (int(value) if value == value.to_integral_value() else float(value))
                if isinstance(value, Decimal)
                else value
            )
        out = io.BytesIO()
        wb.save(out)
        return out.getvalue()

    def fill(self) -> bytes:
        return self.write(self.figures())


def _rate(counts: dict, window: str, parts: tuple[str, ...]) -> Decimal | None:
    if len(parts) == 1:
        return Decimal(counts[(window, parts[0])])
    num, den = counts[(window, parts[0])], counts[(window, parts[1])]
    return Decimal(str(round(num * 100 / den, 1))) if den else None


# ---- checking --------------------------------------------------------------------------------------


def _zhili_values(filing) -> dict[str, Decimal | str | None]:
    from zhili.reports.models import FilingValue, Origin

    out = {}
    for v in FilingValue.objects.filter(filing=filing):
        if v.origin == Origin.HAND or v.trace.get("total_of_hand"):
            continue
        out[v.ref] = v.text if v.origin == Origin.LABEL else (None if v.origin == Origin.MISSING else v.number)
    return out


def _check(kind: str, got: dict, expected: dict) -> None:
    bad = [(ref, got.get(ref, "—"), expected.get(ref, "—")) for ref in sorted(set(got) | set(expected))]
    bad = [b for b in bad if b[1] != b[2]]
    if bad:
        raise SystemExit(f"report-fill: {kind}: {len(bad)} cells differ (ref, zhili, baseline), e.g. {bad[:5]}")


def _cells_of(content: bytes, sheet: str) -> dict[str, object]:
    import openpyxl

    ws = openpyxl.load_workbook(io.BytesIO(content))[sheet]
    return {c.coordinate: c.value for row in ws.iter_rows() for c in row if c.value is not None}


# ---- the benchmark ---------------------------------------------------------------------------------


def _profile(out: str, fns) -> None:
    from pathlib import Path

    from pyinstrument import Profiler

    profiler = Profiler(interval=0.001)
    profiler.start()
    for fn in fns:
        fn()
    profiler.stop()
    Path(out).write_text(profiler.output_text(unicode=True, color=False, show_all=False), encoding="utf-8")
    print(f"report-fill: profile written to {out}", file=sys.stderr, flush=True)


@bench.register(
    "report-fill",
    "one period of a 100-village ROWS form and a 41-cell CELLS form filled (figures + the superior's file) against "
    "hand-written SQL + openpyxl",
    arguments=add_arguments,
)
def run(args) -> bench.Report:
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from zhili.reports import fill
    from zhili.reports.models import FilingVillage

    w = build(args)
    t0 = time.perf_counter()
    filings = _forms(w)
    setup_s = time.perf_counter() - t0
    comparisons, split, queries = [], [], []
    for kind, filing in filings.items():
        if filing.problems:
            raise SystemExit(f"report-fill: {kind}: the fill has problems: {filing.problems[:3]}")
        rows_of = None
        if kind == "rows":
            rows_of = dict(FilingVillage.objects.filter(filing=filing).values_list("village_id", "row"))
            if len(rows_of) != len(w.villages):
                raise SystemExit(f"report-fill: rows: {len(rows_of)} of {len(w.villages)} villages matched")
        raw = Raw(filing, w.villages, rows_of)

        def zhili_figures(filing=filing):
            with transaction.atomic():
                fill.refill(filing)

        def zhili_workbook(filing=filing):
            return fill.workbook(filing)

        def zhili_fill(filing=filing):
            zhili_figures(filing)
            return zhili_workbook(filing)

        expected = raw.figures()
        zhili_figures()
        _check(kind, _zhili_values(filing), expected)
        mine, theirs = _cells_of(zhili_workbook(), raw.sheet), _cells_of(raw.write(expected), raw.sheet)
        _check(f"{kind} workbook", mine, theirs)
        with CaptureQueriesContext(connection) as ctx:
            zhili_fill()
        queries.append(f"{kind} {len(ctx.captured_queries)}")
        cells = sum(1 for v in expected.values() if v is not None)
        note = f"{cells} cells written" + (f", {len(rows_of)} villages" if rows_of else "")
        comparisons.append(
            bench.measure(f"{kind}-fill", zhili_fill, raw.fill, repeat=args.repeat, min_time=args.min_time, note=note)
        )
        values = raw.figures()
        parts = [
            bench.measure("figures", zhili_figures, raw.figures, repeat=args.repeat, min_time=args.min_time),
            bench.measure(
                "workbook",
                zhili_workbook,
                lambda v=values, raw=raw: raw.write(v),
                repeat=args.repeat,
                min_time=args.min_time,
            ),
        ]
        split.append(
            f"{kind}: "
            + ", ".join(
                f"{c.kind} {c.ratio:.2f} ({bench.fmt_s(c.zhili_s)} s / {bench.fmt_s(c.baseline_s)} s)" for c in parts
            )
        )
        if args.rf_profile:
            stem, dot, ext = args.rf_profile.rpartition(".")
            _profile(f"{stem}-{kind}.{ext}" if dot else f"{args.rf_profile}-{kind}", [zhili_fill] * 5)
    return bench.Report(
        comparisons,
        description=(
            f"geometric mean of the two forms' whole fill (refill + workbook against SQL + openpyxl), worst "
            f"{max(c.ratio for c in comparisons):.2f} {max(comparisons, key=lambda c: c.ratio).kind}"
        ),
        notes=[
            "split " + "; ".join(split),
            "queries per fill (zhili): " + ", ".join(queries),
            f"{len(w.villages)} villages, {w.n_cases:,} cases in the city, {args.rf_ledger_rows:,} ledger rows, "
            f"{args.rf_patrols:,} patrols",
            f"setup {w.setup_s + setup_s:.1f} s",
            bench.database_description(),
        ],
    )
