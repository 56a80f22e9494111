"""Case pages: the list, the map, a case with the steps this person may take, reporting (phone first), patrols,
statistics, superior findings with their burn-down, categories and routing; and the public pages (随手拍,
tracking by code, confidential tips), which need no sign-in."""

from __future__ import annotations

import datetime
from urllib.parse import quote, urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from zhili.cases import actions, flow, location, queries, routing, steps
from zhili.cases.deadlines import rule_for
from zhili.cases.forms import (
    ActForm,
    CaseFilterForm,
    CaseRuleForm,
    CategoryForm,
    PublicReportForm,
    ReportForm,
    RouteForm,
    StatisticsForm,
    TipForm,
    errors_of,
)
from zhili.cases.models import (
    Case,
    CasePhoto,
    Category,
    Patrol,
    Source,
    State,
)
from zhili.core import clock
from zhili.core.errors import Invalid, NotFound, refuse, status_of
from zhili.people import policy
from zhili.people.models import Unit
from zhili.people.scope import NoViewpoint, viewpoint
from zhili.regions.models import Level, Region
from zhili.regions.picker import village_picker

PAGE = 50


def subdistrict_of(request: HttpRequest) -> Region | None:
    """The subdistrict whose cases this person works on (zhili.people.scope.viewpoint; a tip officer's too)."""
    try:
        return viewpoint(request.scope, tips=True).sub
    except NoViewpoint:
        return None


def _public_subdistrict(request: HttpRequest) -> Region:
    code = request.GET.get("s") or request.POST.get("s")
    qs = Region.objects.filter(level=Level.SUBDISTRICT, case_rule__isnull=False)
    found = qs.filter(code=code).first() if code else qs.order_by("path").first()
    if found is None:
        raise Http404(_("本平台尚未开通群众上报。"))
    return found


def _client_ip(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "")


# ---- list and map ------------------------------------------------------------------------------


def _filters(request: HttpRequest, form_class=CaseFilterForm):
    """The page's GET parameters, parsed once: (form, Filters); an unusable value is a 400 with its sentence."""
    form = form_class(request.GET)
    if not form.is_valid():
        raise Invalid(errors_of(form))
    code = form.cleaned_data["region"]
    region_path, region_history = "", ()
    if code:  # as of the period's last day, as the statistics count it
        region_path, region_history = queries.region_paths(code, lambda: form.cleaned_data["until"] or clock.today())
    return form, form.filters(region_path, region_history)


@require_GET
def case_list(request: HttpRequest) -> HttpResponse:
    sub = subdistrict_of(request)
    code = request.GET.get("region", "")
    picker = village_picker(
        request.scope.regions().filter(level=Level.VILLAGE).current(), code, request.GET.get("village")
    )
    if picker.code != code:  # a name typed in the search box: the page of the village it names
        query = request.GET.copy()
        query.pop("page", None)
        query["region"] = picker.code
        query["village"] = picker.selected.name if picker.selected else picker.typed
        return redirect(f"{request.path}?{query.urlencode()}")
    form, f = _filters(request)
    page = form.cleaned_data["page"] or 1
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
            "picker": picker,
            "can_report": policy.report_somewhere(request.scope),
            "tiles": settings.ZHILI_MAP_TILE_URL,
        },
    )


@require_GET
def case_map(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "cases/map.html",
        {
            "sub": subdistrict_of(request),
            "q": request.GET,
            "states": State.choices,
            "tile_url": settings.ZHILI_MAP_TILE_URL,
            "tile_attribution": settings.ZHILI_MAP_TILE_ATTRIBUTION,
        },
    )


