"""Liveness and readiness (core/health.py, /healthz and /readyz) and the worker's heartbeat (core/jobs.beat):
ready on a working installation; 503 with the reason on a database with no tables, one not migrated, a
worker silent while work waits, and runs or imports stuck."""

from __future__ import annotations

import datetime
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import OperationalError, connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

import zhili
from zhili.core import health, jobs
from zhili.core.models import JobRun, RunStatus, WorkerBeat
from zhili.imports.models import ImportJob, ImportStatus

ROOT = Path(zhili.__file__).resolve().parent.parent


def ago(seconds: float) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(seconds=seconds)


def readyz(query: str = "") -> tuple[int, dict]:
    response = Client().get("/readyz" + query)
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    return response.status_code, response.json()


def codes(body: dict) -> list[str]:
    return [p["code"] for p in body.get("problems", [])]


def import_job(world, **fields) -> ImportJob:
    """An import as the worker finds it (the file is never opened here)."""
    return ImportJob.objects.create(
        importer="ledger",
        target_id=1,
        region=world.kong,
        file="imports/ledger/1/health.xlsx",
        filename="health.xlsx",
        uploaded_by=world.outsider,
        background=True,
        **fields,
    )


@pytest.fixture
def quiet(db):
    """No work waiting and no worker ever seen: a fresh installation's background."""
    JobRun.objects.filter(status__in=(RunStatus.QUEUED, RunStatus.RUNNING)).delete()
    ImportJob.objects.filter(status__in=(ImportStatus.QUEUED, ImportStatus.PARSING, ImportStatus.COMMITTING)).update(
        status=ImportStatus.CANCELLED
    )
    WorkerBeat.objects.all().delete()
    jobs._last_beat_written = None


# ---- ready ---------------------------------------------------------------------------------------------------


def test_ready_without_signing_in_on_a_fresh_installation(quiet, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):  # SELECT 1, the applied migrations, a beat, one count per queue
        status, body = readyz()
    assert status == 200, body
    assert body["status"] == "ready"


def test_ready_with_a_live_worker_and_work_waiting(quiet):
    jobs.enqueue("test.health", "k1")
    assert jobs.beat(force=True)
    assert jobs.last_beat() is not None
    assert readyz()[0] == 200


def test_readyz_answers_get_only(quiet):
    assert Client().post("/readyz").status_code == 405


# ---- the database and its schema ---------------------------------------------------------------------------


def test_not_ready_when_the_database_fails(quiet, monkeypatch):
    class BrokenConnection:
        def cursor(self):
            raise OperationalError("could not connect to server at 10.0.0.5")

    monkeypatch.setattr(health, "connection", BrokenConnection())
    status, body = readyz()
    assert status == 503
    assert codes(body) == ["database_unreachable"]
    assert "数据库无法连接" in body["problems"][0]["message"]
    assert "10.0.0.5" not in json.dumps(body)  # nothing of the internals on a public page


def test_not_ready_when_a_migration_is_not_applied(quiet, monkeypatch):
    real = health._applied
    monkeypatch.setattr(health, "_applied", lambda: real() - {("core", "0006_workerbeat")})
    status, body = readyz()
    assert status == 503
    assert codes(body) == ["migrations_pending"]
    assert "zhili migrate" in body["problems"][0]["message"]
    assert Client().get("/healthz").status_code == 200  # liveness: a restart would not migrate it


