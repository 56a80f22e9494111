"""The projects pages on a 390 px phone, with projects, months, receipts and a request on them (the demo may have
none): no page scrolls sideways and no table scrolls inside its box — tables are cards."""

from __future__ import annotations

import os
import re

import pytest

from tests.browser.conftest import PHONE_390, assert_fits

pytestmark = pytest.mark.browser


def _make():
    import datetime
    from decimal import Decimal

    from zhili.people.models import Person
    from zhili.people.scope import scope_for
    from zhili.projects import actions, monitor
    from zhili.projects.models import Enterprise, Project, ProjectMonth, TaxReceipt
    from zhili.regions.models import Region

    kong = Region.objects.get(name="孔家坊村")
    sub = kong.parent
    leader = Person.objects.get(username="demo-leader")
    actions.do_save_setup(sub, {}, actor=leader, scope=scope_for(leader))
    far = Enterprise.objects.create(
        subdistrict=sub, region=sub, name="外省建工集团有限公司", uscc="91110000PHONE0001A", county_code="110105"
    )
    key = Enterprise.objects.create(
        subdistrict=sub, region=kong, name="膜丽东方（手机）", uscc="91370100PHONE0002B", is_key=True, status="resumed"
    )
    project = Project.objects.create(
        subdistrict=sub,
        region=kong,
        name="孔家坊安置区一期工程（手机测试用的较长项目名称）",
        owner_name="太平街道办事处",
        contractor=far,
        relation="other_province",
        planned_investment=Decimal(12800),
        start=datetime.date(2020, 3, 1),
        status="building",
    )
    for m in range(3, 11):
        ProjectMonth.objects.create(
            project=project,
            month=datetime.date(2020, m, 1),
            received=Decimal("10300000"),
            subcontract=Decimal("2000000"),
            investment=Decimal("850.5"),
        )
        TaxReceipt.objects.create(
            subdistrict=sub,
            region=kong,
            taxpayer_id=far.uscc,
            taxpayer_name=far.name,
            tax="vat",
            period=datetime.date(2020, m, 1),
            amount=Decimal("100000"),
            enterprise=far,
            project=project if m % 2 else None,
            key=f"phone-{m}",
        )
    monitor.refresh([project.pk])
    economy = Person.objects.get(username="demo-economy")
    actions.do_add_request(key, kind="land", description="扩建用地", actor=economy, scope=scope_for(economy))
    return project, key


def test_the_projects_pages_fit_a_phone(open_page, demo):
    project, key = _make()
    b = open_page(**PHONE_390)
    b.login("demo-economy", tap=True)
    for url in [
        "/projects/overview/?year=2020",
        "/projects/list/",
        f"/projects/{project.pk}/",
        "/projects/investment/?year=2020",
        "/projects/receipts/?year=2020",
        "/projects/gap/?month=2020-05",
        "/projects/enterprises/",
        f"/projects/enterprises/{key.pk}/?year=2020",
        "/projects/enterprises/new/",
    ]:
        response = b.page.goto(b.base + url)
        assert response is not None and response.ok, url
        if os.environ.get("ZHILI_PHONE_SHOTS"):
            b.screenshot(f"phone-projects/{re.sub(r'[^0-9A-Za-z]+', '_', url)}.png")
        assert_fits(b.page, PHONE_390["viewport"]["width"], boxes=True)
    b.watch.assert_clean()
