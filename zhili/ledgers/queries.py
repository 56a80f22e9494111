"""Scoped reads for ledgers."""

from __future__ import annotations

from django.db.models import Count, Q
from django.db.models.functions import Substr
from django.http import Http404

from zhili.ledgers.models import Ledger, LedgerRow
from zhili.people.scope import Scope
from zhili.regions.models import Level, Region


def ledgers_for(scope: Scope):
    """Ledgers of the subdistricts a person can see into (a village cadre sees their subdistrict's ledgers,
    and only their village's rows)."""
    subs = set()
    for path in scope.read_paths:
        parts = path.split("/")[:-1]
        for i in range(len(parts)):
            subs.add("/".join(parts[: i + 1]) + "/")
    qs = Ledger.objects.active().select_related("region", "unit", "current_version")
    if scope.is_superuser:
        return qs
    return qs.filter(Q(region__path__in=subs) | scope.q("region__path"))


def get_ledger_or_404(scope: Scope, code: str) -> Ledger:
    ledger = ledgers_for(scope).filter(code=code).first()
    if ledger is None:
        raise Http404("不存在或无权查看。")
    return ledger


def rows_for(scope: Scope, ledger: Ledger):
    return scope.filter(LedgerRow.objects.filter(ledger=ledger), "region__path").select_related("region")


def get_row_or_404(scope: Scope, ledger: Ledger, pk: int) -> LedgerRow:
    row = rows_for(scope, ledger).filter(pk=pk).select_related("version", "created_by", "modified_by").first()
    if row is None:
        raise Http404("不存在或无权查看。")
    return row


def totals_by_village(scope: Scope, ledger: Ledger) -> list[tuple[Region, int]]:
    """Row counts per village (rows on grids count for their village), for the villages in scope."""
    villages = list(
        scope.filter(Region.objects.filter(parent=ledger.region, level=Level.VILLAGE), "path").order_by("code")
    )
    if not villages:
        return []
    length = len(villages[0].path)
    counts = dict(
        rows_for(scope, ledger)
        .filter(archived_at__isnull=True)
        .annotate(v=Substr("region__path", 1, length))
        .values("v")
        .annotate(n=Count("id"))
        .values_list("v", "n")
    )
    return [(v, counts.get(v.path, 0)) for v in villages]
