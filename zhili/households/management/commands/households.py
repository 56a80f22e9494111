"""zhili households import FILE [--kind poverty|dibao] [--dry-run] [--only-valid] [--user USERNAME] [--township CODE]
zhili households export -o FILE.xlsx [--user USERNAME] [--township CODE]

The national monitoring system's export (防返贫监测, one row per member) or the 低保 roster, through the same import
pipeline, checks and rights as the pages; and the register with its personal data, audited (numbers in full only
where the person may see them)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from zhili.households import cli, exports, importer
from zhili.imports import cli as import_cli


class Command(BaseCommand):
    help = "导入防返贫监测系统导出或低保名册，导出户籍成员名单（与网页使用同一套检查和权限）。"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="verb", required=True, parser_class=type(parser))
        kw = {"called_from_command_line": getattr(parser, "called_from_command_line", None)}
        imp = sub.add_parser("import", help=_("导入户籍文件"), **kw)
        imp.add_argument("file", help=_(".xlsx/.xls/.ods/.csv 文件"))
        imp.add_argument(
            "--kind",
            choices=sorted(importer.KINDS),
            default="poverty",
            help=_("poverty：防返贫监测系统导出（默认）；dibao：低保名册"),
        )
        imp.add_argument("--dry-run", action="store_true", help=_("只检查并打印预览，不写入"))
        imp.add_argument("--only-valid", action="store_true", help=_("只导入正确的行，其余行列出"))
        cli.add_common_arguments(imp)
        exp = sub.add_parser("export", help=_("导出户籍成员名单（含个人信息，留痕）"), **kw)
        exp.add_argument("-o", "--output", required=True, help=_("写入的 .xlsx 文件"))
        cli.add_common_arguments(exp)

    def handle(self, *args, verb: str, user=None, township=None, **options):
        person, scope, setup = cli.person_and_setup(user, township)
        if verb == "import":
            import_cli.run_import(
                self,
                importer.KINDS[options["kind"]],
                setup.region,
                Path(options["file"]),
                person,
                scope,
                dry_run=options["dry_run"],
                only_valid=options["only_valid"],
            )
            return
        out = Path(options["output"])
        if out.suffix.lower() != ".xlsx":
            raise CommandError(_("导出文件须以 .xlsx 结尾。"))
        done = exports.do_export_register(setup.region, actor=person, scope=scope)
        out.write_bytes(done.data)
        self.stdout.write(
            _("已导出 %(rows)s 人到 %(path)s（完整证件号码 %(full)s 人，其余已隐去部分数字）。")
            % {"rows": done.rows, "path": out, "full": done.full}
        )
