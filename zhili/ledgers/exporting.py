"""A ledger's rows as .xlsx, in the layout the importer reads (a title row, one header row of field labels with
units in brackets), so an export imported again changes nothing. Identity numbers are written in full (an
export is a deliberate act, logged) and as text; no cell can carry a formula."""

from __future__ import annotations

import io

from django.db.models import QuerySet

from zhili.excel import writing
from zhili.ledgers.fields import export_value
from zhili.ledgers.models import FieldType, Ledger, LedgerRow
from zhili.regions.models import Region

FORMATS = {FieldType.DATE: "yyyy-mm-dd", FieldType.INTEGER: "0", FieldType.DECIMAL: "0.00"}


def header(f: dict) -> str:
    return f"{f['label']}（{f['unit']}）" if f.get("unit") else f["label"]


def ledger_xlsx(ledger: Ledger, rows: QuerySet[LedgerRow], *, subtitle: str = "") -> bytes:
    version = ledger.current_version
    fields = version.fields
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
        rows=(
            [export_value(f, row.data.get(f["key"]), region_names) for f in fields]
            for row in rows.iterator(chunk_size=5000)
        ),
        column_formats=formats,
    )
    return buf.getvalue()
