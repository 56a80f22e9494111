"""The review meetings' 督办 items on the home page: an owner (an office's officers, a village's cadres) sees his
items still 督办中, overdue first; a leader sees the items reported done and waiting for his 销号 (not those he
reported himself). Two queries at most. Importing `meetings` here names its actions for the audit log."""

from __future__ import annotations

from django.db.models import Q
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhili.bulletins import meeting_queries as mq
from zhili.bulletins import meetings  # also names the meetings' actions for the audit log
from zhili.bulletins.models import Decision, DecisionStatus
from zhili.core import clock
from zhili.core.home import TodoItem, todo_source
from zhili.regions.models import path_prefix_q

OWNED = gettext_lazy("点评会督办")
WAITING = gettext_lazy("督办待销号")


def _url(**params) -> str:
    return f"{reverse('bulletins:decisions')}?{urlencode(params)}"


@todo_source
def decision_todos(request) -> list[TodoItem]:
    scope = request.scope
    if scope.is_empty:
        return []
    today = clock.today()
    items: list[TodoItem] = []
    owned = mq.owned_by(scope)
    if scope.units or scope.cadre_paths:
        rows = (
            Decision.objects.filter(owned, status=DecisionStatus.OPEN)
            .select_related("unit", "village")
            .order_by("deadline", "pk")
        )
        more = _url(status=DecisionStatus.OPEN, mine="on") if scope.units else _url(status=DecisionStatus.OPEN)
        for d in rows:  # by deadline: the overdue come first
            light = mq.light_of(d, today)
            items.append(
                TodoItem(
                    title=d.text,
                    url=reverse("bulletins:decision", args=[d.pk]),
                    kind=str(OWNED),
                    due=d.deadline.isoformat(),
                    light="red" if light.state in ("overdue", "red") else light.state,
                    more_url=more,
                    detail=light.explain(),
                )
            )
    if scope.lead_paths:
        lead = Q(pk__in=[])
        for path in scope.lead_paths:
            lead |= path_prefix_q("meeting__region__path", path)
        waiting = (
            Decision.objects.filter(lead, status=DecisionStatus.REPORTED)
            .exclude(reported_by=request.user)
            .select_related("unit", "village")
            .order_by("reported_at", "pk")
        )
        for d in waiting:
            items.append(
                TodoItem(
                    title=d.text,
                    url=reverse("bulletins:decision", args=[d.pk]),
                    kind=str(WAITING),
                    due=d.deadline.isoformat(),
                    more_url=_url(status=DecisionStatus.REPORTED),
                    detail=_("%(owner)s已报办结：%(report)s") % {"owner": meetings.owner_name(d), "report": d.report},
                )
            )
    return items
