"""Background jobs: one runner for imports, snapshots, bulletins and deliveries (`zhili worker`, or the thread
`zhili serve` starts for the demo). The database is the queue: no broker on a government network.

Three kinds of work, one round (`run_once`):

- **loops** an app registers (`register(fn)`, fn() → how many it processed) that keep their own table as the
  queue under their own leases: the imports (imports/jobs.py), the deliveries (bulletins/delivery.py);
- **schedules** (`scheduled(fn)`, fn(now) → how many runs it enqueued): cheap checks called every round that
  only enqueue with idempotency keys — the weekly bulletin (bulletins/schedule.py). Schedules are data (a
  setup's weekday and time), not cron; `now` is `core.clock.now()`, the day Zhili sees (the demo's 2020);
- **runs** (`JobRun`), each one piece of work under an idempotency key (`enqueue(kind, key, …)`: the same key
  finds the run that exists), done by the handler registered for its kind (`@handler(kind)`).

Every round first records that its worker is alive (`beat`, a `WorkerBeat` row per process, written at most
every BEAT_SECONDS so an idle worker does not take SQLite's write lock at every poll); /readyz and
`zhili check --deploy` read it (`last_beat`, core/health.py). Each run's log lines carry its run id
(core/logs.py).

A worker looks for due runs with a plain read (an idle worker takes no write lock), claims each with one
conditional UPDATE that only one worker wins, and holds it under a lease (`LEASE_SECONDS`) the handler renews
with `heartbeat(run)` when it works longer. A run whose lease ran out lost its worker (killed, crashed, the
machine restarted) and is taken again, which counts an attempt. A handler raises `Retry(after=…)` for a
transient fault; any other exception is retried after a growing wait (30 s × 2^(attempts−1), at most an hour)
until `max_attempts`, then the run is FAILED with its reason — the exception's sentence (a ValidationError's
Chinese messages as they are; the traceback only in the log) — shown to administrators on the 后台任务 page,
which re-queues it (`retry`). The runner opens no transaction around a run: a handler that writes in batches
commits them itself; one that needs all-or-nothing uses `transaction.atomic()` (every action does).

The API is shaped like Django's tasks (`django.tasks`, Django 6) where that costs nothing — a decorator per
kind, `enqueue`, a stored result and status — so moving to it later is a rename; see ARCHITECTURE.md,
"Background jobs", for why this is not django-tasks.
"""

from __future__ import annotations

import datetime
import logging
import os
import secrets
import socket
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhili.core import logs

if TYPE_CHECKING:
    from zhili.core.models import JobRun
    from zhili.people.models import Person

log = logging.getLogger(__name__)

LEASE_SECONDS = 300
BACKOFF_SECONDS = 30
BACKOFF_CAP_SECONDS = 3600
BATCH = 10  # due runs read at once
BEAT_SECONDS = 30  # a worker records that it is alive at most this often
BEAT_KEEP_DAYS = 7  # rows of processes gone this long are removed when a process first beats

Handler = Callable[["JobRun"], "dict[str, Any] | None"]

_RUNNERS: list[Callable[[], int]] = []
_HANDLERS: dict[str, Handler] = {}
_LABELS: dict[str, Any] = {}
_SCHEDULES: list[Callable[[datetime.datetime], int]] = []


# ---- registering -------------------------------------------------------------------------------------------


def register(fn: Callable[[], int]) -> Callable[[], int]:
    """A loop over an app's own queue table (fn() → how many it processed), run every round."""
    _RUNNERS.append(fn)
    return fn


def handler(kind: str, *, label: Any = None) -> Callable[[Handler], Handler]:
    """@handler("bulletins.build", label=_("生成周通报")): fn(run) → the result to store (a dict) or None.
    `label` is how the 后台任务 page and `zhili worker` name the kind."""

    def decorate(fn: Handler) -> Handler:
        _HANDLERS[kind] = fn
        if label is not None:
            _LABELS[kind] = label
        return fn

    return decorate


def scheduled(fn: Callable[[datetime.datetime], int]) -> Callable[[datetime.datetime], int]:
    """A periodic check fn(now) → how many runs it enqueued, called every round: it must be cheap and enqueue
    only with idempotency keys, so calling it twice — or from two workers — enqueues once."""
    _SCHEDULES.append(fn)
    return fn


