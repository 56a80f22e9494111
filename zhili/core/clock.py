"""Today, as Zhili sees it.

A deployment uses the real date. The demo is about 2020, so its "today" is a chosen day in 2020 Q4 kept in
the database (SiteFlag "today", set by the demo loader); ZHILI_TODAY overrides both (e.g. for a rehearsal).
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.utils import timezone

TODAY_FLAG = "today"


def today() -> datetime.date:
    if getattr(settings, "ZHILI_TODAY", None):
        return settings.ZHILI_TODAY
    from zhili.core.models import SiteFlag

    value = SiteFlag.objects.filter(key=TODAY_FLAG).values_list("value", flat=True).first()
    if value:
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            pass
    return timezone.localdate()
