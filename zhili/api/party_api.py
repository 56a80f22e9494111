"""/api/v1/party: the branches with their 三会一课 compliance, and a branch's meetings (bounded paging) — the same
scope helpers as the pages (a village's cadre: his own branch, 404 for another's). Member phones never leave here."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.http import HttpRequest
from ninja import Query, Router, Schema

from zhili.api.paging import MAX_OFFSET
from zhili.core import clock
from zhili.core.errors import NotFound
from zhili.party import queries
from zhili.people.scope import NoViewpoint, viewpoint

router = Router(tags=["党建"])


class KindOut(Schema):
    kind: str
    label: str
    frequency: str
    held: int
    missed: list[str]
    pending: str
    state: str


class BranchOut(Schema):
    id: int
    name: str
    village: str
    village_code: str
    members: int
    light: str
    light_label: str
    explain: str
    kinds: list[KindOut]


class MeetingOut(Schema):
    id: int
    kind: str
    kind_label: str
    day: datetime.date
    topic: str
    attendees: int
    has_minutes: bool


@router.get("/party/branches", response=list[BranchOut], summary="党支部及其三会一课亮灯（按权限；村干部只见本支部）")
def list_branches(
    request: HttpRequest,
    year: int = Query(0, ge=0, le=2100),
    village: str = Query("", max_length=40),
    offset: int = Query(0, ge=0, le=MAX_OFFSET),
    limit: int = Query(100, ge=1, le=settings.NINJA_PAGINATION_MAX_LIMIT),
):
    try:
        sub = viewpoint(request.scope).sub
    except NoViewpoint:
        return []
    where = queries.village_of(request.scope, sub, village) if village else None
    branches = queries.branches(request.scope, sub, village=where)[offset : offset + min(limit, 200)]
    rows = queries.compliance_rows(branches, sub, year or clock.today().year)
    return [
        {
            "id": r.branch.pk,
            "name": r.branch.name,
            "village": r.branch.region.name,
            "village_code": r.branch.region.code,
            "members": r.members,
            "light": r.light.state,
            "light_label": r.light.label,
            "explain": r.light.explain(),
            "kinds": [
                {
                    "kind": k.kind,
                    "label": k.label,
                    "frequency": k.frequency,
                    "held": k.held,
                    "missed": list(k.missed),
                    "pending": k.pending,
                    "state": k.state,
                }
                for k in r.kinds
            ],
        }
        for r in rows
    ]


@router.get("/party/branches/{branch_id}/meetings", response=list[MeetingOut], summary="一个党支部一年的会议")
def list_meetings(
    request: HttpRequest,
    branch_id: int,
    year: int = Query(0, ge=0, le=2100),
    offset: int = Query(0, ge=0, le=MAX_OFFSET),
    limit: int = Query(50, ge=1, le=settings.NINJA_PAGINATION_MAX_LIMIT),
):
    if not 0 < branch_id < 2**31:
        raise NotFound("")
    branch = queries.get_branch_or_404(request.scope, branch_id)
    rows = queries.branch_meetings(branch, year or clock.today().year)[offset : offset + min(limit, 200)]
    return [
        {
            "id": m.pk,
            "kind": m.kind,
            "kind_label": m.get_kind_display(),
            "day": m.day,
            "topic": m.topic,
            "attendees": m.n_attendees,
            "has_minutes": bool(m.minutes),
        }
        for m in rows
    ]
