"""A database of its own for tests that run Zhili in other processes (tests/test_imports_processes.py,
tests/test_faults_processes.py, tests/test_backup.py): those processes must never open the test database, which
the test's own transaction holds.

    with own_database(tmp, "harness") as (directory, database_url):
        harness = Harness(directory, database_url)

`directory` is the processes' ZHILI_DATA_DIR; on SQLite their database is a file in it (`database_url` None), on
PostgreSQL `<test database>_<name>` on the same server, created empty (dropped first if a previous run left it)
and dropped afterwards. The names are one per server: a module using this runs on one pytest-xdist worker
(`pytest.mark.xdist_group("own-databases")`), never beside another such module or the benchmarks' database.

`Process` runs a harness module (`python -m tests.<harness> COMMAND …`) in that directory and database, with a
clean environment: none of this process's ZHILI_ and DJANGO_ variables but the ones it sets.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from django.db import connection

import zhili

ROOT = Path(zhili.__file__).resolve().parent.parent


@contextlib.contextmanager
def own_database(tmp: Path, name: str, *, subdirectory: bool = False) -> Iterator[tuple[Path, str | None]]:
    """A fresh data directory (`tmp`, or `tmp/name` with `subdirectory`) and database: see the module's text."""
    directory = tmp / name if subdirectory else tmp
    directory.mkdir(parents=True, exist_ok=True)
    if connection.vendor != "postgresql":
        yield directory, None
        return
    import psycopg
    from psycopg import sql

    base, _, dbname = os.environ["ZHILI_DATABASE_URL"].rpartition("/")
    target = sql.Identifier(f"{dbname}_{name}")
    settings = connection.settings_dict

    def admin(*statements: str) -> None:
        with psycopg.connect(
            host=settings["HOST"], port=settings["PORT"] or 5432, user=settings["USER"], dbname="postgres"
        ) as conn:
            conn.autocommit = True
            for statement in statements:
                conn.execute(sql.SQL(statement).format(target))

    admin("DROP DATABASE IF EXISTS {} WITH (FORCE)", "CREATE DATABASE {}")
    try:
        yield directory, f"{base}/{dbname}_{name}"
    finally:
        admin("DROP DATABASE IF EXISTS {} WITH (FORCE)")


class Process:
    """Runs the commands of `harness` (a module of tests/) as processes on one data directory and database."""

    harness = ""  # e.g. "tests.import_harness"
    environment: dict[str, str] = {}  # more variables for every command of this harness

    def __init__(self, directory: Path, database_url: str | None):
        self.directory, self.database_url = directory, database_url

    def env(self, **extra: str) -> dict[str, str]:
        environ = {k: v for k, v in os.environ.items() if not k.startswith(("ZHILI_", "DJANGO_"))}
        environ.update(
            DJANGO_SETTINGS_MODULE="zhili.test_settings",
            ZHILI_DATA_DIR=str(self.directory),
            ZHILI_SECRET_KEY="harness-" + "k" * 40,
            PYTHONPATH=str(ROOT),
            **self.environment,
            **extra,
        )
        if self.database_url:
            environ["ZHILI_DATABASE_URL"] = self.database_url
        return environ

    def start(self, *args: str, **extra: str) -> subprocess.Popen:
        return subprocess.Popen(
            [sys.executable, "-m", self.harness, *args],
            cwd=ROOT,
            env=self.env(**extra),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    @staticmethod
    def result(proc: subprocess.Popen, timeout: float = 300) -> dict:
        """The JSON line a command printed last; it must have succeeded."""
        stdout, stderr = proc.communicate(timeout=timeout)
        assert proc.returncode == 0, stderr[-3000:]
        return json.loads(stdout.strip().splitlines()[-1])

    def run(self, *args: str, **extra: str) -> dict:
        return self.result(self.start(*args, **extra))
