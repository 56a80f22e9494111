"""Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2/) under /open311/v2/, so hotline platforms and
existing Open311 clients can exchange cases with Zhili.

    GET  services.{json,xml}              the subdistrict's active leaf categories (no tips, no classes)
    GET  services/<code>.{json,xml}       a service definition (no extra attributes: metadata is false)
    GET  requests.{json,xml}              cases, with the spec's filters; the last 90 days by default, ≤ 1000
    POST requests.{json,xml}              a citizen's report (anonymous, rate-limited) or a partner's (api_key)
    GET  requests/<number>.{json,xml}     one case
    GET  media/<photo id>.jpg             the EXIF-free display copy of a public case's photo (media_url)

Who sees what: without an api_key only citizens' public reports (`Case.is_public`); with an api_key (a personal
API token, `zl_…`, checked by zhili.people.tokens exactly as the API checks it; also accepted as
`Authorization: Bearer`) the token owner's scope through `queries.visible`, never a confidential tip. A case's
contact name and phone, its reporter and internal events never leave through here. Writes go through the same
actions as the pages (`do_public_report`, `do_report_case`), so every check and audit entry is theirs.

Extension: each request carries `zhili_status_history`, the case's public steps [{state, state_label, at, note}].
"""

from __future__ import annotations

import datetime
import re
import xml.etree.ElementTree as ET

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils import dateparse, timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from zhili.cases import actions
from zhili.cases.models import Case, CaseEvent, CasePhoto, Category, Kind, PhotoStage, Source, State
from zhili.cases.queries import visible
from zhili.core import clock, errors
from zhili.people.scope import Scope, scope_for
from zhili.people.tokens import BadToken, person_for_token
from zhili.regions.models import Level, Region

CLOSED_STATES = {State.CLOSED, State.REJECTED, State.VOID, State.MERGED}
MAX_ROWS = 1000
WINDOW = datetime.timedelta(days=90)
# XML 1.0 cannot carry these characters at all, escaped or not
LIST_ITEMS = {"zhili_status_history": "event", "attributes": "attribute", "values": "value"}
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


class Open311Error(Exception):
    def __init__(self, code: int, description: str):
        super().__init__(description)
        self.code = code
        self.description = description


# ---- rendering ---------------------------------------------------------------------------------


def _xml_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return _XML_ILLEGAL.sub("", str(value))


def _xml_fill(parent: ET.Element, data: dict) -> None:
    for key, value in data.items():
        child = ET.SubElement(parent, key)
        if isinstance(value, list):  # zhili_status_history → <event>…</event>, attributes → <attribute>
            for item in value:
                element = ET.SubElement(child, LIST_ITEMS.get(key, "item"))
                if isinstance(item, dict):
                    _xml_fill(element, item)
                else:
                    element.text = _xml_text(item)
        else:
            child.text = _xml_text(value)


def _respond(fmt: str, data, *, root: str, item: str | None, status: int = 200) -> HttpResponse:
    """JSON as the spec shows it; XML built with ElementTree (everything escaped by the serializer)."""
    if fmt == "json":
        return JsonResponse(
            data,
            safe=False,
            status=status,
            json_dumps_params={"ensure_ascii": False},
            content_type="application/json; charset=utf-8",
        )
    top = ET.Element(root)
    if item is None:
        _xml_fill(top, data)
    else:
        for row in data:
            _xml_fill(ET.SubElement(top, item), row)
    body = ET.tostring(top, encoding="utf-8", xml_declaration=True)
    return HttpResponse(body, status=status, content_type="application/xml; charset=utf-8")


def _error(fmt: str, code: int, description: str) -> HttpResponse:
    return _respond(fmt, [{"code": code, "description": description}], root="errors", item="error", status=code)


def _w3c(value: datetime.datetime | None) -> str | None:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


