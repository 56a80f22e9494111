"""Zhili's benchmarks: Zhili's own code against a baseline measured in the same process and run.

`python -m bench [NAME…]` runs benchmarks (all when none is named) and prints one line each:

    NAME: ratio=R (zhili X s, baseline Y s) …

Adding a benchmark: put a module in this package (it is imported automatically) and decorate a function

    @register("my-name", "one sentence saying what is measured", arguments=add_my_arguments)
    def run(args) -> Report: ...

`args` is the parsed command line (each benchmark may add its own options through `arguments`). A benchmark
that needs the database gets a fresh, throwaway one (see `throwaway_database`); the real database is never
touched. Use `measure()` for each query kind and return a `Report`; this module prints it.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import math
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

# ---- the registry ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Benchmark:
    name: str
    help: str
    run: Callable[[argparse.Namespace], Report]
    arguments: Callable[[argparse._ArgumentGroup], None] | None = None
    database: bool = True  # False for benchmarks that need no database (raw parsing, a peer library, …)


REGISTRY: dict[str, Benchmark] = {}


def register(name: str, help: str, *, arguments=None, database: bool = True):
    """Decorator: register `run(args) -> Report` under `name`."""

    def decorate(run):
        if name in REGISTRY:
            raise RuntimeError(f"benchmark {name!r} is registered twice")
        REGISTRY[name] = Benchmark(name=name, help=help, run=run, arguments=arguments, database=database)
        return run

    return decorate


# ---- measuring ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Comparison:
    """One query kind: seconds per operation for each side, the best of `repeat` runs."""

    kind: str
    zhili_s: float
    baseline_s: float
    zhili_iterations: int
    baseline_iterations: int
    note: str = ""

    @property
    def ratio(self) -> float:
        return self.zhili_s / self.baseline_s


@dataclass
class Report:
    comparisons: list[Comparison]
    notes: list[str] = field(default_factory=list)
    # replaces "geometric mean of N query kinds, worst …; times are one of each query" on the summary line
    # (for a benchmark timing one long operation rather than many query kinds)
    description: str | None = None
    # a benchmark that prints a table of its own (page timings, a load test) rather than ratios: these lines
    # as they are, the last one its summary
    lines: list[str] | None = None


def _timed(fn: Callable[[], object], n: int) -> float:
    was_enabled = gc.isenabled()
    gc.disable()  # as timeit does: a collection landing in one side's run is noise, not cost
    try:
        start = time.perf_counter()
        for _ in range(n):
            fn()
        return time.perf_counter() - start
    finally:
        if was_enabled:
            gc.enable()


def _iterations(fn: Callable[[], object], min_time: float) -> int:
    """1, 2, 5, 10, 20, 50, … until one run of `fn` lasts `min_time`."""
    n = 1
    while _timed(fn, n) < min_time and n < 1_000_000:
        n = _next_count(n + 1)
    return n


def measure(
    kind: str,
    zhili: Callable[[], object],
    baseline: Callable[[], object],
    *,
    repeat: int,
    min_time: float,
    note: str = "",
) -> Comparison:
    """Time `zhili` against `baseline`: runs of each side interleaved, the best run of each kept.

    Each side's iteration count grows (1, 2, 5, 10, 20, …) until one of its runs lasts `min_time`, so a
    side 50 times slower does not make the faster side's runs 50 times longer than they need to be.
    """
    zhili()
    baseline()  # warm both: caches, compiled statements, the first connection
    gc.collect()  # once per measurement: a full collection costs tens of milliseconds once Django is loaded
    n_z, n_b = _iterations(zhili, min_time), _iterations(baseline, min_time)
    best_z = best_b = math.inf
    for _ in range(max(1, repeat)):
        best_z = min(best_z, _timed(zhili, n_z) / n_z)
        best_b = min(best_b, _timed(baseline, n_b) / n_b)
    return Comparison(
        kind=kind, zhili_s=best_z, baseline_s=best_b, zhili_iterations=n_z, baseline_iterations=n_b, note=note
    )


def _next_count(n: int) -> int:
    """1, 2, 5, 10, 20, 50, … — the smallest such count >= n."""
    scale = 1
    while True:
        for step in (1, 2, 5):
            if step * scale >= n:
                return step * scale
        scale *= 10


def geometric_mean(values: list[float]) -> float:
    return math.exp(sum(math.log(v) for v in values) / len(values))


def fmt_s(seconds: float) -> str:
    return f"{seconds:.6f}"


def format_report(name: str, report: Report) -> list[str]:
    """Detail lines (indented, one per query kind), then the benchmark's one summary line."""
    if report.lines is not None:
        return list(report.lines)
    lines = []
    for c in report.comparisons:
        tail = f" {c.note}" if c.note else ""
        lines.append(
            f"  {c.kind}: ratio={c.ratio:.2f} (zhili {fmt_s(c.zhili_s)} s, baseline {fmt_s(c.baseline_s)} s)"
            f" per op, best of {c.zhili_iterations}/{c.baseline_iterations}-op runs{tail}"
        )
    ratios = [c.ratio for c in report.comparisons]
    worst = max(report.comparisons, key=lambda c: c.ratio)
    zhili_total = sum(c.zhili_s for c in report.comparisons)
    baseline_total = sum(c.baseline_s for c in report.comparisons)
    described = report.description or (
        f"geometric mean of {len(ratios)} query kinds, worst {worst.ratio:.2f}"
        f" {worst.kind}; times are one of each query"
    )
    summary = (
        f"{name}: ratio={geometric_mean(ratios):.2f} (zhili {fmt_s(zhili_total)} s, baseline {fmt_s(baseline_total)} s)"
        f" {described}"
    )
    if report.notes:
        summary += "; " + ", ".join(report.notes)
    lines.append(summary)
    return lines


