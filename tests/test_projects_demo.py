"""The demo's projects and tax sources (zhili/demo/projects2020.py): the board's 固定资产投资 and 税收收入 are
computed from them and match the year's series; gaps, 应统未统 and leaking projects, unmatched receipts, the six key
enterprises of the article with a year of taxes and their requests."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db.models import Sum

from zhili.cases.models import State
from zhili.demo import projects2020
from zhili.projects.models import Enterprise, EnterpriseRequest, ExpectedTax, Project, ProjectMonth, TaxReceipt
from zhili.regions import history
from zhili.targets import engine
from zhili.targets.models import Indicator, SourceKind
from zhili.targets.sources import Window

YEAR = 2020


def test_the_board_counts_investment_and_tax_from_the_records(world):
    investment = Indicator.objects.get(task__goal__year=YEAR, name="固定资产投资")
    tax = Indicator.objects.get(task__goal__year=YEAR, name="税收收入")
    for ind in (investment, tax):
        assert ind.source == SourceKind.COMPUTED and ind.source_key == "projects" and not ind.entries.exists()
    villages = history.on_day(world.sub, datetime.date(YEAR, 10, 31))
    for k, cumulative in enumerate(projects2020.SERIES, start=1):
        end = datetime.date(YEAR, k + 1, 1) - datetime.timedelta(days=1) if k < 12 else datetime.date(YEAR, 12, 31)
        values = engine.computed_values([investment], villages, Window(datetime.date(YEAR, 1, 1), end))
        assert abs(sum(values.values()) - cumulative) <= 1, k
    for k, monthly in enumerate(projects2020.TAX, start=1):
        start = datetime.date(YEAR, k, 1)
        end = datetime.date(YEAR, k + 1, 1) - datetime.timedelta(days=1)
        values = engine.computed_values([tax], villages, Window(start, end))
        assert abs(sum(values.values()) - monthly) <= 1, k


def test_the_ledger_has_unregistered_and_leaking_projects_and_gaps(world):
    projects = Project.objects.filter(subdistrict=world.sub)
    assert 40 <= projects.count() <= 60 and all(p.is_synthetic for p in projects)
    assert projects.filter(planned_investment__gte=500, registered=False).count() >= 3  # 应统未统
    assert projects.filter(relation="same_city").exists()
    assert ExpectedTax.objects.filter(leaves=True, at_stake__gt=0).exists()
    assert ExpectedTax.objects.filter(income_tax__gt=0).exists()
    assert ExpectedTax.objects.filter(carried__gt=0).exists()
    # most projects pay what is expected, some less
    expected = dict(
        ExpectedTax.objects.filter(project__subdistrict=world.sub)
        .values_list("project_id")
        .annotate(s=Sum("vat"))
        .values_list("project_id", "s")
    )
    paid = dict(
        TaxReceipt.objects.filter(project__isnull=False, tax="vat")
        .values_list("project_id")
        .annotate(s=Sum("amount"))
        .values_list("project_id", "s")
    )
    due = {p: v for p, v in expected.items() if v and v > 0}
    full = [p for p, v in due.items() if Decimal(str(paid.get(p) or 0)) >= Decimal(str(v)) - 1]
    assert len(full) > len(due) / 2 and len(full) < len(due)
    assert TaxReceipt.objects.filter(enterprise__isnull=True, region=world.sub).exists()  # unmatched
    assert TaxReceipt.objects.filter(project__isnull=False, project_name="").exists()
    assert TaxReceipt.objects.filter(project__isnull=False).exclude(project_name="").exists()
    assert ProjectMonth.objects.filter(project__subdistrict=world.sub).count() > 200


def test_the_six_key_enterprises_have_a_year_of_taxes_and_requests(world):
    keys = Enterprise.objects.filter(subdistrict=world.sub, is_key=True)
    names = {e.name for e in keys}
    for short in ["膜丽东方", "科尔超声波", "和建机械", "盛时创机械", "德辰机器", "铭润家具"]:
        assert any(short in n for n in names), short
    for e in keys:
        assert e.status == "resumed" and e.liaison_id and e.sector and e.is_synthetic
        months = set(e.receipts.values_list("period", flat=True))
        assert len(months) == 12, e.name
    requests = EnterpriseRequest.objects.filter(enterprise__in=keys).select_related("case")
    states = [r.case.state for r in requests]
    assert states.count(State.CLOSED) >= 3 and any(s != State.CLOSED for s in states)
