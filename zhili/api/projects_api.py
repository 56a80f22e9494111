"""/api/v1/projects: the construction-project ledger and one project with its months — the same scope helper as
the pages (a village's cadre: their village's projects, 404 for another's), and a project's expected taxes and
matched receipts only for whoever sees the subdistrict's tax figures (policy.see_taxes)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.http import HttpRequest
from ninja import Query, Router, Schema

from zhili.api.paging import MAX_OFFSET
from zhili.core.errors import NotFound
from zhili.people import policy
from zhili.people.scope import NoViewpoint, viewpoint
from zhili.projects import queries
from zhili.projects.models import Project, ProjectStatus

router = Router(tags=["项目与税源"])


class ProjectOut(Schema):
    id: int
    name: str
    village: str
    village_code: str
    owner: str
    contractor: str
    contractor_uscc: str
    status: str
    status_label: str
    planned_investment: Decimal
    invested: Decimal
    start: datetime.date | None
    finish: datetime.date | None
    in_park: bool
    registered: bool
    unregistered: bool  # 应统未统


class MonthOut(Schema):
    month: datetime.date
    received: Decimal | None
    subcontract: Decimal | None
    investment: Decimal | None
    expected: Decimal | None  # the five taxes expected here that month (null without the right to see taxes)
    paid: Decimal | None
    difference: Decimal | None
    leaves: bool | None
    at_stake: Decimal | None
    note: str


class ProjectDetailOut(ProjectOut):
    taxes_visible: bool
    months: list[MonthOut]


def _out(p: Project, setup, invested: Decimal) -> dict:
    return {
        "id": p.pk,
        "name": p.name,
        "village": p.region.name,
        "village_code": p.region.code,
        "owner": p.owner_name,
        "contractor": p.contractor.name,
        "contractor_uscc": p.contractor.uscc,
        "status": p.status,
        "status_label": p.get_status_display(),
        "planned_investment": p.planned_investment,
        "invested": Decimal(invested or 0).quantize(Decimal("0.01")),  # a database's sum carries its own scale
        "start": p.start,
        "finish": p.finish,
        "in_park": p.in_park,
        "registered": p.registered,
        "unregistered": (
            p.status == ProjectStatus.BUILDING
            and not p.registered
            and p.planned_investment >= setup.registration_threshold
        ),
    }


@router.get("/projects", response=list[ProjectOut], summary="建设项目台账（按权限；村干部只见本村）")
def list_projects(
    request: HttpRequest,
    village: str = Query("", max_length=40),
    status: str = Query("", max_length=12),
    unregistered: bool = False,
    leaves: bool = False,
    offset: int = Query(0, ge=0, le=MAX_OFFSET),
    limit: int = Query(50, ge=1, le=settings.NINJA_PAGINATION_MAX_LIMIT),
):
    try:
        sub = viewpoint(request.scope).sub
    except NoViewpoint:
        return []
    setup = queries.setup_of(sub)
    f = queries.ProjectFilter(
        village=village,
        status=status if status in ProjectStatus.values else "",
        unregistered=unregistered,
        leaves=leaves,
    )
    rows = queries.project_list(request.scope, setup, f)[offset : offset + min(limit, 200)]
    return [_out(p, setup, p.invested) for p in rows]


@router.get("/projects/{project_id}", response=ProjectDetailOut, summary="一个建设项目及其月度数据（涉税数据按权限）")
def get_project(request: HttpRequest, project_id: int):
    if not 0 < project_id < 2**31:
        raise NotFound("")
    project = queries.get_project_or_404(request.scope, project_id)
    setup = queries.setup_of(project.subdistrict)
    visible = policy.see_taxes(request.scope, setup)
    lines = queries.project_months(project, with_taxes=visible)
    months = [
        {
            "month": line.month,
            "received": line.figures.received if line.figures else None,
            "subcontract": line.figures.subcontract if line.figures else None,
            "investment": line.figures.investment if line.figures else None,
            "expected": line.expected_total if visible else None,
            "paid": line.received_total if visible else None,
            "difference": line.difference if visible else None,
            "leaves": line.expected.leaves if visible and line.expected else None,
            "at_stake": line.expected.at_stake if visible and line.expected else None,
            "note": line.expected.note if visible and line.expected else "",
        }
        for line in lines
    ]
    invested = sum((line.figures.investment for line in lines if line.figures), Decimal(0))
    return {**_out(project, setup, invested), "taxes_visible": visible, "months": months}
