"""The targets' part of the home page.

To-dos: the 催办 sent to the person (about a task) or to their village (about its share, until answered), the
red, overdue and unreported shares of their village with the sentence of the light, the red and overdue
indicators of the tasks they answer for, and — for a leader — the tasks waiting for 办结销号.

Cockpit panels: the "1234" lights with the lagging items named, completion against 序时进度 month by month, the
villages furthest behind (a village's cadres: their village's rank, once the ranking is published to them), and
the answers to the 催办 the person sent (targets/cockpit.py computes them from the engine).
"""

from __future__ import annotations

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _

from zhili.core import clock
from zhili.core.home import Panel, StartStep, TodoItem, cockpit_panel, start_step, todo_source
from zhili.people import policy
from zhili.people.scope import NoViewpoint, Viewpoint, whole_subdistrict
from zhili.targets import cockpit, engine, lights, queries
from zhili.targets.models import Indicator, Reminder, Task, TaskStatus


def _viewpoint(request) -> Viewpoint | None:
    """Where the person's targets stand (None: nowhere — no roles, or a grid inspector), once per request."""
    if "_targets_view" not in request.__dict__:
        try:
            request._targets_view = queries.viewpoint(request.scope) if not request.scope.is_empty else None
        except NoViewpoint:
            request._targets_view = None
    return request._targets_view


@todo_source
def target_todos(request) -> list[TodoItem]:
    user = request.user
    scope = request.scope
    reminders_url = reverse("targets:reminders")
    items: list[TodoItem] = []
    for r in Reminder.objects.filter(to=user, read_at__isnull=True).select_related("task", "sender"):
        items.append(
            TodoItem(
                title=f"{r.task.title}：{r.message}",
                url=reverse("targets:task", args=[r.task_id]),
                kind=_("催办"),
                detail=_("%(sender)s 催办") % {"sender": r.sender},
                light=lights.RED,
            )
        )
    if scope.cadre_paths:
        village_reminders = Reminder.objects.filter(answered_at__isnull=True, region__isnull=False).filter(
            scope.q("region__path", access="write")
        )
        for r in village_reminders.select_related("indicator", "sender", "region").order_by("created_at", "id"):
            if not policy.answer_village_reminder(scope, r):
                continue
            items.append(
                TodoItem(
                    title=f"{r.indicator.name}：{r.message}",
                    url=f"{reminders_url}#reminder-{r.pk}",
                    kind=_("催办"),
                    detail=_("%(sender)s 催办%(village)s，请回复") % {"sender": r.sender, "village": r.region.name},
                    light=lights.RED,
                    more_url=reminders_url,
                )
            )
    view = _viewpoint(request)
    today = clock.today()
    if view is not None and view.village is not None and scope.can_write(view.village.path):
        items += _village_todos(request, view, today)
    if view is not None and view.whole and policy.lead_subdistrict(scope, view.sub):
        for t in cockpit.awaiting_closure(view.sub, today.year):
            items.append(
                TodoItem(
                    title=t.title,
                    url=reverse("targets:task", args=[t.pk]),
                    kind=_("待销号"),
                    detail=_("%(who)s 已报告办结，请确认销号") % {"who": t.lead_unit or t.reported_by},
                )
            )
    items += _task_todos(user, today)
    return items


def _village_todos(request, view: Viewpoint, today) -> list[TodoItem]:
    """The village's red, overdue and unreported shares, each with the sentence of its light."""
    assert view.village is not None
    board = cockpit.board_for(request, view.sub, today.year, today, view.village)
    more = reverse("targets:board")
    items = []
    for lag in cockpit.light_summary(board).lagging:
        if lag.cell.light.state not in (lights.RED, lights.OVERDUE):
            continue
        items.append(
            TodoItem(
                title=lag.indicator.name,
                url=reverse("targets:indicator", args=[lag.indicator.pk]),
                kind=lag.cell.light.label,
                due=f"{lag.indicator.due:%Y-%m-%d}",
                light=lag.cell.light.state,
                detail=lag.cell.light.explain(),
                more_url=more,
            )
        )
    for ind, period in cockpit.unreported(board):
        items.append(
            TodoItem(
                title=ind.name,
                url=reverse("targets:indicator", args=[ind.pk]) + "#report",
                kind=_("未填报"),
                light=lights.YELLOW,
                detail=_("%(period)s的进度尚未填报。") % {"period": period},
                more_url=more,
            )
        )
    return items


