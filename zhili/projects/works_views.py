"""Pages of public works (公共工程、乡村振兴项目) and the park's land acquisition, under /projects/works/: parse →
fetch through scope → action or query → render."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from zhili.core import clock
from zhili.core.errors import refuse
from zhili.people import policy
from zhili.people.scope import viewpoint
from zhili.projects import works_actions as actions
from zhili.projects import works_queries as queries
from zhili.projects.models import WorkStageName
from zhili.projects.works_forms import AdvanceForm, FilterForm, FundsForm, MilestoneForm, WorkForm
from zhili.regions.models import Level, Region


@require_GET
def work_list(request: HttpRequest) -> HttpResponse:
    view = viewpoint(request.scope)
    form = FilterForm(request.GET)
    if not form.is_valid():
        return refuse(request, _("筛选条件无效。"), status=400)
    village = None
    code = form.cleaned_data["village"]
    if code:
        village = Region.objects.filter(parent=view.sub, code=code, level=Level.VILLAGE).first()
        if village is None:
            return refuse(request, _("没有这个村（社区）。"), status=400)
    rows = queries.work_list(
        request.scope,
        view.sub,
        kind=form.cleaned_data["kind"],
        village=village,
        late_only=form.cleaned_data["late"],
    )
    villages = sorted({r.work.region for r in rows if r.work.region.level == Level.VILLAGE}, key=lambda r: r.code)
    if village is not None and village not in villages:
        villages.append(village)
    return render(
        request,
        "projects/works/list.html",
        {
            "sub": view.sub,
            "rows": rows,
            "totals": queries.totals(rows),
            "form": form,
            "q": request.GET,
            "kinds": queries.kind_choices(),
            "villages": villages,
            "today": clock.today(),
            "can_register": bool(queries.register_units(request.scope, view.sub)),
        },
    )


def _detail_context(request: HttpRequest, work, **forms) -> dict:
    view = queries.work_detail(work)
    nxt = view.following
    can_edit = policy.edit_work(request.scope, work)
    return {
        "view": view,
        "work": work,
        "can_edit": can_edit,
        "advance": forms.get("advance")
        or (
            AdvanceForm(initial={"stage": nxt.stage, "revision": work.revision, "day": clock.today().isoformat()})
            if nxt is not None
            else None
        ),
        "milestone": forms.get("milestone") or MilestoneForm(initial={"day": clock.today().isoformat()}),
        "funds": forms.get("funds")
        or FundsForm(
            initial={
                "revision": work.revision,
                "funds_planned": work.funds_planned,
                "funds_allocated": work.funds_allocated,
                "funds_spent": work.funds_spent,
            }
        ),
        "today": clock.today(),
    }


@require_GET
def work_detail(request: HttpRequest, pk: int) -> HttpResponse:
    work = queries.get_work_or_404(request.scope, pk)
    return render(request, "projects/works/detail.html", _detail_context(request, work))


def _failed(request: HttpRequest, work, exc: ValidationError, **forms) -> HttpResponse:
    """The detail page again with the refusal said above the form, under the refusal's own status."""
    from zhili.core.errors import messages_of, status_of

    context = _detail_context(request, work, **forms)
    context["problem"] = " ".join(messages_of(exc))
    return render(request, "projects/works/detail.html", context, status=status_of(exc))


@require_POST
def work_advance(request: HttpRequest, pk: int) -> HttpResponse:
    work = queries.get_work_or_404(request.scope, pk)
    form = AdvanceForm(request.POST)
    if not form.is_valid():
        return _failed(request, work, ValidationError(_("请填写实际日期。")), advance=form)
    try:
        stage = actions.do_advance_stage(
            work,
            stage=form.cleaned_data["stage"],
            day=form.cleaned_data["day"],
            revision=form.cleaned_data["revision"],
            actor=request.user,
            scope=request.scope,
        )
    except ValidationError as exc:
        return _failed(request, work, exc, advance=form)
    messages.success(request, _("已记录“%(stage)s”的实际日期。") % {"stage": stage.get_stage_display()})
    return redirect("works:detail", pk=work.pk)


