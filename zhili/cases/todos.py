"""The cases' part of the home page.

To-dos: what waits for this person (to accept, dispatch, handle, verify, close, approve), counted by kind in the
database — who may take which step asked of every open case at once (queries.taker_q, the rules flow.available
asks of one case) — and the most urgent few of each kind read as items, oldest deadline first: the home page shows
those with the kind's count and a link to the list. Two queries whatever the number of cases.

Cockpit panel: this week's cases — new, closed, overdue — against last week's, and the last twelve weeks drawn
(one query: conditional counts over the cases the person sees; an office's, the cases dispatched to it).
"""

from __future__ import annotations

import datetime
from collections import Counter
from typing import Any

from django.db.models import Case as DbCase
from django.db.models import CharField, Count, F, Q, QuerySet, Value, When, Window
from django.db.models.functions import RowNumber
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhili.cases import flow
from zhili.cases.models import Case, State
from zhili.cases.queries import OPEN_STATES, light, rules_by_subdistrict, taker_q, visible
from zhili.core import charts, clock
from zhili.core.home import (
    SHOWN_PER_KIND,
    Panel,
    QuickAction,
    TodoItem,
    cockpit_panel,
    quick_action,
    todo_source,
)
from zhili.people import policy
from zhili.people.scope import NoViewpoint, viewpoint

KIND = {
    "accept": gettext_lazy("待受理"),
    "file": gettext_lazy("待立案"),
    "dispatch": gettext_lazy("待派遣"),
    "handle": gettext_lazy("待处置"),
    "feedback": gettext_lazy("待反馈"),
    "verify": gettext_lazy("待核查"),
    "close": gettext_lazy("待结案"),
    "approve_extension": gettext_lazy("延期待批"),
}


# the case list's filter that holds every case of a kind
KIND_STATE = {
    "accept": "reported",
    "file": "accepted",
    "dispatch": "filed",
    "handle": "dispatched",
    "feedback": "handled",
    "verify": "feedback",
    "close": "verified",
    "approve_extension": "open",
}


@quick_action
def report_button(request) -> QuickAction | None:
    """上报问题, one tap from home, for whoever may report somewhere (an inspector, a village's cadres, offices)."""
    scope = request.scope
    if not policy.report_somewhere(scope):
        return None
    try:
        viewpoint(scope, tips=True)
    except NoViewpoint:
        return None
    return QuickAction(10, _("上报问题"), reverse("cases:report"), "report")


@todo_source
def case_todos(request) -> list[TodoItem]:
    """Every case waiting for this person, counted by kind in the database, and the most urgent few of each kind
    (`SHOWN_PER_KIND`, the home page shows no more) as items, each kind's total beside them: one query, and the
    rules and the clock read, whatever the number of cases (a city's subdistrict leader has thousands)."""
    scope = request.scope
    if scope.is_empty and not scope.tip_paths:
        return []
    if not (scope.is_superuser or scope.write_paths or scope.units or scope.lead_paths or scope.tip_paths):
        return []  # a viewer or an administrator takes no step of a case: no need to read a city's open cases
    by_kind = F("todo")
    urgent: list[Any] = list(  # Cases, annotated with their `todo`
        waiting(scope)
        .annotate(
            todo_rank=Window(RowNumber(), partition_by=by_kind, order_by=[F("step_deadline").asc(), F("id").asc()]),
            todo_total=Window(Count("id"), partition_by=by_kind),
        )
        .filter(todo_rank__lte=SHOWN_PER_KIND)
        .select_related("category")
        .only(*SHOWN_FIELDS)
        .order_by("step_deadline", "id")
    )
    rules = rules_by_subdistrict(c.subdistrict_id for c in urgent)
    now = clock.now()
    items = []
    for case in urgent:
        items.append(
            TodoItem(
                title=f"{case.number} {case.category.name}：{case.description[:30]}",
                url=reverse("cases:detail", args=[case.pk]),
                kind=str(KIND[case.todo]),
                due=f"{timezone.localtime(case.step_deadline):%m-%d %H:%M}" if case.step_deadline else "",
                light=light(case, rules[case.subdistrict_id], now).color,
                more_url=_more_url(case.todo),
            )
        )
    shown = Counter(case.todo for case in urgent)
    totals = {case.todo: case.todo_total for case in urgent}  # each kind's total, on each of its rows
    for action, n in totals.items():
        items.extend(_rest(action, n - shown[action]))
    return items


