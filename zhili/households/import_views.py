"""The two imports' pages (防返贫监测系统导出, 低保名册): the upload page with its template, then the shared import
pages (preview, confirm, rejected rows) of zhili.imports. `kind` is the pages' word for the importer (poverty,
dibao); `code` the subdistrict's. Parse → authorise (the importer's policy) → act → render."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from zhili.core.errors import require
from zhili.households import exports
from zhili.households.importer import KINDS
from zhili.imports import registry
from zhili.imports import views as import_views
from zhili.imports.forms import ImportForm
from zhili.imports.models import ImportJob
from zhili.people.scope import viewpoint
from zhili.regions.models import Level, Region
from zhili.regions.queries import get_region_or_404

TITLES = {
    "poverty": gettext_lazy("导入防返贫监测系统导出"),
    "dibao": gettext_lazy("导入低保名册"),
}


def _importer(kind: str):
    key = KINDS.get(kind)
    if key is None:
        raise Http404(_("未知的导入类型。"))
    return registry.get(key)


def _subdistrict(request: HttpRequest, kind: str, code: str) -> Region:
    """The subdistrict whose register the person may import (404 for one they do not read, 403 for one they read
    but whose households they do not manage)."""
    imp = _importer(kind)
    sub = get_region_or_404(request.scope, code)
    if sub.level != Level.SUBDISTRICT:
        raise Http404(_("这个区划不是乡镇（街道）。"))
    require(imp.may_import(request.scope, sub), _("您无权导入“%(name)s”的户籍。") % {"name": sub.name})
    return sub


@require_GET
def import_start(request: HttpRequest, kind: str) -> HttpResponse:
    """The import page of the subdistrict the person looks at."""
    _importer(kind)
    return redirect("household_registry:import", kind=kind, code=viewpoint(request.scope).sub.code)


@require_http_methods(["GET", "POST"])
def import_page(request: HttpRequest, kind: str, code: str) -> HttpResponse:
    sub = _subdistrict(request, kind, code)
    imp = _importer(kind)
    if request.method == "POST":
        return import_views.upload(request, imp.key, sub)
    urls = imp.urls(sub)
    recent = ImportJob.objects.filter(importer=imp.key, target_id=sub.pk).select_related("uploaded_by")
    jobs = [(job, urls.job(job.pk)) for job in recent.order_by("-created_at")[:10]]
    return render(
        request,
        "households/registry/import.html",
        {
            "sub": sub,
            "kind": kind,
            "title": TITLES[kind],
            "headers": [c.label for c in imp.columns(sub)],
            "form": ImportForm(),
            "jobs": jobs,
        },
    )


@require_GET
def template(request: HttpRequest, kind: str) -> HttpResponse:
    """An empty file to fill: the header, one example row and an instructions sheet."""
    imp = _importer(kind)
    headers = [c.label for c in imp.column_list]
    return import_views.xlsx_response(exports.template_xlsx(imp.key, headers), f"{imp.label}模板.xlsx")


@require_http_methods(["GET", "POST"])
def import_job(request: HttpRequest, kind: str, code: str, pk: int) -> HttpResponse:
    return import_views.job_page(request, _importer(kind).key, _subdistrict(request, kind, code), pk)


@require_GET
def import_rejected(request: HttpRequest, kind: str, code: str, pk: int) -> HttpResponse:
    return import_views.rejected(request, _importer(kind).key, _subdistrict(request, kind, code), pk)
