"""Large imports run in the background: the page stays responsive and shows progress.

A job over ZHILI_IMPORT_BACKGROUND_KB is queued (QUEUED for the check, COMMITTING without a lease for the write);
`zhili worker` — or the thread that `zhili serve` starts for the demo — looks for work with a plain read (no lock:
an idle worker never holds up other writers), then claims a job with one conditional UPDATE that only one worker
can win, and holds it under a lease it renews every few thousand rows (pipeline.Lease). The database is the
queue: no broker to install on a government network.

A job whose lease ran out lost its worker (killed, crashed, the machine restarted). Its next worker takes it over:
a check is simply started again; a write first discards what the dead worker wrote (nobody saw it: it was
staged), then starts again. After MAX_ATTEMPTS runs the job fails with a sentence, and its page offers to try
again (actions.do_retry). Either way nothing partial is ever seen.
"""

from __future__ import annotations

import logging

from django.core.exceptions import ValidationError
from django.db.models import F, Q
from django.utils import timezone

from zhili.core import jobs as core_jobs
from zhili.imports import actions, pipeline
from zhili.imports.models import ImportJob, ImportStatus
from zhili.people.scope import scope_for

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3

INTERRUPTED_CHECK = (
    "后台检查多次中断（服务重启或进程退出），没有写入任何数据。请点“重新检查”再试；文件很大时，可拆分后分别导入。"
)
INTERRUPTED_WRITE = (
    "后台写入多次中断（服务重启或进程退出），已写入的部分已全部撤回，没有写入任何数据。"
    "请点“重新检查”再试；文件很大时，可拆分后分别导入。"
)


def _waiting(now) -> Q:
    """Jobs a worker should take: queued checks, confirmed writes nobody holds, and jobs whose worker died."""
    working = (ImportStatus.PARSING, ImportStatus.COMMITTING)
    return (
        Q(status=ImportStatus.QUEUED)
        | Q(status=ImportStatus.COMMITTING, lease_until__isnull=True)
        | Q(status__in=working, lease_until__lt=now)
    )


def _claim(pk: int, status: str, token: str, until) -> pipeline.Lease | None:
    """Take the job if it is still as it was read: one UPDATE that one worker wins (no lock held while idle)."""
    lease = pipeline.Lease(pk, pipeline.Lease.new_token())
    taken = ImportJob.objects.filter(pk=pk, status=status, lease_token=token, lease_until=until).update(
        status=ImportStatus.PARSING if status == ImportStatus.QUEUED else status,
        lease_token=lease.token,
        lease_until=pipeline.Lease.until(),
        attempts=F("attempts") + 1,
        modified_at=timezone.now(),
    )
    return lease if taken else None


def run_once() -> int:
    """Process the jobs there are now; returns how many were taken."""
    done = 0
    while True:
        # a plain read first: an idle worker takes no write lock
        found = list(
            ImportJob.objects.filter(_waiting(timezone.now()))
            .order_by("created_at", "pk")
            .values_list("pk", "status", "lease_token", "lease_until")[:10]
        )
        if not found:
            return done
        for pk, status, token, until in found:
            lease = _claim(pk, status, token, until)
            if lease is None:
                continue  # another worker took it
            job = ImportJob.objects.select_related("region", "uploaded_by", "acted_by").get(pk=pk)
            try:
                _run(job, lease, resumed=until is not None)
            except pipeline.LeaseLost:
                log.warning("import job %s was taken over by another worker", pk)
            done += 1
            break


def _run(job: ImportJob, lease: pipeline.Lease, *, resumed: bool) -> None:
    person = job.acted_by or job.uploaded_by
    scope = scope_for(person)
    if job.status == ImportStatus.PARSING:
        if resumed and job.attempts > MAX_ATTEMPTS:
            _fail(job, lease, INTERRUPTED_CHECK)
            return
        try:
            actions.do_preview(job, actor=person, scope=scope, lease=lease)
        except pipeline.LeaseLost:
            raise
        except ValidationError as exc:  # e.g. the person may no longer import here
            _fail(job, lease, " ".join(exc.messages), retryable=False)
        except Exception as exc:  # a background failure must end the job with a sentence, not hang it
            log.exception("import preview failed")
            _fail(job, lease, f"检查时出错：{exc}", retryable=True)
        return
    # COMMITTING — taken over from a dead worker: first remove what it wrote (nobody has seen it)
    if job.staging:
        pipeline.discard(job)
    if resumed and job.attempts > MAX_ATTEMPTS:
        _fail(job, lease, INTERRUPTED_WRITE)
        return
    try:
        actions.do_confirm(job, only_valid=job.only_valid, actor=person, scope=scope, lease=lease)
    except pipeline.LeaseLost:
        raise
    except ValidationError as exc:  # errors in all-or-nothing, a conflict, a refusal: nothing written
        _back_to_preview(job, lease, " ".join(exc.messages))
    except Exception as exc:
        log.exception("import commit failed")
        _back_to_preview(job, lease, f"写入时出错，未写入任何数据：{exc}")


def _back_to_preview(job: ImportJob, lease: pipeline.Lease, message: str) -> None:
    lease.jobs().update(
        status=ImportStatus.PREVIEWED, message=message, lease_token="", lease_until=None, modified_at=timezone.now()
    )


def _fail(job: ImportJob, lease: pipeline.Lease, message: str, *, retryable: bool = True) -> None:
    lease.jobs().update(
        status=ImportStatus.FAILED,
        message=message,
        retryable=retryable,
        lease_token="",
        lease_until=None,
        modified_at=timezone.now(),
    )


core_jobs.register(run_once)
