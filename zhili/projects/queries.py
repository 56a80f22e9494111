"""Reads of projects and tax sources, scoped (people/scope.py) and with a fixed number of queries whatever the
number of projects or months."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import (
    Count,
    DecimalField,
    Exists,
    F,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from zhili.cases.queries import OPEN_STATES
from zhili.core import clock
from zhili.core.errors import NotFound, require
from zhili.excel import values as xv
from zhili.people import policy
from zhili.people.models import Unit
from zhili.people.scope import Scope
from zhili.projects.models import (
    Enterprise,
    EnterpriseRequest,
    ExpectedTax,
    Project,
    ProjectMonth,
    ProjectStatus,
    TaxKind,
    TaxReceipt,
    TaxSetup,
)
from zhili.regions.models import Region

ECONOMY_UNIT = "economy"  # the office a new setup names as in charge, where the subdistrict has one by this code


def setup_of(subdistrict: Region) -> TaxSetup:
    """The subdistrict's tax-monitoring setup; unsaved defaults when nobody has set it yet: the county is the
    district's own code when that is a county code of GB/T 2260, the office in charge its 经发办 (unit code
    `economy`) when it has one."""
    found = TaxSetup.objects.select_related("region", "unit").filter(region=subdistrict).first()
    if found is not None:
        return found
    setup = TaxSetup(region=subdistrict)
    parent = subdistrict.parent
    if parent is not None:
        try:
            county = xv.parse_county(parent.code).value
        except xv.ValueProblem:
            county = None
        if county is not None:
            setup.county_code = county.code
    setup.unit = Unit.objects.active().filter(region=subdistrict, code=ECONOMY_UNIT).first()
    return setup


# ---- 应收未收: expected against received, by project, month and tax -------------------------------------------

TAX_FIELDS = ("vat", "urban_maintenance", "education", "local_education", "income_tax")  # TaxKind's values


@dataclass(frozen=True)
class GapRow:
    """One project, month and tax: what was expected here (0 where the tax leaves the jurisdiction), what the
    receipts matched to the project say was paid, and the difference."""

    project_id: int
    project: str
    contractor: str
    uscc: str
    month: datetime.date
    tax: str  # TaxKind value
    expected: Decimal
    received: Decimal
    leaves: bool
    at_stake: Decimal  # the project's month, all taxes: what would have been prepaid here when the tax leaves

    @property
    def gap(self) -> Decimal:
        return self.expected - self.received

    @property
    def tax_label(self) -> str:
        return str(TaxKind(self.tax).label)


def gap(setup: TaxSetup, month: datetime.date, *, scope: Scope) -> list[GapRow]:
    """Every project of the subdistrict with an expected tax or a matched receipt in `month`, one row per tax, in
    project-name order: three queries whatever the number of projects. Tax figures are the subdistrict's
    (`policy.see_taxes`): refused to whoever may not see them."""
    require(policy.see_taxes(scope, setup), _("您无权查看“%(name)s”的税源数据。") % {"name": setup.region.name})
    month = month.replace(day=1)
    expected = {
        e.project_id: e
        for e in ExpectedTax.objects.filter(project__subdistrict=setup.region, month=month).only(
            "project_id", "leaves", "at_stake", *TAX_FIELDS
        )
    }
    received: dict[tuple[int, str], Decimal] = {}
    for project_id, tax, total in (
        TaxReceipt.objects.filter(subdistrict=setup.region, period=month, project__isnull=False)
        .values_list("project_id", "tax")
        .annotate(total=Sum("amount"))
        .order_by()
    ):
        received[(project_id, tax)] = total
    ids = set(expected) | {pid for pid, _tax in received}
    projects = (
        Project.objects.filter(pk__in=ids)
        .select_related("contractor")
        .only("name", "contractor__name", "contractor__uscc")
        .order_by("name", "pk")
        if ids
        else []
    )
    rows = []
    for p in projects:
        e = expected.get(p.pk)
        for tax in TAX_FIELDS:
            rows.append(
                GapRow(
                    project_id=p.pk,
                    project=p.name,
                    contractor=p.contractor.name,
                    uscc=p.contractor.uscc,
                    month=month,
                    tax=tax,
                    expected=getattr(e, tax) if e is not None else ZERO,
                    received=received.get((p.pk, tax), ZERO),
                    leaves=bool(e and e.leaves),
                    at_stake=e.at_stake if e is not None else ZERO,
                )
            )
    return rows


# ---- pages: the reads behind the 经发办 pages (views.py), each a fixed number of queries -------------------------

MONEY = DecimalField(max_digits=18, decimal_places=2)
ZERO = Decimal(0)
# what a month's expected taxes add up to (the receipts' five 税种)
EXPECTED_TOTAL = F("vat") + F("urban_maintenance") + F("education") + F("local_education") + F("income_tax")


def _sum(expr) -> Coalesce:
    return Coalesce(Sum(expr), Value(ZERO), output_field=MONEY)


def months_of(year: int) -> list[datetime.date]:
    return [datetime.date(year, m, 1) for m in range(1, 13)]


@dataclass(frozen=True)
class ProjectFilter:
    """The project list's filters, parsed by forms.ProjectFilterForm."""

    village: str = ""  # a village's code
    status: str = ""
    in_park: bool | None = None
    registered: bool | None = None
    unregistered: bool = False  # 应统未统
    leaves: bool = False  # tax leaves the jurisdiction
    q: str = ""


