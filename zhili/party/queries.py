"""Reads of party building, scoped (people/scope.py) and with a fixed number of queries whatever the number of
branches, members or meetings."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q, QuerySet
from django.db.models.functions import ExtractMonth
from django.utils.translation import gettext as _

from zhili.core import clock
from zhili.core.errors import NotFound
from zhili.party import compliance
from zhili.party.models import (
    DEFAULT_FREQUENCY,
    Branch,
    IntegrityTalk,
    LeadGoose,
    Meeting,
    MeetingKind,
    MeetingRule,
    PartyMember,
    PartySetup,
)
from zhili.people.models import Unit
from zhili.people.scope import Scope, get_in_scope_or_404
from zhili.regions.models import Level, Region

PARTY_UNIT = "party"  # the office a new setup names as in charge, where the subdistrict has one by this code


def setup_of(subdistrict: Region) -> PartySetup:
    """The subdistrict's party setup; unsaved defaults when nobody has set it yet: the office in charge is its
    党建办 (unit code `party`) when it has one."""
    found = PartySetup.objects.select_related("region", "unit").filter(region=subdistrict).first()
    if found is not None:
        return found
    setup = PartySetup(region=subdistrict)
    setup.unit = Unit.objects.active().filter(region=subdistrict, code=PARTY_UNIT).first()
    return setup


def rules_of(subdistrict: Region) -> dict[str, str]:
    """{meeting kind: required frequency} of the subdistrict, the defaults where it set none."""
    rules = {str(k): str(f) for k, f in DEFAULT_FREQUENCY.items()}
    rules.update(dict(MeetingRule.objects.filter(subdistrict=subdistrict).values_list("kind", "frequency")))
    return rules


def year_today(year: int) -> datetime.date:
    """The day a year's compliance is judged on: today, or past the year's end for a year gone by."""
    today = clock.today()
    if year < today.year:
        return datetime.date(year + 1, 1, 1)
    return today


def branches(scope: Scope, subdistrict: Region, *, village: Region | None = None) -> QuerySet[Branch]:
    qs = scope.filter(Branch.objects.filter(region__parent=subdistrict), "region__path")
    if village is not None:
        qs = qs.filter(region=village)
    return qs.select_related("region", "secretary").order_by("region__code")


def get_branch_or_404(scope: Scope, pk: int) -> Branch:
    return get_in_scope_or_404(scope, Branch.objects.select_related("region", "secretary"), "region__path", pk=pk)


def get_meeting_or_404(scope: Scope, pk: int) -> Meeting:
    return get_in_scope_or_404(
        scope, Meeting.objects.select_related("branch__region", "recorded_by"), "branch__region__path", pk=pk
    )


def get_member_or_404(scope: Scope, pk: int) -> PartyMember:
    return get_in_scope_or_404(
        scope, PartyMember.objects.select_related("branch__region"), "branch__region__path", pk=pk
    )


def _counts(branch_ids: QuerySet | list, year: int, today: datetime.date) -> dict[int, dict[str, dict[int, int]]]:
    """{branch id: {kind: {month: meetings}}}: one grouped query."""
    out: dict[int, dict[str, dict[int, int]]] = {}
    rows = (
        Meeting.objects.filter(branch__in=branch_ids, day__year=year, day__lte=today)
        .annotate(month=ExtractMonth("day"))
        .values_list("branch_id", "kind", "month")
        .annotate(n=Count("id"))
        .order_by()
    )
    for branch_id, kind, month, n in rows:
        out.setdefault(branch_id, {}).setdefault(kind, {})[month] = n
    return out


@dataclass(frozen=True)
class BranchRow:
    branch: Branch
    kinds: tuple[compliance.KindState, ...]
    light: compliance.BranchLight
    members: int

    @property
    def held(self) -> int:
        return sum(k.held for k in self.kinds)


def compliance_rows(
    branch_qs: QuerySet[Branch], subdistrict: Region, year: int, *, today: datetime.date | None = None
) -> list[BranchRow]:
    """Each branch with its meeting counts and lights for `year`, judged on today: four queries (rules, branches
    with their member counts, meetings grouped by branch, type and month) whatever the number of branches."""
    today = today or year_today(year)
    rules = rules_of(subdistrict)
    listed = list(branch_qs.annotate(n_members=Count("members", filter=Q(members__archived_at__isnull=True))))
    counts = _counts([b.pk for b in listed], year, today)
    rows = []
    for b in listed:
        by_kind = counts.get(b.pk, {})
        kinds = [
            compliance.kind_state(kind, rules[kind], year, today, by_kind.get(kind, {})) for kind in MeetingKind.values
        ]
        rows.append(BranchRow(b, tuple(kinds), compliance.branch_light(kinds), b.n_members))
    return rows


def branch_members(branch: Branch, *, archived: bool = False) -> QuerySet[PartyMember]:
    qs = PartyMember.objects.filter(branch=branch)
    return qs.filter(archived_at__isnull=not archived).order_by("joined", "pk")


def branch_meetings(branch: Branch, year: int) -> QuerySet[Meeting]:
    return (
        Meeting.objects.filter(branch=branch, day__year=year)
        .annotate(n_attendees=Count("attendees"))
        .select_related("recorded_by")
        .order_by("-day", "-pk")
    )


def meeting_attendees(meeting: Meeting) -> list[PartyMember]:
    return list(meeting.attendees.order_by("joined", "pk"))


# ---- integrity talks and 头雁 ---------------------------------------------------------------------------------


def villages(scope: Scope, subdistrict: Region) -> QuerySet[Region]:
    """The subdistrict's villages of today that this person reads (a village cadre: his own)."""
    return scope.filter(
        Region.objects.current(clock.today()).filter(parent=subdistrict, level=Level.VILLAGE), "path"
    ).order_by("code")


@dataclass(frozen=True)
class TalkCoverage:
    talks: list[IntegrityTalk]
    villages: list[Region]
    missing: list[Region]  # villages without a talk in the year

    @property
    def covered(self) -> int:
        return len(self.villages) - len(self.missing)


def talk_coverage(scope: Scope, subdistrict: Region, year: int) -> TalkCoverage:
    """The year's integrity talks of the villages this person reads and which villages still have none: two
    queries."""
    listed = list(villages(scope, subdistrict))
    talks = list(
        scope.filter(IntegrityTalk.objects.filter(region__parent=subdistrict, day__year=year), "region__path")
        .select_related("region")
        .order_by("region__code", "day", "pk")
    )
    talked = {t.region_id for t in talks}
    return TalkCoverage(talks, listed, [v for v in listed if v.pk not in talked])


def geese(scope: Scope, subdistrict: Region) -> QuerySet[LeadGoose]:
    return (
        scope.filter(LeadGoose.objects.active().filter(region__parent=subdistrict), "region__path")
        .select_related("region")
        .order_by("region__code", "pk")
    )


def village_of(scope: Scope, subdistrict: Region, code: str) -> Region:
    """A village of the subdistrict this person reads, by its code (404 otherwise)."""
    found = villages(scope, subdistrict).filter(code=code).first()
    if found is None:
        raise NotFound(_("没有这个村（社区），或无权查看。"))
    return found


def members_prefetch() -> Prefetch:
    return Prefetch("members", queryset=PartyMember.objects.active().order_by("joined", "pk"))