SHOWN_FIELDS = (
    "id",
    "number",
    "description",
    "state",
    "subdistrict_id",
    "step_started_at",
    "step_deadline",
    "category__name",
)


def waiting(scope) -> QuerySet[Case]:
    """The open cases waiting for this person, each annotated `todo`: the step of KIND they would take on it —
    the first one `flow.available(case, scope)` offers, asked of every row in the database (queries.taker_q)."""
    kind = DbCase(
        *[
            When(Q(state__in=[s for s in step.sources if s in OPEN_STATES]) & taker_q(step.who, scope), then=Value(a))
            for a, step in flow.STEPS.items()  # the steps' order: 处置 before 批准延期, as available() offers them
            if a in KIND
        ],
        default=Value(""),
        output_field=CharField(),
    )
    return visible(scope).filter(state__in=OPEN_STATES).annotate(todo=kind).exclude(todo="")


def _more_url(action: str) -> str:
    return f"{reverse('cases:list')}?state={KIND_STATE[action]}"


def _rest(action: str, n: int) -> list[TodoItem]:
    """The kind's to-dos beyond the most urgent few: counted, not read — one item standing for them all
    (core/home.TodoItem.stands_for), never listed, counted into the kind's total and "还有 N 项，查看全部"."""
    if n <= 0:
        return []
    more = _more_url(action)
    kind = str(KIND[action])
    return [TodoItem(title=kind, url=more, kind=kind, more_url=more, stands_for=n)]


WEEKS = 12


@cockpit_panel
def cases_panel(request) -> Panel | None:
    scope = request.scope
    if scope.is_empty:
        return None
    try:
        view = viewpoint(scope)
    except NoViewpoint:
        return None
    qs = visible(scope).filter(subdistrict=view.sub).exclude(state=State.MERGED)
    office = bool(scope.units) and not scope.can_lead(view.sub.path) and view.whole
    if office:
        qs = qs.filter(unit_id__in=list(scope.units))
    now = clock.now()
    today = now.date()
    monday = today - datetime.timedelta(days=today.weekday())
    starts = [monday - datetime.timedelta(weeks=k) for k in range(WEEKS - 1, -1, -1)]
    figures: dict[str, Count] = {}
    for i, start in enumerate(starts):
        a = _midnight(start)
        b = min(_midnight(start + datetime.timedelta(days=7)), now)
        figures[f"new{i}"] = Count("id", filter=Q(reported_at__gte=a, reported_at__lt=b))
        figures[f"closed{i}"] = Count("id", filter=Q(closed_at__gte=a, closed_at__lt=b))
        figures[f"overdue{i}"] = Count(
            "id",
            filter=Q(deadline__gte=a, deadline__lt=b) & (Q(handled_at__isnull=True) | Q(handled_at__gt=F("deadline"))),
        )
    got = qs.aggregate(**figures)
    week = {k: [got[f"{k}{i}"] for i in range(WEEKS)] for k in ("new", "closed", "overdue")}
    labels = [f"{s:%m-%d}" for s in starts]
    chart = charts.bar_chart(
        _("每周事件（近 %(n)s 周）") % {"n": WEEKS},
        labels,
        [
            charts.Series(_("新上报"), week["new"], "new"),
            charts.Series(_("结案"), week["closed"], "closed"),
            charts.Series(_("超期未处置"), week["overdue"], "overdue"),
        ],
    )
    cases_url = reverse("cases:list")
    rows = [
        (_("新上报"), week["new"][-1], week["new"][-2], f"{cases_url}?since={monday:%Y-%m-%d}"),
        (_("结案"), week["closed"][-1], week["closed"][-2], f"{cases_url}?state=closed"),
        (_("超期未处置"), week["overdue"][-1], week["overdue"][-2], f"{cases_url}?state=late"),
    ]
    return Panel(
        30,
        "cases/_cockpit_cases.html",
        {"rows": rows, "chart": chart, "monday": monday, "today": today, "office": office},
    )


def _midnight(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(), tzinfo=timezone.get_current_timezone())
