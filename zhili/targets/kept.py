"""Kept figures: the engine's inputs per indicator × region, kept in the database, so that a board, a ranking or a
cockpit reads a few thousand rows instead of recounting millions of progress reports and records.

What a FigureSet (one per subdistrict and year, counted up to the window's end: today) keeps:
- REPORTED (indicator, region, unit): engine.reported_values for every village (merged-away ones too), for the
  subdistrict itself and its units;
- COMPUTED (indicator, village): engine.computed_values for every village of the window's last day (its
  predecessors' records included) and for the subdistrict's own records;
- TOTAL (indicator): the villages' reported figures added up (village-decomposed reported indicators);
- SUM (indicator): the villages' computed figures added up; `count` says how many villages have one;
- WHOLE (indicator): a computed source's own figure for the whole subdistrict (a rate).
Shares, targets, lights and parents are not kept: the engine makes the cells from these inputs as it always did.

How the kept figures stay equal to a recount:
- Every change to a record a figure counts writes a StaleMark in its own transaction (touch): a save of a model
  that a source names in its `inputs` (or of a progress report), through Django's post_save; every audited action
  on such a model (core/audit.recorded) — every action records its region paths in its transaction, so bulk
  writes, queryset updates, deletes and imports mark too; and a writer in plain SQL marks itself
  (projects/monitor.refresh).
- A read recounts what is marked first: the villages under the marks (their reports and computed figures, the
  totals and sums by difference, the rates again) — or everything when a mark lies on the subdistrict or above,
  when the day moved on, or when the indicators or the villages changed (the fingerprint: a new or changed
  indicator, a merge). The recount holds a lock on the set; writers never wait for it (FOR NO KEY UPDATE).
- Never kept, counted on every read as before: figures that move with the clock alone (a source's
  moves_with_time: cases past their deadline at this minute), days other than today (the trend's month ends, a
  week's bulletin), past years, and reads inside another transaction while the set needs a recount.
- `zhili targets figures --check` recounts everything and compares; tests/test_kept_figures.py does the same after
  random sequences of imports, edits, archives, merges and case steps (hypothesis).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import IntegrityError, connection, models, transaction
from django.db.models import Q
from django.db.models.signals import post_save
from django.utils import timezone
from django.utils.translation import gettext as _

from zhili.core import audit, clock
from zhili.regions import history
from zhili.regions.models import Level, Region
from zhili.targets import sources
from zhili.targets.models import (
    Decomposition,
    Figure,
    FigureKind,
    FigureSet,
    Indicator,
    SourceKind,
    StaleMark,
)

ENGINE_INPUTS = ("targets.entry",)  # the progress reports the engine counts itself
BATCH = 5000
Key = tuple[int, int, int | None]  # (indicator, region, unit)


def enabled() -> bool:
    return getattr(settings, "ZHILI_KEPT_FIGURES", True)


def applies(today) -> bool:
    """Whether a computation as of `today` may read kept figures: only today's (other days are counted live)."""
    return enabled() and today == clock.today()


# ---- marking -----------------------------------------------------------------------------------------------------


def _labels() -> frozenset[str]:
    labels = set(ENGINE_INPUTS)
    for source in sources.registered():
        labels.update(source.inputs)
    return frozenset(labels)


def counts(model: type[models.Model]) -> bool:
    """Whether rows of `model` are counted by a figure (a source's inputs name it or its app)."""
    meta = model._meta
    return meta.label_lower in _labels() or meta.app_label in _labels()


def touch(paths: Iterable[str]) -> None:
    """Mark the kept figures of every set covering one of `paths` (a region path; "" covers all) for a recount,
    inside the caller's transaction. Only sets counted up to today or later are marked: an older set is recounted
    whole on its next read anyway."""
    wanted = {p or "" for p in paths}
    if not wanted or not enabled():
        return
    sets = FigureSet.objects.filter(until__gte=clock.today()).values_list("pk", "region__path")
    marks = [
        StaleMark(figure_set_id=pk, path=p)
        for pk, set_path in sets
        for p in wanted
        if p.startswith(set_path) or set_path.startswith(p)
    ]
    if marks:
        StaleMark.objects.bulk_create(marks)