def _task_todos(user, today) -> list[TodoItem]:
    """Red and overdue indicators of the open tasks this person answers for (owner or responsible leader)."""
    items: list[TodoItem] = []
    tasks = list(
        Task.objects.active()
        .filter(status=TaskStatus.OPEN, goal__year=today.year)
        .filter(Q(owner=user) | Q(leader=user))
        .select_related("goal__region")
    )
    if not tasks:
        return items
    subs = {t.goal.region for t in tasks}
    for sub in subs:
        mine = {t.pk: t for t in tasks if t.goal.region_id == sub.pk}
        indicators = list(Indicator.objects.active().filter(task_id__in=mine))
        for ind in indicators:
            ind.task = mine[ind.task_id]
        computed = engine.compute(sub, today.year, today, [], whole=True, indicators=indicators)
        for ind in indicators:
            cell = computed.whole.get(ind.pk)
            if cell and cell.light.state in (lights.RED, lights.OVERDUE):
                items.append(
                    TodoItem(
                        title=f"{ind.name}（{ind.task.title}）",
                        kind=cell.light.label,
                        url=reverse("targets:indicator", args=[ind.pk]),
                        due=f"{ind.due:%Y-%m-%d}",
                        light=cell.light.state,
                        detail=cell.light.explain(),
                    )
                )
    return items


# ---- the cockpit's panels --------------------------------------------------------------------------


@cockpit_panel
def lights_panel(request) -> Panel | None:
    """The "1234" lights with the lagging items named, and completion against 序时进度 by month."""
    view = _viewpoint(request)
    if view is None:
        return None
    scope = request.scope
    today = clock.today()
    board = cockpit.board_for(request, view.sub, today.year, today, view.village)
    units = None
    if view.whole and scope.units and not scope.can_lead(view.sub.path):
        units = frozenset(scope.units)  # an office: the indicators of its tasks and its shares
    summary = cockpit.light_summary(board, units=units)
    if summary.total == 0:
        return None
    return Panel(
        10,
        "targets/_cockpit_lights.html",
        {
            "summary": summary,
            "labels": lights.LABELS,
            "view": view,
            "office": units is not None,
            "shown": summary.lagging[: cockpit.SHOWN],
            "hidden": max(len(summary.lagging) - cockpit.SHOWN, 0),
            "trend": cockpit.trend(view.sub, today.year, today, board.computed.indicators, village=view.village),
        },
    )


@cockpit_panel
def ranking_panel(request) -> Panel | None:
    """A leader's and reader's villages furthest behind; a village's own rank, when published to it."""
    view = _viewpoint(request)
    if view is None:
        return None
    today = clock.today()
    scheme = cockpit.ranking_scheme(view.sub, today.year)
    if scheme is None or not policy.see_ranking(request.scope, scheme):
        return None
    if view.village is None:
        # the page's board (built once, shared with the lights panel) has read the villages the ranking ranks
        board = cockpit.board_for(request, view.sub, today.year, today, None)
        scheme, behind, total = cockpit.furthest_behind(view.sub, today.year, today, villages=board.computed.everyone)
        return Panel(20, "targets/_cockpit_ranking.html", {"scheme": scheme, "behind": behind, "total": total})
    scheme, mine, total = cockpit.village_rank(view.sub, today.year, today, view.village)
    return Panel(20, "targets/_cockpit_rank.html", {"scheme": scheme, "mine": mine, "total": total, "view": view})


@cockpit_panel
def reminders_panel(request) -> Panel | None:
    """The answers to the 催办 this person sent to villages."""
    view = _viewpoint(request)
    if view is None or not view.whole:
        return None
    sent = cockpit.sent_reminders(request.scope, request.user.pk, clock.today().year)
    if sent.total == 0:
        return None
    return Panel(40, "targets/_cockpit_reminders.html", {"sent": sent})


@start_step
def year_step(request) -> StartStep | None:
    """开始使用: this year's goals, tasks and indicators — built by hand, from the 目标责任书 or from last year."""
    sub = whole_subdistrict(request)
    if sub is None or not policy.plan_targets(request.scope, sub):
        return None
    year = clock.today().year
    n = Indicator.objects.active().filter(task__goal__region=sub, task__goal__year=year).count()
    return StartStep(
        30,
        _("%(year)s 年指标 %(n)s 个") % {"year": year, "n": n}
        if n
        else _("编制 %(year)s 年度目标：导入目标责任书，或逐项编制、从上一年度结转") % {"year": year},
        done=bool(n),
        url=f"{reverse('targets:board' if n else 'targets:plan')}?year={year}",
        detail=""
        if n
        else _("目标层级、任务、指标、责任单位和分解到村的目标值，可以直接用现有的目标责任书（Excel）。"),
    )
