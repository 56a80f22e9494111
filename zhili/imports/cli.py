"""An import's life cycle on the command line, for any importer: the file checked and its preview printed, then
— unless it is a dry run — written, all rows or only the valid ones, through the same actions as the pages
(zhili.imports.actions). The command waits: it checks and writes the file itself, however large."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from zhili.imports import actions as import_actions
from zhili.imports import pipeline
from zhili.imports.models import ImportJob, ImportStatus
from zhili.people.models import Person
from zhili.people.scope import NoViewpoint, Scope, scope_for, viewpoint
from zhili.regions.models import Level, Region


def run_import(
    command, key: str, target: Any, path: Path, person: Person, scope: Scope, *, dry_run: bool, only_valid: bool
) -> ImportJob | None:
    """Check the file (and print the preview); unless it is a dry run, write it — all rows, or only the valid
    ones. Returns the job when something was written."""
    if not path.exists():
        raise CommandError(_("文件 %(path)s 不存在。") % {"path": path})
    try:  # the command waits: it checks (and writes) the file itself
        with path.open("rb") as fh:
            job = import_actions.do_start_import(
                key, target, File(fh, name=path.name), actor=person, scope=scope, wait=True
            )
    except ValidationError as exc:
        raise CommandError("；".join(exc.messages)) from None
    job.refresh_from_db()
    summary = pipeline.Summary.of(job)
    if job.status == ImportStatus.FAILED:
        raise CommandError(job.message + " 没有写入任何数据。")
    command.stdout.write(
        _(
            "%(name)s：数据行 %(rows)s，新增 %(add)s，更新 %(update)s，未变 %(unchanged)s，有错误 %(errors)s，跳过 %(skipped)s。"
        )
        % {
            "name": path.name,
            "rows": summary.rows,
            "add": summary.add,
            "update": summary.update,
            "unchanged": summary.unchanged,
            "errors": summary.errors,
            "skipped": summary.skipped,
        }
    )
    if job.message:
        command.stdout.write(job.message)
    for p in job.problems:
        mark = "" if p["level"] == "error" else "（提示）"
        command.stdout.write(
            _("  第 %(v)s 行 %(v2)s（%(v3)s）%(mark)s：%(v4)s")
            % {"v": p["row"], "v2": p["column"], "v3": p["value"], "mark": mark, "v4": p["reason"]}
        )
    if sum(1 for p in job.problems if p["level"] == "error") >= pipeline.MAX_PROBLEMS_KEPT:
        command.stdout.write(
            _("  ……仅列出前 %(MAX_PROBLEMS_KEPT)s 条。") % {"MAX_PROBLEMS_KEPT": pipeline.MAX_PROBLEMS_KEPT}
        )
    if dry_run:
        import_actions.do_cancel(job, actor=person, scope=scope)
        command.stdout.write(_("试运行（--dry-run）：没有写入任何数据。"))
        if summary.errors:
            raise CommandError(_("有 %(errors)s 行存在错误。") % {"errors": summary.errors})
        return None
    if summary.errors and not only_valid:
        raise CommandError(
            _("有 %(errors)s 行存在错误，没有写入任何数据。修改文件后重试，或加 --only-valid 只导入正确的行。")
            % {"errors": summary.errors}
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


# ---- whose scope and which subdistrict: the commands of the apps that import into a subdistrict ----------


def add_common_arguments(parser) -> None:
    parser.add_argument("--user", help=_("以此人员的身份和权限操作（默认：乡镇（街道）的系统管理员）"))
    parser.add_argument("--township", help=_("乡镇（街道）的 9 位代码（默认：此人所在的乡镇（街道））"))


def township_admin(code: str | None = None) -> Person:
    """The one person who administers a subdistrict (of `code`, or any): the default --user."""
    subs = Region.objects.filter(level=Level.SUBDISTRICT)
    if code:
        subs = subs.filter(code=code)
    paths = list(subs.values_list("path", flat=True))
    people = (
        Person.objects.filter(is_active=True, roles__ended_at__isnull=True, roles__region__path__in=paths)
        .distinct()
        .order_by("pk")
    )
    admins = []
    for person in people:
        scope = scope_for(person)
        if not scope.is_superuser and any(scope.can_admin(p) for p in paths):
            admins.append(person)
    if len(admins) != 1:
        names = "、".join(p.username for p in admins[:5])
        raise CommandError(
            _("有 %(n)s 位乡镇（街道）系统管理员（%(names)s），请用 --user 指定以谁的身份操作。")
            % {"n": len(admins), "names": names}
            if admins
            else _("没有找到乡镇（街道）的系统管理员，请用 --user 指定以谁的身份操作。")
        )
    return admins[0]


def person_and_subdistrict(username: str | None, code: str | None) -> tuple[Person, Scope, Region]:
    """Who acts (--user, by default the township's administrator), with what scope, on which subdistrict (--township,
    by default that person's); a sentence when there is none. The app then asks its own policy."""
    if username:
        person = Person.objects.filter(username=username, is_active=True).first()
        if person is None:
            raise CommandError(_("找不到可用的人员“%(username)s”。") % {"username": username})
    else:
        person = township_admin(code)
    scope = scope_for(person)
    if code:
        sub = Region.objects.filter(code=code, level=Level.SUBDISTRICT).first()
        if sub is None or not scope.can_read(sub.path):
            raise CommandError(
                _("乡镇（街道）“%(code)s”不存在或不在“%(username)s”的权限范围内。")
                % {"code": code, "username": person.username}
            )
    else:
        try:
            sub = viewpoint(scope).sub
        except NoViewpoint:
            sub = None
        if sub is None:
            raise CommandError(
                _("“%(username)s”的权限范围内没有乡镇（街道），请用 --township 指定。") % {"username": person.username}
            )
    return person, scope, sub
