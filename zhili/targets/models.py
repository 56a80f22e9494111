"""The "1234" work system as data: goals (any depth) → tasks → indicators, decomposed to villages or units,
with progress entries kept per period (never overwritten), light rules, period reopenings, rankings and 催办.
"""

from __future__ import annotations

import datetime
import os
import re
import secrets
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from zhili.core.models import ArchivableModel, TimeStampedModel
from zhili.people.models import Person, Unit
from zhili.regions.models import Region
from zhili.targets.evidence import BY_MIME


class Goal(ArchivableModel):
    """A node of the year's work system: 中心任务, 重点工作, 攻坚战, 打造, or any level a township uses."""

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="goals", verbose_name=_("街道"))
    year = models.PositiveSmallIntegerField(_("年度"), db_index=True)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    level_name = models.CharField(_("层级"), max_length=30)
    code = models.CharField(_("编号"), max_length=20)
    title = models.CharField(_("名称"), max_length=200)
    order = models.PositiveIntegerField(_("顺序"), default=0)
    revision = models.PositiveIntegerField(default=1)  # optimistic concurrency: an edit names the one it read

    class Meta:
        ordering = ["year", "order", "code"]
        verbose_name = _("目标")

    def __str__(self) -> str:
        return self.heading

    @property
    def heading(self) -> str:
        """ "1.1 新旧动能转换"; a title that already carries its number ("1 个中心任务") is not numbered twice."""
        if not self.code or re.match(rf"{re.escape(self.code)}(?![\d.])", self.title):
            return self.title
        return f"{self.code} {self.title}"

    @property
    def audit_region_path(self) -> str:
        return self.region.path


class TaskStatus(models.TextChoices):
    OPEN = "open", _("推进中")
    REPORTED = "reported", _("已报办结")
    CLOSED = "closed", _("已销号")


class Task(ArchivableModel):
    goal = models.ForeignKey(Goal, on_delete=models.PROTECT, related_name="tasks", verbose_name=_("所属目标"))
    code = models.CharField(_("编号"), max_length=20)
    title = models.CharField(_("任务"), max_length=300)
    leader = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="led_tasks", verbose_name=_("责任领导")
    )
    lead_unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="led_tasks", verbose_name=_("牵头单位")
    )
    assisting_units = models.ManyToManyField(
        Unit, blank=True, related_name="assisted_tasks", verbose_name=_("配合单位")
    )
    owner = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="owned_tasks", verbose_name=_("责任人")
    )
    start = models.DateField(_("开始日期"))
    deadline = models.DateField(_("完成时限"))
    status = models.CharField(_("状态"), max_length=10, choices=TaskStatus.choices, default=TaskStatus.OPEN)
    reported_at = models.DateTimeField(null=True, blank=True)
    reported_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    report_note = models.TextField(_("办结说明"), blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    order = models.PositiveIntegerField(default=0)
    revision = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["goal__order", "order", "code"]
        verbose_name = _("任务")

    def __str__(self) -> str:
        return self.title

    @property
    def audit_region_path(self) -> str:
        return self.goal.region.path


class Milestone(TimeStampedModel):
    task = models.ForeignKey(Task, on_delete=models.PROTECT, related_name="milestones")
    title = models.CharField(_("节点"), max_length=200)
    due = models.DateField(_("节点时限"))
    done_on = models.DateField(_("完成日期"), null=True, blank=True)

    class Meta:
        ordering = ["due"]

    def __str__(self) -> str:
        return self.title


class Direction(models.TextChoices):
    HIGHER = "higher", _("越大越好")
    LOWER = "lower", _("越小越好")


class PeriodType(models.TextChoices):
    WEEK = "week", _("周")
    MONTH = "month", _("月")
    QUARTER = "quarter", _("季")
    YEAR = "year", _("年")


class SourceKind(models.TextChoices):
    REPORT = "report", _("人工填报")
    COMPUTED = "computed", _("系统计算")
    CHILDREN = "children", _("下级指标汇总")


class Aggregation(models.TextChoices):
    SUM = "sum", _("求和")
    AVG = "avg", _("平均")
    WEIGHTED = "weighted", _("加权平均")


class Decomposition(models.TextChoices):
    NONE = "none", _("不分解（街道整体）")
    VILLAGES = "villages", _("分解到村")
    UNITS = "units", _("分解到单位")


class TargetState(models.TextChoices):
    SET = "", _("已定")
    PENDING = "pending", _("待填")  # rolled over without its target: the owner fills it in
    CARRIED = "carried", _("沿用上年")  # rolled over with last year's target, to be confirmed


class Indicator(ArchivableModel):
    task = models.ForeignKey(Task, on_delete=models.PROTECT, related_name="indicators", verbose_name=_("任务"))
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children", verbose_name=_("上级指标")
    )
    code = models.CharField(_("编号"), max_length=30)
    name = models.CharField(_("指标"), max_length=200)
    unit = models.CharField(_("计量单位"), max_length=20)
    direction = models.CharField(_("方向"), max_length=10, choices=Direction.choices, default=Direction.HIGHER)
    baseline = models.DecimalField(_("基数"), max_digits=16, decimal_places=4, null=True, blank=True)
    target = models.DecimalField(_("目标值"), max_digits=16, decimal_places=4)
    cumulative = models.BooleanField(
        _("累计值"),
        default=True,
        help_text=_("累计值：每次填报截至该期末的累计数；否则填报当期数，年度实绩为各期之和。"),
    )
    period_type = models.CharField(_("填报周期"), max_length=10, choices=PeriodType.choices, default=PeriodType.MONTH)
    source = models.CharField(_("数据来源"), max_length=10, choices=SourceKind.choices, default=SourceKind.REPORT)
    source_key = models.CharField(_("计算来源"), max_length=60, blank=True)
    source_params = models.JSONField(_("计算参数"), default=dict, blank=True)
    aggregation = models.CharField(_("汇总方式"), max_length=10, choices=Aggregation.choices, default=Aggregation.SUM)
    weight = models.DecimalField(_("权重"), max_digits=6, decimal_places=2, default=Decimal("1"))
    allow_negative = models.BooleanField(_("允许负值"), default=False)
    decomposition = models.CharField(
        _("分解方式"), max_length=10, choices=Decomposition.choices, default=Decomposition.NONE
    )
    decomposition_note = models.CharField(_("分解说明"), max_length=500, blank=True)
    deadline = models.DateField(_("完成时限"), null=True, blank=True)
    order = models.PositiveIntegerField(default=0)
    target_state = models.CharField(
        _("目标值状态"), max_length=10, choices=TargetState.choices, default=TargetState.SET, blank=True
    )
    carried_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("结转自")
    )
    revision = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["task__order", "order", "code"]
        verbose_name = _("指标")

    def __str__(self) -> str:
        return self.name

    @property
    def audit_region_path(self) -> str:
        return self.task.goal.region.path

    @property
    def due(self) -> datetime.date:
        return self.deadline or self.task.deadline


