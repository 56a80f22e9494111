"""The targets' part of the cockpit (the home page of those who lead or follow a subdistrict, an office or a
village): the "1234" lights with the lagging items named, the month-by-month completion against 序时进度, the
villages furthest behind, what waits for a leader's 销号, and the answers to the 催办 a person sent.

Every figure comes from the engine (engine.build_board, engine.compute, ranking.rank), never computed a second
way. The number of queries is fixed whatever the size of the data: one board, one ranking, and one compute per
month of the trend (at most twelve), kept in the cache until anything is written (every write is audited, so the
audit log's newest entry is the cache's key).
"""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass
from decimal import Decimal

from django.core.cache import cache
from django.db.models import Count, Q
from django.utils.translation import gettext as _

from zhili.core import charts
from zhili.core.models import AuditEntry
from zhili.people.scope import Scope
from zhili.regions import history
from zhili.regions.models import Region
from zhili.targets import engine, lights, periods, ranking
from zhili.targets.models import Entry, Indicator, RankingScheme, Reminder, SourceKind, Task, TaskStatus

SHOWN = 5  # items of a list shown on the home page; the rest is counted and linked


@dataclass
class Lagging:
    indicator: Indicator
    cell: engine.Cell


@dataclass
class LightSummary:
    counts: dict[str, int]
    total: int
    lagging: list[Lagging]  # overdue and red first, then yellow, each group by its completion

    @property
    def red_or_overdue(self) -> int:
        return self.counts.get(lights.OVERDUE, 0) + self.counts.get(lights.RED, 0)


def light_summary(board: engine.Board, *, units: frozenset[int] | None = None) -> LightSummary:
    """The board's lights counted, and its lagging indicators (overdue, red, yellow) named, worst first; for an
    office (`units`), only the indicators of the tasks it leads or the shares it holds."""
    cells: list[tuple[Indicator, engine.Cell]] = []
    for ind in board.computed.indicators:
        cell = (
            board.computed.whole.get(ind.pk)
            if board.village is None
            else board.computed.village.get((ind.pk, board.village.pk))
        )
        if units is not None:
            own = [c for (i, u), c in board.computed.unit.items() if i == ind.pk and u in units]
            if ind.task.lead_unit_id not in units and not own:
                continue
            if ind.task.lead_unit_id not in units:
                cell = own[0]
        if cell is not None:
            cells.append((ind, cell))
    counts = dict.fromkeys(lights.LABELS, 0)
    for _ind, cell in cells:
        counts[cell.light.state] += 1
    behind = [
        Lagging(ind, cell) for ind, cell in cells if cell.light.state in (lights.OVERDUE, lights.RED, lights.YELLOW)
    ]
    behind.sort(key=lambda g: (lights.ORDER[g.cell.light.state], g.cell.completion or Decimal(0)))
    return LightSummary(counts, len(cells), behind)


def _data_version() -> tuple:
    """Changes whenever anything is written (every write is audited)."""
    last = AuditEntry.objects.order_by("-id").values_list("id", "at").first()
    return (last[0], last[1].isoformat()) if last else (0, "")


def _month_ends(year: int, today: datetime.date) -> list[datetime.date]:
    ends = []
    for month in range(1, 13):
        nxt = datetime.date(year + (month == 12), month % 12 + 1, 1)
        end = nxt - datetime.timedelta(days=1)
        if end >= today:
            ends.append(today)
            break
        ends.append(end)
    return ends


def trend(
    sub: Region, year: int, today: datetime.date, indicators: list[Indicator], *, village: Region | None = None
) -> charts.Chart:
    """Completion against 序时进度, month by month: the average completion (each indicator's capped at 100 %) of
    the indicators with a figure at each month's end — as the engine computed it on that day — against the
    average 序时进度 of the same indicators."""
    raw = f"{sub.pk}:{year}:{today}:{village.pk if village else 0}:{_data_version()}"
    key = "cockpit-trend:" + hashlib.sha256(raw.encode()).hexdigest()
    points = cache.get(key)
    if points is None:
        points = []
        top = [i for i in indicators if i.parent_id is None]
        for day in _month_ends(year, today):
            computed = engine.compute(
                sub, year, day, [village] if village else [], whole=village is None, indicators=indicators
            )
            done, due = [], []
            for ind in top:
                cell = computed.whole.get(ind.pk) if village is None else computed.village.get((ind.pk, village.pk))
                if cell is None or cell.completion is None:
                    continue
                done.append(min(cell.completion, Decimal(100)))
                due.append(lights.schedule(ind.task.start, ind.due, day))
            points.append((day.month, _average(done), _average(due)))
        cache.set(key, points, 3600)
    labels = [_("%(m)s月") % {"m": m} for m, _d, _s in points]
    return charts.line_chart(
        _("完成率与序时进度（逐月）"),
        labels,
        [
            charts.Series(_("平均完成率"), [d for _m, d, _s in points], "actual"),
            charts.Series(_("序时进度"), [s for _m, _d, s in points], "schedule"),
        ],
        unit="%",
        y_max=100,
    )


