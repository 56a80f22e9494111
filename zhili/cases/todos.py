"""The cases' part of the home page.

To-dos: what waits for this person (to accept, dispatch, handle, verify, close, approve), oldest deadline first —
every one of them (the home page shows the first few of each kind, with the kind's count and a link to the list).

Cockpit panel: this week's cases — new, closed, overdue — against last week's, and the last twelve weeks drawn
(one query: conditional counts over the cases the person sees; an office's, the cases dispatched to it).
"""

from __future__ import annotations

import datetime

from django.db.models import Count, F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhili.cases import flow
from zhili.cases.models import State
from zhili.cases.queries import OPEN_STATES, light, rules_by_subdistrict, visible, with_pending_extension
from zhili.core import charts, clock
from zhili.core.home import Panel, QuickAction, TodoItem, cockpit_panel, quick_action, todo_source
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
    scope = request.scope
    if scope.is_empty and not scope.tip_paths:
        return []
    if not (scope.is_superuser or scope.write_paths or scope.units or scope.lead_paths or scope.tip_paths):
        return []  # a viewer or an administrator takes no step of a case: no need to read a city's open cases
    cases = list(
        with_pending_extension(visible(scope).filter(state__in=OPEN_STATES))
        # the case rule beside its subdistrict: who dispatches (its centre's unit) is asked of every case
        .select_related("category", "subdistrict__case_rule", "assignee_region", "region")
        .order_by("step_deadline")
    )
    rules = rules_by_subdistrict(c.subdistrict_id for c in cases)
    now = clock.now()
    items = []
    for case in cases:
        mine = [a for a in flow.available(case, scope) if a in KIND]
        if not mine:
            continue
        lit = light(case, rules[case.subdistrict_id], now)
        items.append(
            TodoItem(
                title=f"{case.number} {case.category.name}：{case.description[:30]}",
                url=reverse("cases:detail", args=[case.pk]),
                kind=KIND[mine[0]],
                due=f"{timezone.localtime(case.step_deadline):%m-%d %H:%M}" if case.step_deadline else "",
                light=lit.color,
                more_url=f"{reverse('cases:list')}?state={KIND_STATE[mine[0]]}",
            )
        )
    return items


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
