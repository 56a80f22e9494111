"""Reads for the targets pages, scoped: which subdistrict a person looks at, and which indicators they may see."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import Http404

from zhili.core import clock
from zhili.people.scope import Scope
from zhili.regions import history
from zhili.regions.models import Level, Region
from zhili.targets.engine import year_window
from zhili.targets.models import Entry, Indicator, Share, Task


@dataclass
class Viewpoint:
    """Where a person stands: the subdistrict, and their village when they only see one."""

    sub: Region
    village: Region | None  # set for village cadres and grid inspectors: they see their village's shares

    @property
    def whole(self) -> bool:
        return self.village is None


class NoViewpoint(Http404):
    """The person has no subdistrict or village to look at (e.g. a grid inspector: targets are not per grid)."""


def viewpoint(scope: Scope, code: str | None = None) -> Viewpoint:
    """The subdistrict (and village) a person's targets pages show. 404 if they have none."""
    if code:
        region = Region.objects.filter(code=code).select_related("parent").first()
        if region is None or not scope.can_read(region.path):
            raise Http404("不存在或无权查看。")
        if region.level == Level.SUBDISTRICT:
            return Viewpoint(region, None)
        if region.level == Level.VILLAGE:
            return Viewpoint(region.parent, region)
        raise Http404("请选择街道或村（社区）。")
    roots = list(scope.root_regions().select_related("parent").order_by("path"))
    for r in roots:
        if r.level == Level.SUBDISTRICT:
            return Viewpoint(r, None)
    for r in roots:  # a district or city leader: their first subdistrict
        if r.level < Level.SUBDISTRICT:
            sub = Region.objects.filter(path__startswith=r.path, level=Level.SUBDISTRICT).order_by("path").first()
            if sub:
                return Viewpoint(sub, None)
    # a village cadre also reads the villages merged into theirs (their history): they stand in their own village
    for r in sorted(roots, key=lambda r: r.successor_id is not None):
        if r.level == Level.VILLAGE:
            return Viewpoint(r.parent, r)
    if any(r.level == Level.GRID for r in roots):
        raise NoViewpoint("目标任务分解到村（社区）和单位，不分解到网格；网格员的巡查任务在“网格事件”中。")
    raise NoViewpoint("您的权限范围内没有街道或村（社区），没有可查看的目标任务。")


def get_indicator_or_404(scope: Scope, pk: int) -> tuple[Indicator, Viewpoint]:
    """The indicator with the viewpoint it may be seen from: whole (subdistrict readers) or one village's share."""
    ind = (
        Indicator.objects.active()
        .select_related("task__goal__region", "task__lead_unit", "task__leader", "task__owner", "parent")
        .filter(pk=pk)
        .first()
    )
    if ind is None:
        raise Http404("不存在或无权查看。")
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
    raise Http404("不存在或无权查看。")


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
        raise Http404("不存在或无权查看。")
    return task


def get_entry_or_404(scope: Scope, pk: int) -> Entry:
    entry = Entry.objects.select_related("indicator__task__goal__region", "region", "unit").filter(pk=pk).first()
    if entry is None or not scope.can_read(entry.region.path):
        raise Http404("不存在或无权查看。")
    return entry
