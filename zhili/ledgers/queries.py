"""Scoped reads for ledgers."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db.models import CharField, Count, Q
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, Right, Substr, Upper
from django.http import Http404
from django.utils.translation import gettext as _

from zhili.core import clock
from zhili.ledgers.models import FieldType, Ledger, LedgerRow
from zhili.people import policy
from zhili.people.scope import Scope
from zhili.regions import history
from zhili.regions.models import Level, Region, path_prefix_q


def ledgers_for(scope: Scope):
    """Ledgers of the subdistricts a person can see into (a village cadre sees their subdistrict's ledgers,
    and only their village's rows): the subdistrict above each region they read, and everything under it."""
    qs = Ledger.objects.active().select_related("region", "unit", "current_version")
    if scope.is_superuser:
        return qs
    subs = {Region.path_at(path, Level.SUBDISTRICT) for path in scope.read_paths} - {""}
    return qs.filter(Q(region__path__in=subs) | scope.q("region__path"))


def get_ledger_or_404(scope: Scope, code: str) -> Ledger:
    ledger = ledgers_for(scope).filter(code=code).first()
    if ledger is None:
        raise Http404(_("不存在或无权查看。"))
    return ledger


def rows_for(scope: Scope, ledger: Ledger):
    return scope.filter(LedgerRow.objects.filter(ledger=ledger), "region__path").select_related("region")


def get_row_or_404(scope: Scope, ledger: Ledger, pk: int) -> LedgerRow:
    row = rows_for(scope, ledger).filter(pk=pk).select_related("version", "created_by", "modified_by").first()
    if row is None:
        raise Http404(_("不存在或无权查看。"))
    return row


@dataclass(frozen=True)
class RowFilter:
    """What a person filters a ledger's rows by (the list page, its export): a village, a field containing a
    value, archived rows too."""

    region: str = ""
    field: str = ""
    value: str = ""
    archived: bool = False

    @classmethod
    def from_query(cls, query) -> RowFilter:
        return cls(
            region=query.get("region", "").strip()[:30],
            field=query.get("field", "").strip()[:60],
            value=query.get("value", "").strip()[:100],
            archived=query.get("archived") == "1",
        )

    def describe(self, ledger: Ledger) -> str:
        """The filter as the audit log keeps it (an identity number searched for is kept masked)."""
        from zhili.ledgers.fields import mask

        f = ledger.definition.field(self.field) if self.field and self.value else None
        parts = []
        if self.region:
            parts.append(_("村（社区）=%(region)s") % {"region": self.region})
        if f is not None:
            parts.append(_("%(label)s包含“%(value)s”") % {"label": f["label"], "value": mask(f, self.value)})
        if self.archived:
            parts.append(_("含已归档"))
        return _("；").join(parts) or _("全部")


_MASKED = re.compile(r"^([0-9]{6})\*+([0-9]{3}[0-9X])$")


def identity_match_q(scope: Scope, ledger: Ledger, key: str, value: str) -> Q:
    """Rows whose identity number `key` contains `value` — in full where the person may reveal identity numbers,
    and elsewhere only in the masked form the page shows (the first six and last four characters), so a search
    never confirms a number the person may not see."""
    value = value.upper()
    full = Q(**{f"data__{key}__icontains": value})
    paths = policy.reveal_identity_paths(scope, ledger)
    if paths is None:
        return full
    revealable = Q(pk__in=[])
    for p in paths:
        revealable |= path_prefix_q("region__path", p)
    masked = _MASKED.match(value)
    if masked:  # the masked form itself, as copied from the page
        hidden = Q(_id_head=masked.group(1), _id_tail=masked.group(2))
    elif "*" in value or len(value) > 6:
        hidden = Q(pk__in=[])  # more than the masked form shows: only numbers the person may see can match
    else:
        hidden = Q(_id_head__contains=value) | (Q(_id_tail__contains=value) if len(value) <= 4 else Q(pk__in=[]))
    return Q(revealable & full) | Q(~revealable & hidden)


def filtered_rows(scope: Scope, ledger: Ledger, filters: RowFilter):
    """The ledger's rows in the person's scope that match `filters`."""
    rows = rows_for(scope, ledger)
    if not filters.archived:
        rows = rows.filter(archived_at__isnull=True)
    if filters.region:  # a village's rows with those of the villages merged into it
        rows = rows.filter(region_q(filters.region))
    f = ledger.definition.field(filters.field) if filters.field and filters.value else None
    if f is not None and f["type"] == FieldType.ID_NUMBER:
        number = Cast(KeyTextTransform(f["key"], "data"), CharField())
        rows = rows.annotate(_id_head=Upper(Substr(number, 1, 6)), _id_tail=Upper(Right(number, 4))).filter(
            identity_match_q(scope, ledger, f["key"], filters.value)
        )
    elif f is not None:
        rows = rows.filter(**{f"data__{f['key']}__icontains": filters.value})
    return rows


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


def region_names(ledger: Ledger) -> dict[str, str]:
    """{code: name} of the villages and grids under the ledger's subdistrict: how a row's region is shown."""
    return dict(
        Region.objects.filter(path_prefix_q("path", ledger.region.path), level__gte=Level.VILLAGE).values_list(
            "code", "name"
        )
    )


def units_for_new_ledger(scope: Scope, sub: Region) -> list:
    """The offices a person may make the owner of a new ledger in `sub`: any of its offices for its leaders
    and administrators, their own for an office's officers (who then manage it: policy.manage_ledger)."""
    from zhili.people.models import Unit

    units = Unit.objects.active().filter(region=sub).order_by("code")
    if scope.can_configure(sub.path):
        return list(units)
    return [u for u in units if scope.works_for(u.pk)]


def region_names_under(sub: Region) -> list[str]:
    """The names of the subdistrict's villages and grids today: what a file's region column may hold."""
    return list(
        Region.objects.filter(path_prefix_q("path", sub.path), level__in=[Level.VILLAGE, Level.GRID])
        .exclude(pk=sub.pk)
        .current()
        .values_list("name", flat=True)
    )


def only_region(scope: Scope, ledger: Ledger) -> Region | None:
    """The one village (a grid ledger: the one grid) whose rows this person may write in `ledger`, when there is
    only one — a village's cadres, a grid's inspector —; None when they may write several (an owning office,
    leaders) or none. The row form then fills it in instead of asking; the action still checks the region posted
    (policy.write_ledger_row)."""
    if ledger.unit_id and ledger.unit_id in scope.units:
        return None  # the owning office writes the rows of every village
    level = Level.GRID if ledger.level == "grid" else Level.VILLAGE
    found = list(
        scope.regions(access="write")
        .filter(level=level)
        .filter(path_prefix_q("path", ledger.region.path))
        .current()
        .order_by("path")[:2]
    )
    return found[0] if len(found) == 1 and policy.write_ledger_row(scope, ledger, found[0]) else None