@require_POST
def work_milestone(request: HttpRequest, pk: int) -> HttpResponse:
    work = queries.get_work_or_404(request.scope, pk)
    form = MilestoneForm(request.POST, request.FILES)
    if not form.is_valid():
        return _failed(request, work, ValidationError(_("请填写节点日期和名称。")), milestone=form)
    try:
        actions.do_add_milestone(
            work,
            day=form.cleaned_data["day"],
            title=form.cleaned_data["title"],
            note=form.cleaned_data["note"],
            photo=form.cleaned_data["photo"],
            actor=request.user,
            scope=request.scope,
        )
    except ValidationError as exc:
        return _failed(request, work, exc, milestone=form)
    messages.success(request, _("已添加工程节点。"))
    return redirect("works:detail", pk=work.pk)


@require_POST
def work_funds(request: HttpRequest, pk: int) -> HttpResponse:
    work = queries.get_work_or_404(request.scope, pk)
    form = FundsForm(request.POST)
    if not form.is_valid():
        return _failed(request, work, ValidationError(_("资金数额无效。")), funds=form)
    try:
        actions.do_set_funds(work, form.cleaned_data, actor=request.user, scope=request.scope)
    except ValidationError as exc:
        return _failed(request, work, exc, funds=form)
    messages.success(request, _("已保存工程资金。"))
    return redirect("works:detail", pk=work.pk)


@require_GET
def milestone_photo(request: HttpRequest, pk: int, milestone_id: int, which: str) -> FileResponse:
    """Milestone photos are served through the work's scope: whoever may see the work."""
    work = queries.get_work_or_404(request.scope, pk)
    milestone = queries.milestone_of(work, milestone_id)
    if milestone is None or which not in ("display", "original") or not milestone.has_photo:
        raise Http404(_("照片不存在。"))
    field = milestone.original if which == "original" else milestone.display
    try:
        handle = field.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404(_("照片文件不存在。")) from None
    response = FileResponse(handle, content_type="image/jpeg" if which != "original" else None)
    response["Cache-Control"] = "private, max-age=3600"
    return response


@require_GET
def land(request: HttpRequest) -> HttpResponse:
    """The park's land acquisition (征地拆迁) per village, summed from the demolition ledger's rows; each number
    opens the ledger's rows behind it."""
    view = viewpoint(request.scope)
    ledger, rows = queries.land_rows(request.scope, view.sub)
    rows_url = reverse("ledgers:detail", args=[ledger.code]) if ledger is not None else ""
    total = {
        "households": sum(r.households for r in rows),
        "signed": sum(r.signed for r in rows),
        "relocated": sum(r.relocated for r in rows),
        "people": sum(r.people for r in rows),
        "area": sum((r.area for r in rows), Decimal(0)),
        "land": sum((r.land for r in rows), Decimal(0)),
        "cleared": sum((r.cleared for r in rows), Decimal(0)),
    }
    summed = {"members": total["people"], "area": total["area"], "land_area": total["land"]}
    summed["cleared_area"] = total["cleared"]
    targets = []
    # the subdistrict's targets, for those who read the whole subdistrict (a village's people cannot open them)
    for ind in queries.land_targets(view.sub, clock.today().year) if ledger is not None and view.whole else []:
        p = ind.source_params
        # the ledger's own measure for the indicator: rows counted (households) or a field summed (people, 亩)
        found = {"count": total["households"], "sum": summed.get(p.get("field", ""))}
        targets.append((ind, found.get(p.get("measure", "count"))))
    return render(
        request,
        "projects/works/land.html",
        {
            "sub": view.sub,
            "ledger": ledger,
            "rows": rows,
            "total": total,
            "rows_url": rows_url,
            "targets": targets,
        },
    )


# ---- register or change a work ----------------------------------------------------------------------------


