"""targets-dashboard: the leader's one-page view and the village ranking at two scales — a township (91 villages,
like the demo's Taiping) and a city-sized system (5,000 villages under one owner, so one page really covers all of
them) — against hand-written SQL producing the same numbers in the same run.

Data (defaults, per scale): one target system with the kinds of indicator a real board has —
- 100 reported indicators decomposed to every village, 12 monthly running totals per village and indicator
  (6,000,000 progress entries in the city);
- 2 computed indicators of the built-in "activities" source (targets/source.py): integrity talks counted per
  village (decomposed to villages) and households visited summed (the subdistrict's whole), from 0–8
  ActivityRecord rows per village and topic;
- 2 indicators decomposed to 8 units (Share rows per unit), 12 monthly running totals per unit, on the
  subdistrict with unit_id;
- 2 parents (source=CHILDREN): a sum of 3 reported children and a unit one, and a weighted index of 4 reported
  children and the computed count (weights 1–5);
- a ranking over 5 weighted indicators: 4 reported and the computed count.
Entries are loaded with COPY on PostgreSQL and executemany on SQLite, the rest with bulk_create.

Measured, per scale (kinds `board-township`, `ranking-township`, `board-city`, `ranking-city`):
- board:   engine.build_board(sub, year, today) — every indicator's target, actual, completion and light —
           against three SQL aggregates (the villages' latest values per indicator, the units' latest values per
           indicator, the activity records per topic); the parents' figures are then added up from those in
           Python (a dozen additions: the cost is the queries), as the published formulas say;
- ranking: ranking.rank(sub, year, today) — every village scored with breakdowns — against one SQL query
           returning every village's score (the activity counts joined in beside the latest reported values).
The system's year is "this year" (ZHILI_TODAY = TODAY), so Zhili reads its kept figures (zhili/targets/kept.py):
the timed board and ranking are what a person gets on any request but the day's first. A note per scale says
what keeping costs: counting every kept figure from the records (the day's first request, or after a change on
the subdistrict itself) and the board after one village's report (that village recounted).
Before timing, every figure of the board (the actual, or the completion of a weighted parent) and every score
must equal the baseline's.
"""

from __future__ import annotations

import calendar
import datetime
import random
import statistics
import sys
import time
from decimal import Decimal

import bench

YEAR = 2020
TODAY = datetime.date(2020, 12, 20)
UNITS = 8
TALKS, VISITS = "廉政谈话", "入户走访"  # the activity topics counted by the computed indicators


def add_arguments(group) -> None:
    group.add_argument("--td-villages", type=int, default=5000, help="villages of the city scale (default 5000)")
    group.add_argument(
        "--td-township-villages", type=int, default=91, help="villages of the township scale (default 91)"
    )
    group.add_argument("--td-indicators", type=int, default=100, help="reported indicators (default 100)")
    group.add_argument("--td-months", type=int, default=12, help="monthly values per village (default 12)")


