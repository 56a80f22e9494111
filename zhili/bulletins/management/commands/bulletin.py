"""zhili bulletin build --week 2020-W40 --format docx|xlsx|md|html -o FILE [--user USERNAME] [--township CODE]
zhili bulletin send --week 2020-W40 --channel wecom|dingtalk [--user USERNAME] [--township CODE]

The weekly bulletin on the command line, with the same rights and audit as the pages: `build` writes the week's
bulletin (built as a draft first when the week has none and the person may build); `send` posts the published
bulletin to a chat group and prints each part's outcome."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from zhili.bulletins import actions, cli
from zhili.bulletins.models import Channel


class Command(BaseCommand):
    help = "生成、导出周通报，或推送到企业微信/钉钉群（与网页使用同一套权限和留痕）。"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="verb", required=True, parser_class=type(parser))
        kw = {"called_from_command_line": getattr(parser, "called_from_command_line", None)}
        build = sub.add_parser("build", help=_("生成并导出一周的通报"), **kw)
        build.add_argument("--week", required=True, help=_("周次，如 2020-W40"))
        build.add_argument("--format", choices=actions.FORMATS, help=_("文件格式（默认按 -o 的扩展名，否则 docx）"))
        build.add_argument("-o", "--output", required=True, help=_("写入的文件"))
        cli.add_common_arguments(build)
        send = sub.add_parser("send", help=_("把已发布的通报推送到群"), **kw)
        send.add_argument("--week", required=True, help=_("周次，如 2020-W40"))
        send.add_argument(
            "--channel", required=True, choices=Channel.values, help=_("wecom：企业微信群；dingtalk：钉钉群")
        )
        cli.add_common_arguments(send)

    def handle(self, *args, verb: str, user=None, township=None, **options):
        week = cli.week_of(options["week"])
        person, scope, setup = cli.person_and_setup(user, township)
        if verb == "build":
            out = Path(options["output"])
            fmt = options["format"] or (out.suffix.lower().lstrip(".") or "docx")
            if fmt not in actions.FORMATS:
                raise CommandError(
                    _("无法从文件名“%(name)s”判断格式，请用 --format 指定（docx、xlsx、md 或 html）。")
                    % {"name": out.name}
                )
            self.stdout.write(cli.build(setup, week, fmt, out, person, scope))
            return
        for line in cli.send(setup, week, options["channel"], person, scope):
            self.stdout.write(line)
