"""A few households for the household pages' tests, until the demo has its own (made in each test, rolled back):
two in 孔家坊村 (one in demo-grid's grid, looked after by an assistance officer who holds no role), one in 阎桥村;
members with valid identity numbers and phones; one failing checklist item; one visit."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from stdnum.cn import ric

from zhili.core import clock
from zhili.households.actions import ensure_defaults, refresh_households
from zhili.households.models import (
    Category,
    ChecklistItem,
    CheckState,
    Household,
    HouseholdCheck,
    Member,
    Relation,
    Sex,
    Visit,
)
from zhili.people.models import Person, Role, RoleAssignment


def identity(seq: int, birth: str = "19700101") -> str:
    body = f"370125{birth}{seq:03d}"
    return body + ric.calc_check_digit(body + "0")


@dataclass
class Households:
    kong: Household  # 孔家坊, in demo-grid's grid, officer: `officer`
    kong2: Household  # 孔家坊, another grid, no officer
    yan: Household  # 阎桥
    officer: Person  # an assistance officer with no role
    members: list[Member]
    food: ChecklistItem
    identities: list[str]
    phones: list[str]


def _household(sub, region, number, head, seq, phone, officer=None) -> tuple[Household, list[Member]]:
    h = Household.objects.create(
        subdistrict=sub, region=region, number=number, address=f"{region.name}{seq}号", phone=phone, officer=officer
    )
    members = [
        Member.objects.create(
            household=h,
            subdistrict=sub,
            name=head,
            identity=identity(seq),
            relation=Relation.HEAD,
            sex=Sex.MALE,
            birth_date=datetime.date(1970, 1, 1),
            phone=f"1390531{seq:04d}",
        ),
        Member.objects.create(
            household=h,
            subdistrict=sub,
            name=head[0] + "小花",
            identity=identity(seq + 1, "20100505"),
            relation=Relation.CHILD,
            sex=Sex.FEMALE,
            birth_date=datetime.date(2010, 5, 5),
        ),
    ]
    return h, members


def make(world) -> Households:
    sub = world.sub
    ensure_defaults(sub)
    officer = Person.objects.create(username="hh-officer", full_name="帮扶干部甲")
    kong, m1 = _household(sub, world.kong_grid, "KJF-001", "孔帮扶", 101, "13805310001", officer)
    kong2, m2 = _household(sub, world.kong_grid2, "KJF-002", "孔二户", 201, "")
    yan, m3 = _household(sub, world.yan_grid, "YQ-001", "阎帮扶", 301, "13805310003")
    kong.categories.add(Category.objects.get(subdistrict=sub, code="tuopin"))
    food = ChecklistItem.objects.get(subdistrict=sub, code="food")
    housing = ChecklistItem.objects.get(subdistrict=sub, code="housing")
    today = clock.today()
    HouseholdCheck.objects.create(household=kong, item=food, state=CheckState.MET, checked_on=today)
    HouseholdCheck.objects.create(
        household=kong2, item=housing, state=CheckState.FAILING, evidence="屋顶漏雨", checked_on=today
    )
    Visit.objects.create(
        household=kong2,
        visited_on=today - datetime.timedelta(days=90),
        officer=Person.objects.get(username="demo-civil"),
        findings="屋顶漏雨",
        created_at=clock.now(),
    )
    refresh_households([kong.pk, kong2.pk, yan.pk])
    members = m1 + m2 + m3
    return Households(
        kong=Household.objects.get(pk=kong.pk),
        kong2=Household.objects.get(pk=kong2.pk),
        yan=Household.objects.get(pk=yan.pk),
        officer=officer,
        members=members,
        food=food,
        identities=[m.identity for m in members],
        phones=[p for p in [*(m.phone for m in members), kong.phone, yan.phone] if p],
    )


def extra_persona(world, role: str) -> Person:
    """An administrator of the subdistrict, or its tip officer (线索专管员): personas the demo logins lack."""
    person = Person.objects.create(username=f"hh-{role}", full_name={"admin": "管理员乙", "tip": "专管员丙"}[role])
    RoleAssignment.objects.create(
        person=person, role=Role.ADMIN if role == "admin" else Role.TIP_OFFICER, region=world.sub
    )
    return person


def make_in_demo() -> Households:
    """The same households where no `world` fixture is at hand (the browser tests)."""
    from types import SimpleNamespace

    from zhili.regions.models import Region

    kong = Region.objects.get(level=4, name="孔家坊村")
    yan = Region.objects.get(level=4, name="阎桥村")
    grids = list(kong.children.order_by("code"))
    world = SimpleNamespace(
        sub=kong.parent, kong_grid=grids[0], kong_grid2=grids[1], yan_grid=yan.children.order_by("code").first()
    )
    return make(world)