def api(view):
    """An Open311 endpoint: no sign-in (token or anonymous), no CSRF (no session is used), errors as the spec's
    list of {code, description} in the requested format."""

    @login_not_required
    @csrf_exempt
    @never_cache
    def wrapper(request: HttpRequest, *args, fmt: str, **kwargs):
        try:
            return view(request, *args, fmt=fmt, **kwargs)
        except Open311Error as exc:
            return _error(fmt, exc.code, exc.description)

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return wrapper


def _allow(request: HttpRequest, *methods: str) -> None:
    if request.method not in methods:
        raise Open311Error(405, _("此地址只接受 %(v)s 请求。") % {"v": "、".join(methods)})


# ---- who is asking, for which subdistrict -----------------------------------------------------


def _param(request: HttpRequest, name: str) -> str:
    return (request.POST.get(name) if request.method == "POST" else None) or request.GET.get(name) or ""


def _person(request: HttpRequest):
    """(person, scope) for a valid api_key (or Authorization: Bearer), (None, None) without one."""
    key = _param(request, "api_key").strip()
    if not key:
        header = request.headers.get("Authorization", "")
        key = header[7:].strip() if header.lower().startswith("bearer ") else ""
    if not key:
        return None, None
    try:
        person = person_for_token(key)
    except BadToken as exc:
        raise Open311Error(403, exc.message) from None
    request.user, request.scope = person, scope_for(person)
    return person, request.scope


def _jurisdiction(request: HttpRequest) -> Region:
    code = _param(request, "jurisdiction_id").strip()
    subs = Region.objects.current().filter(level=Level.SUBDISTRICT)
    if code:
        found = subs.filter(code=code).first()
        if found is None:
            raise Open311Error(
                404,
                _("没有代码为“%(code)s”的街道（乡镇）：jurisdiction_id 应为街道（乡镇）的区划代码。") % {"code": code},
            )
        return found
    found = list(subs.order_by("path")[:2])
    if len(found) != 1:
        raise Open311Error(400, _("本系统有多个街道（乡镇）：请用 jurisdiction_id 指明街道（乡镇）的区划代码。"))
    return found[0]


# ---- services ----------------------------------------------------------------------------------


def _services(sub: Region, *, partner: bool):
    """Leaf categories a report may name: active, not tips, not a class with children. Citizens see only the
    categories they may report (Category.is_public); partner systems with an api_key see all."""
    qs = (
        Category.objects.filter(subdistrict=sub, is_active=True)
        .exclude(kind=Kind.TIP)
        .exclude(pk__in=Category.objects.filter(parent__isnull=False).values("parent_id"))
        .select_related("parent")
        .order_by("order", "code")
    )
    return qs if partner else qs.filter(is_public=True)


def _service(category: Category) -> dict:
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": category.description
        or (f"{category.name}（{category.get_case_class_display()}，处置时限 {category.time_limit_days} 个工作日）"),
        "metadata": False,
        "type": "realtime",
        "keywords": ",".join(str(x) for x in (category.get_kind_display(), category.get_case_class_display())),
        "group": category.parent.name if category.parent_id else "",
    }


@api
def services(request: HttpRequest, *, fmt: str) -> HttpResponse:
    _allow(request, "GET")
    person, _ = _person(request)
    sub = _jurisdiction(request)
    return _respond(
        fmt, [_service(c) for c in _services(sub, partner=person is not None)], root="services", item="service"
    )


@api
def service_definition(request: HttpRequest, code: str, *, fmt: str) -> HttpResponse:
    _allow(request, "GET")
    person, _scope = _person(request)
    sub = _jurisdiction(request)
    category = _services(sub, partner=person is not None).filter(code=code).first()
    if category is None:
        raise Open311Error(404, _("没有代码为“%(code)s”的服务（问题类别）。") % {"code": code})
    return _respond(fmt, {"service_code": category.code, "attributes": []}, root="service_definition", item=None)


# ---- requests: reading -------------------------------------------------------------------------


