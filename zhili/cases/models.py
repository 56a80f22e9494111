"""Grid cases (网格事件): what inspectors, superiors and citizens report, driven through an enforced closed loop.

A case moves only along the transitions in `zhili.cases.flow`; every move is a `CaseEvent` (who, when, why,
from → to) and an audit entry. Counting fields (accepted_at, filed_at, dispatched_at, handled_at, closed_at,
rework_count, extension_count, closed_on_time …) are kept on the case so that the statistics of a city with a
million cases are one grouped query, not a replay of events.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from zhili.core.models import TimeStampedModel
from zhili.people.models import Unit
from zhili.regions.models import Region


class Kind(models.TextChoices):
    COMPONENT = "component", _("部件")
    EVENT = "event", _("事件")
    FINDING = "finding", _("督查整改")
    TIP = "tip", _("举报线索")


class CaseClass(models.TextChoices):
    IMMEDIATE = "immediate", _("即办件")
    COMMITTED = "committed", _("承诺件")
    COORDINATED = "coordinated", _("协调件")


class Category(TimeStampedModel):
    """Two levels following CJ/T 214 (a class such as 市容环境, then the category such as 占道经营)."""

    subdistrict = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="case_categories")
    code = models.SlugField(_("类别代码"), max_length=40)
    name = models.CharField(_("名称"), max_length=60)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children", verbose_name=_("大类")
    )
    kind = models.CharField(_("部件/事件"), max_length=12, choices=Kind.choices, default=Kind.EVENT)
    case_class = models.CharField(_("案件类型"), max_length=12, choices=CaseClass.choices, default=CaseClass.COMMITTED)
    time_limit_days = models.PositiveSmallIntegerField(_("处置时限（工作日）"), default=3)
    is_public = models.BooleanField(_("群众可报"), default=False)
    is_active = models.BooleanField(_("启用"), default=True)
    order = models.PositiveSmallIntegerField(default=0)
    description = models.CharField(_("说明"), max_length=300, blank=True)

    class Meta:
        ordering = ["subdistrict", "order", "code"]
        verbose_name = _("事件类别")
        verbose_name_plural = _("事件类别")
        constraints = [models.UniqueConstraint(fields=["subdistrict", "code"], name="case_category_code_unique")]

    def __str__(self) -> str:
        return f"{self.parent.name}·{self.name}" if self.parent_id else self.name

    @property
    def audit_region_path(self) -> str:
        return self.subdistrict.path


class CaseRule(TimeStampedModel):
    """A subdistrict's settings for its cases: who dispatches, step time limits, thresholds."""

    subdistrict = models.OneToOneField(Region, on_delete=models.PROTECT, related_name="case_rule")
    center_unit = models.ForeignKey(
        Unit,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("受理派遣单位（指挥中心）"),
    )
    accept_days = models.PositiveSmallIntegerField(_("受理时限（工作日）"), default=1)
    file_days = models.PositiveSmallIntegerField(_("立案时限（工作日）"), default=1)
    dispatch_days = models.PositiveSmallIntegerField(_("派遣时限（工作日）"), default=1)
    feedback_days = models.PositiveSmallIntegerField(_("反馈时限（工作日）"), default=1)
    verify_days = models.PositiveSmallIntegerField(_("核查时限（工作日）"), default=1)
    close_days = models.PositiveSmallIntegerField(_("结案时限（工作日）"), default=1)
    yellow_pct = models.PositiveSmallIntegerField(_("黄灯起点（时限的百分比）"), default=80)
    red_pct = models.PositiveSmallIntegerField(_("红灯起点（时限的百分比）"), default=100)
    duplicate_radius_m = models.PositiveIntegerField(_("疑似重复半径（米）"), default=100)
    duplicate_days = models.PositiveSmallIntegerField(_("疑似重复期间（天）"), default=30)
    hotspot_radius_m = models.PositiveIntegerField(_("高发点半径（米）"), default=50)
    hotspot_count = models.PositiveSmallIntegerField(_("高发点次数"), default=3)
    hotspot_days = models.PositiveSmallIntegerField(_("高发点期间（天）"), default=90)
    photo_distance_m = models.PositiveIntegerField(_("照片位置偏离提示（米）"), default=300)
    public_per_hour = models.PositiveSmallIntegerField(_("同一来源每小时群众上报上限"), default=5)
    # Where handling and reporting back are one visit (a village cadre clears the rubbish and says so), the
    # case page offers 处置 and 反馈 as one step: still two transitions, each recorded (flow.COMBINED).
    handle_with_feedback = models.BooleanField(_("处置与反馈一步完成"), default=False)

    class Meta:
        verbose_name = _("事件规则")

    def __str__(self) -> str:
        return f"{self.subdistrict} 事件规则"

    @property
    def audit_region_path(self) -> str:
        return self.subdistrict.path


