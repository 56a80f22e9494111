"""Party building (党建): a branch per village, its members, its meetings (三会一课, 组织生活会, 民主生活会) against
the subdistrict's required frequencies, the integrity talks with villages' heads (廉政谈话) and the 头雁 roster.

- `PartySetup`: one per subdistrict — the office in charge of party work (党建办), like `TaxSetup.unit`.
- `MeetingRule`: per subdistrict and meeting type, how often it is required (a type without a row takes the
  default in `DEFAULT_FREQUENCY`).
- `Branch` → `PartyMember`, `Meeting` (attendees are the branch's members; minutes a checked file).
- `IntegrityTalk`, `LeadGoose`: about a village.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from zhili.core.models import ArchivableModel, TimeStampedModel
from zhili.regions.models import Region


class PartySetup(TimeStampedModel):
    """Who is in charge of a subdistrict's party work (made with defaults the first time it is asked for)."""

    region = models.OneToOneField(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("街道（乡镇）"))
    unit = models.ForeignKey(
        "people.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("负责科室")
    )
    revision = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("党建设置")
        verbose_name_plural = _("党建设置")

    def __str__(self) -> str:
        return str(self.region)

    @property
    def audit_region_path(self) -> str:
        return self.region.path


class MeetingKind(models.TextChoices):
    MEMBERS = "members", _("支部党员大会")
    COMMITTEE = "committee", _("支委会")
    GROUP = "group", _("党小组会")
    LECTURE = "lecture", _("党课")
    ORG_LIFE = "org_life", _("组织生活会")
    DEM_LIFE = "dem_life", _("民主生活会")


class Frequency(models.TextChoices):
    MONTH = "month", _("每月")
    QUARTER = "quarter", _("每季度")
    HALF = "half", _("每半年")
    YEAR = "year", _("每年")
    NONE = "none", _("不作要求")


DEFAULT_FREQUENCY = {
    MeetingKind.MEMBERS: Frequency.QUARTER,
    MeetingKind.COMMITTEE: Frequency.MONTH,
    MeetingKind.GROUP: Frequency.MONTH,
    MeetingKind.LECTURE: Frequency.QUARTER,
    MeetingKind.ORG_LIFE: Frequency.YEAR,
    MeetingKind.DEM_LIFE: Frequency.YEAR,
}


class MeetingRule(TimeStampedModel):
    """How often a subdistrict's branches must hold a type of meeting."""

    subdistrict = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("会议类型"), max_length=12, choices=MeetingKind.choices)
    frequency = models.CharField(_("频次要求"), max_length=8, choices=Frequency.choices)

    class Meta:
        verbose_name = _("会议频次要求")
        verbose_name_plural = _("会议频次要求")
        constraints = [models.UniqueConstraint(fields=["subdistrict", "kind"], name="meeting_rule_unique")]


class Branch(TimeStampedModel):
    """A village's party branch (党支部)."""

    region = models.OneToOneField(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("所在村（社区）"))
    name = models.CharField(_("支部名称"), max_length=100)
    secretary = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("支部书记"),
    )
    is_synthetic = models.BooleanField(_("虚构（演示）"), default=False)
    revision = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("党支部")
        verbose_name_plural = _("党支部")
        ordering = ["region__code"]

    def __str__(self) -> str:
        return self.name

    @property
    def audit_region_path(self) -> str:
        return self.region.path


class Sex(models.TextChoices):
    MALE = "m", _("男")
    FEMALE = "f", _("女")


class MemberStatus(models.TextChoices):
    FULL = "full", _("正式党员")
    PROBATIONARY = "probationary", _("预备党员")
    MOBILE = "mobile", _("流动党员")


