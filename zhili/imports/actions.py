"""An import's life cycle, the same for the page, the command and the worker:

    do_start_import  the file stored, a job (refused before anything is stored when the person may not import)
    do_preview       the file checked: the job's preview (the worker runs the same for large files)
    do_remap         the person's own column choices, remembered, and the file checked again
    do_confirm       written now (a small file) or queued for the worker (over ZHILI_IMPORT_BACKGROUND_KB)
    do_cancel        nothing will be written
    do_retry         a job whose background work was interrupted, checked again

Each asks the importer's rights (zhili.people.policy) for the person's scope and writes its audit entry; the
import's own entry (what was added and updated) is written when the commit publishes (pipeline.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhili.core import audit, errors
from zhili.core.errors import require
from zhili.imports import pipeline, registry
from zhili.imports.models import ImportJob, ImportStatus
from zhili.people import policy
from zhili.people.scope import Scope

audit.describe(
    {
        "import.upload": gettext_lazy("上传导入文件"),
        "import.remap": gettext_lazy("调整列对应"),
        "import.cancel": gettext_lazy("取消导入"),
        "import.retry": gettext_lazy("重新检查导入"),
    },
    fields={
        "*": {
            "file": gettext_lazy("文件"),
            "size": gettext_lazy("大小（字节）"),
            "into": gettext_lazy("导入到"),
            "add": gettext_lazy("新增"),
            "update": gettext_lazy("更新"),
            "rejected": gettext_lazy("未导入"),
            "columns": gettext_lazy("列对应"),
        }
    },
)

if TYPE_CHECKING:  # people depend on this module, not the other way round
    from zhili.people.models import Person


def is_large(size: int) -> bool:
    """The one threshold for background work: a file over ZHILI_IMPORT_BACKGROUND_KB is checked and written by
    the worker (`zhili worker`) — or by the command that asked to wait for it — and written in batches; a
    smaller one within the request, in one transaction."""
    return size > settings.ZHILI_IMPORT_BACKGROUND_KB * 1024


def _may_import(job: ImportJob, scope: Scope):
    imp = registry.get(job.importer)
    target = imp.target(job)
    require(policy.see_import(scope, job), _("不存在或无权查看。"), errors.NotFound)
    require(imp.may_import(scope, target), _("您无权向“%(v)s”导入数据。") % {"v": imp.name(target)})
    return imp, target


def do_start_import(importer: str, target, upload, *, actor: Person, scope: Scope, wait: bool = False) -> ImportJob:
    """Store an uploaded file as a new import into `target`; check it now when it is small (or when the caller
    waits for it, as the command does), else queue it for the worker."""
    imp = registry.get(importer)
    require(imp.may_import(scope, target), _("您无权向“%(v)s”导入数据。") % {"v": imp.name(target)})
    limit = settings.ZHILI_IMPORT_MAX_MB * 1024 * 1024
    require(
        upload.size <= limit,
        _("文件大小 %(v)s MB 超过上限 %(ZHILI_IMPORT_MAX_MB)s MB，请拆分后再导入。")
        % {"v": format(upload.size / 1048576, ".0f"), "ZHILI_IMPORT_MAX_MB": settings.ZHILI_IMPORT_MAX_MB},
        errors.Invalid,
    )
    background = is_large(upload.size) and not wait
    with transaction.atomic():
        job = ImportJob.objects.create(
            importer=imp.key,
            target_id=imp.target_id(target),
            region=imp.region(target),
            file=upload,
            filename=upload.name[:255],
            uploaded_by=actor,
            acted_by=actor,
            background=background,
            status=ImportStatus.QUEUED if background else ImportStatus.UPLOADED,
        )
        audit.record(
            actor,
            "import.upload",
            job,
            changes={"file": [None, job.filename], "size": [None, upload.size], "into": [None, imp.name(target)]},
        )
    if not background:
        do_preview(job, actor=actor, scope=scope)
    return job


def do_preview(
    job: ImportJob,
    *,
    actor: Person,
    scope: Scope,
    override: dict[str, str] | None = None,
    lease: pipeline.Lease | None = None,
) -> pipeline.Summary:
    """Check the file and keep the preview on the job; nothing else is written. Within the request, or by the
    worker that holds the job's `lease`."""
    _may_import(job, scope)
    ready = (
        (ImportStatus.PARSING,)
        if lease is not None
        else (ImportStatus.UPLOADED, ImportStatus.PREVIEWED, ImportStatus.FAILED)
    )
    require(job.status in ready, _("这次导入正在处理或已经结束，不能重新检查。"), errors.Conflict)
    return pipeline.preview(job, scope, person=actor, override=override, lease=lease)


