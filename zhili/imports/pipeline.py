"""The import pipeline every spreadsheet import runs on: read, find the header, map the columns, check every row
and show a preview (rows to add, to update, unchanged, and every error with its Excel row, column, value and
reason). Nothing is written until a person confirms; then all valid rows or nothing (or, if they chose, only the
valid rows). What is specific to the records (columns, parsing, matching, rights, writing) is the importer's
(registry.py); the life cycle — start, preview, confirm, cancel — is in actions.py, the same for the page, the
command and the worker.

The file is read once, streaming, by the preview, which also streams every row's outcome to a plan file beside
the stored upload; the commit writes the plan's rows when nothing they depend on has changed (see `_plan_key`)
and otherwise reads and checks the file again. Either way a million-row file never sits in memory, and what is
written is exactly what was previewed (the file is stored unchanged).

Staged visibility: a commit writes new records under its job while the job is `staging`, which every importer's
default manager leaves out, and stages updates of existing records (StagedChange); publishing — one short
transaction — applies the staged updates (each only if its record is still at the revision it was read at),
writes their audit entries (`audit.record_many`), clears `staging` and marks the job done, so everyone sees the
whole import at once or nothing of it. A large commit (`batched`, in the worker) writes in transactions of
COMMIT_BATCH records, so other writers on SQLite wait for one batch, never for the whole file; an interrupted or
refused commit discards what it wrote (`Writer.discard`).
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import io
import json
import os
import secrets
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhili.core import audit, errors
from zhili.excel import headers as xh
from zhili.excel import reading, writing
from zhili.excel import values as xv
from zhili.imports import registry
from zhili.imports.models import ColumnMemory, ImportJob, ImportStatus, StagedChange
from zhili.people.scope import Scope

if TYPE_CHECKING:  # people depend on this module, not the other way round
    from zhili.people.models import Person

MAX_PROBLEMS_KEPT = 2000  # errors stored for the preview page (warnings separately); the rejected-rows file has all
BATCH = 5000  # rows between progress reports; records per write of a commit in one transaction
# records per transaction of a batched commit: other writers wait for one of these at most (about a tenth of a
# second on SQLite); fewer would cost a large import more, as each transaction writes the key index's pages again
COMMIT_BATCH = 10000
CHANGE_BATCH = 2000  # staged updates applied per step when publishing


@dataclass(slots=True)
class RowResult:
    excel_row: int
    raw: list
    action: str  # add | update | unchanged | error | skipped
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
    notes: list[str] = field(default_factory=list)  # what the side sheets said that no row used (after the rows)


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

    @classmethod
    def of(cls, job: ImportJob) -> Summary:
        """The counts a job's preview (or commit) kept."""
        return cls(**{k: v for k, v in job.summary.items() if k in cls.__dataclass_fields__})


class _Sentence:
    def __str__(self) -> str:
        return " ".join(self.messages)


class ImportRefused(_Sentence, errors.Invalid):
    """The whole file cannot be imported (not a spreadsheet, no header, required columns missing).

    `columns` carries the header texts when the header was found, so the person can map the columns by hand."""

    def __init__(self, message: str, columns: list[str] | None = None):
        super().__init__(message)
        self.columns = columns or []


class ImportHasErrors(_Sentence, errors.Invalid):
    """All or nothing was asked for and some rows have errors: nothing was written."""


class ImportConflict(_Sentence, errors.Conflict):
    """Somebody changed the records while the import was being written: nothing was written."""


class LeaseLost(Exception):
    """Another worker took the job over (this one was thought dead): stop without writing anything more."""


