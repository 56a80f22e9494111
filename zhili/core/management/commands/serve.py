"""zhili serve [--port N]: serve an existing database with Django's server (production: gunicorn)."""

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils.translation import gettext as _


class Command(BaseCommand):
    help = "启动已有数据库的服务（演示与试用；生产环境请用 gunicorn，见 docs/deploy.md）。"

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000, help=_("端口（默认 8000）"))
        parser.add_argument("--host", default="127.0.0.1", help=_("监听地址（默认 127.0.0.1，仅本机）"))

    def handle(self, *args, port: int, host: str, **options):
        if not 1 <= port <= 65535:
            raise CommandError(_("端口 %(port)s 无效：应在 1 到 65535 之间。") % {"port": port})
        executor = MigrationExecutor(connection)
        if executor.migration_plan(executor.loader.graph.leaf_nodes()):
            raise CommandError(_("数据库结构不是最新的：请先运行 zhili migrate（演示请运行 zhili demo）。"))
        from zhili.core import jobs

        jobs.start_thread()  # large imports run in the background here; production runs `zhili worker`
        call_command("runserver", f"{host}:{port}", use_reloader=False, use_threading=True)
