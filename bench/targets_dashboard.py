"""targets-dashboard: the leader's one-page view and the village ranking on a synthetic city-sized system,
against hand-written SQL producing the same numbers in the same run.

Data (defaults): one subdistrict-level target system over 5,000 villages (the city's village count under one
owner, so one page really covers all of them), 100 indicators decomposed to every village, 12 monthly
running totals per village and indicator — 6,000,000 progress entries — and a ranking over 5 weighted
indicators. Entries are loaded with COPY on PostgreSQL and executemany on SQLite.

Measured:
- board:   engine.build_board(sub, year, today) — every indicator's target, actual, completion and light —
           against one SQL aggregate returning each indicator's total of the villages' latest values;
- ranking: ranking.rank(sub, year, today) — 5,000 villages scored with breakdowns — against one SQL query
           returning every village's score.
"""

from __future__ import annotations

import datetime
import random
import sys
import time
from decimal import Decimal

import bench

YEAR = 2020
TODAY = datetime.date(2020, 12, 20)


def add_arguments(group) -> None:
    group.add_argument("--td-villages", type=int, default=5000, help="villages (default 5000)")
    group.add_argument("--td-indicators", type=int, default=100, help="indicators (default 100)")
    group.add_argument("--td-months", type=int, default=12, help="monthly values per village (default 12)")


def build(villages: int, indicators: int, months: int, *, province: str = "99"):
    """`province`: the code's first two digits (no province has 99 or 98: the synthetic tree never collides with
    a real one, nor with regions-subtree's city when another benchmark builds both)."""
    from django.db import connection, transaction

    from zhili.regions.models import Level, Region
    from zhili.targets.models import Goal, Indicator, RankingScheme, RankingWeight, Share, Task

    t0 = time.perf_counter()
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
        goal = Goal.objects.create(region=sub, year=YEAR, level_name="攻坚战", code="1", title="基准目标")
        task = Task.objects.create(
            goal=goal,
            code="1.1",
            title="基准任务",
            start=datetime.date(YEAR, 1, 1),
            deadline=datetime.date(YEAR, 12, 31),
        )
        inds = Indicator.objects.bulk_create(
            [
                Indicator(
                    task=task,
                    code=f"i{k:03d}",
                    name=f"指标{k}",
                    unit="个",
                    target=Decimal(villages * 100),
                    decomposition="villages",
                    order=k,
                )
                for k in range(indicators)
            ]
        )
        Share.objects.bulk_create(
            [Share(indicator=ind, region_id=v, target=Decimal(100)) for ind in inds for v in village_ids],
            batch_size=20000,
        )
        scheme = RankingScheme.objects.create(region=sub, year=YEAR, name="基准排名", subject="villages")
        RankingWeight.objects.bulk_create(
            [RankingWeight(scheme=scheme, indicator=inds[k], weight=Decimal(20)) for k in range(min(5, indicators))]
        )
    t_meta = time.perf_counter() - t0
    rng = random.Random(7)
    now = datetime.datetime(2020, 12, 1, tzinfo=datetime.UTC)
    import calendar

    month_ends = [datetime.date(YEAR, m, calendar.monthrange(YEAR, m)[1]) for m in range(1, months + 1)]
    month_starts = [datetime.date(YEAR, m, 1) for m in range(1, months + 1)]

    def rows():
        for ind in inds:
            for v in village_ids:
                total = 0
                for m in range(months):
                    total += rng.randint(0, 12)
                    yield (ind.pk, v, month_starts[m], month_ends[m], total)

    t1 = time.perf_counter()
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            with cur.cursor.copy(
                "COPY targets_entry (indicator_id, region_id, period_start, period_end, value, "
                "note, reason, is_current, created_at, modified_at) FROM STDIN"
            ) as copy:
                for r in rows():
                    copy.write_row((*r, "", "", True, now, now))
            cur.execute("ANALYZE")
        else:
            batch = []
            sql = (
                "INSERT INTO targets_entry (indicator_id, region_id, period_start, period_end, value, note, "
                "reason, is_current, created_at, modified_at) VALUES (?,?,?,?,?,'','',1,?,?)"
            )
            for r in rows():
                batch.append((*r[:2], r[2].isoformat(), r[3].isoformat(), r[4], now.isoformat(), now.isoformat()))
                if len(batch) >= 50000:
                    cur.cursor.executemany(sql, batch)
                    batch.clear()
            if batch:
                cur.cursor.executemany(sql, batch)
            cur.execute("ANALYZE")
    entries = villages * indicators * months
    print(
        f"targets-dashboard: built {villages} villages, {indicators} indicators, {entries:,} entries "
        f"in {t_meta + time.perf_counter() - t1:.1f} s",
        file=sys.stderr,
        flush=True,
    )
    return sub, inds, scheme