class Lease:
    """A worker's hold on a job. `beat(progress)` renews it — every few thousand rows — and raises LeaseLost when
    the job is no longer this worker's."""

    def __init__(self, job_id: int, token: str):
        self.job_id, self.token = job_id, token

    @staticmethod
    def new_token() -> str:
        return secrets.token_hex(16)

    @staticmethod
    def until() -> datetime.datetime:
        return timezone.now() + datetime.timedelta(seconds=settings.ZHILI_IMPORT_LEASE_SECONDS)

    def jobs(self):
        return ImportJob.objects.filter(pk=self.job_id, lease_token=self.token)

    def beat(self, progress: int | None = None) -> None:
        fields: dict[str, Any] = {"lease_until": self.until()}
        if progress is not None:
            fields["progress"] = progress
        if not self.jobs().update(**fields):
            raise LeaseLost(self.job_id)


def _save(job: ImportJob, lease: Lease | None, **fields) -> None:
    """Set `fields` on the job (only while this worker holds it, when it is a worker's)."""
    for name, value in fields.items():
        setattr(job, name, value)
    fields["modified_at"] = job.modified_at = timezone.now()
    if lease is not None:
        qs = lease.jobs()
    else:  # a job someone cancelled while it was being checked stays cancelled
        qs = ImportJob.objects.filter(pk=job.pk).exclude(status=ImportStatus.CANCELLED)
    if not qs.update(**fields) and lease is not None:
        raise LeaseLost(job.pk)


def column_names(columns: list) -> list[str]:
    """What the preview page calls each column: its header text, or "第N列" when it has none."""
    return [c or f"第{i + 1}列" for i, c in enumerate(columns)]


def remember_mapping(job: ImportJob, person: Person, choices: dict[str, str]) -> dict[str, str]:
    """Keep a person's manual column choices ({header: field key, or "" = do not import}) for their next file
    into the same target; return the choices that name a real field (or "")."""
    imp = registry.get(job.importer)
    keys = {c.key for c in imp.columns(imp.target(job))}
    clean = {h.strip()[:200]: k for h, k in choices.items() if h.strip() and (k == "" or k in keys)}
    for header, key in clean.items():
        ColumnMemory.objects.update_or_create(
            person=person,
            importer=job.importer,
            target_id=job.target_id,
            header=header,
            defaults={"field_key": key},
        )
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


def _remembered(job: ImportJob, person: Person, override: dict[str, str] | None) -> dict[str, str]:
    """The person's remembered column mapping for this target, with this file's manual choices on top."""
    remembered = {}
    if person is not None:
        remembered = dict(
            ColumnMemory.objects.filter(person=person, importer=job.importer, target_id=job.target_id).values_list(
                "header", "field_key"
            )
        )
    if override:
        remembered.update(override)
    return remembered


def layout(
    imp, target, job: ImportJob, head: list[tuple[int, list]], person: Person | None = None, override=None
) -> Layout:
    columns = imp.columns(target)
    fields = [(c.key, list(c.labels)) for c in columns]
    expected = [label for c in columns for label in c.labels]
    no_header = f"没有找到表头：前 15 行中没有与{imp.label}字段（{'、'.join(expected[:6])}…）对应的列。"
    try:
        match = xh.find_header(head, expected)
    except reading.SpreadsheetError:  # no row looks like a header at all: the same sentence, not a crash
        raise ImportRefused(no_header) from None
    mapping, missing = xh.map_columns(match.columns, fields, _remembered(job, person, override))
    quiet = {c.label for c in columns if c.quiet}
    missing = [label for label in missing if label not in quiet]
    if not mapping:
        raise ImportRefused(no_header)
    required_missing = [c.label for c in columns if c.required and c.key not in mapping.values()]
    if required_missing:
        raise ImportRefused(
            _("文件缺少必填列：%(v)s。请检查表头，或在下方手工对应列。") % {"v": "、".join(required_missing)},
            columns=column_names(match.columns),
        )
    units = {key: (match.units[i] if i < len(match.units) else None) for i, key in mapping.items()}
    return Layout(match.header_row, match.columns, mapping, missing, units)