def _readable(sub: Region, scope: Scope | None):
    if scope is None:
        qs = Case.objects.filter(is_public=True)
    else:
        qs = visible(scope)
    return qs.filter(subdistrict=sub, confidential=False)


def _with_joins(qs):
    return qs.select_related("category", "unit", "assignee_region").prefetch_related(
        Prefetch(
            "events", queryset=CaseEvent.objects.filter(public=True).order_by("at", "id"), to_attr="public_events"
        ),
        Prefetch("photos", queryset=CasePhoto.objects.order_by("uploaded_at", "id"), to_attr="all_photos"),
    )


def _request_row(request: HttpRequest, case: Case) -> dict:
    events = case.public_events
    last = events[-1] if events else None
    photo = None
    if case.is_public and not case.confidential:
        before = [p for p in case.all_photos if p.stage == PhotoStage.BEFORE] or case.all_photos
        photo = before[0] if before else None
    agency = case.unit.name if case.unit_id else (case.assignee_region.name if case.assignee_region_id else "")
    return {
        "service_request_id": case.number,
        "status": "closed" if case.state in CLOSED_STATES else "open",
        "status_notes": last.note if last else "",
        "service_name": case.category.name,
        "service_code": case.category.code,
        "description": case.description,
        "agency_responsible": agency,
        "service_notice": "",
        "requested_datetime": _w3c(case.reported_at),
        "updated_datetime": _w3c(last.at if last else case.reported_at),
        "expected_datetime": _w3c(case.deadline),
        "address": case.address,
        "address_id": "",
        "zipcode": "",
        "lat": float(case.lat) if case.lat is not None else None,
        "long": float(case.lng) if case.lng is not None else None,
        "media_url": request.build_absolute_uri(reverse("open311_photo", args=[photo.pk])) if photo else "",
        "zhili_status_history": [
            {
                "state": e.to_state,
                "state_label": str(State(e.to_state).label) if e.to_state in State.values else "",
                "at": _w3c(e.at),
                "note": e.note,
            }
            for e in events
        ],
    }


def _when(request: HttpRequest, name: str) -> datetime.datetime | None:
    raw = _param(request, name).strip()
    if not raw:
        return None
    try:
        value = dateparse.parse_datetime(raw.replace(" ", "+"))  # a "+08:00" sent unencoded arrives as " 08:00"
        if value is None:
            day = dateparse.parse_date(raw)
            value = datetime.datetime.combine(day, datetime.time()) if day else None
    except ValueError:
        value = None
    if value is None:
        raise Open311Error(
            400,
            _("%(name)s“%(raw)s”不是有效的 W3C 日期时间，应形如 2020-11-01T00:00:00+08:00。")
            % {"name": name, "raw": raw},
        )
    return value if timezone.is_aware(value) else timezone.make_aware(value)


def _list(request: HttpRequest, sub: Region, scope: Scope | None):
    qs = _readable(sub, scope)
    ids = [x.strip() for x in _param(request, "service_request_id").split(",") if x.strip()]
    if ids:  # the spec: service_request_id overrides every other filter
        return qs.filter(number__in=ids[:MAX_ROWS])
    codes = [x.strip() for x in _param(request, "service_code").split(",") if x.strip()]
    if codes:
        qs = qs.filter(category__code__in=codes)
    statuses = {x.strip().lower() for x in _param(request, "status").split(",") if x.strip()}
    if statuses - {"open", "closed"}:
        raise Open311Error(400, _("status 只能是 open 或 closed（可用逗号分隔多个）。"))
    if statuses == {"open"}:
        qs = qs.exclude(state__in=CLOSED_STATES)
    elif statuses == {"closed"}:
        qs = qs.filter(state__in=CLOSED_STATES)
    start, end = _when(request, "start_date"), _when(request, "end_date")
    if start is None and end is None:
        end = clock.now()
        start = end - WINDOW
    elif start is None:
        start = end - WINDOW
    elif end is None:
        end = start + WINDOW
    if end < start:
        raise Open311Error(400, _("end_date 早于 start_date。"))
    if end - start > WINDOW:
        raise Open311Error(400, _("start_date 到 end_date 不能超过 90 天。"))
    return qs.filter(reported_at__gte=start, reported_at__lte=end)