def build(villages: int, indicators: int, months: int, *, province: str = "99"):
    """`province`: the code's first two digits (no province has 99, 98 or 97: the synthetic tree never collides with
    a real one, nor with regions-subtree's city when another benchmark builds both).

    Returns (subdistrict, every indicator, the ranking scheme)."""
    from django.db import connection, transaction

    from zhili.people.models import Unit
    from zhili.regions.models import Level, Region
    from zhili.targets.models import (
        ActivityKind,
        ActivityRecord,
        Aggregation,
        Decomposition,
        Goal,
        Indicator,
        RankingScheme,
        RankingWeight,
        Share,
        SourceKind,
        Task,
    )

    t0 = time.perf_counter()
    rng = random.Random(7)
    c, d, s = f"{province}0100", f"{province}0101", f"{province}0101001"
    with transaction.atomic():
        city = Region.objects.create(code=c, name="基准市", level=Level.CITY, path=f"{c}/")
        district = Region.objects.create(code=d, name="基准区", level=Level.DISTRICT, parent=city, path=f"{c}/{d}/")
        sub = Region.objects.create(
            code=s, name="基准街道", level=Level.SUBDISTRICT, parent=district, path=f"{c}/{d}/{s}/"
        )
        # Four-digit village numbers: GB codes allow 999 villages a subdistrict; this owner has 5,000.
        Region.objects.bulk_create(
            [
                Region(
                    code=f"{sub.code}{i:04d}",
                    name=f"村{i}",
                    level=Level.VILLAGE,
                    parent=sub,
                    path=f"{sub.path}{sub.code}{i:04d}/",
                )
                for i in range(villages)
            ],
            batch_size=2000,
        )
        village_ids = list(Region.objects.filter(parent=sub).values_list("pk", flat=True))
        units = Unit.objects.bulk_create([Unit(code=f"u{k}", name=f"单位{k}", region=sub) for k in range(UNITS)])
        goal = Goal.objects.create(region=sub, year=YEAR, level_name="攻坚战", code="1", title="基准目标")
        task = Task.objects.create(
            goal=goal,
            code="1.1",
            title="基准任务",
            start=datetime.date(YEAR, 1, 1),
            deadline=datetime.date(YEAR, 12, 31),
        )

        def ind(code, name, target, order, **kw):
            return Indicator(task=task, code=code, name=name, unit="个", target=Decimal(target), order=order, **kw)

        # parents first: their children point at them
        p_sum, p_weighted = Indicator.objects.bulk_create(
            [
                ind("p-sum", "合计", 0, indicators + 4, source=SourceKind.CHILDREN, aggregation=Aggregation.SUM),
                ind(
                    "p-w", "综合指数", 100, indicators + 5, source=SourceKind.CHILDREN, aggregation=Aggregation.WEIGHTED
                ),
            ]
        )
        reported = Indicator.objects.bulk_create(
            [
                ind(
                    f"i{k:03d}",
                    f"指标{k}",
                    villages * 100,
                    k,
                    decomposition=Decomposition.VILLAGES,
                    parent=p_sum if k < 3 else p_weighted if k < 7 else None,
                    weight=Decimal(k - 2 if 3 <= k < 7 else 1),
                )
                for k in range(indicators)
            ]
        )
        computed = dict(source=SourceKind.COMPUTED, source_key="activities")
        talks, visits, *by_unit = Indicator.objects.bulk_create(
            [
                ind(
                    "c-talks",
                    "廉政谈话次数",
                    villages * 4,
                    indicators,
                    decomposition=Decomposition.VILLAGES,
                    parent=p_weighted,
                    weight=Decimal(5),
                    source_params={"topic": TALKS, "measure": "records"},
                    **computed,
                ),
                ind(
                    "c-visits",
                    "走访户数",
                    villages * 22,
                    indicators + 1,
                    source_params={"topic": VISITS, "measure": "people"},
                    **computed,
                ),
                ind("u0", "单位指标0", UNITS * 500, indicators + 2, decomposition=Decomposition.UNITS, parent=p_sum),
                ind("u1", "单位指标1", UNITS * 500, indicators + 3, decomposition=Decomposition.UNITS),
            ]
        )
        p_sum.target = sum((i.target for i in [*reported[:3], by_unit[0]]), Decimal(0))
        p_sum.save(update_fields=["target"])
        Share.objects.bulk_create(
            [
                Share(indicator=i, subdistrict=sub, region_id=v, target=Decimal(100))
                for i in reported
                for v in village_ids
            ]
            + [Share(indicator=talks, subdistrict=sub, region_id=v, target=Decimal(4)) for v in village_ids]
            + [Share(indicator=i, subdistrict=sub, unit=u, target=Decimal(500)) for i in by_unit for u in units],
            batch_size=20000,
        )
        ActivityRecord.objects.bulk_create(
            [
                ActivityRecord(
                    region_id=v,
                    subdistrict=sub,
                    kind=ActivityKind.TALK if topic == TALKS else ActivityKind.VISIT,
                    topic=topic,
                    title=topic,
                    date=datetime.date(YEAR, rng.randint(1, 12), rng.randint(1, 28)),
                    count=rng.randint(1, 10),
                )
                for v in village_ids
                for topic in (TALKS, VISITS)
                for _ in range(rng.randint(0, 8))
            ],
            batch_size=5000,
        )
        scheme = RankingScheme.objects.create(region=sub, year=YEAR, name="基准排名", subject="villages")
        RankingWeight.objects.bulk_create(
            [RankingWeight(scheme=scheme, indicator=i, weight=Decimal(20)) for i in [*reported[:4], talks]]
        )
    t_meta = time.perf_counter() - t0
    now = datetime.datetime(2020, 12, 1, tzinfo=datetime.UTC)
    month_ends = [datetime.date(YEAR, m, calendar.monthrange(YEAR, m)[1]) for m in range(1, months + 1)]
    month_starts = [datetime.date(YEAR, m, 1) for m in range(1, months + 1)]

    def rows():
        """(indicator, region, unit, period start, period end, running total)"""
        for i in reported:
            for v in village_ids:
                total = 0
                for m in range(months):
                    total += rng.randint(0, 12)
                    yield (i.pk, v, None, month_starts[m], month_ends[m], total)
        for i in by_unit:
            for u in units:
                total = 0
                for m in range(months):
                    total += rng.randint(0, 80)
                    yield (i.pk, sub.pk, u.pk, month_starts[m], month_ends[m], total)

    t1 = time.perf_counter()
    columns = (
        "indicator_id, region_id, unit_id, period_start, period_end, value, note, reason, is_current, created_at,"
        " modified_at, subdistrict_id"
    )
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            with cur.cursor.copy(f"COPY targets_entry ({columns}) FROM STDIN") as copy:
                for r in rows():
                    copy.write_row((*r, "", "", True, now, now, sub.pk))
            cur.execute("ANALYZE")
        else:
            batch = []
            sql = f"INSERT INTO targets_entry ({columns}) VALUES (?,?,?,?,?,?,'','',1,?,?,?)"
            for r in rows():
                batch.append(
                    (*r[:3], r[3].isoformat(), r[4].isoformat(), r[5], now.isoformat(), now.isoformat(), sub.pk)
                )
                if len(batch) >= 50000:
                    cur.cursor.executemany(sql, batch)
                    batch.clear()
            if batch:
                cur.cursor.executemany(sql, batch)
            cur.execute("ANALYZE")
    print(
        f"targets-dashboard: built {villages} villages, {indicators + 6} indicators, "
        f"{entry_count(villages, indicators, months):,} entries in {t_meta + time.perf_counter() - t1:.1f} s",
        file=sys.stderr,
        flush=True,
    )
    return sub, [*reported, talks, visits, *by_unit, p_sum, p_weighted], scheme


