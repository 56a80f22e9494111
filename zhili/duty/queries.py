"""Reads of office duty (坐班): the setup, where each village's office is, today's sign-in, and the month's
attendance per village and per cadre — scoped (people/scope.py), with a fixed number of queries whatever the
number of villages, cadres or days.

Attendance counts working days only (core/workdays.py, 调休 included), up to today: a cadre's rate is his
working days signed in over the working days of the month so far; a village's is the sum over its cadres (the
cadres holding the village's cadre role now, and anyone who signed in there that month).
"""

from __future__ import annotations

import calendar
import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhili.core import clock, lights, workdays
from zhili.duty.models import DutySetup, SignIn, VillageOffice
from zhili.people.models import Person
from zhili.people.scope import Scope, village_cadres
from zhili.regions.models import Level, Region

GREEN_FROM = Decimal(90)  # attendance rate (%) from which a village or a cadre is green
YELLOW_FROM = Decimal(70)  # … yellow; below it red

RULE = gettext_lazy(
    "坐班率 = 已签到的工作日 ÷ 本月截至今天的工作日；90% 及以上为绿灯，70% 至 90% 为黄灯，不足 70% 为红灯。"
)


def setup_of(subdistrict: Region) -> DutySetup:
    """The subdistrict's duty setup; unsaved defaults (300 m, 09:00) when nobody has set it yet."""
    found = DutySetup.objects.select_related("region").filter(region=subdistrict).first()
    return found if found is not None else DutySetup(region=subdistrict)


@dataclass(frozen=True)
class OfficePoint:
    village: Region
    lng: Decimal | None
    lat: Decimal | None
    set: bool  # set by the subdistrict (else the village's centre point, or nothing)

    @property
    def known(self) -> bool:
        return self.lng is not None and self.lat is not None


def office_of(village: Region) -> OfficePoint:
    found = VillageOffice.objects.filter(village=village).first()
    if found is not None:
        return OfficePoint(village, found.lng, found.lat, True)
    return OfficePoint(village, village.center_lng, village.center_lat, False)


def offices(subdistrict: Region) -> list[OfficePoint]:
    """Every current village of the subdistrict with its office's point (two queries)."""
    villages = list(
        Region.objects.current(clock.today()).filter(parent=subdistrict, level=Level.VILLAGE).order_by("code")
    )
    set_ = {o.village_id: o for o in VillageOffice.objects.filter(village__in=villages)}
    out = []
    for v in villages:
        o = set_.get(v.pk)
        out.append(OfficePoint(v, o.lng, o.lat, True) if o else OfficePoint(v, v.center_lng, v.center_lat, False))
    return out


def signin_on(person: Person | int, day: datetime.date) -> SignIn | None:
    return SignIn.objects.select_related("village").filter(person=person, date=day).first()


def cadre_villages(scope: Scope) -> list[Region]:
    """The villages where this person signs in (he is their cadre), current ones first."""
    if not scope.cadre_paths:
        return []
    q = Q(pk__in=[])
    for p in scope.cadre_paths:
        q |= Q(path=p)
    return list(Region.objects.filter(q, level=Level.VILLAGE).order_by("valid_to", "code"))


# ---- the month -----------------------------------------------------------------------------------------------


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def month_days(month: datetime.date, today: datetime.date | None = None) -> tuple[list[datetime.date], datetime.date]:
    """The working days of `month` up to today, and the month's last day counted (today, in the current month)."""
    last = month.replace(day=calendar.monthrange(month.year, month.month)[1])
    end = min(last, today or clock.today())
    return workdays.workdays_in(month, end), end


@dataclass(frozen=True)
class AttendanceLight(lights.Light):
    state: str
    signed: int = 0
    expected: int = 0

    def explain(self) -> str:
        if self.state == lights.NONE:
            return _("本月尚无应坐班的工作日")
        return _("本月应坐班 %(expected)s 人次，已签到 %(signed)s 人次，坐班率 %(rate)s%%") % {
            "expected": self.expected,
            "signed": self.signed,
            "rate": rate(self.signed, self.expected),
        }

    @property
    def rule_text(self) -> str:
        return str(RULE)


def rate(signed: int, expected: int) -> Decimal | None:
    if not expected:
        return None
    return (Decimal(100) * signed / expected).quantize(Decimal("0.1"))


def light_of(signed: int, expected: int) -> AttendanceLight:
    r = rate(signed, expected)
    if r is None:
        state = lights.NONE
    elif r >= GREEN_FROM:
        state = lights.GREEN
    elif r >= YELLOW_FROM:
        state = lights.YELLOW
    else:
        state = lights.RED
    return AttendanceLight(state, signed, expected)


@dataclass
class CadreMonth:
    person: Person
    days: list[SignIn | None]  # one per working day of the month so far
    signed: int = 0
    late: int = 0
    rest_days: int = 0  # sign-ins on rest days (kept, not counted)

    @property
    def expected(self) -> int:
        return len(self.days)

    @property
    def absent(self) -> int:
        return self.expected - self.signed

    @property
    def rate(self) -> Decimal | None:
        return rate(self.signed, self.expected)

    @property
    def light(self) -> AttendanceLight:
        return light_of(self.signed, self.expected)