@api
def requests_view(request: HttpRequest, *, fmt: str) -> HttpResponse:
    _allow(request, "GET", "POST")
    if request.method == "POST":
        return _create(request, fmt)
    _, scope = _person(request)
    sub = _jurisdiction(request)
    cases = list(_with_joins(_list(request, sub, scope)).order_by("-reported_at", "-id")[:MAX_ROWS])
    return _respond(fmt, [_request_row(request, c) for c in cases], root="service_requests", item="request")


@api
def request_detail(request: HttpRequest, number: str, *, fmt: str) -> HttpResponse:
    _allow(request, "GET")
    scope = _person(request)[1]
    sub = _jurisdiction(request)
    case = _with_joins(_readable(sub, scope)).filter(number=number).first()
    if case is None:
        raise Open311Error(404, _("没有编号为“%(number)s”的请求，或您无权查看。") % {"number": number})
    return _respond(fmt, [_request_row(request, case)], root="service_requests", item="request")


# ---- requests: creating ------------------------------------------------------------------------


def _create(request: HttpRequest, fmt: str) -> HttpResponse:
    person, scope = _person(request)
    sub = _jurisdiction(request)
    code = _param(request, "service_code").strip()
    if not code:
        raise Open311Error(400, _("缺少 service_code：请先用 services 查询可上报的问题类别。"))
    category = _services(sub, partner=person is not None).filter(code=code).first()
    if category is None:
        raise Open311Error(404, _("没有代码为“%(code)s”的服务（问题类别）。") % {"code": code})
    lat, lng = _param(request, "lat").strip(), _param(request, "long").strip()
    address = _param(request, "address_string")
    if not (lat and lng) and not address.strip():
        raise Open311Error(400, _("缺少位置：请提供 lat 和 long（WGS-84），或 address_string。"))
    name = (_param(request, "last_name").strip() + _param(request, "first_name").strip())[:50]
    phone = _param(request, "phone").strip()[:20]
    # email, device_id, account_id and media_url are not kept: Zhili fetches nothing from other servers, and
    # contact by phone is what the handlers use.
    try:
        if person is None:
            case = actions.do_public_report(
                subdistrict=sub,
                category=category,
                description=_param(request, "description"),
                lng=lng or None,
                lat=lat or None,
                address=address,
                contact_name=name,
                contact_phone=phone,
                origin=request.META.get("REMOTE_ADDR", ""),
            )
        else:
            case = actions.do_report_case(
                subdistrict=sub,
                category=category,
                description=_param(request, "description"),
                actor=person,
                scope=scope,
                source=Source.PARTNER,
                lng=lng or None,
                lat=lat or None,
                address=address,
                contact_name=name,
                contact_phone=phone,
            )
    except ValidationError as exc:  # a refused report (400) or too many from one address (429)
        raise Open311Error(errors.status_of(exc), " ".join(exc.messages)) from None
    return _respond(
        fmt,
        [{"service_request_id": case.number, "service_notice": "", "account_id": None}],
        root="service_requests",
        item="request",
        status=201,
    )


# ---- photos ------------------------------------------------------------------------------------


@login_not_required
@never_cache
def photo(request: HttpRequest, pk: int) -> FileResponse:
    """The downscaled, EXIF-free display copy of a public case's photo; 404 for anything else."""
    found = CasePhoto.objects.filter(pk=pk, case__is_public=True, case__confidential=False).only("display").first()
    if found is None or not found.display:
        raise Http404(_("没有这张照片。"))
    return FileResponse(found.display.open("rb"), content_type="image/jpeg")
