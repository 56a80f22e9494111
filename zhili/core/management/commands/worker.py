"""zhili worker: runs background jobs — large ledger imports, the weekly bulletins' schedule and builds, robot
messages (core/jobs.py) — printing a line per run it processed."""

import time

from django.core.management.base import BaseCommand
from django.utils import timezone
from django.utils.translation import gettext as _

from zhili.core import jobs


class Command(BaseCommand):
    help = "运行后台任务（大文件导入、周通报的定时生成与推送等）。生产环境作为单独的服务运行，见 docs/deploy.md。"

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help=_("处理完当前排队的任务就退出"))
        parser.add_argument("--interval", type=float, default=2.0, help=_("空闲时的轮询间隔（秒）"))

    def handle(self, *args, once: bool, interval: float, **options):
        def report(run):
            at = timezone.localtime().strftime("%Y-%m-%d %H:%M:%S")
            self.stdout.write(f"{at} {jobs.describe_run(run)}")

        while True:
            jobs.fresh_connection()
            n = jobs.run_once(report=report)
            if once:
                self.stdout.write(_("处理了 %(n)s 个任务。") % {"n": n})
                return
            if not n:
                time.sleep(interval)