class Share(TimeStampedModel):
    """分解下达: one village's or unit's part of an indicator's target."""

    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="shares")
    # The indicator's subdistrict (its goal's region), copied when written: the key the table would be distributed
    # by (docs/scale.md). Shares are read through their indicator, so not indexed of its own.
    subdistrict = models.ForeignKey(Region, null=True, on_delete=models.PROTECT, related_name="+", db_index=False)
    region = models.ForeignKey(Region, null=True, blank=True, on_delete=models.PROTECT, related_name="target_shares")
    unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="target_shares")
    target = models.DecimalField(_("分解目标"), max_digits=16, decimal_places=4)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "region"], name="share_unique_region", condition=models.Q(region__isnull=False)
            ),
            models.UniqueConstraint(
                fields=["indicator", "unit"], name="share_unique_unit", condition=models.Q(unit__isnull=False)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator} · {self.region or self.unit}: {self.target}"


class Entry(TimeStampedModel):
    """A progress report for one indicator, one region (village or subdistrict) and one period.

    Never overwritten: a correction is a new entry pointing at the one it corrects, with a reason; only the
    newest of a chain has is_current=True.
    """

    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="entries")
    # The indicator's subdistrict (its goal's region), copied when written: the key the table would be distributed
    # by (docs/scale.md). Entries are read through their indicator, so not indexed of its own.
    subdistrict = models.ForeignKey(Region, null=True, on_delete=models.PROTECT, related_name="+", db_index=False)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="target_entries")
    unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="target_entries")
    period_start = models.DateField(_("期初"))
    period_end = models.DateField(_("期末"))
    value = models.DecimalField(_("数值"), max_digits=16, decimal_places=4)
    note = models.TextField(_("说明"), blank=True)
    reporter = models.ForeignKey(Person, null=True, on_delete=models.PROTECT, related_name="+")
    corrects = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="corrections")
    reason = models.CharField(_("更正原因"), max_length=500, blank=True)
    is_current = models.BooleanField(default=True)

    class Meta:
        ordering = ["period_end", "id"]
        indexes = [models.Index(fields=["indicator", "is_current", "region", "period_end"])]
        verbose_name = _("进度填报")

    def __str__(self) -> str:
        return f"{self.indicator} · {self.region} · {self.period_end}: {self.value}"

    @property
    def audit_region_path(self) -> str:
        return self.region.path


