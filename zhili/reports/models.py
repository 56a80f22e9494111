"""Reports upward (上报): the superiors' own Excel forms, mapped once and filled every period.

- `ReportForm`: one form a subdistrict must send upward (报表目录's row) — who asks for it (下达单位), the office
  that receives it, how often (`periods.Frequency`), the deadline in working days after the period, the office in
  charge here, and its layout: one cell per figure (`CELLS`) or one row per village (`ROWS`).
- `FormVersion`: the superior's file as uploaded, kept as bytes (never rewritten: every fill writes into a copy),
  numbered; a new version from the superior is compared with the last (`sheet.compare`): cells whose labels
  moved are proposed at their new place, cells whose labels vanished are asked to be re-mapped.
- `CellMap`: one mapped cell (`CELLS`: "D7") or column (`ROWS`: "D", written on every village's row) of a
  version, bound to where its figure comes from (`binding`, see `bindings.py`) — an indicator source with its
  parameters, a target indicator's figure, the period's label, or "to be filled by hand" — and the labels
  around it (`anchor`) by which a moved cell is found again.
- `Filing` (报送): one period of one form, versioned: its status runs 填报中 → 待审核 → 待审批 → 已审批
  (locked) → 已报送; a return sends it back to 填报中 with a comment; a correction after approval is version
  n + 1 with its reason, the old version marked 已更正 and still readable.
- `FilingValue`: one written cell of a filing: its value, where it came from (`origin`: filled by Zhili, typed
  by a person, missing — flagged, never a zero) and its trace (the binding and the window, the village), so
  the reviewer opens onto the rows behind it. `FilingVillage`: a village's confirmation of its own row.
- `FilingStep`: the chain's history on the filing's page (submitted, reviewed, approved, returned with its
  comment, sent, corrected); every step is in the audit log too.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from zhili.core.models import TimeStampedModel
from zhili.people.models import Unit
from zhili.regions.models import Region


class Frequency(models.TextChoices):
    WEEK = "week", _("每周")
    MONTH = "month", _("每月")
    QUARTER = "quarter", _("每季度")
    YEAR = "year", _("每年")


class Layout(models.TextChoices):
    CELLS = "cells", _("一格一数")
    ROWS = "rows", _("每村一行")


class ReportForm(TimeStampedModel):
    """One form a subdistrict sends upward (see the module's note)."""

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("街道（乡镇）"))
    code = models.CharField(_("报表编号"), max_length=30)
    name = models.CharField(_("报表名称"), max_length=200)
    requester = models.CharField(_("下达单位"), max_length=100)  # who asks for it: 区统计局, 区住建局 …
    receiver = models.CharField(_("接收科室"), max_length=100, blank=True)
    frequency = models.CharField(_("报送频次"), max_length=10, choices=Frequency.choices, default=Frequency.MONTH)
    deadline_days = models.PositiveSmallIntegerField(_("报送时限（期末后工作日）"), default=5)
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("责任科室")
    )
    layout = models.CharField(_("表式"), max_length=10, choices=Layout.choices, default=Layout.CELLS)
    note = models.CharField(_("说明"), max_length=500, blank=True)
    archived_at = models.DateTimeField(_("停用时间"), null=True, blank=True)
    revision = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("上报报表")
        verbose_name_plural = _("上报报表")
        ordering = ["region", "code"]
        constraints = [models.UniqueConstraint(fields=["region", "code"], name="reports_form_code_once")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def audit_region_path(self) -> str:
        return self.region.path


class FormVersion(TimeStampedModel):
    """The superior's file as uploaded (see the module's note). For a `ROWS` form: the sheet's village rows run
    from `first_row` to `last_row`, the village's name in `key_column`, the total (合计) on `total_row` if any."""

    form = models.ForeignKey(ReportForm, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("版本"), default=1)
    filename = models.CharField(_("文件名"), max_length=200)
    content = models.BinaryField(_("文件"))
    sha256 = models.CharField(max_length=64)
    sheet = models.CharField(_("工作表"), max_length=100)
    key_column = models.CharField(_("村居名称所在列"), max_length=3, blank=True)
    first_row = models.PositiveIntegerField(_("首个村居行"), null=True, blank=True)
    last_row = models.PositiveIntegerField(_("末个村居行"), null=True, blank=True)
    total_row = models.PositiveIntegerField(_("合计行"), null=True, blank=True)
    note = models.CharField(_("说明"), max_length=500, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("报表表样")
        verbose_name_plural = _("报表表样")
        ordering = ["form", "-number"]
        constraints = [models.UniqueConstraint(fields=["form", "number"], name="reports_version_number_once")]

    def __str__(self) -> str:
        return f"{self.form} 第{self.number}版表样"

    @property
    def audit_region_path(self) -> str:
        return self.form.region.path


class MapState(models.TextChoices):
    OK = "ok", _("已映射")
    MOVED = "moved", _("位置已变，待确认")  # a new version moved its labels: proposed at `ref`, was `moved_from`
    LOST = "lost", _("需重新映射")  # its labels are gone from the new version


class CellMap(TimeStampedModel):
    """One mapped cell or column of a version (see the module's note and `bindings.py`)."""

    version = models.ForeignKey(FormVersion, on_delete=models.CASCADE, related_name="cells")
    ref = models.CharField(_("单元格"), max_length=10)  # "D7" (CELLS) or "D" (ROWS)
    label = models.CharField(_("栏目"), max_length=300, blank=True)  # the header's words, shown to people
    binding = models.JSONField(_("数据来源"), default=dict)
    anchor = models.JSONField(default=dict, blank=True)  # sheet.anchor_of(...): the labels around the cell
    state = models.CharField(_("状态"), max_length=10, choices=MapState.choices, default=MapState.OK)
    moved_from = models.CharField(_("原单元格"), max_length=10, blank=True)
    mapped_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("单元格映射")
        verbose_name_plural = _("单元格映射")
        ordering = ["version", "pk"]
        constraints = [models.UniqueConstraint(fields=["version", "ref"], name="reports_cell_once")]

    def __str__(self) -> str:
        return f"{self.version.form.code} {self.ref}"

    @property
    def audit_region_path(self) -> str:
        return self.version.form.region.path


class FilingStatus(models.TextChoices):
    FILLING = "filling", _("填报中")
    REVIEW = "review", _("待审核")
    APPROVAL = "approval", _("待审批")
    APPROVED = "approved", _("已审批")
    SENT = "sent", _("已报送")
    SUPERSEDED = "superseded", _("已更正")


LOCKED = (FilingStatus.APPROVED, FilingStatus.SENT, FilingStatus.SUPERSEDED)


class Filing(TimeStampedModel):
    """One period of one form, versioned (see the module's note)."""

    form = models.ForeignKey(ReportForm, on_delete=models.PROTECT, related_name="filings")
    form_version = models.ForeignKey(FormVersion, on_delete=models.PROTECT, related_name="+")
    # The form's subdistrict (its region), copied when written: the key the table would be distributed by
    # (docs/scale.md). Filings are read through their form, so not indexed of its own.
    subdistrict = models.ForeignKey(Region, null=True, on_delete=models.PROTECT, related_name="+", db_index=False)
    period = models.CharField(_("报送期"), max_length=10)  # periods.py: "2020-W40", "2020-09", "2020-Q3", "2020"
    start = models.DateField(_("起始日"))
    end = models.DateField(_("截止日"))
    due = models.DateField(_("报送期限"))
    version = models.PositiveIntegerField(_("版本"), default=1)
    status = models.CharField(_("状态"), max_length=12, choices=FilingStatus.choices, default=FilingStatus.FILLING)
    correction_reason = models.CharField(_("更正原因"), max_length=500, blank=True)
    replaces = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("更正的版本")
    )
    auto_cells = models.PositiveIntegerField(_("系统填写格数"), default=0)
    hand_cells = models.PositiveIntegerField(_("人工填写格数"), default=0)
    missing_cells = models.PositiveIntegerField(_("缺数格数"), default=0)
    problems = models.JSONField(_("问题"), default=list, blank=True)  # sentences: unmatched rows, unseen figures
    filled_at = models.DateTimeField(_("取数时间"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    sent_at = models.DateTimeField(_("报送时间"), null=True, blank=True)
    revision = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("报表报送")
        verbose_name_plural = _("报表报送")
        ordering = ["form", "-period", "-version"]
        constraints = [models.UniqueConstraint(fields=["form", "period", "version"], name="reports_filing_version")]

    def __str__(self) -> str:
        return f"{self.form} {self.period} 第{self.version}版"

    @property
    def audit_region_path(self) -> str:
        return self.form.region.path

    @property
    def locked(self) -> bool:
        return self.status in LOCKED


class Origin(models.TextChoices):
    AUTO = "auto", _("系统取数")
    HAND = "hand", _("人工填写")
    MISSING = "missing", _("缺数")  # Zhili should have filled it and holds no data: flagged, never a zero
    LABEL = "label", _("期次")  # the period's label, written by Zhili, not a figure


class FilingValue(models.Model):
    """One written cell of a filing (see the module's note)."""

    filing = models.ForeignKey(Filing, on_delete=models.CASCADE, related_name="values")
    # The filing's subdistrict (its form's region), copied when written: the key the table would be distributed
    # by (docs/scale.md). Values are read through their filing, so not indexed of its own.
    subdistrict = models.ForeignKey(Region, null=True, on_delete=models.PROTECT, related_name="+", db_index=False)
    ref = models.CharField(_("单元格"), max_length=10)  # the actual cell, "D7"
    cell_map = models.ForeignKey(CellMap, on_delete=models.PROTECT, related_name="+")
    village = models.ForeignKey(Region, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    origin = models.CharField(_("来源"), max_length=10, choices=Origin.choices)
    number = models.DecimalField(_("数值"), max_digits=20, decimal_places=4, null=True, blank=True)
    text = models.CharField(_("文字"), max_length=500, blank=True)
    trace = models.JSONField(default=dict, blank=True)  # bindings.trace(...): the binding, window, village
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    entered_at = models.DateTimeField(null=True, blank=True)
    revision = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("报表数据")
        verbose_name_plural = _("报表数据")
        ordering = ["filing", "pk"]
        constraints = [models.UniqueConstraint(fields=["filing", "ref"], name="reports_value_once")]

    def __str__(self) -> str:
        return f"{self.filing} {self.ref}"

    @property
    def audit_region_path(self) -> str:
        return self.village.path if self.village is not None else self.filing.form.region.path


class FilingVillage(models.Model):
    """A village's confirmation of its own row in a `ROWS` filing (cleared when the filing is returned to it)."""

    filing = models.ForeignKey(Filing, on_delete=models.CASCADE, related_name="villages")
    village = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    row = models.PositiveIntegerField(_("行号"))
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    returned_note = models.CharField(_("退回意见"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("村居确认")
        verbose_name_plural = _("村居确认")
        ordering = ["filing", "row"]
        constraints = [models.UniqueConstraint(fields=["filing", "village"], name="reports_village_once")]

    def __str__(self) -> str:
        return f"{self.filing} {self.village}"

    @property
    def audit_region_path(self) -> str:
        return self.village.path


class Step(models.TextChoices):
    FILLED = "filled", _("取数")
    CONFIRMED = "confirmed", _("村居确认")
    SUBMITTED = "submitted", _("提交审核")
    REVIEWED = "reviewed", _("审核通过")
    APPROVED = "approved", _("审批通过")
    RETURNED = "returned", _("退回")
    SENT = "sent", _("报送")
    CORRECTED = "corrected", _("更正")


class FilingStep(models.Model):
    """One step of the chain on a filing (see the module's note)."""

    filing = models.ForeignKey(Filing, on_delete=models.CASCADE, related_name="steps")
    step = models.CharField(_("环节"), max_length=12, choices=Step.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    village = models.ForeignKey(Region, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    comment = models.CharField(_("意见"), max_length=500, blank=True)
    at = models.DateTimeField(_("时间"))

    class Meta:
        verbose_name = _("审核记录")
        verbose_name_plural = _("审核记录")
        ordering = ["filing", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.filing} {self.get_step_display()}"
