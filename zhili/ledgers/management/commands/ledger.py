"""zhili ledger import CODE FILE [--dry-run] [--only-valid] | zhili ledger export CODE -o FILE | zhili ledger define FILE
| zhili ledger infer FILE --code CODE [--name NAME] -o DEFINITION.yaml

Thin: parse arguments, then call the same actions as the pages (the import's life cycle in zhili.imports, the
export, the definitions), under a person's scope (--user; default: the first active superuser).
"""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from zhili.excel import SpreadsheetError
from zhili.imports import cli as import_cli
from zhili.ledgers import actions, definitions, importer, infer, queries
from zhili.ledgers.models import FieldType, Ledger
from zhili.people.models import Person
from zhili.people.scope import NoViewpoint, scope_for, viewpoint
from zhili.regions.models import Level, Region


class Command(BaseCommand):
    help = "台账的导入、导出与定义载入（与网页使用同一套检查和权限）。"

    def add_arguments(self, parser):
        import argparse

        common = argparse.ArgumentParser(add_help=False)
        common.add_argument("--user", help=_("以此人员的身份和权限操作（默认：第一个超级管理员）"))
        common.add_argument("--region", help=_("台账所属街道的区划代码（同一代码的台账在多个街道时需要）"))
        sub = parser.add_subparsers(dest="verb", required=True, parser_class=type(parser))
        kw = {"parents": [common], "called_from_command_line": getattr(parser, "called_from_command_line", None)}
        imp = sub.add_parser("import", help=_("导入 .xlsx/.xls/.ods/.csv 文件"), **kw)
        imp.add_argument("code")
        imp.add_argument("file")
        imp.add_argument("--dry-run", action="store_true", help=_("只检查并打印预览，不写入"))
        imp.add_argument("--only-valid", action="store_true", help=_("只导入正确的行，其余行列出"))
        exp = sub.add_parser("export", help=_("导出为 .xlsx"), **kw)
        exp.add_argument("code")
        exp.add_argument("-o", "--output", required=True)
        define = sub.add_parser("define", help=_("从 YAML/JSON 文件新建台账或生成新版本定义"), **kw)
        define.add_argument("file")
        guess = sub.add_parser("infer", help=_("从办公室现有的表格推断台账定义，写成 YAML（可修改后用 define 载入）"))
        guess.add_argument("file")
        guess.add_argument("--code", required=True, help=_("台账代码（小写字母、数字和短横线）"))
        guess.add_argument("--name", default="", help=_("台账名称（默认：表格的标题）"))
        guess.add_argument("-o", "--output", required=True, help=_("写出的定义文件（.yaml）"))

    def _person(self, username: str | None) -> Person:
        person = (
            Person.objects.filter(username=username, is_active=True).first()
            if username
            else Person.objects.filter(is_superuser=True, is_active=True).order_by("pk").first()
        )
        if person is None:
            raise CommandError(
                f"找不到可用的人员“{username}”。" if username else "没有超级管理员：请用 --user 指定以谁的身份操作。"
            )
        return person

    def _ledger(self, code: str, region: str | None, scope) -> Ledger:
        qs = queries.ledgers_for(scope).filter(code=code)
        if region:
            qs = qs.filter(region__code=region)
        ledgers = list(qs)
        if not ledgers:
            raise CommandError(_("台账“%(code)s”不存在或不在您的权限范围内。") % {"code": code})
        if len(ledgers) > 1:
            raise CommandError(
                _("有 %(v)s 个街道都有台账“%(code)s”，请用 --region 指定街道代码。") % {"v": len(ledgers), "code": code}
            )
        return ledgers[0]

    def handle(self, *args, verb: str, user=None, region=None, **options):
        if verb == "infer":  # reads a file, writes a file: nothing in the database, no one's rights
            return self._infer(Path(options["file"]), options["code"], options["name"], Path(options["output"]))
        person = self._person(user)
        scope = scope_for(person)
        if verb == "define":
            return self._define(options["file"], region, person, scope)
        ledger = self._ledger(options["code"], region, scope)
        if verb == "export":
            exported = actions.do_export_ledger(ledger, queries.RowFilter(), actor=person, scope=scope)
            Path(options["output"]).write_bytes(exported.data)
            masked = "、".join(label for label, n in exported.contents.masked.items() if n)
            self.stdout.write(
                f"已导出 {exported.contents.rows} 行到 {options['output']}"
                + (f"（您的角色不能查看完整{masked}，已按页面显示的方式隐去中间部分）" if masked else "")
            )
            return None
        return self._import(ledger, Path(options["file"]), person, scope, options["dry_run"], options["only_valid"])

    def _infer(self, path: Path, code: str, name: str, output: Path):
        import yaml

        if not path.exists():
            raise CommandError(_("文件 %(path)s 不存在。") % {"path": path})
        if not definitions.KEY_RE.match(code.replace("-", "_")):
            raise CommandError(_("台账代码“%(code)s”无效：用小写字母、数字和短横线，以字母开头。") % {"code": code})
        try:
            proposal = infer.propose(path, filename=path.name)
        except SpreadsheetError as exc:
            raise CommandError(str(exc)) from None
        data = proposal.definition(code=code, name=name)
        output.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
        types = dict(FieldType.choices)
        self.stdout.write(
            _("已从 %(name)s 的前 %(rows)s 行推断出 %(v)s 个字段，写入 %(output)s：")
            % {"name": path.name, "rows": proposal.rows, "v": len(data["fields"]), "output": output}
        )
        for f in data["fields"]:
            marks = ("，必填" if f["required"] else "") + ("，唯一键" if f["key"] in data["key"] else "")
            self.stdout.write(f"  {f['label']}（{types[f['type']]}{marks}） key: {f['key']}")
        for note in proposal.notes:
            self.stdout.write(_("  注意：%(note)s") % {"note": note})
        self.stdout.write(_("核对后用 zhili ledger define %(output)s 新建台账。") % {"output": output})

    def _define(self, file: str, region: str | None, person, scope):
        try:
            data = definitions.load_file(file)
            sub = Region.objects.filter(code=region).first() if region else None
            if sub is None:
                # where the person works; someone who sees several subdistricts must say which
                several = scope.is_superuser or any(Region.level_of(p) < Level.SUBDISTRICT for p in scope.read_paths)
                try:
                    sub = None if several else viewpoint(scope).sub
                except NoViewpoint:
                    sub = None
                if sub is None:
                    raise CommandError(_("请用 --region 指定台账所属街道的区划代码。"))
            existing = Ledger.objects.filter(region=sub, code=data["code"]).first()
            if existing:
                v = actions.do_change_definition(
                    existing,
                    fields=data["fields"],
                    key=data.get("key") or [],
                    actor=person,
                    scope=scope,
                    note=f"从 {Path(file).name} 载入",
                )
                if v.pk == existing.current_version_id:
                    self.stdout.write(
                        _("台账“%(name)s”的定义未变（仍为第 %(number)s 版）。")
                        % {"name": existing.name, "number": v.number}
                    )
                else:
                    self.stdout.write(
                        _("台账“%(name)s”已更新为第 %(number)s 版定义。") % {"name": existing.name, "number": v.number}
                    )
            else:
                ledger = actions.do_define_ledger(region=sub, data=data, actor=person, scope=scope)
                self.stdout.write(_("已新建台账“%(name)s”（%(code)s）。") % {"name": ledger.name, "code": ledger.code})
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages)) from None

    def _import(self, ledger, path: Path, person, scope, dry_run: bool, only_valid: bool):
        import_cli.run_import(self, importer.KEY, ledger, path, person, scope, dry_run=dry_run, only_valid=only_valid)
