"""Working days (China moves them around holidays: 调休), for deadlines counted in working days."""

from __future__ import annotations

import datetime
import functools

import chinese_calendar
from django.utils import timezone


@functools.lru_cache(maxsize=8192)
def _is_workday(day: datetime.date) -> bool:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:  # a year the calendar does not know yet: Monday–Friday
        return day.weekday() < 5


def add_working_days(start: datetime.datetime, days: int) -> datetime.datetime:
    """The moment `days` working days after `start`: the end (23:59:59) of the `days`-th working day after
    the start's date. A case reported on Friday evening with one working day to act is due Monday night."""
    local = timezone.localtime(start)
    day, left = local.date(), max(days, 0)  # 0 days: by the end of the start's own day
    while left:
        day += datetime.timedelta(days=1)
        if _is_workday(day):
            left -= 1
    return datetime.datetime.combine(day, datetime.time(23, 59, 59), tzinfo=local.tzinfo)


@functools.lru_cache(maxsize=4096)
def working_days_between(start: datetime.date, end: datetime.date) -> int:
    """Working days after `start` up to and including `end` (0 when end ≤ start)."""
    if end <= start:
        return 0
    try:
        return len(chinese_calendar.get_workdays(start + datetime.timedelta(days=1), end))
    except NotImplementedError:  # a year the calendar does not know yet: Monday–Friday
        days = (end - start).days
        return sum(1 for i in range(1, days + 1) if (start + datetime.timedelta(days=i)).weekday() < 5)


def is_workday(day: datetime.date) -> bool:
    """Whether `day` is a working day (调休 included): what office-duty attendance counts."""
    return _is_workday(day)


def workdays_in(start: datetime.date, end: datetime.date) -> list[datetime.date]:
    """The working days from `start` to `end`, both included (none when end < start)."""
    days = []
    day = start
    while day <= end:
        if _is_workday(day):
            days.append(day)
        day += datetime.timedelta(days=1)
    return days
