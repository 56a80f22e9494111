"""Reads of the review meetings (点评会) and their 督办 items: the agenda drawn from a week's bulletin, the meetings
and decisions a person may read (scoped: 404 outside), a decision's light against its deadline in working days,
and `decisions_summary` — 上周点评会议定事项办结情况, the "decisions" part of a bulletin (shape.py)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhili.bulletins.models import Decision, DecisionStatus, ReviewMeeting, Snapshot, SnapshotStatus
from zhili.bulletins.queries import setup_of
from zhili.core import lights
from zhili.core.workdays import working_days_between
from zhili.people.models import Unit
from zhili.people.scope import Scope
from zhili.regions.models import Level, Region

__all__ = ["setup_of"]

SOON_WORKING_DAYS = 2  # an open item due within this many working days lights yellow

# the agenda's parts, in the order a meeting takes them (宣传典型、鞭策后进, then what is late)
AGENDA_KINDS = {
    "best": gettext_lazy("宣传典型"),
    "laggard": gettext_lazy("鞭策后进"),
    "cases": gettext_lazy("逾期事件"),
    "red": gettext_lazy("红灯指标"),
    "decision": gettext_lazy("上次督办未销号"),
}


# ---- weeks and the published bulletin -------------------------------------------------------------------------


def week_span(week: str) -> tuple[datetime.date, datetime.date] | None:
    """(Monday, Sunday) of an ISO week "2020-W40", or None when it is not one."""
    try:
        year, number = str(week).split("-W")
        monday = datetime.date.fromisocalendar(int(year), int(number), 1)
    except (ValueError, TypeError):
        return None
    return monday, monday + datetime.timedelta(days=6)


def week_of(day: datetime.date) -> str:
    year, number, _weekday = day.isocalendar()
    return f"{year}-W{number:02d}"


def default_title(sub: Region, week: str) -> str:
    span = week_span(week)
    number = int(week.split("-W")[1]) if span else 0
    return _("%(sub)s第%(n)s周工作点评会") % {"sub": sub.name, "n": number}


def published_snapshot(sub: Region, week: str) -> Snapshot | None:
    """The week's bulletin as published: its latest published version (None when the week has none)."""
    return Snapshot.objects.filter(region=sub, week=week, status=SnapshotStatus.PUBLISHED).order_by("-version").first()


def published_weeks(sub: Region) -> list[str]:
    """The weeks with a published bulletin, latest first (the new meeting form's choices)."""
    weeks = Snapshot.objects.filter(region=sub, status=SnapshotStatus.PUBLISHED).values_list("week", flat=True)
    return sorted(set(weeks), reverse=True)


# ---- the agenda ---------------------------------------------------------------------------------------------------


def _item(kind: str, text: str, *, village: str | None = None, indicator: str | None = None, case=None) -> dict:
    return {"kind": kind, "text": text, "village": village, "indicator": indicator, "case": case}


def agenda_from(snapshot_data: dict) -> list[dict]:
    """The agenda of the meeting that reviews a week, drawn from its bulletin (`Snapshot.data`, shape.py): the best
    villages (宣传典型) and the laggards (鞭策后进) with their reasons, the villages with overdue cases, the
    subdistrict's red lights, and the last meeting's decisions not yet closed. Each item is
    {kind, text, village (code), indicator (code), case}."""
    data = snapshot_data or {}
    items: list[dict] = []
    for kind, key in (("best", "best"), ("laggard", "laggards")):
        for v in data.get(key) or []:
            reasons = "；".join(str(r) for r in v.get("reasons") or [])
            text = _("%(name)s（第 %(rank)s 名，%(score)s 分）") % {
                "name": v.get("name", ""),
                "rank": v.get("rank", "—"),
                "score": v.get("score") if v.get("score") is not None else "—",
            }
            items.append(_item(kind, f"{text}：{reasons}" if reasons else text, village=v.get("code")))
    for v in data.get("villages") or []:
        overdue = (v.get("cases") or {}).get("overdue") or 0
        if overdue:
            items.append(
                _item(
                    "cases",
                    _("%(name)s逾期未结事件 %(n)s 件") % {"name": v.get("name", ""), "n": overdue},
                    village=v.get("code"),
                )
            )
    for red in (data.get("targets") or {}).get("red_list") or []:
        items.append(
            _item(
                "red",
                f"{red.get('code', '')} {red.get('name', '')}：{red.get('sentence', '')}".strip(),
                indicator=red.get("code"),
            )
        )
    decisions = data.get("decisions") or {}
    for d in decisions.get("items") or []:
        if d.get("status") == DecisionStatus.CLOSED:
            continue
        items.append(
            _item(
                "decision",
                _("%(text)s（%(owner)s，时限 %(deadline)s，%(state)s）")
                % {
                    "text": d.get("text", ""),
                    "owner": d.get("owner", ""),
                    "deadline": d.get("deadline", ""),
                    "state": d.get("status_label", ""),
                },
            )
        )
    return items


