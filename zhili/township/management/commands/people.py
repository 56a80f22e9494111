"""zhili people import FILE --user USERNAME --passwords-out FILE.xlsx [--township CODE] [--dry-run] [--only-valid]

A township's people and their roles from its staff roster (花名册), through the same import pipeline as the page.
The initial passwords of new accounts go to --passwords-out, never to the screen or a log."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from zhili.imports import cli as import_cli
from zhili.township import actions, cli, importer


class Command(BaseCommand):
    help = "从花名册（Excel）导入本乡镇（街道）的人员和角色（与网页使用同一套检查和权限）。"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="verb", required=True, parser_class=type(parser))
        kw = {"called_from_command_line": getattr(parser, "called_from_command_line", None)}
        imp = sub.add_parser("import", help=_("导入花名册"), **kw)
        cli.add_import_arguments(imp)
        imp.add_argument("--passwords-out", help=_("新账号初始密码写入的 .xlsx 文件（不试运行时必填）"))

    def handle(
        self,
        *args,
        verb: str,
        file: str,
        user: str,
        township=None,
        dry_run=False,
        only_valid=False,
        passwords_out=None,
        **options,
    ):
        out = Path(passwords_out) if passwords_out else None
        if not dry_run:
            if out is None:
                raise CommandError(
                    _("新账号的初始密码只写入文件：请加 --passwords-out 初始密码.xlsx。没有作任何改动。")
                )
            if out.exists():
                raise CommandError(_("%(out)s 已存在：为免覆盖，请换一个文件名。没有作任何改动。") % {"out": out})
        person, scope, where = cli.person_and_township(user, township)
        job = import_cli.run_import(
            self, importer.PEOPLE, where, Path(file), person, scope, dry_run=dry_run, only_valid=only_valid
        )
        if job is None or out is None:
            return
        if actions.has_initial_passwords(job):
            out.write_bytes(actions.do_take_initial_passwords(job, actor=person, scope=scope))
            self.stdout.write(
                _("新账号的初始密码已写入 %(out)s：请逐一转交本人，本人首次登录须修改密码。") % {"out": out}
            )
        else:
            self.stdout.write(_("没有新建账号，没有写入初始密码文件。"))
