"""Scoped reads of imports."""

from __future__ import annotations

from django.utils.translation import gettext as _

from zhili.core import errors
from zhili.imports.models import ImportJob
from zhili.people import policy
from zhili.people.scope import Scope


def get_job_or_404(scope: Scope, importer: str, target_id: int, pk: int) -> ImportJob:
    """An import into this target that the person may open (404 otherwise: nothing leaks)."""
    job = (
        ImportJob.objects.filter(importer=importer, target_id=target_id, pk=pk)
        .select_related("region", "uploaded_by")
        .first()
    )
    if job is None or not policy.see_import(scope, job):
        raise errors.NotFound(_("不存在或无权查看。"))
    return job


def recent_jobs(importer: str, target_id: int, limit: int = 10) -> list[ImportJob]:
    """The latest imports into a target, newest first, with who uploaded them (the upload page's list)."""
    return list(
        ImportJob.objects.filter(importer=importer, target_id=target_id)
        .select_related("uploaded_by")
        .order_by("-created_at")[:limit]
    )