def do_remap(job: ImportJob, choices: dict[str, str], *, actor: Person, scope: Scope) -> ImportJob:
    """A person's own column choices for this file: remembered for their next file into the same target, then
    the file is checked again with them (by the worker when the file is large)."""
    _may_import(job, scope)
    require(
        job.status == ImportStatus.PREVIEWED or (job.status == ImportStatus.FAILED and job.summary.get("columns")),
        _("现在不能调整列对应。"),
        errors.Conflict,
    )
    with transaction.atomic():
        override = pipeline.remember_mapping(job, actor, choices)
        ImportJob.objects.filter(pk=job.pk).update(choices=override, acted_by=actor)
        job.choices, job.acted_by = override, actor
        imp = registry.get(job.importer)
        labels = {c.key: c.label for c in imp.columns(imp.target(job))}
        # the log says which column feeds which field by the field's name, as the page does ("" = not imported)
        shown = {header: labels.get(key, "（不导入）") if key else "（不导入）" for header, key in override.items()}
        audit.record(actor, "import.remap", job, changes={"columns": [None, shown]})
        if job.background:
            _requeue(job)
    if not job.background:
        pipeline.preview(job, scope, person=actor)
    return job


def _requeue(job: ImportJob) -> None:
    fields = {"status": ImportStatus.QUEUED, "attempts": 0, "lease_token": "", "lease_until": None, "retryable": False}
    ImportJob.objects.filter(pk=job.pk).update(**fields)
    for name, value in fields.items():
        setattr(job, name, value)


def do_confirm(
    job: ImportJob, *, only_valid: bool, actor: Person, scope: Scope, lease: pipeline.Lease | None = None
) -> pipeline.Summary | None:
    """Write the previewed file — all rows or nothing, or only the valid rows. A small file is written now (the
    summary is returned); a large one is queued for the worker (None), which writes it holding the job's
    `lease`, in batches, as the person who confirmed it."""
    _may_import(job, scope)
    if lease is not None:
        require(job.status == ImportStatus.COMMITTING, _("这次导入没有等待写入。"), errors.Conflict)
        return pipeline.commit(job, scope, actor=actor, only_valid=only_valid, lease=lease)
    if job.background:
        queued = ImportJob.objects.filter(pk=job.pk, status=ImportStatus.PREVIEWED).update(
            status=ImportStatus.COMMITTING,
            only_valid=only_valid,
            acted_by=actor,
            attempts=0,
            lease_token="",
            lease_until=None,
            progress=0,
            message="",
        )
        require(queued, _("这次导入已经确认过或已经结束。"), errors.Conflict)
        job.refresh_from_db()
        return None
    require(job.status == ImportStatus.PREVIEWED, _("这次导入已经确认过或已经结束。"), errors.Conflict)
    return pipeline.commit(job, scope, actor=actor, only_valid=only_valid, batched=is_large(job.file.size))


def do_cancel(job: ImportJob, *, actor: Person, scope: Scope) -> ImportJob:
    """Nothing of this file will be written. A job the worker is writing cannot be cancelled any more."""
    _may_import(job, scope)
    with transaction.atomic():
        # not once the worker holds it or has written anything (a waiting job has no lease and nothing staged)
        cancelled = (
            ImportJob.objects.filter(pk=job.pk, lease_until__isnull=True, staging=False)
            .exclude(status__in=(ImportStatus.DONE, ImportStatus.CANCELLED))
            .update(status=ImportStatus.CANCELLED, lease_token="", retryable=False)
        )
        require(cancelled, _("这次导入正在写入或已经结束，不能取消。"), errors.Conflict)
        audit.record(actor, "import.cancel", job, changes={"file": [None, job.filename]})
        transaction.on_commit(lambda: pipeline.drop_plan(job))
    job.refresh_from_db()
    return job


def do_retry(job: ImportJob, *, actor: Person, scope: Scope) -> ImportJob:
    """A job whose background work was interrupted (a crash, a restart) checked again from its stored file."""
    _may_import(job, scope)
    require(job.status == ImportStatus.FAILED and job.retryable, _("这次导入不需要重试。"), errors.Conflict)
    with transaction.atomic():
        ImportJob.objects.filter(pk=job.pk).update(acted_by=actor, message="")
        job.acted_by = actor
        audit.record(actor, "import.retry", job, changes={"file": [None, job.filename]})
        if job.background:
            _requeue(job)
    if not job.background:
        pipeline.preview(job, scope, person=actor)
    job.refresh_from_db()
    return job
