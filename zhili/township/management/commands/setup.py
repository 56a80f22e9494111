"""zhili setup --code 370115003 --name 太平街道 --district 济阳区 --city 济南市 --admin USERNAME [--password-stdin]

A real installation, not the demo: migrate, then create the township (with its district and city, whose codes
follow from its 9 digits) and its first administrator. Thin: parse, ask for the password, call the action."""

from __future__ import annotations

import getpass
import sys

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from zhili.township import actions


class Command(BaseCommand):
    help = "在空数据库中建立本乡镇（街道）和第一位系统管理员（真实使用；体验演示请用 zhili demo）。"

    def add_arguments(self, parser):
        parser.add_argument("--code", required=True, help=_("乡镇（街道）的 9 位区划代码，如 370115003"))
        parser.add_argument("--name", required=True, help=_("乡镇（街道）名称，如 太平街道"))
        parser.add_argument("--district", required=True, help=_("所属县（区）名称，如 济阳区"))
        parser.add_argument("--city", required=True, help=_("所属市名称，如 济南市"))
        parser.add_argument("--admin", required=True, help=_("第一位系统管理员的登录名"))
        parser.add_argument("--admin-name", default="", help=_("系统管理员的姓名（默认：系统管理员）"))
        parser.add_argument("--password-stdin", action="store_true", help=_("从标准输入读取管理员密码（一行）"))

    def _password(self, from_stdin: bool) -> str:
        if from_stdin:
            return sys.stdin.readline().rstrip("\r\n")
        first = getpass.getpass("管理员密码（至少 10 位）：")
        if getpass.getpass("再输入一次：") != first:
            raise CommandError(_("两次输入的密码不一致，没有作任何改动。"))
        return first

    def handle(self, *args, code, name, district, city, admin, admin_name, password_stdin, **options):
        try:  # refuse a bad code before asking anything
            actions.township_codes(code)
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages)) from None
        password = self._password(password_stdin)
        self.stdout.write(_("数据库：%(v)s") % {"v": settings.DATABASES["default"]["NAME"]})
        call_command("migrate", interactive=False, verbosity=0)
        try:
            made = actions.setup_township(
                code=code,
                name=name,
                district=district,
                city=city,
                admin=admin,
                password=password,
                admin_name=admin_name,
            )
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages)) from None
        t = made.township
        self.stdout.write(
            self.style.SUCCESS(
                f"已建立{made.city.name}{made.district.name}{t.name}（{t.code}），系统管理员：{made.admin.username}。"
            )
        )
        self.stdout.write(
            _(
                "下一步：\n  zhili regions import 村居名册.xlsx --user %(admin)s     导入村（社区）和网格\n  zhili people import 花名册.xlsx --user %(admin)s --passwords-out 初始密码.xlsx     导入人员和角色\n  zhili serve     启动服务后，在浏览器中登录继续（年度目标、台账）。"
            )
            % {"admin": admin}
        )