@require_GET
def case_geojson(request: HttpRequest) -> JsonResponse:
    """The map's data: up to 2,000 located cases of the filter, and the boundaries of the regions in scope."""
    try:
        _, f = _filters(request)
    except Invalid as exc:
        return JsonResponse({"errors": exc.messages}, status=status_of(exc))
    qs = queries.filtered(request.scope, f).filter(lng__isnull=False)
    rows = [] if request.GET.get("only") == "areas" else queries.with_lights(queries.page_of(qs, limit=2000))
    labels = queries.state_labels()
    detail = reverse("cases:detail", args=[0]).removesuffix("0/")  # one reverse, not 2,000
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [float(c.lng), float(c.lat)]},
            "properties": {
                "id": c.pk,
                "number": c.number,
                "category": c.category.name,
                "state": labels[c.state],
                "light": lit.color,
                "hotspot": c.is_hotspot,
                "url": f"{detail}{c.pk}/",
            },
        }
        for c, lit in rows
    ]
    areas = [
        {"type": "Feature", "geometry": r["boundary"], "properties": {"name": r["name"], "level": r["level"]}}
        for r in queries.map_areas(request.scope)
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
    rule = rule_for(case.subdistrict)
    available = flow.available(case, scope)
    offered = flow.offered(case, scope, rule)
    photos = list(case.photos.all())
    ctx = {
        "case": case,
        "events": queries.events_for(case, scope),
        "photos": photos,
        "step_light": queries.light(case, rule, now),
        "case_light": queries.light(case, rule, now, whole=True),
        "available": offered,
        "form": ActForm(initial={"revision": case.revision}),
        "extensions": case.extensions.select_related("requested_by", "decided_by"),
        "far_photos": [p for p in photos if p.far_from_case],
        "can_see_contact": case.source in (Source.PUBLIC, Source.TIP, Source.PARTNER)
        and (policy.dispatch_case(scope, case) or policy.see_confidential(scope, case)),
    }
    if any("dispatch" in step.steps for step in offered):
        ctx["default_route"] = routing.dispatch_default(case)
        ctx["units"], ctx["village_choices"] = queries.dispatch_choices(case)
    if "merge" in available and case.lng is not None:
        ctx["duplicates"] = location.duplicates_for(
            case.subdistrict, case.category, case.lng, case.lat, at=case.reported_at, exclude=case.pk
        )
    ctx.update(extra)
    return ctx


def _case_page(request: HttpRequest, pk: int, *, status: int = 200, **extra) -> HttpResponse:
    """A case's page; a confidential tip's opening is recorded by its action (as the API's is)."""
    case = queries.get_case_or_404(request.scope, pk)
    actions.do_view_confidential(case, actor=request.user, scope=request.scope)
    return render(request, "cases/detail.html", _detail_context(request, case, **extra), status=status)


@require_GET
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _case_page(request, pk)


@require_POST
def case_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    case = queries.get_case_or_404(request.scope, pk)
    form = ActForm(request.POST, request.FILES)
    try:
        if not form.is_valid():
            raise Invalid(errors_of(form))
        d = form.cleaned_data
        arguments = steps.resolve(
            case, request.scope, unit=d["unit"], village=d["village"], handler=d["handler"], master=d["master"]
        )
        act = actions.do_act_steps if action in flow.COMBINED else actions.do_act
        act(
            case,
            action,
            actor=request.user,
            scope=request.scope,
            note=d.get("note") or "",
            revision=d.get("revision"),
            photos=d.get("photos") or [],
            days=d.get("days"),
            **arguments,
        )
    except Invalid as exc:  # every typed refusal: its sentences above the case as it is now, with its status
        status = status_of(exc)
        return _case_page(request, pk, status=status, errors=exc.messages, conflict=status == 409)
    messages.success(request, _("已%(label)s。") % {"label": flow.label_of(action)})
    return redirect("cases:detail", pk=case.pk)


def _photo_response(photo: CasePhoto, which: str) -> FileResponse:
    field = photo.original if which == "original" else photo.display
    try:
        handle = field.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404(_("照片文件不存在。")) from None
    response = FileResponse(handle, content_type="image/jpeg" if which != "original" else None)
    response["Cache-Control"] = "private, max-age=3600"
    return response


@require_GET
def case_photo(request: HttpRequest, pk: int, photo_id: int, which: str) -> FileResponse:
    """Photos are served through scope: the original only to those who can read the case."""
    case = queries.get_case_or_404(request.scope, pk)
    photo = queries.photo_of(case, photo_id)
    if photo is None or which not in ("display", "original"):
        raise Http404(_("照片不存在。"))
    return _photo_response(photo, which)


@require_GET
def duplicates(request: HttpRequest) -> JsonResponse:
    """While reporting: open cases of the same category nearby, with their photos, to compare side by side."""
    sub = subdistrict_of(request)
    form = CaseFilterForm({"category": request.GET.get("category", "")})
    try:
        point = location.parse_point(request.GET.get("lng"), request.GET.get("lat"), required=True)
    except Invalid:
        return JsonResponse({"cases": []})
    category = (
        Category.objects.filter(pk=form.cleaned_data["category"], subdistrict=sub).first()
        if form.is_valid() and form.cleaned_data["category"]
        else None
    )
    if category is None:
        return JsonResponse({"cases": []})
    found = queries.only_visible(request.scope, location.duplicates_for(sub, category, *point))[:10]
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
    sub = subdistrict_of(request)
    if sub is None:
        raise NotFound(_("您没有可上报事件的区域。"))
    scope = request.scope
    patrol = Patrol.objects.filter(inspector=request.user, ended_at__isnull=True).first()
    form = ReportForm(request.POST or None, request.FILES or None, subdistrict=sub)
    errors: list[str] = []
    status = 200
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        category = Category.objects.filter(pk=d["category"], subdistrict=sub).first()
        source = Source.PATROL if scope.patrols else Source.STAFF
        try:
            if category is None:
                raise Invalid(_("请选择有效的问题类别。"))
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
        except Invalid as exc:
            errors, status = exc.messages, status_of(exc)
        else:
            if request.headers.get("Accept") == "application/json":
                return JsonResponse(
                    {"id": case.pk, "number": case.number, "url": reverse("cases:detail", args=[case.pk])}
                )
            messages.success(request, _("已上报，案件编号 %(number)s。") % {"number": case.number})
            return redirect("cases:detail", pk=case.pk)
    elif request.method == "POST":
        errors, status = errors_of(form), 400
    if errors and request.headers.get("Accept") == "application/json":
        return JsonResponse({"errors": errors}, status=status)
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
                    raise Invalid(_("请选择您负责的网格。"))
                actions.do_start_patrol(grid, actor=request.user, scope=scope)
            elif op == "checkin" and current:
                actions.do_checkin(current, request.POST.get("lng"), request.POST.get("lat"), actor=request.user)
            elif op == "end" and current:
                actions.do_end_patrol(current, actor=request.user, note=request.POST.get("note", ""))
            else:
                raise Invalid(_("没有进行中的巡查。"))
        except Invalid as exc:
            return refuse(request, exc, back=reverse("cases:patrol"))
        if request.headers.get("Accept") == "application/json":
            return JsonResponse({"ok": True})
        return redirect("cases:patrol")
    mine = scope.filter(Patrol.objects.filter(inspector=request.user), "path").select_related("grid")[:20]
    return render(request, "cases/patrol.html", {"grids": grids, "current": current, "patrols": mine})


# ---- statistics and findings -------------------------------------------------------------------


STATS_PAGE = 200


@require_GET
def statistics(request: HttpRequest) -> HttpResponse:
    sub = subdistrict_of(request)
    form, f = _filters(request, StatisticsForm)
    by = form.cleaned_data["by"] or "village"
    rows = queries.statistics(request.scope, sub, by, f) if sub else []
    # STATS_PAGE rows a page (a large subdistrict has a thousand grids); the total row counts them all
    page = Paginator(rows, STATS_PAGE).get_page(request.GET.get("page"))
    # every row's figures open onto the cases behind them: the list with the same filters
    period = {k: request.GET[k] for k in ("since", "until") if request.GET.get(k)}
    for r in page.object_list:
        where = {"unit": r["key"]} if by == "unit" else {"region": r["code"]} if r.get("code") else None
        r["list_q"] = urlencode({**where, **period, "counted": 1}) if where is not None else ""
    today = clock.today()
    week_start = form.cleaned_data["week"] or today - datetime.timedelta(days=today.weekday())
    return render(
        request,
        "cases/stats.html",
        {
            "rows": page.object_list,
            "page": page,
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


@require_GET
def statistics_xlsx(request: HttpRequest) -> HttpResponse:
    """The statistics table as .xlsx, the numbers equal to the page's; an audited export."""
    sub = subdistrict_of(request)
    if sub is None:
        raise NotFound(_("您的权限范围内没有街道或村（社区）。"))
    form, f = _filters(request, StatisticsForm)
    by = form.cleaned_data["by"] if form.cleaned_data["by"] not in ("", "inspector") else "village"
    name, content = actions.do_export_statistics(sub, by, f, actor=request.user, scope=request.scope)
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


@require_GET
def findings(request: HttpRequest) -> HttpResponse:
    today = clock.today()
    batches = queries.findings(request.scope, subdistrict_of(request), today)
    return render(request, "cases/findings.html", {"batches": batches, "today": today})


# ---- configuration -----------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def categories(request: HttpRequest) -> HttpResponse:
    sub = subdistrict_of(request)
    if sub is None:
        raise NotFound(_("您的权限范围内没有街道或村（社区）。"))
    can = policy.configure_cases(request.scope, sub)
    cats = Category.objects.filter(subdistrict=sub).select_related("parent").order_by("order")
    parents = [(c.pk, c.name) for c in cats if c.parent_id is None]
    errors: list[str] = []
    status = 200
    if request.method == "POST":
        existing = cats.filter(pk=request.POST.get("pk") or 0).first()
        form = CategoryForm(request.POST)
        form.fields["parent"].choices = [("", "—"), *parents]
        if form.is_valid():
            d = dict(form.cleaned_data)
            d["parent"] = next((c for c in cats if c.pk == d.get("parent")), None)
            try:
                actions.do_save_category(sub, d, actor=request.user, scope=request.scope, category=existing)
                messages.success(request, _("已保存事件类别。"))
                return redirect("cases:categories")
            except Invalid as exc:
                errors, status = exc.messages, status_of(exc)
        else:
            errors = errors_of(form)
    rule = rule_for(sub)
    # the category's default, and grid overrides only for grids this person may read
    routes = queries.routes_shown(request.scope, sub)
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
        status=status if status != 200 else 400 if errors else 200,
    )


@require_POST
def rule_save(request: HttpRequest) -> HttpResponse:
    sub = subdistrict_of(request)
    if sub is None:
        raise NotFound(_("您的权限范围内没有街道或村（社区）。"))
    form = CaseRuleForm(request.POST, instance=rule_for(sub), subdistrict=sub)
    try:
        if not form.is_valid():
            raise Invalid(errors_of(form))
        actions.do_save_case_rule(sub, form, actor=request.user, scope=request.scope)
    except Invalid as exc:
        return refuse(request, exc, back=reverse("cases:categories"))
    messages.success(request, _("已保存事件规则。"))
    return redirect("cases:categories")


@require_POST
def route_set(request: HttpRequest) -> HttpResponse:
    sub = subdistrict_of(request)
    form = RouteForm(request.POST)
    if not form.is_valid():
        raise Invalid(errors_of(form))
    d = form.cleaned_data
    category = Category.objects.filter(subdistrict=sub, pk=d["category"]).first()
    if category is None:
        raise NotFound(_("不存在或无权查看。"))
    unit = Unit.objects.filter(region=sub, pk=d["unit"]).first() if d["unit"] else None
    grid = None
    if d["grid"]:
        grid = Region.objects.filter(code=d["grid"], level=Level.GRID, path__startswith=sub.path).first()
    try:
        actions.do_set_route(
            category,
            grid=grid,
            unit=unit,
            to_own_village=d["to_own_village"],
            person=None,
            actor=request.user,
            scope=request.scope,
        )
    except Invalid as exc:
        return refuse(request, exc, back=reverse("cases:categories"))
    messages.success(request, _("已设置“%(name)s”的派遣规则。") % {"name": category.name})
    return redirect("cases:categories")


# ---- public pages (no sign-in) -----------------------------------------------------------------


@login_not_required
@require_http_methods(["GET", "POST"])
def public_report(request: HttpRequest) -> HttpResponse:
    sub = _public_subdistrict(request)
    form = PublicReportForm(request.POST or None, request.FILES or None, subdistrict=sub, public_only=True)
    errors: list[str] = []
    status = 200
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        category = Category.objects.filter(pk=d["category"], subdistrict=sub, is_public=True).first()
        try:
            if category is None:
                raise Invalid(_("请选择有效的问题类别。"))
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
        except Invalid as exc:  # a refused report (400) or too many from one address (429)
            errors, status = exc.messages, status_of(exc)
        else:
            return redirect(reverse("public:track", args=[case.tracking_code]) + "?new=1")
    elif request.method == "POST":
        errors, status = errors_of(form), 400
    return render(request, "cases/public_report.html", {"form": form, "errors": errors, "sub": sub}, status=status)


@login_not_required
@require_GET
def track(request: HttpRequest, code: str) -> HttpResponse:
    """A citizen follows their case by its tracking code: state, public steps, EXIF-free photos."""
    case = queries.tracked(code)
    if case is None:
        return render(request, "cases/track.html", {"missing": True, "code": code}, status=404)
    events, photos = queries.public_steps(case)
    return render(
        request,
        "cases/track.html",
        {"case": case, "events": events, "photos": photos, "new": request.GET.get("new") == "1"},
    )


@login_not_required
@require_GET
def track_photo(request: HttpRequest, code: str, photo_id: int) -> FileResponse:
    """The display copy only (downscaled, EXIF stripped), never the original."""
    photo = queries.public_photo(code, photo_id)
    if photo is None:
        raise Http404(_("照片不存在。"))
    return _photo_response(photo, "display")


@login_not_required
@require_http_methods(["GET", "POST"])
def tip(request: HttpRequest) -> HttpResponse:
    sub = _public_subdistrict(request)
    form = TipForm(request.POST or None)
    errors: list[str] = []
    status = 200
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
        except Invalid as exc:
            errors, status = exc.messages, status_of(exc)
        else:
            return render(request, "cases/tip_done.html", {"case": case})
    elif request.method == "POST":
        errors, status = errors_of(form), 400
    return render(request, "cases/tip.html", {"form": form, "errors": errors, "sub": sub}, status=status)
