"""zhili projects import FILE [--dry-run] [--only-valid] [--user USERNAME] [--township CODE]
zhili projects import-monthly FILE [--dry-run] [--only-valid] [--user USERNAME] [--township CODE]

A subdistrict's construction-project ledger (项目台账) and its projects' monthly figures (月度数据), through the
same import pipeline, checks and rights as the pages; the expected taxes of the projects they touch are computed
again in the same transaction."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from zhili.imports import cli as import_cli
from zhili.projects import cli, importer


class Command(BaseCommand):
    help = "导入建设项目台账和项目月度数据（与网页使用同一套检查和权限）。"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="verb", required=True, parser_class=type(parser))
        kw = {"called_from_command_line": getattr(parser, "called_from_command_line", None)}
        cli.add_import_arguments(sub.add_parser("import", help=_("导入项目台账"), **kw))
        cli.add_import_arguments(sub.add_parser("import-monthly", help=_("导入项目月度数据"), **kw))

    def handle(self, *args, verb: str, file: str, user=None, township=None, dry_run=False, only_valid=False, **options):
        person, scope, setup = cli.person_and_setup(user, township)
        key = importer.PROJECTS if verb == "import" else importer.MONTHS
        import_cli.run_import(
            self, key, setup.region, Path(file), person, scope, dry_run=dry_run, only_valid=only_valid
        )