def _side_rows(job: ImportJob, sheet_names: list[str], name: str, columns: list) -> list[tuple[int, dict]]:
    """The rows of the workbook's sheet called `name` (an importer's side sheet), as (Excel row, {key: cell}),
    read through a handle of their own (the main sheet is being streamed); [] when the workbook has no such
    sheet."""
    sheet = next((n for n in sheet_names if xh.normalise_header(n) == xh.normalise_header(name)), None)
    if sheet is None:
        return []
    expected = [label for c in columns for label in c.labels]
    with job.file.storage.open(job.file.name, "rb") as fh:
        try:
            rows = reading.open_rows(
                fh,
                filename=job.filename,
                max_bytes=settings.ZHILI_IMPORT_MAX_MB * 1024 * 1024,
                max_rows=settings.ZHILI_IMPORT_MAX_ROWS,
                sheet=sheet,
            )
            with rows:
                every = list(rows)
        except reading.SpreadsheetError as exc:
            raise ImportRefused(_("“%(sheet)s”工作表：%(exc)s") % {"sheet": sheet, "exc": exc}) from None
    try:
        match = xh.find_header(every[:15], expected)
    except reading.SpreadsheetError:
        match = None
    mapping = xh.map_columns(match.columns, [(c.key, list(c.labels)) for c in columns])[0] if match else {}
    missing = [c.label for c in columns if c.required and c.key not in mapping.values()]
    if match is None or missing:
        raise ImportRefused(
            _("“%(sheet)s”工作表没有找到表头：应有 %(v)s 这些列。")
            % {"sheet": sheet, "v": "、".join(c.label for c in columns)}
        )
    return [
        (excel_row, {key: values[i] if i < len(values) else None for i, key in mapping.items()})
        for excel_row, values in every
        if excel_row > match.header_row and not (xv.is_blank(values) or xv.is_total_row(values))
    ]


def fingerprint(data: dict) -> bytes:
    """A record's values in a form that compares like the values themselves (keys sorted), in 16 bytes: what
    the importer keeps of an existing record to tell "unchanged" from "update" without holding every record."""
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.blake2b(text.encode(), digest_size=16).digest()


class _Rights:
    """May this person write records about a region — asked once per region (a file names a few dozen), by the
    importer's policy question, for new rows (the region they name) and existing ones (where they are now)."""

    def __init__(self, imp, scope: Scope, target):
        self.imp, self.scope, self.target = imp, scope, target
        self.by_id: dict[int, bool] = {}
        self.regions: dict[int, Any] | None = None

    def of(self, region) -> bool:
        allowed = self.by_id.get(region.pk)
        if allowed is None:
            allowed = self.by_id[region.pk] = bool(self.imp.may_write(self.scope, self.target, region))
        return allowed

    def of_id(self, region_id: int) -> bool:
        allowed = self.by_id.get(region_id)
        if allowed is None:
            if self.regions is None:
                self.regions = self.imp.regions(self.target)
            region = self.regions.get(region_id)
            allowed = self.by_id[region_id] = region is not None and bool(
                self.imp.may_write(self.scope, self.target, region)
            )
        return allowed


def _existing(imp, target) -> dict[str, tuple[int, bytes, int]]:
    """The target's active records by key: only their id, a fingerprint of their values and their region id (a
    million records' data would not fit)."""
    ids: dict[int, int] = {}  # one int object per region id, shared by every record there
    return {
        k: (pk, fingerprint(data), ids.setdefault(region_id, region_id))
        for k, pk, data, region_id in imp.existing(target)
    }


def refused_elsewhere(imp, key_label: str) -> str:
    """The sentence for a key that exists where the person may not write: never where, nor what it holds."""
    return f"该{key_label or '唯一键'}已登记在您无权修改的{imp.where}，不能导入这一行。"


