"""bulletin-build: one week's frozen snapshot and ranking (zhili.bulletins.snapshot.build) for every subdistrict of
a synthetic 5,000-village city, against hand-written SQL producing the same village tables in the same run; and
the rendering of all four formats for a 91-village week, reported alongside.

Data (defaults): the city of `cases-list` (`cases_list.build`: 45 subdistricts, 5,000 villages, 2 grids a village,
the default case categories and four units a subdistrict, 300,000 cases reported between 2019-01-01 and
2020-12-20); for every subdistrict a target system of 10 indicators decomposed to its villages with 10 monthly
running totals each (500,000 progress entries) and a ranking over 5 of them; one patrol in ~70 % of the grids in
the week 2020-W47. Loaded with COPY on PostgreSQL, executemany on SQLite.

What is timed — one week of the whole city:
- Zhili: `snapshot.build(setup, "2020-W47")` for each subdistrict — every section of the bulletin (targets and
  lights, the ranking, cases, patrols, ledgers, projects, tax, decisions, inspections), scored and ranked.
- baseline: per subdistrict, one hand-written statement returning each village's target score, case figures,
  patrol coverage, composite score and rank (the bulletin's village table), and one returning each village ×
  indicator completion (what the lights are judged from) — with the subdistrict's ids and the week's bounds
  already known.
Every village's composite score is compared (within 0.011) before anything is timed.
"""

from __future__ import annotations

import calendar
import datetime
import random
import sys
import time
from decimal import Decimal

import bench

YEAR = 2020
WEEK = "2020-W47"
MONDAY = datetime.date(2020, 11, 16)
AS_OF = datetime.date(2020, 11, 22)
MONTHS = 10  # January … October: every entry ends before the week


def add_arguments(group) -> None:
    group.add_argument("--bb-villages", type=int, default=5000, help="villages (default 5000)")
    group.add_argument("--bb-cases", type=int, default=300_000, help="cases (default 300,000)")
    group.add_argument("--bb-indicators", type=int, default=10, help="indicators a subdistrict (default 10)")


def _local_midnight(day: datetime.date) -> datetime.datetime:
    from django.utils import timezone

    return datetime.datetime.combine(day, datetime.time(), tzinfo=timezone.get_current_timezone())


def _targets(subdistricts, n_indicators: int) -> list[tuple[int, int, Decimal]]:
    """Per subdistrict a goal, a task, indicators decomposed to its villages (target 100 each) and a ranking over
    five of them; returns the (indicator, village, target) shares for the entries."""
    from django.db import transaction

    from zhili.regions.models import Level, Region
    from zhili.targets.models import Goal, Indicator, RankingScheme, RankingWeight, Share, Task

    shares = []
    with transaction.atomic():
        for sub in subdistricts:
            villages = list(Region.objects.filter(parent=sub, level=Level.VILLAGE).values_list("pk", flat=True))
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
                        target=Decimal(len(villages) * 100),
                        decomposition="villages",
                        order=k,
                    )
                    for k in range(n_indicators)
                ]
            )
            Share.objects.bulk_create(
                [
                    Share(indicator=ind, subdistrict=sub, region_id=v, target=Decimal(100))
                    for ind in inds
                    for v in villages
                ],
                batch_size=5000,
            )
            scheme = RankingScheme.objects.create(region=sub, year=YEAR, name="基准排名", subject="villages")
            RankingWeight.objects.bulk_create(
                [RankingWeight(scheme=scheme, indicator=inds[k], weight=Decimal(20)) for k in range(min(5, len(inds)))]
            )
            shares += [(ind.pk, v, Decimal(100)) for ind in inds for v in villages]
    return shares


def _entries(shares) -> int:
    from django.db import connection

    rng = random.Random(47)
    now = datetime.datetime(2020, 11, 1, tzinfo=datetime.UTC)
    ends = [datetime.date(YEAR, m, calendar.monthrange(YEAR, m)[1]) for m in range(1, MONTHS + 1)]
    starts = [datetime.date(YEAR, m, 1) for m in range(1, MONTHS + 1)]

    def rows():
        for ind, village, _target in shares:
            total = 0
            pace = rng.uniform(4, 12)
            for m in range(MONTHS):
                total += rng.randint(0, int(2 * pace))
                yield (ind, village, starts[m], ends[m], total)

    n = 0
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            with cur.cursor.copy(
                "COPY targets_entry (indicator_id, region_id, period_start, period_end, value, "
                "note, reason, is_current, created_at, modified_at) FROM STDIN"
            ) as copy:
                for r in rows():
                    copy.write_row((*r, "", "", True, now, now))
                    n += 1
        else:
            sql = (
                "INSERT INTO targets_entry (indicator_id, region_id, period_start, period_end, value, note, "
                "reason, is_current, created_at, modified_at) VALUES (?,?,?,?,?,'','',1,?,?)"
            )
            batch = []
            for r in rows():
                batch.append((*r[:2], r[2].isoformat(), r[3].isoformat(), r[4], now.isoformat(), now.isoformat()))
                n += 1
                if len(batch) >= 50000:
                    cur.cursor.executemany(sql, batch)
                    batch.clear()
            if batch:
                cur.cursor.executemany(sql, batch)
    return n


