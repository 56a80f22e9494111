"""A ledger's rows as .xlsx, in the layout the importer reads (a title row, one header row of field labels with
units in brackets), so an export imported again changes nothing. Identity numbers are written as text: in full
where the person may reveal them (the importer's round trip works for them), masked as the page shows them
elsewhere (`actions.do_export_ledger` decides per row and logs what the file held); no cell can carry a
formula."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import QuerySet

from zhili.excel import writing
from zhili.ledgers.fields import export_value, mask
from zhili.ledgers.models import FieldType, Ledger, LedgerRow
from zhili.regions.models import Region

FORMATS = {FieldType.DATE: "yyyy-mm-dd", FieldType.INTEGER: "0", FieldType.DECIMAL: "0.00"}


def header(f: dict) -> str:
    return f"{f['label']}（{f['unit']}）" if f.get("unit") else f["label"]


@dataclass
class Contents:
    """What an export held, for its audit entry."""

    rows: int = 0
    masked: dict[str, int] = field(default_factory=dict)  # identity field label → rows where it was masked
    in_full: dict[str, int] = field(default_factory=dict)  # … → rows where it was written in full


@dataclass(frozen=True)
class Export:
    data: bytes  # the .xlsx
    contents: Contents


def ledger_xlsx(
    ledger: Ledger,
    rows: QuerySet[LedgerRow],
    *,
    subtitle: str = "",
    reveal: Callable[[LedgerRow], bool] | None = None,
    contents: Contents | None = None,
) -> bytes:
    """`reveal(row)`: may identity numbers of this row be written in full (None: everywhere); `contents`, when
    given, is filled in with what the file held."""
    version = ledger.current_version
    fields = version.fields
    contents = contents if contents is not None else Contents()
    identity = [(i, f) for i, f in enumerate(fields) if f["type"] == FieldType.ID_NUMBER]
    for _, f in identity:
        contents.masked.setdefault(f["label"], 0)
        contents.in_full.setdefault(f["label"], 0)
    region_names = dict(Region.objects.filter(path__startswith=ledger.region.path).values_list("code", "name"))
    buf = io.BytesIO()
    formats = [
        FORMATS.get(f["type"], "@" if f["type"] in (FieldType.ID_NUMBER, FieldType.USCC, FieldType.PHONE) else None)
        for f in fields
    ]
    if formats and all(fm is None for fm in formats):
        formats = None
    writing.write_xlsx(
        buf,
        title=ledger.name,
        subtitle=subtitle or None,
        headers=[header(f) for f in fields],
        rows=(_cells(row, fields, identity, region_names, reveal, contents) for row in rows.iterator(chunk_size=5000)),
        column_formats=formats,
    )
    return buf.getvalue()


def _cells(row: LedgerRow, fields, identity, region_names, reveal, contents: Contents) -> list:
    contents.rows += 1
    cells = [export_value(f, row.data.get(f["key"]), region_names) for f in fields]
    if identity:
        in_full = reveal is None or reveal(row)
        for i, f in identity:
            if cells[i] is None:
                continue
            if in_full:
                contents.in_full[f["label"]] += 1
            else:
                cells[i] = mask(f, cells[i])  # as the page shows it
                contents.masked[f["label"]] += 1
    return cells
