"""The region tree: city → district → subdistrict/township → village/community → grid.

Each region stores a materialised path of codes ("370100/370115/370115003/370115003201/"), so a subtree is
one indexed prefix query at city scale (path_prefix_q: LIKE on PostgreSQL, a range on SQLite). Regions are never deleted: a merge closes the old villages
(valid_to) and points them at their successor, so records made before the merge keep their village.
"""

from __future__ import annotations

import datetime

from django.db import models
from django.utils.translation import gettext_lazy as _

from zhili.core import clock
from zhili.core.models import TimeStampedModel


class Level(models.IntegerChoices):
    CITY = 1, _("市")
    DISTRICT = 2, _("区县")
    SUBDISTRICT = 3, _("街道/乡镇")
    VILLAGE = 4, _("村/社区")
    GRID = 5, _("网格")


# Which level may sit under which: a grid belongs to exactly one village, never to the subdistrict.
CHILD_LEVEL = {
    Level.CITY: Level.DISTRICT,
    Level.DISTRICT: Level.SUBDISTRICT,
    Level.SUBDISTRICT: Level.VILLAGE,
    Level.VILLAGE: Level.GRID,
}

# Code lengths: GB/T 2260 (6 digits) for city and district; +3 for the subdistrict; +3 for the village or
# community; +3 for the grid (CJ/T 349-2010: county + subdistrict + community + grid sequence = 15 digits).
CODE_LENGTH = {Level.CITY: 6, Level.DISTRICT: 6, Level.SUBDISTRICT: 9, Level.VILLAGE: 12, Level.GRID: 15}

PATH_SEP = "/"


def path_prefix_q(field: str, prefix: str) -> models.Q:
    """Rows whose `field` starts with `prefix`, in the form each database can answer from an index.

    PostgreSQL uses LIKE 'prefix%' with the pattern index Django creates for the unique path. SQLite's LIKE
    ignores case and so never uses an index; there a range does (paths end in "/", and "0" follows "/").
    """
    from django.db import connection

    if connection.vendor == "sqlite" and prefix.endswith(PATH_SEP):
        return models.Q(**{f"{field}__gte": prefix, f"{field}__lt": prefix[:-1] + "0"})
    return models.Q(**{f"{field}__startswith": prefix})


class RegionQuerySet(models.QuerySet):
    def current(self, on: datetime.date | None = None):
        """Regions valid on `on` (today by default)."""
        on = on or clock.today()
        return self.filter(valid_from__lte=on).filter(models.Q(valid_to__isnull=True) | models.Q(valid_to__gt=on))

    def subtree(self, region: Region, *, include_self: bool = True):
        qs = self.filter(path_prefix_q("path", region.path))
        return qs if include_self else qs.exclude(pk=region.pk)

    def under_paths(self, paths: list[str]):
        """Regions lying under any of `paths` (the scope helper builds these)."""
        q = models.Q()
        for p in paths:
            q |= path_prefix_q("path", p)
        return self.filter(q) if paths else self.none()


class Region(TimeStampedModel):
    code = models.CharField(_("区划代码"), max_length=20, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    level = models.PositiveSmallIntegerField(_("层级"), choices=Level.choices, db_index=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children", verbose_name=_("上级")
    )
    path = models.CharField(max_length=255, unique=True, editable=False)
    # GeoJSON geometry (Polygon or MultiPolygon), WGS-84 longitude/latitude order, as the standard says.
    boundary = models.JSONField(_("边界（GeoJSON，WGS-84）"), null=True, blank=True)
    center_lng = models.DecimalField(_("中心经度"), max_digits=10, decimal_places=6, null=True, blank=True)
    center_lat = models.DecimalField(_("中心纬度"), max_digits=10, decimal_places=6, null=True, blank=True)
    valid_from = models.DateField(_("起始日期"), default=datetime.date(2000, 1, 1))
    valid_to = models.DateField(_("终止日期"), null=True, blank=True)
    successor = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="predecessors",
        verbose_name=_("合并后的区划"),
    )
    note = models.CharField(_("备注"), max_length=300, blank=True)
    is_synthetic = models.BooleanField(_("虚构（演示）"), default=False)

    objects = RegionQuerySet.as_manager()

    class Meta:
        ordering = ["path"]
        verbose_name = _("区划")
        verbose_name_plural = _("区划")
        # The unique path already has Django's varchar_pattern_ops index on PostgreSQL (for LIKE 'prefix%').
        indexes = [models.Index(fields=["parent", "level"])]

    def __str__(self) -> str:
        return self.name

    @property
    def audit_region_path(self) -> str:
        return self.path

    @property
    def is_current(self) -> bool:
        today = clock.today()
        return self.valid_from <= today and (self.valid_to is None or self.valid_to > today)

    @property
    def depth(self) -> int:
        return self.path.count(PATH_SEP)

    @staticmethod
    def path_at(path: str, level: int) -> str:
        """The path of the ancestor at `level` of the region whose path is `path` ("" if it lies higher up):
        paths hold one code per level, city first."""
        parts = path.split(PATH_SEP)[:-1]
        return PATH_SEP.join(parts[:level]) + PATH_SEP if len(parts) >= level else ""

    @staticmethod
    def level_of(path: str) -> int:
        return path.count(PATH_SEP)

    def ancestor_paths(self) -> list[str]:
        parts = self.path.split(PATH_SEP)[:-1]
        return [PATH_SEP.join(parts[: i + 1]) + PATH_SEP for i in range(len(parts))]

    def ancestors(self):
        """Ancestors from the top down, without self."""
        return Region.objects.filter(path__in=self.ancestor_paths()[:-1]).order_by("path")

    def is_within(self, other: Region) -> bool:
        return self.path.startswith(other.path)
