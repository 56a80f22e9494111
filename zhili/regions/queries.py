"""Reads for the region pages, each with a fixed number of queries whatever the tree's size."""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING

from django.db import connections, router
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from zhili.regions.models import Region

if TYPE_CHECKING:  # the scope is asked, never imported: people depends on regions, not the other way round
    from zhili.people.scope import Scope


class _RegionRows:
    """Regions (each with its parent, as select_related("parent") gives them) read by one hand-written statement, the
    values converted as the ORM converts them: for the lookups nearly every page makes, where building the query
    with the ORM would cost ten times running it (python -m bench regions-subtree, get-region-*)."""

    def __init__(self, connection) -> None:
        qn = connection.ops.quote_name
        meta = Region._meta
        self.fields = list(meta.concrete_fields)
        self.attnames = [f.attname for f in self.fields]
        self.path_index = self.attnames.index("path")
        self.db = connection.alias
        columns = [f"{alias}.{qn(f.column)}" for alias in ("r", "p") for f in self.fields]
        table, pk, parent = qn(meta.db_table), qn(meta.pk.column), qn(meta.get_field("parent").column)
        self.by_code = (
            f"SELECT {', '.join(columns)} FROM {table} r LEFT OUTER JOIN {table} p ON p.{pk} = r.{parent}"
            f" WHERE r.{qn(meta.get_field('code').column)} = %s"
        )
        # the converters the compiler would apply to each column (SQLite's dates, decimals and datetimes, JSON …)
        self.converters: list[tuple[int, list, object]] = []
        for i, f in enumerate(self.fields):
            col = f.get_col(meta.db_table)
            found = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
            if found:
                self.converters.append((i, found, col))
        self.connection = connection
        self.parent_field = meta.get_field("parent")

    def _region(self, values: list) -> Region:
        for i, converters, col in self.converters:
            value = values[i]
            for convert in converters:
                value = convert(value, col, self.connection)
            values[i] = value
        return Region.from_db(self.db, self.attnames, values)

    def get(self, code: str, admit: Callable[[str], bool] | None = None) -> Region | None:
        """The region with this code and its parent; None when there is none, or when `admit` refuses its path
        (asked before any value is converted: a refusal costs the query alone)."""
        with self.connection.cursor() as cursor:
            cursor.execute(self.by_code, [code])
            row = cursor.fetchone()
        if row is None or (admit is not None and not admit(row[self.path_index])):
            return None
        n = len(self.fields)
        region = self._region(list(row[:n]))
        parent = self._region(list(row[n:])) if region.parent_id is not None else None
        self.parent_field.set_cached_value(region, parent)
        return region


# one reader per connection object (each thread has its own, and the converters are bound to it)
_READERS: weakref.WeakKeyDictionary[BaseDatabaseWrapper, _RegionRows] = weakref.WeakKeyDictionary()


def region_by_code(code: str, admit: Callable[[str], bool] | None = None) -> Region | None:
    """The region with this code, its parent fetched with it (None if there is none, or if `admit`, asked its path,
    refuses it)."""
    connection = connections[router.db_for_read(Region)]
    reader = _READERS.get(connection)
    if reader is None:
        reader = _READERS[connection] = _RegionRows(connection)
    return reader.get(code, admit)


def get_region_or_404(scope: Scope, code: str, *, access: str = "read") -> Region:
    """The region with this code if it lies in the scope, else 404 (never 403: nothing leaks)."""
    region = region_by_code(code, lambda path: scope.covers(path, access=access))
    if region is None:
        raise Http404(_("不存在或无权查看。"))
    return region


def children(scope: Scope, region: Region, *, include_closed: bool = False) -> QuerySet[Region]:
    qs = scope.filter(region.children.all(), "path")
    if not include_closed:
        qs = qs.current()
    return qs.annotate(
        child_count=Count("children", filter=Q(children__valid_to__isnull=True)),
    ).order_by("code")


def breadcrumbs(scope: Scope, region: Region) -> list[tuple[Region, bool]]:
    """Ancestors with whether the person may open them (a village cadre sees names, not pages)."""
    return [(a, scope.can_read(a.path)) for a in region.ancestors()]