def label_of(kind: str) -> str:
    """The kind as people read it (its code when nobody named it: tests/test_no_internals_crawl.py finds it)."""
    return str(_LABELS.get(kind, kind))


# ---- enqueuing ---------------------------------------------------------------------------------------------


def enqueue(
    kind: str,
    key: str,
    *,
    payload: dict[str, Any] | None = None,
    region_path: str = "",
    run_after: datetime.datetime | None = None,
    max_attempts: int = 5,
) -> JobRun:
    """The run of `kind` under `key`: the existing one whatever its status, or a new QUEUED one. Two callers
    racing for the same key get the same row (the unique constraint decides; the loser reads the winner's)."""
    from zhili.core.models import JobRun

    found = JobRun.objects.filter(kind=kind, key=key).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():  # a savepoint: the caller's transaction stays usable after losing the race
            return JobRun.objects.create(
                kind=kind,
                key=key,
                payload=payload or {},
                region_path=region_path,
                run_after=run_after or timezone.now(),
                max_attempts=max_attempts,
            )
    except IntegrityError:
        return JobRun.objects.get(kind=kind, key=key)


def retry(run: JobRun, *, actor: Person | None) -> JobRun:
    """Queue a FAILED run again from its first attempt, audited. The caller checks the right
    (people/actions.do_retry_job_run: policy.see_job_runs)."""
    from zhili.core import audit, errors
    from zhili.core.models import JobRun, RunStatus

    with transaction.atomic():
        now = timezone.now()
        changed = JobRun.objects.filter(pk=run.pk, status=RunStatus.FAILED).update(
            status=RunStatus.QUEUED, attempts=0, run_after=now, lease_token="", lease_until=None, finished_at=None
        )
        errors.require(changed, _("该任务已不是失败状态（可能已有人重试），请刷新页面。"), errors.Conflict)
        audit.record(
            actor,
            "core.jobrun.retry",
            run,
            changes={"status": [run.status, RunStatus.QUEUED], "attempts": [run.attempts, 0]},
            reason=run.error,
            region_path=run.region_path,
        )
    run.refresh_from_db()
    return run


# ---- what a handler raises ---------------------------------------------------------------------------------


class Retry(Exception):
    """A transient fault (a robot's rate limit, a busy service): try again after `after` seconds. It counts an
    attempt: after `max_attempts` the run fails with this message."""

    def __init__(self, message: str = "", *, after: float = 60.0):
        super().__init__(message)
        self.after = after


class LeaseLost(Exception):
    """This worker's lease ran out and another worker took the run: stop without writing its outcome."""


def heartbeat(run: JobRun) -> None:
    """Renew the run's lease (call it between batches of a long run); raises LeaseLost if another worker has it."""
    from zhili.core.models import JobRun

    until = timezone.now() + datetime.timedelta(seconds=LEASE_SECONDS)
    if not JobRun.objects.filter(pk=run.pk, lease_token=run.lease_token).update(lease_until=until):
        raise LeaseLost(run.pk)
    run.lease_until = until


def backoff(attempts: int) -> float:
    """Seconds to wait after the `attempts`-th failed attempt: 30, 60, 120, … at most an hour."""
    return float(min(BACKOFF_SECONDS * 2 ** max(attempts - 1, 0), BACKOFF_CAP_SECONDS))


def reason_of(exc: BaseException) -> str:
    """The sentence a failed run shows: a refusal's Chinese messages as they are, another error's message."""
    if isinstance(exc, ValidationError):
        return " ".join(str(m) for m in exc.messages)
    return str(exc) or _("运行出错（%(error)s），详见后台日志。") % {"error": type(exc).__name__}


# ---- that a worker is alive ---------------------------------------------------------------------------------

_last_beat_written: float | None = None  # time.monotonic() of this process's last beat


def worker_name() -> str:
    """This process as the beats name it: host and pid (each `zhili worker`, each `zhili serve`'s thread)."""
    return f"{socket.gethostname()}:{os.getpid()}"[:200]


