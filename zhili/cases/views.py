"""Case pages: the list, the map, a case with the steps this person may take, reporting (phone first), patrols,
statistics, superior findings with their burn-down, categories and routing; and the public pages (随手拍,
tracking by code, confidential tips), which need no sign-in."""

from __future__ import annotations

import datetime
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from zhili.cases import actions, flow, queries
from zhili.cases.forms import ActForm, CaseRuleForm, CategoryForm, PublicReportForm, ReportForm, TipForm
from zhili.cases.models import (
    Case,
    CaseEvent,
    CasePhoto,
    Category,
    InspectionBatch,
    Patrol,
    PhotoStage,
    RouteRule,
    Source,
    State,
)
from zhili.core import audit, clock
from zhili.people import policy
from zhili.people.models import Person, Unit
from zhili.regions.models import Level, Region

PAGE = 50


def _refuse(request, message: str, status: int = 400, back: str = "") -> HttpResponse:
    return render(request, "targets/refused.html", {"message": message, "back": back}, status=status)


def subdistrict_for(request: HttpRequest) -> Region | None:
    """The subdistrict whose cases this person works on: from their scope (the first one they can read)."""
    scope = request.scope
    paths = [*scope.read_paths, *scope.units.values(), *scope.tip_paths]
    for p in paths:
        parts = p.split("/")
        if len(parts) >= 4:  # city/district/subdistrict/… → the subdistrict's own path
            return Region.objects.filter(path="/".join(parts[:3]) + "/").first()
    if paths or scope.is_superuser:  # a city or district reader: the first subdistrict under it with cases
        base = paths[0] if paths else ""
        return (
            Region.objects.filter(level=Level.SUBDISTRICT, path__startswith=base, case_rule__isnull=False).first()
            or Region.objects.filter(level=Level.SUBDISTRICT, path__startswith=base).first()
        )
    return None


def _public_subdistrict(request: HttpRequest) -> Region:
    code = request.GET.get("s") or request.POST.get("s")
    qs = Region.objects.filter(level=Level.SUBDISTRICT, case_rule__isnull=False)
    found = qs.filter(code=code).first() if code else qs.order_by("path").first()
    if found is None:
        raise Http404("本平台尚未开通群众上报。")
    return found


def _client_ip(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "")


# ---- list and map ------------------------------------------------------------------------------


def _filters(request: HttpRequest) -> queries.Filters:
    g = request.GET

    def _int(name):
        try:
            return int(g.get(name) or 0) or None
        except ValueError:
            return None

    def _date(name):
        try:
            return datetime.date.fromisoformat(g.get(name, ""))
        except ValueError:
            return None

    region_path, region_history = "", ()
    if g.get("region"):  # as of the period's last day, as the statistics count it
        region_path, region_history = queries.region_paths(g["region"], lambda: _date("until") or clock.today())
    return queries.Filters(
        state=g.get("state", ""),
        category=_int("category"),
        region_path=region_path,
        region_history=region_history,
        source=g.get("source", "") if g.get("source") in Source.values else "",
        unit=_int("unit"),
        batch=_int("batch"),
        hotspot=g.get("hotspot") == "1",
        text=g.get("q", "").strip()[:50],
        since=_date("since"),
        until=_date("until"),
        counted=g.get("counted") == "1",
    )


@require_GET
def case_list(request: HttpRequest) -> HttpResponse:
    sub = subdistrict_for(request)
    f = _filters(request)
    try:
        page = max(int(request.GET.get("page", "1")), 1)
    except ValueError:
        page = 1
    rows = queries.page_of(queries.filtered(request.scope, f), offset=(page - 1) * PAGE, limit=PAGE + 1)
    has_next = len(rows) > PAGE
    rows = rows[:PAGE]
    return render(
        request,
        "cases/list.html",
        {
            "rows": queries.with_lights(rows),
            "page": page,
            "has_next": has_next,
            "f": f,
            "q": request.GET,
            "sub": sub,
            "states": State.choices,
            "sources": Source.choices,
            "categories": Category.objects.filter(subdistrict=sub, parent__isnull=True) if sub else [],
            "villages": request.scope.regions().filter(level=Level.VILLAGE).current().order_by("path") if sub else [],
            "can_report": bool(request.scope.write_paths or request.scope.units or request.scope.is_superuser),
            "tiles": settings.ZHILI_MAP_TILE_URL,
        },
    )


