"""Weekly bulletins (通报) and review meetings (点评会).

- `BulletinSetup`: one per subdistrict — who issues the bulletin (发文机关, 文号), when the week is frozen
  (weekday and time), the chat groups' robots (the webhook addresses and DingTalk's secret; the environment's
  ZHILI_WECOM_WEBHOOK_URL, ZHILI_DINGTALK_WEBHOOK_URL, ZHILI_DINGTALK_SECRET when these are empty).
- `ScoreScheme`: per subdistrict and year, the published weights of the village score's components
  (`scoring.COMPONENTS`); the formula is printed in every bulletin.
- `Snapshot`: one week of one subdistrict, frozen: `data` holds every table the bulletin shows (see
  `snapshot.py` for its shape), so every output — .docx, .xlsx, page, chat message — is rendered from the same
  numbers. A published snapshot never changes; a correction is a new version (`version` + 1) with a note of what
  changed and why, and the old one stays readable.
- `Delivery`: one message (one part of one bulletin) to one chat group, with its attempts and the robot's
  answers — the delivery log. `(snapshot, channel, part)` is unique: a part is never posted twice.
- `ReviewMeeting` (点评会): its agenda is drawn from the week's bulletin; `Decision` (督办事项): owner, deadline,
  the indicator or case it concerns; 办结 (reported) → 销号 (closed) like a task.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from zhili.core.models import TimeStampedModel
from zhili.people.models import Unit
from zhili.regions.models import Region


class BulletinSetup(TimeStampedModel):
    """How a subdistrict issues its weekly bulletin (made with defaults the first time it is asked for)."""

    region = models.OneToOneField(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("街道（乡镇）"))
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("牵头科室")
    )
    title = models.CharField(_("通报标题"), max_length=100, default="工作周通报")
    issuer = models.CharField(_("发文机关"), max_length=100, blank=True)
    number_prefix = models.CharField(_("文号前缀"), max_length=30, blank=True)  # e.g. 太平通 → 太平通〔2020〕40号
    weekday = models.PositiveSmallIntegerField(_("每周生成日（1=周一）"), default=1)
    at = models.TimeField(_("生成时间"), default=datetime.time(8, 0))
    scheduled = models.BooleanField(_("按周自动生成"), default=True)
    send_on_publish = models.BooleanField(_("发布后推送到群"), default=False)
    wecom_webhook_url = models.CharField(_("企业微信群机器人地址"), max_length=500, blank=True)
    dingtalk_webhook_url = models.CharField(_("钉钉群机器人地址"), max_length=500, blank=True)
    dingtalk_secret = models.CharField(_("钉钉加签密钥"), max_length=200, blank=True)
    revision = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("通报设置")
        verbose_name_plural = _("通报设置")

    def __str__(self) -> str:
        return f"{self.region} 通报设置"

    @property
    def audit_region_path(self) -> str:
        return self.region.path


class ScoreScheme(TimeStampedModel):
    """The village score's published weights for a year: {component key: weight} (scoring.COMPONENTS)."""

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("街道（乡镇）"))
    year = models.PositiveIntegerField(_("年度"))
    weights = models.JSONField(_("权重"), default=dict)
    revision = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("通报评分办法")
        verbose_name_plural = _("通报评分办法")
        constraints = [models.UniqueConstraint(fields=["region", "year"], name="bulletins_scheme_one_per_year")]

    def __str__(self) -> str:
        return f"{self.region} {self.year} 评分办法"

    @property
    def audit_region_path(self) -> str:
        return self.region.path


class SnapshotStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已发布")
    SUPERSEDED = "superseded", _("已更正")  # a later version replaced it; still readable


class Snapshot(TimeStampedModel):
    """One week of one subdistrict, frozen (see the module's note)."""

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("街道（乡镇）"))
    week = models.CharField(_("周次"), max_length=8)  # ISO week, "2020-W40"
    start = models.DateField(_("起始日"))
    end = models.DateField(_("截止日"))
    version = models.PositiveIntegerField(_("版本"), default=1)
    number = models.PositiveIntegerField(_("期数"), default=0)  # the year's running number of the bulletin
    status = models.CharField(_("状态"), max_length=12, choices=SnapshotStatus.choices, default=SnapshotStatus.DRAFT)
    data = models.JSONField(_("数据"), default=dict)
    correction_note = models.CharField(_("更正说明"), max_length=500, blank=True)
    built_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("周通报")
        verbose_name_plural = _("周通报")
        ordering = ["region", "-week", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["region", "week", "version"], name="bulletins_snapshot_version"),
        ]

    def __str__(self) -> str:
        return f"{self.region} {self.week} 第{self.version}版"

    @property
    def audit_region_path(self) -> str:
        return self.region.path


