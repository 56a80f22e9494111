"""Reads for the household pages and the API: the list (filtered, a fixed number of queries whatever the page),
one household with its members, checks, visits, measures and cases, and failing items per village × item.

Who sees a household: whoever reads its village (people/scope.py) — and its assistance officer, who may hold no
role at all (policy.visit_household lets them log visits; they must be able to open the household to do it)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Case, Count, Exists, OuterRef, Prefetch, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce, Substr
from django.http import Http404
from django.utils.translation import gettext as _

from zhili.core import clock
from zhili.households.coverage import Coverage, visited_since
from zhili.households.models import (
    Category,
    ChecklistItem,
    CheckState,
    Household,
    HouseholdCheck,
    HouseholdSetup,
    Member,
    Relation,
    Visit,
    VisitPhoto,
)
from zhili.people.models import Person, RoleAssignment
from zhili.people.scope import NoViewpoint, Scope, Viewpoint, leaders_and_officers, viewpoint
from zhili.regions.models import Level, Region, path_prefix_q


def visible_q(scope: Scope) -> Q:
    """The households a person may open: those of the regions they read, and those they are the officer of."""
    q = scope.q("path")
    if scope.person_id is not None:
        q |= Q(officer_id=scope.person_id)
    return q


def visible(scope: Scope) -> QuerySet[Household]:
    return Household.objects.active().filter(visible_q(scope))


def where(scope: Scope, code: str | None = None) -> Viewpoint:
    """The subdistrict (and village) the pages show: the person's viewpoint; for an assistance officer without a
    role, the subdistrict of the households they look after. 404 when there is none."""
    try:
        return viewpoint(scope, code)
    except NoViewpoint:
        if scope.person_id is None:
            raise
        first = Household.objects.active().filter(officer_id=scope.person_id).order_by("path").first()
        if first is None:
            raise
        return Viewpoint(Region.objects.get(pk=first.subdistrict_id))


def get_household_or_404(scope: Scope, pk: int) -> Household:
    found = visible(scope).select_related("region", "officer", "subdistrict").filter(pk=pk).first()
    if found is None:
        raise Http404(_("不存在或无权查看。"))
    return found


@dataclass(frozen=True)
class HouseholdFilter:
    village: str = ""  # a village's code
    category: int | None = None
    officer: int | None = None  # a person's id; 0: households without an officer
    stale_days: int | None = None  # not visited within N days
    visited_days: int | None = None  # visited within N days
    failing: bool = False  # failing some checklist item
    item: int | None = None  # failing this checklist item
    q: str = ""  # head's name or the household number


def household_list(scope: Scope, sub: Region, f: HouseholdFilter, today: datetime.date | None = None):
    """The households of `sub` this person sees, filtered: a queryset of three queries once sliced (the page,
    its categories; the paginator's count) — whatever the page or the number of households."""
    qs = (
        visible(scope)
        .filter(subdistrict=sub)
        .select_related("region", "officer")
        .prefetch_related(Prefetch("categories", queryset=Category.objects.order_by("order", "id")))
    )
    if f.village:
        village = Region.objects.filter(code=f.village, parent=sub).first()
        qs = qs.filter(path_prefix_q("path", village.path)) if village else qs.none()
    if f.category:
        qs = qs.filter(categories__id=f.category)
    if f.officer is not None:
        qs = qs.filter(officer_id=f.officer or None) if f.officer else qs.filter(officer__isnull=True)
    if f.stale_days:
        since = visited_since(f.stale_days, today)
        qs = qs.filter(Q(last_visit_on__isnull=True) | Q(last_visit_on__lt=since))
    if f.visited_days:
        qs = qs.filter(last_visit_on__gte=visited_since(f.visited_days, today))
    if f.failing:
        qs = qs.filter(failing_items__gt=0)
    if f.item:
        qs = qs.filter(
            Exists(
                HouseholdCheck.objects.filter(
                    household=OuterRef("pk"), item_id=f.item, state=CheckState.FAILING, item__is_active=True
                )
            )
        )
    if f.q:
        qs = qs.filter(Q(head_name__contains=f.q) | Q(number=f.q) | Q(address__contains=f.q))
    return qs.order_by("path", "id")


def villages_of(scope: Scope, sub: Region) -> list[Region]:
    return list(scope.filter(Region.objects.current().filter(parent=sub, level=Level.VILLAGE), "path").order_by("code"))


def categories_of(sub: Region) -> list[Category]:
    return list(Category.objects.filter(subdistrict=sub, is_active=True).order_by("order", "id"))


def items_of(sub: Region) -> list[ChecklistItem]:
    return list(ChecklistItem.objects.filter(subdistrict=sub, is_active=True).order_by("order", "id"))


def officers_of(scope: Scope, sub: Region) -> list[Person]:
    """The assistance officers of the households this person sees (for the filter)."""
    ids = visible(scope).filter(subdistrict=sub, officer__isnull=False).values("officer_id").distinct()
    return list(Person.objects.filter(pk__in=ids).order_by("full_name", "pk"))


@dataclass
class HouseholdPage:
    household: Household
    members: list[Member]
    checks: list[tuple[ChecklistItem, HouseholdCheck | None]]
    visits: list[Visit]
    measures: list
    cases: list  # (what raised it, the case)


def household_page(household: Household) -> HouseholdPage:
    """Everything the household page shows, in a fixed number of queries."""
    head_first = Case(When(relation=Relation.HEAD, then=Value(0)), default=Value(1))
    members = list(household.members.active().order_by(head_first, "id"))
    found = {c.item_id: c for c in HouseholdCheck.objects.filter(household=household).select_related("case")}
    items = items_of(household.subdistrict)
    checks = [(item, found.get(item.pk)) for item in items]
    visits = list(
        Visit.objects.filter(household=household)
        .select_related("officer", "case")
        .prefetch_related(Prefetch("photos", queryset=VisitPhoto.objects.order_by("uploaded_at", "id")))
        .order_by("-visited_on", "-id")[:100]
    )
    measures = list(household.measures.select_related("recorded_by").order_by("-done_on", "-id")[:100])
    cases = [(_("走访发现"), v.case) for v in visits if v.case_id] + [
        (_("%(item)s未达标") % {"item": item.name}, c.case) for item, c in checks if c is not None and c.case_id
    ]
    return HouseholdPage(household, members, checks, visits, measures, cases)


def photo_of(household: Household, visit_id: int, photo_id: int) -> VisitPhoto | None:
    return VisitPhoto.objects.filter(pk=photo_id, visit_id=visit_id, visit__household=household).first()


def visits_of(household: Household):
    return (
        Visit.objects.filter(household=household)
        .select_related("officer", "case")
        .annotate(photo_count=Count("photos"))
        .order_by("-visited_on", "-id")
    )


def failing_by_village_item(scope: Scope, sub: Region) -> dict[tuple[str, int], int]:
    """How many households of each village fail each active item: {(village path, item id): households}, one
    query."""
    villages = villages_of(scope, sub)
    if not villages:
        return {}
    length = len(villages[0].path)
    rows = (
        scope.filter(HouseholdCheck.objects.filter(path_prefix_q("path", sub.path)), "path")
        .filter(state=CheckState.FAILING, item__is_active=True, household__archived_at__isnull=True)
        .annotate(village=Substr("path", 1, length))
        .values("village", "item_id")
        .order_by()
        .annotate(n=Count("id"))
    )
    return {(r["village"], r["item_id"]): r["n"] for r in rows}


def stale_for_officer(person_id: int, days: int, today: datetime.date | None = None):
    """An assistance officer's households not visited within `days` (the home page's to-do), longest first."""
    since = visited_since(days, today or clock.today())
    return (
        Household.objects.active()
        .filter(officer_id=person_id)
        .filter(Q(last_visit_on__isnull=True) | Q(last_visit_on__lt=since))
        .select_related("region")
        .order_by("last_visit_on", "path", "id")
    )


def item_of(household: Household, item_id: int) -> ChecklistItem | None:
    return ChecklistItem.objects.filter(pk=item_id, subdistrict_id=household.subdistrict_id, is_active=True).first()


def member_of(household: Household, member_id: int) -> Member | None:
    return Member.objects.active().filter(pk=member_id, household=household).first()


def active_person(person_id: int) -> Person | None:
    return Person.objects.filter(pk=person_id, is_active=True).first()


def officer_candidates(household: Household) -> list[Person]:
    """Who may be named the household's assistance officer: the subdistrict's leaders and office staff, whoever
    holds a role in its village (cadres, grid inspectors), and those already looking after a household."""
    village_path = Region.path_at(household.path, Level.VILLAGE) or household.path
    roles = leaders_and_officers(household.subdistrict).values("person_id")
    village = RoleAssignment.objects.active().filter(path_prefix_q("region__path", village_path)).values("person_id")
    current = Household.objects.active().filter(subdistrict_id=household.subdistrict_id).values("officer_id")
    return list(
        Person.objects.filter(is_active=True)
        .filter(Q(pk__in=roles) | Q(pk__in=village) | Q(pk__in=current))
        .order_by("full_name", "pk")
    )


def visit_interval_days(subdistrict_id: int) -> int:
    """The subdistrict's N days of 遍访 (the default until it is set), one query."""
    found = HouseholdSetup.objects.filter(region_id=subdistrict_id).values_list("visit_interval_days", flat=True)
    return found.first() or HouseholdSetup._meta.get_field("visit_interval_days").get_default()


def village_coverage(scope: Scope, village: Region, *, days: int, today: datetime.date | None = None) -> Coverage:
    """One village's line of coverage.by_village, in one query."""
    since = visited_since(days, today)
    r = (
        scope.filter(Household.objects.active().filter(path_prefix_q("path", village.path)), "path")
        .order_by()
        .aggregate(
            households=Count("id"),
            visited=Count("id", filter=Q(last_visit_on__gte=since)),
            failing_households=Count("id", filter=Q(failing_items__gt=0)),
            failing_items=Coalesce(Sum("failing_items"), 0),
        )
    )
    return Coverage(key=village.path, label=village.name, **r)