def touch_subdistricts(ids: Iterable[int]) -> None:
    """Mark the sets of these subdistricts whole (a writer in plain SQL that changed rows all over them): one query
    when none is kept."""
    wanted = set(ids)
    if not wanted or not enabled():
        return
    sets = FigureSet.objects.filter(region_id__in=wanted, until__gte=clock.today()).values_list("pk", "region__path")
    StaleMark.objects.bulk_create([StaleMark(figure_set_id=pk, path=path) for pk, path in sets])


def path_of(obj: models.Model, depth: int = 0) -> str:
    """The region path a row counts under: its own (audit_region_path, path) or its parent record's."""
    try:
        for attr in ("audit_region_path", "path"):
            value = getattr(obj, attr, None)
            if isinstance(value, str) and value:
                return value
        if depth < 3:
            for attr in ("region", "village", "household", "branch", "project", "work", "ledger", "case"):
                related = getattr(obj, attr, None)
                if isinstance(related, models.Model):
                    found = path_of(related, depth + 1)
                    if found:
                        return found
    except ObjectDoesNotExist:
        pass
    return ""  # unknown: mark every set, the safe side


def _saved(sender, instance, raw=False, **kwargs) -> None:
    if raw:
        return
    if sender is Region:  # a region renamed, moved or closed: its subdistrict counted again (rare, and safe)
        touch([Region.path_at(instance.path, Level.SUBDISTRICT) or instance.path])
    else:
        touch([path_of(instance)])


def _recorded(sender, paths, **kwargs) -> None:
    if counts(sender):
        touch(paths)


def connect() -> None:
    """From TargetsConfig.ready (every app's sources registered by then, CoreConfig.ready): every save, and every
    audited action, of a counted model marks. Saves are listened to model by model, and deletes not at all: a model
    with a delete listener loses Django's fast delete (its rows are fetched and announced one by one), which a
    discarded import's thousands of staged rows and a tax recompute must keep. Counted records are archived, not
    deleted; an action that deletes them is audited (which marks), and a writer in plain SQL marks itself
    (projects/monitor.refresh)."""
    from django.apps import apps

    for model in apps.get_models():
        if model is Region or counts(model):
            post_save.connect(_saved, sender=model, dispatch_uid=f"targets.kept.{model._meta.label_lower}")
    audit.recorded.connect(_recorded, dispatch_uid="targets.kept.recorded")


# ---- what is kept ------------------------------------------------------------------------------------------------


def _keepable(ind: Indicator) -> bool:
    if ind.source == SourceKind.REPORT:
        return True
    if ind.source != SourceKind.COMPUTED or not ind.source_key:
        return False
    try:
        return not sources.get(ind.source_key).moves_with_time(ind)
    except ValidationError:  # an unknown source: counted live, where it is reported as before
        return False


def covered(sub: Region, year: int) -> list[Indicator]:
    """The indicators a set keeps figures for: the year's active ones that are reported or computed, and not moving
    with the clock (one query)."""
    return [
        i
        for i in Indicator.objects.active()
        .filter(task__goal__region=sub, task__goal__year=year, task__archived_at__isnull=True)
        .select_related("task__goal__region")
        if _keepable(i)
    ]


def fingerprint(keep: list[Indicator], everyone: history.Villages) -> str:
    """What the figures were counted for: each indicator's definition and the villages (with the merged ones)."""
    h = hashlib.sha256()
    for ind in sorted(keep, key=lambda i: i.pk):
        definition = [ind.pk, ind.source, ind.source_key, ind.source_params, ind.cumulative, ind.decomposition]
        h.update(json.dumps(definition, sort_keys=True, default=str).encode())
    h.update(
        json.dumps(
            [sorted(v.pk for v in everyone), sorted((k, r.successor_id) for k, r in everyone.closed.items())]
        ).encode()
    )
    return h.hexdigest()


def _all_regions(everyone: history.Villages) -> set[int]:
    """Every village of the window's last day and every one merged away by then: whose reports the totals add up
    (as engine.village_totals does)."""
    return {v.pk for v in everyone} | set(everyone.closed)


def _decomposed(keep: list[Indicator]) -> set[int]:
    return {i.pk for i in keep if i.source == SourceKind.REPORT and i.decomposition == Decomposition.VILLAGES}


