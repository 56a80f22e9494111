"""Importing a spreadsheet into a ledger: read, find the header, map the columns, parse every cell, and show
a preview (rows to add, to update, unchanged, and every error with its Excel row, column, value and reason).
Nothing is written until the person confirms; then all valid rows or nothing (or, if they chose, only the
valid rows) in one transaction.

The file is read twice — once for the preview, once to write — streaming both times, so a million-row file
never sits in memory, and what is written is exactly what was previewed (the file is stored unchanged).
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from zhili.core import audit
from zhili.core.models import AuditEntry
from zhili.excel import headers as xh
from zhili.excel import reading, writing
from zhili.excel import values as xv
from zhili.ledgers.actions import can_write_row
from zhili.ledgers.fields import Context, clean_row, display
from zhili.ledgers.models import ColumnMemory, ImportJob, ImportStatus, Ledger, LedgerRow
from zhili.people.scope import Scope

MAX_PROBLEMS_KEPT = 2000  # errors stored for the preview page (warnings separately); the rejected-rows file has all
BATCH = 2000


@dataclass
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
    """The whole file cannot be imported (not a spreadsheet, no header, required columns missing)."""


def _open(job: ImportJob) -> reading.SheetRows:
    job.file.open("rb")
    try:
        return reading.open_rows(job.file, filename=job.filename,
                                 max_bytes=settings.ZHILI_IMPORT_MAX_MB * 1024 * 1024,
                                 max_rows=settings.ZHILI_IMPORT_MAX_ROWS)
    except reading.SpreadsheetError as exc:
        raise ImportRefused(str(exc)) from None


def layout(ledger: Ledger, head: list[tuple[int, list]], person=None, override: dict[str, str] | None = None) -> Layout:
    version = ledger.current_version
    fields = [(f["key"], [f["label"], *f.get("aliases", [])]) for f in version.fields]
    expected = [label for _, labels in fields for label in labels]
    match = xh.find_header(head, expected)
    remembered = {}
    if person is not None:
        remembered = dict(ColumnMemory.objects.filter(person=person, ledger=ledger).values_list("header", "field_key"))
    if override:
        remembered.update(override)
    mapping, missing = xh.map_columns(match.columns, fields, remembered)
    if not mapping:
        raise ImportRefused(f"没有找到表头：前 15 行中没有与台账字段（{'、'.join(expected[:6])}…）对应的列。")
    required_missing = [f["label"] for f in version.fields if f.get("required") and f["key"] not in mapping.values()]
    if required_missing:
        raise ImportRefused(f"文件缺少必填列：{'、'.join(required_missing)}。请检查表头，或在预览页手工对应列。")
    units = {key: (match.units[i] if i < len(match.units) else None) for i, key in mapping.items()}
    return Layout(match.header_row, match.columns, mapping, missing, units)


def analyse(job: ImportJob, scope: Scope, *, person=None, override: dict[str, str] | None = None,
            progress: Callable[[int], None] | None = None) -> tuple[Layout, Iterator[RowResult]]:
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
    labels = {f["key"]: f["label"] for f in version.fields}
    existing = {k: (pk, data) for k, pk, data in LedgerRow.objects.active().filter(ledger=ledger)
                .exclude(key_value="").values_list("key_value", "pk", "data").iterator(chunk_size=5000)}
    regions_by_id: dict[int, Any] = {}

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
            raw = {key: values[i] if i < len(values) else None for i, key in lay.mapping.items()}
            clean = clean_row(version, raw, ctx, lay.units)
            result = RowResult(excel_row, values, "error")
            result.errors = [(p.label, p.raw, p.reason) for p in clean.errors]
            result.warnings = [(p.label, p.raw, p.reason) for p in clean.warnings]
            region = clean.region or ledger.region
            if not clean.errors and not can_write_row(scope, ledger, region):
                result.errors.append((labels.get(_region_key(version), "区划"), region.name,
                                      f"“{region.name}”不在您的填报范围内。"))
            if clean.key_value and not result.errors:
                if clean.key_value in seen:
                    result.errors.append((clean.key_label, clean.key_display,
                                          f"与本文件第 {seen[clean.key_value]} 行重复。"))
                else:
                    seen[clean.key_value] = excel_row
            if version.key and not clean.key_value and not result.errors:
                result.errors.append(("、".join(labels[k] for k in version.key), None, "唯一键不能为空。"))
            if not result.errors:
                regions_by_id[region.pk] = region
                result.data, result.region_id, result.key_value = clean.data, region.pk, clean.key_value
                old = existing.get(clean.key_value) if clean.key_value else None
                result.action = "add" if old is None else ("unchanged" if old[1] == clean.data else "update")
            yield result

    return lay, results()


def _region_key(version) -> str:
    return next((f["key"] for f in version.fields if f["type"] == "region"), "")


def preview(job: ImportJob, scope: Scope, *, person=None, override=None) -> Summary:
    """Read the file, store the summary and the problems on the job; write nothing else."""
    summary = Summary()
    problems: list[dict] = []
    warnings: list[dict] = []
    try:
        lay, results = analyse(job, scope, person=person, override=override,
                               progress=lambda n: ImportJob.objects.filter(pk=job.pk).update(progress=n))
        for r in results:
            if r.action == "skipped":
                summary.skipped += 1
                continue
            summary.rows += 1
            setattr(summary, r.action if r.action != "error" else "errors",
                    getattr(summary, r.action if r.action != "error" else "errors") + 1)
            for column, value, reason in r.errors:
                if len(problems) < MAX_PROBLEMS_KEPT:
                    problems.append({"row": r.excel_row, "column": column, "value": _show(value), "reason": reason,
                                     "level": "error"})
            for column, value, reason in r.warnings:
                summary.warnings += 1
                if len(warnings) < MAX_PROBLEMS_KEPT // 4:  # warnings never crowd errors out
                    warnings.append({"row": r.excel_row, "column": column, "value": _show(value), "reason": reason,
                                     "level": "warning"})
    except ImportRefused as exc:
        job.status, job.message = ImportStatus.FAILED, str(exc)
        job.save(update_fields=["status", "message", "modified_at"])
        return summary
    job.mapping = {lay.columns[i] or f"第{i + 1}列": key for i, key in lay.mapping.items()}
    job.summary, job.problems = summary.as_dict(), problems + warnings
    job.status, job.progress = ImportStatus.PREVIEWED, summary.rows
    job.message = ("未找到这些字段对应的列（导入后为空）：" + "、".join(lay.missing)) if lay.missing else ""
    job.save(update_fields=["mapping", "summary", "problems", "status", "progress", "message", "modified_at"])
    return summary


def _show(value: Any) -> str:
    return "" if value is None else str(value)[:100]


class ImportHasErrors(Exception):
    pass


def commit(job: ImportJob, scope: Scope, *, actor, only_valid: bool = False, override=None) -> Summary:
    """Write the previewed file: all or nothing (refused if any row has an error), or only the valid rows."""
    ledger = job.ledger
    summary = Summary()
    now = timezone.now()
    version = ledger.current_version
    with transaction.atomic():
        _, results = analyse(job, scope, person=actor, override=override)
        to_add: list[LedgerRow] = []
        updates: list[tuple[str, dict, int]] = []
        for r in results:
            if r.action == "skipped":
                summary.skipped += 1
                continue
            summary.rows += 1
            if r.action == "error":
                summary.errors += 1
                if not only_valid:
                    raise ImportHasErrors(f"有 {summary.errors} 行以上存在错误，按“全部或全不”未写入任何数据。"
                                          "请修改文件后重新导入，或选择“只导入正确的行”。")
                continue
            if r.action == "unchanged":
                summary.unchanged += 1
                continue
            if r.action == "add":
                summary.add += 1
                to_add.append(LedgerRow(ledger=ledger, version=version, region_id=r.region_id, data=r.data,
                                        key_value=r.key_value, created_by=actor, modified_by=actor, import_job=job,
                                        created_at=now, modified_at=now))
                if len(to_add) >= BATCH:
                    LedgerRow.objects.bulk_create(to_add)
                    to_add.clear()
            else:
                summary.update += 1
                updates.append((r.key_value, r.data, r.region_id))
        LedgerRow.objects.bulk_create(to_add)
        _apply_updates(ledger, version, updates, actor, job, now)
        job.status, job.only_valid, job.summary = ImportStatus.DONE, only_valid, summary.as_dict()
        job.save(update_fields=["status", "only_valid", "summary", "modified_at"])
        audit.record(actor, "ledger.import", ledger, changes={
            "file": [None, job.filename], "add": [None, summary.add], "update": [None, summary.update],
            "rejected": [None, summary.errors if only_valid else 0]}, reason="只导入正确的行" if only_valid else "")
    return summary


def _apply_updates(ledger, version, updates, actor, job, now) -> None:
    """Updated rows get their new values and one history entry each (old → new)."""
    regions = {}
    for start in range(0, len(updates), BATCH):
        chunk = updates[start:start + BATCH]
        rows = {r.key_value: r for r in LedgerRow.objects.active().filter(ledger=ledger,
                                                                            key_value__in=[u[0] for u in chunk])}
        changed, entries = [], []
        for key_value, data, region_id in chunk:
            row = rows[key_value]
            before = row.data
            row.data, row.region_id, row.version = data, region_id, version
            row.revision += 1
            row.modified_by, row.modified_at, row.import_job = actor, now, job
            changed.append(row)
            diff = {k: [display(version, k, before.get(k), regions=regions), display(version, k, data.get(k),
                                                                                     regions=regions)]
                    for k in set(before) | set(data) if before.get(k) != data.get(k)}
            entries.append(AuditEntry(actor=actor, actor_name=actor.get_full_name(), action="ledger.row.import",
                                      object_type=LedgerRow._meta.label_lower, object_id=str(row.pk),
                                      object_repr=str(row)[:300], region_path=ledger.region.path, changes=diff,
                                      reason=f"导入 {job.filename}", at=now))
        LedgerRow.objects.bulk_update(changed, ["data", "region", "version", "revision", "modified_by",
                                                "modified_at", "import_job"], batch_size=500)
        AuditEntry.objects.bulk_create(entries)


def rejected_xlsx(job: ImportJob, scope: Scope, *, person=None) -> bytes:
    """The rows that were not imported, as the person sent them, with an error column to fix and resend."""
    lay, results = analyse(job, scope, person=person)
    headers = [c or f"第{i + 1}列" for i, c in enumerate(lay.columns)] + ["错误原因"]
    buf = io.BytesIO()
    writing.write_xlsx(buf, title=f"{job.ledger.name}：未导入的行", subtitle=f"来源文件：{job.filename}",
                       headers=headers,
                       rows=([*(r.raw + [None] * (len(lay.columns) - len(r.raw)))[:len(lay.columns)],
                              "；".join(f"第 {r.excel_row} 行 {c}：{reason}" for c, _, reason in r.errors)]
                             for r in results if r.action == "error"))
    return buf.getvalue()
