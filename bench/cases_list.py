"""cases-list: the grid-case list's first page and the statistics table on a synthetic city with a million cases,
against hand-written SQL returning the same rows and numbers in the same run.

Data (defaults): the city of `regions-subtree` (`build_city`: 5 districts, 45 subdistricts, 5,000 villages,
50,000 grids), a city-level viewer added; the default categories (`zhili.cases.defaults.install`) and four
units in every subdistrict; 1,000,000 cases (`--cases-n`) spread at random over the grids, reported between
2019-01-01 and the benchmark's "today" 2020-12-20 (kept in SiteFlag "today", as the demo does). Older cases
are mostly closed (some rejected, voided, merged, parked, a few still open and overdue); the last month's are
mostly open. Reworks (~7 %), extensions (~3 %), on-time flags and deadlines from the categories' time limits;
0.5 % are confidential tips. Loaded with COPY on PostgreSQL, executemany on SQLite.

What is timed, per operation — one request's worth of work:
- Zhili: `scope_for(person)` (a page builds the scope once per request), then
  list kinds: `queries.page_of(queries.filtered(scope, Filters(...)), limit=51)` — the first page as the list
  view asks for it (50 rows and one more that only says "there is a next page": no COUNT), with their joins,
  instantiated as model objects; stats kinds: `queries.statistics(scope, subdistrict, by, Filters(...))`
  — the grouped counts, the names and the rates, with `now` read through `zhili.core.clock` as a page does.
- baseline: one hand-written `cursor.execute()` with the scope's prefix, filter values and "now" already known,
  returning plain tuples: the same page (same joins, ORDER BY … LIMIT 51), or the same table (one GROUP BY
  with FILTER clauses, names joined in the same statement).
Both sides' results are compared before anything is timed. The query counts on the summary line are
Zhili's, per operation (scope and clock included).

Kinds:
    list-leader    subdistrict 1's leader: open cases of one category class since 2020-06-01
    list-district  district 1's viewer: overdue cases
    list-city      the city viewer: open cases since 2020-06-01
    stats-village  the leader's table by village, subdistrict 1, since 2020-01-01 (stats-unit, stats-grid alike)
"""

from __future__ import annotations

import datetime
import random
import re
import sys
import time

import bench

TODAY = datetime.date(2020, 12, 20)
FIRST_DAY = datetime.date(2019, 1, 1)
LIST_SINCE = datetime.date(2020, 6, 1)
STATS_SINCE = datetime.date(2020, 1, 1)
PAGE = 50  # zhili.cases.views.PAGE: the list asks page_of for PAGE + 1 rows, the last one only saying "more"
UNITS = [("cgb", "城管办"), ("zjb", "住建办"), ("hbb", "环保办"), ("yjb", "应急办")]
COUNT_KEYS = [
    "reported",
    "accepted",
    "filed",
    "dispatched",
    "due",
    "closed",
    "closed_on_time",
    "reworked",
    "extended",
    "due_handling",
    "handled_on_time",
    "overdue",
    "public",
    "open",
]

# state, how far along the loop it got (0 reported … 7 closed), weight among older cases, among the last month's
STATES = [
    ("reported", 0, 0.0005, 0.08),
    ("accepted", 1, 0.0005, 0.05),
    ("rejected", 0, 0.02, 0.02),
    ("filed", 2, 0.001, 0.05),
    ("void", 1, 0.015, 0.01),
    ("dispatched", 3, 0.01, 0.30),
    ("handled", 4, 0.002, 0.10),
    ("feedback", 5, 0.001, 0.10),
    ("verified", 6, 0.001, 0.05),
    ("closed", 7, 0.93, 0.21),
    ("parked", 3, 0.008, 0.01),
    ("merged", 0, 0.01, 0.02),
]
SOURCES = ["patrol"] * 10 + ["public"] * 4 + ["staff"] * 3 + ["partner"] * 2 + ["superior"]

