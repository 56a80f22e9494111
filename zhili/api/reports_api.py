"""/api/v1/reports: the catalogue of upward forms (报表目录) with each form's period, status and the cells filled by
Zhili and typed by people, and one filing with its values — the same queries and rights as the pages (whoever
reads the subdistrict; a village's cadres have their rows on the pages, not here: an empty list, a 404)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.http import HttpRequest
from ninja import Router, Schema

from zhili.core import clock
from zhili.core.errors import NotFound
from zhili.people import policy
from zhili.people.scope import NoViewpoint, viewpoint

router = Router(tags=["上报报表"])


class FormOut(Schema):
    id: int
    code: str
    name: str
    requester: str
    frequency: str
    frequency_label: str
    layout: str
    period: str
    period_label: str
    due: datetime.date
    filing_id: int | None
    filing_version: int | None
    status_label: str
    light: str
    auto_cells: int  # filled by Zhili
    hand_cells: int  # typed by people


class ValueOut(Schema):
    ref: str
    label: str
    village: str
    village_code: str
    origin: str
    origin_label: str
    number: Decimal | None
    text: str


class FilingOut(Schema):
    id: int
    form_code: str
    form_name: str
    period: str
    period_label: str
    version: int
    status: str
    status_label: str
    due: datetime.date
    correction_reason: str
    auto_cells: int
    hand_cells: int
    missing_cells: int
    problems: list[str]
    values: list[ValueOut]


@router.get("/reports/forms", response=list[FormOut], summary="上报报表目录：本期状态与系统填写、人工填写格数")
def list_forms(request: HttpRequest):
    from zhili.reports import queries

    try:
        sub = viewpoint(request.scope).sub
    except NoViewpoint:
        return []
    if sub is None or not policy.read_reports(request.scope, sub):
        return []
    cat = queries.catalogue(request.scope, sub, clock.today())
    return [
        {
            "id": row.form.pk,
            "code": row.form.code,
            "name": row.form.name,
            "requester": row.form.requester,
            "frequency": row.form.frequency,
            "frequency_label": row.form.get_frequency_display(),
            "layout": row.form.layout,
            "period": row.period.key,
            "period_label": row.period.label,
            "due": row.filing.due if row.filing is not None else row.period.due(row.form.deadline_days),
            "filing_id": row.filing.pk if row.filing is not None else None,
            "filing_version": row.filing.version if row.filing is not None else None,
            "status_label": str(row.status_label),
            "light": row.light.state,
            "auto_cells": row.burden.auto,
            "hand_cells": row.burden.hand,
        }
        for row in cat.rows
    ]


@router.get("/reports/filings/{filing_id}", response=FilingOut, summary="一期报送及其每个单元格的数值和来源")
def get_filing(request: HttpRequest, filing_id: int):
    from zhili.reports import periods, queries
    from zhili.reports.models import FilingValue

    if not 0 < filing_id < 2**31:
        raise NotFound("")
    filing = queries.get_filing_or_404(request.scope, filing_id)
    values = FilingValue.objects.filter(filing=filing).select_related("cell_map", "village").order_by("pk")
    period = periods.parse(filing.form.frequency, filing.period)
    return {
        "id": filing.pk,
        "form_code": filing.form.code,
        "form_name": filing.form.name,
        "period": filing.period,
        "period_label": period.label,
        "version": filing.version,
        "status": filing.status,
        "status_label": filing.get_status_display(),
        "due": filing.due,
        "correction_reason": filing.correction_reason,
        "auto_cells": filing.auto_cells,
        "hand_cells": filing.hand_cells,
        "missing_cells": filing.missing_cells,
        "problems": [str(p) for p in filing.problems or []],
        "values": [
            {
                "ref": v.ref,
                "label": v.cell_map.label,
                "village": v.village.name if v.village is not None else "",
                "village_code": v.village.code if v.village is not None else "",
                "origin": v.origin,
                "origin_label": v.get_origin_display(),
                "number": v.number,
                "text": v.text,
            }
            for v in values
        ],
    }
