"""Scores and ranking from published weights, with each score's breakdown so anyone can reproduce it:

    score = Σ weight_i × min(completion_i, cap) / Σ weight_i

over the indicators that apply to the village (or unit): those with a share for it. completion_i is its rate
against its share; a share with no data counts 0 and is marked 缺报. Dividing by the applicable weights keeps
a village with fewer shares comparable with one that has them all (with every share applicable it is simply
Σ weight × rate / 100).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

from zhili.people.models import Unit
from zhili.regions import history
from zhili.regions.models import Region
from zhili.targets import engine
from zhili.targets.models import Indicator, RankingScheme


@dataclass
class Term:
    indicator: Indicator
    weight: Decimal
    completion: Decimal | None
    counted: Decimal
    points: Decimal


@dataclass
class Ranked:
    rank: int
    subject: Region | Unit
    score: Decimal
    # (indicator, weight, completion, counted) per applicable indicator: the breakdown, made into Terms when shown
    # (a page shows 50 of a city's 5,000 villages)
    parts: list[tuple[Indicator, Decimal, Decimal | None, Decimal]] = field(repr=False)
    merged: list[Region] = field(default_factory=list)  # villages merged into this one: their figures are in it

    @cached_property
    def terms(self) -> list[Term]:
        return [Term(ind, w, pct, counted, (w * counted / 100).quantize(CENT)) for ind, w, pct, counted in self.parts]


CENT = Decimal("0.01")


def rank(
    sub: Region,
    year: int,
    today: datetime.date,
    subject: str = "villages",
    *,
    computed: engine.Computed | None = None,
    villages: history.Villages | None = None,
) -> tuple[RankingScheme | None, list[Ranked]]:
    """`computed`: the villages' figures when the caller already has them — `engine.compute(sub, year, today,
    villages, all_villages_given=True)` with `villages` = `history.on_day(sub, year_window(year, today).end)` and
    every indicator of the year (the weekly bulletin: the lights and the ranking from one computation).
    `villages`: those villages, when the caller already read them (the cockpit's board: `Computed.everyone`)."""
    scheme = RankingScheme.objects.filter(region=sub, year=year, subject=subject).first()
    if scheme is None:
        return None, []
    weights = list(scheme.weights.select_related("indicator__task"))
    indicators = [w.indicator for w in weights]
    if subject == "villages":
        # the villages as they were on the year's last day counted (a successor, with its predecessors' figures)
        end = engine.year_window(year, today).end
        subjects = villages if villages is not None and villages.on == end else history.on_day(sub, end)
        if computed is None:
            computed = engine.compute(
                sub, year, today, subjects, whole=False, indicators=indicators, all_villages_given=True
            )
        cells = computed.village
    else:
        subjects = list(Unit.objects.active().filter(region=sub).order_by("code"))
        computed = engine.compute(sub, year, today, [], whole=True, indicators=indicators)
        cells = computed.unit
    rows = []
    cap, zero, units = scheme.cap, Decimal(0), subject == "units"
    weighted = [(w.indicator_id, w.indicator, w.weight) for w in weights]
    for s in subjects:
        sid = s.pk
        parts = []
        applicable = total = zero
        for ind_id, ind, weight in weighted:
            cell = cells.get((ind_id, sid))
            if cell is None and units:
                # A unit answers for the indicators of the tasks it leads.
                if ind.task.lead_unit_id == sid:
                    cell = computed.whole.get(ind_id)
            if cell is None:
                continue
            pct = cell.completion
            counted = min(pct if pct is not None else zero, cap)
            parts.append((ind, weight, pct, counted))
            applicable += weight
            total += weight * counted
        if parts:
            rows.append((s, (total / applicable).quantize(CENT), parts))
    rows.sort(key=lambda r: (-r[1], getattr(r[0], "code", "")))
    merged = subjects.predecessors_by_village() if subject == "villages" else {}
    ranked = []
    for i, (s, score, parts) in enumerate(rows):
        position = ranked[-1].rank if ranked and ranked[-1].score == score else i + 1
        ranked.append(Ranked(position, s, score, parts, merged.get(s.pk, [])))
    return scheme, ranked
