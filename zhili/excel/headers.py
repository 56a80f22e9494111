"""Find the header row of an office spreadsheet and map its columns to fields.

Office ledgers rarely start with their header: row 1 is a title ("孔家坊村气代煤改造台账"), row 2 says who filled
it in ("填报单位：……"), and the header may take two rows, a merged parent over its children::

    序号 | 村 | 户主信息        | 联系电话 | …
         |    | 姓名 | 身份证号 |          | …

Merged cells arrive as the value in their first cell and empty cells after it, so a parent is carried to the
right over the empty cells whose child row has text. Such a column is called "户主信息/姓名" and matches a field
by the whole text, by the child ("姓名") or by both run together ("户主信息姓名").
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from .reading import SpreadsheetError

__all__ = ["HeaderMatch", "find_header", "guess_header", "map_columns", "normalise_header", "split_header"]

# whitespace of every kind, including what NFKC leaves alone (zero-width space, BOM, word joiner)
_SPACE = re.compile(r"[\s\u200b\u200c\u200d\u2060\ufeff]+")
_TRAILING_BRACKET = re.compile(r"^(.+?)[(\[【〔<《]([^()\[\]【】〔〕<>《》]*)[)\]】〕>》]$")
_EDGE = "*★☆※:;,.、。"
# bracketed remarks that are not units
_ANNOTATIONS = {"必填", "选填", "可选", "必须", "非必填", "可不填", "选择", "下拉选择", "单选", "多选", "注", "备注"}


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def split_header(text: object) -> tuple[str, str | None]:
    """`("补贴金额", "元")` for "补贴金额（元）", "补贴金额(元)" or " 补贴金额 ( 元 ) "; the key is what
    `normalise_header` returns, the unit is the bracketed suffix (None when there is none or it is a remark such as
    "必填")."""
    s = unicodedata.normalize("NFKC", _cell_text(text))
    s = _SPACE.sub("", s).strip(_EDGE)
    unit: str | None = None
    while True:
        m = _TRAILING_BRACKET.match(s)
        if not m:
            break
        s, inside = m.group(1).strip(_EDGE), m.group(2).strip(_EDGE)
        if inside and inside not in _ANNOTATIONS and unit is None:
            unit = inside
    s = s.strip(_EDGE)
    return s.casefold(), unit


def normalise_header(text: object) -> str:
    """The key a header is matched by: full-width → half-width (NFKC), no spaces or line breaks at all (so
    "姓  名" = "姓名"), no trailing colon or required-marker "*", no bracketed unit suffix, case-folded.

    "补贴金额（元）", "补贴金额(元)" and " 补贴金额 " all give "补贴金额". A two-row header "户主信息/姓名" keeps
    its slash.
    """
    if isinstance(text, str) and "/" in text:
        return "/".join(split_header(part)[0] for part in text.split("/"))
    return split_header(text)[0]


def _display(value: object) -> str:
    """The header text as a person would read it: line breaks and surrounding spaces removed."""
    s = _cell_text(value)
    s = re.sub(r"\s*[\r\n]+\s*", "", s)
    return s.strip(" \t\u3000\xa0")


@dataclass(frozen=True)
class HeaderMatch:
    """Where the header is: `header_row` is the Excel row number of its last row, `columns[i]` the resolved header
    text of column i ("" where none; "户主信息/姓名" under a merged parent), `first_data_row` the Excel row after
    the header. `header_rows` lists every header row, `matched` how many expected labels were found, `units[i]`
    the bracketed unit of column i's header ("元" for "补贴金额（元）") or None."""

    header_row: int
    columns: list[str]
    first_data_row: int
    header_rows: tuple[int, ...] = ()
    matched: int = 0
    units: list[str | None] = field(default_factory=list)


def _column_keys(column: str) -> set[str]:
    """Every key a resolved column can be matched by."""
    if not column:
        return set()
    keys = {normalise_header(column)}
    if "/" in column:
        parts = [split_header(p)[0] for p in column.split("/")]
        parent, child = parts[0], parts[-1]
        keys.update({child, parent + child})
    keys.discard("")
    return keys


