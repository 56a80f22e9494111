"""zhili demo [--port N] [--no-serve]: migrate, load (or top up) the Taiping demo, print the logins, serve."""

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from zhili.demo import taiping


class Command(BaseCommand):
    help = "创建或补齐太平街道演示数据，打印演示账号，并在 http://127.0.0.1:8000 启动。"

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000, help="端口（默认 8000）")
        parser.add_argument("--host", default="127.0.0.1", help="监听地址（默认 127.0.0.1，仅本机）")
        parser.add_argument("--no-serve", action="store_true", help="只加载数据，不启动服务")

    def handle(self, *args, port: int, host: str, no_serve: bool, **options):
        self.stdout.write(f"数据库：{settings.DATABASES['default']['NAME']}")
        call_command("migrate", interactive=False, verbosity=0)
        try:
            summary = taiping.load()
        except taiping.DemoRefused as exc:
            raise CommandError(str(exc)) from None
        except Exception as exc:
            # People change a demo (merge villages, rename them, close cases …): the loader tops up around what
            # they did, and if it meets something it cannot, its one transaction wrote nothing — say so in one
            # sentence (--traceback shows where it stopped).
            raise CommandError(taiping.cannot_top_up(exc)) from exc
        if summary.changed:
            made = "，".join(f"{k} {v}" for k, v in summary.created.items() if v)
            self.stdout.write(self.style.SUCCESS(f"已加载太平街道演示数据：{made}。"))
        else:
            self.stdout.write("演示数据已是最新，未作改动。")
        self.stdout.write("\n演示账号（密码均为 zhili-demo）：")
        for username, name, title, _ in taiping.LOGINS:
            self.stdout.write(f"  {username:<14} {name}（{title}）")
        if no_serve:
            return
        self.stdout.write(f"\n请在浏览器打开 http://{host}:{port}/ ；按 Ctrl+C 停止。\n")
        call_command("serve", port=port, host=host)
