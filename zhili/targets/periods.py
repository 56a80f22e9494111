"""Reporting periods: which period a date falls in, and whether a period still takes reports."""

from __future__ import annotations

import calendar
import datetime

from django.utils import formats
from django.utils.translation import gettext as _

from zhili.targets.models import PeriodType

# The years a page, the API or an export may ask for: a year outside them is a typo, never a work plan.
FIRST_YEAR, LAST_YEAR = 2000, 2100


def period_of(day: datetime.date, period_type: str) -> tuple[datetime.date, datetime.date]:
    if period_type == PeriodType.WEEK:
        start = day - datetime.timedelta(days=day.weekday())
        return start, start + datetime.timedelta(days=6)
    if period_type == PeriodType.MONTH:
        return day.replace(day=1), day.replace(day=calendar.monthrange(day.year, day.month)[1])
    if period_type == PeriodType.QUARTER:
        first_month = (day.month - 1) // 3 * 3 + 1
        last_month = first_month + 2
        return (
            datetime.date(day.year, first_month, 1),
            datetime.date(day.year, last_month, calendar.monthrange(day.year, last_month)[1]),
        )
    return datetime.date(day.year, 1, 1), datetime.date(day.year, 12, 31)


def periods_in_year(year: int, period_type: str, until: datetime.date) -> list[tuple[datetime.date, datetime.date]]:
    """Every period of `year` that has started by `until`."""
    out = []
    day = datetime.date(year, 1, 1)
    while day.year == year and day <= until:
        start, end = period_of(day, period_type)
        out.append((max(start, datetime.date(year, 1, 1)), min(end, datetime.date(year, 12, 31))))
        day = end + datetime.timedelta(days=1)
    return out


def label(start: datetime.date, end: datetime.date, period_type: str) -> str:
    if period_type == PeriodType.MONTH:
        return formats.date_format(start, "YEAR_MONTH_FORMAT")  # 2020年1月, January 2020
    if period_type == PeriodType.QUARTER:
        return _("%(year)s年第%(quarter)s季度") % {"year": start.year, "quarter": (start.month - 1) // 3 + 1}
    if period_type == PeriodType.YEAR:
        return _("%(year)s年") % {"year": start.year}
    return _("%(start)s至%(end)s") % {"start": f"{start:%m-%d}", "end": f"{end:%m-%d}"}
