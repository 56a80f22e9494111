"""Is this installation ready to serve, and is its background work moving? Read by /readyz (core/views.py) and
`zhili check --deploy` (core/checks.py).

/healthz is liveness: the process answers and the database answers `SELECT 1` — restarting the process would
not fix anything else. Readiness (`problems`) says, each with a code and a Chinese sentence, why it is not:

- `database_unreachable` — the database does not answer;
- `database_empty`, `migrations_pending` — the schema on disk is not the database's (no tables at all, or
  `zhili migrate` not run after an upgrade): pages would fail;
- `worker_silent` — no worker has said it is alive (core/jobs.beat) within ZHILI_WORKER_SILENT_SECONDS while
  work waits for one, or a worker that used to beat fell silent (the weekly schedules run only in a worker). A
  fresh installation where no worker ever ran and nothing waits is ready. A worker busy with one long import
  beats only between rounds; the lease it holds on its work counts as a sign of life;
- `jobs_stuck`, `imports_stuck` — work due for longer than ZHILI_JOB_STUCK_SECONDS that no worker took (a
  queued run or import, or one whose worker's lease ran out that long ago).

The background part (`background=False` leaves it out: /readyz?scope=web, for a load balancer in front of
several web processes, which must not take them all out of service because the one worker stopped).

Each app whose own table is a queue says how its work stands with `@backlog` in a module `health.py`
(autodiscovered, core/apps.py): the imports (imports/health.py); the runs (`JobRun`) are core's own, below.
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import DatabaseError, connection
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

WORKER_SILENT_SECONDS = 300
JOB_STUCK_SECONDS = 900


def worker_silent_seconds() -> int:
    return int(getattr(settings, "ZHILI_WORKER_SILENT_SECONDS", WORKER_SILENT_SECONDS))


def job_stuck_seconds() -> int:
    return int(getattr(settings, "ZHILI_JOB_STUCK_SECONDS", JOB_STUCK_SECONDS))


@dataclass(frozen=True)
class Problem:
    code: str  # for machines: database_unreachable, database_empty, migrations_pending, worker_silent, *_stuck
    message: str  # for people, in the active language

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


@dataclass(frozen=True)
class Backlog:
    """How one queue stands: `waiting` due now for a worker to take, `stuck` of them waiting since before the
    stuck threshold, `working` held by a worker under a live lease (a sign the worker is alive)."""

    code: str  # the problem's code when some are stuck: jobs_stuck, imports_stuck
    label: str
    waiting: int = 0
    stuck: int = 0
    working: int = 0


BacklogFn = Callable[[datetime.datetime, datetime.datetime], Backlog]
_BACKLOGS: list[BacklogFn] = []


def backlog(fn: BacklogFn) -> BacklogFn:
    """Register fn(now, stuck_before) → Backlog: one cheap query over an app's queue table."""
    _BACKLOGS.append(fn)
    return fn


# ---- the database and its schema ---------------------------------------------------------------------------


def database_problem() -> Problem | None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # any failure to answer: the reason stays in the server's log, not on a public page
        return Problem("database_unreachable", _("数据库无法连接。"))
    return None


@functools.cache
def _on_disk() -> tuple[frozenset[tuple[str, str]], dict[tuple[str, str], frozenset[tuple[str, str]]]]:
    """The migrations this code has (read once per process: the code does not change under a running process),
    and what each squashed one replaces."""
    from django.db.migrations.loader import MigrationLoader

    loader = MigrationLoader(None, ignore_no_migrations=True)
    replaces = {key: frozenset(m.replaces) for key, m in loader.replacements.items()}
    return frozenset(loader.graph.nodes), replaces


def _applied() -> set[tuple[str, str]]:
    from django.db.migrations.recorder import MigrationRecorder

    return set(MigrationRecorder(connection).applied_migrations())


def pending_migrations() -> list[tuple[str, str]]:
    """The migrations on disk the database has not applied (one query, not a migration plan: /readyz is
    probed every few seconds)."""
    nodes, replaces = _on_disk()
    applied = _applied()
    return sorted(key for key in nodes if key not in applied and not (key in replaces and replaces[key] <= applied))


