"""Reads of projects and tax sources, scoped (people/scope.py) and with a fixed number of queries whatever the
number of projects or months."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Sum
from django.utils.translation import gettext as _

from zhili.core.errors import require
from zhili.excel import values as xv
from zhili.people import policy
from zhili.people.models import Unit
from zhili.people.scope import Scope
from zhili.projects.models import ExpectedTax, Project, TaxKind, TaxReceipt, TaxSetup
from zhili.regions.models import Region

ZERO = Decimal(0)

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
