"""An import from the command line, the same for every importer: the file stored and checked (the command waits,
however large), the preview printed, then — unless --dry-run, or rows have errors and --only-valid was not
given — written. Thin: the life cycle is imports/actions.py, as for the pages."""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.management.base import CommandError

from zhili.imports import actions, pipeline
from zhili.imports.models import ImportStatus


def run_import(command, importer: str, target, path: Path, *, person, scope, dry_run: bool, only_valid: bool) -> None:
    out, err = command.stdout, command.stderr
    if not path.exists():
        raise CommandError(f"文件 {path} 不存在。")
    try:
        with path.open("rb") as fh:
            job = actions.do_start_import(
                importer, target, File(fh, name=path.name), actor=person, scope=scope, wait=True
            )
    except ValidationError as exc:
        raise CommandError("；".join(exc.messages)) from None
    job.refresh_from_db()
    summary = pipeline.Summary.of(job)
    if job.status == ImportStatus.FAILED:
        raise CommandError(job.message + " 没有写入任何数据。")
    out.write(
        f"{path.name}：数据行 {summary.rows}，新增 {summary.add}，更新 {summary.update}，"
        f"未变 {summary.unchanged}，有错误 {summary.errors}，跳过 {summary.skipped}。"
    )
    for p in job.problems:
        out.write(f"  第 {p['row']} 行 {p['column']}（{p['value']}）：{p['reason']}")
    if dry_run:
        out.write("试运行（--dry-run）：没有写入任何数据。")
        if summary.errors:
            sys.exit(1)
        return
    if summary.errors and not only_valid:
        err.write(
            f"有 {summary.errors} 行存在错误，没有写入任何数据。修改文件后重试，或加 --only-valid 只导入正确的行。"
        )
        sys.exit(1)
    try:
        done = actions.do_confirm(job, only_valid=only_valid, actor=person, scope=scope)
    except ValidationError as exc:
        raise CommandError("；".join(exc.messages)) from None
    out.write(
        f"已导入：新增 {done.add} 行，更新 {done.update} 行，未变 {done.unchanged} 行"
        + (f"，未导入 {done.errors} 行" if done.errors else "")
        + "。"
    )
