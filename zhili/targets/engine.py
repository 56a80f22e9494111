"""From records to figures: every indicator's target, actual, completion and light, for the whole subdistrict,
each village and each unit — in a fixed number of queries whatever the number of villages or entries.

    computed = compute(subdistrict, year, today, villages)   # villages the viewer may see
    computed.whole[indicator_id]            → Cell for the subdistrict (None for a village-only viewer)
    computed.village[(indicator_id, village_id)] → Cell for one village's share
    computed.unit[(indicator_id, unit_id)]       → Cell for one unit's share

Villages are counted as they were on the window's last day (regions/history.py): a village merged away by then
counts for its successor, whose figure is its own and its predecessors' — their rows, their progress reports
(each region's own: a cumulative indicator adds each region's latest running total, so the successor's totals
count from the merge date and nothing is counted twice) and their shares (the successor's target is its own
share once the subdistrict has decomposed to it, else its predecessors' shares added up). A merge therefore
changes no subdistrict figure.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

from django.db import connection
from django.db.models import F, Q, Sum, Window
from django.db.models.functions import RowNumber

from zhili.regions import history
from zhili.regions.models import Region
from zhili.targets import kept, lights, sources
from zhili.targets.models import (
    Aggregation,
    Decomposition,
    Entry,
    Goal,
    Indicator,
    Share,
    SourceKind,
    TargetState,
    Task,
)

# what an indicator's lights are evaluated against: (start, deadline, today, rule), one tuple shared by its cells
When = tuple[datetime.date, datetime.date, datetime.date, lights.Rule]


class Cell:
    """One indicator's figure for the whole, a village or a unit. Slotted, its light evaluated when first shown
    from the indicator's shared `When` (None: no light): a city's ranking makes 25,000 cells and needs only their
    completions, and fewer objects a cell is less of the garbage collector's time."""

    __slots__ = ("_light", "actual", "completion", "missing", "not_applicable", "target", "when")

    def __init__(
        self,
        target: Decimal | None,
        actual: Decimal | None,
        completion: Decimal | None,
        when: When | None,
        missing: Sequence[str] = (),
        not_applicable: Sequence[str] = (),
    ):
        self.target = target
        self.actual = actual
        self.completion = completion
        self.when = when
        # child indicators without data (a shared empty tuple by default)
        self.missing = missing
        # a village's composite index: the components not decomposed to the village, left out (weights renormalised)
        self.not_applicable = not_applicable

    @property
    def light(self) -> lights.Light | None:
        try:
            return self._light
        except AttributeError:
            self._light = None if self.when is None else lights.evaluate(self.completion, *self.when)
            return self._light

    def __repr__(self) -> str:
        return f"Cell(target={self.target!r}, actual={self.actual!r}, completion={self.completion!r})"


@dataclass
class Computed:
    indicators: list[Indicator]
    whole: dict[int, Cell]
    village: dict[tuple[int, int], Cell]
    unit: dict[tuple[int, int], Cell]
    # indicator → its parts added up (all villages or units), counted when first asked for: only the board's
    # decomposition check shows it, and at city scale it adds up 500,000 shares (the cockpit never asks)
    count_share_sums: Callable[[], dict[int, Decimal]] = field(repr=False, compare=False)
    rule: lights.Rule
    window: sources.Window
    # every computed source's value per village, decomposed or not: what the drill-down opens onto
    by_village: dict[tuple[int, int], Decimal] = field(default_factory=dict)
    # the subdistrict's villages on the window's last day, when the whole was computed (a ranking on the same page
    # reuses them: 5,000 regions read once)
    everyone: history.Villages | None = None

    @cached_property
    def share_sums(self) -> dict[int, Decimal]:
        return self.count_share_sums()


@dataclass
class Inputs:
    """What the cells are made of: the four kinds of figure counted from records (reported_values, village_totals,
    computed_values, computed_whole_values), counted now (live_inputs) or kept (kept.py); `sums` are computed
    indicators' villages added up, when kept (else compute adds up `computed` over every village)."""

    reported: dict[tuple[int, int, int | None], Decimal]
    totals: dict[int, Decimal]
    computed: dict[tuple[int, int], Decimal]
    whole: dict[int, Decimal]
    sums: dict[int, Decimal | None] = field(default_factory=dict)