class PartyMember(ArchivableModel):
    """A party member of a branch."""

    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="members", verbose_name=_("党支部"))
    name = models.CharField(_("姓名"), max_length=50)
    sex = models.CharField(_("性别"), max_length=1, choices=Sex.choices)
    joined = models.DateField(_("入党时间"))
    status = models.CharField(_("党员类别"), max_length=14, choices=MemberStatus.choices, default=MemberStatus.FULL)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    is_synthetic = models.BooleanField(_("虚构（演示）"), default=False)
    revision = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("党员")
        verbose_name_plural = _("党员")
        ordering = ["branch_id", "joined", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["branch", "name"],
                name="party_member_name_unique_in_branch",
                condition=models.Q(archived_at__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def audit_region_path(self) -> str:
        return self.branch.region.path

    @property
    def masked_phone(self) -> str:
        """138****1234: the first three and the last four digits."""
        p = self.phone
        return f"{p[:3]}****{p[-4:]}" if len(p) >= 8 else ("*" * len(p))


def minutes_path(instance, filename: str) -> str:
    import secrets

    from django.utils import timezone

    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"party/minutes/{timezone.now():%Y/%m}/{secrets.token_hex(16)}.{ext}"


class Meeting(TimeStampedModel):
    """A meeting of a branch (三会一课, 组织生活会, 民主生活会): when, what about, who attended, the minutes."""

    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="meetings", verbose_name=_("党支部"))
    kind = models.CharField(_("会议类型"), max_length=12, choices=MeetingKind.choices)
    day = models.DateField(_("日期"))
    topic = models.CharField(_("主题"), max_length=200)
    attendees = models.ManyToManyField(PartyMember, related_name="meetings", blank=True, verbose_name=_("参会党员"))
    minutes = models.FileField(_("会议记录"), upload_to=minutes_path, blank=True)
    minutes_name = models.CharField(max_length=200, blank=True)
    minutes_type = models.CharField(max_length=100, blank=True)
    minutes_size = models.PositiveIntegerField(default=0)
    minutes_sha256 = models.CharField(max_length=64, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    is_synthetic = models.BooleanField(_("虚构（演示）"), default=False)
    revision = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("支部会议")
        verbose_name_plural = _("支部会议")
        ordering = ["-day", "-id"]
        indexes = [models.Index(fields=["branch", "day"])]
        constraints = [models.UniqueConstraint(fields=["branch", "kind", "day"], name="meeting_unique_per_day")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.day:%Y-%m-%d}"

    @property
    def audit_region_path(self) -> str:
        return self.branch.region.path


class TalkPost(models.TextChoices):
    SECRETARY = "secretary", _("党支部书记")
    DIRECTOR = "director", _("村委会主任")
    BOTH = "both", _("党支部书记、村委会主任")


class IntegrityTalk(TimeStampedModel):
    """An integrity talk (廉政谈话) with a village's head."""

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("村（社区）"))
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    person_name = models.CharField(_("谈话对象"), max_length=50)
    post = models.CharField(_("职务"), max_length=10, choices=TalkPost.choices)
    day = models.DateField(_("谈话日期"))
    talker = models.CharField(_("谈话人"), max_length=100)
    summary = models.TextField(_("谈话要点"), max_length=2000, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    is_synthetic = models.BooleanField(_("虚构（演示）"), default=False)

    class Meta:
        verbose_name = _("廉政谈话")
        verbose_name_plural = _("廉政谈话")
        ordering = ["-day", "-id"]
        indexes = [models.Index(fields=["day"])]

    def __str__(self) -> str:
        return f"{self.person_name} {self.day:%Y-%m-%d}"

    @property
    def audit_region_path(self) -> str:
        return self.region.path


class LeadGoose(ArchivableModel):
    """A member of the 头雁 team: a village's leading cadre."""

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("村（社区）"))
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("姓名"), max_length=50)
    post = models.CharField(_("职务"), max_length=50)
    since = models.DateField(_("任职时间"), null=True, blank=True)
    note = models.CharField(_("备注"), max_length=300, blank=True)
    is_synthetic = models.BooleanField(_("虚构（演示）"), default=False)

    class Meta:
        verbose_name = _("头雁队伍")
        verbose_name_plural = _("头雁队伍")
        ordering = ["region__code", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def audit_region_path(self) -> str:
        return self.region.path
