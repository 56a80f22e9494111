"""Ledger pages: the list, a ledger's rows (filter, add, edit, archive, history), import with preview,
export, the summary by village, and the definition (view, download, load from a file)."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from zhili.core import audit, errors
from zhili.core.models import AuditEntry
from zhili.excel import SpreadsheetError
from zhili.imports import views as import_views
from zhili.imports.views import xlsx_response
from zhili.ledgers import actions, definitions, drafts, importer, infer, queries
from zhili.ledgers.fields import display
from zhili.ledgers.forms import (
    DefinitionEditForm,
    DefinitionUploadForm,
    EditFieldFormSet,
    FieldFormSet,
    ImportForm,
    InferUploadForm,
    NewLedgerForm,
    ReasonForm,
    definition_from,
    field_initial,
    int_param,
    page_number,
    row_form_fields,
)
from zhili.ledgers.models import FieldType
from zhili.people import policy
from zhili.people.scope import NoViewpoint, viewpoint

LEDGER_IMPORTS = importer.KEY


@require_GET
def ledger_list(request: HttpRequest) -> HttpResponse:
    try:
        can_define = policy.define_ledger(request.scope, viewpoint(request.scope).sub)
    except NoViewpoint:
        can_define = False
    return render(
        request, "ledgers/list.html", {"ledgers": queries.ledgers_for(request.scope), "can_define": can_define}
    )


@require_GET
def ledger_detail(request: HttpRequest, code: str) -> HttpResponse:
    ledger = queries.get_ledger_or_404(request.scope, code)
    version = ledger.current_version
    rows = queries.filtered_rows(request.scope, ledger, queries.RowFilter.from_query(request.GET)).order_by("-id")
    page = Paginator(rows, 50).get_page(page_number(request.GET.get("page")))
    names = queries.region_names(ledger)
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
            "can_add": policy.import_into_ledger(request.scope, ledger),
            "new_fields": row_form_fields(version, region=queries.only_region(request.scope, ledger)),
            "import_form": ImportForm(),
            "q": request.GET,
        },
    )


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
                "fields": row_form_fields(
                    ledger.current_version,
                    _posted_values(request, ledger.current_version),
                    region=queries.only_region(request.scope, ledger),
                ),
                "errors": exc.messages,
                "action": "add",
            },
            status=400,
        )
    messages.success(request, _("已添加第 %(pk)s 行。") % {"pk": row.pk})
    return redirect("ledgers:detail", code=ledger.code)


@require_http_methods(["GET", "POST"])
def row_edit(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    ledger = queries.get_ledger_or_404(request.scope, code)
    row = queries.get_row_or_404(request.scope, ledger, pk)
    version = ledger.current_version
    names = queries.region_names(ledger)
    errors: list[str] = []
    conflict = False
    if request.method == "POST":
        try:
            revision = int_param(request.POST.get("revision"), "版本号（revision）", minimum=1)
            actions.do_update_row(
                row, _posted_values(request, version), revision=revision, actor=request.user, scope=request.scope
            )
            messages.success(request, _("已保存。"))
            return redirect("ledgers:row_edit", code=ledger.code, pk=row.pk)
        except actions.Conflict as exc:
            errors, conflict = exc.messages, True
        except ValidationError as exc:
            errors = exc.messages
        values = _posted_values(request, version)
    else:
        values = {
            k: (names.get(v, v) if version.field(k) and version.field(k)["type"] == FieldType.REGION else v)
            for k, v in row.data.items()
        }
    history = audit.shown(
        AuditEntry.objects.filter(object_type="ledgers.ledgerrow", object_id=str(row.pk)).order_by("-at")
    )
    can_write = policy.write_ledger_row(request.scope, ledger, row.region)
    fields = row_form_fields(version, values, region=queries.only_region(request.scope, ledger) if can_write else None)
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
            "can_write": can_write,
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
    messages.success(request, _("已归档；数据保留，可在“含已归档”中查看。"))
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
    exported = actions.do_export_ledger(
        ledger, queries.RowFilter.from_query(request.GET), actor=request.user, scope=request.scope
    )
    return xlsx_response(exported.data, f"{ledger.name}.xlsx")


# ---- imports: the shared pipeline's pages (zhili.imports), for this ledger ---------------------------------


@require_POST
def import_upload(request: HttpRequest, code: str) -> HttpResponse:
    return import_views.upload(request, LEDGER_IMPORTS, queries.get_ledger_or_404(request.scope, code))


@require_http_methods(["GET", "POST"])
def import_job(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    return import_views.job_page(request, LEDGER_IMPORTS, queries.get_ledger_or_404(request.scope, code), pk)


@require_GET
def import_rejected(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    return import_views.rejected(request, LEDGER_IMPORTS, queries.get_ledger_or_404(request.scope, code), pk)


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
        return render(request, "targets/refused.html", {"message": _("请选择定义文件。")}, status=400)
    upload = form.cleaned_data["file"]
    suffix = Path(upload.name).suffix.lower()
    if suffix not in (".yaml", ".yml", ".json"):
        return render(
            request, "targets/refused.html", {"message": _("定义文件应为 .yaml、.yml 或 .json。")}, status=400
        )
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
                version = actions.do_change_definition(
                    existing,
                    fields=data["fields"],
                    key=data.get("key") or [],
                    actor=request.user,
                    scope=request.scope,
                    note=f"从 {upload.name} 载入",
                )
                ledger, unchanged = existing, version.pk == existing.current_version_id
            else:
                ledger = actions.do_define_ledger(region=sub, data=data, actor=request.user, scope=request.scope)
                version, unchanged = ledger.definition, False
        except ValidationError as exc:
            return render(request, "targets/refused.html", {"message": " ".join(exc.messages)}, status=400)
    if unchanged:
        messages.success(
            request,
            _("台账“%(name)s”的定义未变（仍为第 %(number)s 版）。") % {"name": ledger.name, "number": version.number},
        )
    else:
        messages.success(
            request,
            _("已载入台账定义“%(name)s”（第 %(number)s 版）。") % {"name": ledger.name, "number": version.number},
        )
    return redirect("ledgers:definition", code=ledger.code)


# ---- a ledger from an office's own spreadsheet, and a definition edited field by field -----------------------


def _subdistrict_to_define_in(request: HttpRequest):
    """The subdistrict the person's pages show, if they may make ledgers there (403 otherwise)."""
    try:
        sub = viewpoint(request.scope).sub
    except NoViewpoint as exc:
        raise Http404(str(exc)) from None
    errors.require(policy.define_ledger(request.scope, sub), _("您无权新建台账。"))
    return sub