def analyse(
    job: ImportJob,
    scope: Scope,
    *,
    person: Person | None = None,
    override: dict[str, str] | None = None,
    progress: Callable[[int], None] | None = None,
) -> tuple[Layout, Iterator[RowResult]]:
    """The file's layout, and a generator of every data row's result (streaming)."""
    imp = registry.get(job.importer)
    target = imp.target(job)
    if override is None:
        override = job.choices or None
    rows = _open(job)
    head: list[tuple[int, list]] = []
    for excel_row, values in rows:
        head.append((excel_row, values))
        if len(head) >= 15:
            break
    lay = layout(imp, target, job, head, person, override)
    cleaner = imp.cleaner(target, scope, lay.units)
    for name, side_columns in imp.side_sheets(target).items():
        cleaner.side_sheet(name, _side_rows(job, rows.sheet_names, name, side_columns))
    existing = _existing(imp, target)
    rights = _Rights(imp, scope, target)
    default_region = imp.default_region(target)
    column_of = {key: i for i, key in lay.mapping.items()}
    index = [column_of.get(key) for key in cleaner.keys]  # each field's column (None: no column feeds it)
    width = max((i for i in index if i is not None), default=-1) + 1
    pick = itemgetter(*index) if None not in index and len(index) > 1 else None
    region_label = imp.region_label(target)
    has_key = bool(cleaner.key)

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
            if progress and n % BATCH == 0:
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
            errors_ = result.errors
            region = clean.region or default_region
            if not errors_ and not rights.of(region):
                errors_.append((region_label, region.name, f"“{region.name}”不在您的填报范围内。"))
            key_value = clean.key_value
            if key_value and not errors_:
                first = seen.get(key_value)
                if first is not None:
                    errors_.append((clean.key_label, clean.key_display, f"与本文件第 {first} 行重复。"))
                else:
                    seen[key_value] = excel_row
            if has_key and not key_value and not errors_:
                errors_.append((cleaner.key_label, None, "唯一键不能为空。"))
            if not errors_:
                old = existing.get(key_value) if key_value else None
                if old is not None and not rights.of_id(old[2]):
                    # the key is someone else's record: an error, never an update, and nothing about that record
                    errors_.append((clean.key_label, clean.key_display, refused_elsewhere(imp, clean.key_label)))
                else:
                    result.data, result.region_id, result.key_value = clean.data, region.pk, key_value
                    result.action = (
                        "add" if old is None else "unchanged" if old[1] == fingerprint(clean.data) else "update"
                    )
            yield result
        unused = getattr(cleaner, "unused_side_rows", None)  # optional: side-sheet rows no main row took up
        if unused is not None:
            lay.notes.extend(unused())

    return lay, results()


def preview(
    job: ImportJob, scope: Scope, *, person: Person | None = None, override=None, lease: Lease | None = None
) -> Summary:
    """Read the file, store the summary and the problems on the job; write nothing else."""
    summary = Summary()
    problems: list[dict] = []
    warnings: list[dict] = []
    plan = None
    if override is None:
        override = job.choices or None

    def progress(n: int) -> None:
        if lease is not None:
            lease.beat(n)
        else:
            ImportJob.objects.filter(pk=job.pk).update(progress=n)

    imp = registry.get(job.importer)
    keys: set[str] | None = set() if imp.ends_absent else None
    try:
        lay, results = analyse(job, scope, person=person, override=override, progress=progress)
        plan = _PlanWriter(job, _plan_key(job, scope, person, override))
        for r in results:
            if r.action == "skipped":
                summary.skipped += 1
                continue
            if keys is not None and r.action != "error":
                keys.add(r.key_value)
            plan.row(r)
            summary.rows += 1
            if r.action == "error":
                summary.errors += 1
            else:
                setattr(summary, r.action, getattr(summary, r.action) + 1)
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
        _save(
            job,
            lease,
            status=ImportStatus.FAILED,
            message=str(exc),
            summary={"columns": exc.columns} if exc.columns else {},
            mapping={},
            problems=[],
            retryable=False,
            lease_token="",
            lease_until=None,
        )
        return summary
    finally:
        if plan is not None:
            plan.abandon()  # nothing left behind by a preview that did not finish (after finish(): nothing to do)
    _save(
        job,
        lease,
        mapping={lay.columns[i] or f"第{i + 1}列": key for i, key in lay.mapping.items()},
        summary=summary.as_dict() | {"columns": column_names(lay.columns)},
        problems=problems + warnings,
        status=ImportStatus.PREVIEWED,
        progress=summary.rows,
        message=" ".join(
            m
            for m in (
                ("未找到这些字段对应的列（导入后为空）：" + "、".join(lay.missing)) if lay.missing else "",
                *lay.notes,
                imp.absent_note(imp.target(job), scope, keys) if keys is not None and not summary.errors else "",
            )
            if m
        ),
        retryable=False,
        lease_token="",
        lease_until=None,
    )
    return summary