# ---- the throwaway database -----------------------------------------------------------------------

_TEMP_DIR: str | None = None
_PG: dict | None = None  # connection keywords of the benchmark database, when on PostgreSQL


def configure_django() -> None:
    """Point Zhili at a throwaway database, then django.setup(). Call once, before anything imports models.

    SQLite (the default): a fresh file in a temporary directory. With ZHILI_DATABASE_URL set to PostgreSQL:
    a separate database named after the real one plus "_bench" on the same server, created here and
    dropped at exit. The real database is never opened.
    """
    global _TEMP_DIR, _PG
    if _TEMP_DIR is not None:
        return
    _TEMP_DIR = tempfile.mkdtemp(prefix="zhili-bench-")
    # Forced, not defaulted: an inherited ZHILI_DATA_DIR would be the real data directory (and its SQLite file).
    os.environ["ZHILI_DATA_DIR"] = _TEMP_DIR
    os.environ["ZHILI_SECRET_KEY"] = "bench-only-key-" + "x" * 40
    os.environ["ZHILI_DEBUG"] = "0"  # DEBUG would record every query in memory
    os.environ["DJANGO_SETTINGS_MODULE"] = "zhili.settings"
    url = os.environ.get("ZHILI_DATABASE_URL", "").strip()
    if url and urlsplit(url).scheme.startswith("postgres"):
        parts = urlsplit(url)
        real_name = parts.path.lstrip("/")
        if not real_name:
            raise SystemExit("bench: ZHILI_DATABASE_URL names no database")
        bench_url = urlunsplit(parts._replace(path="/" + real_name + "_bench"))
        os.environ["ZHILI_DATABASE_URL"] = bench_url
        _PG = _pg_keywords(bench_url)
        _recreate_pg_database()
    else:
        if url:
            print(
                f"bench: ignoring ZHILI_DATABASE_URL ({urlsplit(url).scheme}://…); using a temporary SQLite file",
                file=sys.stderr,
            )
        os.environ.pop("ZHILI_DATABASE_URL", None)
    import django

    django.setup()


def _pg_keywords(url: str) -> dict:
    import dj_database_url

    cfg = dj_database_url.parse(url)
    keywords = {
        "dbname": cfg["NAME"],
        "user": cfg.get("USER") or None,
        "password": cfg.get("PASSWORD") or None,
        "host": cfg.get("HOST") or None,
        "port": cfg.get("PORT") or None,
    }
    keywords.update({k: v for k, v in (cfg.get("OPTIONS") or {}).items() if isinstance(v, str | int)})
    return {k: v for k, v in keywords.items() if v is not None}


def _maintenance(sql_text: str) -> None:
    """Run one statement on the server's 'postgres' maintenance database (CREATE/DROP DATABASE)."""
    import psycopg
    from psycopg import sql

    keywords = {**_PG, "dbname": "postgres"}
    with psycopg.connect(**keywords, autocommit=True) as conn:
        conn.execute(sql.SQL(sql_text).format(name=sql.Identifier(_PG["dbname"])))


def _recreate_pg_database() -> None:
    _maintenance("DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    _maintenance("CREATE DATABASE {name}")


@contextlib.contextmanager
def throwaway_database() -> Iterator[None]:
    """A freshly migrated, empty database for one benchmark."""
    from django.core.management import call_command
    from django.db import connections

    connections.close_all()
    if _PG is not None:
        _recreate_pg_database()
    else:
        for suffix in ("", "-wal", "-shm"):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(os.path.join(_TEMP_DIR, "zhili.sqlite3" + suffix))
    call_command("migrate", verbosity=0, interactive=False)
    try:
        yield
    finally:
        connections.close_all()


def cleanup() -> None:
    """Drop the benchmark's PostgreSQL database and remove the temporary directory."""
    global _TEMP_DIR
    if _TEMP_DIR is None:
        return
    with contextlib.suppress(Exception):
        from django.db import connections

        connections.close_all()
    if _PG is not None:
        try:
            _maintenance("DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        except Exception as exc:  # report, but do not hide the benchmark's own outcome
            print(f"bench: could not drop database {_PG['dbname']}: {exc}", file=sys.stderr)
    shutil.rmtree(_TEMP_DIR, ignore_errors=True)
    _TEMP_DIR = None


def database_description() -> str:
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SHOW server_version")
            version = cur.fetchone()[0].split()[0]
        return f"PostgreSQL {version} ({connection.settings_dict['NAME']})"
    import sqlite3

    return f"SQLite {sqlite3.sqlite_version} (temporary file)"