def projects_in(scope: Scope, subdistrict: Region) -> QuerySet[Project]:
    """The subdistrict's active projects this person may read (a village cadre: their village's)."""
    return scope.filter(Project.objects.active().filter(subdistrict=subdistrict), "region__path")


def unregistered_q(setup: TaxSetup) -> Q:
    """应统未统: planned at or above the threshold, under construction, not in the investment statistics."""
    return Q(planned_investment__gte=setup.registration_threshold, registered=False, status=ProjectStatus.BUILDING)


def project_list(scope: Scope, setup: TaxSetup, f: ProjectFilter) -> QuerySet[Project]:
    """The list's rows with their completed investment and whether their tax leaves (one query)."""
    qs = projects_in(scope, setup.region).select_related("region", "contractor")
    if f.village:
        qs = qs.filter(region__code=f.village)
    if f.status:
        qs = qs.filter(status=f.status)
    if f.in_park is not None:
        qs = qs.filter(in_park=f.in_park)
    if f.registered is not None:
        qs = qs.filter(registered=f.registered)
    if f.unregistered:
        qs = qs.filter(unregistered_q(setup))
    if f.q:
        qs = qs.filter(Q(name__icontains=f.q) | Q(contractor__name__icontains=f.q) | Q(owner_name__icontains=f.q))
    invested = (
        ProjectMonth.objects.filter(project=OuterRef("pk"))
        .order_by()
        .values("project")
        .annotate(t=Sum("investment"))
        .values("t")
    )
    qs = qs.annotate(
        invested=Coalesce(Subquery(invested, output_field=MONEY), Value(ZERO), output_field=MONEY),
        leaving=Exists(ExpectedTax.objects.filter(project=OuterRef("pk"), leaves=True)),
    )
    if f.leaves:
        qs = qs.filter(leaving=True)
    return qs.order_by("region__path", "name")


def get_project_or_404(scope: Scope, pk: int) -> Project:
    try:
        return (
            scope.filter(Project.objects.active(), "region__path")
            .select_related("region", "contractor", "subdistrict")
            .get(pk=pk)
        )
    except Project.DoesNotExist:
        raise NotFound(_("不存在或无权查看。")) from None


@dataclass
class MonthLine:
    """A project's month on its page: its figures, the taxes expected, the receipts matched, the difference."""

    month: datetime.date
    figures: ProjectMonth | None
    expected: ExpectedTax | None
    received: dict[str, Decimal]

    @property
    def expected_total(self) -> Decimal:
        e = self.expected
        if e is None:
            return ZERO
        return e.vat + e.urban_maintenance + e.education + e.local_education + e.income_tax

    @property
    def received_total(self) -> Decimal:
        return sum(self.received.values(), ZERO)

    @property
    def difference(self) -> Decimal:
        return self.expected_total - self.received_total