def _show(value: Any) -> str:
    return "" if value is None else str(value)[:100]


# ---- the commit -----------------------------------------------------------------------------------------


def commit(
    job: ImportJob,
    scope: Scope,
    *,
    actor: Person,
    only_valid: bool = False,
    override=None,
    batched: bool | None = None,
    lease: Lease | None = None,
) -> Summary:
    """Write the previewed file: all or nothing (refused if any row has an error), or only the valid rows.

    The rows come from the preview's plan when it is still valid for this file, definition, column mapping,
    regions and scope (see `_plan_key`); otherwise the file is read and checked again. Whether a valid row adds,
    updates or leaves a record unchanged is decided now, against the records as they are.

    Unbatched (a page's small file): one transaction. Batched (the worker's large file, or `batched=True`):
    one transaction per COMMIT_BATCH records, then one short one publishing them; a refusal or a conflict discards
    what was written. Either way nobody sees any of it before the job is published."""
    imp = registry.get(job.importer)
    if batched is None:
        batched = lease is not None
    batched = batched and imp.batchable
    target = imp.target(job)
    if override is None:
        override = job.choices or None
    if not batched:
        with transaction.atomic():
            return _commit(imp, target, job, scope, actor, only_valid, override, batched=False, lease=lease)
    try:
        return _commit(imp, target, job, scope, actor, only_valid, override, batched=True, lease=lease)
    except LeaseLost:
        raise  # the job is another worker's now: it discards what this one wrote
    except BaseException:
        discard(job, target=target)
        raise


