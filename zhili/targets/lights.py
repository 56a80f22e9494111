"""Lights (亮灯) that explain themselves.

Rules are configuration (LightRule, per subdistrict, with an effective date):
- 已完成 done      completion ≥ 100 %
- 逾期 overdue     past the deadline and not done
- 红 red           completion trails 序时进度 by more than `red_gap` percentage points
- 黄 yellow        trails by less, or the deadline is within `due_soon_days` working days
- 绿 green         otherwise
- 无数据 none      nothing reported or computed yet

序时进度 (time-elapsed progress) is the elapsed share of the indicator's time, start → deadline. Working days
follow China's holiday and make-up-day calendar (chinese-calendar).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from zhili.core import lights as core_lights
from zhili.core.lights import DONE, GREEN, LABELS, NONE, ORDER, OVERDUE, RED, YELLOW
from zhili.core.workdays import working_days_between
from zhili.targets.models import Direction, LightRule

# the states, labels and working days are shared with every light (zhili/core/lights.py, core/workdays.py)
__all__ = [
    "DONE",
    "GREEN",
    "LABELS",
    "NONE",
    "ORDER",
    "OVERDUE",
    "RED",
    "YELLOW",
    "Light",
    "Rule",
    "completion",
    "evaluate",
    "schedule",
    "working_days_between",
]


@dataclass(frozen=True)
class Rule:
    red_gap: Decimal = Decimal("10")
    due_soon_days: int = 5
    report_grace_days: int = 10

    @classmethod
    def for_region(cls, region, on: datetime.date) -> Rule:
        row = LightRule.objects.filter(region=region, effective_from__lte=on).order_by("-effective_from").first()
        if row is None:
            return cls()
        return cls(red_gap=row.red_gap, due_soon_days=row.due_soon_days, report_grace_days=row.report_grace_days)


def schedule(start: datetime.date, deadline: datetime.date, today: datetime.date) -> Decimal:
    """序时进度 in percent: the elapsed share of start → deadline."""
    total = (deadline - start).days
    if total <= 0:
        return Decimal(100)
    elapsed = min(max((today - start).days, 0), total)
    return (Decimal(elapsed) * 100 / Decimal(total)).quantize(Decimal("0.1"))


_HUNDRED, _ZERO, _TENTH = Decimal(100), Decimal(0), Decimal("0.1")


def completion(
    actual: Decimal | None, target: Decimal | None, baseline: Decimal | None = None, direction: str = Direction.HIGHER
) -> Decimal | None:
    """Completion rate in percent. With a baseline: the share of the way from baseline to target."""
    if actual is None or target is None:
        return None
    if baseline is not None and target != baseline:
        rate = (actual - baseline) / (target - baseline) * 100
    elif direction == Direction.LOWER:
        if actual <= target:
            return _HUNDRED
        rate = target / actual * 100 if actual else _HUNDRED
    else:
        if target == 0:
            return _HUNDRED if actual >= 0 else _ZERO
        rate = actual / target * 100
    return _ZERO if rate <= 0 else rate.quantize(_TENTH)


@dataclass(frozen=True)
class Light(core_lights.Light):
    state: str
    completion: Decimal | None
    schedule: Decimal
    deadline: datetime.date
    today: datetime.date
    working_days_left: int
    rule: Rule

    @property
    def rule_text(self) -> str:
        return _(
            "规则：完成率 ≥100%% 为已完成；过时限未完成为逾期；落后序时进度超过 %(red_gap)s 个百分点为红灯；"
            "落后不超过该值或距时限不足 %(days)s 个工作日为黄灯；其余为绿灯。"
        ) % {"red_gap": _n(self.rule.red_gap), "days": self.rule.due_soon_days}

    @property
    def gap(self) -> Decimal | None:
        return None if self.completion is None else (self.schedule - self.completion).quantize(Decimal("0.1"))

    def explain(self) -> str:
        """The sentence shown when someone clicks the light."""
        if self.state == NONE:
            return _("尚无填报或计算数据，无法亮灯。")
        figures = {
            "c": self.completion,
            "s": self.schedule,
            "g": self.gap,
            "red_gap": _n(self.rule.red_gap),
            "deadline": f"{self.deadline:%Y-%m-%d}",
            "days": self.working_days_left,
            "soon": self.rule.due_soon_days,
        }
        if self.state == DONE:
            sentence = _("完成率 %(c)s%%，序时进度 %(s)s%%：完成率达到 100%%，已完成。")
        elif self.state == OVERDUE:
            sentence = _("完成率 %(c)s%%，序时进度 %(s)s%%：已过完成时限 %(deadline)s 仍未完成，逾期。")
        elif self.state == RED:
            sentence = _(
                "完成率 %(c)s%%，序时进度 %(s)s%%：落后序时进度 %(g)s 个百分点，超过红灯阈值 %(red_gap)s 个百分点。"
            )
        elif self.state == YELLOW and self.gap is not None and self.gap > 0:
            sentence = _(
                "完成率 %(c)s%%，序时进度 %(s)s%%：落后序时进度 %(g)s 个百分点（不超过 %(red_gap)s 个百分点），黄灯。"
            )
        elif self.state == YELLOW:
            sentence = _(
                "完成率 %(c)s%%，序时进度 %(s)s%%：距完成时限 %(deadline)s 仅剩 %(days)s 个工作日（不足 %(soon)s 个），黄灯提醒。"
            )
        else:
            sentence = _("完成率 %(c)s%%，序时进度 %(s)s%%：不落后于序时进度，距时限还有 %(days)s 个工作日，绿灯。")
        return sentence % figures


def _n(value: Decimal) -> str:
    """10.00 → 10, 7.50 → 7.5: numbers as people write them."""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def evaluate(
    completion_pct: Decimal | None, start: datetime.date, deadline: datetime.date, today: datetime.date, rule: Rule
) -> Light:
    sched = schedule(start, deadline, today)
    left = working_days_between(today, deadline)
    if completion_pct is None:
        state = NONE
    elif completion_pct >= 100:
        state = DONE
    elif today > deadline:
        state = OVERDUE
    elif sched - completion_pct > rule.red_gap:
        state = RED
    elif sched - completion_pct > 0 or left < rule.due_soon_days:
        state = YELLOW
    else:
        state = GREEN
    return Light(state, completion_pct, sched, deadline, today, left, rule)