COLUMNS = [
    "created_at",
    "modified_at",
    "subdistrict_id",
    "number",
    "region_id",
    "path",
    "source",
    "category_id",
    "state",
    "description",
    "address",
    "reported_at",
    "contact_name",
    "contact_phone",
    "tracking_code",
    "confidential",
    "is_public",
    "unit_id",
    "assignee_region_id",
    "accepted_at",
    "filed_at",
    "dispatched_at",
    "handled_at",
    "verified_at",
    "closed_at",
    "deadline",
    "step_started_at",
    "step_deadline",
    "rework_count",
    "extension_count",
    "handled_on_time",
    "closed_on_time",
    "note",
    "is_hotspot",
    "revision",
    "client_ref",
]
TIMES = {c for c in COLUMNS if c.endswith("_at") or c in ("deadline", "step_deadline")}


def add_arguments(group) -> None:
    group.add_argument("--cases-n", type=int, default=1_000_000, help="cases (default 1,000,000)")
    group.add_argument("--cl-villages", type=int, default=5000, help="villages (default 5000)")
    group.add_argument("--cl-grids-per-village", type=int, default=10, help="grids per village (default 10)")


class World:
    pass


def _local_midnight(day: datetime.date) -> datetime.datetime:
    from django.utils import timezone

    return datetime.datetime.combine(day, datetime.time(), tzinfo=timezone.get_current_timezone())


def build(villages: int, grids_per_village: int, n_cases: int) -> World:
    from django.db import connection, transaction

    from bench.regions_subtree import build_city
    from zhili.cases import defaults
    from zhili.cases.models import Category
    from zhili.core.clock import TODAY_FLAG
    from zhili.core.models import SiteFlag
    from zhili.people.models import Person, Role, RoleAssignment, Unit
    from zhili.regions.models import Level, Region

    w = World()
    t0 = time.perf_counter()
    city = build_city(villages, grids_per_village)
    w.city, w.subdistricts, w.district = city.city, city.subdistricts, city.districts[0]
    w.people = dict(city.people)
    with transaction.atomic():
        SiteFlag.objects.update_or_create(key=TODAY_FLAG, defaults={"value": TODAY.isoformat()})
        viewer = Person.objects.create(
            username="bench-city-viewer",
            full_name="city viewer",
            region=w.city,
            password="!bench-unusable",
            is_synthetic=True,
        )
        RoleAssignment.objects.create(person=viewer, role=Role.VIEWER, region=w.city)
        w.people["city"] = viewer
        units_of, cats_of = {}, {}
        for sub in w.subdistricts:
            defaults.install(sub)
            units_of[sub.pk] = [
                u.pk for u in Unit.objects.bulk_create([Unit(code=code, name=name, region=sub) for code, name in UNITS])
            ]
        for c in Category.objects.filter(parent__isnull=False).select_related("parent"):
            cats_of.setdefault(c.subdistrict_id, []).append((c.pk, c.parent.code, c.name, max(1, c.time_limit_days)))
    grids = list(Region.objects.filter(level=Level.GRID).values_list("pk", "path", "parent_id", "parent__parent_id"))
    t_meta = time.perf_counter() - t0
    print(
        f"cases-list: city and categories in {t_meta:.1f} s; writing {n_cases:,} cases …", file=sys.stderr, flush=True
    )

    t1 = time.perf_counter()
    rows = _case_rows(n_cases, grids, units_of, cats_of)
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            # The migration's secondary indexes are dropped for the load and built again after it (the same
            # definitions, read back from pg_indexes): a quarter of the time of maintaining them row by row.
            cur.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'cases_case' AND indexname"
                " NOT IN (SELECT conname FROM pg_constraint WHERE conrelid = 'cases_case'::regclass)"
            )
            indexes = cur.fetchall()
            for name, _ in indexes:
                cur.execute(f'DROP INDEX "{name}"')
            with cur.cursor.copy(f"COPY cases_case ({', '.join(COLUMNS)}) FROM STDIN") as copy:
                for r in rows:
                    copy.write_row(r)
            cur.execute("SET maintenance_work_mem = '256MB'")
            for _, definition in indexes:
                cur.execute(definition)
        else:
            sql = f"INSERT INTO cases_case ({', '.join(COLUMNS)}) VALUES ({', '.join(['?'] * len(COLUMNS))})"
            batch = []
            adapt = connection.ops.adapt_datetimefield_value
            timed = [i for i, c in enumerate(COLUMNS) if c in TIMES]
            for r in rows:
                r = list(r)
                for i in timed:
                    r[i] = adapt(r[i])
                batch.append(r)
                if len(batch) >= 20000:
                    cur.cursor.executemany(sql, batch)
                    batch.clear()
            if batch:
                cur.cursor.executemany(sql, batch)
        cur.execute("ANALYZE")
    w.load_s = time.perf_counter() - t1
    w.setup_s = time.perf_counter() - t0
    w.n_cases, w.n_grids = n_cases, len(grids)
    w.region_count = city.region_count
    # Filter values: subdistrict 1's 市容环境 class (three categories under it)
    w.sub = w.subdistricts[0]
    w.category_class = Category.objects.get(subdistrict=w.sub, code="sj-appearance")
    print(
        f"cases-list: {n_cases:,} cases loaded in {w.load_s:.1f} s (setup {w.setup_s:.1f} s)",
        file=sys.stderr,
        flush=True,
    )
    return w


