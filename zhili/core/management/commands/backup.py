"""zhili backup [-o FILE|DIRECTORY]: the database and the uploaded files in one archive, taken while Zhili keeps
serving (core/backup.py); a machine operator's command, run by cron or a systemd timer (docs/deploy.md)."""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from zhili.core import actions, backup


class Command(BaseCommand):
    help = (
        "备份：把数据库和附件文件写入一个 .zip 备份文件，备份时系统照常使用（SQLite 用在线备份接口，PostgreSQL 用"
        " pg_dump）。由本机运维人员以运行 Zhili 的系统账户执行（能读数据目录和数据库），不按人员权限区分；"
        "定时备份与异地保存见 docs/deploy.md。"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "-o",
            "--output",
            help=_("写入的备份文件（.zip），或一个目录（在其中按时间命名）；默认写入 $ZHILI_DATA_DIR/backups/"),
        )

    def handle(self, *args, output=None, **options):
        try:
            taken = backup.take(Path(output) if output else None)
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages)) from None
        database = taken.manifest["database"]
        files = taken.files
        self.stdout.write(
            _("数据库（%(vendor)s %(version)s）：%(tables)s 张表，%(rows)s 行。")
            % {
                "vendor": backup.vendor_name(database["vendor"]),
                "version": database["server_version"],
                "tables": len(database["counts"]),
                "rows": taken.rows,
            }
        )
        self.stdout.write(
            _("附件文件：%(n)s 个，%(size)s。")
            % {"n": len(files), "size": backup.size_text(sum(f["bytes"] for f in files))}
        )
        if taken.skipped:
            self.stdout.write(
                _("另有 %(n)s 个临时文件在复制前已被删除（如台账草稿），未备份。") % {"n": len(taken.skipped)}
            )
        actions.do_record_backup(file=str(taken.path), size=taken.bytes, rows=taken.rows, files=len(files))
        self.stdout.write(
            _("已写入 %(path)s：%(size)s，用时 %(seconds).1f 秒。")
            % {"path": taken.path, "size": backup.size_text(taken.bytes), "seconds": taken.seconds}
        )
