"""The targets pages: the year on one page, drill-down to villages and records, reporting, supervision, ranking."""

from __future__ import annotations

import datetime
import json

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from zhili.core import clock
from zhili.core.errors import refuse
from zhili.core.forms import run_action, status_for
from zhili.imports import views as import_views
from zhili.imports.forms import ImportForm
from zhili.people import policy
from zhili.people.models import Person, Unit
from zhili.regions import history
from zhili.regions.models import Level, Region
from zhili.targets import actions, engine, evidence, importer, lights, periods, queries, ranking, sources
from zhili.targets.forms import (
    ActivityForm,
    AnswerForm,
    CompletionForm,
    CorrectForm,
    GoalForm,
    IndicatorForm,
    LightRuleForm,
    ReasonForm,
    ReminderForm,
    RemindVillagesForm,
    ReopenPeriodForm,
    ReportForm,
    RevisionForm,
    RolloverForm,
    TaskForm,
    parse_share_targets,
)
from zhili.targets.models import ActivityRecord, Decomposition, Entry, RankingScheme, SourceKind, TaskStatus


def _year(request: HttpRequest) -> int:
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        return clock.today().year
    return year if periods.FIRST_YEAR <= year <= periods.LAST_YEAR else clock.today().year


@require_GET
def board(request: HttpRequest) -> HttpResponse:
    """The leader's one page: the whole 1234 system with lights; a village cadre sees their village's shares."""
    try:
        view = queries.viewpoint(request.scope, request.GET.get("region"))
    except queries.NoViewpoint as exc:
        return render(request, "targets/refused.html", {"message": str(exc), "title": _("目标任务")})
    today = clock.today()
    year = _year(request)
    b = engine.build_board(view.sub, year, today, village=view.village)
    return render(
        request,
        "targets/board.html",
        {
            "board": b,
            "view": view,
            "year": year,
            "today": today,
            "labels": lights.LABELS,
            "can_manage": policy.plan_targets(request.scope, view.sub),
            "ranking_open": view.whole or _ranking_published_to(request.scope, view.sub, year),
        },
    )


def _ranking_published_to(scope, sub, year: int) -> bool:
    scheme = RankingScheme.objects.filter(region=sub, year=year, subject="villages").first()
    return scheme is not None and policy.see_ranking(scope, scheme)


def _subjects(ind, view: queries.Viewpoint, scope, own: history.Villages | None = None):
    """Villages or units whose shares this viewer may see, with their cells and the villages merged into each
    (the villages as they were on the year's last day counted: a successor, not yet its predecessors).
    `own` is a village viewer's village, with its predecessors."""
    today = clock.today()
    year = ind.task.goal.year
    if ind.decomposition == Decomposition.VILLAGES or engine.is_composite(ind):
        villages = own if view.village else _villages(view, scope, year, today)
        computed = engine.compute(view.sub, year, today, villages, whole=view.whole, indicators=_family(ind))
        merged = villages.predecessors_by_village()
        return [
            (v, computed.village.get((ind.pk, v.pk)), merged.get(v.pk, []))
            for v in villages
            if (ind.pk, v.pk) in computed.village
        ], computed
    computed = engine.compute(view.sub, year, today, [], whole=view.whole, indicators=_family(ind))
    if ind.decomposition == Decomposition.UNITS and view.whole:
        units = list(Unit.objects.filter(target_shares__indicator=ind).order_by("code"))
        return [(u, computed.unit.get((ind.pk, u.pk)), []) for u in units], computed
    return [], computed


def _villages(view: queries.Viewpoint, scope, year: int, today) -> history.Villages:
    """The subdistrict's villages this viewer may see, as they were on the last day `year`'s figures count."""
    return history.on_day(
        view.sub, engine.year_window(year, today).end, base=scope.filter(Region.objects.all(), "path")
    )


def _family(ind):
    """The indicator with its descendants (a parent's figure needs its children's)."""
    from zhili.targets.models import Indicator

    family = [ind]
    frontier = [ind.pk]
    while frontier:
        kids = list(Indicator.objects.active().filter(parent_id__in=frontier).select_related("task__goal"))
        family += kids
        frontier = [k.pk for k in kids]
    for member in family:
        member.task = ind.task if member.task_id == ind.task_id else member.task
    return family


def _report_choices(request, ind, view) -> list[tuple[str, str]]:
    scope = request.scope
    sub = view.sub
    if ind.source != SourceKind.REPORT:
        return []
    if ind.decomposition == Decomposition.VILLAGES:
        # today's villages with a share (their own, or their predecessors'), then villages merged away that had
        # one of their own: they may still report (a reopened period) for the time before their merge
        villages = history.on_day(sub, clock.today())
        shared = set(ind.shares.filter(region__isnull=False).values_list("region_id", flat=True))
        choices = [
            (f"r{v.pk}", v.name)
            for v in villages
            if villages.own_or_merged(dict.fromkeys(shared, True), v.pk) and policy.report_progress(scope, ind, v)
        ]
        names = {v.pk: v.name for v in villages}
        choices += [
            (
                f"r{r.pk}",
                f"{r.name}（已于 {r.valid_to:%Y-%m-%d} 并入{names.get(villages.owner(r.pk), '')}，仅补报此前的期间）",
            )
            for r in villages.closed.values()
            if r.pk in shared and policy.report_progress(scope, ind, r)
        ]
        return choices
    if ind.decomposition == Decomposition.UNITS:
        units = [s.unit for s in ind.shares.filter(unit__isnull=False).select_related("unit")]
        return [(f"u{u.pk}", u.name) for u in units if policy.report_progress(scope, ind, sub, u)]
    return [(f"r{sub.pk}", sub.name)] if policy.report_progress(scope, ind, sub) else []