def _case_rows(n: int, grids, units_of, cats_of):
    """One tuple per case, in COLUMNS' order (aware datetimes). Deterministic: a seeded generator."""
    rng = random.Random(20201220)
    utc = datetime.UTC
    end = _local_midnight(TODAY).timestamp()
    start = _local_midnight(FIRST_DAY).timestamp()
    span = end - start
    old_cum, new_cum, acc_o, acc_n = [], [], 0.0, 0.0
    for _, _, wo, wn in STATES:
        acc_o += wo
        acc_n += wn
        old_cum.append(acc_o)
        new_cum.append(acc_n)
    day, hour = 86400.0, 3600.0

    def ts(x):
        return None if x is None else datetime.datetime.fromtimestamp(int(x), utc)

    created = datetime.datetime.fromtimestamp(int(end), utc)
    for i in range(n):
        grid_id, path, village_id, sub_id = grids[rng.randrange(len(grids))]
        cats = cats_of[sub_id]
        cat_id, class_code, cat_name, limit = cats[rng.randrange(len(cats))]
        tip = class_code == "xs-tips"
        reported = start + (i + rng.random()) * span / n  # cases arrive in time order, as they are reported
        age = end - reported
        cum = new_cum if age < 30 * day else old_cum
        state, reached, _, _ = STATES[rng.choices(range(len(STATES)), cum_weights=cum)[0]]
        t = reported
        accepted = filed = dispatched = handled = verified = closed = deadline = step_deadline = None
        rework = extension = 0
        if reached >= 1:
            t = accepted = min(t + rng.uniform(0.1, 8) * hour, end - 60)
        if reached >= 2:
            t = filed = min(t + rng.uniform(0.1, 8) * hour, end - 60)
        if reached >= 3:
            t = dispatched = min(t + rng.uniform(0.1, 8) * hour, end - 60)
            r = rng.random()
            rework = 2 if r < 0.01 else 1 if r < 0.07 else 0
            extension = 1 if rng.random() < 0.03 else 0
            deadline = dispatched + (limit + 3 * extension) * day
        if reached >= 4:
            t = handled = min(t + rng.uniform(0.2, 1.3) * limit * day, end - 60)
        if reached >= 5:
            t = min(t + rng.uniform(0.1, 4) * hour, end - 60)
        if reached >= 6:
            t = verified = min(t + rng.uniform(1, 24) * hour, end - 60)
        if reached >= 7:
            t = closed = min(t + rng.uniform(1, 24) * hour, end - 60)
        terminal = state in ("closed", "rejected", "void", "merged")
        if state in ("rejected", "void", "merged"):
            t = min(t + rng.uniform(0.1, 8) * hour, end - 60)
        if not terminal and state != "parked":
            step_deadline = deadline if state == "dispatched" else t + day
        unit_id = assignee = None
        if reached >= 3:
            if rng.random() < 0.7:
                unit_id = rng.choice(units_of[sub_id])
            else:
                assignee = village_id
        yield (
            created,
            created,
            sub_id,
            f"AJ{i:010d}",
            grid_id,
            path,
            "tip" if tip else rng.choice(SOURCES),
            cat_id,
            state,
            cat_name,
            "",
            ts(reported),
            "",
            "",
            f"T{i:09d}",
            tip,
            False,
            unit_id,
            assignee,
            ts(accepted),
            ts(filed),
            ts(dispatched),
            ts(handled),
            ts(verified),
            ts(closed),
            ts(deadline),
            ts(t),
            ts(step_deadline),
            rework,
            extension,
            None if handled is None else handled <= deadline,
            None if closed is None else closed <= deadline + 2 * day,
            "",
            rng.random() < 0.01,
            1,
            "",
        )