def count_all(sub: Region, window: sources.Window, keep: list[Indicator], everyone: history.Villages):
    """Every kept figure counted from the records: {(kind, indicator, region, unit): (value, count)}."""
    from zhili.targets import engine

    reported = engine.reported_values(keep, Q(region__parent_id=sub.pk) | Q(region_id=sub.pk), window)
    computed = engine.computed_values(keep, everyone, window)
    whole = engine.computed_whole_values(keep, sub, window)
    out: dict[tuple[int, int, int | None, int | None], tuple[Decimal, int]] = {}
    village_ids = {x.pk for x in everyone}
    for (i, r, u), v in reported.items():
        out[(FigureKind.REPORTED, i, r, u)] = (v, 0)
    for (i, r), v in computed.items():
        if r == sub.pk or r in village_ids:
            out[(FigureKind.COMPUTED, i, r, None)] = (v, 0)
    regions, decomposed = _all_regions(everyone), _decomposed(keep)
    for (i, r, u), v in reported.items():
        if i in decomposed and u is None and r in regions:
            _add(out, (FigureKind.TOTAL, i, None, None), v)
    for (i, r), v in computed.items():
        if r in village_ids:
            _add(out, (FigureKind.SUM, i, None, None), v)
    for i, v in whole.items():
        out[(FigureKind.WHOLE, i, None, None)] = (v, 0)
    return out


def _add(out: dict, key, value: Decimal | None, sign: int = 1) -> None:
    if value is None:
        return
    total, n = out.get(key, (Decimal(0), 0))
    out[key] = (total + value if sign > 0 else total - value, n + sign)


def stored(figure_set: FigureSet, q: Q | None = None):
    """The set's figures as count_all returns them."""
    rows = Figure.objects.filter(figure_set=figure_set)
    if q is not None:
        rows = rows.filter(q)
    return {
        (k, i, r, u): (Decimal(v), n)
        for k, i, r, u, v, n in rows.values_list("kind", "indicator_id", "region_id", "unit_id", "value", "count")
    }


def _write(figure_set: FigureSet, figures: dict) -> None:
    made = [
        Figure(figure_set=figure_set, kind=k, indicator_id=i, region_id=r, unit_id=u, value=str(v), count=n)
        for (k, i, r, u), (v, n) in figures.items()
        if k not in (FigureKind.TOTAL, FigureKind.SUM) or n > 0
    ]
    Figure.objects.bulk_create(made, batch_size=BATCH)


# ---- keeping them up to date ---------------------------------------------------------------------------------------


def _in_transaction() -> bool:
    """In a transaction of the caller's own (not a test case's): a recount there could miss a write committed
    meanwhile, so the caller counts live instead."""
    return any(not getattr(block, "_from_testcase", False) for block in connection.atomic_blocks)


def _marked(marks: list[tuple[int, str]], sub: Region, everyone: history.Villages) -> set[int] | None:
    """The regions (villages, merged-away ones included) under the marks; None when a mark asks for everything."""
    by_path = {v.path: v.pk for v in everyone} | {r.path: pk for pk, r in everyone.closed.items()}
    out = set()
    for _pk, path in marks:
        rid = by_path.get(Region.path_at(path, Level.VILLAGE)) if path.startswith(sub.path) else None
        if rid is None:  # the subdistrict itself, above it, or a village this set does not know
            return None
        out.add(rid)
    return out


