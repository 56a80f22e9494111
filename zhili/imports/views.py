"""The pages of an import, the same for every importer: an app's URLs resolve their target (a ledger by its code,
through the app's scope helper) and hand it over. Parse → authorise (the actions ask) → act → render."""

from __future__ import annotations

from urllib.parse import quote

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from zhili.core import errors
from zhili.core.errors import refuse
from zhili.imports import actions, pipeline, queries, registry
from zhili.imports.forms import ImportForm
from zhili.imports.models import ImportJob, ImportStatus
from zhili.people.scope import scope_for


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
