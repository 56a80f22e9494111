"""The pages of an import, the same for every importer: an app's URLs resolve their target (a ledger by its code,
through the app's scope helper) and hand it over. Parse → authorise (the actions ask) → act → render."""

from __future__ import annotations

from urllib.parse import quote

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from zhili.core import errors
from zhili.core.errors import refuse
from zhili.imports import actions, pipeline, queries, registry
from zhili.imports.forms import ImportForm
from zhili.imports.models import ImportJob, ImportStatus
from zhili.people.scope import scope_for, viewpoint
from zhili.regions.models import Level
from zhili.regions.queries import get_region_or_404


def xlsx_response(data: bytes, name: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


def upload(request: HttpRequest, importer: str, target) -> HttpResponse:
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return refuse(request, _("请选择要导入的文件。"))
    imp = registry.get(importer)
    job = actions.do_start_import(importer, target, form.cleaned_data["file"], actor=request.user, scope=request.scope)
    return redirect(imp.urls(target).job(job.pk))


def _columns(request: HttpRequest, job: ImportJob) -> dict[str, str]:
    """The remap form's choices: {column header: field key or ""}, by the column's position ("col-3")."""
    columns = job.summary.get("columns", [])
    choices = {}
    for name, value in request.POST.items():
        if name.startswith("col-"):
            try:
                i = int(name[4:])
            except ValueError:
                raise errors.Invalid(_("列对应的表单内容不正确，请刷新页面后重试。")) from None
            if not 0 <= i < len(columns):
                raise errors.Invalid(_("列对应的表单内容不正确，请刷新页面后重试。"))
            choices[columns[i]] = value
    return choices


def job_page(request: HttpRequest, importer: str, target, pk: int) -> HttpResponse:
    imp = registry.get(importer)
    job = queries.get_job_or_404(request.scope, importer, imp.target_id(target), pk)
    urls = imp.urls(target)
    if request.method == "POST":
        mode = request.POST.get("mode", "")
        actor, scope = request.user, request.scope
        if mode == "remap":
            actions.do_remap(job, _columns(request, job), actor=actor, scope=scope)
            messages.success(request, _("已按您的选择重新对应列，并记住了这些选择。"))
        elif mode in ("all", "only_valid"):
            try:
                summary = actions.do_confirm(job, only_valid=mode == "only_valid", actor=actor, scope=scope)
            except (pipeline.ImportHasErrors, pipeline.ImportRefused, pipeline.ImportConflict) as exc:
                messages.error(request, str(exc))
            else:
                if summary is not None:
                    messages.success(
                        request,
                        (
                            _(
                                "已导入：新增 %(add)s 行，更新 %(update)s 行，未变 %(unchanged)s 行，未导入 %(errors)s 行。"
                            )
                            if summary.errors
                            else _("已导入：新增 %(add)s 行，更新 %(update)s 行，未变 %(unchanged)s 行。")
                        )
                        % {
                            "add": summary.add,
                            "update": summary.update,
                            "unchanged": summary.unchanged,
                            "errors": summary.errors,
                        },
                    )
        elif mode == "cancel":
            actions.do_cancel(job, actor=actor, scope=scope)
            messages.success(request, _("已取消这次导入，没有写入任何数据。"))
        elif mode == "retry":
            actions.do_retry(job, actor=actor, scope=scope)
        else:
            raise errors.Invalid(_("请求内容不正确，请刷新页面后重试。"))
        return redirect(urls.job(job.pk))
    errors_ = [p for p in job.problems if p["level"] == "error"]
    warnings = [p for p in job.problems if p["level"] == "warning"]
    fields = [{"key": c.key, "label": c.label} for c in imp.columns(target)]
    labels = {f["key"]: f["label"] for f in fields}
    remappable = job.status == ImportStatus.PREVIEWED or (
        job.status == ImportStatus.FAILED and job.summary.get("columns")
    )
    return render(
        request,
        "imports/job.html",
        {
            "job": job,
            "target_name": imp.name(target),
            "target_url": urls.target,
            "crumbs": imp.crumbs(target),
            "rejected_url": urls.rejected(job.pk),
            "links": imp.job_links(target, job),
            "errors": errors_[:500],
            "warnings": warnings[:200],
            "fields": fields,
            # each column of the file with the field it feeds, by the field's name (never its internal key)
            "mapped": [(header, labels.get(key, key)) for header, key in job.mapping.items()],
            "remappable": remappable,
            "columns": [(i, name, job.mapping.get(name, "")) for i, name in enumerate(job.summary.get("columns", []))],
            "cancellable": not job.staging
            and job.lease_until is None
            and job.status not in (ImportStatus.DONE, ImportStatus.CANCELLED),
        },
    )


def rejected(request: HttpRequest, importer: str, target, pk: int) -> HttpResponse:
    """The rows that were not imported (with their reasons), for a job whose preview found errors."""
    imp = registry.get(importer)
    job = queries.get_job_or_404(request.scope, importer, imp.target_id(target), pk)
    urls = imp.urls(target)
    if job.status not in (ImportStatus.PREVIEWED, ImportStatus.DONE) or not job.summary.get("errors"):
        return refuse(request, _("这次导入没有未导入的行可以下载。"), status=404, back=urls.job(job.pk))
    person = job.acted_by or job.uploaded_by  # the rows as checked for whom the import was checked or written
    try:
        data = pipeline.rejected_xlsx(job, scope_for(person), person=person)
    except pipeline.ImportRefused as exc:
        raise errors.Invalid(_("无法再次读取这个文件：%(exc)s") % {"exc": exc}) from None
    return xlsx_response(data, f"未导入的行-{job.filename}.xlsx")


class SubdistrictImports:
    """The pages of an app's imports into a subdistrict (projects' ledger, monthly figures and receipts; households'
    registers): the start page that picks the person's subdistrict, the upload page with its recent jobs, the empty
    template, then the job and rejected-rows pages above. One instance per app, its views named in its urls.py.

    `kinds` maps the pages' word to the importer's key; `url_name` is the upload page's name; `refusal` the sentence
    (with `%(name)s`, the subdistrict's) for someone who reads the subdistrict but may not import into it;
    `template_xlsx(key, headers)` builds the empty file."""

    def __init__(self, *, kinds, titles, url_name, template_name, refusal, template_xlsx):
        self.kinds, self.titles, self.url_name = kinds, titles, url_name
        self.template_name, self.refusal, self.template_xlsx = template_name, refusal, template_xlsx

    def importer(self, kind: str):
        key = self.kinds.get(kind)
        if key is None:
            raise Http404(_("未知的导入类型。"))
        return registry.get(key)

    def subdistrict(self, request: HttpRequest, kind: str, code: str):
        """The subdistrict the person may import into (404 for one they do not read, 403 for one they read but may
        not import into)."""
        imp = self.importer(kind)
        sub = get_region_or_404(request.scope, code)
        if sub.level != Level.SUBDISTRICT:
            raise Http404(_("这个区划不是乡镇（街道）。"))
        errors.require(imp.may_import(request.scope, sub), str(self.refusal) % {"name": sub.name})
        return sub

    def views(self):
        """(start, upload page, template, job, rejected rows): the five views, for the app's urls.py."""

        @require_GET
        def import_start(request: HttpRequest, kind: str) -> HttpResponse:
            """The import page of the subdistrict the person looks at."""
            self.importer(kind)
            return redirect(self.url_name, kind=kind, code=viewpoint(request.scope).sub.code)

        @require_http_methods(["GET", "POST"])
        def import_page(request: HttpRequest, kind: str, code: str) -> HttpResponse:
            sub = self.subdistrict(request, kind, code)
            imp = self.importer(kind)
            if request.method == "POST":
                return upload(request, imp.key, sub)
            urls = imp.urls(sub)
            recent = queries.recent_jobs(imp.key, sub.pk)
            context = {
                "sub": sub,
                "kind": kind,
                "title": self.titles[kind],
                "headers": [c.label for c in imp.columns(sub)],
                "form": ImportForm(),
                "jobs": [(job, urls.job(job.pk)) for job in recent],
            }
            return render(request, self.template_name, context)

        @require_GET
        def template(request: HttpRequest, kind: str) -> HttpResponse:
            """An empty file to fill: the header, one example row and an instructions sheet."""
            imp = self.importer(kind)
            headers = [c.label for c in imp.column_list]
            return xlsx_response(self.template_xlsx(imp.key, headers), f"{imp.label}模板.xlsx")

        @require_http_methods(["GET", "POST"])
        def import_job(request: HttpRequest, kind: str, code: str, pk: int) -> HttpResponse:
            return job_page(request, self.importer(kind).key, self.subdistrict(request, kind, code), pk)

        @require_GET
        def import_rejected(request: HttpRequest, kind: str, code: str, pk: int) -> HttpResponse:
            return rejected(request, self.importer(kind).key, self.subdistrict(request, kind, code), pk)

        return import_start, import_page, template, import_job, import_rejected