def schema_problem() -> Problem | None:
    try:
        pending = pending_migrations()
        empty = not _applied() if pending else False
    except DatabaseError:
        return Problem("database_unreachable", _("数据库无法连接。"))
    if empty:
        return Problem("database_empty", _("数据库还没有建表：请运行 zhili migrate（演示请运行 zhili demo）。"))
    if pending:
        return Problem(
            "migrations_pending",
            _("数据库结构不是最新的（%(n)s 项迁移未执行）：请运行 zhili migrate。") % {"n": len(pending)},
        )
    return None


# ---- background work ---------------------------------------------------------------------------------------


def backlogs(now: datetime.datetime | None = None) -> list[Backlog]:
    now = now or timezone.now()
    stuck_before = now - datetime.timedelta(seconds=job_stuck_seconds())
    return [fn(now, stuck_before) for fn in _BACKLOGS]


def worker_problem(found: list[Backlog], now: datetime.datetime | None = None) -> Problem | None:
    """A worker is needed (work waits, or one used to beat) and none has beaten lately or holds a live lease."""
    from zhili.core import jobs

    now = now or timezone.now()
    silent = worker_silent_seconds()
    last = jobs.last_beat()
    if last is not None and last >= now - datetime.timedelta(seconds=silent):
        return None
    if any(b.working for b in found):
        return None  # busy with a long piece of work, renewing its lease
    waiting = sum(b.waiting for b in found)
    if last is None:
        if not waiting:
            return None  # a fresh installation: no worker yet, nothing for one to do
        return Problem(
            "worker_silent",
            _("没有后台任务进程在运行（从未收到心跳），%(n)s 项任务在等待：请启动 zhili worker。") % {"n": waiting},
        )
    values = {
        "minutes": max(int((now - last).total_seconds() // 60), 1),
        "at": timezone.localtime(last).strftime("%Y-%m-%d %H:%M"),
        "n": waiting,
    }
    if waiting:
        message = _(
            "后台任务进程已 %(minutes)s 分钟没有心跳（上次 %(at)s），%(n)s 项任务在等待：请检查 zhili worker 服务。"
        )
    else:
        message = _(
            "后台任务进程已 %(minutes)s 分钟没有心跳（上次 %(at)s），定时任务（如周通报）不会运行："
            "请检查 zhili worker 服务。"
        )
    return Problem("worker_silent", message % values)


def stuck_problems(found: list[Backlog]) -> list[Problem]:
    minutes = max(job_stuck_seconds() // 60, 1)
    return [
        Problem(
            b.code,
            _("%(label)s：%(n)s 项已等待超过 %(minutes)s 分钟仍未处理。")
            % {"label": b.label, "n": b.stuck, "minutes": minutes},
        )
        for b in found
        if b.stuck
    ]


def background_problems() -> list[Problem]:
    now = timezone.now()
    found = backlogs(now)
    worker = worker_problem(found, now)
    return ([worker] if worker else []) + stuck_problems(found)


def problems(*, background: bool = True) -> list[Problem]:
    """Why this installation is not ready, empty when it is. The database and its schema first: with either
    wrong nothing else can be read."""
    first = database_problem() or schema_problem()
    if first is not None:
        return [first]
    return background_problems() if background else []


# ---- core's own queue: the runs ----------------------------------------------------------------------------


@backlog
def _job_runs(now: datetime.datetime, stuck_before: datetime.datetime) -> Backlog:
    from django.db.models import Count, Q

    from zhili.core.jobs import _due
    from zhili.core.models import JobRun, RunStatus

    queued, running = RunStatus.QUEUED, RunStatus.RUNNING
    counts = JobRun.objects.filter(status__in=(queued, running)).aggregate(
        waiting=Count("pk", filter=_due(now)),
        stuck=Count(
            "pk",
            filter=Q(status=queued, run_after__lt=stuck_before) | Q(status=running, lease_until__lt=stuck_before),
        ),
        working=Count("pk", filter=Q(status=running, lease_until__gte=now)),
    )
    return Backlog("jobs_stuck", str(_RUNS_LABEL), **counts)


_RUNS_LABEL = gettext_lazy("后台任务")
