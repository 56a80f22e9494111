"""Shared base models and the append-only audit log."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now, editable=False)
    modified_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        abstract = True


class ArchivableQuerySet(models.QuerySet):
    def active(self):
        return self.filter(archived_at__isnull=True)


class ArchivableModel(TimeStampedModel):
    """Nothing a person entered is deleted: it is archived with a reason, by the app's own action
    (e.g. ledgers.actions.do_archive_row, people.actions.do_archive_person)."""

    archived_at = models.DateTimeField(_("归档时间"), null=True, blank=True)
    archived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    archived_reason = models.CharField(_("归档原因"), max_length=500, blank=True)

    objects = ArchivableQuerySet.as_manager()

    class Meta:
        abstract = True

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None


class AuditQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise RuntimeError("审计记录只能追加，不能修改。")

    def delete(self):
        raise RuntimeError("审计记录只能追加，不能删除。")


class AuditEntry(models.Model):
    """One action by one person on one object, with the old and new values. Never updated or deleted.

    Append-only is enforced three times: here (save/delete refuse), in the database (a trigger refuses
    UPDATE, and on PostgreSQL DELETE too; see migration 0002), and by the absence of any view that edits.
    """

    at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("操作人"),
    )
    actor_name = models.CharField(_("操作人姓名"), max_length=150, blank=True)
    action = models.CharField(_("操作"), max_length=64, db_index=True)
    object_type = models.CharField(_("对象类型"), max_length=64, db_index=True)
    object_id = models.CharField(_("对象编号"), max_length=64, db_index=True)
    object_repr = models.CharField(_("对象"), max_length=300)
    # The region path the object belongs to, so that administrators see only their regions' entries.
    region_path = models.CharField(max_length=255, blank=True, db_index=True)
    # The id of the subdistrict (a region) `region_path` lies in, none above the subdistricts; set by audit.record
    # (core/keys.py): the key the log would be distributed by (docs/scale.md), and a subdistrict's own log. A plain
    # number, not a foreign key: core knows no other app, and the log holds no region back.
    subdistrict_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    changes = models.JSONField(_("变更"), default=dict, blank=True)
    reason = models.CharField(_("原因"), max_length=500, blank=True)
    # About a confidential object (a tip): shown only to those who may see the object (core/queries.audit_entries)
    confidential = models.BooleanField(_("保密"), default=False)

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("审计记录")
        indexes = [models.Index(fields=["object_type", "object_id", "at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.action} {self.object_repr}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise RuntimeError("审计记录只能追加，不能修改。")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RuntimeError("审计记录只能追加，不能删除。")


class SiteFlag(models.Model):
    """Small facts about this installation, e.g. that it holds the demo (see zhili.demo)."""

    key = models.CharField(max_length=64, unique=True)
    value = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.key


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("运行中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")


class JobRun(models.Model):
    """One run of a background job (core/jobs.py): a snapshot to build, a bulletin to send, a scheduled week.

    `(kind, key)` is unique — the idempotency key: enqueuing the same work twice (two workers reaching the same
    scheduled week, a retry after a timeout) finds the run that exists instead of making a second one. A worker
    claims a run with one conditional UPDATE and holds it under a lease; a run whose lease ran out lost its
    worker and is taken again. A failure is retried after a growing wait (`run_after`) until `max_attempts`, then
    stays FAILED with its reason, shown to administrators on the 后台任务 page."""

    kind = models.CharField(_("任务类型"), max_length=64)
    key = models.CharField(_("任务键"), max_length=200)
    payload = models.JSONField(default=dict, blank=True)
    region_path = models.CharField(max_length=255, blank=True, db_index=True)  # whose it is, for scope
    status = models.CharField(_("状态"), max_length=10, choices=RunStatus.choices, default=RunStatus.QUEUED)
    attempts = models.PositiveIntegerField(_("已尝试次数"), default=0)
    max_attempts = models.PositiveIntegerField(_("最多尝试次数"), default=5)
    run_after = models.DateTimeField(_("计划运行时间"), default=timezone.now, db_index=True)
    lease_token = models.CharField(max_length=32, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    error = models.TextField(_("失败原因"), blank=True)
    result = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("后台任务")
        verbose_name_plural = _("后台任务")
        constraints = [models.UniqueConstraint(fields=["kind", "key"], name="core_jobrun_idempotency_key")]
        indexes = [models.Index(fields=["status", "run_after"], name="core_jobrun_due")]

    def __str__(self) -> str:
        from zhili.core.jobs import label_of  # the kinds' names, as the 后台任务 page shows them

        return f"{label_of(self.kind)} {self.key}"


class WorkerBeat(models.Model):
    """That a worker process is alive (core/jobs.beat): one row per process (`host:pid`), its `at` moved
    forward at most every jobs.BEAT_SECONDS — so an idle worker polling every two seconds writes once in thirty,
    not at every poll. /readyz and `zhili check --deploy` read the newest (jobs.last_beat)."""

    name = models.CharField(max_length=200, unique=True)
    started_at = models.DateTimeField(default=timezone.now)
    at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return self.name