def live_inputs(
    indicators: list[Indicator], sub: Region, window: sources.Window, *, reported_q: Q, villages, whole: bool
) -> Inputs:
    """Count every figure from the records: reported for the regions of `reported_q`, computed for `villages`,
    and (when `whole`) the subdistrict's totals and rates."""
    decomposed = [i for i in indicators if i.source == SourceKind.REPORT and i.decomposition == Decomposition.VILLAGES]
    return Inputs(
        reported=reported_values(indicators, reported_q, window),
        totals=village_totals(decomposed, sub, window) if whole else {},
        computed=computed_values(indicators, villages, window),
        whole=computed_whole_values(indicators, sub, window) if whole else {},
    )


def year_window(year: int, today: datetime.date) -> sources.Window:
    start = datetime.date(year, 1, 1)
    return sources.Window(start, min(max(today, start), datetime.date(year, 12, 31)))


def reported_values(indicators: list[Indicator], regions: Q, window: sources.Window):
    """{(indicator_id, region_id, unit_id): value}: the latest running total of cumulative indicators and the sum
    of period values of the others, from current (not corrected) entries of periods begun by window.end.
    Two queries."""
    cumulative = [i.pk for i in indicators if i.source == SourceKind.REPORT and i.cumulative]
    periodic = [i.pk for i in indicators if i.source == SourceKind.REPORT and not i.cumulative]
    # A period counts once it has started: the current month's report, if made, is part of today's figure.
    base = Entry.objects.filter(regions, is_current=True, period_end__gte=window.start, period_start__lte=window.end)
    out: dict[tuple[int, int, int | None], Decimal] = {}
    if cumulative:
        latest = (
            base.filter(indicator_id__in=cumulative)
            .annotate(
                rn=Window(
                    RowNumber(),
                    partition_by=[F("indicator_id"), F("region_id"), F("unit_id")],
                    order_by=[F("period_end").desc(), F("id").desc()],
                )
            )
            .filter(rn=1)
            .values_list("indicator_id", "region_id", "unit_id", "value")
        )
        out.update({(i, r, u): v for i, r, u, v in latest})
    if periodic:
        sums = (
            base.filter(indicator_id__in=periodic)
            .values("indicator_id", "region_id", "unit_id")
            .annotate(total=Sum("value"))
            .values_list("indicator_id", "region_id", "unit_id", "total")
        )
        out.update({(i, r, u): v for i, r, u, v in sums})
    return out


def village_totals(indicators: list[Indicator], sub: Region, window: sources.Window) -> dict[int, Decimal]:
    """{indicator_id: the villages' figures added up}, aggregated in the database (two queries), for the
    subdistrict's figure of village-decomposed reported indicators. Closed (merged) villages count too: their
    reports before the merge are part of the year (and of their successor's figure); a village opened after the
    window's end does not exist yet."""
    cumulative = [i.pk for i in indicators if i.cumulative]
    periodic = [i.pk for i in indicators if not i.cumulative]
    base = Entry.objects.filter(
        is_current=True,
        region__parent_id=sub.pk,
        region__valid_from__lte=window.end,
        period_end__gte=window.start,
        period_start__lte=window.end,
    )
    out: dict[int, Decimal] = {}
    if cumulative:
        # Aggregating over a window function is beyond the ORM; the hand-written SQL is portable (SQLite and
        # PostgreSQL both have window functions) and twice as fast as a pk__in subquery at city scale.
        placeholders = ",".join(["%s"] * len(cumulative))
        sql = f"""
            SELECT t.indicator_id, SUM(t.value) FROM (
              SELECT e.indicator_id, e.value, ROW_NUMBER() OVER (
                       PARTITION BY e.indicator_id, e.region_id ORDER BY e.period_end DESC, e.id DESC) AS rn
              FROM {Entry._meta.db_table} e JOIN {Region._meta.db_table} r ON r.id = e.region_id
              WHERE e.is_current AND r.parent_id = %s AND r.valid_from <= %s AND e.indicator_id IN ({placeholders})
                AND e.period_end >= %s AND e.period_start <= %s
            ) t WHERE t.rn = 1 GROUP BY t.indicator_id"""
        with connection.cursor() as cursor:
            cursor.execute(sql, [sub.pk, window.end, *cumulative, window.start, window.end])
            # SQLite sums decimals as floats: back to the field's four places.
            out.update({i: Decimal(str(v)).quantize(Decimal("0.0001")) for i, v in cursor.fetchall()})
    if periodic:
        out.update(
            base.filter(indicator_id__in=periodic)
            .values("indicator_id")
            .annotate(total=Sum("value"))
            .values_list("indicator_id", "total")
        )
    return out


