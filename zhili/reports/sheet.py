"""The superior's workbook, read and written with openpyxl (never a hand-written parser).

- `load` refuses, in Chinese, what cannot be a superior's form: not an .xlsx (an .xls is asked to be saved as
  .xlsx), encrypted, empty, over 5 MB, more than 200 rows × 60 columns used.
- `grid` renders a sheet for the mapping page (merges as row/col spans, covered cells hidden).
- `label_of` / `anchor_of` read the words around a cell: its row's label (the nearest text to its left, with the
  unit of a 单位 column) and its column's header path (the nearest block of header texts above it, multi-row
  headers joined with "／"; a title merged across the sheet or a "填报单位：…" line ends the block).
- `compare` finds a version's mapped cells again in the superior's next version by those words: same place (OK),
  another place (MOVED), gone (LOST).
- `write` writes values into a copy of the file: only the values change, never the formatting.
"""

from __future__ import annotations

import io
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from typing import Any

import openpyxl
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from openpyxl.cell.cell import MergedCell
from openpyxl.utils import column_index_from_string, get_column_letter
from openpyxl.utils.cell import coordinate_from_string
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from zhili.excel import reading

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 200
MAX_COLUMNS = 60
SEP = "／"
TOTAL_WORDS = ("合计", "总计", "小计")
UNIT_HEADERS = ("单位", "计量单位")
_NAME_SUFFIXES = ("村民委员会", "居民委员会", "村委会", "居委会", "社区", "村")


# ------------------------------------------------------------------------------------------------ loading


def load(content: bytes) -> Workbook:
    """The workbook, or a Chinese sentence (ValidationError) saying why it cannot be a superior's form."""
    content = bytes(content or b"")
    if not content:
        raise ValidationError(_("文件是空的（0 字节），请检查后重新上传。"))
    if len(content) > MAX_BYTES:
        raise ValidationError(
            _("文件超过 5 MB，不像一张上报表样。请删除多余的工作表和图片后再上传。"),
        )
    source = reading._Source(content, max_bytes=MAX_BYTES)
    try:
        kind = reading._sniff(
            source, ".xlsx", max_bytes=MAX_BYTES, max_unzipped_ratio=reading.DEFAULT_MAX_UNZIPPED_RATIO
        )
    except reading.SpreadsheetError as exc:
        raise ValidationError(str(exc)) from None
    if kind == "xls":
        raise ValidationError(_("这是旧版 Excel（.xls）文件：请在 Excel 中另存为 .xlsx 后上传。"))
    if kind != "xlsx":
        raise ValidationError(_("上级的表样须是 Excel 工作簿（.xlsx）：请在 Excel 中另存为 .xlsx 后上传。"))
    try:
        wb = openpyxl.load_workbook(io.BytesIO(content), rich_text=True)
    except Exception:  # openpyxl raises many kinds for a broken file
        raise ValidationError(
            _("文件已损坏或不是有效的 Excel 文件。请用 Excel 打开确认后另存为 .xlsx 再上传。")
        ) from None
    for ws in wb.worksheets:
        rows, cols = _used(ws)
        if rows > MAX_ROWS or cols > MAX_COLUMNS:
            raise ValidationError(
                _("工作表“%(sheet)s”用到了 %(rows)s 行 × %(cols)s 列，超过上报表样的上限（200 行 × 60 列）。")
                % {"sheet": ws.title, "rows": rows, "cols": cols}
            )
    if not any(_used(ws)[0] for ws in wb.worksheets):
        raise ValidationError(_("工作簿里没有任何内容。"))
    return wb


def _used(ws: Worksheet) -> tuple[int, int]:
    """The last row and column holding a value or a merge (formatting alone does not count)."""
    rows = cols = 0
    for (r, c), cell in ws._cells.items():
        if cell.value is not None and str(cell.value).strip() != "":
            rows, cols = max(rows, r), max(cols, c)
    for rng in ws.merged_cells.ranges:
        rows, cols = max(rows, rng.max_row), max(cols, rng.max_col)
    return rows, cols


@lru_cache(maxsize=8)
def _cached(content: bytes) -> Workbook:
    return load(content)


def _sheet(content_or_ws: Any, sheet: str | None = None) -> Worksheet:
    if isinstance(content_or_ws, Worksheet):
        return content_or_ws
    wb = content_or_ws if isinstance(content_or_ws, Workbook) else _cached(bytes(content_or_ws))
    if sheet:
        if sheet not in wb.sheetnames:
            raise ValidationError(_("表样中没有名为“%(sheet)s”的工作表。") % {"sheet": sheet})
        return wb[sheet]
    return wb.worksheets[0]


