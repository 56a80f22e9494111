"""Importing a spreadsheet into a ledger: read, find the header, map the columns, parse every cell, and show
a preview (rows to add, to update, unchanged, and every error with its Excel row, column, value and reason).
Nothing is written until the person confirms; then all valid rows or nothing (or, if they chose, only the
valid rows) in one transaction.

The file is read once, streaming, by the preview, which also streams every row's outcome to a plan file beside
the stored upload; the commit writes the plan's rows when nothing they depend on has changed (see `_plan_key`)
and otherwise reads and checks the file again. Either way a million-row file never sits in memory, and what is
written is exactly what was previewed (the file is stored unchanged).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from zhili.core import audit
from zhili.core.models import AuditEntry
from zhili.excel import headers as xh
from zhili.excel import reading, writing
from zhili.excel import values as xv
from zhili.ledgers.fields import Context, RowCleaner, display
from zhili.ledgers.models import ColumnMemory, ImportJob, ImportStatus, Ledger, LedgerRow
from zhili.people import policy
from zhili.people.scope import Scope

MAX_PROBLEMS_KEPT = 2000  # errors stored for the preview page (warnings separately); the rejected-rows file has all
BATCH = 2000
INSERT_BATCH = 5000


@dataclass(slots=True)
class RowResult:
    excel_row: int
    raw: list
    action: str  # add | update | unchanged | error
    data: dict | None = None
    region_id: int | None = None
    key_value: str = ""
    errors: list[tuple[str, Any, str]] = field(default_factory=list)  # (column label, value, reason)
    warnings: list[tuple[str, Any, str]] = field(default_factory=list)


@dataclass
class Layout:
    header_row: int
    columns: list[str]
    mapping: dict[int, str]  # column index → field key
    missing: list[str]  # labels of fields no column matched
    units: dict[str, str | None]


@dataclass
class Summary:
    rows: int = 0
    add: int = 0
    update: int = 0
    unchanged: int = 0
    errors: int = 0
    warnings: int = 0
    skipped: int = 0  # blank, 合计 and signature rows

    def as_dict(self) -> dict:
        return dict(self.__dict__)


class ImportRefused(Exception):
    """The whole file cannot be imported (not a spreadsheet, no header, required columns missing).

    `columns` carries the header texts when the header was found, so the person can map the columns by hand."""

    def __init__(self, message: str, columns: list[str] | None = None):
        super().__init__(message)
        self.columns = columns or []


def column_names(columns: list) -> list[str]:
    """What the preview page calls each column: its header text, or "第N列" when it has none."""
    return [c or f"第{i + 1}列" for i, c in enumerate(columns)]


def remember_mapping(ledger: Ledger, person, choices: dict[str, str]) -> dict[str, str]:
    """Keep a person's manual column choices ({header: field key, or "" = do not import}) for their next file
    of this ledger; return the choices that name a real field (or "")."""
    keys = {f["key"] for f in ledger.current_version.fields}
    clean = {h.strip()[:200]: k for h, k in choices.items() if h.strip() and (k == "" or k in keys)}
    for header, key in clean.items():
        ColumnMemory.objects.update_or_create(person=person, ledger=ledger, header=header, defaults={"field_key": key})
    return clean


def _open(job: ImportJob) -> reading.SheetRows:
    job.file.open("rb")
    try:
        return reading.open_rows(
            job.file,
            filename=job.filename,
            max_bytes=settings.ZHILI_IMPORT_MAX_MB * 1024 * 1024,
            max_rows=settings.ZHILI_IMPORT_MAX_ROWS,
        )
    except reading.SpreadsheetError as exc:
        raise ImportRefused(str(exc)) from None


def _remembered(ledger: Ledger, person, override: dict[str, str] | None) -> dict[str, str]:
    """The person's remembered column mapping for this ledger, with this file's manual choices on top."""
    remembered = {}
    if person is not None:
        remembered = dict(ColumnMemory.objects.filter(person=person, ledger=ledger).values_list("header", "field_key"))
    if override:
        remembered.update(override)
    return remembered


def layout(ledger: Ledger, head: list[tuple[int, list]], person=None, override: dict[str, str] | None = None) -> Layout:
    version = ledger.current_version
    fields = [(f["key"], [f["label"], *f.get("aliases", [])]) for f in version.fields]
    expected = [label for _, labels in fields for label in labels]
    match = xh.find_header(head, expected)
    remembered = _remembered(ledger, person, override)
    mapping, missing = xh.map_columns(match.columns, fields, remembered)
    if not mapping:
        raise ImportRefused(f"没有找到表头：前 15 行中没有与台账字段（{'、'.join(expected[:6])}…）对应的列。")
    required_missing = [f["label"] for f in version.fields if f.get("required") and f["key"] not in mapping.values()]
    if required_missing:
        raise ImportRefused(
            f"文件缺少必填列：{'、'.join(required_missing)}。请检查表头，或在下方手工对应列。",
            columns=column_names(match.columns),
        )
    units = {key: (match.units[i] if i < len(match.units) else None) for i, key in mapping.items()}
    return Layout(match.header_row, match.columns, mapping, missing, units)


def _fingerprint(data: dict) -> bytes:
    """A row's values in a form that compares like the values themselves (keys sorted), in 16 bytes: what
    the importer keeps of an existing row to tell "unchanged" from "update" without holding every row's data."""
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.blake2b(text.encode(), digest_size=16).digest()


