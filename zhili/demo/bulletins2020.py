"""Taiping's year of weekly bulletins and review meetings in 2020 (synthetic, deterministic, idempotent).

For every ISO week of 2020 that ended on or before the demo's day (clock.today(), 2020-11-20: weeks 1–46), in
order: the 督办 items decided earlier move on as time did (reported by their owner a few days before or after the
deadline, confirmed by a leader a day or three later — old ones closed, recent ones open or reported, a few
overdue); the week's bulletin is built and published through the bulletins' own actions; the next Monday (or
Tuesday) a review meeting (点评会) reviews it, its agenda drawn from that bulletin, and decides 2–4 items drawn from
its laggards and red list, owned by offices or villages, due a week or two later; the last one also gives 孔家坊村
(demo-village's) an item still open, for its secretary to report done from his phone. Week 44 is corrected once (a
second version with its note). Without the snapshot actions (`zhili.bulletins.actions`) the meetings and their
items are still made, their agenda empty and their items drawn from the villages and indicators themselves.

Marked synthetic: every meeting's notes say 演示数据. A second load adds nothing: a week with a meeting is done.
"""

from __future__ import annotations

import datetime
import random
from typing import Any

from django.db.models import Q

from zhili.bulletins import meeting_queries as mq
from zhili.bulletins import meetings
from zhili.bulletins.models import Decision, DecisionStatus, ReviewMeeting
from zhili.core import clock
from zhili.people.models import Person, Role, RoleAssignment, Unit
from zhili.people.scope import scope_for, village_cadres
from zhili.regions.models import Region

SEED = 2020_15
YEAR = 2020
CORRECTED_WEEK = "2020-W44"
CORRECTION_NOTE = "补录孔家坊村两件事件的结案时间"
NOTE = "演示数据：会议纪要从略。"
KONG = "孔家坊村"  # demo-village's village: the last meeting gives it an item to report 办结 from his phone
KONG_TEXT = "孔家坊村补齐第一网格巡查记录，书面说明两件逾期事件的原因"
LAGGARD_TEXTS = [
    "{name}对照通报查找差距，一周内补齐网格巡查记录",
    "{name}清理逾期未结事件，逐件说明原因",
    "{name}召开两委会专题研究，补齐目标任务短板",
    "{name}党支部书记向街道作书面说明并提出整改措施",
]
RED_TEXTS = [
    "{unit}督促“{indicator}”进度，{sentence}",
    "{unit}牵头分析“{indicator}”滞后原因，提出赶进度措施",
]
REPORTS = ["已按要求整改到位，佐证材料已报督查室。", "已完成，相关记录已补齐。", "已召开专题会议落实，整改完毕。"]


def _snapshot_actions():
    try:
        from zhili.bulletins.actions import do_build_snapshot, do_publish_snapshot
    except ImportError:  # the snapshot half of the app is not there (a worktree without it)
        return None
    return do_build_snapshot, do_publish_snapshot


def _weeks(today: datetime.date) -> list[str]:
    weeks = []
    monday = datetime.date.fromisocalendar(YEAR, 1, 1)
    while monday + datetime.timedelta(days=6) <= today and monday.isocalendar()[0] == YEAR:
        weeks.append(mq.week_of(monday))
        monday += datetime.timedelta(days=7)
    return weeks


def _at(day: datetime.date, hour: int) -> datetime.datetime:
    from django.utils import timezone

    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, 30)))


class _Owners:
    """Who acts for an item's owner: an officer of the office, a cadre of the village, else a leader."""

    def __init__(self, sub: Region, villages: list[Region], leader: Person):
        self.leader = leader
        self.officers: dict[int, Person] = {}
        for ra in (
            RoleAssignment.objects.filter(role=Role.OFFICER, unit__region=sub)
            .select_related("person")
            .order_by("unit_id", "person_id")
        ):
            self.officers.setdefault(ra.unit_id, ra.person)
        self.cadres: dict[int, Person] = {}
        for ra in village_cadres(villages).select_related("person").order_by("region_id", "person_id"):
            self.cadres.setdefault(ra.region_id, ra.person)

    def of(self, d: Decision) -> Person:
        if d.unit_id:
            return self.officers.get(d.unit_id, self.leader)
        return self.cadres.get(d.village_id, self.leader)  # type: ignore[arg-type]


def _plan(rng: random.Random, deadline: datetime.date, today: datetime.date) -> tuple[datetime.date | None, ...]:
    """(report day, close day) of an item, either None while it has not happened by `today`."""
    report = deadline + datetime.timedelta(days=rng.choice([-3, -2, -1, 0, 0, 1, 3]))
    close = report + datetime.timedelta(days=rng.randint(1, 3))
    if deadline >= today - datetime.timedelta(days=21):  # recent: some not yet reported (a few overdue), some
        fate = rng.random()  # reported and waiting for 销号, the rest closed
        if fate < 0.3:
            return None, None
        if fate < 0.7:
            close = None  # type: ignore[assignment]
    return (report if report <= today else None), (close if close and close <= today else None)


