"""Village cadres' office duty (坐班).

- `DutySetup`: one per subdistrict — how far from the village office (村委会) a sign-in may be (metres) and the
  time after which it counts as late.
- `VillageOffice`: where a village's office is (WGS-84); until someone sets it, the village's centre point.
- `SignIn`: one per cadre and day — where and when he signed in, how far from the office, late or not, and
  whether the day was a working day (attendance counts working days only; a sign-in on a rest day is kept).
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from zhili.core.models import TimeStampedModel
from zhili.regions.models import Region

DEFAULT_RADIUS_M = 300
DEFAULT_LATE_AFTER = datetime.time(9, 0)


class DutySetup(TimeStampedModel):
    """How a subdistrict checks its villages' office duty (made with defaults the first time it is saved)."""

    region = models.OneToOneField(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("街道（乡镇）"))
    radius_m = models.PositiveIntegerField(_("签到范围（米）"), default=DEFAULT_RADIUS_M)
    late_after = models.TimeField(_("迟到时间（晚于此时签到为迟到）"), default=DEFAULT_LATE_AFTER)
    revision = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("坐班设置")
        verbose_name_plural = _("坐班设置")

    def __str__(self) -> str:
        return f"{self.region} 坐班设置"

    @property
    def audit_region_path(self) -> str:
        return self.region.path


class VillageOffice(TimeStampedModel):
    """Where a village's office (村委会) is: the point sign-ins are measured from."""

    village = models.OneToOneField(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("村（社区）"))
    lng = models.DecimalField(_("经度"), max_digits=10, decimal_places=6)
    lat = models.DecimalField(_("纬度"), max_digits=10, decimal_places=6)

    class Meta:
        verbose_name = _("村委会位置")
        verbose_name_plural = _("村委会位置")

    def __str__(self) -> str:
        return f"{self.village} 村委会"

    @property
    def audit_region_path(self) -> str:
        return self.village.path


class SignIn(TimeStampedModel):
    """A cadre's sign-in at his village's office on a day (one a day)."""

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("村干部")
    )
    village = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("村（社区）"))
    date = models.DateField(_("日期"))
    at = models.DateTimeField(_("签到时间"))
    lng = models.DecimalField(_("经度"), max_digits=10, decimal_places=6)
    lat = models.DecimalField(_("纬度"), max_digits=10, decimal_places=6)
    distance_m = models.PositiveIntegerField(_("距村委会（米）"))
    late = models.BooleanField(_("迟到"), default=False)
    workday = models.BooleanField(_("工作日"), default=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    is_synthetic = models.BooleanField(_("虚构（演示）"), default=False)

    class Meta:
        verbose_name = _("坐班签到")
        verbose_name_plural = _("坐班签到")
        ordering = ["date", "at"]
        constraints = [models.UniqueConstraint(fields=["person", "date"], name="signin_one_a_day")]
        indexes = [models.Index(fields=["village", "date"], name="signin_village_date")]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.village} 坐班签到"

    @property
    def audit_region_path(self) -> str:
        return self.village.path