def analyse(
    job: ImportJob,
    scope: Scope,
    *,
    person=None,
    override: dict[str, str] | None = None,
    progress: Callable[[int], None] | None = None,
) -> tuple[Layout, Iterator[RowResult]]:
    """The file's layout, and a generator of every data row's result (streaming)."""
    ledger = job.ledger
    version = ledger.current_version
    rows = _open(job)
    head: list[tuple[int, list]] = []
    for excel_row, values in rows:
        head.append((excel_row, values))
        if len(head) >= 15:
            break
    lay = layout(ledger, head, person, override)
    ctx = Context.for_ledger(ledger, scope)
    cleaner = RowCleaner(version, ctx, lay.units)
    labels = {f["key"]: f["label"] for f in version.fields}
    existing = _existing(ledger)
    column_of = {key: i for i, key in lay.mapping.items()}
    index = [column_of.get(key) for key in cleaner.keys]  # each field's column (None: no column feeds it)
    width = max((i for i in index if i is not None), default=-1) + 1
    pick = itemgetter(*index) if None not in index and len(index) > 1 else None
    region_label = labels.get(_region_key(version), "区划")
    key_labels = "、".join(labels[k] for k in version.key) if version.key else ""
    writable: dict[int, bool] = {}  # region id → may this person write rows there (a file names a few dozen)

    def results() -> Iterator[RowResult]:
        seen: dict[str, int] = {}
        source = [r for r in head if r[0] > lay.header_row]
        n = 0

        def all_rows():
            yield from source
            yield from rows

        for excel_row, values in all_rows():
            if xv.is_blank(values) or xv.is_total_row(values) or xv.is_signature_row(values):
                yield RowResult(excel_row, values, "skipped")
                continue
            n += 1
            if progress and n % 5000 == 0:
                progress(n)
            if pick is not None and len(values) >= width:
                cells = pick(values)
            else:
                cells = [values[i] if i is not None and i < len(values) else None for i in index]
            clean = cleaner.clean_cells(cells)
            result = RowResult(excel_row, values, "error")
            if clean.errors:
                result.errors = [(p.label, p.raw, p.reason) for p in clean.errors]
            if clean.warnings:
                result.warnings = [(p.label, p.raw, p.reason) for p in clean.warnings]
            errors = result.errors
            region = clean.region or ledger.region
            if not errors:
                allowed = writable.get(region.pk)
                if allowed is None:
                    allowed = writable[region.pk] = policy.write_ledger_row(scope, ledger, region)
                if not allowed:
                    errors.append((region_label, region.name, f"“{region.name}”不在您的填报范围内。"))
            key_value = clean.key_value
            if key_value and not errors:
                first = seen.get(key_value)
                if first is not None:
                    errors.append((clean.key_label, clean.key_display, f"与本文件第 {first} 行重复。"))
                else:
                    seen[key_value] = excel_row
            if version.key and not key_value and not errors:
                errors.append((key_labels, None, "唯一键不能为空。"))
            if not errors:
                result.data, result.region_id, result.key_value = clean.data, region.pk, key_value
                old = existing.get(key_value) if key_value else None
                result.action = (
                    "add" if old is None else "unchanged" if old[1] == _fingerprint(clean.data) else "update"
                )
            yield result

    return lay, results()


def _region_key(version) -> str:
    return next((f["key"] for f in version.fields if f["type"] == "region"), "")


