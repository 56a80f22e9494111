"""A realistic 目标责任书 (target-responsibility document) as an office keeps it, for tests: a title row and a
subtitle, a two-row header with merged cells (责任分工 over its four columns, 分解到村 over one column per village),
目标层级 and 任务 cells merged down over a task's rows, and a signature line at the end.

    write_book(path_or_buffer, rows, villages=["孔家坊村", "阎桥"], year=2021)
    write_book(path_or_buffer, rows, split=[("改厕户数", "孔家坊", 300), …])   the 分解 sheet instead
    demo_rows(year)   rows naming Taiping's demo people and offices (goals at depth 1 to 3)

A row is a dict with the template's headers as keys (目标层级, 任务, 指标, 计量单位, 目标值, 口径, 完成时限, 责任领导,
牵头单位, 配合单位, 责任人) and village names for shares. A row whose 目标层级 / 任务 equals the row above is
written as a vertically merged cell, as offices do.
"""

from __future__ import annotations

from typing import Any

import openpyxl
from openpyxl.styles import Alignment, Font

MAIN = ["目标层级", "任务", "指标", "计量单位", "目标值", "口径", "完成时限"]
DUTIES = ["责任领导", "牵头单位", "配合单位", "责任人"]


def write_book(
    target: Any,
    rows: list[dict],
    *,
    villages: list[str] = (),
    year: int = 2021,
    sub: str = "太平街道",
    split: list[tuple] = (),
):
    """Write the document to `target` (a path or a binary buffer); `split` rows (指标, 村（社区）, 目标值) go to a
    second sheet 分解, under a title row, as the decomposition's other layout."""
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = f"{year}年目标责任书"
    width = len(MAIN) + len(DUTIES) + len(villages)
    ws.cell(1, 1, f"{sub}{year}年度目标责任书（任务分解表）").font = Font(bold=True, size=16)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    ws.cell(2, 1, f"填报单位：{sub}党政办　　　　日期：{year}年1月15日")
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=width)
    # the header: main columns merged over two rows; 责任分工 and 分解到村 over their children
    for i, label in enumerate(MAIN, start=1):
        ws.cell(3, i, label)
        ws.merge_cells(start_row=3, start_column=i, end_row=4, end_column=i)
    first = len(MAIN) + 1
    ws.cell(3, first, "责任分工")
    ws.merge_cells(start_row=3, start_column=first, end_row=3, end_column=first + len(DUTIES) - 1)
    for j, label in enumerate(DUTIES):
        ws.cell(4, first + j, label)
    if villages:
        vfirst = first + len(DUTIES)
        ws.cell(3, vfirst, "分解到村（社区）")
        ws.merge_cells(start_row=3, start_column=vfirst, end_row=3, end_column=vfirst + len(villages) - 1)
        for j, name in enumerate(villages):
            ws.cell(4, vfirst + j, name)
    for cell in ws[3] + ws[4]:
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    r = 5
    merge_from = {1: r, 2: r}
    previous: dict = {}
    for row in rows:
        for col, key in ((1, "目标层级"), (2, "任务")):
            same = (
                previous and row.get(key) == previous.get(key) and (col == 1 or row["目标层级"] == previous["目标层级"])
            )
            if same:
                continue  # left empty: merged with the cell above below
            if r - merge_from[col] > 1:
                ws.merge_cells(start_row=merge_from[col], start_column=col, end_row=r - 1, end_column=col)
            merge_from[col] = r
            ws.cell(r, col, row.get(key))
        for i, key in enumerate(MAIN[2:] + DUTIES, start=3):
            ws.cell(r, i, row.get(key))
        for j, name in enumerate(villages):
            if row.get(name) is not None:
                ws.cell(r, first + len(DUTIES) + j, row[name])
        previous = row
        r += 1
    for col in (1, 2):
        if r - merge_from[col] > 1:
            ws.merge_cells(start_row=merge_from[col], start_column=col, end_row=r - 1, end_column=col)
    ws.cell(r + 1, 1, "审核人：周太平　　　　制表人：刘经发")
    if split:
        sheet = book.create_sheet("分解")
        sheet.cell(1, 1, f"{year}年指标分解到村（社区）")
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=3)
        sheet.append(["指标", "村（社区）", "目标值"])
        for values in split:
            sheet.append(list(values))
        sheet.append(["合计", None, sum(v[2] for v in split if isinstance(v[2], int | float))])
    book.save(target)


def demo_rows(
    year: int = 2021,
    *,
    leader: str = "周太平",
    urban_owner: str = "陈城管",
    economy_owner: str = "刘经发",
    urban: str = "城管办",
    economy: str = "经济发展办公室",
    assisting: str = "经发办、农业办",
    villages: tuple[str, str] = ("孔家坊村", "阎桥"),
) -> list[dict]:
    """Rows at goal depths 1 to 3 with the deadline, unit and number spellings offices use, shares for two villages
    on the first indicator. The names default to Taiping's demo people and offices (周太平, 陈城管, 刘经发; 城管办 by
    its short name, 经济发展办公室 without it); a township set up from its own rosters passes its own."""
    first, second = villages
    urban_duty = {"责任领导": leader, "牵头单位": urban, "配合单位": assisting, "责任人": urban_owner}
    econ_duty = {"责任领导": leader, "牵头单位": economy, "配合单位": "", "责任人": economy_owner}
    return [
        {
            "目标层级": "二、重点工作 / （一）乡村振兴",
            "任务": "农村人居环境整治",
            "指标": "改厕户数",
            "计量单位": "户",
            "目标值": 1200,
            "口径": "累计",
            "完成时限": f"{year}年6月底",
            first: 300,
            second: 200,
            **urban_duty,
        },
        {
            "目标层级": "二、重点工作 / （一）乡村振兴",
            "任务": "农村人居环境整治",
            "指标": "垃圾分类覆盖率",
            "计量单位": "%",
            "目标值": "95%",
            "口径": "当期",
            "完成时限": "年底",
            **urban_duty,
        },
        {
            "目标层级": "一、中心任务",
            "任务": "招商引资",
            "指标": "引进项目",
            "计量单位": "个",
            "目标值": 12,
            "口径": "累计",
            "完成时限": "12月31日",
            **econ_duty,
        },
        {
            "目标层级": "三、攻坚战 ＞ （二）污染防治 ＞ 1.清洁取暖",
            "任务": "气代煤改造",
            "指标": "改造户数",
            "计量单位": "户",
            "目标值": "2,000",
            "口径": "累计",
            "完成时限": f"{year}-10-31",
            **urban_duty,
        },
    ]
