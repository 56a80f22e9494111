"""The target table as .xlsx, laid out as an office hands it upward: a title, the date and units, merged group
headers per goal, one row per indicator, the lights in words and colour — numbers equal to the page's."""

from __future__ import annotations

import io

import xlsxwriter

from zhili.targets import lights
from zhili.targets.engine import Board, GoalRow, IndicatorRow

COLUMNS = [
    "序号",
    "任务",
    "指标",
    "计量单位",
    "目标值",
    "实绩",
    "完成率(%)",
    "序时进度(%)",
    "亮灯",
    "责任领导",
    "牵头单位",
    "完成时限",
    "亮灯说明",
]
WIDTHS = [6, 30, 30, 9, 12, 12, 10, 11, 8, 10, 22, 12, 60]
COLOURS = {
    lights.GREEN: "#C6EFCE",
    lights.YELLOW: "#FFEB9C",
    lights.RED: "#FFC7CE",
    lights.DONE: "#BDD7EE",
    lights.OVERDUE: "#E6B8B7",
    lights.NONE: "#EDEDED",
}


def _text(value) -> str:
    """A cell that starts like a formula is written as text: no export can carry one."""
    s = "" if value is None else str(value)
    return s


def indicator_rows(board: Board) -> int:
    """How many indicator rows the table holds (children included): what an export's audit entry says left."""

    def rows(r: IndicatorRow) -> int:
        return 1 + sum(rows(k) for k in r.children)

    def goal(g: GoalRow) -> int:
        return sum(rows(r) for t in g.tasks for r in t.indicators) + sum(goal(c) for c in g.children)

    return sum(goal(g) for g in board.goals)


def board_xlsx(board: Board) -> bytes:
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    ws = wb.add_worksheet(f"{board.year}年目标任务")
    base = {"font_name": "仿宋_GB2312", "font_size": 11, "border": 1, "valign": "vcenter", "text_wrap": True}
    title = wb.add_format({"font_name": "方正小标宋简体", "font_size": 18, "align": "center", "valign": "vcenter"})
    sub = wb.add_format({"font_name": "仿宋_GB2312", "font_size": 12, "align": "left"})
    head = wb.add_format({**base, "bold": True, "align": "center", "bg_color": "#D9D9D9"})
    group = wb.add_format({**base, "bold": True, "bg_color": "#F2F2F2"})
    text = wb.add_format(base)
    num = wb.add_format({**base, "num_format": "#,##0.##"})
    pct = wb.add_format({**base, "num_format": "0.0"})
    light_fmt = {
        state: wb.add_format({**base, "align": "center", "bg_color": colour}) for state, colour in COLOURS.items()
    }

    last_col = len(COLUMNS) - 1
    where = board.village.name if board.village else board.sub.name
    ws.merge_range(0, 0, 0, last_col, f"{where}{board.year}年“1234”工作体系目标任务推进情况表", title)
    ws.set_row(0, 36)
    ws.merge_range(
        1,
        0,
        1,
        last_col,
        f"填报单位：{where}　　　数据截至：{board.today:%Y年%m月%d日}　　　"
        f"亮灯：已完成 {board.counts.get(lights.DONE, 0)}，绿灯 {board.counts.get(lights.GREEN, 0)}，"
        f"黄灯 {board.counts.get(lights.YELLOW, 0)}，红灯 {board.counts.get(lights.RED, 0)}，"
        f"逾期 {board.counts.get(lights.OVERDUE, 0)}",
        sub,
    )
    for c, (name, width) in enumerate(zip(COLUMNS, WIDTHS, strict=True)):
        ws.write(2, c, name, head)
        ws.set_column(c, c, width)
    ws.freeze_panes(3, 0)
    ws.repeat_rows(2)
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.fit_to_pages(1, 0)

    row = 3
    seq = 0

    def indicator(r: IndicatorRow, task, depth: int) -> None:
        nonlocal row, seq
        seq += 1
        cell = r.cell
        ws.write_number(row, 0, seq, text)
        ws.write_string(row, 1, _text(task.title), text)
        ws.write_string(row, 2, ("　" * depth) + _text(r.indicator.name), text)
        ws.write_string(row, 3, _text(r.indicator.unit), text)
        for col, value, fmt in (
            (4, cell.target if cell else None, num),
            (5, cell.actual if cell else None, num),
            (6, cell.completion if cell else None, pct),
            (7, cell.light.schedule if cell else None, pct),
        ):
            if value is None:
                ws.write_blank(row, col, None, fmt)
            else:
                ws.write_number(row, col, float(value), fmt)
        state = cell.light.state if cell else lights.NONE
        ws.write_string(row, 8, str(lights.LABELS[state]), light_fmt[state])
        ws.write_string(row, 9, _text(task.leader or ""), text)
        ws.write_string(row, 10, _text(task.lead_unit or ""), text)
        ws.write_string(row, 11, f"{r.indicator.due:%Y-%m-%d}", text)
        ws.write_string(row, 12, cell.light.explain() if cell else "", text)
        row += 1
        for child in r.children:
            indicator(child, task, depth + 1)

    def goal(g: GoalRow, depth: int) -> None:
        nonlocal row
        ws.merge_range(row, 0, row, last_col, f"{'　' * depth}{g.goal.level_name}　{g.goal.code} {g.goal.title}", group)
        row += 1
        for t in g.tasks:
            for r in t.indicators:
                indicator(r, t.task, 0)
        for child in g.children:
            goal(child, depth + 1)

    for g in board.goals:
        goal(g, 0)
    ws.merge_range(
        row + 1, 0, row + 1, last_col, "说明：实绩来自系统内填报、台账与工作记录，亮灯按街道公布的规则自动计算。", sub
    )
    wb.close()
    return buf.getvalue()