def computed_values(indicators: list[Indicator], villages: list[Region], window: sources.Window):
    """{(indicator_id, village_id): value} from the registered sources, one batch per source."""
    by_source: dict[str, list[Indicator]] = defaultdict(list)
    for ind in indicators:
        if ind.source == SourceKind.COMPUTED and ind.source_key:
            by_source[ind.source_key].append(ind)
    out: dict[tuple[int, int], Decimal] = {}
    for key, inds in by_source.items():
        out.update(sources.get(key).values(inds, villages, window))
    return out


def computed_whole_values(indicators: list[Indicator], sub: Region, window: sources.Window) -> dict[int, Decimal]:
    """{indicator_id: the subdistrict's figure} for computed indicators whose figure is not a sum (rates)."""
    by_source: dict[str, list[Indicator]] = defaultdict(list)
    for ind in indicators:
        if ind.source == SourceKind.COMPUTED and ind.source_key:
            source = sources.get(ind.source_key)
            if not source.additive(ind):
                by_source[ind.source_key].append(ind)
    out: dict[int, Decimal] = {}
    for key, inds in by_source.items():
        out.update(sources.get(key).whole_values(inds, sub, window))
    return out


def _sum(values: list[Decimal | None]) -> Decimal | None:
    present = [v for v in values if v is not None]
    return sum(present, Decimal(0)) if present else None


def _share_sums(ids: list[int], on: datetime.date, everyone: history.Villages) -> dict[int, Decimal]:
    """{indicator_id: its parts added up}: the units' shares and the villages' of day `on`, in the database; a
    village merged away by then counts through its successor — in its own share, if the successor has one, else
    carried by it (one more query, only when a merge happened)."""
    valid = Q(region__valid_from__lte=on) & (Q(region__valid_to__isnull=True) | Q(region__valid_to__gt=on))
    sums = dict(
        Share.objects.filter(indicator_id__in=ids)
        .filter(Q(region__isnull=True) | valid)
        .values("indicator_id")
        .annotate(total=Sum("target"))
        .values_list("indicator_id", "total")
    )
    successors = list(everyone.predecessors_by_village())
    if successors:
        shares_of: dict[int, dict[int, Decimal]] = defaultdict(dict)
        for ind_id, region_id, target in Share.objects.filter(
            indicator_id__in=ids, region_id__in=[*everyone.closed, *successors]
        ).values_list("indicator_id", "region_id", "target"):
            shares_of[ind_id][region_id] = target
        for ind_id, shares in shares_of.items():
            for vid in successors:
                carried = None if vid in shares else everyone.own_or_merged(shares, vid)
                if carried is not None:
                    sums[ind_id] = sums.get(ind_id, Decimal(0)) + carried
    return sums