@require_http_methods(["GET", "POST"])
def infer_upload(request: HttpRequest) -> HttpResponse:
    """Step 1 of 从表格新建台账: the file an office keeps. It is read (refused with a sentence when Zhili finds
    no header in it) and kept as the person's draft for the next steps."""
    sub = _subdistrict_to_define_in(request)
    form = InferUploadForm(request.POST or None, request.FILES or None)
    problem = ""
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            infer.propose(upload, filename=upload.name, regions=queries.region_names_under(sub))
        except SpreadsheetError as exc:
            problem = str(exc)
        else:
            draft = drafts.keep(upload, request.user)
            return redirect("ledgers:infer_fields", token=draft.token)
    status = 400 if request.method == "POST" else 200
    return render(request, "ledgers/infer_upload.html", {"form": form, "problem": problem}, status=status)


@require_http_methods(["GET", "POST"])
def infer_fields(request: HttpRequest, token: str) -> HttpResponse:
    """Step 2: the proposed fields, adjusted (renamed, retyped, choices, required, key, columns dropped), saved as
    a new ledger, and the same file started as its import: the person lands on its preview."""
    sub = _subdistrict_to_define_in(request)
    draft = drafts.find(token, request.user)
    with draft.open() as fh:
        proposal = infer.propose(fh, filename=draft.filename, regions=queries.region_names_under(sub))
    units = queries.units_for_new_ledger(request.scope, sub)
    unowned = request.scope.can_configure(sub.path)
    problems: list[str] = []
    status = 200
    if request.method == "POST":
        form = NewLedgerForm(request.POST, units=units, may_leave_unowned=unowned)
        formset = FieldFormSet(request.POST, prefix="f")
        if form.is_valid() and formset.is_valid():
            fields, key = definition_from(formset, proposal.fields)
            data = {**form.cleaned_data, "fields": fields, "key": key}
            try:
                with draft.open() as upload:
                    ledger, job = actions.do_define_ledger_from_file(
                        region=sub, data=data, upload=upload, actor=request.user, scope=request.scope
                    )
            except ValidationError as exc:
                problems, status = exc.messages, errors.status_of(exc)
            else:
                drafts.discard(draft)
                messages.success(
                    request, _("已新建台账“%(name)s”。请核对导入预览，确认后写入。") % {"name": ledger.name}
                )
                return redirect("ledgers:import_job", code=ledger.code, pk=job.pk)
        else:
            status = 400
    else:
        stem = Path(draft.filename).stem
        form = NewLedgerForm(
            initial={
                "code": slugify(stem) if stem.isascii() and slugify(stem) else f"ledger-{token[:6]}",
                "name": proposal.title or stem,
                "level": proposal.level,
                "unit": units[0].code if units and not unowned else "",
            },
            units=units,
            may_leave_unowned=unowned,
        )
        formset = FieldFormSet(initial=field_initial(proposal.fields, proposal.key), prefix="f")
    rows = list(zip(formset.forms, proposal.headers, proposal.samples, strict=False))
    return render(
        request,
        "ledgers/infer_fields.html",
        {"form": form, "formset": formset, "rows": rows, "proposal": proposal, "draft": draft, "problems": problems},
        status=status,
    )


