"""三会一课 compliance: for each branch and each required meeting type, the periods of the year up to today each
need at least one meeting. A branch's light is green when every period so far is met, yellow when only the
current period is still open, red when a past period was missed — with a sentence naming what is missing.

Pure arithmetic over counts (queries.compliance reads them in one grouped query), so tests compare it with hand
counts."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhili.core import lights
from zhili.party.models import Frequency, MeetingKind

RULE = gettext_lazy(
    "按街道规定的频次，每类会议每期至少召开一次：已过去的期没有召开为红灯，只有本期尚未召开为黄灯，均已召开为绿灯。"
)
QUARTERS = {1: gettext_lazy("一季度"), 2: gettext_lazy("二季度"), 3: gettext_lazy("三季度"), 4: gettext_lazy("四季度")}


@dataclass(frozen=True)
class Period:
    start: datetime.date
    end: datetime.date
    label: str


def _month_end(year: int, month: int) -> datetime.date:
    if month == 12:
        return datetime.date(year, 12, 31)
    return datetime.date(year, month + 1, 1) - datetime.timedelta(days=1)


def periods(frequency: str, year: int) -> list[Period]:
    """Every period of `year` for a frequency (none for 不作要求)."""
    if frequency == Frequency.MONTH:
        return [Period(datetime.date(year, m, 1), _month_end(year, m), _("%(m)s月") % {"m": m}) for m in range(1, 13)]
    if frequency == Frequency.QUARTER:
        return [
            Period(datetime.date(year, 3 * q - 2, 1), _month_end(year, 3 * q), str(QUARTERS[q])) for q in range(1, 5)
        ]
    if frequency == Frequency.HALF:
        return [
            Period(datetime.date(year, 1, 1), datetime.date(year, 6, 30), _("上半年")),
            Period(datetime.date(year, 7, 1), datetime.date(year, 12, 31), _("下半年")),
        ]
    if frequency == Frequency.YEAR:
        return [Period(datetime.date(year, 1, 1), datetime.date(year, 12, 31), _("全年"))]
    return []


@dataclass(frozen=True)
class KindState:
    """One meeting type of one branch in a year: how many were held (up to today), which past periods were missed,
    and whether the current period is still open."""

    kind: str
    frequency: str
    held: int
    due: int  # periods begun by today
    missed: tuple[str, ...]  # labels of past periods without a meeting
    pending: str  # the current period's label when it has none yet, else ""

    @property
    def label(self) -> str:
        return str(MeetingKind(self.kind).label)

    @property
    def frequency_label(self) -> str:
        return str(Frequency(self.frequency).label)

    @property
    def state(self) -> str:
        if self.due == 0:
            return lights.NONE
        if self.missed:
            return lights.RED
        return lights.YELLOW if self.pending else lights.GREEN


@dataclass(frozen=True)
class BranchLight(lights.Light):
    """A branch's 三会一课 light and the sentence naming what is missing."""

    state: str
    kinds: tuple[KindState, ...] = ()

    def explain(self) -> str:
        missed = [
            _("%(kind)s缺%(periods)s") % {"kind": k.label, "periods": "、".join(k.missed)}
            for k in self.kinds
            if k.missed
        ]
        pending = [
            _("%(kind)s（%(period)s）") % {"kind": k.label, "period": k.pending} for k in self.kinds if k.pending
        ]
        parts = []
        if missed:
            parts.append(_("应开未开：%(list)s") % {"list": "；".join(missed)})
        if pending:
            parts.append(_("本期尚未召开：%(list)s") % {"list": "、".join(pending)})
        if parts:
            return "。".join(parts) + "。"
        if self.state == lights.NONE:
            return _("本年度到目前还没有应召开的会议。")
        return _("各类会议均已按要求召开。")

    @property
    def rule_text(self) -> str:
        return str(RULE)


def kind_state(kind: str, frequency: str, year: int, today: datetime.date, months: dict[int, int]) -> KindState:
    """`months`: {month: meetings of this type held in that month of `year`, up to today}."""
    missed: list[str] = []
    pending = ""
    due = 0
    for p in periods(frequency, year):
        if p.start > today:
            break
        due += 1
        held = sum(n for m, n in months.items() if p.start.month <= m <= p.end.month)
        if held:
            continue
        if p.end < today:
            missed.append(p.label)
        else:
            pending = p.label
    return KindState(kind, frequency, sum(months.values()), due, tuple(missed), pending)


def branch_light(kinds: list[KindState]) -> BranchLight:
    required = [k for k in kinds if k.due]
    if not required:
        state = lights.NONE
    elif any(k.missed for k in required):
        state = lights.RED
    elif any(k.pending for k in required):
        state = lights.YELLOW
    else:
        state = lights.GREEN
    return BranchLight(state, tuple(kinds))
