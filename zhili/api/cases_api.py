"""/api/v1/cases: the list, one case with the steps this caller may take, reporting, and taking a step.

The same scope helper and the same flow table as the pages: a step the page would not offer answers 400 with
the sentence saying why, and nothing is written."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import File, Form, Router, Schema
from ninja.files import UploadedFile

from zhili.cases import actions, flow, queries
from zhili.cases.models import Case, Category, Source
from zhili.core import clock
from zhili.people.models import Person, Unit
from zhili.regions.models import Level, Region

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
    state: str = "",
    region: str = "",
    category: int | None = None,
    source: str = "",
    offset: int = 0,
    limit: int = 50,
):
    region_path, region_history = queries.region_paths(region, clock.today) if region else ("", ())
    f = queries.Filters(
        state=state,
        region_path=region_path,
        region_history=region_history,
        category=category,
        source=source if source in Source.values else "",
    )
    rows = queries.page_of(queries.filtered(request.scope, f), offset=max(offset, 0), limit=min(max(limit, 1), 200))
    return [_out(c, lit) for c, lit in queries.with_lights(rows)]


@router.get("/cases/{case_id}", response=CaseDetailOut, summary="一件事件，含当前可进行的操作和办理过程")
def get_case(request: HttpRequest, case_id: int):
    case = queries.get_case_or_404(request.scope, case_id)
    lit = queries.light(case, actions.rule_for(case.subdistrict), clock.now())
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
    photos: File[list[UploadedFile]] = None,
):
    scope = request.scope
    cat = (
        Category.objects.filter(code=category, is_active=True)
        .select_related("subdistrict")
        .filter(subdistrict__path__in=_subdistrict_paths(scope))
        .first()
    )
    if cat is None:
        raise ValidationError(f"类别“{category}”不存在或不在您的街道（乡镇）。")
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
    return 201, _out(case, queries.light(case, actions.rule_for(case.subdistrict), clock.now()))


def _subdistrict_paths(scope) -> set[str]:
    paths = {*scope.read_paths, *scope.units.values()}
    out = {"/".join(p.split("/")[:3]) + "/" for p in paths if p.count("/") >= 3}
    if scope.is_superuser:
        out |= set(Region.objects.filter(level=Level.SUBDISTRICT).values_list("path", flat=True))
    return out


@router.post(
    "/cases/{case_id}/actions/{action}",
    response=CaseDetailOut,
    summary="办理一步（受理、立案、派遣、处置、反馈、核查、返工、结案、延期……）；不合法的操作返回 400",
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
    kwargs: dict = {}
    if unit:
        kwargs["unit"] = Unit.objects.filter(region=case.subdistrict, code=unit).first()
    if village:
        kwargs["village"] = Region.objects.filter(
            code=village, level=Level.VILLAGE, path__startswith=case.subdistrict.path
        ).first()
    if handler:
        kwargs["handler"] = Person.objects.filter(pk=handler, is_active=True).first()
    if master:
        kwargs["master"] = Case.objects.filter(number=master, subdistrict=case.subdistrict).first()
    if (unit and kwargs["unit"] is None) or (village and kwargs["village"] is None):
        raise ValidationError("处置单位或村（社区）不属于本街道。")
    actions.do_act(
        case,
        action,
        actor=request.user,
        scope=request.scope,
        note=note,
        revision=revision,
        photos=photos or [],
        days=days,
        **kwargs,
    )
    return get_case(request, case_id)
