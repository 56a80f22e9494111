"""Cases for the Open311 tests and the scope matrix: the default categories (installed idempotently, whether or
not the demo already has case data), a public citizen's report with contact details, an inspector's patrol
report (not public) and a confidential tip — all in 孔家坊's first grid, demo-grid's grid."""

from __future__ import annotations

from decimal import Decimal

from zhili.cases import actions, defaults
from zhili.cases.models import Case, Category, Source
from zhili.demo import taiping
from zhili.people.models import Person, Unit
from zhili.people.scope import scope_for
from zhili.regions.models import Region

CONTACT_NAME = "联系人甲乙丙"
CONTACT_PHONE = "13912345678"
TIP_TEXT = "线索保密内容丁戊己"
PATROL_TEXT = "巡查发现暴露垃圾（内部）"


def subdistrict() -> Region:
    return Region.objects.get(code=taiping.SUBDISTRICT[0])


def install_categories(sub: Region | None = None) -> Region:
    sub = sub or subdistrict()
    if not Category.objects.filter(subdistrict=sub, code="garbage").exists():
        defaults.install(sub, center_unit=Unit.objects.filter(region=sub, code="urban").first())
    return sub


def grid_point(grid: Region) -> tuple[Decimal, Decimal]:
    """(lng, lat) inside the grid's boundary (the demo's grids are rectangles: their centre)."""
    return grid.center_lng, grid.center_lat


def kong_grid() -> Region:
    return Person.objects.get(username="demo-grid").roles.get().region


def public_case(*, description="路口垃圾桶满溢，无人清运", origin="192.0.2.10", photos=()) -> Case:
    sub = install_categories()
    lng, lat = grid_point(kong_grid())
    return actions.do_public_report(
        subdistrict=sub,
        category=Category.objects.get(subdistrict=sub, code="trash-bin"),
        description=description,
        lng=lng,
        lat=lat,
        contact_name=CONTACT_NAME,
        contact_phone=CONTACT_PHONE,
        origin=origin,
        photos=photos,
    )


def patrol_case() -> Case:
    sub = install_categories()
    inspector = Person.objects.get(username="demo-grid")
    lng, lat = grid_point(kong_grid())
    return actions.do_report_case(
        subdistrict=sub,
        category=Category.objects.get(subdistrict=sub, code="garbage"),
        description=PATROL_TEXT,
        actor=inspector,
        scope=scope_for(inspector),
        source=Source.PATROL,
        lng=lng,
        lat=lat,
        address="孔家坊村西口",
    )


def tip_case() -> Case:
    sub = install_categories()
    return actions.do_submit_tip(
        subdistrict=sub,
        description=TIP_TEXT,
        contact_name=CONTACT_NAME,
        contact_phone=CONTACT_PHONE,
        origin="198.51.100.7",
    )