def beat(*, force: bool = False) -> bool:
    """Record that this process's worker is alive, at most once per BEAT_SECONDS (`force`: now). Returns whether
    it wrote. A failed write is logged, never fatal: the round goes on, and /readyz will say the worker is
    silent if it keeps failing."""
    global _last_beat_written
    from zhili.core.models import WorkerBeat

    moment = time.monotonic()
    if not force and _last_beat_written is not None and moment - _last_beat_written < BEAT_SECONDS:
        return False
    name, now = worker_name(), timezone.now()
    try:
        if not WorkerBeat.objects.filter(name=name).update(at=now):
            WorkerBeat.objects.create(name=name, started_at=now, at=now)
            # a new process: forget those gone for a week (a restart makes a new row; they would pile up)
            WorkerBeat.objects.filter(at__lt=now - datetime.timedelta(days=BEAT_KEEP_DAYS)).delete()
    except DatabaseError:
        log.warning("could not record the worker's heartbeat", exc_info=True)
        return False
    _last_beat_written = moment
    return True


def last_beat() -> datetime.datetime | None:
    """When a worker last said it was alive (any worker, any machine); None if none ever did."""
    from django.db.models import Max

    from zhili.core.models import WorkerBeat

    return WorkerBeat.objects.aggregate(at=Max("at"))["at"]


# ---- running -----------------------------------------------------------------------------------------------


def _due(now: datetime.datetime) -> Q:
    from zhili.core.models import RunStatus

    return Q(status=RunStatus.QUEUED, run_after__lte=now) | Q(status=RunStatus.RUNNING, lease_until__lt=now)


def due_runs(now: datetime.datetime | None = None) -> list[tuple[int, str, int, str]]:
    """(pk, status, attempts, lease token) of runs due now, oldest first: a plain read, no lock."""
    from zhili.core.models import JobRun

    return list(
        JobRun.objects.filter(_due(now or timezone.now()))
        .order_by("run_after", "pk")
        .values_list("pk", "status", "attempts", "lease_token")[:BATCH]
    )


def claim(pk: int, status: str, attempts: int, token: str) -> JobRun | None:
    """Take the run if it is still as it was read — one UPDATE that one worker wins (`attempts` changes with
    every claim, so a run another worker took, failed and re-queued meanwhile is not taken twice)."""
    from zhili.core.models import JobRun, RunStatus

    now = timezone.now()
    new = secrets.token_hex(16)
    taken = JobRun.objects.filter(_due(now), pk=pk, status=status, attempts=attempts, lease_token=token).update(
        status=RunStatus.RUNNING,
        lease_token=new,
        lease_until=now + datetime.timedelta(seconds=LEASE_SECONDS),
        attempts=F("attempts") + 1,
        started_at=now,
    )
    return JobRun.objects.get(pk=pk) if taken else None


def _finish(run: JobRun, **fields: Any) -> None:
    """Write the run's outcome, only if this worker still holds it."""
    from zhili.core.models import JobRun

    fields.setdefault("lease_token", "")
    fields.setdefault("lease_until", None)
    if JobRun.objects.filter(pk=run.pk, lease_token=run.lease_token).update(**fields):
        for name, value in fields.items():
            setattr(run, name, value)
    else:
        log.warning("job run %s was taken over by another worker; its outcome here is dropped", run.pk)


def execute(run: JobRun) -> JobRun:
    """Run a claimed run's handler and record what came of it: DONE with its result, QUEUED again after a
    wait, or FAILED with its reason after its last attempt. Its log lines carry its run id and kind."""
    with logs.bound(run_id=run.pk, job=run.kind):
        return _execute(run)


def _execute(run: JobRun) -> JobRun:
    from zhili.core.models import RunStatus

    now = timezone.now
    fn = _HANDLERS.get(run.kind)
    try:
        if run.attempts > run.max_attempts:  # taken over after its last attempt's worker died
            raise _Interrupted(_("任务多次中断（服务重启或进程退出），已停止重试。"))
        if fn is None:
            raise LookupError(_("没有处理这类任务的程序（程序版本不一致？），请联系系统管理员。"))
        result = fn(run)
    except LeaseLost:
        log.warning("job run %s lost its lease while running", run.pk)
        return run
    except _Interrupted as exc:
        _finish(run, status=RunStatus.FAILED, error=str(exc), finished_at=now())
    except Retry as exc:
        reason = reason_of(exc) if str(exc) else _("暂时无法完成，稍后重试。")
        if run.attempts >= run.max_attempts:
            _finish(run, status=RunStatus.FAILED, error=reason, finished_at=now())
        else:
            after = datetime.timedelta(seconds=max(exc.after, 0))
            _finish(run, status=RunStatus.QUEUED, error=reason, run_after=now() + after)
    except Exception as exc:
        log.exception("job run %s (%s) failed, attempt %s of %s", run.pk, run.kind, run.attempts, run.max_attempts)
        if run.attempts >= run.max_attempts:
            _finish(run, status=RunStatus.FAILED, error=reason_of(exc), finished_at=now())
        else:
            after = datetime.timedelta(seconds=backoff(run.attempts))
            _finish(run, status=RunStatus.QUEUED, error=reason_of(exc), run_after=now() + after)
    else:
        _finish(run, status=RunStatus.DONE, error="", result=result or {}, finished_at=now())
    return run


