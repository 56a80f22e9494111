"""Rosters as offices keep them — a title row above the header, suffix variants (孔家坊 / 孔家坊村), a 合计 row, a
signature line — written with openpyxl, for the township's command, page and browser tests."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook

VILLAGE_HEADER = ["序号", "村（社区）", "类型", "区划代码", "网格", "网格编码", "经度", "纬度"]
PEOPLE_HEADER = ["序号", "姓名", "账号", "手机号", "单位或村（社区）", "职务", "角色", "负责区域"]


def write(path: Path, title: str, header: list[str], rows: list[list], footer: list[list] | None = None) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.append([title])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
    ws.append(["填报单位：党政办公室", None, None, None, "2021年1月"])
    ws.append(header)
    for i, row in enumerate(rows, start=1):
        ws.append([i, *row])
    for row in footer or []:
        ws.append(row)
    wb.save(path)
    return path


def village_roster(path: Path, code: str, rows: list[list] | None = None) -> Path:
    """Two villages and a community of township `code`: 孔家坊 (written without its suffix) with two grids, 阎桥村 as
    a village row without grids, 太平社区 with its code given; then a 合计 row and a signature line."""
    if rows is None:
        rows = [
            ["孔家坊", "村", f"{code}201", "第一网格", f"{code}201001", "117.05", "36.95"],
            ["孔家坊村", "村", "", "第二网格", "", "", ""],
            ["阎桥村", "村", "", "", "", "117.06", "36.96"],
            ["太平", "社区", f"{code}001", "第一网格", "", "", ""],
        ]
    return write(
        path,
        "2021年度村（社区）及网格划分情况统计表",
        VILLAGE_HEADER,
        rows,
        footer=[["合计", "3个村（社区）", None, None, "3个网格"], ["填表人：王五", None, None, "审核人：赵六"]],
    )


def people_roster(path: Path, township: str = "太平街道", rows: list[list] | None = None) -> Path:
    """A 花名册: a leader, an office worker (of an office the township does not have yet), a village secretary
    of 孔家坊 (written 孔家坊村) and a full-time grid inspector of its first grid."""
    if rows is None:
        rows = [
            ["李书记", "", "18600000001", "党政办公室", "党委书记", "镇领导", township],
            ["钱经发", "", "18600000002", "经济发展办公室", "科员", "科室人员", ""],
            ["孔支书", "kong-secretary", "18600000003", "孔家坊村", "党支部书记", "村支书", ""],
            ["孔网格", "", "18600000004", "孔家坊", "网格员", "专职网格员", "孔家坊村/第一网格"],
        ]
    return write(path, f"{township}机关及村（社区）干部花名册", PEOPLE_HEADER, rows, footer=[["合计", "4人"]])