def _combine(parent_row: list, child_row: list) -> list[str]:
    """Resolve a two-row header: carry a merged parent right over empty cells that have a child below."""
    width = max(len(parent_row), len(child_row))
    parents = [_display(parent_row[i]) if i < len(parent_row) else "" for i in range(width)]
    children = [_display(child_row[i]) if i < len(child_row) else "" for i in range(width)]
    columns: list[str] = []
    carried = ""
    for i in range(width):
        parent, child = parents[i], children[i]
        if parent:
            carried = parent if child else ""  # only a parent with a child under its first cell spans
        elif not child:
            carried = ""
        parent = parent or (carried if child else "")
        if parent and child:
            columns.append(f"{parent}/{child}")
        else:
            columns.append(parent or child)
    return columns


def _score(columns: list[str], expected: set[str]) -> int:
    found: set[str] = set()
    for c in columns:
        found |= _column_keys(c) & expected
    return len(found)


def _looks_like_header_row(values: list) -> bool:
    """Mostly text: a header may hold a year or a month as a number or date, a data row rarely is all text."""
    present = [v for v in values if v is not None]
    texts = sum(1 for v in present if isinstance(v, str))
    return bool(present) and texts * 2 >= len(present)


def find_header(rows: Iterable[tuple[int, list]], expected: Iterable[str], *, scan: int = 15) -> HeaderMatch:
    """Find the header among the first `scan` rows (as yielded by `open_rows`; pass a list of them — an iterator is
    read for `scan` rows, which are then gone from it).

    `expected` is every label or alias a column may carry (put a person's remembered header texts in too). Each
    candidate row, alone or with the row below it as a child row, is scored by how many expected labels it
    contains; the best wins — on a tie a single row, then the earlier one. When nothing matches, raises `SpreadsheetError` naming the
    labels looked for. With no `expected` labels, the first row of at least two text cells is the header.
    """
    expected = list(expected)
    wanted = {normalise_header(e) for e in expected} - {""}
    window = list(itertools.islice(rows, scan))
    if not window:
        raise SpreadsheetError(_("表格是空的：没有读到任何内容。"), code="empty")
    # (score, -rows, -index): more labels found wins; on a tie fewer header rows (a parent row that adds no label
    # is a title or a subtitle, not a header), then the earlier row
    best: tuple[int, int, int] | None = None
    best_columns: list[str] = []
    for i, (_number, values) in enumerate(window):
        if not _looks_like_header_row(values):
            continue
        single = [_display(v) for v in values]
        if wanted:
            score = _score(single, wanted)
        else:
            score = sum(1 for c in single if c)
            score = score if score >= 2 else 0
        candidates = [(score, 1, single)]
        if i + 1 < len(window) and wanted:
            next_number, next_values = window[i + 1]
            if next_number == _number + 1 and _looks_like_header_row(next_values):
                pair = _combine(values, next_values)
                candidates.append((_score(pair, wanted), 2, pair))
        for score, size, columns in candidates:
            if score <= 0:
                continue
            key = (score, -size, -i)
            if best is None or key > best:
                best, best_columns = key, columns
        if not wanted and best is not None:
            break
    if best is None:
        labels = _("、").join(f"「{e}」" for e in list(dict.fromkeys(expected))[:8]) or _("任何列名")
        raise SpreadsheetError(
            _(
                "在表格前 %(scan)s 行中没有找到表头：没有一列的标题是 %(labels)s 之一。请确认选对了文件和工作表，或把表头改成台账里的列名。"
            )
            % {"scan": scan, "labels": labels},
            code="no_header",
        )
    score, neg_size, neg_index = best
    first = window[-neg_index][0]
    last = window[-neg_index + (-neg_size) - 1][0]
    header_rows = tuple(range(first, last + 1))
    return HeaderMatch(
        header_row=last,
        columns=best_columns,
        first_data_row=last + 1,
        header_rows=header_rows,
        matched=score if wanted else 0,
        units=[split_header(c.split("/")[-1])[1] if c else None for c in best_columns],
    )


_NUMBER_TEXT = re.compile(r"^[-+]?[\d,，.]+%?$")


def _text_cells(values: list) -> int:
    """Cells with words in them (a CSV's "2020" or "3.5" is a number written as text, not a title)."""
    return sum(1 for v in values if isinstance(v, str) and (t := _display(v)) and not _NUMBER_TEXT.match(t))


