"""Write .xlsx exports in the layout the importer reads back.

Layout: an optional title row merged across the columns, an optional subtitle row (also merged), the header row,
then the data. `open_rows` + `find_header(expected=headers)` read it back to the same header texts and values.

Safety: no export can carry a formula. Every text value is written with `write_string`, so "=1+1", "+86…",
"-5" typed as text or "@SUM(…)" stay text cells (the workbook is also opened with `strings_to_formulas`,
`strings_to_numbers` and `strings_to_urls` off). Long digit strings and integers of 16 digits or more (identity
numbers, credit codes) are written as text, and columns whose format is "text"/"id" get Excel's text format ("@")
so that numbers typed into them later stay text too.
"""

from __future__ import annotations

import datetime as dt
import io
import math
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

import xlsxwriter
from django.utils.translation import gettext as _

__all__ = ["COLUMN_FORMATS", "write_xlsx"]

#: the keywords `column_formats` understands; anything else is used as an Excel number format ("0.0%", …)
COLUMN_FORMATS = ("text", "id", "date", "datetime", "integer", "decimal", "decimal:N")

_DATE = "yyyy-mm-dd"
_DATETIME = "yyyy-mm-dd hh:mm:ss"


def display_width(text: str) -> int:
    """Display width: CJK characters are two columns wide."""
    return sum(2 if ord(c) > 0x2E80 else 1 for c in text)


def _number_format(spec: str | None) -> str | None:
    if spec is None:
        return None
    if spec in ("text", "id"):
        return "@"
    if spec == "date":
        return _DATE
    if spec == "datetime":
        return _DATETIME
    if spec == "integer":
        return "0"
    if spec == "decimal":
        return "#,##0.00"
    if spec.startswith("decimal:"):
        places = int(spec.split(":", 1)[1])
        return "#,##0" + ("." + "0" * places if places else "")
    return spec


