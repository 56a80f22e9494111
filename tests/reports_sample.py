"""Superiors' report forms as a district sends them, built with openpyxl, as bytes — for the reports tests.

- `cells_form()`: 太平街道经济运行情况月报表, one cell per figure: a merged title, a 填报单位/报送期 line, a two-row
  header (序号 | 指标名称 | 单位 | 本月（完成数, 同比） | 本年累计（完成数, 同比） | 备注), a units column,
  borders, fills, fonts, widths, heights, number formats, 填报人/审核人 lines and a second sheet 填报说明.
- `cells_form_moved()`: the same form as the superior re-sent it: a row inserted (其中：民间投资), a column
  inserted (上年同期), and one row dropped (廉政谈话次数): moved cells are found at their new place, the dropped
  label is lost.
- `rows_form(village_names)`: 民生实事村级进度月报表, one row per village: 序号, 村居名称, then groups merged over
  two header rows (道路硬化（公里）, 自来水改造（户）, 燃气入户（户）, 改厕（户）, each 计划/本月完成/累计完成),
  a column-number row (甲 乙 1 2 …), the villages, a 合计 row and the signature line.

`CELLS` and `ROWS` name the cells the tests map (the label of each row / column → its ref).
"""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

THIN = Side(style="thin", color="000000")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEAD_FILL = PatternFill("solid", fgColor="D9E1F2")
SECTION_FILL = PatternFill("solid", fgColor="FFF2CC")
TITLE_FONT = Font(name="方正小标宋简体", size=18, bold=True)
HEAD_FONT = Font(name="黑体", size=11, bold=True)
BODY_FONT = Font(name="宋体", size=11)
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)

CELLS_TITLE = "太平街道经济运行情况月报表"
# (序号, 指标名称, 单位, number format)
CELLS_ROWS = [
    ("一", "固定资产投资", "万元", "#,##0.00"),
    ("", "其中：产业园投资", "万元", "#,##0.00"),
    ("二", "税收收入（实缴）", "万元", "#,##0.00"),
    ("三", "在建项目个数", "个", "0"),
    ("", "其中：未入库项目", "个", "0"),
    ("四", "网格事件上报数", "件", "0"),
    ("", "结案数", "件", "0"),
    ("", "按期结案率", "%", "0.00"),
    ("五", "村干部坐班率", "%", "0.00"),
    ("六", "走访户数", "户", "0"),
    ("七", "廉政谈话次数", "次", "0"),
    ("八", "规上工业总产值", "万元", "#,##0.00"),
]
ROWS_GROUPS = ["道路硬化（公里）", "自来水改造（户）", "燃气入户（户）", "改厕（户）"]
ROWS_SUB = ["计划", "本月完成", "累计完成"]


def _bytes(wb: Workbook) -> bytes:
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _box(ws, top: int, left: int, bottom: int, right: int) -> None:
    for r in range(top, bottom + 1):
        for c in range(left, right + 1):
            ws.cell(r, c).border = BOX


def _head(ws, ref_range: str, text: str) -> None:
    first = ref_range.split(":")[0]
    ws[first] = text
    if ":" in ref_range:
        ws.merge_cells(ref_range)
    for row in ws[ref_range] if ":" in ref_range else [[ws[first]]]:
        for c in row:
            c.font = HEAD_FONT
            c.fill = HEAD_FILL
            c.alignment = CENTER
            c.border = BOX


def _instructions(wb: Workbook, lines: list[str]) -> None:
    ws = wb.create_sheet("填报说明")
    ws.column_dimensions["A"].width = 90
    ws["A1"] = "填报说明"
    ws["A1"].font = HEAD_FONT
    for i, line in enumerate(lines, start=2):
        ws.cell(i, 1, line).alignment = LEFT
        ws.cell(i, 1).font = BODY_FONT


