"""Reads of trainings and 回头看 rounds, scoped, in a fixed number of queries whatever the number of targets:
the trainings with attendance counts, who of the assistance officers attended; the rounds a person may see; a
round's progress per village (assigned / checked / found / found and closed — the closed state read from the
cases the findings became, so 问题清零 shows), its targets and its open cases."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Substr
from django.http import Http404
from django.utils.translation import gettext as _

from zhili.cases.models import State
from zhili.households.models import Household, Round, RoundTarget, TargetResult, Training, TrainingAttendance
from zhili.people.models import Person, RoleAssignment
from zhili.people.scope import Scope
from zhili.regions.models import Level, Region, path_prefix_q

# ---- trainings ----------------------------------------------------------------------------------------------


def assistance_officers(subdistrict: Region) -> list[Person]:
    """The subdistrict's assistance officers (帮扶责任人): whoever is the officer of one of its active households."""
    ids = (
        Household.objects.active()
        .filter(subdistrict=subdistrict, officer__isnull=False)
        .values("officer_id")
        .order_by()
        .distinct()
    )
    return list(Person.objects.filter(pk__in=ids).order_by("full_name", "username"))


def eligible_attendees(subdistrict: Region, *, ids: list[int] | None = None) -> set[int]:
    """Who may be registered at a training of the subdistrict: its assistance officers and the people with an
    active role there (its offices, villages and grids) — as ids (of `ids` only, when given): two queries."""
    officers = Household.objects.active().filter(subdistrict=subdistrict, officer__isnull=False)
    roles = RoleAssignment.objects.active().filter(path_prefix_q("region__path", subdistrict.path))
    if ids is not None:
        officers = officers.filter(officer_id__in=ids)
        roles = roles.filter(person_id__in=ids)
    return set(officers.values_list("officer_id", flat=True)) | set(roles.values_list("person_id", flat=True))


def candidates(subdistrict: Region, chosen: Sequence[Person] = ()) -> list[Person]:
    """The people offered on the attendance form: the assistance officers first, then the others with a role in
    the subdistrict, then anyone already registered (shown as they are)."""
    officers = assistance_officers(subdistrict)
    known = {p.pk for p in officers}
    others = Person.objects.filter(pk__in=eligible_attendees(subdistrict) - known).order_by("full_name", "username")
    out = officers + list(others)
    seen = {p.pk for p in out}
    return out + [p for p in chosen if p.pk not in seen]


def trainings(subdistrict: Region) -> QuerySet[Training]:
    """The subdistrict's trainings, the latest first, each with how many attended: one query."""
    return (
        Training.objects.filter(subdistrict=subdistrict)
        .annotate(attended=Count("attendance"))
        .order_by("-held_on", "-id")
    )


def get_training_or_404(subdistrict: Region, pk: int) -> Training:
    found = Training.objects.filter(subdistrict=subdistrict, pk=pk).select_related("recorded_by").first()
    if found is None:
        raise Http404(_("不存在或无权查看。"))
    return found


@dataclass
class Attendance:
    """A training's attendance: who of the assistance officers came and who did not, and anyone else who came."""

    attended: list[Person]
    officers_attended: list[Person]
    officers_missing: list[Person]


def attendance_of(training: Training) -> Attendance:
    """Three queries."""
    came = list(
        Person.objects.filter(pk__in=TrainingAttendance.objects.filter(training=training).values("person_id")).order_by(
            "full_name", "username"
        )
    )
    here = {p.pk for p in came}
    officers = assistance_officers(training.subdistrict)
    return Attendance(
        attended=came,
        officers_attended=[p for p in officers if p.pk in here],
        officers_missing=[p for p in officers if p.pk not in here],
    )


# ---- rounds -------------------------------------------------------------------------------------------------


def _targets(scope: Scope, round_q: Q | None = None) -> QuerySet[RoundTarget]:
    qs = RoundTarget.objects.all()
    if round_q is not None:
        qs = qs.filter(round_q)
    return scope.filter(qs, "path")


def rounds(scope: Scope, subdistrict: Region) -> QuerySet[Round]:
    """The subdistrict's rounds a person sees: all of them for who reads the subdistrict, else those with a
    target in the person's villages (or grids)."""
    qs = Round.objects.filter(subdistrict=subdistrict)
    if not scope.can_read(subdistrict.path):
        qs = qs.filter(Exists(_targets(scope).filter(round_id=OuterRef("pk"))))
    return qs.order_by("-starts_on", "-id")