def project_months(project: Project, *, with_taxes: bool) -> list[MonthLine]:
    """Every month the project has figures, expected taxes or receipts for (three queries, or one)."""
    figures = {m.month: m for m in project.months.all()}
    expected = {e.month: e for e in project.expected.all()} if with_taxes else {}
    received: dict[datetime.date, dict[str, Decimal]] = {}
    if with_taxes:
        for period, tax, amount in (
            TaxReceipt.objects.filter(project=project).order_by().values_list("period", "tax").annotate(s=Sum("amount"))
        ):
            received.setdefault(period, {})[tax] = amount
    months = sorted(set(figures) | set(expected) | set(received))
    return [MonthLine(m, figures.get(m), expected.get(m), received.get(m, {})) for m in months]


def _by_month(rows) -> dict[datetime.date, Decimal]:
    return {m: v for m, v in rows}


def investment_by_month(scope: Scope, subdistrict: Region, year: int) -> dict[datetime.date, Decimal]:
    qs = scope.filter(
        ProjectMonth.objects.filter(project__subdistrict=subdistrict, project__archived_at__isnull=True),
        "project__region__path",
    )
    return _by_month(qs.filter(month__year=year).order_by().values_list("month").annotate(s=Sum("investment")))


def expected_by_month(subdistrict: Region, year: int) -> dict[datetime.date, Decimal]:
    qs = ExpectedTax.objects.filter(project__subdistrict=subdistrict, month__year=year)
    return _by_month(qs.order_by().values_list("month").annotate(s=Sum(EXPECTED_TOTAL)))


def received_by_month(subdistrict: Region, year: int) -> dict[datetime.date, Decimal]:
    """What the receipts matched to a project paid, by month (what the expected taxes are compared with)."""
    qs = TaxReceipt.objects.filter(subdistrict=subdistrict, period__year=year, project__isnull=False)
    return _by_month(qs.order_by().values_list("period").annotate(s=Sum("amount")))


def latest_expected_month(subdistrict: Region, year: int | None = None) -> datetime.date | None:
    qs = ExpectedTax.objects.filter(project__subdistrict=subdistrict)
    if year:
        qs = qs.filter(month__year=year)
    return qs.aggregate(m=Max("month"))["m"]


def unregistered(scope: Scope, setup: TaxSetup, *, limit: int | None = None) -> list[dict]:
    """应统未统 projects with the days since they started (as of today)."""
    today = clock.today()
    qs = projects_in(scope, setup.region).filter(unregistered_q(setup)).select_related("region", "contractor")
    rows = list(qs.order_by("start", "name")[:limit] if limit else qs.order_by("start", "name"))
    return [{"project": p, "days": (today - p.start).days if p.start else None} for p in rows]


def leaving(setup: TaxSetup, year: int) -> list[dict]:
    """Projects whose tax leaves the jurisdiction this year, with the amount at stake (one query)."""
    rows = (
        ExpectedTax.objects.filter(project__subdistrict=setup.region, month__year=year, leaves=True)
        .order_by()
        .values("project_id", "project__name", "project__contractor__name", "project__region__name")
        .annotate(at_stake=Sum("at_stake"))
        .order_by("-at_stake")
    )
    return [dict(r) for r in rows]


def open_requests(subdistrict: Region, *, key_only: bool = True) -> list[EnterpriseRequest]:
    qs = EnterpriseRequest.objects.filter(
        enterprise__subdistrict=subdistrict, case__state__in=OPEN_STATES
    ).select_related("enterprise", "case", "case__category")
    if key_only:
        qs = qs.filter(enterprise__is_key=True)
    return list(qs.order_by("case__deadline", "case__reported_at"))