def _cells(*, moved: bool) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "经济运行月报表"
    rows = list(CELLS_ROWS)
    if moved:  # the superior inserted a row under 固定资产投资 and dropped 廉政谈话次数
        rows.insert(1, ("", "其中：民间投资", "万元", "#,##0.00"))
        rows = [r for r in rows if r[1] != "廉政谈话次数"]
    # columns: 序号 | 指标名称 | 单位 | [上年同期] | 本月 完成数, 同比 | 本年累计 完成数, 同比 | 备注
    extra = 1 if moved else 0
    last = 8 + extra
    last_col = get_column_letter(last)
    ws.merge_cells(f"A1:{last_col}1")
    ws["A1"] = CELLS_TITLE
    ws["A1"].font = TITLE_FONT
    ws["A1"].alignment = CENTER
    ws.row_dimensions[1].height = 36
    ws.merge_cells("A2:D2")
    ws["A2"] = "填报单位：济阳区太平街道办事处（盖章）"
    ws["A2"].font = BODY_FONT
    ws.cell(2, 6 + extra, "报送期：").alignment = Alignment(horizontal="right")
    ws.cell(2, 7 + extra).font = BODY_FONT  # the period is written here
    ws.cell(2, 7 + extra).number_format = "@"
    ws.row_dimensions[2].height = 20
    _head(ws, "A3:A4", "序号")
    _head(ws, "B3:B4", "指标名称")
    _head(ws, "C3:C4", "单位")
    if moved:
        _head(ws, "D3:D4", "上年同期")
    m, y = get_column_letter(4 + extra), get_column_letter(6 + extra)
    _head(ws, f"{m}3:{get_column_letter(5 + extra)}3", "本月")
    _head(ws, f"{m}4", "完成数")
    _head(ws, f"{get_column_letter(5 + extra)}4", "同比增长（%）")
    _head(ws, f"{y}3:{get_column_letter(7 + extra)}3", "本年累计")
    _head(ws, f"{y}4", "完成数")
    _head(ws, f"{get_column_letter(7 + extra)}4", "同比增长（%）")
    _head(ws, f"{last_col}3:{last_col}4", "备注")
    ws.row_dimensions[3].height = 24
    ws.row_dimensions[4].height = 30
    for i, (seq, name, unit, fmt) in enumerate(rows, start=5):
        ws.cell(i, 1, seq).alignment = CENTER
        ws.cell(i, 2, name).alignment = LEFT
        ws.cell(i, 3, unit).alignment = CENTER
        for c in range(1, last + 1):
            cell = ws.cell(i, c)
            cell.font = Font(name="宋体", size=11, bold=bool(seq))
            if c > 3:
                cell.number_format = fmt if c != last else "General"
                cell.alignment = Alignment(horizontal="right", vertical="center")
            if seq:
                cell.fill = SECTION_FILL
        ws.row_dimensions[i].height = 22
    end = 4 + len(rows)
    _box(ws, 3, 1, end, last)
    foot = end + 2
    ws.cell(foot, 1, "单位负责人：").font = BODY_FONT
    ws.cell(foot, 3, "审核人：").font = BODY_FONT
    ws.cell(foot, 5 + extra, "填报人：").font = BODY_FONT
    ws.cell(foot + 1, 1, "联系电话：").font = BODY_FONT
    ws.cell(foot + 1, 5 + extra, "填报日期：    年  月  日").font = BODY_FONT
    widths = [6, 26, 8, *([12] if moved else []), 12, 12, 12, 12, 18]
    for c, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(c)].width = w
    ws.freeze_panes = "D5"
    _instructions(
        wb,
        [
            "1. 本表由各街道（镇）经发办填报，每月5个工作日内报区统计局。",
            "2. 金额单位：万元，保留两位小数；比率单位：%。",
            "3. 本年累计为1月1日至本月末。",
        ],
    )
    return _bytes(wb)


def cells_form() -> bytes:
    """太平街道经济运行情况月报表 as the district sends it (see the module's note)."""
    return _cells(moved=False)


def cells_form_moved() -> bytes:
    """The same form re-sent: a row and a column inserted, 廉政谈话次数 dropped."""
    return _cells(moved=True)