def entry_count(villages: int, indicators: int, months: int) -> int:
    return (villages * indicators + 2 * UNITS) * months


# the villages' reported indicators: each village's latest running total, added up
BOARD_SQL = """
SELECT t.indicator_id, SUM(t.value) FROM (
  SELECT e.indicator_id, e.value,
         ROW_NUMBER() OVER (PARTITION BY e.indicator_id, e.region_id ORDER BY e.period_end DESC, e.id DESC) AS rn
  FROM targets_entry e JOIN regions_region r ON r.id = e.region_id
  WHERE e.is_current AND r.parent_id = %s AND e.period_end >= %s AND e.period_start <= %s
) t WHERE t.rn = 1 GROUP BY t.indicator_id
"""

# the units' indicators: each unit's (with a share) latest running total on the subdistrict, added up
UNITS_SQL = """
SELECT t.indicator_id, SUM(t.value) FROM (
  SELECT e.indicator_id, e.value,
         ROW_NUMBER() OVER (PARTITION BY e.indicator_id, e.unit_id ORDER BY e.period_end DESC, e.id DESC) AS rn
  FROM targets_entry e JOIN targets_share s ON s.indicator_id = e.indicator_id AND s.unit_id = e.unit_id
  WHERE e.is_current AND e.region_id = %s AND e.period_end >= %s AND e.period_start <= %s
) t WHERE t.rn = 1 GROUP BY t.indicator_id
"""

# the computed indicators: the year's activity records under the subdistrict, per topic
ACTIVITIES_SQL = """
SELECT a.topic, COUNT(*), SUM(a.count)
FROM targets_activityrecord a JOIN regions_region r ON r.id = a.region_id
WHERE a.archived_at IS NULL AND r.path LIKE %s AND a.date >= %s AND a.date <= %s
GROUP BY a.topic
"""

