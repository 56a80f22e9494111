"""Today, as Zhili sees it.

A deployment uses the real date. The demo is about 2020, so its "today" is a chosen day in 2020 Q4 kept in
the database (SiteFlag "today", set by the demo loader); ZHILI_TODAY overrides both (e.g. for a rehearsal).
"""

from __future__ import annotations

import datetime
from contextvars import ContextVar

from django.conf import settings
from django.core.signals import request_finished, request_started
from django.db import connection
from django.utils import timezone

TODAY_FLAG = "today"

# The flag read once per request: a page asks for today a dozen times (every Region.objects.current(), every light),
# and the day does not change in the middle of a request. Outside a request (commands, the worker, tests calling
# functions) every call reads it again, so a flag set by a command is seen at once.
_request_flag: ContextVar[list[str | None] | None] = ContextVar("zhili_request_today", default=None)


def _request_began(**kwargs) -> None:
    _request_flag.set([])


def _request_ended(**kwargs) -> None:
    _request_flag.set(None)


request_started.connect(_request_began, dispatch_uid="zhili.core.clock.began")
request_finished.connect(_request_ended, dispatch_uid="zhili.core.clock.ended")


def _flag() -> str | None:
    """The demo's chosen day, if any: one indexed lookup per request, written as SQL because nearly every page asks
    it (through Region.objects.current()) and the ORM's own cost would be most of it (bench regions-subtree)."""
    memo = _request_flag.get()
    if memo:
        return memo[0]
    value = _read_flag()
    if memo is not None:
        memo.append(value)
    return value


def _read_flag() -> str | None:
    from zhili.core.models import SiteFlag

    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {qn('value')} FROM {qn(SiteFlag._meta.db_table)} WHERE {qn('key')} = %s", [TODAY_FLAG])
        row = cursor.fetchone()
    return row[0] if row else None


def today() -> datetime.date:
    if getattr(settings, "ZHILI_TODAY", None):
        return settings.ZHILI_TODAY
    value = _flag()
    if value:
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            pass
    return timezone.localdate()


def now() -> datetime.datetime:
    """The current moment on `today()`: the real time of day, moved to the demo's (or ZHILI_TODAY's) date.

    Cases use it for deadlines and lights, so the 2020 demo's open cases are judged on the demo's day."""
    real = timezone.localtime()
    day = today()
    if day == real.date():
        return real
    return real.replace(year=day.year, month=day.month, day=day.day)
