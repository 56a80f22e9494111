"""A form's periods: "2020-W40" (a week, Monday–Sunday), "2020-09" (a month), "2020-Q3" (a quarter), "2020" (a
year). A period is filed after it ends; its deadline is the form's working days after its last day
(`core/workdays.py`, 调休 included). "This period" on the catalogue is the latest period that has ended by
today (`core/clock.py`): the one being filled, reviewed or sent now."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from zhili.core import workdays
from zhili.reports.models import Frequency

_PATTERNS = {
    Frequency.WEEK: re.compile(r"^(\d{4})-W(\d{1,2})$"),
    Frequency.MONTH: re.compile(r"^(\d{4})-(\d{1,2})$"),
    Frequency.QUARTER: re.compile(r"^(\d{4})-Q([1-4])$"),
    Frequency.YEAR: re.compile(r"^(\d{4})$"),
}
_EXAMPLES = {
    Frequency.WEEK: "2020-W40",
    Frequency.MONTH: "2020-09",
    Frequency.QUARTER: "2020-Q3",
    Frequency.YEAR: "2020",
}


@dataclass(frozen=True)
class Period:
    frequency: str
    key: str  # "2020-09"
    start: datetime.date
    end: datetime.date

    @property
    def year(self) -> int:
        return self.start.year if self.frequency != Frequency.WEEK else self.end.isocalendar()[0]

    @property
    def label(self) -> str:
        """How the form names the period: 2020年9月, 2020年第40周, 2020年第三季度, 2020年."""
        if self.frequency == Frequency.MONTH:
            return _("%(y)s年%(m)s月") % {"y": self.start.year, "m": self.start.month}
        if self.frequency == Frequency.WEEK:
            y, w, _d = self.start.isocalendar()
            return _("%(y)s年第%(w)s周（%(a)s—%(b)s）") % {
                "y": y,
                "w": w,
                "a": f"{self.start.month}.{self.start.day}",
                "b": f"{self.end.month}.{self.end.day}",
            }
        if self.frequency == Frequency.QUARTER:
            q = (self.start.month - 1) // 3 + 1
            return _("%(y)s年第%(q)s季度") % {"y": self.start.year, "q": "一二三四"[q - 1]}
        return _("%(y)s年") % {"y": self.start.year}

    def due(self, deadline_days: int) -> datetime.date:
        start = datetime.datetime.combine(self.end, datetime.time(12), tzinfo=timezone.get_current_timezone())
        return workdays.add_working_days(start, deadline_days).date()

    def previous(self) -> Period:
        return of_day(self.frequency, self.start - datetime.timedelta(days=1))

    def next(self) -> Period:
        return of_day(self.frequency, self.end + datetime.timedelta(days=1))


def parse(frequency: str, text: str) -> Period:
    """The period `text` names for a form of `frequency`; a Chinese sentence (ValidationError) for anything else."""
    text = (text or "").strip().upper()
    m = _PATTERNS[Frequency(frequency)].match(text)
    if m:
        year = int(m.group(1))
        try:
            if frequency == Frequency.WEEK:
                monday = datetime.date.fromisocalendar(year, int(m.group(2)), 1)
                return Period(frequency, f"{year}-W{int(m.group(2)):02d}", monday, monday + datetime.timedelta(days=6))
            if frequency == Frequency.MONTH:
                month = int(m.group(2))
                start = datetime.date(year, month, 1)
                return Period(frequency, f"{year}-{month:02d}", start, _month_end(start))
            if frequency == Frequency.QUARTER:
                q = int(m.group(2))
                start = datetime.date(year, 3 * q - 2, 1)
                return Period(frequency, f"{year}-Q{q}", start, _month_end(datetime.date(year, 3 * q, 1)))
            return Period(frequency, str(year), datetime.date(year, 1, 1), datetime.date(year, 12, 31))
        except ValueError:
            pass
    raise ValidationError(
        _("报送期“%(text)s”无效：这张表%(freq)s报送一次，报送期应写作“%(example)s”。")
        % {"text": text, "freq": Frequency(frequency).label, "example": _EXAMPLES[Frequency(frequency)]}
    )


def of_day(frequency: str, day: datetime.date) -> Period:
    """The period of `frequency` that contains `day`."""
    if frequency == Frequency.WEEK:
        y, w, _d = day.isocalendar()
        return parse(frequency, f"{y}-W{w:02d}")
    if frequency == Frequency.MONTH:
        return parse(frequency, f"{day.year}-{day.month:02d}")
    if frequency == Frequency.QUARTER:
        return parse(frequency, f"{day.year}-Q{(day.month - 1) // 3 + 1}")
    return parse(frequency, str(day.year))


def current(frequency: str, today: datetime.date) -> Period:
    """The latest period that has ended by `today` (a period is filed after it ends)."""
    return of_day(frequency, today).previous()


def in_year(frequency: str, year: int) -> list[Period]:
    """Every period of `frequency` whose last day falls in `year`, in order."""
    out, period = [], of_day(frequency, datetime.date(year, 1, 1))
    while period.end.year <= year:
        if period.end.year == year:
            out.append(period)
        period = period.next()
    return out


def _month_end(first: datetime.date) -> datetime.date:
    nxt = datetime.date(first.year + (first.month == 12), first.month % 12 + 1, 1)
    return nxt - datetime.timedelta(days=1)