# ---- hand-written SQL ------------------------------------------------------------------------------

LIST_SQL = """
SELECT c.id, c.number, c.state, c.description, c.address, c.reported_at, c.step_started_at, c.step_deadline,
       c.deadline, c.rework_count, c.extension_count, c.is_hotspot, c.source, c.subdistrict_id, c.confidential,
       c.path, c.lng, c.lat, c.category_id, cat.name, c.region_id, r.name, r.level, c.unit_id, u.name,
       c.assignee_region_id, ar.name
FROM cases_case c
JOIN cases_category cat ON cat.id = c.category_id
JOIN regions_region r ON r.id = c.region_id
LEFT JOIN people_unit u ON u.id = c.unit_id
LEFT JOIN regions_region ar ON ar.id = c.assignee_region_id
WHERE {where}
ORDER BY c.reported_at DESC, c.id DESC
LIMIT %(limit)s
"""

COUNTS_SQL = """
    COUNT(*) AS reported,
    COUNT(*) FILTER (WHERE c.accepted_at IS NOT NULL),
    COUNT(*) FILTER (WHERE c.filed_at IS NOT NULL),
    COUNT(*) FILTER (WHERE c.dispatched_at IS NOT NULL),
    COUNT(*) FILTER (WHERE c.filed_at IS NOT NULL AND (c.closed_at IS NOT NULL OR c.deadline <= %(now)s)),
    COUNT(*) FILTER (WHERE c.closed_at IS NOT NULL),
    COUNT(*) FILTER (WHERE c.closed_on_time),
    COUNT(*) FILTER (WHERE c.filed_at IS NOT NULL AND (c.closed_at IS NOT NULL OR c.deadline <= %(now)s)
                     AND c.rework_count > 0),
    COUNT(*) FILTER (WHERE c.filed_at IS NOT NULL AND (c.closed_at IS NOT NULL OR c.deadline <= %(now)s)
                     AND c.extension_count > 0),
    COUNT(*) FILTER (WHERE c.dispatched_at IS NOT NULL AND (c.handled_at IS NOT NULL OR c.deadline <= %(now)s)),
    COUNT(*) FILTER (WHERE c.dispatched_at IS NOT NULL AND (c.handled_at IS NOT NULL OR c.deadline <= %(now)s)
                     AND c.handled_on_time),
    COUNT(*) FILTER (WHERE c.state IN ('dispatched', 'handled') AND c.deadline < %(now)s),
    COUNT(*) FILTER (WHERE c.source = 'public'),
    COUNT(*) FILTER (WHERE c.state IN %(open)s)
"""


def _aliased(counts: str) -> str:
    """Name each count after COUNT_KEYS (the village query selects them through a subquery)."""
    parts = [p.strip() for p in re.split(r",\n", counts.strip())]
    assert len(parts) == len(COUNT_KEYS), parts
    return ",\n    ".join(p.replace(" AS reported", "") + f" AS {k}" for p, k in zip(parts, COUNT_KEYS, strict=True))


COUNTS_SQL = _aliased(COUNTS_SQL)

STATS_SQL = {
    "village": """
SELECT t.key, COALESCE(v.name, '街道本级'), t.* FROM (
  SELECT SUBSTR(c.path, 1, %(length)s) AS key, {counts}
  FROM cases_case c WHERE {where} GROUP BY 1
) t LEFT JOIN regions_region v ON v.path = t.key ORDER BY t.key
""",
    "unit": """
SELECT c.unit_id, u.name, {counts}
FROM cases_case c JOIN people_unit u ON u.id = c.unit_id
WHERE {where} GROUP BY c.unit_id, u.name ORDER BY c.unit_id
""",
    "grid": """
SELECT c.region_id, r.name, {counts}
FROM cases_case c JOIN regions_region r ON r.id = c.region_id
WHERE {where} AND r.level = 5 GROUP BY c.region_id, r.name, c.path ORDER BY c.path
""",
}


