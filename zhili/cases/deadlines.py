"""When a case's steps are due: the subdistrict's case rule (step limits, light thresholds, radii) and the
working-day clock each step starts when the case enters a state."""

from __future__ import annotations

import datetime

from zhili.cases.models import Case, CaseRule, State
from zhili.core.workdays import add_working_days
from zhili.regions.models import Region


def rule_for(subdistrict: Region) -> CaseRule:
    """The subdistrict's case rule, or the defaults (unsaved) when it has none."""
    rule = CaseRule.objects.filter(subdistrict=subdistrict).select_related("center_unit").first()
    return rule or CaseRule(subdistrict=subdistrict)


def step_deadline(case: Case, rule: CaseRule, start: datetime.datetime) -> datetime.datetime | None:
    """When the step the case is now in should be done (None for states without a clock)."""
    days = {
        State.REPORTED: rule.accept_days,
        State.ACCEPTED: rule.file_days,
        State.FILED: rule.dispatch_days,
        State.HANDLED: rule.feedback_days,
        State.FEEDBACK: rule.verify_days,
        State.VERIFIED: rule.close_days,
    }.get(case.state)
    if case.state == State.DISPATCHED:
        return case.deadline
    return add_working_days(start, days) if days is not None else None


def enter(case: Case, state: str, rule: CaseRule, at: datetime.datetime) -> None:
    """Move the case into `state` at `at`: the step's clock starts again."""
    case.state = state
    case.step_started_at = at
    case.step_deadline = step_deadline(case, rule, at)