def _commit(imp, target, job, scope: Scope, actor: Person, only_valid, override, *, batched: bool, lease) -> Summary:
    summary = Summary()
    now = timezone.now()
    rights = _Rights(imp, scope, target)
    plan = _read_plan(job, _plan_key(job, scope, actor, override))
    rows = plan if plan is not None else _rows_from_file(job, scope, actor, override)
    existing = _existing(imp, target)
    writer = imp.writer(job, target, actor, now, rights.of_id)
    step = transaction.atomic if batched else contextlib.nullcontext
    batch = COMMIT_BATCH if batched else BATCH
    ImportJob.objects.filter(pk=job.pk).update(staging=True)  # from here on, what it writes is hidden
    to_add: list[tuple] = []
    updates: list[tuple[str, dict, int]] = []
    done = 0

    def flush() -> None:
        nonlocal done
        if not to_add and not updates:
            return
        staged = writer.stage(updates) if updates else []  # read before the write lock: publish re-checks
        done += len(to_add) + len(updates)
        if batched:  # in key order: each transaction then writes the key's index page by page, not at random
            to_add.sort(key=itemgetter(2))
        try:
            with step():  # as short as it can be: the rows' INSERT, the staged updates, the lease renewed
                writer.add(to_add)
                if staged:
                    StagedChange.objects.bulk_create(staged, batch_size=1000)
                if lease is not None:
                    lease.beat(done)
        except IntegrityError:
            raise ImportConflict(
                _("导入期间有人新增了相同唯一键的记录，为避免重复，未写入任何数据。请重新上传文件预览后再导入。")
            ) from None
        to_add.clear()
        updates.clear()

    seen: set[str] | None = set() if imp.ends_absent else None
    for action, region_id, key_value, data_json in rows:
        if action == "skipped":
            summary.skipped += 1
            continue
        if seen is not None and action != "error":
            seen.add(key_value)
        summary.rows += 1
        refused = action == "error"
        old = None
        if not refused:
            old = existing.get(key_value) if key_value else None
            refused = not rights.of_id(region_id) or (old is not None and not rights.of_id(old[2]))
        if refused:
            summary.errors += 1
            if not only_valid:
                raise ImportHasErrors(
                    f"有 {summary.errors} 行以上存在错误，按“全部或全不”未写入任何数据。"
                    "请修改文件后重新导入，或选择“只导入正确的行”。"
                )
            continue
        if old is None:
            summary.add += 1
            to_add.append((region_id, data_json, key_value))
        else:
            data = json.loads(data_json)
            if old[1] == fingerprint(data):
                summary.unchanged += 1
                continue
            summary.update += 1
            updates.append((key_value, data, region_id))
        if len(to_add) + len(updates) >= batch:
            flush()
    flush()
    if seen is not None and not summary.errors:  # the whole list was valid: what it no longer holds is ended
        ended = writer.end_absent(seen)
        if ended:
            with step():
                StagedChange.objects.bulk_create(ended, batch_size=1000)
    with step():
        _publish(imp, target, job, writer, summary, actor, only_valid, lease)
    return summary


def _publish(imp, target, job, writer, summary: Summary, actor: Person, only_valid: bool, lease) -> None:
    """The one short transaction that makes the import visible: staged updates applied (each only if its record
    is unchanged since it was read) with one audit entry per record, the job done, `staging` cleared."""
    jobs = lease.jobs() if lease is not None else ImportJob.objects.filter(pk=job.pk)
    claimed = jobs.select_for_update().first()  # the job row locked: a worker taking it over waits for this
    if claimed is None:
        raise LeaseLost(job.pk)
    staged = StagedChange.objects.filter(job=job).order_by("id")
    last = 0
    while True:
        chunk = list(staged.filter(id__gt=last)[:CHANGE_BATCH])
        if not chunk:
            break
        last = chunk[-1].id
        if writer.apply(chunk) != len(chunk):
            raise ImportConflict(
                _("导入期间有记录被他人修改或归档，为避免覆盖对方的修改，未写入任何数据。请重新上传文件预览后再导入。")
            )
        audit.record_many(
            actor,
            imp.row_audit_action,
            imp.row_model,
            ((c.object_id, imp.row_repr(target, c.object_id), c.region_path, c.changes) for c in chunk),
            reason=f"导入 {job.filename}",
        )
    StagedChange.objects.filter(job=job).delete()
    _save(
        job,
        lease,
        status=ImportStatus.DONE,
        only_valid=only_valid,
        summary=summary.as_dict(),
        staging=False,
        message="",
        lease_token="",
        lease_until=None,
    )
    audit.record(
        actor,
        imp.audit_action,
        target,
        changes={
            "file": [None, job.filename],
            "add": [None, summary.add],
            "update": [None, summary.update],
            "rejected": [None, summary.errors if only_valid else 0],
        },
        reason="只导入正确的行" if only_valid else "",
    )
    transaction.on_commit(lambda: _drop_plan(job))


def discard(job: ImportJob, *, target=None) -> None:
    """Remove everything an unpublished commit of `job` wrote (records and staged updates), in short
    transactions, then stop hiding: there is nothing left to hide."""
    if ImportJob.objects.filter(pk=job.pk, status=ImportStatus.DONE).exists():
        return  # published: what it wrote is everyone's now (and its updated records point at it too)
    imp = registry.get(job.importer)
    target = target if target is not None else imp.target(job)
    imp.writer(job, target, None, timezone.now(), lambda region_id: False).discard()
    StagedChange.objects.filter(job=job).delete()
    ImportJob.objects.filter(pk=job.pk).update(staging=False)