def compute(
    sub: Region,
    year: int,
    today: datetime.date,
    villages: list[Region],
    *,
    whole: bool = True,
    indicators: list[Indicator] | None = None,
    all_villages_given: bool = False,
) -> Computed:
    """Figures for `villages` (the ones the viewer may see) and, when `whole`, for the subdistrict.

    `all_villages_given` says `villages` is every village of the subdistrict (a ranking): the queries then
    select by parent instead of listing thousands of ids."""
    window = year_window(year, today)
    if indicators is None:
        indicators = list(
            Indicator.objects.active()
            .filter(task__goal__region=sub, task__goal__year=year, task__archived_at__isnull=True)
            .select_related("task__goal__region")  # the sources read the subdistrict: no query each
        )
    ids = [i.pk for i in indicators]
    # The villages as they were on the window's last day: the whole subdistrict's figure adds up every one of
    # them, whoever looks (one query, which also reads the few villages merged away by then); cells are made
    # for `villages` only, each counting its own records and its predecessors'.
    given_all = all_villages_given and isinstance(villages, history.Villages) and villages.on == window.end
    everyone = (villages if given_all else history.on_day(sub, window.end)) if whole else None
    if isinstance(villages, history.Villages) and villages.on == window.end:
        asked = villages
    else:
        closed = list(everyone.closed.values()) if everyone is not None else None
        asked = history.Villages(villages, sub=sub, on=window.end, closed=closed)

    # Only the shares of the villages asked for and of their predecessors (and all units' shares) come into
    # Python; the sums of the parts, for the decomposition check, are added up in the database.
    share_by_region_of: dict[int, dict[int, Decimal]] = defaultdict(dict)
    share_by_unit_of: dict[int, dict[int, Decimal]] = defaultdict(dict)
    village_q = Q(region__parent_id=sub.pk) if all_villages_given else Q(region_id__in=list(asked.region_ids()))
    wanted = Q(unit__isnull=False) | village_q
    for ind_id, region_id, unit_id, target in (
        Share.objects.filter(indicator_id__in=ids)
        .filter(wanted)
        .values_list("indicator_id", "region_id", "unit_id", "target")
    ):
        if region_id:
            share_by_region_of[ind_id][region_id] = target
        else:
            share_by_unit_of[ind_id][unit_id] = target

    # A village's target is its own share, else its predecessors' shares added up (history.own_or_merged).
    share_sums = (lambda: _share_sums(ids, window.end, everyone)) if whole else dict
    rule = lights.Rule.for_region(sub, today)
    # Reported figures of the whole are added up in the database; computed sources are asked for every village.
    needs_all = whole and any(i.source == SourceKind.COMPUTED for i in indicators)
    all_villages = everyone if needs_all else asked
    reported_q = (village_q | Q(region_id=sub.pk)) if whole else village_q
    got = None
    if kept.applies(today):
        got = kept.inputs(
            sub,
            year,
            window,
            indicators,
            asked=asked,
            everyone=everyone,
            reported_q=reported_q,
            villages=all_villages,
            whole=whole,
            every=all_villages_given,
        )
    if got is None:
        got = live_inputs(indicators, sub, window, reported_q=reported_q, villages=all_villages, whole=whole)
    reported, totals, computed, computed_whole = got.reported, got.totals, got.computed, got.whole

    # what a cell needs of its indicator, read once an indicator, not once a cell (a ranking makes 25,000 cells):
    # pending (rolled over, its target not filled in yet: no light), target, baseline, direction, start, due
    terms = {
        ind.pk: (
            ind.target_state == TargetState.PENDING,
            ind.target,
            ind.baseline,
            ind.direction,
            (ind.task.start, ind.due, today, rule),
        )
        for ind in indicators
    }

    def cell(ind: Indicator, actual, target) -> Cell:
        pending, own_target, baseline, direction, when = terms[ind.pk]
        if pending:
            target = None
        pct = lights.completion(actual, target, baseline if target == own_target else None, direction)
        return Cell(target, actual, pct, when)

    whole_cells: dict[int, Cell] = {}
    village_cells: dict[tuple[int, int], Cell] = {}
    unit_cells: dict[tuple[int, int], Cell] = {}
    village_ids = {v.pk for v in villages}
    all_village_ids = {v.pk for v in all_villages}
    children: dict[int, list[Indicator]] = defaultdict(list)
    for ind in indicators:
        if ind.parent_id:
            children[ind.parent_id].append(ind)

    # a village's reports and its predecessors' (each region's latest running total, if cumulative), added up once
    merged: dict[tuple[int, int], Decimal] = {}
    if asked.closed:
        owner_of = asked.region_ids()
        for (i, r, u), v in reported.items():
            vid = owner_of.get(r) if u is None else None
            if vid is not None:
                merged[(i, vid)] = merged[(i, vid)] + v if (i, vid) in merged else v

    sub_id, any_closed = sub.pk, bool(asked.closed)

    def value_for(ind: Indicator, region_id: int, unit_id: int | None = None) -> Decimal | None:
        if ind.source == SourceKind.COMPUTED:
            return computed.get((ind.pk, region_id)) if unit_id is None else None
        if region_id == sub_id or not any_closed:
            return reported.get((ind.pk, region_id, unit_id))
        return merged.get((ind.pk, region_id))

    def village_sum(ind: Indicator, *, own: bool = False) -> Decimal | None:
        """A computed indicator's villages added up (kept, kept.py, or from every village's figure), and with `own`
        the records on the subdistrict itself."""
        mine = [computed.get((ind.pk, sub.pk))] if own else []
        if ind.pk in got.sums:
            return _sum([got.sums[ind.pk], *mine])
        return _sum([*(computed.get((ind.pk, vid)) for vid in all_village_ids), *mine])

    def village_row(ind: Indicator, share_by_region: dict[int, Decimal]):
        """((indicator, village), Cell) for every village asked for with a share: `cell` and `value_for` unrolled
        (a city's ranking makes 25,000 of these)."""
        pk = ind.pk
        pending, own_target, baseline, direction, when = terms[pk]
        if ind.source == SourceKind.COMPUTED:
            values, key = computed, (lambda vid: (pk, vid))
        elif any_closed:
            values, key = merged, (lambda vid: (pk, vid))
        else:
            values, key = reported, (lambda vid: (pk, vid, None))
        get, completion = values.get, lights.completion
        mine = share_by_region.keys() & village_ids if len(share_by_region) != len(village_ids) else village_ids
        for vid in mine:
            target = share_by_region.get(vid)
            if target is None:
                continue
            actual = get(key(vid))
            if pending:
                target = None
            pct = completion(actual, target, baseline if target == own_target else None, direction)
            yield (pk, vid), Cell(target, actual, pct, when)

    done: set[int] = set()

    def visit(ind: Indicator) -> None:
        if ind.pk in done:
            return
        for child in children[ind.pk]:
            visit(child)
        done.add(ind.pk)
        share_by_region = share_by_region_of[ind.pk]
        if asked.closed:  # a village without a share of its own answers for its predecessors'
            shares = share_by_region
            share_by_region = {v: t for v in village_ids if (t := asked.own_or_merged(shares, v)) is not None}
        share_by_unit = share_by_unit_of[ind.pk]
        if ind.source == SourceKind.CHILDREN:
            kids = children[ind.pk]
            if whole:
                whole_cells[ind.pk] = _aggregate(ind, kids, [whole_cells.get(k.pk) for k in kids], cell, rule, today)
            # A composite index (weighted or average completion) is the village's own wherever one of its
            # components is decomposed to the village, decomposed itself or not: it is computed from the
            # components that apply to the village. A sum needs the village's share of the index.
            composite = is_composite(ind)
            if ind.decomposition == Decomposition.VILLAGES or composite:
                for vid in village_ids:
                    cells = [village_cells.get((k.pk, vid)) for k in kids]
                    if any(cells):
                        target = share_by_region.get(vid) if ind.decomposition == Decomposition.VILLAGES else None
                        village_cells[(ind.pk, vid)] = _aggregate(
                            ind,
                            kids,
                            cells,
                            cell,
                            rule,
                            today,
                            target=target if target is not None or not composite else ind.target,
                            applies=[c is not None for c in cells] if composite else None,
                        )
            return
        if ind.decomposition == Decomposition.VILLAGES:
            village_cells.update(village_row(ind, share_by_region))
            if whole:
                if ind.source == SourceKind.REPORT:
                    actual = totals.get(ind.pk)
                elif ind.pk in computed_whole:  # a rate: the source computes the subdistrict's own figure
                    actual = computed_whole[ind.pk]
                else:
                    actual = village_sum(ind)
                whole_cells[ind.pk] = cell(ind, actual, ind.target)
        elif ind.decomposition == Decomposition.UNITS:
            if whole:
                for uid, target in share_by_unit.items():
                    actual = value_for(ind, sub.pk, uid)
                    unit_cells[(ind.pk, uid)] = cell(ind, actual, target)
                actual = _sum([c.actual for (i, _), c in unit_cells.items() if i == ind.pk])
                whole_cells[ind.pk] = cell(ind, actual, ind.target)
        elif whole:
            if ind.pk in computed_whole:
                actual = computed_whole[ind.pk]
            elif ind.source == SourceKind.COMPUTED:  # the villages' records and the subdistrict's own
                actual = village_sum(ind, own=True)
            else:
                actual = value_for(ind, sub.pk)
            whole_cells[ind.pk] = cell(ind, actual, ind.target)

    for ind in indicators:
        visit(ind)
    return Computed(
        indicators, whole_cells, village_cells, unit_cells, share_sums, rule, window, computed, everyone=everyone
    )