def preview(job: ImportJob, scope: Scope, *, person=None, override=None) -> Summary:
    """Read the file, store the summary and the problems on the job; write nothing else."""
    summary = Summary()
    problems: list[dict] = []
    warnings: list[dict] = []
    plan = None
    try:
        lay, results = analyse(
            job,
            scope,
            person=person,
            override=override,
            progress=lambda n: ImportJob.objects.filter(pk=job.pk).update(progress=n),
        )
        plan = _PlanWriter(job, _plan_key(job, scope, person, override))
        for r in results:
            if r.action == "skipped":
                summary.skipped += 1
                continue
            plan.row(r)
            summary.rows += 1
            setattr(
                summary,
                r.action if r.action != "error" else "errors",
                getattr(summary, r.action if r.action != "error" else "errors") + 1,
            )
            for column, value, reason in r.errors:
                if len(problems) < MAX_PROBLEMS_KEPT:
                    problems.append(
                        {
                            "row": r.excel_row,
                            "column": column,
                            "value": _show(value),
                            "reason": reason,
                            "level": "error",
                        }
                    )
            for column, value, reason in r.warnings:
                summary.warnings += 1
                if len(warnings) < MAX_PROBLEMS_KEPT // 4:  # warnings never crowd errors out
                    warnings.append(
                        {
                            "row": r.excel_row,
                            "column": column,
                            "value": _show(value),
                            "reason": reason,
                            "level": "warning",
                        }
                    )
        plan.finish(summary.skipped)
    except ImportRefused as exc:
        job.status, job.message = ImportStatus.FAILED, str(exc)
        job.summary = {"columns": exc.columns} if exc.columns else {}
        job.mapping = {}
        job.save(update_fields=["status", "message", "summary", "mapping", "modified_at"])
        return summary
    finally:
        if plan is not None:
            plan.abandon()  # nothing left behind by a preview that did not finish (after finish(): nothing to do)
    job.mapping = {lay.columns[i] or f"第{i + 1}列": key for i, key in lay.mapping.items()}
    job.summary, job.problems = summary.as_dict() | {"columns": column_names(lay.columns)}, problems + warnings
    job.status, job.progress = ImportStatus.PREVIEWED, summary.rows
    job.message = ("未找到这些字段对应的列（导入后为空）：" + "、".join(lay.missing)) if lay.missing else ""
    job.save(update_fields=["mapping", "summary", "problems", "status", "progress", "message", "modified_at"])
    return summary


def _show(value: Any) -> str:
    return "" if value is None else str(value)[:100]


class ImportHasErrors(Exception):
    pass


def commit(job: ImportJob, scope: Scope, *, actor, only_valid: bool = False, override=None) -> Summary:
    """Write the previewed file: all or nothing (refused if any row has an error), or only the valid rows.

    The rows come from the preview's plan when it is still valid for this file, definition, column mapping,
    regions and scope (see `_plan_key`); otherwise the file is read and checked again."""
    ledger = job.ledger
    summary = Summary()
    now = timezone.now()
    version = ledger.current_version
    with transaction.atomic():
        plan = _read_plan(job, _plan_key(job, scope, actor, override))
        rows = plan if plan is not None else _rows_from_file(job, scope, actor, override)
        existing = _existing(ledger)
        insert = _RowInserter(ledger, version, actor, job, now)
        to_add: list[tuple] = []
        updates: list[tuple[str, dict, int]] = []
        for action, region_id, key_value, data_json in rows:
            if action == "skipped":
                summary.skipped += 1
                continue
            summary.rows += 1
            if action == "error":
                summary.errors += 1
                if not only_valid:
                    raise ImportHasErrors(
                        f"有 {summary.errors} 行以上存在错误，按“全部或全不”未写入任何数据。"
                        "请修改文件后重新导入，或选择“只导入正确的行”。"
                    )
                continue
            old = existing.get(key_value) if key_value else None
            if old is None:
                summary.add += 1
                to_add.append((region_id, data_json, key_value))
                if len(to_add) >= INSERT_BATCH:
                    insert(to_add)
                    to_add.clear()
                continue
            data = json.loads(data_json)
            if old[1] == _fingerprint(data):
                summary.unchanged += 1
            else:
                summary.update += 1
                updates.append((key_value, data, region_id))
        insert(to_add)
        _apply_updates(ledger, version, updates, actor, job, now)
        job.status, job.only_valid, job.summary = ImportStatus.DONE, only_valid, summary.as_dict()
        job.save(update_fields=["status", "only_valid", "summary", "modified_at"])
        audit.record(
            actor,
            "ledger.import",
            ledger,
            changes={
                "file": [None, job.filename],
                "add": [None, summary.add],
                "update": [None, summary.update],
                "rejected": [None, summary.errors if only_valid else 0],
            },
            reason="只导入正确的行" if only_valid else "",
        )
        transaction.on_commit(lambda: _drop_plan(job))
    return summary


