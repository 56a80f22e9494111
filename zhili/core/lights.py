"""One light (亮灯) for every part of Zhili: a state, its label, the sentence that explains it, and the rule.

Targets light an indicator against 序时进度 (zhili/targets/lights.py); cases light a step against its working-day
time limit (zhili/cases/queries.py); bulletins will rank on both. Each is a `Light`, and every page shows one
through the same template, `_light.html`: a coloured label that opens onto its explanation.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

DONE, OVERDUE, RED, YELLOW, GREEN, NONE = "done", "overdue", "red", "yellow", "green", "none"
LABELS = {
    DONE: _("已完成"),
    OVERDUE: _("逾期"),
    RED: _("红灯"),
    YELLOW: _("黄灯"),
    GREEN: _("绿灯"),
    NONE: _("无数据"),
}
# worst first: what a list of lights sorts by
ORDER = {OVERDUE: 0, RED: 1, YELLOW: 2, NONE: 3, GREEN: 4, DONE: 5}


class Light:
    """What every light answers. Subclasses are frozen dataclasses holding what they were computed from."""

    state: str  # one of DONE, OVERDUE, RED, YELLOW, GREEN, NONE

    @property
    def label(self) -> str:
        return str(LABELS[self.state])

    @property
    def shown(self) -> bool:
        """Whether pages show it (a case step without a clock has no light at all)."""
        return True

    def explain(self) -> str:
        """The sentence shown when someone opens the light."""
        return ""

    @property
    def rule_text(self) -> str:
        """The rule the light follows, in one sentence ("" when the explanation says it all)."""
        return ""
