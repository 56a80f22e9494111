"""What `zhili households …` needs: whose scope (--user, by default the township's administrator) and which
subdistrict (--township, by default that person's). The import's life cycle on the command line is
zhili.imports.cli's."""

from __future__ import annotations

from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from zhili.households.models import HouseholdSetup
from zhili.households.queries import setup_of
from zhili.imports import cli as import_cli
from zhili.people import policy
from zhili.people.models import Person
from zhili.people.scope import Scope

add_common_arguments = import_cli.add_common_arguments


def person_and_setup(username: str | None, code: str | None) -> tuple[Person, Scope, HouseholdSetup]:
    """Who acts, with what scope, on which subdistrict's households; a sentence when they may not."""
    person, scope, sub = import_cli.person_and_subdistrict(username, code)
    setup = setup_of(sub)
    if not policy.manage_households(scope, setup):
        raise CommandError(
            _("“%(username)s”无权导入或导出“%(name)s”的户籍：须是街道（乡镇）领导、系统管理员或民政办工作人员。")
            % {"username": person.username, "name": sub.name}
        )
    return person, scope, setup
