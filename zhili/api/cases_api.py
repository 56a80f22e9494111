"""/api/v1/cases: the list, one case with the steps this caller may take, reporting, and taking a step.

The same scope helper and the same flow table as the pages: a step the page would not offer answers 400 with
the sentence saying why, and nothing is written."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Schema
from ninja.files import UploadedFile

from zhili.api.paging import MAX_OFFSET
from zhili.cases import actions, flow, queries, steps
from zhili.cases.deadlines import rule_for
from zhili.cases.forms import MAX_ID
from zhili.cases.models import Case, Category, Source
from zhili.core import clock
from zhili.core.errors import Invalid
from zhili.people.scope import viewpoint

router = Router(tags=["网格事件"])


class CaseOut(Schema):
    id: int
    number: str | None
    category: str
    category_code: str
    state: str
    state_label: str
    source: str
    region: str
    region_code: str
    description: str
    address: str
    lng: Decimal | None
    lat: Decimal | None
    reported_at: datetime.datetime
    deadline: datetime.datetime | None
    step_deadline: datetime.datetime | None
    light: str
    unit: str | None
    village: str | None
    rework_count: int
    extension_count: int
    revision: int


class EventOut(Schema):
    at: datetime.datetime
    actor: str
    action: str
    from_state: str
    to_state: str
    note: str


class CaseDetailOut(CaseOut):
    available_actions: list[str]
    events: list[EventOut]


def _out(case: Case, light: queries.Light) -> dict:
    return {
        "id": case.pk,
        "number": case.number,
        "category": case.category.name,
        "category_code": case.category.code,
        "state": case.state,
        "state_label": case.get_state_display(),
        "source": case.source,
        "region": case.region.name,
        "region_code": case.region.code,
        "description": case.description,
        "address": case.address,
        "lng": case.lng,
        "lat": case.lat,
        "reported_at": case.reported_at,
        "deadline": case.deadline,
        "step_deadline": case.step_deadline,
        "light": light.color,
        "unit": case.unit.name if case.unit_id else None,
        "village": case.assignee_region.name if case.assignee_region_id else None,
        "rework_count": case.rework_count,
        "extension_count": case.extension_count,
        "revision": case.revision,
    }


@router.get(
    "/cases", response=list[CaseOut], summary="事件列表（按权限；state 可为 open / overdue / closed 或具体状态）"
)
def list_cases(
    request: HttpRequest,
    state: str = Query("", max_length=20),
    region: str = Query("", max_length=20),
    category: int | None = Query(None, ge=1, le=MAX_ID),
    source: str = Query("", max_length=20),
    offset: int = Query(0, ge=0, le=MAX_OFFSET),
    limit: int = Query(50, ge=1, le=settings.NINJA_PAGINATION_MAX_LIMIT),
):
    region_path, region_history = queries.region_paths(region, clock.today) if region else ("", ())
    f = queries.Filters(
        state=state,
        region_path=region_path,
        region_history=region_history,
        category=category,
        source=source if source in Source.values else "",
    )
    rows = queries.page_of(queries.filtered(request.scope, f), offset=offset, limit=min(limit, 200))
    return [_out(c, lit) for c, lit in queries.with_lights(rows)]


@router.get("/cases/{case_id}", response=CaseDetailOut, summary="一件事件，含当前可进行的操作和办理过程")
def get_case(request: HttpRequest, case_id: int):
    case = queries.get_case_or_404(request.scope, case_id)
    actions.do_view_confidential(case, actor=request.user, scope=request.scope)  # a tip's opening is audited
    return _detail(request, case)


def _detail(request: HttpRequest, case: Case) -> dict:
    lit = queries.light(case, rule_for(case.subdistrict), clock.now())
    return {
        **_out(case, lit),
        "available_actions": flow.available(case, request.scope),
        "events": [
            {
                "at": e.at,
                "actor": e.actor_name,
                "action": e.action,
                "from_state": e.from_state,
                "to_state": e.to_state,
                "note": e.note,
            }
            for e in queries.events_for(case, request.scope)
        ],
    }


@router.post("/cases", response={201: CaseOut}, summary="上报事件（multipart：字段与照片 photos）")
def report_case(
    request: HttpRequest,
    category: Form[str],
    description: Form[str],
    lng: Form[str] = "",
    lat: Form[str] = "",
    address: Form[str] = "",
    client_ref: Form[str] = "",
    subdistrict: Form[str] = "",
    photos: File[list[UploadedFile]] = None,
):
    """`subdistrict` (its region code) is needed only by someone who works in several."""
    scope = request.scope
    sub = viewpoint(scope, subdistrict or None).sub
    cat = Category.objects.filter(code=category, is_active=True, subdistrict=sub).select_related("subdistrict").first()
    if cat is None:
        raise Invalid(_("类别“%(category)s”不存在或不在您的街道（乡镇）。") % {"category": category})
    source = Source.PATROL if scope.patrols else Source.STAFF
    case = actions.do_report_case(
        subdistrict=cat.subdistrict,
        category=cat,
        description=description,
        actor=request.user,
        scope=scope,
        source=source,
        lng=lng,
        lat=lat,
        address=address,
        photos=photos or [],
        client_ref=client_ref,
    )
    case = queries.get_case_or_404(scope, case.pk)
    return 201, _out(case, queries.light(case, rule_for(case.subdistrict), clock.now()))


@router.post(
    "/cases/{case_id}/actions/{action}",
    response=CaseDetailOut,
    summary="办理一步（受理、立案、派遣、处置、反馈、核查、返工、结案、延期……，或合并的一步：accept_file_dispatch、"
    "file_dispatch、handle_feedback）；不合法的操作返回 400",
)
def act(
    request: HttpRequest,
    case_id: int,
    action: str,
    note: Form[str] = "",
    revision: Form[int | None] = None,
    unit: Form[str] = "",
    village: Form[str] = "",
    handler: Form[int | None] = None,
    master: Form[str] = "",
    days: Form[int | None] = None,
    photos: File[list[UploadedFile]] = None,
):
    case = queries.get_case_or_404(request.scope, case_id)
    if handler is not None and not 1 <= handler <= MAX_ID:
        raise Invalid(_(steps.HANDLER_REFUSED))
    if revision is not None and not 0 <= revision < 2**31:
        raise Invalid(_("revision 应为页面或上次响应给出的版本号。"))
    arguments = steps.resolve(case, request.scope, unit=unit, village=village, handler=handler, master=master)
    # a combined step (flow.COMBINED: accept_file_dispatch, file_dispatch, handle_feedback) takes its steps in one
    # transaction, each recorded, as the page's one form does
    take = actions.do_act_steps if action in flow.COMBINED else actions.do_act
    case = take(
        case,
        action,
        actor=request.user,
        scope=request.scope,
        note=note,
        revision=revision,
        photos=photos or [],
        days=days,
        **arguments,
    )
    return _detail(request, queries.get_case_or_404(request.scope, case.pk))
