"""Party building in 2020 (synthetic, deterministic, idempotent): a branch per village with its members (synthetic
names and 139 0000 phones), a year of meetings up to the demo's day with some missing (so some branches light red
or yellow), an integrity talk with the head of each of the 91 villages (the article: 对 91 个村主职干部开展廉政谈话 —
4.4.1.1 counts them from here) and the 头雁 roster of the villages' secretaries.

Each part is written only when the subdistrict has none of it yet (a top-up writes what a first load would)."""

from __future__ import annotations

import datetime
import random

from zhili.demo import targets2020 as t
from zhili.demo.names import PersonNames
from zhili.party.compliance import periods
from zhili.party.models import (
    DEFAULT_FREQUENCY,
    Branch,
    IntegrityTalk,
    LeadGoose,
    Meeting,
    MeetingKind,
    MemberStatus,
    PartyMember,
    Sex,
    TalkPost,
)
from zhili.people.models import Person
from zhili.regions.models import Region

TOPICS = {
    MeetingKind.MEMBERS: ["学习贯彻全会精神", "发展党员表决", "村级重大事项“四议两公开”", "党费收缴情况通报"],
    MeetingKind.COMMITTEE: ["研究疫情防控工作", "研究人居环境整治", "研究西瓜产业发展", "研究困难群众帮扶"],
    MeetingKind.GROUP: ["学习党章党规", "讨论垃圾分类推进", "学习习近平总书记重要讲话", "交流联户走访情况"],
    MeetingKind.LECTURE: ["书记讲党课：不忘初心", "党史学习教育", "全面从严治党专题党课", "乡村振兴专题党课"],
    MeetingKind.ORG_LIFE: ["2019 年度组织生活会暨民主评议党员"],
    MeetingKind.DEM_LIFE: ["村“两委”班子民主生活会"],
}


def _secretaries(villages: list[Region]) -> dict[int, Person]:
    found = Person.objects.filter(region__in=villages, title__endswith="党支部书记").order_by("pk")
    out: dict[int, Person] = {}
    for p in found:
        out.setdefault(p.region_id, p)
    return out


def load(summary, *, sub: Region, villages: list[Region], people: dict[str, Person], leaders: list[Person]) -> None:
    rng = random.Random(2020_0701)
    names = PersonNames(seed=7001)
    secretaries = _secretaries(villages)
    have = set(Branch.objects.filter(region__in=villages).values_list("region_id", flat=True))
    new_branches = [
        Branch(
            region=v,
            name=f"中共{v.name}支部委员会",
            secretary=secretaries.get(v.pk),
            is_synthetic=True,
        )
        for v in villages
        if v.pk not in have
    ]
    Branch.objects.bulk_create(new_branches)
    summary.add("party branches", len(new_branches))
    branches = list(Branch.objects.filter(region__in=villages).select_related("region").order_by("region__code"))

    # members: a handful to about forty per branch (the secretary first)
    members: list[PartyMember] = []
    with_members = set(PartyMember.objects.filter(branch__in=branches).values_list("branch_id", flat=True))
    for b in branches:
        if b.pk in with_members:
            continue
        n = rng.randint(5, 40)
        for i in range(n):
            sec = secretaries.get(b.region_id)
            members.append(
                PartyMember(
                    branch=b,
                    name=sec.full_name if i == 0 and sec else names.name(),
                    sex=Sex.MALE if rng.random() < 0.7 else Sex.FEMALE,
                    joined=datetime.date(rng.randint(1965, 2019), rng.randint(1, 12), rng.randint(1, 28)),
                    status=rng.choices(
                        [MemberStatus.FULL, MemberStatus.PROBATIONARY, MemberStatus.MOBILE], [0.86, 0.06, 0.08]
                    )[0],
                    phone=names.phone(),
                    is_synthetic=True,
                )
            )
    PartyMember.objects.bulk_create(members, batch_size=1000)
    summary.add("party members", len(members))

    # each part its own random stream, so a top-up of one part writes what the first load wrote
    _meetings(summary, branches, random.Random(2020_0702), people)
    _talks(summary, sub, villages, secretaries, random.Random(2020_0703), people)
    _geese(summary, villages, secretaries, random.Random(2020_0704))