def agenda_groups(agenda: list[dict]) -> list[tuple[str, list[dict]]]:
    """The agenda by part, in AGENDA_KINDS' order, each part named (what the meeting page shows)."""
    return [
        (str(label), [i for i in agenda if i.get("kind") == kind])
        for kind, label in AGENDA_KINDS.items()
        if any(i.get("kind") == kind for i in agenda)
    ]


# ---- meetings -----------------------------------------------------------------------------------------------------


def meetings_of(scope: Scope, sub: Region) -> QuerySet[ReviewMeeting]:
    """The subdistrict's meetings, latest first, with their decisions counted — for whoever reads the whole
    subdistrict (the agenda names every village)."""
    from django.db.models import Count

    return (
        scope.filter(ReviewMeeting.objects.filter(region=sub), "region__path")
        .select_related("chaired_by")
        .annotate(
            n_decisions=Count("decisions"),
            n_closed=Count("decisions", filter=Q(decisions__status=DecisionStatus.CLOSED)),
        )
        .order_by("-held_on", "-pk")
    )


def get_meeting_or_404(scope: Scope, pk: int) -> ReviewMeeting:
    found = (
        scope.filter(ReviewMeeting.objects.all(), "region__path").select_related("region", "chaired_by").filter(pk=pk)
    ).first()
    if found is None:
        raise Http404(_("不存在或无权查看。"))
    return found


# ---- decisions ----------------------------------------------------------------------------------------------------


def readable(scope: Scope) -> Q:
    """The decisions a person may read (policy.read_decision): whoever reads the subdistrict, every item; a
    village's cadres, the items their village owns."""
    return scope.q("meeting__region__path") | (Q(village__isnull=False) & scope.q("village__path"))


def _decisions() -> QuerySet[Decision]:
    return Decision.objects.select_related(
        "meeting", "meeting__region", "unit", "village", "indicator", "case", "reported_by", "closed_by"
    )


def get_decision_or_404(scope: Scope, pk: int) -> Decision:
    found = _decisions().filter(readable(scope), pk=pk).first()
    if found is None:
        raise Http404(_("不存在或无权查看。"))
    return found


def decisions(
    scope: Scope,
    sub: Region,
    *,
    status: str = "",
    unit: Unit | None = None,
    village: Region | None = None,
    mine: bool = False,
    meeting: ReviewMeeting | None = None,
) -> QuerySet[Decision]:
    """The subdistrict's decisions this person may read, filtered; `mine`: the items of the offices they work for
    and the villages they are a cadre of."""
    qs = _decisions().filter(readable(scope), meeting__region=sub)
    if meeting is not None:
        qs = qs.filter(meeting=meeting)
    if status:
        qs = qs.filter(status=status)
    if unit is not None:
        qs = qs.filter(unit=unit)
    if village is not None:
        qs = qs.filter(village=village)
    if mine:
        qs = qs.filter(owned_by(scope))
    return qs.order_by("deadline", "pk")


def owned_by(scope: Scope) -> Q:
    """The items this person owns: their offices' and their villages' (a cadre who may write there)."""
    q = Q(unit_id__in=list(scope.units))
    for path in scope.cadre_paths:
        if scope.can_write(path):
            q |= Q(village__path=path)
    return q


def owner_of(decision: Decision) -> str:
    """The item's owner by name: its office, or its village."""
    if decision.unit is not None:
        return decision.unit.name
    return decision.village.name if decision.village is not None else ""


def owners(sub: Region) -> tuple[list[Unit], list[Region]]:
    """The offices and the current villages of the subdistrict: who may own an item."""
    units = list(Unit.objects.filter(region=sub).order_by("code"))
    villages = list(Region.objects.filter(parent=sub, level=Level.VILLAGE, valid_to__isnull=True).order_by("code"))
    return units, villages