def _recount(figure_set: FigureSet, sub: Region, window, keep: list[Indicator], everyone, regions: set[int]) -> None:
    """Recount the marked regions' figures and correct the totals and sums by the difference."""
    from zhili.targets import engine

    village_ids = {v.pk for v in everyone}
    owners = {o for r in regions if (o := everyone.owner(r)) is not None}
    mine = Q(kind=FigureKind.REPORTED, region_id__in=regions) | Q(kind=FigureKind.COMPUTED, region_id__in=owners)
    old = stored(figure_set, mine | Q(kind__in=[FigureKind.TOTAL, FigureKind.SUM]))
    new: dict = {}
    for (i, r, u), v in engine.reported_values(keep, Q(region_id__in=regions), window).items():
        new[(FigureKind.REPORTED, i, r, u)] = (v, 0)
    asked = history.Villages(
        [v for v in everyone if v.pk in owners], sub=sub, on=window.end, closed=list(everyone.closed.values())
    )
    for (i, r), v in (engine.computed_values(keep, asked, window) if asked else {}).items():
        if r in owners:
            new[(FigureKind.COMPUTED, i, r, None)] = (v, 0)
    sums = {k: v for k, v in old.items() if k[0] in (FigureKind.TOTAL, FigureKind.SUM)}
    all_regions, decomposed = _all_regions(everyone), _decomposed(keep)
    for figures, sign in ((old, -1), (new, 1)):
        for (k, i, r, u), (v, _n) in figures.items():
            if k == FigureKind.REPORTED and i in decomposed and u is None and r in all_regions:
                _add(sums, (FigureKind.TOTAL, i, None, None), v, sign)
            elif k == FigureKind.COMPUTED and r in village_ids:
                _add(sums, (FigureKind.SUM, i, None, None), v, sign)
    whole = {
        (FigureKind.WHOLE, i, None, None): (v, 0) for i, v in engine.computed_whole_values(keep, sub, window).items()
    }
    Figure.objects.filter(figure_set=figure_set).filter(
        mine | Q(kind__in=[FigureKind.TOTAL, FigureKind.SUM, FigureKind.WHOLE])
    ).delete()
    _write(figure_set, {**new, **sums, **whole})


def ready(sub: Region, year: int, window, keep: list[Indicator], everyone: history.Villages) -> FigureSet | None:
    """The subdistrict's set for `year`, counted up to `window.end` with every mark recounted; None when it needs a
    recount and the caller is inside a transaction of its own."""
    fp = fingerprint(keep, everyone)
    figure_set = FigureSet.objects.filter(region=sub, year=year).first()
    if (
        figure_set is not None
        and figure_set.built_at is not None
        and figure_set.until == window.end
        and figure_set.fingerprint == fp
        and not figure_set.marks.exists()
    ):
        return figure_set
    if _in_transaction():
        return None
    if figure_set is None:
        try:
            with transaction.atomic():
                # committed before anything is counted: from now on, writers mark it
                figure_set = FigureSet.objects.create(region=sub, year=year, until=window.end, fingerprint="")
        except IntegrityError:  # another request made it first
            figure_set = FigureSet.objects.get(region=sub, year=year)
        FigureSet.objects.filter(region=sub).exclude(year=year).delete()  # other years are counted live
    elif figure_set.until != window.end:
        # a new day: from now on writers mark this set (touch marks sets counted up to today or later)
        FigureSet.objects.filter(pk=figure_set.pk).update(until=window.end, built_at=None)
    lock = {"no_key": True} if connection.features.has_select_for_no_key_update else {}
    with transaction.atomic():
        figure_set = FigureSet.objects.select_for_update(**lock).get(pk=figure_set.pk)
        marks = list(figure_set.marks.values_list("pk", "path"))
        current = figure_set.built_at is not None and figure_set.until == window.end and figure_set.fingerprint == fp
        if current and not marks:  # another request recounted it while this one waited
            return figure_set
        regions = _marked(marks, sub, everyone) if current else None
        if regions is None:
            Figure.objects.filter(figure_set=figure_set).delete()
            _write(figure_set, count_all(sub, window, keep, everyone))
        else:
            _recount(figure_set, sub, window, keep, everyone, regions)
        ids = [pk for pk, _path in marks]
        for start in range(0, len(ids), BATCH):
            StaleMark.objects.filter(pk__in=ids[start : start + BATCH]).delete()
        now = timezone.now()
        FigureSet.objects.filter(pk=figure_set.pk).update(
            until=window.end, fingerprint=fp, built_at=now if regions is None else figure_set.built_at, refreshed_at=now
        )
    return figure_set


# ---- reading -----------------------------------------------------------------------------------------------------