def _prefix(column: str, prefix: str, params: dict, name: str) -> str:
    """`column LIKE 'prefix%'` (PostgreSQL), a range on SQLite, whose LIKE ignores case and so no index."""
    from django.db import connection

    if connection.vendor == "sqlite":
        params[name], params[name + "_end"] = prefix, prefix[:-1] + "0"
        return f"{column} >= %({name})s AND {column} < %({name}_end)s"
    params[name] = prefix + "%"
    return f"{column} LIKE %({name})s"


def _fetch(sql: str, params: dict) -> list[tuple]:
    from django.db import connection

    if connection.vendor == "sqlite":  # no FILTER-less rewrite needed: SQLite ≥ 3.30 has FILTER
        adapt = connection.ops.adapt_datetimefield_value
        params = {k: adapt(v) if isinstance(v, datetime.datetime) else v for k, v in params.items()}
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchall()


def raw_list(
    prefix: str, *, state: str, now=None, category: int | None = None, since: datetime.date | None = None
) -> list[tuple]:
    from zhili.cases.queries import OPEN_STATES

    params: dict = {"open": tuple(OPEN_STATES), "limit": PAGE + 1}
    where = [_prefix("c.path", prefix, params, "prefix"), "NOT c.confidential"]
    if state == "open":
        where.append("c.state IN %(open)s")
    elif state == "overdue":
        params["now"] = now
        where.append("c.state IN %(open)s AND c.state <> 'parked' AND c.step_deadline < %(now)s")
    if category:
        params["category"] = category
        where.append("(c.category_id = %(category)s OR cat.parent_id = %(category)s)")
    if since:
        params["since"] = _local_midnight(since)
        where.append("c.reported_at >= %(since)s")
    return _fetch(_in_lists(LIST_SQL.format(where=" AND ".join(where)), params), params)


def raw_statistics(prefix: str, subdistrict, by: str, *, since: datetime.date, now) -> list[tuple]:
    from zhili.cases.queries import OPEN_STATES

    params: dict = {
        "open": tuple(OPEN_STATES),
        "now": now,
        "sub": subdistrict.pk,
        "since": _local_midnight(since),
        "length": len(subdistrict.path) + 13,
    }
    where = (
        f"{_prefix('c.path', prefix, params, 'prefix')} AND NOT c.confidential AND c.subdistrict_id = %(sub)s"
        " AND c.state <> 'merged' AND c.reported_at >= %(since)s"
    )
    sql = STATS_SQL[by].format(counts=COUNTS_SQL, where=where)
    return _fetch(_in_lists(sql, params), params)


def _in_lists(sql: str, params: dict) -> str:
    """`IN %(open)s` with a tuple: psycopg adapts tuples; SQLite does not, so the values go in literally."""
    from django.db import connection

    if connection.vendor == "sqlite":
        for k, v in list(params.items()):
            if isinstance(v, tuple):
                sql = sql.replace(f"%({k})s", "(" + ", ".join(f"'{x}'" for x in v) + ")")
                del params[k]
    else:
        for k, v in list(params.items()):
            if isinstance(v, tuple):  # psycopg 3 has no tuple adaptation: = ANY(list) is the same test
                sql = sql.replace(f"IN %({k})s", f"= ANY(%({k})s)")
                params[k] = list(v)
    return sql


def query_plan(qs) -> str:
    from bench.regions_subtree import query_plan as plan

    return plan(qs)


# ---- the benchmark ---------------------------------------------------------------------------------


def _check(kind: str, got, expected) -> None:
    if got != expected:
        raise AssertionError(
            f"cases-list {kind}: Zhili and the raw SQL disagree:\n  zhili    {got!r:.800}\n  baseline {expected!r:.800}"
        )


