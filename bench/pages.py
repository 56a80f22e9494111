"""pages: whole pages at city scale, as a signed-in person opens them — middleware, view, queries, template —
beside the query function the page is built on, with the median and p95 of the runs as well as the best.

The other benchmarks time query functions against SQL; a page costs more (scope, navigation, the template's own
lookups, the response's size), and a page is what a person waits for. The issue's goal: every page of a city
under 1 s at p95, with a number of queries that does not grow with the data.

Data (defaults): the city of `cases-list` (`cases_list.build`: 5,000 villages, 50,000 grids, 1,000,000 cases, a
subdistrict leader, a merged village's cadre, a district viewer and a city viewer) and, beside it, the one
5,000-village target system of `targets-dashboard` (`targets_dashboard.build`: 100 reported indicators, 12
months — 6,000,000 entries — plus its computed, unit and parent indicators) with its leader. Sizes: `--pg-villages`, `--pg-cases`, `--pg-indicators`, `--pg-months`.

Each page: one warm-up request, then `--pg-runs` requests (default 10) through django.test.Client as the person
(force_login: the sign-in is not the page); the queries are counted on one more. The function column times the
page's query function the same number of times (best of them): what the page adds is the difference.

The target system's year is this year (ZHILI_TODAY is its TODAY on its pages), so its board, ranking and cockpit
read the kept figures (zhili/targets/kept.py); the warm-up request counts them (the day's first request). One more
row, `board-after-report`, times the board right after a village's progress report (another village each run):
the report marks its village and the board recounts that village before it answers.
"""

from __future__ import annotations

import math
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

import bench

ONE_SECOND_MS = 1000.0


def add_arguments(group) -> None:
    group.add_argument("--pg-villages", type=int, default=5000, help="villages of the city and of the target system")
    group.add_argument("--pg-grids-per-village", type=int, default=10, help="grids per village (default 10)")
    group.add_argument("--pg-cases", type=int, default=1_000_000, help="cases (default 1,000,000)")
    group.add_argument("--pg-indicators", type=int, default=100, help="indicators of the target system (default 100)")
    group.add_argument("--pg-months", type=int, default=12, help="monthly entries per village (default 12)")
    group.add_argument("--pg-runs", type=int, default=10, help="requests per page (default 10)")
    group.add_argument(
        "--pg-only", default="", metavar="PAGES", help="comma-separated page names to time (default: every page)"
    )
    group.add_argument(
        "--pg-profile",
        default="",
        metavar="DIR",
        help="after timing, profile one more request per page with pyinstrument and write DIR/PAGE-WHO.txt",
    )


@dataclass
class Timing:
    page: str
    who: str
    url: str
    runs_ms: list[float]
    queries: int
    kib: float
    function_ms: float | None

    @property
    def median(self) -> float:
        return statistics.median(self.runs_ms)

    @property
    def p95(self) -> float:
        ordered = sorted(self.runs_ms)
        return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]

    @property
    def best(self) -> float:
        return min(self.runs_ms)


def _time_page(client, url: str, runs: int) -> tuple[list[float], int, float]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    response = client.get(url)  # warm-up: the first request imports views and compiles templates
    if response.status_code != 200:
        raise SystemExit(f"pages: {url} answered {response.status_code}")
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    return times, len(ctx.captured_queries), len(response.content) / 1024


def _after_reports(client, url: str, sub, runs: int) -> Timing:
    """The targets board right after a village's progress report, each run another village's: the report marks
    its village and the board recounts that village's kept figures before it answers."""
    import datetime
    from decimal import Decimal

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from bench import targets_dashboard
    from zhili.targets.models import Entry, Indicator, SourceKind

    ind = Indicator.objects.filter(task__goal__region=sub, source=SourceKind.REPORT, decomposition="villages").first()
    villages = list(sub.children.order_by("code")[: runs + 1])
    year = targets_dashboard.YEAR
    client.get(url)
    times = []
    queries = 0
    for i, village in enumerate(villages):
        Entry.objects.create(
            indicator=ind,
            region=village,
            period_start=datetime.date(year, 12, 1),
            period_end=datetime.date(year, 12, 31),
            value=Decimal(5000 + i),
        )
        with CaptureQueriesContext(connection) as ctx:
            t0 = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 200
        queries = len(ctx.captured_queries)
    return Timing("board-after-report", "targets", url, times[1:], queries, len(response.content) / 1024, None)


def _profile(client, url: str, directory: str, name: str) -> None:
    """One more request under pyinstrument (a bench extra), its call tree written as text: where a slow page's
    time goes, on the same data."""
    import pathlib

    from pyinstrument import Profiler

    profiler = Profiler()
    with profiler:
        client.get(url)
    path = pathlib.Path(directory) / f"{name}.txt"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(profiler.output_text(unicode=True, show_all=False), encoding="utf-8")
    print(f"pages: profile of {name} in {path}", file=sys.stderr)


def _time_function(fn: Callable[[], object] | None, runs: int) -> float | None:
    if fn is None:
        return None
    fn()
    best = math.inf
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best * 1000


