"""zhili regions import FILE --user USERNAME [--township CODE] [--dry-run] [--only-valid]

A township's villages and grids from its roster (村居名册), through the same import pipeline as the page."""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from zhili.imports import cli as import_cli
from zhili.township import actions, cli, importer


class Command(BaseCommand):
    help = "从村居名册（Excel）导入本乡镇（街道）的村（社区）和网格（与网页使用同一套检查和权限）。"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="verb", required=True, parser_class=type(parser))
        kw = {"called_from_command_line": getattr(parser, "called_from_command_line", None)}
        imp = sub.add_parser("import", help=_("导入村居名册"), **kw)
        cli.add_import_arguments(imp)
        imp.add_argument(
            "--boundaries", help=_("村（社区）、网格的边界：GeoJSON（.geojson）或 KML（.kml），按代码或名称对应")
        )

    def handle(
        self,
        *args,
        verb: str,
        file: str,
        user: str,
        township=None,
        dry_run=False,
        only_valid=False,
        boundaries=None,
        **options,
    ):
        person, scope, where = cli.person_and_township(user, township)
        shapes = Path(boundaries) if boundaries else None
        if shapes is not None and not shapes.exists():
            raise CommandError(_("文件 %(shapes)s 不存在。") % {"shapes": shapes})
        import_cli.run_import(
            self, importer.REGIONS, where, Path(file), person, scope, dry_run=dry_run, only_valid=only_valid
        )
        if shapes is None:
            return
        try:
            done = actions.do_import_boundaries(
                where, shapes.read_bytes(), shapes.name, actor=person, scope=scope, dry_run=dry_run
            )
        except ValidationError as exc:
            raise CommandError("边界文件未导入：" + "；".join(exc.messages)) from None
        verb_ = "可导入" if done.dry_run else "已更新"
        self.stdout.write(_("边界：%(verb)s %(v)s 个村（社区）或网格。") % {"verb": verb_, "v": len(done.regions)})