def _meetings(summary, branches: list[Branch], rng: random.Random, people: dict[str, Person]) -> None:
    """The year's meetings up to the demo day. Most branches keep every period; about one in eight missed a past
    period (red), about one in four has not yet held this month's or this quarter's (yellow)."""
    held = set(Meeting.objects.filter(branch__in=branches, day__year=t.YEAR).values_list("branch_id", flat=True))
    roster = {}
    for m in PartyMember.objects.filter(branch__in=branches).order_by("pk").values_list("pk", "branch_id"):
        roster.setdefault(m[1], []).append(m[0])
    meetings: list[Meeting] = []
    attendance: list[tuple[int, list[int]]] = []  # index in meetings → member ids
    for b in branches:
        if b.pk in held:
            continue
        red = rng.random() < 0.13
        yellow = rng.random() < 0.25
        skipped = None
        if red:
            kind = rng.choice([MeetingKind.COMMITTEE, MeetingKind.GROUP, MeetingKind.LECTURE])
            past = [p for p in periods(DEFAULT_FREQUENCY[kind], t.YEAR) if p.end < t.TODAY]
            skipped = (kind, rng.choice(past).start)
        for kind, frequency in DEFAULT_FREQUENCY.items():
            for p in periods(frequency, t.YEAR):
                if p.start > t.TODAY:
                    break
                current = p.end >= t.TODAY
                if skipped and skipped == (kind, p.start):
                    continue
                if current and yellow and kind in (MeetingKind.COMMITTEE, MeetingKind.GROUP):
                    continue
                if kind in (MeetingKind.ORG_LIFE, MeetingKind.DEM_LIFE):
                    day = datetime.date(t.YEAR, 1, rng.randint(8, 20))
                else:
                    last = min(p.end, t.TODAY)
                    span = (last - p.start).days
                    day = p.start + datetime.timedelta(days=rng.randint(0, max(span, 0)))
                ids = roster.get(b.pk, [])
                if kind == MeetingKind.COMMITTEE:
                    who = ids[:5]
                elif kind == MeetingKind.GROUP:
                    who = rng.sample(ids, min(len(ids), rng.randint(3, 10)))
                else:
                    who = [i for i in ids if rng.random() < 0.85]
                meetings.append(
                    Meeting(
                        branch=b,
                        kind=kind,
                        day=day,
                        topic=rng.choice(TOPICS[kind]),
                        recorded_by=b.secretary,
                        is_synthetic=True,
                    )
                )
                attendance.append((len(meetings) - 1, who))
    Meeting.objects.bulk_create(meetings, batch_size=1000)
    through = Meeting.attendees.through
    rows = [through(meeting_id=meetings[i].pk, partymember_id=pid) for i, who in attendance for pid in who]
    through.objects.bulk_create(rows, batch_size=5000)
    summary.add("party meetings", len(meetings))


def _talks(summary, sub, villages, secretaries, rng, people) -> None:
    if IntegrityTalk.objects.filter(region__parent=sub, day__year=t.YEAR).exists():
        return
    leader = people["demo-leader"]
    talker = f"{leader.full_name}（{leader.title}）"
    talks = []
    for v in villages:
        sec = secretaries.get(v.pk)
        talks.append(
            IntegrityTalk(
                region=v,
                person=sec,
                person_name=sec.full_name if sec else f"{v.name}主职干部",
                post=TalkPost.BOTH,
                day=t.d(rng.randint(3, 10), rng.randint(1, 28)),
                talker=talker,
                summary="提醒严守廉洁纪律，落实“四议两公开”，管好村级“三资”（演示数据）",
                recorded_by=leader,
                is_synthetic=True,
            )
        )
    IntegrityTalk.objects.bulk_create(talks)
    summary.add("integrity talks", len(talks))


def _geese(summary, villages, secretaries, rng) -> None:
    if LeadGoose.objects.filter(region__in=villages).exists():
        return
    notes = ["致富带头人", "退役军人", "大学生村官", "返乡创业", ""]
    geese = [
        LeadGoose(
            region=v,
            person=secretaries[v.pk],
            name=secretaries[v.pk].full_name,
            post="党支部书记、村委会主任",
            since=datetime.date(rng.choice([2015, 2018, 2018, 2020]), rng.randint(1, 12), 1),
            note=rng.choice(notes),
            is_synthetic=True,
        )
        for v in villages
        if v.pk in secretaries
    ]
    LeadGoose.objects.bulk_create(geese)
    summary.add("lead geese", len(geese))
