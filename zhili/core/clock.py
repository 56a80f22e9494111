"""Today, as Zhili sees it.

A deployment uses the real date. The demo is about 2020, so its "today" is a chosen day in 2020 Q4 kept in
the database (SiteFlag "today", set by the demo loader); ZHILI_TODAY overrides both (e.g. for a rehearsal).
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import connection
from django.utils import timezone

TODAY_FLAG = "today"


def _flag() -> str | None:
    """The demo's chosen day, if any: one indexed lookup, written as SQL because nearly every page asks it (through
    Region.objects.current()) and the ORM's own cost would be most of it (python -m bench regions-subtree)."""
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
