"""What `zhili regions import` and `zhili people import` share: their arguments, whose scope and which township
(the import's life cycle on the command line is zhili.imports.cli's)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError

from zhili.people.models import Person
from zhili.people.scope import NoViewpoint, Scope, scope_for
from zhili.regions.models import Region
from zhili.township import queries


def add_import_arguments(parser) -> None:
    parser.add_argument("file", help=".xlsx/.xls/.ods/.csv 文件")
    parser.add_argument("--user", required=True, help="以此人员的身份和权限操作（乡镇（街道）的系统管理员）")
    parser.add_argument("--township", help="乡镇（街道）的 9 位代码（默认：此人管理的乡镇（街道））")
    parser.add_argument("--dry-run", action="store_true", help="只检查并打印预览，不写入")
    parser.add_argument("--only-valid", action="store_true", help="只导入正确的行，其余行列出")


def person_and_township(username: str, code: str | None) -> tuple[Person, Scope, Region]:
    person = Person.objects.filter(username=username, is_active=True).first()
    if person is None:
        raise CommandError(f"找不到可用的人员“{username}”。")
    scope = scope_for(person)
    try:
        township = queries.get_township_or_404(scope, code) if code else queries.own_township(scope)
    except (NoViewpoint, ValidationError):
        raise CommandError(f"“{username}”无权导入名册：须是乡镇（街道）的系统管理员。") from None
    except Exception as exc:  # Http404 for a code outside the person's scope
        raise CommandError(f"乡镇（街道）“{code}”不存在或不在“{username}”的管理范围内。") from exc
    return person, scope, township