@require_GET
def case_map(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "cases/map.html",
        {
            "sub": subdistrict_for(request),
            "q": request.GET,
            "states": State.choices,
            "tile_url": settings.ZHILI_MAP_TILE_URL,
            "tile_attribution": settings.ZHILI_MAP_TILE_ATTRIBUTION,
        },
    )


@require_GET
def case_geojson(request: HttpRequest) -> JsonResponse:
    """The map's data: up to 2,000 located cases of the filter, and the boundaries of the regions in scope."""
    f = _filters(request)
    qs = queries.filtered(request.scope, f).filter(lng__isnull=False)
    rows = [] if request.GET.get("only") == "areas" else queries.with_lights(queries.page_of(qs, limit=2000))
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [float(c.lng), float(c.lat)]},
            "properties": {
                "id": c.pk,
                "number": c.number,
                "category": c.category.name,
                "state": c.get_state_display(),
                "light": lit.color,
                "hotspot": c.is_hotspot,
                "url": reverse("cases:detail", args=[c.pk]),
            },
        }
        for c, lit in rows
    ]
    regions = (
        request.scope.regions()
        .current()
        .filter(level__in=(Level.VILLAGE, Level.GRID), boundary__isnull=False)
        .values("code", "name", "level", "boundary")[:5000]
    )
    areas = [
        {"type": "Feature", "geometry": r["boundary"], "properties": {"name": r["name"], "level": r["level"]}}
        for r in regions
    ]
    return JsonResponse(
        {
            "cases": {"type": "FeatureCollection", "features": features},
            "areas": {"type": "FeatureCollection", "features": areas},
        }
    )


# ---- one case ----------------------------------------------------------------------------------


def _detail_context(request: HttpRequest, case: Case, **extra) -> dict:
    scope = request.scope
    now = clock.now()
    rule = actions.rule_for(case.subdistrict)
    available = flow.available(case, scope)
    if case.confidential:
        audit.record(request.user, "case.view_confidential", case)
    photos = list(case.photos.all())
    ctx = {
        "case": case,
        "events": queries.events_for(case, scope),
        "photos": photos,
        "step_light": queries.light(case, rule, now),
        "case_light": queries.light(case, rule, now, whole=True),
        "available": [flow.STEPS[a] for a in available],
        "form": ActForm(initial={"revision": case.revision}),
        "extensions": case.extensions.select_related("requested_by", "decided_by"),
        "far_photos": [p for p in photos if p.far_from_case],
        "can_see_contact": case.source in (Source.PUBLIC, Source.TIP, Source.PARTNER)
        and (policy.dispatch_case(scope, case) or policy.see_confidential(scope, case)),
    }
    if "dispatch" in available:
        ctx["default_route"] = actions.dispatch_default(case)
        ctx["units"] = Unit.objects.active().filter(region=case.subdistrict)
        ctx["village_choices"] = (
            Region.objects.current()
            .filter(level=Level.VILLAGE, path__startswith=case.subdistrict.path)
            .order_by("path")
        )
    if "merge" in available and case.lng is not None:
        ctx["duplicates"] = actions.duplicates_for(
            case.subdistrict, case.category, case.lng, case.lat, at=case.reported_at, exclude=case.pk
        )
    ctx.update(extra)
    return ctx


@require_GET
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = queries.get_case_or_404(request.scope, pk)
    return render(request, "cases/detail.html", _detail_context(request, case))


@require_POST
def case_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    case = queries.get_case_or_404(request.scope, pk)
    form = ActForm(request.POST, request.FILES)
    if not form.is_valid():
        errors = [e for es in form.errors.values() for e in es]
        return render(request, "cases/detail.html", _detail_context(request, case, errors=errors), status=400)
    d = form.cleaned_data
    kwargs = {}
    try:
        if d.get("unit"):
            kwargs["unit"] = Unit.objects.filter(pk=d["unit"], region=case.subdistrict).first()
            if kwargs["unit"] is None:
                raise ValidationError("处置单位不属于本街道。")
        if d.get("village"):
            kwargs["village"] = Region.objects.filter(
                code=d["village"], level=Level.VILLAGE, path__startswith=case.subdistrict.path
            ).first()
            if kwargs["village"] is None:
                raise ValidationError("请选择本街道的村（社区）。")
        if d.get("handler"):
            kwargs["handler"] = Person.objects.filter(pk=d["handler"], is_active=True).first()
        if d.get("master"):
            kwargs["master"] = Case.objects.filter(number=d["master"].strip(), subdistrict=case.subdistrict).first()
        actions.do_act(
            case,
            action,
            actor=request.user,
            scope=request.scope,
            note=d.get("note") or "",
            revision=d.get("revision"),
            photos=d.get("photos") or [],
            days=d.get("days"),
            **kwargs,
        )
    except actions.Conflict as exc:
        case = queries.get_case_or_404(request.scope, pk)
        return render(
            request, "cases/detail.html", _detail_context(request, case, errors=exc.messages, conflict=True), status=409
        )
    except ValidationError as exc:
        case = queries.get_case_or_404(request.scope, pk)
        return render(request, "cases/detail.html", _detail_context(request, case, errors=exc.messages), status=400)
    messages.success(request, f"已{flow.STEPS[action].label}。")
    return redirect("cases:detail", pk=case.pk)


