"""Ledgers (台账) defined as data: a ledger, its versioned field definitions, and its rows.

A definition version never changes once saved; editing a ledger's fields makes a new version, and every row
remembers the version it was written under, so old rows are never reinterpreted. Row values live in one JSON
object keyed by field key (dates as ISO strings, decimals as strings, so nothing is rounded).
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from zhili.core.models import ArchivableModel, ArchivableQuerySet, TimeStampedModel
from zhili.imports.models import staged_q
from zhili.people.models import Unit
from zhili.regions.models import Region


class RowLevel(models.TextChoices):
    VILLAGE = "village", _("村（社区）")
    GRID = "grid", _("网格")
    HOUSEHOLD = "household", _("户")
    PROJECT = "project", _("项目")
    UNIT = "unit", _("单位")


class FieldType(models.TextChoices):
    TEXT = "text", _("文本")
    INTEGER = "integer", _("整数")
    DECIMAL = "decimal", _("小数")
    DATE = "date", _("日期")
    CHOICE = "choice", _("选项")
    BOOL = "bool", _("是/否")
    REGION = "region", _("区划")
    ID_NUMBER = "id_number", _("身份证号")
    USCC = "uscc", _("统一社会信用代码")
    PHONE = "phone", _("电话")
    FILE = "file", _("照片/附件")


class Ledger(ArchivableModel):
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="ledgers", verbose_name=_("街道"))
    unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="ledgers", verbose_name=_("主管单位")
    )
    code = models.SlugField(_("台账代码"), max_length=50)
    name = models.CharField(_("台账名称"), max_length=100)
    level = models.CharField(_("行级别"), max_length=10, choices=RowLevel.choices, default=RowLevel.VILLAGE)
    description = models.TextField(_("说明"), blank=True)
    current_version = models.ForeignKey(
        "LedgerVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["code"]
        constraints = [models.UniqueConstraint(fields=["region", "code"], name="ledger_code_unique")]
        verbose_name = _("台账")

    def __str__(self) -> str:
        return self.name

    @property
    def audit_region_path(self) -> str:
        return self.region.path

    @property
    def definition(self) -> LedgerVersion:
        """The definition in force: every ledger has one from the moment it is defined (do_define_ledger)."""
        version = self.current_version
        if version is None:
            raise ValidationError(f"台账“{self.name}”还没有字段定义。")
        return version


class LedgerVersion(TimeStampedModel):
    ledger = models.ForeignKey(Ledger, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    # [{"key", "label", "type", "required", "choices", "min", "max", "unit", "decimals", "aliases", "sensitive"}]
    fields = models.JSONField()
    key = models.JSONField(default=list, blank=True)  # field keys that identify a row (e.g. ["id_number"])
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["ledger", "-number"]
        constraints = [models.UniqueConstraint(fields=["ledger", "number"], name="ledger_version_unique")]

    def __str__(self) -> str:
        return f"{self.ledger} v{self.number}"

    def field(self, key: str) -> dict | None:
        return next((f for f in self.fields if f["key"] == key), None)


class VisibleRows(models.Manager.from_queryset(ArchivableQuerySet)):
    """Every row except those an import is still writing: rows written under an import job stay out of every
    list, figure, export and check until the job is published, then all appear at once (zhili.imports)."""

    def get_queryset(self):
        return super().get_queryset().exclude(staged_q("import_job"))


class LedgerRow(ArchivableModel):
    ledger = models.ForeignKey(Ledger, on_delete=models.PROTECT, related_name="rows")
    version = models.ForeignKey(LedgerVersion, on_delete=models.PROTECT, related_name="rows")
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="ledger_rows")
    # The ledger's subdistrict (its region), copied when written: the key the table would be distributed by
    # (docs/scale.md). Rows are read through their ledger, so not indexed of its own.
    subdistrict = models.ForeignKey(Region, null=True, on_delete=models.PROTECT, related_name="+", db_index=False)
    data = models.JSONField(default=dict)
    key_value = models.CharField(max_length=300, blank=True)
    revision = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    modified_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    import_job = models.ForeignKey(
        "imports.ImportJob", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = VisibleRows()
    all_rows = ArchivableQuerySet.as_manager()  # with the rows of imports in progress: for the importer only

    class Meta:
        default_manager_name = "objects"
        ordering = ["id"]
        indexes = [models.Index(fields=["ledger", "region"]), models.Index(fields=["ledger", "key_value"])]
        constraints = [
            models.UniqueConstraint(
                fields=["ledger", "key_value"],
                name="ledger_row_key_unique",
                condition=models.Q(archived_at__isnull=True) & ~models.Q(key_value=""),
            ),
        ]
        verbose_name = _("台账行")

    def __str__(self) -> str:
        return f"{self.ledger} #{self.pk}"

    @property
    def audit_region_path(self) -> str:
        return self.region.path


def import_path(instance, filename: str) -> str:
    """Where migration 0001's ImportJob stored uploads (import jobs now live in zhili.imports)."""
    return f"imports/{instance.ledger.code}/{filename}"


class SensitiveReveal(TimeStampedModel):
    """Each time someone reveals a masked identity number, it is logged here (and in the audit log)."""

    row = models.ForeignKey(LedgerRow, on_delete=models.PROTECT, related_name="+")
    field_key = models.CharField(max_length=60)
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    def __str__(self) -> str:
        return f"{self.person} {self.row} {self.field_key}"