class Channel(models.TextChoices):
    WECOM = "wecom", _("企业微信群")
    DINGTALK = "dingtalk", _("钉钉群")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("待发送")
    SENT = "sent", _("已发送")
    RETRYING = "retrying", _("等待重试")
    UNCERTAIN = "uncertain", _("无法确认")  # timed out after sending: not resent by itself
    FAILED = "failed", _("发送失败")


class Delivery(TimeStampedModel):
    """One part (markdown, image, file) of one bulletin to one chat group: the delivery log's row."""

    snapshot = models.ForeignKey(Snapshot, on_delete=models.PROTECT, related_name="deliveries")
    channel = models.CharField(_("渠道"), max_length=10, choices=Channel.choices)
    part = models.CharField(_("内容"), max_length=20)  # "markdown", "markdown-2", "image", "file"
    status = models.CharField(_("状态"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveIntegerField(_("尝试次数"), default=0)
    next_attempt_at = models.DateTimeField(_("下次尝试"), null=True, blank=True)
    sent_at = models.DateTimeField(_("送达时间"), null=True, blank=True)
    log = models.JSONField(_("发送记录"), default=list, blank=True)  # [{at, outcome, errcode, message}]
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("推送记录")
        verbose_name_plural = _("推送记录")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["snapshot", "channel", "part"], name="bulletins_delivery_once"),
        ]

    def __str__(self) -> str:
        return f"{self.snapshot} → {self.get_channel_display()} {self.part}"

    @property
    def audit_region_path(self) -> str:
        return self.snapshot.region.path


class ReviewMeeting(TimeStampedModel):
    """A weekly review meeting (点评会): its agenda drawn from the week's bulletin."""

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("街道（乡镇）"))
    held_on = models.DateField(_("会议日期"))
    week = models.CharField(_("点评周次"), max_length=8)  # the bulletin it reviews
    title = models.CharField(_("会议名称"), max_length=100)
    agenda = models.JSONField(_("议程"), default=list, blank=True)  # [{kind, text, village, indicator, case}]
    notes = models.TextField(_("会议纪要"), blank=True)
    chaired_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("主持人"),
    )

    class Meta:
        verbose_name = _("点评会")
        verbose_name_plural = _("点评会")
        ordering = ["-held_on", "-pk"]

    def __str__(self) -> str:
        return self.title

    @property
    def audit_region_path(self) -> str:
        return self.region.path


class DecisionStatus(models.TextChoices):
    OPEN = "open", _("督办中")
    REPORTED = "reported", _("已报办结")
    CLOSED = "closed", _("已销号")


class Decision(TimeStampedModel):
    """A 督办 item decided at a review meeting: who owns it, by when, what it concerns."""

    meeting = models.ForeignKey(ReviewMeeting, on_delete=models.PROTECT, related_name="decisions")
    text = models.CharField(_("督办事项"), max_length=500)
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("责任科室")
    )
    village = models.ForeignKey(
        Region, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("责任村（社区）")
    )
    deadline = models.DateField(_("办结时限"))
    indicator = models.ForeignKey(
        "targets.Indicator",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("相关指标"),
    )
    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("相关事件")
    )
    status = models.CharField(_("状态"), max_length=10, choices=DecisionStatus.choices, default=DecisionStatus.OPEN)
    report = models.CharField(_("办结情况"), max_length=500, blank=True)
    reported_at = models.DateTimeField(_("报告办结时间"), null=True, blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(_("销号时间"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    revision = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("督办事项")
        verbose_name_plural = _("督办事项")
        ordering = ["deadline", "pk"]

    def __str__(self) -> str:
        return self.text

    @property
    def audit_region_path(self) -> str:
        return self.village.path if self.village is not None else self.meeting.region.path