def _is_child_row(parent: list, child: list) -> bool:
    """The second row of a two-row header: it has text under a gap of the row above (a merged parent's span), and
    is empty under some of that row's titles (the columns whose header is merged downwards, such as 序号)."""
    width = max(len(parent), len(child))
    above = [_display(parent[i]) if i < len(parent) else "" for i in range(width)]
    below = [_display(child[i]) if i < len(child) and isinstance(child[i], str) else "" for i in range(width)]
    if any(child[i] is not None and not below[i] for i in range(len(child))):
        return False  # a number or a date: a data row
    under_gap = any(below[i] and not above[i] for i in range(1, width)) and any(above[i] for i in range(width))
    empty_under_title = any(above[i] and not below[i] for i in range(width))
    return under_gap and empty_under_title


def guess_header(rows: Iterable[tuple[int, list]], *, scan: int = 15) -> HeaderMatch:
    """The header of a spreadsheet whose columns are not known yet (a ledger proposed from an office's file):
    the first row among the first `scan` that is mostly text and at least half as wide as the widest text row —
    a title ("孔家坊村气代煤改造台账") or a "填报单位：……" line is narrower —, with the row below it when that
    is the second row of a merged header. Raises `SpreadsheetError` when no row looks like a header."""
    window = list(itertools.islice(rows, scan))
    if not window:
        raise SpreadsheetError(_("表格是空的：没有读到任何内容。"), code="empty")
    widths = [_text_cells(values) if _looks_like_header_row(values) else 0 for _number, values in window]
    widest = max(widths)
    if widest < 2:
        raise SpreadsheetError(
            _("在表格前 %(scan)s 行中没有找到表头：没有一行写着两个以上的列名。请确认选对了文件和工作表。")
            % {"scan": scan},
            code="no_header",
        )
    i = next(i for i, w in enumerate(widths) if w * 2 >= widest)
    number, values = window[i]
    columns = [_display(v) for v in values]
    header_rows: tuple[int, ...] = (number,)
    if i + 1 < len(window):
        next_number, next_values = window[i + 1]
        if next_number == number + 1 and _is_child_row(values, next_values):
            columns = _combine(values, next_values)
            header_rows = (number, next_number)
    last = header_rows[-1]
    return HeaderMatch(
        header_row=last,
        columns=columns,
        first_data_row=last + 1,
        header_rows=header_rows,
        units=[split_header(c.split("/")[-1])[1] if c else None for c in columns],
    )


def map_columns(
    columns: Sequence[str],
    fields: Sequence[tuple[str, Sequence[str]]],
    remembered: Mapping[str, str | None] | None = None,
) -> tuple[dict[int, str], list[str]]:
    """Map column index → field key; return it with the labels of the fields no column matched.

    `fields` are `(field_key, [label, alias, …])` in the ledger's order. `remembered` maps a normalised header
    text to a field key — a person's manual choice from last time — and wins over guessing; a remembered value of
    None or "" means "do not import this column". Otherwise, a field takes the leftmost free column whose whole
    header equals one of its labels; then, for fields still unmatched, a column whose child text (under a merged
    parent) equals a label; then parent and child run together. Each column feeds at most one field, each field
    reads at most one column.
    """
    mapping: dict[int, str] = {}
    taken_fields: set[str] = set()
    ignored: set[int] = set()
    full = [normalise_header(c) if c else "" for c in columns]
    if remembered:
        memory = {normalise_header(k): v for k, v in remembered.items()}
        known = {key for key, _labels in fields}
        for i, key in enumerate(full):
            if not key or key not in memory:
                continue
            target = memory[key]
            if not target:
                ignored.add(i)
            elif target in known and target not in taken_fields:
                mapping[i] = target
                taken_fields.add(target)
    children: list[str] = []
    joined: list[str] = []
    for c in columns:
        if c and "/" in c:
            parts = [split_header(p)[0] for p in c.split("/")]
            children.append(parts[-1])
            joined.append(parts[0] + parts[-1])
        else:
            children.append("")
            joined.append("")
    wanted = [(key, [normalise_header(label) for label in labels]) for key, labels in fields]
    for keys_of_column in (full, children, joined):
        for field_key, labels in wanted:
            if field_key in taken_fields:
                continue
            for label in labels:
                if not label:
                    continue
                hit = next(
                    (i for i, k in enumerate(keys_of_column) if k == label and i not in mapping and i not in ignored),
                    None,
                )
                if hit is not None:
                    mapping[hit] = field_key
                    taken_fields.add(field_key)
                    break
    missing = [labels[0] if labels else key for key, labels in fields if key not in taken_fields]
    return dict(sorted(mapping.items())), missing
