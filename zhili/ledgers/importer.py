"""Ledgers as an importer (the contract in zhili/imports/registry.py): a file's rows become a ledger's rows.

The pipeline (zhili/imports/pipeline.py) does the reading, the preview, the plan and the commit; this module says
what a ledger row is: its columns (the definition's fields and their aliases), how a row is cleaned
(`fields.RowCleaner`, the browser form's `clean_row` compiled once), how rows are matched (the definition's key),
who may write a row (`policy.write_ledger_row`, for the region a row names and for the region an existing row
is in), and how rows are written: new rows with one `executemany` per batch under their import job (hidden while
the job is staging, see `LedgerRow.objects`), updates staged and applied when the job publishes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.db import connection, transaction
from django.urls import reverse

from zhili.imports import pipeline
from zhili.imports.models import ImportJob, StagedChange
from zhili.imports.registry import Column, Importer, Urls, register
from zhili.ledgers.fields import CleanRow, Context, Problem, RowCleaner, display
from zhili.ledgers.models import FieldType, Ledger, LedgerRow
from zhili.ledgers.source import bound_sets
from zhili.people import policy
from zhili.regions.models import Region, path_prefix_q


class BoundCleaner(RowCleaner):
    """A ledger some indicator counts only for a fixed set of villages (ledgers/source.py, `villages`): a row for
    a village outside the set is imported with a warning saying it is not counted there — never an error, and
    never counted (the 4 garbage-sorting pilots stay 4 of 4, not 5)."""

    def __init__(self, version, ctx, units, *, bound: list[tuple[str, list[Region]]]):
        super().__init__(version, ctx, units)
        self.bound = [(name, [v.path for v in villages], len(villages)) for name, villages in bound]
        self.region_field = next(
            ((f["key"], f["label"]) for f in version.fields if f["type"] == FieldType.REGION), None
        )

    def clean_cells(self, cells: list) -> CleanRow:
        out = super().clean_cells(cells)
        region = out.region
        if region is None or out.errors or self.region_field is None:
            return out
        key, label = self.region_field
        for name, paths, n in self.bound:
            if not any(region.path.startswith(p) for p in paths):  # paths end in "/": a village and its grids
                reason = f"“{region.name}”不在指标“{name}”所计的 {n} 个村之列：这一行照常导入，但不计入该指标。"
                out.warnings.append(Problem(key, label, region.name, reason))
        return out


KEY = "ledger"
CHUNK = 2000  # rows fetched per query when staging or applying updates


class LedgerImporter(Importer):
    key = KEY
    label = "台账"
    where = "村（社区）"
    audit_action = "ledger.import"
    row_audit_action = "ledger.row.import"
    row_model = LedgerRow

    def target(self, job: ImportJob) -> Ledger:
        cached = job.__dict__.get("_ledger")
        if cached is None or cached.pk != job.target_id:
            cached = job.__dict__["_ledger"] = Ledger.objects.select_related("region", "unit", "current_version").get(
                pk=job.target_id
            )
        return cached

    def region(self, ledger: Ledger) -> Region:
        return ledger.region

    def name(self, ledger: Ledger) -> str:
        return ledger.name

    def urls(self, ledger: Ledger) -> Urls:
        code = ledger.code
        return Urls(
            target=reverse("ledgers:detail", args=[code]),
            upload=reverse("ledgers:import", args=[code]),
            job=lambda pk: reverse("ledgers:import_job", args=[code, pk]),
            rejected=lambda pk: reverse("ledgers:import_rejected", args=[code, pk]),
        )

    def may_import(self, scope, ledger: Ledger) -> bool:
        return policy.import_into_ledger(scope, ledger)

    def may_write(self, scope, ledger: Ledger, region: Region) -> bool:
        return policy.write_ledger_row(scope, ledger, region)

    def columns(self, ledger: Ledger) -> list[Column]:
        return [
            Column(f["key"], (f["label"], *f.get("aliases", [])), bool(f.get("required")))
            for f in ledger.current_version.fields
        ]

    def cleaner(self, ledger: Ledger, scope, units) -> RowCleaner:
        bound = bound_sets(ledger)
        if bound:
            return BoundCleaner(ledger.current_version, Context.for_ledger(ledger, scope), units, bound=bound)
        return RowCleaner(ledger.current_version, Context.for_ledger(ledger, scope), units)

    def region_label(self, ledger: Ledger) -> str:
        return next((f["label"] for f in ledger.current_version.fields if f["type"] == FieldType.REGION), "区划")

    def regions(self, ledger: Ledger) -> dict[int, Region]:
        """Every region under the ledger's subdistrict, closed ones too (old rows stay where they were)."""
        qs = Region.objects.filter(path_prefix_q("path", ledger.region.path)).only(
            "pk", "name", "code", "path", "level"
        )
        return {r.pk: r for r in qs}

    def plan_parts(self, ledger: Ledger, scope) -> list:
        ctx = Context.for_ledger(ledger, scope)
        regions = sorted((r.pk, r.code, r.name, r.level, r.path) for r in ctx.by_code.values())
        return [
            ledger.current_version_id,
            ledger.region_id,
            ledger.region.path,
            ledger.unit_id,
            ledger.level,
            regions,
        ]

    def existing(self, ledger: Ledger) -> Iterable[tuple[str, int, dict, int]]:
        return (
            LedgerRow.objects.active()
            .filter(ledger=ledger)
            .exclude(key_value="")
            .values_list("key_value", "pk", "data", "region_id")
            .iterator(chunk_size=5000)
        )

    def writer(self, job, ledger, actor, now, allowed: Callable[[int], bool]) -> LedgerWriter:
        return LedgerWriter(self, job, ledger, actor, now, allowed)

    def row_repr(self, ledger: Ledger, object_id: int) -> str:
        return f"{ledger} #{object_id}"


