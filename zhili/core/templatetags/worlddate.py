"""{% world_date_note %}: where a page shows when people acted, a sentence when "today" is not the real date.

The demo lives on 2020-11-20 (core/clock.py: lights, deadlines and 序时进度 are judged on that day) while what
people do in it is recorded at the real time — the audit log is evidence and is never moved, and sessions,
leases and lockouts run on real time. So a page that shows both says so (docs/ARCHITECTURE.md, "Today")."""

from __future__ import annotations

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext

from zhili.core import clock

register = template.Library()


@register.simple_tag
def world_date_note() -> SafeString | str:
    today, real = clock.today(), timezone.localdate()
    if today == real:
        return ""
    text = gettext("“今天”按 {today} 计（亮灯、期限、序时进度）；您的操作按实际时间记录（{real}）。")
    return format_html(
        '<p class="hint world-date" id="world-date">{}</p>',
        text.format(today=today.strftime("%Y-%m-%d"), real=real.strftime("%Y-%m-%d")),
    )
