"""The case statistics as .xlsx, laid out as the weekly report upward wants them: the numbers equal to the page's
(rates in percent, one decimal). Building the workbook only; `actions.do_export_statistics` authorises it and
records what it contained."""

from __future__ import annotations

import io

from zhili.cases import queries
from zhili.core import clock
from zhili.excel.writing import write_xlsx
from zhili.regions.models import Region

STAT_COLUMNS = [
    ("reported", "上报"),
    ("accepted", "受理"),
    ("filed", "立案"),
    ("dispatched", "派遣"),
    ("due", "应结案"),
    ("closed", "结案"),
    ("closed_on_time", "按期结案"),
    ("overdue", "超期未处置"),
]


def statistics_workbook(sub: Region, by: str, f: queries.Filters, rows: list[dict]) -> tuple[str, bytes, dict]:
    """(file name, the .xlsx, its totals row) for `rows` of queries.statistics grouped `by`."""
    total = queries.totals(rows)
    headers = [queries.BY[by], *[label for _, label in STAT_COLUMNS], *[label for _, label, _, _ in queries.RATES]]
    body = [
        [r["name"], *[r[k] for k, _ in STAT_COLUMNS], *[r[k] for k, _, _, _ in queries.RATES]]
        for r in [*rows, total | {"name": "合计"}]
    ]
    span = f"{f.since or '—'} 至 {f.until or clock.today()}"
    out = io.BytesIO()
    write_xlsx(
        out,
        title=f"{sub.name}网格事件统计（按{queries.BY[by]}）",
        subtitle=f"上报日期：{span}；比率单位：%",
        headers=headers,
        rows=body,
        column_formats=[None] + ["integer"] * len(STAT_COLUMNS) + ["decimal:1"] * len(queries.RATES),
    )
    return f"{sub.name}网格事件统计-{queries.BY[by]}.xlsx", out.getvalue(), total