RANKING_SQL = """
WITH ranked AS (
  SELECT e.indicator_id, e.region_id, e.value,
         ROW_NUMBER() OVER (PARTITION BY e.indicator_id, e.region_id ORDER BY e.period_end DESC, e.id DESC) AS rn
  FROM targets_entry e
  WHERE e.is_current AND e.indicator_id IN (SELECT indicator_id FROM targets_rankingweight WHERE scheme_id = %s)
    AND e.period_end >= %s AND e.period_start <= %s
), latest AS (
  SELECT indicator_id, region_id, value FROM ranked WHERE rn = 1
  UNION ALL
  SELECT %s, a.region_id, COUNT(*)
  FROM targets_activityrecord a JOIN regions_region r ON r.id = a.region_id
  WHERE a.archived_at IS NULL AND a.topic = %s AND r.parent_id = %s AND a.date >= %s AND a.date <= %s
  GROUP BY a.region_id
)
SELECT s.region_id,
       SUM(w.weight * MIN_OF(COALESCE(l.value, 0) * 100.0 / s.target, sc.cap)) / SUM(w.weight) AS score
FROM targets_rankingweight w
JOIN targets_rankingscheme sc ON sc.id = w.scheme_id
JOIN targets_share s ON s.indicator_id = w.indicator_id AND s.region_id IS NOT NULL
LEFT JOIN latest l ON l.indicator_id = s.indicator_id AND l.region_id = s.region_id
WHERE w.scheme_id = %s
GROUP BY s.region_id
"""

TENTH = Decimal("0.1")


def completion(actual: Decimal | None, target: Decimal) -> Decimal | None:
    """lights.completion for a "higher is better" indicator without a baseline, written out again."""
    if actual is None:
        return None
    rate = actual * 100 / target if target else Decimal(100)
    return Decimal(0) if rate <= 0 else rate.quantize(TENTH)


def scale(name: str, villages: int, args, province: str):
    """Build one scale's system; return its two comparisons and its notes."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from zhili.targets import engine, ranking
    from zhili.targets.models import Aggregation, SourceKind

    sub, inds, scheme = build(villages, args.td_indicators, args.td_months, province=province)
    start, end = datetime.date(YEAR, 1, 1), TODAY
    leaves = [i for i in inds if i.source != SourceKind.CHILDREN]
    parents = [i for i in inds if i.source == SourceKind.CHILDREN]
    kids = {p.pk: [i for i in inds if i.parent_id == p.pk] for p in parents}
    talks = next(i for i in inds if i.source_params.get("topic") == TALKS)

    def raw_board():
        """{indicator: actual} — a weighted parent's figure is its completion."""
        with connection.cursor() as cur:
            cur.execute(BOARD_SQL, [sub.pk, start, end])
            out = {i: Decimal(str(v)) for i, v in cur.fetchall()}
            cur.execute(UNITS_SQL, [sub.pk, start, end])
            out.update({i: Decimal(str(v)) for i, v in cur.fetchall()})
            cur.execute(ACTIVITIES_SQL, [f"{sub.path}%", start, end])
            by_topic = {t: {"records": Decimal(n), "people": Decimal(p)} for t, n, p in cur.fetchall()}
        for i in leaves:
            if i.source == SourceKind.COMPUTED:
                out[i.pk] = by_topic[i.source_params["topic"]][i.source_params["measure"]]
        for p in parents:
            if p.aggregation == Aggregation.SUM:
                out[p.pk] = sum((out[k.pk] for k in kids[p.pk]), Decimal(0))
            else:  # Σ weight × min(completion, 100) / Σ weight, to a tenth (engine._aggregate)
                capped = [(k.weight, min(completion(out[k.pk], k.target), Decimal(100))) for k in kids[p.pk]]
                pct = sum((w * c for w, c in capped), Decimal(0)) / sum((w for w, _ in capped), Decimal(0))
                out[p.pk] = pct.quantize(TENTH)
        return out

    def zhili_board():
        b = engine.build_board(sub, YEAR, TODAY)
        cells = b.computed.whole
        return {
            i.pk: cells[i.pk].completion if i.aggregation == Aggregation.WEIGHTED else cells[i.pk].actual for i in inds
        }

    least = "LEAST" if connection.vendor == "postgresql" else "MIN"
    ranking_sql = RANKING_SQL.replace("MIN_OF", least)

    def raw_ranking():
        with connection.cursor() as cur:
            cur.execute(ranking_sql, [scheme.pk, start, end, talks.pk, TALKS, sub.pk, start, end, scheme.pk])
            return {r: round(Decimal(str(s)), 2) for r, s in cur.fetchall()}

    def zhili_ranking():
        _, ranked = ranking.rank(sub, YEAR, TODAY)
        return {r.subject.pk: r.score for r in ranked}

    got, expected = zhili_board(), raw_board()
    wrong = [i.code for i in inds if got[i.pk] is None or Decimal(got[i.pk]) != expected[i.pk]]
    if wrong:
        raise SystemExit(f"targets-dashboard: Zhili's {name} board and the baseline disagree on {', '.join(wrong)}")
    got_r, expected_r = zhili_ranking(), raw_ranking()
    bad = [k for k in expected_r if abs(got_r.get(k, Decimal(-1)) - expected_r[k]) > Decimal("0.011")]
    if bad or len(got_r) != len(expected_r):
        raise SystemExit(f"targets-dashboard: {name} rankings disagree for {len(bad)} villages of {len(expected_r)}")
    comparisons = [
        bench.measure(
            f"board-{name}",
            zhili_board,
            raw_board,
            repeat=args.repeat,
            min_time=args.min_time,
            note=f"{len(inds)} indicators",
        ),
        bench.measure(
            f"ranking-{name}",
            zhili_ranking,
            raw_ranking,
            repeat=args.repeat,
            min_time=args.min_time,
            note=f"{len(expected_r)} villages",
        ),
    ]
    with CaptureQueriesContext(connection) as ctx:
        zhili_board()
    board_queries = len(ctx.captured_queries)
    with CaptureQueriesContext(connection) as ctx:
        zhili_ranking()
    notes = [
        f"{name}: queries board {board_queries}, ranking {len(ctx.captured_queries)}, "
        f"entries {entry_count(villages, args.td_indicators, args.td_months):,}",
        kept_note(name, sub, zhili_board),
    ]
    return comparisons, notes


