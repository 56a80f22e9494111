"""zhili targets import FILE --year 2021 [--dry-run] [--only-valid] --user U | zhili targets rollover --from 2020
--to 2021 [--carry-targets] --user U | zhili targets figures [--check] --user U

Thin: parse arguments, then call the same actions as the pages (the import's life cycle in zhili.imports, the
rollover in targets/actions.py), within the named person's scope."""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from zhili.core import clock
from zhili.imports.cli import run_import
from zhili.people.models import Person
from zhili.people.scope import NoViewpoint, scope_for, viewpoint
from zhili.targets import actions, importer, kept, periods


class Command(BaseCommand):
    help = "目标责任书导入与年度结转（与网页使用同一套检查和权限）。"

    def add_arguments(self, parser):
        import argparse

        common = argparse.ArgumentParser(add_help=False)
        common.add_argument("--user", required=True, help=_("以此人员的身份和权限操作"))
        common.add_argument("--region", help=_("街道（乡镇）的区划代码（能看多个街道的人员需要）"))
        sub = parser.add_subparsers(dest="verb", required=True, parser_class=type(parser))
        kw = {"parents": [common], "called_from_command_line": getattr(parser, "called_from_command_line", None)}
        imp = sub.add_parser("import", help=_("导入目标责任书（.xlsx/.xls/.ods/.csv）"), **kw)
        imp.add_argument("file")
        imp.add_argument("--year", type=int, required=True)
        imp.add_argument("--dry-run", action="store_true", help=_("只检查并打印预览，不写入"))
        imp.add_argument("--only-valid", action="store_true", help=_("只导入正确的行，其余行列出"))
        roll = sub.add_parser("rollover", help=_("从上一年度结转目标体系"), **kw)
        roll.add_argument("--from", dest="from_year", type=int, required=True)
        roll.add_argument("--to", dest="to_year", type=int, required=True)
        roll.add_argument("--carry-targets", action="store_true", help=_("沿用上年目标值（标记为“沿用上年”）"))
        figures = sub.add_parser("figures", help=_("重算本年度留存的指标数；--check 只核对，与逐条重算比对"), **kw)
        figures.add_argument("--check", action="store_true", help=_("只核对留存数是否等于逐条重算的结果"))

    def handle(self, *args, **options):
        person = Person.objects.filter(username=options["user"], is_active=True).first()
        if person is None:
            raise CommandError(_("找不到可用的人员“%(v)s”。") % {"v": options["user"]})
        scope = scope_for(person)
        try:
            view = viewpoint(scope, options.get("region"))
            sub = view.sub
        except NoViewpoint as exc:
            raise CommandError(_("%(exc)s 请用 --region 指定街道（乡镇）的区划代码。") % {"exc": exc}) from None
        if options["verb"] == "figures":
            if not view.whole:  # the figures (and a difference's lines) are every village's
                raise CommandError(_("只有能查看整个街道（乡镇）的人员可以重算或核对留存的指标数。"))
            self._figures(sub, options["check"])
            return
        if options["verb"] == "import":
            if not periods.FIRST_YEAR <= options["year"] <= periods.LAST_YEAR:
                raise CommandError(
                    _("年度应在 %(FIRST_YEAR)s 至 %(LAST_YEAR)s 之间。")
                    % {"FIRST_YEAR": periods.FIRST_YEAR, "LAST_YEAR": periods.LAST_YEAR}
                )
            target = importer.TargetYear(sub, options["year"])
            run_import(
                self,
                importer.KEY,
                target,
                Path(options["file"]),
                person=person,
                scope=scope,
                dry_run=options["dry_run"],
                only_valid=options["only_valid"],
            )
            return
        try:
            counts = actions.do_roll_over_year(
                region=sub,
                from_year=options["from_year"],
                to_year=options["to_year"],
                carry_targets=options["carry_targets"],
                actor=person,
                scope=scope,
            )
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages)) from None
        self.stdout.write(
            f"已从 {options['from_year']} 年结转到 {options['to_year']} 年：{counts['goals']} 个目标、"
            f"{counts['tasks']} 项任务、{counts['indicators']} 个指标、{counts['shares']} 项分解。"
            + ("目标值沿用上年，待确认。" if options["carry_targets"] else "目标值待填。")
        )

    def _figures(self, sub, only_check: bool) -> None:
        """The kept figures (targets/kept.py) of this year: counted again from the records, or compared with them."""
        year = clock.today().year
        if not only_check:
            n = kept.rebuild(sub, year)
            self.stdout.write(
                _("已重算 %(sub)s %(year)s 年的留存指标数：%(n)s 项。") % {"sub": sub, "year": year, "n": n}
            )
        differences = kept.check(sub, year)
        for line in differences[:50]:
            self.stdout.write(line)
        if differences:
            raise CommandError(_("留存数与逐条重算不一致：%(n)s 处。") % {"n": len(differences)})
        self.stdout.write(_("留存数与逐条重算一致。"))