class RouteRule(TimeStampedModel):
    """Routing matrix: category × grid → the default responsible unit or village (and person).

    A rule without a grid is the category's default across the subdistrict; a grid's own rule wins."""

    subdistrict = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="routes")
    grid = models.ForeignKey(
        Region,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="case_routes",
        verbose_name=_("网格（空 = 全街道默认）"),
    )
    unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("责任单位")
    )
    to_own_village = models.BooleanField(_("派给事发村（社区）"), default=False)
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("责任人"),
    )

    class Meta:
        verbose_name = _("派遣规则")
        constraints = [models.UniqueConstraint(fields=["category", "grid"], name="route_category_grid_unique")]

    @property
    def audit_region_path(self) -> str:
        return self.grid.path if self.grid_id else self.subdistrict.path


class Source(models.TextChoices):
    PATROL = "patrol", _("网格巡查")
    STAFF = "staff", _("干部发现")
    SUPERIOR = "superior", _("上级督查反馈")
    PUBLIC = "public", _("群众随手拍")
    TIP = "tip", _("举报线索")
    PARTNER = "partner", _("热线/外部平台")


class State(models.TextChoices):
    REPORTED = "reported", _("已上报")
    ACCEPTED = "accepted", _("已受理")
    REJECTED = "rejected", _("不予受理")
    FILED = "filed", _("已立案")
    VOID = "void", _("已作废")
    DISPATCHED = "dispatched", _("处置中")
    HANDLED = "handled", _("已处置")
    FEEDBACK = "feedback", _("待核查")
    VERIFIED = "verified", _("待结案")
    CLOSED = "closed", _("已结案")
    PARKED = "parked", _("挂账")
    MERGED = "merged", _("已合并")


TERMINAL = {State.REJECTED, State.VOID, State.CLOSED, State.MERGED}


class InspectionBatch(TimeStampedModel):
    """One round of superior inspection feedback (督查反馈): its items are cases with source = superior."""

    subdistrict = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="inspection_batches")
    name = models.CharField(_("名称"), max_length=100)
    issuer = models.CharField(_("反馈单位"), max_length=100)
    received_on = models.DateField(_("收到日期"))
    due_on = models.DateField(_("整改时限"))

    class Meta:
        ordering = ["-received_on"]
        verbose_name = _("督查反馈批次")

    def __str__(self) -> str:
        return self.name

    @property
    def audit_region_path(self) -> str:
        return self.subdistrict.path


