"""The subdistrict key (docs/scale.md): the subdistrict a row belongs to, the key the large tables would be
distributed by. Which subdistrict a region path lies in, as the audit log records it, and filling the key of old
rows in data migrations.

Core imports no other app: a path's subdistrict is its segment at the subdistrict level (paths hold one code per
level, city first: regions.models.Level, Region.path_at), and the region is named by its app label.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from django.apps import apps as django_apps
from django.db import models, transaction
from django.db.models import OuterRef, Subquery

SUBDISTRICT_LEVEL = 3  # regions.models.Level.SUBDISTRICT (tests/test_subdistrict_keys.py holds them equal)
BATCH = 10_000


def subdistrict_path(path: str) -> str:
    """The path of the subdistrict that `path` lies in; "" for a path above the subdistricts, or none."""
    parts = path.split("/")[:-1]
    return "/".join(parts[:SUBDISTRICT_LEVEL]) + "/" if len(parts) >= SUBDISTRICT_LEVEL else ""


def subdistrict_in_insert(path: str) -> Subquery | None:
    """The id of the subdistrict `path` lies in, as an expression the INSERT itself answers (no query of its own);
    None above the subdistricts."""
    sub = subdistrict_path(path)
    Region = django_apps.get_model("regions", "Region")
    return Subquery(Region.objects.filter(path=sub).values("pk")[:1]) if sub else None


def subdistricts_of(paths: Iterable[str], known: dict[str, int | None]) -> None:
    """Add to `known` ({subdistrict path: id}) the subdistricts of `paths` not in it yet, in one query."""
    wanted = {subdistrict_path(p) for p in paths} - known.keys() - {""}
    if wanted:
        Region = django_apps.get_model("regions", "Region")
        found = dict(Region.objects.filter(path__in=wanted).values_list("path", "pk"))
        known.update({p: found.get(p) for p in wanted})


# ---- data migrations ---------------------------------------------------------------------------------------
#
# The key is added to tables of millions of rows. Their migrations fill it in batches of primary keys, each batch
# in a transaction of its own (the migration is `atomic = False`), and only where it is still empty: a large table
# is never locked or rewritten in one go, and a migration stopped halfway is simply run again. Written against the
# historical models the migration passes, so the same on SQLite and PostgreSQL. Old migrations call these: change
# them only in ways that keep those right.


def _ranges(model, alias: str, batch: int) -> Iterator[tuple[int, int]]:
    bounds = model._base_manager.using(alias).aggregate(lo=models.Min("pk"), hi=models.Max("pk"))
    if bounds["lo"] is None:
        return
    for lo in range(bounds["lo"], bounds["hi"] + 1, batch):
        yield lo, lo + batch


def copy_from_parent(
    apps, schema_editor, model: str, parent: str, via: str, key: str, *, field: str = "subdistrict_id", batch=BATCH
) -> None:
    """`model`.`field` := `parent`.`key` of the parent row that `via` (the child's column, e.g. "case_id") points
    at, for the rows where it is still empty."""
    Model, Parent = apps.get_model(model), apps.get_model(parent)
    alias = schema_editor.connection.alias
    value = Subquery(Parent._base_manager.filter(pk=OuterRef(via)).values(key)[:1])
    for lo, hi in _ranges(Model, alias, batch):
        with transaction.atomic(using=alias):
            Model._base_manager.using(alias).filter(pk__gte=lo, pk__lt=hi, **{f"{field}__isnull": True}).update(
                **{field: value}
            )


def from_path(
    apps,
    schema_editor,
    model: str,
    path_field: str,
    *,
    field: str = "subdistrict_id",
    batch: int = BATCH,
    around: Callable[[Any], AbstractContextManager] = lambda cursor: nullcontext(),
) -> None:
    """`model`.`field` := the subdistrict that the row's `path_field` lies in, for the rows where it is still empty;
    rows above the subdistricts keep none. Per batch: one read of its paths, then one UPDATE per subdistrict found
    (by path prefix, within the batch's key range). `around(cursor)` is a context manager entered inside each
    batch's transaction (the audit log lifts its append-only trigger so, for that transaction only)."""
    Model, Region = apps.get_model(model), apps.get_model("regions", "Region")
    alias = schema_editor.connection.alias
    subdistricts = dict(Region._base_manager.using(alias).filter(level=SUBDISTRICT_LEVEL).values_list("path", "pk"))
    for lo, hi in _ranges(Model, alias, batch):
        rows = Model._base_manager.using(alias).filter(pk__gte=lo, pk__lt=hi, **{f"{field}__isnull": True})
        found = {subdistrict_path(p) for p in rows.values_list(path_field, flat=True).distinct()} & subdistricts.keys()
        if not found:
            continue
        with transaction.atomic(using=alias), schema_editor.connection.cursor() as cursor, around(cursor):
            for path in sorted(found):
                rows.filter(**{f"{path_field}__startswith": path}).update(**{field: subdistricts[path]})