def _table(timings: list[Timing]) -> list[str]:
    head = f"  {'page':<18} {'who':<14} {'median':>8} {'p95':>8} {'best':>8} {'function':>9} {'queries':>7} {'KiB':>7}"
    lines = [head]
    for t in timings:
        fn = f"{t.function_ms:8.1f}" if t.function_ms is not None else "       —"
        flag = "  > 1 s" if t.p95 > ONE_SECOND_MS else ""
        lines.append(
            f"  {t.page:<18} {t.who:<14} {t.median:8.1f} {t.p95:8.1f} {t.best:8.1f} {fn:>9} {t.queries:7d} "
            f"{t.kib:7.0f}{flag}"
        )
    lines.append("  (milliseconds; function = the page's query function alone, best run)")
    return lines


@bench.register(
    "pages",
    "whole pages at city scale as a signed-in person (median, p95, best; queries; size) beside their query functions",
    arguments=add_arguments,
)
def run(args) -> bench.Report:
    import datetime

    from django.test import Client, override_settings

    from bench import cases_list, targets_dashboard
    from zhili.cases import queries as case_queries
    from zhili.people.models import Person, Role, RoleAssignment
    from zhili.people.scope import scope_for
    from zhili.targets import engine, ranking
    from zhili.targets.models import Entry

    t0 = time.perf_counter()
    print(f"pages: building a city of {args.pg_villages:,} villages and {args.pg_cases:,} cases …", file=sys.stderr)
    city = cases_list.build(args.pg_villages, args.pg_grids_per_village, args.pg_cases)
    print(
        f"pages: building a target system of {args.pg_villages:,} villages × {args.pg_indicators} indicators …",
        file=sys.stderr,
    )
    targets_sub, _, _ = targets_dashboard.build(args.pg_villages, args.pg_indicators, args.pg_months, province="98")
    boss = Person.objects.create(username="bench-targets-leader", full_name="目标领导", is_synthetic=True)
    RoleAssignment.objects.create(person=boss, role=Role.LEADER, region=targets_sub)
    setup_s = time.perf_counter() - t0
    import zhili.wsgi  # noqa: F401 — start-up as gunicorn's: every view imported, the heap frozen (gc.freeze)

    today = targets_dashboard.TODAY
    year = targets_dashboard.YEAR
    people = {**city.people, "targets": boss}
    clients = {}
    for key, person in people.items():
        clients[key] = Client(HTTP_HOST="127.0.0.1")  # an allowed host of the default settings
        clients[key].force_login(person)
    sub = city.sub

    def case_list(person) -> Callable[[], object]:
        return lambda: case_queries.with_lights(
            case_queries.page_of(case_queries.filtered(scope_for(person), case_queries.Filters()), limit=51)
        )

    def stats(by: str) -> Callable[[], object]:
        leader = people["leader"]
        return lambda: case_queries.statistics(scope_for(leader), sub, by, case_queries.Filters())

    pages: list[tuple[str, str, str, Callable[[], object] | None]] = [
        ("home", "leader", "/", None),
        ("home", "cadre", "/", None),
        ("home", "city", "/", None),
        ("case-list", "leader", "/cases/", case_list(people["leader"])),
        ("case-list", "city", "/cases/", case_list(people["city"])),
        ("case-list", "cadre", "/cases/", case_list(people["cadre"])),
        ("stats-village", "leader", "/cases/stats/?by=village", stats("village")),
        ("stats-grid", "leader", "/cases/stats/?by=grid", stats("grid")),
        ("case-map", "leader", "/cases/map.json", None),
        ("targets-board", "targets", f"/targets/?year={year}", lambda: engine.build_board(targets_sub, year, today)),
        ("ranking", "targets", f"/targets/ranking/?year={year}", lambda: ranking.rank(targets_sub, year, today)),
        ("home", "targets", "/", None),
    ]
    only = {name for name in args.pg_only.split(",") if name}
    pages = [p for p in pages if not only or p[0] in only]
    timings = []
    for page, who, url, fn in pages:
        print(f"pages: {page} as {who} …", file=sys.stderr, flush=True)
        # the target system's year is this year: its figures are kept (zhili/targets/kept.py), counted by the
        # warm-up request (the day's first); the runs read them
        with override_settings(ZHILI_TODAY=targets_dashboard.TODAY if who == "targets" else None):
            runs_ms, queries, kib = _time_page(clients[who], url, args.pg_runs)
            timings.append(Timing(page, who, url, runs_ms, queries, kib, _time_function(fn, args.pg_runs)))
            if args.pg_profile:
                _profile(clients[who], url, args.pg_profile, f"{page}-{who}")
    if not only or "board-after-report" in only:
        with override_settings(ZHILI_TODAY=targets_dashboard.TODAY):
            timings.append(_after_reports(clients["targets"], f"/targets/?year={year}", targets_sub, args.pg_runs))
    worst = max(timings, key=lambda t: t.p95)
    over = [t for t in timings if t.p95 > ONE_SECOND_MS]
    from django.db import connection

    summary = (
        f"pages: worst p95={worst.p95:.0f}ms ({worst.page} as {worst.who}); {len(over)} of {len(timings)} pages over"
        f" 1 s at p95; {connection.vendor}, {args.pg_villages:,} villages, {args.pg_cases:,} cases,"
        f" {Entry.objects.count():,} entries, {args.pg_runs} runs a page,"
        f" setup {setup_s:.0f} s, {datetime.date.today():%Y-%m-%d}"
    )
    return bench.Report(comparisons=[], lines=[*_table(timings), summary])