class Patrol(TimeStampedModel):
    """A grid inspector's patrol: start, check-ins (or a track) and end."""

    inspector = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="patrols")
    grid = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="patrols")
    path = models.CharField(max_length=255, db_index=True)
    # The grid's subdistrict: the key the table would be distributed by (docs/scale.md); a subdistrict's patrols
    # of a period are counted for its reports.
    subdistrict = models.ForeignKey(Region, null=True, on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField(_("开始时间"))
    ended_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    # [[lng, lat, "ISO time"], …] — check-ins or a GPS track, WGS-84
    track = models.JSONField(default=list, blank=True)
    note = models.CharField(_("巡查记录"), max_length=500, blank=True)

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("巡查")

    def __str__(self) -> str:
        return f"{self.grid} {self.started_at:%Y-%m-%d %H:%M} 巡查"

    @property
    def audit_region_path(self) -> str:
        return self.path


def new_tracking_code() -> str:
    # 10 characters from an alphabet without look-alikes (0/O, 1/I/L): ~50 bits, not guessable
    alphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
    return "".join(secrets.choice(alphabet) for _ in range(10))


class Case(TimeStampedModel):
    subdistrict = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    number = models.CharField(_("案件编号"), max_length=20, unique=True, null=True, blank=True)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="cases", verbose_name=_("所在网格/村"))
    path = models.CharField(max_length=255)  # region.path, kept here so scope and grouping need no join
    source = models.CharField(_("来源"), max_length=12, choices=Source.choices)
    batch = models.ForeignKey(
        InspectionBatch,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
        verbose_name=_("督查批次"),
    )
    patrol = models.ForeignKey(Patrol, null=True, blank=True, on_delete=models.PROTECT, related_name="cases")
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="cases", verbose_name=_("类别"))
    state = models.CharField(_("状态"), max_length=12, choices=State.choices, default=State.REPORTED)
    description = models.TextField(_("问题描述"), max_length=2000)
    address = models.CharField(_("地点"), max_length=200, blank=True)
    lng = models.DecimalField(_("经度"), max_digits=10, decimal_places=6, null=True, blank=True)
    lat = models.DecimalField(_("纬度"), max_digits=10, decimal_places=6, null=True, blank=True)
    reported_at = models.DateTimeField(_("上报时间"))
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reported_cases",
        verbose_name=_("上报人"),
    )
    # Citizens and tipsters: their name and phone are seen only by those who handle them (never in lists, never
    # in Open311), and for tips only by the designated role.
    contact_name = models.CharField(_("联系人"), max_length=50, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    tracking_code = models.CharField(_("查询码"), max_length=12, unique=True, default=new_tracking_code)
    confidential = models.BooleanField(_("保密"), default=False)
    is_public = models.BooleanField(_("公开"), default=False)  # shown on the public pages and Open311 lists
    unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="cases", verbose_name=_("处置单位")
    )
    assignee_region = models.ForeignKey(
        Region, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("处置村（社区）")
    )
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assigned_cases",
        verbose_name=_("责任人"),
    )
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("处置人"),
    )
    accepted_at = models.DateTimeField(null=True, blank=True)
    filed_at = models.DateTimeField(null=True, blank=True)
    dispatched_at = models.DateTimeField(null=True, blank=True)
    handled_at = models.DateTimeField(null=True, blank=True)
    verified_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    deadline = models.DateTimeField(_("处置时限"), null=True, blank=True)
    step_started_at = models.DateTimeField()
    step_deadline = models.DateTimeField(null=True, blank=True)
    rework_count = models.PositiveSmallIntegerField(_("返工次数"), default=0)
    extension_count = models.PositiveSmallIntegerField(_("延期次数"), default=0)
    handled_on_time = models.BooleanField(null=True, blank=True)
    closed_on_time = models.BooleanField(null=True, blank=True)
    note = models.CharField(_("最近说明"), max_length=500, blank=True)
    master = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="duplicates", verbose_name=_("合并到")
    )
    is_hotspot = models.BooleanField(_("高发点"), default=False)
    # A phone's form carries a random id; a retry after a dropped connection finds the case it already made
    client_ref = models.CharField(max_length=40, blank=True, db_index=True)
    revision = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-reported_at", "-id"]
        verbose_name = _("事件")
        verbose_name_plural = _("事件")
        indexes = [
            # path LIKE 'prefix%' (every scope) from an index whatever the database's collation: the pattern
            # operator class, as Django gives Region.path; with reported_at for a scope's recent cases.
            models.Index(
                fields=["path", "reported_at"],
                name="case_path_like_reported",
                opclasses=["varchar_pattern_ops", "timestamptz_ops"],
            ),
            # The list's order (-reported_at, -id): a wide scope's first page is the index read backwards.
            models.Index(fields=["reported_at", "id"], name="case_reported_id"),
            models.Index(fields=["subdistrict", "reported_at"], name="case_sub_reported"),
            models.Index(fields=["state", "step_deadline"], name="case_state_due"),
            models.Index(fields=["category", "reported_at"], name="case_category_reported"),
            models.Index(fields=["batch", "state"], name="case_batch_state"),
        ]

    def __str__(self) -> str:
        return f"{self.number or '#' + str(self.pk)} {self.category.name if self.category_id else ''}"

    @property
    def audit_region_path(self) -> str:
        return self.path

    @property
    def audit_confidential(self) -> bool:
        """A tip's audit entries (its number and category, every opening, the officers' notes) are confidential."""
        return self.confidential

    @property
    def is_open(self) -> bool:
        return self.state not in TERMINAL