def _average(values: list[Decimal]) -> float | None:
    return float(sum(values) / len(values)) if values else None


def furthest_behind(
    sub: Region, year: int, today: datetime.date, *, count: int = SHOWN, villages: history.Villages | None = None
):
    """The villages at the bottom of the published ranking (worst first), and how many are ranked. `villages`: the
    subdistrict's villages when the page already read them (its board's `Computed.everyone`)."""
    scheme, ranked = ranking.rank(sub, year, today, "villages", villages=villages)
    return scheme, list(reversed(ranked[-count:])), len(ranked)


def village_rank(sub: Region, year: int, today: datetime.date, village: Region):
    """A village's place in the villages' ranking: (scheme, its Ranked or None, how many are ranked)."""
    scheme, ranked = ranking.rank(sub, year, today, "villages")
    mine = next((r for r in ranked if r.subject.pk == village.pk), None)
    return scheme, mine, len(ranked)


def ranking_scheme(sub: Region, year: int) -> RankingScheme | None:
    return RankingScheme.objects.filter(region=sub, year=year, subject="villages").first()


def awaiting_closure(sub: Region, year: int) -> list[Task]:
    """Tasks reported done, waiting for a leader's 办结销号 (all of them: a handful at most)."""
    return list(
        Task.objects.active()
        .filter(goal__region=sub, goal__year=year, status=TaskStatus.REPORTED)
        .select_related("lead_unit", "reported_by")
        .order_by("reported_at")
    )


@dataclass
class SentReminders:
    total: int
    read: int
    answered: int
    latest_answers: list[Reminder]


def sent_reminders(scope: Scope, sender_id: int, year: int) -> SentReminders:
    """The 催办 a person sent to villages this year: how many were read and answered, and the latest answers
    (two queries)."""
    mine = Reminder.objects.filter(sender_id=sender_id, region__isnull=False, indicator__task__goal__year=year)
    mine = scope.filter(mine, "region__path")
    figures = mine.aggregate(
        total=Count("id"),
        read=Count("id", filter=Q(read_at__isnull=False)),
        answered=Count("id", filter=Q(answered_at__isnull=False)),
    )
    latest = list(
        mine.filter(answered_at__isnull=False)
        .select_related("region", "indicator", "answered_by")
        .order_by("-answered_at", "-id")[:SHOWN]
    )
    return SentReminders(figures["total"], figures["read"], figures["answered"], latest)


def board_for(request, sub: Region, year: int, today: datetime.date, village: Region | None) -> engine.Board:
    """The board of a home page, built once per request (the to-dos and the cockpit's panels share it)."""
    memo = request.__dict__.setdefault("_cockpit_boards", {})
    key = (sub.pk, year, today, village.pk if village else None)
    if key not in memo:
        memo[key] = engine.build_board(sub, year, today, village=village)
    return memo[key]


def unreported(board: engine.Board) -> list[tuple[Indicator, str]]:
    """A village's reported indicators whose last finished period has no report from it (or from the villages
    merged into it): (indicator, the period's label). One query."""
    village = board.village
    assert village is not None
    today = board.today
    wanted = [
        ind
        for ind in board.computed.indicators
        if ind.source == SourceKind.REPORT
        and (ind.pk, village.pk) in board.computed.village
        and ind.task.status == TaskStatus.OPEN
        and ind.task.start <= today
    ]
    if not wanted:
        return []
    regions = list(history.of(village, board.computed.window.end).region_ids())
    latest: dict[int, datetime.date] = {}
    for ind_id, end in Entry.objects.filter(
        indicator_id__in=[i.pk for i in wanted], region_id__in=regions, is_current=True
    ).values_list("indicator_id", "period_end"):
        latest[ind_id] = max(end, latest.get(ind_id, end))
    out = []
    for ind in wanted:
        start, _end = periods.period_of(today, ind.period_type)
        last_start, last_end = periods.period_of(start - datetime.timedelta(days=1), ind.period_type)
        if last_end.year != board.year or last_end < ind.task.start or last_end > ind.due:
            continue
        if latest.get(ind.pk, datetime.date.min) < last_end:
            out.append((ind, periods.label(last_start, last_end, ind.period_type)))
    return out
