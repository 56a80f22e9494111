"""What `zhili regions import` and `zhili people import` share: their arguments, whose scope and which township
(the import's life cycle on the command line is zhili.imports.cli's)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from zhili.people.models import Person
from zhili.people.scope import NoViewpoint, Scope, scope_for
from zhili.regions.models import Region
from zhili.township import queries


def add_import_arguments(parser) -> None:
    parser.add_argument("file", help=_(".xlsx/.xls/.ods/.csv 文件"))
    parser.add_argument("--user", required=True, help=_("以此人员的身份和权限操作（乡镇（街道）的系统管理员）"))
    parser.add_argument("--township", help=_("乡镇（街道）的 9 位代码（默认：此人管理的乡镇（街道））"))
    parser.add_argument("--dry-run", action="store_true", help=_("只检查并打印预览，不写入"))
    parser.add_argument("--only-valid", action="store_true", help=_("只导入正确的行，其余行列出"))


def person_and_township(username: str, code: str | None) -> tuple[Person, Scope, Region]:
    person = Person.objects.filter(username=username, is_active=True).first()
    if person is None:
        raise CommandError(_("找不到可用的人员“%(username)s”。") % {"username": username})
    scope = scope_for(person)
    try:
        township = queries.get_township_or_404(scope, code) if code else queries.own_township(scope)
    except (NoViewpoint, ValidationError):
        raise CommandError(
            _("“%(username)s”无权导入名册：须是乡镇（街道）的系统管理员。") % {"username": username}
        ) from None
    except Exception as exc:  # Http404 for a code outside the person's scope
        raise CommandError(
            _("乡镇（街道）“%(code)s”不存在或不在“%(username)s”的管理范围内。") % {"code": code, "username": username}
        ) from exc
    return person, scope, township