def _photo_response(photo: CasePhoto, which: str) -> FileResponse:
    field = photo.original if which == "original" else photo.display
    try:
        handle = field.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404("照片文件不存在。") from None
    response = FileResponse(handle, content_type="image/jpeg" if which != "original" else None)
    response["Cache-Control"] = "private, max-age=3600"
    return response


@require_GET
def case_photo(request: HttpRequest, pk: int, photo_id: int, which: str) -> FileResponse:
    """Photos are served through scope: the original only to those who can read the case."""
    case = queries.get_case_or_404(request.scope, pk)
    photo = CasePhoto.objects.filter(case=case, pk=photo_id).first()
    if photo is None or which not in ("display", "original"):
        raise Http404("照片不存在。")
    return _photo_response(photo, which)


@require_GET
def duplicates(request: HttpRequest) -> JsonResponse:
    """While reporting: open cases of the same category nearby, with their photos, to compare side by side."""
    sub = subdistrict_for(request)
    try:
        category = Category.objects.get(pk=int(request.GET.get("category", "0")), subdistrict=sub)
        point = actions.parse_point(request.GET.get("lng"), request.GET.get("lat"), required=True)
    except (Category.DoesNotExist, ValueError, ValidationError):
        return JsonResponse({"cases": []})
    found = [
        c
        for c in actions.duplicates_for(sub, category, *point)
        if queries.visible(request.scope).filter(pk=c.pk).exists()
    ][:10]
    return JsonResponse(
        {
            "cases": [
                {
                    "id": c.pk,
                    "number": c.number,
                    "distance_m": c.distance_m,
                    "state": c.get_state_display(),
                    "description": c.description[:80],
                    "url": reverse("cases:detail", args=[c.pk]),
                    "reported_at": f"{timezone.localtime(c.reported_at):%Y-%m-%d %H:%M}",
                    "photos": [reverse("cases:photo", args=[c.pk, p.pk, "display"]) for p in c.photos.all()[:2]],
                }
                for c in found
            ]
        }
    )


# ---- reporting ---------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def case_report(request: HttpRequest) -> HttpResponse:
    sub = subdistrict_for(request)
    if sub is None:
        return _refuse(request, "您没有可上报事件的区域。", status=404)
    scope = request.scope
    patrol = Patrol.objects.filter(inspector=request.user, ended_at__isnull=True).first()
    form = ReportForm(request.POST or None, request.FILES or None, subdistrict=sub)
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        category = Category.objects.filter(pk=d["category"], subdistrict=sub).first()
        source = Source.PATROL if scope.patrols else Source.STAFF
        try:
            if category is None:
                raise ValidationError("请选择有效的问题类别。")
            case = actions.do_report_case(
                subdistrict=sub,
                category=category,
                description=d["description"],
                actor=request.user,
                scope=scope,
                source=source,
                lng=d["lng"],
                lat=d["lat"],
                address=d["address"],
                photos=d["photos"],
                patrol=patrol,
                client_ref=d["client_ref"],
            )
        except ValidationError as exc:
            errors = exc.messages
        else:
            if request.headers.get("Accept") == "application/json":
                return JsonResponse(
                    {"id": case.pk, "number": case.number, "url": reverse("cases:detail", args=[case.pk])}
                )
            messages.success(request, f"已上报，案件编号 {case.number}。")
            return redirect("cases:detail", pk=case.pk)
    elif request.method == "POST":
        errors = [e for es in form.errors.values() for e in es]
    status = 400 if errors else 200
    if errors and request.headers.get("Accept") == "application/json":
        return JsonResponse({"errors": errors}, status=400)
    return render(
        request,
        "cases/report.html",
        {"form": form, "errors": errors, "sub": sub, "patrol": patrol, "tile_url": settings.ZHILI_MAP_TILE_URL},
        status=status,
    )


