"""Large imports run in the background: the page stays responsive and shows progress.

A job is queued (status QUEUED for the preview, COMMITTING for the write); `zhili worker` — or the thread that
`zhili serve` starts for the demo — picks it up with SELECT … FOR UPDATE SKIP LOCKED, so several workers never
take the same job. The database is the queue: no broker to install on a government network.
"""

from __future__ import annotations

import logging

from django.db import transaction

from zhili.ledgers import importer
from zhili.ledgers.models import ImportJob, ImportStatus
from zhili.people.scope import scope_for

log = logging.getLogger(__name__)


def _claim(status: str, to: str) -> ImportJob | None:
    with transaction.atomic():
        job = (
            ImportJob.objects.select_for_update(skip_locked=True)
            .filter(status=status)
            .order_by("created_at")
            .select_related("ledger__region", "uploaded_by")
            .first()
        )
        if job is None:
            return None
        ImportJob.objects.filter(pk=job.pk).update(status=to, progress=0)
        job.status = to
        return job


def run_once() -> int:
    """Process the queued jobs there are now; returns how many."""
    done = 0
    while job := _claim(ImportStatus.QUEUED, ImportStatus.PARSING):
        scope = scope_for(job.uploaded_by)
        try:
            importer.preview(job, scope, person=job.uploaded_by)
        except Exception as exc:  # a background failure must end the job with a sentence, not hang it
            log.exception("import preview failed")
            ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.FAILED, message=f"检查时出错：{exc}")
        done += 1
    while True:
        with transaction.atomic():
            job = (
                ImportJob.objects.select_for_update(skip_locked=True)
                .filter(status=ImportStatus.COMMITTING, progress=0)
                .order_by("created_at")
                .select_related("ledger__region", "uploaded_by")
                .first()
            )
            if job is None:
                break
            ImportJob.objects.filter(pk=job.pk).update(progress=1)
        try:
            importer.commit(job, scope_for(job.uploaded_by), actor=job.uploaded_by, only_valid=job.only_valid)
        except (importer.ImportHasErrors, importer.ImportRefused) as exc:
            ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.PREVIEWED, message=str(exc))
        except Exception as exc:
            log.exception("import commit failed")
            ImportJob.objects.filter(pk=job.pk).update(
                status=ImportStatus.PREVIEWED, message=f"写入时出错，未写入任何数据：{exc}"
            )
        done += 1
    return done