@require_GET
def indicator(request: HttpRequest, pk: int) -> HttpResponse:
    ind, view = queries.get_indicator_or_404(request.scope, pk)
    return _indicator_page(request, ind, view)


def _indicator_page(
    request: HttpRequest, ind, view, *, report_form=None, remind_form=None, status: int = 200
) -> HttpResponse:
    today = clock.today()
    # a village viewer's village with the villages merged into it: their reports are its own
    own = history.of(view.village, engine.year_window(ind.task.goal.year, today).end) if view.village else None
    rows, computed = _subjects(ind, view, request.scope, own)
    cell = computed.whole.get(ind.pk) if view.whole else computed.village.get((ind.pk, view.village.pk))
    entries = (
        Entry.objects.filter(indicator=ind)
        .select_related("region", "unit", "reporter", "corrects")
        .prefetch_related("evidence")
    )
    if own is not None:
        entries = entries.filter(region_id__in=list(own.region_ids()))
    choices = _report_choices(request, ind, view)
    share_sum = computed.share_sums.get(ind.pk, 0) if ind.decomposition != Decomposition.NONE else None
    if not rows and ind.source == SourceKind.COMPUTED and view.whole:
        # Not decomposed, but computed from records: the figure still opens onto each village's records.
        villages = history.on_day(view.sub, computed.window.end)
        merged = villages.predecessors_by_village()
        rows = [
            (v, engine.Cell(None, computed.by_village.get((ind.pk, v.pk)), None, None), merged.get(v.pk, []))
            for v in villages
            if (ind.pk, v.pk) in computed.by_village
        ]
    return render(
        request,
        "targets/indicator.html",
        {
            "ind": ind,
            "view": view,
            "cell": cell,
            "rows": rows,
            "series": _series(ind, own, today),
            "merged": [(v, m) for v, _c, m in rows if m],
            "today": today,
            "entries": entries.order_by("-period_end", "-id")[:60],
            "report_form": report_form or (ReportForm(choices=choices) if choices else None),
            "source_text": sources.get(ind.source_key).describe(ind) if ind.source == SourceKind.COMPUTED else "",
            "children": [
                (k, c)
                for k, c in (
                    (k, computed.whole.get(k.pk) if view.whole else computed.village.get((k.pk, view.village.pk)))
                    for k in _family(ind)[1:]
                    if k.parent_id == ind.pk
                )
                if view.whole or c is not None
            ],
            "share_sum": share_sum,
            # the rows are villages unless decomposed to units: a composite index not decomposed itself still has
            # each village's own figure (engine.is_composite), a computed one opens onto each village's records
            "village_rows": ind.decomposition != Decomposition.UNITS,
            "can_manage": policy.plan_targets(request.scope, view.sub),
            "can_author": policy.author_indicators(request.scope, ind.task),
            "reopen_form": ReopenPeriodForm() if policy.reopen_period(request.scope, view.sub) else None,
            **_remind_context(request, ind, view, rows, remind_form),
        },
        status=status,
    )


def _remind_context(request: HttpRequest, ind, view, rows, form=None) -> dict:
    """催办 on the breakdown: the form (for those who may), the red villages, and the reminders sent about this
    indicator that the viewer may see (a village's cadres: their own village's)."""
    can_remind = (
        view.whole and ind.decomposition == Decomposition.VILLAGES and policy.remind_villages(request.scope, ind)
    )
    red = [v for v, c, _m in rows if c is not None and c.light and c.light.state in (lights.RED, lights.OVERDUE)]
    if can_remind and form is None:
        form = RemindVillagesForm(villages=[(v.code, v.name) for v, _c, _m in rows])
    return {
        "remind_form": form if can_remind else None,
        "red_villages": red,
        "village_reminders": queries.village_reminders(request.scope, indicator=ind)[:50],
        "village_reminder_count": queries.village_reminders(request.scope, indicator=ind).count(),
    }


def _series(ind, own: history.Villages | None, today):
    """Values per period for the viewer's region (the subdistrict adds up the villages' reports; a village its
    own and its predecessors')."""
    if ind.source != SourceKind.REPORT:
        return []
    qs = Entry.objects.filter(indicator=ind, is_current=True)
    if own is not None:
        qs = qs.filter(region_id__in=list(own.region_ids()))
    by_end: dict = {}
    for end, value in qs.values_list("period_end", "value"):
        by_end[end] = by_end.get(end, 0) + value
    year = ind.task.goal.year
    out = []
    peak = max(by_end.values(), default=0) or 1
    for start, end in periods.periods_in_year(year, ind.period_type, today):
        v = by_end.get(end)
        out.append(
            {"label": periods.label(start, end, ind.period_type), "value": v, "pct": int(v / peak * 100) if v else 0}
        )
    return out


