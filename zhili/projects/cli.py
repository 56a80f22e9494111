"""What `zhili projects …` and `zhili tax …` share: their common arguments, whose scope (--user, by default the
township's administrator) and which subdistrict (--township, by default that person's). The import's life cycle on
the command line is zhili.imports.cli's."""

from __future__ import annotations

from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from zhili.people import policy
from zhili.people.models import Person
from zhili.people.scope import NoViewpoint, Scope, scope_for, viewpoint
from zhili.projects import queries
from zhili.projects.models import TaxSetup
from zhili.regions.models import Level, Region


def add_common_arguments(parser) -> None:
    parser.add_argument("--user", help=_("以此人员的身份和权限操作（默认：乡镇（街道）的系统管理员）"))
    parser.add_argument("--township", help=_("乡镇（街道）的 9 位代码（默认：此人所在的乡镇（街道））"))


def add_import_arguments(parser) -> None:
    parser.add_argument("file", help=_(".xlsx/.xls/.ods/.csv 文件"))
    parser.add_argument("--dry-run", action="store_true", help=_("只检查并打印预览，不写入"))
    parser.add_argument("--only-valid", action="store_true", help=_("只导入正确的行，其余行列出"))
    add_common_arguments(parser)


def township_admin(code: str | None = None) -> Person:
    """The one person who administers a subdistrict (of `code`, or any): the default --user."""
    subs = Region.objects.filter(level=Level.SUBDISTRICT)
    if code:
        subs = subs.filter(code=code)
    paths = list(subs.values_list("path", flat=True))
    people = (
        Person.objects.filter(is_active=True, roles__ended_at__isnull=True, roles__region__path__in=paths)
        .distinct()
        .order_by("pk")
    )
    admins = []
    for person in people:
        scope = scope_for(person)
        if not scope.is_superuser and any(scope.can_admin(p) for p in paths):
            admins.append(person)
    if len(admins) != 1:
        names = "、".join(p.username for p in admins[:5])
        raise CommandError(
            _("有 %(n)s 位乡镇（街道）系统管理员（%(names)s），请用 --user 指定以谁的身份操作。")
            % {"n": len(admins), "names": names}
            if admins
            else _("没有找到乡镇（街道）的系统管理员，请用 --user 指定以谁的身份操作。")
        )
    return admins[0]


def person_and_setup(username: str | None, code: str | None) -> tuple[Person, Scope, TaxSetup]:
    """Who acts, with what scope, on which subdistrict's projects; a sentence when they may not."""
    if username:
        person = Person.objects.filter(username=username, is_active=True).first()
        if person is None:
            raise CommandError(_("找不到可用的人员“%(username)s”。") % {"username": username})
    else:
        person = township_admin(code)
    scope = scope_for(person)
    if code:
        sub = Region.objects.filter(code=code, level=Level.SUBDISTRICT).first()
        if sub is None or not scope.can_read(sub.path):
            raise CommandError(
                _("乡镇（街道）“%(code)s”不存在或不在“%(username)s”的权限范围内。")
                % {"code": code, "username": person.username}
            )
    else:
        try:
            sub = viewpoint(scope).sub
        except NoViewpoint:
            sub = None
        if sub is None:
            raise CommandError(
                _("“%(username)s”的权限范围内没有乡镇（街道），请用 --township 指定。") % {"username": person.username}
            )
    setup = queries.setup_of(sub)
    if not policy.manage_projects(scope, setup):
        raise CommandError(
            _("“%(username)s”无权管理“%(name)s”的项目与税源数据：须是街道（乡镇）领导、系统管理员或经发办工作人员。")
            % {"username": person.username, "name": sub.name}
        )
    return person, scope, setup
