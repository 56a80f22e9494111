"""An import of a spreadsheet into some target (a ledger today; projects, households, rosters next).

`ImportJob` is generic: `importer` names the importer (zhili/imports/registry.py) and `target_id` the object the
file goes into (for the ledger importer, a Ledger). The stored file is never changed. `ColumnMemory` keeps a
person's manual column choices for their next file into the same target. `StagedChange` holds the updates a
commit in progress will apply to existing records when it publishes (see pipeline.py: "staged visibility").
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from zhili.core.models import TimeStampedModel
from zhili.regions.models import Region


class ImportStatus(models.TextChoices):
    UPLOADED = "uploaded", _("已上传")
    QUEUED = "queued", _("排队中")
    PARSING = "parsing", _("检查中")
    PREVIEWED = "previewed", _("待确认")
    COMMITTING = "committing", _("写入中")
    DONE = "done", _("已导入")
    FAILED = "failed", _("未导入")
    CANCELLED = "cancelled", _("已取消")


def import_path(instance: ImportJob, filename: str) -> str:
    return f"imports/{instance.importer}/{instance.target_id}/{filename}"


class ImportJob(TimeStampedModel):
    """One uploaded file: checked into a preview, written only when a person confirms.

    Background work (files over ZHILI_IMPORT_BACKGROUND_KB) is done by `zhili worker` under a lease: the worker
    holding `lease_token` renews `lease_until` as it goes; a job whose lease ran out lost its worker (a crash, a
    kill) and is taken over — resumed, or failed with a sentence once it has been tried MAX_ATTEMPTS times.
    Rows a commit writes stay invisible while `staging` is set (each importer's default manager leaves them out)
    and all appear at once when the job is published."""

    importer = models.CharField(_("导入类型"), max_length=40)
    target_id = models.PositiveBigIntegerField()
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")  # the target's region
    file = models.FileField(upload_to=import_path, max_length=300)
    filename = models.CharField(max_length=255)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # who asked for the step in progress (upload, new column choices, confirmation): its scope is used
    acted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(max_length=12, choices=ImportStatus.choices, default=ImportStatus.UPLOADED)
    background = models.BooleanField(default=False)  # checked and written by the worker
    only_valid = models.BooleanField(default=False)
    choices = models.JSONField(default=dict, blank=True)  # this file's manual column choices: header → field key
    mapping = models.JSONField(default=dict, blank=True)  # column header → field key, as used
    summary = models.JSONField(default=dict, blank=True)  # counts: rows, add, update, unchanged, errors, warnings
    problems = models.JSONField(default=list, blank=True)  # [{row, column, value, reason, level}] (capped)
    progress = models.PositiveIntegerField(default=0)  # rows processed
    message = models.TextField(blank=True)  # why it failed, in Chinese
    retryable = models.BooleanField(default=False)  # failed because the work was interrupted: it may be tried again
    attempts = models.PositiveSmallIntegerField(default=0)  # runs of the step in progress by a worker
    lease_token = models.CharField(max_length=32, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    staging = models.BooleanField(default=False)  # rows written under this job that nobody sees yet

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["importer", "target_id"], name="import_job_target"),
            models.Index(fields=["status"], name="import_job_status"),
        ]
        verbose_name = _("导入")

    def __str__(self) -> str:
        return self.filename

    @property
    def audit_region_path(self) -> str:
        return self.region.path

    @property
    def working(self) -> bool:
        """The worker has it (or will take it): its page refreshes."""
        return self.status in (ImportStatus.QUEUED, ImportStatus.PARSING, ImportStatus.COMMITTING)


def staged_q(field: str = "import_job") -> models.Q:
    """Records written under an import that is still committing (or was interrupted): nobody sees them until
    the job is published. An importer's default manager excludes them: `.exclude(staged_q("import_job"))`."""
    return models.Q(**{f"{field}__in": ImportJob.objects.filter(staging=True).values("pk")})


class ColumnMemory(models.Model):
    """A person's manual column mapping, remembered for their next file into the same target."""

    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    importer = models.CharField(max_length=40)
    target_id = models.PositiveBigIntegerField()
    header = models.CharField(max_length=200)
    field_key = models.CharField(max_length=60)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["person", "importer", "target_id", "header"], name="import_column_memory_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.header} → {self.field_key}"


class StagedChange(models.Model):
    """An update of an existing record, computed by a commit in progress and applied when the job publishes,
    only if the record is still at `revision` (otherwise the whole import is refused: somebody changed it)."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="+")
    object_id = models.PositiveBigIntegerField()
    revision = models.PositiveIntegerField()
    payload = models.JSONField()  # what the importer writes (e.g. {"data": …, "region_id": …})
    changes = models.JSONField(default=dict)  # {field label: [old, new]} for the audit entry
    region_path = models.CharField(max_length=255, blank=True)

    class Meta:
        indexes = [models.Index(fields=["job", "id"], name="import_staged_job")]

    def __str__(self) -> str:
        return f"{self.job_id}: {self.object_id}"
