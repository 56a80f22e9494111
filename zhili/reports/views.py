"""The 上报 pages, under /reports/: the catalogue (报表目录) with the 一表通 totals, a form (its versions, the year's
periods), adding and editing a form, uploading the superior's file, the mapping page (the sheet drawn as a grid,
every cell a link; the chosen cell's figure picked from a grouped list), a filing (its values coloured by where
they came from, each opening the rows behind it; the hand-filled cells; the chain's buttons), one village's row
(phone first), the downloads. Each view parses (forms.py: a bad value is a 400 with its sentence), fetches through
scope (queries.get_*_or_404: 404 outside it), calls an action or a query and renders; a refusal escapes to
ErrorMiddleware (403, 409, 400) unless the page can show the sentence beside what was typed."""

from __future__ import annotations

from urllib.parse import quote, urlencode

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from zhili.core import clock
from zhili.core.errors import Conflict, Invalid, NotFound, Refused, require
from zhili.people import policy
from zhili.people.models import Unit
from zhili.people.scope import NoViewpoint, Viewpoint, viewpoint
from zhili.regions.models import Region
from zhili.reports import actions, bindings, periods, queries, sheet
from zhili.reports.forms import (
    ArchiveForm,
    CellForm,
    CorrectForm,
    FormForm,
    MapForm,
    PeriodForm,
    ReturnForm,
    UploadForm,
    ValuesForm,
    clean_ref,
    errors_of,
)
from zhili.reports.models import (
    CellMap,
    Filing,
    FormVersion,
    Layout,
    MapState,
    Origin,
    ReportForm,
    Step,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _view(request: HttpRequest) -> Viewpoint:
    try:
        return viewpoint(request.scope, request.GET.get("sub") or None)
    except NoViewpoint:
        raise NotFound(_("您的权限范围内没有街道或村（社区）。")) from None


def _attachment(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


def _units(sub: Region):
    return Unit.objects.filter(region=sub, archived_at__isnull=True).order_by("code")


# ---- the catalogue ---------------------------------------------------------------------------------------------


@require_GET
def catalogue(request: HttpRequest) -> HttpResponse:
    """报表目录: every form with this period's status, light and burden, and the 一表通 totals; a village's cadres
    get the rows their village has to fill instead (they never see the whole of a form)."""
    view = _view(request)
    sub = view.sub
    if not view.whole or not policy.read_reports(request.scope, sub):
        return render(
            request,
            "reports/village_home.html",
            {"sub": sub, "village": view.village, "todos": queries.my_todos(request.scope, request.user)},
        )
    today = clock.today()
    return render(
        request,
        "reports/catalogue.html",
        {
            "sub": sub,
            "cat": queries.catalogue(request.scope, sub, today),
            "year": today.year,
            "can_add": policy.add_report_forms(request.scope, sub),
        },
    )


@require_http_methods(["GET", "POST"])
def form_new(request: HttpRequest) -> HttpResponse:
    view = _view(request)
    sub = view.sub
    require(policy.add_report_forms(request.scope, sub), _("只有街道领导或系统管理员可以添加上报报表。"))
    problems: list[str] = []
    status = 200
    form = FormForm(request.POST or None, units=_units(sub))
    if request.method == "POST":
        if not form.is_valid():
            problems, status = errors_of(form), 400
        else:
            d = {k: v for k, v in form.cleaned_data.items() if k != "revision"}
            try:
                created = actions.do_create_form(sub, d, actor=request.user, scope=request.scope)
            except (Refused, Conflict):
                raise
            except Invalid as exc:
                problems, status = exc.messages, 400
            else:
                messages.success(request, _("已添加报表，请上传上级下发的 Excel 表样。"))
                return redirect("reports:upload", pk=created.pk)
    return render(
        request, "reports/form_edit.html", {"sub": sub, "form": form, "problems": problems, "rf": None}, status=status
    )


@require_GET
def form_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A form: its details, the superior's versions, this year's periods with their status and burden."""
    rf = queries.get_form_or_404(request.scope, pk)
    today = clock.today()
    year = _year(request, today)
    current = periods.current(rf.frequency, today)
    prepares = policy.prepare_reports(request.scope, rf)
    return render(
        request,
        "reports/form.html",
        {
            "rf": rf,
            "versions": list(rf.versions.order_by("-number").defer("content")),
            "periods": queries.form_periods(request.scope, rf, year, today),
            "year": year,
            "current": current,
            "prepares": prepares,
            "period_form": PeriodForm(initial={"period": current.key}, frequency=rf.frequency),
            "period_choices": [p for p in periods.in_year(rf.frequency, year) if p.end <= today][::-1],
            "archive_form": ArchiveForm(),
            "can_archive": policy.add_report_forms(request.scope, rf.region) and rf.archived_at is None,
            "needs_remap": _needs_remap(rf),
        },
    )


def _needs_remap(rf: ReportForm) -> int:
    latest = rf.versions.order_by("-number").only("pk").first()
    return actions.unsettled(latest) if latest is not None else 0


def _year(request: HttpRequest, today) -> int:
    text = request.GET.get("year", "")
    if not text:
        return today.year
    if not text.isdigit() or not 2000 <= int(text) <= 2100:
        raise Invalid(_("年度无效。"))
    return int(text)


@require_http_methods(["GET", "POST"])
def form_edit(request: HttpRequest, pk: int) -> HttpResponse:
    rf = queries.get_form_or_404(request.scope, pk)
    require(policy.prepare_reports(request.scope, rf), _("只有责任科室、街道领导或系统管理员可以修改这张报表。"))
    initial = {
        f: getattr(rf, f)
        for f in ("code", "name", "requester", "receiver", "frequency", "deadline_days", "unit", "layout", "note")
    }
    form = FormForm(request.POST or None, initial={**initial, "revision": rf.revision}, units=_units(rf.region))
    problems: list[str] = []
    status = 200
    if request.method == "POST":
        if not form.is_valid():
            problems, status = errors_of(form), 400
        else:
            d = form.cleaned_data
            try:
                actions.do_update_form(
                    rf,
                    {k: v for k, v in d.items() if k != "revision"},
                    revision=d["revision"],
                    actor=request.user,
                    scope=request.scope,
                )
            except Refused:
                raise
            except Conflict as exc:
                problems, status = exc.messages, 409
            except Invalid as exc:
                problems, status = exc.messages, 400
            else:
                messages.success(request, _("已保存。"))
                return redirect("reports:form", pk=rf.pk)
    return render(
        request,
        "reports/form_edit.html",
        {"sub": rf.region, "form": form, "problems": problems, "rf": rf},
        status=status,
    )


@require_POST
def form_archive(request: HttpRequest, pk: int) -> HttpResponse:
    rf = queries.get_form_or_404(request.scope, pk)
    form = ArchiveForm(request.POST)
    if not form.is_valid():
        raise Invalid(errors_of(form))
    actions.do_archive_form(rf, form.cleaned_data["reason"], actor=request.user, scope=request.scope)
    messages.success(request, _("已停用报表“%(name)s”。") % {"name": rf.name})
    return redirect("reports:catalogue")


# ---- the superior's file ----------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def upload(request: HttpRequest, pk: int) -> HttpResponse:
    """上传表样: a new version of the superior's file; what moved since the last version is shown on the mapping
    page (the officer confirms the moved cells and re-maps the lost ones only)."""
    rf = queries.get_form_or_404(request.scope, pk)
    require(policy.prepare_reports(request.scope, rf), _("只有责任科室、街道领导或系统管理员可以上传表样。"))
    form = UploadForm(request.POST or None, request.FILES or None, rows=rf.layout == Layout.ROWS)
    problems: list[str] = []
    status = 200
    if request.method == "POST":
        if not form.is_valid():
            problems, status = errors_of(form), 400
        else:
            d = form.cleaned_data
            try:
                version = actions.do_upload_version(
                    rf,
                    d["file"].name[:200],
                    d["file"].read(),
                    sheet=d["sheet"] or None,
                    rows=form.rows(),
                    actor=request.user,
                    scope=request.scope,
                )
            except Refused:
                raise
            except Invalid as exc:
                problems, status = exc.messages, 400
            else:
                moved = _needs_remap(rf)
                if moved:
                    messages.warning(
                        request,
                        _("已上传第 %(n)s 版表样。与上一版相比有 %(count)s 个单元格位置变了，请逐个确认。")
                        % {"n": version.number, "count": moved},
                    )
                else:
                    messages.success(request, _("已上传第 %(n)s 版表样。") % {"n": version.number})
                return redirect("reports:map", pk=rf.pk)
    return render(
        request,
        "reports/upload.html",
        {
            "rf": rf,
            "form": form,
            "problems": problems,
            "latest": rf.versions.order_by("-number").only("pk", "number").first(),
        },
        status=status,
    )


def _version(rf: ReportForm, request: HttpRequest) -> FormVersion:
    text = request.GET.get("version", "")
    qs = rf.versions.order_by("-number")
    if text:
        if not text.isdigit() or len(text) > 6:
            raise NotFound(_("不存在或无权查看。"))
        qs = qs.filter(number=int(text))
    version = qs.first()
    if version is None:
        raise NotFound(_("这张报表还没有上传表样。"))
    return version


@require_GET
def template_download(request: HttpRequest, pk: int) -> HttpResponse:
    rf = queries.get_form_or_404(request.scope, pk)
    content, filename = actions.do_export_template(_version(rf, request), actor=request.user, scope=request.scope)
    return _attachment(content, filename)


# ---- the mapping page --------------------------------------------------------------------------------------------

KIND_CLASS = {
    "figure": "k-figure",
    "source": "k-figure",
    "indicator": "k-indicator",
    "hand": "k-hand",
    "period": "k-period",
}
ORIGIN_CLASS: dict[str, str] = {
    Origin.AUTO: "o-auto",
    Origin.HAND: "o-hand",
    Origin.MISSING: "o-missing",
    Origin.LABEL: "o-label",
}


def _column_of(ref: str) -> str:
    return "".join(ch for ch in ref if ch.isalpha())


def _row_of(ref: str) -> int:
    digits = "".join(ch for ch in ref if ch.isdigit())
    return int(digits) if digits else 0


def _in_rows(version: FormVersion, row: int) -> bool:
    if version.first_row and version.last_row and version.first_row <= row <= version.last_row:
        return True
    return bool(version.total_row) and row == version.total_row


def _map_target(rf: ReportForm, version: FormVersion, ref: str) -> str:
    """What a click on `ref` maps: the cell itself, or (a village-level form, a village row) its column."""
    if rf.layout == Layout.ROWS and _in_rows(version, _row_of(ref)):
        return _column_of(ref)
    return ref


def _grid_rows(grid, paint) -> list[dict]:
    """The grid's visible cells row by row, each with what `paint(cell)` adds (class, link, title)."""
    rows = []
    for cells in grid.rows:
        shown = [c for c in cells if not c.hidden]
        number = _row_of(cells[0].ref) if cells else 0
        rows.append({"number": number, "cells": [{"c": c, **paint(c)} for c in shown]})
    return rows


def _strip_window(binding: dict) -> dict:
    """A binding without what the page sets beside the choice (its window) or shows (its label)."""
    return {k: v for k, v in (binding or {}).items() if k not in ("window", "label")}


def _choice_key(choices, binding: dict) -> str:
    bare = _strip_window(binding)
    for c in choices:
        if _strip_window(c.binding) == bare:
            return c.key
    return ""


def _grouped(choices) -> list[tuple[str, list]]:
    groups: dict[str, list] = {}
    for c in choices:
        groups.setdefault(c.group, []).append(c)
    return list(groups.items())


def _map_page(
    request, rf: ReportForm, version: FormVersion, *, form=None, problems=(), status=200, cell: str | None = None
) -> HttpResponse:
    scope = request.scope
    content = bytes(version.content)
    grid = sheet.grid(content, version.sheet)
    maps = list(version.cells.all())
    by_ref = {m.ref: m for m in maps}
    rows_form = rf.layout == Layout.ROWS
    selected = cell if cell is not None else request.GET.get("cell", "")
    target = chosen = None
    if selected:
        selected = clean_ref(selected, column=rows_form)
        target = _map_target(rf, version, selected) if not selected.isalpha() else selected
        chosen = by_ref.get(target)
    replacing = None
    if request.GET.get("from", "").isdigit() and len(request.GET["from"]) < 10:
        replacing = next((m for m in maps if m.pk == int(request.GET["from"]) and m.state == MapState.LOST), None)
    year = periods.current(rf.frequency, clock.today()).year
    prepares = policy.prepare_reports(scope, rf)
    choices = bindings.choices(rf.region, scope, year) if prepares and target else []
    latest = rf.versions.order_by("-number").only("pk").first()
    is_latest = latest is not None and latest.pk == version.pk

    def paint(cell) -> dict:
        ref = _map_target(rf, version, cell.ref)
        m = by_ref.get(ref)
        if m is not None and m.state == MapState.LOST:
            m = None  # its labels are gone from this sheet: listed above the grid, not painted on another cell
        classes = []
        if m is not None and (not rows_form or ref != cell.ref):
            classes.append(KIND_CLASS.get((m.binding or {}).get("kind", ""), "k-figure"))
            if m.state != MapState.OK:
                classes.append("s-" + m.state)
        elif m is not None:
            classes.append(KIND_CLASS.get((m.binding or {}).get("kind", ""), "k-figure"))
        if cell.is_header:
            classes.append("head")
        if target and (cell.ref == selected or (ref == target and ref != cell.ref)):
            classes.append("chosen")
        query: dict[str, object] = {"cell": cell.ref}
        if not is_latest:
            query["version"] = version.number
        if replacing is not None:
            query["from"] = replacing.pk
        return {
            "cls": " ".join(classes),
            "href": "?" + urlencode(query) + "#cell",
            "title": m.label if m is not None else "",
        }

    label = ""
    if target:
        label = chosen.label if chosen is not None else _label(rf, version, content, target)
    current_key = _choice_key(choices, chosen.binding) if chosen is not None else ""
    if replacing is not None and not current_key:
        current_key = _choice_key(choices, replacing.binding)
    shown_map = chosen or replacing
    window = (shown_map.binding or {}).get("window", "period") if shown_map is not None else "period"
    if form is None and target:
        form = MapForm(
            initial={"ref": target, "choice": current_key, "window": window, "label": label},
            keys=set(),
            column=rows_form,
        )
    return render(
        request,
        "reports/map.html",
        {
            "rf": rf,
            "version": version,
            "is_latest": is_latest,
            "grid": grid,
            "rows": _grid_rows(grid, paint),
            "maps": maps,
            "problems_maps": [m for m in maps if m.state != MapState.OK],
            "described": [(m, bindings.describe(m.binding)) for m in maps],
            "target": target,
            "chosen": chosen,
            "chosen_text": bindings.describe(chosen.binding) if chosen is not None else "",
            "label": label,
            "groups": _grouped(choices),
            "current_key": form["choice"].value() if form is not None else "",
            "window": form["window"].value() if form is not None else "period",
            "form": form,
            "replacing": replacing,
            "prepares": prepares,
            "problems": list(problems),
        },
        status=status,
    )


def _label(rf: ReportForm, version: FormVersion, content: bytes, ref: str) -> str:
    try:
        return sheet.label_of(
            content,
            ref,
            layout=rf.layout,
            key_column=version.key_column or None,
            first_row=version.first_row,
            sheet=version.sheet,
        )
    except Invalid:
        return ""


@require_GET
def map_page(request: HttpRequest, pk: int) -> HttpResponse:
    """对照映射: the superior's sheet drawn cell by cell; a click picks a cell (?cell=D7, no JS needed)."""
    rf = queries.get_form_or_404(request.scope, pk)
    if not rf.versions.exists():
        if policy.prepare_reports(request.scope, rf):
            messages.info(request, _("请先上传上级下发的 Excel 表样。"))
            return redirect("reports:upload", pk=rf.pk)
        raise NotFound(_("这张报表还没有上传表样。"))
    return _map_page(request, rf, _version(rf, request))


@require_POST
def map_cell(request: HttpRequest, pk: int) -> HttpResponse:
    """Map the chosen cell (or column) to a figure; `replaces` (a lost cell's mapping) is removed once mapped."""
    rf = queries.get_form_or_404(request.scope, pk)
    version = _version(rf, request)
    require(policy.prepare_reports(request.scope, rf), _("只有责任科室、街道领导或系统管理员可以修改映射。"))
    year = periods.current(rf.frequency, clock.today()).year
    choices = bindings.choices(rf.region, request.scope, year)
    form = MapForm(request.POST, keys={c.key for c in choices}, column=rf.layout == Layout.ROWS)
    if not form.is_valid():
        cell = form.cleaned_data.get("ref") or ""
        return _map_page(request, rf, version, form=form, problems=errors_of(form), status=400, cell=cell)
    d = form.cleaned_data
    ref = _map_target(rf, version, d["ref"])
    binding = dict(bindings.binding_for(d["choice"], rf.region, request.scope, year))
    if binding.get("kind") in ("figure", "source"):
        binding["window"] = d["window"] or "period"
    lost = None
    text = request.POST.get("replaces", "")
    if text.isdigit() and len(text) < 10:
        lost = version.cells.filter(pk=int(text)).exclude(state=MapState.OK).first()
    try:
        actions.do_map_cell(
            version,
            ref,
            binding,
            label=d["label"] or None,
            instead_of=lost,
            actor=request.user,
            scope=request.scope,
        )
    except Refused:
        raise
    except Invalid as exc:
        return _map_page(request, rf, version, form=form, problems=exc.messages, status=400, cell=d["ref"])
    messages.success(request, _("已映射 %(ref)s：%(what)s") % {"ref": ref, "what": bindings.describe(binding)})
    return redirect(_map_url(rf, version, ref))


def _map_url(rf: ReportForm, version: FormVersion, ref: str = "") -> str:
    query: dict[str, object] = {"cell": ref} if ref else {}
    latest = rf.versions.order_by("-number").only("pk").first()
    if latest is not None and latest.pk != version.pk:
        query["version"] = version.number
    return reverse("reports:map", args=[rf.pk]) + ("?" + urlencode(query) + "#cell" if query else "")


def _cell_map(request: HttpRequest, rf: ReportForm) -> tuple[FormVersion, CellMap]:
    version = _version(rf, request)
    form = CellForm(request.POST, column=rf.layout == Layout.ROWS)
    if not form.is_valid():
        raise Invalid(errors_of(form))
    cell_map = version.cells.filter(ref=form.cleaned_data["ref"]).first()
    if cell_map is None:
        raise NotFound(_("这个单元格还没有映射。"))
    return version, cell_map


@require_POST
def unmap_cell(request: HttpRequest, pk: int) -> HttpResponse:
    rf = queries.get_form_or_404(request.scope, pk)
    version, cell_map = _cell_map(request, rf)
    actions.do_unmap_cell(cell_map, actor=request.user, scope=request.scope)
    messages.success(request, _("已取消 %(ref)s 的映射。") % {"ref": cell_map.ref})
    return redirect(_map_url(rf, version))


@require_POST
def confirm_move(request: HttpRequest, pk: int) -> HttpResponse:
    rf = queries.get_form_or_404(request.scope, pk)
    version, cell_map = _cell_map(request, rf)
    actions.do_confirm_move(cell_map, actor=request.user, scope=request.scope)
    messages.success(request, _("已确认 %(ref)s 的新位置。") % {"ref": cell_map.ref})
    return redirect(_map_url(rf, version))


# ---- filings -----------------------------------------------------------------------------------------------------


@require_POST
def fill(request: HttpRequest, pk: int) -> HttpResponse:
    """取数: the period's filing (created, or refreshed while it is being filled)."""
    rf = queries.get_form_or_404(request.scope, pk)
    form = PeriodForm(request.POST, frequency=rf.frequency)
    if not form.is_valid():
        raise Invalid(errors_of(form))
    filing = actions.do_fill_filing(rf, form.cleaned_data["period"].key, actor=request.user, scope=request.scope)
    messages.success(
        request,
        _("已取数：系统填写 %(auto)s 格，待人工填写 %(hand)s 格，缺数 %(missing)s 格。")
        % {"auto": filing.auto_cells, "hand": filing.hand_cells, "missing": filing.missing_cells},
    )
    return redirect("reports:filing", pk=filing.pk)


def _display(cell) -> str:
    if cell.text:
        return cell.text
    return _("缺数") if cell.value.origin == Origin.MISSING else ""


def _paint_filing(filing: Filing, values_by_ref: dict, trace_url):
    def paint(cell) -> dict:
        item = values_by_ref.get(cell.ref)
        if item is None:
            return {"cls": "head" if cell.is_header else "", "href": "", "title": ""}
        value = item.value
        return {
            "cls": ORIGIN_CLASS.get(value.origin, ""),
            "href": trace_url(value.ref),
            "title": f"{item.label} · {item.origin_label}",
            "text": _display(item),
        }

    return paint


def _filing_page(
    request, filing: Filing, *, problems=(), status=200, values_form=None, return_form=None, correct_form=None
) -> HttpResponse:
    scope = request.scope
    detail = queries.filing_detail(scope, filing)
    version = filing.form_version
    grid = sheet.grid(bytes(version.content), version.sheet)
    by_ref = {item.value.ref: item for item in detail.values}
    rows = _grid_rows(grid, _paint_filing(filing, by_ref, lambda ref: reverse("reports:trace", args=[filing.pk, ref])))
    hand = _own_hand(detail)
    if values_form is None and hand:
        values_form = ValuesForm(cells=hand)
    villages = [fv.village for fv in detail.villages]
    confirmations = [s for s in detail.steps if s.step == Step.CONFIRMED]
    return render(
        request,
        "reports/filing.html",
        {
            "filing": filing,
            "rf": filing.form,
            "detail": detail,
            "rows": rows,
            "grid": grid,
            "values_form": values_form if hand else None,
            "return_form": return_form or ReturnForm(villages=villages),
            "correct_form": correct_form or CorrectForm(),
            "period": periods.parse(filing.form.frequency, filing.period),
            "problems": list(problems),
            "origins": [(cls, Origin(o).label) for o, cls in ORIGIN_CLASS.items() if o != Origin.LABEL],
            "unconfirmed": [fv.village for fv in detail.villages if fv.confirmed_at is None],
            "chain_steps": [s for s in detail.steps if s.step != Step.CONFIRMED],
            "confirmations": confirmations,
        },
        status=status,
    )


def _own_hand(detail) -> list:
    """The subdistrict's own cells the viewer may type now (a village's are typed on its row's page)."""
    return [c for c in detail.values if c.may_enter and c.value.village_id is None]


@require_GET
def filing_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _filing_page(request, queries.get_filing_or_404(request.scope, pk))


def _enter(request: HttpRequest, form: ValuesForm) -> int:
    """Each changed cell through do_enter_value, all or none (a stale one undoes the others)."""
    changed = form.changed_cells()
    with transaction.atomic():
        for value, text, revision in changed:
            actions.do_enter_value(value, text, revision=revision, actor=request.user, scope=request.scope)
    return len(changed)


@require_POST
def filing_values(request: HttpRequest, pk: int) -> HttpResponse:
    """The subdistrict's own hand-filled cells of a filing."""
    filing = queries.get_filing_or_404(request.scope, pk)
    detail = queries.filing_detail(request.scope, filing)
    own = [c for c in detail.values if c.value.village_id is None and c.value.origin in (Origin.HAND, Origin.MISSING)]
    form = ValuesForm(request.POST, cells=own)  # the action refuses whoever may not type them, or not now
    if not form.is_valid():
        return _filing_page(request, filing, problems=errors_of(form), status=400, values_form=form)
    try:
        n = _enter(request, form)
    except Refused:
        raise
    except Conflict as exc:
        return _filing_page(request, filing, problems=exc.messages, status=409, values_form=form)
    except Invalid as exc:
        return _filing_page(request, filing, problems=exc.messages, status=400, values_form=form)
    messages.success(request, _("已保存 %(n)s 格。") % {"n": n})
    return redirect("reports:filing", pk=filing.pk)


def _step(request: HttpRequest, pk: int, act, done: str) -> HttpResponse:
    filing = queries.get_filing_or_404(request.scope, pk)
    result = act(filing)
    messages.success(request, done)
    return redirect("reports:filing", pk=(result.pk if isinstance(result, Filing) else filing.pk))


@require_POST
def filing_submit(request: HttpRequest, pk: int) -> HttpResponse:
    return _step(
        request,
        pk,
        lambda f: actions.do_submit_filing(f, actor=request.user, scope=request.scope),
        _("已提交审核。"),
    )


@require_POST
def filing_review(request: HttpRequest, pk: int) -> HttpResponse:
    return _step(
        request,
        pk,
        lambda f: actions.do_review_filing(f, actor=request.user, scope=request.scope),
        _("审核通过，已送领导审批。"),
    )


@require_POST
def filing_approve(request: HttpRequest, pk: int) -> HttpResponse:
    return _step(
        request,
        pk,
        lambda f: actions.do_approve_filing(f, actor=request.user, scope=request.scope),
        _("已审批，报表已锁定，可下载报送。"),
    )


@require_POST
def filing_send(request: HttpRequest, pk: int) -> HttpResponse:
    return _step(
        request,
        pk,
        lambda f: actions.do_mark_sent(f, actor=request.user, scope=request.scope),
        _("已标记为已报送。"),
    )


@require_POST
def filing_return(request: HttpRequest, pk: int) -> HttpResponse:
    filing = queries.get_filing_or_404(request.scope, pk)
    villages = [fv.village for fv in queries.filing_detail(request.scope, filing).villages]
    form = ReturnForm(request.POST, villages=villages)
    if not form.is_valid():
        return _filing_page(request, filing, problems=errors_of(form), status=400, return_form=form)
    actions.do_return_filing(
        filing, form.cleaned_data["comment"], villages=form.chosen(), actor=request.user, scope=request.scope
    )
    messages.success(request, _("已退回修改。"))
    return redirect("reports:filing", pk=filing.pk)


@require_POST
def filing_correct(request: HttpRequest, pk: int) -> HttpResponse:
    filing = queries.get_filing_or_404(request.scope, pk)
    form = CorrectForm(request.POST)
    if not form.is_valid():
        return _filing_page(request, filing, problems=errors_of(form), status=400, correct_form=form)
    new = actions.do_correct_filing(filing, form.cleaned_data["reason"], actor=request.user, scope=request.scope)
    messages.success(request, _("已开启更正（第 %(v)s 版），修改后重新提交审核。") % {"v": new.version})
    return redirect("reports:filing", pk=new.pk)


@require_GET
def filing_download(request: HttpRequest, pk: int) -> HttpResponse:
    filing = queries.get_filing_or_404(request.scope, pk)
    content, filename = actions.do_export_filing(filing, actor=request.user, scope=request.scope)
    return _attachment(content, filename)


@require_GET
def trace(request: HttpRequest, pk: int, ref: str, code: str = "") -> HttpResponse:
    """数据溯源: where one written cell's number came from — its figure, and the rows behind it."""
    ref = clean_ref(ref)
    if code:
        filing = queries.get_filing_for_village_or_404(request.scope, pk, code)
        row = queries.village_row(request.scope, filing, _village(filing, code))
        items = row.cells
        back = reverse("reports:village_row", args=[filing.pk, code])
    else:
        filing = queries.get_filing_or_404(request.scope, pk)
        items = queries.filing_detail(request.scope, filing).values
        back = reverse("reports:filing", args=[filing.pk])
    item = next((i for i in items if i.value.ref == ref), None)
    if item is None:
        raise NotFound(_("这个单元格没有填写数据。"))
    value = item.value
    behind = bindings.rows_behind(value.trace, request.scope) if value.origin in (Origin.AUTO, Origin.MISSING) else None
    return render(
        request,
        "reports/trace.html",
        {
            "filing": filing,
            "rf": filing.form,
            "item": item,
            "value": value,
            "shown": _display(item),
            "origin_class": ORIGIN_CLASS.get(value.origin, ""),
            "behind": behind,
            "back": back,
        },
    )


# ---- one village's row -------------------------------------------------------------------------------------------


def _village(filing: Filing, code: str) -> Region:
    village = Region.objects.filter(code=code).first()
    if village is None:
        raise NotFound(_("不存在或无权查看。"))
    return village


def _row_page(request, filing: Filing, code: str, *, form=None, problems=(), status=200) -> HttpResponse:
    village = _village(filing, code)
    row = queries.village_row(request.scope, filing, village)
    editable = [c for c in row.cells if c.may_enter]
    if form is None and editable:
        form = ValuesForm(cells=editable)
    fields = {c.value.pk: form[f"v{c.value.pk}"] for c in editable} if form is not None and editable else {}
    return render(
        request,
        "reports/village_row.html",
        {
            "filing": filing,
            "rf": filing.form,
            "village": village,
            "row": row,
            "cells": [(c, fields.get(c.value.pk), ORIGIN_CLASS.get(c.value.origin, "")) for c in row.cells],
            "form": form if editable else None,
            "period": periods.parse(filing.form.frequency, filing.period),
            "problems": list(problems),
            "whole": request.scope.can_read(filing.form.region.path),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
def village_row(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    """本村数据: one village's row of a village-level form, each cell a labelled field; 保存 or 保存并确认."""
    filing = queries.get_filing_for_village_or_404(request.scope, pk, code)
    if request.method == "GET":
        return _row_page(request, filing, code)
    village = _village(filing, code)
    row = queries.village_row(request.scope, filing, village)
    form = ValuesForm(request.POST, cells=[c for c in row.cells if c.value.origin in (Origin.HAND, Origin.MISSING)])
    if not form.is_valid():
        return _row_page(request, filing, code, form=form, problems=errors_of(form), status=400)
    confirm = "confirm" in request.POST
    try:
        with transaction.atomic():
            n = _enter(request, form)
            if confirm:
                actions.do_confirm_row(filing, village, actor=request.user, scope=request.scope)
    except Refused:
        raise
    except Conflict as exc:
        return _row_page(request, filing, code, form=form, problems=exc.messages, status=409)
    except Invalid as exc:
        return _row_page(request, filing, code, form=form, problems=exc.messages, status=400)
    if confirm:
        messages.success(request, _("已确认%(village)s的数据。") % {"village": village.name})
    else:
        messages.success(request, _("已保存 %(n)s 格，全部填好后请点“确认本村数据”。") % {"n": n})
    return redirect("reports:village_row", pk=filing.pk, code=code)
