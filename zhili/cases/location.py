"""Where a case is: a reported point checked and placed in its grid (or village), cases near a point, duplicates
and hotspots. Points are WGS-84; "near" is a bounding box in SQL, then the distance."""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from zhili.cases.deadlines import rule_for
from zhili.cases.models import Case, CaseRule, Category, State
from zhili.core import clock
from zhili.core.errors import Invalid
from zhili.regions import geo
from zhili.regions.models import Level, Region, path_prefix_q


def parse_point(lng, lat, *, required: bool) -> tuple[Decimal, Decimal] | None:
    if lng in (None, "") and lat in (None, ""):
        if required:
            raise Invalid(_("缺少位置：请允许手机定位，或在地图上点选问题所在位置。"))
        return None
    try:
        x, y = Decimal(str(lng)).quantize(Decimal("0.000001")), Decimal(str(lat)).quantize(Decimal("0.000001"))
    except (InvalidOperation, ValueError):
        raise Invalid(_("位置“%(lng)s, %(lat)s”不是有效的经纬度。") % {"lng": lng, "lat": lat}) from None
    if not (Decimal(73) <= x <= Decimal(136) and Decimal(3) <= y <= Decimal(54)):
        raise Invalid(
            _("位置（经度 %(x)s，纬度 %(y)s）不在中国境内：请使用 WGS-84 经纬度，经度在前。") % {"x": x, "y": y}
        )
    return x, y


def _region_shapes(subdistrict: Region) -> list[tuple[Region, dict]]:
    return [
        (r, r.boundary)
        for r in Region.objects.current()
        .filter(path_prefix_q("path", subdistrict.path), level__in=(Level.VILLAGE, Level.GRID), boundary__isnull=False)
        .order_by("-level", "path")
    ]


def locate(subdistrict: Region, lng: Decimal, lat: Decimal) -> Region:
    """The grid (or village) whose boundary holds the point; refused when it lies outside the subdistrict."""
    shapes = _region_shapes(subdistrict)
    if subdistrict.boundary and not geo.contains(subdistrict.boundary, lng, lat) and not shapes:
        raise Invalid(
            _("位置（%(lng)s, %(lat)s）不在%(name)s范围内。") % {"lng": lng, "lat": lat, "name": subdistrict.name}
        )
    for region, boundary in shapes:  # grids first (level 5), then villages
        if geo.contains(boundary, lng, lat):
            return region
    if subdistrict.boundary and geo.contains(subdistrict.boundary, lng, lat):
        return subdistrict
    raise Invalid(
        _("位置（经度 %(lng)s，纬度 %(lat)s）不在%(name)s的任何村（社区）或网格内，请确认定位是否准确。")
        % {"lng": lng, "lat": lat, "name": subdistrict.name}
    )


def nearby(
    subdistrict: Region,
    lng,
    lat,
    radius_m: int,
    since: datetime.datetime,
    *,
    category: Category | None = None,
    exclude: int | None = None,
) -> list[Case]:
    """Cases within `radius_m` of the point reported since `since` (a bounding box in SQL, then the distance)."""
    min_lng, min_lat, max_lng, max_lat = geo.bbox_around(lng, lat, radius_m)
    qs = Case.objects.filter(
        subdistrict=subdistrict,
        confidential=False,
        reported_at__gte=since,
        lng__gte=Decimal(f"{min_lng:.6f}"),
        lng__lte=Decimal(f"{max_lng:.6f}"),
        lat__gte=Decimal(f"{min_lat:.6f}"),
        lat__lte=Decimal(f"{max_lat:.6f}"),
    )
    if category is not None:
        qs = qs.filter(category=category)
    if exclude:
        qs = qs.exclude(pk=exclude)
    out = []
    for case in qs.exclude(state=State.MERGED).select_related("category").prefetch_related("photos")[:200]:
        d = geo.distance_m(lng, lat, case.lng, case.lat)
        if d <= radius_m:
            case.distance_m = int(d)
            out.append(case)
    return sorted(out, key=lambda c: c.distance_m)


def duplicates_for(subdistrict: Region, category: Category, lng, lat, *, at=None, exclude=None) -> list[Case]:
    """Open cases of the same category within the rule's radius and days: probably the same problem."""
    rule = rule_for(subdistrict)
    at = at or clock.now()
    found = nearby(
        subdistrict,
        lng,
        lat,
        rule.duplicate_radius_m,
        at - datetime.timedelta(days=rule.duplicate_days),
        category=category,
        exclude=exclude,
    )
    return [c for c in found if c.is_open]


def flag_hotspot(case: Case, rule: CaseRule) -> None:
    """Mark the case and its neighbours a hotspot when enough cases came from around its point lately."""
    since = case.reported_at - datetime.timedelta(days=rule.hotspot_days)
    around = nearby(case.subdistrict, case.lng, case.lat, rule.hotspot_radius_m, since, exclude=case.pk)
    if len(around) + 1 >= rule.hotspot_count:
        Case.objects.filter(pk__in=[c.pk for c in around] + [case.pk]).update(is_hotspot=True)
        case.is_hotspot = True