BOARD_SQL = """
SELECT t.indicator_id, SUM(t.value) FROM (
  SELECT e.indicator_id, e.value,
         ROW_NUMBER() OVER (PARTITION BY e.indicator_id, e.region_id ORDER BY e.period_end DESC, e.id DESC) AS rn
  FROM targets_entry e JOIN regions_region r ON r.id = e.region_id
  WHERE e.is_current AND r.parent_id = %s AND e.period_end >= %s AND e.period_start <= %s
) t WHERE t.rn = 1 GROUP BY t.indicator_id
"""

RANKING_SQL = """
WITH latest AS (
  SELECT e.indicator_id, e.region_id, e.value,
         ROW_NUMBER() OVER (PARTITION BY e.indicator_id, e.region_id ORDER BY e.period_end DESC, e.id DESC) AS rn
  FROM targets_entry e
  WHERE e.is_current AND e.indicator_id IN (SELECT indicator_id FROM targets_rankingweight WHERE scheme_id = %s)
    AND e.period_end >= %s AND e.period_start <= %s
)
SELECT s.region_id,
       SUM(w.weight * MIN_OF(COALESCE(l.value, 0) * 100.0 / s.target, sc.cap)) / SUM(w.weight) AS score
FROM targets_rankingweight w
JOIN targets_rankingscheme sc ON sc.id = w.scheme_id
JOIN targets_share s ON s.indicator_id = w.indicator_id AND s.region_id IS NOT NULL
LEFT JOIN latest l ON l.indicator_id = s.indicator_id AND l.region_id = s.region_id AND l.rn = 1
WHERE w.scheme_id = %s
GROUP BY s.region_id
"""


@bench.register(
    "targets-dashboard", "the one-page view and the village ranking against hand-written SQL", arguments=add_arguments
)
def run(args) -> bench.Report:
    from django.db import connection

    from zhili.targets import engine, ranking

    sub, inds, scheme = build(args.td_villages, args.td_indicators, args.td_months)
    start, end = datetime.date(YEAR, 1, 1), TODAY

    def raw_board():
        with connection.cursor() as cur:
            cur.execute(BOARD_SQL, [sub.pk, start, end])
            return dict(cur.fetchall())

    def zhili_board():
        b = engine.build_board(sub, YEAR, TODAY)
        return {i: c.actual for i, c in b.computed.whole.items()}

    least = "LEAST" if connection.vendor == "postgresql" else "MIN"

    def raw_ranking():
        with connection.cursor() as cur:
            cur.execute(RANKING_SQL.replace("MIN_OF", least), [scheme.pk, start, end, scheme.pk])
            return {r: round(Decimal(str(s)), 2) for r, s in cur.fetchall()}

    def zhili_ranking():
        _, ranked = ranking.rank(sub, YEAR, TODAY)
        return {r.subject.pk: r.score for r in ranked}

    got, expected = zhili_board(), raw_board()
    if {k: Decimal(v) for k, v in got.items()} != {k: Decimal(v) for k, v in expected.items()}:
        raise SystemExit("targets-dashboard: Zhili's board and the SQL baseline disagree")
    got_r, expected_r = zhili_ranking(), raw_ranking()
    bad = [k for k in expected_r if abs(got_r.get(k, Decimal(-1)) - expected_r[k]) > Decimal("0.011")]
    if bad:
        raise SystemExit(f"targets-dashboard: rankings disagree for {len(bad)} villages, e.g. region {bad[0]}")
    comparisons = [
        bench.measure(
            "board", zhili_board, raw_board, repeat=args.repeat, min_time=args.min_time, note=f"{len(inds)} indicators"
        ),
        bench.measure(
            "ranking",
            zhili_ranking,
            raw_ranking,
            repeat=args.repeat,
            min_time=args.min_time,
            note=f"{len(expected_r)} villages",
        ),
    ]
    from django.db import connection as conn
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(conn) as ctx:
        zhili_board()
    board_queries = len(ctx.captured_queries)
    with CaptureQueriesContext(conn) as ctx:
        zhili_ranking()
    return bench.Report(
        comparisons,
        notes=[
            f"queries: board {board_queries}, ranking {len(ctx.captured_queries)}",
            f"entries {args.td_villages * args.td_indicators * args.td_months:,}",
        ],
    )
