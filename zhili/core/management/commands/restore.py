"""zhili restore FILE [--force]: an archive of `zhili backup` brought back into an empty installation, or over a
non-empty one with --force (core/restore.py); a machine operator's command (docs/deploy.md)."""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from zhili.core import actions, backup, restore


class Command(BaseCommand):
    help = (
        "恢复：把 zhili backup 生成的备份文件恢复到本机配置的数据库和附件目录。只恢复到空的安装；已有数据时需加"
        " --force，并会替换整个数据库。恢复前先检查备份是否完整（逐个文件校验 SHA-256）、数据库类型是否一致，"
        "不通过则不做任何改动。由本机运维人员以运行 Zhili 的系统账户执行，不按人员权限区分；见 docs/deploy.md。"
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help=_("zhili backup 生成的备份文件（.zip）"))
        parser.add_argument("--force", action="store_true", help=_("已有数据时也恢复：替换现有的整个数据库"))

    def handle(self, *args, file: str, force: bool, **options):
        try:
            archive = restore.open_archive(Path(file))
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages)) from None
        try:
            manifest = archive.manifest
            self.stdout.write(
                _("备份文件 %(path)s：%(at)s 由 Zhili %(version)s 备份，%(vendor)s 数据库，附件文件 %(n)s 个。")
                % {
                    "path": archive.path,
                    "at": restore.taken_at(archive),
                    "version": manifest.get("zhili", "?"),
                    "vendor": backup.vendor_name(archive.database.get("vendor", "?")),
                    "n": len(archive.media),
                }
            )
            done = restore.restore(archive, force=force, say=self.stdout.write)
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages)) from None
        finally:
            archive.close()
        shown = restore.describe_counts(done.shown)
        if shown:
            self.stdout.write(_("其中：%(counts)s。") % {"counts": shown})
        self.stdout.write(
            _("附件文件已恢复：%(n)s 个，%(size)s，SHA-256 校验一致。")
            % {"n": done.files, "size": backup.size_text(done.bytes)}
        )
        actions.do_record_restore(
            file=str(archive.path),
            taken_at=restore.taken_at(archive),
            rows=done.rows,
            files=done.files,
            replaced=restore.describe_counts(done.replaced) if done.replaced else "",
        )
        for note in done.notes:
            self.stdout.write(note)
