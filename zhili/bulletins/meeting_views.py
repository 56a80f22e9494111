"""The review meetings' pages, under /bulletins/meetings/: the meetings, a meeting (its agenda, its decisions with
their lights), the new meeting and new decision forms, the 督办 items (filterable; a village's cadres see only
their village's) and an item with its 办结 / 销号 / 退回 forms as the rights allow. Each view parses
(meeting_forms.py), fetches through scope (404 outside), calls a query or an action (meetings.py) and renders; a
refusal escapes to ErrorMiddleware, a bad value or a stale form re-shows the page with its sentence (400, 409)."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from zhili.bulletins import meeting_queries as mq
from zhili.bulletins import meetings
from zhili.bulletins.meeting_forms import (
    CloseForm,
    DecisionFilter,
    DecisionForm,
    MeetingForm,
    ReportForm,
    ReturnForm,
    errors_of,
)
from zhili.bulletins.models import Decision, DecisionStatus
from zhili.core import clock
from zhili.core.errors import Conflict, Invalid, NotFound, Refused, require
from zhili.people import policy
from zhili.people.models import Unit
from zhili.people.scope import NoViewpoint, Viewpoint, viewpoint
from zhili.regions.models import Region


def _view(request: HttpRequest) -> Viewpoint:
    try:
        return viewpoint(request.scope)
    except NoViewpoint:
        raise NotFound(_("您的权限范围内没有街道或村（社区）。")) from None


def _whole_sub(request: HttpRequest) -> Region:
    """The subdistrict, for those who read it whole (a meeting's agenda names every village)."""
    view = _view(request)
    if not request.scope.can_read(view.sub.path):
        raise NotFound(_("不存在或无权查看。"))
    return view.sub


def _submit(form, save) -> tuple[object | None, list[str], int]:
    if not form.is_valid():
        return None, errors_of(form), 400
    try:
        return save(form), [], 200
    except Refused:
        raise
    except Conflict as exc:
        return None, exc.messages, 409
    except Invalid as exc:
        return None, exc.messages, 400


# ---- meetings ----------------------------------------------------------------------------------------------------


@require_GET
def meeting_list(request: HttpRequest) -> HttpResponse:
    sub = _whole_sub(request)
    setup = mq.setup_of(sub)
    return render(
        request,
        "bulletins/meeting_list.html",
        {
            "sub": sub,
            "meetings": mq.meetings_of(request.scope, sub),
            "can_hold": policy.hold_review_meeting(request.scope, setup),
        },
    )


def _week_choices(sub: Region, today: datetime.date) -> tuple[list[tuple[str, str]], str]:
    """The weeks a meeting may review — this year's weeks that have ended, latest first, those with a published
    bulletin marked — and the default: the last published."""
    published = set(mq.published_weeks(sub))
    last_ended = today - datetime.timedelta(days=today.isoweekday())
    weeks, day = [], last_ended
    while day.year == last_ended.year and len(weeks) < 60:
        weeks.append(mq.week_of(day))
        day -= datetime.timedelta(days=7)
    for w in published:
        if w not in weeks:
            weeks.append(w)
    weeks.sort(reverse=True)
    choices = [(w, _("%(week)s（通报已发布）") % {"week": w} if w in published else w) for w in weeks]
    default = max(published) if published else (weeks[0] if weeks else "")
    return choices, default


@require_http_methods(["GET", "POST"])
def meeting_new(request: HttpRequest) -> HttpResponse:
    sub = _whole_sub(request)
    setup = mq.setup_of(sub)
    require(policy.hold_review_meeting(request.scope, setup), _("只有街道领导和通报牵头科室可以记录点评会。"))
    today = clock.today()
    weeks, default = _week_choices(sub, today)
    if request.method == "POST":
        form = MeetingForm(request.POST, weeks=weeks)

        def save(form):
            d = form.cleaned_data
            return meetings.do_hold_meeting(
                setup,
                week=d["week"],
                held_on=d["held_on"],
                title=d["title"],
                notes=d["notes"],
                actor=request.user,
                scope=request.scope,
            )

        saved, problems, status = _submit(form, save)
        if saved is not None:
            if saved.agenda:
                messages.success(request, _("已记录点评会，议程取自该周通报。"))
            else:
                messages.warning(request, _("已记录点评会。该周没有已发布的通报，议程为空。"))
            return redirect("bulletins:meeting", pk=saved.pk)
    else:
        form, problems, status = MeetingForm(initial={"week": default, "held_on": today}, weeks=weeks), [], 200
    return render(
        request, "bulletins/meeting_form.html", {"sub": sub, "form": form, "problems": problems}, status=status
    )


@require_GET
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = mq.get_meeting_or_404(request.scope, pk)
    setup = mq.setup_of(meeting.region)
    today = clock.today()
    rows = [(d, mq.light_of(d, today)) for d in mq.decisions(request.scope, meeting.region, meeting=meeting)]
    return render(
        request,
        "bulletins/meeting.html",
        {
            "meeting": meeting,
            "agenda": mq.agenda_groups(meeting.agenda or []),
            "rows": rows,
            "published": mq.published_snapshot(meeting.region, meeting.week) is not None,
            "can_hold": policy.hold_review_meeting(request.scope, setup),
        },
    )


def _owner(value: str, units: list[Unit], villages: list[Region]) -> tuple[Unit | None, Region | None]:
    kind, _sep, key = (value or "").partition(":")
    if kind == "unit":
        unit = next((u for u in units if str(u.pk) == key), None)
        if unit is not None:
            return unit, None
    if kind == "village":
        village = next((v for v in villages if str(v.pk) == key), None)
        if village is not None:
            return None, village
    raise Invalid(_("请选择责任单位：本街道的一个科室或一个村（社区）。"))


@require_http_methods(["GET", "POST"])
def decision_new(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = mq.get_meeting_or_404(request.scope, pk)
    sub = meeting.region
    require(
        policy.hold_review_meeting(request.scope, mq.setup_of(sub)),
        _("只有街道领导和通报牵头科室可以议定督办事项。"),
    )
    units, villages = mq.owners(sub)
    indicators = list(mq.year_indicators(sub, meeting.held_on.year))
    kwargs = {"units": units, "villages": villages, "indicators": indicators}
    if request.method == "POST":
        form = DecisionForm(request.POST, **kwargs)

        def save(form):
            from zhili.cases.queries import visible
            from zhili.targets.models import Indicator

            d = form.cleaned_data
            unit, village = _owner(d["owner"], units, villages)
            indicator = None
            if d["indicator"]:
                indicator = next((i for i in indicators if str(i.pk) == d["indicator"]), None)
                if indicator is None:
                    raise Invalid(_("请从列表中选择相关指标。"))
            elif d["indicator_code"].strip():
                code = d["indicator_code"].strip()
                indicator = (
                    Indicator.objects.filter(task__goal__region=sub, task__goal__year=meeting.held_on.year, code=code)
                    .select_related("task__goal__region")
                    .first()
                )
                if indicator is None:
                    raise Invalid(_("没有编号为“%(code)s”的本年度指标。") % {"code": code})
            if indicator is not None:
                indicator = Indicator.objects.select_related("task__goal__region").get(pk=indicator.pk)
            case = None
            if d["case_number"].strip():
                number = d["case_number"].strip()
                case = visible(request.scope).filter(number=number).first()
                if case is None:
                    raise Invalid(_("没有编号为“%(n)s”的、您能查看的事件。") % {"n": number})
            return meetings.do_add_decision(
                meeting,
                text=d["text"],
                unit=unit,
                village=village,
                deadline=d["deadline"],
                indicator=indicator,
                case=case,
                actor=request.user,
                scope=request.scope,
            )

        saved, problems, status = _submit(form, save)
        if saved is not None:
            messages.success(request, _("已议定督办事项。"))
            return redirect("bulletins:meeting", pk=meeting.pk)
    else:
        initial = {"deadline": meeting.held_on + datetime.timedelta(days=7)}
        form, problems, status = DecisionForm(initial=initial, **kwargs), [], 200
    return render(
        request,
        "bulletins/decision_form.html",
        {"meeting": meeting, "form": form, "problems": problems},
        status=status,
    )


# ---- decisions ---------------------------------------------------------------------------------------------------


@require_GET
def decision_list(request: HttpRequest) -> HttpResponse:
    view = _view(request)
    sub = view.sub
    form = DecisionFilter(request.GET)
    if not form.is_valid():
        raise Invalid(errors_of(form))
    d = form.cleaned_data
    units, villages = mq.owners(sub) if request.scope.can_read(sub.path) else ([], [])
    unit = village = None
    if d["owner"]:
        try:
            unit, village = _owner(d["owner"], units, villages)
        except Invalid:
            raise NotFound(_("不存在或无权查看。")) from None
    today = clock.today()
    rows = [
        (x, mq.light_of(x, today))
        for x in mq.decisions(request.scope, sub, status=d["status"], unit=unit, village=village, mine=d["mine"])
    ]
    return render(
        request,
        "bulletins/decision_list.html",
        {
            "sub": sub,
            "rows": rows,
            "form": form,
            "unit_options": [(f"unit:{u.pk}", u.name) for u in units],
            "village_options": [(f"village:{v.pk}", v.name) for v in villages],
            "statuses": DecisionStatus.choices,
            "q": d,
            "whole": request.scope.can_read(sub.path),
        },
    )


def _decision_page(request, decision: Decision, *, problems=(), status=200, forms=None) -> HttpResponse:
    scope = request.scope
    can_report = decision.status == DecisionStatus.OPEN and policy.report_decision(scope, decision)
    can_decide = decision.status == DecisionStatus.REPORTED and policy.close_decision(scope, decision)
    forms = forms or {}
    return render(
        request,
        "bulletins/decision.html",
        {
            "decision": decision,
            "meeting": decision.meeting,
            "owner": meetings.owner_name(decision),
            "light": mq.light_of(decision, clock.today()),
            "can_read_meeting": scope.can_read(decision.meeting.region.path),
            "can_report": can_report,
            "can_close": can_decide and (decision.reported_by_id != request.user.pk or scope.is_superuser),
            "can_return": can_decide,
            "report_form": forms.get("report") or ReportForm(initial={"revision": decision.revision}),
            "close_form": CloseForm(initial={"revision": decision.revision}),
            "return_form": forms.get("return") or ReturnForm(initial={"revision": decision.revision}),
            "returned_because": mq.last_return_reason(decision) if decision.status == DecisionStatus.OPEN else "",
            "problems": problems,
        },
        status=status,
    )


@require_GET
def decision_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _decision_page(request, mq.get_decision_or_404(request.scope, pk))


def _decide(request, pk: int, form_class, key: str, act, done: str) -> HttpResponse:
    decision = mq.get_decision_or_404(request.scope, pk)
    form = form_class(request.POST)
    saved, problems, status = _submit(form, lambda f: act(decision, f.cleaned_data))
    if saved is not None:
        messages.success(request, done)
        return redirect("bulletins:decision", pk=decision.pk)
    return _decision_page(
        request, mq.get_decision_or_404(request.scope, pk), problems=problems, status=status, forms={key: form}
    )


@require_POST
def decision_report(request: HttpRequest, pk: int) -> HttpResponse:
    return _decide(
        request,
        pk,
        ReportForm,
        "report",
        lambda x, d: meetings.do_report_decision(
            x, report=d["report"], actor=request.user, scope=request.scope, revision=d["revision"]
        ),
        _("已报告办结，等待领导销号。"),
    )


@require_POST
def decision_close(request: HttpRequest, pk: int) -> HttpResponse:
    return _decide(
        request,
        pk,
        CloseForm,
        "close",
        lambda x, d: meetings.do_close_decision(x, actor=request.user, scope=request.scope, revision=d["revision"]),
        _("已销号。"),
    )


@require_POST
def decision_return(request: HttpRequest, pk: int) -> HttpResponse:
    return _decide(
        request,
        pk,
        ReturnForm,
        "return",
        lambda x, d: meetings.do_return_decision(
            x, reason=d["reason"], actor=request.user, scope=request.scope, revision=d["revision"]
        ),
        _("已退回重办。"),
    )