def is_composite(ind: Indicator) -> bool:
    """An index of its components' completions (weighted or average): each village has its own, from the
    components that apply to it, whether the index is decomposed or not."""
    return ind.source == SourceKind.CHILDREN and ind.aggregation != Aggregation.SUM


def _aggregate(
    ind: Indicator,
    kids: list[Indicator],
    cells: list[Cell | None],
    cell,
    rule,
    today,
    target: Decimal | None = None,
    applies: list[bool] | None = None,
) -> Cell:
    """A parent indicator from its children. A child without data is reported missing, never counted as 0; a
    child that does not apply (a village's component not decomposed to it, `applies`) is left out and named, and
    the weights are those of the children that apply."""
    target = ind.target if target is None else target
    applies = applies or [True] * len(kids)
    not_applicable = [k.name for k, a in zip(kids, applies, strict=True) if not a]
    kids_cells = [(k, c) for k, c, a in zip(kids, cells, applies, strict=True) if a]
    missing = [k.name for k, c in kids_cells if c is None or c.actual is None]
    present = [(k, c) for k, c in kids_cells if c is not None and c.actual is not None]
    if ind.aggregation == Aggregation.SUM:
        actual = _sum([c.actual for _, c in present]) if present else None
        out = cell(ind, actual, target)
        out.missing = missing
        return out
    pct = None
    if ind.target_state == TargetState.PENDING:  # rolled over, not settled yet: no figure, no light
        present, target = [], None
    if present:
        # A child over 100 % counts as 100 %: one overshoot does not hide a lagging sibling.
        capped = [(k, min(c.completion or Decimal(0), Decimal(100))) for k, c in present]
        if ind.aggregation == Aggregation.WEIGHTED:
            total_w = sum((k.weight for k, _ in capped), Decimal(0)) or Decimal(1)
            pct = sum((k.weight * p for k, p in capped), Decimal(0)) / total_w
        else:
            pct = sum((p for _, p in capped), Decimal(0)) / len(capped)
        pct = pct.quantize(Decimal("0.1"))
    return Cell(target, None, pct, (ind.task.start, ind.due, today, rule), missing, not_applicable)