def cells_ref(name: str, window: str = "period", *, moved: bool = False) -> str:
    """The ref of a figure's cell in `cells_form()` (or the moved variant): its row's 指标名称, 本月 or 本年累计."""
    rows = [r[1] for r in CELLS_ROWS]
    if moved:
        rows.insert(1, "其中：民间投资")
        rows = [r for r in rows if r != "廉政谈话次数"]
    extra = 1 if moved else 0
    col = (4 if window == "period" else 6) + extra
    return f"{get_column_letter(col)}{5 + rows.index(name)}"


PERIOD_REF = "G2"  # 报送期 (cells_form)

ROWS_FIRST = 6  # the first village row of rows_form (after the two header rows and the column-number row)


def rows_form(village_names: list[str]) -> bytes:
    """民生实事村级进度月报表, one row per village (see the module's note)."""
    wb = Workbook()
    ws = wb.active
    ws.title = "民生实事进度"
    last = 2 + 3 * len(ROWS_GROUPS) + 1
    last_col = get_column_letter(last)
    ws.merge_cells(f"A1:{last_col}1")
    ws["A1"] = "民生实事村级进度月报表"
    ws["A1"].font = TITLE_FONT
    ws["A1"].alignment = CENTER
    ws.row_dimensions[1].height = 40
    ws.merge_cells("A2:F2")
    ws["A2"] = "填报单位：太平街道（盖章）"
    ws.cell(2, last - 2, "报送期：").alignment = Alignment(horizontal="right")
    _head(ws, "A3:A4", "序号")
    _head(ws, "B3:B4", "村居名称")
    for g, group in enumerate(ROWS_GROUPS):
        first = 3 + 3 * g
        _head(ws, f"{get_column_letter(first)}3:{get_column_letter(first + 2)}3", group)
        for s, sub in enumerate(ROWS_SUB):
            _head(ws, f"{get_column_letter(first + s)}4", sub)
    _head(ws, f"{last_col}3:{last_col}4", "备注")
    ws.row_dimensions[3].height = 28
    ws.row_dimensions[4].height = 22
    numbers = ["甲", "乙", *range(1, 3 * len(ROWS_GROUPS) + 1), "丙"]
    for c, n in enumerate(numbers, start=1):
        cell = ws.cell(5, c, n)
        cell.alignment = CENTER
        cell.font = Font(name="宋体", size=9, italic=True)
    for i, name in enumerate(village_names):
        r = ROWS_FIRST + i
        ws.cell(r, 1, i + 1).alignment = CENTER
        ws.cell(r, 2, name).alignment = LEFT
        for c in range(1, last + 1):
            cell = ws.cell(r, c)
            cell.font = BODY_FONT
            if 3 <= c < last:
                cell.number_format = "0.00" if c < 6 else "0"
        ws.row_dimensions[r].height = 18
    total = ROWS_FIRST + len(village_names)
    ws.cell(total, 1, "合计")
    ws.merge_cells(f"A{total}:B{total}")
    for c in range(1, last + 1):
        cell = ws.cell(total, c)
        cell.font = Font(name="宋体", size=11, bold=True)
        cell.fill = SECTION_FILL
        cell.alignment = CENTER
        if 3 <= c < last:
            cell.number_format = "0.00" if c < 6 else "0"
    _box(ws, 3, 1, total, last)
    ws.cell(total + 2, 1, "审核人：")
    ws.cell(total + 2, 6, "填报人：")
    ws.cell(total + 2, 10, "联系电话：")
    ws.column_dimensions["A"].width = 6
    ws.column_dimensions["B"].width = 16
    for c in range(3, last):
        ws.column_dimensions[get_column_letter(c)].width = 10
    ws.column_dimensions[last_col].width = 20
    _instructions(wb, ["1. 各村居按月填报，累计完成为自年初至本月末。", "2. 合计行由街道汇总。"])
    return _bytes(wb)


def rows_col(group: str, sub: str) -> str:
    """The column letter of a group's sub-column in `rows_form`: rows_col("改厕（户）", "本月完成") → "M"."""
    return get_column_letter(3 + 3 * ROWS_GROUPS.index(group) + ROWS_SUB.index(sub))
