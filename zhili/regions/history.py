"""Villages through time: which village a record counts for on a given day.

A merge (行政村规模优化调整, `actions.do_merge_villages`) closes villages on its date and points them at their
successor; records, shares and progress reports keep the village (or grid) they were made on, whose path never
changes. A figure for a period is counted on the villages of the period's last day D:

- a village closed on or before D counts for its successor, following chains of merges (A + B → C, then C + D → E:
  A's records are E's): from the merge date the successor carries its predecessors' records;
- a village opened after D does not exist yet on D, and is not among D's villages;
- a village asked for by name (a predecessor's own history) counts its own records and those merged into it by D.

So a merge moves no record and changes no subdistrict total: every record counts for exactly one of D's villages.

Merges are rare and villages many (a city has 5,000), so nothing here walks the village list: `on_day` reads the
villages of D and the few closed by D in one query, `closed_by` reads only the closed ones, and sources keep
grouping their rows by each row's own village path in the database (`Substr`); `Villages.owners()` maps those
paths onto the villages asked for.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from functools import cached_property

from django.db.models import Q

from zhili.regions.models import Level, Region, path_prefix_q

FIELDS = ("pk", "code", "name", "path", "parent_id", "level", "valid_from", "valid_to", "successor_id", "is_synthetic")


def closed_by(sub: Region | int, on: datetime.date) -> list[Region]:
    """The villages of `sub` closed on or before `on` (merged away): one query, a handful of rows."""
    sub_id = sub if isinstance(sub, int) else sub.pk
    return list(
        Region.objects.filter(parent_id=sub_id, level=Level.VILLAGE, valid_to__lte=on).only(*FIELDS).order_by("code")
    )


class Villages(list):
    """Villages of one subdistrict asked for on day `on` (a list of Region), knowing which records count for each:
    its own, and those of the villages merged into it by `on`."""

    def __init__(
        self, regions: Iterable[Region], *, sub: Region, on: datetime.date, closed: list[Region] | None = None
    ):
        super().__init__(regions)
        self.sub = sub
        self.on = on
        self._closed = closed

    @cached_property
    def closed(self) -> dict[int, Region]:
        """Villages of the subdistrict closed by `on`, by id (fetched once, if not given)."""
        rows = self._closed if self._closed is not None else closed_by(self.sub, self.on)
        return {r.pk: r for r in rows}

    @cached_property
    def _owner_of(self) -> dict[int, int]:
        """region id → id of the village asked for that its records count for (the villages themselves included)."""
        wanted = {v.pk for v in self}
        out = {pk: pk for pk in wanted}
        for pk in self.closed:
            if pk in out:
                continue
            seen, rid = set(), pk
            while rid not in wanted and rid in self.closed and rid not in seen:
                seen.add(rid)
                rid = self.closed[rid].successor_id
            if rid in wanted:
                out[pk] = rid
        return out

    def owner(self, region_id: int) -> int | None:
        return self._owner_of.get(region_id)

    def region_ids(self) -> dict[int, int]:
        """{region id: village id} for the villages asked for and every village merged into one of them."""
        return dict(self._owner_of)

    def owners(self) -> dict[str, int]:
        """{village path: village id}: each path whose rows count for one of the villages asked for, and the
        subdistrict's own path (rows on the subdistrict itself count for the subdistrict)."""
        paths = {v.pk: v.path for v in self}
        paths.update({pk: r.path for pk, r in self.closed.items()})
        out = {paths[rid]: vid for rid, vid in self._owner_of.items()}
        out[self.sub.path] = self.sub.pk
        return out

    def predecessors(self, village: Region) -> list[Region]:
        """The villages merged into `village` by `on`, directly or through earlier merges, by code."""
        return [r for pk, r in self.closed.items() if pk != village.pk and self._owner_of.get(pk) == village.pk]

    def own_or_merged(self, values: dict, village_id: int):
        """A village's own value (e.g. its target share) if it has one, else the values of the villages merged
        straight into it, added up (each the same way, for chains of merges); None if none has one."""
        if village_id in values:
            return values[village_id]
        parts = [self.own_or_merged(values, pk) for pk, r in self.closed.items() if r.successor_id == village_id]
        parts = [p for p in parts if p is not None]
        return sum(parts[1:], parts[0]) if parts else None

    def predecessors_by_village(self) -> dict[int, list[Region]]:
        """{village id: its predecessors} for the villages asked for that have any (the breakdown's links)."""
        out: dict[int, list[Region]] = {}
        for pk, r in self.closed.items():
            vid = self._owner_of.get(pk)
            if vid is not None and vid != pk:
                out.setdefault(vid, []).append(r)
        return out


def on_day(sub: Region, on: datetime.date, *, base=None) -> Villages:
    """The villages of `sub` on day `on` (valid on it), by code, with the villages merged into them: one query.

    `base` (a Region queryset, e.g. a person's scope) narrows both: a village cadre of a successor reads its
    predecessors, and sees no other village."""
    base = Region.objects.all() if base is None else base
    rows = list(base.filter(parent=sub, level=Level.VILLAGE, valid_from__lte=on).only(*FIELDS).order_by("code"))
    for r in rows:
        r.parent = sub  # every row's parent is `sub`: no query when a source asks for it
    closed = [r for r in rows if r.valid_to is not None and r.valid_to <= on]
    current = [r for r in rows if r.valid_to is None or r.valid_to > on]
    return Villages(current, sub=sub, on=on, closed=closed)


def of(village: Region, on: datetime.date) -> Villages:
    """One village asked for on `on`, with the villages merged into it by then: one query."""
    return Villages([village], sub=village.parent, on=on, closed=closed_by(village.parent_id, on))


def paths_q(field: str, village: Region, on: datetime.date) -> Q:
    """Rows whose `field` (a path) lies under `village` or under a village merged into it by `on` (one query)."""
    q = path_prefix_q(field, village.path)
    for p in of(village, on).predecessors(village):
        q |= path_prefix_q(field, p.path)
    return q


def holder(region: Region, on: datetime.date) -> Region:
    """The village that `region` (a village) counts for on `on`: itself, or the successor it was merged into by
    then (following chains of merges). One query per merge in the chain; merges are rare."""
    seen = {region.pk}
    while region.successor_id and region.valid_to is not None and region.valid_to <= on:
        nxt = Region.objects.filter(pk=region.successor_id).first()
        if nxt is None or nxt.pk in seen:
            break
        seen.add(nxt.pk)
        region = nxt
    return region