def year_indicators(sub: Region, year: int):
    from zhili.targets.models import Indicator

    return (
        Indicator.objects.filter(task__goal__region=sub, task__goal__year=year, archived_at__isnull=True)
        .only("pk", "code", "name")
        .order_by("code")
    )


def case_visible(scope: Scope, sub: Region, case: Any) -> bool:
    from zhili.cases.queries import visible

    return visible(scope).filter(pk=case.pk, path__startswith=sub.path).exists()


def last_return_reason(decision: Decision) -> str:
    """Why a leader last sent the item back (the audit log holds it), "" when never."""
    from zhili.core.models import AuditEntry

    entry = (
        AuditEntry.objects.filter(action="bulletins.decision.return", object_id=str(decision.pk))
        .filter(object_type__endswith="decision")
        .order_by("-at", "-pk")
        .first()
    )
    return entry.reason if entry else ""


# ---- the light against the deadline ----------------------------------------------------------------------------


@dataclass(frozen=True)
class DecisionLight(lights.Light):
    """An item's light against its deadline, in working days: done once 销号; green while reported and waiting;
    an open item overdue after its deadline, yellow within SOON_WORKING_DAYS working days of it, green before."""

    state: str
    deadline: datetime.date
    days: int = 0  # working days late (overdue) or left (yellow, green)
    waiting: bool = False

    def explain(self) -> str:
        day = self.deadline.isoformat()
        if self.state == lights.DONE:
            return _("已销号")
        if self.waiting:
            return _("已报办结，等待领导销号（时限 %(day)s）") % {"day": day}
        if self.state == lights.OVERDUE:
            return _("时限 %(day)s，已超过 %(n)s 个工作日未办结") % {"day": day, "n": self.days}
        if self.state == lights.YELLOW:
            return _("时限 %(day)s，还剩 %(n)s 个工作日") % {"day": day, "n": self.days}
        return _("时限 %(day)s，按期推进") % {"day": day}

    @property
    def rule_text(self) -> str:
        return str(RULE)


RULE = gettext_lazy(
    "超过办结时限未报办结为逾期；时限前 2 个工作日内为黄灯；已报办结待销号和时限前为绿灯；销号后为已完成。"
)


def light_of(decision: Decision, today: datetime.date) -> DecisionLight:
    if decision.status == DecisionStatus.CLOSED:
        return DecisionLight(lights.DONE, decision.deadline)
    if decision.status == DecisionStatus.REPORTED:
        return DecisionLight(lights.GREEN, decision.deadline, waiting=True)
    if today > decision.deadline:
        return DecisionLight(lights.OVERDUE, decision.deadline, working_days_between(decision.deadline, today))
    left = working_days_between(today, decision.deadline)
    return DecisionLight(lights.YELLOW if left <= SOON_WORKING_DAYS else lights.GREEN, decision.deadline, left)


def is_overdue(decision: Decision, today: datetime.date) -> bool:
    return decision.status == DecisionStatus.OPEN and decision.deadline < today


# ---- 上周点评会议定事项办结情况 -----------------------------------------------------------------------------------------


def decisions_summary(subdistrict: Region, week: str, *, today: datetime.date) -> dict | None:
    """The "decisions" part of a bulletin (shape.py): the items decided by the meetings that reviewed `week` (held
    during the following week), as of `today` — total, closed, reported, open, overdue (open past the deadline),
    and each item {text, owner, deadline, status, status_label}. None when no meeting reviewed that week. One
    query."""
    rows = list(
        Decision.objects.filter(meeting__region=subdistrict, meeting__week=week)
        .select_related("unit", "village")
        .order_by("deadline", "pk")
    )
    if not rows and not ReviewMeeting.objects.filter(region=subdistrict, week=week).exists():
        return None
    labels = dict(DecisionStatus.choices)
    return {
        "week": week,
        "total": len(rows),
        "closed": sum(1 for d in rows if d.status == DecisionStatus.CLOSED),
        "reported": sum(1 for d in rows if d.status == DecisionStatus.REPORTED),
        "open": sum(1 for d in rows if d.status == DecisionStatus.OPEN),
        "overdue": sum(1 for d in rows if is_overdue(d, today)),
        "items": [
            {
                "text": d.text,
                "owner": owner_of(d),
                "deadline": d.deadline.isoformat(),
                "status": str(d.status),
                "status_label": str(labels[d.status]),
            }
            for d in rows
        ],
    }
