"""The cases' section of the home page: what waits for this person (to accept, dispatch, handle, verify,
close, approve), oldest deadline first."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from zhili.cases import flow
from zhili.cases.queries import OPEN_STATES, light, rules_by_subdistrict, visible, with_pending_extension
from zhili.core import clock
from zhili.core.home import TodoItem, todo_source

KIND = {
    "accept": "待受理",
    "file": "待立案",
    "dispatch": "待派遣",
    "handle": "待处置",
    "feedback": "待反馈",
    "verify": "待核查",
    "close": "待结案",
    "approve_extension": "延期待批",
}


@todo_source
def case_todos(request) -> list[TodoItem]:
    scope = request.scope
    if scope.is_empty and not scope.tip_paths:
        return []
    cases = list(
        with_pending_extension(visible(scope).filter(state__in=OPEN_STATES))
        .select_related("category", "subdistrict", "assignee_region", "region")
        .order_by("step_deadline")[:200]
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
            )
        )
        if len(items) >= 30:
            break
    return items