def sheet_names(content: bytes) -> list[str]:
    return list(_cached(bytes(content)).sheetnames)


# ------------------------------------------------------------------------------------------------ reading


def display(cell: Any) -> str:
    """A cell's value as Excel shows it, roughly: numbers by their number format's decimals."""
    value = cell.value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int | float | Decimal):
        fmt = cell.number_format or "General"
        m = re.search(r"0\.(0+)", fmt)
        if m:
            return f"{value:,.{len(m.group(1))}f}" if "," in fmt else f"{value:.{len(m.group(1))}f}"
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value)
    if hasattr(value, "strftime"):
        return value.strftime("%Y-%m-%d")
    return str(value).strip()


class _Sheet:
    """A worksheet's words, computed once: merges, each cell's text, the header path above and the label left of
    every cell (one pass down each column and along each row)."""

    def __init__(self, ws: Worksheet):
        self.ws = ws
        self.rows, self.cols = _used(ws)
        self.top_left: dict[tuple[int, int], tuple[int, int]] = {}
        self.span: dict[tuple[int, int], tuple[int, int]] = {}
        for rng in ws.merged_cells.ranges:
            self.span[(rng.min_row, rng.min_col)] = (rng.max_row - rng.min_row + 1, rng.max_col - rng.min_col + 1)
            for r in range(rng.min_row, rng.max_row + 1):
                for c in range(rng.min_col, rng.max_col + 1):
                    if (r, c) != (rng.min_row, rng.min_col):
                        self.top_left[(r, c)] = (rng.min_row, rng.min_col)
        self._text: dict[tuple[int, int], str | None] = {}
        self.up: dict[tuple[int, int], tuple[str, ...]] = {}
        self.left: dict[tuple[int, int], str] = {}
        for c in range(1, self.cols + 2):
            self._down(c)
        for r in range(1, self.rows + 2):
            self._along(r)

    def value_cell(self, r: int, c: int):
        r0, c0 = self.top_left.get((r, c), (r, c))
        return self.ws.cell(r0, c0)

    def text(self, r: int, c: int) -> str | None:
        """The words in (r, c) (a merged cell's for every cell it covers); None for empty cells and numbers."""
        key = (r, c)
        if key not in self._text:
            value = self.value_cell(r, c).value if r <= self.rows and c <= self.cols else None
            out = None
            if isinstance(value, str):
                s = re.sub(r"\s+", " ", value).strip()
                if s and not _NUMBERISH.match(s):
                    out = s
            self._text[key] = out
        return self._text[key]

    def is_stop(self, r: int, c: int) -> bool:
        """A title merged across most of the sheet, or a "填报单位：…" line: never part of a column's header."""
        t = self.text(r, c)
        if t is None:
            return False
        r0, c0 = self.top_left.get((r, c), (r, c))
        width = self.span.get((r0, c0), (1, 1))[1]
        return width >= max(3, int(self.cols * 0.6)) or t.endswith(("：", ":")) or bool(_FORM_LINE.search(t))

    def _down(self, c: int) -> None:
        block: list[str] = []
        last: list[str] = []
        for r in range(1, self.rows + 2):
            self.up[(r, c)] = tuple(block or last)
            t = self.text(r, c)
            if t is not None and not self.is_stop(r, c):
                if not block or block[-1] != t:
                    block.append(t)
            else:
                if block:
                    last = block
                    block = []
                if self.is_stop(r, c):
                    last = []

    def _along(self, r: int) -> None:
        name = unit = ""
        for c in range(1, self.cols + 2):
            self.left[(r, c)] = f"{name}（{unit}）" if name and unit else name
            t = self.text(r, c)
            if t is None:
                continue
            up = self.up.get((r, c), ())
            if any(h in UNIT_HEADERS for h in up):
                unit = t
            elif not _SEQ.match(t):
                name = t.rstrip("：:").strip()

    def header_of(self, c: int, first_row: int | None) -> tuple[str, ...]:
        return self.up.get((first_row or self.rows + 1, c), ())


_NUMBERISH = re.compile(r"^[-+]?[\d,]+(\.\d+)?%?$")
_SEQ = re.compile(r"^[（(]?[一二三四五六七八九十甲乙丙丁]{1,3}[)）、.．]?$")
_FORM_LINE = re.compile(r"^(填报单位|填表单位|报送单位|单位负责人|审核人|填报人|填表人|联系电话|填报日期)")


@lru_cache(maxsize=16)
def _words(ws: Worksheet) -> _Sheet:
    return _Sheet(ws)


