"""A township's rosters on pages: the upload page with its template, then the shared import pages (preview,
confirm, rejected rows) of zhili.imports, and the initial passwords of the accounts a 花名册 made, once. Each view
serves both rosters (`key`: importer.REGIONS or importer.PEOPLE, from urls.py).
Parse → authorise (queries, actions) → act → render."""

from __future__ import annotations

import io

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from zhili.core.errors import refuse
from zhili.excel import writing
from zhili.imports import registry
from zhili.imports import views as import_views
from zhili.imports.forms import ImportForm
from zhili.imports.queries import get_job_or_404
from zhili.township import actions, boundaries, importer, queries
from zhili.township.forms import BoundariesForm

TEMPLATES = {
    importer.REGIONS: [["孔家坊", "村", "370115003201", "第一网格", "370115003201001", "117.05", "36.95"]],
    importer.PEOPLE: [["张三", "", "13800000001", "孔家坊村", "党支部书记", "村支书", "孔家坊村"]],
}
PAGES = {
    importer.REGIONS: (gettext_lazy("导入村居名册"), "township/regions_roster.html"),
    importer.PEOPLE: (gettext_lazy("导入花名册"), "township/people_roster.html"),
}


@require_http_methods(["GET", "POST"])
def roster(request: HttpRequest, key: str, code: str) -> HttpResponse:
    township = queries.get_township_or_404(request.scope, code)
    if request.method == "POST":
        return import_views.upload(request, key, township)
    title, template = PAGES[key]
    urls = registry.get(key).urls(township)
    jobs = [(job, urls.job(job.pk)) for job in queries.recent_imports(township, key)]
    context = {"township": township, "title": title, "form": ImportForm(), "jobs": jobs}
    if key == importer.REGIONS:
        context["boundaries_form"] = BoundariesForm()
    return render(request, template, context)


@require_GET
def roster_template(request: HttpRequest, key: str, code: str) -> HttpResponse:
    """An empty roster to fill: the header and one example row."""
    queries.get_township_or_404(request.scope, code)
    imp = registry.get(key)
    headers = [c.label for c in imp.column_list]
    buf = io.BytesIO()
    writing.write_xlsx(
        buf, title=None, subtitle=None, headers=headers, rows=TEMPLATES[key], column_formats=["text"] * len(headers)
    )
    return import_views.xlsx_response(buf.getvalue(), f"{imp.label}模板.xlsx")


@require_http_methods(["GET", "POST"])
def roster_job(request: HttpRequest, key: str, code: str, pk: int) -> HttpResponse:
    return import_views.job_page(request, key, queries.get_township_or_404(request.scope, code), pk)


@require_GET
def roster_rejected(request: HttpRequest, key: str, code: str, pk: int) -> HttpResponse:
    return import_views.rejected(request, key, queries.get_township_or_404(request.scope, code), pk)


@require_POST
def regions_boundaries(request: HttpRequest, code: str) -> HttpResponse:
    """Boundaries of the township's villages and grids from a GeoJSON or KML file: all of them, or none."""
    township = queries.get_township_or_404(request.scope, code)
    form = BoundariesForm(request.POST, request.FILES)
    if not form.is_valid():
        return refuse(request, _("请选择边界文件（.geojson 或 .kml）。"))
    upload = form.cleaned_data["boundaries"]
    if upload.size > boundaries.MAX_BYTES:
        return refuse(request, _("边界文件超过 20 MB。"))
    try:
        done = actions.do_import_boundaries(
            township, upload.read(), upload.name, actor=request.user, scope=request.scope
        )
    except ValidationError as exc:
        messages.error(request, "边界文件未导入：" + "；".join(exc.messages))
        return redirect("township:regions_import", code=township.code)
    messages.success(request, _("已更新 %(v)s 个村（社区）或网格的边界。") % {"v": len(done.regions)})
    return redirect("region_detail", code=township.code)


@require_GET
def people_import_start(request: HttpRequest) -> HttpResponse:
    """From the people page: the 花名册 page of the township the person administers."""
    return redirect("township:people_import", code=queries.own_township(request.scope).code)


@require_GET
def people_import_passwords(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    """The initial passwords of the accounts this import made: offered once, then gone."""
    township = queries.get_township_or_404(request.scope, code)
    job = get_job_or_404(request.scope, importer.PEOPLE, township.pk, pk)
    data = actions.do_take_initial_passwords(job, actor=request.user, scope=request.scope)
    response = import_views.xlsx_response(data, f"初始密码-{township.name}.xlsx")
    response["Cache-Control"] = "no-store"
    return response
