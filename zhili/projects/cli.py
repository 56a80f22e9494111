"""What `zhili projects …` and `zhili tax …` share: their common arguments, whose scope (--user, by default the
township's administrator) and which subdistrict (--township, by default that person's). The import's life cycle on
the command line is zhili.imports.cli's."""

from __future__ import annotations

from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from zhili.imports import cli as import_cli
from zhili.people import policy
from zhili.people.models import Person
from zhili.people.scope import Scope
from zhili.projects import queries
from zhili.projects.models import TaxSetup

add_common_arguments = import_cli.add_common_arguments


def add_import_arguments(parser) -> None:
    parser.add_argument("file", help=_(".xlsx/.xls/.ods/.csv 文件"))
    parser.add_argument("--dry-run", action="store_true", help=_("只检查并打印预览，不写入"))
    parser.add_argument("--only-valid", action="store_true", help=_("只导入正确的行，其余行列出"))
    add_common_arguments(parser)


def person_and_setup(username: str | None, code: str | None) -> tuple[Person, Scope, TaxSetup]:
    """Who acts, with what scope, on which subdistrict's projects; a sentence when they may not."""
    person, scope, sub = import_cli.person_and_subdistrict(username, code)
    setup = queries.setup_of(sub)
    if not policy.manage_projects(scope, setup):
        raise CommandError(
            _("“%(username)s”无权管理“%(name)s”的项目与税源数据：须是街道（乡镇）领导、系统管理员或经发办工作人员。")
            % {"username": person.username, "name": sub.name}
        )
    return person, scope, setup