@dataclass
class VillageMonth:
    village: Region
    month: datetime.date
    workdays: list[datetime.date]
    cadres: list[CadreMonth] = field(default_factory=list)

    @property
    def signed(self) -> int:
        return sum(c.signed for c in self.cadres)

    @property
    def late(self) -> int:
        return sum(c.late for c in self.cadres)

    @property
    def expected(self) -> int:
        return len(self.workdays) * len(self.cadres)

    @property
    def rate(self) -> Decimal | None:
        return rate(self.signed, self.expected)

    @property
    def light(self) -> AttendanceLight:
        return light_of(self.signed, self.expected)


def _cadres_with_signins(villages: list[Region], start: datetime.date, end: datetime.date) -> dict[int, set[int]]:
    """{village id: person ids}: the villages' cadres now, and whoever signed in there in the window."""
    out: dict[int, set[int]] = {v.pk: set() for v in villages}
    for region_id, person_id in village_cadres(villages).values_list("region_id", "person_id"):
        out[region_id].add(person_id)
    signed = SignIn.objects.filter(village__in=villages, date__gte=start, date__lte=end)
    for village_id, person_id in signed.order_by().values_list("village_id", "person_id").distinct():
        out[village_id].add(person_id)
    return out


def village_month(village: Region, month: datetime.date) -> VillageMonth:
    """A village's month: its cadres × the working days so far, each day's sign-in (four queries)."""
    days, end = month_days(month)
    people_of = _cadres_with_signins([village], month, end)
    people = {p.pk: p for p in Person.objects.filter(pk__in=people_of[village.pk]).order_by("full_name", "pk")}
    rows = SignIn.objects.filter(village=village, date__gte=month, date__lte=end)
    by = {(s.person_id, s.date): s for s in rows}
    out = VillageMonth(village, month, days)
    for pid, person in people.items():
        cadre = CadreMonth(person, [by.get((pid, d)) for d in days])
        cadre.signed = sum(1 for s in cadre.days if s is not None)
        cadre.late = sum(1 for s in cadre.days if s is not None and s.late)
        cadre.rest_days = sum(1 for (p, _d), s in by.items() if p == pid and not s.workday)
        out.cadres.append(cadre)
    return out


@dataclass(frozen=True)
class VillageLine:
    village: Region
    cadres: int
    signed: int
    late: int
    expected: int

    @property
    def rate(self) -> Decimal | None:
        return rate(self.signed, self.expected)

    @property
    def light(self) -> AttendanceLight:
        return light_of(self.signed, self.expected)


def villages_month(scope: Scope, subdistrict: Region, month: datetime.date) -> tuple[list[VillageLine], int]:
    """Every village of the subdistrict the person reads, with its month's attendance (four queries), worst
    first; and the number of working days counted."""
    days, end = month_days(month)
    villages = list(
        scope.filter(Region.objects.current(end).filter(parent=subdistrict, level=Level.VILLAGE), "path").order_by(
            "code"
        )
    )
    people = _cadres_with_signins(villages, month, end)
    counts: dict[int, dict] = {
        r["village_id"]: dict(r)
        for r in SignIn.objects.filter(village__in=villages, date__gte=month, date__lte=end, workday=True)
        .values("village_id")
        .annotate(signed=Count("pk"), late=Count("pk", filter=Q(late=True)))
    }
    lines = []
    for v in villages:
        c = counts.get(v.pk, {})
        n = len(people[v.pk])
        lines.append(VillageLine(v, n, c.get("signed", 0), c.get("late", 0), n * len(days)))
    lines.sort(key=lambda line: (line.rate is None, line.rate or 0, line.village.code))
    return lines, len(days)


def village_line(village: Region, today: datetime.date) -> VillageLine:
    """A village's month so far in figures only (its region page's panel): two queries."""
    month = month_start(today)
    days, end = month_days(month, today)
    people = set(village_cadres([village]).values_list("person_id", flat=True))
    signed = late = 0
    rows = SignIn.objects.filter(village=village, date__gte=month, date__lte=end).order_by()
    for person_id, workday, is_late in rows.values_list("person_id", "workday", "late"):
        people.add(person_id)
        if workday:
            signed += 1
            late += is_late
    return VillageLine(village, len(people), signed, late, len(people) * len(days))


def cadre_month(person: Person, village: Region, month: datetime.date) -> tuple[list[tuple], CadreMonth]:
    """One cadre's month at one village: every day of it (working or not, up to today) with its sign-in, and the
    counts over the working days."""
    days, end = month_days(month)
    rows = {s.date: s for s in SignIn.objects.filter(person=person, village=village, date__gte=month, date__lte=end)}
    calendar_days = []
    day = month
    while day <= end:
        calendar_days.append((day, workdays.is_workday(day), rows.get(day)))
        day += datetime.timedelta(days=1)
    cadre = CadreMonth(person, [rows.get(d) for d in days])
    cadre.signed = sum(1 for s in cadre.days if s is not None)
    cadre.late = sum(1 for s in cadre.days if s is not None and s.late)
    cadre.rest_days = sum(1 for s in rows.values() if not s.workday)
    return calendar_days, cadre


def is_cadre_there(person_id: int, village: Region, month: datetime.date) -> bool:
    """Whether `person_id` counts in the village's attendance of `month` (its cadre now, or signed in there)."""
    _days, end = month_days(month)
    return person_id in _cadres_with_signins([village], month, end)[village.pk]
