"""People, units (offices), the roles people hold, the five-level responsibility chain and API tokens."""

from __future__ import annotations

import datetime
import hashlib

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from zhili.core.models import ArchivableModel, TimeStampedModel
from zhili.regions.models import Region


class Person(AbstractUser):
    """Everyone who signs in. `first_name`/`last_name` are unused: Chinese names are one field."""

    full_name = models.CharField(_("姓名"), max_length=50)
    phone = models.CharField(_("手机号"), max_length=20, blank=True)
    unit = models.ForeignKey(
        "people.Unit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
        verbose_name=_("所在单位"),
    )
    title = models.CharField(_("职务"), max_length=100, blank=True)
    # The region whose administrators manage this person's account (superusers may have none).
    region = models.ForeignKey(
        Region, null=True, blank=True, on_delete=models.PROTECT, related_name="people", verbose_name=_("所属区划")
    )
    archived_reason = models.CharField(_("停用原因"), max_length=500, blank=True)
    is_synthetic = models.BooleanField(_("虚构（演示）"), default=False)
    # An account made with a one-time initial password (a roster import): until its owner chooses their own,
    # every page sends them to 我的账号 to change it (PasswordChangeRequiredMiddleware).
    must_change_password = models.BooleanField(_("须修改初始密码"), default=False)
    # When the password was last set: with ZHILI_PASSWORD_MAX_AGE_DAYS, an older one must be changed before any
    # other page opens (PasswordChangeRequiredMiddleware).
    password_changed_at = models.DateTimeField(_("密码设置时间"), default=timezone.now)

    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        verbose_name = _("人员")
        verbose_name_plural = _("人员")
        ordering = ["username"]

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def audit_region_path(self) -> str:
        return self.region.path if self.region_id else ""

    def set_password(self, raw_password: str | None) -> None:
        super().set_password(raw_password)
        self.password_changed_at = timezone.now()

    @property
    def password_expired(self) -> bool:
        """Older than ZHILI_PASSWORD_MAX_AGE_DAYS (never, when that is 0)."""
        from django.conf import settings

        days = getattr(settings, "PASSWORD_MAX_AGE_DAYS", 0)
        if not days or not self.has_usable_password():
            return False
        return self.password_changed_at < timezone.now() - datetime.timedelta(days=days)

    def get_full_name(self) -> str:
        return self.full_name or self.username

    def get_short_name(self) -> str:
        return self.full_name or self.username


class Unit(ArchivableModel):
    """An office of a subdistrict (经发办, 城管办, …). Its officers work across the subdistrict's villages."""

    code = models.SlugField(_("单位代码"), max_length=40)
    name = models.CharField(_("单位名称"), max_length=100)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="units", verbose_name=_("所属区划"))

    class Meta:
        verbose_name = _("单位")
        verbose_name_plural = _("单位")
        ordering = ["region__path", "code"]
        constraints = [models.UniqueConstraint(fields=["region", "code"], name="unit_code_unique_in_region")]

    def __str__(self) -> str:
        return self.name

    @property
    def audit_region_path(self) -> str:
        return self.region.path


class Role(models.TextChoices):
    LEADER = "leader", _("街道领导")
    ADMIN = "admin", _("系统管理员")
    OFFICER = "officer", _("部门工作人员")
    VILLAGE_CADRE = "village_cadre", _("村干部")
    GRID_INSPECTOR = "grid_inspector", _("网格员")
    VIEWER = "viewer", _("只读查看")
    TIP_OFFICER = "tip_officer", _("线索专管员")
    # 三员分立 (等保): the system administrator above keeps people, units, regions and the work's set-up; these two
    # hold what it must not hold alone — granting the administrators' and tip officers' roles, and reading the trace.
    SECURITY_ADMIN = "security_admin", _("安全保密管理员")
    AUDIT_ADMIN = "audit_admin", _("安全审计员")


