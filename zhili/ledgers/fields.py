"""From what a person typed (a form or a spreadsheet cell) to a row's stored JSON, for one ledger version.

Parsing is zhili.excel.values (one layer for every importer and form); this module adds the ledger's rules
(required, ranges, the region in scope, the key) and the JSON form: dates as ISO strings, decimals as strings
(nothing is rounded by a float), identity numbers as text.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

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
        regions = list(Region.objects.filter(parent__path__startswith=ledger.region.path, level__in=levels)
                       .current().only("pk", "name", "code", "path", "level", "parent_id"))
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
    """One cell, by the field's type. Raises v.ValueProblem with a Chinese sentence."""
    t = f["type"]
    if t == FieldType.TEXT or t == FieldType.FILE:
        return v.parse_text(raw, max_length=f.get("max_length", 500))
    if t == FieldType.INTEGER:
        return v.parse_integer(raw, unit=f.get("unit"), column_unit=column_unit)
    if t == FieldType.DECIMAL:
        return v.parse_decimal(raw, decimals=f.get("decimals", 2), unit=f.get("unit"), column_unit=column_unit)
    if t == FieldType.DATE:
        return v.parse_date(raw)
    if t == FieldType.BOOL:
        return v.parse_yes_no(raw)
    if t == FieldType.CHOICE:
        return v.parse_choice(raw, f.get("choices", []))
    if t == FieldType.PHONE:
        return v.parse_phone(raw)
    if t == FieldType.ID_NUMBER:
        return v.parse_identity(raw)
    if t == FieldType.USCC:
        return v.parse_uscc(raw)
    if t == FieldType.REGION:
        if isinstance(raw, str) and raw.strip() in ctx.by_code:
            return v.Parsed(ctx.by_code[raw.strip()])
        return ctx.matcher.match(raw)
    raise v.ValueProblem(f"未知的字段类型“{t}”。")


def _range(f: dict, value: Any) -> str | None:
    if value is None or f["type"] not in (FieldType.INTEGER, FieldType.DECIMAL, FieldType.DATE):
        return None
    lo, hi = f.get("min"), f.get("max")
    if f["type"] == FieldType.DATE:
        lo = datetime.date.fromisoformat(lo) if isinstance(lo, str) else lo
        hi = datetime.date.fromisoformat(hi) if isinstance(hi, str) else hi
    else:
        lo = Decimal(str(lo)) if lo is not None else None
        hi = Decimal(str(hi)) if hi is not None else None
    if lo is not None and value < lo:
        return f"不能小于 {lo}。"
    if hi is not None and value > hi:
        return f"不能大于 {hi}。"
    return None


def clean_row(version: LedgerVersion, raw: dict[str, Any], ctx: Context,
              column_units: dict[str, str | None] | None = None) -> CleanRow:
    """Every field of one row: parsed, checked, in JSON form; problems collected, never raised."""
    out = CleanRow()
    for f in version.fields:
        key, label = f["key"], f["label"]
        cell = raw.get(key)
        try:
            parsed = parse(f, cell, ctx, (column_units or {}).get(key))
        except v.ValueProblem as exc:
            out.errors.append(Problem(key, label, cell, str(exc)))
            continue
        if parsed.warning:
            out.warnings.append(Problem(key, label, cell, parsed.warning))
        value = parsed.value
        if value is None or value == "":
            if f.get("required"):
                out.errors.append(Problem(key, label, cell, "必填，不能为空。"))
            continue
        problem = _range(f, value)
        if problem:
            out.errors.append(Problem(key, label, cell, problem))
            continue
        if f["type"] == FieldType.REGION:
            out.region = value
            out.data[key] = value.code
        else:
            out.data[key] = _jsonable(value)
    if version.key and not any(p.field_key in version.key for p in out.errors):
        parts = [str(out.data.get(k, "")) for k in version.key]
        if all(parts):
            out.key_value = "|".join(parts)
            out.key_label = "、".join(version.field(k)["label"] for k in version.key)
            out.key_display = "、".join(mask(version.field(k), p) for k, p in zip(version.key, parts, strict=True))
    return out


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
        return "是" if value else "否"
    if f["type"] == FieldType.REGION and regions is not None:
        return regions.get(value, value)
    if f["type"] == FieldType.ID_NUMBER:
        return mask(f, value)
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