def evidence_path(instance: Evidence, filename: str) -> str:
    """A random name under the month's folder: never the uploaded one (only its checked extension is kept)."""
    ext = os.path.splitext(filename)[1].lower()
    return f"evidence/{datetime.date.today():%Y/%m}/{secrets.token_hex(16)}{ext}"


class Evidence(TimeStampedModel):
    """佐证材料 of a progress entry or a task's 办结 report, checked by its bytes (targets/evidence.py) and served
    only through scope (/targets/evidence/<id>/)."""

    entry = models.ForeignKey(Entry, null=True, blank=True, on_delete=models.PROTECT, related_name="evidence")
    task = models.ForeignKey(Task, null=True, blank=True, on_delete=models.PROTECT, related_name="evidence")
    file = models.FileField(_("佐证材料"), upload_to=evidence_path)
    name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(
        _("类型"), max_length=100, blank=True, help_text=_("由文件内容判定；为空表示上传时尚未检查（旧文件）。")
    )
    size = models.PositiveBigIntegerField(_("大小（字节）"), null=True, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    uploaded_by = models.ForeignKey(Person, null=True, on_delete=models.PROTECT, related_name="+")

    def __str__(self) -> str:
        return self.name

    @property
    def downloaded(self) -> bool:
        """A document served as an attachment, not an image or a PDF shown in the browser: its link says so
        (`download`), so that following it is no navigation."""
        kind = BY_MIME.get(self.content_type)
        return kind is not None and not kind.inline


class LightRule(TimeStampedModel):
    """亮灯规则, configuration with an effective date (the newest rule on or before a day applies)."""

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="light_rules")
    effective_from = models.DateField(_("生效日期"))
    red_gap = models.DecimalField(
        _("红灯：落后序时进度超过（百分点）"), max_digits=5, decimal_places=2, default=Decimal("10")
    )
    due_soon_days = models.PositiveSmallIntegerField(_("黄灯：距时限不足（工作日）"), default=5)
    report_grace_days = models.PositiveSmallIntegerField(_("填报期：期末后（自然日）"), default=10)

    class Meta:
        ordering = ["-effective_from"]

    def __str__(self) -> str:
        return f"{self.region} {self.effective_from}"


class PeriodReopening(TimeStampedModel):
    """A leader reopens a closed period for late reports (logged)."""

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    indicator = models.ForeignKey(Indicator, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    period_end = models.DateField()
    until = models.DateField()
    reason = models.CharField(max_length=500)
    reopened_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")


class RankingScheme(TimeStampedModel):
    """Published, configurable weights for scoring villages or units in a year."""

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="ranking_schemes")
    year = models.PositiveSmallIntegerField(_("年度"))
    name = models.CharField(_("名称"), max_length=100)
    subject = models.CharField(_("对象"), max_length=10, choices=[("villages", _("村（社区）")), ("units", _("单位"))])
    cap = models.DecimalField(_("单项完成率封顶（%）"), max_digits=6, decimal_places=2, default=Decimal("100"))
    published_to_villages = models.BooleanField(
        _("向村（社区）公开"),
        default=False,
        help_text=_("公开后，各村（社区）干部可以查看本考核的排名和得分，以及本村的得分明细。"),
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["region", "year", "subject"], name="one_scheme_per_subject")]

    def __str__(self) -> str:
        return self.name

    @property
    def audit_region_path(self) -> str:
        return self.region.path


class RankingWeight(models.Model):
    scheme = models.ForeignKey(RankingScheme, on_delete=models.CASCADE, related_name="weights")
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="+")
    weight = models.DecimalField(_("权重（%）"), max_digits=6, decimal_places=2)

    class Meta:
        ordering = ["-weight", "indicator__code"]

    def __str__(self) -> str:
        return f"{self.indicator}: {self.weight}%"


class Reminder(TimeStampedModel):
    """催办: a leader presses a responsible person about a task, or a leader or office presses a village about its
    share of an indicator (`region`, with `to` empty: every cadre of the village sees it, one of them reads and
    answers). Shown on their home page until read (a village's until answered); the sender sees who read it and
    what they answered."""

    task = models.ForeignKey(Task, on_delete=models.PROTECT, related_name="reminders")
    to = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="reminders")
    indicator = models.ForeignKey(
        Indicator, null=True, blank=True, on_delete=models.PROTECT, related_name="reminders", verbose_name=_("指标")
    )
    region = models.ForeignKey(
        Region, null=True, blank=True, on_delete=models.PROTECT, related_name="reminders", verbose_name=_("村（社区）")
    )
    sender = models.ForeignKey(Person, null=True, on_delete=models.PROTECT, related_name="+")
    message = models.CharField(_("催办内容"), max_length=500)
    read_at = models.DateTimeField(null=True, blank=True)
    read_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    answer = models.CharField(_("回复"), max_length=500, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["region", "answered_at"]), models.Index(fields=["sender", "created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(to__isnull=False) | models.Q(region__isnull=False, indicator__isnull=False),
                name="reminder_to_person_or_village",
            )
        ]

    def __str__(self) -> str:
        return f"{self.indicator or self.task} · {self.region or self.to}"

    @property
    def audit_region_path(self) -> str:
        return self.region.path if self.region_id else self.task.goal.region.path


