"""Scoped reads for ledgers."""

from __future__ import annotations

from django.db.models import Count, Q
from django.db.models.functions import Substr
from django.http import Http404

from zhili.core import clock
from zhili.ledgers.models import ImportJob, Ledger, LedgerRow
from zhili.people.scope import Scope
from zhili.regions import history
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


def get_job_or_404(scope: Scope, ledger: Ledger, pk: int, person) -> ImportJob:
    job = ImportJob.objects.filter(ledger=ledger, pk=pk).first()
    if job is None or (job.uploaded_by_id != person.pk and not scope.can_write(ledger.region.path)):
        raise Http404("不存在或无权查看。")
    return job


def totals_by_village(scope: Scope, ledger: Ledger) -> list[tuple[Region, int]]:
    """Row counts per village (rows on grids count for their village), for today's villages in scope: a village
    merged away counts for its successor (regions/history.py), whose count is its own and its predecessors'."""
    villages = history.on_day(ledger.region, clock.today(), base=scope.filter(Region.objects.all(), "path"))
    if not villages:
        return []
    length = len(villages[0].path)
    owner = villages.owners()
    counts: dict[int, int] = {}
    for key, n in (
        rows_for(scope, ledger)
        .filter(archived_at__isnull=True)
        .annotate(v=Substr("region__path", 1, length))
        .values("v")
        .annotate(n=Count("id"))
        .values_list("v", "n")
    ):
        vid = owner.get(key)
        if vid is not None:
            counts[vid] = counts.get(vid, 0) + n
    return [(v, counts.get(v.pk, 0)) for v in villages]


def region_q(code: str) -> Q:
    """Rows of the region `code`; for a village, with the rows of the villages merged into it by today."""
    region = Region.objects.filter(code=code).select_related("parent").first()
    if region is None:
        return Q(pk__in=[])
    if region.level != Level.VILLAGE:
        return Q(region__path__startswith=region.path)
    return history.paths_q("region__path", region, clock.today())