def kept_note(name: str, sub, board) -> str:
    """What keeping the figures costs (zhili/targets/kept.py): counting them all from the records (once a day, or
    after a change on the subdistrict itself), and the board after one village's report (its village recounted)."""
    from zhili.people.models import Person
    from zhili.targets import kept
    from zhili.targets.models import Entry, Indicator, SourceKind

    t0 = time.perf_counter()
    n = kept.rebuild(sub, YEAR)
    counted = time.perf_counter() - t0
    ind = Indicator.objects.filter(task__goal__region=sub, source=SourceKind.REPORT, decomposition="villages").first()
    village = sub.children.order_by("code").first()
    reporter = Person.objects.filter(is_synthetic=True).first()
    after = []
    for i in range(5):
        Entry.objects.create(  # a save marks the village (as every action does)
            indicator=ind,
            region=village,
            period_start=datetime.date(YEAR, 12, 1),
            period_end=datetime.date(YEAR, 12, 31),
            value=Decimal(1000 + i),
            reporter=reporter,
        )
        t0 = time.perf_counter()
        board()
        after.append(time.perf_counter() - t0)
    return (
        f"{name}: kept figures {n:,}, counted from the records in {counted:.2f} s; "
        f"the board after one village's report {statistics.median(after) * 1000:.0f} ms (median of 5)"
    )


@bench.register(
    "targets-dashboard",
    "the one-page view and the village ranking, township and city, against hand-written SQL",
    arguments=add_arguments,
)
def run(args) -> bench.Report:
    from django.test import override_settings

    comparisons, notes, kept_notes = [], [], []
    for name, villages, province in (
        ("township", args.td_township_villages, "97"),
        ("city", args.td_villages, "99"),
    ):
        with override_settings(ZHILI_TODAY=TODAY):  # the system's year is this year: its figures are kept
            c, (queries, kept) = scale(name, villages, args, province)
        comparisons += c
        notes.append(queries)
        kept_notes.append(kept)
    return bench.Report(comparisons, notes=[bench.database_description(), *notes, *kept_notes])
