"""Ledger pages: the list, a ledger's rows (filter, add, edit, archive, history), import with preview,
export, the summary by village, and the definition (view, download, load from a file)."""

from __future__ import annotations

import json
from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from zhili.core.models import AuditEntry
from zhili.ledgers import actions, definitions, importer, queries
from zhili.ledgers.exporting import ledger_xlsx
from zhili.ledgers.fields import display
from zhili.ledgers.forms import DefinitionUploadForm, ImportForm, ReasonForm, row_form_fields
from zhili.ledgers.models import FieldType, ImportJob, ImportStatus
from zhili.people import policy
from zhili.regions.models import Region

BACKGROUND_ROWS = 5000


def _xlsx(data: bytes, name: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


@require_GET
def ledger_list(request: HttpRequest) -> HttpResponse:
    return render(request, "ledgers/list.html", {"ledgers": queries.ledgers_for(request.scope)})


def _filtered(request: HttpRequest, ledger):
    rows = queries.rows_for(request.scope, ledger)
    if request.GET.get("archived") != "1":
        rows = rows.filter(archived_at__isnull=True)
    region = request.GET.get("region", "").strip()
    if region:
        rows = rows.filter(queries.region_q(region))
    field_key, value = request.GET.get("field", ""), request.GET.get("value", "").strip()
    if field_key and value and ledger.current_version.field(field_key):
        rows = rows.filter(**{f"data__{field_key}__icontains": value})
    return rows.order_by("-id")


@require_GET
def ledger_detail(request: HttpRequest, code: str) -> HttpResponse:
    ledger = queries.get_ledger_or_404(request.scope, code)
    version = ledger.current_version
    rows = _filtered(request, ledger)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    names = dict(Region.objects.filter(path__startswith=ledger.region.path, level__gte=4).values_list("code", "name"))
    table = [
        (row, [display(version, f["key"], row.data.get(f["key"]), regions=names) for f in version.fields])
        for row in page
    ]
    return render(
        request,
        "ledgers/detail.html",
        {
            "ledger": ledger,
            "version": version,
            "page": page,
            "table": table,
            "villages": queries.totals_by_village(request.scope, ledger),
            "can_manage": policy.manage_ledger(request.scope, ledger),
            "can_add": bool(request.scope.write_paths) or bool(request.scope.units) or request.scope.is_superuser,
            "new_fields": row_form_fields(version),
            "import_form": ImportForm(),
            "q": request.GET,
        },
    )


def _names(ledger) -> dict[str, str]:
    return dict(Region.objects.filter(path__startswith=ledger.region.path, level__gte=4).values_list("code", "name"))


def _posted_values(request: HttpRequest, version) -> dict:
    return {f["key"]: request.POST.get(f["key"], "") for f in version.fields}


@require_POST
def row_add(request: HttpRequest, code: str) -> HttpResponse:
    ledger = queries.get_ledger_or_404(request.scope, code)
    try:
        row = actions.do_add_row(
            ledger, _posted_values(request, ledger.current_version), actor=request.user, scope=request.scope
        )
    except ValidationError as exc:
        return render(
            request,
            "ledgers/row_form.html",
            {
                "ledger": ledger,
                "fields": row_form_fields(ledger.current_version, _posted_values(request, ledger.current_version)),
                "errors": exc.messages,
                "action": "add",
            },
            status=400,
        )
    messages.success(request, f"已添加第 {row.pk} 行。")
    return redirect("ledgers:detail", code=ledger.code)


@require_http_methods(["GET", "POST"])
def row_edit(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    ledger = queries.get_ledger_or_404(request.scope, code)
    row = queries.get_row_or_404(request.scope, ledger, pk)
    version = ledger.current_version
    names = _names(ledger)
    errors: list[str] = []
    conflict = False
    if request.method == "POST":
        try:
            revision = int(request.POST.get("revision", "0"))
            actions.do_update_row(
                row, _posted_values(request, version), revision=revision, actor=request.user, scope=request.scope
            )
            messages.success(request, "已保存。")
            return redirect("ledgers:row_edit", code=ledger.code, pk=row.pk)
        except actions.Conflict as exc:
            errors, conflict = exc.messages, True
        except (ValidationError, ValueError) as exc:
            errors = exc.messages if isinstance(exc, ValidationError) else ["请求内容不正确，请刷新页面后重试。"]
        values = _posted_values(request, version)
    else:
        values = {
            k: (names.get(v, v) if version.field(k) and version.field(k)["type"] == FieldType.REGION else v)
            for k, v in row.data.items()
        }
    history = AuditEntry.objects.filter(object_type="ledgers.ledgerrow", object_id=str(row.pk)).order_by("-at")
    fields = row_form_fields(version, values)
    for f in fields:  # identity numbers stay masked in the form unless revealed
        if f["type"] == FieldType.ID_NUMBER and request.method == "GET":
            f["masked"] = display(version, f["key"], f["value"])
    return render(
        request,
        "ledgers/row_form.html",
        {
            "ledger": ledger,
            "row": row,
            "fields": fields,
            "errors": errors,
            "conflict": conflict,
            "history": history,
            "action": "edit",
            "archive_form": ReasonForm(),
            "can_write": policy.write_ledger_row(request.scope, ledger, row.region),
            "can_reveal": policy.reveal_identity(request.scope, ledger, row.region),
        },
        status=409 if conflict else (400 if errors else 200),
    )


@require_POST
def row_archive(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    ledger = queries.get_ledger_or_404(request.scope, code)
    row = queries.get_row_or_404(request.scope, ledger, pk)
    try:
        actions.do_archive_row(row, reason=request.POST.get("reason", ""), actor=request.user, scope=request.scope)
    except ValidationError as exc:
        return render(request, "targets/refused.html", {"message": " ".join(exc.messages)}, status=400)
    messages.success(request, "已归档；数据保留，可在“含已归档”中查看。")
    return redirect("ledgers:detail", code=ledger.code)


@require_POST
def row_reveal(request: HttpRequest, code: str, pk: int, field_key: str) -> HttpResponse:
    ledger = queries.get_ledger_or_404(request.scope, code)
    row = queries.get_row_or_404(request.scope, ledger, pk)
    try:
        value = actions.do_reveal(row, field_key, actor=request.user, scope=request.scope)
    except ValidationError as exc:
        return render(request, "targets/refused.html", {"message": " ".join(exc.messages)}, status=403)
    return render(
        request,
        "ledgers/reveal.html",
        {"ledger": ledger, "row": row, "value": value, "label": row.version.field(field_key)["label"]},
    )


@require_GET
def export(request: HttpRequest, code: str) -> HttpResponse:
    ledger = queries.get_ledger_or_404(request.scope, code)
    rows = _filtered(request, ledger).order_by("id")
    from zhili.core import audit

    audit.record(request.user, "ledger.export", ledger, changes={"filter": [None, request.GET.urlencode()]})
    return _xlsx(ledger_xlsx(ledger, rows), f"{ledger.name}.xlsx")


@require_POST
def import_upload(request: HttpRequest, code: str) -> HttpResponse:
    ledger = queries.get_ledger_or_404(request.scope, code)
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return render(request, "targets/refused.html", {"message": "请选择要导入的文件。"}, status=400)
    upload = form.cleaned_data["file"]
    limit = settings.ZHILI_IMPORT_MAX_MB * 1024 * 1024
    if upload.size > limit:
        return render(
            request,
            "targets/refused.html",
            {
                "message": f"文件大小 {upload.size / 1048576:.0f} MB 超过上限 {settings.ZHILI_IMPORT_MAX_MB} MB，请拆分后再导入。"
            },
            status=400,
        )
    job = ImportJob.objects.create(ledger=ledger, file=upload, filename=upload.name[:255], uploaded_by=request.user)
    if upload.size > settings.ZHILI_IMPORT_BACKGROUND_KB * 1024:
        ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.QUEUED)  # the worker checks it
    else:
        importer.preview(job, request.scope, person=request.user)
    return redirect("ledgers:import_job", code=ledger.code, pk=job.pk)


@require_http_methods(["GET", "POST"])
def import_job(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    ledger = queries.get_ledger_or_404(request.scope, code)
    job = queries.get_job_or_404(request.scope, ledger, pk, request.user)
    remappable = job.status == ImportStatus.PREVIEWED or (
        job.status == ImportStatus.FAILED and job.summary.get("columns")
    )
    if request.method == "POST" and request.POST.get("mode") == "remap" and remappable:
        # the person's manual column choices: kept for their next file, then the file is checked again
        columns = job.summary.get("columns", [])
        choices = {
            columns[int(k[4:])]: v
            for k, v in request.POST.items()
            if k.startswith("col-") and k[4:].isdigit() and int(k[4:]) < len(columns)
        }
        override = importer.remember_mapping(ledger, request.user, choices)
        importer.preview(job, request.scope, person=request.user, override=override)
        messages.success(request, "已按您的选择重新对应列，并记住了这些选择。")
        return redirect("ledgers:import_job", code=ledger.code, pk=job.pk)
    if request.method == "POST" and job.status == ImportStatus.PREVIEWED:
        mode = request.POST.get("mode")
        if job.summary.get("rows", 0) > BACKGROUND_ROWS:  # a large file is written in the background too
            ImportJob.objects.filter(pk=job.pk).update(
                status=ImportStatus.COMMITTING, progress=0, only_valid=mode == "only_valid", message=""
            )
            return redirect("ledgers:import_job", code=ledger.code, pk=job.pk)
        try:
            summary = importer.commit(job, request.scope, actor=request.user, only_valid=mode == "only_valid")
            messages.success(
                request,
                f"已导入：新增 {summary.add} 行，更新 {summary.update} 行，"
                f"未变 {summary.unchanged} 行" + (f"，未导入 {summary.errors} 行" if summary.errors else "") + "。",
            )
        except importer.ImportHasErrors as exc:
            messages.error(request, str(exc))
        except importer.ImportRefused as exc:
            messages.error(request, str(exc))
        return redirect("ledgers:import_job", code=ledger.code, pk=job.pk)
    errors = [p for p in job.problems if p["level"] == "error"]
    warnings = [p for p in job.problems if p["level"] == "warning"]
    return render(
        request,
        "ledgers/import_job.html",
        {
            "ledger": ledger,
            "job": job,
            "errors": errors[:500],
            "warnings": warnings[:200],
            "fields": ledger.current_version.fields,
            "remappable": remappable,
            "columns": [(i, name, job.mapping.get(name, "")) for i, name in enumerate(job.summary.get("columns", []))],
        },
    )


@require_GET
def import_rejected(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    ledger = queries.get_ledger_or_404(request.scope, code)
    job = queries.get_job_or_404(request.scope, ledger, pk, request.user)
    return _xlsx(importer.rejected_xlsx(job, request.scope, person=request.user), f"未导入的行-{job.filename}.xlsx")


@require_GET
def definition(request: HttpRequest, code: str) -> HttpResponse:
    ledger = queries.get_ledger_or_404(request.scope, code)
    if request.GET.get("format") in ("yaml", "json"):
        data = definitions.dump(ledger)
        if request.GET["format"] == "json":
            body, ctype, ext = json.dumps(data, ensure_ascii=False, indent=2), "application/json", "json"
        else:
            import yaml

            body, ctype, ext = yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "application/yaml", "yaml"
        response = HttpResponse(body, content_type=f"{ctype}; charset=utf-8")
        response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(ledger.code)}.{ext}"
        return response
    return render(
        request,
        "ledgers/definition.html",
        {
            "ledger": ledger,
            "versions": ledger.versions.all(),
            "types": dict(FieldType.choices),
            "can_manage": policy.manage_ledger(request.scope, ledger),
            "upload_form": DefinitionUploadForm(),
        },
    )


@require_POST
def definition_upload(request: HttpRequest) -> HttpResponse:
    """A township loads a ledger another township shared (YAML or JSON): new, or a new version of its own."""
    import tempfile
    from pathlib import Path

    form = DefinitionUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return render(request, "targets/refused.html", {"message": "请选择定义文件。"}, status=400)
    upload = form.cleaned_data["file"]
    suffix = Path(upload.name).suffix.lower()
    if suffix not in (".yaml", ".yml", ".json"):
        return render(request, "targets/refused.html", {"message": "定义文件应为 .yaml、.yml 或 .json。"}, status=400)
    from zhili.people.scope import NoViewpoint, viewpoint

    try:
        sub = viewpoint(request.scope).sub
    except NoViewpoint as exc:
        raise Http404(str(exc)) from None
    with tempfile.NamedTemporaryFile(suffix=suffix) as tmp:
        for chunk in upload.chunks():
            tmp.write(chunk)
        tmp.flush()
        try:
            data = definitions.load_file(tmp.name)
            existing = queries.ledgers_for(request.scope).filter(region=sub, code=data["code"]).first()
            if existing:
                actions.do_change_definition(
                    existing,
                    fields=data["fields"],
                    key=data.get("key") or [],
                    actor=request.user,
                    scope=request.scope,
                    note=f"从 {upload.name} 载入",
                )
                ledger = existing
            else:
                ledger = actions.do_define_ledger(region=sub, data=data, actor=request.user, scope=request.scope)
        except ValidationError as exc:
            return render(request, "targets/refused.html", {"message": " ".join(exc.messages)}, status=400)
    messages.success(request, f"已载入台账定义“{ledger.name}”（第 {ledger.current_version.number} 版）。")
    return redirect("ledgers:definition", code=ledger.code)
