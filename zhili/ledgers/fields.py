"""From what a person typed (a form or a spreadsheet cell) to a row's stored JSON, for one ledger version.

Parsing is zhili.excel.values (one layer for every importer and form); this module adds the ledger's rules
(required, ranges, the region in scope, the key) and the JSON form: dates as ISO strings, decimals as strings
(nothing is rounded by a float), identity numbers as text.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from zhili.core import numbers
from zhili.excel import values as v
from zhili.ledgers.models import FieldType, Ledger, LedgerVersion
from zhili.people.scope import Scope
from zhili.regions.models import Level, Region


@dataclass
class Context:
    """What a row may refer to: the regions of the ledger's subdistrict, matched by name or code."""

    matcher: v.RegionMatcher
    by_code: dict[str, Region]
    default_region: Region | None

    @classmethod
    def for_ledger(cls, ledger: Ledger, scope: Scope | None = None) -> Context:
        levels = [Level.VILLAGE, Level.GRID] if ledger.level == "grid" else [Level.VILLAGE]
        regions = list(
            Region.objects.filter(parent__path__startswith=ledger.region.path, level__in=levels)
            .current()
            .only("pk", "name", "code", "path", "level", "parent_id")
        )
        if ledger.level == "grid":
            names = {f"{r.name}": r for r in regions if r.level == Level.GRID}
        else:
            names = {r.name: r for r in regions if r.level == Level.VILLAGE}
        return cls(v.RegionMatcher(names), {r.code: r for r in regions}, None)


@dataclass
class Problem:
    field_key: str
    label: str
    raw: Any
    reason: str


@dataclass
class CleanRow:
    data: dict[str, Any] = field(default_factory=dict)
    region: Region | None = None
    key_value: str = ""
    key_label: str = ""
    key_display: str = ""
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        text = format(value, "f")
        return text
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def parse(f: dict, raw: Any, ctx: Context, column_unit: str | None = None) -> v.Parsed:
    """One cell, by the field's type. Raises v.ValueProblem with a Chinese sentence. (For many cells of one
    field, `compile_parser` once.)"""
    return compile_parser(f, ctx, column_unit)(raw)


def clean_row(
    version: LedgerVersion, raw: dict[str, Any], ctx: Context, column_units: dict[str, str | None] | None = None
) -> CleanRow:
    """Every field of one row: parsed, checked, in JSON form; problems collected, never raised.

    For many rows (an import), build a `RowCleaner` once and call it per row: it is this function compiled."""
    return RowCleaner(version, ctx, column_units).clean_dict(raw)


_NUMERIC = (FieldType.INTEGER, FieldType.DECIMAL)
# types whose parser returns a value JSON stores as it is (str, int or bool), so _jsonable would return it unchanged
_JSON_READY = (
    FieldType.TEXT,
    FieldType.FILE,
    FieldType.INTEGER,
    FieldType.BOOL,
    FieldType.CHOICE,
    FieldType.PHONE,
    FieldType.ID_NUMBER,
    FieldType.USCC,
)


def _bounds(f: dict) -> tuple[Any, Any]:
    """The field's (min, max) as the values parse() returns are compared with: dates or Decimals."""
    lo, hi = f.get("min"), f.get("max")
    if f["type"] == FieldType.DATE:
        lo = datetime.date.fromisoformat(lo) if isinstance(lo, str) else lo
        hi = datetime.date.fromisoformat(hi) if isinstance(hi, str) else hi
    else:
        lo = Decimal(str(lo)) if lo is not None else None
        hi = Decimal(str(hi)) if hi is not None else None
    return lo, hi


def compile_parser(f: dict, ctx: Context, column_unit: str | None = None) -> Callable[[Any], v.Parsed]:
    """parse(f, ·, ctx, column_unit) with the dispatch on the field's type and options done once: the function
    returned gives the same Parsed (or raises the same ValueProblem) for every cell."""
    t = f["type"]
    if t == FieldType.TEXT or t == FieldType.FILE:
        max_length = f.get("max_length", 500)
        return lambda raw: v.parse_text(raw, max_length=max_length)
    if t == FieldType.INTEGER:
        unit = f.get("unit")
        return lambda raw: v.parse_integer(raw, unit=unit, column_unit=column_unit)
    if t == FieldType.DECIMAL:
        unit, decimals = f.get("unit"), f.get("decimals", 2)
        return lambda raw: v.parse_decimal(raw, decimals=decimals, unit=unit, column_unit=column_unit)
    if t == FieldType.DATE:
        return v.parse_date
    if t == FieldType.BOOL:
        return v.parse_yes_no
    if t == FieldType.CHOICE:
        return v.ChoiceMatcher(f.get("choices", [])).match
    if t == FieldType.PHONE:
        return v.parse_phone
    if t == FieldType.ID_NUMBER:
        return v.parse_identity
    if t == FieldType.USCC:
        return v.parse_uscc
    if t == FieldType.REGION:
        by_code, match = ctx.by_code, ctx.matcher.match
        found: dict[str, v.Parsed] = {}  # what people typed → its region: a file repeats a few dozen names

        def region(raw: Any) -> v.Parsed:
            if type(raw) is str:
                hit = found.get(raw)
                if hit is not None:
                    return hit
                code = raw.strip()
                parsed = v.Parsed(by_code[code]) if code in by_code else match(raw)
                if len(found) < 10_000:
                    found[raw] = parsed
                return parsed
            return match(raw)

        return region

    def unknown(raw: Any) -> v.Parsed:
        raise v.ValueProblem(_("未知的字段类型“%(t)s”。") % {"t": t})

    return unknown


