"""The region browser: subdistrict → villages → grids, their boundaries and history; other apps add their panels
(people: who answers for the region and the grids' responsibility chains, zhili/people/panels.py)."""

from __future__ import annotations

import json

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from zhili.core.forms import run_action
from zhili.regions import actions, geo, panels, queries
from zhili.regions.forms import MergeForm, RegionCreateForm, RegionEditForm
from zhili.regions.models import CHILD_LEVEL, Level, Region
from zhili.regions.queries import get_region_or_404


@require_GET
def region_index(request: HttpRequest) -> HttpResponse:
    roots = list(request.scope.root_regions().order_by("path"))
    if len(roots) == 1:
        return redirect("region_detail", code=roots[0].code)
    return render(request, "regions/index.html", {"roots": roots})


def _map(region: Region, kids) -> geo.Drawing | None:
    items = [(k.name, reverse("region_detail", args=[k.code]), k.boundary, "child") for k in kids if k.boundary]
    if not items and region.boundary:
        items = [(region.name, "", region.boundary, "self")]
    return geo.draw(items)


@require_GET
def region_detail(request: HttpRequest, code: str) -> HttpResponse:
    scope = request.scope
    region = get_region_or_404(scope, code)
    show_closed = request.GET.get("history") == "1"
    kids = list(queries.children(scope, region, include_closed=show_closed))
    context = {
        "region": region,
        "children": kids,
        "child_level": Level(CHILD_LEVEL[Level(region.level)]).label if region.level in CHILD_LEVEL else "",
        "show_closed": show_closed,
        "breadcrumbs": queries.breadcrumbs(scope, region),
        "drawing": _map(region, kids),
        "predecessors": scope.filter(region.predecessors.all(), "path"),
        "can_admin": scope.can_admin(region.path),
        "can_write": scope.can_write(region.path),
    }
    context.update(panels.context_for(request, region))  # what other apps show about it (people: who answers)
    return render(request, "regions/detail.html", context)


@require_http_methods(["GET", "POST"])
def region_edit(request: HttpRequest, code: str) -> HttpResponse:
    region = get_region_or_404(request.scope, code, access="admin")

    initial = {
        "name": region.name,
        "center_lng": region.center_lng,
        "center_lat": region.center_lat,
        "note": region.note,
        "boundary": json.dumps(region.boundary, ensure_ascii=False) if region.boundary else "",
    }
    form = RegionEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        done = run_action(
            form,
            actions.do_update_region,
            region,
            actor=request.user,
            scope=request.scope,
            reason=d["reason"],
            name=d["name"],
            center_lng=d["center_lng"],
            center_lat=d["center_lat"],
            boundary=d["boundary"],
            note=d["note"],
        )
        if done:
            messages.success(request, _("已保存。"))
            return redirect("region_detail", code=region.code)
    return render(
        request,
        "regions/form.html",
        {"form": form, "region": region, "title": _("修改：%(name)s") % {"name": region.name}},
    )


@require_http_methods(["GET", "POST"])
def region_create_child(request: HttpRequest, code: str) -> HttpResponse:
    parent = get_region_or_404(request.scope, code, access="admin")
    if parent.level not in CHILD_LEVEL:
        raise Http404(_("网格下不能再设下级区划。"))
    level = CHILD_LEVEL[Level(parent.level)]
    form = RegionCreateForm(request.POST or None, initial={"code": parent.code})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        region = run_action(
            form,
            actions.do_create_region,
            code=d["code"],
            name=d["name"],
            level=level,
            parent=parent,
            actor=request.user,
            scope=request.scope,
            valid_from=d["valid_from"],
            boundary=d["boundary"],
            center_lng=d["center_lng"],
            center_lat=d["center_lat"],
            note=d["note"],
        )
        if region:
            messages.success(
                request, _("已新建%(v)s“%(name)s”。") % {"v": region.get_level_display(), "name": region.name}
            )
            return redirect("region_detail", code=region.code)
    return render(
        request,
        "regions/form.html",
        {
            "form": form,
            "region": parent,
            "title": _("在“%(name)s”下新建%(label)s") % {"name": parent.name, "label": Level(level).label},
        },
    )


@require_http_methods(["GET", "POST"])
def village_merge(request: HttpRequest, code: str) -> HttpResponse:
    """行政村规模优化调整: pick villages of this subdistrict to merge into a new one."""
    subdistrict = get_region_or_404(request.scope, code, access="admin")
    if subdistrict.level != Level.SUBDISTRICT:
        raise Http404(_("只能在街道（乡镇）页面合并村居。"))
    villages = subdistrict.children.current().order_by("code")
    form = MergeForm(request.POST or None, villages=villages)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        successor = run_action(
            form,
            actions.do_merge_villages,
            list(d["villages"]),
            code=d["code"],
            name=d["name"],
            on=d["on"],
            reason=d["reason"],
            actor=request.user,
            scope=request.scope,
        )
        if successor:
            messages.success(request, _("已合并设立“%(name)s”；原村的历史记录仍归属原村。") % {"name": successor.name})
            return redirect("region_detail", code=successor.code)
    return render(request, "regions/merge.html", {"form": form, "region": subdistrict})