@bench.register(
    "cases-list",
    "the grid-case list's first page and the statistics table (queries.page_of/filtered/statistics,"
    " scope_for included) on a million synthetic cases against hand-written SQL",
    arguments=add_arguments,
)
def run(args) -> bench.Report:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from zhili.cases import queries
    from zhili.cases.queries import Filters
    from zhili.core import clock
    from zhili.people.scope import scope_for

    print(
        f"cases-list: building a city of {args.cl_villages:,} villages × {args.cl_grids_per_village} grids and "
        f"{args.cases_n:,} cases …",
        file=sys.stderr,
        flush=True,
    )
    w = build(args.cl_villages, args.cl_grids_per_village, args.cases_n)
    leader, district_viewer, city_viewer = w.people["leader"], w.people["viewer"], w.people["city"]
    sub, cls = w.sub, w.category_class

    def page_row(c):
        return (
            c.pk,
            c.number,
            c.state,
            c.reported_at,
            c.category.name,
            c.region.name,
            c.unit.name if c.unit_id else None,
            c.assignee_region.name if c.assignee_region_id else None,
        )

    def raw_page_row(r):
        reported = r[5] if isinstance(r[5], datetime.datetime) else _parse(r[5])
        if reported.tzinfo is None:  # SQLite: stored in UTC, read back naive
            reported = reported.replace(tzinfo=datetime.UTC)
        return (r[0], r[1], r[2], reported, r[19], r[21], r[24], r[26])

    def stats_row(d):
        return (d["key"], d["name"], *[d[k] for k in COUNT_KEYS])

    def raw_stats_row(by):
        if by == "village":
            return lambda r: (r[0], r[1], *r[3:])
        return lambda r: (r[0], r[1], *r[2:])

    list_kinds = [
        ("list-leader", leader, sub.path, Filters(state="open", category=cls.pk, since=LIST_SINCE)),
        ("list-district", district_viewer, w.district.path, Filters(state="overdue")),
        ("list-city", city_viewer, w.city.path, Filters(state="open", since=LIST_SINCE)),
    ]
    cases = []
    for kind, person, prefix, f in list_kinds:

        def zhili(person=person, f=f):
            return queries.page_of(queries.filtered(scope_for(person), f), limit=PAGE + 1)

        def baseline(prefix=prefix, f=f):
            return raw_list(prefix, state=f.state, now=clock_now, category=f.category, since=f.since)

        def check(person=person, prefix=prefix, f=f):
            now = clock.now()
            got = [
                page_row(c) for c in queries.page_of(queries.filtered(scope_for(person), f, now=now), limit=PAGE + 1)
            ]
            exp = [
                raw_page_row(r) for r in raw_list(prefix, state=f.state, now=now, category=f.category, since=f.since)
            ]
            return got, exp

        cases.append((kind, zhili, baseline, check))

    for by in ("village", "unit", "grid"):

        def zhili(by=by):
            return queries.statistics(scope_for(leader), sub, by, Filters(since=STATS_SINCE))

        def baseline(by=by):
            return raw_statistics(sub.path, sub, by, since=STATS_SINCE, now=clock_now)

        def check(by=by):
            now = clock.now()
            got = [
                stats_row(d)
                for d in queries.statistics(scope_for(leader), sub, by, Filters(since=STATS_SINCE), now=now)
            ]
            exp = [raw_stats_row(by)(r) for r in raw_statistics(sub.path, sub, by, since=STATS_SINCE, now=now)]
            return got, exp

        cases.append((f"stats-{by}", zhili, baseline, check))

    clock_now = clock.now()  # the baseline's "now": known in advance, as a hand-written report would have it
    comparisons, query_counts = [], []
    for kind, zhili, baseline, check in cases:
        got, exp = check()
        _check(kind, got, exp)
        if not got:
            raise AssertionError(f"cases-list {kind}: empty result — the data does not exercise this kind")
        with CaptureQueriesContext(connection) as ctx:
            zhili()
        query_counts.append(f"{kind} {len(ctx.captured_queries)}")
        comparisons.append(
            bench.measure(
                kind, zhili, baseline, repeat=args.repeat, min_time=args.min_time, note=f"[{len(got):,} rows]"
            )
        )

    plan = query_plan(queries.filtered(scope_for(leader), list_kinds[0][3]).order_by("-reported_at", "-id")[:50])
    return bench.Report(
        comparisons,
        notes=[
            bench.database_description(),
            f"queries per op (zhili): {', '.join(query_counts)}",
            f"{w.n_cases:,} cases over {w.n_grids:,} grids ({len(w.subdistricts)} subdistricts)",
            f"load {w.load_s:.1f} s, setup {w.setup_s:.1f} s",
            f"plan of list-leader: {plan}",
        ],
    )


def _parse(value: str) -> datetime.datetime:
    from django.utils.dateparse import parse_datetime

    return parse_datetime(value)