def _work_form(request: HttpRequest, sub: Region, work=None, data=None) -> WorkForm:
    units = queries.register_units(request.scope, sub)
    if work is not None and work.unit not in units:
        units = [work.unit, *units]  # shown as it is; saving another office's work is refused by the action
    initial = None
    if work is not None:
        planned = {s.stage: s.planned for s in work.stages.all()}
        initial = {
            "revision": work.revision,
            "name": work.name,
            "kind": work.kind,
            "region": work.region.code if work.region_id != sub.pk else "",
            "unit": str(work.unit_id),
            "person": str(work.person_id or ""),
            "funds_planned": work.funds_planned,
            "note": work.note,
            **{f"planned_{k}": v.isoformat() for k, v in planned.items() if v is not None},
        }
    villages = list(Region.objects.current(clock.today()).filter(parent=sub, level=Level.VILLAGE).order_by("code"))
    if work is not None and work.region_id != sub.pk and work.region not in villages:
        villages.append(work.region)  # a village since merged keeps its works until they are moved
    form = WorkForm(
        data,
        initial=initial,
        subdistrict=sub,
        villages=villages,
        units=units,
        people=queries.responsible_people(sub, work.person if work is not None else None),
    )
    form.villages = {v.code: v for v in villages}
    return form


def _render_form(request: HttpRequest, sub: Region, form: WorkForm, work=None, *, problem="", status=200):
    return render(
        request,
        "projects/works/form.html",
        {"sub": sub, "form": form, "work": work, "problem": problem},
        status=status,
    )


def _save(request: HttpRequest, sub: Region, work=None) -> HttpResponse:
    from zhili.core.errors import messages_of, status_of
    from zhili.people.models import Person, Unit

    form = _work_form(request, sub, work, request.POST)
    if not form.is_valid():
        return _render_form(request, sub, form, work, problem=_("请检查标红的项目。"), status=400)
    c = form.cleaned_data
    region = form.villages[c["region"]] if c["region"] else sub
    data = {
        "name": c["name"],
        "kind": c["kind"],
        "region": region,
        "unit": Unit.objects.get(pk=int(c["unit"])),
        "person": Person.objects.get(pk=int(c["person"])) if c["person"] else None,
        "note": c["note"],
        "funds_planned": c["funds_planned"],
        "planned": {s: c[f"planned_{s}"] for s in WorkStageName.values},
    }
    if work is not None:
        if c["revision"] is None:
            return _render_form(request, sub, form, work, problem=_("版本号无效，请刷新页面后再改。"), status=400)
        data["revision"] = c["revision"]
    try:
        saved = actions.do_save_work(sub, data, actor=request.user, scope=request.scope, work=work)
    except ValidationError as exc:
        return _render_form(request, sub, form, work, problem=" ".join(messages_of(exc)), status=status_of(exc))
    messages.success(request, _("已保存工程“%(name)s”。") % {"name": saved.name})
    return redirect("works:detail", pk=saved.pk)


@require_http_methods(["GET", "POST"])
def work_new(request: HttpRequest) -> HttpResponse:
    """Register a public work: for the subdistrict's leaders and administrators, and its offices' officers."""
    sub = viewpoint(request.scope).sub
    if not queries.register_units(request.scope, sub):
        return refuse(request, _("只有街道领导或街道科室可以登记公共工程。"), status=403)
    if request.method == "POST":
        return _save(request, sub)
    return _render_form(request, sub, _work_form(request, sub))


@require_http_methods(["GET", "POST"])
def work_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change a work's name, kind, village, office, person, planned dates and planned funds."""
    work = queries.get_work_or_404(request.scope, pk)
    if not policy.edit_work(request.scope, work):
        return refuse(request, _("只有责任单位或街道领导可以修改该工程。"), status=403)
    if request.method == "POST":
        return _save(request, work.subdistrict, work)
    return _render_form(request, work.subdistrict, _work_form(request, work.subdistrict, work), work)