def _patrols(person) -> int:
    from zhili.cases.models import Patrol
    from zhili.regions.models import Level, Region

    rng = random.Random(2047)
    monday = _local_midnight(MONDAY)
    grids = list(Region.objects.filter(level=Level.GRID).values_list("pk", "path"))
    subdistricts = dict(Region.objects.filter(level=Level.SUBDISTRICT).values_list("path", "pk"))
    patrols = [
        Patrol(
            inspector=person,
            grid_id=pk,
            path=path,
            subdistrict_id=subdistricts[Region.path_at(path, Level.SUBDISTRICT)],
            started_at=monday + datetime.timedelta(hours=rng.uniform(8, 6 * 24)),
        )
        for pk, path in grids
        if rng.random() < 0.7
    ]
    Patrol.objects.bulk_create(patrols, batch_size=5000)
    return len(patrols)


def build(args):
    from django.db import connection

    from bench import cases_list

    w = cases_list.build(args.bb_villages, 2, args.bb_cases)
    t0 = time.perf_counter()
    shares = _targets(w.subdistricts, args.bb_indicators)
    n_entries = _entries(shares)
    n_patrols = _patrols(next(iter(w.people.values())))
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    print(
        f"bulletin-build: {len(w.subdistricts)} subdistricts, {n_entries:,} entries, {n_patrols:,} patrols in "
        f"{time.perf_counter() - t0:.1f} s",
        file=sys.stderr,
        flush=True,
    )
    w.n_entries, w.n_patrols = n_entries, n_patrols
    return w


# ---- hand-written SQL ------------------------------------------------------------------------------
# One subdistrict's village table: the target score (ranking.rank's formula, capped at 100), the week's case
# figures (snapshot._case_counts), patrol coverage, and the composite score Σ w·v / Σ w over the components
# with data, ranked. %(…)s parameters; MIN2/MAX2 are LEAST/GREATEST on PostgreSQL, MIN/MAX on SQLite.