class CaseEvent(models.Model):
    """One step of a case: who moved it from which state to which, when and why. Never changed."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="events")
    # The case's subdistrict, copied when written: the key the table would be distributed by, co-located with
    # its case (docs/scale.md). Read through the case, so not indexed of its own.
    subdistrict = models.ForeignKey(Region, null=True, on_delete=models.PROTECT, related_name="+", db_index=False)
    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_name = models.CharField(max_length=150)
    action = models.CharField(max_length=20)
    from_state = models.CharField(max_length=12, blank=True)
    to_state = models.CharField(max_length=12)
    note = models.CharField(max_length=1000, blank=True)
    data = models.JSONField(default=dict, blank=True)
    public = models.BooleanField(default=True)  # shown to the citizen who follows the case

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["case", "at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.action}"

    @property
    def action_label(self) -> str:
        from zhili.cases.flow import STEPS

        return _("上报") if self.action == "report" else getattr(STEPS.get(self.action), "label", self.action)

    @property
    def from_label(self) -> str:
        return State(self.from_state).label if self.from_state in State.values else ""

    @property
    def to_label(self) -> str:
        return State(self.to_state).label if self.to_state in State.values else self.to_state


class PhotoStage(models.TextChoices):
    BEFORE = "before", _("问题照片")
    AFTER = "after", _("处置后照片")
    EVIDENCE = "evidence", _("其他材料")


class CasePhoto(models.Model):
    """An uploaded photo: the original kept for internal use, and a downscaled copy without EXIF for display."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="photos")
    # The case's subdistrict, copied when written: the key the table would be distributed by, co-located with
    # its case (docs/scale.md). Read through the case, so not indexed of its own.
    subdistrict = models.ForeignKey(Region, null=True, on_delete=models.PROTECT, related_name="+", db_index=False)
    stage = models.CharField(max_length=10, choices=PhotoStage.choices)
    original = models.FileField(upload_to="cases/original/%Y/%m")
    display = models.FileField(upload_to="cases/display/%Y/%m")
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    sha256 = models.CharField(max_length=64)
    exif_lng = models.DecimalField(max_digits=10, decimal_places=6, null=True, blank=True)
    exif_lat = models.DecimalField(max_digits=10, decimal_places=6, null=True, blank=True)
    taken_at = models.DateTimeField(null=True, blank=True)
    distance_m = models.PositiveIntegerField(null=True, blank=True)  # from the case's location, when EXIF has one
    far_from_case = models.BooleanField(default=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField()

    class Meta:
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.get_stage_display()}"


class ExtensionRequest(models.Model):
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="extensions")
    # The case's subdistrict, copied when written: the key the table would be distributed by, co-located with
    # its case (docs/scale.md). Read through the case, so not indexed of its own.
    subdistrict = models.ForeignKey(Region, null=True, on_delete=models.PROTECT, related_name="+", db_index=False)
    days = models.PositiveSmallIntegerField(_("延期（工作日）"))
    reason = models.CharField(_("理由"), max_length=500)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    approved = models.BooleanField(null=True)
    decision_note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"], condition=models.Q(decided_at__isnull=True), name="one_pending_extension_per_case"
            )
        ]

    def __str__(self) -> str:
        return f"{self.case_id} 延期 {self.days} 个工作日"


class RecentSender(models.Model):
    """A citizen's or tipster's network address, kept only while the rate limit needs it (cases/senders.py): an
    HMAC keyed with a secret derived from SECRET_KEY — never the address, never a plain hash of it — deleted once
    it is older than the window. It also lets a form sent again after a dropped connection find the case it made."""

    digest = models.CharField(max_length=64)
    at = models.DateTimeField(db_index=True)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")

    class Meta:
        indexes = [models.Index(fields=["digest", "at"], name="sender_digest_at")]

    def __str__(self) -> str:
        return f"{self.digest[:8]}… {self.at:%H:%M}"