class LedgerWriter:
    """Writes one job's rows: new ones at once (hidden until published), updates staged, then applied."""

    def __init__(self, importer: LedgerImporter, job, ledger: Ledger, actor, now, allowed):
        self.importer, self.job, self.ledger, self.actor, self.now, self.allowed = (
            importer,
            job,
            ledger,
            actor,
            now,
            allowed,
        )
        self.version = ledger.current_version
        self._insert: _RowInserter | None = None
        self._regions: dict[int, Region] | None = None

    @property
    def regions(self) -> dict[int, Region]:
        if self._regions is None:
            self._regions = self.importer.regions(self.ledger)
        return self._regions

    def add(self, rows: list[tuple[int, str, str]]) -> None:
        if not rows:
            return
        if self._insert is None:
            self._insert = _RowInserter(self.ledger, self.version, self.actor, self.job, self.now)
        self._insert(rows)

    def stage(self, updates: list[tuple[str, dict, int]]) -> list[StagedChange]:
        """Each updated row read as it is now: its id and revision, the values to write and the history entry's
        changes (old → new, as pages show them)."""
        names = {r.code: r.name for r in self.regions.values()}
        version = self.version
        out = []
        for start in range(0, len(updates), CHUNK):
            chunk = updates[start : start + CHUNK]
            rows = {
                key: (pk, revision, data, region_id)
                for key, pk, revision, data, region_id in LedgerRow.objects.active()
                .filter(ledger=self.ledger, key_value__in=[u[0] for u in chunk])
                .values_list("key_value", "pk", "revision", "data", "region_id")
            }
            for key_value, data, region_id in chunk:
                found = rows.get(key_value)
                if found is None or not self.allowed(found[3]):
                    raise pipeline.ImportConflict(
                        "导入期间有记录被他人修改或归档，为避免覆盖对方的修改，未写入任何数据。"
                        "请重新上传文件预览后再导入。"
                    )
                pk, revision, before, _ = found
                changes = {
                    k: [
                        display(version, k, before.get(k), regions=names),
                        display(version, k, data.get(k), regions=names),
                    ]
                    for k in before.keys() | data.keys()
                    if before.get(k) != data.get(k)
                }
                region = self.regions.get(region_id)
                out.append(
                    StagedChange(
                        job=self.job,
                        object_id=pk,
                        revision=revision,
                        payload={"data": data, "region_id": region_id},
                        changes=changes,
                        region_path=region.path if region else self.ledger.region.path,
                    )
                )
        return out

    def apply(self, changes: list[StagedChange]) -> int:
        """The staged values written to rows still at the revision they were read at (rows locked first on
        PostgreSQL, so an edit in between waits, then finds another revision and says so)."""
        rows = {
            r.pk: r
            for r in LedgerRow.objects.active()
            .select_for_update()
            .filter(ledger=self.ledger, pk__in=[c.object_id for c in changes])
        }
        changed = []
        for c in changes:
            row = rows.get(c.object_id)
            if row is None or row.revision != c.revision:
                continue
            row.data, row.region_id, row.version = c.payload["data"], c.payload["region_id"], self.version
            row.revision += 1
            row.modified_by, row.modified_at, row.import_job = self.actor, self.now, self.job
            changed.append(row)
        LedgerRow.objects.bulk_update(
            changed,
            ["data", "region", "version", "revision", "modified_by", "modified_at", "import_job"],
            batch_size=500,
        )
        return len(changed)

    def discard(self) -> None:
        """The rows an unpublished commit added, removed a batch at a time (they were never seen)."""
        rows = LedgerRow.all_rows.filter(import_job_id=self.job.pk)
        while True:
            with transaction.atomic():
                ids = list(rows.values_list("pk", flat=True)[: pipeline.BATCH])
                if not ids:
                    return
                LedgerRow.all_rows.filter(pk__in=ids).delete()