VILLAGE_TABLE_SQL = """
WITH villages AS (
  SELECT id, code, path FROM regions_region
  WHERE parent_id = %(sub)s AND level = %(village_level)s
    AND valid_from <= %(as_of)s AND (valid_to IS NULL OR valid_to > %(as_of)s)
),
latest AS (
  SELECT e.indicator_id, e.region_id, e.value,
         ROW_NUMBER() OVER (PARTITION BY e.indicator_id, e.region_id ORDER BY e.period_end DESC, e.id DESC) AS rn
  FROM targets_entry e
  WHERE e.is_current AND e.indicator_id IN (SELECT indicator_id FROM targets_rankingweight WHERE scheme_id = %(scheme)s)
    AND e.period_end >= %(year_start)s AND e.period_start <= %(as_of)s
),
target_score AS (
  SELECT s.region_id,
         MIN2(SUM(w.weight * MIN2(COALESCE(l.value, 0) * 100.0 / s.target, sc.cap)) / SUM(w.weight), 100) AS v
  FROM targets_rankingweight w
  JOIN targets_rankingscheme sc ON sc.id = w.scheme_id
  JOIN targets_share s ON s.indicator_id = w.indicator_id AND s.region_id IS NOT NULL
  LEFT JOIN latest l ON l.indicator_id = s.indicator_id AND l.region_id = s.region_id AND l.rn = 1
  WHERE w.scheme_id = %(scheme)s
  GROUP BY s.region_id
),
cases AS (
  SELECT SUBSTR(c.path, 1, %(village_path_length)s) AS vpath,
    COUNT(*) FILTER (WHERE c.reported_at >= %(start)s AND c.reported_at < %(end)s) AS new,
    COUNT(*) FILTER (WHERE c.closed_at >= %(start)s AND c.closed_at < %(end)s) AS closed,
    COUNT(*) FILTER (WHERE c.filed_at IS NOT NULL AND ((c.closed_at >= %(start)s AND c.closed_at < %(end)s)
        OR (c.deadline >= %(start)s AND c.deadline < %(end)s AND (c.closed_at IS NULL OR c.closed_at >= %(start)s))))
      AS due,
    COUNT(*) FILTER (WHERE c.closed_at >= %(start)s AND c.closed_at < %(end)s AND c.closed_on_time) AS on_time,
    COUNT(*) FILTER (WHERE c.filed_at IS NOT NULL AND c.deadline < %(end)s
        AND (c.closed_at IS NULL OR c.closed_at >= %(end)s) AND c.state NOT IN ('void', 'rejected')) AS overdue
  FROM cases_case c
  WHERE c.subdistrict_id = %(sub)s AND NOT c.confidential AND c.state <> 'merged' AND c.reported_at < %(end)s
    AND (c.reported_at >= %(start)s OR c.closed_at >= %(start)s
         OR (c.closed_at IS NULL AND c.filed_at IS NOT NULL AND c.deadline < %(end)s))
  GROUP BY SUBSTR(c.path, 1, %(village_path_length)s)
),
patrolled AS (
  SELECT DISTINCT grid_id FROM cases_patrol
  WHERE path LIKE %(sub_path_like)s AND started_at >= %(start)s AND started_at < %(end)s
),
patrol AS (
  SELECT g.parent_id AS village_id, COUNT(*) AS grids, COUNT(p.grid_id) AS patrolled
  FROM regions_region g LEFT JOIN patrolled p ON p.grid_id = g.id
  WHERE g.parent_id IN (SELECT id FROM villages) AND g.level = %(grid_level)s
    AND g.valid_from <= %(as_of)s AND (g.valid_to IS NULL OR g.valid_to > %(as_of)s)
  GROUP BY g.parent_id
),
components AS (
  SELECT v.code,
         ROUND(t.v, 2) AS targets,
         CASE WHEN COALESCE(c.due, 0) = 0 THEN NULL ELSE ROUND(c.on_time * 100.0 / c.due, 1) END AS cases,
         CASE WHEN COALESCE(p.grids, 0) = 0 OR %(anyone_patrolled)s = 0 THEN NULL
              ELSE ROUND(p.patrolled * 100.0 / p.grids, 1) END AS patrol,
         COALESCE(c.new, 0) AS new, COALESCE(c.closed, 0) AS closed, COALESCE(c.due, 0) AS due,
         COALESCE(c.overdue, 0) AS overdue, COALESCE(p.grids, 0) AS grids, COALESCE(p.patrolled, 0) AS patrolled
  FROM villages v
  LEFT JOIN target_score t ON t.region_id = v.id
  LEFT JOIN cases c ON c.vpath = v.path
  LEFT JOIN patrol p ON p.village_id = v.id
),
scored AS (
  SELECT *,
    ROUND((COALESCE(%(w_targets)s * targets, 0) + COALESCE(%(w_cases)s * cases, 0) + COALESCE(%(w_patrol)s * patrol, 0))
      / NULLIF(CASE WHEN targets IS NULL THEN 0 ELSE %(w_targets)s END
             + CASE WHEN cases IS NULL THEN 0 ELSE %(w_cases)s END
             + CASE WHEN patrol IS NULL THEN 0 ELSE %(w_patrol)s END, 0), 2) AS score
  FROM components
)
SELECT code, targets, cases, patrol, new, closed, due, overdue, grids, patrolled, score,
       RANK() OVER (ORDER BY score DESC) AS rank
FROM scored ORDER BY score DESC, code
"""

# What the lights are judged from: each village × indicator's latest value against its share.
COMPLETIONS_SQL = """
SELECT s.indicator_id, s.region_id, COALESCE(l.value, 0) * 100.0 / s.target
FROM targets_share s
JOIN targets_indicator i ON i.id = s.indicator_id
JOIN targets_task t ON t.id = i.task_id
JOIN targets_goal g ON g.id = t.goal_id
LEFT JOIN (
  SELECT e.indicator_id, e.region_id, e.value,
         ROW_NUMBER() OVER (PARTITION BY e.indicator_id, e.region_id ORDER BY e.period_end DESC, e.id DESC) AS rn
  FROM targets_entry e JOIN regions_region r ON r.id = e.region_id
  WHERE e.is_current AND r.parent_id = %(sub)s AND e.period_end >= %(year_start)s AND e.period_start <= %(as_of)s
) l ON l.indicator_id = s.indicator_id AND l.region_id = s.region_id AND l.rn = 1
WHERE g.region_id = %(sub)s AND g.year = %(year)s AND s.region_id IS NOT NULL
"""


def _sql(text: str, vendor: str) -> str:
    if vendor == "postgresql":
        return text.replace("MIN2(", "LEAST(")
    return text.replace("MIN2(", "MIN(")  # SQLite: MIN with two arguments is the scalar minimum


