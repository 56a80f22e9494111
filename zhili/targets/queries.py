"""Reads for the targets pages, scoped: which subdistrict a person looks at, and which indicators they may see."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from zhili.core import clock
from zhili.people.models import Person, Unit
from zhili.people.scope import NoViewpoint, Scope, Viewpoint
from zhili.people.scope import viewpoint as scope_viewpoint
from zhili.regions import history
from zhili.regions.models import Region
from zhili.targets.engine import year_window
from zhili.targets.models import Entry, Evidence, Goal, Indicator, Reminder, Share, Task


def viewpoint(scope: Scope, code: str | None = None) -> Viewpoint:
    """The subdistrict (and village) a person's targets pages show (`zhili.people.scope.viewpoint`); targets are
    decomposed to villages and units, never to grids."""
    view = scope_viewpoint(scope, code)
    if view.grid is not None:
        raise NoViewpoint(_("目标任务分解到村（社区）和单位，不分解到网格；网格员的巡查任务在“网格事件”中。"))
    return view


def get_indicator_or_404(scope: Scope, pk: int) -> tuple[Indicator, Viewpoint]:
    """The indicator with the viewpoint it may be seen from: whole (subdistrict readers) or one village's share."""
    ind = (
        Indicator.objects.active()
        .select_related("task__goal__region", "task__lead_unit", "task__leader", "task__owner", "parent")
        .filter(pk=pk)
        .first()
    )
    if ind is None:
        raise Http404(_("不存在或无权查看。"))
    sub = ind.task.goal.region
    if scope.can_read(sub.path):
        return ind, Viewpoint(sub, None)
    # A village sees an indicator decomposed to it, or a parent whose children are (two levels down).
    family = [ind.pk, *Indicator.objects.filter(parent_id=ind.pk).values_list("pk", flat=True)]
    family += list(Indicator.objects.filter(parent_id__in=family[1:]).values_list("pk", flat=True))
    for path, region_id in (
        Share.objects.filter(indicator_id__in=family, region__isnull=False)
        .values_list("region__path", "region_id")
        .distinct()
    ):
        if scope.can_read(path):
            # a share of a village merged away is its successor's (regions/history.py): a successor's cadre,
            # who reads the predecessors' history, sees the indicator from their own village
            village = Region.objects.select_related("parent").get(pk=region_id)
            now = history.holder(village, year_window(ind.task.goal.year, clock.today()).end)
            return ind, Viewpoint(sub, now if scope.can_read(now.path) else village)
    raise Http404(_("不存在或无权查看。"))


def get_task_or_404(scope: Scope, pk: int) -> Task:
    task = (
        Task.objects.active()
        .select_related("goal__region", "leader", "lead_unit", "owner", "reported_by", "closed_by")
        .filter(pk=pk)
        .first()
    )
    if task is None or not scope.can_read(task.goal.region.path):
        # A village cadre sees a task only through the indicators decomposed to their village.
        if task is not None and any(
            scope.can_read(p)
            for p in Region.objects.filter(target_shares__indicator__task=task).values_list("path", flat=True)
        ):
            return task
        raise Http404(_("不存在或无权查看。"))
    return task


def get_entry_or_404(scope: Scope, pk: int) -> Entry:
    entry = Entry.objects.select_related("indicator__task__goal__region", "region", "unit").filter(pk=pk).first()
    if entry is None or not scope.can_read(entry.region.path):
        raise Http404(_("不存在或无权查看。"))
    return entry


def get_evidence_or_404(scope: Scope, pk: int) -> Evidence:
    """A file is seen by whoever sees the entry or the task it belongs to (404 for everyone else)."""
    ev = Evidence.objects.filter(pk=pk).first()
    if ev is None:
        raise Http404(_("不存在或无权查看。"))
    if ev.entry_id is not None:
        get_entry_or_404(scope, ev.entry_id)
    elif ev.task_id is not None:
        get_task_or_404(scope, ev.task_id)
    else:
        raise Http404(_("不存在或无权查看。"))
    return ev


