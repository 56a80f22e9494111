"""What `zhili regions import` and `zhili people import` share: whose scope, which township, and the import's
life cycle on the command line (the same actions as the pages: zhili.imports.actions)."""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.management.base import CommandError

from zhili.imports import actions as import_actions
from zhili.imports import pipeline
from zhili.imports.models import ImportJob, ImportStatus
from zhili.people.models import Person
from zhili.people.scope import NoViewpoint, Scope, scope_for
from zhili.regions.models import Region
from zhili.township import queries


def add_import_arguments(parser) -> None:
    parser.add_argument("file", help=".xlsx/.xls/.ods/.csv 文件")
    parser.add_argument("--user", required=True, help="以此人员的身份和权限操作（乡镇（街道）的系统管理员）")
    parser.add_argument("--township", help="乡镇（街道）的 9 位代码（默认：此人管理的乡镇（街道））")
    parser.add_argument("--dry-run", action="store_true", help="只检查并打印预览，不写入")
    parser.add_argument("--only-valid", action="store_true", help="只导入正确的行，其余行列出")


def person_and_township(username: str, code: str | None) -> tuple[Person, Scope, Region]:
    person = Person.objects.filter(username=username, is_active=True).first()
    if person is None:
        raise CommandError(f"找不到可用的人员“{username}”。")
    scope = scope_for(person)
    try:
        township = queries.get_township_or_404(scope, code) if code else queries.own_township(scope)
    except (NoViewpoint, ValidationError):
        raise CommandError(f"“{username}”无权导入名册：须是乡镇（街道）的系统管理员。") from None
    except Exception as exc:  # Http404 for a code outside the person's scope
        raise CommandError(f"乡镇（街道）“{code}”不存在或不在“{username}”的管理范围内。") from exc
    return person, scope, township


def run_import(
    command, key: str, township: Region, path: Path, person: Person, scope: Scope, *, dry_run: bool, only_valid: bool
) -> ImportJob | None:
    """Check the file (and print the preview); unless it is a dry run, write it — all rows, or only the valid
    ones. Returns the job when something was written."""
    if not path.exists():
        raise CommandError(f"文件 {path} 不存在。")
    try:  # the command waits: it checks (and writes) the file itself
        with path.open("rb") as fh:
            job = import_actions.do_start_import(
                key, township, File(fh, name=path.name), actor=person, scope=scope, wait=True
            )
    except ValidationError as exc:
        raise CommandError("；".join(exc.messages)) from None
    job.refresh_from_db()
    summary = pipeline.Summary.of(job)
    if job.status == ImportStatus.FAILED:
        raise CommandError(job.message + " 没有写入任何数据。")
    command.stdout.write(
        f"{path.name}：数据行 {summary.rows}，新增 {summary.add}，更新 {summary.update}，"
        f"未变 {summary.unchanged}，有错误 {summary.errors}，跳过 {summary.skipped}。"
    )
    for p in job.problems:
        mark = "" if p["level"] == "error" else "（提示）"
        command.stdout.write(f"  第 {p['row']} 行 {p['column']}（{p['value']}）{mark}：{p['reason']}")
    if dry_run:
        import_actions.do_cancel(job, actor=person, scope=scope)
        command.stdout.write("试运行（--dry-run）：没有写入任何数据。")
        if summary.errors:
            raise CommandError(f"有 {summary.errors} 行存在错误。")
        return None
    if summary.errors and not only_valid:
        raise CommandError(
            f"有 {summary.errors} 行存在错误，没有写入任何数据。修改文件后重试，或加 --only-valid 只导入正确的行。"
        )
    try:
        done = import_actions.do_confirm(job, only_valid=only_valid, actor=person, scope=scope)
    except ValidationError as exc:
        raise CommandError("；".join(exc.messages)) from None
    assert done is not None  # the command never queues: it waited
    command.stdout.write(
        f"已导入：新增 {done.add} 行，更新 {done.update} 行，未变 {done.unchanged} 行"
        + (f"，未导入 {done.errors} 行" if done.errors else "")
        + "。"
    )
    job.refresh_from_db()
    return job
