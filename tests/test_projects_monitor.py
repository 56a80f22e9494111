"""monitor.refresh, the fast production path, gives exactly what taxes.expected (the readable rules) gives: every
field of every row, on random projects and months — carry-forward, the April 2019 rate change, small-scale
taxpayers under and over the threshold, a same-city contractor whose tax leaves, income tax of a head office."""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from zhili.projects import monitor, taxes
from zhili.projects.models import Enterprise, ExpectedTax, Project, ProjectMonth, TaxSetup

D = Decimal
RELATIONS = list(taxes.Relation)
METHODS = list(taxes.Method)


def _contractor(world, n: int = 0) -> Enterprise:
    return Enterprise.objects.create(
        subdistrict=world.sub, region=world.sub, name=f"测试建工{n}有限公司", uscc=f"91370100MA3C4XJ4{n:02d}"[:18]
    )


def _project(world, contractor, name, method, relation, management=taxes.Management.BRANCH) -> Project:
    return Project.objects.create(
        subdistrict=world.sub,
        region=world.kong,
        name=name,
        contractor=contractor,
        method=method.value,
        relation=relation.value,
        management=management.value,
        planned_investment=D("1000"),
        status="building",
    )


def _months(project, rows):
    ProjectMonth.objects.bulk_create(
        [ProjectMonth(project=project, month=m, received=D(r), subcontract=D(s)) for m, r, s in rows]
    )


def _amount(rng: random.Random) -> Decimal:
    kind = rng.random()
    if kind < 0.15:
        return D(0)
    if kind < 0.35:  # around the small-scale threshold (103,000 with VAT)
        return D(rng.randint(9_000_000, 11_500_000)) / 100
    return D(rng.randint(0, 300_000_000)) / 100


def _expected_rows(project: Project, location: str):
    months = [taxes.Month(m.month, m.received, m.subcontract) for m in project.months.order_by("month")]
    facts = taxes.Project(
        taxes.Method(project.method),
        taxes.Relation(project.relation),
        taxes.LocationClass(location),
        taxes.Management(project.management),
    )
    return [
        (
            t.month,
            t.base,
            t.carried,
            t.vat,
            t.urban_maintenance,
            t.education,
            t.local_education,
            t.income_tax,
            t.leaves,
            t.at_stake,
            "；".join(t.notes)[:300],
        )
        for t in taxes.expected(facts, months)
    ]


def _stored(project: Project):
    return [
        (
            e.month,
            e.base,
            e.carried,
            e.vat,
            e.urban_maintenance,
            e.education,
            e.local_education,
            e.income_tax,
            e.leaves,
            e.at_stake,
            e.note,
        )
        for e in ExpectedTax.objects.filter(project=project).order_by("month")
    ]


@pytest.mark.parametrize("location", ["urban", "town", "other"])
def test_refresh_equals_the_rules_on_random_projects(world, location):
    TaxSetup.objects.update_or_create(region=world.sub, defaults={"county_code": "370115", "location_class": location})
    rng = random.Random(f"monitor-{location}")
    contractor = _contractor(world)
    projects = []
    for i in range(40):
        p = _project(
            world,
            contractor,
            f"随机项目{i}",
            rng.choice(METHODS),
            rng.choice(RELATIONS),
            rng.choice(list(taxes.Management)),
        )
        first = datetime.date(2018, rng.randint(1, 12), 1)  # 2018 → 2020: across both VAT rate changes
        months = []
        for k in range(rng.randint(1, 30)):
            if rng.random() < 0.2:
                continue  # a month without figures
            y, m = divmod(first.month - 1 + k, 12)
            received = _amount(rng)
            # subcontract payments sometimes above receipts: the base carries forward
            subcontract = D(0) if rng.random() < 0.4 else (received * D(rng.uniform(0.1, 1.8))).quantize(D("0.01"))
            months.append((datetime.date(first.year + y, m + 1, 1), received, subcontract))
        _months(p, months)
        projects.append(p)
    written = monitor.refresh([p.pk for p in projects])
    assert written == ProjectMonth.objects.filter(project__in=projects).count()
    for p in projects:
        assert _stored(p) == _expected_rows(p, location), p.name