# Which region level each role is bound to (an officer is bound to a unit, whose region is the subdistrict).
ROLE_REGION_LEVELS = {
    Role.LEADER: {1, 2, 3},
    Role.ADMIN: {1, 2, 3},
    Role.OFFICER: {3},
    Role.VILLAGE_CADRE: {4},
    Role.GRID_INSPECTOR: {5},
    Role.VIEWER: {1, 2, 3, 4, 5},
    Role.TIP_OFFICER: {3},
    Role.SECURITY_ADMIN: {1, 2, 3},
    Role.AUDIT_ADMIN: {1, 2, 3},
}


class RoleAssignmentQuerySet(models.QuerySet):
    def active(self):
        """Roles in force: not ended, and confirmed where a second administrator must confirm them."""
        return self.filter(ended_at__isnull=True, awaiting_confirmation=False)

    def awaiting(self):
        """Grants made but not yet in force: waiting for a second administrator's confirmation."""
        return self.filter(ended_at__isnull=True, awaiting_confirmation=True)

    def not_ended(self):
        return self.filter(ended_at__isnull=True)


class RoleAssignment(TimeStampedModel):
    """A person holds a role over a region (and, for officers, a unit). Ended, never deleted."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="roles", verbose_name=_("人员"))
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices)
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="role_assignments", verbose_name=_("区划")
    )
    unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="role_assignments", verbose_name=_("单位")
    )
    title = models.CharField(_("职务"), max_length=100, blank=True)
    granted_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # Some roles (the tip officer's) take effect only when a second administrator confirms the grant
    # (zhili.people.policy.grant_takes_effect_alone); until then the grant gives no rights.
    awaiting_confirmation = models.BooleanField(_("待确认"), default=False)
    confirmed_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    ended_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    ended_reason = models.CharField(_("结束原因"), max_length=500, blank=True)

    objects = RoleAssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("角色")
        verbose_name_plural = _("角色")
        ordering = ["role", "region__path"]
        indexes = [models.Index(fields=["person", "ended_at"])]

    def __str__(self) -> str:
        where = self.unit.name if self.unit_id else self.region.name
        return f"{self.person} · {self.get_role_display()} · {where}"

    @property
    def audit_region_path(self) -> str:
        return self.region.path


class ChainLevel(TimeStampedModel):
    """One level of the five-level responsibility chain (五级联包), configured per subdistrict."""

    subdistrict = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="chain_levels")
    order = models.PositiveSmallIntegerField(_("顺序"))
    name = models.CharField(_("层级名称"), max_length=50)
    # A level dropped from the chain stays (its past links point at it) but no longer shows.
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["subdistrict", "order"]
        constraints = [models.UniqueConstraint(fields=["subdistrict", "order"], name="chain_level_order_unique")]
        verbose_name = _("联包层级")

    def __str__(self) -> str:
        return self.name


class ChainLink(ArchivableModel):
    """Who answers for a grid at one chain level: a person in Zhili, or a named contact (e.g. a household)."""

    grid = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="chain_links")
    level = models.ForeignKey(ChainLevel, on_delete=models.PROTECT, related_name="links")
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="chain_links")
    contact_name = models.CharField(_("联系人"), max_length=50, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        ordering = ["grid", "level__order"]
        verbose_name = _("联包责任人")

    def __str__(self) -> str:
        return f"{self.grid} · {self.level} · {self.display_name}"

    @property
    def display_name(self) -> str:
        return str(self.person) if self.person_id else self.contact_name

    @property
    def display_phone(self) -> str:
        return (self.person.phone if self.person_id else "") or self.contact_phone

    @property
    def audit_region_path(self) -> str:
        return self.grid.path


TOKEN_PREFIX = "zl_"


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(TimeStampedModel):
    """A personal API token. Only its SHA-256 is stored; the person sees the token once, when created."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="api_tokens")
    name = models.CharField(_("用途"), max_length=100)
    digest = models.CharField(max_length=64, unique=True)
    hint = models.CharField(max_length=12)  # first characters, so a person can tell tokens apart
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API 令牌")

    def __str__(self) -> str:
        return f"{self.name} ({self.hint}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and self.person.is_active

    def touch(self) -> None:
        now = timezone.now()
        if not self.last_used_at or (now - self.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=self.pk).update(last_used_at=now)