def _cell(ref: str) -> tuple[int, int]:
    try:
        letters, row = coordinate_from_string(ref.strip().upper())
        return row, column_index_from_string(letters)
    except ValueError:
        raise ValidationError(_("单元格“%(ref)s”无效，应写作 D7 这样的列字母加行号。") % {"ref": ref}) from None


def _column(ref: str) -> int:
    letters = re.sub(r"\d+$", "", ref.strip().upper())
    try:
        return column_index_from_string(letters)
    except ValueError:
        raise ValidationError(_("列“%(ref)s”无效，应写作 D 这样的列字母。") % {"ref": ref}) from None


def _is_rows(layout: str) -> bool:
    return str(layout) == "rows"


def anchor_of(
    content_or_ws: Any,
    ref: str,
    *,
    layout: str,
    key_column: str | None = None,
    first_row: int | None = None,
    sheet: str | None = None,
) -> dict:
    """The words by which `compare` finds the cell (CELLS) or column (ROWS) again: {"row": …, "col": [...]}."""
    words = _words(_sheet(content_or_ws, sheet))
    if _is_rows(layout):
        return {"row": "", "col": list(words.header_of(_column(ref), first_row))}
    r, c = _cell(ref)
    return {"row": words.left.get((r, c), ""), "col": list(words.up.get((r, c), ()))}


def label_of(
    content_or_ws: Any,
    ref: str,
    *,
    layout: str,
    key_column: str | None = None,
    first_row: int | None = None,
    sheet: str | None = None,
) -> str:
    """The header words of a cell ("固定资产投资（万元）／本月／完成数") or of a ROWS form's column ("改厕（户）／本月完成")."""
    a = anchor_of(content_or_ws, ref, layout=layout, key_column=key_column, first_row=first_row, sheet=sheet)
    return SEP.join([p for p in [a["row"], *a["col"]] if p])


# ------------------------------------------------------------------------------------------------ the grid


@dataclass
class GridCell:
    ref: str
    text: str
    rowspan: int = 1
    colspan: int = 1
    hidden: bool = False
    is_header: bool = False


@dataclass
class Grid:
    rows: list[list[GridCell]] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)


def grid(content: Any, sheet: str | None = None) -> Grid:
    """The sheet as a table for the clicking page (merges as spans; cells covered by a merge hidden)."""
    ws = _sheet(content, sheet)
    words = _words(ws)
    out = Grid(columns=[get_column_letter(c) for c in range(1, words.cols + 1)])
    for r in range(1, words.rows + 1):
        row = []
        for c in range(1, words.cols + 1):
            ref = f"{get_column_letter(c)}{r}"
            if (r, c) in words.top_left:
                row.append(GridCell(ref, "", hidden=True))
                continue
            rowspan, colspan = words.span.get((r, c), (1, 1))
            text = display(ws.cell(r, c))
            row.append(GridCell(ref, text, rowspan, colspan, is_header=words.text(r, c) is not None))
        out.rows.append(row)
    return out


# ------------------------------------------------------------------------------------------------ village rows


def name_key(text: Any) -> str:
    """A village's name as compared with a sheet's: NFKC, no spaces, without 村/社区/村委会 …"""
    s = re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text or "")))
    for suffix in _NAME_SUFFIXES:
        if s.endswith(suffix) and len(s) > len(suffix) + 1:
            return s[: -len(suffix)]
    return s


def _is_total(text: str | None) -> bool:
    s = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or ""))
    return any(s.startswith(w) or s.endswith(w) for w in TOTAL_WORDS)


def guess_rows(content: Any, sheet: str | None, village_names: list[str]) -> dict:
    """The village rows of a ROWS form: {key_column, first_row, last_row, total_row} (names compared by `name_key`)."""
    ws = _sheet(content, sheet)
    words = _words(ws)
    wanted = {name_key(n) for n in village_names}
    hits: dict[int, list[int]] = {}
    for r in range(1, words.rows + 1):
        for c in range(1, words.cols + 1):
            t = words.text(r, c)
            if t and (r, c) not in words.top_left and name_key(t) in wanted:
                hits.setdefault(c, []).append(r)
    if not hits:
        raise ValidationError(
            _("在工作表“%(sheet)s”中找不到任何一个村（社区）的名称，请指明村居名称所在列和首末行。")
            % {"sheet": ws.title}
        )
    column = max(hits, key=lambda c: (len(hits[c]), -c))
    first, last = min(hits[column]), max(hits[column])
    total = None
    for r in [*range(last + 1, min(last + 4, words.rows) + 1), *range(first - 1, max(first - 3, 0), -1)]:
        if any(_is_total(words.text(r, c)) for c in range(1, column + 1)):
            total = r
            break
    return {"key_column": get_column_letter(column), "first_row": first, "last_row": last, "total_row": total}


