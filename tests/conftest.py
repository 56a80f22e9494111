"""Shared fixtures: the Taiping demo loaded once per test database, and personas to act as.

Personas are the demo logins (README) plus an outsider: the party secretary of 阎桥村, a village cadre who
must see nothing of 孔家坊 — and vice versa.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.test import Client

from zhili.demo import taiping
from zhili.people.models import Person, Role, RoleAssignment
from zhili.regions.models import Level, Region
from zhili.targets.models import Entry, Indicator

PERSONAS = {
    "leader": "demo-leader",
    "economy": "demo-economy",
    "urban": "demo-urban",
    "civil": "demo-civil",
    "village": "demo-village",
    "grid": "demo-grid",
    "viewer": "demo-viewer",
}


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Load the demo once into the test database; each test runs in a transaction rolled back after it."""
    with django_db_blocker.unblock():
        taiping.load()


@dataclass
class World:
    """Named objects of the demo that tests refer to."""

    city: Region
    district: Region
    sub: Region
    kong: Region  # 孔家坊村, demo-village's village
    kong_grid: Region  # demo-grid's grid
    kong_grid2: Region  # another grid of 孔家坊, not demo-grid's
    yan: Region  # 阎桥村, another village
    yan_grid: Region
    outsider: Person  # 阎桥村's secretary
    yan_person: Person  # a grid inspector of 阎桥
    ind_village: Indicator  # 2020, decomposed to villages incl. 孔家坊 and 阎桥, reported monthly
    ind_sub: Indicator  # 2020, not decomposed (the subdistrict's own)
    entry_kong: Entry  # a current report of ind_village by 孔家坊
    entry_yan: Entry  # … by 阎桥


@pytest.fixture
def world(db) -> World:
    sub = Region.objects.get(code=taiping.SUBDISTRICT[0])
    kong = Region.objects.get(parent=sub, name="孔家坊村")
    yan = Region.objects.get(parent=sub, name="阎桥村")
    kong_grids = list(kong.children.order_by("code"))
    yan_secretary = RoleAssignment.objects.get(region=yan, role=Role.VILLAGE_CADRE).person
    yan_inspector = RoleAssignment.objects.filter(region__parent=yan, role=Role.GRID_INSPECTOR).first().person
    # a reported (not computed) 2020 indicator decomposed to both 孔家坊 and 阎桥, with reports from both
    ind_village = (
        Indicator.objects.filter(task__goal__year=2020, source="report", decomposition="villages", shares__region=kong)
        .filter(shares__region=yan)
        .filter(entries__region=kong)
        .filter(entries__region=yan)
        .distinct()
        .order_by("code")
        .first()
    )
    # a reported (not computed) 2020 indicator of the subdistrict as a whole (not decomposed), with reports
    ind_sub = (
        Indicator.objects.filter(task__goal__year=2020, source="report", decomposition="none", entries__isnull=False)
        .distinct()
        .order_by("code")
        .first()
    )
    return World(
        city=Region.objects.get(level=Level.CITY),
        district=Region.objects.get(pk=sub.parent_id),
        sub=sub,
        kong=kong,
        kong_grid=kong_grids[0],
        kong_grid2=kong_grids[1],
        yan=yan,
        yan_grid=yan.children.order_by("code").first(),
        outsider=yan_secretary,
        yan_person=yan_inspector,
        ind_village=ind_village,
        ind_sub=ind_sub,
        entry_kong=Entry.objects.filter(indicator=ind_village, region=kong, is_current=True).latest("period_end"),
        entry_yan=Entry.objects.filter(indicator=ind_village, region=yan, is_current=True).latest("period_end"),
    )


def person(username: str) -> Person:
    return Person.objects.get(username=username)


@pytest.fixture
def as_persona(db, world):
    """as_persona("village") → a test client signed in as that persona ("anonymous" → signed out)."""

    def make(name: str) -> Client:
        client = Client()
        if name == "anonymous":
            return client
        user = world.outsider if name == "outsider" else person(PERSONAS[name])
        client.force_login(user)
        return client

    return make


def without_demo_projects(sub: Region) -> None:
    """A subdistrict as a township starting on its own finds it: none of the demo's projects, enterprises, months,
    receipts or requests (the demo's tax setup and its 企业诉求 categories stay). Rolled back with the test."""
    from zhili.projects.models import Enterprise, EnterpriseRequest, ExpectedTax, Project, ProjectMonth, TaxReceipt

    EnterpriseRequest.objects.filter(enterprise__subdistrict=sub).delete()
    TaxReceipt.objects.filter(subdistrict=sub).delete()
    ExpectedTax.objects.filter(project__subdistrict=sub).delete()
    ProjectMonth.objects.filter(project__subdistrict=sub).delete()
    Project.objects.filter(subdistrict=sub).delete()
    Enterprise.objects.filter(subdistrict=sub).delete()