def inputs(sub, year, window, indicators, *, asked, everyone, reported_q, villages, whole, every):
    """engine.Inputs for `indicators` from the kept figures (the ones not kept counted live), or None when the set
    cannot be used (another year; a recount needed inside the caller's transaction)."""
    from zhili.targets import engine

    if year != clock.today().year:
        return None
    keep = covered(sub, year)
    if everyone is None:
        everyone = asked if every else history.on_day(sub, window.end)
    figure_set = ready(sub, year, window, keep, everyone)
    if figure_set is None:
        return None
    kept_ids = {i.pk for i in keep}
    mine = [i for i in indicators if i.pk in kept_ids]
    live = [i for i in indicators if i.pk not in kept_ids]
    got = engine.Inputs({}, {}, {}, {})
    if mine:
        # Each part a query of its own, joined by UNION ALL: one OR over the set's 500,000 figures (a city) would
        # be read by scanning them all; each part reads an index (kind and indicator, or region).
        base = Figure.objects.filter(figure_set=figure_set)
        if len(mine) < len(keep):
            base = base.filter(indicator_id__in=[i.pk for i in mine])
        parts = [base.filter(kind__in=[FigureKind.TOTAL, FigureKind.SUM, FigureKind.WHOLE])] if whole else []
        if every:
            parts.append(base.filter(kind__in=[FigureKind.REPORTED, FigureKind.COMPUTED]))
        else:
            own = [sub.pk] if whole else []
            parts.append(base.filter(kind=FigureKind.REPORTED, region_id__in=[*asked.region_ids(), *own]))
            parts.append(base.filter(kind=FigureKind.COMPUTED, region_id__in=[*(v.pk for v in asked), *own]))
        fields = ("kind", "indicator_id", "region_id", "unit_id", "value", "count")
        first, *rest = [part.values_list(*fields) for part in parts]
        rows = first.union(*rest, all=True) if rest else first
        computed_ids = {i.pk for i in mine if i.source == SourceKind.COMPUTED}
        for kind, i, r, u, value, _n in rows:
            v = Decimal(value)
            if kind == FigureKind.REPORTED:
                got.reported[(i, r, u)] = v
            elif kind == FigureKind.COMPUTED:
                got.computed[(i, r)] = v
            elif kind == FigureKind.TOTAL:
                got.totals[i] = v
            elif kind == FigureKind.SUM:
                got.sums[i] = v
            else:
                got.whole[i] = v
        if whole:  # a computed indicator no village has a figure for adds up to nothing
            got.sums.update({i: None for i in computed_ids if i not in got.sums})
    if live:
        extra = engine.live_inputs(live, sub, window, reported_q=reported_q, villages=villages, whole=whole)
        got.reported.update(extra.reported)
        got.totals.update(extra.totals)
        got.computed.update(extra.computed)
        got.whole.update(extra.whole)
    return got


def check(sub: Region, year: int) -> list[str]:
    """Recount the subdistrict's set for `year` from the records and compare it with what is kept: the differences,
    one sentence each (none: the kept figures equal a full recount)."""
    from zhili.targets import engine

    window = engine.year_window(year, clock.today())
    keep = covered(sub, year)
    everyone = history.on_day(sub, window.end)
    figure_set = ready(sub, year, window, keep, everyone)
    if figure_set is None:
        return [_("在事务中无法核对留存数。")]
    kept, counted = stored(figure_set), count_all(sub, window, keep, everyone)
    counted = {k: v for k, v in counted.items() if k[0] not in (FigureKind.TOTAL, FigureKind.SUM) or v[1] > 0}
    out = []
    for key in sorted(kept.keys() | counted.keys(), key=lambda k: tuple(-1 if x is None else x for x in k)):
        a, b = kept.get(key), counted.get(key)
        if a is None or b is None or a[0] != b[0] or a[1] != b[1]:
            kind, i, r, u = key
            out.append(
                _("%(kind)s 指标 %(i)s 区划 %(r)s 单位 %(u)s：留存 %(kept)s，重算 %(counted)s")
                % {
                    "kind": FigureKind(kind).name,
                    "i": i,
                    "r": r,
                    "u": u,
                    "kept": a[0] if a else "—",
                    "counted": b[0] if b else "—",
                }
            )
    return out


def rebuild(sub: Region, year: int) -> int:
    """Throw the set away and count it again; how many figures it keeps."""
    FigureSet.objects.filter(region=sub, year=year).delete()
    from zhili.targets import engine

    window = engine.year_window(year, clock.today())
    keep = covered(sub, year)
    figure_set = ready(sub, year, window, keep, history.on_day(sub, window.end))
    return Figure.objects.filter(figure_set=figure_set).count() if figure_set else 0