# ---- patrols -----------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def patrol(request: HttpRequest) -> HttpResponse:
    scope = request.scope
    grids = (
        [g for g in scope.regions(access="write").filter(level=Level.GRID).current() if policy.patrol(scope, g)]
        if scope.patrols
        else []
    )
    current = Patrol.objects.filter(inspector=request.user, ended_at__isnull=True).first()
    if request.method == "POST":
        op = request.POST.get("op")
        try:
            if op == "start":
                grid = next((g for g in grids if g.code == request.POST.get("grid")), None)
                if grid is None:
                    raise ValidationError("请选择您负责的网格。")
                actions.do_start_patrol(grid, actor=request.user, scope=scope)
            elif op == "checkin" and current:
                actions.do_checkin(current, request.POST.get("lng"), request.POST.get("lat"), actor=request.user)
            elif op == "end" and current:
                actions.do_end_patrol(current, actor=request.user, note=request.POST.get("note", ""))
            else:
                raise ValidationError("没有进行中的巡查。")
        except ValidationError as exc:
            return _refuse(request, " ".join(exc.messages), back=reverse("cases:patrol"))
        if request.headers.get("Accept") == "application/json":
            return JsonResponse({"ok": True})
        return redirect("cases:patrol")
    mine = scope.filter(Patrol.objects.filter(inspector=request.user), "path").select_related("grid")[:20]
    return render(request, "cases/patrol.html", {"grids": grids, "current": current, "patrols": mine})


# ---- statistics and findings -------------------------------------------------------------------


@require_GET
def statistics(request: HttpRequest) -> HttpResponse:
    sub = subdistrict_for(request)
    by = request.GET.get("by", "village")
    if by not in queries.BY or sub is None:
        by = "village"
    f = _filters(request)
    rows = queries.statistics(request.scope, sub, by, f) if sub else []
    # every row's figures open onto the cases behind them: the list with the same filters
    period = {k: request.GET[k] for k in ("since", "until") if request.GET.get(k)}
    for r in rows:
        where = {"unit": r["key"]} if by == "unit" else {"region": r["code"]} if r.get("code") else None
        r["list_q"] = urlencode({**where, **period, "counted": 1}) if where is not None else ""
    week = request.GET.get("week")
    try:
        week_start = datetime.date.fromisoformat(week) if week else None
    except ValueError:
        week_start = None
    today = clock.today()
    week_start = week_start or today - datetime.timedelta(days=today.weekday())
    return render(
        request,
        "cases/stats.html",
        {
            "rows": rows,
            "total": queries.totals(rows) if by != "inspector" else None,
            "by": by,
            "by_choices": queries.BY,
            "by_label": queries.BY[by],
            "rates": queries.RATES if by != "inspector" else queries.INSPECTOR_RATES,
            "q": request.GET,
            "sub": sub,
            "coverage": queries.patrol_coverage(request.scope, sub, week_start) if sub and by == "grid" else [],
            "week_start": week_start,
        },
    )


STAT_COLUMNS = [
    ("reported", "上报"),
    ("accepted", "受理"),
    ("filed", "立案"),
    ("dispatched", "派遣"),
    ("due", "应结案"),
    ("closed", "结案"),
    ("closed_on_time", "按期结案"),
    ("overdue", "超期未处置"),
]