def village_rows(content: Any, sheet: str | None, key_column: str, first_row: int, last_row: int) -> dict[int, str]:
    """{row: the name written in the key column} for the rows between first_row and last_row that name something."""
    ws = _sheet(content, sheet)
    words = _words(ws)
    c = _column(key_column)
    out = {}
    for r in range(first_row, last_row + 1):
        t = words.text(r, c)
        if t and not _is_total(t):
            out[r] = t
    return out


# ------------------------------------------------------------------------------------------------ versions


@dataclass
class Move:
    cell_map: Any
    state: str
    ref: str


def _index(words: _Sheet) -> dict[tuple[str, tuple[str, ...]], list[tuple[int, int]]]:
    """Every cell that can hold a figure (not words, not covered by a merge), by its anchor."""
    out: dict[tuple[str, tuple[str, ...]], list[tuple[int, int]]] = {}
    for r in range(1, words.rows + 2):
        for c in range(1, words.cols + 2):
            if (r, c) in words.top_left or words.text(r, c) is not None:
                continue
            out.setdefault((words.left.get((r, c), ""), words.up.get((r, c), ())), []).append((r, c))
    return out


def compare(old: Any, new: Any, cell_maps: list) -> list[Move]:
    """Where each of `old`'s mapped cells is in `new` (both FormVersions): OK at the same place, MOVED (`ref` the new
    place), LOST (its words are gone)."""
    from zhili.reports.models import Layout, MapState

    layout = old.form.layout
    old_ws = _sheet(bytes(old.content), old.sheet or None)
    new_ws = _sheet(bytes(new.content), new.sheet or None)
    new_words = _words(new_ws)
    rows = layout == Layout.ROWS
    index = None if rows else _index(new_words)
    columns: dict[tuple[str, ...], list[int]] = {}
    if rows:
        for c in range(1, new_words.cols + 1):
            columns.setdefault(new_words.header_of(c, new.first_row), []).append(c)
    out = []
    for cm in cell_maps:
        anchor = cm.anchor or anchor_of(
            old_ws, cm.ref, layout=layout, key_column=old.key_column, first_row=old.first_row
        )
        path = tuple(anchor.get("col") or ())
        if rows:
            here = _column(cm.ref)
            found = columns.get(path, []) if path else []
            if here in found:
                out.append(Move(cm, MapState.OK, cm.ref))
            elif found:
                nearest = min(found, key=lambda c: abs(c - here))
                out.append(Move(cm, MapState.MOVED, get_column_letter(nearest)))
            else:
                out.append(Move(cm, MapState.LOST, cm.ref))
            continue
        assert index is not None
        key = (anchor.get("row") or "", path)
        r0, c0 = _cell(cm.ref)
        cells = index.get(key, []) if (key[0] or key[1]) else []
        same = (new_words.left.get((r0, c0), ""), new_words.up.get((r0, c0), ()))
        if (r0, c0) in cells or (same == key and (key[0] or key[1])):
            out.append(Move(cm, MapState.OK, cm.ref))
        elif cells:
            r, c = min(cells, key=lambda rc: (abs(rc[0] - r0) + abs(rc[1] - c0), rc))
            out.append(Move(cm, MapState.MOVED, f"{get_column_letter(c)}{r}"))
        else:
            out.append(Move(cm, MapState.LOST, cm.ref))
    return out


# ------------------------------------------------------------------------------------------------ writing


def _number(value: Decimal) -> int | float:
    if value == value.to_integral_value():
        return int(value)
    return float(value)


def write(content: bytes, sheet: str | None, values: dict[str, Any]) -> bytes:
    """A copy of the superior's file with `values` written (numbers as numbers); the formatting untouched."""
    wb = openpyxl.load_workbook(io.BytesIO(bytes(content)), rich_text=True)
    ws = _sheet(wb, sheet)
    for ref, value in values.items():
        r, c = _cell(ref)
        cell = ws.cell(r, c)
        if isinstance(cell, MergedCell):
            raise ValidationError(
                _("单元格 %(ref)s 被合并单元格覆盖，不能写入：请映射合并区域左上角的单元格。") % {"ref": ref}
            )
        if value is None or value == "":
            cell.value = None
        elif isinstance(value, Decimal):
            cell.value = _number(value)
        else:
            cell.value = value
            if isinstance(value, str):
                cell.data_type = "s"  # openpyxl takes "=…" for a formula: text written by Zhili stays text
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