def _rows_from_file(job: ImportJob, scope: Scope, person, override) -> Iterator[tuple]:
    """The file read and checked again: (action, region id, key, data as JSON) per row, as a plan holds them."""
    _, results = analyse(job, scope, person=person, override=override)
    for r in results:
        if r.action in ("skipped", "error"):
            yield r.action, None, "", ""
        else:
            yield "valid", r.region_id, r.key_value, _json(r.data)


def _existing(ledger: Ledger) -> dict[str, tuple[int, bytes]]:
    """The ledger's active rows by key: only their id and a fingerprint of their values (a million rows' data
    would not fit)."""
    return {
        k: (pk, _fingerprint(data))
        for k, pk, data in LedgerRow.objects.active()
        .filter(ledger=ledger)
        .exclude(key_value="")
        .values_list("key_value", "pk", "data")
        .iterator(chunk_size=5000)
    }


def _json(data: dict) -> str:
    """A row's data as JSONField stores it (json.dumps with its defaults)."""
    return json.dumps(data)


# ---- the plan: what the preview found, for the commit ------------------------------------------------
#
# A preview writes every row's outcome to a plan file beside the stored upload — one line per row, streamed,
# so a million-row file never sits in memory: "excel_row<TAB>region_id<TAB>key as JSON<TAB>data as JSON" for a
# valid row, "excel_row<TAB>E" for a row with errors, then "#end<TAB>skipped rows". Its first line holds the key
# of everything the outcome depends on; the commit uses the plan only when the key it computes is the same,
# which makes what is written exactly what was previewed. Whether a valid row adds, updates or leaves a row
# unchanged is decided again at commit time against the ledger as it is then.

PLAN_FORMAT = "zhili-import-plan 1"


def _plan_path(job: ImportJob) -> Path | None:
    try:
        stored = Path(job.file.path)
    except (NotImplementedError, ValueError):  # a storage without local paths: no plan, the file is re-read
        return None
    return stored.with_name(f".{stored.name}.job{job.pk}.plan")


def _plan_key(job: ImportJob, scope: Scope, person, override) -> str | None:
    """Everything a row's outcome depends on: the stored file (name, size, modification time), the ledger's
    definition version, default region, unit and level, the column mapping's inputs (the person's remembered
    mapping and this file's manual choices), the regions rows may name, what the scope lets the person write,
    and the import limits. The same key means the same outcome, row for row."""
    path = _plan_path(job)
    if path is None:
        return None
    try:
        st = Path(job.file.path).stat()
    except OSError:
        return None
    ledger = job.ledger
    ctx = Context.for_ledger(ledger, scope)
    regions = sorted((r.pk, r.code, r.name, r.level, r.path) for r in ctx.by_code.values())
    parts = [
        PLAN_FORMAT,
        job.file.name,
        st.st_size,
        st.st_mtime_ns,
        ledger.current_version_id,
        ledger.region_id,
        ledger.region.path,
        ledger.unit_id,
        ledger.level,
        sorted(_remembered(ledger, person, override).items()),
        regions,
        scope.person_id,
        scope.is_superuser,
        sorted(scope.write_paths),
        sorted(scope.units.items()),
        settings.ZHILI_IMPORT_MAX_MB,
        settings.ZHILI_IMPORT_MAX_ROWS,
    ]
    return hashlib.blake2b(json.dumps(parts, default=str).encode(), digest_size=20).hexdigest()


class _PlanWriter:
    """Writes a plan to a temporary file, renamed into place only when the preview finished."""

    def __init__(self, job: ImportJob, key: str | None):
        self.path = _plan_path(job) if key else None
        self.file = None
        if self.path is not None:
            try:
                fd, self.tmp = tempfile.mkstemp(prefix=self.path.name + ".", suffix=".tmp", dir=self.path.parent)
                self.file = open(fd, "w", encoding="utf-8", newline="\n")  # closed by finish() or abandon()
                self.file.write(f"{PLAN_FORMAT}\t{key}\n")
            except OSError:
                self.file = None

    def row(self, r: RowResult) -> None:
        if self.file is None or r.action == "skipped":
            return
        if r.action == "error":
            self.file.write(f"{r.excel_row}\tE\n")
        else:
            self.file.write(f"{r.excel_row}\t{r.region_id}\t{json.dumps(r.key_value)}\t{_json(r.data)}\n")

    def finish(self, skipped: int) -> None:
        if self.file is None:
            return
        self.file.write(f"#end\t{skipped}\n")
        self.file.close()
        self.file = None
        os.replace(self.tmp, self.path)

    def abandon(self) -> None:
        if self.file is not None:
            self.file.close()
            self.file = None
            with contextlib.suppress(OSError):
                os.unlink(self.tmp)


