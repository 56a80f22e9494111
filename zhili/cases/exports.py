"""The case statistics as .xlsx, laid out as the weekly report upward wants them: the numbers equal to the page's
(rates in percent, one decimal). Building the workbook only; `actions.do_export_statistics` authorises it and
records what it contained."""

from __future__ import annotations

import io

from django.utils.translation import gettext_lazy

from zhili.cases import queries
from zhili.core import clock
from zhili.excel.writing import write_xlsx
from zhili.regions.models import Region

STAT_COLUMNS = [
    ("reported", gettext_lazy("上报")),
    ("accepted", gettext_lazy("受理")),
    ("filed", gettext_lazy("立案")),
    ("dispatched", gettext_lazy("派遣")),
    ("due", gettext_lazy("应结案")),
    ("closed", gettext_lazy("结案")),
    ("closed_on_time", gettext_lazy("按期结案")),
    ("overdue", gettext_lazy("超期未处置")),
]


def statistics_workbook(sub: Region, by: str, f: queries.Filters, rows: list[dict]) -> tuple[str, bytes, dict]:
    """(file name, the .xlsx, its totals row) for `rows` of queries.statistics grouped `by`."""
    total = queries.totals(rows)
    headers = [
        str(h)
        for h in (queries.BY[by], *[label for _, label in STAT_COLUMNS], *[label for _, label, _, _ in queries.RATES])
    ]
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