def _as_text(value: Any) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 2**53 else f"{value:.15g}"
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def write_xlsx(
    path_or_buffer: Any,
    *,
    title: str | None,
    subtitle: str | None,
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    column_formats: Sequence[str | None] | None = None,
    sheet_name: str = "Sheet1",
) -> None:
    """Write one sheet to a path or a binary buffer, streaming (xlsxwriter's constant_memory mode).

    `column_formats[i]`: None (by value: numbers as numbers, dates as dates, text as text, booleans as 是/否),
    "text" or "id" (always text, column formatted "@"), "date", "datetime", "integer", "decimal" (two places),
    "decimal:N", or any Excel number format.
    """
    headers = list(headers)
    ncols = max(len(headers), 1)
    specs = list(column_formats or [])
    specs += [None] * (ncols - len(specs))
    wb = xlsxwriter.Workbook(
        path_or_buffer,
        {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
            "default_date_format": _DATE,
        },
    )
    try:
        ws = wb.add_worksheet(sheet_name[:31])
        title_fmt = wb.add_format({"bold": True, "font_size": 16, "align": "center", "valign": "vcenter"})
        subtitle_fmt = wb.add_format({"align": "left", "valign": "vcenter"})
        header_fmt = wb.add_format(
            {
                "bold": True,
                "align": "center",
                "valign": "vcenter",
                "text_wrap": True,
                "border": 1,
                "bg_color": "#DDEBF7",
            }
        )
        date_fmt = wb.add_format({"num_format": _DATE})
        datetime_fmt = wb.add_format({"num_format": _DATETIME})
        column_cell_fmts: list[Any] = []
        for i in range(ncols):
            spec = specs[i]
            num_format = _number_format(spec)
            fmt = wb.add_format({"num_format": num_format}) if num_format else None
            column_cell_fmts.append(fmt)
            header_text = headers[i] if i < len(headers) else ""
            width = max(8, min(50, display_width(str(header_text)) + 2))
            if spec in ("text", "id"):
                width = max(width, 20)
            elif spec in ("date", "datetime"):
                width = max(width, 12 if spec == "date" else 20)
            ws.set_column(i, i, width, fmt)

        row = 0
        for text, fmt, height in ((title, title_fmt, 30), (subtitle, subtitle_fmt, None)):
            if not text:
                continue
            if height:
                ws.set_row(row, height)
            if ncols > 1:
                ws.merge_range(row, 0, row, ncols - 1, "", fmt)
            ws.write_string(row, 0, str(text), fmt)
            row += 1
        for i, h in enumerate(headers):
            ws.write_string(row, i, str(h), header_fmt)
        header_row = row
        ws.freeze_panes(header_row + 1, 0)
        row += 1

        for values in rows:
            for i, value in enumerate(values):
                if value is None or value == "":
                    continue
                spec = specs[i] if i < len(specs) else None
                fmt = column_cell_fmts[i] if i < len(column_cell_fmts) else None
                if spec in ("text", "id"):
                    ws.write_string(row, i, _as_text(value), fmt)
                elif isinstance(value, str):
                    ws.write_string(row, i, value, fmt)  # never a formula, never a number
                elif isinstance(value, bool):
                    ws.write_string(row, i, "是" if value else "否", fmt)
                elif isinstance(value, dt.datetime):
                    ws.write_datetime(row, i, value.replace(tzinfo=None), fmt if spec else datetime_fmt)
                elif isinstance(value, dt.date):
                    ws.write_datetime(
                        row, i, dt.datetime(value.year, value.month, value.day), fmt if spec else date_fmt
                    )
                elif isinstance(value, int):
                    if abs(value) >= 10**15:  # beyond Excel's 15 significant digits
                        ws.write_string(row, i, str(value), fmt)
                    else:
                        ws.write_number(row, i, value, fmt)
                elif isinstance(value, Decimal):
                    if not value.is_finite():
                        continue
                    if len(value.normalize().as_tuple().digits) > 15:
                        ws.write_string(row, i, str(value), fmt)
                    else:
                        ws.write_number(row, i, float(value), fmt)
                elif isinstance(value, float):
                    if math.isfinite(value):
                        ws.write_number(row, i, value, fmt)
                else:
                    ws.write_string(row, i, str(value), fmt)
            row += 1
        if headers:
            ws.autofilter(header_row, 0, max(row - 1, header_row), ncols - 1)
    finally:
        wb.close()


def import_template(headers: Sequence[str], example: Sequence[str], notes: Iterable[Any]) -> bytes:
    """An import's empty template: the header and an example row on the first sheet (the one imported), an
    instructions sheet after it (`notes`, then how the preview works). Every cell is text, so Excel keeps codes,
    identity numbers, months and dates as typed."""
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False})
    try:
        text = wb.add_format({"num_format": "@"})
        header = wb.add_format({"bold": True, "align": "center", "border": 1, "bg_color": "#DDEBF7", "text_wrap": True})
        ws = wb.add_worksheet(_("填写"))
        for i, h in enumerate(headers):
            ws.set_column(i, i, max(12, min(40, len(h) * 2 + 2)), text)
            ws.write_string(0, i, h, header)
        for i, value in enumerate(list(example)[: len(headers)]):
            if value != "":
                ws.write_string(1, i, value, text)
        ws.freeze_panes(1, 0)
        sheet = wb.add_worksheet(_("填写说明"))
        sheet.set_column(0, 0, 100)
        sheet.write_string(0, 0, _("填写说明"), header)
        lines = [
            _("请在“填写”工作表中从第 2 行起填写，表头不要改动；第 2 行是示例，导入前请删除或覆盖。"),
            *notes,
            _(
                "导入时先预览：每一行的错误都会列出（第几行、哪一列、原因），确认后才写入；可选择全部导入或只导入正确的行。"
            ),
        ]
        for row, line in enumerate(lines, start=1):
            sheet.write_string(row, 0, f"{row}. {line}")
    finally:
        wb.close()
    return buf.getvalue()