def investment_stats(scope: Scope, subdistrict: Region, year: int) -> dict:
    """Completed investment in `year` by village, by whether in the park, and by month (three queries)."""
    qs = scope.filter(
        ProjectMonth.objects.filter(
            project__subdistrict=subdistrict, project__archived_at__isnull=True, month__year=year
        ),
        "project__region__path",
    ).order_by()
    return {
        "villages": list(
            qs.values("project__region__code", "project__region__name", "project__region__path")
            .annotate(s=Sum("investment"))
            .order_by("project__region__path")
        ),
        "park": dict(qs.values_list("project__in_park").annotate(s=Sum("investment"))),
        "months": _by_month(qs.values_list("month").annotate(s=Sum("investment"))),
    }


@dataclass(frozen=True)
class ReceiptFilter:
    year: int
    month: int | None = None
    unmatched: bool = False
    q: str = ""


def receipts(subdistrict: Region, f: ReceiptFilter) -> QuerySet[TaxReceipt]:
    qs = TaxReceipt.objects.filter(subdistrict=subdistrict, period__year=f.year).select_related("project", "enterprise")
    if f.month:
        qs = qs.filter(period__month=f.month)
    if f.unmatched:
        qs = qs.filter(Q(project__isnull=True) | Q(enterprise__isnull=True))
    if f.q:
        qs = qs.filter(Q(taxpayer_name__icontains=f.q) | Q(taxpayer_id__icontains=f.q) | Q(project_name__icontains=f.q))
    return qs.order_by("-period", "taxpayer_name", "tax", "pk")


def receipt_counts(subdistrict: Region, f: ReceiptFilter) -> dict:
    """How many receipts and how much for the filter, and how many of them are unmatched (one query)."""
    unmatched = Q(project__isnull=True) | Q(enterprise__isnull=True)
    return (
        receipts(subdistrict, ReceiptFilter(f.year, f.month, False, f.q))
        .order_by()
        .aggregate(
            rows=Count("pk"),
            total=_sum("amount"),
            unmatched=Count("pk", filter=unmatched),
            unmatched_total=Coalesce(Sum("amount", filter=unmatched), Value(ZERO), output_field=MONEY),
        )
    )


def enterprises(subdistrict: Region, year: int, *, key_only: bool = True) -> QuerySet[Enterprise]:
    """The register with each enterprise's receipts this year and its open requests (one query)."""
    paid = (
        TaxReceipt.objects.filter(enterprise=OuterRef("pk"), period__year=year)
        .order_by()
        .values("enterprise")
        .annotate(t=Sum("amount"))
        .values("t")
    )
    opened = (
        EnterpriseRequest.objects.filter(enterprise=OuterRef("pk"), case__state__in=OPEN_STATES)
        .order_by()
        .values("enterprise")
        .annotate(n=Count("pk"))
        .values("n")
    )
    qs = Enterprise.objects.active().filter(subdistrict=subdistrict).select_related("region", "liaison")
    if key_only:
        qs = qs.filter(is_key=True)
    return qs.annotate(
        paid=Coalesce(Subquery(paid, output_field=MONEY), Value(ZERO), output_field=MONEY),
        open_requests=Coalesce(Subquery(opened, output_field=IntegerField()), Value(0)),
    ).order_by("name")


def get_enterprise_or_404(subdistrict: Region, pk: int) -> Enterprise:
    found = (
        Enterprise.objects.active()
        .filter(subdistrict=subdistrict, pk=pk)
        .select_related("region", "liaison", "subdistrict")
        .first()
    )
    if found is None:
        raise NotFound(_("不存在或无权查看。"))
    return found


def enterprise_taxes(enterprise: Enterprise, years: tuple[int, ...]) -> dict[datetime.date, Decimal]:
    qs = TaxReceipt.objects.filter(enterprise=enterprise, period__year__in=years).order_by()
    return _by_month(qs.values_list("period").annotate(s=Sum("amount")))


def enterprise_requests(enterprise: Enterprise) -> list[EnterpriseRequest]:
    return list(
        EnterpriseRequest.objects.filter(enterprise=enterprise)
        .select_related("case", "case__category", "case__unit")
        .order_by("-case__reported_at")
    )
