"""zhili report list [--period 2020-09] [--user USERNAME] [--township CODE]
zhili report fill FORM --period 2020-09 -o FILE.xlsx [--user USERNAME] [--township CODE]
zhili report map FORM [--user USERNAME] [--township CODE]

Upward reports (上报) on the command line, with the same rights and audit as the pages: `list` prints one line per
form (code, name, frequency, the period's status and its cells filled by Zhili and by people); `fill` fetches a
period's figures and writes the filled copy of the superior's file; `map` prints each mapped cell and its source."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from zhili.reports import cli


class Command(BaseCommand):
    help = "上报报表：查看报表目录、按期取数并导出上级下发的表格、查看单元格映射（与网页使用同一套权限和留痕）。"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="verb", required=True, parser_class=type(parser))
        kw = {"called_from_command_line": getattr(parser, "called_from_command_line", None)}
        listing = sub.add_parser("list", help=_("报表目录：每张报表一行，含本期状态和填写格数"), **kw)
        listing.add_argument("--period", help=_("报送期，如 2020-09、2020-W40（默认：各表的本期）"))
        cli.add_common_arguments(listing)
        listing.add_argument("--sub", dest="township", help=_("同 --township"))
        fill = sub.add_parser("fill", help=_("按期取数，导出填好的上级表格"), **kw)
        fill.add_argument("form", help=_("报表编号，如 JJ-01"))
        fill.add_argument("--period", required=True, help=_("报送期，如 2020-09（月）、2020-W40（周）"))
        fill.add_argument("-o", "--output", required=True, help=_("写入的 .xlsx 文件"))
        cli.add_common_arguments(fill)
        mapping = sub.add_parser("map", help=_("列出报表每个已映射的单元格及其数据来源"), **kw)
        mapping.add_argument("form", help=_("报表编号，如 JJ-01"))
        cli.add_common_arguments(mapping)

    def handle(self, *args, verb: str, user=None, township=None, **options):
        who = cli.who(user, township)
        if verb == "list":
            lines = cli.list_lines(who, options.get("period"))
        elif verb == "fill":
            lines = cli.fill(who, options["form"], options["period"], Path(options["output"]))
        else:
            lines = cli.map_lines(who, options["form"])
        for line in lines:
            self.stdout.write(line)
