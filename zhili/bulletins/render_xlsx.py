"""The week as a workbook: one sheet per table, laid out as zhili/excel/writing.py lays out every export — a
title row merged across the columns, a note row, the header row (frozen, with a filter), then the data — and
with its safety: every text is written as a string (never a formula), numbers as numbers.

Sheets: 排名 (rank, village, score, each component with its weight in the header, last week's rank, change; the
note row gives the weights and the published formula so the score can be recomputed), 先进与后进, 事件 and 巡查
(each village, then the subdistrict's total), 目标 (each village's lights) and 红灯指标, 台账, then 重点项目,
税收, 议定事项, 集中督查 when the week has them. An empty week has its 排名 sheet with the note and no rows.

`writing.write_xlsx` writes one sheet per workbook, so the sheets are written here with the same XlsxWriter
options and `writing`'s column widths.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import xlsxwriter
from django.utils.translation import gettext as _

from zhili.bulletins import render_common as rc
from zhili.excel.writing import display_width

_num = rc.number


class _Book:
    def __init__(self, buf: io.BytesIO) -> None:
        self.wb = xlsxwriter.Workbook(
            buf,
            {"strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False},
        )
        self.title = self.wb.add_format({"bold": True, "font_size": 16, "align": "center", "valign": "vcenter"})
        self.note = self.wb.add_format({"text_wrap": True, "valign": "top"})
        self.header = self.wb.add_format(
            {
                "bold": True,
                "align": "center",
                "valign": "vcenter",
                "text_wrap": True,
                "border": 1,
                "bg_color": "#DDEBF7",
            }
        )
        self.decimal = self.wb.add_format({"num_format": "0.00"})
        self.rate = self.wb.add_format({"num_format": "0.0"})

    def sheet(
        self,
        name: str,
        title: str,
        note: str | None,
        headers: Sequence[str],
        rows: Sequence[Sequence[Any]],
    ) -> None:
        ws = self.wb.add_worksheet(name[:31])
        ncols = max(len(headers), 1)
        widths = [max(8, min(50, display_width(str(h)) + 2)) for h in headers]
        row = 0
        ws.set_row(row, 30)
        if ncols > 1:
            ws.merge_range(row, 0, row, ncols - 1, "", self.title)
        ws.write_string(row, 0, title, self.title)
        row += 1
        if note:
            ws.set_row(row, 15 * max(1, -(-display_width(note) // max(sum(widths), 40)) + 1))
            if ncols > 1:
                ws.merge_range(row, 0, row, ncols - 1, "", self.note)
            ws.write_string(row, 0, note, self.note)
            row += 1
        for i, h in enumerate(headers):
            ws.write_string(row, i, str(h), self.header)
        header_row = row
        ws.freeze_panes(header_row + 1, 0)
        row += 1
        for values in rows:
            for i, value in enumerate(values):
                if value is None or value == "":
                    continue
                if isinstance(value, Decimal):
                    places = value.as_tuple().exponent  # "87.50" → two places shown, "75.0" → one
                    fmt = self.decimal if places == -2 else self.rate if places == -1 else None
                    ws.write_number(row, i, float(value), fmt)
                elif isinstance(value, int) and not isinstance(value, bool):
                    ws.write_number(row, i, value)
                else:
                    text = str(value)
                    ws.write_string(row, i, text)
                    if i < len(widths):
                        widths[i] = max(widths[i], min(60, display_width(text) + 2))
            row += 1
        for i, w in enumerate(widths):
            ws.set_column(i, i, w)
        ws.autofilter(header_row, 0, max(row - 1, header_row), ncols - 1)


def workbook(data: dict) -> bytes:
    """The .xlsx bytes of one frozen week."""
    buf = io.BytesIO()
    book = _Book(buf)
    try:
        _write(book, data)
    finally:
        book.wb.close()
    return buf.getvalue()


def _title(data: dict, what: str) -> str:
    return f"{data['title']} {data['week']} {what}"


def _write(book: _Book, data: dict) -> None:
    comps = rc.components(data)
    villages = data["villages"]
    note = rc.weights_note(data)
    if rc.correction_note(data):
        note = f"{rc.correction_note(data)}\n{note}"
    if data.get("empty"):
        note = f"{rc.empty_note(data)}\n{note}"
    book.sheet(
        _("排名"),
        _title(data, _("综合排名")),
        note,
        [
            _("名次"),
            _("村（社区）"),
            _("得分"),
            *(_("%(label)s（权重 %(weight)s）") % c for c in comps),
            _("上周名次"),
            _("名次变化（+ 上升）"),
        ],
        [
            [
                v["rank"],
                v["name"],
                _num(v["score"]),
                *(_num(v["components"].get(c["key"])) for c in comps),
                v.get("previous_rank"),
                v.get("change"),
            ]
            for v in villages
        ],
    )
    if data.get("empty"):
        return
    champions = [(_("先进"), item) for item in data.get("best") or []]
    champions += [(_("后进"), item) for item in data.get("laggards") or []]
    if champions:
        book.sheet(
            _("先进与后进"),
            _title(data, _("先进与后进")),
            None,
            [_("类别"), _("名次"), _("村（社区）"), _("得分"), _("原因")],
            [
                [kind, i["rank"], i["name"], _num(i["score"]), "；".join(i.get("reasons") or [])]
                for kind, i in champions
            ],
        )
    case_keys = ["new", "closed", "due", "closed_on_time", "on_time_rate", "overdue", "reworked", "extended"]
    case_headers = [
        _("新增"),
        _("结案"),
        _("应结"),
        _("按期结案"),
        _("按期结案率（%）"),
        _("逾期未结"),
        _("返工"),
        _("延期"),
    ]
    total_label = _("全街道")
    if data.get("cases") is not None:
        book.sheet(
            _("事件"),
            _title(data, _("网格事件办理")),
            rc.cases_line(data["cases"]),
            [_("名次"), _("村（社区）"), *case_headers],
            [
                *([v["rank"], v["name"], *(_num(v["cases"].get(k)) for k in case_keys)] for v in villages),
                ["", total_label, *(_num(data["cases"].get(k)) for k in case_keys)],
            ],
        )
    if data.get("patrol") is not None:
        book.sheet(
            _("巡查"),
            _title(data, _("网格巡查")),
            rc.patrol_line(data["patrol"]),
            [_("名次"), _("村（社区）"), _("网格数"), _("已巡查"), _("覆盖率（%）")],
            [
                *(
                    [v["rank"], v["name"], v["patrol"]["grids"], v["patrol"]["patrolled"], _num(v["patrol"]["rate"])]
                    for v in villages
                ),
                ["", total_label, data["patrol"]["grids"], data["patrol"]["patrolled"], _num(data["patrol"]["rate"])],
            ],
        )
    targets = data.get("targets")
    if targets is not None:
        light_keys = ["red", "yellow", "green", "done"]
        book.sheet(
            _("目标"),
            _title(data, _("目标任务")),
            rc.targets_line(targets),
            [_("名次"), _("村（社区）"), _("红灯"), _("黄灯"), _("绿灯"), _("已完成")],
            [
                *([v["rank"], v["name"], *(v["lights"].get(k) for k in light_keys)] for v in villages),
                ["", total_label, *(targets.get(k) for k in light_keys)],
            ],
        )
        book.sheet(
            _("红灯指标"),
            _title(data, _("红灯指标")),
            None,
            [_("编号"), _("指标"), _("完成率（%）"), _("说明")],
            [[r["code"], r["name"], _num(r["completion"]), r["sentence"]] for r in targets.get("red_list") or []],
        )
    ledgers = data.get("ledgers")
    if ledgers is not None:
        book.sheet(
            _("台账"),
            _title(data, _("工作台账")),
            rc.ledgers_line(ledgers),
            [_("未按时更新的台账"), _("最近更新")],
            [[s["name"], s["last"]] for s in ledgers.get("stale") or []],
        )
    projects = data.get("projects")
    if projects is not None:
        book.sheet(
            _("重点项目"),
            _title(data, _("重点项目")),
            rc.projects_line(projects),
            [_("项目"), _("村（社区）"), _("计划投资（万元）"), _("完成投资（万元）"), _("差额（万元）")],
            [
                [p["name"], p["village"], _num(p["planned"]), _num(p["done"]), _num(p["gap"])]
                for p in projects.get("list") or []
            ],
        )
    tax = data.get("tax")
    if tax is not None:
        book.sheet(
            _("税收"),
            _title(data, _("税收")),
            None,
            [_("月份"), _("应收（万元）"), _("实收（万元）"), _("差额（万元）")],
            [[tax["month"], _num(tax["expected"]), _num(tax["received"]), _num(tax["gap"])]],
        )
    decisions = data.get("decisions")
    if decisions is not None:
        book.sheet(
            _("议定事项"),
            _title(data, _("上周点评会议定事项办结情况")),
            rc.decision_summary(decisions),
            [_("事项"), _("责任单位"), _("办结时限"), _("状态")],
            [[i["text"], i["owner"], i["deadline"], i["status_label"]] for i in decisions.get("items") or []],
        )
    batches = (data.get("supervision") or {}).get("batches") or []
    if batches:
        book.sheet(
            _("集中督查"),
            _title(data, _("集中督查")),
            None,
            [_("批次"), _("交办单位"), _("交办日期"), _("事项"), _("已办结")],
            [[b["name"], b["issuer"], b["received_on"], b["items"], b["closed"]] for b in batches],
        )