def _rows_from_file(job: ImportJob, scope: Scope, person: Person, override) -> Iterator[tuple]:
    """The file read and checked again: (action, region id, key, data as JSON) per row, as a plan holds them."""
    _, results = analyse(job, scope, person=person, override=override)
    for r in results:
        if r.action in ("skipped", "error"):
            yield r.action, None, "", ""
        else:
            yield "valid", r.region_id, r.key_value, to_json(r.data)


def to_json(data: dict) -> str:
    """A record's data as JSONField stores it (json.dumps with its defaults)."""
    return json.dumps(data)


# ---- the plan: what the preview found, for the commit ------------------------------------------------
#
# A preview writes every row's outcome to a plan file beside the stored upload — one line per row, streamed,
# so a million-row file never sits in memory: "excel_row<TAB>region_id<TAB>key as JSON<TAB>data as JSON" for a
# valid row, "excel_row<TAB>E" for a row with errors, then "#end<TAB>skipped rows". Its first line holds the key
# of everything the outcome depends on; the commit uses the plan only when the key it computes is the same,
# which makes what is written exactly what was previewed. Whether a valid row adds, updates or leaves a record
# unchanged (and whether its record is one the person may change) is decided again at commit time.

PLAN_FORMAT = "zhili-import-plan 2"


def _plan_path(job: ImportJob) -> Path | None:
    try:
        stored = Path(job.file.path)
    except (NotImplementedError, ValueError):  # a storage without local paths: no plan, the file is re-read
        return None
    return stored.with_name(f".{stored.name}.job{job.pk}.plan")


def _plan_key(job: ImportJob, scope: Scope, person: Person, override) -> str | None:
    """Everything a row's outcome depends on: the stored file (name, size, modification time), what the importer
    says its rows depend on (for a ledger: the definition version, default region, unit and level, the regions
    rows may name), the column mapping's inputs (the person's remembered mapping and this file's manual
    choices), what the scope lets the person write, and the import limits. The same key means the same outcome,
    row for row."""
    path = _plan_path(job)
    if path is None:
        return None
    try:
        st = Path(job.file.path).stat()
    except OSError:
        return None
    imp = registry.get(job.importer)
    target = imp.target(job)
    if override is None:
        override = job.choices or None
    parts = [
        PLAN_FORMAT,
        job.importer,
        job.target_id,
        job.file.name,
        st.st_size,
        st.st_mtime_ns,
        imp.plan_parts(target, scope),
        sorted(_remembered(job, person, override).items()),
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
            self.file.write(f"{r.excel_row}\t{r.region_id}\t{json.dumps(r.key_value)}\t{to_json(r.data)}\n")

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
        raise ImportRefused(_("导入计划文件不完整，请重新预览后再导入。"))  # never: plans are renamed into place whole

    return rows()


def drop_plan(job: ImportJob) -> None:
    path = _plan_path(job)
    if path is not None:
        with contextlib.suppress(OSError):
            path.unlink()


_drop_plan = drop_plan


# ---- the rows that were not imported ------------------------------------------------------------------


def rejected_xlsx(job: ImportJob, scope: Scope, *, person: Person | None = None) -> bytes:
    """The rows that were not imported, as the person sent them, with an error column to fix and resend."""
    imp = registry.get(job.importer)
    lay, results = analyse(job, scope, person=person)
    headers = [*column_names(lay.columns), "错误原因"]
    buf = io.BytesIO()
    writing.write_xlsx(
        buf,
        title=_("%(v)s：未导入的行") % {"v": imp.name(imp.target(job))},
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