def get_round_or_404(scope: Scope, pk: int) -> Round:
    found = Round.objects.select_related("subdistrict", "created_by").filter(pk=pk).first()
    if found is None or not (scope.can_read(found.subdistrict.path) or _targets(scope).filter(round=found).exists()):
        raise Http404(_("不存在或无权查看。"))
    return found


def get_target_or_404(scope: Scope, pk: int) -> RoundTarget:
    """A target the person reads — or one whose household he assists (he records its result, policy
    check_round_target, wherever in the village it lies)."""
    seen = scope.q("path")
    if scope.person_id is not None:
        seen |= Q(household__officer_id=scope.person_id)
    found = (
        RoundTarget.objects.filter(seen)
        .select_related("round__subdistrict", "household__officer", "region", "case", "checked_by")
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise Http404(_("不存在或无权查看。"))
    return found


@dataclass
class Progress:
    """One line of a round's progress: a village (or the total), its targets and what checking them found."""

    key: str
    label: str
    code: str = ""
    assigned: int = 0
    checked: int = 0
    found: int = 0
    closed: int = 0  # found, and the case it became is closed (销号)

    @property
    def pending(self) -> int:
        return self.assigned - self.checked

    @property
    def open(self) -> int:
        return self.found - self.closed

    @property
    def checked_percent(self) -> int | None:
        return round(self.checked * 100 / self.assigned) if self.assigned else None


def _counts() -> dict:
    found = Q(result=TargetResult.FOUND)
    return {
        "assigned": Count("id"),
        "checked": Count("id", filter=~Q(result=TargetResult.PENDING)),
        "found": Count("id", filter=found),
        "closed": Count("id", filter=found & Q(case__state=State.CLOSED)),
    }


def round_totals(scope: Scope, round_ids: list[int]) -> dict[int, Progress]:
    """Each round's totals over the targets the person sees: one grouped query."""
    rows = _targets(scope).filter(round_id__in=round_ids).values("round_id").order_by().annotate(**_counts())
    out = {pk: Progress(key=str(pk), label="") for pk in round_ids}
    r: Any
    for r in rows:
        p = out[r["round_id"]]
        p.assigned, p.checked, p.found, p.closed = r["assigned"], r["checked"], r["found"], r["closed"]
    return out


def progress(scope: Scope, round: Round) -> tuple[list[Progress], Progress]:
    """The round's progress per village the person sees (villages with targets only), and the total: two
    queries."""
    sub = round.subdistrict
    # the villages the person reads, and those of the grids they read (a grid's inspector: his village's line,
    # counting his grid's targets only)
    villages = [
        v
        for v in Region.objects.filter(parent=sub, level=Level.VILLAGE).order_by("code")
        if scope.can_read(v.path) or any(p.startswith(v.path) for p in scope.read_paths)
    ]
    total = Progress(key="", label=_("合计"))
    if not villages:
        return [], total
    length = len(villages[0].path)
    rows = (
        _targets(scope)
        .filter(round=round)
        .annotate(village=Substr("path", 1, length))
        .values("village")
        .order_by()
        .annotate(**_counts())
    )
    found: dict[str, Any] = {r["village"]: r for r in rows}
    out = []
    for v in villages:
        r = found.get(v.path)
        if r is None:
            continue
        line = Progress(
            key=v.path,
            label=v.name,
            code=v.code,
            assigned=r["assigned"],
            checked=r["checked"],
            found=r["found"],
            closed=r["closed"],
        )
        out.append(line)
        for k in ("assigned", "checked", "found", "closed"):
            setattr(total, k, getattr(total, k) + getattr(line, k))
    return out, total


OPEN = "open"
RESULT_FILTERS = (TargetResult.PENDING, TargetResult.PASSED, TargetResult.FOUND, OPEN)


def targets(scope: Scope, round: Round, *, village: Region | None = None, result: str = "") -> QuerySet[RoundTarget]:
    """The round's targets the person sees, of a village and of a result ("open": found, its case not closed),
    in village then household order."""
    qs = _targets(scope).filter(round=round)
    if village is not None:
        qs = qs.filter(path_prefix_q("path", village.path))
    if result == OPEN:
        qs = qs.filter(result=TargetResult.FOUND).exclude(case__state=State.CLOSED)
    elif result:
        qs = qs.filter(result=result)
    return qs.select_related("household", "region", "case").order_by("path", "household__number", "id")


def open_cases(scope: Scope, round: Round, limit: int = 200) -> list[RoundTarget]:
    """The round's findings not yet closed, with their cases (问题清零 tracked to zero)."""
    return list(targets(scope, round, result=OPEN)[:limit])


@dataclass
class RoundPage:
    round: Round
    lines: list[Progress]
    total: Progress
    open_targets: list[RoundTarget] = field(default_factory=list)