# ---- the one-page view --------------------------------------------------------------------------


@dataclass
class IndicatorRow:
    indicator: Indicator
    cell: Cell | None
    children: list[IndicatorRow]
    # the computation whose share sums the row shows (a decomposed indicator of the whole view), else None
    sums_of: Computed | None = field(default=None, repr=False, compare=False)

    @property
    def share_sum(self) -> Decimal | None:
        if self.sums_of is None:
            return None
        return self.sums_of.share_sums.get(self.indicator.pk, Decimal(0))

    @property
    def shares_mismatch(self) -> bool:
        return self.share_sum is not None and self.share_sum != self.indicator.target


@dataclass
class TaskRow:
    task: Task
    indicators: list[IndicatorRow]

    @property
    def worst(self) -> str:
        states = [r.cell.light.state for r in self.indicators if r.cell]
        return min(states, key=lambda s: lights.ORDER[s]) if states else lights.NONE


@dataclass
class GoalRow:
    goal: Goal
    children: list[GoalRow]
    tasks: list[TaskRow]


@dataclass
class Board:
    sub: Region
    year: int
    today: datetime.date
    village: Region | None
    goals: list[GoalRow]
    computed: Computed
    counts: dict[str, int]


def build_board(sub: Region, year: int, today: datetime.date, *, village: Region | None = None) -> Board:
    """The whole year on one page: for the subdistrict, or (village given) for one village's shares."""
    goals = list(Goal.objects.active().filter(region=sub, year=year).order_by("order", "code"))
    tasks = list(
        Task.objects.active()
        .filter(goal__in=goals)
        .select_related("goal", "leader", "lead_unit", "owner")
        .prefetch_related("assisting_units")
        .order_by("order", "code")
    )
    task_by_id = {t.pk: t for t in tasks}
    indicators = list(Indicator.objects.active().filter(task__in=tasks).order_by("order", "code"))
    by_id = {ind.pk: ind for ind in indicators}
    for ind in indicators:
        ind.task = task_by_id[ind.task_id]  # reuse the fetched tasks
        if ind.parent_id in by_id:  # and the fetched parents: a child's row reads its parent's aggregation
            ind.parent = by_id[ind.parent_id]
    # The whole view needs only the subdistrict's figures (compute adds up every village itself).
    computed = compute(sub, year, today, [village] if village else [], whole=village is None, indicators=indicators)

    def cell_for(ind: Indicator) -> Cell | None:
        if village is None:
            return computed.whole.get(ind.pk)
        return computed.village.get((ind.pk, village.pk))

    by_parent: dict[int | None, list[Indicator]] = defaultdict(list)
    for ind in indicators:
        by_parent[ind.parent_id].append(ind)

    def ind_row(ind: Indicator) -> IndicatorRow | None:
        kids = [r for r in (ind_row(k) for k in by_parent[ind.pk]) if r]
        cell = cell_for(ind)
        if cell is None and not kids:
            return None  # not this village's: nothing decomposed to it
        decomposed = ind.decomposition != Decomposition.NONE and village is None
        return IndicatorRow(ind, cell, kids, computed if decomposed else None)

    inds_by_task: dict[int, list[IndicatorRow]] = defaultdict(list)
    for ind in by_parent[None]:
        row = ind_row(ind)
        if row:
            inds_by_task[ind.task_id].append(row)
    tasks_by_goal: dict[int, list[TaskRow]] = defaultdict(list)
    for t in tasks:
        if inds_by_task[t.pk] or village is None:
            tasks_by_goal[t.goal_id].append(TaskRow(t, inds_by_task[t.pk]))
    goals_by_parent: dict[int | None, list[Goal]] = defaultdict(list)
    for g in goals:
        goals_by_parent[g.parent_id].append(g)

    def goal_row(g: Goal) -> GoalRow | None:
        kids = [r for r in (goal_row(c) for c in goals_by_parent[g.pk]) if r]
        if not kids and not tasks_by_goal[g.pk] and village is not None:
            return None
        return GoalRow(g, kids, tasks_by_goal[g.pk])

    roots = [r for r in (goal_row(g) for g in goals_by_parent[None]) if r]
    counts: dict[str, int] = dict.fromkeys(lights.LABELS, 0)
    for ind in indicators:
        cell = cell_for(ind)
        if cell:
            counts[cell.light.state] += 1
    return Board(sub, year, today, village, roots, computed, counts)