# the one subprocess here: a database of its own, with no tables at all
@pytest.mark.xdist_group("own-databases")
def test_not_ready_on_a_database_with_no_tables(tmp_path):
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("ZHILI_", "DJANGO_"))}
    environ.update(
        DJANGO_SETTINGS_MODULE="zhili.test_settings",
        ZHILI_DATA_DIR=str(tmp_path),
        ZHILI_SECRET_KEY="health-" + "k" * 50,
        PYTHONPATH=str(ROOT),
    )
    script = (
        "import django, json; django.setup(); from django.test import Client; c = Client(); "
        "r = c.get('/readyz'); h = c.get('/healthz'); "
        "print(json.dumps([r.status_code, r.json(), h.status_code]))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=environ, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-3000:]
    status, body, liveness = json.loads(done.stdout.strip().splitlines()[-1])
    assert status == 503
    assert codes(body) == ["database_empty"]
    assert "zhili migrate" in body["problems"][0]["message"]
    assert liveness == 200


# ---- the worker ------------------------------------------------------------------------------------------------


def test_not_ready_when_runs_wait_and_no_worker_ever_beat(quiet):
    jobs.enqueue("test.health", "k1")
    status, body = readyz()
    assert status == 503
    assert codes(body) == ["worker_silent"]
    assert "zhili worker" in body["problems"][0]["message"]
    assert "1 项任务在等待" in body["problems"][0]["message"]
    # a load balancer in front of several web processes asks only whether this one can serve
    assert readyz("?scope=web") == (200, {"status": "ready", "scope": "web"})


def test_not_ready_when_an_import_waits_and_the_worker_fell_silent(quiet, world, settings):
    settings.ZHILI_WORKER_SILENT_SECONDS = 300
    WorkerBeat.objects.create(name="old-host:1", at=ago(600))
    import_job(world, status=ImportStatus.QUEUED)
    status, body = readyz()
    assert status == 503
    assert codes(body) == ["worker_silent"]
    assert "10 分钟没有心跳" in body["problems"][0]["message"]


def test_a_worker_that_fell_silent_is_reported_even_with_nothing_waiting(quiet):
    WorkerBeat.objects.create(name="old-host:1", at=ago(3600))
    status, body = readyz()
    assert status == 503 and codes(body) == ["worker_silent"]
    assert "定时任务" in body["problems"][0]["message"]  # the weekly schedules run only in a worker


def test_a_worker_busy_under_a_live_lease_is_not_silent(quiet):
    WorkerBeat.objects.create(name="busy-host:1", at=ago(3600))  # in one long run since
    run = jobs.enqueue("test.health", "long")
    JobRun.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING, lease_token="t", lease_until=ago(-60))
    assert readyz()[0] == 200


# ---- stuck work --------------------------------------------------------------------------------------------


def test_stuck_runs_and_imports_are_named(quiet, world, settings):
    settings.ZHILI_JOB_STUCK_SECONDS = 900
    jobs.beat(force=True)  # a live worker, yet the work stays
    queued = jobs.enqueue("test.health", "queued-long-ago", run_after=ago(3600))
    lost = jobs.enqueue("test.health", "lease-ran-out-long-ago")
    JobRun.objects.filter(pk=lost.pk).update(status=RunStatus.RUNNING, lease_token="t", lease_until=ago(1800))
    jobs.enqueue("test.health", "queued-just-now")  # due, not stuck
    status, body = readyz()
    assert status == 503
    assert codes(body) == ["jobs_stuck"]
    assert "后台任务：2 项已等待超过 15 分钟" in body["problems"][0]["message"]

    JobRun.objects.filter(pk__in=[queued.pk, lost.pk]).delete()
    job = import_job(world, status=ImportStatus.COMMITTING, lease_token="t", lease_until=ago(1800))
    ImportJob.objects.filter(pk=job.pk).update(modified_at=ago(1800))  # auto_now: set after the save
    status, body = readyz()
    assert status == 503 and codes(body) == ["imports_stuck"]
    assert "导入：1 项" in body["problems"][0]["message"]


# ---- the heartbeat -------------------------------------------------------------------------------------------


def test_a_round_beats_once_per_interval_not_every_poll(quiet):
    jobs.run_once()
    first = WorkerBeat.objects.get(name=jobs.worker_name())
    assert jobs.last_beat() == first.at
    # an idle worker's next polls within BEAT_SECONDS write nothing: read-only rounds
    with CaptureQueriesContext(connection) as ctx:
        jobs.run_once()
        jobs.run_once()
    writes = [q["sql"] for q in ctx.captured_queries if not q["sql"].lstrip().upper().startswith("SELECT")]
    assert writes == []
    assert WorkerBeat.objects.get(name=jobs.worker_name()).at == first.at


def test_a_new_worker_forgets_processes_gone_for_a_week(quiet):
    WorkerBeat.objects.create(name="gone:1", at=ago(8 * 86400))
    WorkerBeat.objects.create(name="yesterday:1", at=ago(86400))
    jobs.beat(force=True)
    assert set(WorkerBeat.objects.values_list("name", flat=True)) == {"yesterday:1", jobs.worker_name()}