def test_worked_cases_carry_forward_rate_change_small_scale_and_leak(world):
    TaxSetup.objects.update_or_create(region=world.sub, defaults={"county_code": "370115", "location_class": "urban"})
    c = _contractor(world, 1)
    general = _project(world, c, "一般计税", taxes.Method.GENERAL, taxes.Relation.OTHER_PROVINCE)
    _months(
        general,
        [
            (datetime.date(2019, 3, 1), "1100000", "1300000"),  # 200,000 carried into April
            (datetime.date(2019, 4, 1), "1290000", "0"),  # 9 % from April 2019
        ],
    )
    small = _project(world, c, "小规模", taxes.Method.SMALL_SCALE, taxes.Relation.SAME_PROVINCE)
    _months(small, [(datetime.date(2020, 5, 1), "103000", "0"), (datetime.date(2020, 6, 1), "206000", "0")])
    leak = _project(world, c, "同城", taxes.Method.GENERAL, taxes.Relation.SAME_CITY)
    _months(leak, [(datetime.date(2020, 5, 1), "1090000", "218000")])
    head = _project(
        world, c, "总机构", taxes.Method.GENERAL, taxes.Relation.OTHER_PROVINCE, taxes.Management.HEAD_OFFICE
    )
    _months(head, [(datetime.date(2020, 5, 1), "1090000", "218000")])
    monitor.refresh(
        Project.objects.filter(pk__in=[general.pk, small.pk, leak.pk, head.pk]).values_list("pk", flat=True)
    )
    march, april = ExpectedTax.objects.filter(project=general).order_by("month")
    assert march.base == 0 and march.carried == D("200000.00") and march.vat == 0
    assert april.base == D("1090000.00") and april.vat == D("20000.00")  # ÷ 1.09 × 2 %
    may, june = ExpectedTax.objects.filter(project=small).order_by("month")
    assert may.vat == 0 and "无需预缴" in may.note and june.vat == D("6000.00")
    (lk,) = ExpectedTax.objects.filter(project=leak)
    assert lk.leaves and lk.vat == 0 and lk.at_stake == D("17920.00")
    (hd,) = ExpectedTax.objects.filter(project=head)
    assert hd.vat == D("16000.00") and hd.income_tax == D("2000.00")
    for p in (general, small, leak, head):
        assert _stored(p) == _expected_rows(p, "urban")


def test_refresh_reads_with_a_fixed_number_of_queries(world):
    c = _contractor(world, 2)
    for n in (3, 30):
        ps = [_project(world, c, f"计数{n}-{i}", taxes.Method.GENERAL, taxes.Relation.OTHER_PROVINCE) for i in range(n)]
        for p in ps:
            _months(p, [(datetime.date(2020, m, 1), "100000", "0") for m in range(1, 4)])
        ids = Project.objects.filter(pk__in=[p.pk for p in ps]).values_list("pk", flat=True)
        with CaptureQueriesContext(connection) as ctx:
            assert monitor.refresh(ids) == 3 * n
        reads = [q for q in ctx.captured_queries if "INSERT INTO" not in q["sql"][:40]]
        # projects, setups, months, delete, and the targets' kept figures of the subdistrict marked: the day (the
        # demo's, a site flag) and the sets counted up to it (none kept here)
        assert len(reads) == 6, [q["sql"][:80] for q in reads]


def test_refreshing_again_replaces_the_rows(world):
    c = _contractor(world, 3)
    p = _project(world, c, "重算", taxes.Method.GENERAL, taxes.Relation.OTHER_PROVINCE)
    _months(p, [(datetime.date(2020, 5, 1), "1090000", "218000")])
    monitor.refresh([p.pk])
    ProjectMonth.objects.filter(project=p).update(subcontract=D("0"))
    monitor.refresh([p.pk])
    (row,) = ExpectedTax.objects.filter(project=p)
    assert row.vat == D("20000.00")
