"""Writes of the review meetings (点评会) and the 督办 items they decide: hold a meeting (its agenda drawn from the
week's published bulletin), add a decision (one owner — an office or a village of the subdistrict — a deadline
not before the meeting, optionally the indicator or case it concerns), report it done (办结, its owner), confirm it
(销号, a leader who did not report it) or send it back (退回, with the reason).

Each checks its right in policy, is atomic and leaves one audit entry (old → new); a stale form is a Conflict
(409), a bad value an Invalid with a Chinese sentence, and nothing is written when either is raised. The app's
`actions.py` holds the bulletins' own writes; these are named for the audit log here (`bulletins/todos.py`
imports this module, so CoreConfig.ready's autodiscovery loads it)."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhili.bulletins import meeting_queries
from zhili.bulletins.models import BulletinSetup, Decision, DecisionStatus, ReviewMeeting
from zhili.core import audit, clock
from zhili.core.errors import Conflict, Invalid, require
from zhili.people import policy
from zhili.people.models import Person, Unit
from zhili.people.scope import Scope
from zhili.regions.models import Level, Region

audit.describe(
    {
        "bulletins.meeting.hold": gettext_lazy("召开点评会"),
        "bulletins.decision.add": gettext_lazy("议定督办事项"),
        "bulletins.decision.report": gettext_lazy("督办事项报办结"),
        "bulletins.decision.close": gettext_lazy("督办事项销号"),
        "bulletins.decision.return": gettext_lazy("督办事项退回重办"),
    },
    fields={
        "bulletins.meeting.hold": {"agenda": gettext_lazy("议程条数")},
        "bulletins.decision.add": {"owner": gettext_lazy("责任单位")},
    },
)

TEXT_LIMIT = 500


def _text(value: Any, *, label: str, limit: int = TEXT_LIMIT, required: bool = True) -> str:
    text = "".join(ch for ch in str(value or "") if ch in "\n\t" or ch.isprintable()).strip()
    if required and not text:
        raise Invalid(_("请填写%(label)s。") % {"label": label})
    if len(text) > limit:
        raise Invalid(
            _("%(label)s最多 %(limit)s 字，现有 %(v)s 字。") % {"label": label, "limit": limit, "v": len(text)}
        )
    return text


def _revision(decision: Decision, revision: int | None) -> None:
    if revision is not None and int(revision) != decision.revision:
        raise Conflict(_("该督办事项已被他人处理，请刷新页面后再操作。"))


def _locked(decision: Decision) -> Decision:
    return (
        Decision.objects.select_for_update(of=("self",))
        .select_related("meeting__region", "village", "unit")
        .get(pk=decision.pk)
    )


def owner_name(decision: Decision) -> str:
    return meeting_queries.owner_of(decision)


# ---- meetings ------------------------------------------------------------------------------------------------


@transaction.atomic
def do_hold_meeting(
    setup: BulletinSetup,
    *,
    week: str,
    held_on: datetime.date,
    title: str = "",
    notes: str = "",
    actor: Person,
    scope: Scope,
) -> ReviewMeeting:
    """Record a review meeting of `week` (the bulletin it reviews), held on `held_on`: after that week ended and
    not after today. Its agenda is drawn from the week's latest published bulletin; a week without one is
    allowed — the meeting starts with an empty agenda and the page says so."""
    sub = setup.region
    require(
        policy.hold_review_meeting(scope, setup),
        _("只有街道领导和通报牵头科室可以记录点评会。"),
    )
    span = meeting_queries.week_span(week)
    if span is None:
        raise Invalid(_("周次“%(week)s”的格式不对，应为“2020-W40”。") % {"week": week})
    if held_on is None:
        raise Invalid(_("请填写会议日期。"))
    if held_on <= span[1]:
        raise Invalid(_("点评会应在所点评的一周结束（%(end)s）之后召开。") % {"end": span[1].isoformat()})
    if held_on > clock.today():
        raise Invalid(_("会议日期不能晚于今天。"))
    title = _text(title, label=_("会议名称"), limit=100, required=False) or meeting_queries.default_title(sub, week)
    notes = _text(notes, label=_("会议纪要"), limit=5000, required=False)
    snapshot = meeting_queries.published_snapshot(sub, week)
    agenda = meeting_queries.agenda_from(snapshot.data) if snapshot is not None else []
    meeting = ReviewMeeting.objects.create(
        region=sub, held_on=held_on, week=week, title=title, agenda=agenda, notes=notes, chaired_by=actor
    )
    audit.record(
        actor,
        "bulletins.meeting.hold",
        meeting,
        changes={
            "week": [None, week],
            "held_on": [None, held_on.isoformat()],
            "title": [None, title],
            "agenda": [None, len(agenda)],
        },
    )
    return meeting


# ---- decisions -----------------------------------------------------------------------------------------------


@transaction.atomic
def do_add_decision(
    meeting: ReviewMeeting,
    *,
    text: str,
    unit: Unit | None = None,
    village: Region | None = None,
    deadline: datetime.date,
    indicator: Any = None,
    case: Any = None,
    actor: Person,
    scope: Scope,
) -> Decision:
    """A 督办 item decided at `meeting`: exactly one owner (an office of the subdistrict or one of its villages), a
    deadline not before the meeting, and the indicator or case it concerns if any (the subdistrict's, and one the
    actor may read)."""
    sub = meeting.region
    setup = meeting_queries.setup_of(sub)
    require(policy.hold_review_meeting(scope, setup), _("只有街道领导和通报牵头科室可以议定督办事项。"))
    text = _text(text, label=_("督办事项"))
    if (unit is None) == (village is None):
        raise Invalid(_("督办事项须有且只有一个责任单位：一个科室或一个村（社区）。"))
    if unit is not None and unit.region_id != sub.pk:
        raise Invalid(_("责任科室须是%(sub)s的科室。") % {"sub": sub.name})
    if village is not None and (
        village.parent_id != sub.pk or village.level != Level.VILLAGE or village.valid_to is not None
    ):
        raise Invalid(_("责任村（社区）须是%(sub)s现有的村（社区）。") % {"sub": sub.name})
    if deadline is None:
        raise Invalid(_("请填写办结时限。"))
    if deadline < meeting.held_on:
        raise Invalid(_("办结时限不能早于会议日期（%(day)s）。") % {"day": meeting.held_on.isoformat()})
    if indicator is not None:
        goal_region = indicator.task.goal.region
        if goal_region.pk != sub.pk or not scope.can_read(goal_region.path):
            raise Invalid(_("相关指标须是%(sub)s的指标。") % {"sub": sub.name})
    if case is not None and not meeting_queries.case_visible(scope, sub, case):
        raise Invalid(_("相关事件须是%(sub)s的、您能查看的事件。") % {"sub": sub.name})
    decision = Decision.objects.create(
        meeting=meeting, text=text, unit=unit, village=village, deadline=deadline, indicator=indicator, case=case
    )
    changes: dict[str, list] = {
        "text": [None, text],
        "owner": [None, unit.name if unit is not None else village.name],  # type: ignore[union-attr]
        "deadline": [None, deadline.isoformat()],
    }
    if indicator is not None:
        changes["indicator"] = [None, f"{indicator.code} {indicator.name}"]
    if case is not None:
        changes["case"] = [None, case.number or str(case.pk)]
    audit.record(actor, "bulletins.decision.add", decision, changes=changes)
    return decision


@transaction.atomic
def do_report_decision(
    decision: Decision, *, report: str, actor: Person, scope: Scope, revision: int | None
) -> Decision:
    """办结: the owner (the office's officers, the village's cadres) or a leader reports the item done."""
    decision = _locked(decision)
    require(
        policy.report_decision(scope, decision),
        _("只有责任科室、责任村（社区）或街道领导可以报告办结。"),
    )
    _revision(decision, revision)
    if decision.status != DecisionStatus.OPEN:
        raise Invalid(_("该事项当前为“%(state)s”，不能再报告办结。") % {"state": decision.get_status_display()})
    report = _text(report, label=_("办结情况"))
    decision.status, decision.report = DecisionStatus.REPORTED, report
    decision.reported_at, decision.reported_by = clock.now(), actor
    decision.revision += 1
    decision.save()
    audit.record(
        actor,
        "bulletins.decision.report",
        decision,
        changes={
            "status": [str(DecisionStatus.OPEN.label), str(DecisionStatus.REPORTED.label)],
            "report": [None, report],
        },
    )
    return decision


@transaction.atomic
def do_close_decision(decision: Decision, *, actor: Person, scope: Scope, revision: int | None) -> Decision:
    """销号: a leader of the subdistrict confirms the reported item — never the one who reported it."""
    decision = _locked(decision)
    require(policy.close_decision(scope, decision), _("只有街道领导可以确认销号。"))
    _revision(decision, revision)
    if decision.status != DecisionStatus.REPORTED:
        raise Invalid(_("责任单位报告办结后，才能确认销号。"))
    require(
        decision.reported_by_id != actor.pk or scope.is_superuser,
        _("报告办结的人不能自己确认销号。"),
    )
    decision.status, decision.closed_at, decision.closed_by = DecisionStatus.CLOSED, clock.now(), actor
    decision.revision += 1
    decision.save()
    audit.record(
        actor,
        "bulletins.decision.close",
        decision,
        changes={"status": [str(DecisionStatus.REPORTED.label), str(DecisionStatus.CLOSED.label)]},
    )
    return decision


@transaction.atomic
def do_return_decision(
    decision: Decision, *, reason: str, actor: Person, scope: Scope, revision: int | None
) -> Decision:
    """退回: a leader sends a reported item back to its owner with the reason; it is 督办中 again."""
    decision = _locked(decision)
    require(policy.close_decision(scope, decision), _("只有街道领导可以退回督办事项。"))
    _revision(decision, revision)
    if decision.status != DecisionStatus.REPORTED:
        raise Invalid(_("只有已报办结的事项可以退回。"))
    reason = _text(reason, label=_("退回原因"))
    decision.status, decision.reported_at, decision.reported_by = DecisionStatus.OPEN, None, None
    decision.revision += 1
    decision.save()
    audit.record(
        actor,
        "bulletins.decision.return",
        decision,
        changes={"status": [str(DecisionStatus.REPORTED.label), str(DecisionStatus.OPEN.label)]},
        reason=reason,
    )
    return decision
