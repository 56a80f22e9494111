"""A filing's values, computed from its version's mapped cells, and the superior's file with them written in.

- `refill(filing)`: (re)computes every value Zhili fills (bindings.evaluate, one batch per source), keeps what
  people typed (a MISSING cell someone typed stays theirs), matches a ROWS form's sheet rows to the villages of
  the period's last day by name (unmatched rows and villages missing from the sheet are `problems`), and counts.
- `counts(filing)`: (auto, hand, missing) from the values — a period's label counts as filled by Zhili.
- `settle_totals(filing)`: the total row of a ROWS form's hand columns, the sum of the villages' typed values
  once all of them are typed (call after a typed value).
- `workbook(filing)`: the superior's file with the values written (MISSING cells left empty).
"""

from __future__ import annotations

import re
from decimal import Decimal

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from zhili.core import clock
from zhili.regions import history
from zhili.regions.models import Region
from zhili.reports import bindings, periods, sheet
from zhili.reports.models import CellMap, Filing, FilingValue, FilingVillage, Layout, MapState, Origin

TOTAL_OF_HAND = "total_of_hand"


def _is_column(ref: str) -> bool:
    return not re.search(r"\d", ref)


def refill(filing: Filing) -> None:
    """(Re)compute the filing's values inside the caller's transaction (see the module's note)."""
    version = filing.form_version
    form = filing.form
    sub = form.region
    period = periods.parse(form.frequency, filing.period)
    cell_maps = list(CellMap.objects.filter(version=version, state=MapState.OK).order_by("pk"))
    problems: list[str] = []
    # ref → (cell map, village or None, Result)
    wanted: dict[str, tuple[CellMap, Region | None, bindings.Result]] = {}
    rows_of: dict[int, int] = {}  # village id → its sheet row
    villages = []
    columns = [cm for cm in cell_maps if _is_column(cm.ref)] if form.layout == Layout.ROWS else []
    singles = [cm for cm in cell_maps if cm not in columns]
    if columns and version.key_column and version.first_row and version.last_row:
        everyone = history.on_day(sub, period.end)
        by_name = {sheet.name_key(v.name): v for v in everyone}
        written = sheet.village_rows(
            bytes(version.content), version.sheet or None, version.key_column, version.first_row, version.last_row
        )
        for row, name in written.items():
            village = by_name.get(sheet.name_key(name))
            if village is None or village.pk in rows_of:
                problems.append(
                    _("表中第 %(row)s 行的“%(name)s”对不上本街道%(day)s的村（社区），这一行没有填写。")
                    % {"row": row, "name": name, "day": f"{period.end:%Y-%m-%d}"}
                )
                continue
            rows_of[village.pk] = row
            villages.append(village)
        for v in everyone:
            if v.pk not in rows_of:
                problems.append(_("村（社区）“%(name)s”不在上级的表中，它的数没有填报。") % {"name": v.name})
    elif columns:
        problems.append(_("还没有指明村居名称所在列和首末行，按村填写的列没有填写。"))
        columns = []
    results = bindings.evaluate(cell_maps, sub, period, villages if columns else None)
    for cm in singles:
        wanted[cm.ref] = (cm, None, results[(cm.id, None)])
    for cm in columns:
        for v in villages:
            wanted[f"{cm.ref}{rows_of[v.pk]}"] = (cm, v, results[(cm.id, v.pk)])
        if version.total_row:
            result = results[(cm.id, None)]
            if result.origin == Origin.HAND:
                result = bindings.Result(None, "", Origin.AUTO, {**result.trace, TOTAL_OF_HAND: True})
            wanted[f"{cm.ref}{version.total_row}"] = (cm, None, result)

    existing = {v.ref: v for v in FilingValue.objects.filter(filing=filing)}
    creates, updates = [], []
    for ref, (cm, village, result) in wanted.items():
        old = existing.pop(ref, None)
        if (
            old is not None
            and old.origin == Origin.HAND
            and (old.entered_at is not None or result.origin == Origin.HAND)
        ):
            if old.cell_map_id != cm.pk or old.village_id != (village.pk if village else None):
                old.cell_map, old.village = cm, village
                updates.append(old)
            continue
        number = result.number.quantize(Decimal("0.0001")) if result.number is not None else None
        if old is None:
            creates.append(
                FilingValue(
                    filing=filing,
                    subdistrict_id=form.region_id,
                    ref=ref,
                    cell_map=cm,
                    village=village,
                    origin=result.origin,
                    number=number,
                    text=result.text[:500],
                    trace=result.trace,
                )
            )
            continue
        fresh = (cm.pk, village.pk if village else None, result.origin, number, result.text[:500], result.trace)
        if (old.cell_map_id, old.village_id, old.origin, old.number, old.text, old.trace) == fresh and (
            old.entered_at is None
        ):
            continue  # unchanged: a refresh rewrites only the cells whose figure moved
        old.cell_map, old.village = cm, village
        old.origin, old.number, old.text, old.trace = result.origin, number, result.text[:500], result.trace
        old.entered_by, old.entered_at = None, None
        old.revision += 1
        updates.append(old)
    if existing:
        FilingValue.objects.filter(pk__in=[v.pk for v in existing.values()]).delete()
    FilingValue.objects.bulk_create(creates)
    FilingValue.objects.bulk_update(
        updates, ["cell_map", "village", "origin", "number", "text", "trace", "entered_by", "entered_at", "revision"]
    )
    _sync_villages(filing, rows_of, villages)
    settle_totals(filing, save=False)
    filing.problems = problems
    filing.auto_cells, filing.hand_cells, filing.missing_cells = counts(filing)
    filing.filled_at = clock.now()
    filing.save()