@require_http_methods(["GET", "POST"])
def definition_edit(request: HttpRequest, code: str) -> HttpResponse:
    """A ledger's fields edited one by one (add, rename, retype, reorder, remove, choices, required, key): saved as
    a new version (`do_change_definition`), refused with a sentence when the rows cannot follow, 409 when someone
    saved another version since the page was opened."""
    ledger = queries.get_ledger_or_404(request.scope, code)
    errors.require(policy.manage_ledger(request.scope, ledger), _("您无权修改该台账的定义。"))
    version = ledger.definition
    problems: list[str] = []
    status = 200
    if request.method == "POST":
        form = DefinitionEditForm(request.POST)
        formset = EditFieldFormSet(request.POST, prefix="f")
        if form.is_valid() and formset.is_valid():
            fields, key = definition_from(formset, version.fields)
            try:
                saved = actions.do_change_definition(
                    ledger,
                    fields=fields,
                    key=key,
                    actor=request.user,
                    scope=request.scope,
                    note=form.cleaned_data["note"] or "在页面上修改",
                    base_version=form.cleaned_data["base_version"],
                )
            except ValidationError as exc:
                problems, status = exc.messages, errors.status_of(exc)
            else:
                if saved.pk == version.pk:
                    messages.success(request, _("定义没有变化（仍为第 %(number)s 版）。") % {"number": saved.number})
                else:
                    messages.success(request, _("已保存为第 %(number)s 版定义。") % {"number": saved.number})
                return redirect("ledgers:definition", code=ledger.code)
        else:
            status = 400
    else:
        form = DefinitionEditForm(initial={"base_version": version.number})
        formset = EditFieldFormSet(initial=field_initial(version.fields, version.key), prefix="f")
    return render(
        request,
        "ledgers/definition_edit.html",
        {
            "ledger": ledger,
            "version": version,
            "form": form,
            "formset": formset,
            "rows": [(f, "", []) for f in formset.forms],
            "problems": problems,
        },
        status=status,
    )
