"""A filing's light (亮灯) against its deadline, in working days (core/workdays.py, 调休 included): done once sent
(已报送); overdue past the deadline and not sent; red with one working day or less left; yellow with three or
less; green before."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhili.core import lights
from zhili.core.workdays import working_days_between

RED_DAYS = 1
YELLOW_DAYS = 3

RULE = gettext_lazy(
    "报送期限为期末后规定的工作日：已报送为已完成；超过期限未报送为逾期；"
    "剩 1 个工作日及以内为红灯，剩 3 个工作日及以内为黄灯，其余为绿灯。"
)


@dataclass(frozen=True)
class ReportLight(lights.Light):
    state: str
    due: datetime.date
    days: int = 0  # working days late (overdue) or left (red, yellow, green)
    status_label: str = ""

    def explain(self) -> str:
        day = self.due.isoformat()
        if self.state == lights.DONE:
            return _("已报送（报送期限 %(day)s）") % {"day": day}
        if self.state == lights.OVERDUE and self.days == 0:
            return _("报送期限 %(day)s，已过期限尚未报送") % {"day": day}
        if self.state == lights.OVERDUE:
            return _("报送期限 %(day)s，已超过 %(n)s 个工作日未报送") % {"day": day, "n": self.days}
        if self.days == 0:
            return _("报送期限 %(day)s，今天是最后一天") % {"day": day}
        return _("报送期限 %(day)s，还剩 %(n)s 个工作日") % {"day": day, "n": self.days}

    @property
    def rule_text(self) -> str:
        return str(RULE)


def light_of(due: datetime.date, sent: bool, today: datetime.date, status_label: str = "") -> ReportLight:
    if sent:
        return ReportLight(lights.DONE, due, 0, status_label)
    if today > due:
        return ReportLight(lights.OVERDUE, due, working_days_between(due, today), status_label)
    left = working_days_between(today, due)
    if left <= RED_DAYS:
        state = lights.RED
    elif left <= YELLOW_DAYS:
        state = lights.YELLOW
    else:
        state = lights.GREEN
    return ReportLight(state, due, left, status_label)