class _Interrupted(Exception):
    pass


def run_schedules(now: datetime.datetime | None = None) -> int:
    """Every schedule's check; returns how many runs they enqueued. A failing check is logged, not fatal."""
    if not _SCHEDULES:
        return 0
    if now is None:
        from zhili.core import clock

        now = clock.now()
    enqueued = 0
    for fn in _SCHEDULES:
        try:
            enqueued += fn(now) or 0
        except Exception:
            log.exception("schedule %s failed", getattr(fn, "__qualname__", fn))
    return enqueued


def run_due(report: Callable[[JobRun], None] | None = None) -> int:
    """Process the runs due now (and those that become due meanwhile); returns how many were processed."""
    done = 0
    while True:
        found = due_runs()
        if not found:
            return done
        progressed = False
        for pk, status, attempts, token in found:
            run = claim(pk, status, attempts, token)
            if run is None:
                continue  # another worker took it
            progressed = True
            done += 1
            with logs.bound(run_id=run.pk, job=run.kind):  # the report's line too (`zhili serve` logs it)
                execute(run)
                if report is not None:
                    report(run)
        if not progressed:
            return done  # everything read was taken by others: look again next round


def run_once(report: Callable[[JobRun], None] | None = None) -> int:
    """One round: the heartbeat, the apps' loops, the schedules, then the due runs; returns how many were
    processed (`report(run)` is told of each run)."""
    beat()
    done = 0
    for fn in _RUNNERS:
        with logs.bound(job=fn.__module__):
            done += fn()
    run_schedules()
    return done + run_due(report)


def fresh_connection() -> None:
    """Between rounds of a long-running loop (never inside a request or a test's transaction)."""
    from django.db import close_old_connections

    close_old_connections()


def describe_run(run: JobRun) -> str:
    """One line about a processed run, for `zhili worker` and the log."""
    from zhili.core.models import RunStatus

    values = {"kind": label_of(run.kind), "key": run.key, "attempts": run.attempts}
    if run.status == RunStatus.DONE:
        return _("完成：%(kind)s（%(key)s）") % values
    if run.status == RunStatus.FAILED:
        return _("失败：%(kind)s（%(key)s），第 %(attempts)s 次：%(error)s") % {**values, "error": run.error}
    if run.status == RunStatus.QUEUED:
        return _("稍后重试：%(kind)s（%(key)s），第 %(attempts)s 次：%(error)s") % {**values, "error": run.error}
    return _("已被其他进程接手：%(kind)s（%(key)s）") % values


def start_thread(interval: float = 1.0) -> threading.Thread:
    """For `zhili serve` (the demo): the same loop as `zhili worker`, in a daemon thread."""

    def loop():
        while True:
            try:
                fresh_connection()
                if not run_once(report=lambda run: log.info("%s", describe_run(run))):
                    time.sleep(interval)
            except Exception:  # keep serving; the job records its own failure
                log.exception("background job failed")
                time.sleep(interval)

    thread = threading.Thread(target=loop, name="zhili-worker", daemon=True)
    thread.start()
    return thread


def _name_actions() -> None:
    from zhili.core import audit

    audit.describe({"core.jobrun.retry": gettext_lazy("重试后台任务")})


_name_actions()


# ---- reading: the 后台任务 page (people/views.job_runs) ----------------------------------------------------


def visible_runs(scope: Any, status: str = "") -> Any:
    """The runs of the regions `scope` administers (an installation's own, with no region, superusers only: as
    policy.see_job_runs), newest first; `status` one of RunStatus or empty for all."""
    from zhili.core.models import JobRun

    qs = JobRun.objects.filter(scope.q("region_path", access="admin"))
    if not scope.is_superuser:
        qs = qs.exclude(region_path="")
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at", "-pk")
