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
    terms: list[Term]
    merged: list[Region] = field(default_factory=list)  # villages merged into this one: their figures are in it


def rank(
    sub: Region,
    year: int,
    today: datetime.date,
    subject: str = "villages",
    *,
    computed: engine.Computed | None = None,
) -> tuple[RankingScheme | None, list[Ranked]]:
    """`computed`: the villages' figures when the caller already has them — `engine.compute(sub, year, today,
    villages, all_villages_given=True)` with `villages` = `history.on_day(sub, year_window(year, today).end)` and
    every indicator of the year (the weekly bulletin: the lights and the ranking from one computation)."""
    scheme = RankingScheme.objects.filter(region=sub, year=year, subject=subject).first()
    if scheme is None:
        return None, []
    weights = list(scheme.weights.select_related("indicator__task"))
    indicators = [w.indicator for w in weights]
    if subject == "villages":
        # the villages as they were on the year's last day counted (a successor, with its predecessors' figures)
        subjects = history.on_day(sub, engine.year_window(year, today).end)
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
    for s in subjects:
        terms = []
        for w in weights:
            cell = cells.get((w.indicator_id, s.pk))
            if cell is None and subject == "units":
                # A unit answers for the indicators of the tasks it leads.
                if w.indicator.task.lead_unit_id == s.pk:
                    cell = computed.whole.get(w.indicator_id)
            if cell is None:
                continue
            pct = cell.completion
            counted = min(pct if pct is not None else Decimal(0), scheme.cap)
            terms.append(
                Term(w.indicator, w.weight, pct, counted, (w.weight * counted / 100).quantize(Decimal("0.01")))
            )
        if terms:
            applicable = sum((t.weight for t in terms), Decimal(0))
            score = (sum((t.weight * t.counted for t in terms), Decimal(0)) / applicable).quantize(Decimal("0.01"))
            rows.append((s, score, terms))
    rows.sort(key=lambda r: (-r[1], getattr(r[0], "code", "")))
    merged = subjects.predecessors_by_village() if subject == "villages" else {}
    ranked = []
    for i, (s, score, terms) in enumerate(rows):
        position = ranked[-1].rank if ranked and ranked[-1].score == score else i + 1
        ranked.append(Ranked(position, s, score, terms, merged.get(s.pk, [])))
    return scheme, ranked