def _sync_villages(filing: Filing, rows_of: dict[int, int], villages: list) -> None:
    """One FilingVillage per matched village (for a ROWS form whose rows were found); others removed."""
    present = {fv.village_id: fv for fv in FilingVillage.objects.filter(filing=filing)}
    creates, updates = [], []
    for v in villages:
        fv = present.pop(v.pk, None)
        if fv is None:
            creates.append(FilingVillage(filing=filing, village=v, row=rows_of[v.pk]))
        elif fv.row != rows_of[v.pk]:
            fv.row = rows_of[v.pk]
            updates.append(fv)
    if present:
        FilingVillage.objects.filter(pk__in=[fv.pk for fv in present.values()]).delete()
    FilingVillage.objects.bulk_create(creates)
    FilingVillage.objects.bulk_update(updates, ["row"])


def counts(filing: Filing) -> tuple[int, int, int]:
    """(auto, hand, missing): the filing's cells filled by Zhili (a period's label too), by people, and missing."""
    row = FilingValue.objects.filter(filing=filing).aggregate(
        auto=Count("pk", filter=Q(origin__in=[Origin.AUTO, Origin.LABEL])),
        hand=Count("pk", filter=Q(origin=Origin.HAND)),
        missing=Count("pk", filter=Q(origin=Origin.MISSING)),
    )
    return row["auto"], row["hand"], row["missing"]


def _hand_totals(filing: Filing) -> dict[str, Decimal | None]:
    """{ref of a hand column's total: the villages' typed values added up, None until all are typed}."""
    version = filing.form_version
    if filing.form.layout != Layout.ROWS or not version.total_row:
        return {}
    values = list(FilingValue.objects.filter(filing=filing).only("ref", "origin", "number", "village_id", "trace"))
    totals = {v.ref: v for v in values if v.trace.get(TOTAL_OF_HAND)}
    out: dict[str, Decimal | None] = {}
    for ref in totals:
        column = re.sub(r"\d+$", "", ref)
        parts = [v for v in values if v.village_id is not None and re.sub(r"\d+$", "", v.ref) == column]
        numbers = [p.number for p in parts if p.number is not None]
        if parts and len(numbers) == len(parts):
            out[ref] = sum(numbers, Decimal(0))
        else:
            out[ref] = None
    return out


def settle_totals(filing: Filing, *, save: bool = True) -> None:
    """The total row of a ROWS form's hand columns: the villages' typed values added up once all are typed."""
    totals = _hand_totals(filing)
    if not totals:
        return
    changed = []
    for v in FilingValue.objects.filter(filing=filing, ref__in=list(totals)):
        if v.number != totals[v.ref]:
            v.number = totals[v.ref]
            v.revision += 1
            changed.append(v)
    FilingValue.objects.bulk_update(changed, ["number", "revision"])
    if save and changed:
        filing.auto_cells, filing.hand_cells, filing.missing_cells = counts(filing)
        filing.save(update_fields=["auto_cells", "hand_cells", "missing_cells", "modified_at"])


def workbook(filing: Filing) -> bytes:
    """The superior's file with the filing's values written (numbers as numbers; MISSING cells left empty)."""
    version = filing.form_version
    totals = _hand_totals(filing)
    values: dict[str, Decimal | str] = {}
    for v in FilingValue.objects.filter(filing=filing).order_by("pk"):
        if v.origin == Origin.MISSING:
            continue
        number = totals.get(v.ref, v.number) if v.ref in totals else v.number
        if number is not None:
            values[v.ref] = number
        elif v.text:
            values[v.ref] = v.text
    return sheet.write(bytes(version.content), version.sheet or None, values)
