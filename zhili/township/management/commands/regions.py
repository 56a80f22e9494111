"""zhili regions import FILE --user USERNAME [--township CODE] [--dry-run] [--only-valid]

A township's villages and grids from its roster (村居名册), through the same import pipeline as the page."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand

from zhili.imports import cli as import_cli
from zhili.township import cli, importer


class Command(BaseCommand):
    help = "从村居名册（Excel）导入本乡镇（街道）的村（社区）和网格（与网页使用同一套检查和权限）。"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="verb", required=True, parser_class=type(parser))
        kw = {"called_from_command_line": getattr(parser, "called_from_command_line", None)}
        cli.add_import_arguments(sub.add_parser("import", help="导入村居名册", **kw))

    def handle(self, *args, verb: str, file: str, user: str, township=None, dry_run=False, only_valid=False, **options):
        person, scope, where = cli.person_and_township(user, township)
        import_cli.run_import(
            self, importer.REGIONS, where, Path(file), person, scope, dry_run=dry_run, only_valid=only_valid
        )
