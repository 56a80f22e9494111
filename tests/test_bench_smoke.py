"""`python -m bench` runs and prints its line (bench/README.md). Not a benchmark: a tiny city, no timing checks.

Runs as a subprocess, as a person would, so the benchmark sets up Django and its throwaway database itself.
On SQLite always; on PostgreSQL too when ZHILI_DATABASE_URL points at one, checking that the benchmark's
own database ("<name>_bench") is gone afterwards.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parent.parent
NUMBER = r"\d+\.\d+"
SUMMARY = re.compile(rf"^regions-subtree: ratio={NUMBER} \(zhili {NUMBER} s, baseline {NUMBER} s\) \S.*$")
DETAIL = re.compile(rf"^  [a-z0-9-]+: ratio={NUMBER} \(zhili {NUMBER} s, baseline {NUMBER} s\) .*$")
LEDGER_IMPORT = re.compile(
    rf"^ledger-import: ratio={NUMBER} \(zhili {NUMBER} s, baseline {NUMBER} s\) preview \+ commit of 60 rows .*"
    rf"(django-import-export factor: Zhili is {NUMBER}× faster|django-import-export not installed).*"
    rf"peak RSS \d+ MiB importing 90 rows.*SQLite"
)
CASES_LIST = re.compile(
    rf"^cases-list: ratio={NUMBER} \(zhili {NUMBER} s, baseline {NUMBER} s\) geometric mean of 6 query kinds.*"
    r"queries per op \(zhili\): list-leader \d+, list-district \d+, list-city \d+, stats-village \d+.*"
    r"4,000 cases over 300 grids"
)
PG_URL = os.environ.get("ZHILI_DATABASE_URL", "")
ON_PG = urlsplit(PG_URL).scheme.startswith("postgres")

# the benchmarks' throwaway database is one name per server: never two of them at once (pytest-xdist), nor beside
# tests/test_imports_processes.py's databases
pytestmark = pytest.mark.xdist_group("own-databases")


def _bench(*args: str, database_url: str | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ZHILI_", "DJANGO_"))}
    if database_url:
        env["ZHILI_DATABASE_URL"] = database_url
    return subprocess.run(
        [sys.executable, "-m", "bench", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=180
    )


def test_list_names_the_benchmarks():
    proc = _bench("--list")
    assert proc.returncode == 0, proc.stderr
    assert any(line.startswith("regions-subtree: ") for line in proc.stdout.splitlines()), proc.stdout


@pytest.mark.parametrize(
    "backend",
    [
        "sqlite",
        pytest.param("postgresql", marks=pytest.mark.skipif(not ON_PG, reason="ZHILI_DATABASE_URL is not PostgreSQL")),
    ],
)
def test_regions_subtree_prints_its_line(backend):
    proc = _bench(
        "regions-subtree",
        "--villages",
        "20",
        "--repeat",
        "1",
        "--min-time",
        "0.001",
        database_url=PG_URL if backend == "postgresql" else None,
    )
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert SUMMARY.match(lines[-1]), proc.stdout
    details = lines[:-1]
    assert len(details) >= 10 and all(DETAIL.match(line) for line in details), proc.stdout
    assert ("PostgreSQL" if backend == "postgresql" else "SQLite") in lines[-1]
    if backend == "postgresql":
        import psycopg

        name = urlsplit(PG_URL).path.lstrip("/") + "_bench"
        maintenance = urlsplit(PG_URL)._replace(path="/postgres").geturl()
        with psycopg.connect(maintenance) as conn:
            assert conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None


def test_ledger_import_prints_its_line():
    proc = _bench("ledger-import", "--li-rows", "60", "--li-memory-rows", "90", "--repeat", "1")
    assert proc.returncode == 0, proc.stderr
    assert LEDGER_IMPORT.match(proc.stdout.splitlines()[-1]), proc.stdout


@pytest.mark.parametrize(
    "backend",
    [
        "sqlite",
        pytest.param("postgresql", marks=pytest.mark.skipif(not ON_PG, reason="ZHILI_DATABASE_URL is not PostgreSQL")),
    ],
)
def test_cases_list_prints_its_line(backend):
    proc = _bench(
        "cases-list",
        "--cases-n",
        "4000",
        "--cl-villages",
        "30",
        "--repeat",
        "1",
        "--min-time",
        "0.001",
        database_url=PG_URL if backend == "postgresql" else None,
    )
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert CASES_LIST.match(lines[-1]), proc.stdout
    assert len(lines) == 7 and all(DETAIL.match(line) for line in lines[:-1]), proc.stdout
    assert ("PostgreSQL" if backend == "postgresql" else "SQLite") in lines[-1]


TAX_COMPUTE = re.compile(
    rf"^tax-compute: ratio={NUMBER} \(zhili {NUMBER} s, baseline {NUMBER} s\) expected ratio {NUMBER} \(goal ≤ 3\),"
    rf" gap ratio {NUMBER} in 2 queries; 200 projects × 12 months.*"
)


def test_tax_compute_prints_its_line():
    proc = _bench("tax-compute", "--tc-projects", "200", "--tc-months", "12", "--repeat", "1", "--min-time", "0.001")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert TAX_COMPUTE.match(lines[-1]), proc.stdout
    assert len(lines) == 3 and all(DETAIL.match(line) for line in lines[:-1]), proc.stdout


HOUSEHOLDS_COVERAGE = re.compile(
    rf"^households-coverage: ratio={NUMBER} \(zhili {NUMBER} s, baseline {NUMBER} s\) geometric mean of 6 query kinds.*"
    rf"coverage-village ratio {NUMBER} \(goal ≤ 3\), queries per op \(zhili\): list-first (\d+), list-deep (\d+),"
    r" list-village \d+, list-last \d+, coverage-village \d+, coverage-officer \d+.*3,000 households over"
)


@pytest.mark.parametrize(
    "backend",
    [
        "sqlite",
        pytest.param("postgresql", marks=pytest.mark.skipif(not ON_PG, reason="ZHILI_DATABASE_URL is not PostgreSQL")),
    ],
)
def test_households_coverage_prints_its_line(backend):
    proc = _bench(
        "households-coverage",
        "--hh-households",
        "3000",
        "--hh-villages",
        "30",
        "--hh-grids-per-village",
        "3",
        "--repeat",
        "1",
        "--min-time",
        "0.001",
        database_url=PG_URL if backend == "postgresql" else None,
    )
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    summary = HOUSEHOLDS_COVERAGE.match(lines[-1])
    assert summary, proc.stdout
    assert summary.group(1) == summary.group(2)  # the list's queries do not grow with the page
    assert len(lines) == 7 and all(DETAIL.match(line) for line in lines[:-1]), proc.stdout
    assert ("PostgreSQL" if backend == "postgresql" else "SQLite") in lines[-1]


BULLETIN_BUILD = re.compile(
    rf"^bulletin-build: ratio={NUMBER} \(zhili {NUMBER} s, baseline {NUMBER} s\) \d+ subdistricts, [\d,]+ villages.*"
    r"queries: one snapshot \d+.*render 91 villages: docx .* xlsx .* md .* html .*"
)


@pytest.mark.parametrize(
    "backend",
    [
        "sqlite",
        pytest.param("postgresql", marks=pytest.mark.skipif(not ON_PG, reason="ZHILI_DATABASE_URL is not PostgreSQL")),
    ],
)
def test_bulletin_build_prints_its_line(backend):
    proc = _bench(
        "bulletin-build",
        "--bb-villages",
        "300",
        "--bb-cases",
        "3000",
        "--bb-indicators",
        "3",
        "--repeat",
        "1",
        "--min-time",
        "0.001",
        database_url=PG_URL if backend == "postgresql" else None,
    )
    assert proc.returncode == 0, proc.stderr
    assert BULLETIN_BUILD.match(proc.stdout.splitlines()[-1]), proc.stdout


REPORT_FILL = re.compile(
    rf"^report-fill: ratio={NUMBER} \(zhili {NUMBER} s, baseline {NUMBER} s\) geometric mean of the two forms' whole"
    rf" fill .*split rows: figures {NUMBER} .* workbook {NUMBER} .*cells: figures {NUMBER} .* workbook {NUMBER} .*"
    r"queries per fill \(zhili\): rows \d+, cells \d+, 10 villages.*"
)


@pytest.mark.parametrize(
    "backend",
    [
        "sqlite",
        pytest.param("postgresql", marks=pytest.mark.skipif(not ON_PG, reason="ZHILI_DATABASE_URL is not PostgreSQL")),
    ],
)
def test_report_fill_prints_its_line(backend):
    proc = _bench(
        "report-fill",
        "--rf-villages",
        "10",
        "--rf-cases",
        "3000",
        "--rf-ledger-rows",
        "2000",
        "--rf-patrols",
        "1000",
        "--repeat",
        "1",
        "--min-time",
        "0.001",
        database_url=PG_URL if backend == "postgresql" else None,
    )
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert REPORT_FILL.match(lines[-1]), proc.stdout
    assert len(lines) == 3 and all(DETAIL.match(line) for line in lines[:-1]), proc.stdout
    assert ("PostgreSQL" if backend == "postgresql" else "SQLite") in lines[-1]


TARGETS_DASHBOARD = re.compile(
    rf"^targets-dashboard: ratio={NUMBER} \(zhili {NUMBER} s, baseline {NUMBER} s\) geometric mean of 4 query kinds.*"
    r"township: queries board \d+, ranking \d+, entries 576, city: queries board \d+, ranking \d+, entries 1,056.*"
)


@pytest.mark.parametrize(
    "backend",
    [
        "sqlite",
        pytest.param("postgresql", marks=pytest.mark.skipif(not ON_PG, reason="ZHILI_DATABASE_URL is not PostgreSQL")),
    ],
)
def test_targets_dashboard_prints_its_line(backend):
    """Both scales, every kind of indicator (reported, computed, units, parents): the run fails unless each figure
    equals the baseline's."""
    proc = _bench(
        "targets-dashboard",
        "--td-township-villages",
        "10",
        "--td-villages",
        "20",
        "--td-indicators",
        "8",
        "--td-months",
        "6",
        "--repeat",
        "1",
        "--min-time",
        "0.001",
        database_url=PG_URL if backend == "postgresql" else None,
    )
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert TARGETS_DASHBOARD.match(lines[-1]), proc.stdout
    kinds = ["board-township", "ranking-township", "board-city", "ranking-city"]
    assert [line.split(":")[0].strip() for line in lines[:-1]] == kinds, proc.stdout
    assert all(DETAIL.match(line) for line in lines[:-1]), proc.stdout
    assert ("PostgreSQL" if backend == "postgresql" else "SQLite") in lines[-1]