@bench.register(
    "bulletin-build",
    "a city's weekly snapshots and rankings against hand-written SQL; four formats rendered for 91 villages",
    arguments=add_arguments,
)
def run(args) -> bench.Report:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from zhili.bulletins import render, scoring, snapshot
    from zhili.bulletins.queries import setup_of
    from zhili.cases.models import Patrol
    from zhili.regions.models import CODE_LENGTH, PATH_SEP, Level
    from zhili.targets.models import RankingScheme

    w = build(args)
    vendor = connection.vendor
    subs = list(w.subdistricts)
    setups = [setup_of(sub) for sub in subs]
    schemes = {s.region_id: s.pk for s in RankingScheme.objects.filter(region__in=subs, year=YEAR)}
    weights = scoring.DEFAULT_WEIGHTS
    start, end = _local_midnight(MONDAY), _local_midnight(AS_OF + datetime.timedelta(days=1))
    params = []
    for sub in subs:
        anyone = Patrol.objects.filter(path__startswith=sub.path, started_at__gte=start, started_at__lt=end).exists()
        params.append(
            {
                "sub": sub.pk,
                "scheme": schemes[sub.pk],
                "village_level": Level.VILLAGE,
                "grid_level": Level.GRID,
                "village_path_length": len(sub.path) + CODE_LENGTH[Level.VILLAGE] + len(PATH_SEP),
                "sub_path_like": sub.path + "%",
                "year_start": datetime.date(YEAR, 1, 1),
                "as_of": AS_OF,
                "year": YEAR,
                # as the ORM writes them (SQLite: UTC text); the raw cursor would not convert them
                "start": connection.ops.adapt_datetimefield_value(start),
                "end": connection.ops.adapt_datetimefield_value(end),
                "anyone_patrolled": int(anyone),
                "w_targets": weights["targets"],
                "w_cases": weights["cases"],
                "w_patrol": weights["patrol"],
            }
        )
    table_sql, completions_sql = _sql(VILLAGE_TABLE_SQL, vendor), _sql(COMPLETIONS_SQL, vendor)

    def zhili_week():
        return [snapshot.build(setup, WEEK, today=AS_OF) for setup in setups]

    def raw_week():
        out = []
        with connection.cursor() as cur:
            for p in params:
                cur.execute(table_sql, p)
                table = cur.fetchall()
                cur.execute(completions_sql, p)
                out.append((table, cur.fetchall()))
        return out

    got, expected = zhili_week(), raw_week()
    bad, villages = [], 0
    for data, (table, _completions) in zip(got, expected, strict=True):
        mine = {v["code"]: v["score"] for v in data["villages"]}
        villages += len(table)
        for row in table:
            code, score = row[0], row[10]
            ours = mine.get(code)
            if (ours is None) != (score is None) or (
                ours is not None and abs(Decimal(ours) - Decimal(str(score))) > Decimal("0.011")
            ):
                mine_v = next((v for v in data["villages"] if v["code"] == code), None)
                bad.append((code, ours, score, row, mine_v and mine_v["components"], mine_v and mine_v["cases"]))
    if bad:
        raise SystemExit(f"bulletin-build: scores disagree for {len(bad)} villages, e.g. {bad[0]}")
    with CaptureQueriesContext(connection) as ctx:
        snapshot.build(setups[0], WEEK, today=AS_OF)
    queries = len(ctx.captured_queries)
    comparisons = [
        bench.measure(
            "week",
            zhili_week,
            raw_week,
            repeat=args.repeat,
            min_time=args.min_time,
            note=f"{len(subs)} subdistricts, {villages:,} villages",
        )
    ]
    # The four formats of one week of 91 villages (the Taiping demo's size), from the first subdistrict's data.
    data = dict(got[0])
    data["villages"] = (data["villages"] * (91 // max(1, len(data["villages"])) + 1))[:91]
    timings = []
    for fmt in ("docx", "xlsx", "md", "html"):
        t = time.perf_counter()
        body, _name, _type = render.render(data, fmt)
        timings.append(f"{fmt} {time.perf_counter() - t:.2f} s ({len(body) / 1024:.0f} KiB)")
    return bench.Report(
        comparisons,
        description=f"{len(subs)} subdistricts, {villages:,} villages: one week's snapshots and rankings (goal ≤ 3)",
        notes=[
            f"queries: one snapshot {queries}",
            f"cases {w.n_cases:,}, entries {w.n_entries:,}, patrols {w.n_patrols:,}",
            "render 91 villages: " + ", ".join(timings),
        ],
    )