class _RowInserter:
    """New rows written with one `executemany` per batch on Django's connection.

    The same INSERT that `bulk_create` would send — every concrete column of LedgerRow, each prepared by its own
    model field for this database — without building and checking a model instance per row, which was most of a
    large commit's time. Only region, data and key vary by row; the ledger, its subdistrict, version, authors, import
    job and timestamps are prepared once. The data arrives as the JSON text JSONField would send (`pipeline.to_json`),
    cast to jsonb on PostgreSQL. Nothing listens for these rows' saves (bulk_create sends no signals either)."""

    VARYING = ("region_id", "data", "key_value")

    def __init__(self, ledger: Ledger, version, actor, job, now) -> None:
        meta = LedgerRow._meta
        template = LedgerRow(
            ledger=ledger,
            subdistrict_id=ledger.region_id,
            version=version,
            region_id=None,
            data={},
            key_value="",
            revision=1,
            created_by=actor,
            modified_by=actor,
            import_job=job,
            created_at=now,
            modified_at=now,
        )
        fields = [f for f in meta.concrete_fields if not f.primary_key]
        self.fixed = [
            None if f.attname in self.VARYING else f.get_db_prep_save(getattr(template, f.attname), connection)
            for f in fields
        ]
        attnames = [f.attname for f in fields]
        self.at = [attnames.index(a) for a in self.VARYING]
        qn = connection.ops.quote_name
        json_placeholder = "%s::jsonb" if connection.vendor == "postgresql" else "%s"
        placeholders = [json_placeholder if f.attname == "data" else "%s" for f in fields]
        self.sql = (
            f"INSERT INTO {qn(meta.db_table)} ({', '.join(qn(f.column) for f in fields)}) "
            f"VALUES ({', '.join(placeholders)})"
        )

    def __call__(self, rows: list[tuple[int, str, str]]) -> None:
        """`rows`: (region id, data as JSON text, key)."""
        if not rows:
            return
        fixed = self.fixed
        i_region, i_data, i_key = self.at
        params = []
        for region_id, data_json, key_value in rows:
            p = fixed.copy()
            p[i_region], p[i_data], p[i_key] = region_id, data_json, key_value
            params.append(p)
        with connection.cursor() as cur:
            cur.executemany(self.sql, params)


LEDGER = register(LedgerImporter())