LOAD = re.compile(r"^load: knee=(>?\d+) p95=(\d+)ms errors=(\d+) lost=(\d+)$")
WRITES_ROW = re.compile(r"^  (cases|progress entries|ledger row edits) +(\d+) +(\d+) +(\d+)$")


def test_load_prints_its_table_and_line(tmp_path):
    """Two users for two seconds each on a tiny city, on the suite's database (PostgreSQL when the suite runs on it).

    Needs locust (the bench extra): without it the benchmark exits saying so, and this test fails — it is not
    skipped, so CI must install '.[test,bench]'."""
    plot = tmp_path / "load.png"
    proc = _bench(
        "load",
        "--steps",
        "1,2",
        "--step-seconds",
        "2",
        "--ld-villages",
        "30",
        "--ld-cases",
        "200",
        "--ld-workers",
        "2",
        "--ld-warmup",
        "1",
        "--plot",
        str(plot),
        database_url=PG_URL if ON_PG else None,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    lines = proc.stdout.splitlines()
    last = LOAD.match(lines[-1])
    assert last, proc.stdout
    # tiny load: no error and no lost write, whatever the latency on a busy machine
    assert last.group(3) == "0" and last.group(4) == "0", proc.stdout + proc.stderr[-3000:]
    steps = [line.split()[0] for line in lines if line.split()[1:2] == ["ALL"]]
    assert steps == ["1", "2"], proc.stdout
    writes = [m for m in map(WRITES_ROW.match, lines) if m]
    assert [m.group(1) for m in writes] == ["cases", "progress entries", "ledger row edits"], proc.stdout
    assert all(m.group(2) == m.group(3) for m in writes), proc.stdout
    assert ("PostgreSQL" if ON_PG else "SQLite") in proc.stdout
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_load_knee_and_percentiles():
    """The knee is the first step whose overall p95 passes one second; percentiles are nearest-rank."""
    from bench.load import Cell, Step, knee_of, percentile

    assert percentile([5, 1, 4, 2, 3], 50) == 3 and percentile(list(range(1, 101)), 95) == 95
    assert percentile([7], 99) == 7

    def step(users, ms):
        return Step(users=users, seconds=1, overall=Cell(count=len(ms), ms=ms))

    held = [step(1, [100] * 20), step(2, [100] * 19 + [5000]), step(4, [900] * 20)]
    assert knee_of(held) == (None, held)  # one slow request in 20 is the p100, not the p95
    steps = [*held, step(8, [1001] * 20), step(16, [3000] * 20)]
    knee, below = knee_of(steps)
    assert knee.users == 8 and [s.users for s in below] == [1, 2, 4]
