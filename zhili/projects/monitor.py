"""The derived side of tax-source monitoring: `ExpectedTax` rows computed from each project's months and facts by
the rules (taxes.py), rewritten whenever what they depend on changes — a project's method, management or
contractor (its relation), its months, the subdistrict's setup, or the rules file (`zhili tax recompute`).

`refresh(project_ids)` is called by every write that changes those inputs (actions, importers, the demo), inside
the writer's transaction, so the expected taxes are never older than the figures they come from.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from zhili.projects import taxes
from zhili.projects.models import ExpectedTax, Project, ProjectMonth, TaxSetup


def facts(project: Project, setup: TaxSetup) -> taxes.Project:
    return taxes.Project(
        method=taxes.Method(project.method),
        relation=taxes.Relation(project.relation),
        location=taxes.LocationClass(setup.location_class),
        management=taxes.Management(project.management),
    )


def refresh(project_ids: Iterable[int], rules: taxes.Rules | None = None) -> int:
    """Recompute the expected taxes of these projects (all their months); return how many rows were written."""
    ids = list(project_ids)
    if not ids:
        return 0
    projects = {p.pk: p for p in Project.objects.filter(pk__in=ids).select_related("subdistrict")}
    setups = {
        s.region_id: s for s in TaxSetup.objects.filter(region_id__in={p.subdistrict_id for p in projects.values()})
    }
    months: dict[int, list[taxes.Month]] = defaultdict(list)
    for pid, month, received, subcontract in ProjectMonth.objects.filter(project_id__in=ids).values_list(
        "project_id", "month", "received", "subcontract"
    ):
        months[pid].append(taxes.Month(month, received, subcontract))
    rows = []
    for pid, project in projects.items():
        setup = setups.get(project.subdistrict_id) or TaxSetup(region=project.subdistrict)
        for t in taxes.expected(facts(project, setup), months[pid], rules):
            rows.append(
                ExpectedTax(
                    project_id=pid,
                    month=t.month,
                    base=t.base,
                    carried=t.carried,
                    vat=t.vat,
                    urban_maintenance=t.urban_maintenance,
                    education=t.education,
                    local_education=t.local_education,
                    income_tax=t.income_tax,
                    leaves=t.leaves,
                    at_stake=t.at_stake,
                    note="；".join(t.notes)[:300],
                )
            )
    ExpectedTax.objects.filter(project_id__in=ids).delete()
    ExpectedTax.objects.bulk_create(rows, batch_size=2000)
    return len(rows)