def load(
    summary, *, sub: Region, villages: list[Region], people: dict[str, Person], leaders: list[Person], **_
) -> None:
    """Build Taiping's 2020 bulletins and review meetings once; counts go into `summary`."""
    today = clock.today()
    leader = people["demo-leader"]
    other_leader = next((p for p in leaders if p.pk != leader.pk), leader)
    scope = scope_for(leader)
    setup = mq.setup_of(sub)
    weeks = _weeks(today)
    done = set(ReviewMeeting.objects.filter(region=sub, week__in=weeks).values_list("week", flat=True))
    if len(done) == len(weeks):
        return
    rng = random.Random(SEED)
    snapshot_actions = _snapshot_actions()
    current = sorted((v for v in villages if v.valid_to is None), key=lambda v: v.code)
    by_code = {v.code: v for v in current}
    owners = _Owners(sub, current, leader)
    units = {u.code: u for u in Unit.objects.filter(region=sub)}
    from zhili.targets.models import Indicator

    indicators = list(
        Indicator.objects.filter(task__goal__region=sub, task__goal__year=YEAR, archived_at__isnull=True)
        .select_related("task__goal__region", "task__lead_unit")
        .order_by("code")
    )
    indicator_by_code = {i.code: i for i in indicators}
    plans: dict[int, tuple[datetime.date | None, datetime.date | None]] = {}
    scopes: dict[int, Any] = {}

    def scope_of(who: Person):
        if who.pk not in scopes:
            scopes[who.pk] = scope_for(who)
        return scopes[who.pk]

    def advance(until: datetime.date) -> None:
        """Move the items on as time did, up to `until`."""
        pending = Decision.objects.filter(meeting__region=sub).filter(
            Q(status=DecisionStatus.OPEN) | Q(status=DecisionStatus.REPORTED)
        )
        for d in pending.select_related("meeting__region", "village", "unit").order_by("pk"):
            report_day, close_day = plans.get(d.pk, (None, None))
            if d.status == DecisionStatus.OPEN and report_day and report_day <= until:
                who = owners.of(d)
                d = meetings.do_report_decision(
                    d, report=rng.choice(REPORTS), actor=who, scope=scope_of(who), revision=d.revision
                )
                Decision.objects.filter(pk=d.pk).update(reported_at=_at(report_day, 16))
                summary.add("decisions reported")
            if d.status == DecisionStatus.REPORTED and close_day and close_day <= until:
                closer = leader if d.reported_by_id != leader.pk else other_leader
                meetings.do_close_decision(d, actor=closer, scope=scope_of(closer), revision=d.revision)
                Decision.objects.filter(pk=d.pk).update(closed_at=_at(close_day, 10))
                summary.add("decisions closed")

    last_meeting = None
    for week in weeks:
        _monday, sunday = mq.week_span(week)  # type: ignore[misc]
        held_on = sunday + datetime.timedelta(days=rng.choice([1, 1, 1, 2]))
        count = rng.randint(2, 4)
        if week in done:
            continue
        advance(sunday)
        snapshot = mq.published_snapshot(sub, week)
        if snapshot_actions is not None and snapshot is None:
            build, publish = snapshot_actions
            snapshot = publish(build(setup, week, actor=leader, scope=scope), actor=leader, scope=scope)
            summary.add("bulletins")
            if week == CORRECTED_WEEK:
                snapshot = publish(
                    build(setup, week, actor=leader, scope=scope, note=CORRECTION_NOTE), actor=leader, scope=scope
                )
                summary.add("bulletin corrections")
        if held_on > today:
            continue
        meeting = last_meeting = meetings.do_hold_meeting(
            setup,
            week=week,
            held_on=held_on,
            title="",
            notes=NOTE,
            actor=leader,
            scope=scope,
        )
        ReviewMeeting.objects.filter(pk=meeting.pk).update(created_at=_at(held_on, 9))
        summary.add("review meetings")
        data = snapshot.data if snapshot is not None else {}
        laggards = [by_code[v["code"]] for v in data.get("laggards") or [] if v.get("code") in by_code]
        if not laggards:
            laggards = rng.sample(current, k=min(2, len(current)))
        reds = [
            (indicator_by_code[r["code"]], r.get("sentence") or "")
            for r in (data.get("targets") or {}).get("red_list") or []
            if r.get("code") in indicator_by_code
        ]
        if not reds and indicators:
            reds = [(i, "进度滞后") for i in rng.sample(indicators, k=min(2, len(indicators)))]
        for k in range(count):
            deadline = held_on + datetime.timedelta(days=rng.choice([7, 7, 11, 14]))
            if k % 2 == 0 and laggards:
                village = laggards[(k // 2) % len(laggards)]
                text = rng.choice(LAGGARD_TEXTS).format(name=village.name)
                kwargs: dict[str, Any] = {"village": village}
            elif reds:
                indicator, sentence = reds[(k // 2) % len(reds)]
                unit = indicator.task.lead_unit or units.get("economy")
                text = rng.choice(RED_TEXTS).format(
                    unit=unit.name if unit else "", indicator=indicator.name, sentence=sentence or "加快进度"
                )
                kwargs = {"unit": unit, "indicator": indicator}
            else:
                continue
            decision = meetings.do_add_decision(
                meeting, text=text[:500], deadline=deadline, actor=leader, scope=scope, **kwargs
            )
            plans[decision.pk] = _plan(rng, deadline, today)
            summary.add("decisions")
    kong = next((v for v in current if v.name == KONG), None)
    if last_meeting is not None and kong is not None:
        meetings.do_add_decision(
            last_meeting,
            text=KONG_TEXT,
            village=kong,
            deadline=last_meeting.held_on + datetime.timedelta(days=7),
            actor=leader,
            scope=scope,
        )
        summary.add("decisions")
    advance(today)


def without_bulletins(sub: Region) -> None:
    """The subdistrict as if no week had been built: the demo's bulletins (and any delivery log) taken away, its
    meetings and their items kept — for tests that build weeks from nothing. Rolled back with the test."""
    from zhili.bulletins.models import Delivery, Snapshot

    Delivery.objects.filter(snapshot__region=sub).delete()
    Snapshot.objects.filter(region=sub).delete()