# ---- authoring the year -----------------------------------------------------------------------------------


def get_goal_or_404(scope: Scope, pk: int) -> Goal:
    goal = Goal.objects.active().select_related("region").filter(pk=pk).first()
    if goal is None or not scope.can_read(goal.region.path):
        raise Http404(_("不存在或无权查看。"))
    return goal


@dataclass
class PlanNode:
    goal: Goal
    depth: int
    tasks: list[tuple[Task, list[Indicator]]] = field(default_factory=list)


def plan_tree(sub: Region, year: int) -> list[PlanNode]:
    """The year's goals depth first, each with its tasks and their indicators (active only): three queries."""
    goals = list(Goal.objects.active().filter(region=sub, year=year).order_by("order", "code", "pk"))
    tasks = list(
        Task.objects.active()
        .filter(goal__in=goals)
        .select_related("leader", "lead_unit", "owner")
        .order_by("order", "code", "pk")
    )
    inds = Indicator.objects.active().filter(task__in=tasks).order_by("order", "code", "pk")
    by_task: dict[int, list[Indicator]] = {}
    for i in inds:
        by_task.setdefault(i.task_id, []).append(i)
    by_goal: dict[int, list[tuple[Task, list[Indicator]]]] = {}
    for t in tasks:
        by_goal.setdefault(t.goal_id, []).append((t, by_task.get(t.pk, [])))
    kids: dict[int | None, list[Goal]] = {}
    for g in goals:
        kids.setdefault(g.parent_id, []).append(g)
    out: list[PlanNode] = []

    def walk(parent: int | None, depth: int) -> None:
        for g in kids.get(parent, []):
            out.append(PlanNode(g, depth, by_goal.get(g.pk, [])))
            walk(g.pk, depth + 1)

    walk(None, 0)
    return out


def people_choices(sub: Region) -> list[tuple[int, str]]:
    """The township's people, for 责任领导 and 责任人: those placed in it or in one of its offices."""
    qs = (
        Person.objects.filter(is_active=True)
        .filter(Q(region__path__startswith=sub.path) | Q(unit__region=sub))
        .select_related("unit")
        .order_by("full_name", "pk")
    )
    return [(p.pk, f"{p.full_name}（{p.unit.name if p.unit else p.title or p.username}）") for p in qs]


def unit_choices(sub: Region) -> list[tuple[int, str]]:
    return list(Unit.objects.active().filter(region=sub).order_by("code").values_list("pk", "name"))


def import_jobs(sub: Region, year: int, limit: int = 5):
    """The latest 目标责任书 imports into `sub`'s `year`."""
    from zhili.imports.models import ImportJob
    from zhili.targets.importer import KEY, TARGETS, TargetYear

    target_id = TARGETS.target_id(TargetYear(sub, year))
    return ImportJob.objects.filter(importer=KEY, target_id=target_id).order_by("-created_at")[:limit]


def get_village_reminder_or_404(scope: Scope, pk: int) -> Reminder:
    """A 催办 sent to a village, for whoever reads that village (its cadres, the subdistrict's readers)."""
    reminder = (
        Reminder.objects.filter(pk=pk, region__isnull=False)
        .select_related("region", "indicator__task__goal__region", "sender")
        .first()
    )
    if reminder is None or reminder.region is None or not scope.can_read(reminder.region.path):
        raise Http404(_("不存在或无权查看。"))
    return reminder


def village_reminders(scope: Scope, *, indicator: Indicator | None = None) -> QuerySet[Reminder]:
    """The 催办 sent to villages that this person may see — a village's cadres their village's only — newest
    first, with who sent, read and answered them (one query per page)."""
    qs = scope.filter(Reminder.objects.filter(region__isnull=False), "region__path")
    if indicator is not None:
        qs = qs.filter(indicator=indicator)
    return qs.select_related("region", "indicator", "sender", "read_by", "answered_by").order_by("-created_at", "-id")
