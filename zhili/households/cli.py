"""What `zhili households …` needs: whose scope (--user, by default the township's administrator) and which
subdistrict (--township, by default that person's). The import's life cycle on the command line is
zhili.imports.cli's."""

from __future__ import annotations

from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from zhili.households.models import HouseholdSetup
from zhili.households.queries import setup_of
from zhili.people import policy
from zhili.people.models import Person
from zhili.people.scope import NoViewpoint, Scope, scope_for, viewpoint
from zhili.regions.models import Level, Region


def add_common_arguments(parser) -> None:
    parser.add_argument("--user", help=_("以此人员的身份和权限操作（默认：乡镇（街道）的系统管理员）"))
    parser.add_argument("--township", help=_("乡镇（街道）的 9 位代码（默认：此人所在的乡镇（街道））"))


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
    admins = [p for p in people if (s := scope_for(p)) and not s.is_superuser and any(s.can_admin(x) for x in paths)]
    if len(admins) != 1:
        names = "、".join(p.username for p in admins[:5])
        raise CommandError(
            _("有 %(n)s 位乡镇（街道）系统管理员（%(names)s），请用 --user 指定以谁的身份操作。")
            % {"n": len(admins), "names": names}
            if admins
            else _("没有找到乡镇（街道）的系统管理员，请用 --user 指定以谁的身份操作。")
        )
    return admins[0]


def person_and_setup(username: str | None, code: str | None) -> tuple[Person, Scope, HouseholdSetup]:
    """Who acts, with what scope, on which subdistrict's households; a sentence when they may not."""
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
    setup = setup_of(sub)
    if not policy.manage_households(scope, setup):
        raise CommandError(
            _("“%(username)s”无权导入或导出“%(name)s”的户籍：须是街道（乡镇）领导、系统管理员或民政办工作人员。")
            % {"username": person.username, "name": sub.name}
        )
    return person, scope, setup