def _read_plan(job: ImportJob, key: str | None) -> Iterator[tuple] | None:
    """The plan's rows as (action, region id, key, data as JSON), or None when there is no plan for this key."""
    path = _plan_path(job) if key else None
    if path is None:
        return None
    try:
        f = open(path, encoding="utf-8", newline="\n")  # closed by the generator below
    except OSError:
        return None
    if f.readline() != f"{PLAN_FORMAT}\t{key}\n":
        f.close()
        return None

    def rows() -> Iterator[tuple]:
        with f:
            for line in f:
                excel_row, rest = line.rstrip("\n").split("\t", 1)
                if rest == "E":
                    yield "error", None, "", ""
                elif excel_row == "#end":
                    yield from (("skipped", None, "", "") for _ in range(int(rest)))
                    return
                else:
                    region_id, key_json, data_json = rest.split("\t", 2)
                    yield "valid", int(region_id), json.loads(key_json), data_json
        raise ImportRefused("导入计划文件不完整，请重新预览后再导入。")  # never: plans are renamed into place whole

    return rows()


def _drop_plan(job: ImportJob) -> None:
    path = _plan_path(job)
    if path is not None:
        with contextlib.suppress(OSError):
            path.unlink()


class _RowInserter:
    """New rows written with one `executemany` per batch on Django's connection, inside commit's transaction.

    The same INSERT that `bulk_create` would send — every concrete column of LedgerRow, each prepared by its own
    model field for this database — without building and checking a model instance per row, which was most of a
    large commit's time. Only region, data and key vary by row; the ledger, version, authors, import job and
    timestamps are prepared once. The data arrives as the JSON text JSONField would send (`_json`), cast to
    jsonb on PostgreSQL. Nothing listens for these rows' saves (bulk_create sends no signals either)."""

    VARYING = ("region_id", "data", "key_value")

    def __init__(self, ledger: Ledger, version, actor, job: ImportJob, now) -> None:
        meta = LedgerRow._meta
        template = LedgerRow(
            ledger=ledger,
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


def _apply_updates(ledger, version, updates, actor, job, now) -> None:
    """Updated rows get their new values and one history entry each (old → new)."""
    regions = {}
    for start in range(0, len(updates), BATCH):
        chunk = updates[start : start + BATCH]
        rows = {
            r.key_value: r
            for r in LedgerRow.objects.active().filter(ledger=ledger, key_value__in=[u[0] for u in chunk])
        }
        changed, entries = [], []
        for key_value, data, region_id in chunk:
            row = rows[key_value]
            before = row.data
            row.data, row.region_id, row.version = data, region_id, version
            row.revision += 1
            row.modified_by, row.modified_at, row.import_job = actor, now, job
            changed.append(row)
            diff = {
                k: [
                    display(version, k, before.get(k), regions=regions),
                    display(version, k, data.get(k), regions=regions),
                ]
                for k in set(before) | set(data)
                if before.get(k) != data.get(k)
            }
            entries.append(
                AuditEntry(
                    actor=actor,
                    actor_name=actor.get_full_name(),
                    action="ledger.row.import",
                    object_type=LedgerRow._meta.label_lower,
                    object_id=str(row.pk),
                    object_repr=str(row)[:300],
                    region_path=ledger.region.path,
                    changes=diff,
                    reason=f"导入 {job.filename}",
                    at=now,
                )
            )
        LedgerRow.objects.bulk_update(
            changed,
            ["data", "region", "version", "revision", "modified_by", "modified_at", "import_job"],
            batch_size=500,
        )
        AuditEntry.objects.bulk_create(entries)


def rejected_xlsx(job: ImportJob, scope: Scope, *, person=None) -> bytes:
    """The rows that were not imported, as the person sent them, with an error column to fix and resend."""
    lay, results = analyse(job, scope, person=person)
    headers = [c or f"第{i + 1}列" for i, c in enumerate(lay.columns)] + ["错误原因"]
    buf = io.BytesIO()
    writing.write_xlsx(
        buf,
        title=f"{job.ledger.name}：未导入的行",
        subtitle=f"来源文件：{job.filename}",
        headers=headers,
        rows=(
            [
                *(r.raw + [None] * (len(lay.columns) - len(r.raw)))[: len(lay.columns)],
                "；".join(f"第 {r.excel_row} 行 {c}：{reason}" for c, _, reason in r.errors),
            ]
            for r in results
            if r.action == "error"
        ),
    )
    return buf.getvalue()