class ActivityKind(models.TextChoices):
    MEETING = "meeting", _("会议")
    TRAINING = "training", _("培训")
    TALK = "talk", _("谈话")
    VISIT = "visit", _("走访")
    CAMPAIGN = "campaign", _("宣传活动")
    PROJECT = "project", _("项目")
    OTHER = "other", _("其他")


class ActivityRecord(ArchivableModel):
    """A simple built-in record type (a meeting, a training, an integrity talk, a visit…), typed once at its
    source and counted or summed by the "activities" indicator source."""

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="activities", verbose_name=_("区划"))
    # The subdistrict its region lies in (itself, or a village's), written with it: the key the table would be
    # distributed by (docs/scale.md). Read by region, so not indexed of its own.
    subdistrict = models.ForeignKey(Region, null=True, on_delete=models.PROTECT, related_name="+", db_index=False)
    kind = models.CharField(_("类别"), max_length=10, choices=ActivityKind.choices)
    topic = models.CharField(
        _("事项"), max_length=60, db_index=True, help_text=_("如“廉政谈话”“帮扶责任人培训”，指标按事项统计")
    )
    title = models.CharField(_("标题"), max_length=200)
    date = models.DateField(_("日期"))
    count = models.PositiveIntegerField(_("人数/户数"), default=0)
    amount = models.DecimalField(_("数量/金额"), max_digits=16, decimal_places=4, null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["topic", "date"])]
        verbose_name = _("工作记录")

    def __str__(self) -> str:
        return f"{self.date} {self.region} {self.title}"

    @property
    def audit_region_path(self) -> str:
        return self.region.path


# ---- kept figures (kept.py) ---------------------------------------------------------------------------------------


class FigureSet(models.Model):
    """The kept figures of one subdistrict's target year, as of one window end (kept.py): the engine's inputs
    per indicator × region, kept so that a board, a ranking or a cockpit does not recount millions of rows.
    One per subdistrict and year; replaced when the window's end moves on (a new day)."""

    region = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    until = models.DateField()  # the window's last day the figures count up to
    # what the figures were computed for: a different set of indicators (or their definitions) or of villages
    # (a merge) makes the set stale as a whole
    fingerprint = models.CharField(max_length=64)
    built_at = models.DateTimeField(null=True)  # None: made, not counted yet
    refreshed_at = models.DateTimeField(null=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["region", "year"], name="targets_figureset_one_per_year")]

    def __str__(self) -> str:
        return f"{self.region_id}:{self.year}@{self.until}"


class FigureKind(models.IntegerChoices):
    REPORTED = 1  # reported_values: one region's (and unit's) figure from its progress reports
    COMPUTED = 2  # a computed source's figure for one village (its predecessors' records included)
    TOTAL = 3  # the villages' reported figures added up (a village-decomposed reported indicator's whole)
    SUM = 4  # the villages' computed figures added up (count: how many villages have one)
    WHOLE = 5  # a computed source's own figure for the whole subdistrict (a rate)


class Figure(models.Model):
    """One kept figure. The value is kept as text: exact whatever the database (SQLite has no decimal type)."""

    figure_set = models.ForeignKey(FigureSet, on_delete=models.CASCADE, related_name="figures")
    kind = models.PositiveSmallIntegerField(choices=FigureKind.choices)
    indicator_id = models.IntegerField()
    region_id = models.IntegerField(null=True)
    unit_id = models.IntegerField(null=True)
    value = models.CharField(max_length=64)
    count = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [
            models.Index(fields=["figure_set", "kind", "indicator_id"], name="targets_figure_kind"),
            models.Index(fields=["figure_set", "region_id"], name="targets_figure_region"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.indicator_id}:{self.region_id}:{self.unit_id}={self.value}"


class StaleMark(models.Model):
    """Written in the transaction of every change to a record a figure counts (kept.touch): a region path under
    (or above) a set's subdistrict whose kept figures must be recounted before the set is read next."""

    figure_set = models.ForeignKey(FigureSet, on_delete=models.CASCADE, related_name="marks")
    path = models.CharField(max_length=255)
    at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.figure_set_id}:{self.path}"