@require_GET
def records(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    """The rows behind one village's figure: its reports (with corrections) or the source's records."""
    ind, view = queries.get_indicator_or_404(request.scope, pk)
    village = Region.objects.filter(code=code, parent=view.sub).first()
    if village is None or not request.scope.can_read(village.path):
        raise Http404(_("不存在或无权查看。"))
    today = clock.today()
    window = engine.year_window(ind.task.goal.year, today)
    # the village's rows and its predecessors' (merged into it by the window's end), each predecessor's own
    # history one click away; a village merged away since says into which
    merged = history.of(village, window.end)
    context = {
        "ind": ind,
        "village": village,
        "view": view,
        "merged": merged.predecessors(village),
        "successor": village.successor if village.successor_id else None,
    }
    if ind.source == SourceKind.COMPUTED:
        source = sources.get(ind.source_key)
        context["source_text"] = source.describe(ind)
        records = source.records(ind, village, window)
        context["record_count"] = records.count()
        context["headers"], context["rows"] = source.table(ind, records[:500])
        if ind.source_key == "ledger":
            context["ledger_link"] = f"/ledgers/{ind.source_params.get('ledger')}/?region={village.code}"
    else:
        context["entries"] = (
            Entry.objects.filter(indicator=ind, region_id__in=list(merged.region_ids()))
            .select_related("region", "reporter", "corrects")
            .prefetch_related("evidence")
            .order_by("-period_end", "-id")
        )
    return render(request, "targets/records.html", context)


@require_POST
def report(request: HttpRequest, pk: int) -> HttpResponse:
    ind, view = queries.get_indicator_or_404(request.scope, pk)
    choices = _report_choices(request, ind, view)
    if not choices:
        raise Http404(_("不存在或无权查看。"))
    form = ReportForm(request.POST, request.FILES, choices=choices)
    if form.is_valid():
        d = form.cleaned_data
        kind, ident = d["region"][0], int(d["region"][1:])
        if kind == "u":
            region, unit = view.sub, Unit.objects.get(pk=ident)
        else:
            region, unit = Region.objects.get(pk=ident), None
        entry = run_action(
            form,
            actions.do_report_progress,
            ind,
            region=region,
            unit=unit,
            day=d["day"],
            value=d["value"],
            note=d["note"],
            files=request.FILES.getlist("files"),
            actor=request.user,
            scope=request.scope,
        )
        if entry:
            messages.success(
                request,
                _("已填报 %(v)s：%(v2)s%(unit)s。")
                % {
                    "v": periods.label(entry.period_start, entry.period_end, ind.period_type),
                    "v2": format(entry.value.normalize(), "f"),
                    "unit": ind.unit,
                },
            )
            return redirect("targets:indicator", pk=ind.pk)
    return _indicator_page(request, ind, view, report_form=form, status=400)


@require_POST
def correct(request: HttpRequest, pk: int) -> HttpResponse:
    entry = queries.get_entry_or_404(request.scope, pk)
    form = CorrectForm(request.POST)
    if not form.is_valid():
        return _refused(request, "更正需要填写数值和原因。")
    try:
        actions.do_correct_entry(
            entry,
            value=form.cleaned_data["value"],
            reason=form.cleaned_data["reason"],
            files=request.FILES.getlist("files"),
            actor=request.user,
            scope=request.scope,
        )
    except ValidationError as exc:
        return _refused(request, " ".join(exc.messages))
    messages.success(request, _("已更正；原填报保留在历史中。"))
    return (
        redirect("targets:records", pk=entry.indicator_id, code=entry.region.code)
        if entry.region.level == Level.VILLAGE
        else redirect("targets:indicator", pk=entry.indicator_id)
    )


@require_POST
def reopen_period(request: HttpRequest, pk: int) -> HttpResponse:
    ind, view = queries.get_indicator_or_404(request.scope, pk)
    form = ReopenPeriodForm(request.POST)
    if not form.is_valid():
        return _refused(request, "请填写期间、开放截止日期和原因。")
    d = form.cleaned_data
    start, end = periods.period_of(d["period_day"], ind.period_type)
    try:
        actions.do_reopen_period(
            region=view.sub,
            period_end=end,
            until=d["until"],
            reason=d["reason"],
            indicator=ind,
            actor=request.user,
            scope=request.scope,
        )
    except ValidationError as exc:
        return _refused(request, " ".join(exc.messages))
    messages.success(
        request,
        _("已重新开放%(v)s的填报，至 %(v2)s。")
        % {"v": periods.label(start, end, ind.period_type), "v2": format(d["until"], "%Y-%m-%d")},
    )
    return redirect("targets:indicator", pk=ind.pk)


def _refused(request: HttpRequest, message: str) -> HttpResponse:
    """A refused write: the sentence, a way back, status 400, and nothing written."""
    return render(
        request, "targets/refused.html", {"message": message, "back": request.META.get("HTTP_REFERER", "")}, status=400
    )


@require_http_methods(["GET", "POST"])
def shares(request: HttpRequest, pk: int) -> HttpResponse:
    """分解下达: the table of villages (or units) and their parts; a mismatch needs a reason."""
    ind, view = queries.get_indicator_or_404(request.scope, pk)
    if not view.whole or not policy.plan_targets(request.scope, view.sub) or ind.decomposition == Decomposition.NONE:
        raise Http404(_("不存在或无权查看。"))
    if ind.decomposition == Decomposition.VILLAGES:
        # the villages of the day the year's figures count; a successor without a share of its own shows its
        # predecessors' added up (what it answers for until the subdistrict decomposes to it)
        villages = history.on_day(view.sub, engine.year_window(ind.task.goal.year, clock.today()).end)
        subjects = list(villages)
        shares = {s.region_id: s.target for s in ind.shares.filter(region__isnull=False)}
        current = {v.pk: t for v in villages if (t := villages.own_or_merged(shares, v.pk)) is not None}
    else:
        subjects = list(Unit.objects.active().filter(region=view.sub).order_by("code"))
        current = {s.unit_id: s.target for s in ind.shares.all()}
    errors = []
    if request.method == "POST":
        targets, errors = parse_share_targets(request.POST, subjects)
        if not errors:
            try:
                actions.do_set_shares(
                    ind, targets, reason=request.POST.get("reason", ""), actor=request.user, scope=request.scope
                )
                messages.success(request, _("分解已保存。"))
                return redirect("targets:indicator", pk=ind.pk)
            except ValidationError as exc:
                errors = exc.messages
        current = {s.pk: request.POST.get(f"share-{s.pk}", "") for s in subjects}
    total = sum((v for v in current.values() if isinstance(v, int | float) or hasattr(v, "as_tuple")), 0)
    return render(
        request,
        "targets/shares.html",
        {
            "ind": ind,
            "view": view,
            "rows": [(s, current.get(s.pk, "")) for s in subjects],
            "errors": errors,
            "total": total,
            "reason": request.POST.get("reason", ind.decomposition_note),
        },
        status=400 if errors else 200,
    )


@require_GET
def task(request: HttpRequest, pk: int) -> HttpResponse:
    t = queries.get_task_or_404(request.scope, pk)
    scope = request.scope
    sub_reader = scope.can_read(t.goal.region.path)
    return render(
        request,
        "targets/task.html",
        {
            "task": t,
            "milestones": t.milestones.all(),
            "evidence": t.evidence.select_related("uploaded_by").order_by("id"),
            "indicators": t.indicators.active()
            if sub_reader
            else t.indicators.active().filter(shares__region__path__in=[p for p in scope.read_paths]).distinct(),
            "reminders": t.reminders.select_related("to", "sender").order_by("-created_at") if sub_reader else [],
            "is_lead": policy.lead_task(scope, t) and t.status == TaskStatus.OPEN,
            "is_leader": policy.decide_task(scope, t),
            "can_plan": sub_reader and policy.plan_targets(scope, t.goal.region),
            "can_author": sub_reader and policy.author_indicators(scope, t),
            "completion_form": CompletionForm(),
            "reason_form": ReasonForm(),
            "reminder_form": ReminderForm(),
            "today": clock.today(),
        },
    )


@require_POST
def task_action(request: HttpRequest, pk: int, verb: str) -> HttpResponse:
    t = queries.get_task_or_404(request.scope, pk)
    scope, actor = request.scope, request.user
    try:
        if verb == "complete":
            form = CompletionForm(request.POST, request.FILES)
            if not form.is_valid():
                raise ValidationError(_("请填写办结说明。"))
            actions.do_report_completion(
                t, note=form.cleaned_data["note"], files=request.FILES.getlist("files"), actor=actor, scope=scope
            )
            messages.success(request, _("已报告办结，等待街道领导确认销号。"))
        elif verb == "confirm":
            actions.do_confirm_closure(t, actor=actor, scope=scope)
            messages.success(request, _("已确认办结销号。"))
        elif verb == "reopen":
            actions.do_reopen_task(t, reason=request.POST.get("reason", ""), actor=actor, scope=scope)
            messages.success(request, _("任务已重新打开。"))
        elif verb == "remind":
            made = actions.do_send_reminder(t, message=request.POST.get("message", ""), actor=actor, scope=scope)
            messages.success(request, _("已催办 %(v)s 人，将显示在其首页待办中。") % {"v": len(made)})
        elif verb in ("up", "down"):
            actions.do_move_task(t, up=verb == "up", actor=actor, scope=scope)
            return redirect(f"{reverse('targets:plan')}?year={t.goal.year}#task-{t.pk}")
        elif verb == "archive":
            actions.do_archive_task(
                t, reason=request.POST.get("reason", ""), revision=_revision(request), actor=actor, scope=scope
            )
            messages.success(request, _("已归档任务：%(t)s（连同其指标）") % {"t": t})
            return redirect(f"{reverse('targets:plan')}?year={t.goal.year}")
        elif verb == "read":
            for r in t.reminders.filter(to=actor, read_at__isnull=True):
                actions.do_mark_reminder_read(r, actor=actor)
            messages.success(request, _("已知悉。"))
        else:
            raise Http404(_("不存在或无权查看。"))
    except ValidationError as exc:
        return _refused(request, " ".join(exc.messages))
    return redirect("targets:task", pk=t.pk)


RANKING_PAGE = 100


@require_GET
def ranking_view(request: HttpRequest) -> HttpResponse:
    """The published ranking: for the subdistrict's readers with every breakdown; for a village's cadres, once the
    township publishes it to them, every village's rank and score and their own village's breakdown."""
    view = queries.viewpoint(request.scope, request.GET.get("region"))
    subject = "units" if request.GET.get("subject") == "units" else "villages"
    year = _year(request)
    if not view.whole:
        scheme = RankingScheme.objects.filter(region=view.sub, year=year, subject="villages").first()
        if subject != "villages" or scheme is None or not policy.see_ranking(request.scope, scheme):
            raise Http404(_("排名只对街道（乡镇）一级显示。"))
    scheme, ranked = ranking.rank(view.sub, year, clock.today(), subject)
    # A page of RANKING_PAGE rows (a city's 5,000 villages with their breakdowns were 1.8 MiB); a village's cadre
    # opens on the page that holds their village.
    number = request.GET.get("page")
    if not number and view.village:
        mine = next((i for i, r in enumerate(ranked) if r.subject.pk == view.village.pk), 0)
        number = str(mine // RANKING_PAGE + 1)
    page = Paginator(ranked, RANKING_PAGE).get_page(number)
    return render(
        request,
        "targets/ranking.html",
        {
            "view": view,
            "year": year,
            "subject": subject,
            "scheme": scheme,
            "ranked": page.object_list,
            "page": page,
            "weights": scheme.weights.select_related("indicator") if scheme else [],
            "can_publish": scheme is not None
            and subject == "villages"
            and view.whole
            and policy.plan_targets(request.scope, view.sub),
        },
    )


@require_GET
def export(request: HttpRequest) -> HttpResponse:
    view = queries.viewpoint(request.scope, request.GET.get("region"))
    year = _year(request)
    where = view.village or view.sub
    data = actions.do_export_board(where, year, actor=request.user, scope=request.scope)
    response = HttpResponse(data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = content_disposition_header(True, f"{where.name}{year}年目标任务推进表.xlsx")
    return response


@require_GET
def evidence_file(request: HttpRequest, pk: int) -> FileResponse:
    """佐证材料, for whoever sees the entry or task it belongs to: images and PDF shown, the rest downloaded."""
    return evidence.response(queries.get_evidence_or_404(request.scope, pk))


@require_http_methods(["GET", "POST"])
def activities(request: HttpRequest) -> HttpResponse:
    """工作记录: the built-in record type that computed indicators count (meetings, trainings, talks …)."""
    scope = request.scope
    view = queries.viewpoint(scope, request.GET.get("region"))
    villages = (
        [view.village]
        if view.village
        else list(
            scope.filter(
                Region.objects.filter(parent=view.sub, level=Level.VILLAGE).current(clock.today()), "path"
            ).order_by("code")
        )
    )
    writable = [v for v in villages if policy.record_activity(scope, v)]
    form = ActivityForm(request.POST or None, choices=[(str(v.pk), v.name) for v in writable])
    if request.method == "POST":
        if not writable:
            raise Http404(_("不存在或无权查看。"))
        if form.is_valid():
            d = form.cleaned_data
            region = next(v for v in writable if str(v.pk) == d["region"])
            rec = run_action(
                form,
                actions.do_record_activity,
                region=region,
                kind=d["kind"],
                topic=d["topic"],
                title=d["title"],
                date=d["date"],
                count=d["count"] or 0,
                amount=d["amount"],
                actor=request.user,
                scope=scope,
            )
            if rec:
                messages.success(request, _("已登记：%(title)s") % {"title": rec.title})
                return redirect("targets:activities")
    qs = scope.filter(ActivityRecord.objects.active().select_related("region"), "region__path")
    topic = request.GET.get("topic", "").strip()
    if topic:
        qs = qs.filter(topic=topic)

    return render(
        request,
        "targets/activities.html",
        {
            "page": Paginator(qs.order_by("-date", "-id"), 50).get_page(request.GET.get("page")),
            "form": form if writable else None,
            "topic": topic,
            "view": view,
        },
        status=400 if request.method == "POST" else 200,
    )


# ---- authoring the year (编制年度目标): goals, tasks, indicators; the 目标责任书; rollover ------------------------


def _planner_view(request: HttpRequest, code: str | None = None) -> queries.Viewpoint:
    """The subdistrict a planner builds (404 for anyone who may not plan its targets: nothing to show them)."""
    view = queries.viewpoint(request.scope, code)
    if not view.whole or not policy.plan_targets(request.scope, view.sub):
        raise Http404(_("不存在或无权查看。"))
    return view


def _plans(request: HttpRequest) -> bool:
    """Whether this person builds the year (the plan page is theirs to open)."""
    try:
        view = queries.viewpoint(request.scope)
    except queries.NoViewpoint:
        return False
    return view.whole and policy.plan_targets(request.scope, view.sub)


def _form_flow(
    request: HttpRequest,
    form,
    call,
    *,
    said,
    then,
    title: str,
    year: int,
    extra: dict | None = None,
) -> HttpResponse:
    """An authoring form's page: on a valid POST, `call(cleaned_data)` (an action; a refusal shows above the form
    with its status: 400, 403, 409), `said(done)` as the message and on to `then(done)`; otherwise the form."""
    if request.method == "POST" and form.is_valid():
        done = run_action(form, call, form.cleaned_data)
        if done:
            messages.success(request, said(done))
            return redirect(then(done))
    crumbs = [(_("目标任务"), f"{reverse('targets:board')}?year={year}")]
    if _plans(request):  # an office authoring its own indicators has no plan page to go back to
        crumbs.append((_("编制年度目标"), f"{reverse('targets:plan')}?year={year}"))
    return render(
        request,
        "targets/edit.html",
        {"form": form, "title": title, "crumbs": crumbs, "action_url": request.get_full_path(), **(extra or {})},
        status=status_for(form),
    )


def _plan_url(year: int, anchor: str = "") -> str:
    return f"{reverse('targets:plan')}?year={year}" + (f"#{anchor}" if anchor else "")


@require_GET
def plan(request: HttpRequest) -> HttpResponse:
    """编制年度目标: the year's tree with its edit, order and archive controls, the 目标责任书 import, rollover."""
    view = _planner_view(request, request.GET.get("region"))
    year = _year(request)
    return render(
        request,
        "targets/plan.html",
        {
            "view": view,
            "year": year,
            "nodes": queries.plan_tree(view.sub, year),
            "import_form": ImportForm(),
            "jobs": queries.import_jobs(view.sub, year),
        },
    )


# ---- 催办 to villages ------------------------------------------------------------------------------


@require_POST
def remind_villages(request: HttpRequest, pk: int) -> HttpResponse:
    """催办 from the breakdown: the villages ticked, or every red or overdue village of the indicator."""
    ind, view = queries.get_indicator_or_404(request.scope, pk)
    if not view.whole or ind.decomposition != Decomposition.VILLAGES:
        raise Http404(_("不存在或无权查看。"))
    rows, _computed = _subjects(ind, view, request.scope)
    by_code = {v.code: v for v, _c, _m in rows}
    form = RemindVillagesForm(request.POST, villages=[(v.code, v.name) for v, _c, _m in rows])
    if form.is_valid():
        d = form.cleaned_data
        if d["red"]:
            chosen = [v for v, c, _m in rows if c is not None and c.light.state in (lights.RED, lights.OVERDUE)]
        else:
            chosen = [by_code[code] for code in dict.fromkeys(d["village"])]
        made = run_action(
            form,
            actions.do_remind_villages,
            ind,
            chosen,
            message=d["message"],
            actor=request.user,
            scope=request.scope,
        )
        if made:
            messages.success(
                request,
                _("已催办 %(n)s 个村（社区）：%(names)s。村干部将在首页看到并回复。")
                % {"n": len(made), "names": "、".join(r.region.name for r in made)},
            )
            return redirect(f"{reverse('targets:indicator', args=[ind.pk])}#village-reminders")
    return _indicator_page(request, ind, view, remind_form=form, status=status_for(form))


@require_GET
def reminders(request: HttpRequest) -> HttpResponse:
    """The 催办 sent to villages that this person may see: a village's cadres those to their village (to read and
    answer), a leader or office those they sent (who read them, what they answered) and the others'."""
    scope = request.scope
    page = Paginator(queries.village_reminders(scope), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "targets/reminders.html",
        {
            "page": page,
            "answerable": {r.pk for r in page if policy.answer_village_reminder(scope, r)},
            "answer_form": AnswerForm(),
        },
    )


def _int(raw: str) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise Http404(_("不存在或无权查看。")) from None
    if not 0 < value < 2**63:
        raise Http404(_("不存在或无权查看。"))
    return value


@require_http_methods(["GET", "POST"])
def goal_new(request: HttpRequest) -> HttpResponse:
    view = _planner_view(request, request.GET.get("region"))
    year = _year(request)
    parent = queries.get_goal_or_404(request.scope, _int(request.GET["parent"])) if request.GET.get("parent") else None
    year = parent.year if parent else year
    return _form_flow(
        request,
        GoalForm(request.POST or None),
        lambda d: actions.do_create_goal(
            region=view.sub,
            year=year,
            parent=parent,
            code=d["code"],
            title=d["title"],
            level_name=d["level_name"],
            actor=request.user,
            scope=request.scope,
        ),
        said=lambda goal: _("已新增目标：%(goal)s") % {"goal": goal},
        then=lambda goal: _plan_url(goal.year, f"goal-{goal.pk}"),
        title=_("新增下级目标：%(parent)s") % {"parent": parent}
        if parent
        else _("新增 %(year)s 年目标") % {"year": year},
        year=year,
    )


@require_http_methods(["GET", "POST"])
def goal_edit(request: HttpRequest, pk: int) -> HttpResponse:
    goal = queries.get_goal_or_404(request.scope, pk)
    _planner_view(request)
    initial = {"code": goal.code, "title": goal.title, "level_name": goal.level_name, "revision": goal.revision}
    return _form_flow(
        request,
        GoalForm(request.POST or None, initial=initial),
        lambda d: actions.do_update_goal(
            goal,
            revision=d["revision"],
            code=d["code"],
            title=d["title"],
            level_name=d["level_name"],
            actor=request.user,
            scope=request.scope,
        ),
        said=lambda done: _("已保存：%(done)s") % {"done": done},
        then=lambda done: _plan_url(done.year, f"goal-{done.pk}"),
        title=_("修改目标：%(goal)s") % {"goal": goal},
        year=goal.year,
        extra={"archive_url": reverse("targets:goal_action", args=[goal.pk, "archive"]), "revision": goal.revision},
    )


@require_POST
def goal_action(request: HttpRequest, pk: int, verb: str) -> HttpResponse:
    goal = queries.get_goal_or_404(request.scope, pk)
    scope, actor = request.scope, request.user
    if verb in ("up", "down"):
        actions.do_move_goal(goal, up=verb == "up", actor=actor, scope=scope)
    elif verb == "archive":
        actions.do_archive_goal(
            goal, reason=request.POST.get("reason", ""), revision=_revision(request), actor=actor, scope=scope
        )
        messages.success(request, _("已归档：%(goal)s（连同其下的目标、任务和指标）") % {"goal": goal})
    else:
        raise Http404(_("不存在或无权查看。"))
    return redirect(_plan_url(goal.year, f"goal-{goal.pk}"))


def _revision(request: HttpRequest) -> int | None:
    form = RevisionForm(request.POST)
    return form.cleaned_data["revision"] if form.is_valid() else None


def _task_form(request: HttpRequest, sub: Region, **kwargs) -> TaskForm:
    return TaskForm(request.POST or None, people=queries.people_choices(sub), units=queries.unit_choices(sub), **kwargs)


def _task_values(d: dict) -> dict:
    """The task form's choices as the objects the actions take."""
    unit_ids = [u for u in (d["lead_unit"], *d["assisting_units"]) if u]
    units = {u.pk: u for u in Unit.objects.filter(pk__in=unit_ids)}
    people = {p.pk: p for p in Person.objects.filter(pk__in=[x for x in (d["leader"], d["owner"]) if x])}
    return {
        "code": d["code"],
        "title": d["title"],
        "start": d["start"],
        "deadline": d["deadline"],
        "leader": people.get(d["leader"]),
        "owner": people.get(d["owner"]),
        "lead_unit": units.get(d["lead_unit"]),
        "assisting_units": [units[u] for u in d["assisting_units"] if u in units],
    }


@require_http_methods(["GET", "POST"])
def task_new(request: HttpRequest, pk: int) -> HttpResponse:
    goal = queries.get_goal_or_404(request.scope, pk)
    _planner_view(request)
    year = goal.year
    initial = {"start": datetime.date(year, 1, 1), "deadline": datetime.date(year, 12, 31)}
    return _form_flow(
        request,
        _task_form(request, goal.region, initial=initial),
        lambda d: actions.do_create_task(goal=goal, actor=request.user, scope=request.scope, **_task_values(d)),
        said=lambda done: _("已新增任务：%(done)s") % {"done": done},
        then=lambda done: reverse("targets:task", args=[done.pk]),
        title=_("新增任务：%(goal)s") % {"goal": goal},
        year=year,
    )


@require_http_methods(["GET", "POST"])
def task_edit(request: HttpRequest, pk: int) -> HttpResponse:
    t = queries.get_task_or_404(request.scope, pk)
    _planner_view(request)
    initial = {
        "code": t.code,
        "title": t.title,
        "start": t.start,
        "deadline": t.deadline,
        "leader": t.leader_id,
        "owner": t.owner_id,
        "lead_unit": t.lead_unit_id,
        "assisting_units": [u.pk for u in t.assisting_units.all()],
        "revision": t.revision,
    }
    return _form_flow(
        request,
        _task_form(request, t.goal.region, initial=initial),
        lambda d: actions.do_update_task(
            t, revision=d["revision"], actor=request.user, scope=request.scope, **_task_values(d)
        ),
        said=lambda done: _("已保存：%(done)s") % {"done": done},
        then=lambda done: reverse("targets:task", args=[done.pk]),
        title=_("修改任务：%(t)s") % {"t": t},
        year=t.goal.year,
        extra={"archive_url": reverse("targets:task_action", args=[t.pk, "archive"]), "revision": t.revision},
    )


INDICATOR_FIELDS = ("code", "name", "unit", "target", "cumulative", "period_type", "deadline", "direction")
INDICATOR_FIELDS += ("source", "source_key", "source_params", "decomposition", "weight")


@require_http_methods(["GET", "POST"])
def indicator_new(request: HttpRequest, pk: int) -> HttpResponse:
    t = queries.get_task_or_404(request.scope, pk)
    if not policy.author_indicators(request.scope, t):
        raise Http404(_("不存在或无权查看。"))
    return _form_flow(
        request,
        IndicatorForm(request.POST or None),
        lambda d: actions.do_create_indicator(
            task=t, actor=request.user, scope=request.scope, **{k: d[k] for k in INDICATOR_FIELDS}
        ),
        said=lambda done: _("已新增指标：%(done)s") % {"done": done},
        then=lambda done: reverse("targets:indicator", args=[done.pk]),
        title=_("新增指标：%(t)s") % {"t": t},
        year=t.goal.year,
    )


@require_http_methods(["GET", "POST"])
def indicator_edit(request: HttpRequest, pk: int) -> HttpResponse:
    ind, view = queries.get_indicator_or_404(request.scope, pk)
    if not view.whole or not policy.author_indicators(request.scope, ind.task):
        raise Http404(_("不存在或无权查看。"))
    initial = {k: getattr(ind, k) for k in INDICATOR_FIELDS}
    initial |= {
        "cumulative": "1" if ind.cumulative else "0",
        "source_params": json.dumps(ind.source_params, ensure_ascii=False) if ind.source_params else "",
        "revision": ind.revision,
    }
    return _form_flow(
        request,
        IndicatorForm(request.POST or None, initial=initial),
        lambda d: actions.do_update_indicator(
            ind, revision=d["revision"], actor=request.user, scope=request.scope, **{k: d[k] for k in INDICATOR_FIELDS}
        ),
        said=lambda done: _("已保存：%(done)s") % {"done": done},
        then=lambda done: reverse("targets:indicator", args=[done.pk]),
        title=_("修改指标：%(ind)s") % {"ind": ind},
        year=ind.task.goal.year,
        extra={
            "archive_url": reverse("targets:indicator_action", args=[ind.pk, "archive"]),
            "revision": ind.revision,
            "state": ind.get_target_state_display() if ind.target_state else "",
        },
    )


@require_POST
def indicator_action(request: HttpRequest, pk: int, verb: str) -> HttpResponse:
    ind, view = queries.get_indicator_or_404(request.scope, pk)
    if not view.whole:
        raise Http404(_("不存在或无权查看。"))
    scope, actor = request.scope, request.user
    if verb in ("up", "down"):
        actions.do_move_indicator(ind, up=verb == "up", actor=actor, scope=scope)
        return redirect(_plan_url(ind.task.goal.year, f"task-{ind.task_id}"))
    if verb == "archive":
        actions.do_archive_indicator(
            ind, reason=request.POST.get("reason", ""), revision=_revision(request), actor=actor, scope=scope
        )
        messages.success(request, _("已归档指标：%(ind)s") % {"ind": ind})
        return redirect("targets:task", pk=ind.task_id)
    raise Http404(_("不存在或无权查看。"))


@require_http_methods(["GET", "POST"])
def rollover(request: HttpRequest) -> HttpResponse:
    """从上一年度结转: the structure, responsibilities, sources and weights of one year copied to the next."""
    view = _planner_view(request, request.GET.get("region"))
    year = _year(request)
    form = RolloverForm(request.POST or None, initial={"from_year": year - 1, "to_year": year})
    chosen = form.cleaned_data if form.is_valid() else {}

    def said(counts: dict) -> str:
        return (
            f"已从 {chosen['from_year']} 年结转：{counts['goals']} 个目标、{counts['tasks']} 项任务、"
            f"{counts['indicators']} 个指标。"
            + ("目标值沿用上年，请逐项确认。" if chosen["carry_targets"] else "目标值待填，请逐项填写。")
        )

    return _form_flow(
        request,
        form,
        lambda d: actions.do_roll_over_year(
            region=view.sub,
            from_year=d["from_year"],
            to_year=d["to_year"],
            carry_targets=d["carry_targets"],
            actor=request.user,
            scope=request.scope,
        ),
        said=said,
        then=lambda counts: _plan_url(chosen["to_year"]),
        title=_("从上一年度结转"),
        year=year,
        extra={
            "hint": _(
                "复制目标层级、任务、责任分工、指标的口径与数据来源、分解到的村（社区）、亮灯规则和考核权重；"
                "上一年度保持不变。每个年度只能结转一次。"
            )
        },
    )


@require_http_methods(["GET", "POST"])
def light_rule(request: HttpRequest) -> HttpResponse:
    """亮灯规则 of the subdistrict from a day on (what the lights of every indicator are judged by)."""
    view = _planner_view(request, request.GET.get("region"))
    year = _year(request)
    jan1 = datetime.date(year, 1, 1)
    rule = lights.Rule.for_region(view.sub, jan1)
    form = LightRuleForm(request.POST or None, initial={"effective_from": jan1, **rule.__dict__})
    return _form_flow(
        request,
        form,
        lambda d: actions.do_set_light_rule(region=view.sub, actor=request.user, scope=request.scope, **d),
        said=lambda done: (
            _("亮灯规则已保存，自 %(effective_from)s 起生效。")
            % {"effective_from": format(done.effective_from, "%Y-%m-%d")}
        ),
        then=lambda done: _plan_url(year),
        title=_("亮灯规则"),
        year=year,
        extra={"hint": _("每个指标的红、黄、绿灯都按这条规则判定；新的规则从生效日期起适用，此前的亮灯不变。")},
    )


def _target_year(request: HttpRequest, year: int):
    view = queries.viewpoint(request.scope, request.GET.get("region"))
    if not periods.FIRST_YEAR <= year <= periods.LAST_YEAR:
        raise Http404(_("不存在或无权查看。"))
    return importer.TargetYear(view.sub, year)


@require_POST
def import_upload(request: HttpRequest, year: int) -> HttpResponse:
    return import_views.upload(request, importer.KEY, _target_year(request, year))


@require_http_methods(["GET", "POST"])
def import_job(request: HttpRequest, year: int, pk: int) -> HttpResponse:
    return import_views.job_page(request, importer.KEY, _target_year(request, year), pk)


@require_GET
def import_rejected(request: HttpRequest, year: int, pk: int) -> HttpResponse:
    return import_views.rejected(request, importer.KEY, _target_year(request, year), pk)


@require_POST
def reminder_action(request: HttpRequest, pk: int, verb: str) -> HttpResponse:
    """已阅 or 回复 a 催办 sent to the person's village."""
    reminder = queries.get_village_reminder_or_404(request.scope, pk)
    if verb == "read":
        actions.do_read_village_reminder(reminder, actor=request.user, scope=request.scope)
        messages.success(request, _("已阅。"))
    elif verb == "answer":
        form = AnswerForm(request.POST)
        if not form.is_valid() or not run_action(
            form,
            actions.do_answer_village_reminder,
            reminder,
            answer=form.cleaned_data.get("answer", ""),
            actor=request.user,
            scope=request.scope,
        ):
            return refuse(request, " ".join(m for ms in form.errors.values() for m in ms), status=status_for(form))
        messages.success(request, _("已回复，催办人可以看到您的回复。"))
    else:
        raise Http404(_("不存在或无权查看。"))
    return redirect(f"{reverse('targets:reminders')}#reminder-{reminder.pk}")


@require_POST
def publish_ranking(request: HttpRequest) -> HttpResponse:
    """Publish the villages' ranking of a year to the villages, or take it back."""
    view = queries.viewpoint(request.scope, request.GET.get("region"))
    year = _year(request)
    scheme = RankingScheme.objects.filter(region=view.sub, year=year, subject="villages").first()
    if scheme is None or not view.whole:
        raise Http404(_("不存在或无权查看。"))
    published = request.POST.get("published") == "1"
    actions.do_publish_ranking(scheme, published=published, actor=request.user, scope=request.scope)
    messages.success(request, _("排名已向各村（社区）公开。") if published else _("排名已不再向各村（社区）公开。"))
    return redirect(f"{reverse('targets:ranking')}?year={year}")
