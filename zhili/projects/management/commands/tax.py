"""zhili tax import-receipts FILE [--dry-run] [--only-valid] [--user USERNAME] [--township CODE]
zhili tax gap --month YYYY-MM -o FILE.xlsx [--user USERNAME] [--township CODE]
zhili tax recompute [--user USERNAME] [--township CODE]

The tax bureau's receipts (税收入库明细) through the same import pipeline as the page; the 应收未收 file of a
month; the expected taxes of every project computed again (after the rules file or the setup changed). Thin:
parse, then the same actions as the pages."""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from zhili.excel import values as xv
from zhili.imports import cli as import_cli
from zhili.projects import actions, cli, importer


class Command(BaseCommand):
    help = "税收入库明细导入、应收未收导出与应缴税款重算（与网页使用同一套检查和权限）。"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="verb", required=True, parser_class=type(parser))
        kw = {"called_from_command_line": getattr(parser, "called_from_command_line", None)}
        cli.add_import_arguments(sub.add_parser("import-receipts", help=_("导入税收入库明细"), **kw))
        gap = sub.add_parser("gap", help=_("导出某月的应收未收明细（.xlsx）"), **kw)
        gap.add_argument("--month", required=True, help=_("所属期，如 2020-05"))
        gap.add_argument("-o", "--output", required=True, help=_("写出的 .xlsx 文件"))
        cli.add_common_arguments(gap)
        cli.add_common_arguments(sub.add_parser("recompute", help=_("按现行税收规则重新计算全部项目的应缴税款"), **kw))

    def handle(self, *args, verb: str, user=None, township=None, **options):
        month = None
        if verb == "gap":  # a bad month is refused before anyone's rights are looked up
            try:
                month = importer.parse_month(options["month"])
            except xv.ValueProblem as exc:
                raise CommandError(str(exc)) from None
            if month is None:
                raise CommandError(_("请用 --month 指定所属期，如 2020-05。"))
        person, scope, setup = cli.person_and_setup(user, township)
        try:
            if verb == "import-receipts":
                import_cli.run_import(
                    self,
                    importer.RECEIPTS,
                    setup.region,
                    Path(options["file"]),
                    person,
                    scope,
                    dry_run=options["dry_run"],
                    only_valid=options["only_valid"],
                )
            elif verb == "gap":
                assert month is not None
                exported = actions.do_export_gap(setup, month, actor=person, scope=scope)
                Path(options["output"]).write_bytes(exported.data)
                self.stdout.write(
                    _("已导出 %(month)s 的应收未收明细 %(rows)s 行到 %(output)s。")
                    % {"month": f"{month:%Y-%m}", "rows": exported.rows, "output": options["output"]}
                )
            else:
                rows = actions.do_recompute_taxes(setup, actor=person, scope=scope)
                self.stdout.write(
                    _("已按现行税收规则重新计算“%(name)s”全部项目的应缴税款：%(rows)s 个项目月。")
                    % {"name": setup.region.name, "rows": rows}
                )
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages)) from None