@require_GET
def statistics_xlsx(request: HttpRequest) -> HttpResponse:
    """The statistics table as .xlsx, the numbers equal to the page's (rates in percent, one decimal)."""
    import io
    from urllib.parse import quote

    from zhili.excel.writing import write_xlsx

    sub = subdistrict_for(request)
    if sub is None:
        raise Http404
    by = request.GET.get("by", "village")
    by = by if by in queries.BY and by != "inspector" else "village"
    f = _filters(request)
    rows = queries.statistics(request.scope, sub, by, f)
    total = queries.totals(rows)
    headers = [queries.BY[by], *[label for _, label in STAT_COLUMNS], *[label for _, label, _, _ in queries.RATES]]
    body = [
        [r["name"], *[r[k] for k, _ in STAT_COLUMNS], *[r[k] for k, _, _, _ in queries.RATES]]
        for r in [*rows, total | {"name": "合计"}]
    ]
    span = f"{f.since or '—'} 至 {f.until or clock.today()}"
    out = io.BytesIO()
    write_xlsx(
        out,
        title=f"{sub.name}网格事件统计（按{queries.BY[by]}）",
        subtitle=f"上报日期：{span}；比率单位：%",
        headers=headers,
        rows=body,
        column_formats=[None] + ["integer"] * len(STAT_COLUMNS) + ["decimal:1"] * len(queries.RATES),
    )
    response = HttpResponse(
        out.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    name = f"{sub.name}网格事件统计-{queries.BY[by]}.xlsx"
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


@require_GET
def findings(request: HttpRequest) -> HttpResponse:
    sub = subdistrict_for(request)
    batches = list(InspectionBatch.objects.filter(subdistrict=sub)) if sub else []
    today = clock.today()
    visible = queries.visible(request.scope)
    data = []
    for b in batches:
        curve = queries.burn_down(b, today=today) if request.scope.can_read(sub.path) else []
        top = max((n for _, n in curve), default=0) or 1
        by_village = (
            visible.filter(batch=b)
            .values("region__name", "region__code")
            .annotate(total=Count("id"), open=Count("id", filter=Q(state__in=queries.OPEN_STATES)))
            .order_by("-open", "region__name")
        )
        counts = visible.filter(batch=b).aggregate(
            total=Count("id"), open=Count("id", filter=Q(state__in=queries.OPEN_STATES))
        )
        bars = [
            {"x": 30 + i * 16, "h": round(n * 120 / top), "y": 130 - round(n * 120 / top), "n": n, "d": d}
            for i, (d, n) in enumerate(curve)
        ]
        data.append({"batch": b, "bars": bars, "width": 40 + 16 * len(bars), "villages": by_village, **counts})
    return render(request, "cases/findings.html", {"batches": data, "today": today})


# ---- configuration -----------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def categories(request: HttpRequest) -> HttpResponse:
    sub = subdistrict_for(request)
    if sub is None:
        raise Http404
    can = policy.configure_cases(request.scope, sub)
    cats = Category.objects.filter(subdistrict=sub).select_related("parent").order_by("order")
    parents = [(c.pk, c.name) for c in cats if c.parent_id is None]
    errors: list[str] = []
    if request.method == "POST":
        if not can:
            return _refuse(request, "只有系统管理员或街道领导可以修改事件类别。", status=403)
        existing = cats.filter(pk=request.POST.get("pk") or 0).first()
        form = CategoryForm(request.POST)
        form.fields["parent"].choices = [("", "—"), *parents]
        if form.is_valid():
            d = dict(form.cleaned_data)
            d["parent"] = next((c for c in cats if c.pk == d.get("parent")), None)
            try:
                actions.do_save_category(sub, d, actor=request.user, scope=request.scope, category=existing)
                messages.success(request, "已保存事件类别。")
                return redirect("cases:categories")
            except ValidationError as exc:
                errors = exc.messages
        else:
            errors = [e for es in form.errors.values() for e in es]
    rule = actions.rule_for(sub)
    # the category's default, and grid overrides only for grids this person may read
    visible_routes = RouteRule.objects.filter(subdistrict=sub).filter(
        Q(grid__isnull=True) | request.scope.q("grid__path")
    )
    routes = {(r.category_id, r.grid_id): r for r in visible_routes.select_related("unit", "person", "grid")}
    return render(
        request,
        "cases/categories.html",
        {
            "categories": cats,
            "parents": parents,
            "can": can,
            "errors": errors,
            "routes": routes,
            "units": Unit.objects.active().filter(region=sub),
            "classes": Category._meta.get_field("case_class").choices,
            "rule_form": CaseRuleForm(instance=rule, subdistrict=sub),
        },
        status=400 if errors else 200,
    )


@require_POST
def rule_save(request: HttpRequest) -> HttpResponse:
    sub = subdistrict_for(request)
    if sub is None:
        raise Http404
    form = CaseRuleForm(request.POST, instance=actions.rule_for(sub), subdistrict=sub)
    if not form.is_valid():
        return _refuse(
            request, " ".join(e for es in form.errors.values() for e in es), back=reverse("cases:categories")
        )
    try:
        actions.do_save_case_rule(sub, form, actor=request.user, scope=request.scope)
    except ValidationError as exc:
        return _refuse(request, " ".join(exc.messages), status=403)
    messages.success(request, "已保存事件规则。")
    return redirect("cases:categories")


@require_POST
def route_set(request: HttpRequest) -> HttpResponse:
    sub = subdistrict_for(request)
    category = Category.objects.filter(subdistrict=sub, pk=request.POST.get("category") or 0).first()
    if category is None:
        raise Http404
    unit_id = request.POST.get("unit", "")
    unit = Unit.objects.filter(region=sub, pk=unit_id).first() if unit_id.isdigit() else None
    grid = None
    if request.POST.get("grid"):
        grid = Region.objects.filter(code=request.POST["grid"], level=Level.GRID, path__startswith=sub.path).first()
    try:
        actions.do_set_route(
            category,
            grid=grid,
            unit=unit,
            to_own_village=unit_id == "village",
            person=None,
            actor=request.user,
            scope=request.scope,
        )
    except ValidationError as exc:
        return _refuse(request, " ".join(exc.messages), status=403 if "只有" in exc.messages[0] else 400)
    messages.success(request, f"已设置“{category.name}”的派遣规则。")
    return redirect("cases:categories")


# ---- public pages (no sign-in) -----------------------------------------------------------------


@login_not_required
@require_http_methods(["GET", "POST"])
def public_report(request: HttpRequest) -> HttpResponse:
    sub = _public_subdistrict(request)
    form = PublicReportForm(request.POST or None, request.FILES or None, subdistrict=sub, public_only=True)
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        category = Category.objects.filter(pk=d["category"], subdistrict=sub, is_public=True).first()
        try:
            if category is None:
                raise ValidationError("请选择有效的问题类别。")
            case = actions.do_public_report(
                subdistrict=sub,
                category=category,
                description=d["description"],
                lng=d["lng"],
                lat=d["lat"],
                photos=d["photos"],
                contact_name=d["contact_name"],
                contact_phone=d["contact_phone"],
                origin=_client_ip(request),
                client_ref=d["client_ref"],
            )
        except ValidationError as exc:
            errors = exc.messages
        else:
            return redirect(reverse("public:track", args=[case.tracking_code]) + "?new=1")
    elif request.method == "POST":
        errors = [e for es in form.errors.values() for e in es]
    status = 429 if any("一小时内最多" in e for e in errors) else (400 if errors else 200)
    return render(request, "cases/public_report.html", {"form": form, "errors": errors, "sub": sub}, status=status)


@login_not_required
@require_GET
def track(request: HttpRequest, code: str) -> HttpResponse:
    """A citizen follows their case by its tracking code: state, public steps, EXIF-free photos."""
    case = (
        Case.objects.filter(tracking_code=code.upper().strip(), confidential=False).select_related("category").first()
    )
    if case is None:
        return render(request, "cases/track.html", {"missing": True, "code": code}, status=404)
    events = CaseEvent.objects.filter(case=case, public=True).order_by("at")
    photos = case.photos.filter(stage__in=[PhotoStage.BEFORE, PhotoStage.AFTER])
    return render(
        request,
        "cases/track.html",
        {"case": case, "events": events, "photos": photos, "new": request.GET.get("new") == "1"},
    )


@login_not_required
@require_GET
def track_photo(request: HttpRequest, code: str, photo_id: int) -> FileResponse:
    """The display copy only (downscaled, EXIF stripped), never the original."""
    photo = CasePhoto.objects.filter(pk=photo_id, case__tracking_code=code, case__confidential=False).first()
    if photo is None:
        raise Http404("照片不存在。")
    return _photo_response(photo, "display")


@login_not_required
@require_http_methods(["GET", "POST"])
def tip(request: HttpRequest) -> HttpResponse:
    sub = _public_subdistrict(request)
    form = TipForm(request.POST or None)
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            case = actions.do_submit_tip(
                subdistrict=sub,
                description=d["description"],
                contact_name=d["contact_name"],
                contact_phone=d["contact_phone"],
                origin=_client_ip(request),
            )
        except ValidationError as exc:
            errors = exc.messages
        else:
            return render(request, "cases/tip_done.html", {"case": case})
    elif request.method == "POST":
        errors = [e for es in form.errors.values() for e in es]
    return render(
        request, "cases/tip.html", {"form": form, "errors": errors, "sub": sub}, status=400 if errors else 200
    )