class RowCleaner:
    """clean_row for one ledger version, context and set of column units, compiled once: each field's parser,
    bounds and JSON form are chosen before the first row, so a row costs only its cells' parsing.

    `clean_dict(raw)` takes a row as field key → cell (a form); `clean_cells(cells)` the cells in the order of
    `self.keys` (an import maps its columns once, then hands each row's cells over as a list)."""

    def __init__(self, version: LedgerVersion, ctx: Context, column_units: dict[str, str | None] | None = None):
        units = column_units or {}
        self.keys = [f["key"] for f in version.fields]
        steps = []
        for f in version.fields:
            t = f["type"]
            lo, hi = _bounds(f) if t in _NUMERIC or t == FieldType.DATE else (None, None)
            if t == FieldType.DECIMAL:
                to_json: Callable[[Any], Any] | bool | None = _decimal_json
            elif t == FieldType.DATE:
                to_json = _date_json
            elif t == FieldType.REGION:
                to_json = None  # the region itself: its code is stored, the Region kept on the row
            elif t in _JSON_READY:
                to_json = False  # the parser's value is stored as it is
            else:
                to_json = _jsonable
            steps.append(
                (
                    f["key"],
                    f["label"],
                    compile_parser(f, ctx, units.get(f["key"])),
                    bool(f.get("required")),
                    lo,
                    hi,
                    to_json,
                )
            )
        self.steps = steps
        self.key = list(version.key or [])
        self.key_fields = [version.field(k) for k in self.key]
        self.key_label = "、".join(kf["label"] for kf in self.key_fields) if self.key else ""

    def clean_dict(self, raw: dict[str, Any]) -> CleanRow:
        return self.clean_cells([raw.get(k) for k in self.keys])

    def clean_cells(self, cells: list) -> CleanRow:
        out = CleanRow()
        data = out.data
        errors = None
        for (key, label, parse_cell, required, lo, hi, to_json), cell in zip(self.steps, cells, strict=True):
            try:
                value, warning = parse_cell(cell)
            except v.ValueProblem as exc:
                out.errors.append(Problem(key, label, cell, str(exc)))
                errors = True
                continue
            if warning:
                out.warnings.append(Problem(key, label, cell, warning))
            if value is None or value == "":
                if required:
                    out.errors.append(Problem(key, label, cell, "必填，不能为空。"))
                    errors = True
                continue
            if lo is not None and value < lo:
                out.errors.append(Problem(key, label, cell, f"不能小于 {lo}。"))
                errors = True
                continue
            if hi is not None and value > hi:
                out.errors.append(Problem(key, label, cell, f"不能大于 {hi}。"))
                errors = True
                continue
            if to_json is False:
                data[key] = value
            elif to_json is None:
                out.region = value
                data[key] = value.code
            else:
                data[key] = to_json(value)
        if self.key and not (errors and any(p.field_key in self.key for p in out.errors)):
            parts = [str(data.get(k, "")) for k in self.key]
            if all(parts):
                out.key_value = "|".join(parts)
                out.key_label = self.key_label
                out.key_display = "、".join(mask(kf, p) for kf, p in zip(self.key_fields, parts, strict=True))
        return out


def _decimal_json(value: Any) -> Any:
    return format(value, "f") if type(value) is Decimal else _jsonable(value)


def _date_json(value: Any) -> Any:
    return value.isoformat() if type(value) is datetime.date else _jsonable(value)


def mask(f: dict | None, value: Any) -> str:
    """Identity numbers shown as 370125********123X: enough to tell people apart, not to misuse."""
    if value is None:
        return ""
    text = str(value)
    if f is not None and f.get("type") == FieldType.ID_NUMBER and len(text) >= 10:
        return text[:6] + "*" * (len(text) - 10) + text[-4:]
    return text


def display(version: LedgerVersion, key: str, value: Any, *, regions: dict[str, str] | None = None) -> str:
    """A stored value as shown on a page, in the audit log and in exports (identity numbers masked)."""
    f = version.field(key)
    if value is None:
        return ""
    if f is None:
        return str(value)
    if f["type"] == FieldType.BOOL:
        return _("是") if value else _("否")
    if f["type"] == FieldType.REGION and regions is not None:
        return regions.get(value, value)
    if f["type"] == FieldType.ID_NUMBER:
        return mask(f, value)
    if f["type"] in (FieldType.INTEGER, FieldType.DECIMAL):
        return numbers.official(value, places=int(f.get("decimals", 4)))  # 3,200.5, not 3200.50
    return str(value)


def export_value(f: dict, value: Any, regions: dict[str, str]) -> Any:
    """A stored value as written to a spreadsheet cell the importer reads back unchanged (unmasked)."""
    if value is None:
        return None
    t = f["type"]
    if t == FieldType.REGION:
        return regions.get(value, value)
    if t == FieldType.BOOL:
        return "是" if value else "否"
    if t == FieldType.DATE:
        return datetime.date.fromisoformat(value)
    if t == FieldType.DECIMAL:
        return Decimal(value)
    return value
