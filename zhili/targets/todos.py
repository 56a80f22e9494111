"""催办 on the home page: red and overdue indicators of the tasks a person answers for, and explicit reminders."""

from __future__ import annotations

from django.urls import reverse

from zhili.core import clock
from zhili.core.home import TodoItem, todo_source
from zhili.targets import engine, lights
from zhili.targets.models import Indicator, Reminder, Task, TaskStatus


@todo_source
def target_todos(request) -> list[TodoItem]:
    user = request.user
    items: list[TodoItem] = []
    for r in Reminder.objects.filter(to=user, read_at__isnull=True).select_related("task", "sender")[:20]:
        items.append(
            TodoItem(
                title=f"{r.task.title}：{r.message}",
                url=reverse("targets:task", args=[r.task_id]),
                kind=f"催办（{r.sender}）",
                light=lights.RED,
            )
        )
    today = clock.today()
    tasks = list(
        Task.objects.active()
        .filter(status=TaskStatus.OPEN, goal__year=today.year)
        .filter(models_q(user))
        .select_related("goal__region")[:50]
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
                    )
                )
    return items


def models_q(user):
    from django.db.models import Q

    return Q(owner=user) | Q(leader=user)
